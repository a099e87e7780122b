"""Matrix products: dot, mv, mm, bmm, addmm, matmul (torch's shape rules), outer, einsum."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _SCALAR_NAMES
from .. import _dtype as D
from ..autograd.function import _NumpyFunction as Function
from ._broadcast import broadcast_error
from ..autograd.graph_engine import saved_input, sum_to

__all__ = ["dot", "mv", "mm", "bmm", "addmm", "matmul", "outer", "einsum", "baddbmm", "vdot", "inner", "ger"]


def _name(np_dtype) -> str:
    return _SCALAR_NAMES[D._FROM_NUMPY[np_dtype].name]


# the C++ type names torch's mm/addmm dtype messages print
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}


def _cpp(np_dtype) -> str:
    return _CPP_NAMES[D._FROM_NUMPY[np_dtype].name]


def _x(shape) -> str:
    return "x".join(str(s) for s in shape)


class Dot(Function):
    """out = sum_i a_i b_i;  da = g b,  db = g a"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 1 or b.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
        if a.dtype != b.dtype:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_name(a.dtype)} and {_name(b.dtype)}")
        if a.shape != b.shape:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have "
                               f"the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively")
        ctx.save_for_backward(a, b)
        return np.asarray(np.dot(a, b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return (g * b if ctx.needs_input_grad[0] else None), (g * a if ctx.needs_input_grad[1] else None)

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        return (g * saved_input(ctx, 1, b) if need_a else None), (g * saved_input(ctx, 0, a) if need_b else None)


class Mv(Function):
    """out = M v;  dM = outer(g, v),  dv = M^T g"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, m, v):
        if m.shape[1] != v.shape[0]:  # (torch checks the sizes before the dtypes)
            raise RuntimeError(f"size mismatch, got input ({m.shape[0]}), mat ({_x(m.shape)}), vec ({v.shape[0]})")
        if m.dtype is not v.dtype and m.dtype != v.dtype:
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_name(v.dtype)}, "
                               f"{_name(m.dtype)}, and {_name(v.dtype)}")
        ctx._saved = (m, v)  # save_for_backward, without the call
        return m @ v

    @staticmethod
    def backward(ctx, g):
        m, v = ctx.saved_tensors
        gm = np.multiply.outer(g, v) if ctx.needs_input_grad[0] else None
        gv = m.T @ g if ctx.needs_input_grad[1] else None
        return gm, gv

    @staticmethod
    def differentiable_backward(ctx, g):
        m, v = ctx.saved_tensors
        gm = g.unsqueeze(1) * saved_input(ctx, 1, v).unsqueeze(0) if ctx.needs_input_grad[0] else None
        gv = saved_input(ctx, 0, m).t().mv(g) if ctx.needs_input_grad[1] else None
        return gm, gv


def _check_mm(a, b):
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_x(a.shape)} and {_x(b.shape)})")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cpp(a.dtype)} != {_cpp(b.dtype)}")


def _check_addmm(c, a, b):
    if c.dtype != b.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_name(c.dtype)} and {_name(b.dtype)}")
    for name, m in (("mat1", a), ("mat2", b)):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    if a.dtype != b.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_name(a.dtype)} and {_name(b.dtype)}")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_x(a.shape)} and {_x(b.shape)})")


def _column_major(m: np.ndarray) -> bool:
    """True for a transposed (column-major) matrix, e.g. ``weight.t()``: torch then computes that input's grad
    transposed too, so ``weight.grad`` comes out row-major like ``weight`` (and later kernels see contiguous data)."""
    s0, s1 = m.strides
    return s0 == m.itemsize and s1 == m.shape[0] * m.itemsize


def _product(a: np.ndarray, b: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """``a @ b`` (plus a row-broadcast ``bias`` if given) as a new row-major matrix.

    For a float32 ``a`` of a few rows and a large transposed ``b`` (``linear``'s ``weight.t()``), OpenBLAS's sgemm
    is 1.1-2x faster on ``b.T @ a.T`` than on ``a @ b`` (an effect of its blocking, found by measuring); writing
    that product back transposed, bias added in the same pass, costs less than it saves. Measured on 4..96 rows x
    (128..1024)^2: it wins from 4 to 48 rows, and to 64 rows when the inner size is 512 or more; float64's dgemm
    shows no such gap.
    """
    n, k = a.shape
    if 4 <= n <= 64 and b.size >= 49152 and (n <= 48 or k >= 512) and a.dtype == np.float32 and _column_major(b):
        out = np.empty((a.shape[0], b.shape[1]), a.dtype)
        t = (b.T @ a.T).T
        if bias is None:
            np.copyto(out, t)
        else:
            np.add(t, bias, out=out)
        return out
    out = a @ b
    if bias is not None:
        out += bias
    return out


def _mm_grads(ctx, g: np.ndarray, a: np.ndarray, b: np.ndarray, i: int) -> tuple:
    """(dA, dB) of ``A B`` for output grad ``g``; inputs ``i``, ``i + 1`` of ``ctx`` are A and B."""
    ga = gb = None
    if 0 in g.strides and ctx.needs_input_grad[i] and ctx.needs_input_grad[i + 1]:
        # a broadcast grad (sum's backward expands a scalar): NumPy's matmul would lay it out afresh for each of
        # the two products; lay it out once (torch's mm likewise makes an expanded grad contiguous)
        g = np.ascontiguousarray(g)
    if ctx.needs_input_grad[i]:
        ga = (b @ g.T).T if _column_major(a) else g @ b.T
    if ctx.needs_input_grad[i + 1]:
        gb = (g.T @ a).T if _column_major(b) else a.T @ g
    return ga, gb


def _mm_graph_grads(ctx, g, a: np.ndarray, b: np.ndarray, i: int) -> tuple:
    """``_mm_grads`` with Tensor ops (create_graph=True): dA = g B^T, dB = A^T g, differentiable in g, A and B."""
    ga = g.mm(saved_input(ctx, i + 1, b).t()) if ctx.needs_input_grad[i] else None
    gb = saved_input(ctx, i, a).t().mm(g) if ctx.needs_input_grad[i + 1] else None
    return ga, gb


class Mm(Function):
    """out = A B;  dA = g B^T,  dB = A^T g"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a, b):
        _check_mm(a, b)
        ctx.save_for_backward(a, b)
        return _product(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _mm_grads(ctx, g, a, b, 0)

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b = ctx.saved_tensors
        return _mm_graph_grads(ctx, g, a, b, 0)


class Addmm(Function):
    """out = beta * C + alpha * (A B);  dC = beta g (summed to C's shape),  dA = alpha g B^T,  dB = alpha A^T g"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, c, a, b, beta=1, alpha=1):
        _check_addmm(c, a, b)
        if a.dtype.kind in "biu":  # integer products take the scalars as integers (truncated), as torch does
            beta, alpha = int(beta), int(alpha)
        ctx.meta = (c.shape, beta, alpha)
        ctx.save_for_backward(a, b)
        cs = c.shape
        if alpha == 1 and beta == 1 and len(cs) == 1 and cs[0] == b.shape[1] and c.dtype == a.dtype:
            return _product(a, b, c)  # linear's bias
        out = _product(a, b)
        if alpha != 1:
            out *= alpha
        if cs != out.shape and not (len(cs) == 1 and cs[0] == out.shape[1]):  # linear's bias skips broadcast_to
            try:
                np.broadcast_to(c, out.shape)
            except ValueError:
                raise _expand_error(c.shape, out.shape) from None
        if beta == 0:
            return out
        out += c if beta == 1 else beta * c
        return out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        c_shape, beta, alpha = ctx.meta
        gc = None
        if ctx.needs_input_grad[0]:
            from ._broadcast import sum_to_shape
            gc = sum_to_shape(g if beta == 1 else g * beta, c_shape)
        ga, gb = _mm_grads(ctx, g if alpha == 1 else g * alpha, a, b, 1)
        return gc, ga, gb, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b = ctx.saved_tensors
        c_shape, beta, alpha = ctx.meta
        gc = sum_to(g if beta == 1 else g * beta, c_shape) if ctx.needs_input_grad[0] else None
        ga, gb = _mm_graph_grads(ctx, g if alpha == 1 else g * alpha, a, b, 1)
        return gc, ga, gb, None, None


class Bmm(Function):
    """Batched A_i B_i over dim 0"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 3:
            raise RuntimeError("batch1 must be a 3D tensor")
        if b.ndim != 3:
            raise RuntimeError("batch2 must be a 3D tensor")
        if b.shape[:2] != (a.shape[0], a.shape[2]):
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, "
                               f"{a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
        if a.dtype != b.dtype:
            raise RuntimeError(f"expected scalar type {_name(a.dtype)} but found {_name(b.dtype)}")
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = np.matmul(g, b.transpose(0, 2, 1)) if ctx.needs_input_grad[0] else None
        gb = np.matmul(a.transpose(0, 2, 1), g) if ctx.needs_input_grad[1] else None
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g.bmm(saved_input(ctx, 1, b).transpose(1, 2)) if ctx.needs_input_grad[0] else None
        gb = saved_input(ctx, 0, a).transpose(1, 2).bmm(g) if ctx.needs_input_grad[1] else None
        return ga, gb


class Baddbmm(Function):
    """out = beta * C + alpha * bmm(A, B);  dC = beta g (summed to C's shape),  dA = alpha g B^T,  dB = alpha A^T g"""

    _holomorphic = True  # complex grads: g * conj(f'(z)) (see Function._holomorphic)

    @staticmethod
    def forward(ctx, c, a, b, beta=1, alpha=1):
        out = Bmm.forward(ctx, a, b)
        if a.dtype.kind in "biu":
            beta, alpha = int(beta), int(alpha)
        ctx.meta = (c.shape, beta, alpha)
        target = out.shape
        try:
            bc = np.broadcast_to(c, target)
        except ValueError:
            raise _expand_error(c.shape, target) from None
        if alpha != 1:
            out *= alpha
        if beta == 0:  # torch ignores input entirely (even nan) when beta is 0
            return out
        out += bc if beta == 1 else beta * bc
        return out

    @staticmethod
    def backward(ctx, g):
        from ._broadcast import sum_to_shape
        a, b = ctx.saved_tensors
        c_shape, beta, alpha = ctx.meta
        gs = g if alpha == 1 else g * alpha
        gc = sum_to_shape(g if beta == 1 else g * beta, c_shape) if ctx.needs_input_grad[0] else None
        ga = np.matmul(gs, b.transpose(0, 2, 1)) if ctx.needs_input_grad[1] else None
        gb = np.matmul(a.transpose(0, 2, 1), gs) if ctx.needs_input_grad[2] else None
        return gc, ga, gb, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        a, b = ctx.saved_tensors
        c_shape, beta, alpha = ctx.meta
        gs = g if alpha == 1 else g * alpha
        gc = sum_to(g if beta == 1 else g * beta, c_shape) if ctx.needs_input_grad[0] else None
        ga = gs.bmm(saved_input(ctx, 2, b).transpose(1, 2)) if ctx.needs_input_grad[1] else None
        gb = saved_input(ctx, 1, a).transpose(1, 2).bmm(gs) if ctx.needs_input_grad[2] else None
        return gc, ga, gb, None, None


def _expand_error(shape, target) -> RuntimeError:
    """torch's expand message for a bias that does not broadcast to the product's shape."""
    lead = len(target) - len(shape)
    for i in range(len(shape) - 1, -1, -1):
        if shape[i] not in (1, target[i + lead]):
            return RuntimeError(f"The expanded size of the tensor ({target[i + lead]}) must match the existing size "
                                f"({shape[i]}) at non-singleton dimension {i + lead}.  Target sizes: "
                                f"[{', '.join(map(str, target))}].  Tensor sizes: [{', '.join(map(str, shape))}]")
    return RuntimeError("expand error")


# --- wrappers -------------------------------------------------------------------

def _out(res: Tensor, out, vector: bool = False) -> Tensor:
    """out= of the products: out must already have the result's dtype (torch's words differ for dot)."""
    if out is None:
        return res
    if out._data.dtype != res._data.dtype:
        if vector:
            raise RuntimeError(f"result dtype {_name(out._data.dtype)} does not match input dtype "
                               f"{_name(res._data.dtype)}")
        raise RuntimeError(f"Expected out tensor to have dtype {_cpp(res._data.dtype)}, but got "
                           f"{_cpp(out._data.dtype)} instead")
    from ._args import write_out
    return write_out(out, res)


def _size(t: Tensor, dim: int) -> int:
    """t.size(dim), with torch's errors: the products read their operands' sizes before checking their ranks."""
    from .._tensor import _dim_of
    return t._data.shape[_dim_of(dim, t.dim(), "size")]


def dot(input: Tensor, tensor: Tensor, *, out=None) -> Tensor:
    return _out(Dot.apply(input, tensor), out, vector=True)


vdot = dot


def inner(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Sum over the last dims of both (a product when either is 0-dim)."""
    if input.dim() and other.dim() and input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input._data.shape)} and {list(other._data.shape)}")
    if input.dim() and other.dim() and input.dtype != other.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if input.dim() == 0 or other.dim() == 0:
        res = input * other
    elif input.dim() == 1 and other.dim() == 1:
        res = dot(input, other)
    else:
        from .compose import tensordot
        res = tensordot(input, other, ([-1], [-1]))
    if out is not None and out._data.dtype != res._data.dtype:
        raise RuntimeError(f"tensordot: Expected the output tensor to have dtype {_name(res._data.dtype)}, but got an "
                           f"output tensor with dtype {_name(out._data.dtype)}")
    return _out(res, out)


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    _size(input, 0)
    if input.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.dim()}, {vec.dim()}")
    if out is not None and not (out._data.dtype == input._data.dtype == vec._data.dtype):
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_name(out._data.dtype)}, "
                           f"{_name(input._data.dtype)}, and {_name(vec._data.dtype)}")
    return _out(Mv.apply(input, vec), out)


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    return _out(Mm.apply(input, mat2), out)


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    return _out(Bmm.apply(input, mat2), out)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2)"""
    if beta == 1 and alpha == 1:
        return _out(Addmm.apply(input, mat1, mat2), out)
    return _out(Addmm.apply(input, mat1, mat2, beta, alpha), out)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2)"""
    # torch sizes the result [batch1.size(0), batch1.size(1), batch2.size(2)] before any rank check
    _size(batch1, 0), _size(batch1, 1), _size(batch2, 2)
    if beta == 1 and alpha == 1:
        return _out(Baddbmm.apply(input, batch1, batch2), out)
    return _out(Baddbmm.apply(input, batch1, batch2, beta, alpha), out)


def _should_fold(t1: Tensor, t2: Tensor) -> bool:
    """torch's should_fold (LinearAlgebra.cpp): use one mm/mv over the folded batch instead of bmm."""
    larger = t1.dim() >= t2.dim()
    big = t1._data if larger else np.swapaxes(t2._data, -1, -2)
    if not (big.ndim >= 3 and (t2.dim() if larger else t1.dim()) <= 2):
        return False
    # folding keeps the small operand's grad a plain mm instead of a huge expanded bmm grad
    if (t2 if larger else t1)._requires_grad:
        return True
    if t1.dim() == 2:
        return False
    if big.size == 0:
        return True
    st = [s // big.itemsize for s in big.strides]
    return all(st[i] == st[i + 1] * big.shape[i + 1] for i in range(big.ndim - 2))


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Matrix product, composed exactly as torch's _matmul_impl (so grad_fn chains and rounding match)."""
    if out is not None:
        if not isinstance(input, Tensor) or not isinstance(other, Tensor) or input.dim() == 0 or other.dim() == 0:
            return matmul(input, other)  # (the argument errors)
        from ._args import refuse_grad_out
        refuse_grad_out("matmul", input, other)
        return _out(matmul(input, other), out, vector=input.dim() == other.dim() == 1)
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    d1, d2 = input._data.ndim, other._data.ndim
    if d1 == 0 or d2 == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {d1}D and {d2}D")
    if d1 == 1 and d2 == 1:
        return Dot.apply(input, other)
    if d1 == 2 and d2 == 1:
        return Mv.apply(input, other)
    if d1 == 1 and d2 == 2:
        return SqueezeInplace.apply(Mm.apply(unsqueeze(input, 0), other), (0,))
    if d1 == 2 and d2 == 2:
        return Mm.apply(input, other)
    if _should_fold(input, other):
        trans = d2 > d1
        t1 = transpose(other, -2, -1) if trans else input
        t2 = (t(input) if d1 == 2 else input) if trans else other
        s1 = t1._data.shape
        out_shape = s1[:-1]
        folded = reshape(t1, (int(np.prod(out_shape)), s1[-1]))
        if t2.dim() == 2:
            res = UnsafeView.apply(Mm.apply(folded, t2), out_shape + (t2._data.shape[1],))
            return contiguous(transpose(res, -2, -1)) if trans else res
        return UnsafeView.apply(Mv.apply(folded, t2), out_shape)
    s1, s2 = input._data.shape, other._data.shape
    n = s1[-2] if d1 > 1 else 1
    m1 = s1[-1]
    batch1 = s1[:-2]
    m2 = s2[-2] if d2 > 1 else s2[0]
    p = s2[-1] if d2 > 1 else 1
    batch2 = s2[:-2]
    if d1 == 3 and d2 == 3 and batch1[0] != batch2[0]:
        # a broadcast size-1 batch that needs a grad goes through the fold branch instead (torch does the same)
        if batch1[0] == 1 and input._requires_grad:
            return matmul(squeeze(input, 0), other)
        if batch2[0] == 1 and other._requires_grad:
            return matmul(input, squeeze(other, 0))
    try:
        batch = tuple(np.broadcast_shapes(batch1, batch2))
    except ValueError:
        raise broadcast_error(batch1, batch2) from None
    bsz = int(np.prod(batch))
    a3 = reshape(expand(input, batch + (n, m1)), (bsz, n, m1))
    if d2 == 1:
        b3 = unsqueeze(reshape(expand(other, batch + (m2,)), (bsz, m2)), 2)
    else:
        b3 = reshape(expand(other, batch + (m2, p)), (bsz, m2, p))
    out_shape = batch + ((n,) if d1 > 1 else ()) + ((p,) if d2 > 1 else ())
    res = Bmm.apply(a3, b3)
    if d2 == 1:
        res = squeeze(res, -1)
    return UnsafeView.apply(res, out_shape)


from .shape import (SqueezeInplace, UnsafeView, contiguous, expand, reshape, squeeze, t, transpose,  # noqa: E402
                    unsqueeze)


def outer(input: Tensor, vec2: Tensor, *, out=None) -> Tensor:
    """input.reshape(-1, 1) * vec2, as torch composes it (grad_fn MulBackward0)."""
    from .shape import reshape
    for name, v in (("self", input), ("vec2", vec2)):
        if v.dim() != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.dim()}-D")
    return reshape(input, (input._data.shape[0], 1)) * vec2


ger = outer


# --- einsum: torch's Linear.cpp algorithm (align, diagonal, unsqueeze, permute; pairwise bmm left to right) ----

_ELL = "..."


def _parse_lhs(lhs: str, num_ops: int) -> list[list[str]]:
    op_labels: list[list[str]] = [[] for _ in range(num_ops)]
    cur, ell, i = 0, False, 0
    while i < len(lhs):
        c = lhs[i]
        if c == ".":
            if ell:
                raise RuntimeError(f"einsum(): found '.' for operand {cur} for which an ellipsis was already found")
            if not (i + 2 < len(lhs) and lhs[i + 1] == "." and lhs[i + 2] == "."):
                raise RuntimeError(f"einsum(): found '.' for operand {cur} that is not part of any ellipsis")
            i += 2
            op_labels[cur].append(_ELL)
            ell = True
        elif c == ",":
            cur += 1
            if cur >= num_ops:
                raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
            ell = False
        elif c != " ":
            if not (c.isascii() and c.isalpha()):
                raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, "
                                   "subscripts must be in [a-zA-Z]")
            op_labels[cur].append(c)
        i += 1
    if cur != num_ops - 1:
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    return op_labels


def _sumproduct_pair(left: Tensor, right: Tensor, sum_dims: list[int]) -> Tensor:
    """(left * right).sum(sum_dims, keepdim=True) through one bmm (torch's sumproduct_pair)."""
    from .reduction import sum as _sum
    from .shape import permute, reshape, view
    if not sum_dims:
        return left * right
    lro, lo, ro = [], [], []
    lro_size = lo_size = ro_size = sum_size = 1
    for i in range(left.dim()):
        sl, sr = left._data.shape[i] != 1, right._data.shape[i] != 1
        if i in sum_dims:
            if sl and sr:
                if left._data.shape[i] != right._data.shape[i]:
                    raise RuntimeError("non-broadcast dimensions must match")
                sum_size *= left._data.shape[i]
            elif sl:
                left = _sum(left, i, True)
            elif sr:
                right = _sum(right, i, True)
        elif sl and sr:
            if left._data.shape[i] != right._data.shape[i]:
                raise RuntimeError("non-broadcast dimensions must match")
            lro.append(i)
            lro_size *= left._data.shape[i]
        elif sl:
            lo.append(i)
            lo_size *= left._data.shape[i]
        else:
            ro.append(i)
            ro_size *= right._data.shape[i]
    out_size = ([left._data.shape[d] for d in lro] + [left._data.shape[d] for d in lo] + [1] * len(sum_dims)
                + [right._data.shape[d] for d in ro])
    operm = [0] * len(out_size)
    for k, d in enumerate(lro + lo + sum_dims + ro):
        operm[d] = k
    left = reshape(permute(left, lro + lo + sum_dims + ro), (lro_size, lo_size, sum_size))
    right = reshape(permute(right, lro + sum_dims + ro + lo), (lro_size, sum_size, ro_size))
    return permute(view(bmm(left, right), tuple(out_size)), operm)


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation, computed as torch computes it without opt_einsum (so grad_fn chains match)."""
    from .reduction import sum as _sum
    from .shape import diagonal, movedim, permute, unsqueeze, view
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    num_ops = len(operands)
    arrow = equation.find("->")
    lhs = equation if arrow < 0 else equation[:arrow]
    op_labels = _parse_lhs(lhs, num_ops)
    label_count: dict[str, int] = {}
    ell_num_dim = 0
    for i, (op, labels) in enumerate(zip(operands, op_labels)):
        nlabels = sum(1 for c in labels if c != _ELL)
        has_ell = _ELL in labels
        for c in labels:
            if c != _ELL:
                label_count[c] = label_count.get(c, 0) + 1
        if has_ell:
            ell_num_dim = max(ell_num_dim, op.dim() - nlabels)
        if (nlabels > op.dim()) if has_ell else (nlabels != op.dim()):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({nlabels}) "
                f"{'is more than' if has_ell else 'does not match'} the number of dimensions ({op.dim()}) for operand "
                f"{i}{'' if has_ell else ' and no ellipsis was given'}")
    # every label's position in the aligned shape: output dims first, then the contracted ones
    perm_index: dict[str, int] = {}
    pos = ell_index = 0
    ell_in_output = False
    if arrow < 0:
        pos, ell_in_output = ell_num_dim, True  # implicit output: ellipsis, then labels seen once, sorted
        for c in sorted(label_count):
            if label_count[c] == 1:
                perm_index[c] = pos
                pos += 1
    else:
        rhs = equation[arrow + 2:]
        i = 0
        while i < len(rhs):
            c = rhs[i]
            if c == ".":
                if ell_in_output:
                    raise RuntimeError("einsum(): found '.' for output but an ellipsis (...) was already found")
                if not (i + 2 < len(rhs) and rhs[i + 1] == "." and rhs[i + 2] == "."):
                    raise RuntimeError("einsum(): found '.' for output that is not part of any ellipsis (...)")
                i += 2
                ell_index, ell_in_output = pos, True
                pos += ell_num_dim
            elif c != " ":
                if not (c.isascii() and c.isalpha()):
                    raise RuntimeError(f"einsum(): invalid subscript given at index {len(lhs) + 2 + i} in the equation "
                                       "string, subscripts must be in [a-zA-Z]")
                if c not in label_count or c in perm_index:
                    raise RuntimeError(f"einsum(): output subscript {c}" + (
                        " appears more than once in the output" if c in perm_index
                        else " does not appear in the equation for any input operand"))
                perm_index[c] = pos
                pos += 1
            i += 1
    out_num_dim = pos
    if not ell_in_output:
        ell_index = pos
        pos += ell_num_dim
    for c in sorted(label_count):
        if c not in perm_index:
            perm_index[c] = pos
            pos += 1
    label_size: dict[str, int] = {}
    ell_sizes = [1] * ell_num_dim
    dim_counts = [0] * pos
    ops = []
    for i, (operand, labels) in enumerate(zip(operands, op_labels)):
        op = operand
        perm = [-1] * pos
        dim = 0
        for c in labels:
            if c == _ELL:
                ndim = operand.dim() - (len(labels) - 1)
                for j in range(ell_num_dim - ndim, ell_num_dim):
                    size = op._data.shape[dim]
                    if size != 1:
                        if ell_sizes[j] not in (1, size):
                            raise RuntimeError(
                                f"einsum(): dimension {dim} covered by ellipsis in operand {i}has size {size} which "
                                f"does not broadcast with previously seen ellipsis with size {ell_sizes[j]} for the "
                                "respective dimension")
                        ell_sizes[j] = size
                        dim_counts[ell_index + j] += 1
                    perm[ell_index + j] = dim
                    dim += 1
            elif perm[perm_index[c]] == -1:
                size = op._data.shape[dim]
                if size != 1:
                    if label_size.get(c, 1) not in (1, size):
                        raise RuntimeError(f"einsum(): subscript {c} has size {size} for operand {i} which does not "
                                           f"broadcast with previously seen size {label_size[c]}")
                    label_size[c] = size
                    dim_counts[perm_index[c]] += 1
                perm[perm_index[c]] = dim
                dim += 1
            else:
                prev = perm[perm_index[c]]
                if op._data.shape[dim] != op._data.shape[prev]:
                    raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't match, "
                                       f"{op._data.shape[dim]} != {op._data.shape[prev]}")
                op = movedim(diagonal(op, 0, prev, dim), -1, prev)
        for k in range(pos):
            if perm[k] == -1:
                op = unsqueeze(op, dim)
                perm[k] = dim
                dim += 1
        ops.append(permute(op, perm))
    while len(ops) > 1:
        a, b = ops.pop(0), ops.pop(0)
        sum_dims, a_sum, b_sum = [], [], []
        for d in range(out_num_dim, pos):
            if a._data.shape[d] != 1 and b._data.shape[d] != 1:
                dim_counts[d] -= 1
                if dim_counts[d] == 1:
                    sum_dims.append(d)
                    dim_counts[d] = 0
            elif dim_counts[d] == 1:
                if a._data.shape[d] != 1:
                    a_sum.append(d)
                    dim_counts[d] = 0
                elif b._data.shape[d] != 1:
                    b_sum.append(d)
                    dim_counts[d] = 0
        if a_sum:
            a = _sum(a, a_sum, True)
        if b_sum:
            b = _sum(b, b_sum, True)
        ops.insert(0, _sumproduct_pair(a, b, sum_dims))
    if pos > out_num_dim:
        if num_ops > 1:  # the contracted dims are all size 1 by now
            return view(ops[0], ops[0]._data.shape[:out_num_dim])
        return _sum(ops[0], list(range(out_num_dim, pos)))
    return ops[0]
