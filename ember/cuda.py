"""``torch.cuda`` as it behaves in a CPU-only torch build: nothing is available.

Queries answer "no CUDA" (``is_available()`` False, ``device_count()`` 0), seeding
functions silently do nothing (torch queues CUDA seeding lazily and drops it when
CUDA never initialises), memory statistics are 0, and anything that would need a
GPU raises torch's ``AssertionError("Torch not compiled with CUDA enabled")``.
"""
from __future__ import annotations

import sys
from typing import Any

from . import amp as _amp_pkg

__all__ = ["is_available", "device_count", "is_initialized", "init", "manual_seed", "manual_seed_all", "seed",
           "seed_all", "get_rng_state_all", "set_rng_state_all", "get_rng_state", "set_rng_state", "synchronize",
           "empty_cache", "current_device", "set_device", "get_device_name", "get_device_properties",
           "get_device_capability", "is_bf16_supported", "mem_get_info", "memory_allocated", "max_memory_allocated",
           "memory_reserved", "max_memory_reserved", "reset_peak_memory_stats", "ipc_collect", "current_stream",
           "device", "amp"]

_NOT_COMPILED = "Torch not compiled with CUDA enabled"


def _lazy_init() -> None:
    raise AssertionError(_NOT_COMPILED)


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def init() -> None:
    _lazy_init()


# seeding without CUDA: torch defers these until CUDA initialises, which never happens, so they are no-ops
def manual_seed(seed: int) -> None:
    int(seed)  # torch converts the seed eagerly, so a non-number still fails


def manual_seed_all(seed: int) -> None:
    int(seed)


def seed() -> None:
    return None


def seed_all() -> None:
    return None


def get_rng_state_all() -> list:
    return []


def set_rng_state_all(new_states) -> None:
    for _ in new_states:
        _lazy_init()


def get_rng_state(device: Any = "cuda"):
    _lazy_init()


def set_rng_state(new_state, device: Any = "cuda") -> None:
    _lazy_init()


def synchronize(device: Any = None) -> None:
    _lazy_init()


def empty_cache() -> None:
    return None  # torch: a no-op until CUDA is initialised


def current_device() -> int:
    _lazy_init()


def set_device(device: Any) -> None:
    # torch fails here with an AttributeError from its C bindings; the clear message is more useful
    _lazy_init()


def get_device_name(device: Any = None) -> str:
    _lazy_init()


def get_device_properties(device: Any = None):
    _lazy_init()


def get_device_capability(device: Any = None) -> tuple[int, int]:
    _lazy_init()


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


def mem_get_info(device: Any = None) -> tuple[int, int]:
    _lazy_init()


def memory_allocated(device: Any = None) -> int:
    return 0


def max_memory_allocated(device: Any = None) -> int:
    return 0


def memory_reserved(device: Any = None) -> int:
    return 0


def max_memory_reserved(device: Any = None) -> int:
    return 0


def reset_peak_memory_stats(device: Any = None) -> None:
    # torch raises an AttributeError from its bindings here; a no-op keeps scripts that log memory running
    return None


def ipc_collect() -> None:
    _lazy_init()


def current_stream(device: Any = None):
    _lazy_init()


class device:
    """``with torch.cuda.device(i):`` context manager; a no-op for a negative index or None, like torch."""

    def __init__(self, device: Any) -> None:
        self.idx = device

    def __enter__(self) -> None:
        if self.idx is not None and not (isinstance(self.idx, int) and self.idx < 0):
            raise RuntimeError("PyTorch was compiled without CUDA support")

    def __exit__(self, *exc) -> bool:
        return False


# torch.cuda.amp: the deprecated spelling of torch.amp with device 'cuda'; registered as a module too,
# so that ``from ember.cuda.amp import GradScaler`` works like torch's import
amp = _amp_pkg._cuda_amp
sys.modules[__name__ + ".amp"] = amp
