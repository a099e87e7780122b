"""The ``*_copy`` forms of view ops (``permute_copy``, ``select_copy``, ...): the view's values in new memory.

torch generates these from the view ops: same arguments, same backward, and a node named after the view's with
``_copy`` appended (``PermuteBackward0_copy``). ember runs the view op and moves its result into fresh memory,
giving the view's node that ``_copy`` name; nothing is recomputed, so values and grads are the view's.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ..autograd.grad_mode import state as _grad_state
from . import shape as _sh
from .complex_views import view_as_complex, view_as_real

__all__ = ["alias_copy", "detach_copy", "diagonal_copy", "permute_copy", "select_copy", "slice_copy", "split_copy",
           "split_with_sizes_copy", "squeeze_copy", "t_copy", "transpose_copy", "unbind_copy", "unfold_copy",
           "unsqueeze_copy", "view_as_real_copy", "view_as_complex_copy", "split_with_sizes", "unsafe_split",
           "unsafe_split_with_sizes", "unsafe_chunk", "view_copy", "expand_copy"]

_COPY_NODES: dict = {}


def _node_cls(cls: type, name: str) -> type:
    if (cls, name) not in _COPY_NODES:
        _COPY_NODES[cls, name] = type(name, (cls,), {})
    return _COPY_NODES[cls, name]


def _copied(view, name: str | None = None, copy: bool = True):
    """The view op's output(s) as tensors that are not views (fresh contiguous memory when ``copy``), keeping its
    grad_fn renamed to ``name`` (default: the view's node name + "_copy")."""
    outs = view if isinstance(view, (tuple, list)) else (view,)
    renamed = set()
    res = []
    for v in outs:
        fn = v._grad_fn
        if fn is not None and id(fn) not in renamed:
            fn.__class__ = _node_cls(type(fn), name or type(fn).__name__ + "_copy")
            renamed.add(id(fn))
        data = np.array(v._data, copy=True, order="C") if copy else v._data
        res.append(Tensor._make(data, v._requires_grad, fn, v._output_nr))
    return tuple(res) if isinstance(view, (tuple, list)) else res[0]


class Alias(Function):
    """out = a (a view);  da = g"""

    _is_view = True
    _backward_name = "AliasBackward0"

    @staticmethod
    def forward(ctx, a):
        return a[...]

    @staticmethod
    def backward(ctx, g):
        return g


def alias_copy(input: Tensor) -> Tensor:
    """A copy of input (torch's alias node: AliasBackward0_copy)."""
    return _copied(Alias.apply(input))


def detach_copy(input: Tensor) -> Tensor:
    """A detached copy (torch's result carries a NotImplemented grad node; ember's does not require grad)."""
    return input.detach().clone()


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    return _copied(_sh.diagonal(input, offset, dim1, dim2))


def permute_copy(input: Tensor, dims) -> Tensor:
    return _copied(_sh.permute(input, dims))


def select_copy(input: Tensor, dim: int, index: int) -> Tensor:
    return _copied(_sh.select(input, dim, index))


def slice_copy(input: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
               step: int = 1) -> Tensor:
    """input[start:end:step] along dim, copied."""
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    dim = dim % max(input.dim(), 1)
    start, end, _ = slice(start, end, step).indices(input.shape[dim])
    if step == 1:  # (narrow records a slice node even for the full range, where indexing records an alias)
        return _copied(_sh.narrow(input, dim, start, max(end - start, 0)))
    return _copied(input[(slice(None),) * dim + (slice(start, end, step),)])


def split_copy(input: Tensor, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
    return _copied(_sh.split(input, split_size, dim))


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of consecutive pieces of the given sizes along dim (they must sum to its length)."""
    n = input.shape[dim % max(input.dim(), 1)] if input.dim() else 0
    if sum(split_sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                           f"dimension {dim}), but got split_sizes={list(split_sizes)}")
    return _sh.split(input, list(split_sizes), dim)


def split_with_sizes_copy(input: Tensor, split_sizes, dim: int = 0) -> tuple[Tensor, ...]:
    return _copied(split_with_sizes(input, split_sizes, dim))


def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
    """split's pieces, sharing input's memory but not tracked as its views (one UnsafeSplitBackward0 node)."""
    return _copied(_sh.split(input, split_size, dim), "UnsafeSplitBackward0", copy=False)


def unsafe_split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple[Tensor, ...]:
    return _copied(split_with_sizes(input, split_sizes, dim), "UnsafeSplitWithSizesBackward0", copy=False)


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """chunk's pieces as unsafe_split makes them."""
    return _copied(_sh.chunk(input, chunks, dim), "UnsafeSplitBackward0", copy=False)


def squeeze_copy(input: Tensor, dim=None) -> Tensor:
    return _copied(_sh.squeeze(input) if dim is None else _sh.squeeze(input, dim))


def t_copy(input: Tensor) -> Tensor:
    return _copied(_sh.t(input))


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return _copied(_sh.transpose(input, dim0, dim1))


def unbind_copy(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    return _copied(_sh.unbind(input, dim))


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    return _copied(input.unfold(dimension, size, step))


def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:
    return _copied(_sh.unsqueeze(input, dim))


def view_copy(input: Tensor, *size) -> Tensor:
    """view's result copied (replaces shape.py's clone-of-view, whose node was CloneBackward0)."""
    return _copied(_sh.view(input, *size))


def expand_copy(input: Tensor, *size, implicit: bool = False) -> Tensor:
    return _copied(_sh.expand(input, *size))


def view_as_real_copy(input: Tensor) -> Tensor:
    return _copied(view_as_real(input))


def view_as_complex_copy(input: Tensor) -> Tensor:
    if input.requires_grad and _grad_state.enabled:
        raise RuntimeError("view_as_complex_copy does not support automatic differentiation for outputs with complex "
                           "dtype.")
    return _copied(view_as_complex(input))


# Tensor methods (attached in ember/__init__.py)
METHODS = {"split_with_sizes": split_with_sizes, "unsafe_split": unsafe_split,
           "unsafe_split_with_sizes": unsafe_split_with_sizes, "unsafe_chunk": unsafe_chunk}
