"""Indexing: ``t[...]`` (basic indexing gives views, advanced indexing copies), ``t[...] = v``,
gather, scatter, index_select, masked_fill, masked_select, nonzero."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap_dim
from ..autograd.function import _NumpyFunction as Function
from ._broadcast import broadcast_error, sum_to_shape
from ._iter_layout import iter_strides, with_strides
from ._select import keep as _keep
from ..autograd.graph_engine import cast_grad, constant, constant_mask, put_back, sum_to

__all__ = ["getitem", "setitem", "gather", "take_along_dim", "scatter", "scatter_add", "index_select", "masked_fill",
           "masked_select", "nonzero", "take", "index_add", "index_fill", "argwhere"]


class Index(Function):
    """Advanced indexing (int/bool arrays; a copy);  da = g scattered back with accumulation"""

    @staticmethod
    def forward(ctx, a, index):
        ctx.meta = (a.shape, index)
        out = a[index]
        if out.ndim > 1:
            out = with_strides(out, _index_result_strides(a, index, out.shape))
        return out

    @staticmethod
    def backward(ctx, g):
        shape, index = ctx.meta
        out = np.zeros(shape, g.dtype)
        np.add.at(out, index, g)
        return out, None

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, index = ctx.meta
        return put_back(g, shape, np.arange(int(np.prod(shape))).reshape(shape)[index]), None


def _index_result_strides(a: np.ndarray, index: tuple, shape: tuple) -> tuple:
    """The strides torch gives ``a[index]`` (``index``: full slices and int/bool arrays, one entry per dim of a).

    torch's index kernel iterates over the result with two kinds of inputs: ``a`` restrided so that the indexed dims
    read with stride 0, and each index array broadcast to the result; the result gets their TensorIterator layout
    (see _iter_layout). The broadcast index dims stand where the indexed dims stood when those are adjacent, else
    first (NumPy's rule too)."""
    item = a.itemsize
    positions, arrays = [], []
    d = 0
    for i in index:
        if isinstance(i, np.ndarray) and i.dtype == bool:
            cols = max(i.ndim, 1)
            n = int(np.count_nonzero(i))
            for j in range(cols):  # a mask is its nonzero() columns: 1-D, stride = number of columns
                positions.append(d + j)
                arrays.append(((n,), (cols,)))
            d += cols
        elif isinstance(i, np.ndarray):
            positions.append(d)
            arrays.append((i.shape, tuple(st // i.itemsize for st in i.strides)))
            d += 1
        else:
            d += 1
    b = np.broadcast_shapes(*[sh for sh, _ in arrays])
    rest = [k for k in range(a.ndim) if k not in positions]
    a_strides = [st // item for st in a.strides]
    adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
    pre = [k for k in rest if k < positions[0]] if adjacent else []
    post = [k for k in rest if k not in pre]
    if tuple(a.shape[k] for k in pre) + b + tuple(a.shape[k] for k in post) != shape:
        return tuple(st // item for st in np.empty(shape, np.int8).strides)  # not expected: C order
    src = [a_strides[k] for k in pre] + [0] * len(b) + [a_strides[k] for k in post]
    operands = [tuple(src)]
    for sh, st in arrays:
        lead = len(b) - len(sh)
        bst = [0] * lead + [0 if n == 1 and m != 1 else s for n, s, m in zip(sh, st, b[lead:])]
        # torch reshapes each (broadcast) index to 1s around its dims: a 1 before a dim strides as that dim's whole
        # span, a 1 after the last one as that dim; where the result's size is 1 those strides still count
        before = bst[0] * b[0] if b else 1
        after = bst[-1] if b else 1
        operands.append(tuple([before if a.shape[k] == 1 else 0 for k in pre] + bst
                              + [after if a.shape[k] == 1 else 0 for k in post]))
    return iter_strides(shape, operands)


class IndexPut(Function):
    """out = a with out[index] = v;  da = g with the written places zeroed,  dv = g[index] summed to v's shape"""

    _backward_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, a, index, v):
        vs = np.shape(v)
        v = np.reshape(v, vs[next((k for k, n in enumerate(vs) if n != 1), len(vs)):])  # drop leading 1s, as torch
        ctx.meta = (index, vs, np.shape(v), getattr(v, "dtype", None))
        out = a.copy()
        out[index] = v
        return out

    @staticmethod
    def backward(ctx, g):
        index, v_shape, stripped, v_dtype = ctx.meta
        ga = gv = None
        if ctx.needs_input_grad[0]:
            ga = g.copy()
            ga[index] = 0
        if ctx.needs_input_grad[2]:
            gv = sum_to_shape(np.asarray(g[index]), stripped).reshape(v_shape).astype(v_dtype, copy=False)
        return ga, None, gv

    @staticmethod
    def differentiable_backward(ctx, g):
        index, v_shape, stripped, v_dtype = ctx.meta
        ga = gv = None
        if ctx.needs_input_grad[0]:
            keep = np.ones(g.shape, bool)
            keep[index] = False
            ga = constant_mask(g, keep)
        if ctx.needs_input_grad[2]:
            gv = cast_grad(sum_to(read_at(g, index), stripped).reshape(v_shape), v_dtype)
        return ga, None, gv


def read_at(g: Tensor, index: tuple) -> Tensor:
    """``g[index]`` (any NumPy index) as a recorded read of flat positions: its grad puts the values back."""
    positions = np.arange(g._data.size).reshape(g.shape)[index]
    return Take.apply(g, np.ascontiguousarray(positions))


class CopySlices(IndexPut):
    """IndexPut through basic indexing (torch's name for writes into a view of a tensor that requires grad)."""

    _backward_name = "torch::autograd::CopySlices"  # what torch's CopySlices node reports from name()


class Gather(Function):
    """out[i][j] = a[i][index[i][j]] (dim=1);  da = zeros with g scatter-added at index"""

    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.meta = (a.shape, dim, index)
        ctx.save_for_backward(a)  # unused by the formula, but torch saves it: an in-place change is an error there
        if not a.ndim:
            return np.full(index.shape, a[()], a.dtype)
        if index.size == 0:
            return np.empty(index.shape, a.dtype)
        return _gathered(a, index, dim)

    @staticmethod
    def backward(ctx, g):
        shape, dim, index = ctx.meta
        ctx.saved_tensors  # noqa: B018  (checks the saved input's version)
        out = np.zeros(shape, g.dtype)
        if not shape:
            out[()] = g.sum()
        else:
            _scatter_add_into(out, dim, index, g)
        return out, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, dim, index = ctx.meta
        if not shape:
            return g.sum(), None, None
        zeros = constant(np.zeros(shape, g._data.dtype))
        return zeros.scatter_add(dim, constant(index), g), None, None


def _gathered(a: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
    """``a[i][index[i][j]]`` along ``dim``; index may be shorter than ``a`` on the other axes (only a's leading
    block is read there, as torch does)."""
    block = tuple(slice(None) if k == dim else slice(0, n) for k, n in enumerate(index.shape))
    return np.take_along_axis(a[block], index, axis=dim)


def _scatter_add_into(out: np.ndarray, dim: int, index: np.ndarray, src: np.ndarray) -> None:
    if index.size == 0:
        return
    idx = list(np.indices(index.shape, sparse=True))
    idx[dim] = index
    np.add.at(out, tuple(idx), src[tuple(slice(0, s) for s in index.shape)])


def _scatter_into(out: np.ndarray, dim: int, index: np.ndarray, src) -> None:
    if index.size == 0:
        return
    idx = list(np.indices(index.shape, sparse=True))
    idx[dim] = index
    if isinstance(src, np.ndarray):
        src = src[tuple(slice(0, s) for s in index.shape)]
    out[tuple(idx)] = src


class Scatter(Function):
    """out = a with out[index[i][j]][j] = src[i][j] (dim=0);  da = g with scattered places zeroed,  dsrc = g gathered"""

    @staticmethod
    def forward(ctx, a, dim, index, src):
        ctx.meta = (dim, index, np.shape(src))
        out = a.copy()
        _scatter_into(out, dim, index, src)
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index, src_shape = ctx.meta
        ga = gs = None
        if ctx.needs_input_grad[0]:
            ga = g.copy()
            _scatter_into(ga, dim, index, 0)
        if ctx.needs_input_grad[3]:
            gs = np.zeros(src_shape, g.dtype)
            if index.size:
                gs[tuple(slice(0, s) for s in index.shape)] = _gathered(g, index, dim)
        return ga, None, None, gs

    @staticmethod
    def differentiable_backward(ctx, g):
        dim, index, src_shape = ctx.meta
        if not g.dim():
            return NotImplemented
        ga = gs = None
        if ctx.needs_input_grad[0]:
            keep = np.ones(g.shape, bool)
            _scatter_into(keep, dim, index, False)
            ga = constant_mask(g, keep)
        if ctx.needs_input_grad[3]:
            gs = _gathered_grad(g, dim, index, src_shape)
        return ga, None, None, gs


def _gathered_grad(g: Tensor, dim: int, index: np.ndarray, src_shape: tuple) -> Tensor:
    """g gathered at ``index`` along ``dim``, zero-filled to ``src_shape`` (a scatter's grad for its src)."""
    block = tuple(slice(0, n) for n in index.shape)
    positions = np.arange(g._data.size).reshape(g.shape)
    idx = list(np.indices(index.shape, sparse=True))
    idx[dim] = index
    full = np.full(src_shape, -1, np.int64)
    full[block] = positions[block[:dim] + (slice(None),) + block[dim + 1:]][tuple(idx)] if index.size else -1
    read = full >= 0
    if read.all():
        return Take.apply(g, full)
    picked = Take.apply(g, np.where(read, full, 0))
    return constant_mask(picked, read)


class ScatterValue(Scatter):
    _backward_name = "ScatterBackward1"


class ScatterAdd(Function):
    """out = a with src added at index along dim;  da = g,  dsrc = g gathered at index"""

    @staticmethod
    def forward(ctx, a, dim, index, src):
        ctx.meta = (dim, index, src.shape)
        out = a.copy()
        _scatter_add_into(out, dim, index, src)
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index, src_shape = ctx.meta
        gs = None
        if ctx.needs_input_grad[3]:
            gs = np.zeros(src_shape, g.dtype)
            if index.size:
                gs[tuple(slice(0, s) for s in index.shape)] = _gathered(g, index, dim)
        return g, None, None, gs

    @staticmethod
    def differentiable_backward(ctx, g):
        dim, index, src_shape = ctx.meta
        if not g.dim():
            return NotImplemented
        gs = _gathered_grad(g, dim, index, src_shape) if ctx.needs_input_grad[3] else None
        return g, None, None, gs


class IndexSelect(Function):
    """Rows (along dim) picked by a 1-D index;  da = g added back at those rows"""

    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.meta = (a.shape, dim, index)
        return np.take(a, index, axis=dim) if a.ndim else a.copy()

    @staticmethod
    def backward(ctx, g):
        shape, dim, index = ctx.meta
        ctx.saved_tensors  # noqa: B018  (checks the saved input's version)
        out = np.zeros(shape, g.dtype)
        if not shape:
            return g.copy(), None, None
        idx = [slice(None)] * len(shape)
        idx[dim] = index
        np.add.at(out, tuple(idx), g)
        return out, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, dim, index = ctx.meta
        if not shape:
            return g, None, None
        return constant(np.zeros(shape, g._data.dtype)).index_add(dim, constant(index), g), None, None


class MaskedFill(Function):
    """out = a with value where mask;  da = g where not mask"""

    _edge_rules = ((), (1,))  # torch's node lists self (and a tensor value), not the mask

    @staticmethod
    def forward(ctx, a, mask, value):
        if mask.dtype != np.bool_:
            from .linalg import _cpp
            raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {_cpp(mask.dtype)}")
        try:
            np.broadcast_shapes(mask.shape, a.shape)
        except ValueError:
            from ._broadcast import broadcast_error
            raise broadcast_error(mask.shape, a.shape) from None
        ctx.save_for_backward(mask)
        ctx.a_shape = a.shape
        if isinstance(value, np.ndarray):
            if value.ndim:
                raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                                   f"{value.ndim} dimension(s).")
            value = value.astype(a.dtype)
        return np.where(mask, np.asarray(value).astype(a.dtype) if a.dtype.kind != "f" or not isinstance(value, float) else a.dtype.type(value), a)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        ga = _keep(~mask, g)
        gv = None
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            gv = np.asarray(np.sum(np.where(mask, g, 0)))
        return sum_to_shape(ga, ctx.a_shape), None, gv

    @staticmethod
    def differentiable_backward(ctx, g):
        (mask,) = ctx.saved_tensors
        ga = sum_to(constant_mask(g, np.broadcast_to(~mask, g.shape)), ctx.a_shape)
        gv = None
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            gv = constant_mask(g, np.broadcast_to(mask, g.shape)).sum()
        return ga, None, gv


class MaskedFillTensor(MaskedFill):
    """masked_fill with a 0-dim tensor value (torch's masked_fill.Tensor overload)."""

    _backward_name = "MaskedFillBackward1"


class IndexAdd(Function):
    """out = a with alpha * src added at ``index`` along dim;  da = g,  dsrc = alpha * g picked at index"""

    @staticmethod
    def forward(ctx, a, dim, index, src, alpha=1):
        ctx.meta = (dim, index, alpha)
        out = a.copy()
        np.add.at(np.moveaxis(out, dim, 0), index, np.moveaxis(src * alpha if alpha != 1 else src, dim, 0))
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index, alpha = ctx.meta
        gs = np.take(g, index, axis=dim) * alpha if ctx.needs_input_grad[3] else None
        return g, None, None, gs, None

    @staticmethod
    def differentiable_backward(ctx, g):
        dim, index, alpha = ctx.meta
        gs = None
        if ctx.needs_input_grad[3]:
            if not g.dim():
                return NotImplemented
            gs = g.index_select(dim, constant(index))
            if alpha != 1:
                gs = gs * alpha
        return g, None, None, gs, None


class IndexFill(Function):
    """out = a with ``value`` at ``index`` along dim;  da = g zeroed there (value is a number)"""

    @staticmethod
    def forward(ctx, a, dim, index, value):
        ctx.meta = (dim, index)
        out = a.copy()
        np.moveaxis(out, dim, 0)[index] = value
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index = ctx.meta
        ga = g.copy()
        np.moveaxis(ga, dim, 0)[index] = 0
        gv = None
        if len(ctx.needs_input_grad) > 3 and ctx.needs_input_grad[3]:
            gv = np.asarray(np.moveaxis(g, dim, 0)[np.unique(index)].sum(), g.dtype)
        return ga, None, None, gv

    @staticmethod
    def differentiable_backward(ctx, g):
        dim, index = ctx.meta
        filled = np.zeros(g.shape, bool)
        np.moveaxis(filled, dim, 0)[index] = True
        gv = None
        if len(ctx.needs_input_grad) > 3 and ctx.needs_input_grad[3]:
            gv = constant_mask(g, filled).sum()
        return constant_mask(g, ~filled), None, None, gv


class IndexFillTensor(IndexFill):
    """index_fill with a 0-dim tensor value;  dvalue = sum of g over the filled places"""

    _backward_name = "IndexFillBackward1"


def _dname(np_dtype) -> str:
    from .._tensor import _SCALAR_NAMES
    from .. import _dtype as D
    return _SCALAR_NAMES[D._FROM_NUMPY[np_dtype].name]


class MaskedSelect(Function):
    """The elements where mask holds, as a 1-D tensor;  da = g put back at those places"""

    @staticmethod
    def forward(ctx, a, mask):
        if mask.dtype != np.bool_:
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        full_shape = np.broadcast_shapes(a.shape, mask.shape)
        ab, mb = np.broadcast_to(a, full_shape), np.broadcast_to(mask, full_shape)
        ctx.meta = (a.shape, full_shape, mb)
        return ab[mb]

    @staticmethod
    def backward(ctx, g):
        a_shape, full_shape, mb = ctx.meta
        out = np.zeros(full_shape, g.dtype)
        out[mb] = g
        return sum_to_shape(out, a_shape), None

    @staticmethod
    def differentiable_backward(ctx, g):
        a_shape, full_shape, mb = ctx.meta
        return sum_to(put_back(g, full_shape, np.flatnonzero(mb)), a_shape), None


class Take(Function):
    @staticmethod
    def forward(ctx, a, index):
        ctx.meta = (a.shape, index)
        return a.reshape(-1)[index]

    @staticmethod
    def backward(ctx, g):
        shape, index = ctx.meta
        out = np.zeros(int(np.prod(shape)), g.dtype)
        np.add.at(out, index, g)
        return out.reshape(shape), None

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, index = ctx.meta
        return put_back(g, shape, index), None


# --- __getitem__ --------------------------------------------------------------------

def _is_advanced(i) -> bool:
    return isinstance(i, (Tensor, np.ndarray, list)) or (isinstance(i, tuple))


def _to_index_array(i, dim_size=None):
    if isinstance(i, Tensor):
        arr = i._data
    elif isinstance(i, np.ndarray):
        arr = i
    else:
        arr = np.asarray(i)
        if arr.dtype == object:
            raise IndexError("too many indices for tensor")
        if arr.size == 0:
            arr = arr.astype(np.int64)
    if arr.dtype.kind not in "biu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if arr.dtype == np.uint8:
        arr = arr.astype(bool)
    return arr


def _normalize(index) -> tuple:
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        if isinstance(i, Tensor) and i._data.ndim == 0 and i._data.dtype.kind in "iu":
            out.append(int(i._data))  # a 0-dim integer tensor indexes like an int
        elif isinstance(i, (np.integer,)):
            out.append(int(i))
        elif isinstance(i, bool):
            out.append(np.asarray(i))
        else:
            out.append(i)
    return tuple(out)


def _check_int(i: int, size: int, dim: int) -> int:
    if not -size <= i < size:
        raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {size}")
    return i % size


def _is_bool_scalar(i) -> bool:
    """Python bools and 0-dim bool tensors index like None (True) or an empty selection (False)."""
    return isinstance(i, np.ndarray) and i.dtype == bool and i.ndim == 0 or (
        isinstance(i, Tensor) and i._data.dtype == bool and i._data.ndim == 0)


def getitem(self: Tensor, index) -> Tensor:
    """``self[index]`` recorded as torch records it: select/slice/unsqueeze views, then one IndexBackward0."""
    if type(index) is int and self._data.ndim:
        # the common x[i] (e.g. per-sample dataset access): one select, without the general parsing below
        size = self._data.shape[0]
        if -size <= index < size:
            return _Select.apply(self, 0, index % size)
    from .shape import Alias, Select, Slice, Unsqueeze
    idx = _normalize(index)
    if self.dim() == 0 and any(isinstance(i, (int, slice)) for i in idx):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ "
                         "to convert a 0-dim tensor to a number")
    arrays = {k: _to_index_array(i) for k, i in enumerate(idx)
              if isinstance(i, (Tensor, np.ndarray, list)) and not _is_bool_scalar(i)}
    n_real = sum(arrays[k].ndim if k in arrays and arrays[k].dtype == bool else 1
                 for k, i in enumerate(idx) if i is not None and i is not Ellipsis and not _is_bool_scalar(i))
    if n_real > self.dim():
        raise IndexError(f"too many indices for tensor of dimension {self.dim()}")
    result = self
    dim = 0
    advanced = []  # (dim in result, index array)
    for k, i in enumerate(idx):
        if i is Ellipsis:
            dim += self.dim() - n_real
        elif i is None:
            result = Unsqueeze.apply(result, dim)
            dim += 1
        elif _is_bool_scalar(i):
            # x[True] adds a dim of size 1, x[False] one of size 0 (an empty advanced index)
            result = Unsqueeze.apply(result, dim)
            advanced.append((dim, np.arange(int(bool(np.asarray(i._data if isinstance(i, Tensor) else i))))))
            dim += 1
        elif isinstance(i, int):
            result = Select.apply(result, dim, _check_int(i, result._data.shape[dim], dim))
        elif isinstance(i, slice):
            if i.step is not None and i.step <= 0:
                raise ValueError("step must be greater than zero")
            size = result._data.shape[dim]
            start, stop, step = i.indices(size)
            # torch skips a full slice, except when it is the whole index (x[:] is still a SliceBackward0 view);
            # it tests the start as written, so a negative start that clamps to 0 still slices
            full = (i.start is None or i.start == 0) and step == 1 and stop >= size
            if isinstance(index, slice) or not full:
                result = Slice.apply(result, dim, slice(start, max(stop, start), step))
            dim += 1
        else:
            arr = arrays[k]
            if arr.dtype == bool:
                shape = result._data.shape
                for j in range(arr.ndim):
                    if dim + j >= len(shape) or arr.shape[j] != shape[dim + j]:
                        raise IndexError(f"The shape of the mask [{', '.join(map(str, arr.shape))}] at index {j} does "
                                         f"not match the shape of the indexed tensor [{', '.join(map(str, shape))}] "
                                         f"at index {dim + j}")
                advanced.append((dim, arr))
                dim += arr.ndim
            else:
                size = result._data.shape[dim]
                if arr.size and size == 0:
                    raise IndexError("index is out of bounds for dimension with size 0")
                if arr.size and (arr.max() >= size or arr.min() < -size):
                    bad = int(arr.max()) if arr.max() >= size else int(arr.min())
                    raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
                advanced.append((dim, arr))
                dim += 1
    if not advanced:
        return Alias.apply(result) if result is self else result
    ints = [a for _, a in advanced if a.dtype != bool]
    try:
        np.broadcast_shapes(*[a.shape for a in ints])
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes "
                         + ", ".join(f"[{', '.join(map(str, a.shape))}]" for a in ints)) from None
    # one NumPy index over the current result: the index arrays at their dims, full slices elsewhere
    entries = dict(advanced)
    np_index = []
    d = 0
    while d < result.dim():
        arr = entries.get(d)
        np_index.append(slice(None) if arr is None else arr)
        d += 1 if arr is None or arr.dtype != bool else max(arr.ndim, 1)
    return Index.apply(result, tuple(np_index))


# --- __setitem__ --------------------------------------------------------------------

def _numpy_index(index) -> tuple:
    """A torch index as a NumPy index (both index the same memory for basic indexing)."""
    out = []
    for i in _normalize(index):
        if _is_bool_scalar(i):
            out.append(bool(np.asarray(i._data if isinstance(i, Tensor) else i)))
        elif isinstance(i, (Tensor, list)):
            out.append(_to_index_array(i))
        else:
            out.append(i)
    return tuple(out)


def _torch_layout_index(self: Tensor, idx: tuple, index) -> tuple | None:
    """For an index mixing ints with index arrays, a NumPy index (one array per dim) that lays the written elements
    out as torch does. torch selects the ints first, so they never separate the arrays; NumPy counts them as arrays,
    and a slice between an int and an array sends the indexed dims to the front (x[2, :, [1, 0]])."""
    ints = any(type(i) is int for i in idx)
    arrays = any(isinstance(i, (Tensor, np.ndarray, list)) and not _is_bool_scalar(i) for i in idx)
    if not (ints and arrays):
        return None
    shape = self._data.shape
    positions = Tensor._make(np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape))
    return np.unravel_index(getitem(positions, index)._data, shape)


def _shape_mismatch(v_shape, target_shape) -> RuntimeError:
    return RuntimeError(f"shape mismatch: value tensor of shape [{', '.join(map(str, v_shape))}] cannot be broadcast "
                        f"to indexing result of shape [{', '.join(map(str, target_shape))}]")


def setitem(self: Tensor, index, value) -> None:
    """``self[index] = value``: in place; recorded (CopySlices / IndexPutBackward0) when autograd is involved."""
    from ..autograd.grad_mode import state
    from ._inplace import check_inplace
    idx = _normalize(index)
    target = getitem(Tensor._make(self._data), index)  # raises torch's index errors; its shape is the write's
    np_index = _torch_layout_index(self, idx, index)
    if np_index is None:
        np_index = _numpy_index(index)
    v = value._data if isinstance(value, Tensor) else value
    vs = np.shape(v)
    stripped = vs[next((k for k, n in enumerate(vs) if n != 1), len(vs)):]  # torch drops leading 1s first
    try:
        np.broadcast_to(np.empty(stripped), target._data.shape)
    except ValueError:
        advanced = any(isinstance(i, np.ndarray) for i in np_index)
        if advanced:
            raise _shape_mismatch(vs, target._data.shape) from None
        from .linalg import _expand_error
        raise _expand_error(stripped, target._data.shape) from None
    if all(i is Ellipsis or (isinstance(i, slice) and i == slice(None)) for i in idx):
        # the index selects all of self: torch writes self directly (copy_ / fill_), no view and no CopySlices
        if not isinstance(value, Tensor):
            self.fill_(value)
        elif value._data.shape == self._data.shape:
            self.copy_(value)
        elif value.dim() == 0:
            self.fill_(value)
        else:
            self.copy_(value)
        return
    recording = state.enabled and (self._requires_grad or (isinstance(value, Tensor) and value._requires_grad))
    if not recording:
        from ._inplace import check_overlap
        check_overlap(self._data)
        try:
            self._data[np_index] = v.reshape(stripped) if isinstance(v, np.ndarray) else v
        except ValueError:
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to "
                               "a single memory location. Please clone() the tensor before performing the "
                               "operation.") from None
        self._vc[0] += 1
        return
    fn = IndexPut if any(isinstance(i, np.ndarray) for i in np_index) else CopySlices
    if fn is CopySlices and self.grad_fn is None and self._requires_grad and state.enabled:
        # torch writes through the view self[index], so it names the view in its error
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    check_inplace(self)
    if isinstance(value, Tensor):
        val = value if value._data.dtype == self._data.dtype else value.to(self.dtype)
    else:
        val = value
    if self._base is not None and (self._base._requires_grad or self._requires_grad):
        # writing into a view: the base records it (CopySlices), as torch does
        from ._inplace import inplace_on_view
        inplace_on_view(self, lambda snap: fn.apply(snap, np_index, val))
        return
    snap = Tensor._make(self._data.copy(), self._requires_grad, self.grad_fn, self._output_nr)
    res = fn.apply(snap, np_index, val)
    self._data[...] = res._data
    self._vc[0] += 1
    self._grad_fn = res.grad_fn
    self._output_nr = 0
    self._requires_grad = True


# --- wrappers -------------------------------------------------------------------

def _index_arg(index: Tensor, name: str) -> np.ndarray:
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    return index._data


def _check_bounds(idx: np.ndarray, dim: int, n: int) -> None:
    """torch's message for the first index (in element order) outside ``[0, n)``: negative ones are errors too."""
    bad = (idx < 0) | (idx >= n)
    if bad.any():
        raise RuntimeError(f"index {int(idx.flat[np.argmax(bad)])} is out of bounds for dimension {dim} with size {n}")


def _dims_text(self_shape: tuple, idx_shape: tuple, dim: int) -> str:
    return f"index {list(idx_shape)} to be no larger than self {list(self_shape)} apart from dimension {dim}"


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out=None) -> Tensor:
    """out[i][j] = input[i][index[i][j]] along ``dim`` (for dim=1); index may be shorter than input on the
    other dims, and an empty index gives an empty result whatever its shape."""
    idx = _index_arg(index, "gather")
    d = _wrap_dim(dim, input.dim())
    shape = input._data.shape
    if idx.size and input.dim():
        if idx.ndim != input.dim():
            raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
        for k, (m, n) in enumerate(zip(idx.shape, shape)):
            if k != d and m > n:
                raise RuntimeError(f"Size does not match at dimension {k} expected {_dims_text(shape, idx.shape, d)}")
    _check_bounds(idx, d, shape[d] if input.dim() else 1)
    return Gather.apply(input, d, idx)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None, *, out=None) -> Tensor:
    """``gather`` with broadcasting: input and indices are broadcast against each other on every dim but ``dim``
    (as torch does, through expand); with ``dim=None`` both are flattened first."""
    from .shape import expand, reshape
    if not isinstance(indices, Tensor):
        raise TypeError(f"take_along_dim(): argument 'indices' (position 2) must be Tensor, not "
                        f"{type(indices).__name__}")
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_dname(indices._data.dtype)}")
    if dim is None:
        return gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)))
    if input.dim() != indices.dim():
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.dim()} dimensions for input, and {indices.dim()} dimensions for indices")
    d = _wrap_dim(dim, input.dim())
    sizes = list(input._data.shape)
    sizes[d] = indices._data.shape[d]
    try:
        shape = list(np.broadcast_shapes(tuple(sizes), indices._data.shape))
    except ValueError:
        raise broadcast_error(tuple(sizes), indices._data.shape) from None
    index_shape = tuple(shape)
    shape[d] = input._data.shape[d]
    return gather(expand(input, tuple(shape)), d, expand(indices, index_shape))


def _scatter_checks(input, dim, index, name, src=None):
    """torch's checks of scatter/scatter_add arguments, in its order; returns (dim, index array)."""
    idx = _index_arg(index, name)
    d = _wrap_dim(dim, input.dim())
    if idx.size == 0:
        return d, idx
    shape = input._data.shape
    if input.dim() and idx.ndim != input.dim():
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    src_shape = src._data.shape if isinstance(src, Tensor) else None
    if src_shape is not None and len(src_shape) > idx.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if src_shape is not None and len(src_shape) < idx.ndim:
        top = max(len(src_shape), 1)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-top}, {top - 1}], but got "
                         f"{len(src_shape)})")
    too_big = any(k != d and m > n for k, (m, n) in enumerate(zip(idx.shape, shape)))
    if src_shape is None:
        if too_big:
            raise RuntimeError(f"Expected {_dims_text(shape, idx.shape, d)}")
    elif too_big or any(m > n for m, n in zip(idx.shape, src_shape)):
        raise RuntimeError(f"Expected {_dims_text(shape, idx.shape, d)} and to be no larger size than src "
                           f"{list(src_shape)}")
    _check_bounds(idx, d, shape[d] if input.dim() else 1)
    return d, idx


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
    """Write ``src`` (a tensor or a number) into a copy of input at ``index`` along ``dim``."""
    if src is None:
        src = value
    if reduce is not None:
        from .scatter_reduce import scatter_with_reduce
        return scatter_with_reduce(input, dim, index, src, reduce)
    d, idx = _scatter_checks(input, dim, index, "scatter", src)
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        return Scatter.apply(input, d, idx, src)
    return ScatterValue.apply(input, d, idx, src)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    d, idx = _scatter_checks(input, dim, index, "scatter_add", src)
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    return ScatterAdd.apply(input, d, idx, src)


def index_select(input: Tensor, dim: int, index: Tensor, *, out=None) -> Tensor:
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if index.dim() > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = _wrap_dim(dim, input.dim())
    n = input._data.shape[d] if input.dim() else 1
    idx = index._data.reshape(-1)
    bad = (idx < 0) | (idx >= n)
    if bad.any():
        if d == 1:  # torch's kernel for dim 1 checks (and words it) differently from the others
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(idx[np.argmax(bad)])} axis_dim={n}")
        raise IndexError("index out of range in self")
    return IndexSelect.apply(input, d, idx)


def _index_vector(index: Tensor, name: str) -> np.ndarray:
    if index.dim() > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector, but got dim: {index.dim()} with type: "
                         f"{_dname(index._data.dtype)} and size: {list(index._data.shape)}")
    return index._data.reshape(-1)


def _check_source(input: Tensor, d: int, idx: np.ndarray, source: Tensor, name: str) -> None:
    """index_add/index_copy: the source's dtype, its length along dim and its other dims."""
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}(): self ({_dname(input._data.dtype)}) and source ({_dname(source._data.dtype)}) "
                           "must have the same scalar type")
    n_src = source._data.shape[d] if source.dim() else 1
    if idx.size != n_src:
        raise RuntimeError(f"{name}(): Number of indices ({idx.size}) should be equal to source.size(dim): ({n_src}), "
                           f"for dim: {d}")
    sa, sb = list(input._data.shape), list(source._data.shape)
    if input.dim() and source.dim() and (len(sa) != len(sb) or sa[:d] + sa[d + 1:] != sb[:d] + sb[d + 1:]):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {sa} source.shape = {sb}")


def _index_bounds(input: Tensor, d: int, idx: np.ndarray, named: bool = True) -> None:
    # torch's kernels for the first and last dim of a 2-d+ tensor name the dim; its others (1-dim tensors,
    # middle dims, index_reduce) say only 'index out of range in self'
    n = input._data.shape[d] if input.dim() else 1
    if named and input.dim() > 1 and d in (0, input.dim() - 1):
        _check_bounds(idx, d, n)
    elif ((idx < 0) | (idx >= n)).any():
        raise IndexError("index out of range in self")


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: {_dname(index._data.dtype)}")
    idx = _index_vector(index, "index_add_")
    d = _wrap_dim(dim, input.dim())
    _check_source(input, d, idx, source, "index_add_")
    _index_bounds(input, d, idx)
    return IndexAdd.apply(input, d, idx, source, alpha)


def _fill_index(input: Tensor, index: Tensor) -> np.ndarray:
    idx = index._data.reshape(-1)
    return idx if input._data.size else idx[:0]  # (an empty tensor has nothing at any index)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    d = _wrap_dim(dim, input.dim())
    if index._data.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index.dim() > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if isinstance(value, Tensor) and value.dim():
        raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.dim()} dimension(s).")
    n = input._data.shape[d] if input.dim() else 1
    bad = (index._data < -n) | (index._data >= n)
    if bad.any() and input._data.size:  # (an empty tensor is filled by no kernel, so nothing is checked)
        raise IndexError(f"index {int(index._data.reshape(-1)[np.argmax(bad.reshape(-1))])} is out of bounds for "
                         f"dimension {d} with size {n}")
    if isinstance(value, Tensor):
        if value._data.dtype.kind == "c" and input._data.dtype.kind != "c":
            raise RuntimeError("index_fill_(): Converting complex Scalar to non-complex type is not supported")
        _fits(value._data.item(), input)
        return IndexFillTensor.apply(input, d, _fill_index(input, index), value)
    from .._range_factories import scalar_to
    # torch converts the number to the tensor's type first, with c10's overflow check (-1 wraps for uint8)
    return IndexFill.apply(input, d, _fill_index(input, index), scalar_to(value, input.dtype))


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """Copy of input with ``value`` where ``mask`` is True."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, Tensor):
        if value.dim() == 0:
            _fits(value._data.item(), input)  # torch reads a 0-dim value out as a number, with the same check
        return MaskedFillTensor.apply(input, mask, value)
    _fits(value, input)
    return MaskedFill.apply(input, mask, value)


def _fits(value, input: Tensor) -> None:
    """torch converts a Python number to the tensor's type with c10's overflow check ('value cannot be
    converted to type uint8_t without overflow')."""
    from .._range_factories import scalar_to
    scalar_to(value, input.dtype)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    return MaskedSelect.apply(input, mask)


def take(input: Tensor, index: Tensor) -> Tensor:
    n = input._data.size
    idx = index._data
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return Take.apply(input, idx)


def nonzero(input: Tensor, *, as_tuple: bool = False):
    if input.dim() == 0:  # a 0-dim input is one element with no dims (as_tuple: one of one dim)
        n = int(bool(input._data))
        return (Tensor._make(np.zeros(n, np.int64)),) if as_tuple else _column_major(np.zeros((0, n), np.int64))
    nz = np.nonzero(input._data)
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in nz)
    return _column_major(np.stack(nz).astype(np.int64))


def _column_major(rows: np.ndarray) -> Tensor:
    """The (N, ndim) transpose of the (ndim, N) ``rows``, strided (1, N) as torch's nonzero result."""
    out = rows.T
    if out.size == 0:
        out = np.lib.stride_tricks.as_strided(out, strides=(8, 8 * out.shape[0]))
    return Tensor._make(out)


argwhere = nonzero


from .shape import Select as _Select  # noqa: E402  (after the module body: shape imports from here lazily)
