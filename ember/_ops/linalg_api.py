"""The part of ``torch.linalg`` made of ember's other ops: vector_norm, matrix_norm, norm, multi_dot, cross,
vecdot, matmul, diagonal (``ember/linalg.py`` is the public module)."""
from __future__ import annotations

import math

from .._tensor import Tensor, _C_NAMES, _wrap_dim
from . import reduction as R
from . import shape as S
from .arithmetic import mul
from .linalg import matmul, mm

__all__ = ["vector_norm", "matrix_norm", "norm", "multi_dot", "cross", "vecdot", "matmul", "diagonal"]


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
    if first_vec:
        res = S.squeeze(res, 0)
    if last_vec:
        res = S.squeeze(res, -1)
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
