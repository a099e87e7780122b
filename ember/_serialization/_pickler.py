"""Pickling for ``ember.save``: ember objects written under torch's names, storages as persistent ids.

torch's files name torch's functions (``torch._utils _rebuild_tensor_v2``) and
storage classes (``torch FloatStorage``) as pickle GLOBALs.  The C pickler
writes a GLOBAL only for an object it can import, so this uses the pure-Python
pickler with two dispatch entries that write those names directly.
"""
from __future__ import annotations

import pickle
from collections import OrderedDict
from typing import Any, BinaryIO

import numpy as np

from .. import _dtype as D
from .._device import device
from .._size import Size
from .._tensor import _AUTOGRAD_ATTRS, Tensor, _storage
from ..nn.parameter import Parameter, is_lazy

__all__ = ["STORAGE_NAMES", "Pickler"]

# torch's legacy storage classes, one per dtype (the persistent ids name them)
STORAGE_NAMES = {
    np.dtype(np.float32): "FloatStorage", np.dtype(np.float64): "DoubleStorage", np.dtype(np.float16): "HalfStorage",
    np.dtype(np.int64): "LongStorage", np.dtype(np.int32): "IntStorage", np.dtype(np.int16): "ShortStorage",
    np.dtype(np.int8): "CharStorage", np.dtype(np.uint8): "ByteStorage", np.dtype(np.bool_): "BoolStorage",
    np.dtype(np.complex64): "ComplexFloatStorage", np.dtype(np.complex128): "ComplexDoubleStorage",
}


class _TorchGlobal:
    """A name in torch's namespace, pickled as ``GLOBAL module name`` (torch need not be importable)."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args: Any) -> Any:
        # the pickler insists that a reduce function be callable; this one only names torch's
        raise TypeError(f"{self.module}.{self.name} is a placeholder for torch's function")


# dtypes without a legacy storage class (uint16/32/64): torch writes them as _rebuild_tensor_v3 over an
# UntypedStorage (numel counted in bytes), with the dtype as the last argument
_UNTYPED_DTYPES = {np.dtype(np.uint16): D.uint16, np.dtype(np.uint32): D.uint32, np.dtype(np.uint64): D.uint64}

_REBUILD_TENSOR_V2 = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_REBUILD_TENSOR_V3 = _TorchGlobal("torch._utils", "_rebuild_tensor_v3")
_UNTYPED_STORAGE = _TorchGlobal("torch.storage", "UntypedStorage")
_REBUILD_PARAMETER = _TorchGlobal("torch._utils", "_rebuild_parameter")
# a tensor with Python attributes: torch wraps the rebuild call and passes the attributes along
_REBUILD_FROM_TYPE_V2 = _TorchGlobal("torch._tensor", "_rebuild_from_type_v2")
_REBUILD_PARAMETER_WITH_STATE = _TorchGlobal("torch._utils", "_rebuild_parameter_with_state")
_TORCH_TENSOR = _TorchGlobal("torch", "Tensor")
_TORCH_SIZE = _TorchGlobal("torch", "Size")
_TORCH_DEVICE = _TorchGlobal("torch", "device")
_GET_LAYOUT = _TorchGlobal("torch.serialization", "_get_layout")
_STORAGE_GLOBALS = {dt: _TorchGlobal("torch", name) for dt, name in STORAGE_NAMES.items()}


class _StorageRef:
    """A storage to be written as ``data/<key>``: a 1-D array over the memory a tensor lives in."""

    __slots__ = ("key", "array")

    def __init__(self, key: str, array: np.ndarray) -> None:
        self.key, self.array = key, array


class _StorageUse:
    """One tensor's reference to a storage: the persistent id names the storage type of the tensor's dtype."""

    __slots__ = ("ref", "dtype")

    def __init__(self, ref: _StorageRef, dtype: np.dtype) -> None:
        self.ref, self.dtype = ref, dtype


def _storage_tag(dtype: np.dtype) -> str:
    """The dtype torch records for a storage: uint8 for the untyped storages of uint16/32/64 too."""
    return np.dtype(np.uint8).str if dtype in _UNTYPED_DTYPES else dtype.str


def _storage_view(arr: np.ndarray) -> tuple[tuple, np.ndarray, int] | None:
    """The whole memory block ``arr`` views, as (identity, 1-D array of arr's dtype, element offset).

    None when ``arr`` cannot be described as torch describes tensors (offset and
    non-negative strides in elements over one block); the caller then saves a copy.
    """
    found = _storage(arr)
    if found is None:
        return None
    flat, offset = found
    item = arr.itemsize
    if offset % item or flat.size % item or any(s % item for s in arr.strides):
        return None
    if arr.size and offset + item + sum((n - 1) * s for n, s in zip(arr.shape, arr.strides)) > flat.size:
        return None
    return (flat.__array_interface__["data"][0], flat.size), flat.view(arr.dtype), offset // item


class Pickler(pickle._Pickler):
    """The pure-Python pickler (the C one cannot emit a GLOBAL for a module it cannot import) that writes
    ember tensors, dtypes, sizes and devices as torch does."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file: BinaryIO, protocol: int) -> None:
        super().__init__(file, protocol)
        self.storages: dict[tuple, _StorageRef] = {}  # memory block identity -> storage, so views share one
        self._tags: dict[tuple, str] = {}  # memory block identity -> the dtype tag it was first saved with

    def _write_global(self, obj: Any, module: str, name: str) -> None:
        if self.proto >= 4:
            self.save(module)
            self.save(name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode("utf-8"))
        self.memoize(obj)  # later uses become BINGETs, as in torch's files

    def _save_torch_global(self, g: _TorchGlobal) -> None:
        self._write_global(g, g.module, g.name)

    def _save_dtype(self, d: D.dtype) -> None:
        self._write_global(d, "torch", d.name)  # torch pickles a dtype as the bare name torch.float32

    dispatch[_TorchGlobal] = _save_torch_global
    dispatch[D.dtype] = _save_dtype

    def persistent_id(self, obj: Any) -> tuple | None:
        if type(obj) is _StorageUse:
            ref = obj.ref
            if obj.dtype in _UNTYPED_DTYPES:
                return ("storage", _UNTYPED_STORAGE, ref.key, "cpu", ref.array.nbytes)
            return ("storage", _STORAGE_GLOBALS[obj.dtype], ref.key, "cpu", ref.array.nbytes // obj.dtype.itemsize)
        return None

    def _storage_for(self, arr: np.ndarray) -> tuple[_StorageUse, int, tuple[int, ...]]:
        """(storage, element offset, strides in elements) for an array, sharing storages between views."""
        found = _storage_view(arr)
        if found is None:  # a layout torch cannot express (e.g. negative strides): save a compact copy
            arr = arr.copy(order="C")  # (np.ascontiguousarray would turn a 0-d array into 1-d)
            ident, flat, offset = ("copy", len(self.storages)), arr.reshape(-1), 0
        else:
            ident, flat, offset = found
        if flat.nbytes:
            # torch's rule: one block of memory is saved with one element type (views as another dtype fail)
            tag = self._tags.setdefault(ident, _storage_tag(arr.dtype))
            if tag != _storage_tag(arr.dtype):
                raise RuntimeError("Cannot save multiple tensors or storages that view the same data as different types")
        ref = self.storages.get(ident)
        if ref is None:
            ref = self.storages[ident] = _StorageRef(str(len(self.storages)), flat)
        strides = tuple(s // arr.itemsize for s in arr.strides)
        if not arr.size and not any(strides):
            strides = _contiguous_strides(arr.shape)  # NumPy's zeros for a fresh empty array: Tensor.stride()'s rule
        return _StorageUse(ref, arr.dtype), offset, strides

    def reducer_override(self, obj: Any) -> Any:
        # a lazy module's placeholder has no data: it pickles itself (its class and requires_grad), as in torch
        if isinstance(obj, Tensor) and not is_lazy(obj):
            dt = obj._data.dtype
            if dt not in STORAGE_NAMES and dt not in _UNTYPED_DTYPES:
                raise pickle.PicklingError(f"cannot save a tensor of NumPy dtype {dt}")
            ref, offset, strides = self._storage_for(obj._data)
            untyped = _UNTYPED_DTYPES.get(dt)
            rebuild = _REBUILD_TENSOR_V2 if untyped is None else _REBUILD_TENSOR_V3
            extra = () if untyped is None else (untyped,)
            state = {k: v for k, v in obj.__dict__.items() if k not in _AUTOGRAD_ATTRS}  # the user's attributes
            if isinstance(obj, Parameter):
                # torch: _rebuild_parameter(<tensor without grad>, requires_grad, hooks[, state])
                inner = (ref, offset, tuple(obj._data.shape), strides, False, OrderedDict(), *extra)
                tensor = _Rebuild(rebuild, inner)
                if state:
                    return _REBUILD_PARAMETER_WITH_STATE, (tensor, obj.requires_grad, OrderedDict(), state)
                return _REBUILD_PARAMETER, (tensor, obj.requires_grad, OrderedDict())
            args = (ref, offset, tuple(obj._data.shape), strides, obj.requires_grad, OrderedDict(), *extra)
            if state:
                return _REBUILD_FROM_TYPE_V2, (rebuild, _TORCH_TENSOR, args, state)
            return rebuild, args
        if isinstance(obj, Size):
            return _TORCH_SIZE, (tuple(obj),)
        if isinstance(obj, device):
            return _TORCH_DEVICE, (obj.type,) if obj.index is None else (obj.type, obj.index)
        if type(obj).__name__ == "_Layout" and type(obj).__module__ == "ember":  # ember.strided, as torch pickles it
            return _GET_LAYOUT, (f"torch.{obj.name}",)
        return NotImplemented


class _Rebuild:
    """The inner ``_rebuild_tensor_v2/v3(...)`` call of a Parameter, pickled as that REDUCE."""

    __slots__ = ("fn", "args")

    def __init__(self, fn: _TorchGlobal, args: tuple) -> None:
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, acc = [], 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))
