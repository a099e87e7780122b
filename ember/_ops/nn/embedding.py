"""embedding: row lookup with torch's EmbeddingBackward0 (dense scatter-add of the output grad into the table)."""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor, _SCALAR_NAMES
from ...autograd.function import _NumpyFunction as Function
from ...autograd.graph_engine import constant

__all__ = ["embedding", "embedding_renorm_"]


# up to this many looked-up rows the backward scatters with np.add.at (its per-row cost only bites when large)
_SMALL = 256


class Embedding(Function):
    """out[...] = weight[indices[...]];  dweight[r] = sum of g over positions with index r
    (row padding_idx gets none; with scale_grad_by_freq each row is divided by its count in the batch)."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        ctx.meta = (indices, weight.shape, padding_idx, scale_grad_by_freq)
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        indices, shape, padding_idx, by_freq = ctx.meta
        return scatter_rows(indices.reshape(-1), g.reshape(-1, shape[1]), shape, padding_idx, by_freq), None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        indices, shape, padding_idx, by_freq = ctx.meta
        flat = indices.reshape(-1)
        g2 = g.reshape(-1, shape[1])
        if by_freq:
            g2 = g2 / constant(np.bincount(flat, minlength=shape[0])[flat][:, None].astype(g._data.dtype))
        grad = constant(np.zeros(shape, g._data.dtype)).index_add(0, constant(flat), g2)
        if padding_idx is not None and padding_idx >= 0:
            keep = np.ones((shape[0], 1), g._data.dtype)
            keep[padding_idx] = 0
            grad = grad * constant(keep)
        return grad, None, None, None


def scatter_rows(flat: np.ndarray, g2: np.ndarray, shape: tuple, padding_idx: int | None, by_freq: bool,
                 freq_of: np.ndarray | None = None) -> np.ndarray:
    """The table's grad: g2's row i added into row flat[i] (rows sharing an index summed in index order; row
    padding_idx gets none; with ``by_freq`` each row divided by how often its index occurs in ``freq_of``, default
    ``flat``)."""
    if flat.size <= _SMALL and not by_freq:
        # few rows: np.add.at's fixed cost is far below the sort's; it adds in the same (index) order
        grad = np.zeros(shape, g2.dtype)
        np.add.at(grad, flat, g2)
        if padding_idx is not None and padding_idx >= 0:
            grad[padding_idx] = 0
        return grad
    # sum rows sharing an index: sort once, then one reduceat (far faster than np.add.at)
    order = np.argsort(flat, kind="stable")
    srt = flat[order]
    starts = np.flatnonzero(np.r_[True, srt[1:] != srt[:-1]]) if srt.size else np.zeros(0, np.int64)
    rows = srt[starts]
    sums = np.add.reduceat(g2[order], starts, axis=0) if srt.size else np.zeros((0, shape[1]), g2.dtype)
    if by_freq:
        counts = np.bincount(flat if freq_of is None else freq_of, minlength=shape[0])[rows]
        sums = sums / counts[:, None].astype(g2.dtype)
    if padding_idx is not None and padding_idx >= 0:
        keep = rows != padding_idx
        rows, sums = rows[keep], sums[keep]
    grad = np.zeros(shape, g2.dtype)
    grad[rows] = sums
    return grad


def _check_indices(indices: Tensor, num: int) -> np.ndarray:
    idx = indices._data
    if idx.dtype not in (np.int64, np.int32):
        name = _SCALAR_NAMES[idx.dtype.name]
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{name}Tensor instead (while checking arguments for embedding)")
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")
    return idx


def embedding_renorm_(weight: Tensor, indices: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and outside autograd, the looked-up rows whose p-norm exceeds max_norm (torch's
    embedding_renorm_: scale = max_norm / (norm + 1e-7))."""
    w = weight._data
    rows = np.unique(indices.reshape(-1))
    sub = w[rows].astype(np.float64)
    norms = np.linalg.norm(sub, ord=norm_type, axis=1) if norm_type not in (0,) else np.count_nonzero(sub, axis=1)
    big = norms > max_norm
    if big.any():
        scale = max_norm / (norms[big] + 1e-7)
        w[rows[big]] = (w[rows[big]] * scale[:, None].astype(w.dtype)).astype(w.dtype)
        weight._vc[0] += 1


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """weight[input], with torch's argument checks (padding_idx normalised, as F.embedding does)."""
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.size(0), "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.size(0), "Padding_idx must be within num_embeddings"
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    if sparse:
        # deliberate difference: ember has no sparse tensors
        raise NotImplementedError("ember: embedding(sparse=True) is not supported (no sparse tensors); use sparse=False")
    idx = _check_indices(input, weight.shape[0])
    if max_norm is not None:
        embedding_renorm_(weight, idx, max_norm, norm_type)
    return Embedding.apply(weight, idx, padding_idx, scale_grad_by_freq)
