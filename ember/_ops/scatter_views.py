"""The ``*_scatter`` ops (a copy of ``input`` with one view of it replaced by ``src``) and ``diagflat``."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function

__all__ = ["select_scatter", "slice_scatter", "diagonal_scatter", "diagflat"]


def _shape_str(shape) -> str:
    return "[" + ", ".join(map(str, shape)) + "]"


def _view_index(a: np.ndarray, kind: str, args: tuple):
    """The NumPy view of ``a`` that the scatter writes into."""
    if kind == "select":
        dim, index = args
        return a[(slice(None),) * dim + (index,)]
    if kind == "slice":
        dim, start, end, step = args
        return a[(slice(None),) * dim + (slice(start, end, step),)]
    offset, d1, d2 = args
    return np.diagonal(a, offset, d1, d2)


class _Scatter(Function):
    """out = input with view(input) := src;  d input = g with that view zeroed,  d src = view(g)"""

    kind = ""

    @classmethod
    def forward(cls, ctx, a, src, *args):
        ctx.args = args
        out = a.copy()
        if cls.kind == "diagonal":
            _diag_set(out, src, *args)
        else:
            _view_index(out, cls.kind, args)[...] = src
        return out

    @classmethod
    def backward(cls, ctx, g):
        gi = gs = None
        if ctx.needs_input_grad[0]:
            gi = g.copy()
            if cls.kind == "diagonal":
                _diag_set(gi, 0, *ctx.args)
            else:
                _view_index(gi, cls.kind, ctx.args)[...] = 0
        if ctx.needs_input_grad[1]:
            gs = np.array(_view_index(g, cls.kind, ctx.args))
        return (gi, gs) + (None,) * len(ctx.args)


def _diag_set(a: np.ndarray, value, offset: int, d1: int, d2: int) -> None:
    """a.diagonal(offset, d1, d2)[...] = value (np.diagonal is read-only: index the moved dims instead)."""
    m = np.moveaxis(a, (d1, d2), (-2, -1))
    n = max(min(m.shape[-2] - max(-offset, 0), m.shape[-1] - max(offset, 0)), 0)
    m[..., np.arange(n) + max(-offset, 0), np.arange(n) + max(offset, 0)] = value


class SelectScatter(_Scatter):
    kind = "select"


class SliceScatter(_Scatter):
    kind = "slice"


class DiagonalScatter(_Scatter):
    kind = "diagonal"


def _check_src(view_shape, src: Tensor) -> None:
    if tuple(view_shape) != tuple(src.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{_shape_str(src.shape)}, slice size = {_shape_str(view_shape)}")


def _cast_src(input: Tensor, src: Tensor) -> Tensor:
    return src if src.dtype == input.dtype else src.to(input.dtype)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of input whose ``select(dim, index)`` is src."""
    view = input.detach().select(dim, index)  # select's argument errors
    dim = dim % input.dim()
    _check_src(view.shape, src)
    return SelectScatter.apply(input, _cast_src(input, src), dim, index % input.shape[dim])


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
                  step: int = 1) -> Tensor:
    """A copy of input whose ``[start:end:step]`` along dim is src."""
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    if input.dim() == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    dim = dim % input.dim()
    start, end, _ = slice(start, end, step).indices(input.shape[dim])
    view_shape = _view_index(input._data, "slice", (dim, start, end, step)).shape
    _check_src(view_shape, src)
    return SliceScatter.apply(input, _cast_src(input, src), dim, start, end, step)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of input whose ``diagonal(offset, dim1, dim2)`` is src."""
    view = input.detach().diagonal(offset, dim1, dim2)  # diagonal's argument errors
    _check_src(view.shape, src)
    nd = input.dim()
    return DiagonalScatter.apply(input, _cast_src(input, src), offset, dim1 % nd, dim2 % nd)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A 2-D tensor with the flattened input on its ``offset`` diagonal (torch: diag_embed of the flat input)."""
    from .windows import diag_embed
    return diag_embed(input.reshape(-1), offset)


# Tensor methods (attached in ember/__init__.py)
METHODS = {"select_scatter": select_scatter, "slice_scatter": slice_scatter, "diagonal_scatter": diagonal_scatter,
           "diagflat": diagflat}
