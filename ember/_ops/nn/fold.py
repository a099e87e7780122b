"""``F.unfold`` (im2col: every sliding block of the input as a column) and ``F.fold`` (col2im: the columns summed
back into an image), the pair convolution is built from (see conv.py's ``_Geometry``); and ``pixel_shuffle`` /
``pixel_unshuffle``, the channel <-> space rearrangements of sub-pixel convolution.

    unfold:  out[n, (c, k), l] = xpad[n, c, o_l * stride + k * dilation]     (N, C*prod(K), L), L = blocks
    fold:    out[n, c, p] = sum over (k, l) with o_l * stride + k * dilation - padding = p of in[n, (c, k), l]
Each is the other's adjoint, so each one's backward is the other.
"""
from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function
from ...autograd.graph_engine import linear_backward
from .conv import _Geometry

__all__ = ["unfold", "fold", "pixel_shuffle", "pixel_unshuffle"]


def _im2col(geo: _Geometry, x: np.ndarray) -> np.ndarray:
    cols = geo.im2col(geo.padded_input(x), np.empty((x.shape[0],) + geo.cols_shape, x.dtype))
    return cols.reshape(x.shape[0], -1, geo.positions)


def _col2im(geo: _Geometry, cols: np.ndarray) -> np.ndarray:
    n = cols.shape[0]
    gxp = np.zeros((n, geo.x_shape[1]) + geo.padded, cols.dtype)
    geo.col2im(cols.reshape((n,) + geo.cols_shape), gxp)
    return np.ascontiguousarray(geo.interior(gxp))


class Im2Col(Function):
    """unfold (see the module doc);  dx = fold(g)"""

    @staticmethod
    def forward(ctx, x, kernel, dilation, padding, stride):
        ctx.unbatched = x.ndim == 3  # one node either way, as torch's
        x4 = x[None] if ctx.unbatched else x
        ctx.geo = _Geometry(x4.shape, kernel, stride, padding, dilation, allow_flat=False)
        ctx.args = (kernel, dilation, padding, stride)
        out = _im2col(ctx.geo, x4)
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx, g):
        gx = _col2im(ctx.geo, np.ascontiguousarray(g[None] if ctx.unbatched else g))
        return (gx[0] if ctx.unbatched else gx), None, None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        return linear_backward(ctx, g, lambda t: Im2Col.apply(t, *ctx.args), 0, 5)


class Col2Im(Function):
    """fold (see the module doc);  dcols = unfold(g)"""

    @staticmethod
    def forward(ctx, cols, output_size, kernel, dilation, padding, stride):
        ctx.unbatched = cols.ndim == 2
        c3 = cols[None] if ctx.unbatched else cols
        ctx.geo = _Geometry((c3.shape[0], c3.shape[1] // math.prod(kernel)) + tuple(output_size), kernel, stride,
                            padding, dilation, allow_flat=False)
        ctx.args = (output_size, kernel, dilation, padding, stride)
        out = _col2im(ctx.geo, np.ascontiguousarray(c3))
        return out[0] if ctx.unbatched else out

    @staticmethod
    def backward(ctx, g):
        gc = _im2col(ctx.geo, g[None] if ctx.unbatched else g)
        return (gc[0] if ctx.unbatched else gc), None, None, None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        return linear_backward(ctx, g, lambda t: Col2Im.apply(t, *ctx.args), 0, 6)


def _pair(name: str, v) -> tuple:
    t = (v, v) if isinstance(v, int) else tuple(v)
    if len(t) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(t)}")
    return t


def _check_params(kernel, dilation, padding, stride) -> None:
    for name, v, low in (("kernel", kernel, 1), ("stride", stride, 1), ("dilation", dilation, 1),
                         ("padding", padding, 0)):
        if any(x < low for x in v):
            rel = "greater than zero" if low else "non-negative"
            what = "kernel size" if name == "kernel" else name
            raise RuntimeError(f"{what} should be {rel}, but got {name}_height: {v[0]} {name}_width: {v[1]}")


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """(N, C, H, W) (or (C, H, W)) -> (N, C*kh*kw, L): the sliding blocks as columns."""
    kernel, dilation, padding, stride = (_pair(n, v) for n, v in (("kernel_size", kernel_size), ("dilation", dilation),
                                                                  ("padding", padding), ("stride", stride)))
    batched = input.dim() == 4
    if input.dim() != 3 and not batched:
        raise RuntimeError("Input Error: Only 3D or 4D input Tensors are supported (got "
                           f"{input.dim()}D)") if input.dim() > 4 else IndexError(
            f"Dimension out of range (expected to be in range of [{-input.dim()}, {input.dim() - 1}], but got 2)")
    _check_params(kernel, dilation, padding, stride)
    size = tuple(input.shape[-2:])
    blocks = [(m + 2 * p - d * (k - 1) - 1) // s + 1 for m, p, d, k, s in zip(size, padding, dilation, kernel, stride)]
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size {size}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, calculated shape of the array of sliding blocks as {tuple(blocks)}, "
                           "but its components must be at least one.")
    return Im2Col.apply(input, kernel, dilation, padding, stride)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """(N, C*kh*kw, L) (or unbatched) -> (N, C, *output_size): the columns summed back into an image."""
    output_size, kernel, dilation, padding, stride = (_pair(n, v) for n, v in (
        ("output_size", output_size), ("kernel_size", kernel_size), ("dilation", dilation), ("padding", padding),
        ("stride", stride)))
    batched = input.dim() == 3
    if input.dim() != 2 and not batched:
        raise RuntimeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got "
                           f"{input.dim()}D)")
    _check_params(kernel, dilation, padding, stride)
    kk = kernel[0] * kernel[1]
    rows, length = input.shape[-2:]
    if rows % kk:
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={rows} and kernel_size={kernel}.")
    blocks = [(m + 2 * p - d * (k - 1) - 1) // s + 1 for m, p, d, k, s in zip(output_size, padding, dilation, kernel,
                                                                               stride)]
    if blocks[0] * blocks[1] != length:
        raise RuntimeError(f"Given output_size={output_size}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, "
                           f"but got input.size(2)={length}.")
    return Col2Im.apply(input, output_size, kernel, dilation, padding, stride)


class PixelShuffle(Function):
    """(*, C r^2, H, W) -> (*, C, H r, W r): out[c, h r + i, w r + j] = in[c r^2 + i r + j, h, w]; dx = unshuffle(g)"""

    @staticmethod
    def forward(ctx, x, r):
        *lead, c, h, w = x.shape
        ctx.r = r
        y = x.reshape(*lead, c // (r * r), r, r, h, w)
        nd = len(lead)
        y = y.transpose(*range(nd), nd, nd + 3, nd + 1, nd + 4, nd + 2)
        return np.ascontiguousarray(y).reshape(*lead, c // (r * r), h * r, w * r)

    @staticmethod
    def backward(ctx, g):
        return _unshuffle(g, ctx.r), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return linear_backward(ctx, g, lambda t: PixelShuffle.apply(t, ctx.r), 0, 2)


def _unshuffle(x: np.ndarray, r: int) -> np.ndarray:
    *lead, c, h, w = x.shape
    nd = len(lead)
    y = x.reshape(*lead, c, h // r, r, w // r, r).transpose(*range(nd), nd, nd + 2, nd + 4, nd + 1, nd + 3)
    return np.ascontiguousarray(y).reshape(*lead, c * r * r, h // r, w // r)


class PixelUnshuffle(Function):
    """The inverse of pixel_shuffle: (*, C, H r, W r) -> (*, C r^2, H, W); dx = shuffle(g)"""

    @staticmethod
    def forward(ctx, x, r):
        ctx.r = r
        return _unshuffle(x, r)

    @staticmethod
    def backward(ctx, g):
        return PixelShuffle.forward(ctx, g, ctx.r), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return linear_backward(ctx, g, lambda t: PixelUnshuffle.apply(t, ctx.r), 0, 2)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    r = int(upscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    return PixelShuffle.apply(input, r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    r = int(downscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    for axis, name in ((-2, "height"), (-1, "width")):
        if input.shape[axis] % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({axis})={input.shape[axis]} is not divisible by {r}")
    return PixelUnshuffle.apply(input, r)
