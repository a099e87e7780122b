"""conv1d / conv2d / conv3d (any number of spatial dims underneath) as one ``convolution`` node (ConvolutionBackward0).

Forward is im2col and a batched matrix product, a chunk of samples at a time. The columns are laid out (N, C,
*kernel, positions), so each kernel offset's block is one copy of the padded input (a contiguous range with
stride 1, see ``_Geometry``; not a gather of kernel-sized pieces), and per sample and group the product weight
(og, cg*K) @ cols (cg*K, P) lands in the (N, C_out, *out) layout torch returns, without a transpose. Backward is
the same product turned around: dweight sums g @ cols^T over the batch, dcols = weight^T @ g, and dcols goes back
onto the input one kernel offset at a time (col2im: each offset a strided slab add, the overlaps summed across
offsets). ConvolutionTransposed is the adjoint on the same geometry.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function
from ._blocks import unbuffered
from .padding import ConstantPadNd
from ...autograd.graph_engine import saved_input

__all__ = ["conv1d", "conv2d", "conv3d", "convolution", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]

_warned_same = False
# columns built per chunk of samples, about this many elements (1 MiB of float32): the copies and the product that
# reads them then run in L2. Whole-batch columns (kernel-size times the input) stream through memory twice, and
# fault in fresh pages on every call: 3x the time at (64, 8, 28, 28) with a 5x5 kernel.
_CHUNK = 1 << 18


def _offset_slices(k: tuple, stride: tuple, dilation: tuple, out_sp: tuple) -> tuple:
    """(:, :, ...) slices of the padded input read by kernel offset ``k``: positions o*stride + k*dilation."""
    return (slice(None), slice(None)) + tuple(slice(ki * d, ki * d + s * (o - 1) + 1, s)
                                               for ki, d, s, o in zip(k, dilation, stride, out_sp))


class _Geometry:
    """Where each kernel offset reads. With stride 1 the padded input is kept flat per (n, c), with zeros after it
    for the last offsets to read, and the output is computed "wide": over every padded position after the first
    dim's (od x Hp x Wp in 3-D, od x Wp in 2-D). Then offset k reads one contiguous range, starting at its flat
    shift (ki*Hp*Wp + kj*Wp + kl)*d, and im2col/col2im are plain range copies/adds. The wide positions past the
    output's (h >= oh or w >= ow) are garbage, dropped from the output (their grads are 0). Other strides read
    strided slabs of the padded input."""

    def __init__(self, x_shape: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple,
                 allow_flat: bool = True) -> None:
        self.x_shape, self.kernel, self.stride, self.padding, self.dilation = x_shape, kernel, stride, padding, dilation
        self.padded = tuple(m + 2 * q for m, q in zip(x_shape[2:], padding))
        self.out_sp = tuple((m - d * (k - 1) - 1) // s + 1 for m, k, d, s in zip(self.padded, kernel, dilation, stride))
        nd = len(kernel)
        self.flat = allow_flat and all(s == 1 for s in stride)
        if self.flat:
            steps = [math.prod(self.padded[i + 1:]) for i in range(nd)]  # flat distance of one step along each dim
            self.shifts = [sum(ki * d * st for ki, d, st in zip(k, dilation, steps)) for k in np.ndindex(*kernel)]
            self.positions = self.out_sp[0] * steps[0]
            self.length = math.prod(self.padded) + sum((k - 1) * d * st for k, d, st in
                                                       zip(kernel[1:], dilation[1:], steps[1:]))
        else:
            self.positions = math.prod(self.out_sp)
        self.cols_shape = x_shape[1:2] + kernel + (self.positions,)   # one sample's columns

    def chunks(self):
        """(start, stop) sample ranges of about ``_CHUNK`` column elements."""
        n = self.x_shape[0]
        step = max(1, _CHUNK // max(1, math.prod(self.cols_shape)))
        return [(a, min(a + step, n)) for a in range(0, n, step)]

    def padded_input(self, x: np.ndarray) -> np.ndarray:
        """x zero-padded: flat (N, C, length) on the flat path, else (N, C, *padded)."""
        if not self.flat:
            return np.pad(x, ((0, 0), (0, 0)) + tuple((q, q) for q in self.padding)) if any(self.padding) else x
        xf = np.zeros(x.shape[:2] + (self.length,), x.dtype)
        self.interior(xf)[...] = x
        return xf

    def interior(self, xp: np.ndarray) -> np.ndarray:
        """The input's place inside a padded array (a view)."""
        if self.flat:
            xp = xp[:, :, :math.prod(self.padded)].reshape(xp.shape[:2] + self.padded)
        return xp[(slice(None), slice(None)) + tuple(slice(q, q + m) for q, m in zip(self.padding, self.x_shape[2:]))]

    def im2col(self, xp: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Fill cols (n, C, *kernel, positions) from padded samples xp: cols[n, c, k, o] = xp[n, c, o*stride +
        k*dilation]."""
        for i, k in enumerate(np.ndindex(*self.kernel)):
            dst = cols[(slice(None), slice(None)) + k]
            if self.flat:
                dst[...] = xp[:, :, self.shifts[i]:self.shifts[i] + self.positions]
            else:
                dst.reshape(xp.shape[:2] + self.out_sp)[...] = xp[_offset_slices(k, self.stride, self.dilation,
                                                                                 self.out_sp)]
        return cols

    def col2im(self, dcols: np.ndarray, gxp: np.ndarray) -> None:
        """Add the columns' grad (n, C, *kernel, positions) back where im2col read it, into padded grads gxp."""
        with unbuffered():
            for i, k in enumerate(np.ndindex(*self.kernel)):
                src = dcols[(slice(None), slice(None)) + k]
                if self.flat:
                    gxp[:, :, self.shifts[i]:self.shifts[i] + self.positions] += src
                else:  # overlapping windows: one kernel offset at a time, each a strided slab without overlap
                    gxp[_offset_slices(k, self.stride, self.dilation, self.out_sp)] += src.reshape(
                        gxp.shape[:2] + self.out_sp)

    def output(self, wide: np.ndarray) -> np.ndarray:
        """(N, C_out, *out) view of the product over the positions (wide rows cut to the output's)."""
        n, c = wide.shape[:2]
        if self.flat and len(self.kernel) > 1:
            return wide.reshape((n, c, self.out_sp[0]) + self.padded[1:])[self._inner]
        return wide.reshape((n, c) + self.out_sp)

    @property
    def _inner(self) -> tuple:
        """The output's positions within the wide positions."""
        return (slice(None),) * 3 + tuple(slice(0, o) for o in self.out_sp[1:])

    def positions_grad(self, grad: np.ndarray) -> np.ndarray:
        """The output grad laid out over the positions, (N, C_out, positions) (zeros at the wide rows' ends)."""
        n, c = grad.shape[:2]
        if self.flat and len(self.kernel) > 1:
            g = np.zeros((n, c, self.out_sp[0]) + self.padded[1:], grad.dtype)
            g[self._inner] = grad
            return g.reshape(n, c, self.positions)
        return np.ascontiguousarray(grad).reshape(n, c, self.positions)


def _correlate(geo: _Geometry, xp: np.ndarray, w3: np.ndarray, dtype) -> np.ndarray:
    """(N, C_out, positions): per sample and group, weight (og, cg*K) @ cols (cg*K, P), a chunk of samples' columns
    built at a time."""
    n, groups = xp.shape[0], w3.shape[0]
    wide = np.empty((n, groups, w3.shape[1], geo.positions), dtype)
    buf = np.empty((min(n, geo.chunks()[0][1]) if n else 0,) + geo.cols_shape, xp.dtype)
    for a, b in geo.chunks() if n else []:
        cols = geo.im2col(xp[a:b], buf[:b - a])
        np.matmul(w3, cols.reshape(b - a, groups, -1, geo.positions), out=wide[a:b])
    return wide.reshape(n, groups * w3.shape[1], geo.positions)


def _scatter(geo: _Geometry, g4: np.ndarray, w3: np.ndarray, padded_shape: tuple, dtype) -> np.ndarray:
    """The padded input's grad from the positions' grads g4 (N, groups, og, P): dcols = W^T @ g per sample and
    group, added back where im2col read them (col2im)."""
    n, groups = g4.shape[0], w3.shape[0]
    w3t = w3.transpose(0, 2, 1)
    gxp = np.zeros(padded_shape, dtype)
    buf = np.empty((min(n, geo.chunks()[0][1]) if n else 0,) + geo.cols_shape, dtype)
    for a, b in geo.chunks() if n else []:
        dcols = np.matmul(w3t, g4[a:b], out=buf[:b - a].reshape(b - a, groups, -1, geo.positions))
        geo.col2im(dcols.reshape((b - a,) + geo.cols_shape), gxp[a:b])
    return gxp


def _weight_grad(geo: _Geometry, g4: np.ndarray, xp: np.ndarray, w_shape: tuple) -> np.ndarray:
    """sum_n g[n] @ cols[n]^T per group, the batch's sum in float64 rounded once, shaped as the weight."""
    n, groups = g4.shape[:2]
    acc = np.zeros((groups, g4.shape[2], w_shape[1] * math.prod(w_shape[2:])),
                   np.float64 if g4.dtype.kind == "f" else g4.dtype)
    buf = np.empty((min(n, geo.chunks()[0][1]) if n else 0,) + geo.cols_shape, xp.dtype)
    for a, b in geo.chunks() if n else []:
        cols = geo.im2col(xp[a:b], buf[:b - a]).reshape(b - a, groups, -1, geo.positions)
        acc += np.matmul(g4[a:b], cols.transpose(0, 1, 3, 2)).sum(axis=0)
    return acc.astype(g4.dtype, copy=False).reshape(w_shape)


class Convolution(Function):
    """out[n, o, p] = bias[o] + sum_{c in group(o), k} weight[o, c, k] * xpad[n, c, p*stride + k*dilation]

    With cols[n, c, k, p] = xpad[n, c, p*stride + k*dilation] (im2col) and, per group, W = weight as (og, cg*K):
        out[n] = W @ cols[n]           dweight = sum_n g[n] @ cols[n]^T           dbias = sum_{n, p} g
        dcols[n] = W^T @ g[n], scattered back: dxpad[n, c, p*stride + k*dilation] += dcols[n, c, k, p]
    """

    _edge_rules = ((2,), ())  # an absent bias still shows as (None, 0), as in torch

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        geo = _Geometry(x.shape, weight.shape[2:], stride, padding, dilation)
        xp = geo.padded_input(x)
        w3 = weight.reshape(groups, weight.shape[0] // groups, -1)
        wide = _correlate(geo, xp, w3, np.result_type(x, weight))
        if bias is not None:
            wide += bias[:, None]  # on the contiguous product (the wide rows' garbage ends get it too, then dropped)
        ctx.save_for_backward(x, weight)  # torch's node saves the input itself: changing it in place is an error
        ctx.meta = (geo, groups, bias is not None, xp)
        ctx.params = (stride, padding, dilation)
        return np.ascontiguousarray(geo.output(wide))

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        geo, groups, has_bias, xp = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        n, out_c = grad.shape[:2]
        g4 = geo.positions_grad(grad).reshape(n, groups, out_c // groups, geo.positions)
        w3 = weight.reshape(groups, out_c // groups, -1)
        grad_bias = grad.sum(axis=(0,) + tuple(range(2, grad.ndim))) if need_b and has_bias else None
        grad_weight = _weight_grad(geo, g4, xp, weight.shape) if need_w else None
        grad_input = geo.interior(_scatter(geo, g4, w3, xp.shape, np.result_type(grad, weight))) if need_x else None
        return grad_input, grad_weight, grad_bias, None, None, None, None

    @staticmethod
    def differentiable_backward(ctx, grad):
        return _convolution_graph_grads(ctx, grad)


def _convolution_graph_grads(ctx, grad) -> tuple:
    """Convolution's grads with Tensor ops (create_graph=True), each itself a convolution:
    dx = conv_transpose(g, weight) (output_padding makes up the rows the stride skipped), and per group
    dweight = conv(x^T, g^T) with stride and dilation swapped (the batch as channels), cut to the kernel size."""
    x, weight = ctx.saved_tensors
    geo, groups, has_bias, _ = ctx.meta
    stride, padding, dilation = ctx.params
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    dims = weight.ndim - 2
    xt, wt = saved_input(ctx, 0, x), saved_input(ctx, 1, weight)
    gx = gw = gb = None
    if need_x:
        out_pad = tuple(n - ((m - 1) * s - 2 * p + d * (k - 1) + 1) for n, m, s, p, d, k in
                        zip(x.shape[2:], grad.shape[2:], stride, padding, dilation, weight.shape[2:]))
        gx = conv_transpose(grad, wt, None, stride, padding, out_pad, groups, dilation, dims)
    if need_w:
        gw = _weight_graph_grad(xt, grad, weight.shape, groups, stride, padding, dilation)
    if need_b and has_bias:
        gb = grad.sum(dim=(0,) + tuple(range(2, grad.dim())))
    return gx, gw, gb, None, None, None, None


def _weight_graph_grad(x, grad, w_shape: tuple, groups: int, stride, padding, dilation):
    """A convolution's dweight with Tensor ops, from its input ``x`` and output grad ``grad``: per group
    conv(x^T, g^T) with stride and dilation swapped (the batch as channels), cut to the kernel size."""
    from ... import cat
    cg, og = x.shape[1] // groups, grad.shape[1] // groups
    parts = []
    for i in range(groups):
        xs = x.narrow(1, i * cg, cg).transpose(0, 1)
        gs = grad.narrow(1, i * og, og).transpose(0, 1)
        full = Convolution.apply(xs, gs, None, dilation, padding, stride, 1)
        for d, k in enumerate(w_shape[2:]):
            full = full.narrow(2 + d, 0, k)
        parts.append(full.transpose(0, 1))
    return parts[0] if groups == 1 else cat(parts, 0)


class ConvolutionTransposed(Function):
    """The adjoint of Convolution (torch's ``convolution(..., transposed=True)``, also ConvolutionBackward0):

        out = dconv/dinput applied to x:  out[n, c, q*stride + k*dilation - padding] += sum_o weight[o, c, k] x[n, o, q]
        (weight (C_in, C_out/groups, *K); output size (in - 1) stride - 2 padding + dilation (K - 1) + out_pad + 1)

    So forward is Convolution's input-grad computation (W^T @ x, col2im) on the geometry of a convolution whose input
    is this output, and backward is Convolution's forward (dx = conv(g, weight)) and weight grad (with x in the role
    of the convolution's output grad)."""

    _backward_name = "ConvolutionBackward0"
    _edge_rules = ((2,), ())

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, output_padding, dilation, groups):
        n, in_c = x.shape[:2]
        out_c = weight.shape[1] * groups
        out_sp = tuple((i - 1) * s - 2 * p + d * (k - 1) + op + 1 for i, s, p, d, k, op in
                       zip(x.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding))
        geo = _Geometry((n, out_c) + out_sp, weight.shape[2:], stride, padding, dilation)
        w3 = weight.reshape(groups, in_c // groups, -1)
        g4 = geo.positions_grad(x).reshape(n, groups, in_c // groups, geo.positions)
        dt = np.result_type(x, weight)
        padded = (n, out_c) + ((geo.length,) if geo.flat else geo.padded)
        out = np.ascontiguousarray(geo.interior(_scatter(geo, g4, w3, padded, dt)))
        if bias is not None:
            out += bias.reshape((-1,) + (1,) * len(out_sp))
        ctx.save_for_backward(x, weight)
        ctx.meta = (geo, groups, bias is not None, g4)
        ctx.params = (stride, padding, dilation)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        geo, groups, has_bias, g4 = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gp = geo.padded_input(grad)
        grad_bias = grad.sum(axis=(0,) + tuple(range(2, grad.ndim))) if need_b and has_bias else None
        grad_weight = _weight_grad(geo, g4, gp, weight.shape) if need_w else None
        grad_input = None
        if need_x:
            w3 = weight.reshape(groups, weight.shape[0] // groups, -1)
            grad_input = np.ascontiguousarray(geo.output(_correlate(geo, gp, w3, np.result_type(grad, weight))))
        return grad_input, grad_weight, grad_bias, None, None, None, None, None

    @staticmethod
    def differentiable_backward(ctx, grad):
        """With Tensor ops: dx = conv(g, weight) (the convolution this op is the adjoint of), and dweight is that
        convolution's weight grad with g as its input and x as its output grad."""
        x, weight = ctx.saved_tensors
        _, groups, has_bias, _ = ctx.meta
        stride, padding, dilation = ctx.params
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        xt, wt = saved_input(ctx, 0, x), saved_input(ctx, 1, weight)
        gx = gw = gb = None
        if need_x:
            gx = Convolution.apply(grad, wt, None, stride, padding, dilation, groups)
        if need_w:
            gw = _weight_graph_grad(grad, xt, weight.shape, groups, stride, padding, dilation)
        if need_b and has_bias:
            gb = grad.sum(dim=(0,) + tuple(range(2, grad.dim())))
        return gx, gw, gb, None, None, None, None, None


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


def _check_args(groups: int, padding: tuple, stride: tuple, dilation: tuple, output_padding: tuple = ()) -> None:
    """torch's first checks, in its order; a zero dilation passes here and fails later (see _zero_dilation)."""
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")


def _zero_dilation(dilation: tuple, transposed: bool, onednn: bool) -> None:
    """A zero dilation is refused by the kernel torch picks: oneDNN's check (float32 convolution), or the slow
    kernels', which see 1-d as 2-d with height 1. torch's float32 transposed path fails inside oneDNN with
    messages about its descriptors; ember gives the slow kernel's for every dtype."""
    if all(d > 0 for d in dilation):
        return
    if onednn and not transposed:
        raise RuntimeError("non-positive dilation is not supported")
    dil = (1,) * (len(dilation) == 1) + tuple(dilation)
    if not transposed:
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dil)}")
    names = ("depth", "height", "width")[-len(dil):]
    raise RuntimeError("dilation should be greater than zero, but got "
                       + ", ".join(f"dilation_{nm}: {d}" for nm, d in zip(names, dil)))


def _only_empty_batch_or_channels(input: Tensor) -> None:
    """torch's backend choice: an input with zero elements is fine only through its batch or channel dim (1-d
    convolutions run as 2-d ones with height 1, so the shape shown has that dim)."""
    shape = tuple(input.shape)
    if 0 in shape[2:] and shape[0] and shape[1]:
        shown = shape[:2] + (1,) + shape[2:] if len(shape) == 3 else shape
        raise RuntimeError(f"Only zero batch or zero channel inputs are supported, but got input shape: "
                           f"{_shape_str(shown)}")


def _shape_str(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check(input: Tensor, weight: Tensor, bias: Tensor | None, padding: tuple, dilation: tuple, groups: int) -> None:
    """torch's check_input_shape_forward: groups, channels, bias, then kernel against the padded input; then the
    kernel's own checks (zero dilation, dtypes: a float32 input's dtype is checked first)."""
    ws = tuple(weight.shape)
    if ws[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {_shape_str(ws)} instead")
    if ws[0] % groups:  # torch's message has the size in two pairs of brackets
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
    _only_empty_batch_or_channels(input)
    float32 = input.dtype._scalar_name == "Float"
    if not float32:
        _zero_dilation(dilation, False, False)
    if input.dtype != weight.dtype:
        # torch's wording depends on the backend it picked (mkldnn for some float32 sizes); this is the slow path's
        if input.dtype._scalar_name == "Half":
            raise RuntimeError(f"Input type ({input.type()}) and weight type ({weight.type()}) should be the same or "
                               "input should be a MKLDNN tensor and weight is a dense tensor")
        raise RuntimeError(f"expected scalar type {input.dtype._scalar_name} but found {weight.dtype._scalar_name}")
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"Input type ({input.dtype._scalar_name.lower()}) and bias type "
                           f"({bias.dtype._scalar_name.lower()}) should be the same")
    if float32:
        _zero_dilation(dilation, False, True)


def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, dilation, groups: int,
                dims: int) -> Tensor:
    """Shared body of conv1d/conv2d/conv3d (``dims`` spatial dims)."""
    k = weight.dim() - 2
    batched = dims + 2
    if input.dim() not in (batched - 1, batched):
        raise RuntimeError(f"Expected {batched - 1}D (unbatched) or {batched}D (batched) input to conv{dims}d, but got "
                           f"input of size: {_shape_str(input.shape)}")
    if isinstance(padding, str) and padding not in ("valid", "same"):
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    if k < 1:
        raise RuntimeError("weight should have at least three dimensions")
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
    _check_args(groups, padding, stride, dilation)
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
    """2-D convolution (cross-correlation) of (N, C_in, H, W) or (C_in, H, W); weight (C_out, C_in/groups, kh, kw)."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """3-D convolution (cross-correlation) of (N, C_in, D, H, W) or (C_in, D, H, W); weight (C_out, C_in/groups,
    kd, kh, kw)."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, 3)


def _check_transposed(input: Tensor, weight: Tensor, bias: Tensor | None, stride: tuple, padding: tuple,
                      output_padding: tuple, dilation: tuple, groups: int) -> None:
    """torch's checks for convolution(transposed=True) after _check_args, in its order."""
    ws = tuple(weight.shape)
    if ws[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {_shape_str(ws)} instead")
    if ws[0] % groups:  # torch's message has the size in two pairs of brackets
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{_shape_str(ws)}] instead")
    if input.shape[1] != ws[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {_shape_str(ws)}, expected input"
                           f"{_shape_str(input.shape)} to have {ws[0]} channels, but got {input.shape[1]} channels "
                           "instead")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != ws[1] * groups):
        raise RuntimeError(f"Given transposed=1, weight of size {_shape_str(ws)}, expected bias to be 1-dimensional "
                           f"with {ws[1] * groups} elements, but got bias of size {_shape_str(bias.shape)} instead")
    _only_empty_batch_or_channels(input)
    _zero_dilation(dilation, True, False)
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        names = ("depth", "height", "width")[-len(stride):]
        parts = [f"output_padding_{nm}: {v}" for nm, v in zip(names, output_padding)]
        parts += [f"stride_{nm}: {v}" for nm, v in zip(names, stride)]
        parts += [f"dilation_{nm}: {v}" for nm, v in zip(names, dilation)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))
    out = [(i - 1) * s - 2 * p + d * (k - 1) + op + 1 for i, s, p, d, k, op in
           zip(input.shape[2:], stride, padding, dilation, ws[2:], output_padding)]
    if any(o <= 0 for o in out):
        size = " x ".join(map(str, input.shape[2:]))
        raise RuntimeError(f"Given input size per channel: ({size}). Calculated output "
                           f"size per channel: ({' x '.join(map(str, out))}). Output size is too small")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._scalar_name} but found {weight.dtype._scalar_name}")


def conv_transpose(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, output_padding, groups: int,
                   dilation, dims: int) -> Tensor:
    """Shared body of conv_transpose1d/2d/3d (``dims`` spatial dims)."""
    name = f"conv_transpose{dims}d"
    k = weight.dim() - 2
    batched = dims + 2
    if input.dim() not in (batched - 1, batched):
        raise RuntimeError(f"Expected {batched - 1}D (unbatched) or {batched}D (batched) input to {name}, but got "
                           f"input of size: {_shape_str(input.shape)}")
    if isinstance(padding, str):
        # (torch adds "(position 5)" when padding came positionally; a Python signature cannot tell)
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    stride, padding, output_padding, dilation = (_expand(nm, v, dims, k) for nm, v in (
        ("stride", stride), ("padding", padding), ("output_padding", output_padding), ("dilation", dilation)))
    _check_args(groups, padding, stride, dilation, output_padding)
    unbatched = input.dim() == batched - 1
    if unbatched:
        input = input.unsqueeze(0)
    _check_transposed(input, weight, bias, stride, padding, output_padding, dilation, groups)
    out = ConvolutionTransposed.apply(input, weight, bias, stride, padding, output_padding, dilation, groups)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The adjoint of conv1d: (N, C_in, L) with weight (C_in, C_out/groups, k) -> (N, C_out, L_out)."""
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The adjoint of conv2d ("deconvolution"): (N, C_in, H, W) with weight (C_in, C_out/groups, kh, kw)."""
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The adjoint of conv3d: (N, C_in, D, H, W) with weight (C_in, C_out/groups, kd, kh, kw)."""
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)
