"""pad: constant (ConstantPadNdBackward0), reflect and replicate (Reflection/ReplicationPad{1,2,3}DBackward0),
circular. ``pad`` lists (left, right) pairs starting from the last dim; negative amounts crop."""
from __future__ import annotations

import numpy as np

from ...autograd.function import _NumpyFunction as Function
from ...autograd.graph_engine import constant

__all__ = ["ConstantPadNd", "IndexPad", "check_index_pad_input", "check_index_pad_size", "pad_index"]


class ConstantPadNd(Function):
    """out = input placed inside a block filled with ``value``;  dinput = the matching slice of g"""

    @staticmethod
    def forward(ctx, x, pads, value):
        nd = x.ndim
        out_shape = list(x.shape)
        src, dst = [slice(None)] * nd, [slice(None)] * nd
        for i in range(len(pads) // 2):
            d = nd - 1 - i
            lo, hi = pads[2 * i], pads[2 * i + 1]
            n = x.shape[d]
            new = n + lo + hi
            # torch narrows the input by the negative pads first (left, then right), so a crop past the input
            # fails there; this also covers every negative output size
            if (lo < 0 and n + lo < 0) or (hi < 0 and n + min(lo, 0) + hi < 0):
                raise RuntimeError("narrow(): length must be non-negative.")
            out_shape[d] = new
            src[d] = slice(max(-lo, 0), n - max(-hi, 0))
            dst[d] = slice(max(lo, 0), max(lo, 0) + max(n - max(-lo, 0) - max(-hi, 0), 0))
        out = np.full(out_shape, value, dtype=x.dtype)
        out[tuple(dst)] = x[tuple(src)]
        ctx.meta = (x.shape, tuple(src), tuple(dst))
        return out

    @staticmethod
    def backward(ctx, g):
        shape, src, dst = ctx.meta
        grad = np.zeros(shape, g.dtype)
        grad[src] = g[dst]
        return grad, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, src, dst = ctx.meta
        # crop g to the copied block, then pad it with zeros back to the input's shape (a negative pad crops)
        block = g[dst]
        pads = []
        for d in reversed(range(len(shape))):
            start, stop, _ = src[d].indices(shape[d])
            pads += [start, shape[d] - stop]
        return ConstantPadNd.apply(block, tuple(pads), 0), None, None


def pad_index(n: int, lo: int, hi: int, mode: str, dense: bool = True) -> np.ndarray:
    """Source index for each output position along one dim (``dense``: see ``_circular_index``)."""
    j = np.arange(-lo, n + hi)
    if mode == "reflect":
        period = 2 * (n - 1)
        j = np.abs(j) % period if period else np.zeros_like(j)
        return np.where(j >= n, period - j, j)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    return _circular_index(n, lo, hi, dense)


def _circular_index(n: int, lo: int, hi: int, dense: bool) -> np.ndarray:
    """torch's _pad_circular along one dim: copy the kept input in, then fill the left pad from the end of the
    output and the right pad from its start. With a negative pad on the other side, the wrapped values come from
    the cropped output, not from the input (pad (-1, 1) of [0, 1, 2] is [1, 2, 1]).

    A wrap whose source and target overlap fails in torch's copy_ when both slices are dense (``dense``: every dim
    before this one has size 1); otherwise torch copies element by element, front to back, as the loops below do.
    """
    size = n + lo + hi
    idx = np.zeros(size, np.int64)  # a position torch never writes before reading it holds garbage there
    idx[max(lo, 0):size - max(hi, 0)] = np.arange(max(-lo, 0), n - max(-hi, 0))
    for dst, src, count in ((0, size - lo - max(hi, 0), lo), (size - hi, max(lo, 0), hi)):
        if count <= 0:
            continue
        if dense and dst != src and abs(dst - src) < count:
            raise RuntimeError("unsupported operation: some elements of the input tensor and the written-to tensor "
                               "refer to a single memory location. Please clone() the tensor before performing the "
                               "operation.")
        for i in range(count):
            idx[dst + i] = idx[src + i]
    return idx


def check_index_pad_input(shape: tuple, k: int) -> None:
    """The reflection/replication kernels take an empty batch only: every other dim must be non-empty."""
    if any(n == 0 for n in shape[1 if len(shape) == k + 2 else 0:]):
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(shape)}")


def check_index_pad_size(mode: str, in_shape: tuple, out_shape: list, k: int) -> None:
    """The reflection/replication kernels' output size checks, in their words: all padded sizes below 1 is 'too
    small'; one negative size then fails the allocation (reflect's 2-d kernel overflows its element count)."""
    if all(n < 1 for n in out_shape[-k:]):
        i, o = in_shape[-k:], out_shape[-k:]
        if k == 1:
            text = f"input (W: {i[0]}) is too small. Calculated output W: {o[0]}"
        elif k == 2:
            space = " " if mode == "replicate" else ""
            text = f"input (H: {i[0]}, W: {i[1]}{space}) is too small. Calculated output H: {o[0]} W: {o[1]}"
        else:
            text = (f"input (D: {i[0]} H: {i[1]}, W: {i[2]}) is too small. Calculated output D: {o[0]} H: {o[1]} "
                    f"W: {o[2]}")
        raise RuntimeError(text)
    negative = [n for n in out_shape if n < 0]
    if negative:
        if mode == "reflect" and k == 2:
            raise RuntimeError("numel: integer multiplication overflow")
        raise RuntimeError(f"Trying to create tensor with negative dimension {negative[0]}: {out_shape}")


class IndexPad(Function):
    """out = x gathered with a per-dim source index;  dx = g scatter-added back through the same indices"""

    @staticmethod
    def forward(ctx, x, indices):
        ctx.meta = (x.shape, indices)
        out = x
        for d, idx in indices:
            out = np.take(out, idx, axis=d)
        return out

    @staticmethod
    def backward(ctx, g):
        shape, indices = ctx.meta
        for d, idx in reversed(indices):
            gm = np.moveaxis(g, d, 0)
            res = np.zeros((shape[d],) + gm.shape[1:], g.dtype)
            np.add.at(res, idx, gm)
            g = np.moveaxis(res, 0, d)
        return g, None

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, indices = ctx.meta
        for d, idx in reversed(indices):
            size = list(g.shape)
            size[d] = shape[d]
            g = constant(np.zeros(size, g._data.dtype)).index_add(d, constant(idx), g)
        return g, None


def make_index_pad(mode: str, k: int) -> type:
    """The node class torch names for this mode and padded rank (circular is composite in torch)."""
    name = {"reflect": f"ReflectionPad{k}D", "replicate": f"ReplicationPad{k}D"}.get(mode, "CircularPad")
    return type(name, (IndexPad,), {})


_PAD_CLASSES = {(m, k): make_index_pad(m, k) for m in ("reflect", "replicate", "circular") for k in (1, 2, 3)}
