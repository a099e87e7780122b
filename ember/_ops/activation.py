"""Activations with their own backward formula in torch: relu, sigmoid, tanh, softmax, log_softmax."""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from ..autograd.function import _NumpyFunction as Function

__all__ = ["relu", "sigmoid", "tanh", "softmax", "log_softmax"]


def _float(a: np.ndarray) -> np.ndarray:
    return a if a.dtype.kind in "fc" else a.astype(D.get_default_dtype().np_dtype)


class Relu(Function):
    """out = max(a, 0);  da = g where out > 0 (so the grad at exactly 0 is 0)"""

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind == "b":
            raise RuntimeError('"clamp_min_scalar_cpu" not implemented for \'Bool\'')
        out = np.maximum(a, a.dtype.type(0))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return np.where(out > 0, g, g.dtype.type(0))


class Sigmoid(Function):
    """out = 1 / (1 + e**-a);  da = g * (1 - out) * out"""

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        with np.errstate(over="ignore"):
            out = np.exp(-a)
        out += 1
        np.reciprocal(out, out=out)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out) * out


class Tanh(Function):
    """da = g * (1 - out**2)"""

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)


class Softmax(Function):
    """out = exp(a - max) / sum(exp(a - max)) along dim;  da = out * (g - sum(g * out))"""

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        if a.ndim == 0:
            out = np.ones_like(a)
        else:
            m = np.max(a, axis=dim, keepdims=True) if a.size else 0
            with np.errstate(invalid="ignore", over="ignore"):
                out = np.exp(a - m)
                out /= np.sum(out, axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if out.ndim == 0:
            return np.zeros_like(g)
        go = g * out
        return go - out * np.sum(go, axis=ctx.dim, keepdims=True)


class LogSoftmax(Function):
    """out = a - max - log(sum(exp(a - max)));  da = g - exp(out) * sum(g)"""

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        if a.ndim == 0:
            out = np.zeros_like(a)
        else:
            m = np.max(a, axis=dim, keepdims=True) if a.size else 0
            with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
                shifted = a - m
                out = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if out.ndim == 0:
            return np.zeros_like(g)
        return g - np.exp(out) * np.sum(g, axis=ctx.dim, keepdims=True)


def relu(input: Tensor) -> Tensor:
    return Relu.apply(input)


def sigmoid(input: Tensor, *, out=None) -> Tensor:
    return Sigmoid.apply(input)


def tanh(input: Tensor, *, out=None) -> Tensor:
    return Tanh.apply(input)


def _softmax_dim(ndim: int, dim, stacklevel: int) -> int:
    if dim is None:
        warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call to include dim=X "
                      "as an argument.", UserWarning, stacklevel=stacklevel)
        dim = 0 if ndim in (0, 1, 3) else 1
    return _wrap_dim(dim, ndim)


def _cast_for_softmax(input: Tensor, dtype) -> Tensor:
    if dtype is not None:
        return input.to(dtype)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError('"softmax_lastdim_kernel_impl" not implemented for '
                           f"'{ {'int64': 'Long', 'int32': 'Int', 'bool': 'Bool', 'uint8': 'Byte', 'int16': 'Short', 'int8': 'Char'}[input.dtype.name]}'")
    return input


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along ``dim`` (computed stably by subtracting the max)."""
    dim = _softmax_dim(input.dim(), dim, _stacklevel)
    return Softmax.apply(_cast_for_softmax(input, dtype), dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x_i - log(sum_j exp(x_j)) along ``dim``."""
    dim = _softmax_dim(input.dim(), dim, _stacklevel)
    return LogSoftmax.apply(_cast_for_softmax(input, dtype), dim)
