"""float64 kernels for the Bessel functions of the first and second kind, orders 0 and 1 (J0, J1, Y0, Y1).

Math
----
    |x| <= 2:   J_n(x) = (x/2)^n sum_k (-x^2/4)^k / (k! (n+k)!)
                Y_0(x) = (2/pi) (ln(x/2) + euler_gamma) J_0(x) - (2/pi) sum_{k>=1} H_k (-x^2/4)^k / (k!)^2
                Y_1(x) = -2/(pi x) + (2/pi) ln(x/2) J_1(x)
                         - (x/(2 pi)) sum_k (psi(k+1) + psi(k+2)) (-x^2/4)^k / (k! (k+1)!)
    2 < |x| <= 25 (integrals, Bessel's and its companion for Y):
                J_n(x) = (1/pi) integral_0^pi cos(n t - x sin t) dt                       (trapezoid: periodic, even)
                Y_n(x) = (1/pi) integral_0^pi sin(x sin t - n t) dt
                         - (1/pi) integral_0^inf (e^(n t) + (-1)^n e^(-n t)) e^(-x sinh t) dt    (Gauss-Legendre)
    |x| > 25 (Hankel):  J_n = sqrt(2/(pi x)) (P cos c - Q sin c),  Y_n = sqrt(2/(pi x)) (P sin c + Q cos c),
                c = x - (2n + 1) pi/4 (expanded through cos x and sin x, so no rounding of x - pi/4),
                P = sum_k (-1)^k a_2k / x^2k,  Q = sum_k (-1)^k a_2k+1 / x^(2k+1),
                a_k = (mu - 1)(mu - 9) ... (mu - (2k-1)^2) / (k! 8^k),  mu = 4 n^2
    J_0 is even, J_1 odd; Y is nan below 0 and -inf at 0.

    Airy Ai (zeta = (2/3) |x|^(3/2)):
    |x| <= 2:   Ai(x) = Ai(0) f(x) + Ai'(0) g(x),
                f = sum_k 3^k (1/3)_k x^3k / (3k)!,  g = sum_k 3^k (2/3)_k x^(3k+1) / (3k+1)!
    x > 2:      Ai(x) = sqrt(x/3) / pi * K_{1/3}(zeta)    (K by its integral, _bessel_math; 0 past 103.892, as torch)
    -11.2 <= x < -2:  Ai(x) = sqrt(|x|)/3 (J_{1/3}(zeta) + J_{-1/3}(zeta)),  J_v by Schlaefli's integrals:
                J_v(z) = (1/pi) integral_0^pi cos(v t - z sin t) dt - sin(v pi)/pi integral_0^inf e^(-z sinh t - v t) dt
    x < -11.2:  Ai(x) ~ |x|^(-1/4) / sqrt(pi) (cos(zeta - pi/4) sum_k (-1)^k u_2k zeta^-2k
                                              + sin(zeta - pi/4) sum_k (-1)^k u_2k+1 zeta^-(2k+1)),
                u_k = u_(k-1) (6k-5)(6k-3)(6k-1) / ((2k-1) 216 k)
"""
from __future__ import annotations

import math

import numpy as np

from ._broadcast import quiet as _quiet

__all__ = ["j0", "j1", "y0", "y1", "airy_ai"]

_EULER_GAMMA = 0.57721566490153286061
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(80)


_BLOCK = 8192  # elements per pass of the quadratures: (elements x nodes) stays below a million values


def _blocked(fn, *arrays) -> np.ndarray:
    """fn over consecutive blocks of the (1-d, equally long) arrays, concatenated."""
    n = arrays[0].size
    if n <= _BLOCK:
        return fn(*arrays)
    return np.concatenate([fn(*(a[s:s + _BLOCK] for a in arrays)) for s in range(0, n, _BLOCK)])


def _gauss(f, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """integral_lo^hi f(t) dt per element (lo, hi: arrays), by 80-point Gauss-Legendre; ``f`` takes the nodes as
    an (elements, 80) array."""
    mid, half = (hi + lo) / 2, (hi - lo) / 2
    t = mid[:, None] + half[:, None] * _GL_NODES
    return half * (f(t) @ _GL_WEIGHTS)


def _series_j(x: np.ndarray, n: int) -> np.ndarray:
    q = -(x * 0.5) ** 2
    term = np.ones_like(x) if n == 0 else x * 0.5
    total = term.copy()
    for k in range(1, 30):
        term = term * q / (k * (k + n))
        total += term
    return total


def _series_y(x: np.ndarray, n: int) -> np.ndarray:
    q = -(x * 0.5) ** 2
    log_half = np.log(x * 0.5)
    if n == 0:
        term, harmonic, total = np.ones_like(x), 0.0, np.zeros_like(x)
        for k in range(1, 30):
            term = term * q / (k * k)
            harmonic += 1.0 / k
            total += harmonic * term
        return (2 / math.pi) * ((log_half + _EULER_GAMMA) * _series_j(x, 0) - total)
    term = np.ones_like(x)
    psi_k1, psi_k2 = -_EULER_GAMMA, 1 - _EULER_GAMMA
    total = (psi_k1 + psi_k2) * term
    for k in range(1, 30):
        term = term * q / (k * (k + 1))
        psi_k1, psi_k2 = psi_k1 + 1.0 / k, psi_k2 + 1.0 / (k + 1)
        total += (psi_k1 + psi_k2) * term
    return -2 / (math.pi * x) + (2 / math.pi) * log_half * _series_j(x, 1) - x / (2 * math.pi) * total


def _integral_j(x: np.ndarray, n: int) -> np.ndarray:
    """The trapezoid rule on 96 points: exact to rounding for x <= 25 (its error is like J_192(x))."""
    t = np.linspace(0, math.pi, 97)
    f = np.cos(n * t - x[:, None] * np.sin(t))
    return (f.sum(axis=1) - 0.5 * (f[:, 0] + f[:, -1])) / 96


def _integral_y(x: np.ndarray, n: int) -> np.ndarray:
    zero, pi = np.zeros_like(x), np.full_like(x, math.pi)
    first = _gauss(lambda t: np.sin(x[:, None] * np.sin(t) - n * t), zero, pi)
    end = np.arcsinh(45 / x)  # beyond it e^(-x sinh t) is below e^-45
    second = _gauss(lambda t: (np.exp(n * t) + (-1) ** n * np.exp(-n * t)) * np.exp(-x[:, None] * np.sinh(t)),
                    zero, end)
    return (first - second) / math.pi


def _hankel(x: np.ndarray, n: int, second_kind: bool) -> np.ndarray:
    mu = 4.0 * n * n
    a = np.ones_like(x)
    p, q = np.ones_like(x), np.zeros_like(x)
    for k in range(1, 40):
        a = a * (mu - (2 * k - 1) ** 2) / (8.0 * k) / x
        sign = -1.0 if (k // 2) % 2 else 1.0  # (-1)^floor(k/2): the alternation within P and within Q
        if k % 2:
            q = q + sign * a
        else:
            p = p + sign * a
    c, s = np.cos(x), np.sin(x)
    r = 1 / math.sqrt(2)
    cos_c, sin_c = ((c + s) * r, (s - c) * r) if n == 0 else ((s - c) * r, -(s + c) * r)
    scale = np.sqrt(2 / (math.pi * x))
    return scale * (p * sin_c + q * cos_c if second_kind else p * cos_c - q * sin_c)


def _bessel(x: np.ndarray, n: int, second_kind: bool) -> np.ndarray:
    x = np.asarray(x, np.float64)
    ax = np.abs(x)
    out = np.full(x.shape, np.nan)
    with _quiet():
        for lo, hi, fn in ((-1.0, 2.0, "series"), (2.0, 25.0, "integral"), (25.0, np.inf, "hankel")):
            m = (ax > lo) & (ax <= hi) & np.isfinite(ax) if fn != "series" else (ax <= hi)
            if second_kind:
                m = m & (x > 0)
            if not m.any():
                continue
            v = ax[m]
            if fn == "series":
                out[m] = _series_y(v, n) if second_kind else _series_j(v, n)
            elif fn == "integral":
                out[m] = _blocked(lambda w: _integral_y(w, n) if second_kind else _integral_j(w, n), v)
            else:
                out[m] = _hankel(v, n, second_kind)
    if second_kind:
        return np.where(x == 0, -np.inf, out)
    return np.where(np.signbit(x), -out, out) if n == 1 else out  # (J_1 odd, -0.0 kept)


def j0(x: np.ndarray) -> np.ndarray:
    return _bessel(x, 0, False)


def j1(x: np.ndarray) -> np.ndarray:
    return _bessel(x, 1, False)


def y0(x: np.ndarray) -> np.ndarray:
    return _bessel(x, 0, True)


def y1(x: np.ndarray) -> np.ndarray:
    return _bessel(x, 1, True)


_AI0 = 1 / (3 ** (2 / 3) * math.gamma(2 / 3))  # Ai(0)
_AIP0 = -1 / (3 ** (1 / 3) * math.gamma(1 / 3))  # Ai'(0)


def _airy_series(x: np.ndarray) -> np.ndarray:
    x3 = x ** 3
    f, g = np.ones_like(x), x.copy()
    tf, tg = np.ones_like(x), x.copy()
    for k in range(40):
        tf = tf * x3 / ((3 * k + 2) * (3 * k + 3))
        tg = tg * x3 / ((3 * k + 3) * (3 * k + 4))
        f += tf
        g += tg
    return _AI0 * f + _AIP0 * g


def _j_fractional(z: np.ndarray, v: float) -> np.ndarray:
    zero, pi = np.zeros_like(z), np.full_like(z, math.pi)
    first = _gauss(lambda t: np.cos(v * t - z[:, None] * np.sin(t)), zero, pi)
    end = np.arcsinh(45 / z) + 1.0
    second = _gauss(lambda t: np.exp(-z[:, None] * np.sinh(t) - v * t), zero, end)
    return (first - math.sin(v * math.pi) * second) / math.pi


def _airy_negative_asymptotic(y: np.ndarray) -> np.ndarray:
    zeta = (2 / 3) * y * np.sqrt(y)
    u = 1.0
    even, odd = np.ones_like(y), np.zeros_like(y)
    power = np.ones_like(y)
    for k in range(1, 30):
        u = u * (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216 * k)
        power = power / zeta
        sign = -1.0 if (k // 2) % 2 else 1.0
        if k % 2:
            odd = odd + sign * u * power
        else:
            even = even + sign * u * power
    phase = zeta - math.pi / 4
    return (np.cos(phase) * even + np.sin(phase) * odd) / (math.sqrt(math.pi) * np.sqrt(np.sqrt(y)))


def airy_ai(x: np.ndarray) -> np.ndarray:
    from ._bessel_math import _k_integral_scaled
    x = np.asarray(x, np.float64)
    out = np.full(x.shape, np.nan)
    small = np.abs(x) <= 2
    pos = (x > 2) & (x <= 103.892)
    neg = (x < -2) & (x >= -11.2)
    far = (x < -11.2) & np.isfinite(x)
    out[(x > 103.892) & np.isfinite(x)] = 0.0
    with _quiet():
        if small.any():
            out[small] = _airy_series(x[small])
        if pos.any():
            xp = x[pos]
            zeta = (2 / 3) * xp * np.sqrt(xp)
            out[pos] = np.sqrt(xp / 3) / math.pi * _k_integral_scaled(zeta, 1 / 3) * np.exp(-zeta)
        if neg.any():
            y = -x[neg]
            zeta = (2 / 3) * y * np.sqrt(y)
            out[neg] = np.sqrt(y) / 3 * _blocked(lambda z: _j_fractional(z, 1 / 3) + _j_fractional(z, -1 / 3), zeta)
        if far.any():
            out[far] = _airy_negative_asymptotic(-x[far])
    return out
