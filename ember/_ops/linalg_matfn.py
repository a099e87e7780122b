"""Matrix functions: matrix_exp (its own op), and matrix_power and cond, which torch composes from other ops."""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._args import write_out
from ._linalg_common import check_matrix, mH

__all__ = ["matrix_exp", "matrix_power", "cond"]

# torch's matrix_exp (aten/src/ATen/native/LinearAlgebra.cpp, mexp): Taylor polynomials of degree 1, 2, 4, 8, 12
# chosen by the 1-norm, else degree 18 with scaling and squaring, each evaluated with the few products of Bader,
# Blanes & Casas, "Computing the matrix exponential with an optimized Taylor polynomial approximation" (2019).
# Following its choices (not a Pade approximant) keeps ember's rounding within an ulp or so of torch's.
_THETAS = {  # the largest 1-norm each degree serves: 1, 2, 4, 8, 12, 18 (the last: the scaling target)
    np.dtype(np.float32): (1.192092800768788e-07, 5.978858893805233e-04, 5.116619363445086e-02,
                           5.800524627688768e-01, 1.461661507209034e+00, 3.010066362817634e+00),
    np.dtype(np.float64): (2.220446049250313e-16, 2.580956802971767e-08, 3.397168839976962e-04,
                           4.991228871115323e-02, 2.996158913811580e-01, 1.090863719290036e+00),
}
_SQRT177 = 0.1330413469565007072504e+2
_X3 = 2.0 / 3.0
_T8 = (_X3 * ((1.0 + _SQRT177) / 88.0), _X3 * ((1.0 + _SQRT177) / 352.0), _X3,
       (-271.0 + 29.0 * _SQRT177) / (315.0 * _X3), (-11.0 + 11.0 * _SQRT177) / (1260.0 * _X3),
       (-99.0 + 11.0 * _SQRT177) / (5040.0 * _X3), (89.0 - _SQRT177) / (5040.0 * _X3),
       (857.0 - 58.0 * _SQRT177) / 630.0)
_T12 = ((9.0198e-16, 0.46932117595418237389, -0.20099424927047284052, -0.04623946134063071740),
        (5.31597895759871264183, 1.19926790417132231573, 0.01179296240992997031, 0.01108844528519167989),
        (0.18188869982170434744, 0.05502798439925399070, 0.09351590770535414968, 0.00610700528898058230),
        (-2.0861320e-13, -0.13181061013830184015, -0.02027855540589259079, -0.00675951846863086359))
_T18 = ((0.0, -1.00365581030144618291e-01, -8.02924648241156932449e-03, -8.92138498045729985177e-04, 0.0),
        (0.0, 3.97849749499645077844e-01, 1.36783778460411720168e+00, 4.98289622525382669416e-01,
         -6.37898194594723280150e-04),
        (-1.09676396052962061844e+01, 1.68015813878906206114e+00, 5.71779846478865511061e-02,
         -6.98210122488052056106e-03, 3.34975017086070470649e-05),
        (-9.04316832390810593223e-02, -6.76404519071381882256e-02, 6.75961301770459654925e-02,
         2.95552570429315521194e-02, -1.39180257516060693404e-05),
        (0.0, 0.0, -9.23364619367118555360e-02, -1.69364939002081722752e-02, -1.40086798182036094347e-05))


def _combo(mats: list, coeffs) -> np.ndarray:
    """sum_k c_k M_k, accumulated left to right (torch's _compute_linear_combination)."""
    out = np.zeros_like(mats[0])
    for m, c in zip(mats, coeffs):
        out += m.dtype.type(c) * m
    return out


def _powers(A: np.ndarray, count: int) -> list:
    """The first ``count`` of I, A, A^2, A^3, A^6."""
    eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape)
    ps = [np.array(eye), A]
    if count > 2:
        ps.append(A @ A)
    if count > 3:
        ps.append(A @ ps[2])
    if count > 4:
        ps.append(ps[3] @ ps[3])
    return ps[:count]


def _taylor(A: np.ndarray, degree: int) -> np.ndarray:
    if degree == 1:
        I, A1 = _powers(A, 2)
        return I + A1
    if degree == 2:
        I, A1, A2 = _powers(A, 3)
        return (I + A1) + A2 / 2
    if degree == 4:
        I, A1, A2 = _powers(A, 3)
        return _combo([I, A1, A2, A2 @ _combo([I, A1, A2], (1 / 2.0, 1 / 6.0, 1 / 24.0))], (1.0, 1.0, 0.0, 1.0))
    if degree == 8:
        x1, x2, x3, x4, x5, x6, x7, y2 = _T8
        I, A1, A2 = _powers(A, 3)
        A4 = A2 @ _combo([A1, A2], (x1, x2))
        A8 = _combo([A2, A4], (x3, 1.0)) @ _combo([I, A1, A2, A4], (x4, x5, x6, x7))
        return _combo([I, A1, A2, A4, A8], (1.0, 1.0, y2, 0.0, 1.0))
    if degree == 12:
        B = [_combo(_powers(A, 4), row) for row in _T12]
        B2 = B[2] + B[3] @ B[3]
        return B[0] + (B[1] + B2) @ B2
    B = [_combo(_powers(A, 5), row) for row in _T18]
    A9 = B[3] + B[0] @ B[4]
    return B[1] + (B[2] + A9) @ A9


def _expm(a: np.ndarray) -> np.ndarray:
    """exp of each matrix in a batch, by torch's choice of Taylor degree (1-norm thresholds), degree 18 with
    scaling by 2^-s and s squarings beyond them (and for every matrix of a batch of more than one)."""
    if a.size == 0:
        return a.copy()
    if a.shape[-1] == 1:
        return np.exp(a)
    thetas = _THETAS[np.dtype(a.real.dtype)]
    flat = a.reshape((-1,) + a.shape[-2:])
    norm = np.abs(flat).sum(-2).max(-1)
    out = np.empty_like(flat)
    if len(flat) == 1:  # (torch 2.13 picks a degree only for a single matrix: a batch goes to degree 18)
        lower = -1.0
        for degree, upper in zip((1, 2, 4, 8, 12), thetas):
            pick = (lower < norm) & (norm <= upper)
            if pick.any():
                out[pick] = _taylor(flat[pick], degree)
            lower = upper
        big = ~(norm <= thetas[4])  # (nan norms too)
    else:
        big = np.ones(len(flat), bool)
    if big.any():
        with np.errstate(divide="ignore"):
            s = np.maximum(0, np.ceil(np.log2(norm[big] / thetas[5])))
        s = np.where(np.isfinite(s), s, 0).astype(np.int64)
        R = _taylor(flat[big] / (2.0 ** s)[:, None, None].astype(a.real.dtype), 18)
        for i in range(int(s.max())):
            R = np.where((s > i)[:, None, None], R @ R, R)
        out[big] = R
    return out.reshape(a.shape)


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
