"""``multinomial``: an exponential race without replacement, inverse-CDF search with replacement."""
from __future__ import annotations

import numpy as np

from .generator import Generator
from .inverse_cdf import exponential_

__all__ = ["multinomial"]

f64 = np.float64


def multinomial(p: np.ndarray, k: int, replacement: bool, gen: Generator) -> np.ndarray:
    """``multinomial`` (native/Distributions.cpp + cpu/MultinomialKernel.cpp) on a 1-D or 2-D float array.

    Without replacement or k == 1: ``q = exponential_(1)`` per entry, then the top-k of ``p / q``.
    With replacement: per row a cumulative distribution and one 53-bit double per sample,
    index = first entry with ``cum >= u``.
    """
    p2 = p.reshape(1, -1) if p.ndim == 1 else p
    rows, cats = p2.shape
    if not replacement or k == 1:
        q = np.empty(p2.shape, dtype=p2.dtype)
        exponential_(q, 1.0, gen)
        r = p2 / q
        if k == 1:
            res = np.argmax(r, axis=1)[:, None]
        else:
            res = np.argsort(-r, axis=1, kind="stable")[:, :k]
    else:
        res = np.empty((rows, k), dtype=np.int64)
        for i in range(rows):
            cum = np.cumsum(p2[i])
            cum = cum / cum[-1]
            cum[-1] = 1.0
            u = gen._engine.uniform53(k)
            res[i] = np.searchsorted(cum, u.astype(cum.dtype) if cum.dtype != f64 else u, side="left")
    res = res.astype(np.int64)
    return res[0] if p.ndim == 1 else res
