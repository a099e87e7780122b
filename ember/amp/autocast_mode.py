"""``torch.autocast``: accepted everywhere, but ember never lowers precision.

ember's kernels are NumPy's, which have no bfloat16 arithmetic, so inside an
enabled CPU autocast region ember keeps computing in the tensors' own dtypes
(float32 stays float32) where torch would run matmuls/linears in bfloat16.
Everything else follows torch: argument checks, the warnings that disable
autocast for CUDA (absent) or an unsupported CPU dtype, the enabled/dtype state
seen by ``is_autocast_enabled``/``get_autocast_dtype``, and use as a decorator.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

from .. import _dtype as D
from .._device import device as _device

__all__ = ["autocast", "is_autocast_available", "is_autocast_enabled", "get_autocast_dtype", "custom_fwd", "custom_bwd"]

# per device type: [enabled, dtype]; torch's defaults
_state: dict[str, list] = {"cpu": [False, D.bfloat16], "cuda": [False, D.float16]}


def is_autocast_available(device_type: str) -> bool:
    return device_type in ("cpu", "cuda", "xpu", "mps", "hpu", "mtia", "xla", "ipu", "privateuseone")


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """``torch.is_autocast_enabled``: with no device type, torch asks about CUDA."""
    return _state.get(device_type or "cuda", [False])[0]


def get_autocast_dtype(device_type: str) -> D.dtype:
    """``torch.get_autocast_dtype``: the dtype autocast would use (ember computes in it never)."""
    return _state.get(device_type, [False, D.float16])[1]


class autocast:
    """``with torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None):`` (see module doc)."""

    def __init__(self, device_type: str, dtype: D.dtype | None = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            # name ember's device class as torch's, the class a torch script would have passed
            got = "<class 'torch.device'>" if isinstance(device_type, _device) else str(type(device_type))
            raise ValueError(f"Expected `device_type` of type `str`, got: `{got}`")
        _device(device_type)  # torch's error for an unknown device type
        self.device = device_type
        self.fast_dtype = dtype if dtype is not None else get_autocast_dtype(device_type)
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        if enabled and device_type == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", UserWarning,
                          stacklevel=2)
            enabled = False
        elif enabled and device_type == "cpu" and self.fast_dtype not in (D.bfloat16, D.float16):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                          "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                          UserWarning, stacklevel=2)
            enabled = False
        self._enabled = enabled

    def __enter__(self) -> None:
        st = _state.setdefault(self.device, [False, self.fast_dtype])
        self._prev = list(st)
        st[0] = self._enabled
        st[1] = self.fast_dtype
        return None

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> bool:
        _state[self.device][:] = self._prev
        return False

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorate_autocast


def custom_fwd(fwd: Callable | None = None, *, device_type: str, cast_inputs: D.dtype | None = None) -> Callable:
    """Decorator for a custom Function's forward; ember never casts, so it returns ``fwd`` as is."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd: Callable | None = None, *, device_type: str) -> Callable:
    """Decorator for a custom Function's backward; returns ``bwd`` as is."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd
