"""``isin``: which elements of one tensor occur among the elements of another (no gradient)."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor

__all__ = ["isin"]

_SIGNATURES = ("(Tensor elements, Tensor test_elements, *, bool assume_unique = False, bool invert = False, "
               "Tensor out = None)",
               "(Number element, Tensor test_elements, *, bool assume_unique = False, bool invert = False, "
               "Tensor out = None)",
               "(Tensor elements, Number test_element, *, bool assume_unique = False, bool invert = False, "
               "Tensor out = None)")
_NUMBER = (int, float, bool, np.number, np.bool_)


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False, out=None) -> Tensor:
    """True where an element of ``elements`` equals some element of ``test_elements`` (``invert``: the opposite);
    both are compared in their promoted dtype. ``assume_unique`` only lets torch pick a faster method."""
    if not ((isinstance(elements, Tensor) and isinstance(test_elements, (Tensor,) + _NUMBER))
            or (isinstance(elements, _NUMBER) and isinstance(test_elements, Tensor))):
        raise TypeError(f"isin() received an invalid combination of arguments - got ({type(elements).__name__}, "
                        f"{type(test_elements).__name__}), but expected one of:\n"
                        + "".join(f" * {s}\n" for s in _SIGNATURES))
    for x in (elements, test_elements):
        if isinstance(x, Tensor):
            kind = x._data.dtype.kind
            name = x.dtype.name
        else:
            kind = "b" if isinstance(x, (bool, np.bool_)) else "c" if isinstance(x, (complex, np.complexfloating)) \
                else "n"
            name = "bool" if kind == "b" else "complex64"
        if kind in "bc":
            from .._tensor import _SCALAR_NAMES
            raise RuntimeError(f"Unsupported input type encountered for isin(): {_SCALAR_NAMES[name]}")
    common = D.result_type(elements, test_elements).np_dtype
    a = np.asarray(elements._data if isinstance(elements, Tensor) else elements).astype(common, copy=False)
    b = np.asarray(test_elements._data if isinstance(test_elements, Tensor) else test_elements)
    b = np.sort(b.astype(common, copy=False).reshape(-1))
    if b.size:
        pos = np.searchsorted(b, a)
        found = b[np.minimum(pos, b.size - 1)] == a  # (nan equals nothing, -0.0 equals 0.0)
    else:
        found = np.zeros(a.shape, bool)
    res = Tensor._make(np.asarray(found != bool(invert)))
    if out is not None:
        if out._data.dtype != np.bool_:
            from .._tensor import _C_NAMES
            raise RuntimeError(f"Expected out tensor to have dtype bool, but got {_C_NAMES[out.dtype.name]} instead")
        from ._args import write_out
        return write_out(out, res)
    return res
