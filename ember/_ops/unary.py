"""Pointwise math on one tensor: exp/log family, roots, trig, erf, rounding, abs, sign.

Integer and bool inputs of the transcendental functions compute in the default
float dtype, as torch does (``torch.exp(torch.tensor([1]))`` is float32).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._args import strict_out

__all__ = ["exp", "exp2", "log", "log1p", "expm1", "log2", "log10", "sqrt", "rsqrt", "sin", "cos", "tan", "asin",
           "acos", "atan", "sinh", "cosh", "erf", "erfc", "abs", "sign", "floor", "ceil", "round", "trunc", "frac"]


def _float(a: np.ndarray) -> np.ndarray:
    return a if a.dtype.kind in "fc" else a.astype(D.get_default_dtype().np_dtype)


def _precise(fn, a: np.ndarray) -> np.ndarray:
    """fn(a), for float32/float16 computed in float64 and rounded once.

    torch's float kernels (SLEEF, glibc) are within an ulp of the correctly rounded result, so rounding the float64
    value matches them bit for bit far more often than NumPy's own float32 loops do (measured: exp 60% -> 99%,
    log10 48% -> 100%, cosh 61% -> 100%).
    """
    if a.dtype.kind == "f" and a.dtype.itemsize < 8:
        return fn(a.astype(np.float64)).astype(a.dtype)
    return fn(a)


from ._broadcast import quiet as _quiet  # noqa: E402
from ..autograd.graph_engine import constant, reduce_grad, saved_input, saved_output


class Exp(Function):
    """out = e**a;  da = g * out"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        with _quiet():
            out = _precise(np.exp, _float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        with _quiet():
            return g * out

    @staticmethod
    def differentiable_backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * saved_output(ctx, 0, out)


class Exp2(Function):
    """out = 2**a;  da = g * out * ln 2"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        with _quiet():
            out = _precise(np.exp2, _float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        with _quiet():
            return g * (out * out.dtype.type(math.log(2.0)))

    @staticmethod
    def differentiable_backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (saved_output(ctx, 0, out) * math.log(2.0))


class Log(Function):
    """out = ln a;  da = g / a"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        with _quiet():
            return _precise(np.log, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g / a

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / saved_input(ctx, 0, a)


class Log1p(Function):
    """out = ln(1 + a);  da = g / (1 + a)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    _backward_name = "Log1PBackward0"

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        with _quiet():
            return _precise(np.log1p, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g / (a + 1)

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (saved_input(ctx, 0, a) + 1)


class Expm1(Function):
    """out = e**a - 1;  da = g * (out + 1)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        with _quiet():
            out = _precise(np.expm1, _float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        with _quiet():
            return g * (out + 1)

    @staticmethod
    def differentiable_backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (saved_output(ctx, 0, out) + 1)


class Log2(Function):
    """out = log2 a;  da = g / (a ln 2)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        with _quiet():
            return _precise(np.log2, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g / (a * a.dtype.type(math.log(2.0)))

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (saved_input(ctx, 0, a) * math.log(2.0))


class Log10(Function):
    """out = log10 a;  da = g / (a ln 10)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        with _quiet():
            return _precise(np.log10, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g / (a * a.dtype.type(math.log(10.0)))

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (saved_input(ctx, 0, a) * math.log(10.0))


class Sqrt(Function):
    """out = sqrt a;  da = g / (2 out)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        with _quiet():
            out = np.sqrt(_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        with _quiet():
            return g / (2 * out)

    @staticmethod
    def differentiable_backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (2 * saved_output(ctx, 0, out))


class Rsqrt(Function):
    """out = 1 / sqrt a;  da = -g * out**3 / 2"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        with _quiet():
            out = 1 / np.sqrt(_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        with _quiet():
            return -0.5 * g * out * out * out if out.dtype == np.float64 else (g * out.dtype.type(-0.5)) * (out * out * out)

    @staticmethod
    def differentiable_backward(ctx, g):
        (out,) = ctx.saved_tensors
        o = saved_output(ctx, 0, out)
        return (g * -0.5) * (o * o * o)


class Sin(Function):
    """da = g cos a"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        with _quiet():
            return _precise(np.sin, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g * _precise(np.cos, a)

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * saved_input(ctx, 0, a).cos()


class Cos(Function):
    """da = -g sin a"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        with _quiet():
            return _precise(np.cos, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g * -_precise(np.sin, a)

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * -saved_input(ctx, 0, a).sin()


class Tan(Function):
    """da = g (1 + out**2)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        with _quiet():
            out = _precise(np.tan, _float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        with _quiet():
            return g * (1 + out * out)

    @staticmethod
    def differentiable_backward(ctx, g):
        (out,) = ctx.saved_tensors
        o = saved_output(ctx, 0, out)
        return g * (1 + o * o)


class Asin(Function):
    """da = g / sqrt(1 - a**2)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        with _quiet():
            return _precise(np.arcsin, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g / np.sqrt(1 - a * a)

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        x = saved_input(ctx, 0, a)
        return g / (1 - x * x).sqrt()


class Acos(Function):
    """da = -g / sqrt(1 - a**2)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        with _quiet():
            return _precise(np.arccos, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return -g / np.sqrt(1 - a * a)

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        x = saved_input(ctx, 0, a)
        return -g / (1 - x * x).sqrt()


class Atan(Function):
    """da = g / (1 + a**2)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        return _precise(np.arctan, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g / (a * a + 1)

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        x = saved_input(ctx, 0, a)
        return g / (x * x + 1)


class Sinh(Function):
    """da = g cosh a"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        with _quiet():
            return _precise(np.sinh, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g * _precise(np.cosh, a)

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * saved_input(ctx, 0, a).cosh()


class Cosh(Function):
    """da = g sinh a"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        with _quiet():
            return _precise(np.cosh, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g * _precise(np.sinh, a)

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * saved_input(ctx, 0, a).sinh()


def _erf_kernel(a: np.ndarray) -> np.ndarray:
    from ._erf import erf as kernel
    return kernel(a)


def _erfc_kernel(a: np.ndarray) -> np.ndarray:
    from ._erf import erfc as kernel
    return kernel(a)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Erf(Function):
    """out = 2/sqrt(pi) * integral_0^a exp(-t**2) dt;  da = g * 2/sqrt(pi) * exp(-a**2)"""

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        return _erf_kernel(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g * (a.dtype.type(_TWO_OVER_SQRT_PI) * np.exp(-(a * a)))

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        x = saved_input(ctx, 0, a)
        return g * (_TWO_OVER_SQRT_PI * (-(x * x)).exp())


class Erfc(Function):
    """out = 1 - erf(a);  da = -g * 2/sqrt(pi) * exp(-a**2)"""

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        return _erfc_kernel(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g * (a.dtype.type(-_TWO_OVER_SQRT_PI) * np.exp(-(a * a)))

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        x = saved_input(ctx, 0, a)
        return g * (-_TWO_OVER_SQRT_PI * (-(x * x)).exp())


def _sgn(a: np.ndarray) -> np.ndarray:
    """torch's sign: -1, 0 or 1, and 0 (not nan) at nan."""
    return (a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)


def _not_for(a: np.ndarray, kernel: str, kinds: str = "b") -> None:
    """torch's dtype-dispatch error for kernels that lack some dtypes."""
    if a.dtype.kind in kinds:
        name = {"b": "Bool", "i": {1: "Char", 2: "Short", 4: "Int", 8: "Long"}.get(a.dtype.itemsize), "u": "Byte"}
        raise NotImplementedError(f'"{kernel}" not implemented for \'{name[a.dtype.kind]}\'')


class Abs(Function):
    """da = g sign(a) (0 at a == 0 and at nan)"""

    @staticmethod
    def forward(ctx, a):
        _not_for(a, "abs_cpu")
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        if a.dtype.kind == "c":  # torch's sgn: z/|z| (0 at 0), the conjugate Wirtinger grad of |z|
            mag = np.abs(a)
            with np.errstate(invalid="ignore", divide="ignore"):
                return g * np.where(mag == 0, 0, a / np.where(mag == 0, 1, mag)).astype(a.dtype)
        return g * _sgn(a)

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * saved_input(ctx, 0, a).sgn()


class _PiecewiseConstant(Function):
    """Base for ops whose derivative is zero almost everywhere."""

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)

    @staticmethod
    def differentiable_backward(ctx, g):
        zeros = constant(np.zeros(g.shape, g._data.dtype))
        return (zeros, None) if len(ctx.needs_input_grad) > 1 else zeros


class Sign(_PiecewiseConstant):
    @staticmethod
    def forward(ctx, a):
        return _sgn(a) if a.dtype.kind != "b" else a.copy()


class Floor(_PiecewiseConstant):
    @staticmethod
    def forward(ctx, a):
        _not_for(a, "floor_vml_cpu")
        return np.floor(a) if a.dtype.kind in "fc" else a.copy()


class Ceil(_PiecewiseConstant):
    @staticmethod
    def forward(ctx, a):
        _not_for(a, "ceil_vml_cpu")
        return np.ceil(a) if a.dtype.kind in "fc" else a.copy()


class Trunc(_PiecewiseConstant):
    @staticmethod
    def forward(ctx, a):
        _not_for(a, "trunc_vml_cpu")
        return np.trunc(a) if a.dtype.kind in "fc" else a.copy()


class Round(_PiecewiseConstant):
    """Round half to even (as torch)."""

    @staticmethod
    def forward(ctx, a):
        _not_for(a, "round_vml_cpu")
        return np.round(a) if a.dtype.kind in "fc" else a.copy()


class RoundDecimals(_PiecewiseConstant):
    """nearbyint(a * 10**d) / 10**d, or nearbyint(a / 10**-d) * 10**-d for d < 0, in a's dtype (as torch)."""

    _backward_name = "RoundBackward1"

    @staticmethod
    def forward(ctx, a, decimals):
        _not_for(a, "round_cpu", "biu")
        h = a.astype(np.float32) if a.dtype == np.float16 else a  # float16 computes in float32, as torch
        s = h.dtype.type(10.0 ** -decimals if decimals < 0 else 10.0 ** decimals)
        with _quiet():
            return (np.round(h * s) / s if decimals > 0 else np.round(h / s) * s).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


class Frac(Function):
    """out = a - trunc(a);  da = g"""

    @staticmethod
    def forward(ctx, a):
        _not_for(a, "frac_cpu", "biu")
        with _quiet():
            return a - np.trunc(a)

    @staticmethod
    def backward(ctx, g):
        return g


# --- wrappers -------------------------------------------------------------------

def _unary(fn, strict: bool = False, no_complex=None):
    """The public function of a one-input op; ``strict``: out= must have the result's dtype (torch's rule for
    the ops that keep their input's dtype: abs, sign, floor, ...); ``no_complex``: the NotImplementedError text
    for a complex input (a kernel name in quotes, or torch's own sentence)."""
    def op(input: Tensor, *, out=None) -> Tensor:
        if no_complex and input._data.dtype.kind == "c":
            _refuse_complex(no_complex, input)
        if out is not None and strict and not input._requires_grad:
            strict_out(input, out, check_only=True)  # torch checks out's dtype before the kernel's dtypes
        res = fn.apply(input)
        if out is not None:
            if strict:
                return strict_out(res, out)
            from ._args import write_out
            return write_out(out, res)
        return res
    op.__name__ = fn.__name__.lower()
    op.__doc__ = fn.__doc__
    return op


exp, exp2, log, log1p, expm1 = _unary(Exp), _unary(Exp2), _unary(Log), _unary(Log1p), _unary(Expm1)
log2, log10, sqrt, rsqrt = _unary(Log2), _unary(Log10), _unary(Sqrt), _unary(Rsqrt)
sin, cos, tan, asin, acos, atan = _unary(Sin), _unary(Cos), _unary(Tan), _unary(Asin), _unary(Acos), _unary(Atan)
sinh, cosh = _unary(Sinh), _unary(Cosh)
def _refuse_complex(what: str, input: Tensor) -> None:
    from ._no_complex import no_kernel
    if what.startswith('"'):
        no_kernel(what.strip('"'), input)
    raise NotImplementedError(what)


_SGN = "Unlike NumPy, torch.sign is not intended to support complex numbers. Please use torch.sgn instead."
erf, erfc = _unary(Erf, no_complex='"erf_vml_cpu"'), _unary(Erfc, no_complex='"erfc_vml_cpu"')
abs, sign = _unary(Abs, True), _unary(Sign, True, _SGN)
floor = _unary(Floor, True, "floor is not supported for complex inputs")
ceil = _unary(Ceil, True, "ceil is not supported for complex inputs")
trunc = _unary(Trunc, True, "trunc is not supported for complex inputs")
frac = _unary(Frac, True, '"frac_cpu"')
arcsin, arccos, arctan, absolute, fix = asin, acos, atan, abs, trunc


def round(input: Tensor, *, decimals: int = 0, out=None) -> Tensor:
    if input._data.dtype.kind == "c":
        _refuse_complex('"round_cpu"' if decimals else '"round_vml_cpu"', input)
    if out is not None and not input._requires_grad:
        strict_out(input, out, check_only=True)
    res = RoundDecimals.apply(input, decimals) if decimals else Round.apply(input)
    return strict_out(res, out)


def _inplace_of(fn, name: str):
    def meth(self, *args, **kwargs):
        from ._inplace import inplace
        return inplace(self, fn, *args, **kwargs)
    meth.__name__ = name
    return meth


# in-place twins torch has that the Tensor class lacked (attached in ember/__init__.py)
METHODS = {name + "_": _inplace_of(fn, name + "_") for name, fn in (
    ("exp2", exp2), ("asin", asin), ("acos", acos), ("atan", atan), ("arcsin", asin), ("arccos", acos),
    ("arctan", atan), ("sinh", sinh), ("cosh", cosh), ("erfc", erfc), ("absolute", abs), ("fix", trunc))}
