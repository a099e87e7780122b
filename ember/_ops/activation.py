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


def _precise(fn, a: np.ndarray) -> np.ndarray:
    # float32/16 through float64, rounded once: closer to torch's SLEEF kernels than NumPy's float32 loops
    if a.dtype.kind == "f" and a.dtype.itemsize < 8:
        return fn(a.astype(np.float64)).astype(a.dtype)
    return fn(a)


class Relu(Function):
    """out = max(a, 0);  da = 0 where out <= 0, else g (torch's threshold_backward: 0 at exactly 0, g at nan)"""

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind == "b":
            raise RuntimeError("Boolean inputs not supported for relu")
        out = np.maximum(a, a.dtype.type(0))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return np.where(out <= 0, g.dtype.type(0), g)


class Sigmoid(Function):
    """out = 1 / (1 + e**-a);  da = g * (1 - out) * out"""

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        with np.errstate(over="ignore"):
            out = _precise(np.exp, -a)
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
        a = _float(a)
        # in float64, rounded once: matches torch's float32 tanh bit for bit on ~99% of inputs (NumPy's float32: ~70%)
        out = _precise(np.tanh, a)
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
            with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
                out = _precise(np.exp, a - m)
                # torch's kernel multiplies by the reciprocal of the sum (one rounding more than a division)
                out *= 1 / np.sum(out, axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if out.ndim == 0:
            return np.zeros_like(g)
        with np.errstate(invalid="ignore", over="ignore"):
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
                out = shifted - _precise(np.log, np.sum(_precise(np.exp, shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if out.ndim == 0:
            return np.zeros_like(g)
        with np.errstate(invalid="ignore", over="ignore"):
            return g - np.exp(out) * np.sum(g, axis=ctx.dim, keepdims=True)


def _out(res: Tensor, out) -> Tensor:
    if out is None:
        return res
    from ._inplace import write_out
    return write_out(out, res)


def relu(input: Tensor) -> Tensor:
    return Relu.apply(input)


def sigmoid(input: Tensor, *, out=None) -> Tensor:
    return _out(Sigmoid.apply(input), out)


def tanh(input: Tensor, *, out=None) -> Tensor:
    return _out(Tanh.apply(input), out)


def _softmax_dim(name: str, ndim: int, dim, stacklevel: int) -> int:
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                      "as an argument.", UserWarning, stacklevel=stacklevel)
        dim = 0 if ndim in (0, 1, 3) else 1
    return _wrap_dim(dim, ndim)


_KERNEL_TYPE = {"int64": "Long", "int32": "Int", "bool": "Bool", "uint8": "Byte", "int16": "Short", "int8": "Char"}


def _cast_for_softmax(name: str, input: Tensor, dim: int, dtype) -> Tensor:
    if dtype is not None:
        return input.to(dtype)
    if input._data.dtype.kind not in "fc":
        kernel = f"{name}_lastdim_kernel_impl" if dim == max(input.dim() - 1, 0) else f"{name}_kernel_impl"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_KERNEL_TYPE[input.dtype.name]}\'')
    return input


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along ``dim`` (computed stably by subtracting the max)."""
    dim = _softmax_dim("softmax", input.dim(), dim, _stacklevel)
    return Softmax.apply(_cast_for_softmax("softmax", input, dim, dtype), dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x_i - log(sum_j exp(x_j)) along ``dim``."""
    dim = _softmax_dim("log_softmax", input.dim(), dim, _stacklevel)
    return LogSoftmax.apply(_cast_for_softmax("log_softmax", input, dim, dtype), dim)
