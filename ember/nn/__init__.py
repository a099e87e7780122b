"""``ember.nn``: modules, layers, functional ops and initialisers with torch's API."""
from __future__ import annotations

from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from .modules import *  # noqa: F401,F403  (modules/__init__.py lists every public layer in __all__)
from . import functional, init, utils
