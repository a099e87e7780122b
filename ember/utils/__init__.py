"""``ember.utils``: ``data`` (datasets and loaders), ``safetensors`` (its own reader/writer) and ``hooks``."""
from __future__ import annotations

from . import data, hooks, safetensors

__all__ = ["data", "hooks", "safetensors"]
