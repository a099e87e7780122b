"""The functions only ``torch.special`` has (aten's ``special_*`` ops): i0e, i1, i1e, erfcx, ndtr, ndtri,
log_ndtr, entr, xlog1py, zeta. ``ember.special`` re-exports them with the aliases of existing ops.

As elsewhere, integer inputs compute in the default float dtype and float32 values are computed in float64 and
rounded once.
"""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from . import _bessel_math as B
from . import _gamma_math as G
from ._broadcast import quiet as _quiet
from ._erf import erfc as _erfc_raw
from .arithmetic import Mul, _back, _broadcasting, _float_operands
from .special_fns import _check_tensor, _out, _refuse, _via64
from .unary import _float

__all__ = ["i0e", "i1", "i1e", "erfcx", "ndtr", "ndtri", "log_ndtr", "entr", "xlog1py", "zeta"]

_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT1_2 = math.sqrt(0.5)


# --- float64 kernels --------------------------------------------------------------

def _erfc(x: np.ndarray) -> np.ndarray:
    """erfc, with only finite values passed to _erf's kernel (a nan in its input spoils other elements' results:
    _erf.erfc([3.5] * 10 + [nan]) gives 8.5e-4 for erfc(3.5) = 7.4e-7)."""
    x = np.asarray(x, np.float64)
    fin = np.isfinite(x)
    if fin.all():
        return _erfc_raw(x)
    res = _erfc_raw(np.where(fin, x, 0.0))
    return np.where(fin, res, np.where(x == np.inf, 0.0, np.where(x == -np.inf, 2.0, np.nan)))


def _exp_square(x: np.ndarray) -> np.ndarray:
    """exp(x**2) without the rounding of x**2: x = hi + lo, hi's square exact (its low 27 bits cleared)."""
    hi = (x.view(np.uint64) & np.uint64(~((1 << 27) - 1) & (2**64 - 1))).view(np.float64)
    lo = x - hi
    return np.exp(hi * hi) * np.exp(lo * (x + hi))


def _erfcx64(x: np.ndarray) -> np.ndarray:
    """exp(x**2) erfc(x): the product below 25, the asymptotic series 1/(x sqrt(pi)) sum (-1)^n (2n-1)!!/(2x^2)^n
    above (ten terms are below 1e-30 there)."""
    x = np.asarray(x, np.float64)
    out = np.empty_like(x)
    big = x >= 25
    with _quiet():
        xs = np.where(big | ~np.isfinite(x), 0.0, x)
        out = np.where(np.isnan(x), np.nan, _exp_square(xs) * _erfc(xs))
        if big.any():
            xb = x[big]
            inv = 1 / (2 * xb * xb)
            term = np.ones_like(xb)
            total = term.copy()
            for n in range(1, 12):
                term = term * -(2 * n - 1) * inv
                total += term
            out[big] = total / (xb * math.sqrt(math.pi))
    return np.where(x < -26.7, np.inf, out)  # exp(x**2) overflows (nan in, nan out: the comparison is False)


def _ndtr64(x: np.ndarray) -> np.ndarray:
    """P(N(0,1) <= x) with relative accuracy in the lower tail."""
    return 0.5 * _erfc(-x * _SQRT1_2)


def _ndtri64(p: np.ndarray) -> np.ndarray:
    """The inverse of ndtr: an estimate within 4.5e-4 (Abramowitz-Stegun 26.2.23) for the lower tail q =
    min(p, 1 - p), then three Halley steps on ndtr(x) - q (each triples the correct digits)."""
    p = np.asarray(p, np.float64)
    out = np.full(p.shape, np.nan)
    out[p == 0] = -np.inf
    out[p == 1] = np.inf
    out[p == 0.5] = 0.0
    inside = (p > 0) & (p < 1) & (p != 0.5)
    if not inside.any():
        return out
    pi = p[inside]
    upper = pi > 0.5
    q = np.where(upper, 1 - pi, pi)  # (exact for p > 1/2)
    with _quiet():
        t = np.sqrt(-2 * np.log(q))
        x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))))
        for _ in range(3):
            r = (_ndtr64(x) - q) / (np.exp(-0.5 * x * x) / _SQRT_2PI)
            x = x - r / (1 + 0.5 * x * r)
    out[inside] = np.where(upper, -x, x)
    return out


def _log_ndtr64(x: np.ndarray) -> np.ndarray:
    """ln ndtr(x): below -1 through erfcx (ndtr underflows there), else log1p(-erfc(x/sqrt 2)/2), as aten."""
    t = np.asarray(x, np.float64) * _SQRT1_2
    with _quiet():
        low = np.log(_erfcx64(-t) / 2) - t * t
        high = np.log1p(-_erfc(t) / 2)
    return np.where(t < -_SQRT1_2, low, high)


def _unary64(ctx, a: np.ndarray, fn, kernel: str, half: bool = False, keep_input: bool = True) -> np.ndarray:
    """The forward shared by the one-tensor ops below: torch's dtype refusals for ``kernel``, integers as the
    default float, ``fn`` evaluated in float64 and rounded once; saves (a, out), or out alone."""
    _refuse(a, kernel, half=half)
    a = _float(a)
    out = _via64(fn, a)
    ctx.save_for_backward(*((a, out) if keep_input else (out,)))
    return out


# --- ops of one tensor ------------------------------------------------------------------

class SpecialI0e(Function):
    """out = exp(-|a|) I_0(a);  da = g (i1e(a) - sgn(a) out)"""

    _backward_name = "SpecialI0EBackward0"

    @staticmethod
    def forward(ctx, a):
        return _unary64(ctx, a, B.i0e, "i0e_cpu")

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return g * (_via64(B.i1e, a) - np.sign(a) * out)


class SpecialI1(Function):
    """out = I_1(a);  da = g (i0(a) - out / a), 1/2 at a = 0 (|a| <= eps)"""

    @staticmethod
    def forward(ctx, a):
        return _unary64(ctx, a, B.i1, "i1_cpu")

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        tiny = np.abs(a) <= np.finfo(a.dtype).eps  # torch's i1_backward: the limit 1/2 there
        safe = np.where(tiny, a.dtype.type(1), a)
        with _quiet():
            return g * np.where(tiny, a.dtype.type(0.5), _via64(B.i0, safe) - out / safe)


class SpecialI1e(Function):
    """out = exp(-|a|) I_1(a);  da = g (i0e(a) - out (sgn(a) + 1/a)), 1/2 at a = 0 (|a| <= eps)"""

    _backward_name = "SpecialI1EBackward0"

    @staticmethod
    def forward(ctx, a):
        return _unary64(ctx, a, B.i1e, "i1e_cpu")

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        tiny = np.abs(a) <= np.finfo(a.dtype).eps
        safe = np.where(tiny, a.dtype.type(1), a)
        with _quiet():
            return g * np.where(tiny, a.dtype.type(0.5), _via64(B.i0e, safe) - out * (np.sign(safe) + 1 / safe))


class SpecialErfcx(Function):
    """out = exp(a^2) erfc(a);  da = g (2 a out - 2/sqrt(pi))"""

    @staticmethod
    def forward(ctx, a):
        return _unary64(ctx, a, _erfcx64, "erfcx_cpu", half=True)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        with _quiet():
            return g * (2 * a * out - a.dtype.type(2 / math.sqrt(math.pi)))


class SpecialNdtri(Function):
    """out = ndtr^-1(a) (+-inf at 1 and 0, nan outside [0, 1]);  da = g sqrt(2 pi) exp(out^2 / 2)"""

    @staticmethod
    def forward(ctx, a):
        return _unary64(ctx, a, _ndtri64, "ndtri_cpu", half=True, keep_input=False)

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        with _quiet():
            return g * out.dtype.type(_SQRT_2PI) * np.exp(out * out / 2)


class SpecialLogNdtr(Function):
    """out = ln ndtr(a);  da = g / sqrt(2 pi) exp(-(out + a^2 / 2))"""

    @staticmethod
    def forward(ctx, a):
        return _unary64(ctx, a, _log_ndtr64, "log_ndtr_cpu", half=True)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        with _quiet():
            return g / a.dtype.type(_SQRT_2PI) * np.exp(-(out + a * a / 2))


class SpecialEntr(Function):
    """out = -a ln a (0 at a = 0, -inf below 0);  da = -g (1 + ln a)"""

    @staticmethod
    def forward(ctx, a):
        _refuse(a, "entr_cpu")
        a = _float(a)
        ctx.save_for_backward(a)
        with _quiet():
            log_a = _via64(np.log, np.where(a > 0, a, a.dtype.type(1)))
            out = np.where(a > 0, -a * log_a, np.where(a == 0, a.dtype.type(0), a.dtype.type(-np.inf)))
        return np.where(np.isnan(a), a, out)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with _quiet():
            return g * -(1 + _via64(np.log, a))


def _unary(fn, name: str):
    def op(input: Tensor, *, out=None) -> Tensor:
        _check_tensor(input, f"special_{name}")
        return _out(fn.apply(input), out)
    op.__name__ = name
    op.__doc__ = fn.__doc__
    return op


i0e, i1, i1e = _unary(SpecialI0e, "i0e"), _unary(SpecialI1, "i1"), _unary(SpecialI1e, "i1e")
erfcx, ndtri = _unary(SpecialErfcx, "erfcx"), _unary(SpecialNdtri, "ndtri")
log_ndtr = _unary(SpecialLogNdtr, "log_ndtr")
entr = _unary(SpecialEntr, "entr")


class _MulScalar(Mul):
    _backward_name = "MulBackward1"  # torch's node for the Tensor * Scalar overload its C++ composites call


def ndtr(input: Tensor, *, out=None) -> Tensor:
    """P(N(0,1) <= input), composed as torch composes it: (1 + erf(input / sqrt 2)) * 0.5."""
    from .unary import erf
    _check_tensor(input, "special_ndtr")
    return _out(_MulScalar.apply(erf(input * _SQRT1_2) + 1, 0.5), out)


# --- ops of two operands -------------------------------------------------------------

def _xlog1py(x, y):
    """x ln(1 + y), 0 where x == 0 unless y is nan (the log rounded to the dtype first, as torch's kernel)."""
    dt = np.result_type(x, y)
    with _quiet():
        x, y = np.asarray(x, dt), np.asarray(y, dt)
        log1p_y = np.log1p(y.astype(np.float64)).astype(dt)
        return np.where(np.isnan(y), dt.type(np.nan), np.where(x == 0, dt.type(0), x * log1p_y)).astype(dt)


class SpecialXlog1py(Function):
    """out = x ln(1 + y) (0 at x == 0);  dx = g ln(1 + y) (0 where x == 0 and y <= -1),  dy = g x / (1 + y)"""

    _backward_name = "SpecialXlog1PyBackward0"

    @staticmethod
    def forward(ctx, x, y):
        ctx.a_meta = (np.shape(x), getattr(x, "dtype", None))
        ctx.b_meta = (np.shape(y), getattr(y, "dtype", None))
        x, y = _float_operands(x, y) if isinstance(x, np.ndarray) else _float_operands(y, x)[::-1]
        _refuse(np.result_type(x, y), "xlog1py_cpu")
        ctx.save_for_backward(x, y)
        return _broadcasting(_xlog1py, x, y)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = gy = None
        with _quiet():
            if need[0] and ctx.a_meta[1] is not None:
                gx = _back(np.where((x == 0) & (y <= -1), g.dtype.type(0), _xlog1py(g, y)).astype(g.dtype), ctx.a_meta)
            if need[1] and ctx.b_meta[1] is not None:
                gy = _back(g * x / (y + 1), ctx.b_meta)
        return gx, gy


def _scalar_self(base: type, backward_name: str) -> type:
    """``base(number, tensor)``, applied as (tensor, number) since a node's first input is a tensor: the forward
    swaps the operands back, the backward swaps the grads."""
    def forward(ctx, b, a):
        return base.forward(ctx, a, b)

    def backward(ctx, g):
        ctx.needs_input_grad = ctx.needs_input_grad[::-1]
        return base.backward(ctx, g)[::-1]

    return type(f"{base.__name__}ScalarSelf", (base,), {
        "_backward_name": backward_name, "__doc__": _scalar_self.__doc__,
        "forward": staticmethod(forward), "backward": staticmethod(backward)})


SpecialXlog1pyScalarSelf = _scalar_self(SpecialXlog1py, "SpecialXlog1PyBackward1")


class SpecialXlog1pyScalarOther(SpecialXlog1py):
    _backward_name = "SpecialXlog1PyBackward2"


def _zeta_in(x, q):
    dt = np.result_type(x, q)
    x, q = np.asarray(x, dt), np.asarray(q, dt)
    return G.zeta(x.astype(np.float64), q.astype(np.float64)).astype(dt)


class SpecialZeta(Function):
    """out = sum_k (q + k)^-x (Hurwitz);  dq = -g x zeta(x + 1, q);  dx: not implemented (as in torch)"""

    @staticmethod
    def forward(ctx, x, q):
        ctx.a_meta = (np.shape(x), getattr(x, "dtype", None))
        ctx.b_meta = (np.shape(q), getattr(q, "dtype", None))
        x, q = _float_operands(x, q) if isinstance(x, np.ndarray) else _float_operands(q, x)[::-1]
        _refuse(np.result_type(x, q), "zeta_cpu", half=True)
        ctx.save_for_backward(x, q)
        return _broadcasting(_zeta_in, x, q)

    @staticmethod
    def backward(ctx, g):
        x, q = ctx.saved_tensors
        need = ctx.needs_input_grad
        if need[0] and ctx.a_meta[1] is not None:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        gq = None
        if need[1] and ctx.b_meta[1] is not None:
            with _quiet():
                gq = _back(g * -x * _zeta_in(x + 1, q), ctx.b_meta)
        return None, gq


SpecialZetaScalarSelf = _scalar_self(SpecialZeta, "SpecialZetaBackward1")


class SpecialZetaScalarOther(SpecialZeta):
    _backward_name = "SpecialZetaBackward2"


def _binary(both, scalar_self, scalar_other, name: str):
    def op(input, other, *, out=None) -> Tensor:
        if isinstance(input, np.generic):
            input = input.item()
        if isinstance(other, np.generic):
            other = other.item()
        if not isinstance(input, Tensor) and not isinstance(other, Tensor):
            raise TypeError(f"special_{name}() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(other).__name__}), but expected one of:\n"
                            " * (Tensor input, Tensor other, *, Tensor out = None)\n"
                            " * (Number self, Tensor other, *, Tensor out = None)\n"
                            " * (Tensor input, Number other, *, Tensor out = None)\n")
        if isinstance(input, Tensor) and isinstance(other, Tensor):
            res = both.apply(input, other)
        elif isinstance(other, Tensor):
            res = scalar_self.apply(other, input)
        else:
            res = scalar_other.apply(input, other)
        return _out(res, out)
    op.__name__ = name
    return op


xlog1py = _binary(SpecialXlog1py, SpecialXlog1pyScalarSelf, SpecialXlog1pyScalarOther, "xlog1py")
zeta = _binary(SpecialZeta, SpecialZetaScalarSelf, SpecialZetaScalarOther, "zeta")
