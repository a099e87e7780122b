"""``F.affine_grid``: the sampling grid of an affine map, for ``grid_sample``.

    grid[n, p, j] = theta[n, j, 0] x_p + theta[n, j, 1] y_p (+ theta[n, j, 2] z_p) + theta[n, j, last]

where (x, y[, z]) run over the output pixels' normalised centres: linspace(-1, 1, s) per axis of s pixels, scaled by
(s - 1) / s unless align_corners (0 for a single pixel). torch builds it as one batched product base (P, k+1) @
thetaᵀ and its backward as baseᵀ @ grad; which kernel runs decides the rounding (see ``_bmm``).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..._tensor import Tensor
from ... import _dtype as D
from ...autograd.function import _NumpyFunction as Function
from ..._range_factories import linspace_values
from ._grid_sample3d import fma

__all__ = ["affine_grid"]


def _axis(steps: int, align_corners: bool, nd) -> np.ndarray:
    """torch's linspace_from_neg_one."""
    if steps <= 1:
        return np.zeros(1, nd)
    r = linspace_values(-1, 1, steps, D.from_numpy_dtype(np.dtype(nd)))
    return r if align_corners else r * nd(steps - 1) / nd(steps)


def _base(spatial: tuple, align_corners: bool, nd) -> np.ndarray:
    """(P, k + 1): the columns x, y[, z], 1 over the output pixels in row-major order."""
    k = len(spatial)
    cols = []
    for axis in range(k):  # x runs along the last spatial dim, y the one before, ...
        dim = k - 1 - axis
        shape = [1] * k
        shape[dim] = spatial[dim]
        cols.append(np.broadcast_to(_axis(spatial[dim], align_corners, nd).reshape(shape), spatial).reshape(-1))
    cols.append(np.ones(math.prod(spatial), nd))
    return np.stack(cols, 1)


def _bmm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a (N, M, K) @ b (N, K, R) as torch's CPU bmm rounds it: under 400 multiply-adds per matrix its own loop
    adds the products in order; larger ones go to BLAS, whose kernels fuse each step (for K <= 4, the grid's
    case, an fma chain; longer sums, the backward's, get NumPy's matmul and may differ in the last bits)."""
    if a.dtype == np.float16:  # half: products summed in float32 (torch's opmath), rounded to half at the end
        return _bmm(a.astype(np.float32), b.astype(np.float32)).astype(np.float16)
    n, m, k = a.shape
    r = b.shape[2]
    if k * m * r < 400:
        acc = a[:, :, 0, None] * b[:, None, 0, :]
        for i in range(1, k):
            acc = acc + a[:, :, i, None] * b[:, None, i, :]
        return acc
    if k <= 4:
        acc = a[:, :, 0, None] * b[:, None, 0, :]
        for i in range(1, k):
            acc = fma(a[:, :, i, None], b[:, None, i, :], acc)
        return acc.astype(a.dtype, copy=False)
    return np.matmul(a, b)


class AffineGridGenerator(Function):
    """grid = base @ thetaᵀ (see the module doc);  dtheta = (baseᵀ @ grad)ᵀ"""

    @staticmethod
    def forward(ctx, theta, size, align_corners):
        spatial = tuple(size[2:])
        base = _base(spatial, align_corners, theta.dtype.type)
        ctx.meta = (base, spatial)
        n = theta.shape[0]
        grid = _bmm(np.broadcast_to(base, (n,) + base.shape), theta.transpose(0, 2, 1))
        return np.ascontiguousarray(grid).reshape((n,) + spatial + (len(spatial),))

    @staticmethod
    def backward(ctx, grad):
        base, spatial = ctx.meta
        n = grad.shape[0]
        g = grad.reshape(n, -1, len(spatial))
        bt = np.broadcast_to(base.T, (n,) + base.T.shape)
        return np.ascontiguousarray(_bmm(bt, g).transpose(0, 2, 1)), None, None


def affine_grid(theta: Tensor, size: list[int], align_corners: bool | None = None) -> Tensor:
    """The (N, H, W, 2) or (N, D, H, W, 3) grid of ``theta`` (N, 2, 3) or (N, 3, 4) for an output ``size``
    (N, C, H, W) or (N, C, D, H, W)."""
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                      "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                      "grid_sample for details.", stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    shape = tuple(theta.shape)
    if len(size) == 4:
        if theta.dim() != 3 or shape[-2] != 2 or shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                             f"Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or shape[-2] != 3 or shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. "
                             f"Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if shape[0] != size[0]:  # torch's bmm refuses the mismatch
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, "
                           f"{len(spatial) + 1}] but got: [{shape[0]}, {shape[2]}].")
    return AffineGridGenerator.apply(theta, tuple(int(s) for s in size), bool(align_corners))
