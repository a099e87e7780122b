"""Fractional max pooling (Graham, 2014): max over k-sized windows whose starts step by a random, non-integer
stride, so an axis of n inputs shrinks to any o outputs.

Per plane (n, c) and axis, with u = that plane's sample in [0, 1) and alpha = (n - k) / (o - 1) in the input's
float type (torch's generate_intervals):

    start[i] = int((i + u) * alpha) - int(u * alpha)   for i < o - 1,     start[o - 1] = n - k

out = max over the window (the first maximum; a NaN wins, the last NaN); index = its flat position in the plane;
dx[index] += g. Without ``_random_samples`` the samples are drawn as torch draws them,
``rand(N, C, 2 or 3, dtype=input.dtype)`` (N = 1 unbatched), so a seed gives torch's windows.
"""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function

__all__ = ["fractional_max_pool2d", "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]


def _starts(samples: np.ndarray, n: int, o: int, k: int) -> np.ndarray:
    """(planes, o) window starts along one axis, from the planes' samples (math in their float type, half too)."""
    nd = samples.dtype.type
    out = np.empty((samples.shape[0], o), np.int64)
    if o > 1:
        alpha = nd(n - k) / nd(o - 1)
        i = np.arange(o - 1).astype(nd)
        u = samples[:, None]
        out[:, :-1] = ((i + u) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)  # C casts truncate
    if o > 0:
        out[:, -1] = n - k
    return out


class _FractionalMaxPool(Function):
    """out = max over each window (see the module doc);  dx[index] += g"""

    @staticmethod
    def forward(ctx, x, samples, kernel, out_size):
        nd_sp = len(kernel)
        batched = x.ndim == nd_sp + 2
        xb = x if batched else x[None]
        n, c = xb.shape[:2]
        spatial = xb.shape[2:]
        planes = xb.reshape(n * c, int(np.prod(spatial)))
        s = samples[:n].reshape(n * c, nd_sp)
        # torch reads the samples per axis as (W, H) in 2-D but (T, H, W) in 3-D
        order = (1, 0) if nd_sp == 2 else (0, 1, 2)
        start = 0  # each window's first position in its plane, (planes, *out)
        for axis in range(nd_sp):
            st = _starts(s[:, order[axis]], spatial[axis], out_size[axis], kernel[axis])
            shape = [n * c] + [1] * nd_sp
            shape[1 + axis] = out_size[axis]
            start = start + (st * int(np.prod(spatial[axis + 1:]))).reshape(shape)
        out_shape = (n * c,) + tuple(out_size)
        start = np.broadcast_to(start, out_shape)
        # torch's scan, one kernel offset at a time in row-major order (memory stays at one value per window):
        # a value replaces the running max if greater or NaN, so ties keep the first, NaNs the last
        vals, idx = np.full(out_shape, -np.inf, x.dtype), start.copy()
        flat = np.ascontiguousarray(planes).reshape(-1)
        plane_base = (np.arange(n * c) * planes.shape[1]).reshape((n * c,) + (1,) * nd_sp)
        for offset in np.ndindex(*kernel):
            shift = sum(k * int(np.prod(spatial[a + 1:])) for a, k in enumerate(offset))
            v = flat.take(start + (shift + plane_base))
            better = (v > vals) | np.isnan(v)
            np.copyto(vals, v, where=better)
            np.copyto(idx, start + shift, where=better)
        ctx.meta = (x.shape, idx)
        shape = (n, c) + tuple(out_size) if batched else (c,) + tuple(out_size)
        return vals.reshape(shape), idx.reshape(shape).astype(np.int64)

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        shape, idx = ctx.meta
        planes, size = idx.shape[0], int(np.prod(shape[-len(idx.shape) + 1:]))
        flat_idx = (idx.reshape(planes, int(np.prod(idx.shape[1:]))) + (np.arange(planes) * size)[:, None]).ravel()
        g = grad.reshape(-1)
        dx = np.zeros(planes * size, grad.dtype)
        np.add.at(dx, flat_idx, g)  # in output order, rounded in the grad's dtype: torch's sums exactly
        return dx.reshape(shape), None, None, None


class FractionalMaxPool2D(_FractionalMaxPool):
    pass


class FractionalMaxPool3D(_FractionalMaxPool):
    pass


def _tuple(v, n: int) -> tuple:
    return (v,) * n if isinstance(v, (int, float)) else tuple(v)


def _check_samples(input: Tensor, samples: Tensor, nd: int) -> None:
    """torch's fractional_max_pool_check_shape."""
    if samples.dtype != input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if samples.dim() != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {samples.dim()}")
    batched = input.dim() == nd + 2
    batch, channels = (input.shape[0], input.shape[1]) if batched else (1, input.shape[0])
    if samples.shape[0] < batch:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if samples.shape[1] != channels:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples.shape[2] != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got {samples.shape[2]}.")


def _pool(input: Tensor, kernel_size, output_size, samples: Tensor, nd: int):
    """torch._C._nn.fractional_max_pool{2,3}d: the aten op's checks, then the op."""
    name = f"fractional_max_pool{nd}d"
    kernel, out = _tuple(kernel_size, nd), _tuple(output_size, nd)
    what = "tuple of Ints" if nd == 2 else "tuple of three Ints"
    if len(kernel) != nd:
        raise RuntimeError(f"{name}: kernel_size must either be a single Int or {what}")
    if len(out) != nd:
        raise RuntimeError(f"{name}: output_size must either be a single Int or {what}")
    kernel, out = tuple(int(k) for k in kernel), tuple(int(o) for o in out)
    shape = tuple(input.shape)
    if nd == 2:
        if input.dim() not in (3, 4):
            raise RuntimeError(f"fractional_max_pool2d(): Expected 3D or 4D tensor, but got: {list(shape)}")
        for i in range(1, input.dim()):
            if shape[i] <= 0:
                raise RuntimeError("fractional_max_pool2d(): Expected input to have non-zero size for non-batch "
                                   f"dimensions, but got{list(shape)} with dimension {i} being empty.")
        _check_samples(input, samples, nd)
        for o, k, n, what in zip(out, kernel, shape[-2:], ("height", "width")):
            if o + k - 1 > n:
                raise RuntimeError(f"fractional_max_pool2d(): pool {what} {k} too large relative to input {what} {n}")
    else:
        if input.dim() not in (4, 5):
            raise RuntimeError(f"fractional_max_pool3d_out(): Expected 4D or 5D tensor, but got: {list(shape)}")
        for i in range(1, input.dim()):
            if shape[i] <= 0:
                raise RuntimeError("fractional_max_pool3d_out(): Expected input to have non-zero size for non-batch "
                                   f"dimensions, but got{list(shape)} with dimension {i} being empty.")
        _check_samples(input, samples, nd)
        # torch's 3-D check is strict (an exact fit is refused), in the order time, width, height
        for o, k, n, what in ((out[0], kernel[0], shape[-3], "time"), (out[2], kernel[2], shape[-1], "width"),
                              (out[1], kernel[1], shape[-2], "height")):
            if not o + k - 1 < n:
                raise RuntimeError(f"fractional_max_pool3d_out(): pool {what} {k} too large relative to input "
                                   f"{what} {n}")
    # half too: NumPy rounds each float16 op as c10::Half does, so the intervals come out the same
    if input.dtype._scalar_name not in ("Float", "Double", "Half"):
        raise NotImplementedError(f"\"{name}_out_frame\" not implemented for '{input.dtype._scalar_name}'")
    op = FractionalMaxPool2D if nd == 2 else FractionalMaxPool3D
    return op.apply(input, samples.detach().numpy(), kernel, out)


def _with_indices(input: Tensor, kernel_size, output_size, output_ratio, _random_samples, nd: int):
    """torch/nn/functional.py's fractional_max_pool{2,3}d_with_indices."""
    if output_size is None and output_ratio is None:
        raise ValueError(f"fractional_max_pool{nd}d requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if nd == 2 and len(output_ratio) > 2:
            raise ValueError("fractional_max_pool2d requires output_ratio to either be a single Int or tuple of Ints.")
        ratio = _tuple(output_ratio, nd)
        output_size = [int(input.size(-nd + i) * ratio[i]) for i in range(nd)]
    if _random_samples is None:
        from ... import rand
        n_batch = 1 if input.dim() == nd + 1 else input.size(0)
        _random_samples = rand(n_batch, input.size(-nd - 1), nd, dtype=input.dtype, device=input.device)
    return _pool(input, kernel_size, output_size, _random_samples, nd)


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples: Tensor | None = None):
    """(output, indices) of 2-D fractional max pooling over (N, C, H, W) or (C, H, W)."""
    return _with_indices(input, kernel_size, output_size, output_ratio, _random_samples, 2)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples: Tensor | None = None):
    """(output, indices) of 3-D fractional max pooling over (N, C, T, H, W) or (C, T, H, W)."""
    return _with_indices(input, kernel_size, output_size, output_ratio, _random_samples, 3)


def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    """2-D fractional max pooling (see the module doc); with return_indices also the flat h*W + w indices."""
    out, indices = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio, return_indices,
                                                      _random_samples)
    return (out, indices) if return_indices else out


def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    """3-D fractional max pooling (see the module doc); with return_indices also the flat t*H*W + h*W + w."""
    out, indices = fractional_max_pool3d_with_indices(input, kernel_size, output_size, output_ratio, return_indices,
                                                      _random_samples)
    return (out, indices) if return_indices else out
