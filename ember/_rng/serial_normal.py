"""torch's serial normal draws: ``normal_distribution<double>`` (core/DistributionsHelper.h), bit for bit.

Box-Muller in double from two 53-bit uniforms, u1 then u2: r = sqrt(-2*log1p(-u2)), theta = 2*pi*u1,
giving r*cos(theta) now and r*sin(theta) cached in the generator for the next draw. Small ``randn``
calls, outputs that ``normal_fill`` does not take, and ``log_normal_`` use this path. The libm calls
are glibc's, as in torch (see ``libm``).
"""
from __future__ import annotations

import math

import numpy as np

from .generator import Generator
from .libm import libm

__all__ = ["serial_normals", "serial_normals_list", "small_normals"]

f16, f32, f64 = np.float16, np.float32, np.float64
_DT16 = np.dtype(f16)
_TWO_PI = 2.0 * math.pi  # ``2.0 * pi<double>``, evaluated left to right as in the C++
_PREFETCH_AFTER = 3  # consecutive small calls before normals are precomputed in bulk


def _box_muller_words(w: list[int]) -> list[float]:
    """[r*cos(theta), r*sin(theta), ...] from words ``w``, 4 a pair, with scalar ``math`` (glibc) calls.

    u = (random64() & (2**53-1)) * 2**-53, the first word of each random64 is the high half; the
    int -> float conversion is exact. The fast form for a few values.
    """
    out: list[float] = []
    log1p, sqrt, cos, sin, two_pi = math.log1p, math.sqrt, math.cos, math.sin, _TWO_PI
    app = out.append
    it = iter(w)
    for a, b, c, d in zip(it, it, it, it):
        r = sqrt(-2.0 * log1p(-(((c & 0x1FFFFF) << 32 | d) * 1.1102230246251565e-16)))
        th = two_pi * (((a & 0x1FFFFF) << 32 | b) * 1.1102230246251565e-16)
        app(r * cos(th))
        app(r * sin(th))
    return out


def _box_muller_array(u: np.ndarray) -> np.ndarray:
    """[r*cos(theta), r*sin(theta), ...] from 53-bit uniforms ``u`` = [u1, u2, u1, u2, ...], vectorised.

    The same double operations as ``_box_muller_words``: NumPy's multiply and sqrt are exact IEEE
    operations, log1p/sin/cos go through ``libm`` (glibc).
    """
    u1, u2 = u[0::2], u[1::2]
    r = np.sqrt(-2.0 * libm("log1p", -u2))
    th = _TWO_PI * u1
    pairs = np.empty(2 * r.size, dtype=f64)
    np.multiply(r, libm("cos", th), out=pairs[0::2])
    np.multiply(r, libm("sin", th), out=pairs[1::2])
    return pairs


def serial_normals_list(gen: Generator, n: int) -> list[float]:
    """``n`` serial normal draws as Python floats (the first may be the generator's cached one)."""
    out: list[float] = []
    if n <= 0:
        return out
    cached = gen.next_double_normal
    if cached is not None:
        out.append(cached)
        gen.next_double_normal = None
        n -= 1
    pairs = (n + 1) >> 1
    if pairs:
        out += _box_muller_words(gen._engine.words_list(4 * pairs))
        if n & 1:
            gen.next_double_normal = out.pop()
    return out


def small_normals(gen: Generator, n: int, np_dtype) -> np.ndarray:
    """``randn`` of ``n`` (< 16) elements on the serial path: ``fma(z, 1, 0)`` then the cast (Half via float).

    The per-call fast path. After a few consecutive calls (no other draw in between) the next words are
    drawn ahead and their Box-Muller pairs computed in bulk (``_bulk_pairs``); later calls take pairs
    from there. The pending words remain the stream's next words for every other draw and for the
    reported state (``MT19937Engine.prefetch``), so nothing observable changes.
    """
    out: list[float] = []
    cached = gen.next_double_normal
    if cached is not None:
        out.append(cached)
        gen.next_double_normal = None
        n -= 1
    pairs = (n + 1) >> 1
    if pairs:
        eng = gen._engine
        pv = eng.pairs
        p = eng._pos
        if pv is not None and not p & 3 and eng._pend.size - p >= 4 * pairs:
            b = p >> 1
            if out:
                out += pv[b:b + 2 * pairs]
            else:
                out = pv[b:b + 2 * pairs]  # a new list
            eng.take(4 * pairs)
            eng._fresh_next = False
        else:
            streak = eng.streak + 1
            if out:
                out += _box_muller_words(eng.words_list(4 * pairs))
            else:
                out = _box_muller_words(eng.words_list(4 * pairs))
            eng.streak = streak
            if streak >= _PREFETCH_AFTER and eng._pend is None:
                k = min(4096, 32 << min(streak - _PREFETCH_AFTER, 7))  # pairs, growing with the streak
                eng.pairs = _bulk_pairs(eng.prefetch(4 * k))
        if n & 1:
            gen.next_double_normal = out.pop()
    if 0.0 in out:  # z*1 + 0 (torch's fma) turns -0.0 into +0.0 and changes nothing else
        out = [z + 0.0 for z in out]
    if np_dtype is _DT16:
        return np.array(out, dtype=f32).astype(f16)  # double -> float -> Half, as c10
    return np.array(out, dtype=np_dtype)


def _bulk_pairs(w: np.ndarray) -> list[float]:
    """[cos_0, sin_0, cos_1, sin_1, ...]: the serial Box-Muller pairs of words ``w`` (uint64, 4 per pair)."""
    u = w[0::2] & np.uint64(0x1FFFFF)
    u <<= np.uint64(32)
    u |= w[1::2]
    return _box_muller_array(np.multiply(u, 2.0 ** -53, dtype=f64)).tolist()  # the product is exact


def serial_normals(gen: Generator, n: int) -> np.ndarray:
    """``n`` serial normal draws as a float64 array (see ``serial_normals_list``)."""
    if n <= 64:
        return np.array(serial_normals_list(gen, n), dtype=f64).reshape(n)
    out = np.empty(n, dtype=f64)
    start = 0
    if gen.next_double_normal is not None:
        out[0] = gen.next_double_normal
        gen.next_double_normal = None
        start = 1
    rest = n - start
    pairs = _box_muller_array(gen._engine.uniform53(2 * ((rest + 1) // 2)))
    out[start:] = pairs[:rest]
    if rest % 2:
        gen.next_double_normal = float(pairs[-1])
    return out
