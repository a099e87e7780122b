"""Every public layer, re-exported explicitly."""
from .module import Module

__all__ = ["Module"]
