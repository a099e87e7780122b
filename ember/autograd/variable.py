"""``Variable``: the pre-0.4 wrapper, kept by torch for old code. Every Tensor is a Variable (``isinstance``), and
``Variable(t, requires_grad=...)`` returns a new leaf that shares ``t``'s data, as torch's does."""
from __future__ import annotations

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        from .._tensor import Tensor
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data=None, requires_grad=False, volatile=False)``: a leaf sharing ``data``'s memory (no history)."""

    def __new__(cls, data=None, requires_grad: bool = False, volatile: bool = False):
        from .._tensor import Tensor
        from .. import tensor as _tensor
        if data is None:
            data = _tensor([])
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        if requires_grad:
            out.requires_grad_(True)
        return out
