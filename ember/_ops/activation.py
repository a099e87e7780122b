"""Activations with their own backward formula in torch: relu, sigmoid, tanh, softmax, log_softmax."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from ..autograd.function import _NumpyFunction as Function
from ._select import keep as _keep

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
        return _keep(~(out <= 0), g)  # branch free: relu masks look random to the CPU


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


def _scratch(shape, dtype) -> np.ndarray:
    """An uninitialised array whose data starts on a 64-byte (cache line) boundary, for kernel temporaries.

    NumPy places large arrays 16 or 32 bytes past a line boundary; a pass writing into such a block (when its
    inputs sit at the same offset within a page) measured up to twice as slow as one writing into an aligned one."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    buf = np.empty(nbytes + 64, np.uint8)
    off = -buf.ctypes.data % 64
    return buf[off:off + nbytes].view(dtype).reshape(shape)


# Rows are processed in blocks of about this many elements, so that every pass after the first read of a block
# (max, shift, exp, sum, scale) runs in L2 instead of streaming the whole array through memory again.
_BLOCK = 32768


def _blocks(dim: int, *arrays: np.ndarray):
    """Yield ``(axis, *blocks)``: matching row blocks of ``arrays`` (2-D views, rows x n, axis -1) when ``dim`` is the
    last axis and the first array is C-contiguous (the others are reshaped to match: outputs are allocated
    contiguous, and a stride-0 grad stays a view); otherwise ``(dim, *arrays)`` once. Kernels reduce along ``axis``."""
    a0 = arrays[0]
    if dim != a0.ndim - 1 or a0.size <= _BLOCK or not a0.flags.c_contiguous:
        yield (dim,) + arrays
        return
    n = a0.shape[-1]
    flat = [x.reshape(-1, n) for x in arrays]
    step = max(1, _BLOCK // n)
    for r in range(0, flat[0].shape[0], step):
        yield (-1,) + tuple(x[r:r + step] for x in flat)


def _row_sums(b: np.ndarray, axis: int, ones: np.ndarray | None) -> np.ndarray:
    """Sums along ``axis`` (kept as a size-1 dim): by BLAS (b @ ones, ~3x faster than a row reduce) for the
    contiguous row blocks of ``_blocks``, else NumPy's pairwise reduce (which a stride-0 grad also takes: BLAS
    cannot, and NumPy's own matmul loop is slow on it)."""
    if axis == -1 and ones is not None and b.flags.c_contiguous:
        return (b @ ones[:b.shape[-1]])[:, None]
    return np.add.reduce(b, axis=axis, keepdims=True)


def _row_max(b: np.ndarray, axis: int) -> np.ndarray:
    """Max along ``axis`` (kept as a size-1 dim). fmax's reduce is ~3x faster than maximum's along a contiguous row;
    it skips nans where maximum would return them, which changes nothing here: a nan in a row reaches the row's
    sum through exp and makes every output of the row nan either way."""
    return np.fmax.reduce(b, axis=axis, keepdims=True)


def _exp_wide_(b: np.ndarray, buf: np.ndarray | None) -> None:
    """b <- exp(b) in place for float32 ``b``, evaluated in float64 (in ``buf``, if given) and rounded once.

    NumPy's float32 exp rounds correctly on only ~60% of inputs (torch's SLEEF exp: nearly all); the float64 exp
    rounded once does, which keeps softmax outputs bit-identical to torch's on about half the elements."""
    if buf is None or b.size > buf.size:
        np.exp(b, out=b, dtype=np.float64)
        return
    w = buf[:b.size].reshape(b.shape)
    w[...] = b
    np.exp(w, out=w)
    b[...] = w


class Softmax(Function):
    """out = exp(a - max) / sum(exp(a - max)) along dim;  da = out * (g - sum(g * out))

    float32/64: row blocks (shift, exp, sum) in a line-aligned scratch block, scaled into the output in one pass;
    float16 through float64."""

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        dt = a.dtype
        if a.ndim == 0:
            out = np.ones_like(a)
        elif dt == np.float32 or dt == np.float64:
            out = np.empty(a.shape, dt)
            if a.size:
                big = a.size > _BLOCK
                buf = _scratch((_BLOCK,), np.float64) if dt == np.float32 and big else None
                tmp = _scratch((_BLOCK,), dt) if big else None
                ones = np.ones(a.shape[-1], dt) if big else None
                for d, ab, ob in _blocks(dim, a, out):
                    t = tmp[:ab.size].reshape(ab.shape) if tmp is not None and ab.size <= tmp.size else ob
                    np.subtract(ab, _row_max(ab, d), out=t)
                    if dt == np.float32:
                        _exp_wide_(t, buf)
                    else:
                        np.exp(t, out=t)
                    s = _row_sums(t, d, ones)  # BLAS's sum is as close to torch's vectorized one as the pairwise
                    # torch's kernel multiplies by the reciprocal of the sum (one rounding more than a division)
                    np.divide(1, s, out=s)
                    np.multiply(t, s, out=ob)
        else:
            m = np.max(a, axis=dim, keepdims=True) if a.size else 0
            out = _precise(np.exp, a - m)
            out *= 1 / np.sum(out, axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if out.ndim == 0:
            return np.zeros_like(g)
        if out.size <= _BLOCK:  # one block: the same passes without the blocking's fixed costs
            grad_input = g * out
            s = np.add.reduce(grad_input, axis=ctx.dim, keepdims=True)
            np.subtract(g, s, out=grad_input)
            grad_input *= out
            return grad_input
        dt = np.result_type(g, out)
        grad_input = np.empty(out.shape, dt)
        tmp = _scratch((_BLOCK,), dt)
        ones = np.ones(out.shape[-1], dt)
        for d, ob, gb, rb in _blocks(ctx.dim, out, np.broadcast_to(g, out.shape), grad_input):
            t = tmp[:ob.size].reshape(ob.shape) if ob.size <= tmp.size else rb
            np.multiply(gb, ob, out=t)
            s = _row_sums(t, d, ones)
            np.subtract(gb, s, out=t)                # torch's order: out * (g - sum(g out))
            np.multiply(t, ob, out=rb)
        return grad_input


class LogSoftmax(Function):
    """out = a - max - log(sum(exp(a - max)));  da = g - exp(out) * sum(g)

    The exps only feed the sum, so NumPy's float32 exp is accurate enough there (outputs still equal torch's on
    ~90% of elements); the log of the sum is taken in float64 and rounded once."""

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        dt = a.dtype
        if a.ndim == 0:
            out = np.zeros_like(a)
        elif dt == np.float32 or dt == np.float64:
            out = np.empty(a.shape, dt)
            if a.size <= _BLOCK:  # one block, without the blocking's fixed costs
                if a.size:
                    np.subtract(a, _row_max(a, dim), out=out)
                    s = np.add.reduce(np.exp(out), axis=dim, keepdims=True)
                    out -= np.log(s, dtype=np.float64).astype(dt)
            else:
                tmp = _scratch((_BLOCK,), dt)
                sh = _scratch((_BLOCK,), dt)
                ones = np.ones(a.shape[-1], dt)
                for d, ab, ob in _blocks(dim, a, out):
                    small = ab.size <= tmp.size
                    e = tmp[:ab.size].reshape(ab.shape) if small else np.empty_like(ob)
                    t = sh[:ab.size].reshape(ab.shape) if small else ob
                    np.subtract(ab, _row_max(ab, d), out=t)
                    np.exp(t, out=e)
                    s = _row_sums(e, d, ones)
                    np.subtract(t, np.log(s, dtype=np.float64).astype(dt), out=ob)
        else:
            m = np.max(a, axis=dim, keepdims=True) if a.size else 0
            shifted = a - m
            out = shifted - _precise(np.log, np.sum(_precise(np.exp, shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if out.ndim == 0:
            return np.zeros_like(g)
        if out.size <= _BLOCK:
            grad_input = np.exp(out)
            grad_input *= np.add.reduce(g, axis=ctx.dim, keepdims=True)
            np.subtract(g, grad_input, out=grad_input)
            return grad_input
        dt = np.result_type(g, out)
        grad_input = np.empty(out.shape, dt)
        ones = np.ones(out.shape[-1], dt)
        for d, ob, gb, rb in _blocks(ctx.dim, out, np.broadcast_to(g, out.shape), grad_input):
            s = _row_sums(gb, d, ones)
            np.exp(ob, out=rb)  # measured faster than exp into a scratch block and one final write
            rb *= s
            np.subtract(gb, rb, out=rb)
        return grad_input


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
