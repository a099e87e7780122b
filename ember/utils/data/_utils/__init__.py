"""Helpers of the DataLoader: collation, fetching, and the in-process workers."""
from __future__ import annotations

from . import collate, fetch, worker
from .worker import get_worker_info

__all__ = ["collate", "fetch", "worker", "get_worker_info"]
