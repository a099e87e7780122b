"""Ops that lay one tensor's elements out anew: unfold (sliding windows, a view) and diag_embed."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap_dim
from ..autograd.function import _NumpyFunction as Function

__all__ = ["diag_embed"]


class Unfold(Function):
    """Windows of ``size`` every ``step`` along dim, as a new last dim (a strided view);
    da = each window's grad added back over its span"""

    _is_view = True

    @staticmethod
    def forward(ctx, a, dim, size, step):
        ctx.meta = (a.shape, dim, size, step)
        if a.ndim == 0:
            return np.lib.stride_tricks.as_strided(a, (size,), (0,), writeable=a.flags.writeable)
        n = a.shape[dim]
        count = (n - size) // step + 1
        shape = a.shape[:dim] + (count,) + a.shape[dim + 1:] + (size,)
        strides = a.strides[:dim] + (a.strides[dim] * step,) + a.strides[dim + 1:] + (a.strides[dim],)
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=a.flags.writeable)

    @staticmethod
    def backward(ctx, g):
        shape, dim, size, step = ctx.meta
        if not shape:
            return np.asarray(g.sum(), g.dtype), None, None, None
        ga = np.zeros(shape, g.dtype)
        moved = np.moveaxis(ga, dim, -1)  # a view: windows along the last axis
        gw = np.moveaxis(g, dim, -2)  # (..., count, size)
        for w in range(gw.shape[-2]):
            moved[..., w * step:w * step + size] += gw[..., w, :]
        return ga, None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        from types import SimpleNamespace
        from ..autograd.graph_engine import put_back
        shape, dim, size, step = ctx.meta
        if not shape:
            return g.sum(), None, None, None
        # the windows read flat positions: unfold the positions themselves, then put g back at them
        positions = Unfold.forward(SimpleNamespace(), np.arange(int(np.prod(shape))).reshape(shape), dim, size, step)
        return put_back(g, shape, positions), None, None, None


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    nd = input.dim()
    d = _wrap_dim(dimension, nd)
    n = input.shape[d] if nd else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    return Unfold.apply(input, d, int(size), int(step))


class DiagEmbed(Function):
    """out[..., i, i + offset] = a[..., i] in the (dim1, dim2) plane, zeros elsewhere;  da = g's diagonal there"""

    @staticmethod
    def forward(ctx, a, offset, d1, d2):
        k = a.shape[-1] if a.ndim else 1
        n = k + abs(offset)
        i = np.arange(k)
        rows, cols = (i, i + offset) if offset >= 0 else (i - offset, i)
        out = np.zeros(a.shape[:-1] + (n, n), a.dtype)
        out[..., rows, cols] = a
        ctx.meta = (rows, cols, d1, d2)
        return np.ascontiguousarray(np.moveaxis(out, (-2, -1), (d1, d2)))

    @staticmethod
    def backward(ctx, g):
        rows, cols, d1, d2 = ctx.meta
        return np.moveaxis(g, (d1, d2), (-2, -1))[..., rows, cols], None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        from .indexing import Take
        rows, cols, d1, d2 = ctx.meta
        # a read of the diagonal's flat positions (its grad puts the values back)
        flat = np.arange(int(np.prod(g.shape))).reshape(tuple(g.shape))
        positions = np.ascontiguousarray(np.moveaxis(flat, (d1, d2), (-2, -1))[..., rows, cols])
        return Take.apply(g, positions), None, None, None


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    nd = input.dim() + 1
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return DiagEmbed.apply(input, int(offset), d1, d2)
