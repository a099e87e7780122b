"""layer_norm on a handful of elements, in Python floats.

At a few dozen elements each NumPy call (~0.5-1 us) costs more than all the arithmetic, and layer_norm needs about
fifteen of them; Python lists do the same work in a fraction of that. Python floats are float64: a float32 input
gets its result rounded once at the end, within an ulp of torch's float32 kernel (the mean of a row of constants is
exact, as torch's). Same formulas as NativeLayerNorm's docstring.
"""
from __future__ import annotations

import math

import numpy as np


def forward(x2: np.ndarray, w: np.ndarray | None, b: np.ndarray | None, eps: float
            ) -> tuple[list, list[list[float]], list[float]]:
    """``(out rows, xhat rows, rstd)`` of an (m, n) array, as lists (``w``, ``b``: any shape of n elements)."""
    n = x2.shape[1]
    wl = None if w is None else w.ravel().tolist()
    bl = None if b is None else b.ravel().tolist()
    out, xhat, rstd = [], [], []
    for row in x2.tolist():
        mu = sum(row) / n
        d = [v - mu for v in row]
        r = 1.0 / math.sqrt(sum([v * v for v in d]) / n + eps)
        xh = [v * r for v in d]
        xhat.append(xh)
        rstd.append(r)
        if wl is not None:
            xh = [v * u for v, u in zip(xh, wl)]
        out.append(xh if bl is None else [v + u for v, u in zip(xh, bl)])
    return out, xhat, rstd


def backward(g2: np.ndarray, xhat: list[list[float]], rstd: list[float], w: np.ndarray | None, need_x: bool,
             need_w: bool, need_b: bool) -> tuple[list | None, list | None, list | None]:
    """``(dx rows, dweight, dbias)`` as lists from the upstream grad ``g2`` (m, n) and the forward's lists."""
    n = g2.shape[1]
    gl = g2.tolist()
    gw = [sum(c) for c in zip(*[[u * v for u, v in zip(gr, xr)] for gr, xr in zip(gl, xhat)])] if need_w else None
    gb = [sum(c) for c in zip(*gl)] if need_b else None
    gx = None
    if need_x:
        wl = None if w is None else w.ravel().tolist()
        gx = []
        for gr, xr, r in zip(gl, xhat, rstd):
            gp = gr if wl is None else [u * v for u, v in zip(gr, wl)]
            c1 = sum(gp) / n
            c2 = sum([u * v for u, v in zip(gp, xr)]) / n
            gx.append([r * (u - c1 - v * c2) for u, v in zip(gp, xr)])
    return gx, gw, gb
