"""``torch.linalg``: norms and products (``_ops/linalg_api.py``), LU/Cholesky ops (``_ops/linalg_decomp.py``),
orthogonal factorizations (``_ops/linalg_factor.py``), triangular solvers (``_ops/linalg_solvers.py``), pinv and
lstsq (``_ops/linalg_lstsq.py``), matrix functions (``_ops/linalg_matfn.py``) and the LU family
(``_ops/linalg_lu.py``, ``_ops/linalg_householder.py``), all on NumPy's LAPACK (getrf and orgqr in NumPy
itself)."""
from __future__ import annotations

from ._ops.linalg_api import (vector_norm as vector_norm, matrix_norm as matrix_norm, norm as norm,
                              multi_dot as multi_dot, cross as cross, vecdot as vecdot, matmul as matmul,
                              diagonal as diagonal, vander as vander, tensorinv as tensorinv,
                              tensorsolve as tensorsolve)
from ._ops._linalg_common import LinAlgError as LinAlgError
from ._ops.linalg_decomp import (inv as inv, inv_ex as inv_ex, det as det, slogdet as slogdet, solve as solve,
                                 solve_ex as solve_ex, cholesky as cholesky, cholesky_ex as cholesky_ex)
from ._ops.linalg_factor import (qr as qr, eigh as eigh, eigvalsh as eigvalsh, eig as eig, eigvals as eigvals,
                                 svd as svd, svdvals as svdvals)
from ._ops.linalg_solvers import solve_triangular as solve_triangular
from ._ops.linalg_lstsq import pinv as pinv, matrix_rank as matrix_rank, lstsq as lstsq
from ._ops.linalg_matfn import matrix_exp as matrix_exp, matrix_power as matrix_power, cond as cond
from ._ops.linalg_lu import (lu_factor as lu_factor, lu_factor_ex as lu_factor_ex, lu as lu, lu_solve as lu_solve)
from ._ops.linalg_householder import householder_product as householder_product

__all__ = ["vector_norm", "matrix_norm", "norm", "multi_dot", "cross", "vecdot", "matmul", "diagonal",
           "LinAlgError", "inv", "inv_ex", "det", "slogdet", "solve", "solve_ex", "cholesky", "cholesky_ex",
           "qr", "eigh", "eigvalsh", "svd", "svdvals", "solve_triangular", "pinv", "matrix_rank", "lstsq",
           "matrix_exp", "matrix_power", "cond", "lu_factor", "lu_factor_ex", "lu", "lu_solve", "eig", "eigvals",
           "vander", "tensorinv", "tensorsolve", "householder_product"]
