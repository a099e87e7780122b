"""The regularized incomplete gamma functions: ``igamma`` (``special.gammainc``), P(a, x) = gamma(a, x) / Gamma(a),
and ``igammac`` (``special.gammaincc``), Q(a, x) = 1 - P(a, x); gradient in x only, as in torch.

Math (float64)
--------------
    P(a, x) = x^a e^-x / Gamma(a) * sum_{n>=0} x^n / (a (a+1) ... (a+n))             (series, x < a + 1 or x <= 1.1)
    Q(a, x) = x^a e^-x / Gamma(a) * 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...))    (continued fraction, else)
    for a < 1 in the series region, Q = -expm1(a ln x - lgamma(1 + a))
                                        - x^a / Gamma(a + 1) * sum_{n>=1} (-x)^n a / (n! (a + n))
    (so Q keeps its relative accuracy where P is within rounding of 1, e.g. Q(1e-300, 1) ~ 8e-301)
Special values follow torch (aten's calc_igamma / calc_igammac).
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from . import _gamma_math as G
from ._broadcast import quiet as _quiet, result_np_dtype
from .arithmetic import _back, _broadcasting
from .special_fns import _out, _via64

__all__ = ["igamma", "igammac"]

_EPS = 1e-16
_MAX_ITER = 5000


def _lgamma1p(a: np.ndarray) -> np.ndarray:
    """lgamma(1 + a) without rounding 1 + a (a >= 0 small)."""
    return np.where(a <= 0.5, G._lgamma_near_one(np.minimum(a, 0.5)), G.lgamma(1 + a))


def _series_p(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    term = 1 / a
    total = term.copy()
    ap = a.copy()
    live = np.ones(a.shape, bool)
    for _ in range(_MAX_ITER):
        ap = ap + 1
        term = np.where(live, term * x / ap, 0.0)
        total = total + term
        live = live & (np.abs(term) > np.abs(total) * _EPS)
        if not live.any():
            break
    return total * np.exp(a * np.log(x) - x - G.lgamma(a))


def _fraction_q(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q by the continued fraction, evaluated with the modified Lentz method."""
    tiny = 1e-300
    b = x + 1 - a
    c = np.full(a.shape, 1 / tiny)
    d = 1 / b
    h = d.copy()
    live = np.ones(a.shape, bool)
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1 / d
        delta = np.where(live, d * c, 1.0)
        h = h * delta
        live = live & (np.abs(delta - 1) > _EPS)
        if not live.any():
            break
    return np.exp(a * np.log(x) - x - G.lgamma(a)) * h


def _small_a_q(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q for a < 1 and small x (see the module docstring)."""
    log_lead = a * np.log(x) - _lgamma1p(a)
    term = np.ones_like(x)
    total = np.zeros_like(x)
    for n in range(1, 60):
        term = term * -x / n
        total = total + term * a / (a + n)
    return -np.expm1(log_lead) - np.exp(log_lead) * total


def _igamma64(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.full(a.shape, np.nan)
    one, zero = (0.0, 1.0) if upper else (1.0, 0.0)  # the values of P (or Q) at x = inf and at x = 0
    valid = (a >= 0) & (x >= 0)
    out[valid & (a == 0) & (x > 0)] = one
    out[valid & (a > 0) & (x == 0)] = zero
    out[valid & np.isinf(a) & np.isfinite(x) & (x > 0)] = zero
    out[valid & (a > 0) & np.isfinite(a) & np.isinf(x)] = one
    reg = valid & (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    if not reg.any():
        return out
    ar, xr = a[reg], x[reg]
    res = np.empty_like(ar)
    frac = (xr >= ar + 1) & (xr > 1.1)
    with _quiet():
        if frac.any():
            q = _fraction_q(ar[frac], xr[frac])
            res[frac] = q if upper else 1 - q
        ser = ~frac
        if ser.any():
            a_s, x_s = ar[ser], xr[ser]
            if upper:
                small = a_s < 1
                qs = np.empty_like(a_s)
                if small.any():
                    qs[small] = _small_a_q(a_s[small], x_s[small])
                if (~small).any():
                    qs[~small] = 1 - _series_p(a_s[~small], x_s[~small])
                res[ser] = qs
            else:
                res[ser] = _series_p(a_s, x_s)
    out[reg] = res
    return out


class Igamma(Function):
    """out = P(a, x);  dx = g x^(a-1) e^-x / Gamma(a);  da: not implemented (as in torch)"""

    _upper = False
    _name = "igamma"

    @classmethod
    def forward(cls, ctx, a, x):
        ctx.a_meta = (a.shape, a.dtype)
        ctx.b_meta = (x.shape, x.dtype)
        dt = result_np_dtype(a, x)
        if dt.kind != "f":
            from .comparison import _dtype_name
            raise NotImplementedError(f'"{cls._name}_cpu" not implemented for \'{_dtype_name(dt)}\'')
        a, x = a.astype(dt, copy=False), x.astype(dt, copy=False)
        ctx.save_for_backward(a, x)
        return _broadcasting(lambda p, q: _igamma64(p, q, cls._upper).astype(dt), a, x)

    @classmethod
    def backward(cls, ctx, g):
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{cls._name}: input' is not implemented.")
        gx = None
        if ctx.needs_input_grad[1]:
            with _quiet():
                # torch's formula, in the dtype: exp((a - 1) ln x - x - lgamma(a))
                d = np.exp((a - 1) * np.log(x) - x - _via64(G.lgamma, a))
                gx = _back(-g * d if cls._upper else g * d, ctx.b_meta)
        return None, gx


class Igammac(Igamma):
    """out = Q(a, x) = 1 - P(a, x);  dx = -g x^(a-1) e^-x / Gamma(a);  da: not implemented (as in torch)"""

    _upper = True
    _name = "igammac"


def _check(name: str, input, other) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")


def igamma(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The regularized lower incomplete gamma function P(input, other)."""
    _check("igamma", input, other)
    return _out(Igamma.apply(input, other), out)


def igammac(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The regularized upper incomplete gamma function Q(input, other) = 1 - P(input, other)."""
    _check("igammac", input, other)
    return _out(Igammac.apply(input, other), out)


def gammainc(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    _check("special_gammainc", input, other)
    return _out(Igamma.apply(input, other), out)


def gammaincc(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    _check("special_gammaincc", input, other)
    return _out(Igammac.apply(input, other), out)


def _method(fn, name: str):
    def meth(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return fn(self, other)
    meth.__name__ = name
    return meth


def _inplace_method(fn, name: str):
    def meth(self, other):
        from ._args import inplace_method
        return inplace_method(fn, name)(self, other)
    meth.__name__ = name + "_"
    return meth


# Tensor methods (attached in ember/__init__.py)
METHODS = {"igamma": _method(igamma, "igamma"), "igammac": _method(igammac, "igammac"),
           "igamma_": _inplace_method(igamma, "igamma"), "igammac_": _inplace_method(igammac, "igammac")}
