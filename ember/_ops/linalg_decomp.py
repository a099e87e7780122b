"""LU- and Cholesky-based ``torch.linalg`` ops on NumPy's LAPACK: inv(_ex), det, slogdet, logdet, solve(_ex),
cholesky(_ex) and the older ``torch.inverse`` / ``torch.cholesky``. Inputs are ``(*, n, n)`` batches."""
from __future__ import annotations

import numpy as np

from .. import return_types
from .._tensor import Tensor, _SCALAR_NAMES
from ..autograd.function import _NumpyFunction as Function
from ._args import write_out
from ._broadcast import broadcast_error, sum_to_shape
from ._linalg_common import (LinAlgError, check_matrix, chol_info, lu_info, lu_solve, mH, not_pd_message,
                             raise_for_info, singular_message, tri_solve)

__all__ = ["inv", "inv_ex", "inverse", "det", "slogdet", "logdet", "solve", "solve_ex", "cholesky",
           "cholesky_ex", "cholesky_legacy", "LinAlgError"]

_rt = return_types._make
linalg_inv_ex = _rt("linalg_inv_ex", ("inverse", "info"))
linalg_slogdet = _rt("linalg_slogdet", ("sign", "logabsdet"))
slogdet_rt = _rt("slogdet", ("sign", "logabsdet"))
linalg_solve_ex = _rt("linalg_solve_ex", ("result", "info"))
linalg_cholesky_ex = _rt("linalg_cholesky_ex", ("L", "info"))


def _each(a: np.ndarray, n_trailing: int = 2):
    """The matrices of a batch, flattened (a view where possible), and the batch shape."""
    batch = a.shape[:a.ndim - n_trailing]
    return a.reshape((-1,) + a.shape[a.ndim - n_trailing:]), batch


def _solve_with_info(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """gesv on same-batch ``a`` (*, n, n) and ``b`` (*, n, k): (x, info); a singular matrix gives LAPACK's
    inf/nan for its x and the first zero pivot in its info, instead of NumPy's error for the whole batch."""
    try:
        return np.linalg.solve(a, b), np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        pass
    fa, batch = _each(a)
    fb, _ = _each(b)
    x = np.empty(fb.shape, np.result_type(a, b))
    info = np.zeros(len(fa), np.int32)
    for i in range(len(fa)):
        lu, perm, info[i] = lu_info(fa[i])
        x[i] = np.linalg.solve(fa[i], fb[i]) if info[i] == 0 else lu_solve(lu, perm, fb[i])
    return x.reshape(b.shape), info.reshape(batch)


def _inv_with_info(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    try:
        return np.linalg.inv(a), np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        return _solve_with_info(a, np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape))


# --- inverse ------------------------------------------------------------------------------------------------
class LinalgInvEx(Function):
    """X = A^-1;  dA = -X^H g X^H"""

    @staticmethod
    def forward(ctx, A, check_errors, name):
        X, info = _inv_with_info(A)
        if check_errors:
            raise_for_info(name, info, singular_message)
        ctx.save_for_backward(X)
        return X, info

    @staticmethod
    def backward(ctx, g, _g_info=None):
        X, = ctx.saved_tensors
        Xh = mH(X)
        return -(Xh @ g @ Xh), None, None


def inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    """The inverse and LAPACK's info (0, or 1 + the index of the first zero pivot) of each matrix."""
    check_matrix("linalg.inv", A)
    res = LinalgInvEx.apply(A, check_errors, "linalg.inv_ex")
    return linalg_inv_ex(_write_pair(res, out))


def inv(A: Tensor, *, out=None) -> Tensor:
    """A^-1 (torch.linalg.inv); a singular matrix raises LinAlgError."""
    check_matrix("linalg.inv", A)
    return write_out(out, LinalgInvEx.apply(A, True, "linalg.inv")[0])


def inverse(input: Tensor, *, out=None) -> Tensor:
    """torch.inverse: linalg.inv (its messages say linalg.inv)."""
    return inv(input, out=out)


def _write_pair(res: tuple, out) -> tuple:
    if out is None:
        return res
    return tuple(write_out(o, r) for o, r in zip(out, res))


# --- determinants -----------------------------------------------------------------------------------------
def _prod_others(s: np.ndarray) -> np.ndarray:
    """For each i, the product of s_j over j != i along the last dim (no division, so zeros are fine)."""
    ones = np.ones_like(s[..., :1])
    left = np.cumprod(np.concatenate([ones, s[..., :-1]], -1), -1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(s[..., 1:], -1)], -1), -1), -1)
    return left * right


class LinalgDet(Function):
    """d = det A;  dA = g conj(d) A^-H, and for a singular A the cofactors through the SVD,
    A = U diag(S) Vh: dA = U diag(g conj(det U det Vh) prod_{j!=i} S_j) Vh"""

    @staticmethod
    def forward(ctx, A):
        d = np.asarray(np.linalg.det(A), dtype=A.dtype)
        ctx.save_for_backward(A, d)
        return d

    @staticmethod
    def backward(ctx, g):
        A, d = ctx.saved_tensors
        if A.size == 0:
            return np.zeros_like(A)
        if A.shape[-1] == 1:
            return np.broadcast_to(g[..., None, None], A.shape).copy()
        scale = (g * d.conj())[..., None, None]
        sing = d == 0
        with np.errstate(all="ignore"):
            Ai, _ = _inv_with_info(np.where(sing[..., None, None], np.eye(A.shape[-1], dtype=A.dtype), A))
        gA = scale * mH(Ai)
        if sing.any():  # (differs from torch 2.13, whose gradient is 0 where det is exactly 0)
            U, S, Vh = np.linalg.svd(A[sing])
            alpha = (np.linalg.det(U) * np.linalg.det(Vh)).conj() * g[sing]
            gA[sing] = (U * (alpha[..., None] * _prod_others(S))[..., None, :]) @ Vh
        return gA


def det(A: Tensor, *, out=None) -> Tensor:
    """det A, from the LU factorization."""
    check_matrix("linalg.det", A, kernel="lu_cpu")
    return write_out(out, LinalgDet.apply(A))


class LinalgSlogdet(Function):
    """(sign, log|det A|);  dA = c A^-H with c = g_logabsdet (+ i Im(g_sign conj(sign)) for complex A)"""

    @staticmethod
    def forward(ctx, A):
        sign, logabs = np.linalg.slogdet(A)
        # (torch's sign is the product of the pivots' signs, and the sign of a NaN pivot is 0)
        sign = np.where(np.isnan(logabs), 0, sign).astype(A.dtype)
        logabs = np.asarray(logabs, dtype=A.real.dtype)
        ctx.save_for_backward(A, sign)
        return sign, logabs

    @staticmethod
    def backward(ctx, g_sign, g_logabs):
        A, sign = ctx.saved_tensors
        c = np.zeros(sign.shape, A.dtype) if g_logabs is None else g_logabs.astype(A.dtype)
        if g_sign is not None and A.dtype.kind == "c":
            c = c + 1j * (g_sign * sign.conj()).imag
        with np.errstate(all="ignore"):
            Ai, _ = _inv_with_info(A)
        return c[..., None, None] * mH(Ai)


def slogdet(A: Tensor, *, out=None):
    """(sign, log|det A|) of each matrix (torch.linalg.slogdet)."""
    check_matrix("linalg.slogdet", A)
    return linalg_slogdet(_write_pair(LinalgSlogdet.apply(A), out))


def slogdet_legacy(input: Tensor, *, out=None):
    """torch.slogdet: linalg.slogdet under the name ``torch.return_types.slogdet``."""
    check_matrix("linalg.slogdet", input)
    return slogdet_rt(_write_pair(LinalgSlogdet.apply(input), out))


def logdet(input: Tensor) -> Tensor:
    """log det A, as torch composes it from slogdet: nan for a negative real determinant (where); for complex A,
    log(sign) + log|det A|."""
    from .comparison import where
    check_matrix("logdet", input)
    sign, logabs = LinalgSlogdet.apply(input)
    if input.is_complex():
        return sign.log() + logabs
    return where(sign == -1, float("nan"), logabs)


# --- solve ------------------------------------------------------------------------------------------------
def _is_vector_rhs(A: np.ndarray, B: np.ndarray) -> bool:
    """torch's rule: B is a vector when 1-D, or when its shape is A's with the last dim dropped."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])


def _batched(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    return (np.broadcast_to(A, batch + A.shape[-2:]), np.broadcast_to(B, batch + B.shape[-2:]))


class LinalgSolveEx(Function):
    """X = A^-1 B (left) or B A^-1;  left: gB = A^-H g, gA = -gB X^H;  right: gB = g A^-H, gA = -X^H gB"""

    @staticmethod
    def forward(ctx, A, B, left, check_errors):
        vec = _is_vector_rhs(A, B)
        Bm = B[..., None] if vec else B
        if A.dtype != B.dtype:
            raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                               f"{_SCALAR_NAMES[A.dtype.name]} and B of type {_SCALAR_NAMES[B.dtype.name]} instead")
        n_A, n_B = A.shape[-1], (Bm.shape[-2] if left else Bm.shape[-1])
        if n_A != n_B:
            eq = "AX = B" if left else "XA = B"
            raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {eq} "
                               f"({A.shape[-2]}x{A.shape[-1]} and {Bm.shape[-2]}x{Bm.shape[-1]})")
        Ab, Bb = _batched(A, Bm)
        if left:
            X, info = _solve_with_info(Ab, Bb)
        else:
            Xt, info = _solve_with_info(np.swapaxes(Ab, -1, -2), np.swapaxes(Bb, -1, -2))
            X = np.swapaxes(Xt, -1, -2)
        if check_errors and (info > 0).any():
            k = int(np.flatnonzero(info.reshape(-1) > 0)[0])
            pre = f"(Batch element {k}): " if info.ndim else ""
            raise LinAlgError(f"torch.linalg.solve: {pre}The solver failed because the input matrix is singular.")
        ctx.save_for_backward(A, X)
        ctx.shapes = (A.shape, B.shape, vec, left)
        return (X[..., 0] if vec else X), info

    @staticmethod
    def backward(ctx, g, _g_info=None):
        A, X = ctx.saved_tensors
        a_shape, b_shape, vec, left = ctx.shapes
        gm = g[..., None] if vec else g
        Ab, gb = _batched(A, gm)
        if left:
            gB = np.linalg.solve(mH(Ab), gb)
            gA = -(gB @ mH(X)) if ctx.needs_input_grad[0] else None
        else:
            gB = mH(np.linalg.solve(Ab, mH(gb)))
            gA = -(mH(X) @ gB) if ctx.needs_input_grad[0] else None
        if gA is not None:
            gA = sum_to_shape(gA, a_shape)
        if ctx.needs_input_grad[1]:
            gB = sum_to_shape(gB[..., 0] if vec else gB, b_shape)
        else:
            gB = None
        return gA, gB, None, None


def _check_solve(A: Tensor, B: Tensor) -> None:
    check_matrix("linalg.solve", A, kernel="lu_cpu")
    if B.dim() < 1:
        raise RuntimeError("linalg.solve: The input tensor B must have at least 2 dimensions.")
    if not _is_vector_rhs(A._data, B._data):
        try:
            np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
        except ValueError:
            raise broadcast_error(tuple(B.shape[:-2]), tuple(A.shape[:-2])) from None


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out=None):
    """(X, info) with AX = B (``left``) or XA = B, batched and broadcast; B may be a vector."""
    _check_solve(A, B)
    return linalg_solve_ex(_write_pair(LinalgSolveEx.apply(A, B, left, check_errors), out))


def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    """X with AX = B (``left``) or XA = B; a singular A raises LinAlgError."""
    _check_solve(A, B)
    return write_out(out, LinalgSolveEx.apply(A, B, left, True)[0])


# --- Cholesky ---------------------------------------------------------------------------------------------
def _cholesky_with_info(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    try:
        L = np.linalg.cholesky(A)
        # (a NaN pivot fails potrf's "ajj > 0" test in LAPACK, but passes NumPy's build: check it here)
        if not np.isnan(np.einsum("...ii->...i", L)).any():
            return L, np.zeros(A.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        pass
    fa, batch = _each(A)
    L = np.empty(fa.shape, np.result_type(A, np.float32))
    info = np.zeros(len(fa), np.int32)
    for i in range(len(fa)):
        L[i], info[i] = chol_info(fa[i])
    return L.reshape(A.shape), info.reshape(batch)


def cholesky_grad(L: np.ndarray, gL: np.ndarray, upper: bool) -> np.ndarray:
    """A = L L^H:  dA = L^-H P L^-1 with P = (X + tril(X, -1)^H) / 2, X = tril(L^H gL) (Hermitian)."""
    if upper:
        L, gL = mH(L), mH(gL)
    X = np.tril(mH(L) @ gL)
    P = 0.5 * (X + mH(np.tril(X, -1)))
    Y = tri_solve(mH(L), P, upper=True, unit=False)  # L^-H P
    return mH(tri_solve(mH(L), mH(Y), upper=True, unit=False))  # (L^-H Y^H)^H = Y L^-1


class LinalgCholeskyEx(Function):
    """A = L L^H (or U^H U);  see cholesky_grad"""

    @staticmethod
    def forward(ctx, A, upper, check_errors, name):
        # upper: potrf('U') reads A's upper triangle, which is the lower one of A^H
        L, info = _cholesky_with_info(mH(A) if upper else A)
        if check_errors:
            raise_for_info(name, info, not_pd_message)
        if upper:
            L = np.ascontiguousarray(mH(L))
        ctx.save_for_backward(L)
        ctx.upper = upper
        return L, info

    @staticmethod
    def backward(ctx, g, _g_info=None):
        L, = ctx.saved_tensors
        return cholesky_grad(L, g, ctx.upper), None, None, None


class Cholesky(Function):
    """torch.cholesky (the older op, its own node); the same math as LinalgCholeskyEx"""

    @staticmethod
    def forward(ctx, A, upper):
        L, _ = LinalgCholeskyEx.forward(ctx, A, upper, True, "cholesky")
        return L

    @staticmethod
    def backward(ctx, g):
        L, = ctx.saved_tensors
        return cholesky_grad(L, g, ctx.upper), None


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None):
    """(L, info): the Cholesky factor and LAPACK's info (the order of the first leading minor that is not
    positive-definite, or 0)."""
    check_matrix("linalg.cholesky", A, kernel="cholesky_cpu")
    return linalg_cholesky_ex(_write_pair(LinalgCholeskyEx.apply(A, upper, check_errors, "linalg.cholesky"), out))


def cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    """L lower triangular with A = L L^H (``upper``: U = L^H); raises LinAlgError if A is not positive-definite."""
    check_matrix("linalg.cholesky", A, kernel="cholesky_cpu")
    return write_out(out, LinalgCholeskyEx.apply(A, upper, True, "linalg.cholesky")[0])


def cholesky_legacy(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """torch.cholesky (deprecated in torch in favour of linalg.cholesky)."""
    check_matrix("cholesky", input, kernel="cholesky_cpu")
    return write_out(out, Cholesky.apply(input, upper))
