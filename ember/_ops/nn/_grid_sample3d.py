"""``grid_sample`` on 5-D input (trilinear and nearest), with the arithmetic of torch's scalar CPU kernel
(aten/src/ATen/native/GridSampler.cpp, grid_sampler_3d_cpu_impl); see grid_sample.py for the maths.

The scalar kernel differs from the 4-D vectorised one: it unnormalises as ((g + 1) n - 1) / 2, reflects with
fmod, and sums the 8 corners one by one into the output. Unlike the kernels under native/cpu/, this file is built
without FMA, so every product here is rounded on its own (matching torch's bits).
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import _NumpyFunction as Function
from ..._rng.fma import fma32, fma64

__all__ = ["GridSampler3D", "fma"]


def fma(a, b, c) -> np.ndarray:
    """a * b + c rounded once, in the operands' float type (GCC's contraction in torch's vectorised kernels; the
    4-D grid_sample and affine_grid use it)."""
    dt = np.result_type(a, b, c)
    if dt == np.float16:  # Vectorized<Half> works op by op, each rounded to half: nothing to fuse
        return a * b + c
    if dt == np.float32:
        return fma32(a, b, c)
    return fma64(a, b, c)


def _source(g: np.ndarray, size: int, padding: int, ac: bool, want_grad: bool):
    """torch's grid_sampler_compute_source_index(_set_grad): (coordinate, d coordinate / d g or None)."""
    nd = g.dtype.type
    if ac:
        v, mult = ((g + nd(1)) / nd(2)) * nd(size - 1), nd(size - 1) / nd(2)
    else:
        v, mult = ((g + nd(1)) * nd(size) - nd(1)) / nd(2), nd(size) / nd(2)
    mult = np.full(v.shape, mult)
    if padding == 2:
        lo2, hi2 = (0, 2 * (size - 1)) if ac else (-1, 2 * size - 1)
        if lo2 == hi2:
            v, mult = np.zeros_like(v), np.zeros_like(v)
        else:
            low, span = nd(lo2) / nd(2), nd(hi2 - lo2) / nd(2)
            d = v - low
            a = np.abs(d)
            extra = np.fmod(a, span)
            odd = np.floor(a / span) % 2 == 1
            v = np.where(odd, span - extra + low, extra + low)
            mult = mult * np.where(odd ^ (d < 0), nd(-1), nd(1))
    if padding != 0:
        top = nd(size - 1)
        if want_grad:  # the borders count as outside: slope 0 there
            mult = np.where((v <= 0) | (v >= top), nd(0), mult)
            v = np.where(v <= 0, nd(0), np.where(v >= top, top, v))
        else:  # std::min(top, std::max(v, 0)): NaN becomes size - 1
            m = np.where(v < 0, nd(0), v)
            v = np.where(m < top, m, top)
    return v, (mult if want_grad else None)


def _index(v: np.ndarray, size: int) -> np.ndarray:
    return np.where(np.isfinite(v), np.clip(v, -2, size + 1), -2).astype(np.int64)


def _corners(ix, iy, iz, shape):
    """The 8 corners in torch's order tnw, tne, tsw, tse, bnw, bne, bsw, bse: per corner (offset, mask, the three
    signed distances used by its weight)."""
    d, h, w = shape
    x0, y0, z0 = np.floor(ix), np.floor(iy), np.floor(iz)
    xi, yi, zi = _index(x0, w), _index(y0, h), _index(z0, d)
    out = []
    for dz in (0, 1):
        for dy in (0, 1):
            for dx in (0, 1):
                # the weight's factor per axis: (far corner - p) for the near corner, (p - near corner) for the far
                fx = (ix - x0) if dx else ((x0 + 1) - ix)
                fy = (iy - y0) if dy else ((y0 + 1) - iy)
                fz = (iz - z0) if dz else ((z0 + 1) - iz)
                cx, cy, cz = xi + dx, yi + dy, zi + dz
                mask = (cx >= 0) & (cx < w) & (cy >= 0) & (cy < h) & (cz >= 0) & (cz < d)
                out.append(((cz * h + cy) * w + cx, mask, (fx, fy, fz), (dx, dy, dz)))
    return out


def _gather(flat, off, mask):
    n, c, size = flat.shape
    planes = (np.arange(n * c) * size).reshape(n, c, 1)
    vals = flat.reshape(-1).take(np.where(mask, off, 0)[:, None, :] + planes)
    return np.where(mask[:, None, :], vals, flat.dtype.type(0))


def _add_at(shape, offsets: list, masks: list, deltas: list) -> np.ndarray:
    """grad_input (N, C, DHW) with the per-read deltas (N, C, P) added in torch's order: point by point, corner
    by corner within a point."""
    n, c, size = shape
    off = np.stack(offsets, -1)[:, None]                      # (N, 1, P, K)
    keep = np.broadcast_to(np.stack(masks, -1)[:, None], (n, c) + off.shape[2:])
    idx = off + (np.arange(n * c) * size).reshape(n, c, 1, 1)
    vals = np.stack(deltas, -1)
    idx, vals = idx[keep], vals[keep]
    out = np.zeros(n * c * size, vals.dtype)
    np.add.at(out, idx, vals)  # in order, rounded in the grad's dtype (see grid_sample._scatter)
    return out.reshape(n, c, size)


class GridSampler3D(Function):
    """5-D grid_sample (see the module doc)."""

    @staticmethod
    def forward(ctx, x, grid, mode, padding, align_corners):
        ctx.save_for_backward(x, grid)  # torch saves both: changing either in place fails backward
        ctx.args = (mode, padding, align_corners)
        if x.size == 0 or grid.size == 0:  # nothing to read or nothing to write
            return np.zeros(x.shape[:2] + grid.shape[1:-1], x.dtype)
        n, c = x.shape[:2]
        dims = x.shape[2:]
        flat = np.ascontiguousarray(x).reshape(n, c, -1)
        g = grid.reshape(n, -1, 3)
        pz, py, px = (_source(g[..., k], dims[2 - k], padding, align_corners, False)[0] for k in (2, 1, 0))
        if mode == 1:
            xi, yi, zi = (_index(np.rint(v), s) for v, s in ((px, dims[2]), (py, dims[1]), (pz, dims[0])))
            mask = (xi >= 0) & (xi < dims[2]) & (yi >= 0) & (yi < dims[1]) & (zi >= 0) & (zi < dims[0])
            out = _gather(flat, (zi * dims[1] + yi) * dims[2] + xi, mask)
        else:
            out = np.zeros((n, c, g.shape[1]), x.dtype)
            for off, mask, (fx, fy, fz), _ in _corners(px, py, pz, dims):
                wt = (fx * fy) * fz
                # only the corners inside are added (a zero-filled one would turn -0.0 into +0.0)
                out = np.where(mask[:, None], out + _gather(flat, off, mask) * wt[:, None], out)
        return out.reshape((n, c) + grid.shape[1:4])

    @staticmethod
    def backward(ctx, grad):
        x, grid = ctx.saved_tensors
        mode, padding, align_corners = ctx.args
        if grad.size == 0:
            return (np.zeros_like(x) if ctx.needs_input_grad[0] else None,
                    np.zeros_like(grid) if ctx.needs_input_grad[1] else None, None, None, None)
        n, c = x.shape[:2]
        dims = x.shape[2:]
        nd = x.dtype.type
        flat = np.ascontiguousarray(x).reshape(n, c, -1)
        g = grid.reshape(n, -1, 3)
        go = grad.reshape(n, c, -1)
        (px, mx), (py, my), (pz, mz) = (_source(g[..., k], dims[2 - k], padding, align_corners, True)
                                        for k in (0, 1, 2))
        grad_input = None
        if mode == 1:
            if ctx.needs_input_grad[0]:
                xi, yi, zi = (_index(np.rint(v), s) for v, s in ((px, dims[2]), (py, dims[1]), (pz, dims[0])))
                mask = (xi >= 0) & (xi < dims[2]) & (yi >= 0) & (yi < dims[1]) & (zi >= 0) & (zi < dims[0])
                grad_input = _add_at((n, c, flat.shape[2]), [(zi * dims[1] + yi) * dims[2] + xi], [mask], [go])
            grad_grid = np.zeros(grid.shape, x.dtype)
        else:
            corners = _corners(px, py, pz, dims)
            if ctx.needs_input_grad[0]:
                grad_input = _add_at((n, c, flat.shape[2]), [k[0] for k in corners], [k[1] for k in corners],
                                     [((fx * fy) * fz)[:, None] * go for _, _, (fx, fy, fz), _ in corners])
            if not ctx.needs_input_grad[1]:
                return grad_input.reshape(x.shape), None, None, None, None
            gi = [np.zeros(px.shape, nd) for _ in range(3)]
            vals = [_gather(flat, off, mask) for off, mask, _, _ in corners]
            for k in range(c):
                for (off, mask, f, sides), v in zip(corners, vals):
                    vk = v[:, k]
                    for axis in range(3):  # d weight / d axis: the other two factors, signed by the side
                        a, b = [f[i] for i in range(3) if i != axis]
                        t = (vk * a) * b
                        upd = gi[axis] + t * go[:, k] if sides[axis] else gi[axis] - t * go[:, k]
                        gi[axis] = np.where(mask, upd, gi[axis])
            grad_grid = np.stack([mx * gi[0], my * gi[1], mz * gi[2]], -1).reshape(grid.shape)
        if grad_input is not None:
            grad_input = grad_input.reshape(x.shape)
        return grad_input, (grad_grid if ctx.needs_input_grad[1] else None), None, None, None
