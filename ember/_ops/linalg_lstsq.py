"""The SVD-based least-squares family on NumPy's LAPACK: pinv (pinverse), matrix_rank, lstsq."""
from __future__ import annotations

import numpy as np

from .. import return_types
from .._tensor import Tensor, _SCALAR_NAMES
from ..autograd.function import _NumpyFunction as Function
from ._args import write_out
from ._broadcast import broadcast_error, sum_to_shape
from ._linalg_common import check_matrix, mH, svd
from .linalg_solvers import _batched

__all__ = ["pinv", "pinverse", "matrix_rank", "lstsq"]

linalg_lstsq = return_types._make("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))


# --- pseudo-inverse and rank --------------------------------------------------------------------------------
def _tolerances(a: np.ndarray, atol, rtol) -> tuple[float, float]:
    """torch's defaults: rtol = eps * max(m, n) unless only a positive atol is given (then rtol = 0)."""
    if rtol is None:
        default = np.finfo(a.dtype).eps * max(a.shape[-2:])
        rtol = default if atol is None else np.where(np.asarray(atol) > 0, 0.0, default)
    return (0.0 if atol is None else atol), rtol


def pinv_grad(g: np.ndarray, P: np.ndarray, A: np.ndarray) -> np.ndarray:
    """P = A^+:  gA = -P^H g P^H + (I - A P) g^H P P^H + P^H P g^H (I - P A)."""
    Ph, gh = mH(P), mH(g)
    m, n = A.shape[-2:]
    if m <= n:
        K = gh @ P
        KPh = K @ Ph
        return -mH(P @ K) + KPh - (A @ P) @ KPh + (Ph @ P) @ (gh - K @ A)
    K = P @ gh
    PhK = Ph @ K
    return -mH(K @ P) + (gh - A @ K) @ P @ Ph + PhK - PhK @ P @ A


def _pinv(a: np.ndarray, atol, rtol, hermitian: bool) -> np.ndarray:
    atol, rtol = _tolerances(a, atol, rtol)
    if a.size == 0:
        return np.zeros(a.shape[:-2] + a.shape[-2:][::-1], a.dtype)
    if hermitian:
        S, U = np.linalg.eigh(a)
        tol = np.maximum(atol, rtol * np.abs(S).max(-1, keepdims=True))
        with np.errstate(divide="ignore"):
            Sinv = np.where(np.abs(S) > tol, 1 / S, 0).astype(a.dtype)
        return (U * Sinv[..., None, :]) @ mH(U)
    U, S, Vh = svd(a, full_matrices=False)
    tol = np.maximum(atol, rtol * S[..., :1])
    with np.errstate(divide="ignore"):
        Sinv = np.where(S > tol, 1 / S, 0).astype(a.dtype)
    return (mH(Vh) * Sinv[..., None, :]) @ mH(U)


class LinalgPinv(Function):
    """A^+ from the SVD (or eigh when ``hermitian``), singular values at or below max(atol, rtol * S_max) dropped;
    backward in pinv_grad"""

    @staticmethod
    def forward(ctx, A, atol, rtol, hermitian):
        P = _pinv(A, atol, rtol, hermitian)
        ctx.save_for_backward(A, P)
        return P

    @staticmethod
    def backward(ctx, g):
        A, P = ctx.saved_tensors
        return pinv_grad(g, P, A), None, None, None


def _tol_value(t):
    """A tolerance: a number, or a tensor broadcast against the batch (one per matrix), as a trailing-1 array."""
    return t._data[..., None] if isinstance(t, Tensor) else t


def pinv(A: Tensor, rcond=None, hermitian: bool = False, *, atol=None, rtol=None, out=None) -> Tensor:
    """The Moore-Penrose pseudo-inverse (``rcond``: the older name of ``rtol``)."""
    a = A._data
    if a.ndim < 2 or a.dtype.kind not in "fc" or a.dtype.itemsize < 4:
        dt = f"{_SCALAR_NAMES[a.dtype.name]}{{{list(a.shape)}}}"
        raise RuntimeError(f"linalg.pinv({dt}): expected a tensor with 2 or more dimensions of float, double, "
                           "cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    if hermitian:
        check_matrix("linalg.eigh", A)
    return write_out(out, LinalgPinv.apply(A, _tol_value(atol), _tol_value(rtol), hermitian))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """torch.pinverse: linalg.pinv with rtol = ``rcond``."""
    return pinv(input, rtol=rcond)


def matrix_rank(A: Tensor, tol=None, hermitian: bool = False, *, atol=None, rtol=None, out=None) -> Tensor:
    """The number of singular values (|eigenvalues| when ``hermitian``) above max(atol, rtol * largest)."""
    a = A._data
    if a.ndim < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    if a.dtype.kind not in "fc" or a.dtype.itemsize < 4:
        raise RuntimeError("This function doesn't handle types other than float and double")
    check_matrix("linalg.eigh" if hermitian else "linalg.matrix_rank", A, square=hermitian)
    if tol is not None:
        atol, rtol = tol, 0.0
    atol, rtol = _tolerances(a, _tol_value(atol), _tol_value(rtol))
    if a.size == 0:
        S = np.zeros(a.shape[:-2] + (0,), a.real.dtype)
    else:
        S = np.abs(np.linalg.eigvalsh(a)) if hermitian else svd(a, compute_uv=False)
    big = S.max(-1, keepdims=True) if S.shape[-1] else np.zeros(S.shape[:-1] + (1,), S.dtype)
    rank = (S > np.maximum(atol, rtol * big)).sum(-1).astype(np.int64)
    return write_out(out, Tensor._make(np.asarray(rank)))


# --- least squares --------------------------------------------------------------------------------------
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


class LinalgLstsq(Function):
    """X minimizing |AX - B| (the minimum-norm one when A is rank-deficient; rank from rcond * S_max);
    gradients through the pseudo-inverse, X = A^+ B:  gA = pinv_grad(g B^H, A^+, A), gB = A^+^H g, plus the
    residuals' r = |AX - B|^2 (per column): gA += 2 (AX - B) diag(g_r) X^H, gB -= 2 (AX - B) diag(g_r)"""

    @staticmethod
    def forward(ctx, A, B, rcond, driver):
        vec = B.ndim == A.ndim - 1
        Bm = B[..., None] if vec else B
        m, n = A.shape[-2:]
        if rcond is None or rcond < 0:
            rcond = np.finfo(A.dtype).eps * max(m, n)
        Ab, Bb = _batched(A, Bm)
        batch = Ab.shape[:-2]
        count = int(np.prod(batch))
        fa, fb = Ab.reshape((count, m, n)), Bb.reshape((count,) + Bb.shape[-2:])
        k = min(m, n)
        X = np.empty((len(fa), n, Bm.shape[-1]), A.dtype)
        rank = np.zeros(len(fa), np.int64)
        S = np.zeros((len(fa), k), A.real.dtype)
        for i in range(count if fa.size else 0):  # (no equations or no unknowns: X = 0, rank 0)
            X[i], _, rank[i], S[i] = np.linalg.lstsq(fa[i], fb[i], rcond=rcond)
        if not fa.size:
            X[...] = 0
        X = X.reshape(batch + X.shape[-2:])
        with_res = m > n and (driver == "gels" or (driver in ("gelsd", "gelss") and (rank == n).all()))
        if with_res:
            res = (np.abs(Ab @ X - Bb) ** 2).sum(-2).astype(A.real.dtype)
        else:
            res = np.empty((0,), A.real.dtype)
        rank = rank.reshape(batch) if driver != "gels" else np.empty((0,), np.int64)
        S = S.reshape(batch + (k,)) if driver in ("gelsd", "gelss") else np.empty((0,), A.real.dtype)
        ctx.mark_non_differentiable(S)
        out = X[..., 0] if vec else X
        ctx.save_for_backward(A, Bm, out)
        ctx.args = (B.shape, vec)
        return out, res, rank, S

    @staticmethod
    def backward(ctx, g, g_res=None, _g_rank=None, _g_s=None):
        A, Bm, X = ctx.saved_tensors
        b_shape, vec = ctx.args
        Xm = X[..., None] if vec else X
        gA = gB = 0
        if g is not None:
            gm = g[..., None] if vec else g
            P = _pinv(A, None, None, False)
            gA = pinv_grad(gm @ mH(Bm), P, A)
            gB = mH(P) @ gm
        if g_res is not None and g_res.size:
            # r_j = |A x_j - b_j|^2 with x_j stationary (the normal equations): only A and B move it
            D = 2 * (A @ Xm - Bm) * g_res[..., None, :]
            gA = gA + D @ mH(Xm)
            gB = gB - D
        gA = sum_to_shape(np.broadcast_to(gA, Xm.shape[:-2] + A.shape[-2:]), A.shape) \
            if ctx.needs_input_grad[0] else None
        if ctx.needs_input_grad[1]:
            gB = np.broadcast_to(gB, Xm.shape[:-2] + Bm.shape[-2:])
            gB = sum_to_shape(gB[..., 0] if vec else gB, b_shape)
        else:
            gB = None
        return gA, gB, None, None


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None):
    """(solution, residuals, rank, singular_values) as torch's CPU drivers return them: 'gelsy' (default) gives
    the rank only; 'gelsd'/'gelss' add the singular values and, for m > n and full rank, the residuals; 'gels'
    gives the residuals (m > n) only."""
    a, b = A._data, B._data
    if a.dtype.kind not in "fc" or b.dtype.kind not in "fc" or a.dtype.itemsize < 4:
        raise RuntimeError("This function doesn't handle types other than float and double")
    for t, what in ((a, "input"), (b, "other")):
        if t.ndim < (2 if what == "input" else 1):
            raise RuntimeError(f"torch.linalg.lstsq: {what} must have at least {2 if what == 'input' else 1} "
                               "dimensions.")
    if a.dtype != b.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
                           f"dtype {_SCALAR_NAMES[a.dtype.name]} and other's dtype {_SCALAR_NAMES[b.dtype.name]}")
    if driver is None:
        driver = "gelsy"
    if driver not in _DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    if not 0 <= a.ndim - b.ndim <= 1:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    vec = b.ndim == a.ndim - 1
    b_batch = b.shape[:-1] if vec else b.shape[:-2]
    try:  # (torch checks the batch dims first)
        np.broadcast_shapes(a.shape[:-2], b_batch)
    except ValueError:
        raise broadcast_error(a.shape[:-2], b_batch) from None
    if a.shape[-2] != (b.shape[-1] if vec else b.shape[-2]):
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size({-1 if b.ndim == 1 else -2})")
    return linalg_lstsq(LinalgLstsq.apply(A, B, rcond, driver))
