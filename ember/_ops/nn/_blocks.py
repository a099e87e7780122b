"""Run an elementwise float64 kernel over an array block by block.

A chain of NumPy ufuncs over a large array costs one pass over memory per ufunc.
Evaluated on blocks of ``BLOCK`` elements into preallocated buffers, the chain stays
in L1/L2 and only the first read and the last writes touch memory. float32/16 input
is widened to float64 per block and each result is rounded once at the end.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

import numpy as np

__all__ = ["BLOCK", "map_blocks", "unbuffered"]


@contextmanager
def unbuffered():
    """NumPy's ufuncs copy a strided operand, or one broadcast along the rows (a per-channel scale), through a
    buffer chunk by chunk (about twice the time of the operation itself); with a buffer smaller than a row
    they run on the rows in place. For operations whose rows are about 100 elements or longer."""
    old = np.setbufsize(16)
    try:
        yield
    finally:
        np.setbufsize(old)

# 8K float64 = 64 KiB per buffer: the handful of live buffers of one block fit in L2
BLOCK = 8192


def map_blocks(kernel: Callable, x: np.ndarray, n_out: int = 1, n_tmp: int = 4,
               out_dtypes: tuple | None = None, extra: tuple = ()) -> list[np.ndarray]:
    """``kernel(xb, outs, tmps, *extra_blocks)`` on float64 blocks; returns ``n_out`` arrays shaped like ``x``.

    ``outs`` and ``tmps`` are float64 arrays as long as the block; ``extra`` are further arrays
    of ``x``'s shape, passed block by block (as float64) after ``tmps``.
    """
    dtype = x.dtype
    out_dtypes = out_dtypes or (dtype,) * n_out
    outs = [np.empty(x.shape, dt) for dt in out_dtypes]
    n = x.size
    if n == 0:
        return outs
    flat = np.ascontiguousarray(x).reshape(-1)
    eflat = [np.ascontiguousarray(e).reshape(-1) for e in extra]
    oflat = [o.reshape(-1) for o in outs]
    bs = min(BLOCK, n)
    wide = dtype != np.float64
    xbuf = np.empty(bs) if wide else None
    ebufs = [np.empty(bs) if e.dtype != np.float64 else None for e in eflat]
    obufs = [np.empty(bs) if o.dtype != np.float64 else None for o in oflat]
    tbufs = [np.empty(bs) for _ in range(n_tmp)]
    with np.errstate(all="ignore"):
        for s in range(0, n, bs):
            e = min(s + bs, n)
            k = e - s
            if wide:
                xb = xbuf[:k]
                xb[...] = flat[s:e]
            else:
                xb = flat[s:e]
            eb = []
            for ef, buf in zip(eflat, ebufs):
                if buf is None:
                    eb.append(ef[s:e])
                else:
                    b = buf[:k]
                    b[...] = ef[s:e]
                    eb.append(b)
            ob = [of[s:e] if buf is None else buf[:k] for of, buf in zip(oflat, obufs)]
            kernel(xb, ob, [t[:k] for t in tbufs], *eb)
            for of, buf, b in zip(oflat, obufs, ob):
                if buf is not None:
                    of[s:e] = b
    return outs
