"""``torch.special``: special functions. Most are the top-level ops under their SciPy-style names; the rest
(i0e, i1, i1e, erfcx, ndtr, ndtri, log_ndtr, entr, xlog1py, zeta) live in ember/_ops/special_only.py.

Not provided (yet): airy_ai, the bessel_j0/j1/y0/y1, modified_bessel_* and scaled_modified_bessel_* families,
spherical_bessel_j0, the orthogonal polynomials (chebyshev_*, hermite_*, laguerre_*, legendre_*).
"""
from __future__ import annotations

from ._ops.activation import log_softmax as _log_softmax, sigmoid as expit, softmax as _softmax
from ._ops.binary_math import xlogy
from ._ops.igamma import gammainc, gammaincc
from ._ops.reduction import logsumexp
from ._ops.special_fns import digamma, i0, lgamma as gammaln, logit, mvlgamma as multigammaln, polygamma, sinc
from ._ops.special_only import entr, erfcx, i0e, i1, i1e, log_ndtr, ndtr, ndtri, xlog1py, zeta
from ._ops.unary import RoundDecimals as _RoundDecimals, erf, erfc, exp2, expm1, log1p
from ._ops.unary_extra import erfinv

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln", "i0", "i0e",
           "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy", "zeta"]

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
