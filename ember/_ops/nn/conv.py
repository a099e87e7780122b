"""conv1d / conv2d (any number of spatial dims underneath) as one ``convolution`` node (ConvolutionBackward0).

Forward is im2col: a strided window view of the zero-padded input (no copy until the matmul) and one tensordot
per group. Backward is the same two contractions turned around, plus a scatter of the column gradient back onto
the input, one kernel offset at a time.
"""
from __future__ import annotations

import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function
from .padding import ConstantPadNd

__all__ = ["conv1d", "conv2d", "convolution"]

_warned_same = False


def _windows(xp: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple) -> np.ndarray:
    """View (N, C, *out, *kernel) of the padded input: element [n, c, o.., k..] = xp[n, c, o*s + k*d ..]."""
    nd = len(kernel)
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    win = sliding_window_view(xp, span, axis=tuple(range(2, 2 + nd)))
    sel = (slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride) \
        + tuple(slice(None, None, d) for d in dilation)
    return win[sel]


class Convolution(Function):
    """out[n, o, p] = bias[o] + sum_{c in group(o), k} weight[o, c, k] * xpad[n, c, p*stride + k*dilation]

    With cols[n, c, p, k] = xpad[n, c, p*stride + k*dilation] (the im2col view), per group:
        out = cols . weight  (contract c, k);   dweight = g . cols  (contract n, p);   dbias = sum_{n, p} g
        dcols = g . weight (contract o), scattered back: dxpad[n, c, p*stride + k*dilation] += dcols[n, c, p, k]
    """

    _edge_rules = ((2,), ())  # an absent bias still shows as (None, 0), as in torch

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        nd = x.ndim - 2
        kernel = weight.shape[2:]
        xp = np.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in padding)) if any(padding) else x
        cols = _windows(xp, kernel, stride, dilation)
        out_c, cg = weight.shape[0], weight.shape[1]
        og = out_c // groups
        k_axes = tuple(range(2 + nd, 2 + 2 * nd))
        parts = []
        for g in range(groups):
            # (N, cg, *out, *k) . (og, cg, *k) -> (N, *out, og): tensordot copies the window view once (im2col)
            part = np.tensordot(cols[:, g * cg:(g + 1) * cg], weight[g * og:(g + 1) * og],
                                axes=((1,) + k_axes, (1,) + tuple(range(2, 2 + nd))))
            parts.append(part)
        out = parts[0] if groups == 1 else np.concatenate(parts, axis=-1)
        out = np.moveaxis(out, -1, 1)
        if bias is not None:
            out = out + bias.reshape((-1,) + (1,) * nd)
        ctx.save_for_backward(xp, weight)
        ctx.meta = (x.shape, stride, padding, dilation, groups, bias is not None)
        return np.ascontiguousarray(out, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        xp, weight = ctx.saved_tensors
        x_shape, stride, padding, dilation, groups, has_bias = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        nd = len(stride)
        kernel = weight.shape[2:]
        out_c, cg = weight.shape[0], weight.shape[1]
        og = out_c // groups
        out_sp = grad.shape[2:]
        sp_axes = tuple(range(2, 2 + nd))
        grad_input = grad_weight = grad_bias = None
        if need_b and has_bias:
            grad_bias = grad.sum(axis=(0,) + sp_axes)
        if need_w:
            cols = _windows(xp, kernel, stride, dilation)
            grad_weight = np.empty_like(weight)
            for g in range(groups):
                # (N, og, *out) . (N, cg, *out, *k) -> (og, cg, *k)
                grad_weight[g * og:(g + 1) * og] = np.tensordot(
                    grad[:, g * og:(g + 1) * og], cols[:, g * cg:(g + 1) * cg], axes=((0,) + sp_axes, (0,) + sp_axes))
        if need_x:
            gxp = np.zeros(xp.shape, dtype=xp.dtype)
            for g in range(groups):
                # (N, og, *out) . (og, cg, *k) -> (N, *out, cg, *k)
                dcols = np.tensordot(grad[:, g * og:(g + 1) * og], weight[g * og:(g + 1) * og], axes=((1,), (0,)))
                dcols = np.moveaxis(dcols, 1 + nd, 1)  # (N, cg, *out, *k)
                target = gxp[:, g * cg:(g + 1) * cg]
                # overlapping windows: add one kernel offset at a time, each a strided slab without overlap
                for k in np.ndindex(*kernel):
                    sl = tuple(slice(ki * d, ki * d + s * (o - 1) + 1, s)
                               for ki, d, s, o in zip(k, dilation, stride, out_sp))
                    target[(slice(None), slice(None)) + sl] += dcols[(Ellipsis,) + k]
            grad_input = gxp[(slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in zip(padding, x_shape[2:]))]
        return grad_input, grad_weight, grad_bias, None, None, None, None


# --- argument checks and the public wrappers --------------------------------------------------------

def _expand(name: str, value, dims: int, k: int) -> tuple:
    """torch's argument parser first widens an int (or a 1-list) to the function's ``dims``; the check is then
    against the weight's spatial rank ``k``."""
    v = (value,) if isinstance(value, int) else tuple(value)
    if len(v) == 1:
        v = v * dims
    if len(v) != k:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {k} values to match the "
                           f"convolution dimensions, but got {name}={list(v)}")
    return tuple(int(i) for i in v)


def _shape_str(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check(input: Tensor, weight: Tensor, bias: Tensor | None, padding: tuple, dilation: tuple, groups: int) -> None:
    """torch's check_input_shape_forward: groups, channels, bias, then kernel against the padded input."""
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    ws = tuple(weight.shape)
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{_shape_str(ws)}] instead")
    if input.shape[1] != ws[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {_shape_str(ws)}, expected input"
                           f"{_shape_str(input.shape)} to have {ws[1] * groups} channels, but got {input.shape[1]} "
                           "channels instead")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != ws[0]):
        raise RuntimeError(f"Given weight of size {_shape_str(ws)}, expected bias to be 1-dimensional with {ws[0]} "
                           f"elements, but got bias of size {_shape_str(bias.shape)} instead")
    padded = [n + 2 * p for n, p in zip(input.shape[2:], padding)]
    span = [d * (k - 1) + 1 for k, d in zip(ws[2:], dilation)]
    if any(s > n for s, n in zip(span, padded)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, span))}). Kernel size can't be greater than actual input size")
    if input.dtype != weight.dtype:
        # torch's wording depends on the backend it picked (mkldnn for some float32 sizes); this is the slow path's
        if input.dtype._scalar_name == "Half":
            raise RuntimeError(f"Input type ({input.type()}) and weight type ({weight.type()}) should be the same or "
                               "input should be a MKLDNN tensor and weight is a dense tensor")
        raise RuntimeError(f"expected scalar type {input.dtype._scalar_name} but found {weight.dtype._scalar_name}")
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"Input type ({input.dtype._scalar_name.lower()}) and bias type "
                           f"({bias.dtype._scalar_name.lower()}) should be the same")


def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, dilation, groups: int,
                dims: int) -> Tensor:
    """Shared body of conv1d/conv2d (``dims`` spatial dims)."""
    k = weight.dim() - 2
    batched = dims + 2
    if input.dim() not in (batched - 1, batched):
        raise RuntimeError(f"Expected {batched - 1}D (unbatched) or {batched}D (batched) input to conv{dims}d, but got "
                           f"input of size: {_shape_str(input.shape)}")
    stride = _expand("stride", stride, dims, k)
    dilation = _expand("dilation", dilation, dims, k)
    pre_pad = None
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * k
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = [d * (n - 1) for d, n in zip(dilation, weight.shape[2:])]
            padding = tuple(t // 2 for t in total)
            extra = [t - 2 * p for t, p in zip(total, padding)]
            if any(extra):
                global _warned_same
                if not _warned_same:  # a TORCH_WARN_ONCE in torch
                    _warned_same = True
                    warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require a "
                                  "zero-padded copy of the input be created", stacklevel=3)
                # the odd one out goes on the right, padded in a separate node as torch does
                pre_pad = tuple(v for e in reversed(extra) for v in (0, e))
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        padding = _expand("padding", padding, dims, k)
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    unbatched = input.dim() == batched - 1
    if unbatched:
        input = input.unsqueeze(0)
    if pre_pad is not None:
        input = ConstantPadNd.apply(input, pre_pad, 0)
    _check(input, weight, bias, padding, dilation, groups)
    out = Convolution.apply(input, weight, bias, stride, padding, dilation, groups)
    return out.squeeze(0) if unbatched else out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C_in, L) or (C_in, L) with weight (C_out, C_in/groups, k)."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) of (N, C_in, H, W) or (C_in, H, W) with weight (C_out, C_in/groups, kh, kw)."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, 2)
