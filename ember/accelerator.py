"""``torch.accelerator``: ember knows no accelerator, so there is none to report."""
from __future__ import annotations

from typing import Any

__all__ = ["is_available", "current_accelerator", "device_count", "synchronize", "empty_cache",
           "current_device_index"]

_NONE = "Cannot access accelerator device when none is available."


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False) -> None:
    return None


def device_count() -> int:
    return 0


def synchronize(device: Any = None) -> None:
    raise RuntimeError(_NONE)


def empty_cache() -> None:
    raise RuntimeError(_NONE)


def current_device_index() -> int:
    raise RuntimeError(_NONE)
