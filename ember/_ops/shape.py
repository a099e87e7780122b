"""Shape and layout ops: view/reshape, squeeze/unsqueeze, transpose/permute, expand/repeat,
split/chunk/unbind, narrow, flip, stack/cat, tril/triu, clone/contiguous.

Ops that are views in torch (``_is_view``) return NumPy views, sharing memory
and the version counter with their input.
"""
from __future__ import annotations

import math

import numpy as np

from .._size import Size
from .._tensor import Tensor, _wrap_dim
from ..autograd.function import _NumpyFunction as Function
from ._broadcast import promote_arrays
from ..autograd.graph_engine import constant, constant_mask, put_back, sum_to

__all__ = ["view", "reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "transpose", "t", "permute",
           "movedim", "expand", "expand_as", "repeat", "contiguous", "clone", "chunk", "split", "unbind", "narrow",
           "flip", "diagonal", "stack", "cat", "concat", "concatenate", "tril", "triu", "select", "hstack", "vstack",
           "broadcast_to", "roll", "tensor_split", "swapaxes", "swapdims", "adjoint", "moveaxis", "view_copy", "expand_copy"]


def _shape_str(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def infer_shape(shape, numel: int) -> tuple:
    """Resolve one -1 in ``shape`` with torch's errors."""
    shape = tuple(int(s) for s in shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {_shape_str(shape)}")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{_shape_str(shape)}' is invalid for input of size {numel}")
        shape = shape[:neg[0]] + (numel // known,) + shape[neg[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{_shape_str(shape)}' is invalid for input of size {numel}")
    return shape


def _sizes(args) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        return tuple(args[0])
    return tuple(int(a) if not isinstance(a, Tensor) else int(a.item()) for a in args)


class View(Function):
    """Same data, new shape (requires compatible strides);  da = g reshaped back"""

    _is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        try:
            return a.reshape(shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one dimension spans "
                "across two contiguous subspaces). Use .reshape(...) instead.") from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return g.reshape(ctx.in_shape), None


class ReshapeAlias(View):
    """reshape of a non-contiguous tensor whose strides still allow a view (torch's _reshape_alias)."""


class UnsafeView(Function):
    """A reshape of a fresh copy (what torch's reshape does when a view is impossible)."""

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return np.reshape(a, shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return g.reshape(ctx.in_shape), None


class Clone(Function):
    """A copy;  da = g.  ``order='K'`` keeps a dense input's strides (torch's preserve_format)."""

    @staticmethod
    def forward(ctx, a, order="C"):
        return np.array(a, copy=True, order=order)

    @staticmethod
    def backward(ctx, g):
        return g, None

    @staticmethod
    def differentiable_backward(ctx, g):
        return g, None


class Alias(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, a):
        return a.view()

    @staticmethod
    def backward(ctx, g):
        return g

    @staticmethod
    def differentiable_backward(ctx, g):
        return g


class Unsqueeze(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        # torch's new stride is size * stride of the dim it lands before (1 at the end), and every other stride is
        # kept; np.expand_dims reshapes, which can rewrite the strides of other size-1 dims
        out = np.expand_dims(a, dim)
        strides = a.strides[:dim] + (a.strides[dim] * a.shape[dim] if dim < a.ndim else a.itemsize,) + a.strides[dim:]
        if out.strides != strides:
            out = np.lib.stride_tricks.as_strided(a, out.shape, strides)
        return out

    @staticmethod
    def backward(ctx, g):
        return np.squeeze(g, ctx.dim), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return g.squeeze(ctx.dim), None


class Squeeze(Function):
    """Drop size-1 dims (all of them, or those in ``dims``)."""

    _is_view = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.in_shape = a.shape
        if dims is None:
            return np.squeeze(a)
        return np.squeeze(a, tuple(d for d in dims if a.shape[d] == 1)) if a.ndim else a.view()

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return g.reshape(ctx.in_shape), None


class SqueezeDim(Squeeze):
    _backward_name = "SqueezeBackward1"


class SqueezeDims(Squeeze):
    _backward_name = "SqueezeBackward2"


class SqueezeInplace(Squeeze):
    # squeeze_(dim); matmul of a vector by a matrix also ends with squeeze_(0)
    _backward_name = "SqueezeBackward4"


# torch records the in-place shape ops (``x.unsqueeze_(0)``, ...) under their own overload names
class SqueezeAllInplace(Squeeze):
    _backward_name = "SqueezeBackward3"


class SqueezeDimsInplace(Squeeze):
    _backward_name = "SqueezeBackward5"


class Transpose(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, a, d0, d1):
        ctx.dims = (d0, d1)
        return np.swapaxes(a, d0, d1) if a.ndim else a[...]  # a 0-dim tensor swaps its one scalar dim with itself

    @staticmethod
    def backward(ctx, g):
        return (np.swapaxes(g, *ctx.dims) if g.ndim else g), None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        return (g.transpose(*ctx.dims) if g.dim() else g), None, None


class T(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, a):
        return a.T

    @staticmethod
    def backward(ctx, g):
        return g.T

    @staticmethod
    def differentiable_backward(ctx, g):
        return g.t()


class UnsqueezeInplace(Unsqueeze):
    _backward_name = "UnsqueezeBackward1"


class TransposeInplace(Transpose):
    _backward_name = "TransposeBackward1"


class TInplace(T):
    _backward_name = "TBackward1"


class Permute(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, np.argsort(ctx.dims)), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return g.permute(tuple(int(d) for d in np.argsort(ctx.dims))), None


class Expand(Function):
    """Broadcast to a larger shape without copying;  da = g summed over the expanded dims"""

    _is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        # writable like torch's expanded views (fill_ works; in-place arithmetic is refused by _inplace)
        lead = len(shape) - a.ndim
        strides = [0 if s == 1 and n != 1 else st for s, n, st in zip(a.shape, shape[lead:], a.strides)]
        for i in reversed(range(lead)):  # a new dim steps over the dim after it, as torch's inferExpandGeometry
            nxt = strides[0] * shape[i + 1] if a.ndim or i + 1 < lead else 0
            strides.insert(0, 0 if shape[i] != 1 else nxt)
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=a.flags.writeable)

    @staticmethod
    def backward(ctx, g):
        from ._broadcast import sum_to_shape
        return sum_to_shape(g, ctx.in_shape), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return sum_to(g, ctx.in_shape), None


class Repeat(Function):
    """Tile the tensor;  da = g summed over the tiles"""

    @staticmethod
    def forward(ctx, a, reps):
        lead = len(reps) - a.ndim
        ctx.meta = (a.shape, reps, lead)
        return np.tile(a.reshape((1,) * lead + a.shape), reps)

    @staticmethod
    def backward(ctx, g):
        shape, reps, lead = ctx.meta
        full = (1,) * lead + shape
        split = []
        for r, s in zip(reps, full):
            split += [r, s]
        return g.reshape(split).sum(axis=tuple(range(0, 2 * len(reps), 2))).reshape(shape), None

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, reps, lead = ctx.meta
        split = []
        for r, s in zip(reps, (1,) * lead + shape):
            split += [r, s]
        return g.reshape(split).sum(dim=tuple(range(0, 2 * len(reps), 2))).reshape(shape), None


class Select(Function):
    """a[..., index, ...] along one dim (a view)"""

    _is_view = True

    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.meta = (a.shape, a.dtype, dim, index)
        # the trailing Ellipsis keeps a 0-d result a view (a[1] on a 1-d array would be a NumPy scalar copy)
        return a[(slice(None),) * dim + (index, Ellipsis)]

    @staticmethod
    def backward(ctx, g):
        shape, dtype, dim, index = ctx.meta
        out = np.zeros(shape, g.dtype)
        out[(slice(None),) * dim + (index,)] = g
        return out, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, dtype, dim, index = ctx.meta
        out = constant(np.zeros(shape, g._data.dtype))
        out[(slice(None),) * dim + (index,)] = g
        return out, None, None


class Slice(Function):
    """a[..., start:stop:step, ...] along one dim (a view)"""

    _is_view = True

    @staticmethod
    def forward(ctx, a, dim, sl):
        ctx.meta = (a.shape, dim, sl)
        out = a[(slice(None),) * dim + (sl,)]
        if out.shape[dim] == 0:
            start, _, step = sl.indices(a.shape[dim])
            return _empty_view_at(a, dim, start, step)
        return out

    @staticmethod
    def backward(ctx, g):
        shape, dim, sl = ctx.meta
        out = np.zeros(shape, g.dtype)
        out[(slice(None),) * dim + (sl,)] = g
        return out, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, dim, sl = ctx.meta
        out = constant(np.zeros(shape, g._data.dtype))
        out[(slice(None),) * dim + (sl,)] = g
        return out, None, None


class _At:
    """An array interface at a chosen address, keeping the array it points into alive (as NumPy's as_strided)."""

    def __init__(self, interface: dict, base: np.ndarray) -> None:
        self.__array_interface__ = interface
        self.base = base


def _empty_view_at(a: np.ndarray, dim: int, start: int, step: int) -> np.ndarray:
    """An empty slice of ``a`` along ``dim`` that starts at element ``start`` with stride ``step`` there, as torch
    makes it (NumPy puts every empty slice at the array's start with its old stride, losing torch's
    storage_offset() and stride())."""
    start = min(start, a.shape[dim])
    shape = list(a.shape)
    shape[dim] = 0
    strides = list(a.strides)
    strides[dim] = a.strides[dim] * step
    face = dict(a.__array_interface__)
    face.update(data=(face["data"][0] + start * a.strides[dim], not a.flags.writeable), shape=tuple(shape),
                strides=tuple(strides))
    face.pop("mask", None)
    return np.asarray(_At(face, a))


class Split(Function):
    """Consecutive pieces along ``dim`` (views); da = the pieces' grads concatenated"""

    _is_view = True

    @staticmethod
    def forward(ctx, a, sizes, dim):
        ctx.meta = (a.shape, a.dtype, sizes, dim)
        bounds = np.cumsum(sizes)[:-1]
        pieces = np.split(a, bounds, axis=dim)
        starts = [0, *bounds.tolist()]
        return tuple(_empty_view_at(a, dim, at, 1) if p.shape[dim] == 0 else p for p, at in zip(pieces, starts))

    @staticmethod
    def backward(ctx, *grads):
        shape, dtype, sizes, dim = ctx.meta
        parts = []
        for g, n in zip(grads, sizes):
            if g is None:
                s = list(shape)
                s[dim] = n
                g = np.zeros(s, dtype)
            parts.append(g)
        return np.concatenate(parts, axis=dim), None, None

    @staticmethod
    def differentiable_backward(ctx, *grads):
        from .. import cat
        shape, dtype, sizes, dim = ctx.meta
        parts = []
        for g, n in zip(grads, sizes):
            if g is None:
                s = list(shape)
                s[dim] = n
                g = constant(np.zeros(s, dtype))
            parts.append(g)
        return cat(parts, dim), None, None


class SplitWithSizes(Split):
    pass


class Unbind(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, a, dim):
        ctx.meta = (a.shape, a.dtype, dim)
        return tuple(a[(slice(None),) * dim + (i,)] for i in range(a.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        shape, dtype, dim = ctx.meta
        sub = shape[:dim] + shape[dim + 1:]
        return np.stack([np.zeros(sub, dtype) if g is None else g for g in grads], axis=dim), None

    @staticmethod
    def differentiable_backward(ctx, *grads):
        from .. import stack
        shape, dtype, dim = ctx.meta
        sub = shape[:dim] + shape[dim + 1:]
        return stack([constant(np.zeros(sub, dtype)) if g is None else g for g in grads], dim), None


class Flip(Function):
    """Reverse the order along ``dims`` (a copy, as in torch)"""

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims if a.ndim else ()  # a 0-dim tensor's one scalar dim reverses to itself
        return np.flip(a, ctx.dims).copy() if a.ndim else a.copy()

    @staticmethod
    def backward(ctx, g):
        return (np.flip(g, ctx.dims) if ctx.dims else g), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return (g.flip(ctx.dims) if ctx.dims else g), None


class Roll(Function):
    @staticmethod
    def forward(ctx, a, shifts, dims):
        ctx.meta = (shifts, dims)
        if dims is None:
            return np.roll(a.reshape(-1), shifts).reshape(a.shape)
        return np.roll(a, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        shifts, dims = ctx.meta
        neg = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        if dims is None:
            return np.roll(g.reshape(-1), neg).reshape(g.shape), None, None
        return np.roll(g, neg, dims), None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        shifts, dims = ctx.meta
        neg = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        if dims is None:
            return g.reshape(-1).roll(neg).reshape(g.shape), None, None
        return g.roll(neg, dims), None, None


class Stack(Function):
    """Join equal-shaped tensors along a new dim;  each input's grad is its slice of g"""

    @staticmethod
    def forward(ctx, dim, *arrays):
        dtype = _common(arrays)
        ctx.meta = (dim, [a.dtype for a in arrays])
        for i, a in enumerate(arrays[1:], 1):
            if a.shape != arrays[0].shape:
                raise RuntimeError(f"stack expects each tensor to be equal size, but got {_shape_str(arrays[0].shape)} "
                                   f"at entry 0 and {_shape_str(a.shape)} at entry {i}")
        return np.stack([a.astype(dtype, copy=False) for a in arrays], axis=dim)

    @staticmethod
    def backward(ctx, g):
        dim, dtypes = ctx.meta
        return (None,) + tuple(np.take(g, i, axis=dim).astype(d, copy=False) for i, d in enumerate(dtypes))

    @staticmethod
    def differentiable_backward(ctx, g):
        dim, dtypes = ctx.meta
        return (None,) + tuple(_as_dtype(g.select(dim, i), d) for i, d in enumerate(dtypes))


class Cat(Function):
    """Join tensors along an existing dim;  each input's grad is its slab of g"""

    @staticmethod
    def forward(ctx, dim, *arrays):
        dtype = _common(arrays)
        # torch skips 1-D empty tensors (legacy behaviour) when concatenating
        kept = [a for a in arrays if not (a.ndim == 1 and a.shape[0] == 0)]
        if not kept and all(a.ndim == 1 for a in arrays):  # only legacy empties: their dim is never looked at
            ctx.meta = (0, [(a.shape, a.dtype) for a in arrays])
            return np.zeros((0,), dtype)
        kept = kept or list(arrays[:1])
        ref = kept[0]
        zero = next((i for i, a in enumerate(arrays) if a.ndim == 0), None)
        if zero is not None:
            raise RuntimeError(f"zero-dimensional tensor (at position {zero}) cannot be concatenated")
        d = _wrap_dim(dim, ref.ndim)
        for i, a in enumerate(arrays):
            if a.ndim == 1 and a.shape[0] == 0:
                continue
            if a.ndim != ref.ndim:
                raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {a.ndim}")
            for k in range(ref.ndim):
                if k != d and a.shape[k] != ref.shape[k]:
                    raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                       f"{ref.shape[k]} but got size {a.shape[k]} for tensor number {i} in the list.")
        ctx.meta = (d, [(a.shape, a.dtype) for a in arrays])
        return np.concatenate([a.astype(dtype, copy=False) for a in kept], axis=d)

    @staticmethod
    def backward(ctx, g):
        d, metas = ctx.meta
        out = [None]
        start = 0
        for shape, dtype in metas:
            if len(shape) == 1 and shape[0] == 0 and g.ndim != 1:
                out.append(np.zeros(shape, dtype))
                continue
            n = shape[d]
            out.append(np.take(g, range(start, start + n), axis=d).astype(dtype, copy=False))
            start += n
        return tuple(out)

    @staticmethod
    def differentiable_backward(ctx, g):
        d, metas = ctx.meta
        out = [None]
        start = 0
        for shape, dtype in metas:
            if len(shape) == 1 and shape[0] == 0 and g.dim() != 1:
                out.append(constant(np.zeros(shape, dtype)))
                continue
            n = shape[d]
            out.append(_as_dtype(g.narrow(d, start, n), dtype))
            start += n
        return tuple(out)


def _as_dtype(t: Tensor, dtype: np.dtype) -> Tensor:
    """``t`` cast (recorded) to an input's NumPy ``dtype`` when the op promoted it."""
    from .._tensor import _NP_TO_DTYPE
    return t if t._data.dtype == dtype else t.to(_NP_TO_DTYPE[np.dtype(dtype)])


def _common(arrays) -> np.dtype:
    dtype = arrays[0].dtype
    for a in arrays[1:]:
        if a.dtype != dtype:
            dtype = promote_arrays(np.empty((1,), dtype), np.empty((1,), a.dtype))[0].dtype
    return dtype


class Diagonal(Function):
    """The diagonal ``offset`` of the (dim1, dim2) planes, as a new last dim (a view);  da = g written back on it"""

    _is_view = True

    @staticmethod
    def forward(ctx, a, offset, dim1, dim2):
        ctx.meta = (a.shape, offset, dim1, dim2)
        return np.diagonal(a, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, g):
        shape, offset, dim1, dim2 = ctx.meta
        out = np.zeros(shape, g.dtype)
        i = np.arange(g.shape[-1])
        np.moveaxis(out, (dim1, dim2), (-2, -1))[..., i + max(-offset, 0), i + max(offset, 0)] = g
        return out, None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, offset, dim1, dim2 = ctx.meta
        positions = np.diagonal(np.arange(int(np.prod(shape))).reshape(shape), offset, dim1, dim2)
        return put_back(g, shape, positions), None, None, None


class Tril(Function):
    @staticmethod
    def forward(ctx, a, k):
        ctx.k = k
        return np.tril(a, k)

    @staticmethod
    def backward(ctx, g):
        return np.tril(g, ctx.k), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return constant_mask(g, np.tril(np.ones(g.shape[-2:], bool), ctx.k)), None


class Triu(Function):
    @staticmethod
    def forward(ctx, a, k):
        ctx.k = k
        return np.triu(a, k)

    @staticmethod
    def backward(ctx, g):
        return np.triu(g, ctx.k), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return constant_mask(g, np.triu(np.ones(g.shape[-2:], bool), ctx.k)), None


# --- wrappers -------------------------------------------------------------------

def view(input: Tensor, *shape) -> Tensor:
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, Size, np.integer)):
        # view(dtype): reinterpret the bytes
        from .. import _dtype as D
        return Tensor._make(input._data.view(_view_dtype_check(input, D._require_storable(shape[0]))))
    shape = infer_shape(_sizes(shape), input._data.size)
    return View.apply(input, shape)


def _view_dtype_check(input: Tensor, np_dtype) -> np.dtype:
    """torch's conditions for reading the bytes as a type of another size (the last dim takes the change)."""
    a, new = input._data, np.dtype(np_dtype)
    if new.itemsize != a.itemsize:
        from .._tensor import _SCALAR_NAMES
        what = f"view {_SCALAR_NAMES[a.dtype.name]} as {_SCALAR_NAMES[new.name]} (different element sizes)"
        if a.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 to {what}")
        if a.shape[-1] != 1 and a.strides[-1] != a.itemsize:
            raise RuntimeError(f"self.stride(-1) must be 1 to {what}, but got {a.strides[-1] // a.itemsize}")
        ratio = new.itemsize // a.itemsize
        if new.itemsize > a.itemsize and a.shape[-1] % ratio:
            raise RuntimeError(f"self.size(-1) must be divisible by {ratio} to {what}, but got {a.shape[-1]}")
    return new


def reshape(input: Tensor, *shape) -> Tensor:
    """A view when strides allow, else a copy (recorded as torch records it)."""
    shape = infer_shape(_sizes(shape), input._data.size)
    if input._data.flags.c_contiguous:
        return View.apply(input, shape)
    try:
        input._data.reshape(shape, copy=False)
    except ValueError:
        return UnsafeView.apply(Clone.apply(input), shape)
    return ReshapeAlias.apply(input, shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    nd = input.dim()
    if nd == 0:
        return reshape(input, (1,))
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    return reshape(input, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    if input.dim() == 0:
        raise RuntimeError("unflatten got an unexpected error:")
    d = _wrap_dim(dim, input.dim())
    shape = input._data.shape
    sizes = tuple(sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten got an unexpected error:")
    if -1 in sizes:
        known = math.prod(n for n in sizes if n != -1)
        if known == 0 or shape[d] % known:
            raise RuntimeError(f"unflatten: Provided sizes {_shape_str(sizes)} don't multiply up to the size of dim "
                               f"{d} ({shape[d]}) in the input tensor")
        sizes = infer_shape(sizes, shape[d])
    elif math.prod(sizes) != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {_shape_str(sizes)} don't multiply up to the size of dim {d} "
                           f"({shape[d]}) in the input tensor")
    return view(input, shape[:d] + sizes + shape[d + 1:])


def squeeze(input: Tensor, dim=None) -> Tensor:
    return _squeeze(input, dim, (Squeeze, SqueezeDims, SqueezeDim))


def _squeeze(input: Tensor, dim, nodes: tuple) -> Tensor:
    nd = input.dim()
    every, some, one = nodes
    if dim is None:
        return every.apply(input, None)
    if isinstance(dim, (tuple, list)):
        dims = tuple(_wrap_dim(d, nd) for d in dim)
        for i, d in enumerate(dims):
            if d in dims[:i]:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        return some.apply(input, dims)
    return one.apply(input, (_wrap_dim(dim, nd),))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    return Unsqueeze.apply(input, _wrap_dim(dim, input.dim() + 1))


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return _transpose(input, dim0, dim1, Transpose)


def _transpose(input: Tensor, dim0: int, dim1: int, node: type) -> Tensor:
    nd = input.dim()
    return node.apply(input, _wrap_dim(dim0, nd), _wrap_dim(dim1, nd))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    return _t(input, T)


def _t(input: Tensor, node: type) -> Tensor:
    if input.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.dim()}D")
    return node.apply(input)


# the views behind Tensor.squeeze_ & co. (the tensor then takes the view's place), under torch's node names
def squeeze_view_(input: Tensor, dim=None) -> Tensor:
    return _squeeze(input, dim, (SqueezeAllInplace, SqueezeDimsInplace, SqueezeInplace))


def unsqueeze_view_(input: Tensor, dim: int) -> Tensor:
    return UnsqueezeInplace.apply(input, _wrap_dim(dim, input.dim() + 1))


def transpose_view_(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return _transpose(input, dim0, dim1, TransposeInplace)


def t_view_(input: Tensor) -> Tensor:
    return _t(input, TInplace)


def adjoint(input: Tensor) -> Tensor:
    return transpose(input, -2, -1)


def permute(input: Tensor, *dims) -> Tensor:
    dims = _sizes(dims)
    nd = input.dim()
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
                           f"of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    wrapped = tuple(_wrap_dim(d, nd) for d in dims)
    if len(set(wrapped)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, wrapped)


def movedim(input: Tensor, source, destination) -> Tensor:
    nd = input.dim()
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the "
                           f"same number of dims as destination ({list(dst)} dims)")
    for name, ds in (("source", src), ("destination", dst)):
        w = [_wrap_dim(x, nd) for x in ds]
        if len(set(w)) != len(w):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(ds)})")
    perm = [d for d in range(nd) if d not in [_wrap_dim(s, nd) for s in src]]
    for s, d in sorted(zip([_wrap_dim(s, nd) for s in src], [_wrap_dim(d, nd) for d in dst]), key=lambda x: x[1]):
        perm.insert(d, s)
    return Permute.apply(input, tuple(perm))


def expand(input: Tensor, *sizes) -> Tensor:
    sizes = _sizes(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(torch.FloatTensor{{{_shape_str(shape)}}}, size={_shape_str(sizes)}): the number of "
                           f"sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing dimension {i}")
            out.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            s = cur
        elif cur != 1 and s != cur:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: {_shape_str(sizes)}.  Tensor sizes: {_shape_str(shape)}")
        out.append(s)
    return Expand.apply(input, tuple(out))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other._data.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    return expand(input, tuple(size))


def repeat(input: Tensor, *sizes) -> Tensor:
    if not sizes:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    reps = _sizes(sizes)
    if len(reps) < input.dim():
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    return Repeat.apply(input, reps)


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    # torch keeps the strides of a dense (non-overlapping) input; anything else comes out contiguous
    a = input._data
    dense = all(st != 0 or n <= 1 for n, st in zip(a.shape, a.strides)) and (a.flags.c_contiguous or a.flags.f_contiguous or _is_permuted_contiguous(a))
    return Clone.apply(input, "K" if dense else "C")


def _is_permuted_contiguous(a: np.ndarray) -> bool:
    """Whether some order of the dims makes ``a`` C-contiguous (a transpose/permute of a dense tensor)."""
    dims = sorted((st, n) for n, st in zip(a.shape, a.strides) if n > 1)
    expect = a.itemsize
    for st, n in dims:
        if st != expect:
            return False
        expect *= n
    return True


def contiguous(input: Tensor, memory_format=None) -> Tensor:
    return input if input._data.flags.c_contiguous else Clone.apply(input)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    nd = input.dim()
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, nd)
    n = input._data.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {_shape_str(input._data.shape)} at dimension {d}")
    return Select.apply(input, d, index % n)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    if input.dim() == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input.dim())
    n = input._data.shape[d]
    if isinstance(start, Tensor):
        start = int(start.item())
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    start %= max(n, 1) if start < 0 else n + 1
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return Slice.apply(input, d, slice(start, start + length, 1))


def split(tensor: Tensor, split_size_or_sections, dim: int = 0):
    if tensor.dim() == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, tensor.dim())
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if s else [0]
        return Split.apply(tensor, tuple(sizes), d)
    sizes = tuple(int(x) for x in split_size_or_sections)
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                           f"dimension {dim}), but got split_sizes={list(sizes)}")
    return SplitWithSizes.apply(tensor, sizes, d)


def chunk(input: Tensor, chunks: int, dim: int = 0):
    if input.dim() == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _wrap_dim(dim, input.dim())
    n = input._data.shape[d]
    if n == 0:  # torch hands back `chunks` empty pieces here (split_with_sizes), where split(0) would give one
        return split(input, [0] * chunks, d)
    return split(input, -(-n // chunks), dim)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0):
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    if isinstance(indices_or_sections, Tensor):
        t = indices_or_sections
        if t.dim() > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {t.dim()} dims")
        if t._data.dtype != np.int64:
            from .._tensor import _SCALAR_NAMES
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               f"{_SCALAR_NAMES[t._data.dtype.name]}")
        # a 0-dim tensor is a number of sections, a 1-dim one a list of indices
        indices_or_sections = int(t.item()) if t.dim() == 0 else t.tolist()
    d = _wrap_dim(dim, input.dim())
    n = input._data.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        base, extra = divmod(n, k)
        bounds, acc = [], 0
        for i in range(k):
            bounds.append((acc, acc + base + (1 if i < extra else 0)))
            acc = bounds[-1][1]
    else:
        # a negative index counts from the end, as in slicing
        idx = [0] + [int(i) + n if int(i) < 0 else int(i) for i in indices_or_sections] + [n]
        idx = [max(i, 0) for i in idx]
        bounds = [(min(a, n), min(max(b, a), n)) for a, b in zip(idx, idx[1:])]
    return tuple(Slice.apply(input, d, slice(a, b, 1)) for a, b in bounds)


def unbind(input: Tensor, dim: int = 0):
    if input.dim() == 0:
        raise IndexError(f"Dimension specified as {_wrap_dim(dim, 0)} but tensor has no dimensions")
    return Unbind.apply(input, _wrap_dim(dim, input.dim()))


def flip(input: Tensor, *dims) -> Tensor:
    dims = tuple(_wrap_dim(d, input.dim()) for d in _sizes(dims))
    for i, d in enumerate(dims):
        if d in dims[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return Flip.apply(input, dims)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    if input.dim() == 0 and dims is not None:
        raise IndexError(f"Dimension specified as {dims if isinstance(dims, int) else dims[0]} but tensor has no dimensions")
    shifts = tuple(shifts) if isinstance(shifts, (list, tuple)) else shifts
    dims = tuple(dims) if isinstance(dims, (list, tuple)) else dims
    return Roll.apply(input, shifts, dims)


def _check_seq(tensors, name: str):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    if not tensors:
        if name == "cat":  # torch's Python binding rejects an empty list for cat before aten sees it
            raise ValueError("torch.cat(): expected a non-empty list of Tensors")
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    tensors = _check_seq(tensors, "stack")
    d = _wrap_dim(dim, tensors[0].dim() + 1)
    return _cat_out(Stack.apply(d, *tensors), out)


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    tensors = _check_seq(tensors, "cat")
    return _cat_out(Cat.apply(dim, *tensors), out)


def _cat_out(res: Tensor, out) -> Tensor:
    """out= of cat/stack: the inputs' common type must cast to out's (no float into int, no number into bool)."""
    if out is None:
        return res
    from ._inplace import _castable, _NAMES
    from .. import _dtype as D
    if not _castable(res._data.dtype, out._data.dtype):
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type "
                        f"{_NAMES[D._FROM_NUMPY[out._data.dtype].name]}")
    from ._args import write_out
    return write_out(out, res)


concat = concatenate = cat
moveaxis = movedim


def view_copy(input: Tensor, *shape) -> Tensor:
    return clone(view(input, *shape))


def expand_copy(input: Tensor, *sizes) -> Tensor:
    return clone(expand(input, *sizes))


def hstack(tensors, *, out=None) -> Tensor:
    tensors = [reshape(t, (1,)) if t.dim() == 0 else t for t in _check_seq(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0].dim() == 1 else 1, out=out)


def vstack(tensors, *, out=None) -> Tensor:
    tensors = [reshape(t, (1, 1)) if t.dim() == 0 else unsqueeze(t, 0) if t.dim() == 1 else t
               for t in _check_seq(tensors, "vstack")]
    return cat(tensors, 0, out=out)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    nd = input.dim()
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, offset, d1, d2)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    if input.dim() < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return Tril.apply(input, diagonal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    if input.dim() < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return Triu.apply(input, diagonal)
