"""``torch.backends.cudnn``: unavailable; ``enabled``/``benchmark``/``deterministic``/``allow_tf32`` are stored only."""
from __future__ import annotations

import contextlib
from typing import Iterator

__all__ = ["is_available", "version", "is_acceptable", "flags", "enabled", "benchmark", "benchmark_limit",
           "deterministic", "allow_tf32"]

# CPU-only torch's defaults (benchmark_limit is None without cuDNN)
enabled: bool = True
benchmark: bool = False
benchmark_limit: int | None = None
deterministic: bool = False
allow_tf32: bool = True


def is_available() -> bool:
    return False


def version() -> None:
    return None


def is_acceptable(tensor) -> bool:
    return False


@contextlib.contextmanager
def flags(enabled: bool = False, benchmark: bool = False, benchmark_limit: int = 10, deterministic: bool = False,
          allow_tf32: bool = True) -> Iterator[None]:
    """Set the flags for the duration of a ``with`` block, then restore them."""
    g = globals()
    names = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32")
    old = {n: g[n] for n in names}
    g.update(zip(names, (enabled, benchmark, benchmark_limit, deterministic, allow_tf32)))
    try:
        yield
    finally:
        g.update(old)
