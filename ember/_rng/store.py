"""How the random kernels store their values: torch's TensorIterator write order and its C++ casts.

A kernel generates values in one flat sequence; torch writes that sequence into the output in
TensorIterator order, which for a non-contiguous output is the order of the dims sorted by decreasing
stride (memory order for a transposed view), and converts each double with ``static_cast<scalar_t>``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["iter_order_perm", "iter_order_view", "write", "cast", "int64_to"]

f16, f32, f64 = np.float16, np.float32, np.float64


def iter_order_perm(out: np.ndarray) -> list[int]:
    """The dims of ``out`` in TensorIterator's write order: largest stride outermost, ties in logical order."""
    return sorted(range(out.ndim), key=lambda d: (-abs(out.strides[d]) if out.shape[d] > 1 else 0, d))


def iter_order_view(out: np.ndarray) -> np.ndarray:
    """A view of ``out`` whose C order is torch's TensorIterator write order for this output."""
    if out.ndim <= 1 or out.flags.c_contiguous:
        return out
    return out.transpose(iter_order_perm(out))


def write(out: np.ndarray, values: np.ndarray) -> None:
    """Store ``values`` (flat, in generation order) into ``out`` in TensorIterator order."""
    if out.ndim == 0:
        out[()] = values[0]
        return
    view = iter_order_view(out)
    view[...] = values.reshape(view.shape)


def cast(values: np.ndarray, np_dtype) -> np.ndarray:
    """C++ ``static_cast<scalar_t>`` of a double: c10::Half converts through float (two roundings)."""
    if np_dtype == f16 and values.dtype == f64:
        values = values.astype(f32)
    return values.astype(np_dtype, copy=False)


def int64_to(v: np.ndarray, dt) -> np.ndarray:
    """``static_cast<scalar_t>`` of int64 values: Half through float, bool as ``!= 0``."""
    if dt == f16:
        return v.astype(f32).astype(f16)  # int64 -> float -> Half in c10
    if dt == np.bool_:
        return v != 0
    return v.astype(dt, copy=False)
