"""``ember.utils``: helpers shared across the package (``hooks``)."""
from __future__ import annotations

from . import hooks

__all__ = ["hooks"]
