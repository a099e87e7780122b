"""Upsampling (``F.interpolate``'s nearest, nearest-exact, linear and bilinear modes) over the last one or two dims.

Each output coordinate o reads input coordinates computed as torch computes them, in float32 for float32/16
inputs (torch's opmath) and float64 for float64:

    nearest        i = min(floor(o * s), n - 1)            s = 1/scale_factor if given, else n_in / n_out
    nearest-exact  i = min(floor((o + 0.5) * s), n - 1)
    linear         x = s (o + 0.5) - 0.5 clipped at 0 (align_corners: x = o (n_in - 1)/(n_out - 1)),
                   i0 = floor(x), i1 = min(i0 + 1, n - 1), out = (1 - l) in[i0] + l in[i1],  l = x - i0

Along each dim the map is a sparse (n_out, n_in) matrix M (one 1 per row for nearest, two weights for linear), so
out = M_h x M_w^T and the input grad is M_h^T g M_w: nearest's forward is an exact gather, the linear forward and
every backward are products with these small matrices (the sums over output positions reading one input).
"""
from __future__ import annotations

import numpy as np

import math

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function
from ...autograd.graph_engine import constant, linear_backward

__all__ = ["interpolate", "source_matrix"]

_NAMES = {("nearest", 1): "UpsampleNearest1DBackward0", ("nearest", 2): "UpsampleNearest2DBackward0",
          ("nearest-exact", 1): "UpsampleNearestExact1DBackward0",
          ("nearest-exact", 2): "UpsampleNearestExact2DBackward0",
          ("linear", 1): "UpsampleLinear1DBackward0", ("bilinear", 2): "UpsampleBilinear2DBackward0"}


def _nearest_index(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray:
    o = np.arange(n_out)
    if not exact:  # torch's shortcuts for equal and doubled sizes
        if n_out == n_in:
            return o
        if n_out == 2 * n_in:
            return o >> 1
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(n_in) / np.float32(n_out)
    pos = (o.astype(np.float32) + np.float32(0.5)) if exact else o.astype(np.float32)
    return np.minimum(np.floor(pos * s).astype(np.int64), n_in - 1)


def _linear_weights(n_in: int, n_out: int, scale: float | None, align_corners: bool, ct) -> tuple:
    o = np.arange(n_out).astype(ct)
    if align_corners:
        s = ct(n_in - 1) / ct(n_out - 1) if n_out > 1 else ct(0)
        x = s * o
    else:
        s = ct(1.0 / scale) if scale is not None and scale > 0 else ct(n_in) / ct(n_out)
        x = np.maximum(s * (o + ct(0.5)) - ct(0.5), ct(0))
    i0 = x.astype(np.int64)
    i1 = i0 + (i0 < n_in - 1)
    lam1 = np.clip(x - i0.astype(ct), ct(0), ct(1))
    return i0, i1, ct(1) - lam1, lam1


def source_matrix(mode: str, n_in: int, n_out: int, scale: float | None, align_corners: bool, ct) -> np.ndarray:
    """The (n_out, n_in) matrix M of one dim: out = M @ in along that dim."""
    m = np.zeros((n_out, n_in), ct)
    rows = np.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        m[rows, _nearest_index(n_in, n_out, scale, mode == "nearest-exact")] = 1
    else:
        i0, i1, l0, l1 = _linear_weights(n_in, n_out, scale, align_corners, ct)
        np.add.at(m, (rows, i0), l0)
        np.add.at(m, (rows, i1), l1)
    return m


class _Upsample(Function):
    """out = M_h x M_w^T over the last dims (see the module doc);  dx = M_h^T g M_w"""

    @staticmethod
    def forward(ctx, x, mode, sizes, scales, align_corners):
        ct = np.float64 if x.dtype == np.float64 else np.float32
        nd = len(sizes)
        mats = [source_matrix(mode, n_in, n_out, s, align_corners, ct)
                for n_in, n_out, s in zip(x.shape[-nd:], sizes, scales)]
        ctx.meta = (mats, x.dtype)
        if mode in ("nearest", "nearest-exact"):  # a gather: the values themselves, bit for bit
            idx = [m.argmax(axis=1) for m in mats]
            return x[..., idx[0]] if nd == 1 else x[..., idx[0][:, None], idx[1]]
        xc = x.astype(ct, copy=False)
        out = xc @ mats[-1].T
        if nd == 2:
            out = np.matmul(mats[0], out)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        mats, dtype = ctx.meta
        gc = g.astype(mats[0].dtype, copy=False)
        gx = gc @ mats[-1]
        if len(mats) == 2:
            gx = np.matmul(mats[0].T, gx)
        return gx.astype(dtype, copy=False), None, None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        mats, dtype = ctx.meta
        if mats[0].dtype != dtype:
            return NotImplemented  # (float16 computed in float32)

        def resample(t):  # the op itself, as products with its (constant) source matrices
            out = t @ constant(np.ascontiguousarray(mats[-1].T))
            return constant(mats[0]) @ out if len(mats) == 2 else out
        return linear_backward(ctx, g, resample, 0, 5)


# one op class per torch node (UpsampleBilinear2DBackward0, ...), sharing _Upsample's kernel
_OPS = {key: type(name[:-len("Backward0")], (_Upsample,), {"_backward_name": name}) for key, name in _NAMES.items()}


def _dim_mode_error(nd: int, mode: str) -> NotImplementedError:
    needs = {"linear": 3, "bilinear": 4, "trilinear": 5}
    if mode in needs and 3 <= nd <= 5 and needs[mode] != nd:
        return NotImplementedError(f"Got {nd}D input, but {mode} mode needs {needs[mode]}D input")
    if mode in ("bicubic", "trilinear", "lanczos") or nd == 5:
        return NotImplementedError(f"interpolate(mode={mode!r}) on {nd}D input is not implemented in ember yet "
                                   "(nearest, nearest-exact, area, linear and bilinear are)")
    return NotImplementedError("Input Error: Only 3D, 4D and 5D input Tensors supported"
                               f" (got {nd}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | "
                               f"lanczos | area | nearest-exact (got {mode})")


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims (after N, C) to ``size`` or by ``scale_factor``; see the module doc."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scales = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError("Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(input.shape[2:])} and output size of {size}. "
                                 "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 "(o1, o2, ...,oK) format.")
            if not all(isinstance(v, int) or (isinstance(v, Tensor) and not v.is_floating_point()) for v in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, "
                                f"int], but got size with types {[type(v) for v in size]}")
            sizes = [int(v) for v in size]
        else:
            sizes = [int(size)] * dim
    elif scale_factor is not None:
        sizes = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError("Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of "
                                 f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                                 "format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(v) for v in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and sizes is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        sizes, scales = [int(math.floor(n * s)) for n, s in zip(input.shape[2:], scales)], None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    if antialias:
        raise NotImplementedError("interpolate(antialias=True) is not implemented in ember yet")
    if mode == "area" and dim in (1, 2):
        from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d
        return (adaptive_avg_pool1d if dim == 1 else adaptive_avg_pool2d)(input, sizes if dim == 2 else sizes[0])
    op = _OPS.get((mode, dim))
    if op is None:
        raise _dim_mode_error(input.dim(), mode)
    if sizes is None:  # torch's output size from a scale factor: floor(n * s), the scale kept for the indices
        sizes = [int(math.floor(n * s)) for n, s in zip(input.shape[2:], scales)]
    if scales is None:
        scales = [None] * dim
    return op.apply(input, mode, tuple(sizes), tuple(scales), bool(align_corners))
