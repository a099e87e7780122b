"""layer_norm as torch's fused ``native_layer_norm`` (one NativeLayerNormBackward0 node), rms_norm composed as torch does."""
from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function
from ...autograd.grad_mode import state as _grad_state
from . import _layer_norm_kernels as _kernels
from . import _layer_norm_tiny as _tiny
from .activation import check_float

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

    Everything is computed in the input's precision (float16 in float32), like torch's CPU kernel; var two-pass
    from x - mean. A few rows run as whole-array steps and keep xhat for backward; more rows run block by block in
    _layer_norm_kernels and keep x - mean (when a gradient will be needed).
    """

    _edge_rules = ((2, 3), ())  # an absent weight/bias still shows as (None, 0), as in torch

    @staticmethod
    def forward(ctx, x, n, weight, bias, eps, norm_ndim):
        shape = x.shape
        m = x.size // n if n else 0
        dt = x.dtype
        ct = np.float32 if dt == np.float16 else dt.type     # torch computes half in float
        x2 = x.reshape(m, n)
        w = None if weight is None else weight.reshape(n).astype(ct, copy=False)
        b = None if bias is None else bias.reshape(n).astype(ct, copy=False)
        inv_n = ct(1.0 / n) if n else ct(0)
        keep = _grad_state.enabled and True in ctx.needs_input_grad
        if 0 < x.size <= _TINY:
            out, xhat, rstd = _tiny.forward(x2, w, b, eps)
            ctx.save_for_backward(x, weight, bias, None)
            ctx.meta = (rstd, xhat)
            return np.array(out, dt).reshape(shape)
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
            gx, gw, gb = _tiny.backward(g.reshape(len(rstd), -1), n, rstd, None if weight is None else weight.reshape(-1), need_x, need_w, need_b)
            return (None if gx is None else np.array(gx, dt).reshape(x.shape), None,
                    None if gw is None else np.array(gw, dt).reshape(weight.shape),
                    None if gb is None else np.array(gb, dt).reshape(bias.shape), None, None)
        m = x.size // n if n else 0
        ct = rstd.dtype.type
        w = None if weight is None else weight.reshape(n).astype(ct, copy=False)
        if x.size <= _SMALL:  # small input: whole-array steps, column sums in float64
            g2 = g.reshape(m, n)
            xhat = kept
            gw = np.add.reduce(g2 * xhat, axis=0, dtype=np.float64).astype(dt).reshape(weight.shape) if need_w else None
            gb = np.add.reduce(g2, axis=0, dtype=np.float64).astype(dt).reshape(bias.shape) if need_b else None
            gx = None
            if need_x:
                gx = g2 * w if w is not None else g2.astype(ct)
                c1 = np.add.reduce(gx, axis=1, keepdims=True)
                c2 = np.vecdot(gx, xhat)[:, None]
                gx -= c1 * ct(1.0 / n)
                gx -= xhat * (c2 * ct(1.0 / n))
                gx *= rstd
                gx = gx.astype(dt, copy=False).reshape(x.shape)
            return gx, None, gw, gb, None, None
        # g.reshape is a view even for the stride-0 grad of .sum()
        gx, gw, gb = _kernels.backward(g.reshape(m, n), kept, rstd, w, need_x, need_w, need_b)
        return (gx.astype(dt, copy=False).reshape(x.shape) if need_x else None, None,
                gw.astype(dt).reshape(weight.shape) if need_w else None,
                gb.astype(dt).reshape(bias.shape) if need_b else None, None, None)


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
    return tuple(int(s) for s in normalized_shape)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """(x - E[x]) / sqrt(Var[x] + eps) * weight + bias over the trailing ``normalized_shape`` dims."""
    shape = _as_shape(normalized_shape, "layer_norm")
    _check_norm_inputs(input, shape, weight, bias)
    dt = input._data.dtype
    for t in (weight, bias):  # torch checks the parameters' dtype before the kernel's dtype dispatch
        if t is not None and t._data.dtype != dt:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    check_float(input._data, "LayerNormKernelImpl")
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
