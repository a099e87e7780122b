"""The linear-algebra names torch keeps at the top level and as Tensor methods (``torch.det``,
``Tensor.inverse``, ...): each is the ``torch.linalg`` op, or its older form where the signature differs."""
from __future__ import annotations

import functools
import warnings

from . import linalg_decomp, linalg_factor, linalg_lu, linalg_solvers
from .linalg_decomp import det, inverse, logdet, slogdet_legacy as slogdet
from .linalg_factor import svd_legacy as svd
from .linalg_matfn import matrix_exp, matrix_power as _matrix_power
from .linalg_lstsq import pinverse
from .linalg_lu import lu_unpack
from .linalg_householder import geqrf, orgqr, ormqr
from .linalg_solvers import cholesky_inverse, cholesky_solve

__all__ = ["inverse", "det", "logdet", "slogdet", "cholesky", "cholesky_solve", "cholesky_inverse", "qr", "svd",
           "pinverse", "matrix_power", "matrix_exp", "triangular_solve", "lu", "lu_solve", "lu_unpack", "geqrf",
           "orgqr", "ormqr"]

_SOURCE = "/__w/pytorch/pytorch/aten/src/ATen/native/BatchLinearAlgebra.cpp"
# torch's deprecation notices (TORCH_WARN_ONCE: the first call in a process warns)
_DEPRECATED = {
    "cholesky": (
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future PyTorch "
        "release.\nL = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\nand\n"
        "U = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\nThis "
        "transform will produce equivalent results for all valid (symmetric positive definite) inputs.", 1765),
    "qr": (
        "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch release.\n"
        "The boolean parameter 'some' has been replaced with a string parameter 'mode'.\nQ, R = torch.qr(A, some)\n"
        "should be replaced with\nQ, R = torch.linalg.qr(A, 'reduced' if some else 'complete')", 2505),
    "triangular_solve": (
        "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be removed in a "
        "future PyTorch release.\ntorch.linalg.solve_triangular has its arguments reversed and does not return a "
        "copy of one of the inputs.\nX = torch.triangular_solve(B, A).solution\nshould be replaced with\n"
        "X = torch.linalg.solve_triangular(A, B).", 2273),
    "lu": (
        "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be removed "
        "in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be replaced with\n"
        "LU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, pivots, info = torch.lu(A, "
        "compute_pivots, get_infos=True)\nshould be replaced with\nLU, pivots, info = torch.linalg.lu_factor_ex(A, "
        "compute_pivots)", 2073),
    "lu_solve": (
        "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a future PyTorch "
        "release.\nNote that torch.linalg.lu_solve has its arguments reversed.\nX = torch.lu_solve(B, LU, pivots)\n"
        "should be replaced with\nX = torch.linalg.lu_solve(LU, pivots, B)", 2230),
}
_warned: set = set()


def _deprecated(name: str, fn):
    """``fn`` that first gives torch's once-per-process deprecation warning for ``torch.<name>``."""
    text, line = _DEPRECATED[name]

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if name not in _warned:
            _warned.add(name)
            warnings.warn(f"{text} (Triggered internally at {_SOURCE}:{line}.)", UserWarning, stacklevel=2)
        return fn(*args, **kwargs)
    wrapper.__name__ = name
    return wrapper


cholesky = _deprecated("cholesky", linalg_decomp.cholesky_legacy)
qr = _deprecated("qr", linalg_factor.qr_legacy)
triangular_solve = _deprecated("triangular_solve", linalg_solvers.triangular_solve)
lu = _deprecated("lu", linalg_lu.lu_legacy)
lu_solve = _deprecated("lu_solve", linalg_lu.lu_solve_legacy)


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
