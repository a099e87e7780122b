"""Arguments every tensor factory takes: dtype, size, ``out=`` and ``requires_grad``, with torch's errors."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor

__all__ = ["as_dtype", "storage_dtype", "leaf", "size_arg", "into_out", "check_strides", "number", "is_int"]


def as_dtype(d) -> D.dtype:
    """A ``dtype=`` argument as a torch dtype (Python's float, int, bool, complex: float64, int64, bool, complex128)."""
    if isinstance(d, D.dtype):
        return d
    if d is float:
        return D.float64
    if d is int:
        return D.int64
    if d is bool:
        return D.bool
    if d is complex:
        return D.complex128
    raise TypeError(f"dtype must be torch.dtype, not {type(d).__name__}")


def storage_dtype(dtype: D.dtype | None, default: D.dtype | None = None) -> np.dtype:
    """The NumPy dtype that stores ``dtype`` (else ``default``, else the default dtype); ember's error where none can."""
    d = dtype if dtype is not None else (default if default is not None else D.get_default_dtype())
    if not isinstance(d, D.dtype):
        d = as_dtype(d)
    return D._require_storable(d)


def leaf(arr: np.ndarray, requires_grad: bool) -> Tensor:
    """A new leaf tensor over ``arr``; only floating and complex ones may require grad."""
    if requires_grad and arr.dtype.kind not in "fc":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor._make(arr, requires_grad)


def size_arg(size, fn: str = "zeros", allow_none: bool = False) -> tuple:
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size(...)), with torch's errors."""
    if not size and not allow_none:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size, nested = size[0], True
    else:
        nested = False
    out = []
    for i, s in enumerate(size):
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            if nested or len(size) > 1:
                raise TypeError(f"{fn}(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                                f"\"type must be tuple of ints,but got {type(s).__name__}\"")
            raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, not {type(s).__name__}")
        out.append(int(s))
    for s in out:
        if s < 0:
            if fn == "zeros":  # only at::zeros has its own check
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: [{', '.join(map(str, out))}]")
    return tuple(out)


def into_out(t: Tensor, out: Tensor | None) -> Tensor:
    """``t``, or with ``out=`` given: ``t`` copied into ``out`` (resized to its shape, cast to its dtype)."""
    if out is None:
        return t
    if out._data.shape != t._data.shape:
        out._data = np.empty(t._data.shape, out._data.dtype)
    np.copyto(out._data, t._data, casting="unsafe")
    out._bump_version()
    return out


def check_strides(arr: np.ndarray) -> None:
    """torch refuses arrays with negative strides (a reversed view) rather than copy them silently."""
    if any(s < 0 for s in arr.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative strides "
                         "are not currently supported. (You can probably work around this by making a copy of your "
                         "array  with array.copy().) ")


def number(x):
    """A one-element tensor argument as its Python number; anything else unchanged."""
    return x.item() if isinstance(x, Tensor) else x


def is_int(v) -> bool:
    return isinstance(v, (int, np.integer))
