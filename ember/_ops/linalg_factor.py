"""Orthogonal and spectral factorizations on NumPy's LAPACK: qr, eigh/eigvalsh, eig/eigvals, svd/svdvals (and the
older ``torch.qr`` and ``torch.svd``). Gradients follow the usual adjoint formulas; QR's and SVD's need the full-rank
case, eig's distinct eigenvalues."""
from __future__ import annotations

import numpy as np

from .. import return_types
from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ..autograd.grad_mode import state as _grad_state
from ._args import write_out
from ._linalg_common import check_matrix, mH, no_kernel, svd as _svd_np, tri_solve

__all__ = ["qr", "qr_legacy", "eigh", "eigvalsh", "eig", "eigvals", "svd", "svdvals", "svd_legacy"]

_rt = return_types._make
linalg_qr = _rt("linalg_qr", ("Q", "R"))
qr_rt = _rt("qr", ("Q", "R"))
linalg_eigh = _rt("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_eig = _rt("linalg_eig", ("eigenvalues", "eigenvectors"))
linalg_svd = _rt("linalg_svd", ("U", "S", "Vh"))
svd_rt = _rt("svd", ("U", "S", "V"))


def _pair_out(res: tuple, out) -> tuple:
    return res if out is None else tuple(write_out(o, r) for o, r in zip(out, res))


def _needs_grad(A: Tensor) -> bool:
    return A.requires_grad and _grad_state.enabled


# --- QR -------------------------------------------------------------------------------------------------
def _qr_square_grad(gQ, gR, Q, R):
    """A = QR with m >= n (Q: m x n):  gA = (gQ + Q copyltu(M)) R^-H,  M = R gR^H - gQ^H Q, where copyltu(M)
    is the Hermitian matrix with M's lower triangle."""
    M = np.zeros(R.shape[:-2] + (R.shape[-1],) * 2, R.dtype)
    if gR is not None:
        M = M + R @ mH(gR)
    if gQ is not None:
        M = M - mH(gQ) @ Q
    low = np.tril(M, -1)
    # (complex: R's diagonal is real, so only the real part of M's diagonal is a gradient)
    sym = low + mH(low) + np.einsum("...ii->...i", M).real[..., None] * np.eye(M.shape[-1], dtype=M.dtype)
    Y = Q @ sym if gQ is None else gQ + Q @ sym
    # Y R^-H: solve X R^H = Y, i.e. R X^H = Y^H
    return mH(tri_solve(R, mH(Y), upper=True, unit=False))


class LinalgQr(Function):
    """Householder QR (geqrf, so R's diagonal signs are LAPACK's);  backward in _qr_square_grad"""

    @staticmethod
    def forward(ctx, A, mode):
        if mode not in ("reduced", "complete", "r"):
            raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                               "'r', or 'complete'")
        if mode == "r":
            R = np.linalg.qr(A, mode="r")
            Q = np.empty((0,), A.dtype)
        else:
            Q, R = np.linalg.qr(A, mode=mode)
        ctx.save_for_backward(A, Q, R)
        ctx.mode = mode
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        A, Q, R = ctx.saved_tensors
        m, n = A.shape[-2:]
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                               "linalg.qr.")
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_square_grad(gQ, gR, Q, R), None
        # A = [X | Y] = Q [R1 | R2]: X = Q R1 is square-case QR, and Y = Q R2 adds Y gR2^H to X's gQ
        Y, R1 = A[..., m:], R[..., :m]
        gR1 = None if gR is None else gR[..., :m]
        gQ2 = gQ if gR is None else (Y @ mH(gR[..., m:]) if gQ is None else gQ + Y @ mH(gR[..., m:]))
        gX = _qr_square_grad(gQ2, gR1, Q, R1)
        gY = np.zeros_like(Y) if gR is None else Q @ gR[..., m:]
        return np.concatenate([gX, gY], -1), None


def qr(A: Tensor, mode: str = "reduced", *, out=None):
    """(Q, R) with A = QR; ``mode``: 'reduced' (k = min(m, n) columns), 'complete' (square Q) or 'r' (Q empty)."""
    check_matrix("linalg.qr", A, square=False, kernel="geqrf_cpu")
    return linalg_qr(_pair_out(LinalgQr.apply(A, mode), out))


def qr_legacy(input: Tensor, some: bool = True, *, out=None):
    """torch.qr: ``some`` picks 'reduced' or 'complete'."""
    check_matrix("linalg.qr", input, square=False, kernel="geqrf_cpu")
    return qr_rt(_pair_out(LinalgQr.apply(input, "reduced" if some else "complete"), out))


# --- eigh -----------------------------------------------------------------------------------------------
class LinalgEigh(Function):
    """A = V diag(L) V^H (Hermitian A, one triangle read);
    gA = the Hermitian part of V (diag(gL) + (V^H gV) / E) V^H, E_ij = L_j - L_i off the diagonal"""

    @staticmethod
    def forward(ctx, A, UPLO, compute_v):
        if compute_v:
            L, V = np.linalg.eigh(A, UPLO=UPLO)
        else:
            L, V = np.linalg.eigvalsh(A, UPLO=UPLO), np.empty((0,), A.dtype)
        ctx.save_for_backward(L, V)
        return L, V

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        if gV is None:
            inner = np.zeros(V.shape, V.dtype)
        else:
            E = L[..., None, :] - L[..., :, None]
            np.einsum("...ii->...i", E)[...] = 1
            inner = (mH(V) @ gV) / E
        diag = np.einsum("...ii->...i", inner)
        diag[...] = 0 if gL is None else gL
        gA = V @ inner @ mH(V)
        return 0.5 * (gA + mH(gA)), None, None  # (A is taken Hermitian: torch's gradient is too)


def _check_uplo(UPLO: str) -> None:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def _check_eigh(A: Tensor, UPLO: str) -> None:
    if A._data.dtype.kind not in "fc":
        raise no_kernel("linalg_eigh_cpu", A._data)
    check_matrix("linalg.eigh", A, kernel="linalg_eigh_cpu")
    _check_uplo(UPLO)


def eigh(A: Tensor, UPLO: str = "L", *, out=None):
    """(eigenvalues ascending, eigenvectors as columns) of Hermitian matrices, from the ``UPLO`` triangle."""
    _check_eigh(A, UPLO)
    return linalg_eigh(_pair_out(LinalgEigh.apply(A, UPLO, True), out))


def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    """The eigenvalues of Hermitian matrices (ascending); vectors are computed only when a gradient needs them."""
    _check_eigh(A, UPLO)
    return write_out(out, LinalgEigh.apply(A, UPLO, _needs_grad(A))[0])


# --- eig ------------------------------------------------------------------------------------------------
_COMPLEX = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}


class LinalgEig(Function):
    """A = V diag(L) V^-1 (geev; complex results, unit-norm eigenvectors);
    gA = V^-H (diag(gL) + P / conj(E)) V^H, P = V^H gV - V^H V Re(diag(V^H gV)), E_ij = L_j - L_i (real A: Re gA)"""

    @staticmethod
    def forward(ctx, A, compute_v):
        cdt = _COMPLEX.get(A.dtype, A.dtype)
        if compute_v:
            L, V = np.linalg.eig(A)
            V = V.astype(cdt, copy=False)
        else:
            L, V = np.linalg.eigvals(A), np.empty((0,), cdt)
        L = L.astype(cdt, copy=False)
        ctx.save_for_backward(A, L, V)
        return L, V

    @staticmethod
    def backward(ctx, gL, gV):
        A, L, V = ctx.saved_tensors
        if V.size == 0 and A.size:  # (eigvals without vectors: only gL, and the vectors are needed for it)
            _, V = np.linalg.eig(A)
            V = V.astype(L.dtype, copy=False)
        Vh = mH(V)
        if gV is None:
            inner = np.zeros(V.shape, V.dtype)
        else:
            VhgV = Vh @ gV
            VhgV = VhgV - Vh @ (V * np.einsum("...ii->...i", VhgV).real[..., None, :])
            Lc = L.conj()
            E = Lc[..., None, :] - Lc[..., :, None]
            np.einsum("...ii->...i", E)[...] = 1
            inner = VhgV / E
        if gL is not None:
            np.einsum("...ii->...i", inner)[...] = gL
        gA = np.linalg.solve(Vh, inner @ Vh)
        return (gA.real if A.dtype.kind == "f" else gA), None


def _check_eig(A: Tensor) -> None:
    a = A._data
    if a.dtype.kind in "fc" and a.size and not np.isfinite(a).all():
        raise RuntimeError("torch.linalg.eig: input tensor should not contain infs or NaNs.")
    if a.dtype.kind in "iub":
        raise RuntimeError(f"Unknown Complex ScalarType for {_scalar_name(a)}")
    if a.ndim >= 2 and a.dtype.itemsize < 4:
        raise no_kernel("linalg_eig_out_cpu", a)
    check_matrix("linalg.eig", A)


def _scalar_name(a: np.ndarray) -> str:
    from .._tensor import _SCALAR_NAMES
    return _SCALAR_NAMES[a.dtype.name]


def eig(A: Tensor, *, out=None):
    """(eigenvalues, eigenvectors) of general square matrices, always complex (vectors of unit norm)."""
    _check_eig(A)
    return linalg_eig(_pair_out(LinalgEig.apply(A, True), out))


def eigvals(A: Tensor, *, out=None) -> Tensor:
    """The (complex) eigenvalues; the vectors are computed only when a gradient needs them."""
    _check_eig(A)
    return write_out(out, LinalgEig.apply(A, _needs_grad(A))[0])


# --- SVD ------------------------------------------------------------------------------------------------
def _svd_grad(gU, gS, gVh, U, S, Vh):
    """Reduced A = U diag(S) Vh (k = min(m, n)): with E_ij = S_j^2 - S_i^2 and skew(X) = X - X^H,
    gA = U [skew(U^H gU)/E diag(S) + diag(S) skew(V^H gV)/E + diag(gS)] Vh, plus the parts of gU / gV outside
    the span of U / V when m > n / m < n."""
    m, n = U.shape[-2], Vh.shape[-1]
    k = S.shape[-1]
    if gU is None and gVh is None:
        return (U * gS[..., None, :]) @ Vh
    E = S[..., None, :] ** 2 - S[..., :, None] ** 2
    np.einsum("...ii->...i", E)[...] = 1
    inner = np.zeros(S.shape + (k,), U.dtype)
    if gU is not None:
        UhgU = mH(U) @ gU
        inner = inner + ((UhgU - mH(UhgU)) / E) * S[..., None, :]
    if gVh is not None:
        gV, V = mH(gVh), mH(Vh)
        VhgV = mH(V) @ gV
        inner = inner + S[..., :, None] * ((VhgV - mH(VhgV)) / E)
    diag = np.einsum("...ii->...i", inner)
    diag[...] = gS  # (skew parts have a zero diagonal for real input; for complex it is the phase, below)
    if gU is not None and U.dtype.kind == "c":
        # the phase of each singular pair: only the imaginary part of diag(U^H gU) moves A
        diag += 1j * np.einsum("...ii->...i", UhgU).imag / S
    if m > n and gU is not None:
        gUSinv = gU / S[..., None, :]
        return (U @ inner + gUSinv - U @ (mH(U) @ gUSinv)) @ Vh
    if m < n and gVh is not None:
        gVSinv = mH(gVh) / S[..., None, :]
        V = mH(Vh)
        return U @ (inner @ Vh + mH(gVSinv - V @ (mH(V) @ gVSinv)))
    return U @ inner @ Vh


class LinalgSvd(Function):
    """A = U diag(S) Vh (gesdd); with full_matrices the gradient sees only the first k columns / rows"""

    @staticmethod
    def forward(ctx, A, full_matrices, compute_uv):
        if compute_uv:
            U, S, Vh = _svd_np(A, full_matrices=full_matrices)
        else:
            S = _svd_np(A, compute_uv=False)
            U = Vh = np.empty((0,), A.dtype)
        S = S.astype(A.real.dtype, copy=False)
        ctx.save_for_backward(U, S, Vh)
        ctx.full = full_matrices
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        k = S.shape[-1]
        if ctx.full:
            U, Vh = U[..., :k], Vh[..., :k, :]
            gU = None if gU is None else gU[..., :k]
            gVh = None if gVh is None else gVh[..., :k, :]
        if gS is None:
            gS = np.zeros_like(S)
        return _svd_grad(gU, gS, gVh, U, S, Vh), None, None


def _check_driver(driver) -> None:
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
                           "cuSOLVER backend.")


def svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending."""
    check_matrix("linalg.svd", A, square=False, kernel="linalg_svd_cpu")
    _check_driver(driver)
    return linalg_svd(_pair_out(LinalgSvd.apply(A, full_matrices, True), out))


def svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    """The singular values, descending (U and Vh are computed only when a gradient needs them)."""
    check_matrix("linalg.svd", A, square=False, kernel="linalg_svd_cpu")
    _check_driver(driver)
    return write_out(out, LinalgSvd.apply(A, False, _needs_grad(A))[1])


def svd_legacy(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None):
    """torch.svd: (U, S, V) with V = Vh^H (not Vh); ``some=False`` gives square U and V; without compute_uv,
    U and V are zeros."""
    check_matrix("linalg.svd", input, square=False, kernel="linalg_svd_cpu")
    from .shape import adjoint
    if compute_uv:
        U, S, Vh = LinalgSvd.apply(input, not some, True)
        return svd_rt(_pair_out((U, S, adjoint(Vh)), out))
    S = LinalgSvd.apply(input, False, _needs_grad(input))[1]
    from .._creation import zeros
    m, n = input.shape[-2:]
    batch = tuple(input.shape[:-2])
    U = zeros(batch + (m, m), dtype=input.dtype)
    V = zeros(batch + (n, n), dtype=input.dtype)
    return svd_rt(_pair_out((U, S, V), out))
