"""``histogramdd``: counts of points (the rows of a (..., D) input) in a D-dimensional grid of bins, binned per
dim exactly as ``histogram`` bins (aten's linear-interpolation guess corrected by a local search)."""
from __future__ import annotations

import builtins

import numpy as np

from .. import return_types
from .._tensor import Tensor
from .histogram import _bin_positions, _count, _finite_range, _fmt, _type_name

__all__ = ["histogramdd"]

if not hasattr(return_types, "histogramdd"):
    return_types.histogramdd = return_types._make("histogramdd", ("hist", "bin_edges"))


def _edges_of(x: np.ndarray, bins, lo_hi, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges and bin index (-1 outside) of the values x along one dim."""
    from .._creation import linspace
    if isinstance(bins, Tensor):
        if bins.dim() != 1:
            raise RuntimeError("torch.histogramdd: bins tensor should have one dimension, but got "
                               f"{bins.dim()} dimensions in the bins tensor for dimension {d}")
        edges = bins._data.astype(x.dtype)
        nb = len(edges) - 1
        inside = (x >= edges[0]) & (x <= edges[-1])
        pos = np.searchsorted(edges, x, side="right") - 1  # aten's upper_bound - 1
        pos = np.where(pos == nb, nb - 1, pos)
        return edges, np.where(inside, pos, -1)
    nb = int(bins)
    if nb <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {nb} for dimension {d}")
    if lo_hi is not None:
        lo, hi = lo_hi
    elif x.size:
        lo, hi = float(np.min(x)), float(np.max(x))
    else:
        lo, hi = 0.0, 1.0  # (an empty input's default range)
    if lo > hi:
        raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {_fmt(lo)} max {_fmt(hi)} "
                           f"for dimension {d}")
    _finite_range(lo, hi, "torch.histogramdd")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = linspace(lo, hi, nb + 1, dtype=Tensor._make(x[:0]).dtype)._data
    return edges, _bin_positions(x, edges, local_search=True)


def histogramdd(input: Tensor, bins, *, range=None, weight: Tensor | None = None, density: bool = False):
    """``return_types.histogramdd(hist, bin_edges)``: hist[i0, ..., iD-1] counts (or sums the weights of) the
    points whose coordinate d falls in bin i_d; ``bins`` is a count, one count per dim, or the edges per dim."""
    a = input._data
    if a.dtype.kind != "f":
        raise NotImplementedError(f'"histogramdd" not implemented for \'{_type_name(a)}\'')
    if a.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    D = a.shape[-1]
    pts = a.reshape(-1, D)
    if isinstance(bins, (int, np.integer)):
        bins = [int(bins)] * D
    bins = list(bins)
    if len(bins) != D:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    if range is not None and len(range) != 2 * D:
        raise RuntimeError(f"torch.histogramdd: for a {D}-dimensional histogram range should have {2 * D} "
                           f"elements, but got {len(range)}")
    w = None
    if weight is not None:
        if tuple(weight.shape) != a.shape[:-1]:
            raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                               "input tensor excluding its innermost dimension, but got input with shape "
                               f"[{', '.join(map(str, a.shape))}] and weight with shape "
                               f"[{', '.join(map(str, weight.shape))}]")
        w = weight._data.reshape(-1)
    edges, flat = [], np.zeros(len(pts), np.int64)
    inside = np.ones(len(pts), bool)
    for d in builtins.range(D):  # (range is an argument here)
        lo_hi = (float(range[2 * d]), float(range[2 * d + 1])) if range is not None else None
        e, pos = _edges_of(pts[:, d], bins[d], lo_hi, d)
        edges.append(e)
        inside &= pos >= 0
        flat = flat * (len(e) - 1) + np.maximum(pos, 0)
    shape = tuple(len(e) - 1 for e in edges)
    hist = _count(np.where(inside, flat, -1), int(np.prod(shape)), w, a.dtype).reshape(shape)
    if density:
        with np.errstate(invalid="ignore", divide="ignore"):
            hist = hist / hist.sum()  # aten: the total first, then each dim's bin widths
            for d, e in enumerate(edges):
                view = [1] * D
                view[d] = -1
                hist = hist / np.diff(e).reshape(view)
        hist = hist.astype(a.dtype)
    return return_types.histogramdd((Tensor._make(hist), tuple(Tensor._make(np.array(e)) for e in edges)))

