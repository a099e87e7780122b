"""The production form of torch's float32 ``NormalFill16`` (AVX2/AVX512 builds), bit-exact and faster.

Why this is exact: in ``boxmuller_avx2`` (the step-by-step reference) the radius depends only on the
24-bit uniform ``u1`` and (sin, cos) only on the 24-bit uniform ``u2``. So each half is a function of
2**24 possible inputs, and the formulation below was compared with the reference on ALL of them
(0 differences; ``tests/_rng/test_boxmuller.py`` repeats it, in full with ``EMBER_EXHAUSTIVE=1``).
That exhaustive check is what licenses the shortcuts taken here:

* an FMA whose product is exact in float32 (``y*DP1``, ``y*DP2`` with ``y`` an even integer <= 8) is a
  plain float32 multiply and add;
* every other FMA is ``a*b + c`` in float64 rounded once to float32, WITHOUT the midpoint repair of
  ``fma.fma32``: the exhaustive run shows that the float64 sum never lands on a float32 midpoint
  without being exact, for any input these polynomials can receive.

Work is done in chunks of ``CHUNK`` lanes so that the temporaries stay in the CPU cache.
"""
from __future__ import annotations

import numpy as np

from .boxmuller_avx2 import COS_P, DP1, DP2, DP3, FOPI, LOG_P, LOG_Q1, LOG_Q2, SIN_P, SQRTHF, TWO_PI

__all__ = ["radius_fast", "sincos_fast", "box_muller16_fast", "CHUNK"]

f32, f64 = np.float32, np.float64
CHUNK = 16384
_P = tuple(f64(p) for p in LOG_P)


def radius_fast(u1: np.ndarray) -> np.ndarray:
    """``sqrt(-2 * log256_ps(u1))`` for float32 ``u1`` in (0, 1]."""
    mant, ex = np.frexp(u1)  # u1 = mant * 2**ex with mant in [0.5, 1): ex is Cephes' e before the fix-up
    small = mant < SQRTHF
    e = (ex - small).astype(f32)
    x = mant - f32(1)
    x += np.where(small, mant, f32(0))
    x64 = x.astype(f64)
    z = x * x
    y = x64 * _P[0]
    y += _P[1]
    for pk in _P[2:]:
        y = y.astype(f32).astype(f64)
        y *= x64
        y += pk
    y = y.astype(f32)
    y *= x
    t = y.astype(f64)
    t *= z
    t += e * LOG_Q1
    y = t.astype(f32)
    y -= z * f32(0.5)
    y += x
    t = e.astype(f64)
    t *= f64(LOG_Q2)
    t += y
    log = t.astype(f32)
    log *= f32(-2)
    return np.sqrt(log, out=log)


def sincos_fast(u2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sincos256_ps(float32(2*pi) * u2)``; returns (sin, cos)."""
    theta = TWO_PI * u2
    j = (theta * FOPI).astype(np.int32)
    j += 1
    j &= ~1
    y = j.astype(f32)
    x = theta + y * DP1
    x += y * DP2
    x64 = x.astype(f64)
    x64 += y.astype(f64) * f64(DP3)
    x = x64.astype(f32)
    x64 = x.astype(f64)
    z = x * x
    z64 = z.astype(f64)

    c = z64 * f64(COS_P[0])
    c += f64(COS_P[1])
    c = c.astype(f32).astype(f64)
    c *= z64
    c += f64(COS_P[2])
    c32 = c.astype(f32)
    c32 *= z
    c = c32.astype(f64)
    c *= z64
    c -= z64 * 0.5
    c32 = c.astype(f32)
    c32 += f32(1)

    s = z64 * f64(SIN_P[0])
    s += f64(SIN_P[1])
    s = s.astype(f32).astype(f64)
    s *= z64
    s += f64(SIN_P[2])
    s32 = s.astype(f32)
    s32 *= z
    s = s32.astype(f64)
    s *= x64
    s += x64
    s32 = s.astype(f32)

    swap = (j & 2) != 0
    sin = np.where(swap, c32, s32)
    cos = np.where(swap, s32, c32)
    # Sign flips are XORs of the sign bit, as in the intrinsics.
    sin.view(np.uint32)[...] ^= ((j & 4).astype(np.uint32) << np.uint32(29))
    cos.view(np.uint32)[...] ^= (((~(j - 2)) & 4).astype(np.uint32) << np.uint32(29))
    return sin, cos


def box_muller16_fast(d: np.ndarray, mean: float, std: float, out: np.ndarray) -> None:
    """``NormalFill16<float>`` over float32 uniforms ``d`` of shape (blocks, 16), written to ``out`` (same shape)."""
    mean32, std32 = f32(mean), f32(std)
    plain = std32 == f32(1) and mean32 == f32(0)
    step = max(1, CHUNK // 8)
    for lo in range(0, d.shape[0], step):
        blk = d[lo:lo + step]
        u1 = f32(1) - blk[:, :8]
        radius = radius_fast(u1)
        sin, cos = sincos_fast(blk[:, 8:])
        for half, trig in ((slice(0, 8), cos), (slice(8, 16), sin)):
            n = radius * trig
            if plain:
                n += f32(0)  # fma(n, 1, 0) turns -0 into +0
                out[lo:lo + step, half] = n
            else:
                p = n.astype(f64)
                p *= f64(std32)
                p += f64(mean32)
                out[lo:lo + step, half] = _round_checked(p, n, std32, mean32)


def _round_checked(s: np.ndarray, n: np.ndarray, std32, mean32) -> np.ndarray:
    from .fma import round_f64_to_f32
    return round_f64_to_f32(s, None, n.astype(f64) * f64(std32), f64(mean32))
