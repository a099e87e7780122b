"""Power-average pooling, composed as torch/nn/functional.py composes it (so its values, grads and nodes are torch's):

    out = (sign(s) * relu(|s|) * prod(kernel)) ** (1 / p),   s = avg_pool(x ** p)

i.e. the p-norm of each window, with a window whose sum of powers is not positive giving 0 (and a zero grad);
p = inf is the max of |x| over the window and p = -inf minus the max of -|x|. No padding; ceil_mode as avg_pool.
"""
from __future__ import annotations

from collections.abc import Iterable

from ..._tensor import Tensor
from .pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from .pooling3d import avg_pool3d, max_pool3d

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d"]

_INF = float("inf")


def _finish(out: Tensor, window: int, norm_type: float) -> Tensor:
    return (out.sign() * out.abs().relu()).mul(window).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: int | float, kernel_size: int, stride=None, ceil_mode: bool = False) -> Tensor:
    """The p-norm of each length-kernel_size window of (N, C, L) or (C, L) (see module doc)."""
    if isinstance(norm_type, (int, float)):
        if norm_type == _INF:
            return max_pool1d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -_INF:
            return -max_pool1d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool1d(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return _finish(out, kernel_size, norm_type)


def lp_pool2d(input: Tensor, norm_type: int | float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """The p-norm of each kh x kw window of (N, C, H, W) or (C, H, W) (see module doc)."""
    kw, kh = tuple(kernel_size) if isinstance(kernel_size, Iterable) else (kernel_size, kernel_size)
    if isinstance(norm_type, (int, float)):
        if norm_type == _INF:
            return max_pool2d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -_INF:
            return -max_pool2d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool2d(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return _finish(out, kw * kh, norm_type)


def lp_pool3d(input: Tensor, norm_type: int | float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """The p-norm of each kd x kh x kw window of (N, C, D, H, W) or (C, D, H, W) (see module doc)."""
    kd, kw, kh = tuple(kernel_size) if isinstance(kernel_size, Iterable) else (kernel_size,) * 3
    if isinstance(norm_type, (int, float)):
        if norm_type == _INF:
            return max_pool3d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -_INF:
            return -max_pool3d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool3d(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return _finish(out, kd * kw * kh, norm_type)
