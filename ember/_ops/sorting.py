"""Sorting: sort, argsort, msort, topk, kthvalue (median, mode, cummax/cummin live in ``selection``).

Values always match torch. So do indices, even among equal elements: rows with ties
replay the algorithm torch's CPU kernel runs (``_stdsort``), and tie-free rows use
NumPy's stable argsort, which gives the same answer there. torch orders NaN above
every number, treats all NaNs as equal and -0.0 as equal to 0.0; every op here
works on integer ranks that encode exactly that order.
"""
from __future__ import annotations

import math

import numpy as np

from .. import return_types
from .._tensor import Tensor, _wrap_dim
from ..autograd.function import _NumpyFunction as Function
from ._no_complex import no_kernel, refuse
from . import _stdsort

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue"]


def _rows(a: np.ndarray, dim: int) -> np.ndarray:
    """``a`` with ``dim`` moved last and the rest flattened: shape (rows, n)."""
    if a.ndim == 0:
        return a.reshape(1, 1)
    m = np.moveaxis(a, dim, -1)
    return m.reshape(a.size // a.shape[dim] if a.shape[dim] else math.prod(m.shape[:-1]), m.shape[-1])


def _unrows(r: np.ndarray, shape: tuple, dim: int) -> np.ndarray:
    """Inverse of ``_rows`` for a result whose last axis has length ``r.shape[1]``."""
    if not shape:
        return r.reshape(())
    moved = tuple(s for i, s in enumerate(shape) if i != dim) + (r.shape[1],)
    return np.moveaxis(r.reshape(moved), -1, dim)


def _ranks(a2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: stable ascending order, dense ranks in torch's order, and whether the row has ties."""
    order = np.argsort(a2, axis=1, kind="stable")  # NumPy also puts NaN last
    s = np.take_along_axis(a2, order, 1)
    neq = s[:, 1:] != s[:, :-1]
    if a2.dtype.kind == "f":
        nan = np.isnan(s)
        neq &= ~(nan[:, 1:] & nan[:, :-1])
    sorted_ranks = np.zeros(a2.shape, np.int64)
    np.cumsum(neq, axis=1, out=sorted_ranks[:, 1:])
    ranks = np.empty_like(sorted_ranks)
    np.put_along_axis(ranks, order, sorted_ranks, 1)
    return order, ranks, (~neq).any(axis=1)


def _check_sortable(a: np.ndarray) -> None:
    if a.dtype.kind == "c":
        raise RuntimeError(" Sort does not support complex dtypes on CPU")


def _sort_indices(a2: np.ndarray, descending: bool, stable: bool) -> np.ndarray:
    order, ranks, ties = _ranks(a2)
    if descending:
        ranks = -ranks
        order = np.argsort(ranks, axis=1, kind="stable")  # = std::stable_sort with greater-than
    if not stable and a2.shape[1] > _stdsort._THRESHOLD:
        # std::sort: up to 16 elements its insertion sort keeps ties in order; beyond that it does not
        for r in np.flatnonzero(ties):
            order[r] = _std_sort_order(ranks[r].tolist())
    return order


def _std_sort_order(keys: list) -> list:
    """The positions ``0..n-1`` in the order ``std::sort`` leaves them when it sorts by ``keys`` (ties replayed)."""
    idx = list(range(len(keys)))
    _stdsort.sort(idx, keys)
    return idx


def _take_selected(a: np.ndarray, idx: np.ndarray, dim: int, keepdim: bool) -> tuple[np.ndarray, np.ndarray]:
    """The elements of ``a`` at ``idx`` (one position per row of ``_rows(a, dim)``) and those indices, shaped
    as a reduction over ``dim``."""
    idx = idx.astype(np.int64, copy=False).reshape(tuple(s for i, s in enumerate(a.shape) if i != dim))
    kept = np.expand_dims(idx, dim)
    vals = np.take_along_axis(a, kept, dim)
    return (vals, kept) if keepdim else (np.squeeze(vals, dim), idx)


def _save_selection(ctx, a: np.ndarray, dim: int, keepdim: bool, vals: np.ndarray, idx: np.ndarray):
    """Keep what ``_selection_grad`` needs and mark the indices non-differentiable; returns ``(vals, idx)``."""
    ctx.meta = (a.shape, a.dtype, dim, keepdim)
    ctx.save_for_backward(idx)
    ctx.mark_non_differentiable(idx)
    return vals, idx


def _selection_grad(ctx, g: np.ndarray) -> np.ndarray:
    """Scatter the grads of selected elements back to their positions (torch's value_selecting_reduction_backward)."""
    shape, dtype, dim, keepdim = ctx.meta
    (idx,) = ctx.saved_tensors
    if not shape:
        return g.astype(dtype).copy()
    if not keepdim:
        idx, g = np.expand_dims(idx, dim), np.expand_dims(g, dim)
    out = np.zeros(shape, dtype)
    np.put_along_axis(out, idx, g, axis=dim)
    return out


def _selection_graph_grad(ctx, g):
    """``_selection_grad`` with Tensor ops (create_graph=True): g put back at the selected positions (constants)."""
    from ..autograd.graph_engine import cast_grad, put_back
    shape, dtype, dim, keepdim = ctx.meta
    (idx,) = ctx.saved_tensors
    if not shape:
        return cast_grad(g, dtype)
    if not keepdim:
        idx, g = np.expand_dims(idx, dim), g.unsqueeze(dim)
    positions = np.take_along_axis(np.arange(int(np.prod(shape))).reshape(shape), idx, dim)
    return cast_grad(put_back(g, shape, positions), dtype)


class Sort(Function):
    """(values, indices) along ``dim``;  da = g scattered back through the indices"""

    @staticmethod
    def forward(ctx, a, dim, descending, stable):
        _check_sortable(a)
        if a.ndim == 0:
            idx = np.zeros((), np.int64)
        else:
            idx = _unrows(_sort_indices(_rows(a, dim), descending, stable), a.shape, dim)
        vals = np.take_along_axis(a, idx, dim) if a.ndim else a.copy()
        return _save_selection(ctx, a, dim, True, vals, idx)

    @staticmethod
    def backward(ctx, g, _g_idx=None):
        return _selection_grad(ctx, g), None, None, None

    @staticmethod
    def differentiable_backward(ctx, g, _g_idx=None):
        return _selection_graph_grad(ctx, g), None, None, None


class SortStable(Sort):
    _backward_name = "SortBackward1"  # torch's sort.stable overload


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool | None = False, out=None):
    """Sorted values and their original positions (``torch.return_types.sort``)."""
    d = _wrap_dim(dim, input.dim())
    fn = Sort if stable is None or stable is False else SortStable
    if stable is None:
        stable = False
    if out is not None:
        _check_pair_out(out, input)
    res = fn.apply(input, d, descending, bool(stable))
    if out is not None:
        from ._args import write_out
        return return_types.sort((write_out(out[0], res[0]), write_out(out[1], res[1])))
    return return_types.sort(res)


def _check_pair_out(out, input: Tensor) -> None:
    """(values, indices) out=: values of input's dtype, indices int64 (torch's words, C type names)."""
    from .._tensor import _C_NAMES
    name = lambda t: _C_NAMES[t.dtype.name]  # noqa: E731
    for o, want in ((out[0], input), (out[1], None)):
        want_name = name(want) if want is not None else "long int"
        if (want is not None and o.dtype != want.dtype) or (want is None and o._data.dtype != np.int64):
            raise RuntimeError(f"Expected out tensor to have dtype {want_name}, but got {name(o)} instead")


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices ``sort`` would return."""
    a = input._data
    _check_sortable(a)
    d = _wrap_dim(dim, a.ndim)
    if a.ndim == 0:
        return Tensor._make(np.zeros((), np.int64))
    return Tensor._make(_unrows(_sort_indices(_rows(a, d), descending, stable), a.shape, d))


def msort(input: Tensor, *, out=None) -> Tensor:
    """Sort along dim 0 (values only)."""
    if out is not None:
        _check_pair_out((out, Tensor._make(np.zeros(0, np.int64))), input)
    res = sort(input, 0)[0]
    if out is not None:
        from ._args import write_out
        return write_out(out, res)
    return res


def _topk_row(keys: list, n: int, k: int, sorted_: bool) -> list:
    # aten TopKImpl.h: a partial sort when k is small next to n, else nth_element (+ sort of the first k-1)
    idx = list(range(n))
    if k * 64 <= n:
        _stdsort.partial_sort(idx, keys, 0, k, n)
    else:
        _stdsort.nth_element(idx, keys, k - 1)
        if sorted_:
            _stdsort.sort(idx, keys, 0, k - 1)
    return idx[:k]


def _topk_fast(a2: np.ndarray, k: int, largest: bool) -> np.ndarray:
    """Sorted top-k per row from a partition of the k+1 best; rows with ties among those get -1 (caller replays)."""
    n = a2.shape[1]
    # NumPy orders NaN above every number, as torch does; -0.0 == 0.0 in both
    cand = np.argpartition(a2, n - k - 1, axis=1)[:, n - k - 1:] if largest else np.argpartition(a2, k, axis=1)[:, :k + 1]
    cv = np.take_along_axis(a2, cand, 1)
    o = np.argsort(cv, axis=1, kind="stable")
    if largest:
        o = o[:, ::-1]
    cand = np.take_along_axis(cand, o, 1)
    cv = np.take_along_axis(cv, o, 1)
    tie = cv[:, 1:] == cv[:, :-1]
    if a2.dtype.kind == "f":
        nan = np.isnan(cv)
        tie |= nan[:, 1:] & nan[:, :-1]
    out = cand[:, :k].copy()
    out[tie.any(axis=1)] = -1
    return out


class Topk(Function):
    """the k largest (or smallest) along ``dim``;  da = g scattered back through the indices"""

    @staticmethod
    def forward(ctx, a, k, dim, largest, sorted_):
        _check_sortable(a)
        n = a.shape[dim] if a.ndim else 1
        if not 0 <= k <= n:
            raise RuntimeError("selected index k out of range")
        if a.dtype == np.bool_:  # after the k check, as torch's
            raise RuntimeError("topk does not support bool dtypes on CPU")
        a2 = _rows(a, dim)
        idx2 = _topk_fast(a2, k, largest) if sorted_ and 0 < k < n else None
        todo = range(a2.shape[0]) if idx2 is None else np.flatnonzero(idx2[:, 0] < 0)
        if idx2 is None:
            idx2 = np.zeros((a2.shape[0], k), np.int64)
        if k and len(todo):
            # rows whose answer depends on how torch's algorithm orders ties: replay it
            order, ranks, ties = _ranks(a2[todo])
            keys = -ranks if largest else ranks
            if largest:
                order = np.argsort(keys, axis=1, kind="stable")
            for j, r in enumerate(todo):
                if sorted_ and not ties[j]:
                    idx2[r] = order[j, :k]  # a tie-free row has one sorted answer
                else:
                    idx2[r] = _topk_row(keys[j].tolist(), n, k, sorted_)
        idx = _unrows(idx2, a.shape, dim) if a.ndim else np.zeros((), np.int64)  # 0-dim: torch gives it for k=0 too
        vals = np.take_along_axis(a, idx, dim) if a.ndim else a.copy()
        return _save_selection(ctx, a, dim, True, vals, idx)

    @staticmethod
    def backward(ctx, g, _g_idx=None):
        return _selection_grad(ctx, g), None, None, None, None

    @staticmethod
    def differentiable_backward(ctx, g, _g_idx=None):
        return _selection_graph_grad(ctx, g), None, None, None, None


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out=None):
    """The ``k`` largest (``largest=False``: smallest) elements and their indices (``torch.return_types.topk``)."""
    d = _wrap_dim(-1 if dim is None else dim, input.dim())
    return return_types.topk(Topk.apply(input, int(k), d, largest, sorted))


def _pick(a: np.ndarray, dim: int, keepdim: bool, pos: int, select) -> tuple[np.ndarray, np.ndarray]:
    """The element at sorted position ``pos`` of each row, with the index ``select`` (torch's algorithm) gives."""
    a2 = _rows(a, dim)
    order, ranks, _ = _ranks(a2)
    idx = order[:, pos].copy()
    sr = np.take_along_axis(ranks, order, 1)
    n = a2.shape[1]
    # the index is unique unless the selected value occurs more than once in the row
    dup = np.zeros(a2.shape[0], bool)
    if pos > 0:
        dup |= sr[:, pos] == sr[:, pos - 1]
    if pos < n - 1:
        dup |= sr[:, pos] == sr[:, pos + 1]
    for r in np.flatnonzero(dup):
        idx[r] = select(ranks[r].tolist(), n, pos)
    return _take_selected(a, idx, dim, keepdim)


def _quick_select(keys: list, n: int, pos: int) -> int:
    idx = list(range(n))
    _stdsort.quick_select(idx, keys, pos)
    return idx[pos]


class Kthvalue(Function):
    """the k-th smallest along ``dim``;  da = g at its index"""

    @staticmethod
    def forward(ctx, a, k, dim, keepdim):
        n = a.shape[dim] if a.ndim else 1
        # torch's order: an empty reduction dim, then k, then the kernel's dtypes (a 0-dim input reaches no kernel)
        if n == 0:
            raise IndexError(f"kthvalue(): Expected reduction dim {dim} to have non-zero size.")
        if not 1 <= k <= n:
            raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
        if a.ndim == 0:
            vals, idx = a.copy(), np.zeros((), np.int64)
        elif a.dtype == np.bool_:
            raise NotImplementedError('"kthvalue_cpu" not implemented for \'Bool\'')
        else:
            vals, idx = _pick(a, dim, keepdim, k - 1, _quick_select)
        return _save_selection(ctx, a, dim, keepdim, vals, idx)

    @staticmethod
    def backward(ctx, g, _g_idx=None):
        return _selection_grad(ctx, g), None, None, None

    @staticmethod
    def differentiable_backward(ctx, g, _g_idx=None):
        return _selection_graph_grad(ctx, g), None, None, None


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *, out=None):
    """The ``k``-th smallest element along ``dim`` (``torch.return_types.kthvalue``)."""
    no_kernel("kthvalue_cpu", input)
    d = _wrap_dim(dim, input.dim())
    return return_types.kthvalue(Kthvalue.apply(input, int(k), d, keepdim))
