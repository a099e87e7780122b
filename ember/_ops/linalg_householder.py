"""Householder reflectors: torch.geqrf (LAPACK's packed QR), linalg.householder_product / torch.orgqr, which
multiplies the reflectors H_i = I - tau_i v_i v_i^H back into Q's first n columns, and torch.ormqr, which applies
Q = H_1 ... H_k to another matrix."""
from __future__ import annotations

import numpy as np

from .. import return_types
from .._tensor import Tensor, _SCALAR_NAMES
from ..autograd.function import _NumpyFunction as Function
from ._args import write_out
from ._linalg_common import mH, no_kernel

__all__ = ["householder_product", "orgqr", "geqrf", "ormqr"]

geqrf_rt = return_types._make("geqrf", ("a", "tau"))


def _reflector(A: np.ndarray, i: int) -> np.ndarray:
    """v_i: zeros above row i, 1 at row i, A's column i below (batched)."""
    v = np.zeros(A.shape[:-1], A.dtype)
    v[..., i] = 1
    v[..., i + 1:] = A[..., i + 1:, i]
    return v


def _apply(v: np.ndarray, tau: np.ndarray, X: np.ndarray) -> np.ndarray:
    """H X = X - tau v (v^H X), batched."""
    return X - (tau[..., None, None] * v[..., :, None]) * (v.conj()[..., None, :] @ X)


class LinalgHouseholderProduct(Function):
    """Q = H_1 ... H_k E (E: the first n columns of I);  with P_i = H_1..H_{i-1}, S_i = H_{i+1}..H_k E and
    gH_i = P_i^H g S_i^H:  g tau_i = -v_i^H gH_i v_i,  g v_i = -conj(tau_i) gH_i v_i - tau_i gH_i^H v_i"""

    @staticmethod
    def forward(ctx, A, tau):
        m, n = A.shape[-2:]
        Q = np.broadcast_to(np.eye(m, n, dtype=A.dtype), A.shape).copy()
        for i in range(tau.shape[-1] - 1, -1, -1):
            Q = _apply(_reflector(A, i), tau[..., i], Q)
        ctx.save_for_backward(A, tau)
        return Q

    @staticmethod
    def backward(ctx, g):
        A, tau = ctx.saved_tensors
        m, n = A.shape[-2:]
        k = tau.shape[-1]
        vs = [_reflector(A, i) for i in range(k)]
        # S_i for every i (right to left), then walk left to right carrying P_i^H g
        S = [None] * k
        acc = np.broadcast_to(np.eye(m, n, dtype=A.dtype), A.shape).copy()
        for i in range(k - 1, -1, -1):
            S[i] = acc
            acc = _apply(vs[i], tau[..., i], acc)
        gA = np.zeros_like(A)
        gtau = np.zeros_like(tau)
        PhG = g  # P_i^H g (P_1 = I)
        for i in range(k):
            v, t = vs[i], tau[..., i]
            gH = PhG @ mH(S[i])
            vc = v.conj()
            gtau[..., i] = -np.einsum("...a,...ab,...b->...", vc, gH, v)
            gv = -(t.conj()[..., None] * (gH @ v[..., None])[..., 0]) - t[..., None] * (mH(gH) @ v[..., None])[..., 0]
            gA[..., i + 1:, i] = gv[..., i + 1:]
            PhG = _apply(v, t.conj(), PhG)  # H_i^H = I - conj(tau) v v^H
        return gA, gtau


def householder_product(A: Tensor, tau: Tensor, *, out=None) -> Tensor:
    """The first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^H with v_i in A's column i below the diagonal."""
    name = "torch.linalg.householder_product"
    if A.dim() < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if A.shape[-2] < A.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if A.shape[-1] < tau.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau.shape[:-1])}")
    a, t = A._data, tau._data
    if a.dtype != t.dtype:
        raise RuntimeError(f"{name}: tau dtype {_SCALAR_NAMES[t.dtype.name]} does not match input dtype "
                           f"{_SCALAR_NAMES[a.dtype.name]}")
    if a.dtype.kind not in "fc" or a.dtype.itemsize < 4:
        raise no_kernel("orgqr_cpu", a)
    return write_out(out, LinalgHouseholderProduct.apply(A, tau))


def orgqr(input: Tensor, tau: Tensor) -> Tensor:
    """torch.orgqr: linalg.householder_product."""
    return householder_product(input, tau)


class Geqrf(Function):
    """LAPACK's geqrf: R on and above the diagonal, the reflectors below it, and their tau (not differentiable)"""

    @staticmethod
    def forward(ctx, A):
        h, tau = np.linalg.qr(A, mode="raw")
        return np.ascontiguousarray(np.swapaxes(h, -1, -2)), tau.astype(A.dtype, copy=False)

    @staticmethod
    def backward(ctx, ga, gtau):
        raise NotImplementedError("the derivative for 'geqrf' is not implemented.")


def geqrf(input: Tensor, *, out=None):
    """(a, tau) as LAPACK's geqrf leaves them (householder_product(a, tau) is the reduced Q)."""
    if input.dim() < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    if input._data.dtype.kind not in "fc" or input._data.dtype.itemsize < 4:
        raise no_kernel("geqrf_cpu", input._data)
    res = Geqrf.apply(input)
    return geqrf_rt(res if out is None else tuple(write_out(o, r) for o, r in zip(out, res)))


def _chain(A: np.ndarray, tau: np.ndarray, transpose: bool) -> list[tuple[int, bool]]:
    """The reflectors of Q (or Q^H) in the order they act on a matrix from the left: (index, conjugate tau)."""
    k = tau.shape[-1]
    return [(i, True) for i in range(k)] if transpose else [(i, False) for i in range(k - 1, -1, -1)]


class Ormqr(Function):
    """Y = op(Q) C (left) or C op(Q), op = identity or ^H, Q = H_1 ... H_k. Through the chain X_j = G_j X_{j-1},
    G = I - t v v^H, w = v^H X_{j-1}:  gX_{j-1} = G^H gX_j, gt = -v^H gX_j w^H,
    gv = -conj(t) gX_j w^H - t X_{j-1} gX_j^H v (the right-hand forms are the left ones on C^H)"""

    @staticmethod
    def forward(ctx, A, tau, C, left, transpose):
        X = C if left else mH(C)
        steps = _chain(A, tau, transpose if left else not transpose)
        xs = []
        for i, conj in steps:
            xs.append(X)
            t = tau[..., i].conj() if conj else tau[..., i]
            X = _apply(_reflector(A, i), t, X)
        ctx.save_for_backward(A, tau)
        ctx.chain = (steps, xs, left)
        return X if left else mH(X)

    @staticmethod
    def backward(ctx, g):
        A, tau = ctx.saved_tensors
        steps, xs, left = ctx.chain
        gX = g if left else mH(g)
        gA, gtau = np.zeros_like(A), np.zeros_like(tau)
        for (i, conj), X in zip(reversed(steps), reversed(xs)):
            v = _reflector(A, i)
            t = tau[..., i].conj() if conj else tau[..., i]
            w = v.conj()[..., None, :] @ X  # (1, p)
            gt = -(v.conj()[..., None, :] @ gX @ mH(w))[..., 0, 0]
            gv = -(t.conj()[..., None] * (gX @ mH(w))[..., 0]) - t[..., None] * (X @ (mH(gX) @ v[..., None]))[..., 0]
            gtau[..., i] += gt.conj() if conj else gt
            gA[..., i + 1:, i] += gv[..., i + 1:]
            gX = _apply(v, t.conj(), gX)  # G^H gX
        gC = gX if left else mH(gX)
        return gA, gtau, gC, None, None


def ormqr(input: Tensor, input2: Tensor, input3: Tensor, left: bool = True, transpose: bool = False, *,
          out=None) -> Tensor:
    """op(Q) C (``left``) or C op(Q), op = ^H when ``transpose``, for Q from geqrf's (``input``, ``input2`` = tau)."""
    name = "torch.ormqr"
    A, tau, C = input, input2, input3
    if A.dim() < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if C.dim() < 2:
        raise RuntimeError(f"{name}: other must have at least 2 dimensions.")
    if left and C.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"{name}: other.shape[-2] must be equal to input.shape[-2]")
    if not left and C.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: other.shape[-1] must be equal to input.shape[-2]")
    if tau.shape[-1] != min(C.shape[-2] if left else C.shape[-1], A.shape[-1]):
        raise RuntimeError(f"{name}: tau.shape[-1] must be equal to min(other.shape[{-2 if left else -1}], "
                           "input.shape[-1])")
    for t, what in ((C, "other"), (tau, "tau")):
        if t._data.dtype != A._data.dtype:
            raise RuntimeError(f"{name}: Expected input and {what} to have the same dtype, but input has dtype"
                               f"{_SCALAR_NAMES[A._data.dtype.name]} and {what} has dtype "
                               f"{_SCALAR_NAMES[t._data.dtype.name]}")
    if A._data.dtype.kind not in "fc" or A._data.dtype.itemsize < 4:
        raise no_kernel("ormqr_cpu", A._data)
    return write_out(out, Ormqr.apply(A, tau, C, left, transpose))
