"""Integer draws: ``random_`` (default range), ``random_from_to_`` (``randint``) and the full 64-bit range.

Each is ``random() % range + base`` on the stream's words, widened to ``random64()`` where torch does.
"""
from __future__ import annotations

import numpy as np

from .generator import Generator
from .store import int64_to, write

__all__ = ["random_", "random_from_to_", "random_full_64_bits_range_"]

f16, f32, f64 = np.float16, np.float32, np.float64


def random_from_to_(out: np.ndarray, rng: int, base: int, gen: Generator) -> None:
    """``random_from_to_kernel``: ``random() % range + base`` (``random64()`` when range >= 2**28)."""
    n = out.size
    if rng >= 1 << 28:
        w = gen._engine.random64(n)
        v = (w % np.uint64(rng)).astype(np.int64)
    else:
        w = gen._engine.words(n)
        w %= np.uint32(rng)
        if out.dtype == np.int64 and out.flags.c_contiguous:
            # w + base < 2**63 here: no wrap-around, and one pass writes the result
            np.add(w, np.int64(base), out=out.reshape(-1))
            return
        v = w.astype(np.int64)
    if base:
        v += np.int64(base)  # wraps modulo 2**64 like the C++ uint64 arithmetic
    write(out, int64_to(v, out.dtype))


def random_full_64_bits_range_(out: np.ndarray, gen: Generator) -> None:
    """``random_full_64_bits_range_kernel``: ``random64()`` reinterpreted as int64."""
    v = gen._engine.random64(out.size).view(np.int64)
    write(out, int64_to(v, out.dtype))


def random_(out: np.ndarray, gen: Generator) -> None:
    """``random_kernel`` (``uniform_int_distribution``): int64/double use ``random64()``, others ``random()``.

    Moduli: int64 2**63, double 2**53+1, float 2**24+1, half 2**11+1, intN 2**(N-1), uint8 256, bool: low bit.
    """
    dt = out.dtype
    n = out.size
    if dt == np.bool_:
        write(out, (gen._engine.words64(n) & np.uint64(1)) != 0)
        return
    if dt in (np.int64, f64):
        w = gen._engine.random64(n)
        mod = (1 << 63) if dt == np.int64 else (1 << 53) + 1
    else:
        w = gen._engine.words64(n)
        mod = {f32: (1 << 24) + 1, f16: (1 << 11) + 1, np.uint8: 256}.get(dt.type)
        if mod is None:
            mod = 1 << (8 * dt.itemsize - 1)
    write(out, int64_to((w % np.uint64(mod)).astype(np.int64), dt))
