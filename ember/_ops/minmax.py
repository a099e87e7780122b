"""Clamping and elementwise extremes: clamp/clip, maximum, minimum."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._broadcast import broadcast_error, promote_arrays, promote_scalar, sum_to_shape

__all__ = ["clamp", "clip", "maximum", "minimum", "fmax", "fmin"]


class Clamp(Function):
    """out = min(max(a, lo), hi) for numbers lo/hi;  da = g where lo <= a <= hi"""

    _backward_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.a_dtype = a.dtype
        for bound in (lo, hi):
            if bound is not None:
                a, _ = promote_scalar(a, bound)
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        out = a
        if lo is not None:
            out = np.maximum(out, np.asarray(lo).astype(a.dtype)) if not np.isnan(lo) else np.full_like(a, np.nan)
        if hi is not None:
            out = np.minimum(out, np.asarray(hi).astype(a.dtype)) if not np.isnan(hi) else np.full_like(a, np.nan)
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        mask = np.ones(a.shape, bool)
        if ctx.lo is not None:
            mask &= a >= ctx.lo
        if ctx.hi is not None:
            mask &= a <= ctx.hi
        out = np.where(mask, g, g.dtype.type(0))
        return out.astype(ctx.a_dtype) if out.dtype != ctx.a_dtype else out, None, None


class ClampTensor(Function):
    """clamp with tensor bounds;  da = g where lo <= a <= hi, dlo = g where a < lo, dhi = g where a > hi"""

    _backward_name = "ClampBackward0"

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a, lo, hi)
        ctx.shapes = (a.shape, None if lo is None else lo.shape, None if hi is None else hi.shape)
        out = a
        if lo is not None:
            out = np.maximum(out, lo)
        if hi is not None:
            out = np.minimum(out, hi)
        return out

    @staticmethod
    def backward(ctx, g):
        a, lo, hi = ctx.saved_tensors
        keep = np.ones(np.broadcast_shapes(*[s for s in ctx.shapes if s is not None]), bool)
        glo = ghi = None
        if lo is not None:
            keep &= a >= lo
            if ctx.needs_input_grad[1]:
                glo = sum_to_shape(np.where(a < lo, g, 0).astype(g.dtype), lo.shape)
        if hi is not None:
            keep &= a <= hi
            if ctx.needs_input_grad[2]:
                above = (a > hi) if lo is None else (a > hi) & (a >= lo)
                ghi = sum_to_shape(np.where(above, g, 0).astype(g.dtype), hi.shape)
        return sum_to_shape(np.where(keep, g, 0).astype(g.dtype), a.shape), glo, ghi


def _extreme_backward(ctx, g, a_wins):
    # ties split the gradient equally between the two inputs, as torch does
    a, b = ctx.saved_tensors
    half = g / 2
    ga = gb = None
    if ctx.needs_input_grad[0]:
        ga = sum_to_shape(np.where(a == b, half, np.where(a_wins(a, b), g, 0)).astype(g.dtype), ctx.a_meta[0])
        ga = ga.astype(ctx.a_meta[1]) if ga.dtype != ctx.a_meta[1] else ga
    if ctx.needs_input_grad[1]:
        gb = sum_to_shape(np.where(a == b, half, np.where(a_wins(a, b), 0, g)).astype(g.dtype), ctx.b_meta[0])
        gb = gb.astype(ctx.b_meta[1]) if gb.dtype != ctx.b_meta[1] else gb
    return ga, gb


class Maximum(Function):
    """Elementwise max (nan wins)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a_meta, ctx.b_meta = (a.shape, a.dtype), (b.shape, b.dtype)
        a, b = promote_arrays(a, b)
        ctx.save_for_backward(a, b)
        try:
            return np.maximum(a, b)
        except ValueError:
            raise broadcast_error(a.shape, b.shape) from None

    @staticmethod
    def backward(ctx, g):
        return _extreme_backward(ctx, g, lambda a, b: a > b)


class Minimum(Function):
    """Elementwise min (nan wins)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a_meta, ctx.b_meta = (a.shape, a.dtype), (b.shape, b.dtype)
        a, b = promote_arrays(a, b)
        ctx.save_for_backward(a, b)
        try:
            return np.minimum(a, b)
        except ValueError:
            raise broadcast_error(a.shape, b.shape) from None

    @staticmethod
    def backward(ctx, g):
        return _extreme_backward(ctx, g, lambda a, b: a < b)


class Fmax(Maximum):
    """Elementwise max ignoring nan."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a_meta, ctx.b_meta = (a.shape, a.dtype), (b.shape, b.dtype)
        a, b = promote_arrays(a, b)
        ctx.save_for_backward(a, b)
        return np.fmax(a, b)


class Fmin(Minimum):
    """Elementwise min ignoring nan."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a_meta, ctx.b_meta = (a.shape, a.dtype), (b.shape, b.dtype)
        a, b = promote_arrays(a, b)
        ctx.save_for_backward(a, b)
        return np.fmin(a, b)


def _num(x):
    if isinstance(x, Tensor) and x.dim() == 0 and False:
        return x.item()
    return x.item() if isinstance(x, np.generic) else x


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:
    """Limit every element to [min, max]."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        from .._creation import tensor
        lo = min if isinstance(min, Tensor) or min is None else tensor(min, dtype=input.dtype)
        hi = max if isinstance(max, Tensor) or max is None else tensor(max, dtype=input.dtype)
        return ClampTensor.apply(input, lo, hi)
    return Clamp.apply(input, _num(min), _num(max))


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:
    return clamp(input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:
    return clamp(input, max=max)


def maximum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    if not isinstance(other, Tensor):
        raise TypeError(f"maximum(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    return Maximum.apply(input, other)


def minimum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    if not isinstance(other, Tensor):
        raise TypeError(f"minimum(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    return Minimum.apply(input, other)


def fmax(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    return Fmax.apply(input, other)


def fmin(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    return Fmin.apply(input, other)
