"""The linear-algebra names torch keeps at the top level and as Tensor methods (``torch.det``,
``Tensor.inverse``, ...): each is the ``torch.linalg`` op, or its older form where the signature differs."""
from __future__ import annotations

from .linalg_decomp import cholesky_legacy as cholesky, det, inverse, logdet, slogdet_legacy as slogdet
from .linalg_factor import qr_legacy as qr, svd_legacy as svd
from .linalg_matfn import matrix_exp, matrix_power as _matrix_power
from .linalg_lstsq import pinverse
from .linalg_lu import lu_legacy as lu, lu_solve_legacy as lu_solve, lu_unpack
from .linalg_solvers import cholesky_inverse, cholesky_solve, triangular_solve

__all__ = ["inverse", "det", "logdet", "slogdet", "cholesky", "cholesky_solve", "cholesky_inverse", "qr", "svd",
           "pinverse", "matrix_power", "matrix_exp", "triangular_solve", "lu", "lu_solve", "lu_unpack"]



def _check_n(n, position: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"matrix_power(): argument 'n' (position {position}) must be int, not {type(n).__name__}")


def matrix_power(input, n: int):
    """torch.matrix_power: linalg.matrix_power (its own name in the argument error)."""
    _check_n(n, 2)
    return _matrix_power(input, n)


def _matrix_power_method(self, n: int):
    _check_n(n, 1)
    return _matrix_power(self, n)


# Tensor methods (bound in ember/_tensor.py): the same functions, self first
METHODS = {name: globals()[name] for name in __all__ if name != "lu_unpack"}
METHODS["matrix_power"] = _matrix_power_method
