"""``block_diag``: the inputs placed along the diagonal of one 2-D result (zeros elsewhere)."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function

__all__ = ["block_diag"]


def _as_2d(a: np.ndarray) -> np.ndarray:
    """A 0-d input is a 1x1 block, a 1-d one a single row."""
    return a.reshape(1, 1) if a.ndim == 0 else (a.reshape(1, -1) if a.ndim == 1 else a)


class BlockDiag(Function):
    """out[r_i:r_i+m_i, c_i:c_i+n_i] = block i (in the promoted dtype);  d block_i = that slice of g"""

    @staticmethod
    def forward(ctx, *arrays):
        dtype = D.result_type(*(Tensor._make(a) for a in arrays)).np_dtype if arrays else \
            D.get_default_dtype().np_dtype
        blocks = [_as_2d(a) for a in arrays]
        rows = sum(b.shape[0] for b in blocks)
        cols = sum(b.shape[1] for b in blocks)
        out = np.zeros((rows if arrays else 1, cols), dtype)
        ctx.meta = []
        r = c = 0
        for a, b in zip(arrays, blocks):
            m, n = b.shape
            out[r:r + m, c:c + n] = b
            ctx.meta.append((r, c, m, n, a.shape, a.dtype))
            r, c = r + m, c + n
        return out

    @staticmethod
    def backward(ctx, g):
        grads = []
        for need, (r, c, m, n, shape, dtype) in zip(ctx.needs_input_grad, ctx.meta):
            grads.append(g[r:r + m, c:c + n].reshape(shape).astype(dtype) if need else None)
        return tuple(grads)


def block_diag(*tensors: Tensor) -> Tensor:
    """The block-diagonal matrix of ``tensors`` (each at most 2-D; 0-d and 1-d ones as 1 x n rows)."""
    for k, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument 0, but got {type(t).__name__}")
    for k, t in enumerate(tensors):
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {k} has "
                               f"{t.dim()} dimensions")
    if not tensors:
        return Tensor._make(np.zeros((1, 0), D.get_default_dtype().np_dtype))
    return BlockDiag.apply(*tensors)
