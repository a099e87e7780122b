"""Value-selecting reductions: median, nanmedian, mode, cummax, cummin.

Each returns values and the indices they came from, and its grad goes back through
those indices. Indices among equal elements follow torch's CPU kernels (see ``sorting``).
"""
from __future__ import annotations

import numpy as np

from .. import return_types
from .._tensor import Tensor, _wrap_dim
from ..autograd.function import _NumpyFunction as Function
from ._no_complex import no_kernel, refuse
from .sorting import (_ranks, _rows, _save_selection, _selection_grad, _selection_graph_grad, _sort_indices,
                      _std_sort_order, _take_selected)

__all__ = ["median", "nanmedian", "mode", "cummax", "cummin"]


def _empty_median(dtype: np.dtype) -> np.ndarray:
    """torch's median of no elements: NaN converted to the dtype as x86 converts it (bool True, int32/int64 their
    minimum, narrower integers 0)."""
    if dtype.kind in "fc":
        return np.asarray(np.nan, dtype)
    if dtype.kind == "b":
        return np.asarray(True)
    return np.asarray(np.iinfo(dtype).min if dtype in (np.int32, np.int64) else 0, dtype)


class Median(Function):
    """lower median of all elements (NaN if any);  da = g shared evenly by the elements equal to it"""

    @staticmethod
    def forward(ctx, a, ignore_nan):
        flat = a.reshape(-1)
        if ignore_nan and flat.dtype.kind == "f":
            flat = flat[~np.isnan(flat)]
        if flat.size == 0:
            out = _empty_median(a.dtype)
        else:
            s = np.sort(flat)  # NaN sorts last; a NaN anywhere makes the median NaN
            out = np.asarray(s[-1] if s.dtype.kind == "f" and np.isnan(s[-1]) else s[(s.size - 1) // 2], a.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        mask = (a == out) | (np.isnan(a) & np.isnan(out)) if a.dtype.kind == "f" else a == out
        return (np.where(mask, g / mask.sum(), 0)).astype(a.dtype), None


class Nanmedian(Median):
    pass


class MedianDim(Function):
    """lower median along ``dim`` (the first NaN, if any);  da = g at its index"""

    _backward_name = "MedianBackward1"
    _ignore_nan = False

    @classmethod
    def forward(cls, ctx, a, dim, keepdim):
        name = "nanmedian" if cls._ignore_nan else "median"
        if a.ndim and a.shape[dim] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
        if a.ndim == 0:
            vals, idx = a.copy(), np.zeros((), np.int64)
        else:
            vals, idx = cls._rows_median(a, dim, keepdim)
        return _save_selection(ctx, a, dim, keepdim, vals, idx)

    @classmethod
    def _rows_median(cls, a, dim, keepdim):
        a2 = _rows(a, dim)
        n = a2.shape[1]
        nans = np.isnan(a2) if a2.dtype.kind == "f" else np.zeros(a2.shape, bool)
        n_nan = nans.sum(axis=1)
        # aten's nth_element here breaks ties by position, so the answer is the stable order's element
        order = np.argsort(a2, axis=1, kind="stable")
        pos = np.maximum((n - n_nan - 1) // 2, 0) if cls._ignore_nan else np.full(a2.shape[0], (n - 1) // 2)
        idx = order[np.arange(a2.shape[0]), pos]
        if not cls._ignore_nan:
            idx = np.where(n_nan > 0, np.argmax(nans, axis=1), idx)  # torch returns the first NaN
        return _take_selected(a, idx, dim, keepdim)

    @staticmethod
    def backward(ctx, g, _g_idx=None):
        return _selection_grad(ctx, g), None, None

    @staticmethod
    def differentiable_backward(ctx, g, _g_idx=None):
        return _selection_graph_grad(ctx, g), None, None


class NanmedianDim(MedianDim):
    _backward_name = "NanmedianBackward1"
    _ignore_nan = True


def _no_bool(input: Tensor, dim) -> None:
    if input._data.dtype == np.bool_:  # torch's kernels for median/nanmedian have no bool instance
        raise NotImplementedError(f'"{"median_cpu" if dim is None else "median_out"}" not implemented for \'Bool\'')


def median(input: Tensor, dim: int | None = None, keepdim: bool = False, *, out=None):
    """Lower median; with ``dim``, ``torch.return_types.median`` (values, indices)."""
    if dim is not None or input.numel():  # torch answers an empty input before its kernel's dtype check
        _no_bool(input, dim)
    no_kernel("median_cpu" if dim is None else "median_out", input)
    if dim is None:
        return Median.apply(input, False)
    d = _wrap_dim(dim, input.dim())
    return return_types.median(MedianDim.apply(input, d, keepdim))


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False, *, out=None):
    """``median`` ignoring NaNs."""
    if dim is not None or input.numel():
        _no_bool(input, dim)
    if dim is None:
        return Nanmedian.apply(input, True)
    d = _wrap_dim(dim, input.dim())
    return return_types.nanmedian(NanmedianDim.apply(input, d, keepdim))


class Mode(Function):
    """most frequent value along ``dim`` (the smallest on a tie);  da = g at its index"""

    @staticmethod
    def forward(ctx, a, dim, keepdim):
        if a.ndim and a.shape[dim] == 0:
            raise IndexError(f"mode(): Expected reduction dim {dim} to have non-zero size.")
        if a.ndim == 0:
            vals, idx = a.copy(), np.zeros((), np.int64)
        else:
            a2 = _rows(a, dim)
            # aten sorts (value, index) pairs with std::sort, then keeps the last pair of the first longest run
            order = _sort_indices(a2, False, False)
            _, ranks, _ = _ranks(a2)
            sr = np.take_along_axis(ranks, order, 1)
            idx = np.empty(a2.shape[0], np.int64)
            has_nan = np.isnan(a2).any(axis=1) if a2.dtype.kind == "f" else np.zeros(a2.shape[0], bool)
            for r in range(a2.shape[0]):
                if has_nan[r]:
                    # NaN breaks '<' as a strict order: replay std::sort on the raw values, NaNs never equal
                    perm = _std_sort_order(a2[r].tolist())
                    order[r] = perm
                    v = a2[r, perm]
                    sr[r] = np.concatenate([[0], np.cumsum(v[1:] != v[:-1])])
                ends = np.append(np.flatnonzero(sr[r, 1:] != sr[r, :-1]), a2.shape[1] - 1)
                runs = np.diff(np.append(-1, ends))
                idx[r] = order[r, ends[np.argmax(runs)]]
            vals, idx = _take_selected(a, idx, dim, keepdim)
        return _save_selection(ctx, a, dim, keepdim, vals, idx)

    @staticmethod
    def backward(ctx, g, _g_idx=None):
        return _selection_grad(ctx, g), None, None

    @staticmethod
    def differentiable_backward(ctx, g, _g_idx=None):
        return _selection_graph_grad(ctx, g), None, None


def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, out=None):
    """The most frequent value along ``dim`` and an index of it (``torch.return_types.mode``)."""
    no_kernel("mode_cpu", input)
    return return_types.mode(Mode.apply(input, _wrap_dim(dim, input.dim()), keepdim))


class Cummax(Function):
    """running max along ``dim`` and where it was (last) attained;  da = g summed at those indices"""

    _acc = staticmethod(np.maximum.accumulate)

    @classmethod
    def forward(cls, ctx, a, dim):
        if a.ndim == 0:
            vals, idx = a.copy(), np.zeros((), np.int64)
        else:
            vals = cls._acc(a, axis=dim)
            # torch updates the index on ties too (>=), and at every NaN once one has been seen
            hit = a == vals
            if a.dtype.kind == "f":
                hit |= np.isnan(a)
            pos = np.arange(a.shape[dim]).reshape([-1 if i == dim else 1 for i in range(a.ndim)])
            idx = np.maximum.accumulate(np.where(hit, pos, -1), axis=dim).astype(np.int64)
        ctx.meta = (a.shape, a.dtype, dim)
        ctx.save_for_backward(idx)
        ctx.mark_non_differentiable(idx)
        return vals, idx

    @staticmethod
    def backward(ctx, g, _g_idx=None):
        shape, dtype, dim = ctx.meta
        (idx,) = ctx.saved_tensors
        if not shape:
            return g.astype(dtype).copy(), None
        out = np.zeros(shape, dtype)
        grid = list(np.indices(shape, sparse=True))
        grid[dim] = idx
        np.add.at(out, tuple(grid), g)
        return out, None


class Cummin(Cummax):
    _acc = staticmethod(np.minimum.accumulate)


def cummax(input: Tensor, dim: int, *, out=None):
    if input.dim():
        no_kernel("cummax_cpu", input)
    return return_types.cummax(Cummax.apply(input, _wrap_dim(dim, input.dim())))


def cummin(input: Tensor, dim: int, *, out=None):
    if input.dim():
        no_kernel("cummin_cpu", input)
    return return_types.cummin(Cummin.apply(input, _wrap_dim(dim, input.dim())))
