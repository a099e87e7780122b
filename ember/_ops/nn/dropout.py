"""dropout family, as torch's ``_dropout_impl`` (native/Dropout.cpp): a bernoulli(1-p) mask from the default
generator (bit-exact with torch), scaled by 1/(1-p), multiplied in with an ordinary ``mul`` (MulBackward0)."""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ..._rng.generator import default_generator
from ..._rng.sampling import bernoulli_scalar_, dropout_noise
from .._inplace import _NAMES

__all__ = ["dropout_impl"]

_ALPHA = 1.7580993408473766  # SELU's alpha * scale: alpha_dropout keeps the self-normalising mean/var


def _noise_shape(input: Tensor, feature: bool) -> tuple:
    if not feature:
        return tuple(input.shape)
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return tuple(input.shape[:2]) + (1,) * (input.dim() - 2)


def dropout_impl(input: Tensor, p: float, train: bool, inplace: bool, feature: bool = False,
                 alpha: bool = False) -> Tensor:
    """torch's ``_dropout_impl<feature, alpha, inplace>``."""
    if not (0 <= p <= 1):
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not train or input.numel() == 0:
        return input
    dt = input._data.dtype
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
    noise = Tensor._make(dropout_noise(shape, p, dt, default_generator))
    return input.mul_(noise) if inplace else input.mul(noise)
