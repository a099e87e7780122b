"""Padding layers (torch/nn/modules/padding.py): Constant/Zero/Reflection/Replication/CircularPad 1d, 2d, 3d.

Each stores ``padding`` as a tuple of 2·N ints (an int is repeated; any iterable is taken as it is, unchecked,
as torch does) and forwards to ``F.pad``. Every class repeats ``__init__`` so that argument errors name it.
"""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module
from .utils import _ntuple

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"]


def _sides(padding, n: int) -> tuple:
    """(left, right, top, bottom, ...) for n spatial dims: an int on every side, an iterable as given."""
    return _ntuple(2 * n)(padding)


class _PadNd(Module):
    """A padding layer of one F.pad mode; its repr shows the padding tuple alone."""

    _mode: str
    padding: tuple

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ReflectionPadNd(_PadNd):
    _mode = "reflect"


class _ReplicationPadNd(_PadNd):
    _mode = "replicate"


class _CircularPadNd(_PadNd):
    """Circular padding, which (unlike the others) checks the input's dim count before padding."""

    _mode = "circular"
    _dims: int  # spatial dims: the input has _dims + 1 (unbatched) or _dims + 2 dims

    def _check_input_dim(self, input: Tensor) -> None:
        lo = self._dims + 1
        if input.dim() not in (lo, lo + 1):
            raise ValueError(f"expected {lo}D or {lo + 1}D input (got {input.dim()}D input)")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        return super().forward(input)


class _ConstantPadNd(Module):
    """Pads with a constant ``value``, shown in the repr."""

    value: float
    padding: tuple

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ReflectionPad1d(_ReflectionPadNd):
    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _sides(padding, 1)


class ReflectionPad2d(_ReflectionPadNd):
    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _sides(padding, 2)


class ReflectionPad3d(_ReflectionPadNd):
    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _sides(padding, 3)


class ReplicationPad1d(_ReplicationPadNd):
    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _sides(padding, 1)


class ReplicationPad2d(_ReplicationPadNd):
    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _sides(padding, 2)


class ReplicationPad3d(_ReplicationPadNd):
    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _sides(padding, 3)


class CircularPad1d(_CircularPadNd):
    _dims = 1

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _sides(padding, 1)


class CircularPad2d(_CircularPadNd):
    _dims = 2

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _sides(padding, 2)


class CircularPad3d(_CircularPadNd):
    _dims = 3

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _sides(padding, 3)


class ConstantPad1d(_ConstantPadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(value)
        self.padding = _sides(padding, 1)


class ConstantPad2d(_ConstantPadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(value)
        self.padding = _sides(padding, 2)


class ConstantPad3d(_ConstantPadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(value)
        self.padding = _sides(padding, 3)


class ZeroPad1d(ConstantPad1d):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"
