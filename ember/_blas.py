"""NumPy's BLAS thread count, so that ``ember.set_num_threads`` means what ``torch.set_num_threads`` does.

NumPy's wheels bundle OpenBLAS (``numpy.libs/libscipy_openblas*``), which starts one
thread per core for every matrix product. On a machine whose cores are busy, small
products then run many times slower than single-threaded; torch users reach for
``torch.set_num_threads(1)`` there, and ember's does the same to the BLAS through
its C entry point. If no OpenBLAS is found (another BLAS, an unusual build), the
setting is recorded only.
"""
from __future__ import annotations

import ctypes
import glob
import os

import numpy as np

__all__ = ["set_threads", "get_threads"]

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads64_",
            "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads", "openblas_get_num_threads64_",
            "openblas_get_num_threads")
_lib: tuple | None = None


def _find() -> tuple:
    global _lib
    if _lib is None:
        _lib = (None, None)
        here = os.path.dirname(np.__file__)
        candidates = glob.glob(os.path.join(here, "..", "numpy.libs", "*openblas*")) + \
            glob.glob(os.path.join(here, ".dylibs", "*openblas*"))
        for path in candidates:
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            setter = next((getattr(lib, n) for n in _SETTERS if hasattr(lib, n)), None)
            getter = next((getattr(lib, n) for n in _GETTERS if hasattr(lib, n)), None)
            if setter is not None and getter is not None:
                setter.argtypes, getter.restype = [ctypes.c_int], ctypes.c_int
                _lib = (setter, getter)
                break
    return _lib


def set_threads(n: int) -> bool:
    """Set the BLAS thread count; False when NumPy's BLAS could not be reached."""
    setter, _ = _find()
    if setter is None:
        return False
    setter(n)
    return True


def get_threads() -> int | None:
    _, getter = _find()
    return None if getter is None else int(getter())
