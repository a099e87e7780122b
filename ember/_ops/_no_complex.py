"""torch's refusals of complex inputs by the ops that order values (max, sort, clamp, comparisons...)."""
from __future__ import annotations

import numpy as np


def _kind(x) -> str:
    return np.asarray(x._data if hasattr(x, "_data") else x).dtype.kind if x is not None else ""


def no_kernel(kernel: str, *xs) -> None:
    """NotImplementedError '"<kernel>" not implemented for 'ComplexFloat'' when an operand is complex."""
    for x in xs:
        if _kind(x) == "c":
            from .._tensor import _SCALAR_NAMES
            name = np.asarray(x._data if hasattr(x, "_data") else x).dtype.name
            raise NotImplementedError(f'"{kernel}" not implemented for \'{_SCALAR_NAMES[name]}\'')


def refuse(message: str, *xs, error=RuntimeError) -> None:
    """``error(message)`` when an operand is complex (the ops whose complex check has its own words)."""
    if any(_kind(x) == "c" for x in xs):
        raise error(message)
