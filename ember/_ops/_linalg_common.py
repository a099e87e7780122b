"""What every LAPACK-backed ``torch.linalg`` op shares: the input checks with torch's messages, ``LinAlgError``,
the conjugate transpose, and a small LU / Cholesky in NumPy that reports LAPACK's ``info`` (NumPy's LAPACK
wrappers raise without saying which pivot failed, and torch's messages name it)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _SCALAR_NAMES

__all__ = ["LinAlgError"]


class LinAlgError(RuntimeError):
    """A linear-algebra input LAPACK could not factor (torch._C._LinAlgError, a RuntimeError)."""


LinAlgError.__name__ = LinAlgError.__qualname__ = "_LinAlgError"
LinAlgError.__module__ = "torch._C"


def mH(a: np.ndarray) -> np.ndarray:
    """The conjugate transpose of the last two dims."""
    t = np.swapaxes(a, -1, -2)
    return t.conj() if t.dtype.kind == "c" else t


def no_kernel(kernel: str, a: np.ndarray) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for \'{_SCALAR_NAMES[a.dtype.name]}\'')


def check_float(name: str, a: np.ndarray, kernel: str | None = None) -> None:
    """float32/float64/complex only: an integer input is refused by name; a half one by name, or, for the ops
    with no low-precision check of their own, by their LAPACK kernel (torch's "lu_cpu" not implemented ...)."""
    if a.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{_SCALAR_NAMES[a.dtype.name]}")
    if a.dtype.itemsize < 4:
        if kernel is not None:
            raise no_kernel(kernel, a)
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {_SCALAR_NAMES[a.dtype.name]}")


def check_matrix(name: str, A, square: bool = True, kernel: str | None = None) -> None:
    """torch's checks of a ``(*, m, n)`` float input (square when ``square``), in torch's order."""
    a = A._data if isinstance(A, Tensor) else A
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    check_float(name, a, kernel)
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")


def batch_prefix(batch_shape: tuple, flat_index: int) -> str:
    """torch's "(Batch element k): " before a message about one matrix of a batch."""
    return f"(Batch element {flat_index}): " if len(batch_shape) else ""


def raise_for_info(name: str, info: np.ndarray, message) -> None:
    """Raise LinAlgError for the first batch element whose LAPACK ``info`` is positive."""
    bad = np.flatnonzero(info.reshape(-1) > 0)
    if bad.size:
        k = int(bad[0])
        raise LinAlgError(f"{name}: {batch_prefix(info.shape, k)}{message(int(info.reshape(-1)[k]))}")


def singular_message(info: int) -> str:
    return (f"The diagonal element {info} is zero, the inversion could not be completed because the input "
            "matrix is singular.")


def not_pd_message(info: int) -> str:
    return ("The factorization could not be completed because the input is not positive-definite "
            f"(the leading minor of order {info} is not positive-definite).")


def svd(a: np.ndarray, **kwargs):
    """np.linalg.svd, with torch's error for matrices it cannot take (non-finite values)."""
    try:
        return np.linalg.svd(a, **kwargs)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.svd: The algorithm failed to converge because the input matrix contained "
                          "non-finite values.") from None


def pivot_row(col: np.ndarray) -> np.ndarray:
    """LAPACK's idamax down the last axis: the first largest |entry|; NaN never compares larger, but a NaN in
    the first place stays the pick (every comparison with it fails)."""
    mag = np.abs(col)
    best = np.argmax(np.where(np.isnan(mag), -np.inf, mag), axis=-1)
    return np.where(np.isnan(mag[..., 0]), 0, best)


def lu_info(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """getrf on one square matrix: (LU, row permutation, info), info = 1 + the first zero pivot's index (0: none).

    Like LAPACK, the factorization goes on past a zero pivot (that column is left unscaled)."""
    lu = np.array(a, dtype=np.result_type(a, np.float32), copy=True)
    n = lu.shape[0]
    perm = np.arange(n)
    info = 0
    for k in range(n):
        p = k + int(pivot_row(lu[k:, k]))
        if p != k:
            lu[[k, p]] = lu[[p, k]]
            perm[[k, p]] = perm[[p, k]]
        if lu[k, k] == 0:
            info = info or k + 1
            continue
        lu[k + 1:, k] /= lu[k, k]
        lu[k + 1:, k + 1:] -= np.multiply.outer(lu[k + 1:, k], lu[k, k + 1:])
    return lu, perm, info


def lu_solve(lu: np.ndarray, perm: np.ndarray, b: np.ndarray) -> np.ndarray:
    """getrs: solve with a (possibly singular) LU; a zero pivot gives LAPACK's inf/nan, not an error."""
    x = b[perm].astype(lu.dtype)
    with np.errstate(all="ignore"):
        x = tri_solve(lu, x, upper=False, unit=True)
        return tri_solve(lu, x, upper=True, unit=False)


def tri_solve(a: np.ndarray, b: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    """Solve ``a x = b`` for triangular ``a`` (..., n, n) and ``b`` (..., n, k) by substitution (trsm's order)."""
    n = a.shape[-1]
    x = np.array(b, dtype=np.result_type(a, b), copy=True)
    rows = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(all="ignore"):
        for i in rows:
            done = slice(i + 1, n) if upper else slice(0, i)
            if (upper and i < n - 1) or (not upper and i > 0):
                x[..., i, :] -= np.einsum("...j,...jk->...k", a[..., i, done], x[..., done, :])
            if not unit:
                x[..., i, :] /= a[..., i, i][..., None]
    return x


def chol_info(a: np.ndarray) -> tuple[np.ndarray, int]:
    """potf2 (lower) on one matrix: (the factor so far, info); on failure the unfinished columns keep A's lower
    triangle and the failing diagonal holds its reduced value, as LAPACK leaves them."""
    n = a.shape[0]
    low = np.tril(a).astype(np.result_type(a, np.float32))
    for j in range(n):
        d = low[j, j] - np.vdot(low[j, :j], low[j, :j])
        d = d.real if np.iscomplexobj(d) else d
        if not d > 0:
            low[j, j] = d
            return low, j + 1
        low[j, j] = np.sqrt(d)
        low[j + 1:, j] = (low[j + 1:, j] - low[j + 1:, :j] @ low[j, :j].conj()) / low[j, j]
    return low, 0
