"""``index_put`` / ``index_put_``: ``out = input`` with ``out[indices] = values`` (or ``+= values`` with
``accumulate=True``, where repeated indices add up), ``indices`` being a tuple of index tensors (int or bool masks,
broadcast together) as in ``input[indices]``."""
from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._broadcast import sum_to_shape
from ..autograd.graph_engine import cast_grad, sum_to
from .indexing import IndexPut, _shape_mismatch, read_at

__all__ = ["index_put"]


class IndexPutAccumulate(Function):
    """out = a with out[index] += v (repeats add up);  da = g,  dv = g[index] summed to v's shape"""

    _backward_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, a, index, v):
        vs = np.shape(v)
        ctx.meta = (index, vs, v.dtype)
        out = a.copy()
        target = np.broadcast_to(np.empty((), np.int8), a.shape)[index].shape
        np.add.at(out, index, np.broadcast_to(v.reshape(_stripped(vs)), target))
        return out

    @staticmethod
    def backward(ctx, g):
        index, v_shape, v_dtype = ctx.meta
        gv = None
        if ctx.needs_input_grad[2]:
            gv = sum_to_shape(np.asarray(g[index]), _stripped(v_shape)).reshape(v_shape).astype(v_dtype, copy=False)
        return (g if ctx.needs_input_grad[0] else None), None, gv

    @staticmethod
    def differentiable_backward(ctx, g):
        index, v_shape, v_dtype = ctx.meta
        gv = None
        if ctx.needs_input_grad[2]:
            gv = cast_grad(sum_to(read_at(g, index), _stripped(v_shape)).reshape(v_shape), v_dtype)
        return (g if ctx.needs_input_grad[0] else None), None, gv


def _stripped(shape: tuple) -> tuple:
    """torch drops a value's leading size-1 dims before broadcasting it to the indexed shape."""
    return shape[next((k for k, n in enumerate(shape) if n != 1), len(shape)):]


def _check_dim(d: int, ndim: int) -> None:
    """An index (or a mask's dim) past the last dim: torch's dim-wrapping error for that position."""
    if d >= ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, {max(ndim, 1) - 1}], "
                         f"but got {d})")


def _numpy_indices(input: Tensor, indices, values, name: str, pos: int) -> tuple:
    """The NumPy index for ``indices``, after torch's argument, index and value checks (in torch's order)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{name}(): argument 'indices' (position {pos}) must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    for k, i in enumerate(indices):
        if not isinstance(i, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument {pos - 1}, but got {type(i).__name__}")
    if not isinstance(values, Tensor):
        raise TypeError(f"{name}(): argument 'values' (position {pos + 1}) must be Tensor, not {type(values).__name__}")
    shape = input._data.shape
    if len(indices) > len(shape):  # (torch counts index tensors here; a mask's extra dims are checked below)
        raise IndexError(f"too many indices for tensor of dimension {len(shape)} (got {len(indices)})")
    if not indices:
        raise RuntimeError("sym_strides() called on an undefined Tensor")  # (torch's message for an empty tuple)
    arrays, d = [], 0
    for i in indices:
        arr = i._data
        if arr.dtype.kind not in "biu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if arr.dtype == np.uint8:
            warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool "
                          "instead.", UserWarning, stacklevel=3)
            arr = arr.astype(bool)
        if arr.dtype == np.bool_:
            for j in range(arr.ndim):
                _check_dim(d + j, len(shape))
                if arr.shape[j] != shape[d + j]:
                    raise IndexError(f"The shape of the mask [{', '.join(map(str, arr.shape))}] at index {j} does "
                                     f"not match the shape of the indexed tensor [{', '.join(map(str, shape))}] at "
                                     f"index {d + j}")
            d += arr.ndim  # (a 0-dim mask takes no dim: it adds one of size 1 or 0, as None would)
        else:
            _check_dim(d, len(shape))
            d += 1
        arrays.append(arr)
    ints = [a for a in arrays if a.dtype != np.bool_]
    try:
        np.broadcast_shapes(*[a.shape for a in ints])
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes "
                         + ", ".join(f"[{', '.join(map(str, a.shape))}]" for a in ints)) from None
    if values._data.dtype != input._data.dtype:
        from .comparison import _dtype_name
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_dtype_name(input._data.dtype)} for the destination and "
                           f"{_dtype_name(values._data.dtype)} for the source.")
    index = tuple(arrays)
    target = np.broadcast_to(np.empty((), np.int8), shape)[tuple(
        a if a.dtype == np.bool_ else np.zeros(a.shape, np.int64) for a in arrays)].shape
    vs = values._data.shape
    try:
        np.broadcast_to(np.empty(vs, np.int8), target)  # (unlike t[i] = v, no leading 1s are dropped)
    except ValueError:
        raise _shape_mismatch(vs, target) from None
    d = 0
    for a in arrays:  # bounds last: torch's kernel checks them as it writes
        if a.dtype != np.bool_ and a.size:
            size = shape[d]
            bad = (a >= size) | (a < -size)
            if bad.any():
                raise IndexError(f"index {int(a.flat[np.argmax(bad)])} is out of bounds for dimension {d} with "
                                 f"size {size}")
        d += a.ndim if a.dtype == np.bool_ else 1
    return index


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` written (``accumulate``: added) at ``input[indices]``."""
    index = _numpy_indices(input, indices, values, "index_put", 2)
    return (IndexPutAccumulate if accumulate else IndexPut).apply(input, index, values)


def index_put_(self: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """``index_put`` written into ``self``."""
    from ._inplace import inplace
    index = _numpy_indices(self, indices, values, "index_put_", 1)
    return inplace(self, lambda t, v: (IndexPutAccumulate if accumulate else IndexPut).apply(t, index, v), values)


def _index_put_method(self: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """``t.index_put(indices, values, accumulate)`` (torch numbers its arguments from 1 here)."""
    index = _numpy_indices(self, indices, values, "index_put", 1)
    return (IndexPutAccumulate if accumulate else IndexPut).apply(self, index, values)


_index_put_method.__name__ = "index_put"

# Tensor methods (attached in ember/__init__.py)
METHODS = {"index_put": _index_put_method, "index_put_": index_put_}
