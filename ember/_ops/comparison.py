"""Comparisons, logic and tests (bool results, no gradient) and ``where``."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._no_complex import no_kernel
from ._args import check_out_cast, inplace_method, method, promoted, require_tensors, strict_out
from ._broadcast import broadcast_error, promote_arrays, promote_scalar, result_np_dtype, sum_to_shape
from ._select import keep as _keep, select as _select
from ..autograd.graph_engine import constant_mask, reduce_grad

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_not", "logical_xor",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite", "isposinf",
           "isneginf", "all", "any", "allclose", "isclose", "equal", "where"]


def _operands(input, other):
    a = input._data
    if isinstance(other, Tensor):
        b = other._data
        return promote_arrays(a, b)
    if isinstance(other, np.generic):
        other = other.item()
    if isinstance(other, (list, tuple)):
        b = np.asarray(other)
        return promote_arrays(a, b)
    return promote_scalar(a, other)


_ORDER_KERNELS = {np.less: "lt_cpu", np.less_equal: "le_cpu", np.greater: "gt_cpu", np.greater_equal: "ge_cpu"}


def _compare(ufunc):
    kernel = _ORDER_KERNELS.get(ufunc)

    def op(input, other, *, out=None) -> Tensor:
        if not isinstance(input, Tensor):
            from .._creation import tensor
            input = tensor(input)
        input, other = _no_complex32(input, other)
        a, b = _operands(input, other)
        try:
            res = ufunc(a, b)
        except ValueError:
            raise broadcast_error(np.shape(a), np.shape(b)) from None
        if kernel:
            no_kernel(kernel, a)  # complex numbers have no order
        return _maybe_out(Tensor._make(np.asarray(res)), out)
    op.__name__ = ufunc.__name__
    return op


def _no_complex32(input: Tensor, other):
    """half meets complex in torch's complex32, which NumPy lacks; a comparison gives the same bools in
    complex64, so widen the half operand first."""
    o_c = isinstance(other, complex) or (isinstance(other, Tensor) and other._data.dtype.kind == "c")
    if input._data.dtype == np.float16 and o_c:
        return Tensor._make(input._data.astype(np.float32)), other
    if isinstance(other, Tensor) and other._data.dtype == np.float16 and input._data.dtype.kind == "c":
        return input, Tensor._make(other._data.astype(np.float32))
    return input, other


def _maybe_out(result: Tensor, out) -> Tensor:
    if out is None:
        return result
    from ._args import write_out
    return write_out(out, result)


eq, ne = _compare(np.equal), _compare(np.not_equal)
lt, le, gt, ge = _compare(np.less), _compare(np.less_equal), _compare(np.greater), _compare(np.greater_equal)


class _ZeroGradCompare(Function):
    """``x.eq_(y)`` & co. on a tensor that records grad: x becomes the comparison (in x's dtype); its gradient
    is zero everywhere (for x, and for y when y is a tensor), but torch still records a node for it."""

    @staticmethod
    def forward(ctx, a, b, ufunc):
        ctx.meta = (a.shape, a.dtype, np.shape(b), getattr(b, "dtype", None))
        pa, pb = promote_arrays(a, b) if isinstance(b, np.ndarray) else promote_scalar(a, b)
        try:
            res = np.asarray(ufunc(pa, pb)).astype(a.dtype)
        except ValueError:
            raise broadcast_error(np.shape(pa), np.shape(pb)) from None
        if ufunc in _ORDER_KERNELS:
            no_kernel(_ORDER_KERNELS[ufunc], pa)
        return res

    @staticmethod
    def backward(ctx, g):
        a_shape, a_dtype, b_shape, b_dtype = ctx.meta
        gb = np.zeros(b_shape, b_dtype) if b_dtype is not None and ctx.needs_input_grad[1] else None
        return np.zeros(a_shape, a_dtype), gb, None


def _compare_inplace(ufunc, name: str):
    """The op ``Tensor.<name>_`` runs: with autograd recording, a ``<Name>Backward1`` node (tensor other) or
    ``<Name>Backward0`` (scalar other), as torch's two overloads; else the plain comparison."""
    plain = _compare(ufunc)
    by_tensor = type(f"{name}Tensor", (_ZeroGradCompare,), {"_backward_name": f"{name}Backward1"})
    by_scalar = type(f"{name}Scalar", (_ZeroGradCompare,), {"_backward_name": f"{name}Backward0"})

    def op(input, other) -> Tensor:
        if input._requires_grad or (isinstance(other, Tensor) and other._requires_grad):
            if isinstance(other, Tensor):
                return by_tensor.apply(input, other, ufunc)
            return by_scalar.apply(input, other.item() if isinstance(other, np.generic) else other, ufunc)
        return plain(input, other)
    op.__name__ = ufunc.__name__ + "_"
    return op


eq_, ne_ = _compare_inplace(np.equal, "Eq"), _compare_inplace(np.not_equal, "Ne")
lt_, le_ = _compare_inplace(np.less, "Lt"), _compare_inplace(np.less_equal, "Le")
gt_, ge_ = _compare_inplace(np.greater, "Gt"), _compare_inplace(np.greater_equal, "Ge")
not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge


def _logical(ufunc, name: str):
    """logical_and/or/xor: both operands must be tensors (torch takes no Python number here); bool result."""
    def op(input: Tensor, other: Tensor, *, out=None) -> Tensor:
        require_tensors(name, input, other)
        # in the promoted dtype, as torch: uint8 and a 0-dim int64 256 compare as uint8, where 256 wraps to 0
        a, b = promote_arrays(input._data, other._data)
        try:
            res = ufunc(a, b)
        except ValueError:
            raise broadcast_error(a.shape, b.shape) from None
        return _maybe_out(Tensor._make(np.asarray(res)), out)
    op.__name__ = name
    return op


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


def _not_integral(kernel: str, dtype: np.dtype) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for \'{_dtype_name(dtype)}\'')


def _bitwise(ufunc, name):
    def op(input, other, *, out=None) -> Tensor:
        a, b = _operands(input, other)  # promoted: the error names the promoted dtype, as torch's does
        if out is not None and isinstance(input, Tensor):
            check_out_cast(out, input, other, promoted)
        if a.dtype.kind in "fc":
            try:
                np.broadcast_shapes(a.shape, np.shape(b))  # torch reports a shape clash before the dtype
            except ValueError:
                raise broadcast_error(a.shape, np.shape(b)) from None
            raise _not_integral(f"{name}_cpu", a.dtype)
        try:
            return _maybe_out(Tensor._make(np.asarray(ufunc(a, b))), out)
        except ValueError:
            raise broadcast_error(np.shape(a), np.shape(b)) from None
    op.__name__ = name
    return op


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input: Tensor, *, out=None) -> Tensor:
    if out is not None:
        strict_out(input, out, check_only=True)
    if input._data.dtype.kind in "fc":
        raise _not_integral("bitwise_not_cpu", input._data.dtype)
    return strict_out(Tensor._make(np.invert(input._data)), out)


def logical_not(input: Tensor, *, out=None) -> Tensor:
    return _maybe_out(Tensor._make(np.logical_not(input._data)), out)


def isnan(input: Tensor) -> Tensor:
    return Tensor._make(np.isnan(input._data) if input._data.dtype.kind in "fc" else np.zeros(input._data.shape, bool))


def isinf(input: Tensor) -> Tensor:
    return Tensor._make(np.isinf(input._data) if input._data.dtype.kind in "fc" else np.zeros(input._data.shape, bool))


def isposinf(input: Tensor) -> Tensor:
    return Tensor._make(np.isposinf(input._data) if input._data.dtype.kind == "f" else np.zeros(input._data.shape, bool))


def isneginf(input: Tensor) -> Tensor:
    return Tensor._make(np.isneginf(input._data) if input._data.dtype.kind == "f" else np.zeros(input._data.shape, bool))


def isfinite(input: Tensor) -> Tensor:
    return Tensor._make(np.isfinite(input._data) if input._data.dtype.kind in "fc" else np.ones(input._data.shape, bool))


def _reduce_bool(ufunc, input: Tensor, dim, keepdim: bool) -> Tensor:
    a = input._data
    if dim is None and keepdim:
        dim = tuple(range(a.ndim))  # a full reduction that keeps every dim as 1
    if isinstance(dim, (list, tuple)) and not dim:
        res = a != 0  # all/any over no dims reduce nothing (unlike sum's "all dims")
        return Tensor._make(res.astype(np.uint8) if a.dtype == np.uint8 else res)
    if dim is None or a.ndim == 0:
        if dim is not None:
            from .reduction import _dims
            _dims(dim, 0)  # range and repeated-dim errors
        res = ufunc(a)
    else:
        from .reduction import _dims
        axes = _dims(dim, a.ndim)
        res = ufunc(a, axis=axes, keepdims=keepdim)
    res = np.asarray(res)
    # torch keeps uint8 for uint8 input and returns bool otherwise
    return Tensor._make(res.astype(np.uint8) if a.dtype == np.uint8 else res)


def _bool_out(name: str, out) -> None:
    if out is not None and out._data.dtype.kind != "b":
        raise RuntimeError(f"{name} only supports bool tensor for result, got: {_dtype_name(out._data.dtype)}")


def all(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:
    """True where every element (along ``dim``) is nonzero."""
    _bool_out("all", out)
    return _maybe_out(_reduce_bool(np.all, input, dim, keepdim), out)


def any(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:
    """True where some element (along ``dim``) is nonzero."""
    _bool_out("any", out)
    return _maybe_out(_reduce_bool(np.any, input, dim, keepdim), out)


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other|, elementwise."""
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{_dtype_name(input._data.dtype)} did not match {_dtype_name(other._data.dtype)}")
    a, b = input._data, other._data
    try:
        close = np.asarray(a == b)
    except ValueError:
        raise broadcast_error(a.shape, b.shape) from None
    kind = a.dtype.kind
    if equal_nan and kind in "fc":
        close = close | (np.isnan(a) & np.isnan(b))
    if rtol == 0 and atol == 0:
        return Tensor._make(close)
    # torch's error terms, computed in the input's float type (bools and integers in the default float type)
    if kind not in "fc":
        a, b = (x.astype(D.get_default_dtype().np_dtype) for x in (a, b))
    t = a.dtype
    with np.errstate(all="ignore"):
        if t.kind == "c":
            allowed = atol + np.abs(rtol * b)
        else:
            allowed = np.abs(np.asarray(rtol * b, t)).astype(t) + t.type(atol)
        actual = np.abs(np.subtract(a, b, dtype=t))
        close = close | (np.isfinite(actual) & (actual <= allowed))
    return Tensor._make(np.asarray(close))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both have the same shape and elements."""
    a, b = input._data, other._data
    if a.shape != b.shape:
        return False
    a, b = promote_arrays(a, b)
    return bool(np.array_equal(a, b))


class Where(Function):
    """out = a where cond else b;  da = g where cond,  db = g where not cond"""

    _edge_rules = ((1, 2), (0,))  # torch's WhereBackward0 lists self and other (scalars too), not the condition

    @staticmethod
    def forward(ctx, cond, a, b):
        if cond.dtype != np.bool_:
            if cond.dtype == np.uint8:
                import warnings
                from .reduction import _user_stacklevel
                warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be removed "
                              "in a future version of PyTorch. Use a boolean condition instead.", UserWarning,
                              stacklevel=_user_stacklevel())
                cond = cond.astype(bool)
            else:
                raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                                   f"{_dtype_name(cond.dtype)}")
        ctx.a_meta = (np.shape(a), getattr(a, "dtype", None))
        ctx.b_meta = (np.shape(b), getattr(b, "dtype", None))
        if type(a) is np.ndarray and type(b) is np.ndarray:
            a, b = promote_arrays(a, b)
        elif type(a) is np.ndarray:
            _check_fits(b, result_np_dtype(a, b))
            a, b = promote_scalar(a, b)
        elif type(b) is np.ndarray:
            _check_fits(a, result_np_dtype(b, a))
            b, a = promote_scalar(b, a)
        else:
            from .. import _dtype as D
            d = D.result_type(a, b).np_dtype
            a, b = np.asarray(a, d), np.asarray(b, d)
        ctx.save_for_backward(cond)
        try:
            return _select(cond, a, b)
        except ValueError:
            raise broadcast_error(cond.shape, np.shape(a), np.shape(b)) from None

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[1]:
            ga = sum_to_shape(_keep(cond, g), ctx.a_meta[0]).astype(ctx.a_meta[1], copy=False)
        if ctx.needs_input_grad[2]:
            gb = sum_to_shape(_keep(~cond, g), ctx.b_meta[0]).astype(ctx.b_meta[1], copy=False)
        return None, ga, gb

    @staticmethod
    def differentiable_backward(ctx, g):
        (cond,) = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[1]:
            ga = reduce_grad(constant_mask(g, np.broadcast_to(cond, g.shape)), ctx.a_meta)
        if ctx.needs_input_grad[2]:
            gb = reduce_grad(constant_mask(g, np.broadcast_to(~cond, g.shape)), ctx.b_meta)
        return None, ga, gb


def _check_fits(value, dtype) -> None:
    """A number operand converts to the result type with torch's overflow check (float16 excepted: it
    overflows to inf there)."""
    if dtype != np.float16:
        from .arithmetic import _check_fits as check
        check(value, dtype)


def _dtype_name(np_dtype) -> str:
    from .._tensor import _SCALAR_NAMES
    from .. import _dtype as D
    return _SCALAR_NAMES[D._FROM_NUMPY[np_dtype].name]


def where(condition: Tensor, input=None, other=None, *, out=None):
    """Pick from ``input`` where ``condition`` holds, else from ``other``; with one argument, ``nonzero(as_tuple=True)``."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    a = input.item() if isinstance(input, np.generic) else input
    b = other.item() if isinstance(other, np.generic) else other
    res = Where.apply(condition, a, b)
    if out is not None and out._data.dtype != res._data.dtype:
        raise RuntimeError(f"Expected out type to be {_dtype_name(res._data.dtype)} but got "
                           f"{_dtype_name(out._data.dtype)}")
    return _maybe_out(res, out)


# Tensor methods this module adds (attached in ember/__init__.py): the method forms number 'other' as
# position 1, and the in-place twins torch has
METHODS = {name: method(fn, name) for name, fn in
           (("logical_and", logical_and), ("logical_or", logical_or), ("logical_xor", logical_xor))}
METHODS.update({name + "_": inplace_method(fn, name) for name, fn in
                (("logical_and", logical_and), ("logical_or", logical_or), ("logical_xor", logical_xor))})
METHODS.update({name + "_": inplace_method(fn, name, tensors_only=False, result_dtype=promoted) for name, fn in
                (("bitwise_and", bitwise_and), ("bitwise_or", bitwise_or), ("bitwise_xor", bitwise_xor))})
METHODS["bitwise_not_"] = inplace_method(bitwise_not, "bitwise_not", tensors_only=False)
