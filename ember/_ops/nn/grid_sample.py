"""``F.grid_sample``: out[n, c, p] = input[n, c] read at the point grid[n, p] (x, y[, z] in [-1, 1]), interpolated.

A grid value g on an axis of n pixels maps to the pixel coordinate
    align_corners:      (g + 1) * (n - 1) / 2           (-1, +1 -> centres of the corner pixels)
    not align_corners:  (g + 1) * n / 2 - 1/2           (-1, +1 -> outer edges of the corner pixels)
then padding_mode treats points outside: zeros reads 0 there, border clips the coordinate into [0, n - 1],
reflection mirrors it at the borders (the pixel centres or the edges) and then clips. The modes:
    bilinear  sum over the 2 (4 or 8 corners) of weight * value, weight = product of 1 - |coord - corner| per axis
    nearest   the pixel at the coordinate rounded half to even; no grid gradient
    bicubic   (4-D only) the Keys cubic convolution (A = -0.75) over the 4 x 4 pixels around the point
Grads: input -- each read's weight * g added back where it was read; grid -- d(out)/d(coord) * d(coord)/d(g).

4-D input follows torch's vectorised CPU kernel (aten/src/ATen/native/cpu/GridSamplerKernel.cpp), 5-D its scalar
kernel (GridSampler.cpp, see _grid_sample3d.py): their arithmetic differs. The vectorised kernel is built with FMA,
and GCC contracts its ``a * b + c`` into fused multiply-adds, copied here (``_fma``; not for half, whose vector ops
round one by one), so values and grads match torch's bit for bit. The input grad adds the reads in torch's order:
points in vectors of 256 bits (8 float32 / 4 float64 / 16 half lanes: the AVX2 build it runs), one vector's reads
corner by corner.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function
from ._grid_sample3d import GridSampler3D, fma as _fma

__all__ = ["grid_sample"]

_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}
_A = -0.75  # the cubic convolution constant (torch's UpSample.h)


# --- where a grid value reads (the kernel's ComputeLocation) --------------------------------------------------

class _Axis:
    """Maps grid values along one input axis of ``size`` pixels to pixel coordinates."""

    def __init__(self, size: int, padding: int, align_corners: bool, nd) -> None:
        self.size, self.padding, self.ac, self.nd = size, padding, align_corners, nd
        self.max_val = nd(size - 1)
        self.scale = nd(size - 1) / nd(2) if align_corners else nd(size) / nd(2)
        self.low = nd(0) if align_corners else nd(-0.5)
        self.twice_span = nd(size - 1) * nd(2) if align_corners else nd(size) * nd(2)
        self.empty = size <= 1 if align_corners else size <= 0

    def unnormalize(self, g: np.ndarray) -> np.ndarray:
        nd = self.nd
        if self.ac:
            return (g + nd(1)) * self.scale
        return _fma(g + nd(1), self.scale, nd(-0.5))

    def _clip(self, v: np.ndarray) -> np.ndarray:
        # max(v, 0) with the operands ordered so that NaN becomes 0, then min with size - 1
        return np.minimum(np.where(np.isnan(v), self.nd(0), np.maximum(v, self.nd(0))), self.max_val)

    def _reflect(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(min(extra, twice_span - extra) + low, the same chosen as torch's backward chooses, sign of d/dv)"""
        d = v if self.ac else v - self.low
        a = np.abs(d)
        extra = _fma(-np.trunc(a / self.twice_span), self.twice_span, a)
        other = self.twice_span - extra
        flip = extra > other
        sign = np.where(flip ^ (d < 0), self.nd(-1), self.nd(1))
        return np.minimum(extra, other) + self.low, np.where(flip, other, extra) + self.low, sign

    def coords(self, v: np.ndarray) -> np.ndarray:
        """Padding applied to pixel coordinates (the kernel's compute_coordinates)."""
        if self.padding == 1:
            return self._clip(v)
        if self.padding == 2:
            return self._clip(np.zeros_like(v) if self.empty else self._reflect(v)[0])
        return v

    def apply(self, g: np.ndarray) -> np.ndarray:
        return self.coords(self.unnormalize(g))

    def apply_get_grad(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(coordinate, d coordinate / d g): border and reflection have slope 0 at and beyond the clipped edge."""
        nd = self.nd
        v = self.unnormalize(g)
        if self.padding == 0:
            return v, np.full(v.shape, self.scale)
        mult = np.full(v.shape, self.scale)
        if self.padding == 2:
            if self.empty:
                return np.zeros_like(v), np.zeros_like(v)
            _, v, sign = self._reflect(v)
            mult = sign * self.scale
        res = np.minimum(np.maximum(v, nd(0)), self.max_val)
        return res, np.where((res != 0) & (res != self.max_val), mult, nd(0))


def _safe_index(v: np.ndarray, size: int) -> np.ndarray:
    """Integer pixel index of an integral coordinate; NaN and far-off values land outside [0, size)."""
    return np.where(np.isfinite(v), np.clip(v, -2, size + 1), -2).astype(np.int64)


def _inside(offsets: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    """The mask, also False where an offset left the plane (a NaN point under border/reflection in the backward,
    where torch's kernel reads or writes outside the input: undefined there, nothing here)."""
    return mask & (offsets >= 0) & (offsets < size)


def _gather(flat: np.ndarray, offsets: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(N, C, P) values of the (N, C, H*W) input at (N, P) offsets, 0 where mask is False."""
    n, c, size = flat.shape
    mask = _inside(offsets, mask, size)
    planes = (np.arange(n * c) * size).reshape(n, c, 1)
    vals = flat.reshape(-1).take(np.where(mask, offsets, 0)[:, None, :] + planes)  # 2x take_along_axis's speed
    return np.where(mask[:, None, :], vals, flat.dtype.type(0))


def _segment(grid: np.ndarray) -> int:
    """How many points torch's kernel walks before it starts a new vector: all of a batch's H*W when that slice of
    the grid is contiguous (or its x and y planes each are), otherwise one row of W at a time
    (grid_sample_2d_grid_slice_iterator)."""
    h, w = grid.shape[1:3]
    s_h, s_w = (st // grid.itemsize for st in grid.strides[1:3])
    if grid[0].flags.c_contiguous:
        return h * w
    if (s_w == 1 or w == 1) and (s_h == w or h == 1):
        return h * w
    return w


def _scatter(shape: tuple, offsets: np.ndarray, masks: np.ndarray, deltas: np.ndarray, lanes: int,
             segment: int) -> np.ndarray:
    """grad_input (N, C, H*W): deltas (N, C, K, P) added at offsets/masks (N, K, P), in torch's order per plane:
    vectors of ``lanes`` points (restarting at each ``segment`` of points), within one vector the K reads one
    after another, lanes in order."""
    n, c, hw = shape
    k, p = offsets.shape[1:]
    pad = -segment % lanes
    if pad:  # each segment padded to whole vectors, the padding masked out
        def widen(a: np.ndarray) -> np.ndarray:
            a = a.reshape(a.shape[:-1] + (p // segment, segment))
            a = np.pad(a, [(0, 0)] * (a.ndim - 1) + [(0, pad)])
            return a.reshape(a.shape[:-2] + (-1,))
        offsets, masks, deltas = widen(offsets), widen(masks), widen(deltas)
    chunks = offsets.shape[-1] // lanes

    def order(a: np.ndarray) -> np.ndarray:  # (..., K, chunks * lanes) -> (..., chunks, K, lanes, segment)
        a = a.reshape(a.shape[:-2] + (k, chunks, lanes))
        return np.swapaxes(a, -3, -2)

    masks = _inside(offsets, masks, hw)
    plane = (np.arange(n * c) * hw).reshape(n, c, 1, 1, 1)
    idx = (order(offsets)[:, None] + plane)
    keep = np.broadcast_to(order(masks)[:, None], idx.shape)
    idx, vals = idx[keep], order(deltas)[keep]
    out = np.zeros(n * c * hw, deltas.dtype)
    # unbuffered and in order, each add rounded in the grad's dtype as torch's: exact where a float64 bincount
    # is not (float32, half), and as fast (NumPy 2.4: 17 ms vs 19 ms for 4M adds into 1M bins)
    np.add.at(out, idx, vals)
    return out.reshape(n, c, hw)


# --- the 4-D kernels --------------------------------------------------------------------------------------------

def _bilinear_corners(x, y, h, w, in_bound: bool):
    """Offsets (N, 4, P), masks, weights nw, ne, sw, se and the distances n, s, w, e to the corners' sides."""
    nd = x.dtype.type
    xw, yn = np.floor(x), np.floor(y)
    dw, dn = x - xw, y - yn
    de, ds = nd(1) - dw, nd(1) - dn
    weights = (ds * de, ds * dw, dn * de, dn * dw)
    if in_bound:  # border / reflection: the clipped point's north-west corner is always inside
        m_w = m_n = np.ones(x.shape, bool)
        m_e, m_s = xw + 1 < w, yn + 1 < h
    else:
        m_w, m_n = (xw > -1) & (xw < w), (yn > -1) & (yn < h)
        m_e, m_s = (xw + 1 > -1) & (xw + 1 < w), (yn + 1 > -1) & (yn + 1 < h)
    base = _safe_index(yn, h) * w + _safe_index(xw, w)
    offsets = np.stack([base, base + 1, base + w, base + w + 1], 1)
    masks = np.stack([m_w & m_n, m_e & m_n, m_w & m_s, m_e & m_s], 1)
    return offsets, masks, weights, (dn, ds, dw, de)


def _cubic(t: np.ndarray) -> list[np.ndarray]:
    """The 4 Keys weights of the taps at -1, 0, 1, 2 for a fractional position t. Which products GCC fused was
    found by matching torch's bits: none in the outer weights (each step's constant product, exact, took the
    add), both steps in the inner ones."""
    nd = t.dtype.type

    def outer(x):  # ((A x - 5A) x + 8A) x - 4A  for 1 < |x| < 2
        return ((nd(_A) * x - nd(5 * _A)) * x + nd(8 * _A)) * x - nd(4 * _A)

    def inner(x):  # ((A + 2) x - (A + 3)) x x + 1  for |x| <= 1
        return _fma(_fma(nd(_A + 2), x, nd(-(_A + 3))) * x, x, nd(1))

    return [outer(t + nd(1)), inner(t), inner(nd(1) - t), outer(nd(2) - t)]


def _cubic_grad(t: np.ndarray) -> list[np.ndarray]:
    """d/dx of the 4 Keys weights (torch's get_cubic_coefficients_grad, x = tap - t); as in the outer weights,
    every add meets an exact constant product, so nothing is fused."""
    nd = t.dtype.type
    x0, x1, x2, x3 = nd(-1) - t, nd(0) - t, nd(1) - t, nd(2) - t
    return [(nd(-3 * _A) * x0 - nd(10 * _A)) * x0 - nd(8 * _A),
            (nd(-3 * (_A + 2)) * x1 - nd(2 * (_A + 3))) * x1,
            (nd(3 * (_A + 2)) * x2 - nd(2 * (_A + 3))) * x2,
            (nd(3 * _A) * x3 - nd(10 * _A)) * x3 + nd(8 * _A)]


def _dot4(c: list, v: list) -> np.ndarray:
    """c0 v0 + c1 v1 + c2 v2 + c3 v3 as GCC contracts the kernel's sums:
    fma(c3, v3, fma(c2, v2, fma(c1, v1, c0 v0)))."""
    return _fma(c[3], v[3], _fma(c[2], v[2], _fma(c[1], v[1], c[0] * v[0])))


def _dot4_row(c: list, v: list) -> np.ndarray:
    """The bicubic x-direction sum, whose reads sit between the products: only the first pair is fused."""
    return (_fma(c[0], v[0], c[1] * v[1]) + c[2] * v[2]) + c[3] * v[3]


def _bicubic_taps(ax_w: _Axis, ax_h: _Axis, ix, iy, h, w):
    """Offsets and masks (N, 16, P) of the 4 x 4 taps, tap k = 4 * i + j at (ix + i - 1, iy + j - 1)."""
    nd = ix.dtype.type
    offsets, masks = [], []
    for i in range(4):
        xx = ax_w.coords(ix + nd(i - 1))
        for j in range(4):
            yy = ax_h.coords(iy + nd(j - 1))
            xi, yi = _safe_index(np.trunc(xx), w), _safe_index(np.trunc(yy), h)
            masks.append((xi >= 0) & (xi < w) & (yi >= 0) & (yi < h))
            offsets.append(yi * w + xi)
    return np.stack(offsets, 1), np.stack(masks, 1)


class GridSampler2D(Function):
    """out[n, c, p] = input[n, c] interpolated at grid[n, p] (see the module doc)."""

    @staticmethod
    def forward(ctx, x, grid, mode, padding, align_corners):
        ctx.save_for_backward(x, grid)  # torch saves both: changing either in place fails backward
        ctx.args = (mode, padding, align_corners)
        if x.size == 0 or grid.size == 0:  # nothing to read or nothing to write
            return np.zeros(x.shape[:2] + grid.shape[1:-1], x.dtype)
        n, c, h, w = x.shape
        out_h, out_w = grid.shape[1:3]
        nd = x.dtype.type  # half too: numpy rounds each half op as Vectorized<Half> does, and nothing fuses
        flat = np.ascontiguousarray(x).reshape(n, c, h * w)  # gathered from by flat offsets
        ax_w, ax_h = (_Axis(s, padding, align_corners, nd) for s in (w, h))
        gx, gy = grid[..., 0].reshape(n, -1), grid[..., 1].reshape(n, -1)
        if mode == 2:
            px, py = ax_w.unnormalize(gx), ax_h.unnormalize(gy)
            ix, iy = np.floor(px), np.floor(py)
            cx, cy = _cubic(px - ix), _cubic(py - iy)
            offsets, masks = _bicubic_taps(ax_w, ax_h, ix, iy, h, w)
            rows = []
            for j in range(4):
                vals = [_gather(flat, offsets[:, 4 * i + j], masks[:, 4 * i + j]) for i in range(4)]
                rows.append(_dot4_row([v[:, None] for v in cx], vals))
            out = _dot4([v[:, None] for v in cy], rows)
        else:
            px, py = ax_w.apply(gx), ax_h.apply(gy)
            if mode == 1:
                xi, yi = np.rint(px), np.rint(py)  # round half to even, as the kernel's Vec::round
                mask = (xi > -1) & (xi < w) & (yi > -1) & (yi < h) if padding == 0 else np.ones(xi.shape, bool)
                out = _gather(flat, _safe_index(yi, h) * w + _safe_index(xi, w), mask)
            else:
                offsets, masks, wts, _ = _bilinear_corners(px, py, h, w, padding != 0)
                vals = [_gather(flat, offsets[:, k], masks[:, k]) for k in range(4)]
                out = _dot4([v[:, None] for v in wts], vals)
        return out.reshape(n, c, out_h, out_w)

    @staticmethod
    def backward(ctx, grad):
        x, grid = ctx.saved_tensors
        mode, padding, align_corners = ctx.args
        if grad.size == 0:
            return (np.zeros_like(x) if ctx.needs_input_grad[0] else None,
                    np.zeros_like(grid) if ctx.needs_input_grad[1] else None, None, None, None)
        n, c, h, w = x.shape
        nd = x.dtype.type
        flat = np.ascontiguousarray(x).reshape(n, c, h * w)  # gathered from by flat offsets
        go = grad.reshape(n, c, -1)
        lanes, segment = 32 // x.itemsize, _segment(grid)  # AVX2 vectors of 256 bits
        ax_w, ax_h = (_Axis(s, padding, align_corners, nd) for s in (w, h))
        gx_in, gy_in = grid[..., 0].reshape(n, -1), grid[..., 1].reshape(n, -1)
        want_input, want_grid = ctx.needs_input_grad[:2]
        grad_input = grad_grid = None
        zero = np.zeros(gx_in.shape, nd)
        if mode == 1:  # the grid's grad is zero
            gxg = gyg = zero
            if want_input:
                px, py = ax_w.apply(gx_in), ax_h.apply(gy_in)
                xi, yi = np.rint(px), np.rint(py)
                mask = (xi > -1) & (xi < w) & (yi > -1) & (yi < h) if padding == 0 else np.ones(xi.shape, bool)
                offsets = (_safe_index(yi, h) * w + _safe_index(xi, w))[:, None]
                grad_input = _scatter((n, c, h * w), offsets, mask[:, None], go[:, :, None], lanes, segment)
        elif mode == 0:
            (px, mx), (py, my) = ax_w.apply_get_grad(gx_in), ax_h.apply_get_grad(gy_in)
            offsets, masks, wts, (dn, ds, dw, de) = _bilinear_corners(px, py, h, w, padding != 0)
            if want_input:
                deltas = np.stack([wt[:, None] * go for wt in wts], 2)
                grad_input = _scatter((n, c, h * w), offsets, masks, deltas, lanes, segment)
            if not want_grid:
                return grad_input.reshape(x.shape), None, None, None, None
            vnw, vne, vsw, vse = (_gather(flat, offsets[:, k], masks[:, k]) for k in range(4))
            tx = _fma(vse - vsw, dn[:, None], (vne - vnw) * ds[:, None])
            ty = _fma(vse - vne, dw[:, None], (vsw - vnw) * de[:, None])
            gxg, gyg = zero.copy(), zero.copy()
            for k in range(c):  # channel by channel, as the kernel's running sums
                gxg = _fma(tx[:, k], go[:, k], gxg)
                gyg = _fma(ty[:, k], go[:, k], gyg)
            gxg, gyg = gxg * mx, gyg * my
        else:
            px, py = ax_w.unnormalize(gx_in), ax_h.unnormalize(gy_in)
            ix, iy = np.floor(px), np.floor(py)
            cx, cy = _cubic(px - ix), _cubic(py - iy)
            cxg, cyg = _cubic_grad(px - ix), _cubic_grad(py - iy)
            offsets, masks = _bicubic_taps(ax_w, ax_h, ix, iy, h, w)
            if want_input:
                deltas = np.stack([go * cx[i][:, None] * cy[j][:, None] for i in range(4) for j in range(4)], 2)
                grad_input = _scatter((n, c, h * w), offsets, masks, deltas, lanes, segment)
            if not want_grid:
                return grad_input.reshape(x.shape), None, None, None, None
            vals = [_gather(flat, offsets[:, k], masks[:, k]) for k in range(16)]
            gxg, gyg = zero.copy(), zero.copy()
            for k in range(c):
                for i in range(4):
                    for j in range(4):
                        vg = vals[4 * i + j][:, k] * go[:, k]
                        gxg = _fma(-(vg * cxg[i]), cy[j], gxg)
                        gyg = _fma(-(vg * cyg[j]), cx[i], gyg)
            gxg, gyg = gxg * ax_w.scale, gyg * ax_h.scale
        if want_grid:
            grad_grid = np.stack([gxg, gyg], -1).reshape(grid.shape)
        if grad_input is not None:
            grad_input = grad_input.reshape(x.shape)
        return grad_input, grad_grid, None, None, None


# --- the public function ------------------------------------------------------------------------------------------

def _sizes(t: Tensor) -> str:
    return "[" + ", ".join(str(s) for s in t.shape) + "]"


def _check(input: Tensor, grid: Tensor, mode: int) -> None:
    """torch's check_grid_sampler_common + _2d / _3d, in its order and words."""
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {_sizes(input)} and grid with sizes {_sizes(grid)}")
    if grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in last dimension, but got "
                           f"grid with sizes {_sizes(grid)}")
    for i in range(2, input.dim()):
        if input.shape[i] <= 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {_sizes(input)} with dimension {i} being empty")
    want = 4 if input.dim() == 4 else 5
    if input.dim() != want or grid.dim() != want:
        raise RuntimeError(f"grid_sampler(): expected {want}D input and grid with same number of dimensions, but got "
                           f"input with sizes {_sizes(input)} and grid with sizes {_sizes(grid)}")
    if want == 5 and mode == 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    kernel = "grid_sampler_2d_cpu_kernel_impl" if want == 4 else "grid_sampler3d_cpu"
    if input.dtype._scalar_name not in ("Float", "Double", "Half"):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype._scalar_name}'")
    if grid.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._scalar_name} but found {grid.dtype._scalar_name}")


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` (N, C, H, W) or (N, C, D, H, W) at the normalised points ``grid`` (N, Ho, Wo, 2) or
    (N, Do, Ho, Wo, 3); see the module doc."""
    if mode not in _MODES:
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', "
                         f"but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                      "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                      "grid_sample for details.", stacklevel=2)
        align_corners = False
    m, p = _MODES[mode], _PADDINGS[padding_mode]
    _check(input, grid, m)
    op = GridSampler2D if input.dim() == 4 else GridSampler3D
    return op.apply(input, grid, m, p, bool(align_corners))
