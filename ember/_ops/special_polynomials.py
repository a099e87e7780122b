"""``torch.special``'s orthogonal polynomials of degree ``n``: Chebyshev T, U, V, W (and their shifted forms on
[0, 1]), Hermite H and He, Laguerre L, Legendre P. No gradient, as in torch.

Each is evaluated the way aten's kernels are (ATen/native/Math.h), in the promoted dtype: the closed values at
the interval's ends, for Chebyshev inside (-1, 1) and above a small degree the trigonometric form
(T_n(cos t) = cos(n t), ...), else the three-term recurrence, stopped once it turns nan. ``n`` is truncated to an
integer; a negative degree (and a nan or infinite one) gives 0.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._broadcast import quiet as _quiet
from .special_fns import _out, _refuse

__all__ = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
           "legendre_polynomial_p"]

# degree above which aten switches to the trigonometric form inside (-1, 1): unshifted, shifted
_TRIG_FROM = {"t": (6, 6), "u": (8, 6), "v": (8, 6), "w": (8, 4)}


def _recurrence(step, x, n, first, done, stop_on_nan=True):
    """q_k for k up to n where not ``done``: p, q = q, step(k, p, q), from (1, first) at degree 1."""
    todo = ~done & (n >= 2)
    out = np.zeros_like(x)
    if not todo.any():
        return out
    xs, ns = x[todo], n[todo]
    p, q = np.ones_like(xs), first(xs)
    live = np.ones(xs.shape, bool)
    for k in range(1, int(ns.max())):
        live = live & (k < ns)
        if stop_on_nan:
            live = live & ~np.isnan(q)
        if not live.any():
            break
        r = step(k, xs, p, q)
        p, q = np.where(live, q, p), np.where(live, r, q)
    out[todo] = q
    return out


def _chebyshev(kind: str, x: np.ndarray, n: np.ndarray, shifted: bool) -> np.ndarray:
    t = x.dtype.type
    one = t(1)
    y = x + x - one if shifted else x
    nt = n.astype(x.dtype)
    odd = (n % 2) == 1
    out = np.zeros_like(x)
    done = n < 0
    # the ends of the interval: y = 1 and y = -1 (x = 1, x = 0 for the shifted forms)
    hi = ~done & ((x == one) if shifted else (y == one))
    lo = ~done & ((x == 0) if shifted else (y == -one))
    end = {"t": (one, np.where(odd, -one, one)), "u": (nt + one, np.where(odd, -(nt + one), nt + one)),
           "v": (one, np.where(odd, -(nt + nt + one), nt + nt + one)),
           "w": (nt + nt + one, np.where(odd, -one, one))}[kind]
    out = np.where(hi, end[0], np.where(lo, end[1], out))
    done = done | hi | lo
    trig = ~done & (n > _TRIG_FROM[kind][shifted]) & (np.abs(y) < one)
    if trig.any():
        with _quiet():
            theta = np.arccos(np.where(trig, y, t(0)))
            if kind == "t":
                val = np.cos(nt * theta)
            elif kind == "u":
                s = np.sin(theta)
                val = np.where(s != 0, np.sin((nt + one) * theta) / s, (nt + one) * np.cos((nt + one) * theta) / y)
            elif kind == "v":
                val = np.where(np.sin(theta / t(2)) != one, np.cos((nt + t(0.5)) * theta) / np.cos(theta / t(2)),
                               end[1])
            else:
                fallback = np.where(odd, -one, one) if shifted else np.where(x > 0, nt + nt + one,
                                                                            np.where(odd, -one, one))
                val = np.where(np.cos(theta / t(2)) != one, np.sin((nt + t(0.5)) * theta) / np.sin(theta / t(2)),
                               fallback)
        out = np.where(trig, val, out)
        done = done | trig
    first = {"t": lambda v: v, "u": lambda v: v + v, "v": lambda v: v + v - one, "w": lambda v: v + v + one}[kind]
    out = np.where(~done & (n == 0), one, out)
    out = np.where(~done & (n == 1), first(y), out)
    with _quiet():
        rec = _recurrence(lambda k, v, p, q: (v + v) * q - p, y, n, first, done)
    return np.where(~done & (n >= 2), rec, out)


def _hermite(x: np.ndarray, n: np.ndarray, physicists: bool) -> np.ndarray:
    one = x.dtype.type(1)
    limit = 128 if x.dtype == np.float32 else 512
    out = np.where(n == 0, one, np.where(n == 1, x + x if physicists else x, x.dtype.type(0)))
    big = n > limit
    with _quiet():
        if physicists:  # H: r = 2x q - 2k p
            rec = _recurrence(lambda k, v, p, q: (v + v) * q - x.dtype.type(2 * k) * p, x, n, lambda v: v + v,
                              big, stop_on_nan=False)
        else:  # He: r = x q - k p
            rec = _recurrence(lambda k, v, p, q: v * q - x.dtype.type(k) * p, x, n, lambda v: v, big,
                              stop_on_nan=False)
    out = np.where(n >= 2, rec, out)
    return np.where(big, x.dtype.type(np.nan), out)


def _laguerre(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    t = x.dtype.type
    one = t(1)
    zero_x = (np.abs(x) == 0) & (n >= 0)
    out = np.where(n == 0, one, np.where(n == 1, one - x, t(0)))
    with _quiet():
        rec = _recurrence(lambda k, v, p, q: ((t(k + k) + (one - v)) * q - t(k) * p) / t(k + 1), x, n,
                          lambda v: one - v, zero_x)
    out = np.where(n >= 2, rec, out)
    return np.where(zero_x, one, out)


def _legendre(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    t = x.dtype.type
    one = t(1)
    end = (np.abs(x) == one) & (n >= 0)
    end_value = np.where((x > 0) | (n % 2 == 0), one, -one)
    out = np.where(n == 0, one, np.where(n == 1, x, t(0)))
    with _quiet():
        rec = _recurrence(lambda k, v, p, q: (t(k + k + 1) * v * q - t(k) * p) / t(k + 1), x, n, lambda v: v, end)
    out = np.where(n >= 2, rec, out)
    return np.where(end, end_value, out)


_SIGNATURES = (" * (Tensor x, Tensor n, *, Tensor out = None)\n * (Number x, Tensor n, *, Tensor out = None)\n"
               " * (Tensor x, Number n, *, Tensor out = None)\n")


def _polynomial(name: str, kernel):
    def op(input, n, *, out=None) -> Tensor:
        if not isinstance(input, Tensor) and not isinstance(n, Tensor):
            raise TypeError(f"special_{name}() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(n).__name__}), but expected one of:\n{_SIGNATURES}")
        dt = D.result_type(input, n).np_dtype
        if dt.kind in "biu":
            dt = D.get_default_dtype().np_dtype
        _refuse(dt, f"{name}_cpu", half=True)
        x = np.asarray(input._data if isinstance(input, Tensor) else input).astype(dt)
        deg = np.asarray(n._data if isinstance(n, Tensor) else n).astype(dt)
        x, deg = np.broadcast_arrays(x, deg)
        with _quiet():
            # aten casts the degree to int64 (a nan or infinite one reads as negative)
            ideg = np.where(np.isfinite(deg), np.trunc(np.where(np.isfinite(deg), deg, 0)), -1).astype(np.int64)
        return _out(Tensor._make(np.asarray(kernel(np.array(x), ideg), dt)), out)
    op.__name__ = name
    op.__doc__ = f"torch.special.{name}(input, n): the polynomial of degree n at input (no gradient)."
    return op


chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t", lambda x, n: _chebyshev("t", x, n, False))
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u", lambda x, n: _chebyshev("u", x, n, False))
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v", lambda x, n: _chebyshev("v", x, n, False))
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w", lambda x, n: _chebyshev("w", x, n, False))
shifted_chebyshev_polynomial_t = _polynomial("shifted_chebyshev_polynomial_t", lambda x, n: _chebyshev("t", x, n, True))
shifted_chebyshev_polynomial_u = _polynomial("shifted_chebyshev_polynomial_u", lambda x, n: _chebyshev("u", x, n, True))
shifted_chebyshev_polynomial_v = _polynomial("shifted_chebyshev_polynomial_v", lambda x, n: _chebyshev("v", x, n, True))
shifted_chebyshev_polynomial_w = _polynomial("shifted_chebyshev_polynomial_w", lambda x, n: _chebyshev("w", x, n, True))
hermite_polynomial_h = _polynomial("hermite_polynomial_h", lambda x, n: _hermite(x, n, True))
hermite_polynomial_he = _polynomial("hermite_polynomial_he", lambda x, n: _hermite(x, n, False))
laguerre_polynomial_l = _polynomial("laguerre_polynomial_l", _laguerre)
legendre_polynomial_p = _polynomial("legendre_polynomial_p", _legendre)
