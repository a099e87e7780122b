"""Data types, the default dtype and torch's type-promotion rules.

Each ember dtype wraps the NumPy dtype that stores it; ``repr`` prints torch's
name (``torch.float32``) so that output can be compared line for line with a
PyTorch run.
"""
from __future__ import annotations

import builtins

import numpy as np

__all__ = [
    "dtype", "float32", "float", "float64", "double", "float16", "half", "bfloat16",
    "int64", "long", "int32", "int", "int16", "short", "int8", "uint8", "bool",
    "complex64", "complex128", "get_default_dtype", "set_default_dtype", "promote_types",
    "result_type", "can_cast", "finfo", "iinfo",
]


class dtype:
    """A tensor element type. Compare with ``is``/``==``; print as torch does."""

    __slots__ = ("name", "np_dtype", "is_floating_point", "is_complex", "is_signed", "itemsize", "_rank", "_kind")

    def __init__(self, name: str, np_dtype, kind: str, rank: int, is_signed: bool, itemsize: int):
        self.name = name
        self.np_dtype = None if np_dtype is None else np.dtype(np_dtype)
        self._kind = kind  # 'b' bool, 'i' integer, 'f' floating, 'c' complex
        self._rank = rank
        self.is_floating_point = kind == "f"
        self.is_complex = kind == "c"
        self.is_signed = is_signed
        self.itemsize = itemsize

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_real(self) -> dtype:
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> dtype:
        return {float32: complex64, float64: complex128, float16: complex64}.get(self, self)


bool = dtype("bool", np.bool_, "b", 0, False, 1)
uint8 = dtype("uint8", np.uint8, "i", 1, False, 1)
int8 = dtype("int8", np.int8, "i", 2, True, 1)
int16 = dtype("int16", np.int16, "i", 3, True, 2)
int32 = dtype("int32", np.int32, "i", 4, True, 4)
int64 = dtype("int64", np.int64, "i", 5, True, 8)
float16 = dtype("float16", np.float16, "f", 6, True, 2)
# NumPy has no bfloat16; the dtype exists so that code naming it imports, and
# creating a tensor with it raises a clear error (see _require_storable).
bfloat16 = dtype("bfloat16", None, "f", 7, True, 2)
float32 = dtype("float32", np.float32, "f", 8, True, 4)
float64 = dtype("float64", np.float64, "f", 9, True, 8)
complex64 = dtype("complex64", np.complex64, "c", 10, True, 8)
complex128 = dtype("complex128", np.complex128, "c", 11, True, 16)

# torch's aliases are the same objects
float, double, half = float32, float64, float16
long, int, short = int64, int32, int16

_ALL = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64, complex128)
_BY_NAME = {d.name: d for d in _ALL}
_FROM_NUMPY = {d.np_dtype: d for d in _ALL if d.np_dtype is not None}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The ember dtype of a NumPy dtype; TypeError for types torch cannot hold."""
    try:
        return _FROM_NUMPY[np_dtype]
    except KeyError:
        pass
    nd = np.dtype(np_dtype)
    if nd in _FROM_NUMPY:
        return _FROM_NUMPY[nd]
    raise TypeError(
        f"can't convert np.ndarray of type numpy.{nd.name}. The only supported types are: float64, float32, "
        "float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool."
    )


def _require_storable(d: dtype) -> np.dtype:
    if d.np_dtype is None:
        raise TypeError(f"{d!r} is not supported by ember: NumPy has no {d.name} type")
    return d.np_dtype


_default = float32


def get_default_dtype() -> dtype:
    """The floating dtype used for Python floats and float factories (float32 unless changed)."""
    return _default


def set_default_dtype(d: dtype) -> None:
    global _default
    if not isinstance(d, dtype):
        raise TypeError(f"invalid dtype object: only floating-point types are supported as the default type")
    if d not in (float16, bfloat16, float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type")
    _require_storable(d)
    _default = d


# --- promotion -----------------------------------------------------------------

_INTS_BY_RANK = {1: uint8, 2: int8, 3: int16, 4: int32, 5: int64}


def _promote_pair(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a._rank > b._rank:
        a, b = b, a
    # now a is the "lower" one
    if a._kind == "b":
        return b
    if b._kind == "c":
        if a is float64 or (a is complex128):
            return complex128
        return b
    if b._kind == "f":
        if a is float16 and b is bfloat16:
            return float32
        return b
    # both integers
    if a is uint8 and b is int8:
        return int16
    return b


_PROMOTE = {(x, y): _promote_pair(x, y) for x in _ALL for y in _ALL}


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both can be cast to, by torch's table."""
    return _PROMOTE[(type1, type2)]


def _category(d: dtype) -> builtins.int:
    return {"b": 0, "i": 1, "f": 2, "c": 3}[d._kind]


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # Mirrors torch's result_type: a lower-priority operand only changes the
    # result when it belongs to a higher category (bool < int < float < complex).
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return _PROMOTE[(higher, lower)]
    return higher


def scalar_dtype(value) -> dtype:
    """The dtype a Python number takes part in promotion with (a 'wrapped number')."""
    t = type(value)
    if t is builtins.bool or isinstance(value, (np.bool_,)):
        return bool
    if t is builtins.int or isinstance(value, np.integer):
        return int64
    if t is builtins.float or isinstance(value, np.floating):
        return _default
    if isinstance(value, (builtins.complex, np.complexfloating)):
        return complex128 if _default is float64 else complex64
    raise TypeError(f"result_type(): unsupported scalar type {t.__name__}")


def result_type(*operands) -> dtype:
    """torch.result_type over tensors and Python scalars."""
    dim_r = zero_r = wrapped_r = None
    for op in operands:
        d = getattr(op, "dtype", None)
        if isinstance(d, dtype) and not isinstance(op, np.generic):
            if op.dim() > 0:
                dim_r = d if dim_r is None else _PROMOTE[(dim_r, d)]
            else:
                zero_r = d if zero_r is None else _PROMOTE[(zero_r, d)]
        else:
            d = scalar_dtype(op)
            wrapped_r = d if wrapped_r is None else _PROMOTE[(wrapped_r, d)]
    return _combine_categories(dim_r, _combine_categories(zero_r, wrapped_r))


def can_cast(from_: dtype, to: dtype) -> builtins.bool:
    """torch.can_cast: no cast to a lower category (float to int, anything to bool)."""
    return _category(from_) <= _category(to)


class finfo:
    """Machine limits of a floating dtype, as torch.finfo."""

    def __init__(self, type: dtype | None = None):
        type = _default if type is None else type
        if not (type.is_floating_point or type.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'")
        if type is bfloat16:
            self.bits, self.eps, self.max, self.min = 16, 0.0078125, 3.3895313892515355e38, -3.3895313892515355e38
            self.tiny = self.smallest_normal = 1.1754943508222875e-38
            self.resolution = 0.01
        else:
            fi = np.finfo(type.to_real().np_dtype)
            self.bits = fi.bits
            self.eps, self.max, self.min = builtins.float(fi.eps), builtins.float(fi.max), builtins.float(fi.min)
            self.tiny = self.smallest_normal = builtins.float(fi.smallest_normal)
            self.resolution = builtins.float(fi.resolution)
        self.dtype = type.to_real().name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype, as torch.iinfo."""

    def __init__(self, type: dtype):
        if type.is_floating_point or type.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        ii = np.iinfo(type.np_dtype) if type is not bool else None
        self.bits = 8 * type.itemsize
        self.min = 0 if ii is None else builtins.int(ii.min)
        self.max = 1 if ii is None else builtins.int(ii.max)
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
