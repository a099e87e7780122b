"""``exponential_``, ``geometric_`` and ``cauchy_``: one 53-bit uniform per element through an inverse CDF.

Each formula runs in double with glibc's ``log1p``/``log``/``tan`` (see ``libm``), then is cast to the
output dtype, as torch's default CPU kernels do.
"""
from __future__ import annotations

import math

import numpy as np

from .generator import Generator
from .libm import libm
from .store import cast, write

__all__ = ["exponential_", "geometric_", "cauchy_"]


def exponential_(out: np.ndarray, lambd: float, gen: Generator) -> None:
    """``exponential_kernel`` (default CPU kernel): ``-1/lambda * log1p(-u)`` in double, u 53-bit."""
    u = gen._engine.uniform53(out.size)
    v = (-1.0 / float(lambd)) * libm("log1p", -u)
    write(out, cast(v, out.dtype))


def geometric_(out: np.ndarray, p: float, gen: Generator) -> None:
    """``geometric_kernel``: ``ceil(log(u) / log1p(-p))`` in double, u 53-bit."""
    u = gen._engine.uniform53(out.size)
    v = np.ceil(libm("log", u) / math.log1p(-float(p)))
    dt = out.dtype
    write(out, cast(v, dt) if dt.kind == "f" else v.astype(np.int64).astype(dt))


def cauchy_(out: np.ndarray, median: float, sigma: float, gen: Generator) -> None:
    """``cauchy_kernel``: ``median + sigma * tan(pi * (u - 0.5))`` in double, u 53-bit."""
    u = gen._engine.uniform53(out.size)
    v = float(median) + float(sigma) * libm("tan", math.pi * (u - 0.5))
    write(out, cast(v, out.dtype))
