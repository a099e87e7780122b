"""Process-wide settings torch scripts set at start-up: default device, determinism, threads, matmul precision.

ember computes with single-threaded NumPy kernels plus NumPy's BLAS for matrix
products (whose threads ``set_num_threads`` sets), always in full float32/float64
precision, so the other settings are recorded and reported back without changing
how ember computes.
"""
from __future__ import annotations

import math
import os
import warnings

from ._device import CPU, check_device, device
from ._malloc import tune_malloc as _tune_malloc

__all__ = ["set_default_device", "get_default_device", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_deterministic_debug_mode", "get_deterministic_debug_mode", "set_num_threads", "get_num_threads",
           "set_num_interop_threads", "get_num_interop_threads", "set_float32_matmul_precision",
           "get_float32_matmul_precision", "inf", "nan", "pi", "e", "newaxis"]

inf = math.inf
nan = math.nan
pi = math.pi
e = math.e
newaxis = None


def set_default_device(device: str | device | None) -> None:
    """Only the CPU exists: ``'cpu'``/None are accepted, other devices raise ``check_device``'s error.

    Deliberate difference: torch accepts ``'cuda'`` here and fails at the next tensor creation
    with the same "Torch not compiled with CUDA enabled"; ember fails at once.
    """
    check_device(device)


def get_default_device() -> device:
    return CPU


class _State:
    deterministic = False
    warn_only = False
    # NumPy's BLAS threads: one unless the user asked otherwise (see _blas.use_default_threads)
    num_threads = 1
    num_interop_threads = max(1, (os.cpu_count() or 1))
    matmul_precision = "highest"


state = _State()


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Recorded only: every ember kernel is already deterministic."""
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not {type(mode).__name__}")
    state.deterministic = bool(mode)
    state.warn_only = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return state.deterministic


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return state.warn_only


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got {debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    elif not isinstance(debug_mode, int) or isinstance(debug_mode, bool):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> int:
    if not state.deterministic:
        return 0
    return 1 if state.warn_only else 2


def _check_threads(name: str, n) -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise RuntimeError(f"{name} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return n


def set_num_threads(int: int) -> None:  # noqa: A002 - torch's parameter name
    """The threads of NumPy's BLAS (matrix products); ember's other kernels are single-threaded NumPy."""
    state.num_threads = _check_threads("set_num_threads", int)
    from ._blas import set_threads
    set_threads(state.num_threads)


def get_num_threads() -> int:
    return state.num_threads


def _init_threads() -> None:
    """At import: one BLAS thread, unless OPENBLAS_NUM_THREADS / OMP_NUM_THREADS say otherwise.

    ember's matrix products are short and interleaved with Python work; OpenBLAS's
    per-call thread hand-off then costs more than it gains (measured here: an MLP
    784-256-256-10 training step at batch 64 took 12 ms with one thread and 104 ms with
    two on a 2-core machine whose other core was busy). ``set_num_threads(n)`` raises it.
    """
    from ._blas import get_threads, set_threads
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(var):
            state.num_threads = get_threads() or state.num_threads
            return
    set_threads(1)


_init_threads()
malloc_tuned = _tune_malloc()


def set_num_interop_threads(int: int) -> None:  # noqa: A002
    """Recorded only (ember has no inter-op thread pool)."""
    state.num_interop_threads = _check_threads("set_num_interop_threads", int)


def get_num_interop_threads() -> int:
    return state.num_interop_threads


_PRECISIONS = ("highest", "high", "medium")


def set_float32_matmul_precision(precision: str) -> None:
    """Recorded only: ember's float32 matmuls always run in full float32 (there is no TF32/bf16 path)."""
    if precision not in _PRECISIONS:
        # torch warns (from C++) and keeps the old setting
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    state.matmul_precision = precision


def get_float32_matmul_precision() -> str:
    return state.matmul_precision
