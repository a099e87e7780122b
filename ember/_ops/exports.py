"""The torch-level names of the op modules added after ember/__init__.py's import lists were written:
``from ._ops.exports import *`` there brings in every name in ``__all__`` below."""

from .compose import *  # noqa: F401,F403
from .compose import __all__ as _compose_all
from .scatter_reduce import *  # noqa: F401,F403
from .scatter_reduce import __all__ as _scatter_all

from .windows import diag_embed
from .. import linalg  # torch.linalg is a module: ember/linalg.py

__all__ = list(_compose_all) + list(_scatter_all) + ["diag_embed", "linalg"]
