"""layer_norm as torch's fused ``native_layer_norm`` (one NativeLayerNormBackward0 node), rms_norm composed as torch does."""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor, _SCALAR_NAMES
from ...autograd.function import _NumpyFunction as Function
from .activation import check_float

__all__ = ["layer_norm", "rms_norm"]

# rows per block: about 16K elements, so a block's float64 copies stay in L2
_BLOCK_ELEMS = 16384


def _row_blocks(m: int, n: int):
    rows = max(1, _BLOCK_ELEMS // max(n, 1))
    for s in range(0, m, rows):
        yield s, min(s + rows, m)


class NativeLayerNorm(Function):
    """Normalise the last N elements of each row:  xhat = (x - mean) rstd,  rstd = 1/sqrt(var + eps) (biased var);
    out = xhat * weight + bias.

    Backward, per row (g' = g * weight):
        dx = rstd (g' - mean(g') - xhat mean(g' xhat)),   dweight = sum_rows g xhat,   dbias = sum_rows g

    Statistics are computed in float64 per block of rows and rounded to the input dtype (torch keeps them in
    float for float32, computed by a Welford pass). The output follows torch's CPU kernel operation by operation,
    ``(x * rstd + (-mean * rstd)) * weight + bias``, each step rounded in the input dtype.
    """

    @staticmethod
    def forward(ctx, x, n, weight, bias, eps, norm_ndim):
        shape = x.shape
        m = x.size // n if n else 0
        x2 = np.ascontiguousarray(x).reshape(m, n)
        dt = x.dtype
        mean = np.empty((m, 1), dt)
        rstd = np.empty((m, 1), dt)
        out = np.empty((m, n), dt)
        w = None if weight is None else weight.reshape(n)
        b = None if bias is None else bias.reshape(n)
        with np.errstate(divide="ignore", invalid="ignore"):
            for s, e in _row_blocks(m, n):
                xb = x2[s:e].astype(np.float64) if dt != np.float64 else x2[s:e]
                mu = xb.mean(axis=1, keepdims=True)
                d = xb - mu
                var = np.einsum("ij,ij->i", d, d)[:, None] / n if n else mu
                mean[s:e] = mu
                # rstd in the input dtype: torch computes 1/sqrt(var + eps) in float for float32
                r = np.asarray(var, dt) + dt.type(eps)
                np.sqrt(r, out=r)
                np.divide(dt.type(1), r, out=r)
                rstd[s:e] = r
                mb = mean[s:e]
                o = out[s:e]
                np.multiply(x2[s:e], r, out=o)
                o += -mb * r
                if w is not None:
                    o *= w
                if b is not None:
                    o += b
        ctx.save_for_backward(x, weight, bias)
        ctx.meta = (mean, rstd, n)
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        x, weight, bias = ctx.saved_tensors
        mean, rstd, n = ctx.meta
        m = x.size // n if n else 0
        dt = x.dtype
        x2 = np.ascontiguousarray(x).reshape(m, n)
        g2 = np.ascontiguousarray(g).reshape(m, n)
        need_x, need_w, need_b = ctx.needs_input_grad[0], ctx.needs_input_grad[2], ctx.needs_input_grad[3]
        gx = np.empty((m, n), dt) if need_x else None
        gw = np.zeros(n) if need_w else None
        gb = np.zeros(n) if need_b else None
        w = None if weight is None else weight.reshape(n).astype(np.float64)
        for s, e in _row_blocks(m, n):
            gb64 = g2[s:e].astype(np.float64)
            if need_b:
                gb += gb64.sum(axis=0)
            if not (need_x or need_w):
                continue
            r = rstd[s:e].astype(np.float64)
            xhat = x2[s:e] - mean[s:e].astype(np.float64)
            xhat *= r
            if need_w:
                gw += np.einsum("ij,ij->j", gb64, xhat)
            if need_x:
                gp = gb64 * w if w is not None else gb64
                c1 = gp.mean(axis=1, keepdims=True)
                c2 = np.einsum("ij,ij->i", gp, xhat)[:, None] / n
                xhat *= c2
                gp -= c1
                gp -= xhat
                gp *= r
                gx[s:e] = gp
        shape = x.shape
        return (gx.reshape(shape) if need_x else None, None,
                gw.astype(dt).reshape(weight.shape) if need_w else None,
                gb.astype(dt).reshape(bias.shape) if need_b else None, None, None)


def _shape_list(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_norm_inputs(input: Tensor, normalized_shape: tuple, weight, bias, star_sep: str = ", ") -> None:
    if len(normalized_shape) < 1:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           f"element, but got normalized_shape = {_shape_list(normalized_shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{_shape_list(t.shape)} and normalized_shape = {_shape_list(normalized_shape)}")
    k = len(normalized_shape)
    if input.dim() < k or tuple(input.shape[input.dim() - k:]) != normalized_shape:
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
    check_float(input._data, "LayerNormKernelImpl")
    for t in (weight, bias):
        if t is not None and t.dtype != input.dtype:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    n = int(np.prod(shape))
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
