"""torch's CPU binomial sampler (aten ``sample_binomial`` behind ``_s_binomial_cpu``), element by element.

n p >= 10 (on the smaller of p, 1 - p): Hoermann's BTRS transformed rejection; otherwise inversion by summing
geometric waiting times. Uniforms are torch's ``uniform_real<double>(0, 1)``. ``T`` is aten's scalar_t: the
products of count and prob round in the tensor's dtype, the rest runs in double, as in the C++.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import math

import numpy as np

from ember._rng.generator import default_generator

from ._gamma_sampling import _uniform_double
from ._poisson_sampling import _libm

_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
         0.0138761288230707, 0.0118967099458917, 0.0104112652619720, 0.00925546218271273, 0.00833056343336287)


def _libm_log1pf():
    # compat_log1p on a float argument is glibc's log1pf (not double log1p rounded to float)
    try:
        fn = _libm().log1pf
        fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
        return lambda x: float(np.float32(fn(float(x))))
    except (OSError, AttributeError):  # pragma: no cover - non-glibc platforms
        return lambda x: float(np.float32(math.log1p(float(x))))


_log1pf = _libm_log1pf()


def _stirling_tail(k: float) -> float:
    """log k! - Stirling's approximation of it (table up to 9, series above)."""
    if k <= 9:
        return _TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _inversion(count, prob, T, eng):
    geom_sum, num_geom = 0.0, T(0)
    logprob = _log1pf(-prob) if T is np.float32 else math.log1p(-float(prob))
    while True:
        geom = math.ceil(math.log(_uniform_double(eng)) / logprob)
        geom_sum += geom
        if geom_sum > count:
            return num_geom
        num_geom = num_geom + T(1)


def _btrs(count, prob, T, eng):
    stddev = float(np.sqrt(count * prob * (T(1) - prob)))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * float(prob)
    c = float(count * prob) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(prob / (T(1) - prob))
    alpha = (2.83 + 5.1 / b) * stddev
    m = float(np.floor((count + T(1)) * prob))
    n = float(count)
    while True:
        U = _uniform_double(eng) - 0.5
        V = _uniform_double(eng)
        us = 0.5 - abs(U)
        k = T(math.floor((2 * a / us + b) * U + c))
        if k < 0 or k > count:
            continue
        if us >= 0.07 and V <= v_r:
            return k
        kf = float(k)
        V = math.log(V * alpha / (a / (us * us) + b))
        upperbound = ((m + 0.5) * math.log((m + 1) / (r * (n - m + 1)))
                      + (n + 1) * math.log((n - m + 1) / float(count - k + T(1)))
                      + (kf + 0.5) * math.log(r * float(count - k + T(1)) / float(k + T(1)))
                      + _stirling_tail(m) + _stirling_tail(n - m) - _stirling_tail(kf)
                      - _stirling_tail(float(count - k)))
        if V <= upperbound:
            return k


def _binomial_one(count, prob, T, eng):
    if count <= 0.0 or prob <= 0.0:
        return T(0)
    if prob >= 1.0:
        return count
    if prob <= 0.5:
        if count * prob >= 10.0:
            return _btrs(count, prob, T, eng)
        return _inversion(count, prob, T, eng)
    if prob > 0.5:
        qprob = T(1.0) - prob
        if count * qprob >= 10.0:
            return count - _btrs(count, qprob, T, eng)
        return count - _inversion(count, qprob, T, eng)
    return T(math.nan)


def binomial_array(count: np.ndarray, prob: np.ndarray, gen=None) -> np.ndarray:
    """Binomial(count, prob) draws (torch.binomial on CPU) in prob's dtype."""
    eng = (default_generator if gen is None else gen)._engine
    T = prob.dtype.type
    c, p = np.broadcast_arrays(count.astype(prob.dtype), prob)
    out = [_binomial_one(T(a), T(b), T, eng) for a, b in zip(c.reshape(-1), p.reshape(-1))]
    return np.array(out, dtype=prob.dtype).reshape(c.shape)
