"""The C library's ``log`` on float64 arrays, bit for bit, without a Python call per element.

torch's float64 ``normal_fill`` calls glibc's ``log``; NumPy's own float64 ``np.log`` (SIMD code on
AVX512 machines) differs from it in the last bit for ~0.3% of inputs, and ``math.log`` per element costs
~150 ns. This module gets glibc's result from a long double logarithm instead, and calls ``math.log``
only where that cannot decide.

Why this is exact. Let l be the exact logarithm of a double x in (0, 1], and call a *midpoint* the
point halfway between two consecutive doubles.

* glibc's ``log`` (sysdeps/ieee754/dbl-64/e_log.c, the 2.28+ implementation) is documented to be
  within 0.520 ulp of l (0.519 with FMA; ~0.507 near 1). So whenever l lies more than 0.02 ulp away
  from every midpoint, the only double within 0.520 ulp of l on the near side is the correctly rounded
  RN(l), and glibc returns RN(l).
* ``np.log`` on x87 long doubles calls glibc's ``logl`` (64-bit significand, the FYL2X instruction):
  its error is a few units of 2**-64 relative, under 0.002 ulp of a double. Write L for it.
* If L lies more than ``BAND`` = 0.03 ulp (of the double nearest L) from every midpoint, then l lies
  more than 0.028 ulp from them, on the same side as L: RN(L) = RN(l) = glibc's ``log(x)``.

The remaining inputs (about 6%, those with L within 0.03 ulp of a midpoint), and any x whose nearest
double to L is a power of two (the ulp differs on its two sides) or zero, go through ``math.log``
(which is glibc's). ``available()`` checks the premises once (glibc, an x87 long double, and agreement with
``math.log`` on a fixed sample); ``log_unit`` uses ``math.log`` everywhere if it says no.
"""
from __future__ import annotations

import math
import platform

import numpy as np

__all__ = ["available", "log_unit"]

BAND = 0.03  # ulps around each midpoint where the long double result cannot decide
_MANT = np.uint64((1 << 52) - 1)
_OK: list[bool] = []


def _log_via_long_double(x: np.ndarray) -> np.ndarray:
    L = np.log(x.astype(np.longdouble))
    d = L.astype(np.float64)
    # L - d is exact (d is L rounded to 53 bits); its distance from d in ulps of d decides.
    frac = np.abs((L - d).astype(np.float64))
    frac /= np.abs(np.spacing(d))
    doubt = frac > 0.5 - BAND
    doubt |= (d.view(np.uint64) & _MANT) == 0  # a power of two (or 0): the ulp below is half the ulp above
    idx = np.flatnonzero(doubt)
    if idx.size:
        d[idx] = np.fromiter(map(math.log, x[idx].tolist()), dtype=np.float64, count=idx.size)
    return d


def available() -> bool:
    """Whether ``log_unit`` may use long doubles here: glibc, x87 extended precision, a passed self-check."""
    if not _OK:
        # the 0.520 ulp bound is glibc's; another libm's log may stray farther from the exact value
        ok = platform.libc_ver()[0] == "glibc" and np.finfo(np.longdouble).nmant >= 63
        if ok:
            rng = np.random.default_rng(11)
            x = np.concatenate([1.0 - rng.integers(0, 1 << 53, 20000) * 2.0 ** -53,  # torch's u1
                                1.0 - rng.integers(1, 1 << 20, 2000) * 2.0 ** -53,  # glibc's near-1 path
                                rng.random(2000) ** 40, [1.0, 0.5, 2.0 ** -53]])
            ref = np.fromiter(map(math.log, x.tolist()), dtype=np.float64, count=x.size)
            ok = bool(np.array_equal(_log_via_long_double(x).view(np.uint64), ref.view(np.uint64)))
        _OK.append(ok)
    return _OK[0]


def log_unit(x: np.ndarray) -> np.ndarray:
    """glibc's ``log`` of each element of a float64 array with values in (0, 1] (a new array)."""
    if available():
        return _log_via_long_double(x)
    return np.fromiter(map(math.log, x.tolist()), dtype=np.float64, count=x.size)
