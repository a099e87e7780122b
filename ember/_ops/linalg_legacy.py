"""The linear-algebra names torch keeps at the top level and as Tensor methods (``torch.det``,
``Tensor.inverse``, ...): each is the ``torch.linalg`` op, or its older form where the signature differs."""
from __future__ import annotations

from .linalg_decomp import cholesky_legacy as cholesky, det, inverse, logdet, slogdet_legacy as slogdet
from .linalg_factor import qr_legacy as qr, svd_legacy as svd
from .linalg_matfn import matrix_exp, matrix_power
from .linalg_solvers import cholesky_inverse, cholesky_solve, pinverse, triangular_solve

__all__ = ["inverse", "det", "logdet", "slogdet", "cholesky", "cholesky_solve", "cholesky_inverse", "qr", "svd",
           "pinverse", "matrix_power", "matrix_exp", "triangular_solve"]

# Tensor methods (bound in ember/_tensor.py): the same functions, self first
METHODS = {name: globals()[name] for name in __all__}
