"""dtype conversion: ``to``, ``type``, ``float()``... (``ToCopyBackward0``)."""
from __future__ import annotations

from .. import _dtype as D
from .._device import check_device, device as Device
from .._tensor import Tensor, _TYPE_NAMES
from ..autograd.function import _NumpyFunction as Function
from ..autograd.graph_engine import cast_grad

__all__ = ["to", "type_", "cast"]


class ToCopy(Function):
    """out = a cast to a dtype;  da = g cast back"""

    @staticmethod
    def forward(ctx, a, np_dtype):
        ctx.in_dtype = a.dtype
        return a.astype(np_dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.in_dtype), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return cast_grad(g, ctx.in_dtype), None


def cast(input: Tensor, dtype: D.dtype, copy: bool = False) -> Tensor:
    """Return ``input`` in ``dtype``; the same object when nothing changes and no copy is asked for."""
    nd = D._require_storable(dtype)
    if input._data.dtype == nd:
        return ToCopy.apply(input, nd) if copy else input
    return ToCopy.apply(input, nd)


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments - got unexpected keyword {next(iter(kwargs))!r}")
    other = None
    for a in args:
        if isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, (str, Device)) or isinstance(a, int) and not isinstance(a, bool):
            dev = a
        elif isinstance(a, Tensor):
            other = a
        elif isinstance(a, bool):
            copy = a
        elif a is None:
            continue
        else:
            raise TypeError(f"to() received an invalid combination of arguments - got ({type(a).__name__})")
    if other is not None:
        dtype = other.dtype
    return dtype, dev, copy


def to(input: Tensor, *args, **kwargs) -> Tensor:
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``; returns self when nothing changes."""
    dtype, dev, copy = _parse_to(args, dict(kwargs))
    check_device(dev)
    if dtype is None:
        return Tensor._make(input._data.copy()) if copy else input
    return cast(input, dtype, copy)


_TYPE_BY_NAME = {v: k for k, v in _TYPE_NAMES.items()}


def type_(input: Tensor, dtype=None, non_blocking: bool = False):
    """With no argument, torch's type string ('torch.FloatTensor'); else a cast."""
    if dtype is None:
        return _TYPE_NAMES[input.dtype.name]
    if isinstance(dtype, str):
        name = _TYPE_BY_NAME.get(dtype)
        if name is None:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = D._BY_NAME[name]
    if not isinstance(dtype, D.dtype):
        raise TypeError("dtype must be a type, str, or dtype object")
    return cast(input, dtype)
