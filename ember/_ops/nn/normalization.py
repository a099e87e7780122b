"""layer_norm as torch's fused ``native_layer_norm`` (one NativeLayerNormBackward0 node), rms_norm composed as torch does."""
from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function
from .activation import check_float

__all__ = ["layer_norm", "rms_norm"]

# rows per block: about 64K elements (256 KiB in float32), so that a block and its few temporaries stay in L2
# between passes while the fixed cost of each NumPy call is spread over enough elements
_BLOCK_ELEMS = 65536
# up to this many elements layer_norm runs on the whole array and keeps xhat for backward (fixed costs dominate)
_SMALL = 4096


def _sum_rows_(a: np.ndarray) -> np.ndarray:
    """Column sums of the 2-D scratch ``a`` (destroyed) by pairwise halving: log2(rows) roundings per sum instead
    of one per row, at the cost of one pass over ``a``."""
    k = a.shape[0]
    while k > 1:
        h = k // 2
        a[:h] += a[k - h:k]
        k -= h
    return a[0]


def _row_blocks(m: int, n: int):
    rows = max(1, _BLOCK_ELEMS // max(n, 1))
    for s in range(0, m, rows):
        yield s, min(s + rows, m)


class NativeLayerNorm(Function):
    """Normalise the last N elements of each row:  xhat = (x - mean) rstd,  rstd = 1/sqrt(var + eps) (biased var);
    out = xhat * weight + bias.

    Backward, per row (g' = g * weight):
        dx = rstd (g' - mean(g') - xhat mean(g' xhat)),   dweight = sum_rows g xhat,   dbias = sum_rows g

    Everything is computed in the input's precision (float16 in float32), like torch's CPU kernel, block by block of
    rows into the output arrays: row sums by BLAS (x @ ones), var two-pass from x - mean, which is also the
    scratch the output is scaled from. dweight/dbias sum each block's rows pairwise in float32 and the blocks in
    float64 (torch sums all rows in float32, ~1e-5 off over a few hundred rows).
    """

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
        ctx.save_for_backward(x, weight, bias)
        if x.size <= _SMALL:
            # a few rows: the same steps on the whole array; xhat is kept so that backward need not rebuild it
            mean = np.add.reduce(x2, axis=1, keepdims=True, dtype=ct)
            mean *= inv_n
            xhat = np.subtract(x2, mean, dtype=ct)
            rstd = np.einsum("ij,ij->i", xhat, xhat)[:, None]
            rstd *= inv_n
            rstd += ct(eps)
            np.sqrt(rstd, out=rstd)
            np.divide(1, rstd, out=rstd)
            xhat *= rstd
            ctx.meta = (mean, rstd, n, xhat)
            out = xhat * w if w is not None else xhat.copy()
            if b is not None:
                out += b
            return (out if ct == dt else out.astype(dt)).reshape(shape)
        x2 = np.ascontiguousarray(x2)
        mean = np.empty((m, 1), ct)
        rstd = np.empty((m, 1), ct)
        out = np.empty((m, n), ct)
        ones = np.ones(n, ct)
        for s, e in _row_blocks(m, n):
            xb, o, mu, r = x2[s:e], out[s:e], mean[s:e], rstd[s:e]
            np.matmul(xb, ones, out=mu[:, 0])               # row sums by BLAS gemv: faster than a row reduce
            mu *= inv_n
            np.subtract(xb, mu, out=o)                       # x - mean
            np.einsum("ij,ij->i", o, o, out=r[:, 0])
            r *= inv_n                                       # biased variance
            r += ct(eps)
            np.sqrt(r, out=r)
            np.divide(1, r, out=r)
            o *= r
            if w is not None:
                o *= w
            if b is not None:
                o += b
        ctx.meta = (mean, rstd, n, None)
        return (out if ct == dt else out.astype(dt)).reshape(shape)

    @staticmethod
    def backward(ctx, g):
        x, weight, bias = ctx.saved_tensors
        mean, rstd, n, xhat = ctx.meta
        m = x.size // n if n else 0
        dt = x.dtype
        ct = mean.dtype.type
        need_x, need_w, need_b = ctx.needs_input_grad[0], ctx.needs_input_grad[2], ctx.needs_input_grad[3]
        if xhat is not None:  # small input: whole-array steps, column sums in float64
            g2 = g.reshape(m, n)
            gw = np.add.reduce(g2 * xhat, axis=0, dtype=np.float64).astype(dt).reshape(weight.shape) if need_w else None
            gb = np.add.reduce(g2, axis=0, dtype=np.float64).astype(dt).reshape(bias.shape) if need_b else None
            gx = None
            if need_x:
                gx = g2 * weight.reshape(n).astype(ct, copy=False) if weight is not None else g2.astype(ct)
                c1 = np.add.reduce(gx, axis=1, keepdims=True)
                c2 = np.einsum("ij,ij->i", gx, xhat)[:, None]
                gx -= c1 * ct(1.0 / n)
                gx -= xhat * (c2 * ct(1.0 / n))
                gx *= rstd
                gx = gx.astype(dt, copy=False).reshape(x.shape)
            return gx, None, gw, gb, None, None
        x2 = np.ascontiguousarray(x).reshape(m, n)
        g2 = g.reshape(m, n)  # a view even for the stride-0 grad of .sum(); copies only if it must
        gx = np.empty((m, n), ct) if need_x else None
        gw = np.zeros(n) if need_w else None
        gb = np.zeros(n) if need_b else None
        w = None if weight is None else weight.reshape(n).astype(ct, copy=False)
        inv_n = ct(1.0 / n) if n else ct(0)
        rows = min(max(1, _BLOCK_ELEMS // max(n, 1)), m)
        ones = np.ones(n, ct)
        xhat_buf = np.empty((rows, n), ct) if (need_x or need_w) else None
        tmp_buf = np.empty((rows, n), ct) if (need_w or need_b) else None
        for s, e in _row_blocks(m, n):
            gb_ = g2[s:e]
            tmp = None if tmp_buf is None else tmp_buf[:e - s]
            if need_b:
                tmp[...] = gb_
                gb += _sum_rows_(tmp)
            if not (need_x or need_w):
                continue
            r = rstd[s:e]
            xhat = xhat_buf[:e - s]
            np.subtract(x2[s:e], mean[s:e], out=xhat, dtype=ct)
            xhat *= r
            if need_w:
                np.multiply(gb_, xhat, out=tmp)
                gw += _sum_rows_(tmp)
            if need_x:
                gp = gx[s:e]
                if w is not None:
                    np.multiply(gb_, w, out=gp, dtype=ct)
                else:
                    gp[...] = gb_
                c1 = (gp @ ones)[:, None]
                c1 *= inv_n
                c2 = np.einsum("ij,ij->i", gp, xhat)[:, None]
                c2 *= inv_n
                xhat *= c2
                gp -= c1
                gp -= xhat
                gp *= r
        shape = x.shape
        return (gx.astype(dt, copy=False).reshape(shape) if need_x else None, None,
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
    for t in (weight, bias):  # torch checks the parameters' dtype before the kernel's dtype dispatch
        if t is not None and t.dtype != input.dtype:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    check_float(input._data, "LayerNormKernelImpl")
    n = math.prod(shape)
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
