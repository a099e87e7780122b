"""Bit shifts: ``bitwise_left_shift`` / ``bitwise_right_shift`` (``<<`` / ``>>``), with torch's rules.

Both operands are promoted to one integer dtype first (``int8 << int64 tensor`` is int64; a Python int wraps into
the tensor's dtype). A shift count outside ``[0, bits)`` is defined, as in torch's kernels (BinaryOpsKernel.cpp):
a left shift gives 0, a right shift of a signed value gives its sign fill (0 or -1), of an unsigned value 0.
No gradient: the ops take integers only.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._args import inplace_method, promoted, write_out
from ._broadcast import broadcast_error
from .comparison import _dtype_name, _operands

__all__ = ["bitwise_left_shift", "bitwise_right_shift"]

# torch's shift kernels exist for these dtypes only (not for bool, the wide unsigned types or floats)
_SHIFTABLE = frozenset(np.dtype(t) for t in (np.uint8, np.int8, np.int16, np.int32, np.int64))


def _lshift(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a << b in a's dtype, computed on the unsigned bits (so a signed overflow wraps instead of being undefined)."""
    bits = a.dtype.itemsize * 8
    unsigned = np.dtype(f"u{a.dtype.itemsize}")
    ok = (b >= 0) & (b < bits)
    count = np.where(ok, b, 0).astype(unsigned)
    res = np.left_shift(a.astype(unsigned, copy=False), count).astype(a.dtype, copy=False)
    return np.where(ok, res, a.dtype.type(0))


def _rshift(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a >> b (arithmetic for signed dtypes); an out-of-range count shifts by bits-1 (signed) or clears (unsigned)."""
    bits = a.dtype.itemsize * 8
    ok = (b >= 0) & (b < bits)
    if a.dtype.kind == "u":
        res = np.right_shift(a, np.where(ok, b, 0).astype(a.dtype))
        return np.where(ok, res, a.dtype.type(0))
    return np.right_shift(a, np.where(ok, b, bits - 1).astype(a.dtype))


def _shift(kernel, name: str):
    def op(input, other, *, out=None) -> Tensor:
        if not isinstance(input, Tensor):
            if not isinstance(other, Tensor):
                raise TypeError(f"{name}() received an invalid combination of arguments - got "
                                f"({type(input).__name__}, {type(other).__name__})")
            # the Scalar-self overload: the number is wrapped as a 0-dim tensor of its own type
            from .._creation import tensor
            input = tensor(input)
        b_shape = other._data.shape if isinstance(other, Tensor) else ()
        try:
            shape = np.broadcast_shapes(input._data.shape, b_shape)
        except ValueError:
            raise broadcast_error(input._data.shape, b_shape) from None
        kind = D.result_type(input, other).np_dtype
        if kind not in _SHIFTABLE:
            raise NotImplementedError(f'"{name[8]}shift_cpu" not implemented for \'{_dtype_name(kind)}\'')
        a, b = _operands(input, other)
        a = np.asarray(a)
        b = np.asarray(b, dtype=a.dtype) if not isinstance(b, np.ndarray) else b
        a, b = np.broadcast_to(a, shape), np.broadcast_to(b, shape)
        return write_out(out, Tensor._make(np.asarray(kernel(a, b))))
    op.__name__ = name
    return op


bitwise_left_shift = _shift(_lshift, "bitwise_left_shift")
bitwise_right_shift = _shift(_rshift, "bitwise_right_shift")


def _operator(fn, reflected: bool = False):
    """``t << x`` / ``x << t``: numbers and tensors only (anything else lets Python try the other operand)."""
    def op(self, other):
        if not isinstance(other, (Tensor, int, float, bool, np.generic)):
            return NotImplemented
        return fn(other, self) if reflected else fn(self, other)
    return op


_lshift_ = inplace_method(bitwise_left_shift, "bitwise_left_shift", tensors_only=False, result_dtype=promoted)
_rshift_ = inplace_method(bitwise_right_shift, "bitwise_right_shift", tensors_only=False, result_dtype=promoted)

# Tensor methods and operators (attached in ember/__init__.py)
METHODS = {
    "bitwise_left_shift": bitwise_left_shift, "bitwise_right_shift": bitwise_right_shift,
    "bitwise_left_shift_": _lshift_, "bitwise_right_shift_": _rshift_,
    "__lshift__": _operator(bitwise_left_shift), "__rlshift__": _operator(bitwise_left_shift, reflected=True),
    "__rshift__": _operator(bitwise_right_shift), "__rrshift__": _operator(bitwise_right_shift, reflected=True),
    "__ilshift__": _lshift_, "__irshift__": _rshift_,
}
