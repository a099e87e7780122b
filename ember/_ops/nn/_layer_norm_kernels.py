"""layer_norm's blocked kernels for inputs of more than a few rows (2-D, rows x n, in the compute dtype).

In NumPy a pass over a row block costs what its inner loop costs: a same-shape, cache-line-aligned operation runs
as one long loop, but one that broadcasts a per-row (column) vector restarts the loop every row, about 2.5x the time.
So every per-row quantity q_i that meets a whole block is first spread into a (rows, n) tile by BLAS, as the rank-2
product [q, 0] @ [v; 0] = q_i v_j (exact: one rounding of q_i v_j, or q_i itself for v = 1), and the elementwise
steps are all same-shape. Row sums and weighted column sums are BLAS matrix-vector products. Blocks hold about 64K
elements, so the few arrays that a block's passes touch stay in L2.

Forward, with d = x - mean (kept for backward when a gradient may be needed) and rstd = 1/sqrt(mean(d^2) + eps):
    out = d * (rstd w) + b
Backward, with g' = g w and xhat = d rstd:
    dbias = sum_rows g,   dweight = sum_rows g xhat = rstd @ (g d)
    dx = rstd g' - xhat (rstd/n) sum(g' xhat) - (rstd/n) sum(g')
       = g (rstd w) - d a - c,   a = rstd^3/n ((g d) @ w),   c = rstd/n (g @ w)
"""
from __future__ import annotations

import numpy as np

from ..activation import _scratch

# elements per row block: 256 KiB in float32; the backward's five block-sized arrays stay well inside L2
_BLOCK_ELEMS = 65536


class _Tiler:
    """Spreads per-row vectors q (k,) into tiles q_i v_j, v = 1 or w, by a rank-2 BLAS product (an outer product of
    rank 1 takes a slow path in NumPy's matmul, ~10x the rank-2 one)."""

    def __init__(self, rows: int, n: int, ct, w: np.ndarray | None) -> None:
        self.left = np.zeros((rows, 2), ct)
        self.by_one = np.zeros((2, n), ct)
        self.by_one[0] = 1
        self.by_w = self.by_one
        if w is not None:
            self.by_w = np.zeros((2, n), ct)
            self.by_w[0] = w

    def __call__(self, q: np.ndarray, right: np.ndarray, out: np.ndarray) -> np.ndarray:
        k = q.shape[0]
        self.left[:k, 0] = q
        return np.matmul(self.left[:k], right, out=out)


# a row whose spread is below ~1e-4 of its mean (this, in variance), a row of constants above all, gets its mean
# refined: a float32 sum of n elements can be ~n ulps off, and torch's running (Welford) mean is exact on constant
# rows, where out = bias; one unrefined rounding of the mean gives (rounding) * rstd there, up to ~1e-4
_FLAT = 2.0 ** -26


def refine_flat_rows(d: np.ndarray, mu: np.ndarray, sq: np.ndarray, n: int) -> None:
    """Given d = x - mu (k, n) and sq = sum(d^2) (k,), subtract mean(d) from the rows where sq/n < mu^2 2^-26, in
    place (d and sq; a row of constants then has d = 0 exactly)."""
    lim = n * _FLAT
    if sq.shape[0] <= 16:  # a few rows: the test in Python floats costs less than its four NumPy calls
        flat = [i for i, (s, u) in enumerate(zip(sq.tolist(), mu.tolist())) if s < u * u * lim]
    else:
        flat = np.flatnonzero(sq < mu * mu * lim).tolist()
    if flat:
        df = d[flat]
        df -= np.add.reduce(df, axis=1, keepdims=True) / df.dtype.type(n)
        d[flat] = df
        sq[flat] = np.vecdot(df, df)


def _rows_per_block(m: int, n: int) -> int:
    return min(max(1, _BLOCK_ELEMS // max(n, 1)), m)


# NumPy's loops store at half speed into an array that is not 64-byte aligned (as large NumPy arrays are not)
# unless the output is also an input, and BLAS stores at full speed anywhere: so each row block of an output is
# first written by a tile product, then updated in place.

def forward(x: np.ndarray, w: np.ndarray | None, b: np.ndarray | None, eps: float,
            keep: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(out, rstd, d)`` for a C-contiguous (m, n) ``x``; ``d`` = x - mean is returned only when ``keep``."""
    m, n = x.shape
    ct = x.dtype.type
    rows = _rows_per_block(m, n)
    inv_n = ct(1.0 / n)
    out = np.empty((m, n), ct)
    rstd = np.empty(m, ct)
    mean = np.empty(m, ct)
    sq = np.empty(m, ct)
    d_all = _scratch((m, n), ct) if keep else None
    d_buf = None if keep else _scratch((rows, n), ct)
    tile = _scratch((rows, n), ct)
    bt = None
    if b is not None:  # the bias tiled once: a same-shape add is faster than one broadcasting a row
        bt = _scratch((rows, n), ct)
        bt[...] = b
    tiler = _Tiler(rows, n, ct, w)
    ones = tiler.by_one[0]
    for s in range(0, m, rows):
        e = min(s + rows, m)
        k = e - s
        xb, mu, r = x[s:e], mean[s:e], rstd[s:e]
        d = d_all[s:e] if keep else d_buf[:k]
        np.matmul(xb, ones, out=mu)
        mu *= inv_n
        np.subtract(xb, tiler(mu, tiler.by_one, tile[:k]), out=d)
        np.vecdot(d, d, out=sq[s:e])                # biased variance, two-pass from d
        np.multiply(sq[s:e], inv_n, out=r)
        r += ct(eps)
        np.sqrt(r, out=r)
        np.divide(1, r, out=r)
        o = tiler(r, tiler.by_w, out[s:e])          # rstd w
        o *= d
        if bt is not None:
            o += bt[:k]
    flat = np.flatnonzero(sq < mean * mean * (n * _FLAT))
    if flat.size:  # rare: these rows again, with the refined mean
        d = x[flat] - mean[flat, None]
        sqf = np.vecdot(d, d)
        refine_flat_rows(d, mean[flat], sqf, n)
        r = 1 / np.sqrt(sqf * inv_n + ct(eps))
        rstd[flat] = r
        o = d * r[:, None]
        if w is not None:
            o *= w
        if b is not None:
            o += b
        out[flat] = o
        if keep:
            d_all[flat] = d
    return out, rstd, d_all


def backward(g: np.ndarray, d: np.ndarray, rstd: np.ndarray, w: np.ndarray | None, need_x: bool, need_w: bool,
             need_b: bool) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """``(dx, dweight, dbias)`` from the upstream grad ``g`` (m, n), ``d`` = x - mean and ``rstd`` (m,).

    dweight/dbias sum each block's rows in the compute dtype (BLAS) and the blocks in float64 (torch sums all rows
    in float32, ~1e-5 off over a few hundred rows)."""
    m, n = d.shape
    ct = d.dtype.type
    rows = _rows_per_block(m, n)
    if g.strides[0] == 0:
        return _backward_rows_alike(g[0].astype(ct, copy=False), d, rstd, w, need_x, need_w, need_b)
    if g.dtype != ct:
        g = g.astype(ct)
    if not g.flags.c_contiguous:
        g = np.ascontiguousarray(g)
    gx = np.empty((m, n), ct) if need_x else None
    gw = np.zeros(n) if need_w else None
    gb = np.zeros(n) if need_b else None
    ones_r = np.ones(rows, ct)
    prod = _scratch((rows, n), ct) if (need_x or need_w) else None
    if need_x:
        tile = _scratch((rows, n), ct)
        tiler = _Tiler(rows, n, ct, w)
        wv = tiler.by_w[0]
        c_scale = rstd * ct(1.0 / n)                 # rstd/n and rstd^3/n, for all rows at once
        a_scale = rstd * rstd * c_scale
    for s in range(0, m, rows):
        e = min(s + rows, m)
        k = e - s
        gk = g[s:e]
        if need_b:
            gb += ones_r[:k] @ gk
        if not (need_x or need_w):
            continue
        db, r = d[s:e], rstd[s:e]
        p = np.multiply(gk, db, out=prod[:k])       # g d
        if need_w:
            gw += r @ p
        if need_x:
            a = p @ wv                               # sum(g' d)
            a *= a_scale[s:e]
            c = gk @ wv                              # sum(g')
            c *= c_scale[s:e]
            gxb = tiler(r, tiler.by_w, gx[s:e])      # rstd w
            gxb *= gk
            p = tiler(a, tiler.by_one, p)
            p *= db
            gxb -= p
            gxb -= tiler(c, tiler.by_one, tile[:k])
    return gx, gw, gb


def _backward_rows_alike(g: np.ndarray, d: np.ndarray, rstd: np.ndarray, w: np.ndarray | None, need_x: bool,
                         need_w: bool, need_b: bool) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """``backward`` for an upstream grad whose rows are all the row ``g`` (n,), as the expanded grad of ``.sum()``
    or ``.mean()``: then g' = g w is one row too, so
        dbias = m g,   dweight = g (rstd @ d),   dx = rstd g' - c - d a,
        a = rstd^3/n (d @ g'),   c = rstd/n sum(g'),
    and rstd_i g'_j - c_i is a single rank-2 tile: two passes over d for the sums, three for dx."""
    m, n = d.shape
    ct = d.dtype.type
    rows = _rows_per_block(m, n)
    gb = g.astype(np.float64) * m if need_b else None
    gw = np.zeros(n) if need_w else None
    gx = np.empty((m, n), ct) if need_x else None
    if need_x:
        gp = g if w is None else g * w
        c = rstd * (np.add.reduce(gp, dtype=np.float64) / n).astype(ct)
        a_scale = rstd * rstd * rstd * ct(1.0 / n)
        left = np.empty((rows, 2), ct)
        by_gp = np.stack([gp, np.ones(n, ct)])
        by_one = np.zeros((2, n), ct)
        by_one[0] = 1
        tile = _scratch((rows, n), ct)
    for s in range(0, m, rows):
        e = min(s + rows, m)
        k = e - s
        db, r = d[s:e], rstd[s:e]
        if need_w:
            gw += r @ db
        if need_x:
            a = db @ gp
            a *= a_scale[s:e]
            lk = left[:k]
            lk[:, 0] = r
            np.negative(c[s:e], out=lk[:, 1])
            gxb = np.matmul(lk, by_gp, out=gx[s:e])    # rstd g' - c
            lk[:, 0] = a
            lk[:, 1] = 0
            t = np.matmul(lk, by_one, out=tile[:k])    # a
            t *= db
            gxb -= t
    if need_w:
        gw *= g
    return gx, gw, gb


def half_buffer_sums(g: np.ndarray, xhat: np.ndarray, need_w: bool, need_b: bool
                     ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """dweight, dbias (float32) for a float16 input as torch's one-thread CPU kernel sums them: row by row into a
    float16 buffer, each row's float32 terms g xhat (and g) added and the sum rounded to float16."""
    n = g.shape[1]
    gw = np.zeros(n, np.float32) if need_w else None
    gb = np.zeros(n, np.float32) if need_b else None
    for gr, xr in zip(g.astype(np.float32, copy=False), xhat):
        if need_w:
            gw += gr * xr
            gw[...] = gw.astype(np.float16)
        if need_b:
            gb += gr
            gb[...] = gb.astype(np.float16)
    return gw, gb
