"""Helpers of the DataLoader: collation, and the worker query (ember has no worker processes)."""
from __future__ import annotations

from typing import Any

from . import collate

__all__ = ["collate", "get_worker_info"]


def get_worker_info() -> Any:
    """Always ``None``: ember loads in the main process, where torch also returns ``None``."""
    return None
