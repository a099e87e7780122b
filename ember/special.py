"""``torch.special``: special functions. Most are the top-level ops under their SciPy-style names; the rest
live in ember/_ops/special_only.py (i0e, i1, i1e, erfcx, ndtr, ndtri, log_ndtr, entr, xlog1py, zeta),
special_bessel.py (Bessel and Airy functions), special_polynomials.py (orthogonal polynomials)
and igamma.py (gammainc, gammaincc).
"""
from __future__ import annotations

from ._ops.activation import log_softmax as _log_softmax, sigmoid as expit, softmax as _softmax
from ._ops.binary_math import xlogy
from ._ops.igamma import gammainc, gammaincc
from ._ops.reduction import logsumexp
from ._ops.special_fns import digamma, i0, lgamma as gammaln, logit, mvlgamma as multigammaln, polygamma, sinc
from ._ops.special_only import entr, erfcx, i0e, i1, i1e, log_ndtr, ndtr, ndtri, xlog1py, zeta
from ._ops.special_bessel import (airy_ai, bessel_j0, bessel_j1, bessel_y0, bessel_y1, modified_bessel_i0,
                                  modified_bessel_i1, modified_bessel_k0, modified_bessel_k1, scaled_modified_bessel_k0,
                                  scaled_modified_bessel_k1, spherical_bessel_j0)
from ._ops.special_polynomials import (chebyshev_polynomial_t, chebyshev_polynomial_u, chebyshev_polynomial_v,
                                       chebyshev_polynomial_w, hermite_polynomial_h, hermite_polynomial_he,
                                       laguerre_polynomial_l, legendre_polynomial_p, shifted_chebyshev_polynomial_t,
                                       shifted_chebyshev_polynomial_u, shifted_chebyshev_polynomial_v,
                                       shifted_chebyshev_polynomial_w)
from ._ops.unary import RoundDecimals as _RoundDecimals, erf, erfc, exp2, expm1, log1p
from ._ops.unary_extra import erfinv

__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
           "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc",
           "gammaln", "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e",
           "laguerre_polynomial_l", "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp",
           "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "multigammaln",
           "ndtr", "ndtri", "polygamma", "psi", "round", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "sinc", "softmax", "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]

psi = digamma


def round(input, *, decimals: int = 0, out=None):
    """Round to ``decimals`` places; torch's special_round always takes round's decimals overload (RoundBackward1)."""
    from ._ops._args import strict_out
    return strict_out(_RoundDecimals.apply(input, int(decimals)), out)


def softmax(input, dim: int, *, dtype=None):
    """softmax along ``dim`` (``dtype``: cast the input first)."""
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input, dim: int, *, dtype=None):
    """log_softmax along ``dim`` (``dtype``: cast the input first)."""
    return _log_softmax(input, dim, dtype=dtype)
