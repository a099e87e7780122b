"""float64 kernels for the modified Bessel functions of the first kind, orders 0 and 1, plain (``i0``, ``i1``) and
exponentially scaled (``i0e = exp(-|x|) i0``, ``i1e = exp(-|x|) i1``).

Math
----
    I_v(x) = sum_k (x/2)^(2k+v) / (k! (k+v)!)                                    (|x| <= 20: all terms one sign)
    exp(-|x|) I_v(|x|) ~ 1/sqrt(2 pi |x|) sum_k (-1)^k a_k(v) / |x|^k,
        a_k(v) = prod_{j=1..k} (4 v^2 - (2j - 1)^2) / (k! 8^k)                  (|x| > 20: the smallest term,
                                                                                  near k = 2|x|, is below 1e-17)
    I_0 is even, I_1 odd.
"""
from __future__ import annotations

import math

import numpy as np

from ._broadcast import quiet as _quiet

__all__ = ["i0", "i0e", "i1", "i1e"]

_SWITCH = 20.0


def _series(ax: np.ndarray, order: int) -> np.ndarray:
    """I_order(ax) by its power series (ax >= 0, small)."""
    q = (ax * 0.5) ** 2
    term = np.ones_like(ax) if order == 0 else ax * 0.5
    total = term.copy()
    for k in range(1, 80):
        term = term * q / (k * (k + order))
        total += term
    return total


def _asymptotic_scaled(ax: np.ndarray, order: int) -> np.ndarray:
    """exp(-ax) I_order(ax) for large ax."""
    mu = 4.0 * order * order
    term = np.ones_like(ax)
    total = term.copy()
    for k in range(1, 40):
        term = term * (-(mu - (2 * k - 1) ** 2) / (8.0 * k)) / ax
        total += term
    return total / np.sqrt(2 * math.pi * ax)


def _scaled(x: np.ndarray, order: int, scaled: bool) -> np.ndarray:
    x = np.asarray(x, np.float64)
    ax = np.abs(x)
    out = np.empty_like(ax)
    small = ax <= _SWITCH
    big = ~small & ~np.isnan(ax)
    out[np.isnan(ax)] = np.nan
    with _quiet():
        if small.any():
            s = _series(ax[small], order)
            out[small] = s * np.exp(-ax[small]) if scaled else s
        if big.any():
            a = ax[big]
            fin = np.isfinite(a)
            val = np.where(fin, _asymptotic_scaled(np.where(fin, a, 1.0), order), 0.0)
            # unscaled: exp(a) overflows to inf past a ~ 713; at +-inf aten's exp(x) * 0 makes nan
            out[big] = val if scaled else np.where(fin, val * np.exp(a), np.nan)
    if order == 1:
        out = np.copysign(out, x)
    return out


def i0(x: np.ndarray) -> np.ndarray:
    return _scaled(x, 0, False)


def i0e(x: np.ndarray) -> np.ndarray:
    return _scaled(x, 0, True)


def i1(x: np.ndarray) -> np.ndarray:
    return _scaled(x, 1, False)


def i1e(x: np.ndarray) -> np.ndarray:
    return _scaled(x, 1, True)
