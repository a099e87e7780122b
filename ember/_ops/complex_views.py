"""Complex numbers as pairs of reals: ``view_as_real``/``view_as_complex``, ``real``/``imag``, ``complex``,
``polar``, conjugation and the conj/neg bits.

Gradients follow torch's convention for complex autograd: the grad of a real input r of a complex output z is
Re(conj(dz/dr) * g), and the grad of a complex input is the conjugate Wirtinger one (for conj: conj(g)).

Deviation: torch's ``conj`` is a lazy view carrying a conjugate bit; ember has no such bit, so ``conj`` makes a
conjugated copy and only remembers (for ``is_conj``/``resolve_conj``) that it came from ``conj``.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._broadcast import sum_to_shape
from .shape import select

__all__ = ["view_as_real", "view_as_complex", "real", "imag", "complex", "polar", "conj", "conj_physical",
           "conj_physical_", "resolve_conj", "resolve_neg", "is_conj", "is_neg", "isreal"]

_SCALAR = {"float16": "Half", "float32": "Float", "float64": "Double", "bfloat16": "BFloat16", "int64": "Long",
           "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
           "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _to_real_pairs(a: np.ndarray) -> np.ndarray:
    """A complex (...,) array seen as a real (..., 2) array of (re, im) - the same memory."""
    return a[..., None].view(a.real.dtype)


class ViewAsReal(Function):
    """out[..., 0] = Re z, out[..., 1] = Im z (a view);  dz = g[..., 0] + i g[..., 1]"""

    _is_view = True

    @staticmethod
    def forward(ctx, a):
        return _to_real_pairs(a)

    @staticmethod
    def backward(ctx, g):
        return np.array(g, order="C").view(np.result_type(g.dtype, np.complex64))[..., 0]


def view_as_real(input: Tensor) -> Tensor:
    """The real (..., 2) view of a complex tensor."""
    if not input.is_complex():
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return ViewAsReal.apply(input)


class ViewAsComplex(Function):
    """z = a[..., 0] + i a[..., 1] (a view);  da = (Re g, Im g) stacked on a last dim"""

    _is_view = True

    @staticmethod
    def forward(ctx, a):
        return a.view(np.result_type(a.dtype, np.complex64))[..., 0]

    @staticmethod
    def backward(ctx, g):
        return _to_real_pairs(np.array(g, order="C")).copy()  # (np.array keeps a 0-d grad 0-d)


def view_as_complex(input: Tensor) -> Tensor:
    """The complex view of a real (..., 2) tensor of (re, im) pairs."""
    a = input._data
    if a.dtype.name not in ("float16", "float32", "float64"):
        raise RuntimeError("view_as_complex is only supported for half, float and double tensors, but got a tensor "
                           f"of scalar type: {_SCALAR.get(a.dtype.name, a.dtype.name)}")
    if a.ndim == 0:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if a.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    strides = input.stride()
    if strides[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if input.storage_offset() % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    if a.dtype == np.float16:
        raise RuntimeError("view_as_complex: ember has no complex32 arrays")  # (NumPy has no complex half)
    return ViewAsComplex.apply(input)


def real(input: Tensor) -> Tensor:
    """Re z as a view (torch composes view_as_real(z).select(-1, 0)); a real tensor is returned as it is."""
    return select(view_as_real(input), -1, 0) if input.is_complex() else input


def imag(input: Tensor) -> Tensor:
    """Im z as a view: view_as_real(z).select(-1, 1)."""
    if not input.is_complex():
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return select(view_as_real(input), -1, 1)


def _check_pair(real: Tensor, imag: Tensor) -> None:
    """torch's complex/polar checks: both the same half/float/double dtype."""
    a, b = real._data.dtype, imag._data.dtype
    if a.name not in ("float16", "float32", "float64") or b.name not in ("float16", "float32", "float64"):
        raise RuntimeError("Expected both inputs to be Half, Float or Double tensors but got "
                           f"{_SCALAR.get(a.name, a.name)} and {_SCALAR.get(b.name, b.name)}")
    if a != b:
        raise RuntimeError(f"Expected object of scalar type {_SCALAR[a.name]} but got scalar type "
                           f"{_SCALAR[b.name]} for second argument")
    if a == np.float16:
        raise RuntimeError("complex: ember has no complex32 arrays")  # (NumPy has no complex half)
    try:
        np.broadcast_shapes(real._data.shape, imag._data.shape)
    except ValueError:
        from ._broadcast import broadcast_error
        raise broadcast_error(real._data.shape, imag._data.shape) from None


class Complex(Function):
    """z = re + i im;  d re = Re g,  d im = Im g"""

    @staticmethod
    def forward(ctx, re, im):
        ctx.shapes = (re.shape, im.shape)
        return re + im * np.result_type(re.dtype, np.complex64).type(1j)

    @staticmethod
    def backward(ctx, g):
        sr, si = ctx.shapes
        gr = sum_to_shape(g.real.copy(), sr) if ctx.needs_input_grad[0] else None
        gi = sum_to_shape(g.imag.copy(), si) if ctx.needs_input_grad[1] else None
        return gr, gi


def complex(real: Tensor, imag: Tensor, *, out=None) -> Tensor:
    """The complex tensor real + i imag (broadcast)."""
    _check_pair(real, imag)
    from .linalg import _out
    return _out(Complex.apply(real, imag), out)


class Polar(Function):
    """z = r (cos t + i sin t);  dr = Re(g conj(e^{it})),  dt = Re(g conj(i z))"""

    @staticmethod
    def forward(ctx, r, t):
        unit = np.cos(t) + np.sin(t) * np.result_type(t.dtype, np.complex64).type(1j)
        z = r * unit
        ctx.save_for_backward(unit, z)
        ctx.shapes = (r.shape, t.shape)
        return z

    @staticmethod
    def backward(ctx, g):
        unit, z = ctx.saved_tensors
        sr, st = ctx.shapes
        gr = sum_to_shape((g * unit.conj()).real, sr) if ctx.needs_input_grad[0] else None
        gt = sum_to_shape((g * (1j * z).conj()).real, st) if ctx.needs_input_grad[1] else None
        return gr, gt


def polar(abs: Tensor, angle: Tensor, *, out=None) -> Tensor:
    """abs * (cos(angle) + i sin(angle))"""
    _check_pair(abs, angle)
    from .linalg import _out
    return _out(Polar.apply(abs, angle), out)


class Conj(Function):
    """out = conj(z);  dz = conj(g)"""

    @staticmethod
    def forward(ctx, a):
        return np.conj(a)

    @staticmethod
    def backward(ctx, g):
        return np.conj(g)


class ConjPhysical(Conj):
    pass


def conj(input: Tensor) -> Tensor:
    """The complex conjugate; a real tensor is returned as it is (see the module note on the conj bit)."""
    if not input.is_complex():
        return input
    out = Conj.apply(input)
    out._conj_bit = True
    return out


def conj_physical(input: Tensor) -> Tensor:
    """The complex conjugate, computed (a real tensor is returned as it is)."""
    return ConjPhysical.apply(input) if input.is_complex() else input


def conj_physical_(input: Tensor) -> Tensor:
    if not input.is_complex():
        return input
    from ._inplace import inplace
    return inplace(input, conj_physical)


def is_conj(input: Tensor) -> bool:
    return bool(getattr(input, "_conj_bit", False))


def is_neg(input: Tensor) -> bool:
    return False  # ember never makes a lazily negated view


def resolve_conj(input: Tensor) -> Tensor:
    """A tensor without the conj bit: a clone of a ``conj`` result, else the input itself."""
    return input.clone() if is_conj(input) else input


def resolve_neg(input: Tensor) -> Tensor:
    return input


def isreal(input: Tensor) -> Tensor:
    """True where the imaginary part is 0 (everywhere for a real tensor)."""
    a = input._data
    return Tensor._make(a.imag == 0 if a.dtype.kind == "c" else np.ones(a.shape, bool))


def _set_part(name):
    def setter(self, value):
        (real if name == "real" else imag)(self).copy_(value)
    return setter


# Tensor methods (attached in ember/__init__.py)
METHODS = {
    "conj": conj, "conj_physical": conj_physical, "conj_physical_": conj_physical_, "resolve_conj": resolve_conj,
    "resolve_neg": resolve_neg, "is_conj": is_conj, "is_neg": is_neg, "isreal": isreal,
    "real": property(real, _set_part("real")), "imag": property(imag, _set_part("imag")),
}
