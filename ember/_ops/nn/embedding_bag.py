"""embedding_bag: sums, means or maxima of bags of embedding rows without materialising the rows per bag in the
graph (one EmbeddingBagBackward0 node), as used by text classifiers over variable-length token lists.

Bag b holds input[offsets[b]:offsets[b+1]] (the last bag runs to the end of the input, or, with
include_last_offset, offsets has one more entry that closes it); entries equal to padding_idx are left out:

    sum:  out[b] = sum_i w_i weight[input[i]]         (w_i = per_sample_weights[i], else 1)
    mean: out[b] = sum_i weight[input[i]] / n_b       (n_b = the bag's entries other than padding_idx; 0 if empty)
    max:  out[b, d] = max_i weight[input[i], d]        (0 for an empty bag)
Backward scatters g[b] (scaled as above; for max, to the row that won each coordinate) into the table's rows,
and gives per_sample_weights the grad <g[b], weight[input[i]]>.
"""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor, _SCALAR_NAMES
from ...autograd.function import _NumpyFunction as Function
from .embedding import embedding_renorm_, scatter_rows

__all__ = ["embedding_bag"]

_MODES = {"sum": 0, "mean": 1, "max": 2}


class EmbeddingBag(Function):
    """See the module doc."""

    @staticmethod
    def forward(ctx, weight, psw, idx, starts, ends, mode, padding_idx, by_freq):
        n_bags, dim = starts.size, weight.shape[1]
        sizes = ends - starts
        bag_of = np.repeat(np.arange(n_bags), sizes)
        pos = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)]) if n_bags else np.zeros(0, np.int64)
        ids = idx[pos]
        valid = ids != padding_idx if padding_idx is not None else np.ones(ids.size, bool)
        rows = weight[ids]
        if psw is not None:
            rows = rows * psw[pos][:, None]
        out = np.zeros((n_bags, dim), weight.dtype)
        counts = np.bincount(bag_of[valid], minlength=n_bags)
        if mode == "max":
            won = np.full((n_bags, dim), -1, np.int64)  # the position whose row wins each coordinate
            for b in np.flatnonzero(counts):
                members = np.flatnonzero((bag_of == b) & valid)
                k = np.argmax(rows[members], axis=0)
                out[b] = rows[members[k], np.arange(dim)]
                won[b] = members[k]
            ctx.meta = (mode, ids, won, weight.shape, padding_idx, by_freq, idx)
            return out
        rows[~valid] = 0
        firsts = np.flatnonzero(sizes)
        if firsts.size:
            out[firsts] = np.add.reduceat(rows, np.r_[0, np.cumsum(sizes[firsts])[:-1]], axis=0)
        if mode == "mean":
            nonzero = counts > 0
            out[nonzero] /= counts[nonzero, None].astype(weight.dtype)
        ctx.save_for_backward(weight)
        ctx.meta = (mode, ids, (bag_of, pos, valid, counts, psw), weight.shape, padding_idx, by_freq, idx)
        return out

    @staticmethod
    def backward(ctx, g):
        mode, ids, info, shape, padding_idx, by_freq, idx = ctx.meta
        pad = -1 if padding_idx is None else padding_idx
        if mode == "max":
            won = info
            grad_w = np.zeros(shape, g.dtype)
            b, d = np.nonzero(won >= 0)
            np.add.at(grad_w, (ids[won[b, d]], d), g[b, d])
            if by_freq:
                grad_w /= np.maximum(np.bincount(idx, minlength=shape[0]), 1)[:, None].astype(g.dtype)
            return grad_w, None, None, None, None, None, None, None
        (weight,) = ctx.saved_tensors
        bag_of, pos, valid, counts, psw = info
        coef = g[bag_of]
        if mode == "mean":
            coef = coef / np.maximum(counts, 1)[bag_of, None].astype(g.dtype)
        grad_psw = None
        if psw is not None:
            grad_psw = np.zeros(psw.shape, g.dtype)
            grad_psw[pos] = np.where(valid, np.einsum("ij,ij->i", coef, weight[ids]), 0)
            coef = coef * psw[pos][:, None]
        coef[~valid] = 0
        grad_w = scatter_rows(ids, coef, shape, pad, by_freq, freq_of=idx)
        return grad_w, grad_psw, None, None, None, None, None, None


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sum, mean or max of each bag of embedding rows; see the module doc."""
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it must "
                         f"have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    idx = input._data
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed "
                             f"length sequences. However, found offsets of type <class '{type(offsets).__module__}."
                             f"{type(offsets).__name__}'>".replace("ember._tensor.Tensor", "torch.Tensor"))
        offs = np.arange(0, idx.size, idx.shape[1]) if idx.shape[1] else np.zeros(idx.shape[0], np.int64)
        include_last_offset = False
        idx = idx.reshape(-1)
        psw = None if per_sample_weights is None else per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        offs = offsets._data.astype(np.int64)
        psw = per_sample_weights
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if sparse:
        raise NotImplementedError("ember: embedding_bag(sparse=True) is not supported (no sparse tensors); use "
                                  "sparse=False")
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, "
                           f"Int; but got torch.{_SCALAR_NAMES[idx.dtype.name]}Tensor instead (while checking "
                           "arguments for embedding_bag)")
    num = weight.shape[0]
    if idx.size:
        bad = np.flatnonzero((idx < 0) | (idx >= num))
        if bad.size:
            raise RuntimeError(f"Index {bad[0]} of input takes value {idx[bad[0]]} which is not in the valid range "
                               f"[0, {num})")
    if max_norm is not None:
        embedding_renorm_(weight, idx, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    if offs.size and offs[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {offs[0]}")
    if offs.size and offs[-1] > idx.size:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length ({idx.size}), but got offsets[-1] of "
                           f"{offs[-1]}")
    if include_last_offset:
        starts, ends = offs[:-1], offs[1:]
    else:
        starts, ends = offs, np.r_[offs[1:], idx.size].astype(np.int64)
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
    return EmbeddingBag.apply(weight, psw, idx.astype(np.int64), starts, ends, mode, padding_idx,
                              bool(scale_grad_by_freq))
