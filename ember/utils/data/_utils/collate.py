"""``default_collate`` and ``default_convert``: turn fetched samples into batched tensors as torch does.

See https://pytorch.org/docs/stable/data.html#dataloader-collate-fn. The type dispatch goes through
``default_collate_fn_map`` (exact type first, then ``isinstance`` in insertion order), so users can
extend it the way they extend torch's.
"""
from __future__ import annotations

import collections.abc
import copy
import re
from typing import Any, Callable

import numpy as np

from ...._creation import as_tensor, tensor
from ...._dtype import float64
from ...._ops.shape import stack
from ...._tensor import Tensor

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map", "collate_tensor_fn",
           "collate_numpy_array_fn", "collate_numpy_scalar_fn", "collate_float_fn", "collate_int_fn",
           "collate_str_fn", "default_collate_err_msg_format", "np_str_obj_array_pattern"]

# dtype.str kinds that cannot become tensors: bytes, str, unicode, object
np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)

CollateFnMap = dict  # dict[type | tuple[type, ...], Callable]


def _is_numpy_non_string(data: Any) -> bool:
    t = type(data)
    return t.__module__ == "numpy" and t.__name__ not in ("str_", "string_", "bytes_")


def default_convert(data: Any) -> Any:
    """Convert NumPy arrays/scalars (also inside mappings and sequences) to tensors; leave the rest as is."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if _is_numpy_non_string(data):
        if isinstance(data, np.ndarray) and np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        return _rebuild_mapping(data, converted)
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # torch returns a list here (backwards compatibility)
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def _rebuild_mapping(like: collections.abc.Mapping, values: dict) -> Any:
    """A mapping of ``like``'s type holding ``values``; a plain dict when that type cannot be rebuilt."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            # a shallow copy keeps extra state of dict subclasses (e.g. defaultdict's factory)
            clone = copy.copy(like)
            clone.update(values)
            return clone
        return type(like)(values)
    except TypeError:
        return values


def _rebuild_sequence(like: collections.abc.Sequence, values: list) -> Any:
    """A sequence of ``like``'s type holding ``values``; a plain list when that type cannot be rebuilt."""
    try:
        if isinstance(like, collections.abc.MutableSequence):
            clone = copy.copy(like)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(like)(values)
    except TypeError:
        return values


def collate(batch: list, *, collate_fn_map: CollateFnMap | None = None) -> Any:
    """Collate a list of samples, dispatching on the type of the first one through ``collate_fn_map``."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        values = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
        return _rebuild_mapping(elem, values)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        # the zipped tuples are passed on as they are: a batch of strings comes back as that tuple, like torch
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return columns  # torch returns a list for tuples (backwards compatibility)
        return _rebuild_sequence(elem, columns)
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch: list, *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    # torch writes into shared memory only inside worker processes; ember has none, so a plain stack
    return stack(batch, 0)


def collate_numpy_array_fn(batch: list, *, collate_fn_map: CollateFnMap | None = None) -> Any:
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch: list, *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    # as_tensor of the list itself, as torch: its promotion (int64 with float32 gives float32, bool with
    # uint8 fails) and its errors for entries that are not scalars of the same kind
    return as_tensor(batch)


def collate_float_fn(batch: list, *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    return tensor(batch, dtype=float64)  # Python floats are doubles: torch keeps float64 here


def collate_int_fn(batch: list, *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    return tensor(batch)


def collate_str_fn(batch: list, *, collate_fn_map: CollateFnMap | None = None) -> list:
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch: list) -> Any:
    """Stack a list of samples into a batch, recursing into mappings, namedtuples and sequences."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
