"""logcumsumexp: the running log-sum-exp along a dim, with its own node (LogcumsumexpBackward0)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap_dim
from ..autograd.function import _NumpyFunction as Function

__all__ = ["logcumsumexp"]


def _scan(x: np.ndarray, dim: int) -> np.ndarray:
    """out_i = log(exp(x_0) + ... + exp(x_i)), one pairwise log-add-exp per step (stable for any magnitudes).
    The running value is kept in torch's CPU accumulation type (acc_type): float16 in float32, float32 in float64,
    each output rounded once."""
    if x.ndim == 0:  # a 0-dim tensor's running log-sum-exp is itself
        return x.copy()
    acc = {np.dtype(np.float16): np.float32, np.dtype(np.float32): np.float64}.get(x.dtype)
    if acc is not None:
        return np.logaddexp.accumulate(x.astype(acc), axis=dim).astype(x.dtype)
    return np.logaddexp.accumulate(x, axis=dim)


class Logcumsumexp(Function):
    r"""out_i = log \sum_{j <= i} e^{x_j};  dx_j = \sum_{i >= j} g_i e^{x_j - out_i}

    The backward sums ``g_i e^{-out_i}`` from the end in log space, its positive and negative parts apart (a log
    needs a positive argument), so no exponential overflows on the way."""

    @staticmethod
    def forward(ctx, x, dim):
        out = _scan(x, dim) if x.size else x.copy()
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dim = ctx.dim
        if not x.size:
            return np.zeros_like(x), None
        if x.ndim == 0:
            return np.asarray(g, x.dtype), None

        def from_end(a: np.ndarray) -> np.ndarray:
            return np.flip(_scan(np.flip(a, dim), dim), dim)
        lowest = np.finfo(g.dtype).min
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_abs = np.log(np.abs(g))
            pos = np.exp(from_end(np.where(g > 0, log_abs, lowest) - out) + x)
            neg = np.exp(from_end(np.where(g < 0, log_abs, lowest) - out) + x)
        return (pos - neg).astype(x.dtype, copy=False), None


def logcumsumexp(input: Tensor, dim: int, *, out=None) -> Tensor:
    """log(cumsum(exp(input), dim)), computed without overflow."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        from .._tensor import _SCALAR_NAMES
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for '
                                  f"'{_SCALAR_NAMES[input.dtype.name]}'")
    if input.dtype.is_complex:
        raise NotImplementedError("ember: logcumsumexp of complex input is not supported")
    return Logcumsumexp.apply(input, _wrap_dim(dim, max(input.dim(), 1)) if input.dim() else 0)
