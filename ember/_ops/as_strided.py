"""``as_strided``: a view of the input's storage with the given size, stride and storage offset (all in
elements, the offset counted from the storage's start, not from the input's first element).

ember's storage is the root ndarray that owns the memory (``ember._tensor._storage``), so the view is a NumPy
array over the root's bytes: it shares memory and the version counter with the input, as torch's does.
"""
from __future__ import annotations

import operator

import numpy as np

from .._tensor import Tensor, _storage, _view_into
from ..autograd.function import _NumpyFunction as Function

__all__ = ["as_strided", "as_strided_", "as_strided_copy", "as_strided_scatter"]


def _positions(shape: tuple, strides: tuple, offset: int) -> np.ndarray:
    """The storage index (in elements) of every element of a view with this geometry."""
    pos = np.full(shape, offset, np.int64)
    for d, (n, st) in enumerate(zip(shape, strides)):
        pos = pos + (np.arange(n, dtype=np.int64) * st).reshape((n,) + (1,) * (len(shape) - d - 1))
    return pos


def _geometry(a: np.ndarray) -> tuple[np.ndarray, int] | None:
    """(storage bytes, byte offset of ``a``), or None when ``a``'s root is no dense block (see _tensor._storage)."""
    return _storage(a)


class AsStrided(Function):
    """out[i] = storage[offset + sum_k i_k stride_k];
    da = (g scattered (added) into a zero storage, read back at a's own positions; a position that a itself
    repeats, as an expanded input does, gets its share: the sum divided by how often a reads it)"""

    _is_view = True

    @staticmethod
    def forward(ctx, a, size, stride, offset):
        item = a.itemsize
        found = _geometry(a)
        if found is None:
            # a negatively strided NumPy view (no torch storage layout): view a dense copy instead
            a = np.ascontiguousarray(a)
            found = _geometry(a)
        flat, byte_offset = found
        in_strides = tuple(s // item for s in a.strides)
        if offset is None:
            offset = byte_offset // item
        _check_bounds(size, stride, offset, item, flat.size)
        ctx.meta = (a.shape, in_strides, byte_offset // item, size, stride, offset)
        return _view_into(flat, a.dtype, offset * item, size, tuple(s * item for s in stride))

    @staticmethod
    def backward(ctx, g):
        in_shape, in_strides, in_offset, size, stride, offset = ctx.meta
        in_pos = _positions(in_shape, in_strides, in_offset)
        out_pos = _positions(size, stride, offset)
        n = int(max(in_pos.max(initial=-1), out_pos.max(initial=-1))) + 1
        storage = np.zeros(n, g.dtype)
        np.add.at(storage, out_pos.reshape(-1), g.reshape(-1))
        grad = storage[in_pos]
        counts = np.bincount(in_pos.reshape(-1), minlength=n)
        if (counts > 1).any():
            grad = grad / counts[in_pos].astype(g.dtype)
        return grad, None, None, None


class AsStridedInplace(AsStrided):
    """``as_strided_``: the same view, recorded under torch's in-place node name."""

    _backward_name = "AsStridedBackward1"


class AsStridedCopy(AsStrided):
    """as_strided's values as a new contiguous tensor (torch's as_strided_copy)."""

    _is_view = False
    _backward_name = "AsStridedBackward0_copy"

    @staticmethod
    def forward(ctx, a, size, stride, offset):
        return np.ascontiguousarray(AsStrided.forward(ctx, a, size, stride, offset)).copy()


class AsStridedScatter(Function):
    """out = a copy of a (same layout) whose storage positions of as_strided(size, stride, offset) hold src;
    da = g with those positions zeroed,  dsrc = g read at those positions"""

    @staticmethod
    def forward(ctx, a, src, size, stride, offset):
        out = np.empty_like(a, order="K")  # torch's clone keeps a dense input's layout
        elem = _element_of_position(out)
        pos = _positions(size, stride, offset).reshape(-1)
        ordered = np.empty(a.size, a.dtype)  # the values in storage order
        ordered[elem] = a.reshape(-1)
        ordered[pos] = np.broadcast_to(src, size).reshape(-1).astype(a.dtype, copy=False)  # (a repeat: last wins)
        out[...] = ordered[elem].reshape(a.shape)
        ctx.meta = (elem, pos, src.shape, src.dtype)
        return out

    @staticmethod
    def backward(ctx, g):
        elem, pos, src_shape, src_dtype = ctx.meta
        flat_g = g.reshape(-1)
        ordered = np.empty(flat_g.size, g.dtype)
        ordered[elem] = flat_g
        g_src = ordered[pos].reshape(src_shape).astype(src_dtype, copy=False) if ctx.needs_input_grad[1] else None
        g_a = None
        if ctx.needs_input_grad[0]:
            # (torch 2.13 returns g at the written positions and 0 elsewhere, the reverse: its gradcheck fails)
            ordered[pos.reshape(-1)] = 0
            g_a = ordered[elem].reshape(g.shape)
        return g_a, g_src, None, None, None


def _element_of_position(out: np.ndarray) -> np.ndarray:
    """For each element of the dense array ``out`` (C order), its storage position (in elements)."""
    item = out.itemsize
    strides = tuple(s // item for s in out.strides)
    return _positions(out.shape, strides, 0).reshape(-1)


def _check_bounds(size, stride, offset: int, item: int, storage_bytes: int) -> None:
    if all(size):
        need = item * (offset + 1 + sum((n - 1) * s for n, s in zip(size, stride)))
    else:
        need = 0
    if need > storage_bytes:
        raise RuntimeError(f"setStorage: sizes [{', '.join(map(str, size))}], strides [{', '.join(map(str, stride))}], "
                           f"storage offset {offset}, and itemsize {item} requiring a storage size of {need} are out "
                           f"of bounds for storage of size {storage_bytes}")


def _int_tuple(value, name: str, pos: int, fn: str) -> tuple:
    if isinstance(value, (tuple, list)) or type(value).__name__ == "Size":
        try:
            return tuple(operator.index(v) for v in value)
        except TypeError:
            pass
    raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be tuple of ints, not {type(value).__name__}")


def _args(input: Tensor, size, stride, storage_offset, fn: str, first: int) -> tuple:
    """torch's argument parsing and geometry checks, in torch's order."""
    size = _int_tuple(size, "size", first, fn)
    stride = _int_tuple(stride, "stride", first + 1, fn)
    if storage_offset is not None:
        if isinstance(storage_offset, bool) or not isinstance(storage_offset, (int, np.integer)):
            raise TypeError(f"{fn}(): argument 'storage_offset' (position {first + 2}) must be int, not "
                            f"{type(storage_offset).__name__}")
        storage_offset = int(storage_offset)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"[{', '.join(map(str, stride))}]")
    if storage_offset is not None and storage_offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {storage_offset}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Storage size calculation overflowed with sizes=[{', '.join(map(str, size))}] and "
                           f"strides=[{', '.join(map(str, stride))}]")
    return size, stride, storage_offset


def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A view of ``input``'s storage with sizes ``size``, strides ``stride`` and offset ``storage_offset``
    (default: ``input.storage_offset()``)."""
    size, stride, offset = _args(input, size, stride, storage_offset, "as_strided", 2)
    return AsStrided.apply(input, size, stride, offset)


def _as_strided_method(self: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    size, stride, offset = _args(self, size, stride, storage_offset, "as_strided", 1)
    return AsStrided.apply(self, size, stride, offset)


def as_strided_(self: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """``self`` restrided in place: it becomes the view ``as_strided`` would return (an in-place op for
    autograd: refused on a leaf that requires grad, recorded as AsStridedBackward1, version bumped)."""
    from ._inplace import check_inplace
    size, stride, offset = _args(self, size, stride, storage_offset, "as_strided_", 1)
    check_inplace(self)
    res = AsStridedInplace.apply(self, size, stride, offset)
    self._data = res._data
    if res._grad_fn is not None:
        self._grad_fn, self._output_nr = res._grad_fn, 0
    self._vc[0] += 1
    if self._base is not None:
        self._gf_version = self._vc[0]
    return self


def as_strided_copy(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """``as_strided`` as a new contiguous tensor."""
    size, stride, offset = _args(input, size, stride, storage_offset, "as_strided_copy", 2)
    return AsStridedCopy.apply(input, size, stride, offset)


def as_strided_scatter(input: Tensor, src: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` written where ``input.as_strided(size, stride, storage_offset)`` reads."""
    size, stride, offset = _args(input, size, stride, storage_offset, "as_strided_scatter", 3)
    _check_bounds(size, stride, 0 if offset is None else offset, input.element_size(),
                  input.numel() * input.element_size())
    if tuple(src.shape) != size:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"[{', '.join(map(str, src.shape))}], slice size = [{', '.join(map(str, size))}]")
    return AsStridedScatter.apply(input, src, size, stride, 0 if offset is None else offset)


def new_empty_strided(self: Tensor, size, stride, *, dtype=None, layout=None, device=None,
                      requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """An uninitialized tensor of the given size and stride, by default of ``self``'s dtype."""
    from .._creation import empty_strided
    return empty_strided(size, stride, dtype=self.dtype if dtype is None else dtype, layout=layout, device=device,
                         requires_grad=requires_grad, pin_memory=pin_memory)


# Tensor methods (attached in ember/__init__.py)
METHODS = {"as_strided": _as_strided_method, "as_strided_": as_strided_, "new_empty_strided": new_empty_strided,
           "as_strided_scatter": as_strided_scatter}
