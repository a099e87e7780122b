"""Activations with their own backward formula in torch: relu, sigmoid, tanh, softmax, log_softmax."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from ..autograd.function import _NumpyFunction as Function
from ..autograd.grad_mode import state as _grad_state
from ._select import keep as _keep
from ..autograd.graph_engine import constant, constant_mask, saved_output

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
        if a.dtype.kind == "c":  # torch's relu is clamp_min(0)
            raise NotImplementedError("clamp is not supported for complex types")
        out = np.maximum(a, a.dtype.type(0))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return _keep(~(out <= 0), g)  # branch free: relu masks look random to the CPU

    @staticmethod
    def differentiable_backward(ctx, g):
        (out,) = ctx.saved_tensors
        return constant_mask(g, ~(out <= 0))


class Sigmoid(Function):
    """out = 1 / (1 + e**-a);  da = g * (1 - out) * out"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        half = a.dtype == np.float16  # torch computes Half in float and rounds once
        with np.errstate(over="ignore"):
            out = np.asarray(np.exp(-a.astype(np.float32)) if half else _precise(np.exp, -a))  # 0-dim: a scalar
        out += 1
        np.reciprocal(out, out=out)
        if half:
            out = out.astype(np.float16)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out) * out

    @staticmethod
    def differentiable_backward(ctx, g):
        (out,) = ctx.saved_tensors
        o = saved_output(ctx, 0, out)
        return g * (1 - o) * o


class Tanh(Function):
    """da = g * (1 - out**2)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

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

    @staticmethod
    def differentiable_backward(ctx, g):
        (out,) = ctx.saved_tensors
        o = saved_output(ctx, 0, out)
        return g * (1 - o * o)


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
# Up to this many elements softmax's one-shot path (arrays of at most _BLOCK elements) evaluates its exp in float64
# (bit-closer to torch's, for a few us); above it NumPy's float32 exp (3x cheaper) and row sums by BLAS.
_SMALL = 4096


def _blocks(dim: int, *arrays: np.ndarray):
    """Yield ``(axis, *blocks)``: matching row blocks of ``arrays`` (2-D views, rows x n, axis -1) when ``dim`` is the
    last axis and the first array is C-contiguous (the others are reshaped to match: outputs are allocated
    contiguous, and a stride-0 grad stays a view); otherwise ``(dim, *arrays)`` once. Kernels reduce along ``axis``."""
    a0 = arrays[0]
    if not _row_blocked(a0, dim):
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
    return np.add.reduce(b, axis, None, None, True)


def _sums(b: np.ndarray, dim: int) -> np.ndarray:
    """Sums along ``dim`` (kept as a size-1 dim) for the one-shot paths: above ``_SMALL`` elements along the last,
    contiguous dim by BLAS (b @ ones: 3 vs 5.4 us at 64 x 256 float32), else NumPy's pairwise reduce."""
    n = b.shape[-1]
    if b.size > _SMALL and dim == b.ndim - 1 and b.flags.c_contiguous:
        return (b.reshape(-1, n) @ np.ones(n, b.dtype)).reshape(b.shape[:-1] + (1,))
    return np.add.reduce(b, dim, None, None, True)


def _row_max(b: np.ndarray, axis: int) -> np.ndarray:
    """Max along ``axis`` (kept as a size-1 dim). fmax's reduce is ~3x faster than maximum's along a contiguous row;
    it skips nans where maximum would return them, which changes nothing here: a nan in a row reaches the row's
    sum through exp and makes every output of the row nan either way."""
    return np.fmax.reduce(b, axis, None, None, True)


# NumPy's ufunc iterator copies a per-row operand (shape (rows, 1)) through its buffers for every row, so a row
# broadcast op costs ~2x a same-shape one (15 vs 8 us per 32K float32 at 256 per row). With the buffer size set
# below the row length it skips the buffers and runs the SIMD loop once per row (~35 ns a call), which pays from
# rows of about this many elements (per 32K elements, 256 a row: 15 -> 8 us, 1024: 15 -> 5.6 us; whole
# cross_entropy forward+backward: 64 a row 14% slower, 96: 3% slower, 103: 3% faster).
_UNBUFFERED_ROW = 100


def _row_blocked(a: np.ndarray, dim: int) -> bool:
    """Whether ``_blocks(dim, a, ...)`` cuts ``a`` into row blocks (rather than yielding it whole)."""
    return dim == a.ndim - 1 and a.size > _BLOCK and a.flags.c_contiguous


def _unbuffer(a: np.ndarray, dim: int) -> int | None:
    """Shrink NumPy's ufunc buffer (returning the old size, for ``_rebuffer``) when ``_blocks`` will cut ``a``
    into row blocks of at least ``_UNBUFFERED_ROW`` elements a row; None (nothing changed) otherwise."""
    if a.shape[-1] >= _UNBUFFERED_ROW and _row_blocked(a, dim):
        return np.setbufsize(16)
    return None


def _rebuffer(old: int | None) -> None:
    if old is not None:
        np.setbufsize(old)


def _constant(g: np.ndarray) -> bool:
    """True for a grad that is one value broadcast (all strides 0, as the grad of ``.sum()`` arrives)."""
    return g.size > 1 and not any(g.strides)


class Softmax(Function):
    """out = exp(a - max) / sum(exp(a - max)) along dim;  da = out * (g - sum(g * out))

    Up to ``_BLOCK`` elements: one pass per step; up to ``_SMALL`` the exp in float64 rounded once (closer to torch's
    exp: outputs equal torch's on ~50% of float32 elements, ~40% with NumPy's float32 exp). Larger inputs: row blocks
    (shift, exp, sum) in a line-aligned scratch block, scaled into the output, with NumPy's float32 exp (3x cheaper
    than the float64 round trip; still within 6 ulps of torch, equal on ~47%). float16 through float64."""

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        dt = a.dtype
        if a.ndim == 0:
            out = np.ones_like(a)
        elif dt != np.float32 and dt != np.float64:
            m = np.max(a, axis=dim, keepdims=True) if a.size else 0
            out = _precise(np.exp, a - m)
            out *= 1 / np.sum(out, axis=dim, keepdims=True)
        elif a.size <= _BLOCK:
            out = np.subtract(a, _row_max(a, dim)) if a.size else np.empty(a.shape, dt)
            np.exp(out, out=out, dtype=np.float64 if dt == np.float32 and a.size <= _SMALL else None)
            s = _sums(out, dim)
            # torch's kernel multiplies by the reciprocal of the sum (one rounding more than a division)
            np.divide(1, s, out=s)
            out *= s
        else:
            out = _softmax_blocks(a, dim)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if out.ndim == 0:
            return np.zeros_like(g)
        if out.size <= _BLOCK:  # one block: the same passes without the blocking's fixed costs
            grad_input = g * out
            s = _sums(grad_input, ctx.dim)
            np.subtract(g, s, out=grad_input)
            grad_input *= out
            return grad_input
        dt = np.result_type(g, out)
        grad_input = np.empty(out.shape, dt)
        tmp = _scratch((_BLOCK,), dt)
        ones = np.ones(out.shape[-1], dt)
        c = g.flat[0] if _constant(g) and g.dtype == dt else None
        old = _unbuffer(out, ctx.dim)
        try:
            for d, ob, gb, rb in _blocks(ctx.dim, out, np.broadcast_to(g, out.shape), grad_input):
                t = tmp[:ob.size].reshape(ob.shape) if ob.size <= tmp.size else rb
                if c is None:
                    np.multiply(gb, ob, out=t)
                    s = _row_sums(t, d, ones)
                    np.subtract(gb, s, out=t)            # torch's order: out * (g - sum(g out))
                    np.multiply(t, ob, out=rb)
                else:  # one g: g - sum(g out) is one value a row, and g out is out itself for g == 1
                    s = _row_sums(ob if c == 1 else np.multiply(ob, c, out=t), d, ones)
                    np.subtract(c, s, out=s)
                    np.multiply(ob, s, out=rb)
        finally:
            _rebuffer(old)
        return grad_input

    @staticmethod
    def differentiable_backward(ctx, g):
        out = ctx.saved_tensors[0]
        if out.ndim == 0:
            return constant(np.zeros_like(g._data)), None
        o = saved_output(ctx, 0, out)
        return o * (g - (g * o).sum(ctx.dim, keepdim=True)), None


def _softmax_blocks(a: np.ndarray, dim: int) -> np.ndarray:
    """Softmax.forward above ``_BLOCK`` elements (float32/64)."""
    out = np.empty(a.shape, a.dtype)
    tmp = _scratch((_BLOCK,), a.dtype)
    ones = np.ones(a.shape[-1], a.dtype)
    m = np.broadcast_to(_row_max(a, dim), a.shape)  # one reduce over all rows, before _unbuffer slows it down
    old = _unbuffer(a, dim)
    try:
        for d, ab, mb, ob in _blocks(dim, a, m, out):
            t = tmp[:ab.size].reshape(ab.shape) if ab.size <= tmp.size else ob
            np.subtract(ab, mb, out=t)
            np.exp(t, out=t)
            s = _row_sums(t, d, ones)  # BLAS's sum is as close to torch's vectorized one as the pairwise
            np.divide(1, s, out=s)
            np.multiply(t, s, out=ob)
    finally:
        _rebuffer(old)
    return out


def log_softmax_small(a: np.ndarray, dim: int) -> np.ndarray:
    """LogSoftmax.forward's one-block float32/64 case (non-empty ``a`` of at most ``_BLOCK`` elements)."""
    out = np.subtract(a, _row_max(a, dim))
    s = _sums(np.exp(out), dim)
    out -= np.log(s, out=s)
    return out


class LogSoftmax(Function):
    """out = a - max - log(sum(exp(a - max)));  da = g - exp(out) * sum(g)

    The exps only feed the sum and the log only one value a row, so NumPy's float32 exp and log are accurate
    enough (outputs equal torch's on ~93% of float32 elements, within 2 ulps)."""

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        dt = a.dtype
        if a.ndim == 0:
            out = np.zeros_like(a)
        elif dt != np.float32 and dt != np.float64:
            m = np.max(a, axis=dim, keepdims=True) if a.size else 0
            shifted = a - m
            out = shifted - _precise(np.log, np.sum(_precise(np.exp, shifted), axis=dim, keepdims=True))
        elif a.size <= _BLOCK:  # one block, without the blocking's fixed costs
            out = log_softmax_small(a, dim) if a.size else np.empty(a.shape, dt)
        elif _grad_state.enabled and ctx.needs_input_grad[0] and a.size <= _KEEP_MAX and _row_blocked(a, dim):
            out, e, s = _log_softmax_blocks(a, dim, keep=True)
            ctx.save_for_backward(out, e, s)
            return out
        else:
            out = _log_softmax_blocks(a, dim)[0]
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        saved = ctx.saved_tensors
        out = saved[0]
        if out.ndim == 0:
            return np.zeros_like(g)
        if out.size <= _BLOCK:
            grad_input = np.exp(out)
            grad_input *= _sums(g, ctx.dim)
            np.subtract(g, grad_input, out=grad_input)
            return grad_input
        dt = np.result_type(g, out)
        grad_input = np.empty(out.shape, dt)
        ones = np.ones(out.shape[-1], dt)
        old = _unbuffer(out, ctx.dim)
        try:
            if len(saved) == 3:  # the forward's exps e and their row sums s: exp(out) sum(g) = e (sum(g) / s)
                _, e, s = saved
                sb = np.broadcast_to(s.reshape(out.shape[:-1] + (1,)), out.shape)
                for _, eb, gb, sbb, rb in _blocks(ctx.dim, e, np.broadcast_to(g, out.shape), sb, grad_input):
                    f = _row_sums(gb, -1, ones)
                    f /= sbb[:, :1]
                    np.multiply(eb, f, out=rb)
                    np.subtract(gb, rb, out=rb)
            else:
                for d, ob, gb, rb in _blocks(ctx.dim, out, np.broadcast_to(g, out.shape), grad_input):
                    s = _row_sums(gb, d, ones)
                    np.exp(ob, out=rb)  # measured faster than exp into a scratch block and one final write
                    rb *= s
                    np.subtract(gb, rb, out=rb)
        finally:
            _rebuffer(old)
        return grad_input

    @staticmethod
    def differentiable_backward(ctx, g):
        out = ctx.saved_tensors[0]
        if out.ndim == 0:
            return constant(np.zeros_like(g._data)), None
        return g - saved_output(ctx, 0, out).exp() * g.sum(ctx.dim, keepdim=True), None


# log_softmax keeps its exps for backward (one more array of the input's size held by the graph, which torch's node
# does not hold) up to this many elements: 7% off a whole cross_entropy step at 8192 x 256, and beyond it (a large
# vocabulary's logits) the memory matters more.
_KEEP_MAX = 1 << 24


def _log_softmax_blocks(a: np.ndarray, dim: int, keep: bool = False) -> tuple:
    """LogSoftmax.forward above ``_BLOCK`` elements (float32/64): ``(out, e, s)``, with, if ``keep`` (row blocks
    only), the exps ``e = exp(a - max)`` and their row sums ``s`` (rows x 1) kept for backward (else None):
    backward then needs no exp of its own (one 0.46 ns/element pass, for one more array held by the graph)."""
    dt = a.dtype
    out = np.empty(a.shape, dt)
    tmp = _scratch((_BLOCK,), dt)
    sh = _scratch((_BLOCK,), dt)
    ones = np.ones(a.shape[-1], dt)
    e_all = np.empty(a.shape, dt) if keep else out  # out: a placeholder for the blocks below, not used
    sums = []
    m = np.broadcast_to(_row_max(a, dim), a.shape)  # as in _softmax_blocks
    old = _unbuffer(a, dim)
    try:
        for d, ab, mb, ob, kb in _blocks(dim, a, m, out, e_all):
            small = ab.size <= tmp.size
            e = kb if keep else tmp[:ab.size].reshape(ab.shape) if small else np.empty_like(ob)
            t = sh[:ab.size].reshape(ab.shape) if small else ob
            np.subtract(ab, mb, out=t)
            np.exp(t, out=e)
            s = _row_sums(e, d, ones)
            if keep:
                sums.append(s)
                s = s.copy()
            np.subtract(t, np.log(s, out=s), out=ob)
    finally:
        _rebuffer(old)
    if keep:
        return out, e_all, np.concatenate(sums)
    return out, None, None


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


_KERNEL_TYPE = {"int64": "Long", "int32": "Int", "bool": "Bool", "uint8": "Byte", "int16": "Short", "int8": "Char",
                "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _cast_for_softmax(name: str, input: Tensor, dim: int, dtype) -> Tensor:
    if dtype is not None:
        return input.to(dtype)
    if input._data.dtype.kind != "f":  # torch's CPU softmax kernels have no integer or complex versions
        kernel = f"{name}_lastdim_kernel_impl" if dim == max(input.dim() - 1, 0) else f"{name}_kernel_impl"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_KERNEL_TYPE[input.dtype.name]}\'')
    return input


def _plain_dim(input: Tensor, dim, dtype) -> int | None:
    """``dim`` wrapped when there is nothing else to do (a float input of 1+ dims, an int dim in range, no dtype),
    else None: the checks, warnings and casts of the general path (a few tenths of a us the tiny calls keep)."""
    nd = input._data.ndim
    if dtype is None and type(dim) is int and -nd <= dim < nd and input._data.dtype.kind == "f":
        return dim % nd
    return None


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along ``dim`` (computed stably by subtracting the max)."""
    d = _plain_dim(input, dim, dtype)
    if d is not None:
        return Softmax.apply(input, d)
    dim = _softmax_dim("softmax", input.dim(), dim, _stacklevel)
    return Softmax.apply(_cast_for_softmax("softmax", input, dim, dtype), dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x_i - log(sum_j exp(x_j)) along ``dim``."""
    d = _plain_dim(input, dim, dtype)
    if d is not None:
        return LogSoftmax.apply(input, d)
    dim = _softmax_dim("log_softmax", input.dim(), dim, _stacklevel)
    return LogSoftmax.apply(_cast_for_softmax("log_softmax", input, dim, dtype), dim)
