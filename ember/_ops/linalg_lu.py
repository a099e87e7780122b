"""The LU family: linalg.lu_factor(_ex), linalg.lu, linalg.lu_solve, and the older torch.lu, torch.lu_unpack and
torch.lu_solve. NumPy has no LU, so getrf's partial pivoting runs here, vectorized over the batch."""
from __future__ import annotations

import numpy as np

from .. import return_types
from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._args import write_out
from ._linalg_common import batch_prefix, check_matrix, mH, no_kernel, pivot_row, tri_solve

__all__ = ["lu_factor", "lu_factor_ex", "lu", "lu_solve", "lu_legacy", "lu_unpack", "lu_solve_legacy"]

_rt = return_types._make
linalg_lu_factor = _rt("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _rt("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_lu = _rt("linalg_lu", ("P", "L", "U"))
lu_unpack_rt = _rt("lu_unpack", ("P", "L", "U"))
lu_with_info = _rt("_lu_with_info", ("LU", "pivots", "infos"))


def _getrf(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(LU, 1-based pivots, info) of each (m, n) matrix: row k swaps with the row of the largest |entry| on or
    below the diagonal of column k (the first such row on ties, as LAPACK's idamax); info = 1 + the first
    zero pivot's index, and the factorization goes on past it (that column left unscaled)."""
    lu = np.array(a, copy=True)
    m, n = lu.shape[-2:]
    k = min(m, n)
    batch = lu.shape[:-2]
    flat = lu.reshape((-1, m, n))
    rows = np.arange(len(flat))
    piv = np.zeros((len(flat), k), np.int32)
    info = np.zeros(len(flat), np.int32)
    with np.errstate(all="ignore"):
        for j in range(k):
            p = j + pivot_row(flat[:, j:, j])
            piv[:, j] = p + 1
            top = flat[rows, j].copy()
            flat[rows, j] = flat[rows, p]
            flat[rows, p] = top
            d = flat[:, j, j]
            zero = d == 0
            info[(info == 0) & zero] = j + 1
            col = np.where(zero[:, None], flat[:, j + 1:, j], flat[:, j + 1:, j] / np.where(zero, 1, d)[:, None])
            flat[:, j + 1:, j] = col
            flat[:, j + 1:, j + 1:] -= col[:, :, None] * flat[:, j, None, j + 1:]
    return flat.reshape(lu.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def _perm(piv: np.ndarray, m: int) -> np.ndarray:
    """The row order the pivots' swaps make: A[perm] = L U."""
    flat = piv.reshape((-1, piv.shape[-1])) - 1
    perm = np.tile(np.arange(m), (len(flat), 1))
    rows = np.arange(len(flat))
    for j in range(flat.shape[1]):
        p = flat[:, j]
        top = perm[rows, j].copy()
        perm[rows, j] = perm[rows, p]
        perm[rows, p] = top
    return perm.reshape(piv.shape[:-1] + (m,))


def _P(piv: np.ndarray, m: int, dtype) -> np.ndarray:
    """The permutation matrix with A = P L U."""
    perm = _perm(piv, m)
    P = np.zeros(perm.shape + (m,), dtype)
    np.put_along_axis(P, perm[..., None], 1, axis=-1)  # row i of P^T is e_perm[i]
    return np.swapaxes(P, -1, -2)


def _unpack(LU: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m, n = LU.shape[-2:]
    k = min(m, n)
    L = np.tril(LU[..., :, :k], -1) + np.eye(m, k, dtype=LU.dtype)
    return L, np.triu(LU[..., :k, :])


def _lu_grad(gL, gU, P, L, U) -> np.ndarray:
    """A = P L U (L: m x k unit lower, U: k x n upper). Square: gA = P L^-H (tril(L^H gL, -1) + triu(gU U^H)) U^-H;
    a wide A's extra columns U2 = L^-1 P^T A2 add -L^-H gU2 U2^H to gL (and give gA2 = P L^-H gU2); a tall A's
    extra rows L2 = B2 U^-1 add -L2^H gL2 U^-H to gU (and give gB2 = gL2 U^-H)."""
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    gL = np.zeros_like(L) if gL is None else gL
    gU = np.zeros_like(U) if gU is None else gU
    if m < n:
        U1, U2, gU1, gU2 = U[..., :k], U[..., k:], gU[..., :k], gU[..., k:]
        LHg2 = tri_solve(mH(L), gU2, True, True)  # L^-H gU2
        gA1 = _lu_grad_square(gL - LHg2 @ mH(U2), gU1, L, U1)
        return P @ np.concatenate([gA1, LHg2], -1)
    if m > n:
        L1, L2, gL1, gL2 = L[..., :k, :], L[..., k:, :], gL[..., :k, :], gL[..., k:, :]
        gB2 = mH(tri_solve(U, mH(gL2), True, False))  # (U^-1 gL2^H)^H = gL2 U^-H
        gB1 = _lu_grad_square(gL1, gU - mH(L2) @ gB2, L1, U)
        return P @ np.concatenate([gB1, gB2], -2)
    return P @ _lu_grad_square(gL, gU, L, U)


def _lu_grad_square(gL, gU, L, U) -> np.ndarray:
    phi = np.tril(mH(L) @ gL, -1) + np.triu(gU @ mH(U))
    X = tri_solve(mH(L), phi, True, True)  # L^-H phi
    return mH(tri_solve(U, mH(X), True, False))  # (U^-1 X^H)^H = X U^-H


class LinalgLuFactorEx(Function):
    """getrf: LU = L + U - I packed, with 1-based pivots;  the gradient of LU is that of (L, U) (_lu_grad)"""

    @staticmethod
    def forward(ctx, A, check_errors, name):
        LU, piv, info = _getrf(A)
        if check_errors:
            _raise_for_zero_pivot(name, info, min(A.shape[-2:]))
        ctx.save_for_backward(LU, piv)
        ctx.mark_non_differentiable(piv, info)
        return LU, piv, info

    @staticmethod
    def backward(ctx, gLU, _g_piv=None, _g_info=None):
        LU, piv = ctx.saved_tensors
        L, U = _unpack(LU)
        k = L.shape[-1]
        gL, gU = np.tril(gLU[..., :, :k], -1), np.triu(gLU[..., :k, :])
        return _lu_grad(gL, gU, _P(piv, LU.shape[-2], LU.dtype), L, U), None, None


def _raise_for_zero_pivot(name: str, info: np.ndarray, k: int) -> None:
    bad = np.flatnonzero(info.reshape(-1) > 0)
    if bad.size:
        i = int(info.reshape(-1)[bad[0]])
        raise RuntimeError(f"{name}: {batch_prefix(info.shape, int(bad[0]))}U[{i},{i}] is zero and using it on "
                          "lu_solve would result in a division by zero. If you still want to perform the "
                          "factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def _check_lu(name: str, A: Tensor, pivot: bool) -> None:
    if A.dim() < 2:
        raise RuntimeError(f"{name}: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} instead")
    if A._data.dtype.kind not in "fc" or A._data.dtype.itemsize < 4:
        raise no_kernel("lu_cpu", A._data)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out=None):
    """(LU, pivots, info): A = P L U packed as LAPACK's getrf leaves it."""
    _check_lu("torch.lu_factor", A, pivot)
    res = LinalgLuFactorEx.apply(A, check_errors, "torch.linalg.lu_factor_ex")
    return linalg_lu_factor_ex(res if out is None else tuple(write_out(o, r) for o, r in zip(out, res)))


def lu_factor(A: Tensor, *, pivot: bool = True, out=None):
    """(LU, pivots), raising LinAlgError for a zero pivot."""
    _check_lu("torch.lu_factor", A, pivot)
    LU, piv, _ = LinalgLuFactorEx.apply(A, True, "torch.linalg.lu_factor")
    res = (LU, piv)
    return linalg_lu_factor(res if out is None else tuple(write_out(o, r) for o, r in zip(out, res)))


class LinalgLu(Function):
    """A = P L U, unpacked;  backward in _lu_grad"""

    @staticmethod
    def forward(ctx, A):
        LU, piv, _ = _getrf(A)
        L, U = _unpack(LU)
        P = _P(piv, A.shape[-2], A.dtype)
        ctx.save_for_backward(P, L, U)
        ctx.mark_non_differentiable(P)
        return P, L, U

    @staticmethod
    def backward(ctx, _gP, gL, gU):
        P, L, U = ctx.saved_tensors
        return _lu_grad(gL, gU, P, L, U)


def lu(A: Tensor, *, pivot: bool = True, out=None):
    """(P, L, U) with A = P L U, L unit lower triangular (m x k), U upper (k x n), k = min(m, n)."""
    _check_lu("linalg.lu", A, pivot)
    res = LinalgLu.apply(A)
    return linalg_lu(res if out is None else tuple(write_out(o, r) for o, r in zip(out, res)))


class LuUnpack(Function):
    """(P, L, U) from getrf's packed LU and pivots;  gLU = tril(gL, -1) + triu(gU)"""

    @staticmethod
    def forward(ctx, LU, pivots, unpack_data, unpack_pivots):
        m, n = LU.shape[-2:]
        if unpack_pivots:
            P = _P(pivots, m, LU.dtype)
        else:
            P = np.empty((0,), LU.dtype)
        if unpack_data:
            L, U = _unpack(LU)
        else:
            L = U = np.empty((0,), LU.dtype)
        ctx.mark_non_differentiable(P)
        ctx.shape = LU.shape
        return P, L, U

    @staticmethod
    def backward(ctx, _gP, gL, gU):
        m, n = ctx.shape[-2:]
        k = min(m, n)
        gLU = np.zeros(ctx.shape, (gL if gL is not None else gU).dtype)
        if gL is not None:
            gLU[..., :, :k] += np.tril(gL, -1)
        if gU is not None:
            gLU[..., :k, :] += np.triu(gU)
        return gLU, None, None, None


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True, *,
              out=None):
    """torch.lu_unpack: (P, L, U) from lu_factor's (LU, pivots)."""
    res = LuUnpack.apply(LU_data, LU_pivots, unpack_data, unpack_pivots)
    return lu_unpack_rt(res if out is None else tuple(write_out(o, r) for o, r in zip(out, res)))


def _lu_solve_left(LU, piv, B, adjoint):
    """X with A X = B (adjoint: A^H X = B), A = P L U; also the intermediate Y: X = U^-1 Y (adjoint: W = P^T X)."""
    m = LU.shape[-1]
    perm = _perm(piv, m)
    L, U = _unpack(LU)
    batch = np.broadcast_shapes(LU.shape[:-2], B.shape[:-2])
    L, U = (np.broadcast_to(t, batch + t.shape[-2:]) for t in (L, U))
    B = np.broadcast_to(B, batch + B.shape[-2:])
    perm = np.broadcast_to(perm, batch + (m,))
    if not adjoint:
        Y = tri_solve(L, np.take_along_axis(B, perm[..., None], -2), False, True)
        return tri_solve(U, Y, True, False), Y
    Z = tri_solve(mH(U), B, False, False)
    W = tri_solve(mH(L), Z, True, True)
    X = np.empty_like(W)
    np.put_along_axis(X, np.broadcast_to(perm[..., None], W.shape), W, -2)  # X = P W
    return X, Z


class LinalgLuSolve(Function):
    """X with op(A) X = B (or X op(A) = B), A = P L U from (LU, pivots). For A X = B, X = U^-1 Y, Y = L^-1 P^T B:
    gY = U^-H gX, gU = -gY X^H, gL = -L^-H gY Y^H (strict lower), gB = P L^-H gY; for A^H X = B likewise;
    X A = B is A^H X^H = B^H."""

    @staticmethod
    def forward(ctx, LU, pivots, B, left, adjoint):
        Bm = B if left else mH(B)
        adj = adjoint if left else not adjoint
        X, mid = _lu_solve_left(LU, pivots, Bm, adj)
        ctx.save_for_backward(LU, pivots, X, mid)
        ctx.args = (B.shape, left, adj)
        return X if left else mH(X)

    @staticmethod
    def backward(ctx, g):
        LU, piv, X, mid = ctx.saved_tensors
        b_shape, left, adj = ctx.args
        from ._broadcast import sum_to_shape
        gX = g if left else mH(g)
        gB, _ = _lu_solve_left(LU, piv, gX, not adj)
        gLU = None
        if ctx.needs_input_grad[0]:
            L, U = _unpack(LU)
            if not adj:  # gY = U^-H gX;  gL from Y = L^-1 P^T B, gU from X = U^-1 Y
                gY = tri_solve(mH(np.broadcast_to(U, X.shape[:-2] + U.shape[-2:])), gX, False, False)
                gU = -(gY @ mH(X))
                gL = -tri_solve(mH(np.broadcast_to(L, gY.shape[:-2] + L.shape[-2:])), gY, True, True) @ mH(mid)
            else:  # Z = U^-H B, W = L^-H Z, X = P W:  gZ = L^-1 P^T gX, gB = U^-1 gZ
                perm = _perm(piv, LU.shape[-1])
                W = np.take_along_axis(X, np.broadcast_to(perm[..., None], X.shape), -2)
                gW = np.take_along_axis(gX, np.broadcast_to(perm[..., None], gX.shape), -2)
                gZ = tri_solve(np.broadcast_to(L, gW.shape[:-2] + L.shape[-2:]), gW, False, True)
                gL = -(W @ mH(gZ))
                gU = -(mid @ mH(gB))
            gLU = sum_to_shape(np.tril(gL, -1) + np.triu(gU), LU.shape)
        gB = sum_to_shape(gB if left else mH(gB), b_shape) if ctx.needs_input_grad[2] else None
        return gLU, None, gB, None, None


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False,
             out=None) -> Tensor:
    """X with A X = B (``adjoint``: A^H X = B; ``left=False``: X A = B) from lu_factor's (LU, pivots)."""
    check_matrix("torch.linalg.lu_solve", LU, kernel="lu_cpu")
    if B.dim() < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    return write_out(out, LinalgLuSolve.apply(LU, pivots, B, left, adjoint))


def lu_legacy(A: Tensor, pivot: bool = True, get_infos: bool = False, out=None):
    """torch.lu: (LU, pivots), and the infos when ``get_infos``."""
    _check_lu("torch.lu_factor", A, pivot)
    LU, piv, info = LinalgLuFactorEx.apply(A, False, "torch.linalg.lu_factor_ex")
    return lu_with_info((LU, piv, info)) if get_infos else (LU, piv)


def lu_solve_legacy(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out=None) -> Tensor:
    """torch.lu_solve(b, LU, pivots): linalg.lu_solve with the arguments reordered."""
    return lu_solve(LU_data, LU_pivots, b, out=out)
