"""aten's ``native_layer_norm``, ``native_group_norm`` and ``native_batch_norm``: the normalized output (F's, with
its NativeXxxBackward0 node) plus the statistics aten saves for backward, which carry no gradient:

    mean = E[x],  rstd = 1 / sqrt(Var[x] + eps)   (biased variance, over each normalized group)

The statistics are computed in float64 and rounded once to the input's dtype.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..nn import functional as F

__all__ = ["native_layer_norm", "native_group_norm", "native_batch_norm"]


def _stats(x: np.ndarray, axes: tuple, eps: float, keepdims: bool) -> tuple[Tensor, Tensor]:
    x64 = x.astype(np.float64)
    mean = x64.mean(axes, keepdims=keepdims)
    var = x64.var(axes, keepdims=keepdims)
    return Tensor._make(mean.astype(x.dtype)), Tensor._make((1 / np.sqrt(var + eps)).astype(x.dtype))


def native_layer_norm(input: Tensor, normalized_shape, weight, bias, eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """(layer_norm(input), mean, rstd), the statistics shaped input.shape[:-k] + (1,) * k."""
    out = F.layer_norm(input, normalized_shape, weight, bias, eps)
    k = len(tuple(normalized_shape))
    mean, rstd = _stats(input._data, tuple(range(input.dim() - k, input.dim())), eps, True)
    return out, mean, rstd


def native_group_norm(input: Tensor, weight, bias, N: int, C: int, HxW: int, group: int,
                      eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """(group_norm(input), mean, rstd), the statistics shaped (N, group). Deviation: torch's mean and rstd are
    outputs of the NativeGroupNormBackward0 node (requiring grad); ember's are plain tensors."""
    out = F.group_norm(input, group, weight, bias, eps)
    mean, rstd = _stats(input._data.reshape(N, group, -1), (2,), eps, False)
    return out, mean, rstd


def native_batch_norm(input: Tensor, weight, bias, running_mean, running_var, training: bool, momentum: float,
                      eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """(batch_norm(input), save_mean, save_invstd): the batch's per-channel statistics in training, else empty."""
    out = F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if not training:
        empty = Tensor._make(np.zeros(0, input._data.dtype))
        return out, empty, Tensor._make(np.zeros(0, input._data.dtype))
    axes = (0,) + tuple(range(2, input.dim()))
    mean, invstd = _stats(input._data, axes, eps, False)
    return out, mean, invstd
