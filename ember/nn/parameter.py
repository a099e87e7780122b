"""``Parameter`` (a leaf tensor a Module registers as learnable) and ``Buffer`` (marks module state)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as D
from .._tensor import _AUTOGRAD_ATTRS, Tensor

__all__ = ["Parameter", "Buffer", "is_lazy"]


class Parameter(Tensor):
    """A Tensor that ``Module.__setattr__`` files under ``_parameters``; shares memory with ``data``."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            arr = np.empty(0, D._require_storable(D.get_default_dtype()))
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            # torch calls data.detach(): anything but a tensor fails there
            raise AttributeError(f"'{type(data).__name__}' object has no attribute 'detach'")
        if not isinstance(requires_grad, bool):
            # torch hands the flag to Tensor._make_subclass, whose parser takes only a real bool
            raise TypeError("_make_subclass(): argument 'require_grad' (position 3) must be bool, "
                            f"not {type(requires_grad).__name__}")
        if requires_grad and arr.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        p = object.__new__(cls)
        p._init_from(arr, bool(requires_grad))
        if isinstance(data, Tensor):
            p._vc = data._vc  # same storage, same version counter
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        # like torch: a fresh copy of the data and the flag; .grad is not carried over
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(Tensor._make(self._data.copy()), bool(self._requires_grad))
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        # attributes the user set on the parameter travel with it (not .grad, not autograd bookkeeping)
        state = {k: v for k, v in self.__dict__.items() if k not in _AUTOGRAD_ATTRS}
        return (_rebuild_parameter, (self._data.copy(), bool(self._requires_grad), state))


def _rebuild_parameter(arr: np.ndarray, requires_grad: bool, state: dict | None = None) -> Parameter:
    p = Parameter(Tensor._make(arr), requires_grad)
    if state:
        p.__dict__.update(state)
    return p


class _BufferMeta(type):
    """``isinstance(t, Buffer)`` is true for the plain tensors that ``Buffer(...)`` returns, as in torch."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is Buffer:
            return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor assigned to a Module attribute as a buffer (``torch.nn.Buffer``).

    Like torch, ``Buffer(t)`` returns a plain Tensor (sharing ``t``'s memory)
    tagged with ``_is_buffer`` and ``persistent``; ``Module.__setattr__`` reads
    the tag to register it.
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            data = Tensor._make(np.empty(0, D._require_storable(D.get_default_dtype())))
        elif not isinstance(data, Tensor):
            raise AttributeError(f"'{type(data).__name__}' object has no attribute 'detach'")
        t = data.detach()
        t._requires_grad = data._requires_grad
        t.persistent = persistent
        t._is_buffer = True
        return t


def is_lazy(param: Any) -> bool:
    """ember has no lazy (uninitialised) parameters."""
    return False
