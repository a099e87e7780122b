"""aten's ``_dirichlet_grad`` (``dirichlet_grad_one``): the implicit reparameterization gradient of a Beta/Dirichlet
coordinate, -(d/d alpha cdf(x; alpha, beta)) / pdf(x; alpha, beta) / (1 - x), with beta = total - alpha.

``T`` is aten's scalar_t (np.float32 or np.float64 scalars, so float32 arithmetic rounds as in C); the
accscalar_t parts are Python floats (double). Transcendentals on scalar_t values are evaluated in double and
rounded to T (glibc's logf/powf are correctly rounded on these paths in practice).
"""
from __future__ import annotations

import math

import numpy as np

from ._gamma_sampling import _digamma_one

_C = ((((1.003668233, -0.01061107488, -0.0657888334, 0.01201642863),
         (0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033),
         (-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013)),
        ((0.221950385, -0.3187676331, 0.01799915743, 0.01074823814),
         (-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057),
         (0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05)),
        ((-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565),
         (0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181),
         (0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05))),
     (((1, -0.02924021934, -0.04438342661, 0.007285809825),
         (0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521),
         (-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149)),
        ((0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273),
         (0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956),
         (-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05)),
        ((0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05),
         (0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05),
         (-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06))))


def _digamma_t(x, T):
    """digamma_one<scalar_t, double>: the recurrence steps run in scalar_t, the sum in double."""
    if T is np.float64:
        return T(_digamma_one(float(x)))
    x = T(x)
    if x == 0:
        return T(math.inf)
    extra = 0.0
    if x < 0:
        if x == T(math.floor(x)):
            return T(math.inf)
        pi = T(math.pi)
        extra = float(-pi / T(math.tan(float(pi * x))))
        x = T(1) - x
    result = 0.0
    while x < 10:
        result -= float(T(1) / x)
        x = x + T(1)
    if x == 10:
        return T(result + 2.25175258906672110764 + extra)
    y = 0.0
    if x < 1.0e17:
        z = 1.0 / float(x * x)
        poly = 0.0
        for a in (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
                  -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
                  8.33333333333333333333E-2):
            poly = poly * z + a
        y = z * poly
    return T(result + float(T(math.log(x))) - float(T(0.5) / x) - y + extra)


def _nan_to_zero(v, T):
    return T(0) if math.isnan(v) else v


def _beta_grad_alpha_small(x, alpha, beta, T):
    factor = _digamma_t(alpha, T) - _digamma_t(alpha + beta, T) - T(math.log(x))
    numer = T(1)
    series = numer / alpha * (factor + T(1) / alpha)
    for i in range(1, 11):
        ci = T(i)
        numer = numer * ((ci - beta) * x / ci)
        denom = alpha + ci
        series = series + numer / denom * (factor + T(1) / denom)
    return _nan_to_zero(x * T(math.pow(float(T(1) - x), float(-beta))) * series, T)


def _beta_grad_beta_small(x, alpha, beta, T):
    factor = _digamma_t(alpha + beta, T) - _digamma_t(beta, T)
    numer, betas, dbetas, series = T(1), T(1), T(0), factor / alpha
    for i in range(1, 9):
        ci = T(i)
        numer = numer * (-x / ci)
        dbetas = dbetas * (beta - ci) + betas
        betas = betas * (beta - ci)
        series = series + numer / (alpha + ci) * (dbetas + factor * betas)
    return _nan_to_zero(-T(math.pow(float(T(1) - x), float(T(1) - beta))) * series, T)


def _beta_grad_alpha_mid(x: float, alpha: float, beta: float) -> float:
    total = alpha + beta
    mean = alpha / total
    std = math.sqrt(alpha * beta / (total + 1)) / total
    if mean - 0.1 * std <= x <= mean + 0.1 * std:  # avoid the singularity at x = mean
        poly = 47 * x * (beta * beta) * (beta * beta) + alpha * (
            (43 + 20 * (16 + 27 * beta) * x) * (beta * beta) * beta + alpha * (
                3 * (59 + 180 * beta - 90 * x) * (beta * beta) + alpha * (
                    (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (8 * (1 - x) * (135 * beta - 11)))))
        prefactor_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
        prefactor_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
        return prefactor_num / (1 - x) * poly / prefactor_den
    prefactor = -x / math.sqrt(2 * alpha * beta / total)
    stirling = ((1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha)) * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
                / (1 + 1 / (12 * total) + 1 / (288 * total * total)))
    term1_num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * (beta * beta)
    axbx = alpha * (x - 1) + beta * x
    term1_den = math.sqrt(2 * alpha / beta) * math.pow(total, 1.5) * axbx * axbx
    term1 = term1_num / term1_den
    term2 = 0.5 * math.log(alpha / (total * x))
    term3 = math.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    term4_base = beta * math.log(beta / (total * (1 - x))) + alpha * math.log(alpha / (total * x))
    term4 = math.pow(term4_base, -1.5)
    term1234 = term1 + term2 * (term3 + (term4 if x < mean else -term4))
    return stirling * prefactor * term1234


def _dirichlet_grad_one(x, alpha, total, T):
    x, alpha, total = T(x), T(alpha), T(total)
    x_, alpha_, total_ = float(x), float(alpha), float(total)
    beta = total - alpha
    beta_ = total_ - alpha_
    boundary = total * x * (T(1) - x)
    if x <= 0.5 and boundary < 2.5:  # x near 0
        return _beta_grad_alpha_small(x, alpha, beta, T)
    if x >= 0.5 and boundary < 0.75:  # x near 1
        return -_beta_grad_beta_small(T(1) - x, beta, alpha, T)
    if alpha > 6 and beta > 6:  # both large
        return T(_beta_grad_alpha_mid(x_, alpha_, beta_))
    u = math.log(x_)  # rational correction to an analytic approximation
    a = math.log(alpha_) - u
    b = math.log(total_) - a
    pow_u, pow_a = (1.0, u, u * u), (1.0, a, a * a)
    p = q = 0.0
    for i in range(3):
        for j in range(3):
            ua = pow_u[i] * pow_a[j]
            cp, cq = _C[0][i][j], _C[1][i][j]
            p += ua * (cp[0] + b * (cp[1] + b * (cp[2] + b * cp[3])))
            q += ua * (cq[0] + b * (cq[1] + b * (cq[2] + b * cq[3])))
    approx = x_ * (float(_digamma_t(total_, T)) - float(_digamma_t(alpha_, T))) / beta_
    return T(p / q * approx)


def dirichlet_grad_array(x: np.ndarray, alpha: np.ndarray, total: np.ndarray) -> np.ndarray:
    T = x.dtype.type
    xs, als, ts = np.broadcast_arrays(x, alpha, total)
    out = [_dirichlet_grad_one(a, b, c, T) for a, b, c in zip(xs.reshape(-1), als.reshape(-1), ts.reshape(-1))]
    return np.array(out, dtype=x.dtype).reshape(xs.shape)
