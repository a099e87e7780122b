"""max/avg/adaptive-avg pooling over 1 or 2 spatial dims, with torch's nodes: the 2-D ops are one node each
(MaxPool2DWithIndicesBackward0, AvgPool2DBackward0, AdaptiveAvgPool2DBackward0; MeanBackward1 for a 1x1 adaptive
output), and the 1-D ops run the 2-D op on ``input.unsqueeze(-2)`` and squeeze back, as torch does."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function
from ...autograd.graph_engine import constant, constant_mask, linear_backward, put_back

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices"]


# --- geometry shared by the kernels --------------------------------------------------------------

def _out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's pooling_output_shape: floor (or ceil) of (n + 2p - d(k-1) - 1) / s, plus one; with ceil_mode the last
    window must still start inside the input or the left padding."""
    span = d * (k - 1) + 1
    o = (n + 2 * p - span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (o - 1) * s >= n + p:
        o -= 1
    return o


def _padded_windows(x: np.ndarray, kernel, stride, padding, dilation, out, fill) -> np.ndarray:
    """View (N, C, oh, ow, kh, kw) of x padded with ``fill`` (right padding grown so every window fits)."""
    pads = []
    for n, k, s, p, d, o in zip(x.shape[2:], kernel, stride, padding, dilation, out):
        need = (o - 1) * s + d * (k - 1) + 1  # the last window's end in padded coordinates
        pads.append((p, max(need - n - p, 0)))
    xp = np.pad(x, ((0, 0), (0, 0), *pads), constant_values=fill) if any(a or b for a, b in pads) else x
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    win = sliding_window_view(xp, span, axis=(2, 3))
    o_sl = tuple(slice(0, (o - 1) * s + 1, s) for o, s in zip(out, stride))
    return win[(slice(None), slice(None)) + o_sl + tuple(slice(None, None, d) for d in dilation)]


def _scatter_offsets(grad_win: np.ndarray, shape: tuple, kernel, stride, padding, dilation) -> np.ndarray:
    """The adjoint of _padded_windows: add grad_win[n, c, o, k] back at input position o*s - p + k*d."""
    n, c, h, w = shape
    oh, ow = grad_win.shape[2:4]
    big = [(o - 1) * s + d * (k - 1) + 1 for o, s, k, d in zip((oh, ow), stride, kernel, dilation)]
    full = np.zeros((n, c, max(big[0], h + padding[0]), max(big[1], w + padding[1])), grad_win.dtype)
    # windows overlap, but one kernel offset at a time the strided slab has no repeats
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            full[:, :, i * dilation[0]:i * dilation[0] + (oh - 1) * stride[0] + 1:stride[0],
                 j * dilation[1]:j * dilation[1] + (ow - 1) * stride[1] + 1:stride[1]] += grad_win[:, :, :, :, i, j]
    return full[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w]


# --- max pooling ---------------------------------------------------------------------------------

def _tiles(shape: tuple, kernel, stride, padding, dilation, out) -> bool:
    """Whether the pooling windows tile the (N, C, H, W) input exactly: stride = kernel, no padding or dilation."""
    h, w = shape[2:]
    return (tuple(stride) == tuple(kernel) and not any(padding) and tuple(dilation) == (1, 1)
            and tuple(out) == (h // kernel[0], w // kernel[1]) and h % kernel[0] == 0 and w % kernel[1] == 0)


def _tile_offsets(x4: np.ndarray, kernel) -> list[np.ndarray]:
    """The windows of a tiling pool as kh*kw strided views (N, C, oh, ow), one per kernel offset in row-major
    order: the windows are a free reshape of the input."""
    n, c, h, w = x4.shape
    kh, kw = kernel
    tiles = np.ascontiguousarray(x4).reshape(n, c, h // kh, kh, w // kw, kw)
    return [tiles[:, :, :, i, :, j] for i in range(kh) for j in range(kw)]


def _tiled_max(x4: np.ndarray, kernel, want_indices: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Max pooling whose windows tile the input exactly (stride = kernel, no padding or dilation, as
    ``MaxPool2d(2)``): the windows are a free reshape, so the max is an elementwise maximum of the kernel's
    offsets and its index the first offset equal to it (torch's first maximum on ties); a NaN window reports its
    last NaN, as torch's ``v > best or isnan(v)`` scan does. Returns (max, offset k in the window, flat index
    if ``want_indices``); the offsets are kept narrow (one byte for windows of up to 256) and the index is
    base + table[k]."""
    n, c, h, w = x4.shape
    kh, kw = kernel
    oh, ow = h // kh, w // kw
    found = _max_2x2(x4) if kernel == (2, 2) else None
    if found is not None:
        best, k_idx = found
    else:
        offsets = _tile_offsets(x4, kernel)
        best = offsets[0].copy()
        for v in offsets[1:]:
            np.maximum(best, v, out=best)
        k_idx = np.full(best.shape, len(offsets) - 1, np.uint8 if len(offsets) <= 256 else np.int64)
        for k in range(len(offsets) - 2, -1, -1):
            np.copyto(k_idx, k, where=offsets[k] == best)
        if x4.dtype.kind == "f":
            nan = np.isnan(best)
            if nan.any():
                last = np.zeros(best.shape, k_idx.dtype)
                for k, v in enumerate(offsets):
                    np.copyto(last, k, where=np.isnan(v))
                k_idx = np.where(nan, last, k_idx)
    if not want_indices:
        return best, k_idx, None
    table = np.array([i * w + j for i in range(kh) for j in range(kw)], np.int64)
    base = (np.arange(oh) * (kh * w))[:, None] + np.arange(ow) * kw
    return best, k_idx, table.take(k_idx) + base


def _max_2x2(x4: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``_tiled_max``'s max and offsets for 2x2 windows, down the rows first: row pairs are contiguous runs, so
    their maximum and comparison run at full speed, and only the half-size result is read in column pairs (2x
    faster than four strided offsets). Row-major first maximum: column 1 wins only if its row max is larger, or
    equal and found in an earlier row. None (the general scan) when a NaN is in a window."""
    x = np.ascontiguousarray(x4)
    top, bottom = x[:, :, 0::2], x[:, :, 1::2]
    rmax = np.maximum(top, bottom)
    rdown = bottom > top                                   # the row max is in the window's second row
    m0, m1, d0, d1 = rmax[..., 0::2], rmax[..., 1::2], rdown[..., 0::2], rdown[..., 1::2]
    best = np.maximum(m0, m1)
    if best.dtype.kind == "f" and np.isnan(best).any():
        return None
    right = (m1 > m0) | ((m1 == m0) & (d1 < d0))
    k = np.where(right, d1, d0).view(np.uint8) * np.uint8(2)
    k += right.view(np.uint8)
    return best, k


def _tiled_max_grad(g4: np.ndarray, k_idx: np.ndarray, kernel) -> np.ndarray:
    """The adjoint of _tiled_max: each window's grad at its max's offset, zeros elsewhere (windows don't overlap)."""
    n, c, oh, ow = g4.shape
    kh, kw = kernel
    dx = np.zeros((n, c, oh, kh, ow, kw), g4.dtype)
    # g times the window's 0/1 mask: several times faster than a masked copy into the strided slab, but
    # inf * 0 = nan, so a non-finite grad takes the copy
    masked = bool(np.isfinite(g4).all())
    for k in range(kh * kw):
        if masked:
            np.multiply(g4, k_idx == k, out=dx[:, :, :, k // kw, :, k % kw])
        else:
            np.copyto(dx[:, :, :, k // kw, :, k % kw], g4, where=k_idx == k)
    if masked:
        dx += 0.0  # -g * 0 = -0.0 becomes +0.0, as in torch's zero-filled sum
    return dx.reshape(n, c, oh * kh, ow * kw)


def max_pool_graph_grad(g: Tensor, shape: tuple, indices: np.ndarray, nd: int) -> Tensor:
    """A max pool's dx with Tensor ops: g put back at each max's flat position ``indices`` within its (n, c) plane of
    ``nd`` spatial dims (a window of padding only reports a position outside the plane: no grad). The positions
    are constants, so the grad's own derivative in g is the read at them, and in x it is 0 (as torch's)."""
    plane = int(np.prod(shape[-nd:]))
    planes = int(np.prod(shape[:-nd]))
    idx = indices.reshape(planes, -1)
    inside = (idx >= 0) & (idx < plane)
    positions = np.where(inside, idx, 0) + (np.arange(planes, dtype=np.int64) * plane)[:, None]
    g2 = g.reshape(planes, -1)
    return put_back(g2 if inside.all() else constant_mask(g2, inside), shape, positions)


class MaxPool2DWithIndices(Function):
    """out[n, c, o] = max over the window of o (padding never wins);  index = its flat position h*W + w.

    Ties go to the first maximum in the window (row-major), a NaN to the last NaN; dx[index] += g.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out, want_indices=True):
        batched = x.ndim == 4
        x4 = x if batched else x[None]
        h, w = x4.shape[2:]
        if _tiles(x4.shape, kernel, stride, padding, dilation, out):
            res, k_idx, indices = _tiled_max(x4, tuple(kernel), want_indices)
            ctx.meta = (x.shape, None)
            ctx.tiled = (k_idx, kernel)
            if indices is None:  # not asked for: an empty stand-in (the backward uses the window offsets)
                return (res if batched else res[0]), np.empty(0, np.int64)
            return (res, indices) if batched else (res[0], indices[0])
        kk = kernel[0] * kernel[1]
        fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min  # bool was refused by max_pool2d
        win = _padded_windows(x4, kernel, stride, padding, dilation, out, fill)
        flat = win.reshape(win.shape[:4] + (kk,))
        k_idx = np.argmax(flat, axis=-1)
        if x.dtype.kind == "f":
            nan = np.isnan(flat)
            if nan.any():  # torch's `val > max || isnan(val)` keeps the last NaN
                last = kk - 1 - np.argmax(nan[..., ::-1], axis=-1)
                k_idx = np.where(nan.any(-1), last, k_idx)
        # a window whose max is the fill value: torch reports its first in-bounds element
        rows = [np.arange(o) * s - p for o, s, p in zip(out, stride, padding)]
        first = [np.maximum(-(r // d), 0) for r, d in zip(rows, dilation)]  # smallest k with r + k*d >= 0
        k_first = first[0][:, None] * kernel[1] + first[1][None, :]
        vals = np.take_along_axis(flat, k_idx[..., None], -1)[..., 0]
        k_idx = np.where(vals == fill, k_first, k_idx)
        ih = rows[0][:, None] + (k_idx // kernel[1]) * dilation[0]
        iw = rows[1][None, :] + (k_idx % kernel[1]) * dilation[1]
        indices = (ih * w + iw).astype(np.int64)
        res = np.ascontiguousarray(vals)
        ctx.meta = (x.shape, indices)
        if not batched:
            res, indices = res[0], indices[0]
        return res, indices

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        shape, indices = ctx.meta
        batched = len(shape) == 4
        if indices is None:  # the tiled windows' offsets
            g4 = grad if batched else grad[None]
            dx = _tiled_max_grad(g4, *ctx.tiled)
            return (dx if batched else dx[0]), None, None, None, None, None
        n, c, h, w = shape if batched else (1,) + tuple(shape)
        g = grad if batched else grad[None]
        base = (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)
        idx = indices if batched else indices[None]
        inside = (idx >= 0) & (idx < h * w)  # a window of padding only reports a position past the input: no grad
        flat = np.bincount((np.where(inside, idx, 0) + base).ravel(), weights=np.where(inside, g, 0).ravel(),
                           minlength=n * c * h * w)
        return flat.astype(grad.dtype).reshape(shape), None, None, None, None, None

    @staticmethod
    def differentiable_backward(ctx, grad, _grad_indices=None):
        shape, indices = ctx.meta
        if indices is None:  # tiled windows: the positions from each window's offset
            k_idx, kernel = ctx.tiled
            oh, ow = k_idx.shape[-2:]
            ih = np.arange(oh)[:, None] * kernel[0] + k_idx // kernel[1]
            iw = np.arange(ow)[None, :] * kernel[1] + k_idx % kernel[1]
            indices = ih * shape[-1] + iw
        return (max_pool_graph_grad(grad, shape, indices, 2),) + (None,) * 5


def _pair_arg(name: str, value, fn: str, allow_empty: bool = False) -> tuple:
    v = (value,) if isinstance(value, int) else tuple(value)
    if len(v) == 1:
        v = v * 2
    if len(v) != 2 and not (allow_empty and len(v) == 0):
        raise RuntimeError({"kernel_size": f"{fn}: kernel_size must either be a single int, or a tuple of two ints",
                            "stride": f"{fn}: stride must either be omitted, a single int, or a tuple of two ints",
                            "padding": f"{fn}: padding must either be a single int, or a tuple of two ints",
                            "dilation": f"{fn}: dilation must be either a single int, or a tuple of two ints"}[name])
    return tuple(int(i) for i in v)


def _pool2d_geometry(input: Tensor, kernel, stride, padding, dilation, ceil_mode: bool) -> tuple:
    """torch's pooling_output_shape and pool2d_shape_check, in its order; returns the output (h, w)."""
    out = []
    for n, k, s, p, d in zip(input.shape[-2:], kernel, stride, padding, dilation):
        if s == 0:
            raise RuntimeError("stride should not be zero")
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
        out.append(_out_size(n, k, s, p, d, ceil_mode))
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    if kh <= 0 or kw <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kh} kW: {kw}")
    if sh <= 0 or sw <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {sh} dW: {sw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dh} dilationW: {dw}")
    shape = tuple(input.shape)
    if input.dim() not in (3, 4) or 0 in shape[-3:]:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
                           f"got:{list(shape)}")
    if kw // 2 < padding[1] or kh // 2 < padding[0]:
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = {padding[1]}, "
                           f"padH = {padding[0]}, kW = {kw}, kH = {kh}")
    if out[0] < 1 or out[1] < 1:
        c, h, w = shape[-3:]
        raise RuntimeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{out[0]}x{out[1]}). "
                           "Output size is too small")
    return tuple(out)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over each (dilated) kh x kw window; with return_indices also the flat h*W + w position of each max."""
    kernel = _pair_arg("kernel_size", kernel_size, "max_pool2d")
    stride = _pair_arg("stride", () if stride is None else stride, "max_pool2d", allow_empty=True) or kernel
    padding = _pair_arg("padding", padding, "max_pool2d")
    dilation = _pair_arg("dilation", dilation, "max_pool2d")
    if input.dim() not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    out_hw = _pool2d_geometry(input, kernel, stride, padding, dilation, ceil_mode)
    if input.dtype._scalar_name == "Bool":
        raise NotImplementedError("\"max_pool2d\" not implemented for 'Bool'")
    out, indices = MaxPool2DWithIndices.apply(input, kernel, stride, padding, dilation, out_hw, return_indices)
    return (out, indices) if return_indices else out


def _one_arg(name: str, value, fn: str, allow_empty: bool = False) -> tuple:
    """torch's check1d: an int or a one-element list."""
    v = (value,) if isinstance(value, int) else tuple(value)
    if len(v) != 1 and not (allow_empty and len(v) == 0):
        raise RuntimeError(f"{fn}() argument '{name}' should contain one int (got {len(v)})")
    return tuple(int(i) for i in v)


def _check_dim_range(input: Tensor, fn: str) -> None:
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {fn})")


def _check_max_pool1d(input: Tensor, kernel_size, stride, padding, dilation, ceil_mode: bool) -> None:
    """torch's own max_pool1d kernel (no indices wanted) checks with its own messages."""
    if input.dim() not in (2, 3) or 0 in tuple(input.shape)[-2:]:
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{list(input.shape)}")
    args = {}
    for name, value in (("kernel_size", kernel_size), ("stride", stride), ("padding", padding),
                        ("dilation", dilation)):
        v = (value,) if isinstance(value, int) else tuple(value)
        if len(v) != 1 and not (name == "stride" and len(v) == 0):
            raise RuntimeError(f"max_pool1d() {name} must be an int, list of ints or tuple of ints of size 1 but "
                               f"got size {len(v)}")
        args[name] = v[0] if v else None
    k, p, d = args["kernel_size"], args["padding"], args["dilation"]
    s = k if args["stride"] is None else args["stride"]
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and "
                           f"kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    o = _out_size(input.shape[-1], k, s, p, d, ceil_mode)
    if o < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {o}")


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """max_pool2d over a height-1 view: (N, C, L) -> (N, C, 1, L) -> pool (1, k) -> squeeze."""
    if return_indices:
        _check_dim_range(input, "max_pool1d")
    else:
        _check_max_pool1d(input, kernel_size, () if stride is None else stride, padding, dilation, ceil_mode)
    kernel = _one_arg("kernel_size", kernel_size, "max_pool1d")
    stride = _one_arg("stride", () if stride is None else stride, "max_pool1d", allow_empty=True) or kernel
    padding = _one_arg("padding", padding, "max_pool1d")
    dilation = _one_arg("dilation", dilation, "max_pool1d")
    out, indices = max_pool2d(input.unsqueeze(-2), (1,) + kernel, (1,) + stride, (0,) + padding, (1,) + dilation,
                              ceil_mode, True)
    out = out.squeeze(-2)
    return (out, indices.squeeze(-2)) if return_indices else out


# --- average pooling -----------------------------------------------------------------------------

def _avg_divisor(n: int, o: int, k: int, s: int, p: int, count_include_pad: bool) -> np.ndarray:
    """Per-axis window length: up to the right padding's end (count_include_pad) or the in-bounds part only."""
    start = np.arange(o) * s - p
    end = np.minimum(start + k, n + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


class AvgPool2D(Function):
    """out[n, c, o] = sum of the window of o (zeros outside the input) / divisor, with divisor = divisor_override, or
    the window's size clipped to the padded input (count_include_pad), or its in-bounds size;  dx += g / divisor."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, out, count_include_pad, divisor_override):
        x4 = x if x.ndim == 4 else x[None]
        acc = np.float32 if x.dtype == np.float16 else x.dtype  # float16 sums in float32, as torch's opmath type
        if _tiles(x4.shape, kernel, stride, padding, (1, 1), out):
            # windows tiling the input (AvgPool2d(2)): the kernel's offsets added in torch's row-major order
            offsets = _tile_offsets(x4, kernel)
            total = offsets[0].astype(acc)
            for v in offsets[1:]:
                total += v
        else:
            total = _padded_windows(x4, kernel, stride, padding, (1, 1), out, 0).sum(axis=(-2, -1), dtype=acc)
        if divisor_override:
            div = np.asarray(divisor_override)
        else:
            dh, dw = (_avg_divisor(n, o, k, s, p, count_include_pad)
                      for n, o, k, s, p in zip(x4.shape[2:], out, kernel, stride, padding))
            div = dh[:, None] * dw[None, :]
        if x.dtype.kind == "f":
            res = (total / div.astype(total.dtype)).astype(x.dtype, copy=False)
        else:  # integer input: C's division, truncating toward zero
            res = (np.abs(total) // div * np.sign(total)).astype(x.dtype)
        ctx.meta = (x.shape, kernel, stride, padding, div)
        return np.ascontiguousarray(res if x.ndim == 4 else res[0])

    @staticmethod
    def backward(ctx, grad):
        shape, kernel, stride, padding, div = ctx.meta
        g = grad if len(shape) == 4 else grad[None]
        gd = (g / div.astype(g.dtype))[..., None, None]
        grad_win = np.broadcast_to(gd, gd.shape[:4] + tuple(kernel))
        n, c, h, w = (g.shape[0],) + tuple(shape[-3:])
        if _tiles((n, c, h, w), kernel, stride, padding, (1, 1), g.shape[2:]):  # each window's grad is its own tile
            gx = np.empty((n, c, g.shape[2], kernel[0], g.shape[3], kernel[1]), g.dtype)
            gx[...] = grad_win.transpose(0, 1, 2, 4, 3, 5)
        else:
            gx = _scatter_offsets(grad_win, (n, c, h, w), kernel, stride, padding, (1, 1))
        return gx.reshape(shape), None, None, None, None, None, None

    @staticmethod
    def differentiable_backward(ctx, grad):
        shape, kernel, stride, padding, div = ctx.meta
        out = tuple(grad.shape[-2:])
        divisor = constant(np.asarray(div, grad._data.dtype))

        def pool(t):  # the op itself: window sums (divisor 1) over the same divisors
            return AvgPool2D.apply(t, kernel, stride, padding, out, True, 1) / divisor
        return linear_backward(ctx, grad, pool, 0, 7)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over each kh x kw window (see AvgPool2D for the divisor)."""
    kernel = _pair_arg("kernel_size", kernel_size, "avg_pool2d")
    stride = _pair_arg("stride", () if stride is None else stride, "avg_pool2d", allow_empty=True) or kernel
    padding = _pair_arg("padding", padding, "avg_pool2d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if input.dim() < 3:
        nd = input.dim()
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(nd, 1)}, {max(nd, 1) - 1}], "
                         "but got -3)")
    out_hw = _pool2d_geometry(input, kernel, stride, padding, (1, 1), ceil_mode)
    if input.dtype._scalar_name == "Bool":
        raise NotImplementedError("\"avg_pool2d\" not implemented for 'Bool'")
    return AvgPool2D.apply(input, kernel, stride, padding, out_hw, count_include_pad, divisor_override)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """avg_pool2d over a height-1 view: (N, C, L) -> (N, C, 1, L) -> pool (1, k) -> squeeze."""
    _check_dim_range(input, "avg_pool1d")
    kernel = _one_arg("kernel_size", kernel_size, "avg_pool1d")
    stride = _one_arg("stride", () if stride is None else stride, "avg_pool1d", allow_empty=True) or kernel
    padding = _one_arg("padding", padding, "avg_pool1d")
    out = avg_pool2d(input.unsqueeze(-2), (1,) + kernel, (1,) + stride, (0,) + padding, ceil_mode,
                     count_include_pad)
    return out.squeeze(-2)


# --- adaptive average pooling --------------------------------------------------------------------

def _adaptive_matrix(n: int, o: int, dtype) -> np.ndarray:
    """(o, n) 0/1 matrix of the windows [floor(i n/o), ceil((i+1) n/o))."""
    i = np.arange(o)[:, None]
    j = np.arange(n)[None, :]
    start, end = (i * n) // o, ((i + 1) * n + o - 1) // o
    return ((j >= start) & (j < end)).astype(dtype)


class AdaptiveAvgPool2D(Function):
    """out[.., i, j] = mean of x over rows [floor(i H/oh), ceil((i+1) H/oh)) and the same for columns:
    sums as Mh x Mwᵀ with 0/1 window matrices, divided by the window sizes;  dx = Mhᵀ (g / sizes) Mw."""

    @staticmethod
    def forward(ctx, x, out):
        mh = _adaptive_matrix(x.shape[-2], out[0], x.dtype)
        mw = _adaptive_matrix(x.shape[-1], out[1], x.dtype)
        count = mh.sum(1)[:, None] * mw.sum(1)[None, :]
        ctx.meta = (mh, mw, count)
        return np.ascontiguousarray(mh @ x @ mw.T / count)

    @staticmethod
    def backward(ctx, grad):
        mh, mw, count = ctx.meta
        return mh.T @ (grad / count) @ mw, None

    @staticmethod
    def differentiable_backward(ctx, grad):
        mh, mw, _ = ctx.meta
        size = (mh.shape[0], mw.shape[0])
        return linear_backward(ctx, grad, lambda t: AdaptiveAvgPool2D.apply(t, size), 0, 2)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average over the windows that split H and W into output_size nearly equal, possibly overlapping parts
    (None in output_size keeps that input size)."""
    if isinstance(output_size, int):
        size = (output_size, output_size)
    else:
        size = tuple(output_size)
        if input.dim() <= len(size):
            raise ValueError(f"Input dimension should be at least {len(size) + 1}")
        size = tuple(input.shape[-len(size):][i] if v is None else v for i, v in enumerate(size))
    if len(size) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    if any(v < 0 for v in size):
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{size[0]}, {size[1]}}}")
    if size == (1, 1):
        return input.mean((-1, -2), keepdim=True)  # torch's shortcut (MeanBackward1)
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    for d in range(1, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError("adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, "
                               f"but input has sizes {list(input.shape)} with dimension {d} being empty")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"adaptive_avg_pool2d\" not implemented for '{input.dtype._scalar_name}'")
    return AdaptiveAvgPool2D.apply(input, size)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """adaptive_avg_pool2d over a height-1 view, output (1, output_size), squeezed back."""
    _check_dim_range(input, "adaptive_avg_pool1d")
    size = _one_arg("output_size", output_size, "adaptive_avg_pool1d")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1,) + size).squeeze(-2)


# --- adaptive max pooling ------------------------------------------------------------------------

def _adaptive_windows(n: int, o: int) -> list[tuple[int, int]]:
    """The o windows [floor(i n/o), ceil((i+1) n/o)) that split n nearly equally (neighbours may overlap)."""
    return [((i * n) // o, -(-((i + 1) * n) // o)) for i in range(o)]


class AdaptiveMaxPool2D(Function):
    """out[n, c, i, j] = max of the window (i, j) (see _adaptive_windows);  index = its flat position h*W + w.

    Ties go to the first maximum in the window (row-major), a NaN to the last NaN, as torch's scan; dx[index] += g
    (windows may overlap, so one input can collect several grads)."""

    @staticmethod
    def forward(ctx, x, size):
        batched = x.ndim == 4
        x4 = x if batched else x[None]
        n, c, h, w = x4.shape
        out = np.empty((n, c) + tuple(size), x.dtype)
        idx = np.empty((n, c) + tuple(size), np.int64)
        for i, (h0, h1) in enumerate(_adaptive_windows(h, size[0])):
            for j, (w0, w1) in enumerate(_adaptive_windows(w, size[1])):
                win = x4[:, :, h0:h1, w0:w1].reshape(n, c, -1)
                k = np.argmax(win, axis=-1)  # the first maximum (and the first NaN, fixed below)
                if x.dtype.kind == "f":
                    nan = np.isnan(win)
                    if nan.any():
                        k = np.where(nan.any(-1), win.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1), k)
                out[:, :, i, j] = np.take_along_axis(win, k[..., None], -1)[..., 0]
                idx[:, :, i, j] = (h0 + k // (w1 - w0)) * w + w0 + k % (w1 - w0)
        ctx.meta = (x.shape, idx)
        return (out, idx) if batched else (out[0], idx[0])

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        shape, idx = ctx.meta
        g = grad if len(shape) == 4 else grad[None]
        n, c = idx.shape[:2]
        hw = shape[-1] * shape[-2]
        base = (np.arange(n * c) * hw).reshape(n, c, 1, 1)
        flat = np.bincount((idx + base).ravel(), weights=g.ravel(), minlength=n * c * hw)
        return flat.astype(grad.dtype).reshape(shape), None

    @staticmethod
    def differentiable_backward(ctx, grad, _grad_indices=None):
        shape, idx = ctx.meta
        return max_pool_graph_grad(grad, shape, idx, 2), None


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max over the windows that split H and W into output_size nearly equal parts (None keeps that size); with
    return_indices also each max's flat h*W + w position."""
    if isinstance(output_size, int):
        size = (output_size, output_size)
    else:
        size = tuple(output_size)
        if len(size) != 2:
            raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must be 2")
        size = tuple(input.shape[-2:][i] if v is None else v for i, v in enumerate(size))
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: {list(input.shape)}")
    for d in range(input.dim() - 3, input.dim()):
        if d > 0 and input.shape[d] == 0:
            raise RuntimeError("adaptive_max_pool2d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with dimension {d} being empty")
    if input.dtype._scalar_name == "Bool" or not (input.dtype.is_floating_point or input.dtype._scalar_name in (
            "Long", "Int", "Short", "Char", "Byte")):
        raise NotImplementedError(f"\"adaptive_max_pool2d\" not implemented for '{input.dtype._scalar_name}'")
    out, indices = AdaptiveMaxPool2D.apply(input, size)
    return (out, indices) if return_indices else out


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """adaptive_max_pool2d over a height-1 view, squeezed back (torch's composition)."""
    _check_dim_range(input, "adaptive_max_pool1d")
    size = _one_arg("output_size", output_size, "adaptive_max_pool1d")
    out, indices = adaptive_max_pool2d(input.unsqueeze(-2), (1,) + size, True)
    out = out.squeeze(-2)
    return (out, indices.squeeze(-2)) if return_indices else out


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = True):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = True):
    return adaptive_max_pool2d(input, output_size, True)
