"""torch's CPU gamma sampler (aten ``_standard_gamma``, ``_sample_dirichlet``) and the gamma reparameterization
gradient (``_standard_gamma_grad``), element by element on ember's generator.

The sampler is Marsaglia-Tsang acceptance-rejection; each element draws, in order, from torch's serial double
streams: ``uniform_real<double>(0, 1)`` (one random64) and ``normal_distribution<double>`` (Box-Muller with the
generator's cached second value). Elements are visited in C order, as aten's serial kernel does.
"""
from __future__ import annotations

import math

import numpy as np

import ember
from ember import Tensor
from ember._rng.generator import default_generator
from ember._rng.serial_normal import serial_normals_list
from ember.autograd.function import _NumpyFunction

def _uniform_double(eng) -> float:
    """torch's ``uniform_real_distribution<double>(0, 1)``: (random64() & (2**53 - 1)) * 2**-53, where random64
    joins two words, the first as the high half (the scalar path: two Python ints, no array)."""
    hi, lo = eng.words_list(2)
    return ((hi & 0x1FFFFF) << 32 | lo) * 1.1102230246251565e-16


_ONE_THIRD_F = float(np.float32(1.0) / np.float32(3.0))  # the C++ `1.0f / 3.0f`, a float constant
_C0331_F = float(np.float32(0.0331))  # `0.0331f`


def _gamma_one(alpha, gen, np_dtype) -> float:
    """One Marsaglia-Tsang draw for ``alpha`` (held in ``np_dtype``, as aten's scalar_t), computed in double."""
    eng = gen._engine
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        # 1.0f / alpha and alpha + 1.0f happen in scalar_t (float for float32 tensors)
        inv = np_dtype.type(1.0) / alpha
        scale *= math.pow(1.0 - _uniform_double(eng), float(inv))
        alpha = alpha + np_dtype.type(1.0)
    d = float(alpha - np_dtype.type(_ONE_THIRD_F))  # scalar_t - float, then widened to double
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        while True:
            x = serial_normals_list(gen, 1)[0]
            y = 1.0 + c * x
            if y > 0:
                break
        v = y * y * y
        u = 1.0 - _uniform_double(eng)
        xx = x * x
        if u < 1.0 - _C0331_F * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def standard_gamma_array(alpha: np.ndarray, gen=None) -> np.ndarray:
    """aten ``_s_gamma_cpu``: Gamma(alpha, 1) draws, clamped below at the dtype's smallest normal."""
    gen = default_generator if gen is None else gen
    dt = alpha.dtype
    flat = np.ascontiguousarray(alpha).reshape(-1)
    out = np.empty(flat.size, dtype=dt)
    tiny = np.finfo(dt).tiny
    for i, a in enumerate(flat):
        out[i] = max(tiny, dt.type(_gamma_one(a, gen, dt)))
    return out.reshape(alpha.shape)


def sample_dirichlet_array(alpha: np.ndarray, gen=None) -> np.ndarray:
    """aten ``_s_dirichlet_cpu``: gamma draws in double, normalized by their (double) sum over the last dim."""
    gen = default_generator if gen is None else gen
    dt = alpha.dtype
    f64 = np.dtype(np.float64)
    flat = np.ascontiguousarray(alpha).reshape(-1)
    gamma = np.empty(flat.size, dtype=np.float64)
    for i, a in enumerate(flat):
        gamma[i] = max(np.finfo(np.float64).tiny, _gamma_one(np.float64(a), gen, f64))
    gamma = gamma.reshape(alpha.shape)
    total = ember.from_numpy(gamma).sum(-1, keepdim=True).numpy()  # torch's summation order
    ratio = (gamma / total).astype(dt)
    return np.minimum(np.nextafter(dt.type(1.0), dt.type(0.0)), np.maximum(np.finfo(dt).tiny, ratio))


_PSI_10 = 2.25175258906672110764
_DIGAMMA_A = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
              -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
              8.33333333333333333333E-2)


def _digamma_one(x: float) -> float:
    """aten's scalar digamma in double (reflection below 0, recurrence up to 10, asymptotic series)."""
    if x == 0:
        return math.inf
    extra = 0.0
    if x < 0:
        if x == math.floor(x):
            return math.inf
        extra = -math.pi / math.tan(math.pi * x)
        x = 1 - x
    result = 0.0
    while x < 10:
        result -= 1 / x
        x += 1
    if x == 10:
        return result + _PSI_10 + extra
    y = 0.0
    if x < 1.0e17:
        z = 1.0 / (x * x)
        poly = 0.0
        for a in _DIGAMMA_A:
            poly = poly * z + a
        y = z * poly
    return result + math.log(x) - (0.5 / x) - y + extra


_COEF_UV = ((0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084),
            (0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915,
             -0.00058392623),
            (0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326, 0.00085092367,
             -1.5247877e-07))
_F08, _F09, _F11 = float(np.float32(0.8)), float(np.float32(0.9)), float(np.float32(1.1))


def _standard_gamma_grad_one(alpha: float, x: float) -> float:
    """d x / d alpha at fixed cdf for x ~ Gamma(alpha, 1): aten's three regimes, in double."""
    if x < _F08:  # Taylor series of the incomplete gamma function for small x
        numer, denom = 1.0, alpha
        series1, series2 = numer / denom, numer / (denom * denom)
        for i in range(1, 6):
            numer *= -x / i
            denom += 1
            series1 += numer / denom
            series2 += numer / (denom * denom)
        pow_x_alpha = math.pow(x, alpha)
        gamma_pdf = math.pow(x, alpha - 1) * math.exp(-x)
        gamma_cdf = pow_x_alpha * series1
        gamma_cdf_alpha = (math.log(x) - _digamma_one(alpha)) * gamma_cdf - pow_x_alpha * series2
        result = -gamma_cdf_alpha / gamma_pdf
        return 0.0 if math.isnan(result) else result
    if alpha > 8.0:  # Rice saddle point expansion
        if _F09 * alpha <= x <= _F11 * alpha:
            numer_1 = 1 + 24 * alpha * (1 + 12 * alpha)
            numer_2 = (1440 * (alpha * alpha) + 6 * x * (53 - 120 * x) - 65 * x * x / alpha
                       + alpha * (107 + 3600 * x))
            denom = 1244160 * (alpha * alpha) * (alpha * alpha)
            return numer_1 * numer_2 / denom
        denom = math.sqrt(8 * alpha)
        term2 = denom / (alpha - x)
        term3 = math.pow(x - alpha - alpha * math.log(x / alpha), -1.5)
        term23 = term2 - term3 if x < alpha else term2 + term3
        term1 = math.log(x / alpha) * term23 - math.sqrt(2 / alpha) * (alpha + x) / ((alpha - x) * (alpha - x))
        stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha))
        return -stirling * (x * term1) / denom
    u = math.log(x / alpha)  # bivariate rational approximation
    v = math.log(alpha)
    cv = [_COEF_UV[0][i] + u * (_COEF_UV[1][i] + u * _COEF_UV[2][i]) for i in range(8)]
    p = cv[0] + v * (cv[1] + v * (cv[2] + v * cv[3]))
    q = cv[4] + v * (cv[5] + v * (cv[6] + v * cv[7]))
    return math.exp(p / q)


def standard_gamma_grad_array(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """aten ``_standard_gamma_grad``: element-wise in double, cast back to the dtype."""
    a, s = np.broadcast_arrays(alpha, x)
    out = np.array([_standard_gamma_grad_one(float(p), float(q)) for p, q in zip(a.reshape(-1), s.reshape(-1))],
                   dtype=np.float64)
    return out.astype(x.dtype).reshape(a.shape)


class StandardGamma(_NumpyFunction):
    """x ~ Gamma(alpha, 1) with torch's implicit reparameterization gradient."""

    @staticmethod
    def forward(ctx, alpha: np.ndarray) -> np.ndarray:
        x = standard_gamma_array(alpha)
        ctx.save_for_backward(alpha, x)
        return x

    @staticmethod
    def backward(ctx, grad_output: np.ndarray) -> np.ndarray:
        alpha, x = ctx.saved_tensors
        return grad_output * standard_gamma_grad_array(alpha, x)


def _standard_gamma(alpha: Tensor) -> Tensor:
    """torch._standard_gamma."""
    return StandardGamma.apply(alpha)
