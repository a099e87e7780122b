"""Losses that torch builds from other ops (so their graphs end in MeanBackward0, ClampMinBackward0, ...), plus
soft_margin_loss, which has its own node. Each follows torch's formula step by step so the values, the grad_fn
names and the errors are torch's; ``nn.functional`` re-exports them.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .._ops.comparison import where
from .._ops.minmax import minimum
from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss", "poisson_nll_loss",
           "gaussian_nll_loss", "multilabel_soft_margin_loss", "triplet_margin_loss", "cosine_embedding_loss",
           "triplet_margin_with_distance_loss"]


def _reduction_name(reduction: str, size_average, reduce) -> str:
    from .functional import _legacy_reduction
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """loss = max(0, -y (x1 - x2) + margin)"""
    reduction = _reduction_name(reduction, size_average, reduce)
    if not (input1.dim() == input2.dim() == target.dim()):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """loss = x where y = 1, max(0, margin - x) where y = -1 (both terms where y is neither)"""
    reduction = _reduction_name(reduction, size_average, reduce)
    from .. import zeros_like
    zeros = zeros_like(input)
    margin_part = where(target != 1, (margin - input).clamp_min(0), zeros)
    self_part = where(target != -1, input, zeros)
    return _reduce(margin_part + self_part, reduction)


class SoftMarginLoss(Function):
    """loss = log(1 + exp(-y x));  dx = -y e / (1 + e) g (e = exp(-y x), g scaled by 1/N for the mean)"""

    @staticmethod
    def forward(ctx, x, y, reduction):
        ctx.save_for_backward(x, y)
        ctx.reduction = reduction
        loss = np.log1p(np.exp(-x * y))
        if reduction == "mean":
            return np.asarray(loss.mean(dtype=loss.dtype))
        if reduction == "sum":
            return np.asarray(loss.sum(dtype=loss.dtype))
        return loss

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        e = np.exp(-y * x)
        scale = g / x.size if ctx.reduction == "mean" else g
        gx = -y * e / (1 + e) * scale
        return np.broadcast_to(gx, x.shape).astype(x.dtype, copy=False), None, None


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """loss = log(1 + exp(-y x)), one node (SoftMarginLossBackward0) as in torch"""
    reduction = _reduction_name(reduction, size_average, reduce)
    if target.requires_grad:
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect to argument 'target'. "
                           "This input cannot have requires_grad True.")
    if tuple(input.shape) != tuple(target.shape):
        try:
            shape = np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
        except ValueError:
            from .._ops._broadcast import broadcast_error
            raise broadcast_error(tuple(input.shape), tuple(target.shape)) from None
        if shape != tuple(input.shape):  # torch's kernel writes into a result shaped like the input
            raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the broadcast shape {list(shape)}")
    return SoftMarginLoss.apply(input, target, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False, size_average=None,
                      eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """loss = exp(x) - y x (log_input) or x - y log(x + eps); ``full`` adds Stirling's y log y - y + log(2 pi y)/2
    where y > 1"""
    reduction = _reduction_name(reduction, size_average, reduce)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """loss = (log(max(var, eps)) + (x - y)^2 / max(var, eps)) / 2 (+ log(2 pi)/2 if ``full``); var may lack the
    last dim (one variance per sample) or be a number"""
    from .. import no_grad
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        from .. import full_like
        var = full_like(input, var)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """loss = -mean over classes of [y log sigmoid(x) + (1 - y) log sigmoid(-x)] (times weight)"""
    from .functional import logsigmoid
    reduction = _reduction_name(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """loss = max(0, margin + d(a, p) - d(a, n)), d the p-norm distance (``swap``: d(a, n) -> min(d(a, n), d(p, n)))"""
    from .functional import pairwise_distance
    reduction = _reduction_name(reduction, size_average, reduce)
    a, pos, neg = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pos == neg):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {pos}D, and negative {neg}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
                                      margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """loss = max(0, margin + d(a, p) - d(a, n)) for any distance d (default: the 2-norm pairwise distance)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pos, neg = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pos == neg):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {pos}D, and negative {neg}D inputs")
    if distance_function is None:
        from .functional import pairwise_distance as distance_function
    d_pos = distance_function(anchor, positive)
    d_neg = distance_function(anchor, negative)
    if swap:
        d_neg = minimum(d_neg, distance_function(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """loss = 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1"""
    reduction = _reduction_name(reduction, size_average, reduce)
    d = input1.dim() - 1
    eps = 1e-12  # keeps a zero vector's norm from dividing by zero, as torch does
    dot = (input1 * input2).sum(d)
    norms = (((input1 * input1).sum(d) + eps) * ((input2 * input2).sum(d) + eps)).sqrt()
    cos = dot / norms
    from .. import zeros_like
    zeros = zeros_like(cos)
    pos = where(target == 1, 1 - cos, zeros)
    neg = where(target == -1, (cos - margin).clamp_min(0), zeros)
    return _reduce(pos + neg, reduction)
