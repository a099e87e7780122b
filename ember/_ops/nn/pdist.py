"""Pairwise p-norm distances between the rows of an (N, M) input, upper triangle in row-major order:

    out[k] = || x[i] - x[j] ||_p   for i < j,   k running over (0, 1), (0, 2), ..., (N-2, N-1)

One node in torch (PdistBackward0). p = 0 counts the differing entries, p = inf takes the largest |difference|.
The backward follows torch's CPU kernel (aten DistanceOpsKernel.cpp): row i collects its pairs' terms in order
(first minus the terms of the pairs (i', i), i' < i, then plus those of (i, j), j > i).
"""
from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function
from ...backends.cpu import get_cpu_capability

__all__ = ["pdist"]


def _lanes(dtype) -> int:
    """The width of torch's CPU vectors in its pdist kernel: 32 bytes (torch runs it at AVX2 width also on an
    AVX512 CPU, as the bit-exact match with it shows)."""
    return 32 // np.dtype(dtype).itemsize


def _vec_sum(v: np.ndarray) -> np.ndarray:
    """Row sums of ``v`` in the order of torch's vec::map2_reduce_all: W-wide vector accumulators over the
    row (the tail added to the first lanes only), then the lanes reduced: halves folded (float32 with SIMD
    shuffles) or lane 0 plus each other lane in turn (double, and rows shorter than one vector)."""
    w = _lanes(v.dtype)
    m = v.shape[1]
    if m < w:
        return np.cumsum(v, axis=1)[:, -1]
    acc = v[:, :w].copy()
    full = m - m % w
    for c in range(w, full, w):
        acc += v[:, c:c + w]
    if full < m:
        acc[:, :m - full] += v[:, full:]
    if v.dtype == np.float32 and get_cpu_capability() in ("AVX2", "AVX512"):
        while acc.shape[1] > 1:
            half = acc.shape[1] // 2
            acc = acc[:, :half] + acc[:, half:]
        return acc[:, 0]
    return np.cumsum(acc, axis=1)[:, -1]


def _row_dist(d: np.ndarray, p: float) -> np.ndarray:
    """The p-norm of each row of the absolute differences ``d``."""
    if p == 0:
        return _vec_sum(np.minimum(np.ceil(d), 1))
    if p == 1:
        return _vec_sum(d)
    if p == 2:
        return np.sqrt(_vec_sum(d * d))
    if math.isinf(p):
        return d.max(1)
    agg = _vec_sum(d ** d.dtype.type(p))
    # torch's finish step is std::pow(agg, 1.0 / p): a double power, rounded to the input's type
    return (agg.astype(np.float64) ** (1.0 / p)).astype(d.dtype)


def _pair_grad(diff: np.ndarray, g: np.ndarray, dist: np.ndarray, p: float) -> np.ndarray:
    """d dist(x_i, x_j) / d x_i times the pair's upstream grad (torch's per-norm backward formulas)."""
    t = diff.dtype.type
    g, dist = g[:, None], dist[:, None]
    sign = np.sign(diff)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if p == 1:
            return g * sign
        if math.isinf(p):
            return g * sign * (t(1) - np.minimum(t(1), np.ceil(np.abs(np.abs(diff) - dist))))
        if p == 2:
            return np.where(dist == 0, t(0), g * diff / dist)
        pv = t(p)
        if p < 2:
            res = np.where(dist == 0, t(0), sign * np.abs(diff) ** (pv - t(1)) * g / dist ** (pv - t(1)))
            return np.where((diff == 0) & (p < 1), t(0), res)
        return np.where(dist == 0, t(0), diff * np.abs(diff) ** (pv - t(2)) * g / dist ** (pv - t(1)))


class Pdist(Function):
    """out[k] = ||x_i - x_j||_p over the pairs i < j;  dx_i += grad_k d/dx_i, dx_j -= the same."""

    @staticmethod
    def forward(ctx, x, p):
        n, m = x.shape
        out = np.zeros(max(n * (n - 1) // 2, 0), x.dtype)
        if n > 1 and m:
            k = 0
            for i in range(n - 1):  # one row against the rows after it: memory stays O(N M)
                out[k:k + n - i - 1] = _row_dist(np.abs(x[i] - x[i + 1:]), p)
                k += n - i - 1
        ctx.meta = (x, p, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, p, dist = ctx.meta
        n, m = x.shape
        gx = np.zeros_like(x)
        if n <= 1 or not m or p == 0:
            return gx, None
        k = 0
        for i in range(n - 1):
            cnt = n - i - 1
            res = _pair_grad(x[i] - x[i + 1:], grad[k:k + cnt], dist[k:k + cnt], p)
            gx[i] = np.cumsum(np.concatenate([gx[i][None], res]), axis=0)[-1]  # added in pair order
            gx[i + 1:] -= res
            k += cnt
        return gx, None


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distance of every pair of rows of (N, M), as a vector of N (N - 1) / 2 (see module doc)."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if not p >= 0:
        raise RuntimeError("pdist only supports non-negative p values")
    if input.dtype._scalar_name not in ("Float", "Double"):
        raise NotImplementedError(f"\"pdist\" not implemented for '{input.dtype._scalar_name}'")
    return Pdist.apply(input, float(p))
