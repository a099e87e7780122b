"""float32 GELU kernels: output and local derivative in one blocked pass of float32 ufuncs.

Why float32 and not float64 + one rounding: a NumPy float32 ufunc pass costs about half a float64 one (twice the
SIMD lanes, half the bytes), and the casts in and out cost two more passes. Every pass counts: ~0.2 ns/element even
in cache, so the kernels below are written to use as few ufunc calls as possible (each line says what it computes).

Exact form, with z = |x|/sqrt2, h = erfc(z)/2 (so Phi(x) = 1 - h for x >= 0, h for x < 0):

    h  ~= exp(-x^2/2) * t * Q(t),   t = 1/(1 + p z),   Q of degree 7        (rel. error of h <= 1e-7 on z in [0, 10])
    y   = x Phi(x) = relu(x) - |x| h                                          (no cancellation for either sign)
    y'  = Phi(x) + x phi(x),  phi(x) = exp(-x^2/2)/sqrt(2 pi)
        = 0.5 + sign(x) (0.5 + v),  v = |x| phi(x) - h                        (sign(0) = 0 gives y'(0) = 1/2)

Q was fitted offline; ``tools/gelu_f32_accuracy.py`` refits it and measures both kernels and torch's against
float64 references on the float32s of [-12, 12] (every 256th, last run): max abs error of y 2.4e-7 (torch 1.2e-6),
of y' 3.0e-7 (torch 3.0e-7); where |y| >= 2^-10, y is within 8.8 ulps (torch: 8.6e3, its 1 + erf(x/sqrt2) cancels
for x < 0). The ulps left come from rounding x^2 inside exp(-x^2/2).

Tanh form, z = K (x + C x^3), with 1 + tanh z = 2r, r = 1/(1 + e), e = exp(-2z) (one exp, no tanh; 1 - tanh^2
= 4 e r^2 keeps its relative accuracy in both tails, where torch's 1 - tanh^2 and x z' ~ 100 would amplify a
one-ulp difference in tanh to ~1e-5):

    y  = x r,        y' = r (1 + 2 x e r z'),   z' = K (1 + 3 C x^2)

Measured as above: y within 5.2e-7 abs (torch 4.3e-7) and 14 ulps where |y| >= 2^-10 (torch 432), y' within
2.4e-7 abs (torch 1.0e-6).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["gelu_f32"]

_F = np.float32
# t = 1/(1 + p z) = u/S with u = 1/(|x| + 1/S), S = p/sqrt2: Q's coefficients (from the constant term up, 0.5
# folded in) are rescaled to u, h = exp(-x^2/2) u Q'(u) with Q'_k = Q_k / S^(k+1), which saves one pass.
_P = 0.33
_Q64 = (0.0931789334233432, 0.09147746812783578, 0.10061521726799688, 0.023598950205243,
        0.204272781111434, -0.1756012001676813, 0.230134865926563, -0.06767702132968147)
_S64 = _P / math.sqrt(2.0)
_INV_S = _F(1.0 / _S64)
_Q = tuple(_F(c / _S64 ** (k + 1)) for k, c in enumerate(_Q64))
_INV_SQRT_2PI = _F(1.0 / math.sqrt(2.0 * math.pi))
_K = math.sqrt(2.0 / math.pi)
_C = 0.044715
_M2KC, _M2K, _6KC, _2K = _F(-2.0 * _K * _C), _F(-2.0 * _K), _F(6.0 * _K * _C), _F(2.0 * _K)
_HALF, _ONE, _TWO, _ZERO, _MHALF = _F(0.5), _F(1.0), _F(2.0), _F(0.0), _F(-0.5)

# 32K float32 = 128 KiB per buffer: input, outputs and four temporaries of a block stay in L2, while the
# ~1 us fixed cost of each ufunc call is spread over enough elements (measured best between 16K and 64K).
_BLOCK = 32768


def _exact(x, y, d, a, t, q, e) -> None:
    np.abs(x, out=a)
    np.add(a, _INV_S, out=t)
    np.divide(_ONE, t, out=t)               # u = 1/(|x| + 1/S) = S t
    np.multiply(t, _Q[-1], out=q)
    for c in _Q[-2:0:-1]:                   # Horner
        np.add(q, c, out=q)
        np.multiply(q, t, out=q)
    np.add(q, _Q[0], out=q)
    np.multiply(x, _MHALF, out=e)
    np.multiply(e, x, out=e)
    np.exp(e, out=e)                        # e = exp(-x^2/2)
    np.multiply(t, e, out=t)
    np.multiply(q, t, out=q)                # q = h = erfc(|x|/sqrt2)/2 = e u Q'(u)
    np.maximum(x, _ZERO, out=y)
    np.multiply(a, q, out=t)
    np.subtract(y, t, out=y)                # y = relu(x) - |x| h
    if d is not None:
        np.multiply(a, e, out=a)
        np.multiply(a, _INV_SQRT_2PI, out=a)
        np.subtract(a, q, out=a)            # v = |x| phi - h
        np.add(a, _HALF, out=a)
        np.sign(x, out=t)
        np.multiply(a, t, out=a)
        np.add(a, _HALF, out=d)             # y' = 0.5 + sign(x)(0.5 + v)


def _tanh(x, y, d, x2, e, r, _unused) -> None:
    np.multiply(x, x, out=x2)
    np.multiply(x2, _M2KC, out=e)
    np.add(e, _M2K, out=e)
    np.multiply(e, x, out=e)                # -2z = -2K (x + C x^3)
    np.minimum(e, _F(80.0), out=e)          # exp stays finite (no inf * 0 = nan below), r stays a normal float
    np.exp(e, out=e)                        # e = exp(-2z)
    np.add(e, _ONE, out=r)
    np.divide(_ONE, r, out=r)               # r = 1/(1 + e) = s/2
    np.multiply(x, r, out=y)
    if d is not None:
        np.multiply(x2, _6KC, out=x2)
        np.add(x2, _2K, out=x2)             # 2 z' = 2K (1 + 3 C x^2)
        np.multiply(e, r, out=e)            # e r = (2 - s)/2, accurate in both tails (unlike 1 - r)
        np.multiply(e, x2, out=e)
        np.multiply(e, x, out=e)
        np.add(e, _ONE, out=e)
        np.multiply(e, r, out=d)            # y' = r (1 + 2 x e r z')


def gelu_f32(x: np.ndarray, tanh: bool, grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """GELU of a float32 array and, if ``grad``, its derivative (both float32, shaped like ``x``)."""
    kernel = _tanh if tanh else _exact
    flat = np.ascontiguousarray(x).reshape(-1)
    n = flat.size
    y = np.empty(n, _F)
    d = np.empty(n, _F) if grad else None
    bs = min(_BLOCK, n)
    bufs = [np.empty(bs, _F) for _ in range(4)]
    if n <= bs:
        kernel(flat, y, d, *bufs)
    else:
        for s in range(0, n, bs):
            e = min(s + bs, n)
            k = e - s
            kernel(flat[s:e], y[s:e], None if d is None else d[s:e], *[b[:k] for b in bufs])
    return y.reshape(x.shape), (None if d is None else d.reshape(x.shape))
