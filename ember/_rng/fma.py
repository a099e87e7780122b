"""Fused multiply-add, rounded once, emulated with NumPy.

torch's CPU kernels are built by GCC with FMA contraction on AVX2/AVX512, so ``x * range + from`` and
``z * std + mean`` are each rounded ONCE. NumPy has no fma ufunc, so:

* float32 (``fma32``): the product of two float32 values is exact in float64, so ``a*b + c`` done in
  float64 is rounded once there and once more to float32. That second rounding can only go wrong when the
  float64 sum lands exactly on a float32 midpoint (low 29 bits ``0x10000000``) without being the exact
  sum; those few values are found and rounded again with the exact error from TwoSum. Below float32's
  normal range (|sum| < 2**-126) float32 rounds at the fixed position 2**-149 instead, so its midpoints are
  the odd multiples of 2**-150 (``subnormal_ties``); a cast that lands there is inexact and tiny, so it
  raises NumPy's underflow flag, which is how these rare sums are found without a pass over every value.
* float64 (``fma64``): Dekker's exact product and TwoSum give ``a*b + c`` as an unevaluated sum, and
  the last addition is done with round-to-odd, which makes the final round-to-nearest correct
  (Boldo & Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using rounding to
  odd", IEEE TC 2008). Valid while no intermediate overflows (|a*b| < 2**995) -- always the case here.
"""
from __future__ import annotations

import numpy as np

__all__ = ["fma32", "fma64", "round_f64_to_f32", "subnormal_ties", "toward"]

_MID_MASK = np.uint64(0x1FFFFFFF)
_MID = np.uint64(0x10000000)
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's constant for float64
_MIN_NORMAL32 = 2.0 ** -126
_TIE_SCALE = 2.0 ** 150  # float32 subnormals are the multiples of 2**-149: their ties, of 2**-150


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def subnormal_ties(s: np.ndarray) -> np.ndarray:
    """Flat (C-order) indices of the float64 values ``s`` that are ties for rounding to a float32 subnormal: odd
    multiples of 2**-150 below 2**-126 in magnitude, which a cast rounds half to even."""
    flat = s.ravel()
    tiny = np.flatnonzero(np.abs(flat) < _MIN_NORMAL32)
    k = flat[tiny] * _TIE_SCALE  # exact: a power of two
    return tiny[np.abs(np.fmod(k, 2.0)) == 1.0]  # fmod is exact, so this holds for odd integers only


def toward(s: np.ndarray, err: np.ndarray) -> np.ndarray:
    """``s`` moved one float64 ulp in the direction of ``err`` (the exact sum minus ``s``): off a float32 tie,
    onto the exact sum's side of it."""
    return np.where(err > 0, np.nextafter(s, np.inf), np.where(err < 0, np.nextafter(s, -np.inf), s))


def round_f64_to_f32(s: np.ndarray, err: np.ndarray | None, p: np.ndarray, c) -> np.ndarray:
    """Round float64 sums ``s = RN64(p + c)`` to float32 as if the exact ``p + c`` were rounded once."""
    try:
        with np.errstate(under="raise"):
            out = s.astype(np.float32)
        tiny = False
    except FloatingPointError:  # an inexact subnormal result: its ties are not where the bit test looks
        tiny = True
    with np.errstate(under="ignore"):
        if tiny:
            out = s.astype(np.float32)
        bits = s.view(np.uint64) & _MID_MASK
        doubt = np.flatnonzero(bits == _MID)
        if tiny:
            doubt = np.union1d(doubt, subnormal_ties(s))
        if doubt.size:
            sd = s.ravel()[doubt]
            cd = c if np.ndim(c) == 0 else np.broadcast_to(c, s.shape).ravel()[doubt]
            _, e = _two_sum(p.ravel()[doubt], cd)
            # The exact sum lies strictly beside the midpoint when e != 0: step one float64 ulp towards it.
            out[np.unravel_index(doubt, out.shape)] = toward(sd, e).astype(np.float32)
    return out


def fma32(a, b, c) -> np.ndarray:
    """float32 ``fma(a, b, c)`` of float32 inputs (arrays or scalars, broadcast), rounded once."""
    if np.ndim(a) == np.ndim(b) == np.ndim(c) == 0:  # scalars: the repair below indexes arrays
        return fma32(np.reshape(a, 1), b, c).reshape(())
    p = np.multiply(a, b, dtype=np.float64)
    s = p + np.float64(c) if np.ndim(c) == 0 else p + np.asarray(c, dtype=np.float64)
    return round_f64_to_f32(s, None, p, np.float64(c) if np.ndim(c) == 0 else np.asarray(c, dtype=np.float64))


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = a * _SPLIT
    hi = t - (t - a)
    return hi, a - hi


def _two_prod(a: np.ndarray, b) -> tuple[np.ndarray, np.ndarray]:
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(np.asarray(b, dtype=np.float64))
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def _round_to_odd_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    s, e = _two_sum(a, b)
    # Inexact and even: move to the odd neighbour on the side of the exact value.
    even = (s.view(np.uint64) & np.uint64(1)) == 0
    fix = (e != 0) & even
    if fix.any():
        s = np.where(fix, np.nextafter(s, np.where(e > 0, np.inf, -np.inf)), s)
    return s


def fma64(a, b, c) -> np.ndarray:
    """float64 ``fma(a, b, c)`` (arrays or scalars, broadcast), rounded once."""
    a = np.asarray(a, dtype=np.float64)
    uh, ul = _two_prod(a, b)
    th, tl = _two_sum(np.broadcast_to(np.asarray(c, dtype=np.float64), uh.shape), uh)
    v = _round_to_odd_sum(tl, ul)
    return th + v
