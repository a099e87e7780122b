"""layer_norm as torch's fused ``native_layer_norm`` (one NativeLayerNormBackward0 node), rms_norm composed as torch does."""
from __future__ import annotations

import math

import numpy as np

from ..._tensor import _SCALAR_NAMES, Tensor
from ...autograd.function import _NumpyFunction as Function
from ...autograd.grad_mode import state as _grad_state
from . import _layer_norm_kernels as _kernels
from . import _layer_norm_tiny as _tiny
from ...autograd.graph_engine import saved_input

__all__ = ["layer_norm", "rms_norm"]

# up to _TINY elements layer_norm runs in Python floats, up to _SMALL on the whole array (fixed costs dominate);
# above, in row blocks
_TINY = 16
_SMALL = 4096


class NativeLayerNorm(Function):
    """Normalise the last N elements of each row:  xhat = (x - mean) rstd,  rstd = 1/sqrt(var + eps) (biased var);
    out = xhat * weight + bias.

    Backward, per row (g' = g * weight):
        dx = rstd g' - xhat (rstd/N) sum(g' xhat) - (rstd/N) sum(g'),   dweight = sum_rows g xhat,   dbias = sum_rows g

    Computed in the input's precision (float16 in float32, with float16 or float32 weight/bias), like torch's CPU
    kernel; var two-pass from x - mean. Up to _TINY elements run in Python floats (_layer_norm_tiny), up to _SMALL as
    whole-array steps that keep xhat for backward; larger inputs run block by block of rows (_layer_norm_kernels)
    and keep x - mean when a gradient will be needed.
    """

    _edge_rules = ((2, 3), ())  # an absent weight/bias still shows as (None, 0), as in torch

    @staticmethod
    def forward(ctx, x, n, weight, bias, eps, norm_ndim):
        ctx.n_norm, ctx.eps = n, eps
        shape = x.shape
        dt = x.dtype
        if 0 < x.size <= _TINY and dt != np.float16:  # float16's weight/bias grads need half_buffer_sums
            out, xhat, rstd = _tiny.forward(x.reshape(-1, n), weight, bias, eps)
            ctx.save_for_backward(x, weight, bias, None)
            ctx.meta = (rstd, xhat)
            return np.array(out, dt).reshape(shape)
        m = x.size // n if n else 0
        ct = np.float32 if dt == np.float16 else dt.type     # torch computes half in float
        x2 = x.reshape(m, n)
        w = None if weight is None else weight.reshape(n).astype(ct, copy=False)
        b = None if bias is None else bias.reshape(n).astype(ct, copy=False)
        inv_n = ct(1.0 / n) if n else ct(0)
        keep = _grad_state.enabled and True in ctx.needs_input_grad
        if x.size <= _SMALL:
            # a few rows: the same steps on the whole array (no dtype= when x is already in ct: each keyword
            # costs the ufunc call time, and these calls are all there is at this size)
            if ct == dt:
                mean = np.add.reduce(x2, axis=1, keepdims=True)
                mean *= inv_n
                xhat = x2 - mean
            else:
                mean = np.add.reduce(x2, axis=1, keepdims=True, dtype=ct)
                mean *= inv_n
                xhat = np.subtract(x2, mean, dtype=ct)
            sq = np.vecdot(xhat, xhat)
            _kernels.refine_flat_rows(xhat, mean[:, 0], sq, n)
            rstd = sq[:, None]
            rstd *= inv_n
            rstd += ct(eps)
            np.sqrt(rstd, out=rstd)
            np.reciprocal(rstd, out=rstd)  # 1/std, the same IEEE division
            xhat *= rstd
            ctx.save_for_backward(x, weight, bias, xhat)
            ctx.meta = (rstd, n)
            out = xhat * w if w is not None else xhat.copy()
            if b is not None:
                out += b
            return (out if ct == dt else out.astype(dt)).reshape(shape)
        out, rstd, d = _kernels.forward(np.ascontiguousarray(x2, ct), w, b, eps, keep)
        # d = x - mean rides with the saved tensors, which the engine frees as soon as this node has run
        ctx.save_for_backward(x, weight, bias, d)
        ctx.meta = (rstd, n)
        return (out if ct == dt else out.astype(dt)).reshape(shape)

    @staticmethod
    def backward(ctx, g):
        x, weight, bias, kept = ctx.saved_tensors  # kept: xhat (a few rows) or x - mean (row blocks)
        rstd, n = ctx.meta
        dt = x.dtype
        need_x, need_w, need_b = ctx.needs_input_grad[0], ctx.needs_input_grad[2], ctx.needs_input_grad[3]
        if type(rstd) is list:  # the tiny path: n is xhat's rows
            gx, gw, gb = _tiny.backward(g.reshape(len(rstd), -1), n, rstd, weight, need_x, need_w, need_b)
            return (None if gx is None else np.array(gx, dt).reshape(x.shape), None,
                    None if gw is None else np.array(gw, weight.dtype).reshape(weight.shape),
                    None if gb is None else np.array(gb, bias.dtype).reshape(bias.shape), None, None)
        half = dt == np.float16
        if half and weight is None and bias is not None and bias.dtype != dt:
            # torch's backward picks its float16 kernel by the weight's dtype alone, and then fails on the bias
            raise RuntimeError(f"expected scalar type Half but found {_SCALAR_NAMES[bias.dtype.name]}")
        m = x.size // n if n else 0
        ct = rstd.dtype.type
        w = None if weight is None else weight.reshape(n).astype(ct, copy=False)
        g2 = g.reshape(m, n)  # a view even for the stride-0 grad of .sum()
        fw, fb = need_w and not half, need_b and not half
        if x.size <= _SMALL:
            gx, gw, gb = _backward_whole(g2, kept, rstd, w, need_x, fw, fb)
        else:
            gx, gw, gb = _kernels.backward(g2, kept, rstd, w, need_x, fw, fb)
        if half and (need_w or need_b):
            xhat = kept if x.size <= _SMALL else kept * rstd[:, None]
            gw, gb = _kernels.half_buffer_sums(g2, xhat, need_w, need_b)
        return (None if gx is None else np.asarray(gx).astype(dt, copy=False).reshape(x.shape), None,
                None if gw is None else np.asarray(gw).astype(weight.dtype).reshape(weight.shape),
                None if gb is None else np.asarray(gb).astype(bias.dtype).reshape(bias.shape), None, None)

    @staticmethod
    def differentiable_backward(ctx, g):
        x, weight, bias = ctx.saved_tensors[:3]
        n, eps = ctx.n_norm, ctx.eps
        need_x, need_w, need_b = ctx.needs_input_grad[0], ctx.needs_input_grad[2], ctx.needs_input_grad[3]
        x2 = saved_input(ctx, 0, x).reshape(-1, n)
        centred = x2 - x2.mean(1, keepdim=True)
        rstd = ((centred * centred).mean(1, keepdim=True) + eps).rsqrt()
        xhat = centred * rstd
        g2 = g.reshape(-1, n)
        gw = g2 * saved_input(ctx, 2, weight).reshape(n) if weight is not None else g2
        gx = gwx = gb = None
        if need_x:
            gx = (rstd * (gw - gw.mean(1, keepdim=True) - xhat * (gw * xhat).mean(1, keepdim=True))).reshape(x.shape)
        if need_w and weight is not None:
            gwx = (g2 * xhat).sum(0).reshape(weight.shape)
        if need_b and bias is not None:
            gb = g2.sum(0).reshape(bias.shape)
        return gx, None, gwx, gb, None, None


def _backward_whole(g2: np.ndarray, xhat: np.ndarray, rstd: np.ndarray, w: np.ndarray | None, need_x: bool,
                    need_w: bool, need_b: bool) -> tuple:
    """NativeLayerNorm.backward for a few rows, as whole-array steps (column sums in float64)."""
    ct = rstd.dtype.type
    inv_n = ct(1.0 / g2.shape[1]) if g2.shape[1] else ct(0)
    gw = np.add.reduce(g2 * xhat, axis=0, dtype=np.float64) if need_w else None
    gb = np.add.reduce(g2, axis=0, dtype=np.float64) if need_b else None
    gx = None
    if need_x:
        gx = g2 * w if w is not None else g2.astype(ct)
        c1 = np.add.reduce(gx, axis=1, keepdims=True)
        c2 = np.vecdot(gx, xhat)[:, None]
        gx -= c1 * inv_n
        gx -= xhat * (c2 * inv_n)
        gx *= rstd
    return gx, gw, gb


def _shape_list(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_norm_inputs(input: Tensor, normalized_shape: tuple, weight, bias, star_sep: str = ", ") -> None:
    if len(normalized_shape) < 1:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           f"element, but got normalized_shape = {_shape_list(normalized_shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t._data.shape != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{_shape_list(t.shape)} and normalized_shape = {_shape_list(normalized_shape)}")
    k = len(normalized_shape)
    ishape = input._data.shape
    if len(ishape) < k or ishape[len(ishape) - k:] != normalized_shape:
        star = "*" + "".join(f"{star_sep}{s}" for s in normalized_shape)
        raise RuntimeError(f"Given normalized_shape={_shape_list(normalized_shape)}, expected input with shape "
                           f"[{star}], but got input of size{_shape_list(input.shape)}")


def _as_shape(normalized_shape, fn: str) -> tuple:
    if isinstance(normalized_shape, int) and not isinstance(normalized_shape, bool):
        raise TypeError(f"{fn}(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    shape = tuple(normalized_shape)
    for s in shape:
        if type(s) is not int:
            break
    else:
        return shape
    for i, s in enumerate(shape):
        if type(s) is not int and (isinstance(s, bool) or not hasattr(s, "__index__")):
            raise TypeError(f"{fn}(): argument 'normalized_shape' (position 2) must be tuple of ints, but found "
                            f"element of type {type(s).__name__} at pos {i}")
    return tuple(s.__index__() for s in shape)


def _check_mixed_dtypes(dt: np.dtype, weight: Tensor | None, bias: Tensor | None) -> bool:
    """torch's CPU rule for parameters of another dtype than the input (aten's mixed_data_type.h): the first given
    parameter decides; if its dtype is not the input's, the call is "mixed", which needs every given parameter in
    float32 and the input in float16 (or bfloat16). True for a mixed call; raises torch's errors."""
    if weight is None and bias is None:
        return False
    params = [t._data.dtype for t in (weight, bias) if t is not None]
    if params[0] == dt:
        return False
    if any(p != np.float32 for p in params):
        raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
    if dt != np.float16:
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    return True


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """(x - E[x]) / sqrt(Var[x] + eps) * weight + bias over the trailing ``normalized_shape`` dims."""
    shape = _as_shape(normalized_shape, "layer_norm")
    dt = input._data.dtype
    mixed = _check_mixed_dtypes(dt, weight, bias)  # torch checks this first, then shapes, then dispatches on dtype
    _check_norm_inputs(input, shape, weight, bias)
    if dt.kind != "f":
        raise NotImplementedError(f'"LayerNormKernelImpl" not implemented for \'{_SCALAR_NAMES[dt.name]}\'')
    if not mixed and bias is not None and bias._data.dtype != dt:
        raise RuntimeError(f"expected scalar type {_SCALAR_NAMES[dt.name]} but found "
                           f"{_SCALAR_NAMES[bias._data.dtype.name]}")
    n = shape[0] if len(shape) == 1 else math.prod(shape)
    return NativeLayerNorm.apply(input, n, weight, bias, eps, len(shape))


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x * rsqrt(mean(x^2) + eps) * weight, composed as torch's CPU path (eps defaults to the dtype's epsilon)."""
    shape = _as_shape(normalized_shape, "rms_norm")
    _check_norm_inputs(input, shape, weight, None, star_sep="")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps) if input.is_floating_point() else float(np.finfo(np.float32).eps)
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    rstd = input.pow(2).mean(dims, keepdim=True).add_(eps).rsqrt()
    out = input.mul(rstd)
    if weight is not None:
        out = out.mul(weight)
    return out
