"""``bernoulli_`` with a scalar or a tensor of probabilities, and dropout's mask, bit for bit.

Each element compares one uniform with its probability: a 53-bit double for a scalar (or float64)
``p``, a 24-bit float for a float32/float16 tensor ``p``.
"""
from __future__ import annotations

import math

import numpy as np

from .generator import Generator
from .store import iter_order_perm, iter_order_view, write

__all__ = ["bernoulli_scalar_", "bernoulli_tensor_", "dropout_noise"]

f32, f64 = np.float32, np.float64
_U24 = np.uint32(0xFFFFFF)


def _u53_below(gen: Generator, n: int, p: float) -> np.ndarray:
    """``u < p`` for ``n`` 53-bit doubles ``u = U * 2**-53`` (torch's uniform_real<double>), as a bool array.

    Compared on the integers: ``U * 2**-53 < p`` iff ``U < p * 2**53`` (both sides exact: ``p * 2**53`` is
    a power-of-two scaling of a double in [0, 1]) iff ``U < ceil(p * 2**53)`` since U is an integer.
    """
    thr = np.uint64(math.ceil(float(p) * 2.0 ** 53))
    u = gen._engine.u53(n)
    return np.less(u, thr, out=np.empty(n, dtype=np.bool_))


def _float24(words: np.ndarray) -> np.ndarray:
    """``uniform_real<float>(w, 0, 1)``: the low 24 bits of each word times 2**-24, as float32."""
    return np.multiply(words & _U24, f32(2.0 ** -24), dtype=f32)


def bernoulli_scalar_(out: np.ndarray, p: float, gen: Generator) -> None:
    """``bernoulli_kernel(self, double p)``: serial, a 53-bit double u per element, value ``u < p``."""
    write(out, _u53_below(gen, out.size, p).astype(out.dtype, copy=False))


def bernoulli_tensor_(out: np.ndarray, p: np.ndarray, gen: Generator) -> None:
    """``bernoulli_kernel(self, Tensor p)``: float64 p compares a 53-bit double, other p a 24-bit float."""
    pb = np.broadcast_to(p, out.shape)
    view = iter_order_view(out)
    if view is not out:
        pb = pb.transpose(iter_order_perm(out))
    pv = pb.reshape(-1) if pb.size else pb.ravel()
    if p.dtype == f64:
        u = gen._engine.uniform53(out.size)
        vals = u < pv
    else:
        u = _float24(gen._engine.words(out.size))
        vals = u < pv.astype(f32)
    if view.ndim == 0:
        out[()] = vals[0]
    else:
        view[...] = vals.reshape(view.shape).astype(out.dtype)


def dropout_noise(shape: tuple[int, ...], p: float, np_dtype, gen: Generator) -> np.ndarray:
    """The mask torch's ``_dropout_impl`` (native/Dropout.cpp) multiplies the input by, in training mode.

    ``noise = empty(shape).bernoulli_(1 - p); noise.div_(1 - p)``: kept entries hold ``1/(1-p)`` computed
    in the dtype's math type (float for float16), dropped ones 0. The caller handles what torch handles
    before drawing anything: ``p == 0`` or ``numel == 0`` returns the input unchanged, ``p == 1`` returns
    ``input * 0``; neither consumes random numbers.
    """
    q = 1.0 - p
    mask = _u53_below(gen, math.prod(shape), q).reshape(shape)
    if np_dtype == f64:
        scale = f64(1.0) / f64(q)
    else:
        scale = f32(1.0) / f32(q)  # float math for float32 and float16
    # kept: 1 * scale = scale, dropped: 0 * scale = +0 (scale > 0), then cast as torch's div_ result
    if np.dtype(np_dtype) in (np.dtype(f32), np.dtype(f64)):
        return np.multiply(mask, scale, dtype=np_dtype)
    return np.multiply(mask, scale, dtype=f32).astype(np_dtype)
