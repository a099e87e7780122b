"""float64 kernels for the modified Bessel functions of the first kind, orders 0 and 1, plain (``i0``, ``i1``) and
exponentially scaled (``i0e = exp(-|x|) i0``, ``i1e = exp(-|x|) i1``).

Math
----
    I_v(x) = sum_k (x/2)^(2k+v) / (k! (k+v)!)                                    (|x| <= 20: all terms one sign)
    exp(-|x|) I_v(|x|) ~ 1/sqrt(2 pi |x|) sum_k (-1)^k a_k(v) / |x|^k,
        a_k(v) = prod_{j=1..k} (4 v^2 - (2j - 1)^2) / (k! 8^k)                  (|x| > 20: the smallest term,
                                                                                  near k = 2|x|, is below 1e-17)
    I_0 is even, I_1 odd.

    K_0(x) = -(ln(x/2) + euler_gamma) I_0(x) + sum_{k>=1} H_k (x/2)^(2k) / (k!)^2            (0 < x <= 2;
    K_1(x) = 1/x + ln(x/2) I_1(x) - (x/4) sum_{k>=0} (psi(k+1) + psi(k+2)) (x/2)^(2k) / (k! (k+1)!)  H_k harmonic)
    exp(x) K_v(x) = integral_0^inf exp(-x (cosh t - 1)) cosh(v t) dt                           (x > 2: the trapezoid
        rule, whose error falls like exp(-pi^2 / h) for this analytic, double-exponentially decaying integrand)
    K_v is nan below 0, inf at 0 and 0 at +inf.
"""
from __future__ import annotations

import math

import numpy as np

from ._broadcast import quiet as _quiet

__all__ = ["i0", "i0e", "i1", "i1e", "k0", "k0e", "k1", "k1e"]

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


_EULER_GAMMA = 0.57721566490153286061


def _k_series(x: np.ndarray, order: int) -> np.ndarray:
    """K_order(x) for 0 < x <= 2 (the series above)."""
    q = (x * 0.5) ** 2
    log_half = np.log(x * 0.5)
    if order == 0:
        term, harmonic, total = np.ones_like(x), 0.0, np.zeros_like(x)
        for k in range(1, 40):
            term = term * q / (k * k)
            harmonic += 1.0 / k
            total += harmonic * term
        return -(log_half + _EULER_GAMMA) * _series(x, 0) + total
    term = np.ones_like(x)  # (x/2)^(2k) / (k! (k+1)!)
    psi_k1, psi_k2 = -_EULER_GAMMA, 1 - _EULER_GAMMA  # psi(k + 1), psi(k + 2) at k = 0
    total = (psi_k1 + psi_k2) * term
    for k in range(1, 40):
        term = term * q / (k * (k + 1))
        psi_k1, psi_k2 = psi_k1 + 1.0 / k, psi_k2 + 1.0 / (k + 1)
        total += (psi_k1 + psi_k2) * term
    return 1 / x + log_half * _series(x, 1) - x * 0.25 * total


def _k_integral_scaled(x: np.ndarray, order: int) -> np.ndarray:
    """exp(x) K_order(x) for x > 2 by the trapezoid rule (step below the integrand's width 1/sqrt(x))."""
    h = np.minimum(0.1, 0.5 / np.sqrt(x))
    t_end = 2 * np.arcsinh(np.sqrt(375 / x))  # beyond it the integrand is below e^-750
    n = int(np.ceil((t_end / h).max())) + 1
    out = np.empty_like(x)
    rows = max(1, 2**20 // max(n, 1))
    for s in range(0, x.size, rows):  # in blocks: (elements x nodes) stays about a million values
        xs, hs = x[s:s + rows, None], h[s:s + rows, None]
        t = hs * np.arange(n)
        # cosh t - 1 as 2 sinh^2(t/2): exact enough for the tiny t of a huge x
        f = np.exp(-xs * (2 * np.sinh(t / 2) ** 2)) * (np.cosh(order * t) if order else 1.0)
        out[s:s + rows] = hs[:, 0] * (f.sum(axis=1) - 0.5 * f[:, 0])
    return out


def _k(x: np.ndarray, order: int, scaled: bool) -> np.ndarray:
    x = np.asarray(x, np.float64)
    out = np.full(x.shape, np.nan)
    out[x == 0] = np.inf
    out[x == np.inf] = 0.0
    small = (x > 0) & (x <= 2)
    big = (x > 2) & np.isfinite(x)
    with _quiet():
        if small.any():
            xs = x[small]
            out[small] = _k_series(xs, order) * (np.exp(xs) if scaled else 1.0)
        if big.any():
            xb = x[big]
            val = _k_integral_scaled(xb, order)
            out[big] = val if scaled else val * np.exp(-xb)
    return out


def k0(x: np.ndarray) -> np.ndarray:
    return _k(x, 0, False)


def k0e(x: np.ndarray) -> np.ndarray:
    return _k(x, 0, True)


def k1(x: np.ndarray) -> np.ndarray:
    return _k(x, 1, False)


def k1e(x: np.ndarray) -> np.ndarray:
    return _k(x, 1, True)
