"""Ops torch builds from other ops (tile, rot90, kron, trace, diag, meshgrid, repeat_interleave, tensordot,
cross, dist, cdist, the atleast/stack family): written here the same way, so autograd comes from the parts."""
from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor, _wrap_dim
from . import shape as S
from .arithmetic import mul, sub
from .indexing import index_select
from .linalg import mm
from .reduction import norm, sum as _sum

__all__ = ["tile", "rot90", "kron", "trace", "diag", "atleast_1d", "atleast_2d", "atleast_3d", "dstack",
           "column_stack", "row_stack", "meshgrid", "repeat_interleave", "tensordot", "cross", "dist", "cdist",
           "fliplr", "flipud", "ravel", "cartesian_prod", "tril_indices", "triu_indices", "hsplit", "vsplit", "dsplit", "renorm", "addcmul", "addcdiv"]


def tile(input: Tensor, dims) -> Tensor:
    dims = tuple(dims)
    # missing leading reps count as 1; extra ones become new leading dims (repeat's rule)
    return S.repeat(input, (1,) * (input.dim() - len(dims)) + dims)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    dims = list(dims)
    nd = input.dim()
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = dims
    if d0 == d1 or abs(d0 - d1) == nd:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    for i, d in enumerate(dims):
        if not -nd <= d < nd:
            raise RuntimeError(f"Rotation dim{i} out of range, dim{i} = {d}")
    k %= 4
    if k == 1:
        return S.transpose(S.flip(input, d1), d0, d1)
    if k == 2:
        return S.flip(input, d0, d1)
    if k == 3:
        return S.transpose(S.flip(input, d0), d0, d1)
    return S.clone(input, memory_format=None).contiguous()


def kron(input: Tensor, other: Tensor) -> Tensor:
    nd = max(input.dim(), other.dim())
    sa = (1,) * (nd - input.dim()) + tuple(input.shape)
    sb = (1,) * (nd - other.dim()) + tuple(other.shape)
    # interleave the dims (a0, b0, a1, b1, ...) so each a-element scales a whole b-block
    a = S.reshape(input, tuple(x for n in sa for x in (n, 1)))
    b = S.reshape(other, tuple(x for n in sb for x in (1, n)))
    return S.reshape(mul(a, b), tuple(m * n for m, n in zip(sa, sb)))


def trace(input: Tensor) -> Tensor:
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    return _sum(S.diagonal(input))


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    if input.dim() == 2:
        return S.diagonal(input, diagonal).contiguous()
    if input.dim() != 1:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.dim()}D")
    n = input.shape[0] + abs(diagonal)
    out = Tensor._make(np.zeros((n, n), input._data.dtype))
    i = np.arange(input.shape[0])
    rows, cols = (i, i + diagonal) if diagonal >= 0 else (i - diagonal, i)
    out[Tensor._make(rows), Tensor._make(cols)] = input  # a differentiable write of the vector
    return out


def _atleast(args, fn):
    if len(args) == 1 and isinstance(args[0], Tensor):
        return fn(args[0])
    ts = args[0] if len(args) == 1 else args
    return tuple(fn(t) for t in ts)


def atleast_1d(*tensors):
    return _atleast(tensors, lambda t: S.reshape(t, (1,)) if t.dim() == 0 else t)


def atleast_2d(*tensors):
    return _atleast(tensors, lambda t: S.reshape(t, (1, 1)) if t.dim() == 0 else
                    S.unsqueeze(t, 0) if t.dim() == 1 else t)


def _3d(t: Tensor) -> Tensor:
    if t.dim() == 0:
        return S.reshape(t, (1, 1, 1))
    if t.dim() == 1:
        return S.unsqueeze(S.unsqueeze(t, 0), -1)
    return S.unsqueeze(t, -1) if t.dim() == 2 else t


def atleast_3d(*tensors):
    return _atleast(tensors, _3d)


def dstack(tensors, *, out=None) -> Tensor:
    tensors = S._check_seq(tensors, "dstack")
    return S.cat([_3d(t) for t in tensors], 2, out=out)


def column_stack(tensors, *, out=None) -> Tensor:
    tensors = S._check_seq(tensors, "column_stack")
    return S.hstack([S.reshape(t, (t.numel(), 1)) if t.dim() <= 1 else t for t in tensors])


def row_stack(tensors, *, out=None) -> Tensor:
    return S.vstack(tensors)


def fliplr(input: Tensor) -> Tensor:
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return S.flip(input, 1)


def flipud(input: Tensor) -> Tensor:
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return S.flip(input, 0)


def ravel(input: Tensor) -> Tensor:
    return S.reshape(input, (-1,))


def meshgrid(*tensors, indexing: str | None = None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    if any(t.dtype != tensors[0].dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if indexing not in ("xy", "ij"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:  # 'xy' is 'ij' on the first two inputs swapped, the first two grids then swapped back
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.numel() for t in ts)
    outs = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = -1
        outs.append(S.expand(S.view(t, tuple(view)), shape))
    if swap:
        outs[0], outs[1] = outs[1], outs[0]
    return tuple(outs)


def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *, output_size: int | None = None) -> Tensor:
    if repeats is None:  # repeat_interleave(repeats): the index form
        return _repeat_index(input)
    if dim is None:
        input = S.reshape(input, (-1,))
        dim = 0
    d = _wrap_dim(dim, input.dim())
    n = input.shape[d] if input.dim() else 1
    if isinstance(repeats, Tensor):
        if repeats.dim() > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        reps = repeats._data.reshape(-1)
        if reps.size == 1:
            reps = np.full(n, reps[0])
        elif reps.size != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{reps.size} and input.size({d}) = {n}")
        idx = _repeat_index(Tensor._make(reps))._data
    else:
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        idx = np.repeat(np.arange(n), int(repeats))
    return index_select(input, d, Tensor._make(idx.astype(np.int64)))


def _repeat_index(repeats: Tensor) -> Tensor:
    reps = repeats._data
    if reps.ndim > 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if reps.dtype.kind not in "iu":
        raise NotImplementedError(_not_impl("repeat_interleave_cpu", repeats))
    if (reps < 0).any():
        raise RuntimeError("repeats can not be negative")
    return Tensor._make(np.repeat(np.arange(reps.size), reps).astype(reps.dtype if reps.dtype == np.int32 else np.int64))


def _not_impl(kernel: str, t: Tensor) -> str:
    from .._tensor import _SCALAR_NAMES
    return f"\"{kernel}\" not implemented for '{_SCALAR_NAMES[t._data.dtype.name]}'"


def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.dim() or dims > b.dim():
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(-dims, 0)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    if a.dtype != b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    from .._tensor import _dim_of
    for i, j in zip(da, db):
        m, n = a.shape[_dim_of(i, a.dim(), "size")], b.shape[_dim_of(j, b.dim(), "size")]
        if m != n and m != 1 and n != 1:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {m} in dim {i} "
                               f"and second has size {n} in dim {j}")
    da = [_wrap_dim(d, a.dim()) for d in da]
    db = [_wrap_dim(d, b.dim()) for d in db]
    # a size-1 contracted dim meets every element of the other side's dim: sum that side there first
    for i, j in zip(da, db):
        if a.shape[i] == 1 and b.shape[j] != 1:
            b = _sum(b, j, keepdim=True)
        elif b.shape[j] == 1 and a.shape[i] != 1:
            a = _sum(a, i, keepdim=True)
    free_a = [i for i in range(a.dim()) if i not in da]
    free_b = [j for j in range(b.dim()) if j not in db]
    k = int(np.prod([a.shape[i] for i in da]))
    # explicit sizes: -1 cannot be inferred when k is 0
    m = int(np.prod([a.shape[i] for i in free_a]))
    n = int(np.prod([b.shape[j] for j in free_b]))
    left = S.reshape(S.permute(a, free_a + da), (m, k))
    right = S.reshape(S.permute(b, db + free_b), (k, n))
    shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[j] for j in free_b)
    return S.reshape(mm(left, right), shape)


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out=None) -> Tensor:
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return _cross(input, other, dim)


def _cross(a: Tensor, b: Tensor, dim: int) -> Tensor:
    if a.dim() == 0 or b.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if a.dim() != b.dim():
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = _wrap_dim(dim, a.dim())
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[d]} and "
                           f"{b.shape[d]}")
    if a.dtype != b.dtype:
        from .._tensor import _SCALAR_NAMES
        raise RuntimeError(f"expected scalar type {_SCALAR_NAMES[a._data.dtype.name]} but found "
                           f"{_SCALAR_NAMES[b._data.dtype.name]}")
    i1, i2 = Tensor._make(np.array([1, 2, 0])), Tensor._make(np.array([2, 0, 1]))
    return sub(mul(index_select(a, d, i1), index_select(b, d, i2)),
               mul(index_select(a, d, i2), index_select(b, d, i1)))


def dist(input: Tensor, other: Tensor, p=2) -> Tensor:
    diff = sub(input, other)
    if diff._data.dtype.kind not in "fc":
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{_not_impl('', diff).split(chr(39))[1]} instead.")
    return norm(diff, p)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.dtype == np.float16 and x1._data.size and x2._data.size:  # (no kernel runs on empty inputs)
            raise NotImplementedError(_not_impl("cdist", t))
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{_not_impl('', t).split(chr(39))[1]}")
    for name, t in (("X1", x1), ("X2", x2)):
        if t.dim() < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if x1.dtype != x2.dtype:
        from .._tensor import _SCALAR_NAMES
        raise RuntimeError(f"expected scalar type {_SCALAR_NAMES[x1._data.dtype.name]} but found "
                           f"{_SCALAR_NAMES[x2._data.dtype.name]}")
    diff = sub(S.unsqueeze(x1, -2), S.unsqueeze(x2, -3))  # (..., P, R, M)
    if x1.shape[-1] == 0:  # no coordinates: every distance is 0 (also for p=inf, which norm() refuses here)
        return diff.sum(-1)
    return norm(diff, p, -1)


def cartesian_prod(*tensors) -> Tensor:
    for t in tensors:
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return S.stack([S.reshape(g, (-1,)) for g in grids], 1)


def _tri_indices(name: str, row: int, col: int, offset: int, dtype, lower: bool) -> Tensor:
    from .. import _dtype as D
    dtype = dtype or D.int64
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    if dtype.np_dtype.kind not in "iu":
        from .._tensor import _SCALAR_NAMES
        raise NotImplementedError(f"\"{name}\" not implemented for '{_SCALAR_NAMES[dtype.name]}'")
    rows, cols = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    return Tensor._make(np.stack([rows, cols]).astype(dtype.np_dtype).reshape(2, -1))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    return _tri_indices("tril_indices", row, col, offset, dtype, True)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    return _tri_indices("triu_indices", row, col, offset, dtype, False)


def _xsplit(name: str, input: Tensor, sections, min_dims: int, dim: int):
    nd = input.dim()
    if nd < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor with "
                           f"{nd} dimensions!")
    if isinstance(sections, int):
        n = input.shape[dim]
        if sections == 0 or n % sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                               f"{n} is not divisible by the split_size {sections}!")
    return S.tensor_split(input, sections, dim)


def hsplit(input: Tensor, indices_or_sections):
    return _xsplit("hsplit", input, indices_or_sections, 1, 0 if input.dim() == 1 else 1)


def vsplit(input: Tensor, indices_or_sections):
    return _xsplit("vsplit", input, indices_or_sections, 2, 0)


def dsplit(input: Tensor, indices_or_sections):
    return _xsplit("dsplit", input, indices_or_sections, 3, 2)


def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """Scale each slice along ``dim`` whose p-norm exceeds maxnorm down to (about) maxnorm."""
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    if input.dim() < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.dim()} dimensions")
    d = _wrap_dim(dim, input.dim())
    norms = norm(input, p, tuple(i for i in range(input.dim()) if i != d), keepdim=True)
    from .comparison import where
    from .arithmetic import add, div
    # torch's factor: maxnorm / (norm + 1e-7) where the norm is too large, else 1
    factor = where(norms > maxnorm, div(maxnorm, add(norms, 1e-7)), 1.0)
    return mul(input, factor.to(input.dtype))


_ADDCDIV_INT = ("Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a "
                "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + "
                "value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * "
                "tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: "
                "(input + value * tensor1 / tensor2), for all dtypes.")


def _scaled(input: Tensor, part: Tensor, value, kernel: str, others) -> Tensor:
    """input + value * part, with value read as the result type (an integer result truncates it)."""
    from .. import _dtype as D
    from .arithmetic import add
    rt = D.result_type(input, *others)
    if rt is D.bool:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    if not (rt.is_floating_point or rt.is_complex):
        value = int(value)
    return add(input, part if value == 1 else mul(part, value))


def _as_result(input: Tensor, t1: Tensor, t2: Tensor):
    """torch computes value * t1 * t2 in the result type of all three (float16 factors of a double input multiply
    as doubles)."""
    from .. import _dtype as D
    rt = D.result_type(input, t1, t2)
    return (t1 if t1.dtype is rt else t1.to(rt)), (t2 if t2.dtype is rt else t2.to(rt))


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    t1, t2 = _as_result(input, tensor1, tensor2) if input._data.dtype.kind != "b" else (tensor1, tensor2)
    res = _scaled(input, mul(t1, t2), value, "addcmul_cpu_out", (tensor1, tensor2))
    return res if out is None else _write_out(out, res)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    if tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError(_ADDCDIV_INT)
    from .arithmetic import div
    t1, t2 = _as_result(input, tensor1, tensor2) if input._data.dtype.kind != "b" else (tensor1, tensor2)
    res = _scaled(input, div(t1, t2), value, "addcdiv_cpu_out", (tensor1, tensor2))
    return res if out is None else _write_out(out, res)


def _write_out(out: Tensor, res: Tensor) -> Tensor:
    from ._args import write_out
    return write_out(out, res)
