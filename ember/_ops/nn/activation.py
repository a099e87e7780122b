"""Activations with their own derivative in torch (derivatives.yaml): gelu, silu, leaky_relu, elu/selu/celu,
softplus, hardtanh, hardswish, hardsigmoid, mish, logsigmoid, glu, threshold, hardshrink, softshrink.

Float32/16 inputs are evaluated in float64 and rounded once (torch evaluates in float32; the float64 result
is the more accurate one and stays within a few float32 ulps of torch's). GELU, the transformer hot path, is
fused and blocked: forward computes the output and, when a gradient is needed, the local derivative in the
same cache-resident pass, so backward is a single multiply. Its float32 kernels (``_gelu_f32.py``) stay in
float32, where every NumPy pass costs half as much, with approximations measured to be at least as accurate
as torch's float32 GELU.
"""
from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor, _SCALAR_NAMES, _wrap_dim
from ...autograd.function import _NumpyFunction as Function
from .._broadcast import sum_to_shape
from .._erf import _Scratch, erf_into
from ._blocks import BLOCK, map_blocks
from ._gelu_f32 import gelu_f32
from ...autograd.graph_engine import (constant, constant_mask, elementwise_backward, masked_backward, saved_input,
                                      sum_to)

__all__ = ["gelu", "silu", "leaky_relu", "elu", "selu", "celu", "softplus", "hardtanh", "relu6", "hardswish",
           "hardsigmoid", "mish", "logsigmoid", "glu", "threshold", "hardshrink", "softshrink", "prelu", "rrelu"]


def check_float(a: np.ndarray, kernel: str) -> None:
    """torch's dispatch error for an integer/bool tensor reaching a float-only kernel."""
    if a.dtype.kind not in "fc":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_SCALAR_NAMES[a.dtype.name]}\'')


def _wide(a: np.ndarray) -> np.ndarray:
    """float64 working copy of a float16/32 array (float64 passes through)."""
    return a if a.dtype == np.float64 else a.astype(np.float64)


_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)  # torch's kBeta = M_2_SQRTPI * M_SQRT1_2 * 0.5
_K = math.sqrt(2.0 / math.pi)                      # tanh form: z = K (x + C x^3)
_C = 0.044715


def _gelu_exact_kernel(grad: bool, single: bool):
    scratch = _Scratch(BLOCK)

    def kernel(x, outs, tmp):
        """y = x Phi(x),  Phi(x) = (1 + erf(x / sqrt 2)) / 2;   dy/dx = Phi(x) + x exp(-x^2/2) / sqrt(2 pi)"""
        u, cdf = tmp[0], tmp[1]
        np.multiply(x, _SQRT1_2, out=u)
        erf_into(u, cdf, scratch, single)
        np.add(cdf, 1.0, out=cdf)
        np.multiply(cdf, 0.5, out=cdf)
        np.multiply(x, cdf, out=outs[0])
        if grad:
            np.multiply(x, x, out=u)
            np.multiply(u, -0.5, out=u)
            np.exp(u, out=u)
            np.multiply(u, x, out=u)
            np.multiply(u, _INV_SQRT_2PI, out=u)
            np.add(cdf, u, out=outs[1])
    return kernel


def _gelu_tanh_kernel(grad: bool):
    def kernel(x, outs, tmp):
        """y = x/2 (1 + tanh z) = x sigma(2z),  z = K (x + C x^3);
        dy/dx = s + 2 x s (1 - s) K (1 + 3 C x^2),  s = sigma(2z)   (one exp, no tanh)"""
        x2, e = tmp[0], tmp[1]
        np.multiply(x, x, out=x2)
        np.multiply(x2, -2.0 * _K * _C, out=e)
        np.add(e, -2.0 * _K, out=e)
        np.multiply(e, x, out=e)              # -2z
        np.exp(e, out=e)
        np.add(e, 1.0, out=e)                 # 1 + e^{-2z} = 1 / s
        np.divide(x, e, out=outs[0])
        if grad:
            d = outs[1]
            np.reciprocal(e, out=e)           # s
            np.multiply(x2, 3.0 * _C, out=x2)
            np.add(x2, 1.0, out=x2)
            np.multiply(x2, 2.0 * _K, out=x2)
            np.multiply(x2, x, out=x2)        # 2 x z'
            np.subtract(1.0, e, out=d)
            np.multiply(d, e, out=d)          # s (1 - s)
            np.multiply(d, x2, out=d)
            np.add(d, e, out=d)
    return kernel


class Gelu(Function):
    """out = gelu(x) ('none': x Phi(x); 'tanh': x/2 (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))));  dx = g * gelu'(x)

    The derivative is computed by the forward pass while the block is in cache (only when x needs a grad).
    float32 runs the float32 kernels of ``_gelu_f32.py``; tiny inputs (at most ``_TINY`` elements, where the
    cost is per call, not per element) use math.erf per element in float64; float64/16 the blocked float64 path."""

    @staticmethod
    def forward(ctx, x, approximate):
        check_float(x, "GeluKernelImpl")
        grad = ctx.needs_input_grad[0]
        tanh = approximate == "tanh"
        if x.dtype == np.float32 and x.size > _TINY:
            y, d = gelu_f32(x, tanh, grad)
        elif x.size <= _TINY and not tanh and x.dtype.kind == "f":
            y, d = _gelu_tiny(x, grad)
        else:
            kernel = _gelu_tanh_kernel(grad) if tanh else _gelu_exact_kernel(grad, x.dtype != np.float64)
            outs = map_blocks(kernel, x, n_out=2 if grad else 1)
            y, d = outs[0], (outs[1] if grad else None)
        if grad:
            ctx.save_for_backward(x)  # recorded for in-place checks, as torch saves self
            ctx.deriv = d
            ctx.approximate = approximate
        return y

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # the version check: x changed in place since forward is an error, as in torch
        return g * ctx.deriv, None

    @staticmethod
    def differentiable_backward(ctx, g):
        second = _gelu_tanh_second if ctx.approximate == "tanh" else _gelu_second
        return elementwise_backward(ctx, g, second, 2)


def _mish_second(x: Tensor) -> Tensor:
    """mish''(x) = (1 - t^2) s (2 + x (1 - s) - 2 x s t), t = tanh(softplus(x)), s = sigmoid(x) = softplus'(x)."""
    from ...nn.functional import softplus
    t = softplus(x).tanh()
    s = x.sigmoid()
    return (1 - t * t) * s * (2 + x * (1 - s) - 2 * x * s * t)


def _cat(a: Tensor, b: Tensor, dim: int) -> Tensor:
    from ..shape import cat
    return cat([a, b], dim)


def _gelu_second(x: Tensor) -> Tensor:
    """gelu''(x) = phi(x) (2 - x^2), phi the standard normal density (the derivative of Phi(x) + x phi(x))."""
    return (x * x * -0.5).exp() * _INV_SQRT_2PI * (2 - x * x)


def _gelu_tanh_second(x: Tensor) -> Tensor:
    """The tanh form's gelu''(x): with t = tanh(u), u = K (x + C x^3), u' = K (1 + 3 C x^2), u'' = 6 K C x,
    d/dx [(1 + t)/2 + x (1 - t^2) u'/2] = (1 - t^2) (u' + x (u'' - 2 t u'^2)/2)."""
    k, c = math.sqrt(2.0 / math.pi), 0.044715
    t = ((x + c * x * x * x) * k).tanh()
    du = (1 + 3 * c * x * x) * k
    return (1 - t * t) * (du + x * (6 * k * c * x - 2 * t * du * du) * 0.5)


def _silu_second(x: Tensor) -> Tensor:
    """silu''(x) = s (1 - s) (2 + x (1 - 2 s)), s = sigmoid(x)."""
    s = x.sigmoid()
    return s * (1 - s) * (2 + x * (1 - 2 * s))


# up to this many elements Python's math.erf per element beats any vectorised kernel's fixed cost
_TINY = 64


def _gelu_tiny(x: np.ndarray, grad: bool):
    """x Phi(x) and Phi(x) + x phi(x) per element in Python floats (float64, libm's erfc and exp), rounded once
    to x's dtype. Plain float arithmetic also gives inf * 0 = nan without NumPy's warning."""
    erfc, exp = math.erfc, math.exp
    ys = []
    ds = []
    for v in x.ravel().tolist():
        phi = 0.5 * erfc(-v * _SQRT1_2)
        ys.append(v * phi)
        if grad:
            ds.append(phi + v * exp(v * v * -0.5) * _INV_SQRT_2PI)
    y = np.array(ys, x.dtype).reshape(x.shape)
    return y, (np.array(ds, x.dtype).reshape(x.shape) if grad else None)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return Gelu.apply(input, approximate)


class Silu(Function):
    """out = x sigma(x);  dx = g sigma(x) (1 + x (1 - sigma(x)))"""

    @staticmethod
    def forward(ctx, x):
        check_float(x, "silu_cpu")
        xw = _wide(x)
        with np.errstate(over="ignore"):
            s = 1.0 / (1.0 + np.exp(-xw))
        ctx.save_for_backward(x)
        ctx.s = s
        return (xw * s).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        s = ctx.s
        return (g * (s * (1.0 + _wide(x) * (1.0 - s)))).astype(g.dtype, copy=False)

    @staticmethod
    def differentiable_backward(ctx, g):
        return elementwise_backward(ctx, g, _silu_second)


class LeakyRelu(Function):
    """out = x if x > 0 else slope x;  dx = g if x > 0 else slope g"""

    @staticmethod
    def forward(ctx, x, slope):
        check_float(x, "leaky_relu_cpu")
        ctx.save_for_backward(x)
        ctx.slope = slope
        return np.where(x > 0, x, x * x.dtype.type(slope))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return np.where(x > 0, g, g * g.dtype.type(ctx.slope)), None

    @staticmethod
    def differentiable_backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * constant(np.where(x > 0, 1, ctx.slope).astype(g._data.dtype)), None


class LeakyReluInplace(LeakyRelu):
    _backward_name = "LeakyReluBackward1"


class Elu(Function):
    """out = scale x (x > 0), scale alpha (exp(input_scale x) - 1) otherwise;
    dx = g scale (x > 0), g input_scale scale alpha exp(input_scale x) otherwise.  selu is elu with fixed constants."""

    _kernel = "elu_cpu"

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        check_float(x, "elu_cpu")
        xw = _wide(x)
        ctx.save_for_backward(x)
        ctx.params = (alpha, scale, input_scale)
        with np.errstate(over="ignore", invalid="ignore"):
            neg = np.expm1(xw * input_scale) * (alpha * scale)
        return np.where(xw > 0, xw * scale, neg).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.params
        xw = _wide(x)
        with np.errstate(over="ignore", invalid="ignore"):
            neg = np.exp(xw * input_scale) * (input_scale * scale * alpha)
        return (g * np.where(xw > 0, scale, neg)).astype(g.dtype, copy=False), None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        alpha, scale, input_scale = ctx.params
        def second(x):
            return (x * input_scale).exp() * (input_scale * input_scale * scale * alpha) * (x <= 0)
        return elementwise_backward(ctx, g, second, 4)


class EluInplace(Elu):
    _backward_name = "EluBackward1"


class Celu(Elu):
    """elu(x, alpha, 1, 1/alpha); torch's backward formula uses 1.0 / alpha.toFloat() (alpha rounded to float)."""

    @staticmethod
    def backward(ctx, g):
        alpha, scale, _ = ctx.params
        ctx.params = (alpha, scale, 1.0 / float(np.float32(alpha)))
        return Elu.backward(ctx, g)

    @staticmethod
    def differentiable_backward(ctx, g):
        alpha, scale, _ = ctx.params
        ctx.params = (alpha, scale, 1.0 / float(np.float32(alpha)))  # as backward: torch's float-rounded 1/alpha
        return Elu.differentiable_backward(ctx, g)


class CeluInplace(Celu):
    """celu_: torch differentiates it from the result: dx = g / float(alpha) (out + alpha) where out <= 0."""

    _backward_name = "CeluBackward1"

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.params
        xw = _wide(x)
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.where(xw > 0, xw * scale, np.expm1(xw * input_scale) * (alpha * scale)).astype(x.dtype)
            out = _wide(out)
            gw = _wide(g)
            grad = np.where(out > 0, gw * scale, gw * (1.0 / float(np.float32(alpha))) * (out + alpha * scale))
        return grad.astype(g.dtype, copy=False), None, None, None


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class Softplus(Function):
    """out = log(1 + exp(beta x)) / beta  (x where beta x > threshold);  dx = g sigma(beta x)  (g above threshold)"""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        check_float(x, "softplus_cpu")
        xw = _wide(x)
        ctx.save_for_backward(x)
        ctx.params = (beta, threshold)
        bx = xw * beta
        with np.errstate(over="ignore"):
            soft = np.log1p(np.exp(bx)) / beta
        return np.where(bx > threshold, xw, soft).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.params
        bx = _wide(x) * beta
        with np.errstate(over="ignore"):
            s = 1.0 / (1.0 + np.exp(-bx))
        return (g * np.where(bx > threshold, 1.0, s)).astype(g.dtype, copy=False), None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        beta, threshold = ctx.params
        def second(x):
            s = (x * beta).sigmoid()
            return s * (1 - s) * beta * (x * beta <= threshold)
        return elementwise_backward(ctx, g, second, 3)


class Hardtanh(Function):
    """out = clamp(x, min_val, max_val);  dx = g strictly inside (min_val, max_val), else 0"""

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        if x.dtype.kind == "b":
            raise RuntimeError("Bool inputs not supported for hardtanh")
        ctx.save_for_backward(x)
        ctx.params = (min_val, max_val)
        return np.clip(x, x.dtype.type(min_val), x.dtype.type(max_val))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.params
        return np.where((x <= lo) | (x >= hi), g.dtype.type(0), g), None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.params
        return constant_mask(g, (x > lo) & (x < hi)), None, None


class Hardswish(Function):
    """out = x relu6(x + 3) / 6;  dx = 0 (x < -3), g (x/3 + 1/2) (x <= 3), g (x > 3)"""

    @staticmethod
    def forward(ctx, x):
        check_float(x, "hardswish_cpu")
        ctx.save_for_backward(x)
        t = x.dtype.type
        return x * np.clip(x + t(3), t(0), t(6)) / t(6)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        t = x.dtype.type
        mid = g * (x / t(3) + t(0.5))
        return np.where(x < -3, t(0), np.where(x <= 3, mid, g))

    @staticmethod
    def differentiable_backward(ctx, g):
        # hardswish'' = 1/3 strictly inside (-3, 3) (torch's double-backward formula), a constant: no third order;
        # below -3 the grad is selected away (0 even where g is nan, as torch's where)
        (x,) = ctx.saved_tensors
        grad = elementwise_backward(ctx, g, lambda t: constant((((t._data > -3) & (t._data < 3)) / 3.0)
                                                                .astype(t._data.dtype)))
        return constant_mask(grad, ~(x < -3))


class Hardsigmoid(Function):
    """out = relu6(x + 3) / 6;  dx = g / 6 for -3 < x < 3, else 0"""

    @staticmethod
    def forward(ctx, x):
        check_float(x, "hardsigmoid_cpu")
        ctx.save_for_backward(x)
        t = x.dtype.type
        return np.clip(x + t(3), t(0), t(6)) / t(6)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        t = x.dtype.type
        # torch multiplies by the float literal 1.0f / 6.0f, even for double
        return np.where((x > -3) & (x < 3), g * t(np.float32(1.0) / np.float32(6.0)), t(0))

    @staticmethod
    def differentiable_backward(ctx, g):
        # (torch has no double backward for hardsigmoid; the derivative in x is 0, in g the same mask)
        (x,) = ctx.saved_tensors
        return constant_mask(g, (x > -3) & (x < 3)) * g._data.dtype.type(np.float32(1.0) / np.float32(6.0))


class Mish(Function):
    """out = x tanh(softplus(x));  dx = g (tanh(sp) + x sigma(x) (1 - tanh(sp)^2))"""

    @staticmethod
    def forward(ctx, x):
        check_float(x, "mish_cpu")
        xw = _wide(x)
        with np.errstate(over="ignore"):
            tsp = np.tanh(np.logaddexp(0.0, xw))
        ctx.save_for_backward(x)
        ctx.tsp = tsp
        return (xw * tsp).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xw = _wide(x)
        tsp = ctx.tsp
        with np.errstate(over="ignore"):
            s = 1.0 / (1.0 + np.exp(-xw))
        return (g * (tsp + xw * s * (1.0 - tsp * tsp))).astype(g.dtype, copy=False)

    @staticmethod
    def differentiable_backward(ctx, g):
        return elementwise_backward(ctx, g, _mish_second)


class LogSigmoid(Function):
    """out = -log(1 + exp(-x)) = min(x, 0) - log1p(exp(-|x|));  dx = g sigma(-x)"""

    @staticmethod
    def forward(ctx, x):
        check_float(x, "log_sigmoid_cpu")
        xw = _wide(x)
        ctx.save_for_backward(x)
        return (np.minimum(xw, 0.0) - np.log1p(np.exp(-np.abs(xw)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with np.errstate(over="ignore"):
            return (g / (1.0 + np.exp(_wide(x)))).astype(g.dtype, copy=False)

    @staticmethod
    def differentiable_backward(ctx, g):
        # d/dx sigma(-x) = -sigma(-x) sigma(x)
        return elementwise_backward(ctx, g, lambda x: -((-x).sigmoid() * x.sigmoid()))


class Glu(Function):
    """a, b = halves of x along dim;  out = a sigma(b);  da = g sigma(b),  db = g a sigma(b) (1 - sigma(b))"""

    @staticmethod
    def forward(ctx, x, dim):
        check_float(x, "glu_cpu")
        h = x.shape[dim] // 2
        a, b = np.split(x, [h], axis=dim)
        with np.errstate(over="ignore"):
            s = (1.0 / (1.0 + np.exp(-_wide(b))))
        ctx.save_for_backward(x)
        ctx.meta = (dim, a, s)
        return (_wide(a) * s).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # the version check (a is a view of x): x changed in place is an error, as in torch
        dim, a, s = ctx.meta
        gw = _wide(g)
        ga = gw * s
        gb = ga * _wide(a) * (1.0 - s)
        return np.concatenate([ga, gb], axis=dim).astype(g.dtype, copy=False), None

    @staticmethod
    def differentiable_backward(ctx, g):
        (x,) = ctx.saved_tensors
        dim = ctx.meta[0]
        h = x.shape[dim] // 2
        xt = saved_input(ctx, 0, x)
        a, s = xt.narrow(dim, 0, h), xt.narrow(dim, h, h).sigmoid()
        ga = g * s
        return _cat(ga, ga * a * (1 - s), dim), None


class Threshold(Function):
    """out = value where x <= threshold, else x;  dx = 0 where x <= threshold, else g"""

    @staticmethod
    def forward(ctx, x, threshold, value):
        ctx.save_for_backward(x)
        ctx.threshold = threshold
        return np.where(x <= threshold, np.asarray(value).astype(x.dtype), x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return np.where(x <= ctx.threshold, g.dtype.type(0), g), None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        (x,) = ctx.saved_tensors
        return constant_mask(g, ~(x <= ctx.threshold)), None, None


class Hardshrink(Function):
    """out = 0 for -lambd <= x <= lambd, else x;  dx likewise"""

    @staticmethod
    def forward(ctx, x, lambd):
        check_float(x, "hardshrink_cpu")
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        return np.where((x >= -lambd) & (x <= lambd), x.dtype.type(0), x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return np.where((x >= -ctx.lambd) & (x <= ctx.lambd), g.dtype.type(0), g), None

    @staticmethod
    def differentiable_backward(ctx, g):
        (x,) = ctx.saved_tensors
        return constant_mask(g, ~((x >= -ctx.lambd) & (x <= ctx.lambd))), None


class Softshrink(Function):
    """out = x - lambd (x > lambd), x + lambd (x < -lambd), else 0;  dx = g where |x| > lambd"""

    @staticmethod
    def forward(ctx, x, lambd):
        check_float(x, "softshrink_check")
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        t = x.dtype.type
        return np.where(x > lambd, x - t(lambd), np.where(x < -lambd, x + t(lambd), t(0)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return np.where((x > ctx.lambd) | (x < -ctx.lambd), g, g.dtype.type(0)), None

    @staticmethod
    def differentiable_backward(ctx, g):
        (x,) = ctx.saved_tensors
        return constant_mask(g, (x > ctx.lambd) | (x < -ctx.lambd)), None


# --- wrappers ---------------------------------------------------------------------------

def _maybe_inplace(input: Tensor, inplace: bool, fn, *args) -> Tensor:
    if not inplace:
        return fn(input, *args)
    from .._inplace import inplace as _inplace
    return _inplace(input, fn, *args)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, Silu.apply)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, LeakyReluInplace.apply if inplace else LeakyRelu.apply, negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, EluInplace.apply if inplace else Elu.apply, alpha, 1.0, 1.0)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, EluInplace.apply if inplace else Elu.apply, _SELU_ALPHA, _SELU_SCALE, 1.0)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _maybe_inplace(input, inplace, CeluInplace.apply if inplace else Celu.apply, alpha, 1.0, 1.0 / alpha)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return Softplus.apply(input, beta, threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(input, inplace, Hardtanh.apply, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    return hardtanh(input, 0.0, 6.0, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, Hardswish.apply)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, Hardsigmoid.apply)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, Mish.apply)


def logsigmoid(input: Tensor) -> Tensor:
    return LogSigmoid.apply(input)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _wrap_dim(dim, input.dim())
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    return Glu.apply(input, d)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, Threshold.apply, threshold, value)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    return Hardshrink.apply(input, lambd)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    return Softshrink.apply(input, lambd)


class PreluKernel(Function):
    """torch's _prelu_kernel (weight already shaped to broadcast over x):  out = x (x > 0), w x otherwise;
    dx = g (x > 0), w g otherwise;  dw = sum over the broadcast dims of x g (x <= 0), 0 otherwise."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return np.where(x > 0, x, w * x)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        pos = x > 0
        gx = np.where(pos, g, w * g) if ctx.needs_input_grad[0] else None
        gw = sum_to_shape(np.where(pos, g.dtype.type(0), x * g), w.shape) if ctx.needs_input_grad[1] else None
        return gx, gw

    @staticmethod
    def differentiable_backward(ctx, g):
        x, w = ctx.saved_tensors
        pos = np.broadcast_to(x > 0, g.shape)
        gx = gw = None
        if ctx.needs_input_grad[0]:
            gx = constant_mask(g, pos) + constant_mask(g * saved_input(ctx, 1, w), ~pos)
        if ctx.needs_input_grad[1]:
            gw = sum_to(constant_mask(saved_input(ctx, 0, x) * g, ~pos), w.shape)
        return gx, gw


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """torch's composition: checks, weight reshaped to (1, C, 1, ...) (a view) unless it already has input's
    ndim, then _prelu_kernel."""
    if input.dtype != weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_SCALAR_NAMES[input._data.dtype.name]} and "
                           f"{_SCALAR_NAMES[weight._data.dtype.name]}")
    nd = input.dim()
    n = weight.numel()
    if n != 1:
        if nd == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if nd > 1 else 1
        if channels != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
                               f"and channel size = {channels}.")
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}")
    if nd != weight.dim():
        shape = [1] * nd
        if nd > 1:
            shape[1] = n
        weight = weight.reshape(tuple(shape))
    return PreluKernel.apply(input, weight)


class RreluWithNoise(Function):
    """torch's rrelu_with_noise.  Training: out = x r where x <= 0, one r ~ U(lower, upper) per such element
    drawn in order from the default generator (uniform_real<double>: a 53-bit u, u (upper - lower) + lower,
    bounds rounded to the opmath type, r rounded to it), x elsewhere; dx = g noise (noise = r, or 1).
    Eval: leaky_relu with slope (lower + upper) / 2."""

    @staticmethod
    def forward(ctx, x, lower, upper, training):
        mid = (lower + upper) / 2.0
        ctx.params = (lower, upper, training, mid)
        if not training:
            check_float(x, "leaky_relu_cpu")
            ctx.save_for_backward(x)
            return np.where(x > 0, x, x * x.dtype.type(mid))
        if x.dtype.kind != "f" or x.dtype == np.float16:  # torch's CPU kernel has float and double only
            raise NotImplementedError(
                f'"rrelu_with_noise_out_cpu" not implemented for \'{_SCALAR_NAMES[x.dtype.name]}\'')
        from ..._rng.generator import default_generator
        op = np.float64 if x.dtype == np.float64 else np.float32  # opmath type
        flat = np.ascontiguousarray(x).reshape(-1)
        neg = flat <= 0
        lo, hi = float(op(lower)), float(op(upper))
        u = default_generator._engine.uniform53(int(np.count_nonzero(neg)))
        r = (u * (hi - lo) + lo).astype(op)  # two roundings: this loop is not built with FMA contraction
        noise = np.ones(flat.shape, x.dtype)
        noise[neg] = r.astype(x.dtype)
        out = flat.copy()
        out[neg] = (flat[neg].astype(op) * r).astype(x.dtype)
        ctx.save_for_backward(x, noise.reshape(x.shape))
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        lower, upper, training, mid = ctx.params
        saved = ctx.saved_tensors
        if training:
            return g * saved[1], None, None, None
        x = saved[0]
        return np.where(x > 0, g, g * g.dtype.type(mid)), None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        # g times a constant coefficient per element (the drawn noise in training, 1 or the mean slope in eval)
        return masked_backward(ctx, g)


class RreluWithNoiseInplace(RreluWithNoise):
    _backward_name = "RreluWithNoiseBackward1"


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    return _maybe_inplace(input, inplace, RreluWithNoiseInplace.apply if inplace else RreluWithNoise.apply,
                          lower, upper, bool(training))
