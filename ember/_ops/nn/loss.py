"""Losses with their own derivative in torch: nll_loss, mse_loss, smooth_l1_loss, huber_loss,
binary_cross_entropy, binary_cross_entropy_with_logits. The composite ones (cross_entropy, l1_loss, kl_div)
are built in ``ember.nn.functional`` from these and core ops, as torch builds them."""
from __future__ import annotations

import numpy as np

from ..._tensor import _SCALAR_NAMES, Tensor
from ...autograd.function import _NON_TENSOR, _SELF, _NumpyFunction as Function, _apply2, _edge, _recorded_node
from ...autograd.grad_mode import state as _grad_state
from ..activation import _BLOCK, LogSoftmax, log_softmax_small
from .._broadcast import sum_to_shape
from .._cascade_sum import torch_sum
from ...autograd.graph_engine import constant, constant_mask, reduce_grad, saved_input, sum_to

__all__ = ["NllLoss", "NllLoss2d", "MseLoss", "SmoothL1Loss", "HuberLoss", "BinaryCrossEntropy",
           "BinaryCrossEntropyWithLogits", "REDUCTIONS"]

REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def _reduce(loss: np.ndarray, reduction: int) -> np.ndarray:
    """'mean' / 'sum' of the elementwise loss as torch reduces it: its sum kernel's order of additions for
    float32/float64 (so a printed loss.item() is torch's to the last digit), the mean that sum divided by n."""
    if reduction == 0:
        return loss
    s = torch_sum(loss, None, False)
    if s is None:  # float16, or an empty loss: a float64 sum rounded once
        s = np.asarray(loss.sum(dtype=np.float64), loss.dtype)
        if reduction == 1:
            return np.asarray(loss.mean(dtype=np.float64), loss.dtype)
        return s
    return np.asarray(s / loss.dtype.type(loss.size), loss.dtype) if reduction == 1 else s


def _grad_scale(g: np.ndarray, reduction: int, numel: int) -> np.ndarray:
    """The upstream grad broadcast over the loss elements (divided by their count for 'mean')."""
    if reduction == 1:
        return g / g.dtype.type(numel) if numel else g
    return g


def _pick(logp: np.ndarray, safe: np.ndarray, cdim: int) -> np.ndarray:
    """logp[..., safe[...], ...] along the class dim (plain indexing for 1-D/2-D input: cheaper than
    take_along_axis for the small batches where its overhead dominates)."""
    if logp.ndim == 1:
        return np.asarray(logp[safe])  # a 0-d array, not a NumPy scalar
    if logp.ndim == 2:
        return logp[np.arange(logp.shape[0]), safe]
    return np.take_along_axis(logp, np.expand_dims(safe, cdim), axis=cdim).squeeze(cdim)


class NllLoss(Function):
    """out_i = -w[t_i] logp[i, t_i]  (0 where t_i == ignore_index);  'mean' divides by sum_i w[t_i].
    dlogp[i, t_i] = -w[t_i] g (/ total weight for 'mean'), zero elsewhere.  Class dim is 1 (0 for 1-D input).

    Without class weights and ignored targets every w is 1 and is never materialised."""

    @classmethod
    def apply(cls, logp, target, weight, reduction: int, ignore_index: int):
        # logp is the only tensor (torch's node has that one edge too): passed with the rest packed in one tuple,
        # the call takes the two-argument fast path of apply (~1 us less than five arguments)
        return _apply2(cls, logp, (target, weight, reduction, ignore_index))

    @staticmethod
    def forward(ctx, logp, args):
        target, weight, reduction, ignore_index = args
        ctx.save_for_backward(logp)  # for its version check (torch saves self)
        if weight is None and logp.ndim == 2 and target.ndim == 1 and target.size <= _FEW and logp.flags.c_contiguous:
            out = _nll_few(ctx, logp, target, reduction, ignore_index)
            if out is not None:
                return out
        cdim = 0 if logp.ndim == 1 else 1
        c = logp.shape[cdim]
        tgt = target if target.dtype == np.int64 else target.astype(np.int64)
        ignored = tgt == ignore_index
        any_ignored = bool(ignored.any())
        if tgt.size and (any_ignored or tgt.min() < 0 or tgt.max() >= c):
            bad = ~ignored & ((tgt < 0) | (tgt >= c))
            if bad.any():
                raise IndexError(f"Target {tgt[bad].flat[0]} is out of bounds.")
        safe = np.where(ignored, 0, tgt) if any_ignored else tgt
        picked = _pick(logp, safe, cdim)
        if weight is None and not any_ignored:
            w = None
            total = float(picked.size)
        else:
            w = np.ones_like(picked) if weight is None else np.asarray(weight[safe], logp.dtype)
            w[ignored] = 0
            total = w.sum(dtype=np.float64)
        ctx.meta = (safe, w, ignored if any_ignored else None, reduction, cdim, logp.shape)
        if reduction == 0:
            return -picked if w is None else -(w * picked)
        s = -(picked.astype(np.float64) if w is None else w.astype(np.float64) * picked).sum()
        if reduction == 2:
            return np.asarray(s, logp.dtype)
        ctx.total = total
        return np.asarray(s / total if total else s * np.nan, logp.dtype)  # 0/0 -> nan, as torch

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # noqa: B018
        if ctx.meta is None:  # the few-rows path: coef at flat positions of a fresh zero grad
            flat, shape, reduction = ctx.few
            if reduction == 0:
                coef = -g
            else:
                gv = g.item()
                coef = (-(gv / ctx.total) if ctx.total else 0.0) if reduction == 1 else -gv
            grad = np.zeros(shape, g.dtype)
            grad.put(flat, coef)  # rounded once to g's dtype, as torch's float division and negation are
            return grad, None
        safe, w, ignored, reduction, cdim, shape = ctx.meta
        if reduction == 1 and not ctx.total:  # a total weight of 0: inf * 0 = nan at zero-weight targets, as torch
            with np.errstate(divide="ignore", invalid="ignore"):
                coef = (-(g / g.dtype.type(0)) * (1 if w is None else w)).astype(g.dtype, copy=False)
        else:
            gs = g / g.dtype.type(ctx.total) if reduction == 1 else g
            coef = (-gs if w is None else -w * gs).astype(g.dtype, copy=False)
        if ignored is not None:  # torch skips ignored targets (no 0 * inf = nan when all are ignored)
            coef = np.where(ignored, g.dtype.type(0), coef)
        grad = np.zeros(shape, g.dtype)
        if grad.ndim == 1:
            grad[safe] = coef
        elif grad.ndim == 2:
            grad[np.arange(shape[0]), safe] = coef
        else:
            np.put_along_axis(grad, np.expand_dims(safe, cdim), np.expand_dims(np.broadcast_to(coef, safe.shape), cdim),
                              axis=cdim)
        return grad, None

    @staticmethod
    def differentiable_backward(ctx, g):
        coef = NllLoss.backward(ctx, np.ones(g.shape, g._data.dtype))[0]  # linear in g: the pattern at g = 1, times g
        if g.dim() and coef.ndim > 1:
            g = g.unsqueeze(1)
        return constant(coef) * g, None


# Up to this many targets (2-D input, no class weights), nll_loss indexes and sums on Python ints and floats: for a
# few rows that is cheaper than the masks, reductions and fancy indexing of the general path (~1 us each).
_FEW = 64


_ROW_STARTS: dict[tuple[int, int], np.ndarray] = {}


def _flat_index(rows: int, c: int, target: np.ndarray) -> np.ndarray:
    """Flat positions i*c + target[i] of the picked log-probabilities (an array: take and put skip converting a
    list). The row starts are cached per (rows, c): one add costs less than building the array from Python ints."""
    starts = _ROW_STARTS.get((rows, c))
    if starts is None:
        if len(_ROW_STARTS) > 256:  # a bounded cache, whatever shapes come through
            _ROW_STARTS.clear()
        starts = _ROW_STARTS[rows, c] = np.arange(0, rows * c, c, dtype=np.intp)
    return np.add(starts, target, dtype=np.intp)


def _nll_few(ctx, logp: np.ndarray, target: np.ndarray, reduction: int, ignore_index: int) -> np.ndarray | None:
    """NllLoss.forward for a few rows without weights; None (general path) if a target is ignored or out of range,
    for the general path's handling and error."""
    c = logp.shape[1]
    tl = target.tolist()
    if tl and (ignore_index in tl or min(tl) < 0 or max(tl) >= c):
        return None
    flat = _flat_index(len(tl), c, target)
    picked = logp.ravel().take(flat)
    ctx.meta = None
    ctx.few = (flat, logp.shape, reduction)
    if reduction == 0:
        return -picked
    s = -sum(picked.tolist())  # float64 sum of the picked log-probabilities, as the general path
    if reduction == 2:
        return np.asarray(s, logp.dtype)
    ctx.total = float(len(tl))
    return np.asarray(s / ctx.total if tl else s * np.nan, logp.dtype)  # 0/0 -> nan, as torch


def cross_entropy_rows(x: Tensor, target: np.ndarray, reduction: int, ignore_index: int) -> Tensor | None:
    """cross_entropy of a few rows of logits (2-D C-contiguous float32/64 ``x``, int64 class ``target``, no class
    weights or label smoothing): log_softmax and nll_loss computed in one call, recorded as the two nodes torch
    records (LogSoftmaxBackward0, then NllLossBackward0, whose backwards run as usual). At a few microseconds per
    op the two ops' separate dispatch and checks cost about as much as their arithmetic. None sends the call down
    the general path: an ignored or out-of-range target, a mismatched batch, a view whose base has changed."""
    a = x._data
    if not (a.ndim == 2 and a.size <= _BLOCK and (a.dtype == np.float32 or a.dtype == np.float64)
            and a.flags.c_contiguous and target.ndim == 1 and target.dtype == np.int64):
        return None
    tl = target.tolist()
    rows, c = a.shape
    if not 0 < len(tl) == rows <= _FEW or ignore_index in tl or min(tl) < 0 or max(tl) >= c:
        return None
    if x._base is not None and x._vc[0] != x._gf_version:
        return None
    logp = log_softmax_small(a, 1)
    flat = _flat_index(rows, c, target)
    picked = logp.ravel().take(flat)
    if reduction == 0:
        loss = -picked
    else:
        s = -sum(picked.tolist())  # float64 sum, as NllLoss's few-rows path
        loss = np.asarray(s if reduction == 2 else s / rows, a.dtype)
    if not (x._requires_grad and _grad_state.enabled):
        return Tensor._make(loss)
    ls = _recorded_node(LogSoftmax, (True, False), (_edge(x), _NON_TENSOR))
    ls.dim = 1
    ls._saved = (logp,)
    lp = Tensor._make(logp, True, ls)
    ls._versions = [(lp._vc, 0, logp, _SELF)]
    nll = _recorded_node(NllLoss, (True, False), ((ls, 0), _NON_TENSOR))
    nll._saved = (logp,)
    nll._versions = [(lp._vc, 0, logp, lp)]
    nll.meta = None
    nll.few = (flat, a.shape, reduction)
    nll.total = float(rows)
    return Tensor._make(loss, True, nll)


class NllLoss2d(NllLoss):
    _backward_name = "NllLoss2DBackward0"


class MseLoss(Function):
    """out = (a - b)^2 (reduced);  da = 2 (a - b) g,  db = -da"""

    @staticmethod
    def forward(ctx, a, b, reduction):
        d = a - b
        ctx.meta = (d, reduction, a.shape, b.shape)
        ctx.save_for_backward(a, b)  # only for their version checks (torch saves both), d has what backward needs
        return _reduce(d * d, reduction)

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # noqa: B018  (raises if a or b changed in place)
        d, reduction, sa, sb = ctx.meta
        ga = (2 * d) * _grad_scale(g, reduction, d.size)
        return (sum_to_shape(ga, sa) if ctx.needs_input_grad[0] else None,
                sum_to_shape(-ga, sb) if ctx.needs_input_grad[1] else None, None)

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b = ctx.saved_tensors
        d, reduction, sa, sb = ctx.meta
        diff = saved_input(ctx, 0, a) - saved_input(ctx, 1, b)
        ga = (2 * diff) * (g / d.size if reduction == 1 and d.size else g)
        return (reduce_grad(ga, (sa, ga._data.dtype)) if ctx.needs_input_grad[0] else None,
                reduce_grad(-ga, (sb, ga._data.dtype)) if ctx.needs_input_grad[1] else None, None)


class SmoothL1Loss(Function):
    """z = a - b:  0.5 z^2 / beta for |z| < beta, |z| - beta/2 otherwise;  dz = clamp(z / beta, -1, 1)"""

    @staticmethod
    def forward(ctx, a, b, reduction, beta):
        z = a - b
        az = np.abs(z)
        ctx.meta = (z, reduction, beta, a.shape, b.shape)
        ctx.save_for_backward(a, b)  # for the version checks only, as in mse_loss
        t = z.dtype.type
        return _reduce(np.where(az < beta, t(0.5) * z * z / t(beta), az - t(0.5 * beta)), reduction)

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # noqa: B018
        z, reduction, beta, sa, sb = ctx.meta
        t = z.dtype.type
        dz = np.where(z < -beta, t(-1), np.where(z > beta, t(1), z / t(beta)))
        ga = dz * _grad_scale(g, reduction, z.size)
        return (sum_to_shape(ga, sa) if ctx.needs_input_grad[0] else None,
                sum_to_shape(-ga, sb) if ctx.needs_input_grad[1] else None, None, None)

    @staticmethod
    def differentiable_backward(ctx, g):
        z, reduction, beta, sa, sb = ctx.meta
        if not beta:
            return NotImplemented
        inside = np.abs(z) <= beta  # z / beta there, sign(z) outside (constants)
        dz = constant_mask(_diff(ctx), inside) / beta + constant(np.where(inside, 0, np.sign(z)).astype(z.dtype))
        return _pair_grads(ctx, dz * _graph_scale(g, reduction, z.size), sa, sb) + (None, None)


class HuberLoss(Function):
    """z = a - b:  0.5 z^2 for |z| < delta, delta (|z| - delta/2) otherwise;  dz = clamp(z, -delta, delta)"""

    @staticmethod
    def forward(ctx, a, b, reduction, delta):
        z = a - b
        az = np.abs(z)
        ctx.meta = (z, reduction, delta, a.shape, b.shape)
        ctx.save_for_backward(a, b)  # for the version checks only, as in mse_loss
        t = z.dtype.type
        return _reduce(np.where(az < delta, t(0.5) * z * z, t(delta) * (az - t(0.5 * delta))), reduction)

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # noqa: B018
        z, reduction, delta, sa, sb = ctx.meta
        t = z.dtype.type
        dz = np.where(z < -delta, t(-delta), np.where(z > delta, t(delta), z))
        ga = dz * _grad_scale(g, reduction, z.size)
        return (sum_to_shape(ga, sa) if ctx.needs_input_grad[0] else None,
                sum_to_shape(-ga, sb) if ctx.needs_input_grad[1] else None, None, None)

    @staticmethod
    def differentiable_backward(ctx, g):
        z, reduction, delta, sa, sb = ctx.meta
        inside = np.abs(z) <= delta  # z there, delta sign(z) outside (constants)
        dz = constant_mask(_diff(ctx), inside) + constant(np.where(inside, 0, delta * np.sign(z)).astype(z.dtype))
        return _pair_grads(ctx, dz * _graph_scale(g, reduction, z.size), sa, sb) + (None, None)


def _diff(ctx):
    """a - b of a two-operand loss, from its saved inputs (as graph Tensors)."""
    a, b = ctx.saved_tensors
    return saved_input(ctx, 0, a) - saved_input(ctx, 1, b)


def _graph_scale(g, reduction: int, numel: int):
    """_grad_scale on a Tensor grad."""
    return g / numel if reduction == 1 and numel else g


def _pair_grads(ctx, ga, sa: tuple, sb: tuple) -> tuple:
    dt = ga._data.dtype
    return (reduce_grad(ga, (sa, dt)) if ctx.needs_input_grad[0] else None,
            reduce_grad(-ga, (sb, dt)) if ctx.needs_input_grad[1] else None)


class BinaryCrossEntropy(Function):
    """out = -w (t log p + (1 - t) log(1 - p)), logs clamped at -100;  dp = g w (p - t) / max(p (1 - p), 1e-12),
    dt = -g w logit(p)"""

    @staticmethod
    def forward(ctx, p, t, weight, reduction):
        if np.any((p < 0) | (p > 1)):
            raise RuntimeError("all elements of input should be between 0 and 1")
        with np.errstate(divide="ignore", invalid="ignore"):
            lp = np.maximum(np.log(p), p.dtype.type(-100))
            l1p = np.maximum(np.log1p(-p), p.dtype.type(-100))
        loss = -(t * lp + (1 - t) * l1p)
        if weight is not None:
            loss = loss * weight
        ctx.meta = (p, t, weight, reduction)
        ctx.save_for_backward(p, t)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # noqa: B018
        p, t, weight, reduction = ctx.meta
        eps = p.dtype.type(1e-12)
        gp = _grad_scale(g, reduction, p.size) * (p - t) / np.maximum((1 - p) * p, eps)
        if weight is not None:
            gp = gp * weight
        gt = None
        if ctx.needs_input_grad[1]:  # torch's binary_cross_entropy_target_backward: -logit(p), unclamped
            with np.errstate(divide="ignore", invalid="ignore"):
                gt = -np.log(p / (1 - p)) * _grad_scale(g, reduction, p.size)
            if weight is not None:
                gt = gt * weight
        return gp, gt, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        p, t, weight, reduction = ctx.meta
        pt = saved_input(ctx, 0, p)
        gp = _graph_scale(g, reduction, p.size) * (pt - saved_input(ctx, 1, t)) / ((1 - pt) * pt).clamp(min=1e-12)
        gt = None
        if ctx.needs_input_grad[1]:
            gt = -(pt / (1 - pt)).log() * _graph_scale(g, reduction, p.size)
            if weight is not None:
                gt = gt * constant(weight)
        if weight is not None:
            gp = gp * constant(weight)
        return gp, gt, None, None


class BinaryCrossEntropyWithLogits(Function):
    """out = w ((1 - t) x - (1 + (pw - 1) t) log sigma(x));
    dx = g w (sigma(x) (1 + (pw - 1) t) - pw t),  dt = -g w (x + (pw - 1) log sigma(x))"""

    @staticmethod
    def forward(ctx, x, t, weight, pos_weight, reduction):
        log_sig = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
        if pos_weight is not None:
            log_sig = log_sig * ((pos_weight - 1) * t + 1)
        loss = (1 - t) * x - log_sig
        if weight is not None:
            loss = loss * weight
        ctx.meta = (x, t, weight, pos_weight, reduction)
        ctx.save_for_backward(x, t)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # noqa: B018
        x, t, weight, pos_weight, reduction = ctx.meta
        gs = _grad_scale(g, reduction, x.size)
        with np.errstate(over="ignore"):
            sig = 1 / (1 + np.exp(-x))
        if pos_weight is not None:
            pt = pos_weight * t
            gx = (pt + 1 - t) * sig - pt
        else:
            gx = sig - t
        gx = gx * gs
        if weight is not None:
            gx = gx * weight
        gt = None
        if ctx.needs_input_grad[1]:
            log_sig = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
            gt = -(x + (pos_weight - 1) * log_sig) if pos_weight is not None else -x
            gt = gt * gs
            if weight is not None:
                gt = gt * weight
            gt = sum_to_shape(gt, t.shape)
        return sum_to_shape(gx, x.shape), gt, None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        from .activation import LogSigmoid
        x, t, weight, pos_weight, reduction = ctx.meta
        xt, tt = saved_input(ctx, 0, x), saved_input(ctx, 1, t)
        gs = _graph_scale(g, reduction, x.size)
        if weight is not None:
            gs = gs * constant(weight)
        if pos_weight is not None:
            pw = constant(pos_weight)
            ptt = pw * tt
            gx = ((ptt + 1 - tt) * xt.sigmoid() - ptt) * gs
        else:
            gx = (xt.sigmoid() - tt) * gs
        gt = None
        if ctx.needs_input_grad[1]:
            gt = -(xt + (pw - 1) * LogSigmoid.apply(xt)) if pos_weight is not None else -xt
            gt = sum_to(gt * gs, t.shape)
        return sum_to(gx, x.shape), gt, None, None, None


class DivScalar(Function):
    """out = a / s for a C++-side scalar s (torch's div.Scalar, node DivBackward1);  da = g / s"""

    _backward_name = "DivBackward1"

    @staticmethod
    def forward(ctx, a, s):
        ctx.s = s
        return a / a.dtype.type(s)

    @staticmethod
    def backward(ctx, g):
        return g / g.dtype.type(ctx.s), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return DivScalar.apply(g, ctx.s), None


def target_dtype_error(dtype: np.dtype) -> RuntimeError:
    return RuntimeError(f"expected target dtype to be Long or Byte, but got {_SCALAR_NAMES[dtype.name]}")
