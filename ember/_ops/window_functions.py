"""Signal windows: ``hann_window``, ``hamming_window``, ``blackman_window``, ``bartlett_window``, ``kaiser_window``.

Each computes in the requested dtype in aten's order (TensorFactories.cpp), so float32 rounds as torch's does.
A periodic window of length N is the symmetric window of length N + 1 without its last point.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._bessel_math import i0 as _i0

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


def _window(name: str, window_length: int, periodic: bool, dtype, requires_grad: bool, body) -> Tensor:
    dt = dtype or D.get_default_dtype()
    if dt.np_dtype.kind != "f":
        from .._tensor import _C_NAMES
        raise RuntimeError(f"{name} expects floating point dtypes, got: TensorOptions(dtype={_C_NAMES[dt.name]}, "
                           "device=cpu, layout=Strided (default), requires_grad=false (default), "
                           "pinned_memory=false, memory_format=(nullopt))")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    np_dt = dt.np_dtype
    if window_length <= 1:
        out = np.ones(window_length, np_dt)
    else:
        n = window_length + 1 if periodic else window_length
        out = body(np.arange(n, dtype=np_dt), n, np_dt.type)[:window_length]
    return Tensor._make(np.ascontiguousarray(out), requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """w[n] = alpha - beta cos(2 pi n / (N - 1))"""
    def body(w, n, c):
        return np.cos(w * c(math.pi * 2.0 / (n - 1))) * c(-beta) + c(alpha)
    return _window("hamming_window", window_length, periodic, dtype, requires_grad, body)


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                requires_grad: bool = False) -> Tensor:
    """w[n] = 0.5 - 0.5 cos(2 pi n / (N - 1)) (hamming with alpha = beta = 0.5)"""
    def body(w, n, c):
        return np.cos(w * c(math.pi * 2.0 / (n - 1))) * c(-0.5) + c(0.5)
    return _window("hann_window", window_length, periodic, dtype, requires_grad, body)


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """w[n] = 0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))"""
    def body(w, n, c):
        w = w * c(math.pi / (n - 1))
        return np.cos(w * c(4)) * c(0.08) - np.cos(w * c(2)) * c(0.5) + c(0.42)
    return _window("blackman_window", window_length, periodic, dtype, requires_grad, body)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """w[n] = 2n / (N - 1) on the first half, 2 - 2n / (N - 1) on the second"""
    def body(w, n, c):
        w = w * c(2.0 / (n - 1))
        half = ((n - 1) >> 1) + 1
        w[half:] = w[half:] * c(-1) + c(2)
        return w
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad, body)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, layout=None,
                  device=None, requires_grad: bool = False) -> Tensor:
    """w[n] = I0(beta sqrt(1 - ((n - a) / a)^2)) / I0(beta),  a = (N - 1) / 2"""
    def body(w, n, c):
        a = c((n - 1) / 2.0)
        arg = c(beta) * np.sqrt(np.abs(c(1) - ((w - a) / a) ** c(2)))
        return (_i0(arg.astype(np.float64)) / _i0(np.float64(c(beta)))).astype(w.dtype)
    return _window("kaiser_window", window_length, periodic, dtype, requires_grad, body)
