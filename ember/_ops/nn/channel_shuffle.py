"""Channel shuffle (ShuffleNet): the C = g * k channels, read as a (g, k) grid, transposed to (k, g).

    out[:, i * g + j] = input[:, j * k + i]

One node in torch (ChannelShuffleBackward0), whose backward is the inverse shuffle: channel_shuffle with k groups.
"""
from __future__ import annotations

import operator

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import _NumpyFunction as Function

__all__ = ["channel_shuffle"]


def _shuffle(x: np.ndarray, groups: int) -> np.ndarray:
    n, c = x.shape[0], x.shape[1]
    grid = x.reshape((n, groups, c // groups) + x.shape[2:])
    return np.ascontiguousarray(grid.swapaxes(1, 2)).reshape(x.shape)


class ChannelShuffle(Function):
    """out = the (g, C/g) channel grid transposed;  dx = grad with the inverse transpose (C/g groups)."""

    @staticmethod
    def forward(ctx, x, groups):
        ctx.groups = groups
        return _shuffle(x, groups)

    @staticmethod
    def backward(ctx, grad):
        return _shuffle(grad, grad.shape[1] // ctx.groups), None

    @staticmethod
    def differentiable_backward(ctx, grad):
        from ...autograd.graph_engine import linear_backward
        return linear_backward(ctx, grad, lambda t: ChannelShuffle.apply(t, ctx.groups), 0, 2)


def _groups_arg(groups, fn: str) -> int:
    """torch's int argument: an int or a 0-d integer tensor, never a float or a bool."""
    if isinstance(groups, bool) or not hasattr(groups, "__index__"):
        raise TypeError(f"{fn}(): argument 'groups' (position 2) must be int, not {type(groups).__name__}")
    return operator.index(groups)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of (N, C, *) from ``groups`` blocks of C / groups (see module doc)."""
    groups = _groups_arg(groups, "channel_shuffle")
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    return ChannelShuffle.apply(input, groups)

