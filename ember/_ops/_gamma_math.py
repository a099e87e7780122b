"""float64 kernels of the gamma family on NumPy arrays (NumPy has none): lgamma, digamma, trigamma, the Hurwitz
zeta function and polygamma. Special values follow torch (glibc's lgamma; aten's digamma/trigamma/zeta in
ATen/native/Math.h).

Math
----
    lgamma(1 + z) = -log1p(z) + z (1 - euler_gamma) + sum_{k>=2} (-1)^k (zeta(k) - 1) z^k / k    (|z| < 2)
    lgamma(x)     = (x - 1/2) ln x - x + ln(2 pi)/2 + sum_k B_2k / (2k (2k - 1) x^(2k-1))       (Stirling, x >= 10)
    lgamma(x)     = ln(pi / |sin(pi x)|) - lgamma(1 - x)                                      (reflection, x < 0)
    digamma(x)    = ln x - 1/(2x) - sum_k B_2k / (2k x^2k)         (x >= 10; below: psi(x) = psi(x + 1) - 1/x)
    trigamma(x)   = 1/x + 1/(2x^2) + sum_k B_2k / x^(2k+1)         (x >= 6.5; below: psi1(x) = psi1(x + 1) + 1/x^2)
    zeta(s, q)    = sum_{k<N} (q + k)^-s + w^(1-s)/(s-1) + w^-s/2
                    + sum_j B_2j / (2j)! s (s+1) ... (s+2j-2) w^(-s-2j+1)      (Euler-Maclaurin, w = q + N > 9)
    polygamma(n, x) = (-1)^(n+1) n! zeta(n + 1, x)                             (n >= 2)

The Bernoulli numbers are computed exactly (fractions) once, at import.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ._broadcast import quiet as _quiet

__all__ = ["lgamma", "digamma", "trigamma", "zeta", "polygamma"]

_EULER_GAMMA = 0.57721566490153286061
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _bernoulli(n: int) -> list[Fraction]:
    """B_0 .. B_n exactly (Akiyama-Tanigawa; B_1 = +1/2 in this convention, unused here)."""
    out, a = [], [Fraction(0)] * (n + 1)
    for m in range(n + 1):
        a[m] = Fraction(1, m + 1)
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        out.append(a[0])
    return out


_B = _bernoulli(30)
_B2K = [_B[2 * k] for k in range(1, 16)]  # B_2, B_4, ..., B_30
_STIRLING = [float(b / (2 * k * (2 * k - 1))) for k, b in enumerate(_B2K[:9], 1)]
_DIGAMMA_ASYM = [float(b / (2 * k)) for k, b in enumerate(_B2K[:7], 1)]
# aten's trigamma stops after B_6 (its absolute error is ~1e-9 near x = 1): the same truncation gives its values
_TRIGAMMA_ASYM = [float(b) for b in _B2K[:3]]
_EM = [float(b / math.factorial(2 * k)) for k, b in enumerate(_B2K[:13], 1)]


def _poly(z: np.ndarray, coeffs: list[float]) -> np.ndarray:
    """sum_k coeffs[k] z^(k+1), by Horner."""
    acc = np.zeros_like(z)
    for c in reversed(coeffs):
        acc = (acc + c) * z
    return acc


def zeta(s: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The Hurwitz zeta function sum_{k>=0} (q + k)^-s, with aten's special values: inf for s == 1 and for
    q a non-positive integer, nan for s < 1, for q < 0 with s not an integer, and for q == +inf."""
    s, q = np.broadcast_arrays(np.asarray(s, np.float64), np.asarray(q, np.float64))
    s, q = s.copy(), q.copy()
    out = np.full(s.shape, np.nan)
    inf = (s == 1) | ((s > 1) & (q <= 0) & (q == np.floor(q)))
    nan = (s < 1) | ((q <= 0) & (s != np.floor(s)) & ~inf) | (q == np.inf)
    ok = ~(inf | nan) & ~np.isnan(s) & ~np.isnan(q)
    out[inf] = np.inf
    if not ok.any():
        return out
    s1, q1 = s[ok], q[ok]
    with _quiet():
        # direct terms until q + N > 9 (at least 10 of them), then the Euler-Maclaurin tail
        n_terms = np.maximum(10, np.floor(9 - q1) + 2).astype(np.int64)
        n_max = int(min(n_terms.max(), 10**6))
        total = np.zeros_like(s1)
        for k in range(n_max):
            live = k < n_terms
            total = total + np.where(live, np.power(q1 + k, -s1), 0.0)
        w = q1 + n_terms
        wps = np.power(w, -s1)
        total = total + wps * w / (s1 - 1) + 0.5 * wps
        rising = np.ones_like(s1)  # s (s+1) ... (s+2j-2)
        wpow = wps / w  # w^(-s-2j+1)
        for j, c in enumerate(_EM):
            rising = rising * (s1 + 2 * j) if j == 0 else rising * (s1 + 2 * j - 1) * (s1 + 2 * j)
            total = total + c * rising * wpow
            wpow = wpow / (w * w)
    out[ok] = total
    return out


def _lgamma_near_one(z: np.ndarray) -> np.ndarray:
    """lgamma(1 + z) for |z| <= 1/2 (the zeta-series; exact zero at z = 0)."""
    with _quiet():
        return _poly(z, _NEAR_ONE) - np.log1p(z)


# z^k coefficients of lgamma(1 + z) + log1p(z): 1 - euler_gamma, then (-1)^k (zeta(k) - 1) / k
_NEAR_ONE = [1 - _EULER_GAMMA] + [(-1) ** k * float(zeta(np.array(float(k)), np.array(2.0))[()]) / k
                                  for k in range(2, 42)]


def _lgamma_positive(x: np.ndarray) -> np.ndarray:
    """lgamma on x >= 1/2 (finite)."""
    out = np.empty_like(x)
    low = x < 1.5
    mid = (x >= 1.5) & (x < 2.5)
    top = (x >= 2.5) & (x < 3.5)
    big = x >= 3.5
    with _quiet():
        if low.any():
            out[low] = _lgamma_near_one(x[low] - 1)
        if mid.any():
            z = x[mid] - 2
            out[mid] = _lgamma_near_one(z) + np.log1p(z)
        if top.any():
            z = x[top] - 3
            out[top] = _lgamma_near_one(z) + np.log1p(z) + np.log(z + 2)
        if big.any():
            out[big] = _stirling(x[big])
    return out


def _stirling(y: np.ndarray) -> np.ndarray:
    """lgamma for y >= 3.5: Stirling's series at y + shift >= 10, less ln(y (y+1) ... (y+shift-1))."""
    out = np.empty_like(y)
    low = y < 10
    if low.any():  # (only these need the shift; most arguments of a wide range do not)
        yl = y[low]
        shift = np.ceil(10 - yl)
        prod = yl.copy()
        for k in range(1, int(shift.max())):
            prod = np.where(k < shift, prod * (yl + k), prod)
        out[low] = _stirling_series(yl + shift) - np.log(prod)
    high = ~low
    if high.any():
        out[high] = _stirling_series(y[high])
    return out


def _stirling_series(y: np.ndarray) -> np.ndarray:
    return (y - 0.5) * np.log(y) - y + _HALF_LOG_2PI + _poly(1 / (y * y), _STIRLING) * y


def lgamma(x: np.ndarray) -> np.ndarray:
    """ln|Gamma(x)|: inf at the poles (0 and the negative integers) and at +-inf."""
    x = np.asarray(x, np.float64)
    out = np.full(x.shape, np.nan)
    pole = (x <= 0) & (x == np.floor(x))
    out[pole | np.isinf(x)] = np.inf
    fin = np.isfinite(x) & ~pole
    pos = fin & (x >= 0.5)
    small = fin & (x > 0) & (x < 0.5)
    neg = fin & (x < 0)
    with _quiet():
        if pos.any():
            out[pos] = _lgamma_positive(x[pos])
        if small.any():
            xs = x[small]
            out[small] = _lgamma_positive(xs + 1) - np.log(xs)
        if neg.any():
            xn = x[neg]
            r = xn - np.round(xn)  # sin(pi x) through the nearest integer keeps its relative accuracy
            out[neg] = np.log(math.pi / np.abs(np.sin(math.pi * r))) - _lgamma_positive(1 - xn)
    return out


_PSI_10 = 2.25175258906672110764  # digamma(10)


def digamma(x: np.ndarray) -> np.ndarray:
    """psi(x) = Gamma'(x)/Gamma(x): -inf at +0, +inf at -0, nan at the negative integers and -inf.

    A float32 array is computed in float32 arithmetic (the reflection term in float64, rounded), as aten's float
    kernel is: its values differ from the rounded float64 ones in the last bits for about half of all inputs."""
    x = np.asarray(x)
    t = np.float32 if x.dtype == np.float32 else np.float64
    x = x.astype(t)
    out = np.full(x.shape, np.nan, t)
    zero = x == 0
    out[zero] = np.copysign(np.inf, -x[zero])
    neg = (x < 0) & (x != np.trunc(x))
    pos = x > 0
    with _quiet():
        if neg.any():
            xn = x[neg]
            frac = np.modf(xn.astype(np.float64))[0]  # pi * frac(x) in tan: the accuracy pi * x loses for |x| > 1
            out[neg] = _digamma_positive(t(1) - xn) - (math.pi / np.tan(math.pi * frac)).astype(t)
        if pos.any():
            out[pos] = _digamma_positive(x[pos])
    return out


def _digamma_positive(x: np.ndarray) -> np.ndarray:
    t = x.dtype.type
    acc = np.zeros_like(x)
    x = x.copy()
    low = x < 10
    if low.any():  # psi(x) = psi(x + 1) - 1/x until x >= 10, on the arguments below 10 only
        xl, al = x[low], acc[low]
        for _ in range(10):
            step = xl < 10
            if not step.any():
                break
            al = np.where(step, al - t(1) / xl, al)
            xl = np.where(step, xl + t(1), xl)
        x[low], acc[low] = xl, al
    z = t(1) / (x * x)
    series = np.where(x < t(1e17), _poly(z, [t(c) for c in _DIGAMMA_ASYM]), t(0))
    # at exactly 10 (an integer argument) aten adds its constant for psi(10); keep that rounding
    return np.where(x == 10, acc + t(_PSI_10), acc + np.log(x) - t(0.5) / x - series)


def trigamma(x: np.ndarray) -> np.ndarray:
    """psi'(x) = sum_k 1/(x + k)^2; below 1/2 by reflection, pi^2/sin^2(pi x) - psi'(1 - x), as aten computes it
    (so at the negative integers it is the large finite value that sin(pi x) != 0 gives, inf at 0).

    A float32 array is computed in float32 arithmetic: aten's float trigamma is (sinf of a float32 pi x), which
    near the negative integers differs from the float64 value in the leading digits."""
    x = np.asarray(x)
    t = np.float32 if x.dtype == np.float32 else np.float64
    x = x.astype(t)
    one, pi = t(1), t(math.pi)
    with _quiet():
        sign = np.where(x < t(0.5), -one, one)
        reflect = np.where(x < t(0.5), -(pi * pi) / np.sin(pi * x) ** 2, t(0))
        x = np.where(x < t(0.5), one - x, x)
        acc = reflect
        for _ in range(6):
            acc = acc + one / (x * x)
            x = x + one
        ixx = one / (x * x)
        acc = acc + (one + one / (t(2) * x) + _poly(ixx, [t(c) for c in _TRIGAMMA_ASYM])) / x
        return sign * acc


def polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """The n-th derivative of digamma."""
    if n == 0:
        return digamma(x)
    if n == 1:
        return trigamma(x)
    with _quiet():
        return (1.0 if n % 2 else -1.0) * math.exp(math.lgamma(n + 1.0)) * zeta(np.float64(n + 1), x)
