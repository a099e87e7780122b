"""torch's float32 Box-Muller block ``NormalFill16<float>`` for AVX2/AVX512 builds, exactly, in NumPy.

torch (aten/src/ATen/native/cpu/DistributionTemplates.h) transforms 8 pairs of float32 uniforms with the
Cephes-style ``log256_ps``/``sincos256_ps`` of aten/src/ATen/native/cpu/avx_mathfun.h. Every step is
IEEE float32 arithmetic, so NumPy float32 ufuncs reproduce each plain multiply/add/sqrt. GCC contracts
some multiply+add pairs of the intrinsics into FMAs (which ones was found by experiment, see
/work/shared/reference/torch-rng.md section 3b); those go through ``fma32``.

This module is the readable, step-by-step reference. ``boxmuller_fast`` holds the formulation used in
production and is checked against this one over every possible float32 uniform input.
"""
from __future__ import annotations

import numpy as np

from .fma import fma32

__all__ = ["log_avx2", "sincos_avx2", "box_muller16"]

f32 = np.float32
# Cephes logf constants, float32-rounded as in avx_mathfun.h.
SQRTHF = f32(0.707106781186547524)
LOG_P = tuple(f32(v) for v in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                               1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                               3.3333331174e-1))
LOG_Q1 = f32(-2.12194440e-4)
LOG_Q2 = f32(0.693359375)
# Cephes sincosf constants.
FOPI = f32(1.27323954473516)
DP1, DP2, DP3 = f32(-0.78515625), f32(-2.4187564849853515625e-4), f32(-3.77489497744594108e-8)
COS_P = (f32(2.443315711809948e-5), f32(-1.388731625493765e-3), f32(4.166664568298827e-2))
SIN_P = (f32(-1.9515295891e-4), f32(8.3321608736e-3), f32(-1.6666654611e-1))
TWO_PI = f32(2.0 * np.pi)  # _mm256_set1_ps(2.0f * pi<double>): the double product rounded to float


def log_avx2(u: np.ndarray) -> np.ndarray:
    """``log256_ps`` for float32 ``u`` in (0, 1] (the only inputs normal_fill gives it)."""
    bits = u.view(np.uint32)
    e = ((bits >> 23).astype(np.int32) - 126).astype(f32)
    m = ((bits & np.uint32(0x007FFFFF)) | np.uint32(0x3F000000)).view(f32)  # mantissa in [0.5, 1)
    small = m < SQRTHF
    e = e - small.astype(f32)
    x = (m - f32(1)) + np.where(small, m, f32(0))  # 2m-1 or m-1, both exact
    z = x * x
    y = np.full_like(x, LOG_P[0])
    for pk in LOG_P[1:]:
        y = fma32(y, x, pk)
    y = y * x
    y = fma32(y, z, e * LOG_Q1)
    y = y - z * f32(0.5)
    return fma32(e, LOG_Q2, x + y)


def sincos_avx2(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sincos256_ps`` for float32 ``theta >= 0``; returns (sin, cos)."""
    j = (theta * FOPI).astype(np.int32)  # cvttps: truncation
    j = (j + 1) & ~1
    y = j.astype(f32)
    x = fma32(y, DP1, theta)
    x = fma32(y, DP2, x)
    x = fma32(y, DP3, x)
    z = x * x
    c = fma32(fma32(f32(COS_P[0]), z, COS_P[1]), z, COS_P[2]) * z
    c = fma32(c, z, -(z * f32(0.5))) + f32(1)
    s = fma32(fma32(f32(SIN_P[0]), z, SIN_P[1]), z, SIN_P[2]) * z
    s = fma32(s, x, x)
    swap = (j & 2) != 0
    sin = np.where(swap, c, s)
    cos = np.where(swap, s, c)
    sin = np.where((j & 4) != 0, -sin, sin)
    cos = np.where(((j - 2) & 4) == 0, -cos, cos)
    return sin, cos


def box_muller16(d: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Transform float32 uniforms of shape (blocks, 16) as ``NormalFill16<float>`` does, block by block."""
    u1 = f32(1) - d[:, :8]
    u2 = d[:, 8:]
    radius = np.sqrt(f32(-2) * log_avx2(u1))
    sin, cos = sincos_avx2(TWO_PI * u2)
    out = np.empty_like(d)
    out[:, :8] = fma32(radius * cos, f32(std), f32(mean))
    out[:, 8:] = fma32(radius * sin, f32(std), f32(mean))
    return out
