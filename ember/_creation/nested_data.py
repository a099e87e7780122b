"""How ``torch.tensor(data)`` reads nested Python data: its shape, its dtype, each element checked as torch does.

A port of the behaviour of torch/csrc/utils/tensor_new.cpp (``compute_sizes``, ``infer_scalar_type``,
``recursive_store``): the shape is read along the first element of each level, the dtype is the
promotion of every element's type, and each element converts with c10's overflow rules. Errors come
in torch's order: dtype inference first, then the first bad element or ragged level met while storing.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import _dtype as D
from .. import _range_factories as R
from .._tensor import Tensor
from .args import storage_dtype

__all__ = ["SEQUENCES", "array_from_data"]

_MAX_DIMS = 64
SEQUENCES = (list, tuple, range, str, bytes, np.ndarray)
_BASIC = {float, int, bool}


def array_from_data(data, dtype: D.dtype | None) -> np.ndarray:
    """``data`` (nested sequences of numbers and tensors) as an array of ``dtype``, or of the inferred dtype if None."""
    sizes = _compute_sizes(data)
    leaves: list = []
    if 0 in sizes:  # torch stores nothing into an empty tensor: ragged data past an empty level goes unchecked
        if dtype is None:
            dtype = _infer_one(data)
        return np.zeros(sizes, storage_dtype(dtype))
    try:
        _flatten(data, sizes, 0, leaves, text_ok=dtype is not None)
    except (TypeError, ValueError, _Infer) as e:
        if dtype is None:
            dtype = _infer_one(data)  # torch infers the dtype before storing: its errors come first
        if not isinstance(e, _Infer):
            _store(leaves, dtype)  # torch stores as it walks: a bad element before the ragged level wins
            raise
        leaves = []
        try:
            _flatten(data, sizes, 0, leaves, text_ok=True)
        except (TypeError, ValueError):
            _store(leaves, dtype)
            raise
    types = set(map(type, leaves))
    if dtype is None:
        dtype = _infer_leaves(leaves, types) if leaves else D.get_default_dtype()
    return _store(leaves, dtype, types).reshape(sizes)


def _compute_sizes(data) -> list:
    """The shape, read along the first element of each level (a Tensor element is a scalar)."""
    sizes = []
    x = data
    while isinstance(x, SEQUENCES):
        n = len(x)  # a 0-d ndarray raises "len() of unsized object", as in torch
        sizes.append(n)
        if len(sizes) > _MAX_DIMS:
            raise ValueError(f"too many dimensions '{type(x).__name__}'")
        if n == 0:
            break
        x = x[0]
    return sizes


def _infer_one(x) -> D.dtype:
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, (np.ndarray, np.generic)):
        return D.from_numpy_dtype(x.dtype)
    if isinstance(x, float):
        return D.get_default_dtype()
    if isinstance(x, bool):
        return D.bool
    if isinstance(x, int):
        return D.int64
    if isinstance(x, complex):
        return D.get_default_dtype().to_complex()
    if isinstance(x, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    if isinstance(x, SEQUENCES):
        if len(x) == 0:
            return D.get_default_dtype()
        return _infer_items(x)
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


def _infer_items(items) -> D.dtype:
    r = None
    for y in items:
        d = _infer_one(y)
        r = d if r is None else D._PROMOTE[(r, d)]
        if r is D.complex128:  # nothing can change it: torch stops looking
            return r
    return r


def _infer_leaves(leaves: list, types: set) -> D.dtype:
    if types <= _BASIC:
        if float in types:
            return D.get_default_dtype()
        return D.int64 if int in types else D.bool
    return _infer_items(leaves)


def _flatten(x, sizes: list, dim: int, out: list, text_ok: bool = False) -> None:
    """recursive_store's walk: every level must have the length of the first one."""
    if dim == len(sizes):
        out.append(x)
        return
    if not isinstance(x, SEQUENCES):
        if not (isinstance(x, Tensor) and x._data.ndim):
            raise TypeError("not a sequence")
        # where a sequence is expected torch iterates a tensor (compute_sizes never looks inside one)
        x = [Tensor._make(np.asarray(x._data[i])) for i in range(x._data.shape[0])]
    n = sizes[dim]
    if len(x) != n:
        raise ValueError(f"expected sequence of length {n} at dim {dim} (got {len(x)})")
    if not text_ok and isinstance(x, (str, bytes)):
        raise _Infer  # torch's dtype inference would have rejected it, unless it stopped early at complex128
    if dim + 1 == len(sizes):
        out.extend(x)
        return
    for y in x:
        _flatten(y, sizes, dim + 1, out, text_ok)


class _Infer(Exception):
    """A str/bytes level reached while storing without a dtype: inference raises torch's error for it."""


def _store(leaves: list, d: D.dtype, types: set | None = None) -> np.ndarray:
    """recursive_store's scalar conversions, checked as torch checks them, into a flat array of dtype ``d``."""
    try:
        return _store_all(leaves, d, types)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        # torch converts element by element: report the first bad one, not the first the bulk checks noticed
        kind = d._kind
        for x in leaves:
            if isinstance(x, Tensor):
                x = _tensor_leaf(x, kind)
            if kind == "f":
                _real_value(x)
            elif kind == "c":
                _complex_value(x)
            elif kind == "b":
                _bool_value(x)
            else:
                _int_value(x, d)
        raise


def _store_all(leaves: list, d: D.dtype, types: set | None) -> np.ndarray:
    nd = d.np_dtype
    if types is None:
        types = set(map(type, leaves))
    kind = d._kind
    if Tensor in types:
        leaves = [_tensor_leaf(x, kind) if isinstance(x, Tensor) else x for x in leaves]
        types = set(map(type, leaves))
    if kind == "f" or kind == "c":
        if not types <= _BASIC:
            leaves = [(_complex_value if kind == "c" else _real_value)(x) for x in leaves]
        # stored as a double first, then cast (a float32 overflow becomes inf, as in torch)
        return np.array(leaves, np.complex128 if kind == "c" else np.float64).astype(nd)
    if kind == "b":
        return np.array(leaves if types <= {bool} else [_bool_value(x) for x in leaves], np.bool_)
    if types <= {int, bool}:
        if leaves:
            _check_int_range(leaves, d)
        return np.array(leaves, np.int64).astype(nd)
    return np.array([_int_value(x, d) for x in leaves], np.int64).astype(nd)


def _tensor_leaf(x: Tensor, kind: str):
    """A Tensor element goes through Tensor.__float__ (floating targets) or __index__ (integer and bool targets)."""
    if kind in "ib":
        if x._data.dtype.kind not in "iub" or x._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(x._data.reshape(()))
    if x._data.size != 1:
        raise ValueError("only one element tensors can be converted to Python scalars")
    v = x._data.reshape(()).item()
    if kind == "f" and isinstance(v, complex):
        if v.imag != 0:
            raise R.overflow_error(D.float64)
        v = v.real
    return v


def _overflow(d: D.dtype) -> RuntimeError:
    return RuntimeError(f"value cannot be converted to type {d.name} without overflow")


def _check_int_range(vals: list, d: D.dtype) -> None:
    lo, hi = min(vals), max(vals)
    if lo < -2 ** 63 or hi > 2 ** 63 - 1:
        raise ValueError("Overflow when unpacking long long")
    info = np.iinfo(d.np_dtype)
    # c10::overflows lets a negative integer wrap into an unsigned type when its magnitude fits
    if hi > info.max or (lo < info.min and not (info.min == 0 and -lo <= info.max)):
        raise _overflow(d)


def _int_value(x, d: D.dtype) -> int:
    """unpackIntegral: a float is range-checked then truncated; anything else must be an index. uint64 is read
    through an unsigned unpack that takes integers only."""
    if isinstance(x, float) and d.np_dtype == np.uint64:
        raise TypeError("an integer is required")
    if isinstance(x, float):
        info = np.iinfo(d.np_dtype)
        if not info.min <= x <= info.max:  # also nan and inf
            raise _overflow(d)
        return int(x)
    v = operator.index(x)
    _check_int_range([v], d)
    return v


def _real_value(x) -> float:
    """PyFloat_AsDouble: anything with __float__ or __index__."""
    if isinstance(x, (float, int, np.floating, np.integer, np.bool_)):
        return float(x)
    if not isinstance(x, (str, bytes, complex, np.complexfloating)):
        f = getattr(type(x), "__float__", None) or getattr(type(x), "__index__", None)
        if f is not None:
            return float(f(x))
    raise TypeError(f"must be real number, not {type(x).__name__}")


def _complex_value(x):
    if isinstance(x, (complex, np.complexfloating)):
        return complex(x)
    return _real_value(x)


def _bool_value(x) -> bool:
    if isinstance(x, (float, complex, np.bool_)):  # np.float32 is neither: it must be an index
        return bool(x)
    return operator.index(x) != 0  # no overflow check: a huge int is True, as in NumPy
