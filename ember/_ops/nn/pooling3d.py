"""max/avg/adaptive pooling over 3 spatial dims (D, H, W), one node each as in torch: MaxPool3DWithIndicesBackward0,
AvgPool3DBackward0, AdaptiveAvgPool3DBackward0 (MeanBackward1 for a 1x1x1 output), AdaptiveMaxPool3DBackward0.

The windows are read one kernel offset at a time: offset k's values for every output position are one strided slab
of the padded input, so a pool is a loop over the kd*kh*kw offsets of elementwise operations on output-sized arrays
(the scan order of torch's kernels, so ties, NaNs and sums come out as in torch). Indices are flat positions
(d*H + h)*W + w within each (D, H, W) volume."""
from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function
from ...autograd.graph_engine import constant, linear_backward
from .pooling import _adaptive_matrix, _adaptive_windows, _avg_divisor, _out_size, max_pool_graph_grad

__all__ = ["max_pool3d", "max_pool3d_with_indices", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
           "adaptive_max_pool3d_with_indices"]


def _slab(k: tuple, stride: tuple, dilation: tuple, out: tuple) -> tuple:
    """Slices of the padded (N, C, D, H, W) input read by kernel offset k: positions o*stride + k*dilation."""
    return (slice(None), slice(None)) + tuple(slice(ki * d, ki * d + (o - 1) * s + 1, s)
                                               for ki, d, s, o in zip(k, dilation, stride, out))


def _padded(x5: np.ndarray, kernel, stride, padding, dilation, out, fill) -> np.ndarray:
    """x5 padded with ``fill``: ``padding`` on the left, and on the right as much as the last window reaches (with
    ceil_mode it may end past the right padding)."""
    pads = [(p, max((o - 1) * s + d * (k - 1) + 1 - n - p, 0))
            for n, k, s, p, d, o in zip(x5.shape[2:], kernel, stride, padding, dilation, out)]
    if not any(a or b for a, b in pads):
        return x5
    return np.pad(x5, ((0, 0), (0, 0), *pads), constant_values=fill)


def _flat_grad(grad: np.ndarray, indices: np.ndarray, shape: tuple) -> np.ndarray:
    """dx[n, c, indices[n, c, o]] += grad[n, c, o] over the (D, H, W) volumes of an input shaped ``shape``."""
    vol = math.prod(shape[-3:])
    planes = math.prod(shape[:-3])
    base = (np.arange(planes, dtype=np.int64) * vol).reshape(indices.shape[:-3] + (1, 1, 1))
    flat = np.bincount((indices + base).ravel(), weights=grad.ravel(), minlength=planes * vol)
    return flat.astype(grad.dtype, copy=False).reshape(shape)


# --- max pooling ---------------------------------------------------------------------------------

class MaxPool3DWithIndices(Function):
    """out[n, c, o] = max of x over the window of o (padding never wins);  index = its flat position;  dx[index] += g.

    torch's scan: start at -inf with the window's first in-bounds position, then take v where v > best or v is NaN
    (so ties keep the first maximum, NaNs the last NaN; a window of -inf reports its first in-bounds position)."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out):
        x5 = x if x.ndim == 5 else x[None]
        fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xp = _padded(x5, kernel, stride, padding, dilation, out, fill)
        starts = [np.arange(o) * s - p for o, s, p in zip(out, stride, padding)]
        first = [np.maximum(-(r // d), 0) for r, d in zip(starts, dilation)]  # smallest k with r + k*d >= 0
        kd, kh, kw = kernel
        k_first = (first[0][:, None, None] * kh + first[1][None, :, None]) * kw + first[2][None, None, :]
        shape = x5.shape[:2] + tuple(out)
        best = np.full(shape, fill, x.dtype)
        k_idx = np.empty(shape, np.int64)
        k_idx[...] = k_first
        upd = np.empty(shape, bool)
        for i, k in enumerate(np.ndindex(*kernel)):
            v = xp[_slab(k, stride, dilation, out)]
            np.greater(v, best, out=upd)
            if x.dtype.kind == "f":
                upd |= np.isnan(v)
            np.copyto(best, v, where=upd)
            np.copyto(k_idx, i, where=upd)
        d, h, w = x5.shape[2:]
        pos = [r.reshape(sh) + kk * dl for r, sh, kk, dl in zip(
            starts, ((-1, 1, 1), (-1, 1), (-1,)), (k_idx // (kh * kw), k_idx // kw % kh, k_idx % kw), dilation)]
        indices = (pos[0] * h + pos[1]) * w + pos[2]
        ctx.meta = (x.shape, indices)
        return (best, indices) if x.ndim == 5 else (best[0], indices[0])

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        shape, indices = ctx.meta
        g = grad if len(shape) == 5 else grad[None]
        dx = _flat_grad(g, indices, (g.shape[0],) + tuple(shape[-4:]))
        return dx.reshape(shape), None, None, None, None, None

    @staticmethod
    def differentiable_backward(ctx, grad, _grad_indices=None):
        shape, indices = ctx.meta
        return (max_pool_graph_grad(grad, shape, indices, 3),) + (None,) * 5


def _triple(name: str, value, message: str, allow_empty: bool = False) -> tuple:
    """An int, or a list of one or three ints (stride may be empty: the kernel's)."""
    v = (value,) if isinstance(value, int) else tuple(value)
    if len(v) == 1:
        v = v * 3
    if len(v) != 3 and not (allow_empty and len(v) == 0):
        raise RuntimeError(message.format(name))
    return tuple(int(i) for i in v)


def _pool3d_geometry(input: Tensor, kernel, stride, padding, dilation, ceil_mode: bool, fn_name: str,
                     check_input_size: bool = False) -> tuple:
    """torch's pooling_output_shape per dim (T, H, W), then pool3d_shape_check, in its order; returns (od, oh, ow)."""
    out = tuple(_checked_out_size(n, k, s, p, d, ceil_mode)
                for n, k, s, p, d in zip(input.shape[-3:], kernel, stride, padding, dilation))
    (kt, kh, kw), (st, sh, sw), (dt, dh, dw) = kernel, stride, dilation
    if min(kernel) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kT: {kt} kH: {kh} kW: {kw}")
    if min(stride) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dT: {st} dH: {sh} dW: {sw}")
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationT: {dt} dilationH: {dh} "
                           f"dilationW: {dw}")
    shape = tuple(input.shape)
    for i, n in enumerate(shape):
        if n <= 0 and not (len(shape) == 5 and i == 0):
            # torch prints the dimension's length (always 0) where it means to print its number
            raise RuntimeError(f"{fn_name}: Expected input's non-batch dimensions to have positive length, but input "
                               f"has a shape of {list(shape)} and non-batch dimension {n} has length zero!")
    t, h, w = shape[-3:]
    if check_input_size and (t < kt or h < kh or w < kw):
        raise RuntimeError(f"input image (T: {t} H: {h} W: {w}) smaller than kernel size (kT: {kt} kH: {kh} kW: {kw})")
    pt, ph, pw = padding
    if kt // 2 < pt or kw // 2 < pw or kh // 2 < ph:
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got kT: {kt} kW: {kw} "
                           f"kH: {kh} padT: {pt} padW: {pw} padH: {ph}")
    if min(out) < 1:
        c = shape[-4]
        raise RuntimeError(f"Given input size: ({c}x{t}x{h}x{w}). Calculated output size: ({c}x{out[0]}x{out[1]}x"
                           f"{out[2]}). Output size is too small")
    return out


def _checked_out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's pooling_output_shape with its argument checks."""
    if s == 0:
        raise RuntimeError("stride should not be zero")
    if p < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
    if p > (d * (k - 1) + 1) // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} "
                           f"and dilation={d}")
    return _out_size(n, k, s, p, d, ceil_mode)


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over each (dilated) kd x kh x kw window of (N, C, D, H, W) or (C, D, H, W); with return_indices also
    the flat (d*H + h)*W + w position of each max."""
    msg = "max_pool3d: {} must either be a single int, or a tuple of three ints"
    kernel = _triple("kernel_size", kernel_size, msg)
    stride = _triple("stride", () if stride is None else stride,
                     "max_pool3d: {} must either be omitted, a single int, or a tuple of three ints", True) or kernel
    padding = _triple("padding", padding, msg)
    dilation = _triple("dilation", dilation, "max_pool3d: {} must be either a single int, or a tuple of three ints")
    if input.dim() not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    out = _pool3d_geometry(input, kernel, stride, padding, dilation, ceil_mode,
                           "max_pool3d_with_indices_out_cpu_template()")
    if input.dtype._scalar_name == "Bool":
        raise NotImplementedError("\"max_pool3d\" not implemented for 'Bool'")
    res, indices = MaxPool3DWithIndices.apply(input, kernel, stride, padding, dilation, out)
    return (res, indices) if return_indices else res


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = True):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# --- average pooling -----------------------------------------------------------------------------

class AvgPool3D(Function):
    """out[n, c, o] = (sum of the window of o, zeros outside the input) / divisor, the divisor being
    divisor_override, or the window's volume clipped to the padded input (count_include_pad), or its in-bounds
    volume;  dx[window of o] += g[o] / divisor."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, out, count_include_pad, divisor_override):
        x5 = x if x.ndim == 5 else x[None]
        ones = (1, 1, 1)
        xp = _padded(x5, kernel, stride, padding, ones, out, 0)
        total = np.zeros(x5.shape[:2] + tuple(out), x.dtype)
        for k in np.ndindex(*kernel):  # torch's summation order: (d, h, w) row-major within the window
            total += xp[_slab(k, stride, ones, out)]
        if divisor_override:
            div = np.asarray(divisor_override)
        else:
            dd, dh, dw = (_avg_divisor(n, o, k, s, p, count_include_pad)
                          for n, o, k, s, p in zip(x5.shape[2:], out, kernel, stride, padding))
            div = dd[:, None, None] * dh[None, :, None] * dw[None, None, :]
        if x.dtype.kind == "f":
            res = total / div.astype(x.dtype)
        else:  # integer input: C's division, truncating toward zero
            res = (np.abs(total) // div * np.sign(total)).astype(x.dtype)
        ctx.meta = (x.shape, kernel, stride, padding, out, div)
        return res if x.ndim == 5 else res[0]

    @staticmethod
    def backward(ctx, grad):
        shape, kernel, stride, padding, out, div = ctx.meta
        g = grad if len(shape) == 5 else grad[None]
        gd = g / div.astype(g.dtype)
        n, c, d, h, w = (g.shape[0],) + tuple(shape[-4:])
        ones = (1, 1, 1)
        big = tuple(max((o - 1) * s + k, m + p) for o, s, k, m, p in zip(out, stride, kernel, (d, h, w), padding))
        gxp = np.zeros((n, c) + big, g.dtype)
        for k in np.ndindex(*kernel):  # windows overlap, but one offset's slab has no repeats
            gxp[_slab(k, stride, ones, out)] += gd
        pd, ph, pw = padding
        return gxp[:, :, pd:pd + d, ph:ph + h, pw:pw + w].reshape(shape), None, None, None, None, None, None

    @staticmethod
    def differentiable_backward(ctx, grad):
        shape, kernel, stride, padding, out, div = ctx.meta
        divisor = constant(np.asarray(div, grad._data.dtype))

        def pool(t):  # the op itself: window sums (divisor 1) over the same divisors
            return AvgPool3D.apply(t, kernel, stride, padding, out, True, 1) / divisor
        return linear_backward(ctx, grad, pool, 0, 7)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over each kd x kh x kw window of (N, C, D, H, W) or (C, D, H, W) (see AvgPool3D for the divisor)."""
    kernel = _triple("kernel_size", kernel_size, "avg_pool3d: {} must be a single int, or a tuple of three ints")
    stride = _triple("stride", () if stride is None else stride,
                     "avg_pool3d: {} must be omitted, a single int, or a tuple of three ints", True) or kernel
    padding = _triple("padding", padding, "avg_pool3d: {} must be a single int, or a tuple of three ints")
    if input.dim() not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    out = _pool3d_geometry(input, kernel, stride, padding, (1, 1, 1), ceil_mode, "avg_pool3d()",
                           check_input_size=True)
    name = input.dtype._scalar_name
    if not (input.dtype.is_floating_point or name == "Long") or name == "Half":
        raise NotImplementedError(f"\"avg_pool3d_out_frame\" not implemented for '{name}'")
    return AvgPool3D.apply(input, kernel, stride, padding, out, count_include_pad, divisor_override)


# --- adaptive pooling ----------------------------------------------------------------------------

def _list_with_default(output_size, input: Tensor):
    """torch.nn.functional's _list_with_default: None entries take the input's size."""
    if isinstance(output_size, int):
        return output_size
    size = tuple(output_size)
    if input.dim() <= len(size):
        raise ValueError(f"Input dimension should be at least {len(size) + 1}")
    return tuple(input.shape[-len(size):][i] if v is None else v for i, v in enumerate(size))


def _check_grad(grad: np.ndarray, fn: str) -> None:
    """torch's adaptive backward kernels refuse an empty output (an output_size with a 0)."""
    for d in range(1, grad.ndim):
        if grad.shape[d] == 0:
            raise RuntimeError(f"{fn}(): Expected grad_output to have non-zero size for non-batch dimensions, but "
                               f"grad_output has sizes {list(grad.shape)} with dimension {d} being empty")


def _not_implemented(input: Tensor, fn: str) -> None:
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{fn}\" not implemented for '{input.dtype._scalar_name}'")


class AdaptiveAvgPool3D(Function):
    """out[.., i, j, l] = sum of x over the windows [floor(i D/od), ceil((i+1) D/od)) x (same for H, W) / kd / kh / kw:
    the sums as products with 0/1 window matrices, one axis at a time;  dx = the transposed products of g / sizes."""

    @staticmethod
    def forward(ctx, x, size):
        acc = np.float32 if x.dtype == np.float16 else x.dtype
        mats = [_adaptive_matrix(n, o, acc) for n, o in zip(x.shape[-3:], size)]
        total = _apply_axes(x.astype(acc, copy=False), mats)
        kd, kh, kw = (m.sum(1) for m in mats)
        ctx.meta = (mats, (kd[:, None, None], kh[:, None], kw))
        # torch divides by each window side in turn
        return (total / kd[:, None, None] / kh[:, None] / kw).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        mats, (kd, kh, kw) = ctx.meta
        _check_grad(grad, "adaptive_avg_pool3d_backward")
        gd = grad.astype(mats[0].dtype, copy=False) / kd / kh / kw
        return _apply_axes(gd, [m.T for m in mats]).astype(grad.dtype, copy=False), None

    @staticmethod
    def differentiable_backward(ctx, grad):
        size = tuple(m.shape[0] for m in ctx.meta[0])
        return linear_backward(ctx, grad, lambda t: AdaptiveAvgPool3D.apply(t, size), 0, 2)


def _apply_axes(x: np.ndarray, mats: list) -> np.ndarray:
    """x (..., D, H, W) with (D, H, W) mapped by the matrices (a, D), (b, H), (c, W): (..., a, b, c)."""
    lead = x.shape[:-3]
    md, mh, mw = mats
    t = x @ mw.T                                      # (..., D, H, c)
    t = mh @ t                                        # (..., D, b, c)
    t = t.reshape((math.prod(lead),) + t.shape[-3:])
    t = md @ t.reshape(t.shape[0], t.shape[1], t.shape[2] * t.shape[3])  # (n, a, b*c)
    return t.reshape(lead + (md.shape[0], mh.shape[0], mw.shape[0]))


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average over the windows that split D, H and W into output_size nearly equal, possibly overlapping parts
    (None in output_size keeps that input size)."""
    size = _list_with_default(output_size, input)
    size = (size,) * 3 if isinstance(size, int) else size
    if len(size) != 3:
        raise RuntimeError("adaptive_avg_pool3d: output_size must be 3")
    if any(v < 0 for v in size):
        raise RuntimeError("adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{size[0]}, {size[1]},{size[2]}}}")
    if size == (1, 1, 1):
        return input.mean((-1, -2, -3), keepdim=True)  # torch's shortcut (MeanBackward1)
    for d in range(1, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError("adaptive_avg_pool3d(): Expected input to have non-zero size for non-batch dimensions, "
                               f"but input has sizes {list(input.shape)} with dimension {d} being empty")
    if input.dim() not in (4, 5):
        raise RuntimeError(f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got {list(input.shape)}")
    _not_implemented(input, "adaptive_avg_pool3d_cpu")
    return AdaptiveAvgPool3D.apply(input, size)


class AdaptiveMaxPool3D(Function):
    """out[n, c, i, j, l] = max of window (i, j, l) (see _adaptive_windows);  index = its flat position;
    dx[index] += g (windows may overlap).

    torch scans each window in (d, h, w) order keeping v when v > best or v is NaN. That row-major scan splits
    by axis: reduce W within each row, then the rows' results over H, then over D, each step keeping the first
    strict maximum (or the last NaN) and starting from the window's first position."""

    @staticmethod
    def forward(ctx, x, size):
        x5 = x if x.ndim == 5 else x[None]
        d, h, w = x5.shape[2:]
        best, index = x5, np.broadcast_to(np.int64(0), x5.shape)
        for axis, n, o, scale in ((4, w, size[2], 1), (3, h, size[1], w), (2, d, size[0], h * w)):
            best, index = _adaptive_max_axis(best, index, axis, n, o, scale)
        ctx.meta = (x.shape, index)
        return (best, index) if x.ndim == 5 else (best[0], index[0])

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        shape, index = ctx.meta
        _check_grad(grad, "adaptive_max_pool3d_backward")
        g = grad if len(shape) == 5 else grad[None]
        return _flat_grad(g, index, (g.shape[0],) + tuple(shape[-4:])).reshape(shape), None

    @staticmethod
    def differentiable_backward(ctx, grad, _grad_indices=None):
        shape, index = ctx.meta
        return max_pool_graph_grad(grad, shape, index, 3), None


def _adaptive_max_axis(v: np.ndarray, index: np.ndarray, axis: int, n: int, o: int, scale: int) -> tuple:
    """One step of AdaptiveMaxPool3D's scan along ``axis``: per window [s, e), the first strict maximum (or the last
    NaN) of v over j = s..e-1, starting from -inf at j = s, and its flat index index[.., j, ..] + j * scale."""
    shape = list(v.shape)
    shape[axis] = o
    best = np.empty(shape, v.dtype)
    out_index = np.empty(shape, np.int64)
    at = [slice(None)] * v.ndim

    def row(j: int) -> tuple:
        at[axis] = j
        return tuple(at)

    for i, (s, e) in enumerate(_adaptive_windows(n, o)):
        b = np.full(v[row(s)].shape, -np.inf, v.dtype)
        k = index[row(s)] + s * scale
        for j in range(s, e):
            val = v[row(j)]
            upd = (val > b) | np.isnan(val)
            np.copyto(b, val, where=upd)
            k = np.where(upd, index[row(j)] + j * scale, k)
        best[row(i)] = b
        out_index[row(i)] = k
    return best, out_index


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Max over the windows that split D, H and W into output_size nearly equal parts (None keeps that size); with
    return_indices also each max's flat (d*H + h)*W + w position."""
    size = _list_with_default(output_size, input)
    if input.dim() not in (4, 5):
        raise RuntimeError(f"adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: {list(input.shape)}")
    for d in range(1, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError("adaptive_max_pool3d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with dimension {d} being empty")
    size = (size,) * 3 if isinstance(size, int) else size
    if len(size) != 3:
        raise RuntimeError("adaptive_max_pool3d(): internal error: output_size.size() must be 3")
    if any(v < 0 for v in size):
        shape = list(input.shape[:-3]) + list(size)
        raise RuntimeError(f"Trying to create tensor with negative dimension {next(v for v in size if v < 0)}: {shape}")
    _not_implemented(input, "adaptive_max_pool3d_cpu")
    out, indices = AdaptiveMaxPool3D.apply(input, size)
    return (out, indices) if return_indices else out


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = True):
    return adaptive_max_pool3d(input, output_size, True)
