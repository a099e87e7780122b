"""Clamping and elementwise extremes: clamp/clip, maximum, minimum."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._no_complex import no_kernel, refuse
from ._args import method, refuse_grad_out, require_tensors
from ._broadcast import broadcast_error, promote_arrays, promote_scalar, sum_to_shape
from ._select import keep as _keep, select as _select
from ..autograd.graph_engine import constant, masked_backward, reduce_grad

__all__ = ["clamp", "clip", "maximum", "minimum", "fmax", "fmin"]


def _quiet():
    return np.errstate(invalid="ignore", over="ignore")


class Clamp(Function):
    """out = min(max(a, lo), hi) for numbers lo/hi;  da = g where lo <= a <= hi (so g at the bounds, 0 at nan)"""

    _backward_name = "ClampBackward1"
    _kernel = {(True, True): "clamp_scalar_cpu", (True, False): "clamp_min_scalar_cpu",
               (False, True): "clamp_max_scalar_cpu"}

    @classmethod
    def forward(cls, ctx, a, lo, hi):
        ctx.a_dtype = a.dtype
        for bound in (lo, hi):
            if bound is not None:
                a, _ = promote_scalar(a, bound)
        for bound in (lo, hi):
            if bound is not None:
                _check_fits(bound, a.dtype)  # each bound converts to the computing type, with an overflow check
        if a.dtype.kind == "b":
            # a bool tensor clamped by numbers computes in their type (int64, float); bool bounds have no kernel
            raise NotImplementedError(f'"{cls._kernel[lo is not None, hi is not None]}" not implemented for \'Bool\'')
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        out = a
        with _quiet():
            if lo is not None:
                out = np.maximum(out, np.asarray(lo).astype(a.dtype)) if not np.isnan(lo) else np.full_like(a, np.nan)
            if hi is not None:
                out = np.minimum(out, np.asarray(hi).astype(a.dtype)) if not np.isnan(hi) else np.full_like(a, np.nan)
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        mask = np.ones(a.shape, bool)
        if ctx.lo is not None:
            mask &= a >= ctx.lo
        if ctx.hi is not None:
            mask &= a <= ctx.hi
        out = _keep(mask, g)
        return out.astype(ctx.a_dtype) if out.dtype != ctx.a_dtype else out, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        return masked_backward(ctx, g)


def _check_fits(bound, dtype: np.dtype) -> None:
    from .arithmetic import _check_fits as check
    check(bound, dtype)


class ClampMin(Clamp):
    """clamp_min(a, number): torch's own op (ClampMinBackward0), same formula"""

    _backward_name = "ClampMinBackward0"


class ClampMax(Clamp):
    _backward_name = "ClampMaxBackward0"


def _promote3(a, lo, hi):
    """Cast a and the tensor bounds to their common torch dtype (bounds may be None)."""
    from ._broadcast import result_np_dtype
    dt = a.dtype
    for b in (lo, hi):
        if b is not None:
            dt = result_np_dtype(np.empty(a.shape, dt) if a.ndim else np.empty((), dt), b)
    cast = lambda x: None if x is None else (x if x.dtype == dt else x.astype(dt))  # noqa: E731
    return cast(a), cast(lo), cast(hi)


class ClampTensor(Function):
    """clamp with tensor bounds (torch's clamp_backward and clamp_backward_min_max):
    da = g where lo <= a <= hi;  dlo = g where a < lo < hi;  dhi = g where a > hi or hi < lo (hi wins when lo > hi)"""

    _backward_name = "ClampBackward0"
    _edge_rules = ((1, 2), ())  # clamp(min=t) still lists the absent max as (None, 0), as torch does

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.metas = tuple(None if x is None else (x.shape, x.dtype) for x in (a, lo, hi))
        shape = a.shape
        for x in (lo, hi):  # torch broadcasts the operands one by one, and names the first clash
            if x is not None:
                try:
                    shape = np.broadcast_shapes(shape, x.shape)
                except ValueError:
                    raise broadcast_error(shape, x.shape) from None
        a, lo, hi = _promote3(a, lo, hi)
        if a.dtype.kind == "b" and lo is not None and hi is not None:
            # (torch's one-sided clamp_min/clamp_max kernels do take bool)
            raise NotImplementedError('"clamp_cpu" not implemented for \'Bool\'')
        ctx.save_for_backward(a, lo, hi)
        out = a
        try:
            with _quiet():
                if lo is not None:
                    out = np.where(np.isnan(lo), lo, np.maximum(out, lo)) if lo.dtype.kind == "f" else np.maximum(out, lo)
                if hi is not None:
                    out = np.where(np.isnan(hi), hi, np.minimum(out, hi)) if hi.dtype.kind == "f" else np.minimum(out, hi)
        except ValueError:
            raise broadcast_error(*[m[0] for m in ctx.metas if m is not None]) from None
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, g):
        a, lo, hi = ctx.saved_tensors
        zero = g.dtype.type(0)
        with _quiet():
            keep = True
            if lo is not None:
                keep = keep & (a >= lo)
            if hi is not None:
                keep = keep & (a <= hi)
            grads = [_keep(keep, g) if keep is not True else g.copy(), None, None]
            if lo is not None and ctx.needs_input_grad[1]:
                grads[1] = _keep((a < lo) & (lo < hi) if hi is not None else a < lo, g)
            if hi is not None and ctx.needs_input_grad[2]:
                grads[2] = _keep((a > hi) | (hi < lo) if lo is not None else a > hi, g)
        return tuple(None if gr is None or m is None else _to_input(gr, m) for gr, m in zip(grads, ctx.metas))

    @staticmethod
    def differentiable_backward(ctx, g):
        return masked_backward(ctx, g)


class ClampMinTensor(ClampTensor):
    _backward_name = "ClampMinBackward1"
    _edge_rules = None  # torch's clamp_min(Tensor) has two inputs


class ClampMaxTensor(ClampTensor):
    _backward_name = "ClampMaxBackward1"
    _edge_rules = None


def _to_input(g: np.ndarray, meta) -> np.ndarray:
    shape, dtype = meta
    g = sum_to_shape(g, shape)
    return g if g.dtype == dtype else g.astype(dtype)


def _pair(ctx, a, b):
    ctx.a_meta, ctx.b_meta = (a.shape, a.dtype), (b.shape, b.dtype)
    a, b = promote_arrays(a, b)
    ctx.save_for_backward(a, b)
    return a, b


def _pair_backward(ctx, to_a: np.ndarray, to_b: np.ndarray, g: np.ndarray):
    ga = _to_input(to_a, ctx.a_meta) if ctx.needs_input_grad[0] else None
    gb = _to_input(to_b, ctx.b_meta) if ctx.needs_input_grad[1] else None
    return ga, gb


def _extreme_backward(ctx, g, a_loses, b_loses):
    """torch's maximum/minimum formula: where(a == b, g / 2, g), zeroed where that input loses.

    With a nan on either side neither input loses, so both get the full gradient (as in torch)."""
    a, b = ctx.saved_tensors
    with _quiet():
        shared = _select(a == b, g / 2, g)
        return _pair_backward(ctx, _keep(~a_loses(a, b), shared), _keep(~b_loses(a, b), shared), g)


def _extreme_graph_backward(ctx, g, a_loses, b_loses):
    """_extreme_backward with Tensor ops: g times constant per-element coefficients (1, 1/2 on ties, 0 where
    that input loses), summed to each input's shape."""
    a, b = ctx.saved_tensors
    with _quiet():
        shared = np.where(a == b, 0.5, 1.0)
        return _graph_pair(ctx, g, np.where(a_loses(a, b), 0.0, shared), np.where(b_loses(a, b), 0.0, shared))


def _graph_pair(ctx, g, coef_a: np.ndarray, coef_b: np.ndarray) -> tuple:
    dt = g._data.dtype
    ga = gb = None
    if ctx.needs_input_grad[0]:
        ga = reduce_grad(g * constant(np.broadcast_to(coef_a, g.shape).astype(dt)), ctx.a_meta)
    if ctx.needs_input_grad[1]:
        gb = reduce_grad(g * constant(np.broadcast_to(coef_b, g.shape).astype(dt)), ctx.b_meta)
    return ga, gb


def _run(fn, a, b):
    try:
        with _quiet():
            return fn(a, b)
    except ValueError:
        raise broadcast_error(a.shape, b.shape) from None


class Maximum(Function):
    """Elementwise max (nan wins);  ties split g in halves."""

    @staticmethod
    def forward(ctx, a, b):
        return _run(np.maximum, *_pair(ctx, a, b))

    @staticmethod
    def backward(ctx, g):
        return _extreme_backward(ctx, g, lambda a, b: a < b, lambda a, b: a > b)

    @staticmethod
    def differentiable_backward(ctx, g):
        return _extreme_graph_backward(ctx, g, lambda a, b: a < b, lambda a, b: a > b)


class Minimum(Function):
    """Elementwise min (nan wins);  ties split g in halves."""

    @staticmethod
    def forward(ctx, a, b):
        return _run(np.minimum, *_pair(ctx, a, b))

    @staticmethod
    def backward(ctx, g):
        return _extreme_backward(ctx, g, lambda a, b: a > b, lambda a, b: a < b)

    @staticmethod
    def differentiable_backward(ctx, g):
        return _extreme_graph_backward(ctx, g, lambda a, b: a > b, lambda a, b: a < b)


class Fmax(Function):
    """Elementwise max ignoring nan;  a takes g where a >= b or b is nan (ties go to a), b takes the rest."""

    @staticmethod
    def forward(ctx, a, b):
        return _run(np.fmax, *_pair(ctx, a, b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        with _quiet():
            to_a = (a >= b) | np.isnan(b) if b.dtype.kind == "f" else a >= b
        return _pair_backward(ctx, _keep(to_a, g), _keep(~to_a, g), g)

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b = ctx.saved_tensors
        with _quiet():
            to_a = (a >= b) | np.isnan(b) if b.dtype.kind == "f" else a >= b
        return _graph_pair(ctx, g, to_a, ~to_a)


class Fmin(Function):
    """Elementwise min ignoring nan;  a takes g where a <= b or b is nan (ties go to a), b takes the rest."""

    @staticmethod
    def forward(ctx, a, b):
        return _run(np.fmin, *_pair(ctx, a, b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        with _quiet():
            to_a = (a <= b) | np.isnan(b) if b.dtype.kind == "f" else a <= b
        return _pair_backward(ctx, _keep(to_a, g), _keep(~to_a, g), g)

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b = ctx.saved_tensors
        with _quiet():
            to_a = (a <= b) | np.isnan(b) if b.dtype.kind == "f" else a <= b
        return _graph_pair(ctx, g, to_a, ~to_a)


def _num(x):
    if isinstance(x, Tensor) and x.dim() == 0 and False:
        return x.item()
    return x.item() if isinstance(x, np.generic) else x


def _bound(x, input: Tensor):
    """A number bound as the clamp kernels read it for a float tensor: as a double (a complex one must be real)."""
    x = _num(x)
    if isinstance(x, complex) and input._data.dtype.kind == "f":
        if x.imag:
            raise RuntimeError("value cannot be converted to type double without overflow")
        return x.real
    return x


def _signature_error(input, min, max) -> TypeError:
    got = ", ".join(type(x).__name__ for x in (input, min, max) if x is not None)
    return TypeError(f"clamp() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                     " * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
                     " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n")


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:
    """Limit every element to [min, max] (when min > max, every element becomes max)."""
    refuse("clamp is not supported for complex types", input, error=NotImplementedError)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if not all(x is None or isinstance(x, Tensor) for x in (min, max)):
            raise _signature_error(input, min, max)
        res = ClampTensor.apply(input, min, max)
    else:
        res = Clamp.apply(input, _bound(min, input), _bound(max, input))
    from ._args import strict_out
    return strict_out(res, out)


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:
    refuse("clamp is not supported for complex types", input, error=NotImplementedError)
    if isinstance(min, Tensor):
        return ClampMinTensor.apply(input, min, None)
    return ClampMin.apply(input, _num(min), None)


def clamp_max(input: Tensor, max) -> Tensor:
    refuse("clamp is not supported for complex types", input, error=NotImplementedError)
    if isinstance(max, Tensor):
        return ClampMaxTensor.apply(input, None, max)
    return ClampMax.apply(input, None, _num(max))


def _out(res: Tensor, out) -> Tensor:
    if out is None:
        return res
    from ._args import write_out
    return write_out(out, res)


def maximum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    require_tensors("maximum", input, other)
    refuse("maximum not implemented for complex tensors.", input, other)
    if out is not None:
        refuse_grad_out("maximum", input, other)
    return _out(Maximum.apply(input, other), out)


def minimum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    require_tensors("minimum", input, other)
    refuse("minimum not implemented for complex tensors.", input, other)
    if out is not None:
        refuse_grad_out("minimum", input, other)
    return _out(Minimum.apply(input, other), out)


def fmax(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    require_tensors("fmax", input, other)
    refuse("fmax not implemented for complex tensors.", input, other)
    if out is not None:
        refuse_grad_out("fmax", input, other)
    return _out(Fmax.apply(input, other), out)


def fmin(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    require_tensors("fmin", input, other)
    refuse("fmin not implemented for complex tensors.", input, other)
    if out is not None:
        refuse_grad_out("fmin", input, other)
    return _out(Fmin.apply(input, other), out)


# Tensor methods (attached in ember/__init__.py): a method names 'other' as position 1
METHODS = {name: method(fn, name) for name, fn in
           (("maximum", maximum), ("minimum", minimum), ("fmax", fmax), ("fmin", fmin))}


# their in-place forms report dtype errors with C type names, as torch's clamp kernels do
for _fn in (clamp, clamp_min, clamp_max):
    _fn._c_type_names = True
