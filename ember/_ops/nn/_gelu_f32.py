"""float32 GELU kernels: output and local derivative in one blocked pass of float32 ufuncs.

Why float32 and not float64 + one rounding: a NumPy float32 ufunc pass costs about half a float64 one (twice the
SIMD lanes, half the bytes), and the casts in and out cost two more passes. Every pass counts: ~0.2 ns/element even
in cache, so the kernels below are written to use as few ufunc calls as possible (each line says what it computes).

Exact form, with z = |x|/sqrt2, h = erfc(z)/2 (so Phi(x) = 1 - h for x >= 0, h for x < 0):

    h  ~= -exp(-x^2/2) M(v),   v = lam/(|x| + 1/S),   M(v) = v^8 + c_7 v^7 + ... + c_1 v
    y   = x Phi(x) = relu(x) - |x| h                                          (no cancellation for either sign)
    y'  = Phi(x) + x phi(x),  phi(x) = exp(-x^2/2)/sqrt(2 pi)
        = 0.5 + sign(x) (0.5 + w),  w = |x| phi(x) - h                        (sign(0) = 0 gives y'(0) = 1/2)

M is the classic erfc form exp(-z^2) t Q(t), t = 1/(1 + p z), Q of degree 7, rewritten for fewer passes:
t Q(t) is a degree-8 polynomial in t without constant term, and t = S u with u = 1/(|x| + 1/S), S = p/sqrt2
(p = 0.33); scaling u by lam = |leading coefficient|^(1/8) makes it -M(v) with M monic, whose Horner form
v (v (... (v + c_7) v ...) + c_1) takes 14 ufunc passes and no multiply by t or by a leading coefficient. The c_k
were fitted in v itself (weighted least squares towards minimax relative error on |x| in [0, 13.5], with the
float32 values of lam and 1/S and each c_k rounded to float32 before the lower ones are refitted): relative error
of h <= 1.1e-7 before float32 evaluation. exp(-x^2/2) is exp(square(x) * -0.5), one rounding of the argument
(the scaling by -1/2 is exact; exp2 with a 1/ln2 factor would be cheaper but rounds it twice, ~2x the ulps in
the tail). sign(x) (0.5 + w) XORs the sign bit of x into the bits of 0.5 + w (exact, -0.0 for x = -0.0).

``tools/gelu_f32_accuracy.py`` refits the c_k and measures both kernels and torch's against float64 references
on the float32s of [-12, 12] (every 16th, last run): max abs error of y 2.4e-7 (torch 1.3e-6), of y' 3.5e-7
(torch 3.2e-7; the largest are near x = 0, where y' = 1/2 + x phi(x) - h inherits the float32 rounding of
h ~ 1/2); where |y| >= 2^-10, y is within 10.8 ulps (torch: 9.3e3, its 1 + erf(x/sqrt2) cancels for x < 0).
The ulps left come from rounding x^2 inside exp(-x^2/2). (The 35-pass form this replaced measured 9.0 ulps and
3.0e-7: its u Q(u) rounds a little less than the monic M(v); 10% of the time buys that.)

Tanh form, z = K (x + C x^3), with 1 + tanh z = 2r, r = 1/(1 + e), e = exp(-2z) (one exp, no tanh; 1 - tanh^2
= 4 e r^2 keeps its relative accuracy in both tails, where torch's 1 - tanh^2 and x z' ~ 100 would amplify a
one-ulp difference in tanh to ~1e-5):

    y  = x r,        y' = r (1 + 2 x e r z'),   z' = K (1 + 3 C x^2)

Measured as above: y within 5.2e-7 abs (torch 4.3e-7) and 14.5 ulps where |y| >= 2^-10 (torch 439), y'
within 2.5e-7 abs (torch 1.0e-6).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["gelu_f32"]

_F = np.float32


def _c(v: float) -> np.ndarray:
    """A float32 constant as a 0-d array: a NumPy scalar operand costs a ufunc call ~0.7 us more (converted
    to an array on every call), and the kernels make ~1000 such calls per 2M elements."""
    return np.array(v, _F)


# v = lam/(|x| + 1/S) and the c_1 .. c_7 of M (see the module doc; tools/gelu_f32_accuracy.py --refit)
_INV_S = _c(1.0 / (0.33 / math.sqrt(2.0)))
_LAM = _c(3.0605974525394686)
_M = (_c(-0.1304706186056137), _c(-0.17935025691986084), _c(-0.2762209475040436), _c(-0.09069464355707169),
      _c(-1.099509835243225), _c(1.323452353477478), _c(-2.428560495376587))
_SIGN_BIT = np.array(-2 ** 31, np.int32)
_INV_SQRT_2PI = _c(1.0 / math.sqrt(2.0 * math.pi))
_K = math.sqrt(2.0 / math.pi)
_C = 0.044715
_M2KC, _M2K, _6KC, _2K = _c(-2.0 * _K * _C), _c(-2.0 * _K), _c(6.0 * _K * _C), _c(2.0 * _K)
_HALF, _ONE, _TWO, _ZERO, _MHALF, _80 = _c(0.5), _c(1.0), _c(2.0), _c(0.0), _c(-0.5), _c(80.0)

# 32K float32 = 128 KiB per buffer: input, outputs and four temporaries of a block stay in L2, while the
# ~1 us fixed cost of each ufunc call is spread over enough elements (measured best between 16K and 64K).
_BLOCK = 32768


def _exact(x, y, d, a, v, q, e) -> None:
    np.abs(x, a)
    np.add(a, _INV_S, v)
    np.divide(_LAM, v, v)                   # v = lam/(|x| + 1/S)
    np.add(v, _M[-1], q)
    for c in _M[-2::-1]:                    # Horner on the monic M(v)
        np.multiply(q, v, q)
        np.add(q, c, q)
    np.multiply(q, v, q)                    # q = M(v)
    np.square(x, e)
    np.multiply(e, _MHALF, e)
    np.exp(e, e)                            # e = exp(-x^2/2)
    np.multiply(q, e, q)                    # q = exp(-x^2/2) M(v) = -h
    np.maximum(x, _ZERO, out=y)
    np.multiply(a, q, v)
    np.add(y, v, y)                         # y = relu(x) - |x| h
    if d is not None:
        np.multiply(a, e, a)
        np.multiply(a, _INV_SQRT_2PI, a)
        np.add(a, q, a)                     # w = |x| phi - h
        np.add(a, _HALF, a)
        s = v.view(np.int32)
        np.bitwise_and(x.view(np.int32), _SIGN_BIT, s)
        bits = a.view(np.int32)
        np.bitwise_xor(bits, s, bits)       # sign(x) (0.5 + w)
        np.add(a, _HALF, d)                 # y' = 0.5 + sign(x)(0.5 + w)


def _tanh(x, y, d, x2, e, r, _unused) -> None:
    np.multiply(x, x, x2)
    np.multiply(x2, _M2KC, e)
    np.add(e, _M2K, e)
    np.multiply(e, x, e)                    # -2z = -2K (x + C x^3)
    np.minimum(e, _80, out=e)               # exp stays finite (no inf * 0 = nan below), r stays a normal float
    np.exp(e, e)                            # e = exp(-2z)
    np.add(e, _ONE, r)
    np.divide(_ONE, r, r)                   # r = 1/(1 + e) = s/2
    np.multiply(x, r, y)
    if d is not None:
        np.multiply(x2, _6KC, x2)
        np.add(x2, _2K, x2)                 # 2 z' = 2K (1 + 3 C x^2)
        np.multiply(e, r, e)                # e r = (2 - s)/2, accurate in both tails (unlike 1 - r)
        np.multiply(e, x2, e)
        np.multiply(e, x, e)
        np.add(e, _ONE, e)
        np.multiply(e, r, d)                # y' = r (1 + 2 x e r z')


def gelu_f32(x: np.ndarray, tanh: bool, grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """GELU of a float32 array and, if ``grad``, its derivative (both float32, shaped like ``x``)."""
    kernel = _tanh if tanh else _exact
    flat = np.ascontiguousarray(x).reshape(-1)
    n = flat.size
    y = np.empty(n, _F)
    d = np.empty(n, _F) if grad else None
    bs = min(_BLOCK, n)
    bufs = [np.empty(bs, _F) for _ in range(4)]
    with np.errstate(invalid="ignore"):  # +-inf: inf * 0 = nan, as torch's result, without a warning
        if n <= bs:
            kernel(flat, y, d, *bufs)
        else:
            for s in range(0, n, bs):
                e = min(s + bs, n)
                k = e - s
                kernel(flat[s:e], y[s:e], None if d is None else d[s:e], *[b[:k] for b in bufs])
    return y.reshape(x.shape), (None if d is None else d.reshape(x.shape))
