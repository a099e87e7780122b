"""Tensors of one value: ``zeros``, ``ones``, ``empty``, ``full``, their ``*_like`` forms, ``scalar_tensor`` and ``eye``.

``empty`` is zero-filled rather than uninitialised: the same cost in NumPy, and reproducible.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .. import _range_factories as R
from .._device import check_device
from .._tensor import Tensor
from .args import as_dtype, into_out, leaf, size_arg, storage_dtype

__all__ = ["zeros", "ones", "empty", "empty_strided", "full", "zeros_like", "ones_like", "empty_like", "full_like",
           "scalar_tensor", "eye", "fill_value_as", "full_size"]


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory=False) -> Tensor:
    check_device(device)
    arr = np.zeros(size_arg(size, "zeros"), dtype=storage_dtype(dtype))
    return into_out(leaf(arr, requires_grad), out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory=False) -> Tensor:
    check_device(device)
    arr = np.ones(size_arg(size, "ones"), dtype=storage_dtype(dtype))
    return into_out(leaf(arr, requires_grad), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory=False,
          memory_format=None) -> Tensor:
    # zero-filled rather than uninitialised: same cost in NumPy, and reproducible
    check_device(device)
    arr = np.zeros(size_arg(size, "empty"), dtype=storage_dtype(dtype))
    return into_out(leaf(arr, requires_grad), out)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A zero-filled tensor with the given strides (a view of a buffer just large enough)."""
    check_device(device)
    shape, stride = size_arg((tuple(size),), "empty_strided", allow_none=True), tuple(int(s) for s in stride)
    nd = storage_dtype(dtype)
    extent = 1 + sum((n - 1) * st for n, st in zip(shape, stride)) if all(shape) else 0
    buf = np.zeros(extent, nd)
    arr = np.lib.stride_tricks.as_strided(buf, shape, [st * nd.itemsize for st in stride])
    return leaf(arr, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
         pin_memory=False) -> Tensor:
    check_device(device)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    d = dtype if dtype is not None else _scalar_fill_dtype(fill_value)
    shape = full_size(size, "full")
    arr = np.full(shape, fill_value_as(fill_value, as_dtype(d)), dtype=storage_dtype(d))
    return into_out(leaf(arr, requires_grad), out)


def zeros_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    check_device(device)
    return _like(input, dtype, requires_grad, 0)


def ones_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    check_device(device)
    return _like(input, dtype, requires_grad, 1, "ones_like")


def empty_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    check_device(device)
    return _like(input, dtype, requires_grad, None, "empty_like")


def full_like(input: Tensor, fill_value, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    check_device(device)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _like(input, dtype, requires_grad, fill_value, "full_like")


def _like(input: Tensor, dtype, requires_grad, fill, fn: str = "zeros_like"):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    d = dtype if dtype is not None else input.dtype
    if fill is None:
        arr = np.zeros(input._data.shape, dtype=storage_dtype(d))
    else:
        arr = np.full(input._data.shape, fill_value_as(fill, as_dtype(d)), dtype=storage_dtype(d))
    return leaf(arr, requires_grad)


def fill_value_as(fill_value, d: D.dtype):
    """fill_'s Scalar.to<T>(): checked as c10 checks it (overflow, wrap of negative ints into uint8, imaginary parts)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return R.scalar_to(fill_value, d)


def full_size(size, fn: str) -> tuple:
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    return size_arg((tuple(size),), fn, allow_none=True)


def _scalar_fill_dtype(fill_value) -> D.dtype:
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    return D.scalar_dtype(fill_value)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A 0-dim tensor holding the number ``s`` (default dtype whatever the number), with c10's overflow checks."""
    check_device(device)
    if isinstance(s, Tensor):
        s = s.item()
    if not isinstance(s, (int, float, complex, np.number, np.bool_)):
        raise TypeError(f"scalar_tensor(): argument 's' (position 1) must be Number, not {type(s).__name__}")
    if isinstance(s, int) and not -2 ** 63 <= s < 2 ** 64:
        raise OverflowError("int too big to convert")
    d = as_dtype(dtype) if dtype is not None else D.get_default_dtype()
    nd = storage_dtype(d)
    if d is D.float16:  # scalar_tensor converts to Half through double, unchecked: out of range becomes inf
        v = R.scalar_to(s, D.float64)
        with np.errstate(over="ignore"):
            return leaf(np.array(v).astype(nd), requires_grad)
    return leaf(np.array(R.scalar_to(s, d), nd), requires_grad)


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False) -> Tensor:
    check_device(device)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    arr = np.eye(n, n if m is None else m, dtype=storage_dtype(dtype))
    return into_out(leaf(arr, requires_grad), out)
