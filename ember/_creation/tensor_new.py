"""Factories reached through the Tensor class: ``torch.Tensor(...)`` and ``Tensor.new_zeros``/``new_ones``/
``new_empty``/``new_full``/``new_tensor``, which default to the tensor's own dtype."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._device import check_device
from .._size import Size
from .._tensor import Tensor
from .args import as_dtype, check_strides, leaf, size_arg, storage_dtype
from .filled import fill_value_as, full_size
from .from_data import tensor
from .nested_data import SEQUENCES, array_from_data

__all__ = ["new_zeros", "new_ones", "new_empty", "new_full", "new_tensor"]


def _legacy_new(cls, *args, **kwargs):
    """``torch.Tensor(...)``: sizes give an (here zero-filled) float tensor, data gives a copy in the default dtype."""
    device = kwargs.pop("device", None)
    check_device(device)
    if kwargs:
        got = ", ".join([type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()])
        raise TypeError(f"new() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                        " * (*, torch.device device = None)\n * (torch.Storage storage)\n * (Tensor other)\n"
                        " * (tuple of ints size, *, torch.device device = None)\n * (object data, *, torch.device device = None)\n")
    d = D.get_default_dtype()
    nd = D._require_storable(d)
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        data = args[0]
        if isinstance(data, Tensor):
            arr = data._data
        elif isinstance(data, Size):
            arr = np.zeros(tuple(data), nd)
        elif isinstance(data, np.ndarray):
            check_strides(data)
            arr = np.array(data, dtype=nd)
        elif isinstance(data, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        elif not isinstance(data, SEQUENCES):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        else:
            arr = array_from_data(data, d)
    else:
        arr = np.zeros(size_arg(args, "new") if args else (0,), nd)  # Tensor() is empty, shape (0,)
    t = object.__new__(cls)
    t._init_from(arr)
    return t


def _new_factory(fill, name: str):
    def method(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False, layout=None,
               pin_memory: bool = False) -> Tensor:
        check_device(device)
        shape = size_arg(size, name)
        nd = storage_dtype(dtype if dtype is not None else self.dtype)
        arr = np.full(shape, fill, nd) if fill is not None else np.zeros(shape, nd)
        return leaf(arr, requires_grad)
    method.__name__ = name
    return method


new_zeros = _new_factory(0, "new_zeros")
new_ones = _new_factory(1, "new_ones")
new_empty = _new_factory(None, "new_empty")


def new_full(self: Tensor, *args, dtype=None, device=None, requires_grad: bool = False, layout=None,
             pin_memory: bool = False) -> Tensor:
    if len(args) > 2:
        raise TypeError(f"new_full() takes 2 positional arguments but {len(args)} were given")
    if len(args) < 2:
        missing = ["size", "fill_value"][len(args):]
        raise TypeError(f"new_full() missing {len(missing)} required positional argument{'s' if len(missing) == 1 else ''}: "
                        + ", ".join(f'"{m}"' for m in missing))  # sic: torch's plural is backwards
    size, fill_value = args
    check_device(device)
    nd = storage_dtype(dtype if dtype is not None else self.dtype)
    shape = full_size(size, "new_full")
    return leaf(np.full(shape, fill_value_as(fill_value, as_dtype(dtype) if dtype is not None else self.dtype), nd), requires_grad)


def new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False, layout=None,
               pin_memory: bool = False) -> Tensor:
    check_device(device)
    return tensor(data, dtype=dtype if dtype is not None else self.dtype, requires_grad=requires_grad)
