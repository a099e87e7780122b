"""``Parameter``: a leaf tensor that a Module registers as learnable."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A Tensor that ``Module.__setattr__`` files under ``_parameters``; shares memory with ``data``."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            arr = np.empty(0, D._require_storable(D.get_default_dtype()))
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        if requires_grad and arr.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        p = object.__new__(cls)
        p._init_from(arr, bool(requires_grad))
        if isinstance(data, Tensor):
            p._vc = data._vc  # same storage, same version counter
        return p

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(Tensor._make(self._data.copy()), self._requires_grad)
        memo[id(self)] = result
        if self._grad is not None:
            result._grad = Tensor._make(self._grad._data.copy())
        return result

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data.copy(), self._requires_grad))


def _rebuild_parameter(arr, requires_grad):
    return Parameter(Tensor._make(arr), requires_grad)


class Buffer(Tensor):
    """Marks a tensor assigned to a Module attribute as a buffer (``torch.nn.Buffer``)."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        arr = data._data if data is not None else np.empty(0, D._require_storable(D.get_default_dtype()))
        b = object.__new__(cls)
        b._init_from(arr, False)
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent: bool = True) -> None:
        pass
