"""torch's CPU Poisson sampler (aten ``sample_poisson`` behind ``_s_poisson_cpu``), element by element.

rate >= 10: Hoermann's transformed rejection (PTRS); 0 < rate < 10: multiply uniforms until the product drops
to exp(-rate). Each uniform is torch's ``uniform_real<double>(0, 1)`` (one random64); elements in C order.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import math

import numpy as np

from ember._rng.generator import default_generator


def _libm():
    """The C math library (by its glibc soname first: find_library runs external tools)."""
    try:
        return ctypes.CDLL("libm.so.6")
    except OSError:  # pragma: no cover - non-glibc platforms
        return ctypes.CDLL(ctypes.util.find_library("m"))

from ._gamma_sampling import _uniform_double


def _glibc_lgamma():
    # CPython's math.lgamma is its own code; the acceptance test must use the C library's, as aten does
    try:
        fn = _libm().lgamma
        fn.restype, fn.argtypes = ctypes.c_double, [ctypes.c_double]
        return fn
    except (OSError, AttributeError):  # pragma: no cover - non-glibc platforms
        return math.lgamma


_lgamma = _glibc_lgamma()


def _poisson_one(lam: float, eng) -> float:
    if lam >= 10:
        slam = math.sqrt(lam)
        loglam = math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            U = _uniform_double(eng) - 0.5
            V = _uniform_double(eng)
            us = 0.5 - abs(U)
            k = math.floor((2 * a / us + b) * U + lam + 0.43)
            if us >= 0.07 and V <= vr:
                return k
            if k < 0 or (us < 0.013 and V > us):
                continue
            if math.log(V) + math.log(invalpha) - math.log(a / (us * us) + b) <= -lam + k * loglam - _lgamma(k + 1):
                return k
    if lam == 0:
        return 0
    enlam = math.exp(-lam)
    x, prod = 0, 1.0
    while True:
        prod *= _uniform_double(eng)
        if prod > enlam:
            x += 1
        else:
            return x


def poisson_array(rate: np.ndarray, gen=None) -> np.ndarray:
    """Poisson(rate) draws in rate's dtype (torch.poisson on CPU)."""
    if (rate < 0).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    eng = (default_generator if gen is None else gen)._engine
    flat = np.ascontiguousarray(rate).reshape(-1)
    out = np.array([_poisson_one(float(r), eng) for r in flat], dtype=np.float64)
    return out.astype(rate.dtype).reshape(rate.shape)
