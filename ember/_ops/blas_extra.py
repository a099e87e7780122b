"""``addmv``, ``addr``, ``addbmm``, ``chain_matmul`` and the in-place ``add*_`` methods of the BLAS family."""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as Function
from ._broadcast import sum_to_shape
from ._inplace import inplace
from .linalg import Dot, _expand_error, _out, addmm, baddbmm

__all__ = ["addmv", "addr", "addbmm", "chain_matmul", "vdot"]

_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
           "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
           "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _name(a: np.ndarray) -> str:
    return _SCALAR.get(a.dtype.name, a.dtype.name)


def _scalars(dtype: np.dtype, beta, alpha, strict: bool = False):
    """Integer products take beta and alpha as integers: truncated, or (``strict``, addr) a float one refused."""
    if dtype.kind in "biu":
        if not strict:
            return (bool(beta), bool(alpha)) if dtype.kind == "b" else (int(beta), int(alpha))
        if isinstance(alpha, float) or isinstance(beta, float):
            raise RuntimeError("For integral input tensors, argument "
                               f"{'beta' if isinstance(beta, float) else 'alpha'} must not be a floating point number.")
        if dtype.kind == "b":
            return bool(beta), bool(alpha)
    return beta, alpha


def _combine(c: np.ndarray, prod: np.ndarray, beta, alpha) -> np.ndarray:
    """beta * c + alpha * prod, with c broadcast to prod's shape; beta == 0 ignores c (even nan), as torch does."""
    try:
        bc = np.broadcast_to(c, prod.shape)
    except ValueError:
        raise _expand_error(c.shape, prod.shape) from None
    if prod.dtype.kind == "b":
        return (bc & beta) | (prod & alpha)
    out = prod if alpha == 1 else prod * prod.dtype.type(alpha)
    if beta == 0:
        return np.array(out, copy=True)
    return out + (bc if beta == 1 else bc * prod.dtype.type(beta))


class Addmv(Function):
    """out = beta c + alpha M v;  dc = beta g (summed to c's shape),  dM = alpha g v^T,  dv = alpha M^T g"""

    @staticmethod
    def forward(ctx, c, m, v, beta, alpha):
        ctx.meta = (c.shape, beta, alpha)
        ctx.save_for_backward(m, v)
        return _combine(c, m @ v, beta, alpha)

    @staticmethod
    def backward(ctx, g):
        m, v = ctx.saved_tensors
        shape, beta, alpha = ctx.meta
        gc = sum_to_shape(g * g.dtype.type(beta), shape) if ctx.needs_input_grad[0] else None
        ga = g * g.dtype.type(alpha)
        gm = np.outer(ga, v) if ctx.needs_input_grad[1] else None
        gv = m.T @ ga if ctx.needs_input_grad[2] else None
        return gc, gm, gv, None, None


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * (mat @ vec)"""
    c, m, v = input._data, mat._data, vec._data
    if m.ndim != 2 or v.ndim != 1 or c.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {c.ndim}, {m.ndim}, {v.ndim}")
    if m.shape[1] != v.shape[0] or (c.ndim == 1 and c.shape[0] not in (1, m.shape[0])):
        raise RuntimeError(f"size mismatch, got input ({', '.join(map(str, c.shape))}), "
                           f"mat ({m.shape[0]}x{m.shape[1]}), vec ({v.shape[0]})")
    if not c.dtype == m.dtype == v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_name(c)}, {_name(m)}, "
                           f"and {_name(v)}")
    beta, alpha = _scalars(m.dtype, beta, alpha)
    return _out(Addmv.apply(input, mat, vec, beta, alpha), out)


class Addr(Function):
    """out = beta c + alpha u v^T;  dc = beta g (summed),  du = alpha g v,  dv = alpha g^T u"""

    @staticmethod
    def forward(ctx, c, u, v, beta, alpha, dt):
        ctx.meta = (c.shape, beta, alpha)
        ctx.save_for_backward(u, v)
        return _combine(c.astype(dt, copy=False), np.outer(u, v).astype(dt, copy=False), beta, alpha)

    @staticmethod
    def backward(ctx, g):
        u, v = ctx.saved_tensors
        shape, beta, alpha = ctx.meta
        gc = sum_to_shape(g * g.dtype.type(beta), shape) if ctx.needs_input_grad[0] else None
        ga = g * g.dtype.type(alpha)
        gu = (ga @ v).astype(u.dtype, copy=False) if ctx.needs_input_grad[1] else None
        gv = (u @ ga).astype(v.dtype, copy=False) if ctx.needs_input_grad[2] else None
        return gc, gu, gv, None, None, None


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2)"""
    for name, t in (("vec1", vec1), ("vec2", vec2)):
        if t.dim() != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {t.dim()}-D")
    dt = D.promote_types(D.promote_types(input.dtype, vec1.dtype), vec2.dtype)
    beta, alpha = _scalars(dt.np_dtype, beta, alpha, strict=True)
    return _out(Addr.apply(input, vec1, vec2, beta, alpha, dt.np_dtype), out)


class Addbmm(Function):
    """out = beta c + alpha sum_b A_b B_b;  dc = beta g (summed),  dA_b = alpha g B_b^T,  dB_b = alpha A_b^T g"""

    @staticmethod
    def forward(ctx, c, a, b, beta, alpha):
        ctx.meta = (c.shape, beta, alpha)
        ctx.save_for_backward(a, b)
        prod = np.matmul(a, b).sum(0) if a.shape[0] else np.zeros((a.shape[1], b.shape[2]), a.dtype)
        return _combine(c, prod, beta, alpha)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        shape, beta, alpha = ctx.meta
        gc = sum_to_shape(g * g.dtype.type(beta), shape) if ctx.needs_input_grad[0] else None
        ga = g * g.dtype.type(alpha)
        gA = np.matmul(ga, b.transpose(0, 2, 1)) if ctx.needs_input_grad[1] else None
        gB = np.matmul(a.transpose(0, 2, 1), ga) if ctx.needs_input_grad[2] else None
        return gc, gA, gB, None, None


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * sum over the batch of batch1[i] @ batch2[i]"""
    c, a, b = input._data, batch1._data, batch2._data
    if a.ndim != 3 or b.ndim != 3:
        # torch expands input to [batch1.size(1), batch2.size(2)] first, then checks the ranks
        target = (a.shape[1] if a.ndim > 1 else a.shape[0], b.shape[2] if b.ndim > 2 else b.shape[-1])
        try:
            np.broadcast_to(c, target)
        except ValueError:
            raise _expand_error(c.shape, target) from None
        raise RuntimeError("batch1 must be a 3D tensor" if a.ndim != 3 else "batch2 must be a 3D tensor")
    try:
        np.broadcast_to(c, (a.shape[1], b.shape[2]))
    except ValueError:
        raise _expand_error(c.shape, (a.shape[1], b.shape[2])) from None
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {a.shape[0]} and {b.shape[0]}")
    if a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({a.shape[1]}x{a.shape[2]} and "
                           f"{b.shape[1]}x{b.shape[2]})")
    if c.dtype != a.dtype or a.dtype != b.dtype:
        x, y = (c, a) if c.dtype != a.dtype else (a, b)
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_name(x)} and {_name(y)}")
    beta, alpha = _scalars(a.dtype, beta, alpha)
    return _out(Addbmm.apply(input, batch1, batch2, beta, alpha), out)


class Vdot(Function):
    """out = sum_i conj(a_i) b_i;  da = conj(g) b,  db = g a (torch's conjugate-Wirtinger grads)"""

    @staticmethod
    def forward(ctx, a, b):
        out = Dot.forward(ctx, np.conj(a) if a.dtype.kind == "c" else a, b)  # (dot's checks and product)
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = np.conj(g) * b if ctx.needs_input_grad[0] else None
        gb = g * a if ctx.needs_input_grad[1] else None
        return ga, gb


def vdot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The dot product of conj(input) and other (1-D tensors)."""
    return _out(Vdot.apply(input, other), out, vector=True)


def chain_matmul(*matrices: Tensor, out=None) -> Tensor:
    """Deprecated product of 2-D matrices: ``linalg.multi_dot`` (a single matrix is cloned)."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
                  "parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m.dim() != 2:
            raise RuntimeError(f"Tensor dimension is {m.dim()}, expected 2 instead.")
    if len(matrices) == 1:
        return _out(matrices[0].clone(), out)
    from ..linalg import multi_dot
    return _out(multi_dot(list(matrices)), out)


def _inplace_method(fn, out_shape=None):
    """``self.fn_(...)``; ``out_shape(*args)`` gives the product's shape, which self must already have."""
    def method(self, *args, **kwargs):
        shape = out_shape(*args) if out_shape is not None else None
        if shape is not None:
            if tuple(self.shape) != shape:
                raise RuntimeError(f"Bad in-place call: input tensor size [{', '.join(map(str, self.shape))}] and "
                                   f"output tensor size [{', '.join(map(str, shape))}] should match")
        elif fn is addr and self.dim() != 2:
            raise RuntimeError(f"2D tensor expected, got {self.dim()}D tensor for input")
        return inplace(self, fn, *args, **kwargs)
    method.__name__ = fn.__name__ + "_"
    return method


def _shape_of(*dims):
    """The in-place product's shape, from (operand index, dim) pairs; None when an operand lacks that dim (the op
    itself then reports the bad rank)."""
    def shape(*args):
        if any(not isinstance(args[i], Tensor) or args[i].dim() <= d for i, d in dims):
            return None
        return tuple(args[i].shape[d] for i, d in dims)
    return shape


# Tensor methods (attached in ember/__init__.py)
METHODS = {
    "vdot": vdot, "addmv": addmv, "addr": addr, "addbmm": addbmm,
    "addmv_": _inplace_method(addmv, _shape_of((0, 0))), "addr_": _inplace_method(addr),
    # (torch's addbmm_ resizes a wrongly shaped self; ember refuses it like the others)
    "addbmm_": _inplace_method(addbmm),
    "addmm_": _inplace_method(addmm, _shape_of((0, 0), (1, 1))),
    "baddbmm_": _inplace_method(baddbmm, _shape_of((0, 0), (0, 1), (1, 2))),
}
