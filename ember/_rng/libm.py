"""glibc's math functions on float64 arrays, as torch's scalar kernels call them.

torch's serial normal path, float64 ``normal_fill``, ``exponential_``, ``cauchy_``, ``log_normal_``,
``geometric_`` and ``multinomial`` call glibc's ``log``/``log1p``/``sin``/``cos``/``tan``/``exp``.
Python's ``math`` wraps the same C library, so element-by-element ``math`` calls agree with torch
in one process. NumPy's own float64 ``log``/``log1p`` are NOT glibc on AVX512 machines; its
``sin``/``cos`` are used only where ``libm_vectorised`` has checked them.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["libm", "libm_vectorised"]

_LIBM_OK: dict[str, bool] = {}


def libm_vectorised(name: str) -> bool:
    """True if NumPy's float64 ``name`` (``sin``/``cos``) returns exactly what the C library returns.

    Checked once on a fixed sample that covers torch's angle range; on glibc x86-64 builds of NumPy 2.x
    sin and cos are libm calls (the AVX512 SVML variants were removed in NumPy 1.25), while ``log`` and
    ``log1p`` are NumPy's own SIMD code and differ in the last bit for a fraction of a percent of inputs.
    """
    if name not in _LIBM_OK:
        x = np.linspace(0.0, 2 * math.pi, 4099)[1:] + np.random.default_rng(7).random(4098) * 1e-3
        fn = getattr(np, name)
        ref = np.array([getattr(math, name)(v) for v in x.tolist()])
        _LIBM_OK[name] = bool(np.array_equal(fn(x).view(np.uint64), ref.view(np.uint64)))
    return _LIBM_OK[name]


def libm(name: str, x: np.ndarray) -> np.ndarray:
    """glibc's ``name`` applied to every element of a float64 array."""
    if name in ("sin", "cos") and libm_vectorised(name):
        return getattr(np, name)(x)
    fn = _log if name == "log" else getattr(math, name)
    return np.fromiter(map(fn, x.tolist()), dtype=np.float64, count=x.size)


def _log(v: float) -> float:
    """C's ``log``: -inf at 0 (a 53-bit uniform is 0 once in 2**53 draws), where ``math.log`` raises."""
    return math.log(v) if v > 0.0 else (-math.inf if v == 0.0 else math.nan)
