"""Gamma-family and other special functions at torch's top level: lgamma, digamma, polygamma, mvlgamma, logit,
sinc, i0 (functions, Tensor methods and in-place twins).

Integer and bool inputs compute in the default float dtype; float32 / float16 values are computed in float64
(the kernels in _gamma_math / _bessel_math) and rounded once.
"""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from . import _bessel_math as B
from . import _gamma_math as G
from ._broadcast import quiet as _quiet
from .unary import _float

__all__ = ["lgamma", "digamma", "polygamma", "mvlgamma", "logit", "sinc", "i0"]


def _refuse(a, kernel: str, half: bool = False) -> None:
    """torch's NotImplementedError for a dtype (of an array, or a dtype) the kernel lacks: complex always,
    float16 when ``half``."""
    dt = a if isinstance(a, np.dtype) else a.dtype
    if dt.kind == "c" or (half and dt == np.float16):
        from .._tensor import _SCALAR_NAMES
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_SCALAR_NAMES[dt.name]}\'')


def _via64(kernel, a: np.ndarray, *args) -> np.ndarray:
    """kernel on a float64 copy of ``a``, rounded back to ``a``'s dtype."""
    return np.asarray(kernel(*args, a.astype(np.float64, copy=False))).astype(a.dtype, copy=False)


def _polygamma_of(a: np.ndarray, n: int) -> np.ndarray:
    """polygamma(n, a) in a's dtype; digamma and trigamma of float32 / float16 in float32 arithmetic, as aten's
    kernels compute them."""
    if n <= 1 and a.dtype.itemsize < 8:
        return (G.trigamma if n else G.digamma)(a.astype(np.float32)).astype(a.dtype)
    return _via64(G.polygamma, a, n)


class Lgamma(Function):
    """out = ln|Gamma(a)|;  da = g * digamma(a)"""

    @staticmethod
    def forward(ctx, a):
        _refuse(a, "lgamma_vml_cpu")
        a = _float(a)
        ctx.save_for_backward(a)
        return _via64(G.lgamma, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g * _polygamma_of(a, 0)


class Digamma(Function):
    """out = Gamma'(a) / Gamma(a);  da = g * polygamma(1, a)"""

    @staticmethod
    def forward(ctx, a):
        _refuse(a, "digamma")
        a = _float(a)
        ctx.save_for_backward(a)
        return _polygamma_of(a, 0)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g * _polygamma_of(a, 1)


class Polygamma(Function):
    """out = d^n/da^n digamma(a);  da = g * polygamma(n + 1, a)"""

    @staticmethod
    def forward(ctx, a, n):
        _refuse(a, "digamma" if n == 0 else "trigamma" if n == 1 else "polygamma")
        a = _float(a)
        ctx.save_for_backward(a)
        ctx.n = n
        return _polygamma_of(a, n)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g * _polygamma_of(a, ctx.n + 1), None


class PolygammaInplace(Polygamma):
    _backward_name = "PolygammaBackward1"  # torch's node for polygamma_


def _mvlgamma_args(a: np.ndarray, p: int) -> np.ndarray:
    """a[..., None] + (-(p-1)/2, ..., -1/2, 0): the p arguments of lgamma, in a's dtype."""
    return a[..., None] + np.arange(-(p - 1) / 2, 0.25, 0.5).astype(a.dtype)


class Mvlgamma(Function):
    """out = p(p-1)/4 ln(pi) + sum_{j<p} lgamma(a - j/2);  da = g * sum_{j<p} digamma(a - j/2)"""

    @staticmethod
    def forward(ctx, a, p):
        _refuse(a, "arange_cpu")  # (torch builds the p arguments with arange in the input's dtype first)
        a = _float(a)
        ctx.save_for_backward(a)
        ctx.p = p
        lg = _via64(G.lgamma, _mvlgamma_args(a, p))
        # torch sums the p terms, then adds the constant (a double, rounded to a's dtype)
        return lg.sum(-1) + a.dtype.type(p * (p - 1) * math.log(math.pi) / 4)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g * _polygamma_of(_mvlgamma_args(a, ctx.p), 0).sum(-1), None


class Logit(Function):
    """out = ln(x / (1 - x)), x = a clamped to [eps, 1 - eps] when eps is given (and >= 0);
    da = g / (a (1 - a)) inside that range, 0 outside it (nan outside [0, 1] without eps)"""

    @staticmethod
    def forward(ctx, a, eps):
        _refuse(a, "logit_cpu")
        a = _float(a)
        ctx.save_for_backward(a)
        ctx.eps = eps
        x = a
        if eps is not None and eps >= 0:
            lo, hi = a.dtype.type(eps), a.dtype.type(1 - eps)
            x = np.where(a < lo, lo, np.where(a > hi, hi, a))
        with _quiet():
            ratio = x / (1 - x)
            return np.log(ratio.astype(np.float64)).astype(a.dtype) if a.dtype.itemsize < 8 else np.log(ratio)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        eps = ctx.eps
        with _quiet():
            grad = g / (a * (1 - a))
            if eps is None or eps < 0:
                return np.where((a < 0) | (a > 1), a.dtype.type(np.nan), grad), None
            lo, hi = a.dtype.type(eps), a.dtype.type(1 - eps)
            return np.where((a < lo) | (a > hi), a.dtype.type(0), grad), None


class Sinc(Function):
    """out = sin(pi a) / (pi a), 1 at a = 0 (complex too);  da = g (pi a cos(pi a) - sin(pi a)) / (pi a^2), 0 at
    a = 0 (conjugated for complex a)"""

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        ctx.save_for_backward(a)
        h = a.astype(np.float32) if a.dtype == np.float16 else a  # float16 computes in float32, as torch
        with _quiet():
            prod = h * h.dtype.type(math.pi)  # rounded to the dtype first, as torch's kernel does
            wide = np.complex128 if h.dtype.kind == "c" else np.float64
            res = np.sin(prod.astype(wide)).astype(h.dtype) / prod
        return np.where(h == 0, h.dtype.type(1), res).astype(a.dtype)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            prod = a * a.dtype.type(math.pi)
            d = (prod * np.cos(prod) - np.sin(prod)) / (prod * a)
            d = np.where(a == 0, a.dtype.type(0), d)
            return g * (np.conj(d) if a.dtype.kind == "c" else d)


class I0(Function):
    """out = I_0(a) (modified Bessel function of the first kind);  da = g * I_1(a)"""

    @staticmethod
    def forward(ctx, a):
        _refuse(a, "i0_vml_cpu")
        a = _float(a)
        ctx.save_for_backward(a)
        return _via64(B.i0, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g * _via64(B.i1, a)


# --- wrappers -------------------------------------------------------------------

def _check_tensor(input, name: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _out(res: Tensor, out) -> Tensor:
    if out is None:
        return res
    from ._args import write_out
    return write_out(out, res)


def _unary(fn, name: str):
    def op(input: Tensor, *, out=None) -> Tensor:
        _check_tensor(input, name)
        return _out(fn.apply(input), out)
    op.__name__ = name
    op.__doc__ = fn.__doc__
    return op


lgamma, digamma, sinc, i0 = (_unary(Lgamma, "lgamma"), _unary(Digamma, "digamma"), _unary(Sinc, "sinc"),
                             _unary(I0, "i0"))


def _check_n(n, name: str = "polygamma") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return int(n)


def polygamma(n: int, input: Tensor, *, out=None) -> Tensor:
    """The n-th derivative of digamma (n = 0: digamma itself)."""
    n = _check_n(n)
    if not isinstance(input, Tensor):
        raise TypeError(f"polygamma(): argument 'input' (position 2) must be Tensor, not {type(input).__name__}")
    return _out(Polygamma.apply(input, n), out)


def _check_p(p) -> int:
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise TypeError(f"mvlgamma(): argument 'p' (position 2) must be int, not {type(p).__name__}")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return int(p)


def mvlgamma(input: Tensor, p: int, *, out=None) -> Tensor:
    """The log of the multivariate gamma function of dimension ``p``."""
    _check_tensor(input, "mvlgamma")
    return _out(Mvlgamma.apply(input, _check_p(p)), out)


def logit(input: Tensor, eps: float | None = None, *, out=None) -> Tensor:
    """ln(x / (1 - x)), x being ``input`` clamped to [eps, 1 - eps] when ``eps`` is given."""
    _check_tensor(input, "logit")
    return _out(Logit.apply(input, None if eps is None else float(eps)), out)


def _inplace_of(fn, name: str):
    def meth(self, *args, **kwargs):
        from ._inplace import inplace
        return inplace(self, fn, *args, **kwargs)
    meth.__name__ = name
    return meth


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    return Polygamma.apply(self, _check_n(n))


def _polygamma_(self: Tensor, n: int) -> Tensor:
    from ._inplace import inplace
    n = _check_n(n, "polygamma_")
    return inplace(self, lambda t: PolygammaInplace.apply(t, n))


# Tensor methods (attached in ember/__init__.py), with the in-place twins torch has
METHODS = {"lgamma": lgamma, "digamma": digamma, "polygamma": _polygamma_method, "mvlgamma": mvlgamma,
           "logit": logit, "sinc": sinc, "i0": i0, "polygamma_": _polygamma_}
METHODS.update({name + "_": _inplace_of(fn, name + "_") for name, fn in (
    ("lgamma", lgamma), ("digamma", digamma), ("mvlgamma", mvlgamma), ("logit", logit), ("sinc", sinc), ("i0", i0))})
# the in-place forms torch also has at its top level (torch.i0_(t), ...)
i0_, logit_, sinc_ = METHODS["i0_"], METHODS["logit_"], METHODS["sinc_"]
