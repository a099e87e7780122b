"""``uniform_`` (``rand``, ``Tensor.uniform_``, ``nn.init``'s uniform draws), bit for bit.

torch's x86 wheels contract ``x * (to - from) + from`` into one FMA; NumPy has none, so the float32
path rounds an exact float64 product-and-sum once (or repairs the midpoints with ``fma32``).
"""
from __future__ import annotations

import math

import numpy as np

from .fma import fma32, fma64
from .generator import Generator
from .store import write

__all__ = ["uniform_"]

f16, f32, f64 = np.float16, np.float32, np.float64
_U24 = np.uint32(0xFFFFFF)
_CHUNK = 1 << 15  # lanes per pass for float64 temporaries (256 KB: stays in L2)
_WCHUNK = 1 << 16  # words drawn per pass by uniform_


def uniform_(out: np.ndarray, from_: float, to: float, gen: Generator) -> None:
    """``uniform_kernel`` (native/cpu/DistributionTemplates.h), serial.

    float32/float16: ``fma(x, to-from, from)`` in float with x a 24-bit uniform, cast to the dtype; float64:
    the same in double with a 53-bit x. A value that rounds up to ``to`` becomes ``from`` (2.13's clamp).
    """
    n = out.size
    if out.dtype == f64:
        x = gen._engine.uniform53(n)
        rng = float(to) - float(from_)
        if from_ == 0.0 and rng == 1.0:
            v = x
        elif from_ == 0.0:
            v = x * rng  # no addend: one rounding of the product is all the fma does
        else:
            v = fma64(x, rng, float(from_))
        # v is monotone in x, so only the largest value can reach ``to``: test the array only if it does
        if v.size and v.max() == f64(to):
            v[v == f64(to)] = f64(from_)
        write(out, v)
        return
    lo, hi = f32(from_), f32(to)
    rng = hi - lo  # float arithmetic, as in uniform_real_distribution<float>
    direct = out.dtype == f32 and out.flags.c_contiguous
    v = out.reshape(-1) if direct else np.empty(n, dtype=f32)
    words = gen._engine.words
    for i in range(0, n, _WCHUNK):  # chunks: the words stay in cache between the three passes
        m = words(min(_WCHUNK, n - i))
        m &= _U24
        _uniform24_f32(m, lo, rng, v[i:i + m.size])
    # 2.13's clamp ``v == to -> from``. v is monotone in the 24-bit draw, so only the largest draw
    # (2**24 - 1) can reach ``to``: compute that value once and scan the array only if it does.
    top = np.empty(1, dtype=f32)
    _uniform24_f32(np.array([0xFFFFFF], dtype=np.uint32), lo, rng, top)
    if out.dtype == f16:
        v16 = v.astype(f16)
        to_s, from_s = f16(hi), f16(lo)
        if f16(top[0]) == to_s:
            v16[v16 == to_s] = from_s
        write(out, v16)
        return
    if top[0] == hi:
        v[v == hi] = lo
    if not direct:
        write(out, v)


def _uniform24_f32(m: np.ndarray, lo: np.float32, rng: np.float32, v: np.ndarray) -> None:
    """``v = fma(m * 2**-24, rng, lo)`` rounded once to float32, for 24-bit integers ``m`` (uint32).

    The product ``m * (rng * 2**-24)`` is exact in float64 (24 x 24 bits; the power-of-two scale is exact).
    With ``lo == 0`` one rounding of it to float32 is the fma. Otherwise, when ``_sum_is_exact`` shows the
    sum fits 53 bits, float64 adds it exactly and the cast to float32 is the fma's single rounding; only
    the remaining (wide-exponent-spread) case needs ``fma32``'s midpoint repair.
    """
    n = m.size
    if lo == 0 and rng == 1:
        np.multiply(m, f32(2.0 ** -24), out=v, dtype=f32)  # exact
        return
    scale = f64(rng) * 2.0 ** -24
    if lo == 0:
        np.multiply(m, scale, out=v, dtype=f64, casting="same_kind")
        return
    if not _sum_is_exact(rng, lo):
        v[...] = fma32(np.multiply(m, scale, dtype=f64), f64(1.0), lo)
        return
    buf = np.empty(min(n, _CHUNK), dtype=f64)
    lo64 = f64(lo)
    for i in range(0, n, _CHUNK):
        j = min(n, i + _CHUNK)
        b = buf[:j - i]
        np.multiply(m[i:j], scale, out=b)
        np.add(b, lo64, out=v[i:j], casting="same_kind")


def _sum_is_exact(rng: np.float32, lo: np.float32) -> bool:
    """Whether ``m*2**-24*rng + lo`` (m < 2**24) always fits float64's 53 bits, so float64 adds it exactly."""
    if rng == 0:
        return True
    er = math.frexp(float(rng))[1]
    ef = math.frexp(float(lo))[1]
    lowest = min(er - 48, ef - 24)
    return max(er, ef) + 1 - lowest <= 53
