"""group_norm as torch's fused ``native_group_norm``: one NativeGroupNormBackward0 node (edges: input, weight,
bias)."""
from __future__ import annotations

import numpy as np

from ..._tensor import _SCALAR_NAMES, Tensor
from ...autograd.function import _NumpyFunction as Function
from ...autograd.graph_engine import saved_input
from .batch_norm import _check_param_dtypes, _verify_batch_size

__all__ = ["group_norm"]


def _shape_list(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


class NativeGroupNorm(Function):
    r"""Split the C channels of each sample into G groups of C/G channels; over each group's K = C/G * prod(spatial)
    values:  xhat = (x - mean) / sqrt(var + eps)  (biased var),  out = xhat * weight[c] + bias[c].

    Backward, per (sample, group), with g' = g * weight[c] and rstd = 1/sqrt(var + eps):
        dx = rstd (g' - mean(g') - xhat mean(g' xhat)),   dweight[c] = sum_{n, spatial} g xhat,   dbias[c] = sum g

    float32 is accumulated in float64, then rounded back to the input's dtype.
    """

    _edge_rules = ((1, 2), ())  # absent weight/bias still show as (None, 0)

    @staticmethod
    def forward(ctx, x, weight, bias, groups, eps):
        n, c = x.shape[0], x.shape[1]
        if x.size == 0:
            ctx.save_for_backward(x, weight, bias)
            ctx.meta = None
            return x.copy()
        xg = x.reshape(n, groups, -1).astype(np.float64)
        mean = xg.mean(axis=2, keepdims=True)
        d = xg - mean
        var = np.einsum("ngk,ngk->ng", d, d)[..., None] / xg.shape[2]
        rstd = 1.0 / np.sqrt(var + eps)
        xhat = (d * rstd).reshape(n, c, -1)  # per channel from here on
        out = xhat * weight.astype(np.float64)[:, None] if weight is not None else xhat.copy()
        if bias is not None:
            out += bias.astype(np.float64)[:, None]
        ctx.save_for_backward(x, weight, bias)
        ctx.meta = (xhat, rstd, groups)
        ctx.eps = eps
        return out.astype(x.dtype).reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, weight, bias = ctx.saved_tensors
        if ctx.meta is None:  # empty input
            return (np.zeros_like(x), None if weight is None else np.zeros_like(weight),
                    None if bias is None else np.zeros_like(bias), None, None)
        xhat, rstd, groups = ctx.meta
        n, c = x.shape[0], x.shape[1]
        g3 = g.reshape(n, c, -1).astype(np.float64)
        gx = gw = gb = None
        if ctx.needs_input_grad[1]:
            gw = np.einsum("ncm,ncm->c", g3, xhat).astype(weight.dtype)
        if ctx.needs_input_grad[2]:
            gb = g3.sum(axis=(0, 2)).astype(bias.dtype)
        if ctx.needs_input_grad[0]:
            gs = g3 * weight.astype(np.float64)[:, None] if weight is not None else g3
            gs = gs.reshape(n, groups, -1)
            xh = xhat.reshape(n, groups, -1)
            k = gs.shape[2]
            mean_g = gs.sum(axis=2, keepdims=True) / k
            mean_gx = np.einsum("ngk,ngk->ng", gs, xh)[..., None] / k
            gx = ((gs - mean_g - xh * mean_gx) * rstd).astype(x.dtype).reshape(x.shape)
        return gx, gw, gb, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        """The backward above with Tensor ops, the group statistics recomputed from x (they depend on it)."""
        x, weight, bias = ctx.saved_tensors
        if ctx.meta is None or x.dtype != np.float64 and x.dtype != np.float32:
            return NotImplemented
        if any(t is not None and t.dtype != x.dtype for t in (weight, bias)):
            return NotImplemented
        groups = ctx.meta[2]
        n, c = x.shape[0], x.shape[1]
        xg = saved_input(ctx, 0, x).reshape(n, groups, -1)
        centred = xg - xg.mean(2, keepdim=True)
        rstd = ((centred * centred).mean(2, keepdim=True) + ctx.eps).rsqrt()
        xhat = (centred * rstd).reshape(n, c, -1)
        g3 = g.reshape(n, c, -1)
        gx = gw = gb = None
        if ctx.needs_input_grad[1]:
            gw = (g3 * xhat).sum((0, 2))
        if ctx.needs_input_grad[2]:
            gb = g3.sum((0, 2))
        if ctx.needs_input_grad[0]:
            gs = g3 * saved_input(ctx, 1, weight).reshape(1, c, 1) if weight is not None else g3
            gs = gs.reshape(n, groups, -1)
            xh = xhat.reshape(n, groups, -1)
            gx = ((gs - gs.mean(2, keepdim=True) - xh * (gs * xh).mean(2, keepdim=True)) * rstd).reshape(x.shape)
        return gx, gw, gb, None, None


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each group of num_groups channel groups per sample, then scale and shift per channel."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    shape = list(input.shape)
    _verify_batch_size([shape[0] * shape[1] // num_groups, num_groups] + shape[2:])
    c = shape[1]
    if num_groups <= 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {num_groups}")
    if c % num_groups != 0:
        raise RuntimeError("Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {_shape_list(shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            # torch's bias message shows the weight's shape ([0] when there is none): kept for identical output
            shown = weight.shape if weight is not None else [0]
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {_shape_list(shown)} and input of shape "
                               f"{_shape_list(shape)}")
    dt = input._data.dtype
    given = [t for t in (weight, bias) if t is not None]
    if given and given[0]._data.dtype != dt:  # torch checks a "mixed" call before the input's dtype
        _check_param_dtypes(dt, given)
    if dt.kind != "f":
        raise NotImplementedError(f'"GroupNormKernelImpl" not implemented for \'{_SCALAR_NAMES[dt.name]}\'')
    _check_param_dtypes(dt, given)
    return NativeGroupNorm.apply(input, weight, bias, int(num_groups), float(eps))
