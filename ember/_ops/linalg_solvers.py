"""Triangular and least-squares solvers and the pseudo-inverse on NumPy's LAPACK: solve_triangular,
triangular_solve, cholesky_solve, cholesky_inverse, pinv (pinverse), matrix_rank, lstsq."""
from __future__ import annotations

import numpy as np

from .. import return_types
from .._tensor import Tensor, _SCALAR_NAMES
from ..autograd.function import _NumpyFunction as Function
from ._args import write_out
from ._broadcast import broadcast_error, sum_to_shape
from ._linalg_common import check_matrix, mH, no_kernel, tri_solve

__all__ = ["solve_triangular", "triangular_solve", "cholesky_solve", "cholesky_inverse", "pinv", "pinverse",
           "matrix_rank", "lstsq"]

_rt = return_types._make
triangular_solve_rt = _rt("triangular_solve", ("solution", "cloned_coefficient"))
linalg_lstsq = _rt("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))


def _batched(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    return np.broadcast_to(A, batch + A.shape[-2:]), np.broadcast_to(B, batch + B.shape[-2:])


def _triangle(A: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    """The part of A a triangular solve reads (and the only part its gradient reaches)."""
    return np.triu(A, int(unit)) if upper else np.tril(A, -int(unit))


def _tri(A: np.ndarray, B: np.ndarray, upper: bool, left: bool, unit: bool) -> np.ndarray:
    """X with A X = B (left) or X A = B, A triangular (only its triangle is read)."""
    A, B = _batched(A, B)
    if left:
        return tri_solve(A, B, upper, unit)
    return mH(tri_solve(mH(A), mH(B), not upper, unit))


# --- triangular solves ------------------------------------------------------------------------------------
class LinalgSolveTriangular(Function):
    """X = A^-1 B (left) or B A^-1, A triangular;  gB = A^-H g (or g A^-H), gA = -gB X^H (or -X^H gB) on A's
    triangle"""

    @staticmethod
    def forward(ctx, A, B, upper, left, unitriangular):
        X = _tri(A, B, upper, left, unitriangular)
        ctx.save_for_backward(A, X)
        ctx.args = (A.shape, B.shape, upper, left, unitriangular)
        return X

    @staticmethod
    def backward(ctx, g):
        A, X = ctx.saved_tensors
        a_shape, b_shape, upper, left, unit = ctx.args
        gB = _tri(mH(A), g, not upper, left, unit)
        gA = None
        if ctx.needs_input_grad[0]:
            gA = sum_to_shape(_triangle(-(gB @ mH(X)) if left else -(mH(X) @ gB), upper, unit), a_shape)
        gB = sum_to_shape(gB, b_shape) if ctx.needs_input_grad[1] else None
        return gA, gB, None, None, None


def _check_tri_shapes(name: str, A: Tensor, B: Tensor, left: bool) -> None:
    a, b = A._data, B._data
    dt = np.result_type(a, b)
    if dt.kind not in "fc" or dt.itemsize < 4:
        raise no_kernel("triangular_solve_cpu", np.empty(0, dt))
    check_matrix(name, A)
    if b.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    if (a.shape[-1] != b.shape[-2]) if left else (a.shape[-2] != b.shape[-1]):
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {eq} "
                           f"({a.shape[-2]}x{a.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False,
                     out=None) -> Tensor:
    """X with AX = B (``left``) or XA = B for triangular A; a zero diagonal gives inf/nan, not an error."""
    _check_tri_shapes("linalg.solve_triangular", A, B, left)
    A, B = _promote(A, B)  # (torch computes in the common dtype)
    return write_out(out, LinalgSolveTriangular.apply(A, B, upper, left, unitriangular))


class TriangularSolve(Function):
    """torch.triangular_solve: X with op(A) X = b, op = transpose or identity, and a copy of A;
    gb = op(A)^-H g, gA = -gb X^H (transposed back when op transposes) + the copy's grad, on A's triangle"""

    @staticmethod
    def forward(ctx, b, A, upper, transpose, unitriangular):
        At = np.swapaxes(A, -1, -2) if transpose else A
        X = _tri(At, b, upper != transpose, True, unitriangular)
        ctx.save_for_backward(A, X)
        ctx.args = (b.shape, upper, transpose, unitriangular)
        batch = X.shape[:-2]
        return X, np.array(np.broadcast_to(A, batch + A.shape[-2:]))

    @staticmethod
    def backward(ctx, g, g_copy):
        A, X = ctx.saved_tensors
        b_shape, upper, transpose, unit = ctx.args
        At = np.swapaxes(A, -1, -2) if transpose else A
        gb = gA = None
        if g is not None:
            gb = _tri(mH(At), g, upper == transpose, True, unit)
            gA = -(gb @ mH(X))
            if transpose:
                gA = np.swapaxes(gA, -1, -2)
        if gA is not None:
            gA = _triangle(gA, upper, unit)
        if g_copy is not None:  # (the copy's grad reaches all of A, unmasked, as in torch)
            gA = g_copy if gA is None else gA + g_copy
        gA = sum_to_shape(gA, A.shape) if gA is not None and ctx.needs_input_grad[1] else None
        if gb is not None and ctx.needs_input_grad[0]:
            gb = sum_to_shape(gb, b_shape)
        else:
            gb = None
        return gb, gA, None, None, None


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False, *, out=None):
    """(X, A's copy) with A X = b, or A^T X = b when ``transpose`` (deprecated in torch for solve_triangular)."""
    _check_b_A("torch.triangular_solve", "triangular_solve", b, A, "triangular_solve_cpu")
    res = TriangularSolve.apply(b, A, upper, transpose, unitriangular)
    if out is not None:
        res = tuple(write_out(o, r) for o, r in zip(out, res))
    return triangular_solve_rt(res)


class CholeskySolve(Function):
    """X = (L L^H)^-1 B (or (U^H U)^-1 B);  gB = (L L^H)^-1 g, gL = -(C + C^H) L with C = gB X^H (U: -U (C + C^H))"""

    @staticmethod
    def forward(ctx, B, L, upper):
        Lb, Bb = _batched(L, B)
        Low = mH(Lb) if upper else Lb
        X = tri_solve(mH(Low), tri_solve(Low, Bb, False, False), True, False)
        ctx.save_for_backward(L, X)
        ctx.args = (B.shape, upper)
        return X

    @staticmethod
    def backward(ctx, g):
        L, X = ctx.saved_tensors
        b_shape, upper = ctx.args
        gB = CholeskySolve.forward(ctx, g, L, upper)
        gL = None
        if ctx.needs_input_grad[1]:
            C = gB @ mH(X)
            C = C + mH(C)
            gL = sum_to_shape(-(L @ C) if upper else -(C @ L), L.shape)
        gB = sum_to_shape(gB, b_shape) if ctx.needs_input_grad[0] else None
        return gB, gL, None


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """X with A X = B for A = L L^H given its Cholesky factor ``input2`` (``upper``: A = U^H U)."""
    _check_b_A(None, "cholesky_solve", input, input2, "cholesky_solve_cpu")
    return write_out(out, CholeskySolve.apply(input, input2, upper))


class CholeskyInverse(Function):
    """X = (L L^H)^-1 (or (U^H U)^-1);  gL = -X (g + g^H) X L (U: -U X (g + g^H) X)"""

    @staticmethod
    def forward(ctx, L, upper):
        Low = mH(L) if upper else L
        eye = np.broadcast_to(np.eye(L.shape[-1], dtype=L.dtype), L.shape)
        Li = tri_solve(Low, eye, False, False)
        X = mH(Li) @ Li
        ctx.save_for_backward(L, X)
        ctx.upper = upper
        return X

    @staticmethod
    def backward(ctx, g):
        L, X = ctx.saved_tensors
        C = X @ (g + mH(g)) @ X
        return (-(L @ C) if ctx.upper else -(C @ L)), None


def cholesky_inverse(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """(L L^H)^-1 from the Cholesky factor L (``upper``: (U^H U)^-1)."""
    if input.dim() >= 2 and (input._data.dtype.kind not in "fc" or input._data.dtype.itemsize < 4):
        raise no_kernel("cholesky_inverse_out_cpu", input._data)
    check_matrix("cholesky_inverse", input)
    return write_out(out, CholeskyInverse.apply(input, upper))


# --- pseudo-inverse and rank --------------------------------------------------------------------------------
def _tolerances(a: np.ndarray, atol, rtol) -> tuple[float, float]:
    """torch's defaults: rtol = eps * max(m, n) unless only a positive atol is given (then rtol = 0)."""
    if rtol is None:
        rtol = 0.0 if (atol is not None and atol > 0) else np.finfo(a.dtype).eps * max(a.shape[-2:])
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
    U, S, Vh = np.linalg.svd(a, full_matrices=False)
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


def _promote(A: Tensor, B: Tensor) -> tuple[Tensor, Tensor]:
    dt = np.result_type(A._data, B._data)
    cast = lambda t: t if t._data.dtype == dt else t.to(_dtype_of(dt))  # noqa: E731
    return cast(A), cast(B)


def _dtype_of(np_dtype):
    from .. import _dtype as D
    return D._FROM_NUMPY[np_dtype]


def _check_b_A(name: str | None, op: str, b: Tensor, A: Tensor, kernel: str) -> None:
    """The checks torch's triangular_solve and cholesky_solve share (A is ``u`` in cholesky_solve's messages)."""
    if name is None:  # cholesky_solve
        if b.dim() < 2:
            raise RuntimeError(f"b should have at least 2 dimensions, but has {b.dim()} dimensions instead")
        if A.dim() < 2:
            raise RuntimeError(f"u should have at least 2 dimensions, but has {A.dim()} dimensions instead")
    else:
        for t, what in ((A, "A"), (b, "b")):
            if t.dim() < 2:
                raise RuntimeError(f"{name}: Expected {what} to have at least 2 dimensions, but it has {t.dim()} "
                                   "dimensions instead")
    if b._data.dtype != A._data.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_SCALAR_NAMES[b._data.dtype.name]} and A of type {_SCALAR_NAMES[A._data.dtype.name]} "
                           "instead.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are {A.shape[-2]} by {A.shape[-1]} "
                           "matrices")
    if A.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for {op}: each A matrix is {A.shape[-2]} by {A.shape[-1]} "
                           f"but each b matrix is {b.shape[-2]} by {b.shape[-1]}")
    try:
        np.broadcast_shapes(b.shape[:-2], A.shape[:-2])
    except ValueError:
        raise broadcast_error(tuple(b.shape[:-2]), tuple(A.shape[:-2])) from None
    if b._data.dtype.kind not in "fc" or b._data.dtype.itemsize < 4:
        raise no_kernel(kernel, b._data)


def _tol_value(t):
    return t.item() if isinstance(t, Tensor) else t


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
        S = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
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
    vec = b.ndim == a.ndim - 1
    if a.shape[-2] != (b.shape[-1] if vec else b.shape[-2]):
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    return linalg_lstsq(LinalgLstsq.apply(A, B, rcond, driver))
