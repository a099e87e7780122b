"""Index-writing ops beyond scatter/scatter_add: scatter_reduce, scatter(reduce=), index_copy, masked_scatter,
put/put_ (their in-place forms come from _tensor.py's in-place table)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap_dim
from ..autograd.function import _NumpyFunction as Function
from .indexing import _dname, _gathered, _scatter_checks

__all__ = ["scatter_reduce", "index_copy", "masked_scatter", "put", "index_reduce"]

_UFUNC = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}


def _targets(index: np.ndarray, dim: int) -> tuple:
    """The positions of ``out`` each index element writes to (index's own coordinates, ``dim`` replaced)."""
    idx = list(np.indices(index.shape, sparse=True))
    idx[dim] = index
    return tuple(idx)


def _block(src: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The leading block of src that index covers (torch reads only that much)."""
    return src[tuple(slice(0, s) for s in index.shape)]


def _identity(ufunc, dtype):
    if ufunc is np.maximum:
        return -np.inf if dtype.kind == "f" else (False if dtype == np.bool_ else np.iinfo(dtype).min)
    if ufunc is np.minimum:
        return np.inf if dtype.kind == "f" else (True if dtype == np.bool_ else np.iinfo(dtype).max)
    return 1 if ufunc is np.multiply else 0


class ScatterReduce(Function):
    """out = a with src reduced into it at index along dim (sum/prod/mean/amax/amin, with or without a's values)"""

    _backward_name = "ScatterReduceBackward0"

    @staticmethod
    def forward(ctx, a, dim, index, src, reduce, include_self):
        uf = _UFUNC[reduce]
        out = a.copy()
        where = _targets(index, dim)
        vals = _block(src, index)
        hit = np.zeros(a.shape, bool)
        hit[where] = True
        count = np.zeros(a.shape, np.int64)
        np.add.at(count, where, 1)
        if not include_self and hit.any():
            out[hit] = _identity(uf, a.dtype)
        uf.at(out, where, vals)
        if reduce == "mean":
            n = count + (1 if include_self else 0)
            n = np.maximum(n, 1)
            out = (out // n if a.dtype.kind in "iu" else out / n).astype(a.dtype)
        ctx.meta = (dim, index, src.shape, reduce, include_self, hit, count)
        ctx.save_for_backward(a, src, out)
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index, src_shape, reduce, incl, hit, count = ctx.meta
        a, src, out = ctx.saved_tensors
        where = _targets(index, dim)
        vals = _block(src, index)
        gs = np.zeros(src_shape, g.dtype)
        block = tuple(slice(0, s) for s in index.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            if reduce == "sum":
                ga = g if incl else np.where(hit, 0, g)
                gs[block] = _gathered(g, index, dim)
            elif reduce == "mean":
                n = np.maximum(count + (1 if incl else 0), 1)
                ga = g / n if incl else np.where(hit, 0, g)
                gs[block] = _gathered(g / n, index, dim)
            elif reduce == "prod":
                # d out / d x = product of the others = out / x (NaN-free only where x != 0, as in torch's fast path)
                ga = g * out / a if incl else np.where(hit, 0, g)
                gs[block] = _gathered(g * out, index, dim) / vals
            else:  # amax/amin: the grad is shared evenly by every value equal to the result
                self_is = ~hit | (a == out) if incl else ~hit
                vals_is = vals == _gathered(out, index, dim)
                n = self_is.astype(g.dtype)
                np.add.at(n, where, vals_is.astype(g.dtype))
                share = g / n
                ga = np.where(self_is, share, 0)
                gs[block] = np.where(vals_is, _gathered(share, index, dim), 0)
        return ga.astype(g.dtype), None, None, gs, None, None


class ScatterOp(Function):
    """scatter(reduce='add'/'multiply'): the older reduction form, which torch does not differentiate"""

    _backward_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, a, dim, index, src, reduce):
        out = a.copy()
        if index.size:
            # a number is first converted to a's dtype (int8 * -1.5 multiplies by -1), as torch's kernel does
            val = _block(src, index) if isinstance(src, np.ndarray) else np.asarray(src).astype(a.dtype)
            (np.add if reduce == "add" else np.multiply).at(out, _targets(index, dim), val)
        return out

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::scatter is not implemented")


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)
    if reduce not in _UFUNC:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    d, idx = _scatter_checks(input, dim, index, "scatter_reduce", src)
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if reduce == "mean" and input._data.dtype == np.bool_:
        # the scatter kernel refuses bools; with nothing to scatter, the mean's division does
        kernel = "scatter_gather_tensor_cpu_reduce_mean" if idx.size else "div_floor_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    if reduce in ("amax", "amin") and input._data.dtype.kind == "c" and input._data.size and idx.size:
        from .compose import _not_impl
        raise NotImplementedError(_not_impl(f"scatter_gather_tensor_cpu_reduce_{reduce}", input))
    a, s = input, src
    if input.dim() == 0:  # a 0-dim tensor scatters as one element of one dim
        a, s = input.reshape(1), src.reshape(-1)
        idx = idx.reshape(-1)
    out = ScatterReduce.apply(a, d, idx.astype(np.int64), s, reduce, include_self)
    return out.reshape(()) if input.dim() == 0 else out


def scatter_with_reduce(input: Tensor, dim: int, index: Tensor, src, reduce: str) -> Tensor:
    """scatter(..., reduce=): torch's deprecated 'add'/'multiply' forms."""
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if isinstance(src, Tensor):
        import warnings
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
                      "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                      UserWarning, stacklevel=3)
    d, idx = _scatter_checks(input, dim, index, "scatter", src)
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        return ScatterOp.apply(input, d, idx, src, reduce)
    return ScatterOp.apply(input, d, idx, src, reduce)


class IndexCopy(Function):
    """out = a with slices of src written at index along dim;  da = g zeroed there,  dsrc = g picked at index"""

    @staticmethod
    def forward(ctx, a, dim, index, src):
        ctx.meta = (dim, index)
        out = a.copy()
        np.moveaxis(out, dim, 0)[index] = np.moveaxis(src, dim, 0) if src.ndim else src
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index = ctx.meta
        ga = g.copy()
        np.moveaxis(ga, dim, 0)[index] = 0
        return ga, None, None, np.take(g, index, axis=dim)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    d = _wrap_dim(dim, input.dim())
    if index._data.dtype != np.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {_dname(index._data.dtype)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{_dname(input._data.dtype)} and (source) {_dname(source._data.dtype)}")
    if index.dim() > 1:
        raise IndexError("index_copy_(): Index should have dimension 1 or 0 (got 2)".replace("2", str(index.dim())))
    idx = index._data.reshape(-1)
    n_src = source._data.shape[d] if source.dim() else 1
    if idx.size != n_src:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to source.size(dim) "
                         f"({n_src})")
    sa, sb = list(input._data.shape), list(source._data.shape)
    if input.dim() and source.dim():
        for k in range(max(len(sa), len(sb))):
            if k != d and (k >= len(sa) or k >= len(sb) or sa[k] != sb[k]):
                break
        else:
            k = None
        if k is not None or len(sa) != len(sb):
            k = k if k is not None else min(len(sa), len(sb))
            raise RuntimeError("index_copy_(): Source/destination tensor must have same slice shapes. Destination "
                               f"slice shape: {_slice_text(sa, d)} at dimension {d} and source slice shape: "
                               f"{_slice_text(sb, d)} at dimension {d}.")
    n = sa[d] if input.dim() else 1
    bad = (idx < 0) | (idx >= n)
    if bad.any() and source._data.size:  # (nothing is copied from an empty source, so nothing is checked)
        raise IndexError(f"index_copy_(): index {int(idx[np.argmax(bad)])} is out of bounds for dimension {d} with "
                         f"size {n}")
    if input.dim() == 0:
        return IndexCopy.apply(input.reshape(1), 0, idx, source.reshape(1)).reshape(())
    return IndexCopy.apply(input, d, idx, source)


def _slice_text(shape: list, d: int) -> str:
    return " ".join(str(n) for k, n in enumerate(shape) if k != d)


class MaskedScatter(Function):
    """out = a with the mask's True places filled, in order, from src's first elements;
    da = g where the mask is False,  dsrc = g's masked values in order, then zeros"""

    @staticmethod
    def forward(ctx, a, mask, src):
        shape = np.broadcast_shapes(a.shape, mask.shape)
        out = np.broadcast_to(a, shape).copy()
        m = np.broadcast_to(mask, shape)
        k = int(m.sum())
        out[m] = src.reshape(-1)[:k]
        ctx.meta = (a.shape, m, src.shape, k)
        return out

    @staticmethod
    def backward(ctx, g):
        from ._broadcast import sum_to_shape
        a_shape, m, src_shape, k = ctx.meta
        gs = np.zeros(int(np.prod(src_shape)), g.dtype)
        gs[:k] = g[m]
        return sum_to_shape(np.where(m, 0, g), a_shape), None, gs.reshape(src_shape)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_dname(mask._data.dtype)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{_dname(input._data.dtype)} and {_dname(source._data.dtype)}")
    shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    if int(np.broadcast_to(mask._data, shape).sum()) > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatter.apply(input, mask._data, source)


class Put(Function):
    """out = a with src written (or added) at flat positions;  da = g (zeroed at the written places),
    dsrc = g at those places"""

    @staticmethod
    def forward(ctx, a, index, src, accumulate):
        ctx.meta = (index, src.shape, accumulate)
        out = a.copy()
        flat = out.reshape(-1)
        if accumulate:
            np.add.at(flat, index, src.reshape(-1))
        else:
            flat[index] = src.reshape(-1)
        return flat.reshape(a.shape)

    @staticmethod
    def backward(ctx, g):
        index, src_shape, accumulate = ctx.meta
        ga = g.copy()
        if not accumulate:
            ga.reshape(-1)[index] = 0
        return ga, None, g.reshape(-1)[index].reshape(src_shape), None


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    if index._data.dtype != np.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {_dname(index._data.dtype)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{_dname(input._data.dtype)} and source.dtype = {_dname(source._data.dtype)}")
    if index._data.size != source._data.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source._data.size}, index.numel() = {index._data.size}")
    n = input._data.size
    idx = index._data.reshape(-1)
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise IndexError(f"out of range: tried to access index {int(idx[np.argmax(bad)])} on a tensor of {n} "
                         "elements.")
    return Put.apply(input, idx % max(n, 1), source, bool(accumulate))


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """scatter_reduce with one index per slice of source along ``dim`` (prod/mean/amax/amin)."""
    from .indexing import _check_source, _index_bounds, _index_vector
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"index_reduce_(): Expected dtype int32/int64 for index but got: {_dname(index._data.dtype)}")
    idx = _index_vector(index, "index_reduce_")
    d = _wrap_dim(dim, input.dim())
    _check_source(input, d, idx, source, "index_reduce_")
    _index_bounds(input, d, idx, named=False)
    dt = input._data.dtype
    if dt.kind in "bc" and idx.size:  # (an empty index runs no kernel)
        from .compose import _not_impl
        kernel = "index_reduce_func_exclude_input_init" if not include_self else "index_func_"
        raise NotImplementedError(_not_impl(kernel, input))
    if input.dim() == 0:
        return index_reduce(input.reshape(1), 0, index, source.reshape(1), reduce,
                            include_self=include_self).reshape(())
    shape = [1] * source.dim()
    shape[d] = idx.size
    full = np.broadcast_to(idx.astype(np.int64).reshape(shape), source._data.shape)
    return ScatterReduce.apply(input, d, np.ascontiguousarray(full), source, reduce, include_self)
