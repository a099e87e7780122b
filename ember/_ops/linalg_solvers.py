"""Triangular solvers on NumPy: solve_triangular, triangular_solve, cholesky_solve, cholesky_inverse."""
from __future__ import annotations

import numpy as np

from .. import return_types
from .._tensor import Tensor, _SCALAR_NAMES
from ..autograd.function import _NumpyFunction as Function
from ._args import write_out
from ._broadcast import broadcast_error, sum_to_shape
from ._linalg_common import check_matrix, mH, no_kernel, tri_solve

__all__ = ["solve_triangular", "triangular_solve", "cholesky_solve", "cholesky_inverse"]

_rt = return_types._make
triangular_solve_rt = _rt("triangular_solve", ("solution", "cloned_coefficient"))


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
