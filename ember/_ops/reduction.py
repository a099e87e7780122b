"""Reductions: sum, mean, var/std, prod, max/min, amax/amin, argmax/argmin, logsumexp, cumsum, norm."""
from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from .. import _dtype as D
from .. import return_types
from .._tensor import Tensor, _SCALAR_NAMES, _wrap_dim
from ..autograd.function import _NumpyFunction as Function
from ._cascade_sum import torch_sum
from ._no_complex import no_kernel, refuse
from ..autograd.function import _apply1
from ..autograd.graph_engine import cast_grad, constant, constant_mask, expand_back, reduce_grad
from ..autograd.graph_engine import saved_input, saved_output

__all__ = ["sum", "mean", "var", "std", "var_mean", "std_mean", "prod", "max", "min", "amax", "amin", "argmax",
           "argmin", "logsumexp", "cumsum", "cumprod", "norm", "count_nonzero", "nansum", "nanmean", "aminmax"]


def _dims(dim, ndim: int) -> tuple[int, ...] | None:
    """Normalise ``dim`` (None, int, or a sequence) to a sorted tuple of axes, with torch's errors."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        d = _wrap_dim(int(dim), ndim)
        return (d,) if ndim else ()
    axes = []
    for d in dim:
        a = _wrap_dim(int(d), ndim)
        if a in axes:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
        axes.append(a)
    if not axes:
        return None  # torch: an empty list means all dims
    if ndim == 0:
        return ()  # dim 0 / -1 of a 0-dim tensor: nothing to reduce
    return tuple(axes)


def _keep_dims(dim, ndim: int, keepdim: bool, empty: bool = False) -> tuple[int, ...] | None:
    """``_dims``, except that a full reduction with ``keepdim=True`` names every dim (torch keeps them as 1s);
    ``empty``: leave a full reduction of an empty tensor as None, for amax/amin's own error."""
    axes = _dims(dim, ndim)
    if axes is None and keepdim and not empty:
        return tuple(range(ndim))
    return axes


def _quiet():
    # np.sum/np.mean are Python-level NumPy functions, so their warnings are not attributed to ember and the
    # import-time filter cannot drop them: silence them here
    return np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore")


def _expand_back(g: np.ndarray, shape: tuple, axes, keepdim: bool) -> np.ndarray:
    """Broadcast a reduced grad back over the input's shape."""
    if axes is None and g.ndim == 0 and math.prod(shape) <= 4096:
        # a small full reduction: filling a fresh array beats NumPy's Python-level broadcast_to;
        # a large one stays a stride-0 view (no memory traffic)
        out = np.empty(shape, g.dtype)
        out[...] = g
        return out
    if axes is not None and not keepdim and len(shape):
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


def _sum_dtype(a: np.ndarray, dtype) -> np.dtype:
    if dtype is not None:
        return dtype.np_dtype
    return np.dtype(np.int64) if a.dtype.kind in "biu" else a.dtype


class Sum(Function):
    """out = sum of a over axes;  da = g broadcast back"""

    @staticmethod
    def forward(ctx, a, axes, keepdim, dtype):
        ctx.meta = (a.shape, a.dtype, axes, keepdim)
        out_dtype = _sum_dtype(a, dtype)
        src = a.astype(out_dtype) if a.dtype != out_dtype else a
        if out_dtype.kind == "b":
            return np.asarray(np.logical_or.reduce(src, axis=axes, keepdims=keepdim if axes is not None else False))
        if out_dtype.kind == "f":  # torch's order of additions where the layout allows (see _cascade_sum)
            exact = torch_sum(src, axes, keepdim)
            if exact is not None:
                return np.asarray(exact)
        # the ufunc's own reduce (not np.sum, a Python wrapper): cheaper, and its inf/nan warnings are
        # attributed to ember, whose import-time filter drops them
        # dtype= keeps small ints small (NumPy's reduce would widen int32 to int64)
        return np.asarray(np.add.reduce(src, axis=axes, dtype=out_dtype,
                                        keepdims=keepdim if axes is not None else False))

    @staticmethod
    def backward(ctx, g):
        shape, dtype, axes, keepdim = ctx.meta
        return _expand_back(g, shape, axes, keepdim).astype(dtype, copy=False), None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, dtype, axes, keepdim = ctx.meta
        return reduce_grad(expand_back(g, shape, axes, keepdim), (shape, dtype)), None, None, None


class Nansum(Function):
    """out = sum of the non-nan elements;  da = g where a is not nan"""

    @staticmethod
    def forward(ctx, a, axes, keepdim, dtype):
        ctx.meta = (a.shape, a.dtype, axes, keepdim)
        out_dtype = _sum_dtype(a, dtype)
        src = a.astype(out_dtype) if a.dtype != out_dtype else a
        if src.dtype.kind == "f":
            ctx.save_for_backward(a)
            src = np.where(np.isnan(src), src.dtype.type(0), src)
        with _quiet():
            return np.asarray(np.sum(src, axis=axes, dtype=out_dtype, keepdims=keepdim if axes is not None else False))

    @staticmethod
    def backward(ctx, g):
        shape, dtype, axes, keepdim = ctx.meta
        (a,) = ctx.saved_tensors
        gg = _expand_back(g, shape, axes, keepdim)
        return (gg * ~np.isnan(a)).astype(dtype, copy=False), None, None, None


class SumDim(Sum):
    _backward_name = "SumBackward1"


class Mean(Function):
    """out = sum(a) / n;  da = g / n"""

    @staticmethod
    def forward(ctx, a, axes, keepdim, dtype):
        if dtype is not None and dtype.np_dtype.kind not in "fc":
            raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be either a floating point or "
                               f"complex dtype. Got: {_SCALAR_NAMES[dtype.name]}")
        if dtype is not None:
            a = a.astype(dtype.np_dtype)
        elif a.dtype.kind not in "fc":
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                               f"complex dtype. Got: {_SCALAR_NAMES[D._FROM_NUMPY[a.dtype].name]}")
        n = a.size if axes is None else math.prod(a.shape[i] for i in axes)
        ctx.meta = (a.shape, a.dtype, axes, keepdim, n)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = torch_sum(a, axes, keepdim)  # torch's mean is its sum divided by n
            if s is None:
                s = np.sum(a, axis=axes, keepdims=keepdim if axes is not None else False)
            return np.asarray(s / a.dtype.type(n) if n else s * np.nan, dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        shape, dtype, axes, keepdim, n = ctx.meta
        if n:
            # dividing by a positive count sets neither the divide nor the invalid flag: no np.errstate (~1 us)
            return _expand_back(g / g.dtype.type(n), shape, axes, keepdim).astype(dtype, copy=False), None, None, None
        with np.errstate(invalid="ignore", divide="ignore"):
            return _expand_back(g / g.dtype.type(n), shape, axes, keepdim).astype(dtype, copy=False), None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, dtype, axes, keepdim, n = ctx.meta
        return reduce_grad(expand_back(g / n, shape, axes, keepdim), (shape, dtype)), None, None, None


class MeanDim(Mean):
    _backward_name = "MeanBackward1"


def _correction(unbiased, correction) -> float:
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _user_stacklevel() -> int:
    """The stacklevel that points a warning at the first caller outside ember (torch's warnings point there too)."""
    import sys
    f, level = sys._getframe(1), 1
    while f is not None and f.f_globals.get("__name__", "").split(".")[0] == "ember":
        f, level = f.f_back, level + 1
    return level


def _var_forward(ctx, a, axes, keepdim, correction, name):
    """Variance (and the mean) accumulated in float64, as torch's CPU kernel does for float inputs."""
    if a.dtype.kind not in "fc":
        raise RuntimeError(f"{'std and var' if name in ('std', 'var') else name} only support floating point and "
                           "complex dtypes")
    n = a.size if axes is None else math.prod(a.shape[i] for i in axes)
    dof = n - correction
    if dof <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                      "factor (input numel divided by output numel).", UserWarning, stacklevel=_user_stacklevel())
    # complex inputs keep their imaginary part while accumulating; their variance is real (of |a - mean|^2)
    wide = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64, copy=False)
    kd = keepdim if axes is not None else False
    with _quiet():
        if a.dtype == np.float32 and name in ("var", "std"):
            # torch's var/std take the float32 mean first (as mean() does), then the deviations from it in
            # double: a constant input whose float32 mean rounds off keeps a tiny nonzero variance, as in torch
            # (var_mean/std_mean run Welford in double and do not)
            mean = (np.add.reduce(a, axis=axes, keepdims=True) / np.float32(n)).astype(np.float64)
        else:
            mean = np.sum(wide, axis=axes, keepdims=True) / n
        centered = wide - mean
        sq = (centered * centered.conj()).real if a.dtype.kind == "c" else centered * centered
        v = np.sum(sq, axis=axes, keepdims=kd) / builtins.max(dof, 0)
    ctx.meta = (a.shape, a.dtype, axes, keepdim, dof)
    ctx.save_for_backward(centered, a)  # a only for its version check (torch saves self)
    m = mean if kd or axes is None and False else (mean if keepdim and axes is not None else np.reshape(mean, v.shape))
    real = np.float32 if a.dtype == np.complex64 else np.float64 if a.dtype == np.complex128 else a.dtype
    return np.asarray(v, dtype=real), np.asarray(m, dtype=a.dtype)


def _var_backward(ctx, g):
    """d var / da = g * 2 (a - mean) / (n - correction)"""
    shape, dtype, axes, keepdim, dof = ctx.meta
    centered = ctx.saved_tensors[0]
    with _quiet():
        # torch divides by max(dof, 0): a non-positive dof gives inf, so nan grads (inf * 0 where centered is 0)
        return _expand_back(g, shape, axes, keepdim) * (np.float64(2.0) / builtins.max(dof, 0)) * centered


def _std_backward(ctx, g, std):
    """torch's std_backward: var_backward(g / (2 std)), and 0 where std == 0"""
    shape, dtype, axes, keepdim, dof = ctx.meta
    centered = ctx.saved_tensors[0]
    with _quiet():
        res = _expand_back(g / std, shape, axes, keepdim) * centered / dof
    return np.where(_expand_back(std == 0, shape, axes, keepdim), 0.0, res)


class Var(Function):
    """out = sum((a - mean)**2) / (n - correction);  da = g * 2 (a - mean) / (n - correction)"""

    @staticmethod
    def forward(ctx, a, axes, keepdim, correction):
        return _var_forward(ctx, a, axes, keepdim, correction, "var")[0]

    @staticmethod
    def backward(ctx, g):
        return _var_backward(ctx, g).astype(ctx.meta[1]), None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        return _var_graph(ctx, g, ctx.saved_tensors[1]), None, None, None


class Std(Function):
    """out = sqrt(var);  da = g * (a - mean) / (out * (n - correction)), 0 where out == 0"""

    @staticmethod
    def forward(ctx, a, axes, keepdim, correction):
        out = np.asarray(np.sqrt(_var_forward(ctx, a, axes, keepdim, correction, "std")[0]))
        ctx.save_for_backward(*ctx._saved, out)  # the result too, as torch (its version is checked)
        return out

    @staticmethod
    def backward(ctx, g):
        out = ctx.saved_tensors[2]
        return _std_backward(ctx, g, out).astype(ctx.meta[1]), None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        from .. import where
        out = saved_output(ctx, 0, ctx.saved_tensors[2])
        shape, dtype, axes, keepdim, dof = ctx.meta
        g = where(out == 0, 0.0, g / (2 * out))
        return _var_graph(ctx, g, ctx.saved_tensors[1]), None, None, None


def _var_graph(ctx, g, a: np.ndarray):
    """``_var_backward`` with Tensor ops (create_graph=True): g * 2 (a - mean) / (n - correction)."""
    shape, dtype, axes, keepdim, dof = ctx.meta
    x = saved_input(ctx, 0, a)
    centered = x - (x.mean() if axes is None else x.mean(dim=axes, keepdim=True))
    return expand_back(g, shape, axes, keepdim) * (2.0 / builtins.max(dof, 0) if dof > 0 else math.inf) * centered


def _mean_backward(ctx, g):
    shape, dtype, axes, keepdim, dof = ctx.meta
    n = math.prod(shape) if axes is None else math.prod(shape[i] for i in axes)
    with _quiet():
        return _expand_back(g / g.dtype.type(n), shape, axes, keepdim)


class VarMean(Function):
    """(var, mean) from one float64 pass;  da = var's grad + g_mean / n"""

    @staticmethod
    def forward(ctx, a, axes, keepdim, correction):
        return _var_forward(ctx, a, axes, keepdim, correction, "var_mean")

    @staticmethod
    def backward(ctx, g_var, g_mean):
        res = 0
        if g_var is not None:
            res = res + _var_backward(ctx, g_var)
        if g_mean is not None:
            res = res + _mean_backward(ctx, g_mean)
        return np.asarray(res).astype(ctx.meta[1]), None, None, None


class StdMean(Function):
    """(std, mean) from one float64 pass;  da = std's grad + g_mean / n"""

    @staticmethod
    def forward(ctx, a, axes, keepdim, correction):
        v, m = _var_forward(ctx, a, axes, keepdim, correction, "std_mean")
        ctx.out = np.sqrt(v)
        return ctx.out, m

    @staticmethod
    def backward(ctx, g_std, g_mean):
        res = 0
        if g_std is not None:
            res = res + _std_backward(ctx, g_std, ctx.out)
        if g_mean is not None:
            res = res + _mean_backward(ctx, g_mean)
        return np.asarray(res).astype(ctx.meta[1]), None, None, None


class Prod(Function):
    """out = product over axes;  da = g * product of the other elements (exact with zeros)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a, axis, keepdim, dtype):
        out_dtype = _sum_dtype(a, dtype)
        src = a.astype(out_dtype) if a.dtype != out_dtype else a
        ctx.meta = (a.shape, a.dtype, axis, keepdim)
        out = np.asarray(np.prod(src, axis=axis, dtype=out_dtype, keepdims=keepdim if axis is not None else False))
        ctx.save_for_backward(src, out)  # out only for its version check (torch saves the result)
        return out

    @staticmethod
    def backward(ctx, g):
        shape, dtype, axis, keepdim = ctx.meta
        a = ctx.saved_tensors[0]
        if axis == ():
            return g.astype(dtype), None, None, None  # a 0-dim "reduction" is the identity
        flat = a.reshape(-1) if axis is None else a
        ax = 0 if axis is None else axis[0]
        ones_shape = list(flat.shape)
        ones_shape[ax] = 1
        one = np.ones(ones_shape, flat.dtype)
        left = np.cumprod(np.concatenate([one, flat], axis=ax), axis=ax).take(range(flat.shape[ax]), axis=ax)
        rev = np.flip(flat, ax)
        right = np.flip(np.cumprod(np.concatenate([one, rev], axis=ax), axis=ax).take(range(flat.shape[ax]), axis=ax), ax)
        others = (left * right).reshape(shape)
        return (_expand_back(g, shape, axis, keepdim) * others).astype(dtype), None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        shape, dtype, axis, keepdim = ctx.meta
        a, out = ctx.saved_tensors
        if axis == ():
            return cast_grad(g, dtype), None, None, None
        if a.dtype != dtype or a.dtype.kind not in "fc" or not np.all(a):
            return NotImplemented  # (with zeros the product of the others is not out / a: first-order only)
        # the product of the others is out / a: the output read back as this node's own result
        prod = expand_back(saved_output(ctx, 0, out), shape, axis, keepdim)
        return expand_back(g, shape, axis, keepdim) * prod / saved_input(ctx, 0, a), None, None, None


class ProdDim(Prod):
    _backward_name = "ProdBackward1"


class _EvenExtreme(Function):
    """max()/min()/amax/amin: the grad is shared evenly among all elements equal to the result."""

    _np = staticmethod(np.max)

    @classmethod
    def _fwd(cls, ctx, a, axes, keepdim, empty_msg):
        if a.size == 0 and (axes is None or builtin_any(a.shape[i] == 0 for i in axes)):
            raise IndexError(empty_msg) if axes is not None else RuntimeError(empty_msg)
        out = np.asarray(cls._np(a, axis=axes, keepdims=keepdim if axes is not None else False))
        ctx.meta = (axes, keepdim)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        axes, keepdim = ctx.meta
        full = _expand_back(out, a.shape, axes, keepdim)
        hit = (a == full) | (np.isnan(a) & np.isnan(full)) if a.dtype.kind == "f" else (a == full)
        count = np.sum(hit, axis=axes, keepdims=True)
        gg = _expand_back(g, a.shape, axes, keepdim)
        return np.where(hit, gg / np.broadcast_to(count, a.shape).astype(g.dtype), g.dtype.type(0)), None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        a, out = ctx.saved_tensors
        axes, keepdim = ctx.meta
        full = _expand_back(out, a.shape, axes, keepdim)
        hit = (a == full) | (np.isnan(a) & np.isnan(full)) if a.dtype.kind == "f" else (a == full)
        count = np.broadcast_to(np.sum(hit, axis=axes, keepdims=True), a.shape).astype(g._data.dtype)
        return _shared(expand_back(g, a.shape, axes, keepdim), count, hit), None, None


builtin_any = __builtins__["any"] if isinstance(__builtins__, dict) else __builtins__.any


class MaxAll(_EvenExtreme):
    _backward_name = "MaxBackward1"

    @classmethod
    def forward(cls, ctx, a, axes=None, keepdim=False):
        return cls._fwd(ctx, a, None, False, "max(): Expected reduction dim to be specified for input.numel() == 0. "
                        "Specify the reduction dim with the 'dim' argument.")


class MinAll(_EvenExtreme):
    _backward_name = "MinBackward1"
    _np = staticmethod(np.min)

    @classmethod
    def forward(cls, ctx, a, axes=None, keepdim=False):
        return cls._fwd(ctx, a, None, False, "min(): Expected reduction dim to be specified for input.numel() == 0. "
                        "Specify the reduction dim with the 'dim' argument.")


class Amax(_EvenExtreme):
    """amax over dims;  da = (g / count) * (a == out), count = number of maxima (torch's scale_grad_by_count:
    a nan result matches nothing, so that slice's grad is nan)"""

    _name = "amax"

    @classmethod
    def forward(cls, ctx, a, axes, keepdim):
        if a.size == 0 and axes is None:
            raise RuntimeError(f"{cls._name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        for i in axes or ():
            if a.shape[i] == 0:
                raise IndexError(f"{cls._name}(): Expected reduction dim {i} to have non-zero size.")
        return cls._fwd(ctx, a, axes, keepdim, "")

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        axes, keepdim = ctx.meta
        hit = a == _expand_back(out, a.shape, axes, keepdim)
        count = np.sum(hit, axis=axes, keepdims=True)
        with _quiet():
            scaled = _expand_back(g, a.shape, axes, keepdim) / count.astype(g.dtype)
            return (scaled * hit).astype(g.dtype, copy=False), None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        a, out = ctx.saved_tensors
        axes, keepdim = ctx.meta
        hit = a == _expand_back(out, a.shape, axes, keepdim)
        count = np.broadcast_to(np.sum(hit, axis=axes, keepdims=True), a.shape).astype(g._data.dtype)
        return _shared(expand_back(g, a.shape, axes, keepdim), count, hit), None, None


def _shared(gg, count: np.ndarray, hit: np.ndarray):
    """The grad shared evenly among the extreme elements: gg / count where hit, else 0 (constant coefficients)."""
    return gg / constant(count) * constant(hit.astype(count.dtype))


class Amin(Amax):
    _np = staticmethod(np.min)
    _name = "amin"


class MaxDim(Function):
    """max along one dim: (values, indices); the grad goes to the first index of each max"""

    _backward_name = "MaxBackward0"
    _arg = staticmethod(np.argmax)

    @classmethod
    def forward(cls, ctx, a, dim, keepdim):
        if a.ndim and a.shape[dim] == 0:
            raise IndexError(f"{cls._name}(): Expected reduction dim {dim} to have non-zero size.")
        if a.ndim == 0:
            idx = np.zeros((), np.int64)
            vals = a.copy()
        else:
            idx = np.expand_dims(cls._arg(a, axis=dim), dim)
            vals = np.take_along_axis(a, idx, axis=dim)
            if not keepdim:
                idx, vals = np.squeeze(idx, dim), np.squeeze(vals, dim)
        ctx.meta = (a.shape, dim, keepdim)
        idx = idx.astype(np.int64)
        ctx.save_for_backward(idx)
        ctx.mark_non_differentiable(idx)
        return vals, idx

    @staticmethod
    def backward(ctx, g, _g_idx=None):
        shape, dim, keepdim = ctx.meta
        (idx,) = ctx.saved_tensors
        out = np.zeros(shape, g.dtype)
        if not shape:
            return g.copy(), None, None
        if not keepdim:
            idx, g = np.expand_dims(idx, dim), np.expand_dims(g, dim)
        np.put_along_axis(out, idx, g, axis=dim)
        return out, None, None

    @staticmethod
    def differentiable_backward(ctx, g, _g_idx=None):
        shape, dim, keepdim = ctx.meta
        (idx,) = ctx.saved_tensors
        if not shape:
            return g, None, None
        onehot = np.zeros(shape, g._data.dtype)
        np.put_along_axis(onehot, idx if keepdim else np.expand_dims(idx, dim), 1, axis=dim)
        return expand_back(g, shape, (dim,), keepdim) * constant(onehot), None, None


MaxDim._name = "max"


class MinDim(MaxDim):
    _backward_name = "MinBackward0"
    _arg = staticmethod(np.argmin)
    _name = "min"


class Logsumexp(Function):
    """out = log(sum(exp(a))) computed as m + log(sum(exp(a - m)));  da = g * exp(a - out)"""

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        if a.dtype.kind not in "fc":
            a = a.astype(D.get_default_dtype().np_dtype)
        if a.size == 0:
            m = np.zeros([1 if i in axes else s for i, s in enumerate(a.shape)], a.dtype)
        else:
            m = np.max(a, axis=axes, keepdims=True)
        m = np.where(np.isinf(m), 0, m).astype(a.dtype)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            out = np.log(np.sum(np.exp(a - m), axis=axes, keepdims=True)) + m
        res = out if keepdim else np.squeeze(out, axes)
        ctx.save_for_backward(a, res)  # the returned array, so that its version is checked (torch saves result)
        ctx.meta = (axes, keepdim)
        return res

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        axes, keepdim = ctx.meta
        if not keepdim:
            g = np.expand_dims(g, axes)
            out = np.expand_dims(out, axes)
        with np.errstate(over="ignore", invalid="ignore"):
            return g * np.exp(a - out), None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        a, out = ctx.saved_tensors
        axes, keepdim = ctx.meta
        if a.dtype.kind != "f":
            return NotImplemented
        o = expand_back(saved_output(ctx, 0, out), a.shape, axes, keepdim)
        return expand_back(g, a.shape, axes, keepdim) * (saved_input(ctx, 0, a) - o).exp(), None, None


class Cumsum(Function):
    """out_i = sum_{j<=i} a_j;  da_j = sum_{i>=j} g_i (a reversed cumsum)"""

    @staticmethod
    def forward(ctx, a, dim, dtype):
        out_dtype = _sum_dtype(a, dtype)
        ctx.meta = (dim, a.dtype)
        if a.ndim == 0:
            return a.astype(out_dtype)
        if out_dtype == np.float16:
            # torch rounds the input to half, accumulates in float and rounds each running sum back to half
            return np.cumsum(a.astype(np.float16).astype(np.float32), axis=dim).astype(np.float16)
        return np.cumsum(a, axis=dim, dtype=out_dtype)

    @staticmethod
    def backward(ctx, g):
        dim, dtype = ctx.meta
        if g.ndim == 0:
            return g.astype(dtype), None, None
        return np.flip(np.cumsum(np.flip(g, dim), axis=dim), dim).astype(dtype, copy=False), None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        dim, dtype = ctx.meta
        if g.dim() == 0:
            return cast_grad(g, dtype), None, None
        return cast_grad(g.flip(dim).cumsum(dim).flip(dim), dtype), None, None


class Cumprod(Function):
    """out_i = prod_{j<=i} a_j"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a, dim, dtype):
        out_dtype = _sum_dtype(a, dtype)
        out = a.astype(out_dtype) if a.ndim == 0 else np.cumprod(a, axis=dim, dtype=out_dtype)
        ctx.save_for_backward(a, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        dim = ctx.dim
        if a.ndim == 0:
            return g.copy(), None, None
        if np.all(a != 0):
            w = g * out
            return (np.flip(np.cumsum(np.flip(w, dim), axis=dim), dim) / a).astype(a.dtype), None, None
        # with zeros: d out_i / d a_j = prod_{k<=i, k!=j} a_k, summed over i >= j (quadratic but exact)
        n = a.shape[dim]
        am = np.moveaxis(a, dim, -1)
        gm = np.moveaxis(g, dim, -1)
        res = np.zeros_like(am)
        for j in range(n):
            others = am.copy()
            others[..., j] = 1
            res[..., j] = np.sum(np.cumprod(others, axis=-1)[..., j:] * gm[..., j:], axis=-1)
        return np.moveaxis(res, -1, dim), None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        a, out = ctx.saved_tensors
        dim = ctx.dim
        if a.ndim == 0 or a.dtype != out.dtype or a.dtype.kind != "f" or not np.all(a):
            return NotImplemented  # (with zeros: first-order only)
        # da_j = sum_{i >= j} g_i out_i / a_j, out read back as this node's own result
        w = g * saved_output(ctx, 0, out)
        return w.flip(dim).cumsum(dim).flip(dim) / saved_input(ctx, 0, a), None, None


class VectorNorm(Function):
    """out = (sum |a|**p)**(1/p) (p=inf: max |a|, p=0: count of nonzeros)"""

    _backward_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, a, p, axes, keepdim):
        if a.dtype.kind not in "fc":
            raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                               f"{_SCALAR_NAMES[D._FROM_NUMPY[a.dtype].name]}")
        kd = keepdim if axes is not None else False
        absa = np.abs(a)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if p == 2:
                out = np.sqrt(np.sum(absa * absa, axis=axes, keepdims=kd))
            elif p == 1:
                out = np.sum(absa, axis=axes, keepdims=kd)
            elif p == math.inf:
                out = np.max(absa, axis=axes, keepdims=kd)  # (norm() refuses an empty reduced dim)
            elif p == -math.inf:
                out = np.min(absa, axis=axes, keepdims=kd)
            elif p == 0:
                out = np.sum(absa != 0, axis=axes, keepdims=kd).astype(absa.dtype)
            else:
                out = np.power(np.sum(np.power(absa, p), axis=axes, keepdims=kd), 1.0 / p)
        out = np.asarray(out, dtype=absa.dtype)  # real, also for complex input
        ctx.meta = (p, axes, keepdim)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        p, axes, keepdim = ctx.meta
        o = _expand_back(out, a.shape, axes, keepdim)
        gg = _expand_back(g, a.shape, axes, keepdim)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if p == 2:
                res = np.where(o == 0, 0, gg * a / o)
            elif p == 1:
                res = gg * np.sign(a)
            elif p in (math.inf, -math.inf):
                hit = np.abs(a) == o
                count = np.broadcast_to(np.sum(hit, axis=axes, keepdims=True), a.shape)
                res = np.where(hit, gg * np.sign(a) / count, 0)
            elif p == 0:
                return None, None, None, None  # torch defines no grad for the 0-"norm" (a count)
            else:
                # torch's norm_backward: 0 where the norm is 0, and where the element is 0 (|a|**(p-2) is inf for p < 2)
                res = np.where((o == 0) | (a == 0), 0, gg * a * np.power(np.abs(a), p - 2) / np.power(o, p - 1))
        return res.astype(a.dtype), None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        a, out = ctx.saved_tensors
        p, axes, keepdim = ctx.meta
        if a.dtype.kind != "f" or p == 0:
            return NotImplemented
        gg = expand_back(g, a.shape, axes, keepdim)
        if p == 1:
            return gg * constant(np.sign(a)), None, None, None
        o = _expand_back(out, a.shape, axes, keepdim)
        if p in (math.inf, -math.inf):  # the grad goes (shared) to the extreme elements: constant coefficients
            hit = np.abs(a) == o
            count = np.broadcast_to(np.sum(hit, axis=axes, keepdims=True), a.shape)
            return gg * constant(np.where(hit, np.sign(a) / count, 0).astype(a.dtype)), None, None, None
        if p < 1 and not np.all(a):
            return NotImplemented  # (|0|**(p - 1) is inf: the first-order kernel masks those places)
        # torch's norm_backward: self_scaled * grad / norm**(p - 1), the quotient filled with 0 where the norm is 0
        # (so, as in torch, the next order is nan there: the fill's zero grad divided by the zero norm)
        from .comparison import where
        at = saved_input(ctx, 0, a)
        ot = expand_back(saved_output(ctx, 0, out), a.shape, axes, keepdim)
        zero = np.broadcast_to(o == 0, a.shape)
        fill = (lambda t: where(constant(zero), constant(np.zeros((), a.dtype)), t)) if zero.any() else (lambda t: t)
        if p == 2:  # torch: grad * (self / norm) filled
            return gg * fill(at / ot), None, None, None
        scaled = at.sign() * at.abs() ** (p - 1) if p < 2 else at * at.abs() ** (p - 2)
        return scaled * fill(gg / ot ** (p - 1)), None, None, None


# --- out= ------------------------------------------------------------------------

def _write(res, out):
    if out is None:
        return res
    from ._args import write_out
    return write_out(out, res)


def _out_dtype(out, dtype):
    """sum-like reductions with out= compute in out's dtype (unless dtype= says otherwise), as torch's do."""
    return D._FROM_NUMPY[out._data.dtype] if out is not None and dtype is None else dtype


def _float_out(input: Tensor, out) -> Tensor:
    """mean/var/std/logsumexp with a float out= of another dtype compute in that dtype."""
    if out is not None and out._data.dtype.kind == "f" and input._data.dtype.kind == "f" \
            and out._data.dtype != input._data.dtype:
        from .conversion import cast
        return cast(input, D._FROM_NUMPY[out._data.dtype])
    return input


def _same_dtype_out(input: Tensor, out) -> None:
    if out is not None and out._data.dtype != input._data.dtype:
        n = lambda t: _SCALAR_NAMES[D._FROM_NUMPY[t._data.dtype].name]  # noqa: E731
        raise RuntimeError(f"Expected the dtype for input and out to match, but got {n(input)} for input's dtype and "
                           f"{n(out)} for out's dtype.")


def _c_dtype_out(expected: np.dtype, out) -> None:
    from .._tensor import _C_NAMES
    if out is not None and out._data.dtype != expected:
        raise RuntimeError(f"Expected out tensor to have dtype {_C_NAMES[expected.name]}, but got "
                           f"{_C_NAMES[out._data.dtype.name]} instead")


# --- wrappers -------------------------------------------------------------------

class SumAll(Sum):
    """Sum of every element (``x.sum()``): Sum with its defaults, as a one-argument op for the fast path."""

    _backward_name = "SumBackward0"

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind in "fc":
            # Sum.forward inlined for a float input (its own dtype, no cast); _apply1 wraps the NumPy scalar
            ctx.meta = (a.shape, a.dtype, None, False)
            exact = torch_sum(a, None, False) if a.dtype.kind == "f" else None
            return exact if exact is not None else _add_reduce(a, None)
        return Sum.forward(ctx, a, None, False, None)

    @staticmethod
    def backward(ctx, g):
        shape, dtype = ctx.meta[:2]
        if g.dtype is dtype and g.ndim == 0 and math.prod(shape) <= 4096:
            # _expand_back's small case inlined: a fresh array (never a view of g) filled with g
            out = np.empty(shape, dtype)
            out[...] = g
            return out
        return Sum.backward(ctx, g)[0]


_add_reduce = np.add.reduce


def _grad_dtype(input: Tensor, dtype) -> None:
    """A result of an integer or bool dtype= cannot carry a gradient: torch refuses when the input needs one."""
    if dtype is not None and input._requires_grad and dtype.np_dtype.kind not in "fc":
        from ..autograd.grad_mode import state
        if state.enabled:
            raise RuntimeError(f"Autograd not support dtype: {_SCALAR_NAMES[dtype.name]}")


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Sum of all elements, or along ``dim`` (an int or a tuple)."""
    if dim is None and dtype is None and out is None and not keepdim:
        return _apply1(SumAll, input)  # SumAll.apply(input), one call sooner
    _grad_dtype(input, dtype)
    dtype = _out_dtype(out, dtype)
    axes = _keep_dims(dim, input.dim(), keepdim)
    if axes is None and dim is None:
        return _write(Sum.apply(input, None, False, dtype), out)
    return _write(SumDim.apply(input, axes, keepdim, dtype), out)


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Sum treating nan as zero."""
    refuse("nansum on CPU does not support complex inputs", input)
    from_out = dtype is None and out is not None  # (an explicit integer dtype= is fine; an integer out= is not)
    dtype = _out_dtype(out, dtype)
    if from_out and dtype.np_dtype.kind not in "fc":
        if input._data.dtype.kind == "f" or dtype.np_dtype != _sum_dtype(input._data, None):
            raise NotImplementedError(f'"nansum_cpu" not implemented for \'{_SCALAR_NAMES[dtype.name]}\'')
    return _write(Nansum.apply(input, _keep_dims(dim, input.dim(), keepdim), keepdim, dtype), out)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Mean of the non-nan elements: nansum / count of non-nan (composed, as torch: its grad_fn is a Div)."""
    refuse("nansum on CPU does not support complex inputs", input)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_SCALAR_NAMES[D._FROM_NUMPY[input._data.dtype].name]}")
    from .comparison import isnan, logical_not
    count = sum(logical_not(isnan(input)), dim, keepdim)
    if out is not None and input._requires_grad:
        from ..autograd.grad_mode import state
        if state.enabled:  # torch's nanmean writes out= through nansum, whose name its refusal gives
            raise RuntimeError("nansum(): functions with out=... arguments don't support automatic differentiation, "
                               "but one of the arguments requires grad.")
    if out is not None and dtype is None and out._data.dtype.kind in "fc":
        dtype = D._FROM_NUMPY[out._data.dtype]  # torch's nansum writes into out, in its dtype
    return _write(nansum(input, dim, keepdim, dtype=dtype).div(count), out)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Arithmetic mean of all elements, or along ``dim``."""
    input = _float_out(input, out) if dtype is None else input
    int_out = out is not None and dtype is None and out._data.dtype.kind not in "fc"
    if int_out:
        from ._inplace import _NAMES, _castable
        to = _NAMES[D._FROM_NUMPY[out._data.dtype].name]
        if dim is None and not _castable(input._data.dtype, out._data.dtype):
            raise RuntimeError(f"mean.dtype_out(): input types can't be cast to the desired output type {to}")
    if dtype is None and input._data.dtype.kind not in "fc":
        Mean.forward(None, input._data, None, False, None)  # torch's dtype error comes before any dim error
    if int_out:
        # torch divides an integer sum in place: its true division's default float cannot go into out
        if dim is None:
            raise RuntimeError(f"mean.dtype_out(): input types can't be cast to the desired output type {to}")
        raise RuntimeError(f"result type {_NAMES[D.get_default_dtype().name]} can't be cast to the desired output "
                           f"type {to}")
    axes = _keep_dims(dim, input.dim(), keepdim)
    if axes is None and dim is None:
        return _write(Mean.apply(input, None, False, dtype), out)
    return _write(MeanDim.apply(input, axes, keepdim, dtype), out)


def _float_only(input: Tensor, name: str) -> None:
    # torch's dtype error comes before any dim error
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"{'std and var' if name in ('std', 'var') else name} only support floating point and "
                           "complex dtypes")


def _var_args(dim, unbiased, keepdim, correction):
    # torch accepts var(dim, unbiased, keepdim) and var(unbiased) positionally
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    return dim, _correction(unbiased, correction), keepdim


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None) -> Tensor:
    """Variance with Bessel's correction by default (``correction=1``; ``unbiased=False`` gives 0)."""
    dim, corr, keepdim = _var_args(dim, unbiased, keepdim, correction)
    input = _float_out(input, out)
    _float_only(input, "var")
    return _write(Var.apply(input, _keep_dims(dim, input.dim(), keepdim), keepdim, corr), out)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None) -> Tensor:
    """Standard deviation: sqrt(var)."""
    dim, corr, keepdim = _var_args(dim, unbiased, keepdim, correction)
    input = _float_out(input, out)
    _float_only(input, "std")
    return _write(Std.apply(input, _keep_dims(dim, input.dim(), keepdim), keepdim, corr), out)


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(var, mean) as a plain tuple, both from one pass (one grad_fn, VarMeanBackward0)."""
    dim, corr, keepdim = _var_args(dim, unbiased, keepdim, correction)
    _float_only(input, "var_mean")
    return tuple(VarMean.apply(input, _keep_dims(dim, input.dim(), keepdim), keepdim, corr))


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(std, mean) as a plain tuple, both from one pass (one grad_fn, StdMeanBackward0)."""
    dim, corr, keepdim = _var_args(dim, unbiased, keepdim, correction)
    _float_only(input, "std_mean")
    return tuple(StdMean.apply(input, _keep_dims(dim, input.dim(), keepdim), keepdim, corr))


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    _grad_dtype(input, dtype)
    dtype = _out_dtype(out, dtype)
    if dim is None:
        if out is not None:
            raise TypeError("prod() received an invalid combination of arguments - got (Tensor, out=Tensor), but "
                            "expected one of:\n * (Tensor input, *, torch.dtype dtype = None)\n * (Tensor input, int "
                            "dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)\n")
        return _write(Prod.apply(input, None, False, dtype), out)
    d = _wrap_dim(dim, input.dim())
    return _write(ProdDim.apply(input, (d,) if input.dim() else (), keepdim, dtype), out)  # 0-dim: nothing to reduce


def _max_min(input, dim, keepdim, all_fn, dim_fn, pair_fn, name, result_type, out=None):
    if dim is None:
        return _write(all_fn.apply(input), out)
    if isinstance(dim, Tensor):
        return pair_fn(input, dim, out=out)
    d = _wrap_dim(dim, input.dim())
    vals, idx = dim_fn.apply(input, d, keepdim)
    if out is not None:
        # (values, indices): each must already have the result's dtype
        _c_dtype_out(input._data.dtype, out[0])
        _c_dtype_out(np.dtype(np.int64), out[1])
        vals, idx = _write(vals, out[0]), _write(idx, out[1])
    return result_type((vals, idx))


def max(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    """The largest element; with ``dim``, a named tuple (values, indices)."""
    from .minmax import maximum
    _ordered(input, dim, "max")
    return _max_min(input, dim, keepdim, MaxAll, MaxDim, maximum, "max", return_types.max, out)


def min(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    """The smallest element; with ``dim``, a named tuple (values, indices)."""
    from .minmax import minimum
    _ordered(input, dim, "min")
    return _max_min(input, dim, keepdim, MinAll, MinDim, minimum, "min", return_types.min, out)


def _ordered(input: Tensor, dim, name: str) -> None:
    """Complex numbers have no order: max/min refuse them (max(other) is maximum's own check)."""
    if dim is None:
        no_kernel(f"{name}_all", input)
    elif isinstance(dim, (int, np.integer)):
        refuse(f"{name}(): does not support complex input", input)


def _empty_dim(name: str, input: Tensor, dim) -> None:
    """amax/amin name an empty reduced dim as the caller wrote it (-1, not 0), checking the dims in order."""
    if input._data.size:
        return
    for d in ((dim,) if isinstance(dim, (int, np.integer)) else (dim or ())):
        if input.dim() and input._data.shape[_wrap_dim(int(d), input.dim())] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {int(d)} to have non-zero size.")


def amax(input: Tensor, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    no_kernel("max_values_cpu", input)
    _same_dtype_out(input, out)
    _empty_dim("amax", input, dim)
    return _write(Amax.apply(input, _keep_dims(dim, input.dim(), keepdim, input._data.size == 0), keepdim), out)


def amin(input: Tensor, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    no_kernel("min_values_cpu", input)
    _same_dtype_out(input, out)
    _empty_dim("amin", input, dim)
    return _write(Amin.apply(input, _keep_dims(dim, input.dim(), keepdim, input._data.size == 0), keepdim), out)


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    """(min, max) over all elements or along ``dim``."""
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"aminmax(): argument 'dim' must be int, not {type(dim).__name__}")
    if dim is None or input.dim():
        no_kernel("aminmax_cpu", input)
    else:
        refuse("aminmax not implemented for ComplexFloat" if input._data.dtype == np.complex64 else
               "aminmax not implemented for ComplexDouble", input)
    if input._data.size == 0:
        if dim is None:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        d = _wrap_dim(dim, input.dim())
        if input.dim() and input._data.shape[d] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
    dims = () if dim is None else dim
    return return_types.aminmax((amin(input, dims, keepdim), amax(input, dims, keepdim)))


def _arg(input: Tensor, dim, keepdim: bool, fn, name: str) -> Tensor:
    a = input._data
    if a.dtype.kind in "bc":
        raise RuntimeError(f"{name}(): does not support {'bool' if a.dtype.kind == 'b' else 'complex'} input")
    if dim is None:
        if a.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        res = np.asarray(fn(a.reshape(-1)), np.int64)
        return Tensor._make(res.reshape((1,) * a.ndim) if keepdim else res)
    d = _wrap_dim(dim, a.ndim)
    if a.ndim == 0:
        return Tensor._make(np.zeros((), np.int64))
    if a.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return Tensor._make(np.asarray(fn(a, axis=d, keepdims=keepdim), np.int64))


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False, *, out=None) -> Tensor:
    return _index_out(_arg(input, dim, keepdim, np.argmax, "argmax"), out)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False, *, out=None) -> Tensor:
    return _index_out(_arg(input, dim, keepdim, np.argmin, "argmin"), out)


def _index_out(res: Tensor, out) -> Tensor:
    if out is None:
        return res
    if out._data.dtype != np.int64:
        from .._tensor import _C_NAMES
        raise RuntimeError(f"Expected out tensor to have dtype long int, but got {_C_NAMES[D._FROM_NUMPY[out._data.dtype].name]} instead")
    return _write(res, out)


def logsumexp(input: Tensor, dim, keepdim: bool = False, *, out=None) -> Tensor:
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' must be tuple of ints, not NoneType")
    if out is not None and out._data.dtype.kind not in "fc":
        raise RuntimeError("logsumexp(): Expected floating point type for result tensor, but got: "
                           f"{_SCALAR_NAMES[D._FROM_NUMPY[out._data.dtype].name]}")
    axes = _dims(dim, input.dim()) or tuple(range(input.dim()))
    return _write(Logsumexp.apply(input, axes, keepdim), out)


def cumsum(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:
    _grad_dtype(input, dtype)
    dtype = _out_dtype(out, dtype)
    if input.dim():  # (a 0-dim scan runs no kernel)
        _no_bool_scan("cumsum", dtype)
    return _write(Cumsum.apply(input, _wrap_dim(dim, input.dim()), dtype), out)


def cumprod(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:
    _grad_dtype(input, dtype)
    dtype = _out_dtype(out, dtype)
    if input.dim():
        _no_bool_scan("cumprod", dtype)
    return _write(Cumprod.apply(input, _wrap_dim(dim, input.dim()), dtype), out)


def _no_bool_scan(name: str, dtype) -> None:
    if dtype is D.bool:  # (a bool input scans in int64; only a bool result type has no kernel)
        raise NotImplementedError(f"\"{name}_out_cpu\" not implemented for 'Bool'")


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """Vector p-norm over all elements or ``dim`` ('fro' and None mean 2)."""
    if p == "fro" and dim is not None and not isinstance(dim, int) and len(dim) > 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    if p is None or p == "fro":
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm: unsupported p={p!r} in ember (only vector norms)")
    p = float(p)
    if dtype is not None:
        if input._data.dtype.kind in "fc":
            _empty_norm(input, p, dim)  # (before the dtype= checks)
        _norm_dtype_check(input, dtype)
        input = input.to(dtype)
    if input._data.dtype.kind in "fc":
        _c_dtype_out(input._data.dtype, out)
    else:
        VectorNorm.forward(None, input._data, None, None, False)  # the dtype error before any dim error
    _empty_norm(input, p, dim)
    return _write(VectorNorm.apply(input, p, _keep_dims(dim, input.dim(), keepdim), keepdim), out)


def _empty_norm(input: Tensor, p: float, dim) -> None:
    if (p < 0 or p == math.inf) and input._data.size == 0 and input._data.dtype.kind in "fc":
        # max, min and negative powers have no identity to start an empty reduction from
        axes = _dims(dim, input.dim())
        given = (dim,) if isinstance(dim, int) else tuple(dim) if dim is not None else ()
        named = {_wrap_dim(int(g), input.dim()): g for g in given} if input.dim() else {}  # as the caller wrote it
        where = "an empty tensor" if axes is None else next(
            (f"the dimension {named.get(i, i)}" for i in axes if input._data.shape[i] == 0), None)
        if where is not None:
            sep = " " if axes is None else ""  # (torch's message lacks this space)
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on {where}{sep}because "
                               f"{'this dimension is empty and ' if axes is not None else ''}the operation does not "
                               "have an identity")


def _norm_dtype_check(input: Tensor, dtype) -> None:
    kind = input._data.dtype.kind
    if kind not in "fc":
        VectorNorm.forward(None, input._data, None, None, False)  # the input dtype error
    if dtype.np_dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: dtype should be floating point or complex, but got "
                           f"{_SCALAR_NAMES[dtype.name]}")
    if kind == "c" and dtype.np_dtype.kind != "c":
        raise RuntimeError(f"linalg.vector_norm: dtype should be complex for complex inputs, but got "
                           f"{_SCALAR_NAMES[dtype.name]}")


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    return Tensor._make(np.asarray(np.count_nonzero(input._data, axis=_dims(dim, input.dim())), np.int64))


# Tensor methods this module adds (attached in ember/__init__.py)
METHODS = {"nanmean": nanmean}
