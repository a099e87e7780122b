"""batch_norm as torch's fused ``native_batch_norm``: one NativeBatchNormBackward0 node with edges to input,
weight and bias (the running statistics are updated in place, never differentiated); instance_norm composed from
it as torch composes it."""
from __future__ import annotations

import math

import numpy as np

from ..._tensor import _SCALAR_NAMES, Tensor
from ...autograd.function import _NumpyFunction as Function
from ...autograd.graph_engine import constant, saved_input
from ._blocks import unbuffered

__all__ = ["batch_norm", "instance_norm"]


def _channels_view(x: np.ndarray, ct) -> np.ndarray:
    """(N, C, *) as a C-contiguous (N, C, M) array of the compute dtype: every statistic is per channel, over N
    and M, and each (n, c) row is a contiguous run that per-channel constants scale in place."""
    n, c = x.shape[0], x.shape[1]
    return np.ascontiguousarray(x.reshape(n, c, -1), dtype=ct)


def _channel_sums(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Per channel sums over N and M of a (or of a * b), float64: each row's sum in the compute dtype by BLAS,
    the rows of a channel in float64 (torch accumulates the whole channel in double; this is within an ulp or
    two of it at float32, and not a pass of float64 casts)."""
    rows = np.vecdot(a, b) if b is not None else a @ np.ones(a.shape[2], a.dtype)
    return rows.sum(axis=0, dtype=np.float64)


class NativeBatchNorm(Function):
    r"""Per channel c, over the batch and every spatial position (n = N * prod(spatial) values):

        training:  mean, var = batch mean and biased variance;  running stats <- (1 - m) running + m batch stats,
                   with the unbiased variance var * n / (n - 1) for running_var
        eval:      mean, var = running_mean, running_var
        invstd = 1/sqrt(var + eps),  alpha = invstd * weight,
        out = (x - mean) * alpha + bias  (training: x - mean is at hand, and torch's x * alpha + (bias - mean * alpha)
                                          cancels when the mean is large against the spread)
            = x * alpha + (bias - mean * alpha)  (eval, as torch)

    Backward (d = x - mean, g' = g * weight):
        training:  dx = invstd weight (g - mean(g) - d invstd^2 mean(g d))   (mean and var depend on x)
        eval:      dx = invstd weight g
        dweight = invstd sum(g d),   dbias = sum(g)

    Statistics and per-channel constants in float64, rounded to the input's dtype (float32 for float16, as torch
    computes half in float); the elementwise passes in that dtype, each a per-channel scale or shift of contiguous
    rows (see ``unbuffered``).
    """

    _edge_rules = ((1, 2), (3, 4))  # absent weight/bias show as (None, 0); running stats are no edges

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        dt = x.dtype
        ct = np.float32 if dt == np.float16 else dt
        x3 = _channels_view(x, ct)
        n = x3.shape[0] * x3.shape[2]
        c = x3.shape[1]
        d = None
        if training:
            # the mean in two steps: a first estimate m, then the mean c of d = x - m, which the float32 row sums
            # and the rounding of m leave (large against the spread when the mean is: then d gets it subtracted)
            m = (_channel_sums(x3) / n).astype(ct)
            with unbuffered():
                d = np.subtract(x3, m[:, None])
            c_ = _channel_sums(d) / n
            var = np.maximum(_channel_sums(d, d) / n - c_ * c_, 0.0)
            if np.any(np.abs(c_) > 2.0 ** -24 * np.sqrt(var + eps)):
                with unbuffered():
                    d -= c_.astype(ct)[:, None]
            mean = m + c_
            if running_mean is not None:
                running_mean[...] = (1 - momentum) * running_mean + momentum * mean
            if running_var is not None:
                unbiased = var * n / (n - 1) if n > 1 else np.full(c, np.inf)
                running_var[...] = (1 - momentum) * running_var + momentum * unbiased
        else:
            mean = running_mean.astype(np.float64)
            var = running_var.astype(np.float64)
        invstd = 1.0 / np.sqrt(var + eps)
        w = 1.0 if weight is None else weight.astype(np.float64)
        alpha = invstd * w
        b = 0.0 if bias is None else bias.astype(np.float64)
        with unbuffered():
            if d is not None:  # d alpha + bias: no cancellation when the mean is large against the spread
                out = np.multiply(d, alpha.astype(ct)[:, None])
                out += np.asarray(b, ct)[..., None]
            else:
                out = np.multiply(x3, alpha.astype(ct)[:, None])
                out += (b - mean * alpha).astype(ct)[:, None]
        ctx.save_for_backward(x, weight, bias)
        ctx.meta = (d, mean, invstd, training, ct)
        ctx.eps = eps
        return out.astype(dt, copy=False).reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, weight, bias = ctx.saved_tensors
        d, mean, invstd, training, ct = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[0], ctx.needs_input_grad[1], ctx.needs_input_grad[2]
        g3 = _channels_view(g, ct)
        n = g3.shape[0] * g3.shape[2]
        gx = gw = gb = None
        sum_g = _channel_sums(g3) if need_b or (need_x and training) else None
        if d is None and (need_w or (need_x and training)):  # eval: d from the running mean
            with unbuffered():
                d = np.subtract(_channels_view(x, ct), mean.astype(ct)[:, None])
        sum_gd = _channel_sums(g3, d) if need_w or (need_x and training) else None
        if need_w:
            gw = (sum_gd * invstd).astype(weight.dtype)
        if need_b:
            gb = sum_g.astype(bias.dtype)
        if need_x:
            scale = invstd if weight is None else invstd * weight.astype(np.float64)
            with unbuffered():
                gx = np.multiply(g3, scale.astype(ct)[:, None])
                if training:
                    gx -= (scale * sum_g / n).astype(ct)[:, None]
                    gx -= np.multiply(d, (scale * invstd * invstd * sum_gd / n).astype(ct)[:, None])
            gx = gx.astype(x.dtype, copy=False).reshape(x.shape)
        return gx, gw, gb, None, None, None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        """The backward above with Tensor ops; in training the batch statistics are recomputed from x (they
        depend on it), in eval the running ones are constants."""
        x, weight, bias = ctx.saved_tensors
        d, mean, invstd, training, ct = ctx.meta
        if ct != x.dtype or any(t is not None and t.dtype != x.dtype for t in (weight, bias)):
            return NotImplemented  # (float16 computed in float32, mixed parameters: first-order grads only)
        need_x, need_w, need_b = ctx.needs_input_grad[0], ctx.needs_input_grad[1], ctx.needs_input_grad[2]
        n, c = x.shape[0], x.shape[1]
        x3 = saved_input(ctx, 0, x).reshape(n, c, -1)
        g3 = g.reshape(n, c, -1)
        if training:
            centred = x3 - x3.mean((0, 2), keepdim=True)
            rstd = ((centred * centred).mean((0, 2), keepdim=True) + ctx.eps).rsqrt()
        else:
            centred = x3 - constant(mean.astype(x.dtype).reshape(1, c, 1))
            rstd = constant(invstd.astype(x.dtype).reshape(1, c, 1))
        gx = gw = gb = None
        if need_w:
            gw = ((g3 * centred).sum((0, 2)) * rstd.reshape(c))
        if need_b:
            gb = g3.sum((0, 2))
        if need_x:
            scale = rstd if weight is None else rstd * saved_input(ctx, 1, weight).reshape(1, c, 1)
            if training:
                gx = scale * (g3 - g3.mean((0, 2), keepdim=True)
                              - centred * (rstd * rstd) * (g3 * centred).mean((0, 2), keepdim=True))
            else:
                gx = g3 * scale
            gx = gx.reshape(x.shape)
        return gx, gw, gb, None, None, None, None, None


def _check_param_dtypes(dt: np.dtype, params) -> None:
    """torch's CPU dtype rule for the per-channel tensors (aten's mixed_data_type.h): if the first given one has
    another dtype than the input, the call is "mixed", allowed only for float32 parameters with a float16 input;
    otherwise every given one must have the input's dtype."""
    given = [t._data.dtype for t in params if t is not None]
    if not given:
        return
    if given[0] != dt:
        if any(g != np.float32 for g in given):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        if dt != np.float16:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
        return
    for g in given:
        if g != dt:
            raise RuntimeError(f"expected scalar type {_SCALAR_NAMES[dt.name]} but found {_SCALAR_NAMES[g.name]}")


def _verify_batch_size(size) -> None:
    """torch's check that each channel sees more than one value (F._verify_batch_size)."""
    if math.prod([size[0], *size[2:]]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) by batch statistics (training) or the running ones (eval); see
    NativeBatchNorm. In training the running statistics, when given, are updated in place."""
    if training:
        _verify_batch_size(input.size())
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    return _native_batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _native_batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
                       weight: Tensor | None, bias: Tensor | None, training: bool, momentum: float,
                       eps: float) -> Tensor:
    """torch.batch_norm: the per-channel size and dtype checks, then one NativeBatchNorm node."""
    # torch reads size(1) of a 1-D input as 0 here, so it fails on the first per-channel tensor
    c = input.shape[1] if input.dim() > 1 else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None:
            if t.numel() != c:
                raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
        elif not training:
            raise RuntimeError(f"{name} must be defined in evaluation mode")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    dt = input._data.dtype
    if dt.kind != "f":
        raise NotImplementedError(f'"batch_norm" not implemented for \'{_SCALAR_NAMES[dt.name]}\'')
    _check_param_dtypes(dt, (weight, bias, running_mean, running_var))
    if input.numel() == 0:
        return input.clone()
    return NativeBatchNorm.apply(input, weight, bias, running_mean, running_var, bool(training),
                                 float(momentum), float(eps))


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) over its spatial positions: batch norm of the input viewed as one sample of
    N*C channels, as torch composes it (per-channel tensors repeated N times; the running statistics updated
    with the mean over the batch of the per-sample estimates)."""
    if use_input_stats:
        size = input.size()
        if math.prod(size[2:]) == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {size}")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    d = input.dim()
    if d < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(d, 1)}, {max(d, 1) - 1}], "
                         "but got 1)")
    shape = input.shape
    b, c = shape[0], shape[1]
    x = input.contiguous().view(1, b * c, *shape[2:])
    rep = [None if t is None else t.repeat(b) for t in (weight, bias, running_mean, running_var)]
    out = _native_batch_norm(x, rep[2], rep[3], rep[0], rep[1], use_input_stats, momentum, eps)
    for stat, repeated in ((running_mean, rep[2]), (running_var, rep[3])):
        if stat is not None:
            stat._data[...] = repeated._data.reshape(b, c).mean(axis=0)
    return out.view(shape)
