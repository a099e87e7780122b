"""Evenly spaced values: ``arange``, the deprecated ``range``, ``linspace`` and ``logspace``.

This layer checks the arguments and picks the dtype; ``ember._range_factories`` computes the values
with torch's arithmetic, bit for bit.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
from .. import _range_factories as R
from .._device import check_device
from .._tensor import Tensor
from .args import as_dtype, into_out, is_int, leaf, number

__all__ = ["arange", "range", "linspace", "logspace"]


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless a bound or step is a float."""
    check_device(device)
    start, end, step = number(start), number(end), number(step)
    if end is None:
        start, end = 0, start
    if dtype is None:
        dtype = D.int64 if all(is_int(v) for v in (start, end, step)) else D.get_default_dtype()
    dtype = as_dtype(dtype)
    if dtype is D.bool or dtype.is_complex:
        from .._tensor import _SCALAR_NAMES
        raise NotImplementedError(f'"arange_cpu" not implemented for \'{_SCALAR_NAMES[dtype.name]}\'')
    n = R.arange_length(start, end, step, dtype)
    return into_out(leaf(R.arange_values(start, step, n, dtype), requires_grad), out)


def range(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """Deprecated inclusive range (torch.range): ``start`` to ``end`` by ``step``, default float dtype."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in [start, end).",
                  UserWarning, stacklevel=2)
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    check_device(device)
    d = as_dtype(dtype) if dtype is not None else D.get_default_dtype()
    xs, xe, xst = (float(number(v)) for v in (start, end, step))
    if xst == 0:
        raise RuntimeError("step must be nonzero")
    if not ((xst > 0 and xe >= xs) or (xst < 0 and xe <= xs)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = int((xe - xs) / xst + 1)
    return into_out(leaf(R.arange_values(number(start), number(step), n, d), requires_grad), out)


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (torch's two-sided formula)."""
    check_device(device)
    start, end, steps, d = _spaced_args("linspace", start, end, steps, dtype)
    arr = R.linspace_values(start, end, steps, d) if steps else np.empty(0, d.np_dtype)
    return into_out(leaf(arr, requires_grad), out)


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``, with torch's exponent arithmetic."""
    check_device(device)
    start, end, steps, d = _spaced_args("logspace", start, end, steps, dtype)
    arr = R.logspace_values(start, end, steps, base, d) if steps else np.empty(0, d.np_dtype)
    return into_out(leaf(arr, requires_grad), out)


def _spaced_args(fn: str, start, end, steps, dtype) -> tuple:
    """linspace's and logspace's checked ``(start, end, steps, dtype)``: complex bounds give a complex default."""
    start, end = number(start), number(end)
    steps = _steps(steps, fn)
    d = _range_dtype(dtype, start, end)
    if d is D.bool and steps > 1:  # one step is a fill with start, no kernel: torch allows bool there
        raise NotImplementedError(f'"{fn}_cpu" not implemented for \'Bool\'')
    return start, end, steps, d


def _steps(steps, fn: str) -> int:
    if isinstance(steps, Tensor):
        steps = steps.item()
    if not is_int(steps) or isinstance(steps, bool):
        raise TypeError(f"{fn}(): argument 'steps' (position 3) must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def _range_dtype(dtype, start, end) -> D.dtype:
    if dtype is not None:
        return as_dtype(dtype)
    if any(isinstance(v, (complex, np.complexfloating)) for v in (start, end)):
        return D.get_default_dtype().to_complex()
    return D.get_default_dtype()
