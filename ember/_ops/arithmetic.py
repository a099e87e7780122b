"""Arithmetic: add, sub, mul, div, pow, neg, remainder, floor_divide.

Binary forwards first cast their operands to torch's result dtype (``_broadcast``);
backwards undo the broadcast with ``sum_to_shape`` and cast each grad back to its
input's dtype.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._args import refuse_grad_out
from ._broadcast import broadcast_error, promote_arrays, promote_scalar, result_np_dtype, sum_to_shape

__all__ = ["add", "sub", "rsub", "mul", "div", "true_divide", "neg", "pow", "remainder", "floor_divide",
           "fmod", "reciprocal", "square"]


def _prep(ctx, a: np.ndarray, b):
    """Promote the operands and remember what backward needs to undo."""
    ctx.a_meta = (a.shape, a.dtype)
    if type(b) is np.ndarray:
        ctx.b_meta = (b.shape, b.dtype)
        if a.dtype is b.dtype:
            return a, b
        return promote_arrays(a, b)
    return promote_scalar(a, b)


def _back(g: np.ndarray, meta) -> np.ndarray:
    shape, dtype = meta
    if g.dtype is dtype and g.shape == shape:
        return g  # nothing was broadcast or promoted
    with _quiet():
        g = sum_to_shape(g, shape)
        return g if g.dtype is dtype else g.astype(dtype)


from ._broadcast import quiet as _quiet  # noqa: E402
from ..autograd.graph_engine import constant, reduce_grad, saved_input, saved_output


def _broadcasting(fn, a, b):
    try:
        with _quiet():
            return fn(a, b)
    except ValueError:
        if type(b) is np.ndarray and type(a) is np.ndarray:
            raise broadcast_error(a.shape, b.shape) from None
        raise


class Add(Function):
    """out = a + alpha * b"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    _scalar_edge = True  # torch wraps a number operand into a tensor: its slot shows as (None, 0)
    _edge_rules = ((1,), ())  # the same slot when alpha= sends the call through the general path

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        if alpha == 1 and type(b) is np.ndarray and a.dtype is b.dtype:
            # tensor + tensor of one dtype (the hot case): _prep and _broadcasting inlined
            ctx.a_meta = (a.shape, a.dtype)
            ctx.b_meta = (b.shape, b.dtype)
            try:
                return np.add(a, b)
            except ValueError:
                raise broadcast_error(a.shape, b.shape) from None
        a, b = _prep(ctx, a, b)
        if alpha != 1:
            b = _scaled(b, alpha, a.dtype)
        return _broadcasting(np.add, a, b)

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = _back(g, ctx.a_meta) if need_a else None
        gb = None
        if need_b:
            gb = _back(g if ctx.alpha == 1 else g * ctx.alpha, ctx.b_meta)
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = reduce_grad(g, ctx.a_meta) if need_a else None
        gb = reduce_grad(g if ctx.alpha == 1 else g * ctx.alpha, ctx.b_meta) if need_b else None
        return ga, gb


_BOOL_SUB = ("Subtraction, the `-` operator, with two bool tensors is not supported. "
             "Use the `^` or `logical_xor()` operator instead.")
_BOOL_SUB1 = ("Subtraction, the `-` operator, with a bool tensor is not supported. "
              "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def _check_sub(a: np.ndarray, b) -> None:
    """torch's sub_check, on the unpromoted operands (a Python bool counts as a bool tensor)."""
    a_bool = a.dtype.kind == "b"
    b_bool = b.dtype.kind == "b" if type(b) is np.ndarray else type(b) is bool
    if a_bool and b_bool:
        raise RuntimeError(_BOOL_SUB)
    if a_bool or b_bool:
        raise RuntimeError(_BOOL_SUB1)


def _scaled(b, alpha, dtype: np.dtype):
    """alpha * b in the result dtype (torch computes a + alpha * b without leaving it)."""
    if dtype.kind in "iub" and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if type(alpha) is int:
        _check_fits(alpha, dtype)
    if type(b) is not np.ndarray:
        return b * alpha
    out = np.asarray(b * alpha)
    return out.astype(dtype) if out.dtype != dtype else out


class Sub(Function):
    """out = a - alpha * b"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    _scalar_edge = True  # torch wraps a number operand into a tensor: its slot shows as (None, 0)
    _edge_rules = ((1,), ())  # the same slot when alpha= sends the call through the general path

    alpha = 1

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        _check_sub(a, b)
        a, b = _prep(ctx, a, b)
        ctx.alpha = alpha
        if alpha != 1:
            b = _scaled(b, alpha, a.dtype)
        return _broadcasting(np.subtract, a, b)

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = _back(g, ctx.a_meta) if need_a else None
        gb = _back(-g if ctx.alpha == 1 else g * -ctx.alpha, ctx.b_meta) if need_b else None
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = reduce_grad(g, ctx.a_meta) if need_a else None
        gb = reduce_grad(-g if ctx.alpha == 1 else g * -ctx.alpha, ctx.b_meta) if need_b else None
        return ga, gb


class Rsub(Function):
    """out = other - alpha * a, for a Python number ``other`` (``2 - x``)."""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    _backward_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, other, alpha=1):
        _check_sub(a, other)
        a, other = _prep(ctx, a, other)
        ctx.alpha = alpha
        return np.subtract(other, _scaled(a, alpha, a.dtype) if alpha != 1 else a)

    @staticmethod
    def backward(ctx, g):
        return _back(-g if ctx.alpha == 1 else g * -ctx.alpha, ctx.a_meta), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return reduce_grad(-g if ctx.alpha == 1 else g * -ctx.alpha, ctx.a_meta), None


class RsubTensor(Function):
    """out = other - alpha * a for two tensors (``torch.rsub(a, other)``);  da = -alpha g,  dother = g"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    _backward_name = "RsubBackward0"

    @staticmethod
    def forward(ctx, a, other, alpha=1):
        _check_sub(other, a)
        a, other = _prep(ctx, a, other)
        ctx.alpha = alpha
        return _broadcasting(np.subtract, other, _scaled(a, alpha, a.dtype) if alpha != 1 else a)

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = _back(-g if ctx.alpha == 1 else g * -ctx.alpha, ctx.a_meta) if need_a else None
        gb = _back(g, ctx.b_meta) if need_b else None
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = reduce_grad(-g if ctx.alpha == 1 else g * -ctx.alpha, ctx.a_meta) if need_a else None
        gb = reduce_grad(g, ctx.b_meta) if need_b else None
        return ga, gb


_F16 = np.dtype(np.float16)


def _beyond_f16(x) -> bool:
    """A number, or a 0-dim operand of another dtype, that float16 cannot hold (torch computes float16 in float32,
    so it still takes part with its value)."""
    if type(x) is np.ndarray:
        if x.ndim or x.dtype is _F16 or x.dtype.kind not in "iuf":
            return False
        x = x.item()
    elif type(x) not in (int, float):
        return False
    return abs(x) > 65504.0 and x - x == 0


class Mul(Function):
    """out = a * b;  da = g * b,  db = g * a"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    _scalar_edge = True  # torch wraps a number operand into a tensor: its slot shows as (None, 0)

    @staticmethod
    def forward(ctx, a, b):
        b0 = b
        a, b = _prep(ctx, a, b)
        if a.dtype is _F16 and _beyond_f16(b0):
            # torch multiplies float16 in float32 by a second operand that is a number or 0-dim (its "cpu scalar"):
            # 0 * 2**31 is 0, not 0 * inf (a 0-dim first operand is cast to float16 like any other)
            a, b = a.astype(np.float32), np.asarray(b0).astype(np.float32)
            ctx._f16 = True
        needs = ctx.needs_input_grad
        if needs[0] or needs[1]:
            # as torch: each input is saved only for its partner's grad, so changing in place an input whose
            # partner needs no grad is no error
            ctx._saved = (a if needs[1] else None, b if needs[0] else None)
        try:
            out = np.multiply(a, b)
        except ValueError:
            raise broadcast_error(np.shape(a), np.shape(b)) from None
        return out.astype(np.float16) if getattr(ctx, "_f16", False) else out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        with _quiet():
            ga = _back(g * b, ctx.a_meta) if need_a else None
            gb = _back(g * a, ctx.b_meta) if need_b else None
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        b_dtype = getattr(ctx, "b_meta", (0, None))[1]  # (a number operand has no meta)
        ga = reduce_grad(g * saved_input(ctx, 1, b, b_dtype), ctx.a_meta) if need_a else None
        gb = reduce_grad(g * saved_input(ctx, 0, a, ctx.a_meta[1]), ctx.b_meta) if need_b else None
        return ga, gb


def _float_operands(a, b):
    """The operands of true division, in torch's result dtype: integer inputs give the default float dtype.

    Each operand goes to float from its own dtype, never through the promoted integer type: uint8 / int16(-2)
    divides by -2.0, not by the wrapped 254.
    """
    if type(b) is np.ndarray:
        r = a.dtype if a.dtype is b.dtype else result_np_dtype(a, b)
        if r.kind in "biu":
            r = D.get_default_dtype().np_dtype
        return (a if a.dtype is r else a.astype(r)), (b if b.dtype is r else b.astype(r))
    if a.dtype.kind in "biu" and type(b) in (int, bool):
        return a.astype(D.get_default_dtype().np_dtype), b
    a, b = promote_scalar(a, b)
    if a.dtype.kind in "biu":
        a = a.astype(D.get_default_dtype().np_dtype)
    return a, b


class Div(Function):
    """out = a / b;  da = g / b,  db = -g * a / b**2"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    _scalar_edge = True  # torch wraps a number operand into a tensor: its slot shows as (None, 0)

    @staticmethod
    def forward(ctx, a, b):
        ctx.a_meta = (a.shape, a.dtype)
        if type(b) is np.ndarray:
            ctx.b_meta = (b.shape, b.dtype)
        b0 = b
        a, b = _float_operands(a, b)
        if a.dtype is _F16 and _beyond_f16(b0):
            # torch divides float16 by a number or 0-dim divisor in float32: x / 70000 is small, not x / inf = 0
            with _quiet():
                out = _broadcasting(np.true_divide, a.astype(np.float32), np.asarray(b0).astype(np.float32))
            ctx._saved = (a, b)
            return out.astype(_F16)
        if ctx.needs_input_grad[0] or (len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1]):
            ctx._saved = (a, b)  # save_for_backward, without the call
        if (type(b) is float or type(b) is int) and b != 0 and b - b == 0:
            # a finite non-zero Python divisor sets neither the divide nor the invalid flag: no np.errstate,
            # which costs more than a small division
            return np.true_divide(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _broadcasting(np.true_divide, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        with _quiet():
            ga = _back(g / b, ctx.a_meta) if need_a else None
            gb = _back(-g * ((a / b) / b), ctx.b_meta) if need_b else None  # torch's div_tensor_other_backward
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        bt = saved_input(ctx, 1, b, getattr(ctx, "b_meta", (0, None))[1])
        ga = reduce_grad(g / bt, ctx.a_meta) if need_a else None
        gb = reduce_grad(-g * ((saved_input(ctx, 0, a, ctx.a_meta[1]) / bt) / bt), ctx.b_meta) if need_b else None
        return ga, gb


def _div_floor_float(a, b):
    """floor(a / b) as torch's ``div_floor_floating`` computes it: from fmod, so that it equals Python's ``a // b``.

    (``np.floor(a / b)`` differs at the edges: -2.5 // inf is -1, not -0; -inf // 2 is nan, not -inf.)
    """
    with _quiet():
        mod = np.fmod(a, b)
        div = (a - mod) / b
        div = np.where((mod != 0) & ((np.asarray(b) < 0) != (mod < 0)), div - 1, div)
        fl = np.floor(div)
        fl = np.where(div - fl > 0.5, fl + 1, fl)  # (a - mod) / b can land just below an integer
        fl = np.where(div == 0, np.copysign(np.zeros_like(div), a / b), fl)
        return np.where(np.asarray(b) == 0, a / b, fl).astype(div.dtype, copy=False)


def _div_trunc_int(a, b):
    # C division: floor division, moved one toward zero when the signs differ and it is inexact
    q = np.floor_divide(a, b)
    return q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0))).astype(q.dtype)


def _remainder_float(a, b):
    """torch's float remainder: fmod, moved by b when the signs of b and the fmod differ (sign of the divisor)."""
    with _quiet():
        mod = np.fmod(a, b)
        return np.where((mod != 0) & ((np.asarray(b) < 0) != (mod < 0)), mod + b, mod).astype(mod.dtype, copy=False)


def _check_int_divisor(a, b):
    # torch's integer kernels raise on a zero divisor they meet: none when the result is empty
    if a.dtype.kind in "iub" and np.any(np.asarray(b) == 0):
        try:
            empty = 0 in np.broadcast_shapes(a.shape, np.shape(b))
        except ValueError:
            return  # the op itself reports the shape clash
        if not empty:
            raise RuntimeError("ZeroDivisionError")


_CHECKED_NAMES = {"int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t", "uint8": "uint8_t",
                  "float16": "c10::Half", "float32": "float", "float64": "double"}


def _check_fits(value, dtype: np.dtype) -> None:
    """torch converts some scalars (pow's exponent, add's alpha, clamp's bounds, where's number) to the computing
    type with c10's overflow check: an integer type takes its range (an unsigned one also negatives down to -max,
    which wrap), a float type any value up to its largest finite one (inf and nan pass)."""
    if type(value) is bool or dtype.kind not in "iuf":
        return
    if dtype.kind in "iu" and type(value) is int:
        info = np.iinfo(dtype)
        lo = -int(info.max) if dtype.kind == "u" else int(info.min)
        ok = lo <= value <= int(info.max)
    elif dtype.kind == "f" and type(value) in (int, float):
        ok = not math.isfinite(value) or abs(value) <= float(np.finfo(dtype).max)
    else:
        return
    if not ok:
        raise RuntimeError(f"value cannot be converted to type {_CHECKED_NAMES[dtype.name]} without overflow")


def _no_bool(a: np.ndarray, kernel: str, b=None) -> None:
    # torch's integer division kernels have no bool instance (promoted bool / bool, or bool / True); a shape
    # clash is reported first
    if a.dtype.kind == "b":
        if type(b) is np.ndarray:
            _broadcasting(lambda x, y: np.broadcast_shapes(x.shape, y.shape), a, b)
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _no_complex(a: np.ndarray, kernel: str, b=None) -> None:
    # the modulo and floor kernels exist for real types only; a shape clash is reported first
    if a.dtype.kind == "c":
        if type(b) is np.ndarray:
            _broadcasting(lambda x, y: np.broadcast_shapes(x.shape, y.shape), a, b)
        from .._tensor import _SCALAR_NAMES
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_SCALAR_NAMES[a.dtype.name]}\'')


def _rounded_div(a, b, rounding_mode):
    """a / b rounded toward -inf ('floor') or toward zero ('trunc'), on operands of the same (promoted) dtype."""
    if a.dtype.kind in "iub":
        _no_bool(a, "div_floor_cpu" if rounding_mode == "floor" else "div_trunc_cpu", b)
        _check_int_divisor(a, b)
        q = _broadcasting(np.floor_divide, a, b) if rounding_mode == "floor" else _broadcasting(_div_trunc_int, a, b)
        return np.asarray(q).astype(a.dtype, copy=False)
    if rounding_mode == "floor":
        _no_complex(a, "div_floor_cpu", b)
        return _broadcasting(_div_floor_float, a, b)
    _no_complex(a, "div_trunc_cpu", b)
    with _quiet():
        return np.trunc(_broadcasting(np.true_divide, a, b))


class DivRounded(Function):
    """Division with rounding_mode 'trunc' or 'floor': piecewise constant, so zero gradient."""

    _backward_name = "DivBackward2"

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        a, b = _prep(ctx, a, b)
        return _rounded_div(a, b, rounding_mode)

    @staticmethod
    def backward(ctx, g):
        ga = np.zeros(ctx.a_meta[0], ctx.a_meta[1]) if ctx.needs_input_grad[0] else None
        gb = np.zeros(ctx.b_meta[0], ctx.b_meta[1]) if len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1] else None
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, g):
        return tuple(None if x is None else constant(x) for x in DivRounded.backward(ctx, g._data))


class _NoDerivative(Function):
    """An op torch has no derivative for: its output still requires grad, but backward raises."""

    _backward_name = "torch::autograd::NotImplemented"
    _aten = ""

    @classmethod
    def backward(cls, ctx, g):
        raise RuntimeError(f"derivative for aten::{cls._aten} is not implemented")


class FloorDivide(_NoDerivative):
    """``a // b``: floor division (torch defines no gradient for it)."""

    _backward_name = "torch::autograd::NotImplemented"
    _aten = "floor_divide"

    @staticmethod
    def forward(ctx, a, b):
        a, b = _prep(ctx, a, b)
        return _rounded_div(a, b, "floor")


class RemainderScalarBase(_NoDerivative):
    """``number % t`` (torch's remainder(Scalar, Tensor), which has no derivative)."""

    _backward_name = "torch::autograd::NotImplemented"
    _aten = "remainder"

    @staticmethod
    def forward(ctx, b, number):
        b, number = _prep(ctx, b, number)
        return _remainder(np.asarray(number, dtype=b.dtype), b)


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        return np.negative(a)

    @staticmethod
    def backward(ctx, g):
        return -g

    @staticmethod
    def differentiable_backward(ctx, g):
        return -g


class Reciprocal(Function):
    """out = 1 / a;  da = -g * out**2"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind in "biu":
            from .. import _dtype as D
            a = a.astype(D.get_default_dtype().np_dtype)
        with np.errstate(divide="ignore"):
            out = np.reciprocal(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        with _quiet():
            return -g * (out * out)

    @staticmethod
    def differentiable_backward(ctx, g):
        (out,) = ctx.saved_tensors
        o = saved_output(ctx, 0, out)
        return -g * (o * o)


class Pow(Function):
    """out = a ** e for a number e;  da = g * e * a**(e-1)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a, e):
        ctx.a_meta = (a.shape, a.dtype)
        if a.dtype.kind in "iub" and type(e) is int:
            if e < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            if a.dtype.kind != "b":
                _check_fits(e, a.dtype)
        elif a.dtype == np.float16:
            _check_fits(e, a.dtype)  # (torch converts the exponent to Half; float32's takes any double)
        a, e = promote_scalar(a, e)
        ctx.e = e
        ctx.save_for_backward(a)
        if a.dtype.kind == "b":
            return np.power(a.view(np.int8), int(e)).astype(bool)  # a bool tensor ** a bool stays bool
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if e == 2:
                return np.square(a)
            if e == 0.5:
                return np.sqrt(a)
            if a.dtype.kind == "f" and type(e) is not complex:
                # torch's pow_tensor_scalar_optimized special cases, then powf with the exponent in a's dtype
                # (computed in float64, rounded once: closer to torch's kernel than NumPy's float32 loop)
                # (float16 goes through float32, torch's opmath type for it)
                h = a.astype(np.float32) if a.dtype.itemsize == 2 else a
                if e == 3:
                    return (h * h * h).astype(a.dtype, copy=False)
                if e == -2:
                    return (1 / (h * h)).astype(a.dtype, copy=False)
                if a.dtype.itemsize < 8:
                    if e == -0.5:
                        return (1 / np.sqrt(h)).astype(a.dtype, copy=False)
                    return np.power(a.astype(np.float64), float(a.dtype.type(e))).astype(a.dtype)
            return np.power(a, e)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        e = ctx.e
        if e == 0:
            return np.zeros_like(g), None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if e == 2:
                ga = g * (a * 2)
            else:
                ga = g * (e * np.power(a, e - 1))
        return _back(ga, ctx.a_meta), None

    @staticmethod
    def differentiable_backward(ctx, g):
        (a,) = ctx.saved_tensors
        e = ctx.e
        if e == 0:
            return constant(np.zeros(g.shape, g._data.dtype)), None
        x = saved_input(ctx, 0, a, ctx.a_meta[1])
        ga = g * (x * 2) if e == 2 else g * (e * x.pow(e - 1))
        return reduce_grad(ga, ctx.a_meta), None


def _int_power(a, b):
    """Integer a ** b as torch's powi: a negative exponent gives 1 for a == 1, +-1 for a == -1, else 0."""
    neg = b < 0
    if not np.any(neg):
        return np.power(a, b)
    out = np.power(a, np.where(neg, 0, b))
    minus_one = np.where(np.abs(b) % 2 == 1, -1, 1).astype(out.dtype)
    return np.where(neg, np.where(a == 1, 1, np.where(a == -1, minus_one, 0)).astype(out.dtype), out)


class PowTensor(Function):
    """out = a ** b (both tensors);  da = g * b * a**(b-1),  db = g * out * log(a)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    _backward_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        ctx.bool_exponent = b.dtype.kind == "b"
        a, b = _prep(ctx, a, b)
        if a.dtype.kind == "b":
            raise NotImplementedError('"pow" not implemented for \'Bool\'')
        if a.dtype.kind in "iu":
            out = _broadcasting(_int_power, a, b)
        else:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                if a.dtype.kind == "f" and a.dtype.itemsize < 8:
                    out = _broadcasting(np.power, a.astype(np.float64), b.astype(np.float64)).astype(a.dtype)
                else:
                    out = _broadcasting(np.power, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if need_a:
                if ctx.bool_exponent:
                    raise RuntimeError(_BOOL_SUB1)  # torch's formula takes exponent - 1 of the raw exponent
                ga = _back(np.where(b == 0, 0, g * b * np.power(a, b - 1)).astype(out.dtype), ctx.a_meta)
            if need_b:
                gb = _back(np.where((a == 0) & (b >= 0), 0, g * out * np.log(a)).astype(out.dtype), ctx.b_meta)
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, g):
        from .. import where
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        x, y = saved_input(ctx, 0, a, ctx.a_meta[1]), saved_input(ctx, 1, b, ctx.b_meta[1])
        ga = gb = None
        if need_a:
            if ctx.bool_exponent:
                raise RuntimeError(_BOOL_SUB1)
            ga = reduce_grad(where(y == 0, 0.0, g * y * x.pow(y - 1)), ctx.a_meta)
        if need_b:
            gb = reduce_grad(where((x == 0) & (y >= 0), 0.0, g * saved_output(ctx, 0, out) * x.log()), ctx.b_meta)
        return ga, gb


class PowScalarBase(Function):
    """out = base ** b for a number base;  db = g * out * log(base)"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    _backward_name = "PowBackward2"

    @staticmethod
    def forward(ctx, b, base):
        b, base = promote_scalar(b, base)
        if b.dtype.kind == "b":
            raise NotImplementedError('"pow" not implemented for \'Bool\'')  # True ** bool tensor
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            base_arr = np.asarray(base).astype(b.dtype)  # an integer base wraps into the tensor's type, as torch
            out = _int_power(base_arr, b) if b.dtype.kind in "iu" else np.power(base_arr, b)
        ctx.base = base
        ctx.save_for_backward(out, b)
        return out

    @staticmethod
    def backward(ctx, g):
        out, b = ctx.saved_tensors
        base = ctx.base
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            d = out * np.log(np.asarray(base, dtype=out.dtype))
            if base == 0:
                # 0 ** b is flat (0 or 1) for b >= 0; for b < 0 torch keeps inf * log(0) = -inf
                d = np.where(b >= 0, out.dtype.type(0), d)
            return g * d, None

    @staticmethod
    def differentiable_backward(ctx, g):
        from .. import where
        out, b = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            log_base = np.log(np.asarray(ctx.base, dtype=out.dtype))
        d = saved_output(ctx, 0, out) * constant(log_base)
        if ctx.base == 0:
            d = where(saved_input(ctx, 0, b) >= 0, 0.0, d)
        return g * d, None


def _remainder(a, b):
    if a.dtype.kind in "iub":
        _no_bool(a, "remainder_cpu", b)
        _check_int_divisor(a, b)
        return _broadcasting(np.remainder, a, b)
    _no_complex(a, "remainder_cpu", b)
    return _broadcasting(_remainder_float, a, b)


class Remainder(Function):
    """Python-style modulo (sign of the divisor), tensor % number;  da = g"""

    @staticmethod
    def forward(ctx, a, b):
        a, b = _prep(ctx, a, b)
        return _remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        return _back(g, ctx.a_meta), None


class RemainderTensor(Function):
    """Python-style modulo of two tensors;  da = g,  db = -g * floor(a / b)"""

    _backward_name = "RemainderBackward1"

    @staticmethod
    def forward(ctx, a, b):
        a, b = _prep(ctx, a, b)
        ctx.save_for_backward(a, b)
        return _remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = _back(g, ctx.a_meta) if need_a else None
        gb = _back(-g * _div_floor_float(a, b), ctx.b_meta) if need_b else None
        return ga, gb


def _fmod(a, b):
    if a.dtype.kind in "iub":
        _no_bool(a, "fmod_cpu", b)
        _check_int_divisor(a, b)
    _no_complex(a, "fmod_cpu", b)
    with _quiet():
        return _broadcasting(np.fmod, a, b)


class Fmod(Function):
    """C-style remainder (sign of the dividend), tensor fmod number;  da = g"""

    @staticmethod
    def forward(ctx, a, b):
        a, b = _prep(ctx, a, b)
        return _fmod(a, b)

    @staticmethod
    def backward(ctx, g):
        return _back(g, ctx.a_meta), None


class FmodTensor(Function):
    """C-style remainder of two tensors;  da = g,  db = -g * trunc(a / b)"""

    _backward_name = "FmodBackward1"

    @staticmethod
    def forward(ctx, a, b):
        a, b = _prep(ctx, a, b)
        ctx.save_for_backward(a, b)
        return _fmod(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        ga = _back(g, ctx.a_meta) if need_a else None
        with _quiet():
            gb = _back(-g * np.trunc(a / b), ctx.b_meta) if need_b else None
        return ga, gb


# --- wrappers -------------------------------------------------------------------

def _num(x):
    # a NumPy scalar takes part as a Python number (a weak type), as in torch; torch reads a NumPy bool as a double
    if isinstance(x, np.bool_):
        return float(x)
    return x.item() if isinstance(x, np.generic) else x


_NUMBER = (int, float, bool, complex, np.generic)


def _check_other(name: str, other) -> None:
    if not isinstance(other, (Tensor, *_NUMBER)):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")


def _check_alpha(input, other, alpha) -> None:
    """torch's alpha checks (after a shape clash): a bool alpha only for bool results, a float one not for
    integral results."""
    if not isinstance(input, Tensor):
        return
    b = other._data if isinstance(other, Tensor) else _num(other)
    kind = result_np_dtype(input._data, b).kind
    bad = (type(alpha) is bool and kind != "b") or (isinstance(alpha, float) and kind in "iub")
    if bad:
        if type(b) is np.ndarray:
            _broadcasting(lambda x, y: np.broadcast_shapes(x.shape, y.shape), input._data, b)
        if type(alpha) is bool:
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def add(input, other, *, alpha=1, out=None) -> Tensor:
    """input + alpha * other"""
    _check_other("add", other)
    if out is not None:
        refuse_grad_out("add", input, other)
        _out_cast(out, input, other)
    if not isinstance(input, Tensor):
        input, other = other, input
    if type(alpha) is not int:
        _check_alpha(input, other, alpha)
    return _maybe_out(Add.apply(input, _num(other), alpha) if alpha != 1 else Add.apply(input, _num(other)), out)


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """input - alpha * other"""
    _check_other("sub", other)
    if out is not None:
        refuse_grad_out("sub", input, other)
        _out_cast(out, input, other)
    if type(alpha) is not int:
        if isinstance(input, Tensor):
            _check_sub(input._data, other._data if isinstance(other, Tensor) else _num(other))  # bool error first
        _check_alpha(input, other, alpha)
    if not isinstance(input, Tensor):
        return _maybe_out(rsub(other, input, alpha=alpha), out)
    return _maybe_out(Sub.apply(input, _num(other), alpha) if alpha != 1 else Sub.apply(input, _num(other)), out)


def rsub(input, other, *, alpha=1) -> Tensor:
    """other - alpha * input"""
    if isinstance(other, Tensor):
        return RsubTensor.apply(input, other, alpha) if alpha != 1 else RsubTensor.apply(input, other)
    return Rsub.apply(input, _num(other), alpha)


def mul(input, other, *, out=None) -> Tensor:
    _check_other("mul", other)
    if out is not None:
        refuse_grad_out("mul", input, other)
        _out_cast(out, input, other)
    if not isinstance(input, Tensor):
        input, other = other, input
    return _maybe_out(Mul.apply(input, _num(other)), out)


def div(input, other, *, rounding_mode: str | None = None, out=None) -> Tensor:
    """input / other (true division), or rounded with rounding_mode 'trunc'/'floor'."""
    _check_other("div", other)
    if out is not None:
        refuse_grad_out("div", input, other)
        _out_cast(out, input, other, float_result=rounding_mode is None)
    if not isinstance(input, Tensor):
        input = _wrapped(input, other)
    if rounding_mode is None:
        return _maybe_out(Div.apply(input, _num(other)), out)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
    return _maybe_out(DivRounded.apply(input, _num(other), rounding_mode), out)


true_divide = divide = div


subtract = sub
multiply = mul


def rdiv(input: Tensor, other) -> Tensor:
    """other / input for a Python number: torch computes reciprocal(input) * other."""
    return Mul.apply(Reciprocal.apply(input), _num(other))


def neg(input: Tensor, *, out=None) -> Tensor:
    from ._args import strict_out
    return strict_out(Neg.apply(input), out)


negative = neg


def reciprocal(input: Tensor, *, out=None) -> Tensor:
    return _maybe_out(Reciprocal.apply(input), out)


def pow(input, exponent, *, out=None) -> Tensor:
    """input ** exponent (either may be a number)."""
    if out is not None:
        refuse_grad_out("pow", input, exponent)
        _out_cast(out, input, exponent)
    if not isinstance(input, Tensor):
        return _maybe_out(PowScalarBase.apply(exponent, _num(input)), out)
    if isinstance(exponent, Tensor):
        return _maybe_out(PowTensor.apply(input, exponent), out)
    return _maybe_out(Pow.apply(input, _num(exponent)), out)


def square(input: Tensor, *, out=None) -> Tensor:
    return _maybe_out(Pow.apply(input, 2), out)


def remainder(input, other, *, out=None) -> Tensor:
    """Python's modulo: the result has the sign of ``other``."""
    if out is not None:
        refuse_grad_out("remainder", input, other)
        _out_cast(out, input, other)
    if not isinstance(input, Tensor):
        return _maybe_out(RemainderScalarBase.apply(other, _num(input)), out)
    if isinstance(other, Tensor):
        return _maybe_out(RemainderTensor.apply(input, other), out)
    return _maybe_out(Remainder.apply(input, _num(other)), out)


def fmod(input, other, *, out=None) -> Tensor:
    """C's fmod: the result has the sign of ``input``."""
    if out is not None:
        refuse_grad_out("fmod", input, other)
        _out_cast(out, input, other)
    if isinstance(other, Tensor):
        return _maybe_out(FmodTensor.apply(input, other), out)
    return _maybe_out(Fmod.apply(input, _num(other)), out)


def floor_divide(input, other, *, out=None) -> Tensor:
    """input // other (rounded toward -inf); torch gives it no derivative."""
    if out is not None:
        _out_cast(out, input, other)
    if not isinstance(input, Tensor):
        input = _wrapped(input, other)
    return _maybe_out(FloorDivide.apply(input, _num(other)), out)


def _wrapped(number, other) -> Tensor:
    """A Python number as the first operand: a 0-dim tensor of the dtype it takes next to ``other`` (torch's
    wrapped number; 1e39 // float64 tensor stays 1e39, not a float32 inf)."""
    from .._creation import tensor
    if isinstance(other, Tensor):
        return Tensor._make(np.asarray(_num(number)).astype(result_np_dtype(other._data, _num(number))))
    return tensor(number)


def _out_cast(out, input, other, float_result: bool = False) -> None:
    """out=: a shape clash, then the cast of the result type to out's dtype, before the kernel's own errors."""
    from ._args import check_out_cast, promoted, promoted_float
    if isinstance(input, Tensor):
        check_out_cast(out, input, other, promoted_float if float_result else promoted)
    elif isinstance(other, Tensor):
        check_out_cast(out, other, input, promoted_float if float_result else promoted)


def _maybe_out(result: Tensor, out: Tensor | None) -> Tensor:
    """Write into a user-supplied ``out=`` tensor (resized if it is the wrong shape)."""
    if out is None:
        return result
    from ._args import write_out
    return write_out(out, result)
