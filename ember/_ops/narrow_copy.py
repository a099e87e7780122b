"""``narrow_copy``: ``narrow`` as a new tensor (a copy, not a view)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function

__all__ = ["narrow_copy"]


class NarrowCopy(Function):
    """out = a[..., start:start+length, ...] (copied);  da = g placed there in zeros"""

    @staticmethod
    def forward(ctx, a, dim, start, length):
        index = (slice(None),) * dim + (slice(start, start + length),)
        ctx.meta = (a.shape, index)
        return a[index].copy()

    @staticmethod
    def backward(ctx, g):
        shape, index = ctx.meta
        out = np.zeros(shape, g.dtype)
        out[index] = g
        return out, None, None, None


def narrow_copy(input: Tensor, dim: int, start, length: int) -> Tensor:
    """A copy of ``input.narrow(dim, start, length)``."""
    if input.dim() == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if isinstance(dim, int) and dim >= input.dim():
        # (torch's narrow_copy reports its internal check here)
        raise RuntimeError("Expected dim < static_cast<int64_t>(self_sizes.size()) to be true, but got false.  "
                           "(Could this error message be improved?  If so, please report an enhancement request to "
                           "PyTorch.)")
    view = input.detach().narrow(dim, start, length)  # narrow's argument errors, and the resolved start
    dim = dim % input.dim()
    start = view.storage_offset() - input.detach().storage_offset()
    start = start // input.stride(dim) if input.stride(dim) else 0
    return NarrowCopy.apply(input, dim, start, view.shape[dim])


# Tensor methods (attached in ember/__init__.py)
METHODS = {"narrow_copy": narrow_copy}
