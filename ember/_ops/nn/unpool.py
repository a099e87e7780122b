"""Max unpooling, the partial inverse of max pooling: each value goes back to the flat position its index names in
a zero output plane.

    out[n, c, indices[n, c, i]] = input[n, c, i]     (a later value wins where indices repeat)
    d input[n, c, i] = g[n, c, indices[n, c, i]]      (a gather, as torch's max_pool_double_backward)

torch runs the 2-D and 3-D kernels as one node each (MaxUnpool2DBackward0, MaxUnpool3DBackward0); max_unpool1d is
the 2-D op on ``input.unsqueeze(-1)``, squeezed back. The output size comes from torch's ``_unpool_output_size``:
(in - 1) * stride + kernel - 2 * padding, or a given output_size within one stride of that.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _ntuple(x, n: int) -> tuple:
    """torch's _single/_pair/_triple: an iterable as it is, anything else repeated n times."""
    return tuple(x) if isinstance(x, Iterable) else (x,) * n


class MaxUnpool2D(Function):
    """Scatter each (C, H, W) plane's values to their flat indices in a zero (oh, ow) plane; backward gathers."""

    _edge_rules = ((), (1,))  # indices are no input of torch's node

    @staticmethod
    def forward(ctx, x, indices, size):
        nd = len(size)
        lead = x.shape[:-nd]
        planes, plane_in, plane_out = math.prod(lead), math.prod(x.shape[-nd:]), math.prod(size)
        out = np.zeros((planes, plane_out), x.dtype)
        idx = indices.reshape(planes, plane_in)
        ctx.meta = (x.shape, idx, plane_out)
        ctx.size = size
        if out.size:  # torch skips the kernel (and its index check) for an empty output
            bad = (idx < 0) | (idx >= plane_out)
            if bad.any():
                # torch's serial scan keeps the last bad index it met
                last = idx.ravel()[np.flatnonzero(bad.ravel())[-1]]
                dims = "x".join(str(s) for s in size)
                raise RuntimeError(f"Found an invalid max index: {last} (output volumes are of size {dims})")
            out[np.arange(planes)[:, None], idx] = x.reshape(planes, plane_in)
        return out.reshape(lead + tuple(size))

    @staticmethod
    def backward(ctx, grad):
        shape, idx, plane_out = ctx.meta
        if not plane_out:
            if idx.size:  # torch gathers from the flattened empty planes, which fails the same way
                lead = grad.ndim - len(ctx.size)
                raise RuntimeError(f"index {idx.flat[0]} is out of bounds for dimension {lead} with size 0")
            return np.zeros(shape, grad.dtype), None, None
        g = np.ascontiguousarray(grad).reshape(idx.shape[0], plane_out)
        return np.take_along_axis(g, idx, 1).reshape(shape), None, None


class MaxUnpool3D(MaxUnpool2D):
    """The same scatter over (C, D, H, W) planes (torch's MaxUnpool3DBackward0)."""


def _unpool_output_size(input: Tensor, kernel_size: tuple, stride: tuple, padding: tuple, output_size) -> list:
    """torch's _unpool_output_size: the default size, or output_size (2 leading dims dropped) checked to lie
    strictly within one stride of it."""
    input_size = input.size()
    default_size = []
    for d in range(len(kernel_size)):
        default_size.append((input_size[-len(kernel_size) + d] - 1) * stride[d] + kernel_size[d] - 2 * padding[d])
    if output_size is None:
        ret = default_size
    else:
        if len(output_size) == len(kernel_size) + 2:
            output_size = output_size[2:]
        if len(output_size) != len(kernel_size):
            raise ValueError(f"output_size should be a sequence containing {len(kernel_size)} or "
                             f"{len(kernel_size) + 2} elements, but it has a length of '{len(output_size)}'")
        for d in range(len(kernel_size)):
            min_size = default_size[d] - stride[d]
            max_size = default_size[d] + stride[d]
            if not (min_size < output_size[d] < max_size):
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {min_size} and '
                                 f'{max_size})')
        ret = output_size
    for d in range(len(kernel_size)):
        if ret[d] < 0:
            raise ValueError("max_unpooling: output_size must contain non-negative spatial dimensions, but got "
                             f"output_size[{d}]={ret[d]}")
    return ret


def _check_common(input: Tensor, indices: Tensor, nd: int, int64_suffix: bool) -> None:
    """The checks torch's 2-D and 3-D kernels share, in their order: index dtype, rank, shapes, empty planes."""
    if indices.dtype._scalar_name != "Long":
        suffix = f" but got: {indices.dtype._scalar_name}" if int64_suffix else ""
        raise RuntimeError(f"elements in indices should be type int64{suffix}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d Tensor, but got a tensor "
                           f"with {input.dim()} dimensions.")
    if tuple(input.shape) != tuple(indices.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
                           f"but got indices tensor with shape: {list(indices.shape)}")
    for i in range(1, input.dim()):
        if input.shape[i] == 0:
            raise RuntimeError(f"max_unpooling{nd}d_forward_out_cpu(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but got {list(input.shape)} with dimension {i} being empty.")


def _check_dtype(input: Tensor, size, fn: str) -> None:
    lead = input.shape[:input.dim() - len(size)]
    if math.prod(lead) * math.prod(size) and not input.dtype.is_floating_point:  # the kernel's dispatch
        raise NotImplementedError(f"\"{fn}\" not implemented for '{input.dtype._scalar_name}'")


def _int_sizes(size, fn: str) -> tuple[int, ...]:
    """torch's argument parser on the aten op's output_size: ints only (its message differs for a first element)."""
    for pos, s in enumerate(size):
        if isinstance(s, bool) or not hasattr(s, "__index__"):
            if pos == 0:
                raise TypeError(f"{fn}(): argument 'output_size' (position 3) must be tuple of ints, but found element "
                                f"of type {type(s).__name__} at pos 0")
            raise TypeError(f"{fn}(): argument 'output_size' failed to unpack the object at pos {pos + 1} with error "
                            f"\"type must be tuple of ints,but got {type(s).__name__}\"")
    return tuple(int(s) for s in size)


def _max_unpool2d(input: Tensor, indices: Tensor, size) -> Tensor:
    """torch's aten max_unpool2d(input, indices, output_size)."""
    size = _int_sizes(size, "max_unpool2d")
    _check_common(input, indices, 2, True)
    _check_dtype(input, size, "max_unpool2d")
    return MaxUnpool2D.apply(input, indices, size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """max_unpool2d over a width-1 view: (N, C, L) -> (N, C, L, 1) -> unpool to (out, 1) -> squeeze."""
    kernel_size = _ntuple(kernel_size, 1)
    stride = _ntuple(stride, 1) if stride is not None else kernel_size
    padding = _ntuple(padding, 1)
    size = _unpool_output_size(input, kernel_size, stride, padding, output_size)
    size = list(size) + [1]
    return _max_unpool2d(input.unsqueeze(-1), indices.unsqueeze(-1), size).squeeze(-1)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Each value of (N, C, H, W) or (C, H, W) placed at its flat h*W + w index in a zero output (see module doc)."""
    kernel_size = _ntuple(kernel_size, 2)
    stride = _ntuple(stride, 2) if stride is not None else kernel_size
    padding = _ntuple(padding, 2)
    size = _unpool_output_size(input, kernel_size, stride, padding, output_size)
    return _max_unpool2d(input, indices, size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Each value of (N, C, D, H, W) or (C, D, H, W) placed at its flat (d*H + h)*W + w index in a zero output."""
    kernel_size = _ntuple(kernel_size, 3)
    stride = _ntuple(stride, 3) if stride is not None else kernel_size
    padding = _ntuple(padding, 3)
    size = _int_sizes(_unpool_output_size(input, kernel_size, stride, padding, output_size), "max_unpool3d")
    _check_common(input, indices, 3, False)
    if not all(s > 0 for s in stride):
        raise RuntimeError(f"strides should be greater than zero, but got stride: {list(stride)}")
    _check_dtype(input, size, "max_unpool3d")
    return MaxUnpool3D.apply(input, indices, size)
