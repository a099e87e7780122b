"""The multi-class hinge losses, one node each as in torch (MultiMarginLossBackward0, MultilabelMarginLossBackward0),
added in the order of torch's CPU kernels (aten LossMultiMargin.cpp, LossMultiLabelMargin.cpp) so float32 results
are torch's to the bit.

    multi_margin:     loss_i = sum_{d != y_i} w[y_i] max(0, margin - x[i, y_i] + x[i, d])^p / C
    multilabel_margin: loss_i = sum_{t in targets_i} sum_{d not in targets_i} max(0, 1 - x[i, t] + x[i, d]) / C

(C classes; a multilabel row's targets are its entries before the first -1.)
"""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function

__all__ = ["multi_margin_loss", "multilabel_margin_loss"]

_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def _seq_sum(a: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Row sums of a 2-D array added left to right (a C loop's order): cumsum is a strict running sum."""
    if start is not None:
        a = np.concatenate([start[:, None], a], axis=1)
    if a.shape[1] == 0:
        return np.zeros(a.shape[0], a.dtype)
    return np.cumsum(a, axis=1)[:, -1]


def _reduce_frames(per: np.ndarray, reduction: int, acc_dtype, divide_by: int = 1) -> np.ndarray:
    """The kernels' scalar output: the per-sample values summed in order in the accumulate type (double on
    CPU for float32 too), divided by ``divide_by`` (and the frame count for 'mean'), rounded once."""
    n = per.shape[0]
    total = _seq_sum(per.astype(acc_dtype)[None])[0] if n else acc_dtype(0)
    if divide_by != 1:
        total = total / acc_dtype(divide_by)
    if reduction == 1:
        # torch leaves an empty batch's mean uninitialised (garbage); 0 / 0 = nan is the mean of nothing
        total = total / acc_dtype(n) if n else acc_dtype(np.nan)
    return np.asarray(total, per.dtype)


class MultiMarginLoss(Function):
    """loss_i = sum_{d != y} h_d / C with h_d = w[y] z_d^p where z_d = margin - x[y] + x[d] > 0 (0 elsewhere);
    dx[d] = w[y] g (p = 1) or w[y] 2 g z_d (p = 2) with g = 1/C (1/(N C) for 'mean'), dx[y] = -sum of those,
    all times the upstream grad."""

    _edge_rules = ((), (1, 4))  # target and weight are no inputs of torch's node

    @staticmethod
    def forward(ctx, x, target, p, margin, weight, reduction, shape):
        nframe, dim, scalar_out = shape
        x2 = np.ascontiguousarray(x).reshape(nframe, dim)
        t = target.reshape(nframe)
        if t.size and (t.min() < 0 or t.max() >= dim):
            raise RuntimeError("target out of range")
        rows = np.arange(nframe)
        m = x.dtype.type(margin)
        z = (m - x2[rows, t])[:, None] + x2
        keep = (z > 0) & (np.arange(dim)[None, :] != t[:, None])
        h = z if p == 1 else z * z
        if weight is not None:
            h = h * weight[t][:, None]
        per = _seq_sum(np.where(keep, h, 0)) / x.dtype.type(dim)
        ctx.meta = (x.shape, x2, t, z, keep, p, weight, reduction, nframe, dim, scalar_out)
        if reduction == 0 and not scalar_out:
            return per
        return _reduce_frames(per, reduction, np.float64)

    @staticmethod
    def backward(ctx, grad):
        shape, x2, t, z, keep, p, weight, reduction, nframe, dim, scalar_out = ctx.meta
        dt = x2.dtype.type
        g = dt(1.0 / max(nframe * dim, 1) if reduction == 1 else 1.0 / dim)
        h = np.full(z.shape, g, x2.dtype) if p == 1 else dt(2) * g * z
        if weight is not None:
            h = h * weight[t][:, None]
        h = np.where(keep, h, dt(0))
        gx = h.copy()
        gx[np.arange(nframe), t] = _seq_sum(-h) + dt(0)  # the target's grad: minus the others', subtracted in order
        gx *= grad if grad.ndim == 0 else grad.reshape(nframe, 1)
        return gx.reshape(shape), None, None, None, None, None, None


def _margin_frames(input: Tensor) -> tuple[int, int]:
    nd = input.dim()
    if not ((nd == 2 and input.shape[1] != 0) or (nd == 1 and input.shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    if nd <= 1:
        return 1, (1 if nd == 0 else input.shape[0])
    return input.shape[0], input.shape[1]


def _reduction_enum(reduction: str, size_average, reduce) -> int:
    if size_average is not None or reduce is not None:
        from ...nn.functional import _legacy_reduction
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _REDUCTIONS[reduction]


def _check_long(t: Tensor) -> None:
    if t.dtype._scalar_name != "Long":
        raise RuntimeError(f"expected scalar type Long but found {t.dtype._scalar_name}")


def _check_float_kernel(input: Tensor, kernel: str) -> None:
    if input.dtype._scalar_name not in ("Float", "Double"):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype._scalar_name}'")


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss of scores (N, C) or (C,) against class indices (see MultiMarginLoss)."""
    reduction_enum = _reduction_enum(reduction, size_average, reduce)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None:
        if weight.dim() != 1:
            raise ValueError("weight must be one-dimensional")
        if weight.requires_grad:
            raise RuntimeError("The function 'multi_margin_loss' is not differentiable with respect to argument "
                               "'weight'. This input cannot have requires_grad True.")
    nframe, dim = _margin_frames(input)
    if not (target.dim() <= 1 and target.numel() == nframe):
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{nframe}], but got {list(target.shape)}. "
                           f"Input has shape {list(input.shape)}.")
    if weight is not None and not (weight.dim() <= 1 and weight.numel() == dim):
        raise RuntimeError(f"inconsistent weight size, expected {dim} but got {list(weight.shape)}")
    _check_float_kernel(input, "multi_margin_loss_cpu_kernel")
    _check_long(target)
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._scalar_name} but found {weight.dtype._scalar_name}")
    if hasattr(margin, "item"):
        margin = margin.item()
    # 'none' keeps one loss per sample, except for a 0-d target (torch's scalar fallback)
    scalar_out = target.dim() == 0
    return MultiMarginLoss.apply(input, target, int(p), float(margin), weight, reduction_enum,
                                 (nframe, dim, scalar_out))


class MultilabelMarginLoss(Function):
    """loss_i = sum over the row's targets t (repeats count again) and its non-target classes d of
    max(0, 1 - x[t] + x[d]) / C, summed in double; each positive term adds g to dx[d] and takes g from dx[t]
    (g = 1/C, 1/(N C) for 'mean'), then times the upstream grad."""

    _edge_rules = ((), (1,))  # the target is no input of torch's node

    @staticmethod
    def forward(ctx, x, target, reduction, shape):
        nframe, dim, scalar_out = shape
        x2 = np.ascontiguousarray(x).reshape(nframe, dim)
        t2 = target.reshape(nframe, dim)
        valid = np.cumprod(t2 >= 0, axis=1).astype(bool)  # the entries before a row's first -1
        tgt = np.where(valid, t2, 0)
        rows = np.arange(nframe)[:, None]
        is_target = np.zeros((nframe, dim), bool)
        is_target[np.broadcast_to(rows, tgt.shape)[valid], tgt[valid]] = True
        one = x.dtype.type(1)
        acc = np.zeros(nframe, np.float64)
        hits = np.zeros((nframe, dim), np.int64)      # per class: positive terms it is the non-target of
        losses = np.zeros((nframe, dim), np.int64)    # per class: positive terms it is the target of
        xt_all = np.take_along_axis(x2, tgt, 1)
        for k in range(int(valid.sum(1).max()) if nframe else 0):
            z = (one - xt_all[:, k])[:, None] + x2
            pos = (z > 0) & ~is_target & valid[:, k][:, None]
            acc = _seq_sum(np.where(pos, z, 0).astype(np.float64), acc)
            hits += pos
            np.add.at(losses, (np.arange(nframe), tgt[:, k]), pos.sum(1))
        per = acc.astype(x.dtype)
        ctx.meta = (x.shape, hits, losses, reduction, nframe, dim)
        if reduction == 0 and not scalar_out:
            return per / x.dtype.type(dim)
        return _reduce_frames(per, reduction, np.float64, divide_by=dim)

    @staticmethod
    def backward(ctx, grad):
        shape, hits, losses, reduction, nframe, dim = ctx.meta
        dt = np.dtype(grad.dtype).type
        g = dt(1.0 / max(nframe * dim, 1) if reduction == 1 else 1.0 / dim)
        # every step adds or takes the same g, so k steps give the running sum of k g's (a table lookup)
        most = int(max(hits.max(initial=0), losses.max(initial=0)))
        table = np.concatenate([np.zeros(1, grad.dtype), np.cumsum(np.full(most, g, grad.dtype))])
        gx = table[hits] - table[losses]   # a class is a target or not, never both: one term is 0
        gx *= grad if grad.ndim == 0 else grad.reshape(nframe, 1)
        return gx.reshape(shape), None, None, None


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss of scores (N, C) or (C,) against rows of class indices ended by -1."""
    reduction_enum = _reduction_enum(reduction, size_average, reduce)
    nd = input.dim()
    nframe, dim = _margin_frames(input)
    ok = (target.dim() <= 1 and target.numel() == dim) if nd <= 1 else (
        target.dim() == 2 and tuple(target.shape) == (nframe, dim))
    if not ok:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    scalar_out = target.dim() <= 1
    # (an empty batch: torch returns its output uninitialised; here 'mean' is nan and 'sum' 0, see _reduce_frames)
    if target.numel() and (int(target.min()) < -1 or int(target.max()) >= dim):
        raise RuntimeError("argument #2 'target' is out of range")
    _check_float_kernel(input, "multilabel_margin_loss_forward_out_frame")
    _check_long(target)
    return MultilabelMarginLoss.apply(input, target, reduction_enum, (nframe, dim, scalar_out))
