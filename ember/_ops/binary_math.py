"""Pointwise math on two operands: atan2, hypot, logaddexp, logaddexp2, xlogy, copysign, nextafter, heaviside,
float_power, lerp.

The operands take torch's result dtype; for the float functions integer and bool results become the default float
dtype, each operand converted from its own dtype (as ``div``). float32 / float16 transcendental results are computed
in float64 and rounded once. Backwards undo broadcasting and cast each grad to its input's dtype (``_back``).
"""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._args import (check_out_cast, inplace_method, method, promoted, promoted_float, refuse_grad_out,
                    require_tensors)
from ._broadcast import broadcast_error, quiet as _quiet, result_np_dtype
from .arithmetic import _NoDerivative, _back, _broadcasting, _float_operands, _maybe_out
from .comparison import _dtype_name
from .unary import _precise
from ..autograd.graph_engine import constant, constant_mask, reduce_grad, saved_input, saved_output

__all__ = ["atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "copysign", "nextafter", "heaviside",
           "float_power", "lerp"]


def _metas(ctx, a, b) -> None:
    ctx.a_meta = (np.shape(a), getattr(a, "dtype", None))
    ctx.b_meta = (np.shape(b), getattr(b, "dtype", None))


def _wide(fn, a, b):
    """fn(a, b) with float32/float16 operands widened to float64 and the result rounded once."""
    dt = a.dtype
    if dt.kind == "f" and dt.itemsize < 8:
        wb = b.astype(np.float64) if type(b) is np.ndarray else b
        return _broadcasting(fn, a.astype(np.float64), wb).astype(dt)
    return _broadcasting(fn, a, b)


def _float_only(kernel: str, a: np.ndarray, b) -> None:
    """The kernels that exist for float types only (hypot, logaddexp, nextafter) name the promoted dtype."""
    r = result_np_dtype(a, b)
    if r.kind in "biu":
        if type(b) is np.ndarray:
            try:
                np.broadcast_shapes(a.shape, b.shape)
            except ValueError:
                raise broadcast_error(a.shape, b.shape) from None  # torch reports a shape clash first

        raise NotImplementedError(f'"{kernel}" not implemented for \'{_dtype_name(r)}\'')


class Atan2(Function):
    """out = atan(a / b) in the quadrant of (b, a);  da = g b / (a**2 + b**2),  db = -g a / (a**2 + b**2)"""

    @staticmethod
    def forward(ctx, a, b):
        _metas(ctx, a, b)
        ctx.save_for_backward(a, b)  # torch's formula runs on the inputs as given (int8 ** 2 wraps, float32 stays)
        if result_np_dtype(a, b).kind == "c":
            from .arithmetic import _no_complex
            _no_complex(np.empty(0, result_np_dtype(a, b)), "atan2_cpu")
        return _wide(np.arctan2, *_float_operands(a, b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = gb = None
        with _quiet():
            denom = a * a + b * b
            # torch's formula: 0 where a**2 + b**2 is 0
            recip = np.where(denom == 0, 0, 1 / np.where(denom == 0, 1, denom))
            if ctx.needs_input_grad[0]:
                ga = _back(g * b * recip, ctx.a_meta)
            if ctx.needs_input_grad[1]:
                if a.dtype.kind == "b":
                    raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                                       "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
                gb = _back(g * -a * recip, ctx.b_meta)
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b = ctx.saved_tensors
        if not _floats(a, b):
            return NotImplemented
        at, bt = _operands(ctx, a, b)
        zero = np.broadcast_to((a * a + b * b) == 0, g.shape)
        denom = at * at + bt * bt
        recip = 1 / denom
        if zero.any():  # torch's reciprocal filled with 0 there (so the next order is nan there, as torch's)
            from .comparison import where
            recip = where(constant(zero), constant(np.zeros((), g._data.dtype)), recip)
        ga = reduce_grad(g * bt * recip, ctx.a_meta) if ctx.needs_input_grad[0] else None
        gb = reduce_grad(g * -at * recip, ctx.b_meta) if ctx.needs_input_grad[1] else None
        return ga, gb


def _floats(*arrays) -> bool:
    return all(type(x) is not np.ndarray or x.dtype.kind == "f" for x in arrays)


def _operands(ctx, a, b) -> tuple:
    """The saved operands as graph Tensors (numbers stay numbers), cast back to the inputs' dtypes when forward
    saved them promoted."""
    return saved_input(ctx, 0, a, ctx.a_meta[1]), saved_input(ctx, 1, b, ctx.b_meta[1])


class Hypot(Function):
    """out = sqrt(a**2 + b**2) without overflow;  da = g a / out,  db = g b / out"""

    @staticmethod
    def forward(ctx, a, b):
        _float_only("hypot_cpu", a, b)
        _metas(ctx, a, b)
        a, b = _float_operands(a, b)
        out = _wide(np.hypot, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        with _quiet():
            ga = _back(g * a / out, ctx.a_meta) if ctx.needs_input_grad[0] else None
            gb = _back(g * b / out, ctx.b_meta) if ctx.needs_input_grad[1] else None
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b, out = ctx.saved_tensors
        if not _floats(a, b):
            return NotImplemented
        at, bt = _operands(ctx, a, b)
        o = saved_output(ctx, 0, out)  # (at hypot(0, 0) = 0 the grad is nan, as torch's g a / out)
        ga = reduce_grad(g * at / o, ctx.a_meta) if ctx.needs_input_grad[0] else None
        gb = reduce_grad(g * bt / o, ctx.b_meta) if ctx.needs_input_grad[1] else None
        return ga, gb


def _has_bool(a, b) -> bool:
    return a.dtype.kind == "b" or (type(b) is np.ndarray and b.dtype.kind == "b")


def _bool_sub(any_bool: bool) -> None:
    # torch's backward formula subtracts the raw inputs, which it refuses for bool
    if any_bool:
        from .arithmetic import _BOOL_SUB1
        raise RuntimeError(_BOOL_SUB1)


def _logaddexp(a, b, exp, scale: float | None):
    """m + log1p(exp(-|a - b|)) (times 1/ln 2 for base 2) with m = max(a, b), step by step in the dtype as torch's
    kernel (each function correctly rounded; float16 computes in float32); equal infinities give themselves."""
    dt = a.dtype
    op = np.dtype(np.float32) if dt.itemsize < 4 else dt
    with _quiet():
        a, b = a.astype(op, copy=False), np.asarray(b).astype(op)
        m = np.maximum(a, b)
        e = _precise(exp, -np.abs(a - b))
        tail = _precise(np.log1p, e)
        if scale is not None:
            tail = tail * op.type(scale)
        out = m + tail
        return np.where(np.isinf(a) & (a == b), a, out).astype(dt)


class Logaddexp(Function):
    """out = ln(e**a + e**b);  da = g / (1 + e**(b - a)),  db = g / (1 + e**(a - b))"""

    @staticmethod
    def forward(ctx, a, b):
        _float_only("logaddexp_cpu", a, b)
        _metas(ctx, a, b)
        ctx.any_bool = _has_bool(a, b)
        a, b = _float_operands(a, b)
        ctx.save_for_backward(a, b)
        return _broadcasting(lambda x, y: _logaddexp(x, y, np.exp, None), a, b)

    @staticmethod
    def backward(ctx, g):
        _bool_sub(ctx.any_bool)
        a, b = ctx.saved_tensors
        with _quiet():
            ga = _back(g / (1 + np.exp(b - a)), ctx.a_meta) if ctx.needs_input_grad[0] else None
            gb = _back(g / (1 + np.exp(a - b)), ctx.b_meta) if ctx.needs_input_grad[1] else None
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b = ctx.saved_tensors
        if ctx.any_bool or not _floats(a, b):
            return NotImplemented
        at, bt = _operands(ctx, a, b)
        ga = reduce_grad(g / (1 + (bt - at).exp()), ctx.a_meta) if ctx.needs_input_grad[0] else None
        gb = reduce_grad(g / (1 + (at - bt).exp()), ctx.b_meta) if ctx.needs_input_grad[1] else None
        return ga, gb


class Logaddexp2(Function):
    """out = log2(2**a + 2**b);  da = g / (1 + 2**(b - a)),  db = g / (1 + 2**(a - b))"""

    @staticmethod
    def forward(ctx, a, b):
        _float_only("logaddexp2_cpu", a, b)
        _metas(ctx, a, b)
        ctx.any_bool = _has_bool(a, b)
        a, b = _float_operands(a, b)
        ctx.save_for_backward(a, b)
        return _broadcasting(lambda x, y: _logaddexp(x, y, np.exp2, 1 / math.log(2.0)), a, b)

    @staticmethod
    def backward(ctx, g):
        _bool_sub(ctx.any_bool)
        a, b = ctx.saved_tensors
        with _quiet():
            ga = _back(g / (1 + np.exp2(b - a)), ctx.a_meta) if ctx.needs_input_grad[0] else None
            gb = _back(g / (1 + np.exp2(a - b)), ctx.b_meta) if ctx.needs_input_grad[1] else None
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b = ctx.saved_tensors
        if ctx.any_bool or not _floats(a, b):
            return NotImplemented
        at, bt = _operands(ctx, a, b)
        ga = reduce_grad(g / (1 + (bt - at).exp2()), ctx.a_meta) if ctx.needs_input_grad[0] else None
        gb = reduce_grad(g / (1 + (at - bt).exp2()), ctx.b_meta) if ctx.needs_input_grad[1] else None
        return ga, gb


def _xlogy(x, y):
    """x * ln(y), 0 where x == 0 (even for y == 0 or inf), nan where y is nan.

    Like torch's kernel: ln(y) rounded to the dtype, then the product (float16's in float32), rounded again.
    """
    dt = np.result_type(x, y)
    with _quiet():
        if dt.kind == "f" and dt.itemsize < 8:
            x, y = np.asarray(x, dt), np.asarray(y, dt)
            log_y = np.log(y.astype(np.float64)).astype(dt)
            prod = (x.astype(np.float32) * log_y.astype(np.float32)).astype(dt)
        else:
            prod = x * np.log(y)
        return np.where(np.isnan(y), np.nan, np.where(x == 0, 0, prod)).astype(dt)


class Xlogy(Function):
    """out = x ln y (0 at x == 0);  dx = g ln y (0 where x == 0 and y <= 0),  dy = g x / y"""

    @staticmethod
    def forward(ctx, x, y):
        _metas(ctx, x, y)
        x, y = _float_operands(x, y)
        ctx.save_for_backward(x, y)
        return _broadcasting(_xlogy, x, y)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        with _quiet():
            gx = None
            if ctx.needs_input_grad[0]:
                # torch's formula: xlogy(g, y), zeroed where x == 0 and y <= 0
                gx = _back(np.where((x == 0) & (y <= 0), 0, _xlogy(g, y)).astype(g.dtype), ctx.a_meta)
            gy = _back(g * x / y, ctx.b_meta) if len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1] else None
        return gx, gy

    @staticmethod
    def differentiable_backward(ctx, g):
        x, y = ctx.saved_tensors
        if type(x) is not np.ndarray or type(y) is not np.ndarray or not _floats(x, y):
            return NotImplemented
        xt, yt = _operands(ctx, x, y)
        gx = gy = None
        if ctx.needs_input_grad[0]:
            keep = np.broadcast_to(~((x == 0) & (y <= 0)), g.shape)
            gx = reduce_grad(constant_mask(xlogy(g, yt), keep), ctx.a_meta)
        if len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1]:
            gy = reduce_grad(g * xt / yt, ctx.b_meta)
        return gx, gy


class XlogyScalarOther(Xlogy):
    _backward_name = "XlogyBackward2"


class XlogyScalarSelf(Function):
    """out = x ln y for a number x;  dy = g x / y"""

    _backward_name = "XlogyBackward1"

    @staticmethod
    def forward(ctx, y, x):
        ctx.b_meta = (y.shape, y.dtype)
        y, x = _float_operands(y, x)
        ctx.x = x
        ctx.save_for_backward(y)
        return _xlogy(np.asarray(x, y.dtype), y)

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        with _quiet():
            return _back(g * y.dtype.type(ctx.x) / y, ctx.b_meta), None

    @staticmethod
    def differentiable_backward(ctx, g):
        (y,) = ctx.saved_tensors
        if y.dtype.kind != "f":
            return NotImplemented
        return reduce_grad(g * y.dtype.type(ctx.x) / saved_input(ctx, 0, y, ctx.b_meta[1]), ctx.b_meta), None


class Copysign(Function):
    """out = |a| with b's sign bit;  da = g out / a (0 at a == 0),  db = 0"""

    @staticmethod
    def forward(ctx, a, b):
        _metas(ctx, a, b)
        a, b = _float_operands(a, b)
        out = _broadcasting(np.copysign, a, b)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            with _quiet():
                ratio = np.where(a == 0, 0, out / np.where(a == 0, 1, a)).astype(out.dtype)
            ga = _back(g * ratio, ctx.a_meta)
        if len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1]:
            gb = np.zeros(ctx.b_meta[0], ctx.b_meta[1])
        return ga, gb


class CopysignScalar(Copysign):
    _backward_name = "CopysignBackward1"


class Nextafter(Function):
    """The next float after a toward b, in the promoted float dtype;  da = g where a != b (else 0),  db = 0
    (torch's formula)"""

    @staticmethod
    def forward(ctx, a, b):
        _float_only("nextafter_cpu", a, b)
        _metas(ctx, a, b)
        a, b = _float_operands(a, b)
        ctx.save_for_backward(a, b)
        return _broadcasting(np.nextafter, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = _back(g * (a != b), ctx.a_meta) if ctx.needs_input_grad[0] else None
        gb = np.zeros(ctx.b_meta[0], ctx.b_meta[1]) if ctx.needs_input_grad[1] else None
        return ga, gb


class Heaviside(_NoDerivative):
    """Step function: 0 for a < 0, values at a == 0, 1 for a > 0 (nan gives 0); torch defines no gradient."""

    _aten = "heaviside"

    @staticmethod
    def forward(ctx, a, values):
        if a.dtype != values.dtype:
            raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
        if a.dtype.kind == "c":
            raise RuntimeError("heaviside is not yet implemented for complex tensors.")
        return _broadcasting(lambda x, v: np.where(x == 0, v, x > 0).astype(x.dtype), a, values)


class _Lerp(Function):
    """out = a + w (b - a) for |w| < 1/2, else b - (b - a)(1 - w) (exact at w = 1);
    da = g (1 - w),  db = g w,  dw = g (b - a)"""

    @staticmethod
    def _compute(a, b, w):
        """torch's kernel: d = b - a rounded to the compute type (float32 for float16), then one fused multiply-add,
        emulated in a wider type (float64 for float32, long double for float64) and rounded once."""
        dt = a.dtype
        if dt.kind == "c":
            d = _broadcasting(np.subtract, b, a)
            return np.where(np.abs(w) < 0.5, a + w * d, b - d * (1 - w)).astype(dt)
        op = np.dtype(np.float32) if dt.itemsize < 4 else dt
        wide = np.float64 if op == np.float32 else np.longdouble
        with _quiet():
            a, b = a.astype(op, copy=False), b.astype(op, copy=False)
            d = _broadcasting(np.subtract, b, a)
            w = np.asarray(w).astype(op)
            near = a.astype(wide) + w.astype(wide) * d.astype(wide)
            far = b.astype(wide) - d.astype(wide) * (1 - w).astype(wide)
            out = np.where(np.abs(w) < 0.5, near, far) if w.ndim else (near if abs(w) < 0.5 else far)
            return np.asarray(out).astype(op).astype(dt)  # float16: via float32, as torch rounds twice


def _lerp_dtypes(a: np.ndarray, b: np.ndarray, w, kernel: str) -> None:
    """torch's order: the dtypes must agree, then the shapes broadcast, then the kernel must exist."""
    from .._tensor import _C_NAMES
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected dtype {_C_NAMES[a.dtype.name]} for `end` but got dtype {_C_NAMES[b.dtype.name]}")
    if type(w) is np.ndarray and w.ndim and w.dtype != a.dtype:
        raise RuntimeError(f"expected dtype {_C_NAMES[a.dtype.name]} for `weight` but got dtype "
                           f"{_C_NAMES[w.dtype.name]}")
    shapes = (a.shape, b.shape) + ((w.shape,) if type(w) is np.ndarray else ())
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise broadcast_error(*shapes) from None
    if a.dtype.kind not in "fc":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_dtype_name(a.dtype)}\'')


class Lerp(_Lerp):
    """lerp with a number weight"""

    _backward_name = "LerpBackward0"

    @staticmethod
    def forward(ctx, a, b, w):
        _lerp_dtypes(a, b, None, "lerp_kernel_scalar")
        _metas(ctx, a, b)
        ctx.w = w
        return _Lerp._compute(a, b, w)

    @staticmethod
    def backward(ctx, g):
        w = ctx.w
        ga = _back(g * g.dtype.type(1 - w), ctx.a_meta) if ctx.needs_input_grad[0] else None
        gb = _back(g * g.dtype.type(w), ctx.b_meta) if ctx.needs_input_grad[1] else None
        return ga, gb, None

    @staticmethod
    def differentiable_backward(ctx, g):
        w = ctx.w
        if isinstance(w, complex) or g._data.dtype.kind != "f":
            return NotImplemented
        t = g._data.dtype.type
        ga = reduce_grad(g * t(1 - w), ctx.a_meta) if ctx.needs_input_grad[0] else None
        gb = reduce_grad(g * t(w), ctx.b_meta) if ctx.needs_input_grad[1] else None
        return ga, gb, None


class LerpTensor(_Lerp):
    """lerp with a tensor weight"""

    _backward_name = "LerpBackward1"

    @staticmethod
    def forward(ctx, a, b, w):
        _lerp_dtypes(a, b, w, "lerp_kernel_tensor")
        _metas(ctx, a, b)
        ctx.w_meta = (w.shape, w.dtype)
        w = w.astype(a.dtype, copy=False)
        ctx.save_for_backward(a, b, w)
        return _Lerp._compute(a, b, w)

    @staticmethod
    def backward(ctx, g):
        a, b, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        with _quiet():
            ga = _back(g * (1 - w), ctx.a_meta) if need[0] else None
            gb = _back(g * w, ctx.b_meta) if need[1] else None
            gw = _back(g * (b - a), ctx.w_meta) if need[2] else None
        return ga, gb, gw

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b, w = ctx.saved_tensors
        if not _floats(a, b, w):
            return NotImplemented
        need = ctx.needs_input_grad
        at, bt = saved_input(ctx, 0, a), saved_input(ctx, 1, b)
        wt = saved_input(ctx, 2, w, ctx.w_meta[1])
        ga = reduce_grad(g * (1 - wt), ctx.a_meta) if need[0] else None
        gb = reduce_grad(g * wt, ctx.b_meta) if need[1] else None
        gw = reduce_grad(g * (bt - at), ctx.w_meta) if need[2] else None
        return ga, gb, gw


# --- wrappers -------------------------------------------------------------------

def _num(x):
    return x.item() if isinstance(x, np.generic) else x


def _tensors_op(fn_cls, name: str, other_name: str = "other", result_dtype=promoted_float):
    """A binary op whose two arguments must both be tensors."""
    def op(input: Tensor, other: Tensor, *, out=None) -> Tensor:
        require_tensors(name, input, other, other_name=other_name)
        if out is not None:
            refuse_grad_out(name, input, other)
            check_out_cast(out, input, other, result_dtype)
        if name in ("hypot", "nextafter"):
            _real_kernel(name, input, other)
        return _maybe_out(fn_cls.apply(input, other), out)
    op.__name__ = name
    op.__doc__ = fn_cls.__doc__
    return op


atan2 = _tensors_op(Atan2, "atan2")
arctan2 = _tensors_op(Atan2, "arctan2")
hypot = _tensors_op(Hypot, "hypot", result_dtype=promoted)  # (its integer kernels are missing, not promoted)
logaddexp = _tensors_op(Logaddexp, "logaddexp", result_dtype=promoted)
logaddexp2 = _tensors_op(Logaddexp2, "logaddexp2", result_dtype=promoted)
nextafter = _tensors_op(Nextafter, "nextafter", result_dtype=promoted)


def heaviside(input: Tensor, values: Tensor, *, out=None) -> Tensor:
    """0 where input < 0, values where input == 0, 1 where input > 0 (all of one dtype, out's too)."""
    require_tensors("heaviside", input, values, other_name="values")
    if input.dtype is not values.dtype or (out is not None and out.dtype is not input.dtype):
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return _maybe_out(Heaviside.apply(input, values), out)


class HeavisideInplace(Heaviside):
    _aten = "heaviside_"


def _heaviside_inplace_op(input: Tensor, values: Tensor) -> Tensor:
    return HeavisideInplace.apply(input, values)


def _heaviside_dtype(a: np.ndarray, b) -> np.dtype:
    # heaviside's own dtype check comes before the in-place shape and cast checks
    if type(b) is not np.ndarray or a.dtype != b.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return a.dtype


_heaviside_dtype.checks_first = True


def _real_kernel(name: str, input, other) -> None:
    """The kernels with no complex instance name the promoted complex dtype."""
    from ._no_complex import no_kernel
    a = input._data if isinstance(input, Tensor) else None
    b = other._data if isinstance(other, Tensor) else other
    if any(np.iscomplexobj(x) for x in (a, b) if x is not None):
        no_kernel(f"{name}_cpu", np.empty(0, result_np_dtype(*(x for x in (a, b) if x is not None))
                                          if a is not None and b is not None else np.complex64))


def xlogy(input, other, *, out=None) -> Tensor:
    """input * ln(other), 0 where input == 0 (either may be a number, not both)."""
    _real_kernel("xlogy", input, other)
    if out is not None:
        refuse_grad_out("xlogy", input, other)
    if not isinstance(input, Tensor):
        if not isinstance(other, Tensor):
            raise TypeError(f"xlogy() received an invalid combination of arguments - got ({type(input).__name__}, "
                            f"{type(other).__name__}), but expected one of:\n"
                            " * (Tensor input, Tensor other, *, Tensor out = None)\n"
                            " * (Number self, Tensor other, *, Tensor out = None)\n"
                            " * (Tensor input, Number other, *, Tensor out = None)\n")
        return _maybe_out(XlogyScalarSelf.apply(other, _num(input)), out)
    if isinstance(other, Tensor):
        return _maybe_out(Xlogy.apply(input, other), out)
    return _maybe_out(XlogyScalarOther.apply(input, _num(other)), out)


def copysign(input: Tensor, other, *, out=None) -> Tensor:
    """|input| with the sign of other (a tensor or a number)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"copysign(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    _real_kernel("copysign", input, other)
    if out is not None:
        refuse_grad_out("copysign", input, other)
    if isinstance(other, Tensor):
        return _maybe_out(Copysign.apply(input, other), out)
    return _maybe_out(CopysignScalar.apply(input, _num(other)), out)


def _double_of(x) -> np.dtype:
    return np.dtype(np.complex128) if (isinstance(x, Tensor) and x.is_complex()) or isinstance(x, complex) \
        else np.dtype(np.float64)


def float_power(input, exponent, *, out=None) -> Tensor:
    """input ** exponent computed in double precision (float64, or complex128 if either side is complex)."""
    from .._dtype import _FROM_NUMPY
    from .arithmetic import pow
    dt = np.dtype(np.complex128) if np.dtype(np.complex128) in (_double_of(input), _double_of(exponent)) \
        else np.dtype(np.float64)
    if out is not None and out._data.dtype != dt:
        raise RuntimeError(f"the output given to float_power has dtype {_dtype_name(out._data.dtype)} but the "
                           f"operation's result requires dtype {_dtype_name(dt)}")
    def cast(x):
        return x.to(_FROM_NUMPY[dt]) if isinstance(x, Tensor) else (complex(x) if dt.kind == "c" else x)
    return _maybe_out(pow(cast(input), cast(exponent)), out)


def _float_power_(self: Tensor, exponent) -> Tensor:
    """In place: self must already be of the double type the result needs."""
    dt = np.dtype(np.complex128) if np.dtype(np.complex128) in (_double_of(self), _double_of(exponent)) \
        else np.dtype(np.float64)
    if self._data.dtype != dt:
        raise RuntimeError(f"the base given to float_power_ has dtype {_dtype_name(self._data.dtype)} but the "
                           f"operation's result requires dtype {_dtype_name(dt)}")
    from ._inplace import inplace
    return inplace(self, float_power, exponent)


def lerp(input: Tensor, end: Tensor, weight, *, out=None) -> Tensor:
    """input + weight * (end - input), weight a number or a tensor."""
    if not isinstance(input, Tensor) or not isinstance(end, Tensor):
        bad, pos, arg = (input, 1, "input") if not isinstance(input, Tensor) else (end, 2, "end")
        raise TypeError(f"lerp(): argument '{arg}' (position {pos}) must be Tensor, not {type(bad).__name__}")
    if out is not None:
        refuse_grad_out("lerp", input, end, weight)
    if isinstance(weight, Tensor):
        return _maybe_out(LerpTensor.apply(input, end, weight), out)
    if isinstance(weight, complex) and not input.is_complex():
        raise RuntimeError(f"value cannot be converted to type {_c_name(input)} without overflow")
    if input._data.dtype.kind == "f":
        from .arithmetic import _check_fits
        # the weight converts to the compute type (float for float16/float32), with torch's overflow check
        _check_fits(_num(weight), np.dtype(np.float64 if input._data.dtype == np.float64 else np.float32))
    return _maybe_out(Lerp.apply(input, end, _num(weight)), out)


def _c_name(t: Tensor) -> str:
    from .._tensor import _C_NAMES
    return _C_NAMES[t._data.dtype.name]


# Tensor methods (attached in ember/__init__.py), with the in-place twins torch has
METHODS = {
    "atan2": method(atan2, "atan2"), "arctan2": method(arctan2, "arctan2"), "hypot": method(hypot, "hypot"),
    "logaddexp": method(logaddexp, "logaddexp"), "logaddexp2": method(logaddexp2, "logaddexp2"),
    "nextafter": method(nextafter, "nextafter"), "heaviside": method(heaviside, "heaviside", "values"),
    "xlogy": xlogy, "copysign": copysign, "float_power": float_power, "lerp": lerp,
    "atan2_": inplace_method(atan2, "atan2", result_dtype=promoted_float),
    "arctan2_": inplace_method(arctan2, "arctan2", result_dtype=promoted_float),
    "hypot_": inplace_method(hypot, "hypot", result_dtype=promoted),
    "nextafter_": inplace_method(nextafter, "nextafter", result_dtype=promoted),
    "heaviside_": inplace_method(_heaviside_inplace_op, "heaviside", other_name="values",
                                 result_dtype=_heaviside_dtype),
    "xlogy_": inplace_method(xlogy, "xlogy", tensors_only=False, result_dtype=promoted_float),
    "copysign_": inplace_method(copysign, "copysign", tensors_only=False, result_dtype=promoted_float),
    "lerp_": inplace_method(lerp, "lerp", tensors_only=False),
    "float_power_": _float_power_,
}
