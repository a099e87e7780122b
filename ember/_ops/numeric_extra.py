"""Numeric helpers: ``frexp``, ``ldexp``, ``gcd``, ``lcm``, ``trapezoid``/``trapz``/``cumulative_trapezoid``,
``vander``, ``unravel_index``, ``combinations``. The integration and vander ops are composed as aten composes
them (Integration.cpp, TensorFactories.cpp), so their nodes and rounding follow torch's."""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np

from .. import _dtype as D
from .. import return_types
from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._broadcast import sum_to_shape
from ._inplace import inplace

__all__ = ["frexp", "ldexp", "gcd", "lcm", "trapezoid", "trapz", "cumulative_trapezoid", "vander", "unravel_index",
           "combinations", "gradient", "norm_except_dim", "frobenius_norm"]

if not hasattr(return_types, "frexp"):
    return_types.frexp = return_types._make("frexp", ("mantissa", "exponent"))

_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
           "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def frexp(input: Tensor) -> tuple[Tensor, Tensor]:
    """input = mantissa * 2**exponent with |mantissa| in [0.5, 1) (exponent int32; 0, inf and nan give 0)."""
    a = input._data
    if a.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = np.frexp(a)
    return return_types.frexp((Tensor._make(m), Tensor._make(e.astype(np.int32))))


class Ldexp(Function):
    """out = x 2^e;  dx = g 2^e,  de = g x 2^e ln 2"""

    @staticmethod
    def forward(ctx, x, e, dt):
        p = np.power(dt.type(2), e.astype(dt))
        ctx.save_for_backward(x, p)
        return x.astype(dt) * p

    @staticmethod
    def backward(ctx, g):
        x, p = ctx.saved_tensors
        gx = (g * p).astype(x.dtype, copy=False) if ctx.needs_input_grad[0] else None
        ge = g * x * p * math.log(2.0) if ctx.needs_input_grad[1] else None
        return gx, ge, None


class LdexpInt(Function):
    """out = x 2^e for integer e, exactly (std::ldexp);  dx = g 2^e"""

    _backward_name = "LdexpBackward0"

    @staticmethod
    def forward(ctx, x, e):
        ctx.e, ctx.shape = e, x.shape
        return np.ldexp(x, e.astype(np.int32).clip(-2000, 2000)).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        # (torch 2.13's grad for a negative exponent is 0, 2**e taken in integers; ember keeps 2**e)
        return sum_to_shape(np.ldexp(g, ctx.e.astype(np.int32).clip(-2000, 2000)).astype(g.dtype), ctx.shape), None


def ldexp(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """input * 2**other: exact for a float input and integer exponents (in input's dtype); otherwise a product
    in the operands' promoted type (the default float type when both are integers)."""
    e = other._data
    if input._data.dtype.kind == "f" and e.dtype.kind in "biu":
        if e.dtype.kind == "b":
            raise NotImplementedError('"ldexp_cpu_exp" not implemented for \'Bool\'')
        shape = np.broadcast_shapes(input._data.shape, e.shape)
        if shape != input._data.shape:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"[{', '.join(map(str, input.shape))}], which does not match the required output shape "
                          f"[{', '.join(map(str, shape))}]. This behavior is deprecated, and in a future PyTorch "
                          "release outputs will not be resized unless they have zero elements. You can explicitly "
                          "reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
                          UserWarning, stacklevel=2)
        from .linalg import _out
        return _out(LdexpInt.apply(input, other), out)
    dt = D.result_type(input, other).np_dtype
    if dt.kind != "f":
        dt = D.get_default_dtype().np_dtype
    from .linalg import _out
    return _out(Ldexp.apply(input, other, dt), out)


def _integer_binary(name: str, fn):
    def op(input: Tensor, other: Tensor, *, out=None) -> Tensor:
        other_t = other if isinstance(other, Tensor) else Tensor._make(np.asarray(other))
        dt = D.result_type(input, other_t).np_dtype
        if dt.kind not in "iub":
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_SCALAR.get(dt.name, dt.name)}\'')
        res = Tensor._make(np.asarray(fn(input._data.astype(dt), other_t._data.astype(dt))).astype(dt))
        from .linalg import _out
        return _out(res, out)
    op.__name__ = name
    return op


gcd = _integer_binary("gcd", np.gcd)
gcd.__doc__ = "Greatest common divisor, elementwise (non-negative; gcd(0, 0) = 0)."
lcm = _integer_binary("lcm", np.lcm)
lcm.__doc__ = "Least common multiple, elementwise (non-negative; 0 when either is 0)."


class MulScalar(Function):
    """out = a c for a C++-side double c (torch's mul.Scalar, node MulBackward1);  da = g c"""

    _backward_name = "MulBackward1"

    @staticmethod
    def forward(ctx, a, c):
        keep = a.dtype.kind in "fc" or (isinstance(c, int) and a.dtype.kind in "iu")
        dt = a.dtype if keep else D.get_default_dtype().np_dtype
        ctx.c = c
        return a.astype(dt, copy=False) * dt.type(c)

    @staticmethod
    def backward(ctx, g):
        return g * g.dtype.type(ctx.c), None


class DivScalar(Function):
    """out = a / c for a C++-side double c (torch's div.Scalar, node DivBackward1);  da = g / c"""

    _backward_name = "DivBackward1"

    @staticmethod
    def forward(ctx, a, c):
        dt = a.dtype if a.dtype.kind in "fc" else D.get_default_dtype().np_dtype
        ctx.c = c
        return a.astype(dt, copy=False) / dt.type(c)

    @staticmethod
    def backward(ctx, g):
        return g / g.dtype.type(ctx.c), None


def _x_steps(y: Tensor, x: Tensor, dim: int, name: str) -> Tensor:
    """x's differences along dim, viewed to broadcast against y's (aten's trapezoid with sample points)."""
    if x.dim() == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * y.dim()
        shape[dim] = x.shape[0]
        x = x.view(shape)
    elif x.dim() < y.dim():
        x = x.view((1,) * (y.dim() - x.dim()) + tuple(x.shape))
    n = x.shape[dim]
    return x.narrow(dim, 1, n - 1) - x.narrow(dim, 0, n - 1)


def _check_real(value, name: str) -> None:
    if isinstance(value, (bool, complex)):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """Trapezoidal rule along dim: sum (y[i] + y[i+1]) dx_i / 2."""
    dim = dim % max(y.dim(), 1)
    if y.shape[dim] == 0:
        shape = list(y.shape)
        del shape[dim]
        return Tensor._make(np.zeros(shape, y._data.dtype))
    if isinstance(x, Tensor):
        if y._data.dtype == np.bool_ or x._data.dtype == np.bool_:
            raise RuntimeError("trapezoid: received a bool input for `x` or `y`, but bool is not supported")
        steps = _x_steps(y, x, dim, "trapezoid")
        n = y.shape[dim]
        return DivScalar.apply(((y.narrow(dim, 0, n - 1) + y.narrow(dim, 1, n - 1)) * steps).sum(dim), 2.0)
    if y._data.dtype == np.bool_:
        raise RuntimeError("trapezoid: received a bool input for `y`, but bool is not supported")
    dx = 1 if dx is None else dx if x is None else x
    _check_real(dx, "trapezoid")
    return MulScalar.apply(y.sum(dim) - MulScalar.apply(y.select(dim, 0) + y.select(dim, -1), 0.5), float(dx))


def trapz(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The old name of trapezoid."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """Running trapezoidal integral along dim (one element shorter than y there)."""
    dim = dim % max(y.dim(), 1)
    n = y.shape[dim]
    left, right = y.narrow(dim, 0, max(n - 1, 0)), y.narrow(dim, min(1, n), max(n - 1, 0))
    if isinstance(x, Tensor):
        if y._data.dtype == np.bool_ or x._data.dtype == np.bool_:
            raise RuntimeError("cumulative_trapezoid: received a bool input for `x` or `y`, but bool is not "
                               "supported")
        steps = _x_steps(y, x, dim, "cumulative_trapezoid")
        return DivScalar.apply(((left + right) * steps).cumsum(dim), 2.0)
    if y._data.dtype == np.bool_:
        raise RuntimeError("cumulative_trapezoid: received a bool input for `y`, but bool is not supported")
    dx = 1 if dx is None else dx if x is None else x
    _check_real(dx, "cumulative_trapezoid")
    return MulScalar.apply(left + right, float(dx) / 2.0).cumsum(dim)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """Columns x**0 .. x**(N-1) (decreasing powers unless increasing), built with cumprod as aten does."""
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    from .reduction import cumprod
    from .shape import cat, flip
    dt = D.promote_types(x.dtype, D.int64)
    ones = Tensor._make(np.ones((x.shape[0], min(n, 1)), dt.np_dtype))
    if n > 1:
        powers = cumprod(x.unsqueeze(1).expand(x.shape[0], n - 1).to(dt), 1)
        result = cat([ones, powers], 1)
    else:
        result = ones
    return result if increasing else flip(result, [1])


def unravel_index(indices: Tensor, shape) -> tuple[Tensor, ...]:
    """The coordinates in ``shape`` of flat ``indices`` (wrapping out-of-range values, as torch does)."""
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(int(s) for s in shape)
    a = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if a.dtype.kind not in "iu" or a.dtype == np.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {Tensor._make(a).dtype}")
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    coefs = np.cumprod((shape[1:] + (1,))[::-1])[::-1].astype(np.int64)
    coords = (a.astype(np.int64)[..., None] // coefs) % np.asarray(shape, np.int64)
    return tuple(Tensor._make(coords[..., k].copy()) for k in range(len(shape)))


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """Rows of the length-r combinations of a 1-D tensor's elements (itertools order)."""
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape [{', '.join(map(str, input.shape))}]")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._make(np.empty((0,), input._data.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(input.shape[0]), r)), np.int64).reshape(-1, r)
    from .shape import stack
    return stack([input[Tensor._make(idx[:, k].copy())] for k in range(r)], 1)


def _gradient_checks(input: Tensor, n_spacing, dims, edge_order: int) -> None:
    if n_spacing is not None and dims is None and n_spacing != input.dim():
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal to "
                           f"'self.dim() = {input.dim()}', since dim argument was not given, but got a list of length "
                           f"{n_spacing}")
    if n_spacing is not None and dims is not None and n_spacing != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                           f"arguments to have the same length, but got a spacing argument of length {n_spacing} and "
                           f"a dim argument of length {len(dims)}.")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    for d in (dims if dims is not None else range(input.dim())):
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")


def _slice(t: Tensor, dim: int, start: int, end: int | None = None) -> Tensor:
    n = t.shape[dim]
    start, end, _ = slice(start, end).indices(n)
    return t.narrow(dim, start, max(end - start, 0))


def _gradient_uniform(x: Tensor, h, d: int, edge_order: int) -> Tensor:
    """Central differences (x[i+1] - x[i-1]) / 2h inside, one-sided ones of order edge_order at the ends."""
    from .shape import cat
    center = DivScalar.apply(DivScalar.apply(_slice(x, d, 2) - _slice(x, d, 0, -2), h), 2)
    if edge_order == 1:
        first = DivScalar.apply(_slice(x, d, 1, 2) - _slice(x, d, 0, 1), h)
        last = DivScalar.apply(_slice(x, d, -1) - _slice(x, d, -2, -1), h)
    else:
        first = DivScalar.apply(MulScalar.apply(_slice(x, d, 0, 1), -1.5) + MulScalar.apply(_slice(x, d, 1, 2), 2)
                                - MulScalar.apply(_slice(x, d, 2, 3), 0.5), h)
        last = DivScalar.apply(MulScalar.apply(_slice(x, d, -3, -2), 0.5) - MulScalar.apply(_slice(x, d, -2, -1), 2)
                               + MulScalar.apply(_slice(x, d, -1), 1.5), h)
    return cat([first, center, last], d)


def _gradient_coordinates(x: Tensor, coords: Tensor, d: int, edge_order: int) -> Tensor:
    """Second-order differences on uneven sample points (aten's gradient_helper)."""
    from .shape import cat
    if coords.dim() != 1:
        raise RuntimeError(f"torch.gradient expected each element of spacing to have one dimension, but got an "
                           f"element with {coords.dim()} dimensions!")
    shape = [1] * x.dim()
    shape[d] = -1
    dx = coords.diff(1, 0)
    dx1, dx2 = _slice(dx, 0, 0, -1), _slice(dx, 0, 1)
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
    center = a * _slice(x, d, 0, -2) + b * _slice(x, d, 1, -1) + c * _slice(x, d, 2)
    if edge_order == 1:
        first = (_slice(x, d, 1, 2) - _slice(x, d, 0, 1)) / dx[0]
        last = (_slice(x, d, -1) - _slice(x, d, -2, -1)) / dx[-1]
    else:
        h0, h1 = dx[0], dx[1]
        a, b, c = -(2.0 * h0 + h1) / (h0 * (h0 + h1)), (h0 + h1) / (h0 * h1), (-h0) / (h1 * (h0 + h1))
        first = a * _slice(x, d, 0, 1) + b * _slice(x, d, 1, 2) + c * _slice(x, d, 2, 3)
        h0, h1 = dx[-1], dx[-2]
        a, b, c = h0 / (h1 * (h0 + h1)), -(h0 + h1) / (h0 * h1), (2 * h0 + h1) / (h0 * (h0 + h1))
        last = a * _slice(x, d, -3, -2) + b * _slice(x, d, -2, -1) + c * _slice(x, d, -1)
    return cat([first, center, last], d)


def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1) -> tuple[Tensor, ...]:
    """Estimate the derivative of a sampled function along each of ``dim`` (all dims by default): central
    differences inside, one-sided ones at the ends; ``spacing`` is a step (or one per dim) or the sample
    coordinates (one 1-D tensor per dim)."""
    nd = input.dim()
    dims = None if dim is None else [dim] if isinstance(dim, int) else list(dim)
    wrapped = [d % nd for d in dims] if dims is not None else list(range(nd))
    if isinstance(spacing, (list, tuple)):
        n_spacing = len(spacing)
        steps = list(spacing)
    else:
        n_spacing = None if spacing == 1 and not isinstance(spacing, float) else (1 if dims is not None else nd)
        steps = [spacing] * len(wrapped)
    if dims is not None and len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"dim {wrapped[0]} appears multiple times in the list of dims")
    _gradient_checks(input, n_spacing, wrapped if dims is not None else None, edge_order)
    out = []
    for d, h in zip(wrapped, steps):
        if isinstance(h, Tensor):
            out.append(_gradient_coordinates(input, h, d, edge_order))
        else:
            out.append(_gradient_uniform(input, h, d, edge_order))
    return tuple(out)


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """The p-norm over every dim but ``dim`` (kept as a size-1 dim elsewhere); dim=-1: the norm of everything.
    Composed as aten does (weight_norm's g)."""
    if dim == -1:
        return v.norm(pow)
    nd = v.dim()
    if dim == 0:
        return v.contiguous().view(v.size(0), -1).norm(pow, 1).view((v.size(0),) + (1,) * (nd - 1))
    if dim == nd - 1:
        return v.contiguous().view(-1, v.size(nd - 1)).norm(pow, 0).view((1,) * (nd - 1) + (v.size(nd - 1),))
    return norm_except_dim(v.transpose(0, dim), pow, 0).transpose(0, dim)


def frobenius_norm(input: Tensor, dim, keepdim: bool = False, *, out=None) -> Tensor:
    """Deprecated: the 2-norm over ``dim`` (one or two dims)."""
    import warnings
    dim = [dim] if isinstance(dim, int) else list(dim)
    if len(dim) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dim)} dimensions instead.")
    warnings.warn("at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be removed in a "
                  "future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead",
                  UserWarning, stacklevel=2)
    from .linalg import _out
    return _out(input.norm(2, dim, keepdim), out)


def _inplace_method(fn):
    def method(self, *args, **kwargs):
        return inplace(self, fn, *args, **kwargs)
    method.__name__ = fn.__name__ + "_"
    return method


# Tensor methods (attached in ember/__init__.py)
METHODS = {"frexp": frexp, "ldexp": ldexp, "ldexp_": _inplace_method(ldexp), "gcd": gcd, "lcm": lcm,
           "gcd_": _inplace_method(gcd), "lcm_": _inplace_method(lcm)}
