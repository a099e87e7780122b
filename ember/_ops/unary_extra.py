"""More pointwise math on one tensor: inverse hyperbolic functions, erfinv, sgn, signbit, angle, degree/radian
conversion, positive, nan_to_num.

As in unary.py, integer and bool inputs of the float functions compute in the default float dtype, and float32 /
float16 transcendental results are computed in float64 and rounded once.
"""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._broadcast import quiet as _quiet
from .unary import _float, _precise, _sgn

__all__ = ["asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "erfinv", "sgn", "signbit", "angle",
           "deg2rad", "rad2deg", "positive", "nan_to_num"]


class Asinh(Function):
    """out = ln(a + sqrt(a**2 + 1));  da = g / sqrt(a**2 + 1)"""

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        return _precise(np.arcsinh, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g / np.sqrt(a * a + 1)


class Acosh(Function):
    """out = ln(a + sqrt(a**2 - 1)) (nan below 1);  da = g / sqrt(a**2 - 1)"""

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        with _quiet():
            return _precise(np.arccosh, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g / np.sqrt(a * a - 1)


class Atanh(Function):
    """out = ln((1 + a) / (1 - a)) / 2;  da = g / (1 - a**2)"""

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        with _quiet():
            return _precise(np.arctanh, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g / (1 - a * a)


def _erfinv64(y: np.ndarray) -> np.ndarray:
    """erfinv in float64: Winitzki's closed-form estimate (relative error ~2e-3), then three Halley steps.

    Halley on f(x) = erf(x) - y, with f' = 2/sqrt(pi) exp(-x**2) and f'' = -2x f', is
    x <- x - f / (f' + x f); each step triples the correct digits. For |y| > 1/2 the residual is taken as
    (1 - |y|) - erfc(x) instead (1 - |y| is exact there), so the tail near +-1 keeps its relative accuracy.
    """
    from ._erf import erf, erfc
    a = np.abs(y)
    k = 0.147
    with _quiet():
        l = np.log1p(-a * a)
        t = 2 / (math.pi * k) + l / 2
        x = np.sqrt(np.maximum(np.sqrt(t * t - l / k) - t, 0.0))
        tail = a > 0.5
        one_minus = 1 - a
        for _ in range(3):
            fin = np.isfinite(x)
            xs = np.where(fin, x, 0.0)
            f = np.where(tail, one_minus - erfc(xs), erf(xs) - a)
            fp = (2 / math.sqrt(math.pi)) * np.exp(-xs * xs)
            x = np.where(fin & (fp > 0), xs - f / (fp + xs * f), x)
        x = np.where(a == 1, np.inf, np.where(a > 1, np.nan, x))
    return np.copysign(x, y)  # erfinv(-0.0) is -0.0, nan stays nan


class Erfinv(Function):
    """out = erf^-1(a) on [-1, 1] (+-inf at +-1, nan outside);  da = g * sqrt(pi)/2 * exp(out**2)"""

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        out = _erfinv64(a.astype(np.float64)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        with _quiet():
            return g * (out.dtype.type(math.sqrt(math.pi) / 2) * np.exp(out * out))


class Sgn(Function):
    """sign for real input (bool stays bool), z / |z| for complex (0 at 0);  da = 0 for real input"""

    @staticmethod
    def forward(ctx, a):
        ctx.meta = (a.shape, a.dtype)
        if a.dtype.kind == "b":
            return a.copy()
        if a.dtype.kind == "c":
            ctx.save_for_backward(a)
            r = np.abs(a)
            with _quiet():
                return np.where(r == 0, 0, a / np.where(r == 0, 1, r)).astype(a.dtype)
        return _sgn(a)

    @staticmethod
    def backward(ctx, g):
        shape, dtype = ctx.meta
        if dtype.kind != "c":
            return np.zeros(shape, g.dtype)
        # torch's sgn_backward: (g - Re(g conj(sgn)) sgn) / |a|, 0 where a == 0
        (a,) = ctx.saved_tensors
        r = np.abs(a)
        with _quiet():
            s = a / np.where(r == 0, 1, r)
            res = (g - np.real(g * np.conj(s)) * s) / np.where(r == 0, 1, r)
        return np.where(r == 0, 0, res).astype(dtype)

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, dtype = ctx.meta
        if dtype.kind == "c":
            return NotImplemented
        from ..autograd.graph_engine import constant
        return constant(np.zeros(shape, g._data.dtype))  # (real input: piecewise constant)


class Angle(Function):
    """Argument of a complex number; for real input 0 where a >= 0, pi where a < 0 (nan stays nan);  da = 0 (real)"""

    @staticmethod
    def forward(ctx, a):
        ctx.meta = (a.shape, a.dtype)
        if a.dtype.kind == "c":
            ctx.save_for_backward(a)
            return np.angle(a).astype(a.real.dtype)
        a = _float(a)
        pi = a.dtype.type(math.pi)
        return np.where(a < 0, pi, np.where(np.isnan(a), a, a.dtype.type(0)))

    @staticmethod
    def backward(ctx, g):
        shape, dtype = ctx.meta
        if dtype.kind != "c":
            return np.zeros(shape, g.dtype)
        # torch's angle_backward: g * a / |a|**2 * i, and 0 at a == 0
        (a,) = ctx.saved_tensors
        with _quiet():
            r2 = (a * np.conj(a)).real
            return np.where(r2 == 0, 0, g * a / np.where(r2 == 0, 1, r2) * 1j).astype(dtype)


class _AngleUnits(Function):
    """out = a * factor, the constant rounded to a's dtype (as torch's mul by a scalar);  da = g * factor"""

    _factor = 1.0
    _name = ""

    @classmethod
    def forward(cls, ctx, a):
        _real_only(a, cls._name)
        a = _float(a)
        if a.dtype == np.float16:  # torch multiplies float16 in float32
            return (a.astype(np.float32) * np.float32(cls._factor)).astype(a.dtype)
        return a * a.dtype.type(cls._factor)

    @classmethod
    def backward(cls, ctx, g):
        return g * g.dtype.type(cls._factor)


class Deg2Rad(_AngleUnits):
    """out = a * (pi / 180)"""

    _backward_name = "Deg2RadBackward0"
    _factor = math.pi / 180
    _name = "deg2rad"


class Rad2Deg(_AngleUnits):
    """out = a * (180 / pi)"""

    _backward_name = "Rad2DegBackward0"
    _factor = 180 / math.pi
    _name = "rad2deg"


def _real_only(a: np.ndarray, name: str) -> None:
    if a.dtype.kind == "c":
        raise RuntimeError(f"{name} is not supported for complex tensors.")


class NanToNum(Function):
    """nan -> nan, +inf -> posinf, -inf -> neginf (defaults: 0 and the dtype's largest / lowest finite value);
    da = g where a is finite"""

    @staticmethod
    def forward(ctx, a, nan, posinf, neginf):
        if a.dtype.kind not in "fc":
            return a.copy()
        ctx.save_for_backward(a)
        fi = np.finfo(a.dtype)
        big = fi.max if posinf is None else posinf
        small = fi.min if neginf is None else neginf
        with np.errstate(over="ignore", invalid="ignore"):
            # the replacement values are cast to the dtype (1e39 becomes inf in float32, as in torch)
            return np.nan_to_num(a, nan=np.asarray(nan).astype(a.dtype), posinf=np.asarray(big).astype(a.dtype),
                                 neginf=np.asarray(small).astype(a.dtype))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return np.where(np.isfinite(a), g, g.dtype.type(0)), None, None, None


# --- wrappers -------------------------------------------------------------------

def _out(res: Tensor, out) -> Tensor:
    if out is None:
        return res
    from ._args import write_out
    return write_out(out, res)


def _unary(fn, name: str):
    def op(input: Tensor, *, out=None) -> Tensor:
        return _out(fn.apply(input), out)
    op.__name__ = name
    op.__doc__ = fn.__doc__
    return op


asinh, acosh, atanh = _unary(Asinh, "asinh"), _unary(Acosh, "acosh"), _unary(Atanh, "atanh")
arcsinh, arccosh, arctanh = asinh, acosh, atanh
erfinv, angle = _unary(Erfinv, "erfinv"), _unary(Angle, "angle")


def sgn(input: Tensor, *, out=None) -> Tensor:
    """sign for real input, z / |z| for complex (out= must have the input's dtype)."""
    from ._args import strict_out
    return strict_out(Sgn.apply(input), out)


deg2rad, rad2deg = _unary(Deg2Rad, "deg2rad"), _unary(Rad2Deg, "rad2deg")


def signbit(input: Tensor, *, out=None) -> Tensor:
    """True where the sign bit is set: negative numbers, -0.0 and nan with the sign bit (False for bool)."""
    a = input._data
    if a.dtype.kind == "c":
        raise NotImplementedError("signbit is not implemented for complex tensors.")
    if out is not None and out._data.dtype.kind != "b":
        raise RuntimeError("signbit does not support non-boolean outputs.")
    res = np.signbit(a) if a.dtype.kind == "f" else (a < 0 if a.dtype.kind == "i" else np.zeros(a.shape, bool))
    return _out(Tensor._make(np.asarray(res)), out)


def positive(input: Tensor) -> Tensor:
    """``+input``: the tensor itself (bool tensors are refused, as in torch)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None, *,
               out=None) -> Tensor:
    """Replace nan, +inf and -inf by finite numbers (integer and bool tensors come back as copies)."""
    if out is not None:
        from ._args import refuse_grad_out
        refuse_grad_out("nan_to_num", input)
    if out is not None and out._data.dtype != input._data.dtype:
        from .comparison import _dtype_name
        raise RuntimeError(f"nan_to_num: dtype of out: {_dtype_name(out._data.dtype)} should be same as input: "
                           f"{_dtype_name(input._data.dtype)}")
    return _out(NanToNum.apply(input, nan, posinf, neginf), out)


class AsinhInplace(Asinh):
    """torch's asinh_ records its own node, whose backward is not implemented"""

    _backward_name = "AsinhBackward1"
    _name = "asinh"

    @classmethod
    def backward(cls, ctx, g):
        raise NotImplementedError(f"the derivative for 'inplace version of {cls._name}' is not implemented.")


class AcoshInplace(Acosh):
    _backward_name = "AcoshBackward1"
    _name = "acosh"
    backward = classmethod(AsinhInplace.backward.__func__)


class AtanhInplace(Atanh):
    _backward_name = "AtanhBackward1"
    _name = "atanh"
    backward = classmethod(AsinhInplace.backward.__func__)


def _inplace_of(fn, name: str):
    def meth(self, *args, **kwargs):
        from ._inplace import inplace
        return inplace(self, fn, *args, **kwargs)
    meth.__name__ = name
    return meth


# Tensor methods (attached in ember/__init__.py), with the in-place twins torch has
METHODS = {name: fn for name, fn in (
    ("asinh", asinh), ("acosh", acosh), ("atanh", atanh), ("arcsinh", asinh), ("arccosh", acosh),
    ("arctanh", atanh), ("erfinv", erfinv), ("sgn", sgn), ("signbit", signbit), ("angle", angle),
    ("deg2rad", deg2rad), ("rad2deg", rad2deg), ("positive", positive), ("nan_to_num", nan_to_num))}
_asinh_, _acosh_, _atanh_ = _unary(AsinhInplace, "asinh"), _unary(AcoshInplace, "acosh"), _unary(AtanhInplace, "atanh")
METHODS.update({name + "_": _inplace_of(fn, name + "_") for name, fn in (
    ("asinh", _asinh_), ("acosh", _acosh_), ("atanh", _atanh_), ("arcsinh", _asinh_), ("arccosh", _acosh_),
    ("arctanh", _atanh_), ("erfinv", erfinv), ("sgn", sgn), ("deg2rad", deg2rad), ("rad2deg", rad2deg),
    ("nan_to_num", nan_to_num))})
