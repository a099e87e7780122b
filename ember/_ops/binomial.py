"""``binomial(count, prob)``: one Binomial(count, prob) draw per element, bit for bit with torch's CPU sampler.

aten's ``_s_binomial_cpu`` walks the elements in order, each drawing doubles ``uniform_real(0, 1)`` (a 53-bit
``random64``) from the generator as ``sample_binomial`` (ATen/native/Distributions.h) needs them:

    count * p >= 10:  BTRS (Hormann's transformed rejection with squeeze), on min(p, 1 - p)
    else:             inversion - count geometric waiting times ceil(log U / log1p(-p)) until they pass count

The count/prob arithmetic happens in the tensor's dtype (float32 products round in float32) and the rest in
double, as in aten; glibc's log/log1p come from Python's ``math`` (and ``log1pf`` from libm for float32).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import math
import warnings

import numpy as np

from .._tensor import Tensor
from ..random import default_generator

__all__ = ["binomial"]

_libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
_libm.log1pf.restype = ctypes.c_float
_libm.log1pf.argtypes = [ctypes.c_float]

# aten's stirling_approx_tail table: log k! minus its Stirling approximation, k = 0..9
_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
         0.0138761288230707, 0.0118967099458917, 0.0104112652619720, 0.00925546218271273, 0.00833056343336287)


def _tail(k: float) -> float:
    if k <= 9:
        return _TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _inversion(count, prob, uniform, f32: bool) -> float:
    logprob = float(_libm.log1pf(-prob)) if f32 else math.log1p(-prob)
    geom_sum, num = 0.0, 0.0
    while True:
        geom_sum += math.ceil(math.log(uniform()) / logprob)
        if geom_sum > count:
            return num
        num += 1


def _btrs(count, prob, uniform) -> float:
    one = type(prob)(1)
    stddev = float(np.sqrt(count * prob * (one - prob)))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * float(prob)
    c = float(count * prob) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(prob / (one - prob))
    alpha = (2.83 + 5.1 / b) * stddev
    m = float(np.floor((count + one) * prob))
    n = float(count)
    while True:
        u = uniform() - 0.5
        v = uniform()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v = math.log(v * alpha / (a / (us * us) + b))
        upper = ((m + 0.5) * math.log((m + 1) / (r * (n - m + 1))) + (n + 1) * math.log((n - m + 1) / (n - k + 1))
                 + (k + 0.5) * math.log(r * (n - k + 1) / (k + 1)) + _tail(m) + _tail(n - m) - _tail(k)
                 - _tail(n - k))
        if v <= upper:
            return k


def _sample(count, prob, uniform, f32: bool) -> float:
    """aten's sample_binomial on one (count, prob) pair (numpy scalars of the tensor's dtype)."""
    if count <= 0.0 or prob <= 0.0:
        return 0.0
    if prob >= 1.0:
        return float(count)
    if prob <= 0.5:
        if count * prob >= 10.0:
            return _btrs(count, prob, uniform)
        return _inversion(count, prob, uniform, f32)
    if prob > 0.5:
        q = type(prob)(1.0) - prob
        if count * q >= 10.0:
            return float(count) - _btrs(count, q, uniform)
        return float(count) - _inversion(count, q, uniform, f32)
    return math.nan  # prob is nan


def binomial(count: Tensor, prob: Tensor, generator=None) -> Tensor:
    """Draws of Binomial(count, prob), elementwise (count and prob broadcast), in count's dtype."""
    c, p = count._data, prob._data
    if c.dtype.kind != "f":
        from .stats import _SCALAR
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: "
                         f"{_SCALAR.get(c.dtype.name, c.dtype.name)}")
    if p.dtype != c.dtype:
        from .stats import _SCALAR
        raise RuntimeError(f"Found dtype {_SCALAR[p.dtype.name]} but expected {_SCALAR[c.dtype.name]}")
    shape = np.broadcast_shapes(c.shape, p.shape)
    if shape != c.shape:
        warnings.warn("An output with one or more elements was resized since it had shape "
                      f"[{', '.join(map(str, c.shape))}], which does not match the required output shape "
                      f"[{', '.join(map(str, shape))}]. This behavior is deprecated, and in a future PyTorch release "
                      "outputs will not be resized unless they have zero elements. You can explicitly reuse an out "
                      "tensor t by resizing it, inplace, to zero elements with t.resize_(0).", UserWarning,
                      stacklevel=2)
    engine = (generator or default_generator)._engine
    uniform = lambda: float(engine.uniform53(1)[0])  # noqa: E731  (one at a time: a draw's count depends on values)
    f32 = c.dtype == np.float32
    cs, ps = np.broadcast_to(c, shape).ravel(), np.broadcast_to(p, shape).ravel()
    out = np.array([_sample(cv, pv, uniform, f32) for cv, pv in zip(cs, ps)], c.dtype).reshape(shape)
    return Tensor._make(out)
