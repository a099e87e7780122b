"""The torch-level names of the op modules added after ember/__init__.py's import lists were written:
``from ._ops.exports import *`` there brings in every name in ``__all__`` below."""
import sys

from .compose import *  # noqa: F401,F403
from .compose import __all__ as _compose_all
from .scatter_reduce import *  # noqa: F401,F403
from .scatter_reduce import __all__ as _scatter_all

from .windows import diag_embed
from . import linalg_api as linalg

# torch.linalg is a module: make ``import ember.linalg`` / ``from ember.linalg import ...`` find this one
sys.modules.setdefault("ember.linalg", linalg)

__all__ = list(_compose_all) + list(_scatter_all) + ["diag_embed", "linalg"]
