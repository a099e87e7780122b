"""An exact reference for float32 fused multiply-adds, and operands whose float64 sum is a float32 tie.

``fma_exact`` forms ``a*b + c`` as a Fraction and rounds it once to float32 (``rn32``), ties to even, with
float32's subnormal grid below 2**-126, so it checks the emulations in ember._rng.fma and ember.optim._functional
without trusting any floating-point arithmetic.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

f32 = np.float32


def rn32(x: Fraction) -> np.float32:
    """``x`` rounded once to float32: a 24-bit significand, or a multiple of 2**-149 below 2**-126."""
    if x == 0:
        return f32(0.0)
    ax = abs(x)
    e = ax.numerator.bit_length() - ax.denominator.bit_length()  # 2**(e - 1) < ax < 2**(e + 1)
    if Fraction(2) ** e > ax:
        e -= 1  # now 2**e <= ax < 2**(e + 1)
    ulp = Fraction(2) ** (max(e, -126) - 23)
    v = round(ax / ulp) * ulp  # round() of a Fraction is half to even
    assert float(v) == v and f32(float(v)) == float(v)  # exact in float32: no second rounding
    return f32(float(v) if x > 0 else -float(v))


def fma_exact(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """float32 ``fma(a, b, c)`` elementwise (broadcast), from the exact Fractions."""
    a, b, c = np.broadcast_arrays(*(np.asarray(v, np.float32) for v in (a, b, c)))
    vals = [rn32(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)))
            for x, y, z in zip(a.ravel().tolist(), b.ravel().tolist(), c.ravel().tolist())]
    return np.array(vals, np.float32).reshape(a.shape)


def subnormal_tie_operands(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """float32 ``a, b, c`` with ``a*b = ±2**-150 * (1 - i*i*2**-46)`` and ``c`` a subnormal (or smallest-binade)
    float32 with an odd last bit: the float64 sum is an odd multiple of 2**-150, a tie of float32's subnormal
    grid, while the exact sum lies just beside it (towards zero when signs agree). Rounding the float64 sum half
    to even is then wrong about half the time."""
    rng = np.random.default_rng(seed)
    i = rng.integers(1, 1 << 11, n)
    k = rng.integers(2, 148, n)  # how the 2**-150 is split between the factors (both stay float32)
    a = (2.0 ** -k * (1 + i * 2.0 ** -23)).astype(np.float32)
    b = (2.0 ** (k - 150) * (1 - i * 2.0 ** -23)).astype(np.float32)
    c = ((rng.integers(1, 1 << 24, n) | 1) * 2.0 ** -149).astype(np.float32)  # up to 2**-125: both sides of 2**-126
    sign_a, sign_c = rng.choice([-1, 1], n).astype(np.float32), rng.choice([-1, 1], n).astype(np.float32)
    return a * sign_a, b, c * sign_c


def tiny_operands(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random float32 operands whose exact fma is mostly below 2**-126: tiny products, subnormal addends, and
    cancellations of normal ones."""
    rng = np.random.default_rng(seed)
    a = (rng.standard_normal(n) * 2.0 ** rng.integers(-75, -20, n)).astype(np.float32)
    b = (rng.standard_normal(n) * 2.0 ** rng.integers(-75, -20, n)).astype(np.float32)
    c = (rng.standard_normal(n) * 2.0 ** rng.integers(-150, -120, n)).astype(np.float32)
    cancel = rng.random(n) < 0.2  # c = -a*b rounded: the exact sum is the product's float32 rounding error
    a[cancel] = rng.standard_normal(cancel.sum()).astype(np.float32) * np.float32(2.0 ** -60)
    b[cancel] = rng.standard_normal(cancel.sum()).astype(np.float32) * np.float32(2.0 ** -60)
    c[cancel] = -(a[cancel] * b[cancel])
    return a, b, c
