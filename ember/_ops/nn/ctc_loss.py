"""ctc_loss: the connectionist temporal classification loss (Graves et al. 2006), as torch's CPU kernel
(aten/src/ATen/native/LossCTC.cpp) computes it, with its reductions composed around one CtcLossBackward0 node.

Sample n has log-probabilities lp[t, n, c] for t < T_n (its input length) and a target l_1..l_L (L = its target
length). The extended target l' = (blank, l_1, blank, l_2, ..., l_L, blank) has S = 2L + 1 states. In log space,

    alpha[0, 0] = lp[0, blank],  alpha[0, 1] = lp[0, l'_1],  alpha[0, s > 1] = -inf
    alpha[t, s] = logsumexp(alpha[t-1, s], alpha[t-1, s-1], alpha[t-1, s-2] if l'_s != l'_{s-2}) + lp[t, l'_s]
    loss = -logsumexp(alpha[T_n-1, S-1], alpha[T_n-1, S-2])       (-alpha[T_n-1, 0] when L = 0)

and beta is the same recursion run from the end (beta[T_n-1, S-1] = lp[T_n-1, blank], beta[T_n-1, S-2] =
lp[T_n-1, l_L]). With the per-class sums  ab[t, c] = logsumexp_{s: l'_s = c} (alpha[t, s] + beta[t, s]),

    d loss / d lp[t, c] = exp(lp[t, c]) - exp(ab[t, c] + loss - lp[t, c])      (t < T_n; 0 for t >= T_n)

(torch's formula: the exp(lp) term is the gradient through an implied log_softmax, so it is right when log_probs
are log_softmax outputs, as the docs require). Both recursions run over time in a Python loop, each step one
NumPy expression over the whole batch and all extended states.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function
from ..comparison import where

__all__ = ["ctc_loss"]

_WHERE = "(while checking arguments for ctc_loss_allocate_outputs)"


def _lse3_into(out: np.ndarray, a1: np.ndarray, a2: np.ndarray, a3: np.ndarray, m: np.ndarray, e: np.ndarray,
               fmin) -> None:
    """out = log(exp(a1 - m) + exp(a2 - m) + exp(a3 - m)) + m with m the max of the three, as torch's kernel writes
    it. torch takes a max of -inf as 0; the dtype's lowest finite value gives the same -inf result without a mask.
    m and e are scratch rows."""
    np.maximum(a1, a2, out=m)
    np.maximum(m, a3, out=m)
    np.maximum(m, fmin, out=m)
    np.subtract(a1, m, out=e)
    np.exp(e, out=out)
    np.subtract(a2, m, out=e)
    np.exp(e, out=e)
    out += e
    np.subtract(a3, m, out=e)
    np.exp(e, out=e)
    out += e
    np.log(out, out=out)
    out += m


class CtcLoss(Function):
    """The per-sample losses (N,) of log_probs (T, N, C); see the module doc. ``ext`` (N, S) holds each sample's
    extended target (blank at even places; places past 2 L_n hold blank too, and never reach a result)."""

    @staticmethod
    def forward(ctx, lp, ext, il, tl, blank, zero_infinity):
        T, N, _ = lp.shape
        S = ext.shape[1]
        dt = lp.dtype
        neginf, fmin = dt.type(-np.inf), np.finfo(dt).min
        lpe = np.take_along_axis(lp, np.broadcast_to(ext, (T, N, S)), axis=2)  # lp[t, n, l'_s]
        # the s-2 -> s move is allowed between different labels only (never between two blanks): 0 or -inf added
        skip = np.full((N, S), neginf)
        skip[:, 2:][ext[:, 2:] != ext[:, :-2]] = 0
        # alpha[t] lives in padded[t, :, 2:]; the two -inf columns in front are the s-1 and s-2 of s = 0
        padded = np.full((T, N, S + 2), neginf)
        padded[0, :, 2] = lpe[0, :, 0]
        if S > 1:
            padded[0, :, 3] = np.where(tl > 0, lpe[0, :, 1], neginf)
        m, e, a3 = (np.empty((N, S), dt) for _ in range(3))
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            for t in range(1, T):
                prev = padded[t - 1]
                np.add(prev[:, :-2], skip, out=a3)
                out = padded[t, :, 2:]
                _lse3_into(out, prev[:, 2:], prev[:, 1:-1], a3, m, e, fmin)
                out += lpe[t]
        alpha = padded[:, :, 2:]
        n = np.arange(N)
        last = np.maximum(il - 1, 0)
        l1 = alpha[last, n, 2 * tl]
        l2 = np.where(tl > 0, alpha[last, n, np.maximum(2 * tl - 1, 0)], neginf)
        mx = np.maximum(l1, l2)
        mx[mx == -np.inf] = 0
        with np.errstate(invalid="ignore", divide="ignore"):
            ll = np.where(tl > 0, np.log(np.exp(l1 - mx) + np.exp(l2 - mx)) + mx, l1)
        # no input steps: the empty target has likelihood 1 (torch's loss is then -0.0), any other 0
        ll = np.where(il > 0, ll, np.where(tl == 0, dt.type(0), neginf))
        nll = (-ll).astype(dt, copy=False)
        ctx.save_for_backward(lp)
        ctx.meta = (lpe, ext, skip, alpha, nll, il, tl, zero_infinity)
        return nll

    @staticmethod
    def backward(ctx, g):
        (lp,) = ctx.saved_tensors
        lpe, ext, skip, alpha, nll, il, tl, zero_infinity = ctx.meta
        T, N, C = lp.shape
        S = ext.shape[1]
        dt = lp.dtype
        neginf, fmin = dt.type(-np.inf), np.finfo(dt).min
        n = np.arange(N)
        # lp[t, l'_s] where beta[t, s] is computed by the recursion (t < T_n - 1, s <= 2 L_n), else -inf, so that
        # beta stays -inf past each input's end and each target's end whatever log_probs hold there
        inside = (np.arange(T)[:, None, None] < (il - 1)[None, :, None]) & (np.arange(S) <= 2 * tl[:, None])[None]
        lpe_in = np.where(inside, lpe, neginf)
        # each sample's beta starts at its last input step with the two end states
        last = np.maximum(il - 1, 0)
        init = np.full((N, S), neginf)
        init[n, 2 * tl] = lpe[last, n, 2 * tl]
        has = tl > 0
        init[n[has], 2 * tl[has] - 1] = lpe[last[has], n[has], 2 * tl[has] - 1]
        starts_at = {}
        for b in np.flatnonzero(il > 0):
            starts_at.setdefault(int(il[b]) - 1, []).append(b)
        skip_up = np.full((N, S), neginf)  # the s+2 -> s move of beta: the s -> s+2 move of alpha, two places down
        skip_up[:, :-2] = skip[:, 2:]
        beta = np.full((T, N, S), neginf)
        row = np.full((N, S + 2), neginf)  # beta[t+1] in row[:, :S]; two -inf columns after it
        m, e, b3 = (np.empty((N, S), dt) for _ in range(3))
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            for t in range(T - 1, -1, -1):
                if t < T - 1:
                    np.add(row[:, 2:], skip_up, out=b3)
                    out = beta[t]
                    _lse3_into(out, row[:, :S], row[:, 1:S + 1], b3, m, e, fmin)
                    out += lpe_in[t]
                if t in starts_at:
                    idx = starts_at[t]
                    beta[t, idx] = init[idx]
                row[:, :S] = beta[t]
            ab = alpha + beta
        # deliberately not torch: its kernel sets (not log-adds) the final label's entry at the last input step, which
        # drops the blank's share there when the final label is the blank itself; this sums every state
        lcab = _collect(ab, ext, C, neginf)
        with np.errstate(invalid="ignore", over="ignore"):
            grad = (np.exp(lp) - np.exp(lcab + nll[None, :, None] - lp)) * g[None, :, None]
        dead = np.arange(T)[:, None] >= il[None, :]  # steps past each input's length get no gradient
        if zero_infinity:
            dead = dead | (nll == np.inf)[None, :]
        grad[dead] = 0
        return grad.astype(dt, copy=False), None, None, None, None, None


def _collect(ab: np.ndarray, ext: np.ndarray, C: int, neginf) -> np.ndarray:
    """out[t, n, c] = logsumexp over the states s of sample n with l'_s = c of ab[t, n, s] (-inf where none): one
    segmented max and sum over the (n, class)-sorted states, rather than a loop over states."""
    T, N, S = ab.shape
    key = (np.arange(N)[:, None] * C + ext).ravel()
    order = np.argsort(key, kind="stable")
    skey = key[order]
    starts = np.flatnonzero(np.r_[True, skey[1:] != skey[:-1]])
    flat = ab.reshape(T, N * S)[:, order]
    m = np.maximum.reduceat(flat, starts, axis=1)
    m[m == -np.inf] = 0
    seg = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, skey.size]))
    with np.errstate(divide="ignore"):
        sums = np.log(np.add.reduceat(np.exp(flat - m[:, seg]), starts, axis=1)) + m
    out = np.full((T, N * C), neginf)
    out[:, skey[starts]] = sums
    return out.reshape(T, N, C)


def _lengths(name: str, value) -> np.ndarray:
    """A Tensor of lengths (any shape, integral dtype) as a flat int64 array."""
    if value.dtype.is_floating_point or value.dtype.is_complex or value._data.dtype == np.bool_:
        raise RuntimeError(f"{name} must be integral")
    return np.asarray(value._data, np.int64).ravel()


def _int_seq(value) -> np.ndarray | None:
    """A tuple/list of Python ints as an int64 array (None if it is not one)."""
    if not isinstance(value, (tuple, list)):
        return None
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        return None
    return np.asarray(value, np.int64).reshape(-1)


def _type_error(args) -> TypeError:
    def name(a) -> str:
        if isinstance(a, Tensor):
            return "Tensor"
        mod = type(a).__module__
        return type(a).__name__ if mod == "builtins" else f"{mod.split('.')[0]}.{type(a).__name__}"

    got = ", ".join(name(a) for a in args)
    return TypeError(f"ctc_loss() received an invalid combination of arguments - got ({got}, int, int, bool), but "
                     "expected one of:\n * (Tensor log_probs, Tensor targets, tuple of ints input_lengths, tuple of "
                     "ints target_lengths, int blank = 0, int reduction = at::Reduction::Mean, bool zero_infinity = "
                     "False)\n * (Tensor log_probs, Tensor targets, Tensor input_lengths, Tensor target_lengths, int "
                     "blank = 0, int reduction = at::Reduction::Mean, bool zero_infinity = False)\n")


def _check(lp: Tensor, targets: Tensor, il: np.ndarray, tl: np.ndarray, blank: int) -> tuple[np.ndarray, int]:
    """torch's argument checks (ctc_loss_allocate_outputs), in its order; returns the targets as padded (N, L) rows
    and L, the longest target length."""
    if lp.dim() != 3:
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {lp.dim()}-dimensional tensor for argument #1 "
                           f"'log_probs' {_WHERE}")
    if not 1 <= targets.dim() <= 2:
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {targets.dim()}-dimensional tensor for argument #2 "
                           f"'targets' {_WHERE}")
    _, N, C = lp.shape
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    if il.size != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tl.size != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    for v in tl:
        if v < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got value {v} {_WHERE}")
    L = int(tl.max()) if N else 0
    tg = np.asarray(targets._data).astype(np.int64)
    if tg.ndim == 1:
        total = int(tl.sum())
        if tg.shape[0] != total:
            raise RuntimeError(f"Expected tensor to have size {total} at dimension 0, but got size {tg.shape[0]} for "
                               f"argument #2 'targets' {_WHERE}")
        pos = np.arange(L)[None, :]
        starts = np.cumsum(tl) - tl
        inside = pos < tl[:, None]
        rows = np.where(inside, tg[np.where(inside, starts[:, None] + pos, 0)] if tg.size else 0, blank)
    else:
        if tg.shape[0] != N:
            raise RuntimeError(f"Expected tensor to have size {N} at dimension 0, but got size {tg.shape[0]} for "
                               f"argument #2 'targets' {_WHERE}")
        if tg.shape[1] < L:
            raise RuntimeError(f"Expected tensor to have size at least {L} at dimension 1, but got size "
                               f"{tg.shape[1]} for argument #2 'targets' {_WHERE}")
        rows = np.where(np.arange(L)[None, :] < tl[:, None], tg[:, :L], blank)
    T = lp.shape[0]
    for v in il:
        if v < 0:
            raise RuntimeError(f"Expected input_lengths to have value at least 0, but got value {v} {_WHERE}")
        if v > T:
            raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {v} {_WHERE}")
    # torch reads out of bounds here (no check); ember refuses, as indexing lp would
    bad = (rows < 0) | (rows >= C)
    if bad.any():
        raise IndexError(f"ctc_loss: target label {rows[bad][0]} is out of bounds for {C} classes")
    return rows, L


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Tensor | Sequence[int],
             target_lengths: Tensor | Sequence[int], blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False) -> Tensor:
    """The CTC loss of log_probs (T, N, C) or (T, C) against targets (N, S) padded or concatenated 1-D; 'mean'
    divides each loss by its target length (at least 1) and averages over the batch."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not (isinstance(log_probs, Tensor) and isinstance(targets, Tensor)):
        raise _type_error((log_probs, targets, input_lengths, target_lengths))
    if isinstance(input_lengths, Tensor) and isinstance(target_lengths, Tensor):
        il = _lengths("input_lengths", input_lengths)
        tl = _lengths("target_lengths", target_lengths)
    else:
        il, tl = _int_seq(input_lengths), _int_seq(target_lengths)
        if il is None or tl is None:
            raise _type_error((log_probs, targets, input_lengths, target_lengths))
    dt = log_probs.dtype
    if str(dt) not in ("torch.float32", "torch.float64"):
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{dt._scalar_name}'")
    batched = log_probs.dim() == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    if lp.numel() == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    rows, L = _check(lp, targets, il, tl, blank)
    ext = np.full((rows.shape[0], 2 * L + 1), blank, np.int64)
    ext[:, 1::2] = rows
    res = CtcLoss.apply(lp, ext, il, tl, blank, bool(zero_infinity))
    if zero_infinity:
        res = where(res == float("inf"), Tensor._make(np.zeros((), res._data.dtype)), res)
    if reduction == "mean":
        lengths = Tensor._make(np.maximum(tl, 1).astype(res._data.dtype))
        return (res / lengths).mean()
    if reduction == "sum":
        return res.sum()
    return res if batched else res.squeeze(0)
