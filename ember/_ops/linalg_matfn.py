"""Matrix functions: matrix_exp (its own op), and matrix_power and cond, which torch composes from other ops."""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._args import write_out
from ._linalg_common import check_matrix, mH

__all__ = ["matrix_exp", "matrix_power", "cond"]

# Higham (2005), "The scaling and squaring method for the matrix exponential revisited": the [13/13] Pade
# coefficients and the 1-norm up to which it is accurate to double precision without scaling
_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800., 129060195264000.,
           10559470521600., 670442572800., 33522128640., 1323241920., 40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152


def _expm(a: np.ndarray) -> np.ndarray:
    """exp of each matrix in a batch: scale by 2^-s so the 1-norm is at most theta_13, Pade [13/13], square s times."""
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    norm = np.abs(a).sum(-2).max(-1)
    with np.errstate(divide="ignore"):
        s = np.maximum(0, np.ceil(np.log2(norm / _THETA13))).astype(np.int64)
    s = np.where(np.isfinite(norm), s, 0)
    A = a / (2.0 ** s)[..., None, None].astype(a.real.dtype)
    b = _PADE13
    eye = np.eye(n, dtype=a.dtype)
    A2 = A @ A
    A4 = A2 @ A2
    A6 = A4 @ A2
    U = A @ (A6 @ (b[13] * A6 + b[11] * A4 + b[9] * A2) + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * eye)
    V = A6 @ (b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * eye
    R = np.linalg.solve(V - U, V + U)
    for i in range(int(s.max()) if s.size else 0):
        R = np.where((s > i)[..., None, None], R @ R, R)
    return R


class LinalgMatrixExp(Function):
    """exp(A) = sum_k A^k / k!;  gA = the upper-right block of exp([[A^H, g], [0, A^H]])"""

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return _expm(A)

    @staticmethod
    def backward(ctx, g):
        A, = ctx.saved_tensors
        n = A.shape[-1]
        Ah = mH(A)
        M = np.zeros(A.shape[:-2] + (2 * n, 2 * n), np.result_type(A, g))
        M[..., :n, :n] = Ah
        M[..., n:, n:] = Ah
        M[..., :n, n:] = g
        return _expm(M)[..., :n, n:]


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential of each square matrix (float16 is computed in float32, then rounded)."""
    if A._data.dtype == np.float16:  # (torch 2.13 computes in float16 and returns garbage: not copied)
        check_matrix("linalg.matrix_exp", A.float())
        return matrix_exp(A.float()).half()
    check_matrix("linalg.matrix_exp", A)
    return LinalgMatrixExp.apply(A)


def matrix_power(A: Tensor, n: int, *, out=None) -> Tensor:
    """A^n by repeated squaring in torch's order (n < 0: of inv(A)); composed of matmuls, as in torch."""
    from .linalg import matmul
    from .shape import clone
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if n == 0:
        from .._creation import eye
        res = clone(A).copy_(eye(A.shape[-1], dtype=A.dtype).expand(A.shape))
        return write_out(out, res)
    if n < 0:
        from .linalg_decomp import inv
        A = inv(A)
        if n == -1:  # (the inverse itself: torch clones only an input it returns as it is)
            return write_out(out, A)
        n = -n
    if n == 1:
        return write_out(out, clone(A))
    if n == 2:
        return write_out(out, matmul(A, A))
    if n == 3:
        return write_out(out, matmul(matmul(A, A), A))
    z = result = None
    while n > 0:  # binary decomposition of n, low bits first
        bit = n % 2
        n //= 2
        z = A if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    return write_out(out, result)


def cond(A: Tensor, p=None, *, out=None) -> Tensor:
    """The condition number in norm ``p``: S_max / S_min for p in (None, 2) (-2: the reciprocal), else
    norm(A, p) * norm(inv(A), p), which is inf for a singular A."""
    from .linalg_api import matrix_norm
    from .linalg_factor import svdvals
    from .shape import narrow, squeeze
    if A.dim() < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p is None or p in (2, -2):
        s = svdvals(A)
        k = s.shape[-1]
        if k == 0:  # (an empty matrix: torch's 0)
            return write_out(out, Tensor._make(np.zeros(s.shape[:-1], s._data.dtype)))
        big, small = narrow(s, -1, 0, 1), narrow(s, -1, k - 1, 1)
        return write_out(out, squeeze(small / big if p == -2 else big / small, -1))
    if p not in ("fro", "nuc", math.inf, -math.inf, 1, -1):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if A.shape[-1] != A.shape[-2]:  # (the dtype is checked by linalg.inv, under its name)
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    from .linalg_decomp import inv_ex
    from .unary_extra import nan_to_num
    # (torch 2.13 changes inv_ex's output in place here, so its backward fails; ember's composition differentiates)
    inverse = inv_ex(A).inverse
    res = matrix_norm(A, p) * matrix_norm(inverse, p)
    return write_out(out, nan_to_num(res, nan=math.inf, posinf=math.inf))
