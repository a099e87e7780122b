"""The part of ``torch.linalg`` made of ember's other ops: vector_norm, matrix_norm, norm, multi_dot, cross,
vecdot, matmul, diagonal, vander, tensorinv, tensorsolve (``ember/linalg.py`` is the public module)."""
from __future__ import annotations

import math

from .._tensor import Tensor, _C_NAMES, _wrap_dim
from . import reduction as R
from . import shape as S
from .arithmetic import mul
from .linalg import matmul, mm

__all__ = ["vector_norm", "matrix_norm", "norm", "multi_dot", "cross", "vecdot", "matmul", "diagonal", "vander",
           "tensorinv", "tensorsolve"]


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    if isinstance(ord, str):
        raise TypeError("linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str")
    return R.norm(x, ord, dim, keepdim, out=out, dtype=dtype)


def _matrix_dtype_check(A: Tensor) -> None:
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if A._data.dtype.kind not in "fc":
        from .._tensor import _SCALAR_NAMES
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_SCALAR_NAMES[A._data.dtype.name]}")


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    _matrix_dtype_check(A)
    d0, d1 = (_wrap_dim(d, A.dim()) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return R.norm(A, 2, (d0, d1), keepdim, out=out)
    if ord in ("nuc", 2, -2):
        return R._write(_svd_norm(A, ord, d0, d1, keepdim), out)
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    # 1: the largest column sum of |A| (sum over rows, d0); inf: the largest row sum (sum over columns, d1)
    summed, picked = (d0, d1) if abs(ord) == 1 else (d1, d0)
    sums = R.sum(A.abs(), summed)
    picked -= summed < picked  # (its number once the summed dim is gone, as torch's errors name it)
    if ord > 0 and sums.shape[picked] == 0:  # the largest of no sums: torch's 0 (amin still refuses)
        res = R.sum(sums, picked)
    else:
        res = (R.amax if ord > 0 else R.amin)(sums, picked)
    if keepdim:
        res = S.unsqueeze(S.unsqueeze(res, min(d0, d1)), max(d0, d1))
    return R._write(res, out)


def _svd_norm(A: Tensor, ord, d0: int, d1: int, keepdim: bool) -> Tensor:
    """'nuc': the sum of the singular values; 2 / -2: the largest / smallest one."""
    from .linalg_factor import svdvals
    s = svdvals(S.movedim(A, (d0, d1), (-2, -1)))
    res = R.sum(s, -1) if ord == "nuc" else (R.amax if ord == 2 else R.amin)(s, -1)
    if keepdim:
        res = S.unsqueeze(S.unsqueeze(res, min(d0, d1)), max(d0, d1))
    return res


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """A vector norm, or a matrix norm when ``dim`` is a pair or ``ord`` is a string."""
    if isinstance(ord, str) or (dim is not None and not isinstance(dim, int) and len(dim) == 2 and ord is not None):
        return matrix_norm(A, ord, dim if dim is not None else (-2, -1), keepdim, dtype=dtype, out=out)
    if ord is not None and dim is None and A.dim() == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


def multi_dot(tensors, *, out=None) -> Tensor:
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    for i, t in enumerate(ts):
        where = "the first tensor" if i == 0 else "the last tensor" if i == len(ts) - 1 else f"tensor {i}"
        ok = t.dim() in (1, 2) if i in (0, len(ts) - 1) else t.dim() == 2
        if not ok:
            want = "1D or 2D" if i in (0, len(ts) - 1) else "2D"
            raise RuntimeError(f"multi_dot(): {where} must be {want} but got {t.dim()}D")
    for i, t in enumerate(ts[1:], 1):
        if t.dtype != ts[0].dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{_C_NAMES[ts[0].dtype.name]} and tensor {i} {_C_NAMES[t.dtype.name]}")
    first_vec, last_vec = ts[0].dim() == 1, ts[-1].dim() == 1
    mats = [S.unsqueeze(ts[0], 0) if first_vec else ts[0]] + ts[1:-1] + \
        [S.unsqueeze(ts[-1], -1) if last_vec else ts[-1]]
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(ts[i].shape)} and "
                               f"{list(ts[i + 1].shape)} cannot be multiplied")
    res = mats[0]
    for m in mats[1:]:
        res = mm(res, m)
    # torch always views the product to the result's shape (dropping the vectors' dims)
    res = S.view(res, ([] if first_vec else [res.shape[0]]) + ([] if last_vec else [res.shape[-1]]))
    return R._write(res, out)


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out=None) -> Tensor:
    from .compose import _cross
    return R._write(_cross(input, other, dim), out)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out=None) -> Tensor:
    if x.is_complex():
        x = Tensor._make(x._data.conj())  # (no grad through the conjugate)
    return R._write(R.sum(mul(x, y), dim), out)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """torch.linalg.diagonal: Tensor.diagonal with the last two dims as the default."""
    return S.diagonal(A, offset, dim1, dim2)


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """Columns x^0, x^1, ..., x^(N-1) (N defaults to x's last size), as torch composes it: ones, then cumprod."""
    if x._data.dtype.kind not in "iufc" or x._data.dtype == bool:
        from .._tensor import _SCALAR_NAMES
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, but got "
                           f"{_SCALAR_NAMES[x._data.dtype.name]}")
    x_ = S.unsqueeze(x, -1) if x.dim() == 0 else x
    shape = list(x_.shape)
    n = shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    powers = R.cumprod(S.unsqueeze(x_, -1).expand(shape + [n - 1]), -1)
    return S.cat([powers.new_ones(shape + [1]), powers], -1)


def tensorinv(A: Tensor, ind: int = 2, *, out=None) -> Tensor:
    """The inverse of A seen as a linear map from its first ``ind`` dims to the rest (reshaped, inverted, reshaped)."""
    from .linalg_decomp import inv
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    head, tail = list(A.shape[:ind]), list(A.shape[ind:])
    rows, cols = math.prod(head), math.prod(tail)
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return R._write(S.reshape(inv(S.reshape(A, (cols, cols))), tail + head), out)


def tensorsolve(A: Tensor, B: Tensor, dims=None, *, out=None) -> Tensor:
    """X with tensordot(A, X, X.ndim) = B: A reshaped to a square matrix (``dims`` of A moved to the end first)."""
    from .linalg_decomp import solve
    if dims is not None:
        dims = [dims] if isinstance(dims, int) else list(dims)
        A = S.movedim(A, dims, list(range(A.dim() - len(dims), A.dim())))
    result_shape = list(A.shape[B.dim():])
    n_result, n_other = math.prod(result_shape), B.numel()  # (torch's message names A's dims but counts B)
    if n_result != n_other:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {n_result} != {n_other}")
    X = solve(S.reshape(A, (n_other, n_result)), S.reshape(B, (n_other,)))
    return R._write(S.reshape(X, result_shape), out)
