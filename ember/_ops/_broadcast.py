"""Undoing broadcasting and torch's dtype promotion for NumPy operands."""
from __future__ import annotations

import contextlib

import numpy as np

from .. import _dtype as D

__all__ = ["quiet", "sum_to_shape", "promote_arrays", "promote_scalar", "broadcast_error", "result_np_dtype"]


_NULL = contextlib.nullcontext()


def quiet():
    """Context for float math that may make inf/nan.

    torch never warns about inf/nan; NumPy does. Rather than pay for ``np.errstate`` on
    every op (about 1 us, as much as a small add), ember installs one warnings filter at
    import that drops RuntimeWarnings raised from inside ember's own modules (see
    ``ember/__init__.py``), so this context does nothing and costs almost nothing.
    """
    return _NULL


def sum_to_shape(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the dimensions that broadcasting added or expanded, to get back ``shape``."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and grad.shape[i + lead] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if lead:
        grad = grad.reshape(grad.shape[lead:])
    return grad.reshape(shape)


_NP = D._FROM_NUMPY
_PAIR_CACHE: dict = {}


def _pair_dtype(da: np.dtype, db: np.dtype, a0: bool, b0: bool) -> np.dtype:
    key = (da, db, a0, b0)
    r = _PAIR_CACHE.get(key)
    if r is None:
        ea, eb = _NP[da], _NP[db]
        if a0 == b0:
            r = D.promote_types(ea, eb)
        elif a0:
            r = D._combine_categories(eb, ea)
        else:
            r = D._combine_categories(ea, eb)
        r = r.np_dtype
        _PAIR_CACHE[key] = r
    return r


def promote_arrays(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cast two arrays to torch's result type (0-dim arrays count less than dimensioned ones)."""
    da, db = a.dtype, b.dtype
    if da is db:
        return a, b
    r = _pair_dtype(da, db, a.ndim == 0, b.ndim == 0)
    return (a if da is r else a.astype(r)), (b if db is r else b.astype(r))


_INT_BOUNDS = {np.dtype(t): (int(np.iinfo(t).min), int(np.iinfo(t).max))
               for t in (np.uint8, np.int8, np.int16, np.int32, np.int64)}


def promote_scalar(a: np.ndarray, s) -> tuple[np.ndarray, object]:
    """Cast an array for an operation with a Python scalar, torch-style (the scalar is a 'wrapped number')."""
    kind = a.dtype.kind
    t = type(s)
    if t is float:
        if kind not in "fc":
            return a.astype(D.get_default_dtype().np_dtype), s
        return a, s
    if t is int:
        if kind == "b":
            return a.astype(np.int64), s
        if kind in "iu":
            # torch wraps out-of-range integers into the tensor's type; NumPy would raise
            lo, hi = _INT_BOUNDS[a.dtype]
            if not lo <= s <= hi:
                s = np.array(s).astype(a.dtype)
        return a, s
    if t is bool:
        return a, s
    if t is complex:
        if kind == "c":
            return a, s
        # a float tensor keeps its precision (float16 -> complex32, which np_dtype rejects); others take the default's
        real = D._FROM_NUMPY[a.dtype] if kind == "f" else D.get_default_dtype()
        return a.astype(real.to_complex().np_dtype), s
    if isinstance(s, np.bool_):
        return promote_scalar(a, float(s))  # torch reads a NumPy bool as a double (python_arg_parser)
    if isinstance(s, np.generic):
        return promote_scalar(a, s.item())
    raise TypeError(f"unsupported operand type: {t.__name__}")


def result_np_dtype(a, b) -> np.dtype:
    """torch's result dtype for two operands (ndarrays or Python scalars)."""
    if type(b) is np.ndarray:
        if type(a) is np.ndarray:
            return _pair_dtype(a.dtype, b.dtype, a.ndim == 0, b.ndim == 0) if a.dtype is not b.dtype else a.dtype
        return promote_scalar(b, a)[0].dtype
    return promote_scalar(a, b)[0].dtype


def broadcast_error(*shapes) -> RuntimeError:
    """torch's message for shapes that cannot broadcast (first clash from the right)."""
    a, b = shapes[0], shapes[1]
    for x, y in zip(shapes, shapes[1:]):
        try:
            np.broadcast_shapes(x, y)
        except ValueError:
            a, b = x, y
            break
    nd = max(len(a), len(b))
    for i in range(nd - 1, -1, -1):
        off = nd - 1 - i
        sa = a[len(a) - 1 - off] if off < len(a) else 1
        sb = b[len(b) - 1 - off] if off < len(b) else 1
        if sa != sb and sa != 1 and sb != 1:
            return RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at non-singleton dimension {i}")
    return RuntimeError("shapes cannot be broadcast")
