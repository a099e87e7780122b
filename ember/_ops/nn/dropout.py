"""dropout family, as torch's ``_dropout_impl`` (native/Dropout.cpp): a bernoulli(1-p) mask from the default
generator (bit-exact with torch), scaled by 1/(1-p), multiplied in with an ordinary ``mul`` (MulBackward0)."""
from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor
from ..._rng.generator import default_generator
from ..._rng.sampling import bernoulli_scalar_, dropout_noise
from ...autograd.function import _NumpyFunction as Function
from .._inplace import _NAMES
from ...autograd.graph_engine import constant

__all__ = ["dropout_impl"]

_ALPHA = 1.7580993408473766  # SELU's alpha * scale: alpha_dropout keeps the self-normalising mean/var
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_M53 = (1 << 53) - 1
# up to this many mask entries the mask is built from a list of Python ints (~0.3 us per entry) rather than
# by dropout_noise's NumPy passes (~9 us per call, whatever the size)
_TINY = 16


class _MaskMul(Function):
    """out = x * noise;  dx = g * noise.

    torch multiplies by the mask with an ordinary ``mul``, so the node is a MulBackward0 whose second input
    (the mask) needs no grad; only the mask is kept for backward (as torch saves only ``other`` then), and
    none of Mul's promotion and broadcasting bookkeeping is needed: the mask has x's dtype and broadcasts to
    x's shape (feature dropout: (N, C, 1, ...)), never the other way round."""

    _backward_name = "MulBackward0"

    @staticmethod
    def forward(ctx, x, noise):
        ctx.noise = noise
        return np.multiply(x, noise)

    @staticmethod
    def backward(ctx, g):
        return np.multiply(g, ctx.noise), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return g * constant(ctx.noise), None


def _tiny_noise(shape: tuple, n: int, p: float, dt: np.dtype) -> np.ndarray:
    """``dropout_noise`` for a few float32/64 entries, on Python ints: the same draws from the same words.

    Entry i is kept iff u_i < 1 - p, u_i = (random64() & (2^53 - 1)) 2^-53 (torch's uniform_real<double>),
    random64() = (w_2i << 32) | w_2i+1 from the next 2n 32-bit words; as integers: U_i < ceil((1-p) 2^53)
    (both sides exact, see sampling._u53_below). Kept entries hold 1/(1-p) in the dtype's math type."""
    q = 1.0 - p
    thr = math.ceil(q * 2.0 ** 53)
    w = default_generator._engine.words_list(2 * n)
    scale = dt.type(1.0) / dt.type(q)
    it = iter(w)
    vals = [scale if ((hi << 32 | lo) & _M53) < thr else 0.0 for hi, lo in zip(it, it)]
    return np.array(vals, dt).reshape(shape)


def _noise_shape(input: Tensor, feature: bool) -> tuple:
    if not feature:
        return input._data.shape
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return tuple(input.shape[:2]) + (1,) * (input.dim() - 2)


def dropout_impl(input: Tensor, p: float, train: bool, inplace: bool, feature: bool = False,
                 alpha: bool = False) -> Tensor:
    """torch's ``_dropout_impl<feature, alpha, inplace>``."""
    if not (0 <= p <= 1):
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    data = input._data
    if p == 0 or not train or data.size == 0:
        return input
    dt = data.dtype
    if p == 1:
        # torch multiplies by a 0-dim zero (no NaN from 0/0 and no random numbers drawn)
        zero = Tensor._make(np.zeros((), dt if dt.kind in "fc" else dt))
        return input.mul_(zero) if inplace else input.mul(zero)
    shape = _noise_shape(input, feature)
    if alpha:
        noise = np.empty(shape, dt)
        bernoulli_scalar_(noise, 1 - p, default_generator)
        a = 1.0 / np.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
        b = Tensor._make(((noise - 1) * (_ALPHA * a) + _ALPHA * a * p).astype(dt))
        out = input.mul_(Tensor._make(noise * dt.type(a))) if inplace else input.mul(Tensor._make(noise * dt.type(a)))
        return out.add_(b)
    if dt.kind not in "fc":
        dropout_noise(shape, p, np.float32, default_generator)  # torch draws the mask before failing on div_
        raise RuntimeError(f"result type Float can't be cast to the desired output type {_NAMES[dt.name]}")
    n = math.prod(shape)
    if n <= _TINY and dt in (_F32, _F64):
        noise = _tiny_noise(shape, n, p, dt)
    else:
        noise = dropout_noise(shape, p, dt, default_generator)
    if inplace:
        return input.mul_(Tensor._make(noise))
    if dt.kind == "f":
        return _MaskMul.apply(input, Tensor._make(noise))
    return input.mul(Tensor._make(noise))
