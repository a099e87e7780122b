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
    "int64", "long", "int32", "int", "int16", "short", "int8", "uint8", "uint16", "uint32", "uint64", "bool",
    "complex32", "chalf", "complex64", "cfloat", "complex128", "cdouble",
    "get_default_dtype", "set_default_dtype", "promote_types", "result_type", "can_cast", "finfo", "iinfo",
]


class dtype:
    """A tensor element type. Compare with ``is``/``==``; print as torch does."""

    __slots__ = ("name", "abbr", "_np", "is_floating_point", "is_complex", "is_signed", "itemsize", "_kind",
                 "_scalar_name")

    def __init__(self, name: str, abbr: str, np_dtype, kind: str, is_signed: bool, itemsize: int, scalar_name: str):
        self.name = name
        self.abbr = abbr
        self._np = None if np_dtype is None else np.dtype(np_dtype)
        self._kind = kind  # 'b' bool, 'i' integer, 'f' floating, 'c' complex
        self.is_floating_point = kind == "f"
        self.is_complex = kind == "c"
        self.is_signed = is_signed
        self.itemsize = itemsize
        self._scalar_name = scalar_name  # c10's ScalarType name, used in some of torch's messages

    @property
    def np_dtype(self) -> np.dtype:
        """The NumPy dtype that stores this type; TypeError for bfloat16/complex32, which NumPy lacks."""
        if self._np is None:
            raise TypeError(f"{self!r} is not supported by ember: NumPy has no {self.name} type")
        return self._np

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_real(self) -> dtype:
        return _TO_REAL.get(self, self)

    def to_complex(self) -> dtype:
        if self._kind in "bi":
            raise RuntimeError(f"Unknown Complex ScalarType for {self._scalar_name}")
        return _TO_COMPLEX.get(self, self)


bool = dtype("bool", "b8", np.bool_, "b", False, 1, "Bool")
uint8 = dtype("uint8", "u8", np.uint8, "i", False, 1, "Byte")
# torch's "limited support" unsigned types: storable, printable, castable, but most arithmetic kernels and all
# promotion with another integer, bool or complex type are missing there (see _promote_pair)
uint16 = dtype("uint16", "u16", np.uint16, "i", False, 2, "UInt16")
uint32 = dtype("uint32", "u32", np.uint32, "i", False, 4, "UInt32")
uint64 = dtype("uint64", "u64", np.uint64, "i", False, 8, "UInt64")
int8 = dtype("int8", "i8", np.int8, "i", True, 1, "Char")
int16 = dtype("int16", "i16", np.int16, "i", True, 2, "Short")
int32 = dtype("int32", "i32", np.int32, "i", True, 4, "Int")
int64 = dtype("int64", "i64", np.int64, "i", True, 8, "Long")
float16 = dtype("float16", "f16", np.float16, "f", True, 2, "Half")
# NumPy has no bfloat16 or complex32: the dtypes exist so that code naming them
# imports and promotes as in torch, and storing data in them raises a clear error.
bfloat16 = dtype("bfloat16", "bf16", None, "f", True, 2, "BFloat16")
float32 = dtype("float32", "f32", np.float32, "f", True, 4, "Float")
float64 = dtype("float64", "f64", np.float64, "f", True, 8, "Double")
complex32 = dtype("complex32", "c32", None, "c", True, 4, "ComplexHalf")
complex64 = dtype("complex64", "c64", np.complex64, "c", True, 8, "ComplexFloat")
complex128 = dtype("complex128", "c128", np.complex128, "c", True, 16, "ComplexDouble")

# torch's aliases are the same objects
float, double, half = float32, float64, float16
long, int, short = int64, int32, int16
chalf, cfloat, cdouble = complex32, complex64, complex128

_ALL = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex32, complex64, complex128,
        uint16, uint32, uint64)
_WIDE_UNSIGNED = (uint16, uint32, uint64)
_BY_NAME = {d.name: d for d in _ALL}
_FROM_NUMPY = {d._np: d for d in _ALL if d._np is not None}
# deliberate difference, for now: torch also converts NumPy arrays of uint16/32/64; ember has those dtypes
# (tensors made with dtype=...) but refuses such arrays until the creation functions are ready for them
_FROM_ARRAYS = {n: d for n, d in _FROM_NUMPY.items() if d not in _WIDE_UNSIGNED}
_TO_REAL = {complex32: float16, complex64: float32, complex128: float64}
_TO_COMPLEX = {float16: complex32, bfloat16: complex64, float32: complex64, float64: complex128}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The ember dtype of a NumPy dtype; TypeError for types torch cannot hold."""
    try:
        return _FROM_ARRAYS[np_dtype]
    except KeyError:
        pass
    nd = np.dtype(np_dtype)
    if nd in _FROM_ARRAYS:
        return _FROM_ARRAYS[nd]
    raise TypeError(
        f"can't convert np.ndarray of type numpy.{nd.type.__name__}. The only supported types are: float64, float32, "
        "float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool."
    )


def _require_storable(d: dtype) -> np.dtype:
    return d.np_dtype


_default = float32


def get_default_dtype() -> dtype:
    """The floating dtype used for Python floats and float factories (float32 unless changed)."""
    return _default


def set_default_dtype(d: dtype) -> None:
    """Set the dtype of Python floats and float factories (float16/32/64; complex follows it)."""
    global _default
    if not isinstance(d, dtype):
        raise TypeError("invalid dtype object: only floating-point types are supported as the default type")
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    d.np_dtype  # bfloat16: deliberate difference, torch accepts it but NumPy cannot store it
    _default = d


# --- promotion -----------------------------------------------------------------


def _promote_pair(a: dtype, b: dtype) -> dtype | None:
    """The promoted type, or None where torch refuses: uint16/32/64 promote only to themselves and to floats."""
    if a is b:
        return a
    if a in _WIDE_UNSIGNED or b in _WIDE_UNSIGNED:
        other = b if a in _WIDE_UNSIGNED else a
        return other if other.is_floating_point else None
    if b is bool:
        return a
    if a is bool:
        return b
    if a._kind == "i" and b._kind == "i":
        if {a, b} == {uint8, int8}:
            return int16  # the smallest type holding both ranges
        return a if a.itemsize > b.itemsize else b
    if a._kind == "i":
        return b
    if b._kind == "i":
        return a
    # both floating or complex: promote the real parts, complex if either is
    ra, rb = a.to_real(), b.to_real()
    if {ra, rb} == {float16, bfloat16}:
        real = float32
    else:
        real = ra if ra.itemsize >= rb.itemsize else rb
    return real.to_complex() if (a.is_complex or b.is_complex) else real


_PROMOTE = {(x, y): _promote_pair(x, y) for x in _ALL for y in _ALL}


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both can be cast to, by torch's table."""
    for pos, (arg, t) in enumerate((("type1", type1), ("type2", type2)), 1):
        if not isinstance(t, dtype):
            raise TypeError(f"promote_types(): argument '{arg}' (position {pos}) must be torch.dtype, "
                            f"not {type(t).__name__}")
    return _promote(type1, type2)


def _promote(a: dtype, b: dtype) -> dtype:
    """``_PROMOTE[(a, b)]`` with torch's error for the pairs it does not promote."""
    r = _PROMOTE[(a, b)]
    if r is None:
        raise RuntimeError("Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
                           f"{a._scalar_name} and {b._scalar_name}")
    return r


def _category(d: dtype) -> builtins.int:
    return {"b": 0, "i": 1, "f": 2, "c": 3}[d._kind]


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # Mirrors torch's result_type: a lower-priority operand only changes the
    # result when it belongs to a higher category (bool < int < float < complex).
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher is bool:
        return _promote(higher, lower)  # torch promotes here, so bool with uint16/32/64 raises
    if _category(higher) >= _category(lower):
        return higher
    if lower.is_complex and higher.is_floating_point:
        return higher.to_complex()  # float16 tensor + 1j is complex32 in torch, float64 + 1j complex128
    return lower


def scalar_dtype(value) -> dtype:
    """The dtype a Python number takes part in promotion with (a 'wrapped number')."""
    t = type(value)
    if t is builtins.bool:
        return bool
    if t is builtins.int or isinstance(value, np.integer):
        return int64
    # torch reads every NumPy scalar that is not an integer, np.bool_ included, as a double
    if t is builtins.float or isinstance(value, (np.floating, np.bool_)):
        return _default
    if isinstance(value, (builtins.complex, np.complexfloating)):
        return _default.to_complex()
    raise TypeError(f"result_type(): unsupported scalar type {t.__name__}")


def result_type(*operands) -> dtype:
    """torch.result_type over tensors and Python scalars."""
    dim_r = zero_r = wrapped_r = None
    for op in operands:
        d = getattr(op, "dtype", None)
        if isinstance(d, dtype) and not isinstance(op, np.generic):
            if op.dim() > 0:
                dim_r = d if dim_r is None else _promote(dim_r, d)
            else:
                zero_r = d if zero_r is None else _promote(zero_r, d)
        else:
            d = scalar_dtype(op)
            wrapped_r = d if wrapped_r is None else _promote(wrapped_r, d)
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
            # a Python float 10**-digits, not NumPy's value rounded to the type (1e-06, not 9.99e-07)
            self.resolution = 10.0 ** -fi.precision
        self.dtype = type.to_real().name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype, as torch.iinfo."""

    def __init__(self, type: dtype):
        if type.is_floating_point or type.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        if type is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        ii = np.iinfo(type.np_dtype)
        self.bits = ii.bits
        self.min, self.max = builtins.int(ii.min), builtins.int(ii.max)
        self.dtype = type.name

    def __repr__(self) -> str:
        # torch prints the limits with %g: iinfo(min=-2.14748e+09, max=2.14748e+09, dtype=int32)
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
