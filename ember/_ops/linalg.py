"""Matrix products: dot, mv, mm, bmm, addmm, matmul (torch's shape rules), outer, einsum."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _SCALAR_NAMES
from .. import _dtype as D
from ..autograd.function import _NumpyFunction as Function
from ._broadcast import broadcast_error

__all__ = ["dot", "mv", "mm", "bmm", "addmm", "matmul", "outer", "einsum", "baddbmm", "vdot", "inner", "ger"]


def _name(np_dtype) -> str:
    return _SCALAR_NAMES[D._FROM_NUMPY[np_dtype].name]


def _x(shape) -> str:
    return "x".join(str(s) for s in shape)


class Dot(Function):
    """out = sum_i a_i b_i;  da = g b,  db = g a"""

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


class Mv(Function):
    """out = M v;  dM = outer(g, v),  dv = M^T g"""

    @staticmethod
    def forward(ctx, m, v):
        if m.dtype != v.dtype:
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_name(v.dtype)}, "
                               f"{_name(m.dtype)}, and {_name(v.dtype)}")
        if m.shape[1] != v.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({m.shape[0]}), mat ({_x(m.shape)}), vec ({v.shape[0]})")
        ctx.save_for_backward(m, v)
        return m @ v

    @staticmethod
    def backward(ctx, g):
        m, v = ctx.saved_tensors
        gm = np.outer(g, v) if ctx.needs_input_grad[0] else None
        gv = m.T @ g if ctx.needs_input_grad[1] else None
        return gm, gv


def _check_mm(a, b):
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_x(a.shape)} and {_x(b.shape)})")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}")


class Mm(Function):
    """out = A B;  dA = g B^T,  dB = A^T g"""

    @staticmethod
    def forward(ctx, a, b):
        _check_mm(a, b)
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g @ b.T if ctx.needs_input_grad[0] else None
        gb = a.T @ g if ctx.needs_input_grad[1] else None
        return ga, gb


class Addmm(Function):
    """out = beta * C + alpha * (A B);  dC = beta g (summed to C's shape),  dA = alpha g B^T,  dB = alpha A^T g"""

    @staticmethod
    def forward(ctx, c, a, b, beta=1, alpha=1):
        _check_mm(a, b)
        ctx.meta = (c.shape, beta, alpha)
        ctx.save_for_backward(a, b)
        out = a @ b
        if alpha != 1:
            out *= alpha
        try:
            out_shape = np.broadcast_shapes(c.shape, out.shape)
        except ValueError:
            out_shape = None
        if out_shape != out.shape:
            shp = "[" + ", ".join(map(str, out.shape)) + "]"
            cs = "[" + ", ".join(map(str, c.shape)) + "]"
            bad = [i for i in range(len(c.shape)) if c.shape[::-1][i] not in (1, out.shape[::-1][i])][0]
            raise RuntimeError(f"The expanded size of the tensor ({out.shape[::-1][bad]}) must match the existing size "
                               f"({c.shape[::-1][bad]}) at non-singleton dimension {out.ndim - 1 - bad}.  Target sizes: "
                               f"{shp}.  Tensor sizes: {cs}")
        if beta == 0:
            return out
        out += c if beta == 1 else beta * c
        return out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        c_shape, beta, alpha = ctx.meta
        gc = ga = gb = None
        if ctx.needs_input_grad[0]:
            from ._broadcast import sum_to_shape
            gc = sum_to_shape(g if beta == 1 else g * beta, c_shape)
        gs = g if alpha == 1 else g * alpha
        if ctx.needs_input_grad[1]:
            ga = gs @ b.T
        if ctx.needs_input_grad[2]:
            gb = a.T @ gs
        return gc, ga, gb, None, None


class Bmm(Function):
    """Batched A_i B_i over dim 0"""

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


class Einsum(Function):
    """General contraction; each operand's grad is the einsum of g with the other operands."""

    @staticmethod
    def forward(ctx, equation, *arrays):
        eq = equation.replace(" ", "")
        if "->" not in eq:
            # implicit output: the labels that appear once, in alphabetical order
            ins = eq.replace("...", "")
            labels = sorted(c for c in set(ins.replace(",", "")) if ins.count(c) == 1)
            eq = eq + "->" + ("..." if "..." in eq else "") + "".join(labels)
        ctx.meta = (eq, [a.shape for a in arrays])
        ctx.save_for_backward(*arrays)
        return np.asarray(np.einsum(eq, *arrays, optimize=len(arrays) > 2))

    @staticmethod
    def backward(ctx, g):
        eq, shapes = ctx.meta
        arrays = ctx.saved_tensors
        lhs, out = eq.split("->")
        ins = lhs.split(",")
        grads = [None]
        for i, (spec, shape) in enumerate(zip(ins, shapes)):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(ins) if j != i]
            ops = [a for j, a in enumerate(arrays) if j != i]
            # labels of this operand missing from the output and the other operands are summed away; put them back
            present = set(out) | set("".join(others))
            missing = [c for c in spec if c not in present and c != "."]
            target = "".join(c for c in spec if c not in missing)
            gi = np.einsum(",".join([out] + others) + "->" + target, g, *ops, optimize=True)
            if missing:
                gi = np.einsum(target + "->" + spec.replace("...", "") if "..." not in spec else target + "->" + spec,
                               gi) if False else _broadcast_missing(gi, target, spec, shape)
            grads.append(np.asarray(gi).reshape(shape) if np.shape(gi) != shape else gi)
        return tuple(grads)


def _broadcast_missing(gi, target: str, spec: str, shape) -> np.ndarray:
    """Re-insert labels that were summed away (their grad is constant along them)."""
    expanded = gi
    for pos, c in enumerate(spec):
        if c not in target:
            expanded = np.expand_dims(expanded, pos)
    return np.broadcast_to(expanded, shape).copy()


# --- wrappers -------------------------------------------------------------------

def dot(input: Tensor, tensor: Tensor, *, out=None) -> Tensor:
    return Dot.apply(input, tensor)


vdot = inner = dot


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    return Mv.apply(input, vec)


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    return Mm.apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    return Bmm.apply(input, mat2)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2)"""
    if beta == 1 and alpha == 1:
        return Addmm.apply(input, mat1, mat2)
    return Addmm.apply(input, mat1, mat2, beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    prod = bmm(batch1, batch2)
    return prod * alpha + input * beta if (beta != 1 or alpha != 1) else input + prod


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Matrix product with torch's rules for 1-D operands and batch broadcasting."""
    from .shape import expand, reshape, view, unsqueeze, SqueezeInplace, UnsafeView
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    da, db = input.dim(), other.dim()
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if da == 1 and db == 1:
        return Dot.apply(input, other)
    if da == 2 and db == 1:
        return Mv.apply(input, other)
    if da == 1 and db == 2:
        return SqueezeInplace.apply(Mm.apply(unsqueeze(input, 0), other), (0,))
    if da == 2 and db == 2:
        return Mm.apply(input, other)
    if da >= 3 and db <= 2:
        # fold the batch into the rows: one big matrix product, as torch does
        sa = input._data.shape
        folded = view(input, (-1, sa[-1])) if input._data.flags.c_contiguous else reshape(input, (-1, sa[-1]))
        if db == 1:
            res = Mv.apply(folded, other)
            return UnsafeView.apply(res, sa[:-1])
        res = Mm.apply(folded, other)
        return UnsafeView.apply(res, sa[:-1] + (other._data.shape[-1],))
    # batched: broadcast the batch dims, then one bmm
    a, b = input, other
    if da == 1:
        a = unsqueeze(a, 0)
    if db == 1:
        b = unsqueeze(b, -1)
    sa, sb = a._data.shape, b._data.shape
    n, k = sa[-2], sa[-1]
    k2, m = sb[-2], sb[-1]
    try:
        batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise broadcast_error(sa[:-2], sb[:-2]) from None
    if k != k2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{int(np.prod(batch))}, {k}] but got: [{int(np.prod(batch))}, {k2}].")
    bsz = int(np.prod(batch))
    a3 = reshape(expand(a, batch + (n, k)), (bsz, n, k)) if sa[:-2] != batch else reshape(a, (bsz, n, k))
    b3 = reshape(expand(b, batch + (k, m)), (bsz, k, m)) if sb[:-2] != batch else reshape(b, (bsz, k, m))
    out_shape = batch + (n, m)
    if da == 1:
        out_shape = batch + (m,)
    elif db == 1:
        out_shape = batch + (n,)
    return UnsafeView.apply(Bmm.apply(a3, b3), out_shape)


def outer(input: Tensor, vec2: Tensor, *, out=None) -> Tensor:
    """input[:, None] * vec2[None, :] (torch records it as a multiply of views)."""
    from .shape import view
    return view(input, (-1, 1)) * vec2


ger = outer


def einsum(equation: str, *operands) -> Tensor:
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return Einsum.apply(equation, *operands)
