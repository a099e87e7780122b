"""Branch-free ``np.where`` for masks that look random (relu, clamp, where, masked_fill backward).

NumPy's ``where`` picks each element with a branch; with a mask like ``x > 0`` on random data the CPU
mispredicts about half of them, which costs ~4.5 ns per element (measured here on a (64, 256) float32
array: 73 us, against 8 us for a multiply). Selecting through the bits instead has no branch:

    m = -mask          as integers of the element's width: all ones where True, 0 where False
    keep(mask, a)      = a & m                 (a where True, +0.0 where False)
    select(mask, a, b) = b ^ ((a ^ b) & m)     (a where True, b where False)

Bit operations copy the chosen values exactly (signs of zero and NaN payloads included), so the results
are bit-identical to ``np.where``'s.
"""
from __future__ import annotations

import numpy as np

__all__ = ["keep", "select"]

_INT = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}


def _ones_where(mask: np.ndarray, itemsize: int) -> np.ndarray:
    """-mask as signed integers of ``itemsize`` bytes: every bit set where ``mask`` is True."""
    return np.negative(mask.view(np.int8), dtype=_INT[itemsize])


def keep(mask: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``np.where(mask, a, 0)`` (a new array) for a numeric array ``a`` broadcastable with the bool ``mask``."""
    if a.dtype.kind not in "fiu" or a.itemsize not in _INT or mask.dtype != np.bool_:
        return np.where(mask, a, a.dtype.type(0))
    it = _INT[a.itemsize]
    m = np.asarray(_ones_where(mask, a.itemsize))  # asarray: a 0-d mask gives a NumPy scalar
    if m.shape == a.shape or m.shape == np.broadcast_shapes(m.shape, a.shape):
        return np.bitwise_and(m, a.view(it), out=m).view(a.dtype)
    return np.asarray(np.bitwise_and(m, a.view(it))).view(a.dtype)


def select(mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.where(mask, a, b)`` for ``a``, ``b`` of one numeric dtype (arrays or 0-d arrays, broadcastable);
    anything else (Python scalars, whose dtype NumPy decides with the other operand) goes to ``np.where``."""
    if (type(a) is not np.ndarray or type(b) is not np.ndarray or a.dtype != b.dtype
            or a.dtype.kind not in "fiu" or a.itemsize not in _INT or mask.dtype != np.bool_):
        return np.where(mask, a, b)
    it = _INT[a.itemsize]
    ai, bi = a.view(it), b.view(it)
    out = np.asarray(np.bitwise_xor(ai, bi))
    m = _ones_where(mask, a.itemsize)
    if out.shape != m.shape and out.shape != np.broadcast_shapes(out.shape, m.shape):
        out = np.bitwise_and(out, m)
    else:
        np.bitwise_and(out, m, out=out)
    np.bitwise_xor(out, bi, out=out)
    return out.view(a.dtype)
