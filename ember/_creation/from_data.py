"""Tensors from existing data: ``tensor`` copies, ``as_tensor``/``asarray``/``from_numpy`` share memory when they can."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import _dtype as D
from .._device import check_device
from .._tensor import Tensor
from .args import as_dtype, check_strides, leaf, storage_dtype
from .nested_data import array_from_data

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy"]


def tensor(data: Any, *, dtype: D.dtype | None = None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """Copy ``data`` (a number, nested lists, an ndarray or a Tensor) into a new leaf tensor."""
    check_device(device)
    if dtype is not None:
        dtype = as_dtype(dtype)
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning, stacklevel=2,
        )
        arr = data._data.astype(storage_dtype(dtype, data.dtype), copy=True)
        return leaf(arr, requires_grad)
    if isinstance(data, np.ndarray):
        src_dtype = D.from_numpy_dtype(data.dtype)
        check_strides(data)
        arr = np.array(data, dtype=storage_dtype(dtype, src_dtype), copy=True)
        return leaf(arr, requires_grad)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if dtype is not None:
        storage_dtype(dtype)  # bfloat16/complex32: ember's clear error before looking at the data
    return leaf(array_from_data(data, dtype), requires_grad)


def as_tensor(data: Any, dtype: D.dtype | None = None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with an ndarray or Tensor when no conversion is needed."""
    check_device(device)
    if isinstance(data, Tensor):
        if dtype is None or dtype is data.dtype:
            return data
        return data.to(dtype)
    if isinstance(data, np.ndarray):
        src = D.from_numpy_dtype(data.dtype)
        check_strides(data)
        if dtype is None or dtype is src:
            return Tensor._make(data)
        return Tensor._make(data.astype(storage_dtype(dtype)))
    return tensor(data, dtype=dtype)


def asarray(obj: Any, *, dtype: D.dtype | None = None, device=None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    t = as_tensor(obj, dtype=dtype, device=device) if not copy else tensor(obj, dtype=dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (writes through either show in both)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_numpy_dtype(ndarray.dtype)
    check_strides(ndarray)
    if not ndarray.flags.writeable:
        warnings.warn(
            "The given NumPy array is not writable, and PyTorch does not support non-writable tensors. This means "
            "writing to this tensor will result in undefined behavior. You may want to copy the array to protect its "
            "data or make it writable before converting it to a tensor. This type of warning will be suppressed for "
            "the rest of this program.", UserWarning, stacklevel=2)
    return Tensor._make(ndarray)
