"""Counting and searching: unique, unique_consecutive, bincount, histc, histogram, searchsorted, bucketize.

None of these has a gradient in torch, so they are plain functions on NumPy arrays.
Binning repeats torch's CPU kernel (aten HistogramKernel.cpp): the bin of ``x`` is
``int((x - lo) * nbins / (hi - lo))`` in the input's own dtype (so float32 rounding
decides edge cases as it does in torch), the top edge is inclusive, and
``histogram`` then corrects that guess against the actual edges.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .. import return_types
from .._tensor import Tensor, _SCALAR_NAMES, _wrap_dim

__all__ = ["unique", "unique_consecutive", "bincount", "histc", "histogram", "searchsorted", "bucketize"]


def _type_name(a: np.ndarray) -> str:
    return _SCALAR_NAMES[D._FROM_NUMPY[a.dtype].name]


def _out(*arrays):
    """A tensor, or a tuple of tensors when there are several (torch.unique's return convention)."""
    ts = tuple(a if isinstance(a, Tensor) else Tensor._make(a if a.flags.c_contiguous else a.copy())
               for a in arrays)  # (ascontiguousarray: >= 1-D)
    return ts[0] if len(ts) == 1 else ts


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None):
    """Distinct elements (or slices along ``dim``), always in ascending order; NaNs stay distinct as in torch."""
    # ember always sorts: torch's CPU kernel also returns sorted output for sorted=False
    a = input._data
    if a.dtype.kind == "c":
        from .compose import _not_impl
        raise NotImplementedError(_not_impl("unique", input))
    if dim is None:
        vals, inv, counts = np.unique(a.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
        inv = inv.reshape(a.shape)
    else:
        d = _unique_dim(a, dim)
        if a.size == 0:  # (NumPy cannot take unique slices of an empty array)
            vals, inv, counts = a.copy(), np.zeros(0, np.int64), np.zeros(0, np.int64)
        else:
            vals, inv, counts = np.unique(a, return_inverse=True, return_counts=True, axis=d)
        vals = _dim_outermost(vals, d)
        inv = inv.reshape(-1)
    res = [vals]
    if return_inverse:
        res.append(inv.astype(np.int64))
    if return_counts:
        res.append(counts.astype(np.int64))
    return _out(*res)


def _unique_dim(a: np.ndarray, dim: int) -> int:
    from .._tensor import _dim_of
    d = _dim_of(dim, a.ndim, "unique")
    if a.size == 0 and any(n == 0 for k, n in enumerate(a.shape) if k != d):
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
    return d


def _dim_outermost(vals: np.ndarray, d: int) -> np.ndarray:
    """torch builds the slices along ``d`` one after another: ``d`` is the outermost dim of the result's layout."""
    if vals.size == 0:
        return Tensor._make(np.ascontiguousarray(vals))
    moved = np.moveaxis(vals, d, 0)
    buf = np.empty(moved.shape, vals.dtype)  # fresh, so even size-1 dims get their row-major strides
    buf[...] = moved
    return Tensor._make(np.moveaxis(buf, 0, d))


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """Collapse runs of equal consecutive elements (or slices along ``dim``)."""
    a = input._data
    if dim is None:
        flat = a.reshape(-1)
        change = flat[1:] != flat[:-1]
        keep = np.concatenate([[True], change]) if flat.size else np.zeros(0, bool)
        vals = flat[keep]
        inv = (np.cumsum(keep) - 1).reshape(a.shape)
    else:
        d = _unique_dim(a, dim)
        m = np.moveaxis(a, d, 0).reshape(a.shape[d], -1) if a.size else np.zeros((0, 0), a.dtype)
        change = (m[1:] != m[:-1]).any(axis=1)
        keep = np.concatenate([[True], change]) if len(m) else np.zeros(0, bool)
        vals = _dim_outermost(np.take(a, np.flatnonzero(keep), axis=d), d)
        inv = np.cumsum(keep) - 1
    counts = np.diff(np.append(np.flatnonzero(keep), len(keep)))
    res = [vals]
    if return_inverse:
        res.append(inv.astype(np.int64))
    if return_counts:
        res.append(counts.astype(np.int64))
    return _out(*res)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Occurrences of each non-negative integer (or the sum of its ``weights``)."""
    a = input._data
    if a.dtype.kind not in "iu":
        raise NotImplementedError(f'"bincount_cpu" not implemented for \'{_type_name(a)}\'')
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    length = max(int(a.max()) + 1 if a.size else 0, minlength)
    if weights is None or not a.size:  # torch: an empty input counts in int64 whatever the weights
        return Tensor._make(np.bincount(a, minlength=length).astype(np.int64))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != a.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    # float32 weights give float32 counts, anything else float64; accumulate in order like torch's loop
    out_dtype = np.float32 if w.dtype == np.float32 else np.float64
    out = np.zeros(length, out_dtype)
    np.add.at(out, a, w.astype(out_dtype))
    return Tensor._make(out)


def _bin_positions(x: np.ndarray, edges: np.ndarray, local_search: bool) -> np.ndarray:
    """torch's LINEAR_INTERPOLATION(_WITH_LOCAL_SEARCH) bin index per element; -1 for out of range."""
    lo, hi = edges[0], edges[-1]
    nbins = len(edges) - 1
    inside = (x >= lo) & (x <= hi)
    with np.errstate(invalid="ignore", over="ignore"):
        pos = ((x - lo) * x.dtype.type(nbins) / (hi - lo))
    pos = np.where(inside, pos, 0).astype(np.int64)
    if local_search:
        # upper_bound over edges[pos-1 : pos+2], as aten does to fix the guess's rounding
        start = np.maximum(pos - 1, 0)
        stop = np.minimum(pos + 2, nbins + 1)
        count = np.zeros_like(pos)
        for o in range(3):
            i = start + o
            count += (i < stop) & (edges[np.minimum(i, nbins)] <= x)
        pos = start + count - 1
    pos = np.where(pos == nbins, nbins - 1, pos)  # the last edge belongs to the last bin
    return np.where(inside, pos, -1)


_GRAIN = 200  # aten HISTOGRAM_GRAIN_SIZE


def _count(pos: np.ndarray, nbins: int, weight: np.ndarray | None, dtype) -> np.ndarray:
    keep = pos >= 0
    if weight is None:
        return np.bincount(pos[keep], minlength=nbins).astype(dtype)
    # torch splits the elements into one chunk per thread (at::parallel_for), sums each chunk in order,
    # then adds the chunk totals; ember follows the same split for get_num_threads() threads so
    # weighted sums round the same way
    from .._config import get_num_threads
    n = len(pos)
    threads = max(1, min(get_num_threads(), -(-n // _GRAIN)))
    chunk = -(-n // threads) if n else 1
    hist = np.zeros(nbins, dtype)
    for start in range(0, n, chunk):
        part = np.zeros(nbins, dtype)
        k = keep[start:start + chunk]
        np.add.at(part, pos[start:start + chunk][k], weight[start:start + chunk][k].astype(dtype))
        hist += part
    return hist


def _finite_range(lo: float, hi: float, name: str) -> None:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"{name}: range of [{_fmt(lo)}, {_fmt(hi)}] is not finite")


def _fmt(v: float) -> str:
    return "inf" if v == np.inf else "-inf" if v == -np.inf else "nan" if v != v else f"{v:g}"


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0, *, out=None) -> Tensor:
    """Counts in ``bins`` equal bins over [min, max] (the data's range when min == max); floats only."""
    from .._creation import linspace
    a = input._data
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(np.min(a)), float(np.max(a))
    if lo == hi:
        lo, hi = lo - 1, hi + 1  # histc widens an empty range by 1 (histogram by 0.5)
    _finite_range(lo, hi, "torch.histc")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    # torch builds the edges in the input's dtype before its kernel refuses a non-float input, so a bool input or
    # a range outside an integer dtype fails in linspace first
    edges = linspace(lo, hi, bins + 1, dtype=input.dtype)._data
    if a.dtype.kind != "f":
        raise NotImplementedError(f'"histogram_cpu" not implemented for \'{_type_name(a)}\'')
    pos = _bin_positions(a.reshape(-1), edges, local_search=False)
    return Tensor._make(_count(pos, bins, None, a.dtype))


def histogram(input: Tensor, bins: int | Tensor, *, range: tuple[float, float] | None = None,
              weight: Tensor | None = None, density: bool = False, out=None):
    """``torch.return_types.histogram(hist, bin_edges)``; ``bins`` is a count or the edges themselves."""
    from .._creation import linspace
    a = input._data
    if a.dtype.kind != "f":
        raise NotImplementedError(f'"histogramdd" not implemented for \'{_type_name(a)}\'')
    x = a.reshape(-1)
    w = None if weight is None else weight._data.reshape(-1)
    if isinstance(bins, Tensor):
        if bins.dim() != 1:
            raise RuntimeError("torch.histogramdd: bins tensor should have one dimension, but got "
                               f"{bins.dim()} dimensions in the bins tensor for dimension 0")
        edges = bins._data.astype(a.dtype)
        nb = len(edges) - 1
        inside = (x >= edges[0]) & (x <= edges[-1])
        pos = np.searchsorted(edges, x, side="right") - 1  # aten's upper_bound - 1
        pos = np.where(pos == nb, nb - 1, pos)
        pos = np.where(inside, pos, -1)
    else:
        nb = int(bins)
        if nb <= 0:
            raise RuntimeError(f"torch.histogramdd(): bins must be > 0, but got {nb} for dimension 0")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif x.size:
            lo, hi = float(np.min(x)), float(np.max(x))
        else:
            lo, hi = 0.0, 1.0  # torch's default range for an empty input
        if lo > hi:
            raise RuntimeError("torch.histogramdd: min should not exceed max, but got min "
                               f"{_fmt(lo)} max {_fmt(hi)} for dimension 0")
        _finite_range(lo, hi, "torch.histogramdd")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = linspace(lo, hi, nb + 1, dtype=input.dtype)._data
        pos = _bin_positions(x, edges, local_search=True)
    hist = _count(pos, nb, w, a.dtype)
    if density:
        widths = np.diff(edges)
        with np.errstate(invalid="ignore", divide="ignore"):
            # aten divides by the total first, then by the bin widths (the order sets the rounding)
            hist = (hist / hist.sum() / widths).astype(a.dtype)
    return return_types.histogram((Tensor._make(hist), Tensor._make(np.array(edges))))


def _binary_search(bd: np.ndarray, vals: np.ndarray, right: bool, sorter: np.ndarray | None) -> np.ndarray:
    """aten's cus_lower_bound/cus_upper_bound on rows of ``bd``, vectorised (keeps its NaN behaviour)."""
    rows, n = bd.shape
    row = np.arange(rows)[:, None]
    start = np.zeros(vals.shape, np.int64)
    end = np.full(vals.shape, n, np.int64)
    while True:
        active = start < end
        if not active.any():
            return start
        mid = start + ((end - start) >> 1)
        m = np.minimum(mid, n - 1)
        mid_val = bd[row, sorter[row, m]] if sorter is not None else bd[row, m]
        with np.errstate(invalid="ignore"):
            go_right = ~(mid_val > vals) if right else ~(mid_val >= vals)
        start = np.where(active & go_right, mid + 1, start)
        end = np.where(active & ~go_right, mid, end)


def searchsorted(sorted_sequence: Tensor, input: Tensor | float, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, out=None, sorter: Tensor | None = None) -> Tensor:
    """Insertion points of ``input`` into the innermost dim of ``sorted_sequence``."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    bd = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    vals = np.asarray(input) if scalar else input._data
    if bd.ndim > 1 and (scalar or bd.shape[:-1] != vals.shape[:-1]):
        got = "a scalar value" if scalar else f"input value tensor {list(vals.shape)}"
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           "dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(bd.shape)} and {got}")
    common = np.result_type(bd.dtype, vals.dtype)
    if common.kind in "bc" and vals.size:  # (no kernel runs for no values)
        from .compose import _not_impl
        raise NotImplementedError(_not_impl("searchsorted_out_cpu", Tensor._make(np.empty(0, common))))
    shape = vals.shape
    # one row of boundaries per row of values (explicit sizes: -1 cannot be inferred for empty tensors)
    rows = int(np.prod(bd.shape[:-1])) if bd.ndim > 1 else 1
    bd2 = bd.reshape(rows, bd.shape[-1] if bd.ndim else 1).astype(common, copy=False)
    v2 = vals.reshape(rows, vals.size // rows if rows else 0).astype(common, copy=False)
    s2 = None if sorter is None else sorter._data.reshape(bd2.shape)
    if bd2.shape[1] == 0 or v2.size == 0:
        res = np.zeros(shape, np.int64)
    else:
        res = _binary_search(bd2, v2, right, s2).reshape(shape)
    return Tensor._make(res.astype(np.int32 if out_int32 else np.int64))


def bucketize(input: Tensor | float, boundaries: Tensor, *, out_int32: bool = False, right: bool = False,
              out=None) -> Tensor:
    """The bucket of each element of ``input`` given 1-D ``boundaries`` (``searchsorted`` with swapped arguments)."""
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.dim()})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
