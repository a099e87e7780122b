"""scaled_dot_product_attention: torch's CPU flash kernel as one node, its math path composed as torch composes it.

torch 2.13 on CPU picks, in this order (checked against torch, mirrored by ``scaled_dot_product_attention``):

1. checks for every input: one dtype for q, k, v; each at least 2-D; attn_mask bool, float32 or q's dtype;
2. an empty result (L == 0 or value has no elements): zeros + (q.sum() + k.sum() + v.sum()) * 0, so that every
   input still gets a (zero) gradient;
3. with enable_gqa, q's heads must be a multiple of k's and of v's;
4. the fused flash kernel (``ScaledDotProductFlashAttentionForCpuBackward0``, edges to q, k, v only) when q, k, v
   are 4-D floats with unit stride in the last dim, equal batch sizes, equal heads for k and v (q's heads equal to
   them or, with enable_gqa, a multiple), one head dim E > 0, dropout_p <= 0 (negative is an error there), and
   attn_mask, if any, 2-D or 4-D, broadcastable to (B, H, L, S) and not requiring grad (while grad mode is on; the
   flash node never gives the mask a gradient). is_causal with a mask ANDs the two. ember also asks for equal
   key/value lengths, which torch's kernel does not check (it then returns garbage); the math path raises instead;
5. otherwise the math path: softmax(q k^T scale + mask) v from ordinary ops (grad_fn ``UnsafeViewBackward0``
   for 3-D and up), where is_causal with a mask is an error, and which dropout_p > 0 needs.
"""
from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor, _C_NAMES
from ...autograd.function import _NumpyFunction as Function
from ...autograd.grad_mode import state as _grad_state

__all__ = ["scaled_dot_product_attention"]

_CAUSAL: dict = {}  # (L, S, dtype char, transposed?) -> read-only additive causal mask (_causal_bias[_t])


def _causal_bias(L: int, S: int, dt: np.dtype) -> np.ndarray:
    """(L, S): 0 where key j <= query i, -inf above; top-left aligned like torch's is_causal whatever L and S."""
    key = (L, S, dt.char, False)
    m = _CAUSAL.get(key)
    if m is None:
        if len(_CAUSAL) > 32:  # a handful of (L, S) pairs in practice; bound the cache all the same
            _CAUSAL.clear()
        m = np.where(np.tri(L, S, dtype=bool), dt.type(0), dt.type(-np.inf))
        m.setflags(write=False)
        _CAUSAL[key] = m
    return m


def _causal_bias_t(L: int, S: int, dt: np.dtype) -> np.ndarray:
    """_causal_bias transposed and contiguous, shaped (S, 1, 1, 1, L) to add to the kernel's (S, B, Hk, G, L)
    scores."""
    key = (L, S, dt.char, True)
    m = _CAUSAL.get(key)
    if m is None:
        m = np.ascontiguousarray(_causal_bias(L, S, dt).T)[:, None, None, None, :]
        m.setflags(write=False)
        _CAUSAL[key] = m
    return m


class ScaledDotProductFlashAttentionForCpu(Function):
    r"""Fused attention over q (B, Hq, L, E), k (B, Hk, S, E), v (B, Hk, S, Ev), Hq = G Hk (G > 1 with GQA: query
    head h reads key/value head h // G):

        S = scale Q K^T + M      (M: the float mask, or -inf where the bool / causal mask is False)
        P = softmax(S) per row   (a row with every entry -inf gives P = 0, as torch's safe softmax)
        O = P V

    Backward, with dO the output grad:

        dV = P^T dO,   dP = dO V^T,   dS = P * (dP - rowsum(dO * O)),   dQ = scale dS K,   dK = scale dS^T Q

    Implementation. Q is viewed as (B, Hk, G L, E): one batched matmul per product serves every query head of a
    key/value head, and the GQA sums of dK and dV over the G query heads fall out of the matmuls. The scores are
    held transposed, A = S^T = K (scale Q)^T, in one (S, B, Hk, G L) buffer that the matmuls write through a
    strided view: the softmax's max over keys is then a reduction over the outer axis, which NumPy runs as
    whole-row vector maxima (a reduction along short contiguous rows costs several times more), and every
    elementwise pass runs over one contiguous array.

    Forward: exp(S - rowmax) in place, the row sums as one matrix-vector product of the buffer with ones, then
    the buffer times 1/rowsum (a broadcast across the outer axis, so one fast pass) holds P^T, and O = (P^T)^T V.
    Backward, with D = rowsum(dO * O) and V1 = [V, 1] (a ones column appended):

        dV = P^T dO,   scale dS^T = P^T * (V1 (scale [dO, -D])^T)  (= scale P * (dP - rowsum(dO * O)), transposed),

    so the subtraction rides in the matmul, and the scale in the transposing copy of [dO, -D] that the matmul
    wants anyway (OpenBLAS is slow on a transposed second operand); dQ and dK are then plain products with K and Q.
    float16 is computed in float32, like torch's kernel. Saved: q, k, v, O (for the in-place-modification checks)
    and P^T (B Hq L S elements): recomputing P from the row logsumexp as torch does would cost a matmul and three
    passes per backward, more than the memory is worth at attention's usual sizes.
    """

    @staticmethod
    def forward(ctx, q, k, v, mask, is_causal, scale):
        dt = q.dtype
        ct = np.dtype(np.float32) if dt == np.float16 else dt
        B, Hq, L, E = q.shape
        Hk, S, Ev = k.shape[1], k.shape[2], v.shape[3]
        G = Hq // Hk
        GL = G * L
        qst = np.empty((B, Hk, E, GL), ct)                        # (scale Q)^T, written in that layout
        np.multiply(q.reshape(B, Hk, GL, E).swapaxes(-1, -2), ct.type(scale), out=qst, casting="unsafe")
        buf = np.empty((S, B, Hk, GL), ct)
        a = buf.transpose(1, 2, 0, 3)                              # S^T per head: (B, Hk, S, G L)
        np.matmul(k if ct == dt else k.astype(ct), qst, out=a)
        bias = None
        if mask is not None:
            bias = mask if mask.dtype != np.bool_ else np.where(mask, ct.type(0), ct.type(-np.inf))
            if is_causal:
                bias = bias + _causal_bias(L, S, ct)
            if bias.ndim == 2:                                     # (l, s) -> (s, 1, 1, 1, l)
                bias = bias.T[:, None, None, None, :]
            else:                                                  # (b, h, l, s) -> (s, b, Hk, G, l)
                b5 = bias[:, :, None] if bias.shape[1] == 1 else bias.reshape(bias.shape[0], Hk, G, *bias.shape[2:])
                bias = b5.transpose(4, 0, 1, 2, 3)
        elif is_causal:
            bias = _causal_bias_t(L, S, ct)
        if bias is not None:
            b5 = buf.reshape(S, B, Hk, G, L)
            np.add(b5, bias, out=b5, casting="unsafe")
        m = buf.max(axis=0)                                        # row maxima of S: (B, Hk, G L)
        empty_rows = None
        if mask is not None:  # causal alone never masks a whole row (key 0 is always visible)
            empty_rows = np.isneginf(m)
            if empty_rows.any():
                m[empty_rows] = 0  # exp(-inf - 0) = 0 instead of exp(nan)
            else:
                empty_rows = None
        buf -= m
        np.exp(buf, out=buf)
        l = np.matmul(np.ones(S, ct), buf.reshape(S, -1)).reshape(B, Hk, GL)  # row sums: one gemv over all heads
        if empty_rows is not None:
            r = np.divide(1, l, out=np.zeros_like(l), where=l != 0)
        else:
            r = np.divide(1, l, out=l)
        buf *= r                                                   # P^T
        out = np.matmul(a.swapaxes(-1, -2), v if ct == dt else v.astype(ct))
        if ct != dt:
            out = out.astype(dt)
        out = out.reshape(B, Hq, L, Ev)
        ctx.save_for_backward(q, k, v, out, buf)
        ctx.meta = scale
        ctx.bias = (mask, is_causal)
        return out

    @staticmethod
    def backward(ctx, g):
        q, k, v, out, buf = ctx.saved_tensors
        scale = ctx.meta
        need_q, need_k, need_v = ctx.needs_input_grad[:3]
        dt = q.dtype
        ct = buf.dtype
        S, B, Hk, GL = buf.shape
        Ev = v.shape[3]
        a = buf.transpose(1, 2, 0, 3)                              # P^T per head: (B, Hk, S, G L)
        g = g.reshape(B, Hk, GL, Ev)
        if g.strides[-1] != g.itemsize or 0 in g.strides:  # BLAS needs unit-stride rows (.sum()'s grad has none)
            g = np.ascontiguousarray(g)
        gq = gk = gv = None
        if need_v:
            gv = np.matmul(a, g if ct == dt else g.astype(ct)).astype(dt, copy=False)
        if need_q or need_k:
            o = out.reshape(B, Hk, GL, Ev)
            d = np.einsum("...i,...i->...", g, o) if ct == dt else np.einsum("...i,...i->...", g.astype(ct), o.astype(ct))
            dot = np.empty((B, Hk, Ev + 1, GL), ct)               # scale [dO, -D]^T
            np.multiply(g.swapaxes(-1, -2), ct.type(scale), out=dot[..., :Ev, :], casting="unsafe")
            np.multiply(d, ct.type(-scale), out=dot[..., Ev, :])
            v1 = np.empty((B, Hk, S, Ev + 1), ct)                  # [V, 1]
            v1[..., :Ev] = v
            v1[..., Ev] = 1
            dsb = np.empty((S, B, Hk, GL), ct)
            ds = dsb.transpose(1, 2, 0, 3)
            np.matmul(v1, dot, out=ds)                             # scale (dP - rowsum(dO * O))^T
            dsb *= buf                                             # scale dS^T
            if need_q:
                gq = np.matmul(ds.swapaxes(-1, -2), k if ct == dt else k.astype(ct))
                gq = gq.astype(dt, copy=False).reshape(q.shape)
            if need_k:
                q4 = q.reshape(B, Hk, GL, -1)
                gk = np.matmul(ds, q4 if ct == dt else q4.astype(ct)).astype(dt, copy=False)
        return gq, gk, gv, None, None, None

    @staticmethod
    def differentiable_backward(ctx, g):
        """The backward above with Tensor ops, P recomputed from q and k (one query-head group axis G)."""
        from ... import matmul
        from ...autograd.graph_engine import constant, saved_input
        from .. import activation as _act
        q, k, v, out, buf = ctx.saved_tensors
        if buf.dtype != q.dtype:
            return NotImplemented  # (float16, computed in float32)
        scale = ctx.meta
        B, Hq, L, E = q.shape
        Hk, S, Ev = k.shape[1], k.shape[2], v.shape[3]
        G = Hq // Hk
        q5 = saved_input(ctx, 0, q).reshape(B, Hk, G, L, E)
        k5 = saved_input(ctx, 1, k).reshape(B, Hk, 1, S, E)
        v5 = saved_input(ctx, 2, v).reshape(B, Hk, 1, S, Ev)
        g5 = g.reshape(B, Hk, G, L, Ev)
        scores = matmul(q5 * scale, k5.transpose(-1, -2))
        bias, keep = _attention_bias(*ctx.bias, B, Hk, G, L, S, q.dtype)
        if bias is not None:
            scores = scores + constant(bias)
        p = _act.softmax(scores, -1)
        if keep is not None:  # rows with every key masked: P = 0 (their bias was made 0 for the softmax)
            p = p * constant(keep)
        gq = gk = gv = None
        if ctx.needs_input_grad[2]:
            gv = matmul(p.transpose(-1, -2), g5).sum(2).reshape(v.shape)
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            o5 = matmul(p, v5)
            ds = p * (matmul(g5, v5.transpose(-1, -2)) - (g5 * o5).sum(-1, keepdim=True))
            if ctx.needs_input_grad[0]:
                gq = (matmul(ds, k5) * scale).reshape(q.shape)
            if ctx.needs_input_grad[1]:
                gk = (matmul(ds.transpose(-1, -2), q5).sum(2) * scale).reshape(k.shape)
        return gq, gk, gv, None, None, None


def _attention_bias(mask, is_causal: bool, B: int, Hk: int, G: int, L: int, S: int, dt) -> tuple:
    """The additive mask of the fused kernel shaped to broadcast over (B, Hk, G, L, S), with fully masked rows set
    to 0, and the 0/1 factor that zeroes those rows' P (None, None without a mask)."""
    if mask is None and not is_causal:
        return None, None
    bias = np.zeros((L, S), dt)
    if mask is not None:
        bias = mask.astype(dt) if mask.dtype != np.bool_ else np.where(mask, 0, -np.inf).astype(dt)
    if is_causal:
        bias = bias + _causal_bias(L, S, dt)
    if bias.ndim == 4:
        h = bias.shape[1]
        bias = bias.reshape(bias.shape[0], Hk, G, L, S) if h != 1 else bias[:, :, None]
    empty = np.all(np.isneginf(bias), axis=-1, keepdims=True)
    if not empty.any():
        return bias, None
    return np.where(empty, 0, bias).astype(dt), (~empty).astype(dt)


class _MulScalar(Function):
    """x * c for a Python number c, torch's mul.Scalar overload (its node is MulBackward1)."""

    _backward_name = "MulBackward1"

    @staticmethod
    def forward(ctx, x, c):
        ctx.meta = c
        return np.multiply(x, c, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        return np.multiply(g, ctx.meta, dtype=g.dtype), None

    @staticmethod
    def differentiable_backward(ctx, g):
        return _MulScalar.apply(g, ctx.meta), None


def _empty_attention(query: Tensor, key: Tensor, value: Tensor) -> Tensor:
    """torch's result when there is nothing to attend to or nothing to output: zeros of shape (..., L, Ev), joined to
    q, k and v through their sums times 0 so that each still receives a gradient (of zeros)."""
    from ... import zeros
    shape = (*query.shape[:-1], value.size(-1))
    return zeros(shape, dtype=query.dtype) + _MulScalar.apply((query.sum() + key.sum()) + value.sum(), 0)


def _fused_ok(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None, dropout_p: float,
              enable_gqa: bool) -> bool:
    """Whether torch's CPU flash kernel takes this call (see the module docstring, step 4)."""
    qd, kd, vd = query._data, key._data, value._data
    if qd.ndim != 4 or kd.ndim != 4 or vd.ndim != 4 or dropout_p > 0.0:
        return False
    if attn_mask is not None:
        attn_mask.size(-2)  # torch reads the mask's L before any other test: IndexError for a 0-D or 1-D mask
    if qd.dtype.kind != "f":
        return False
    item = qd.itemsize
    if qd.strides[3] != item or kd.strides[3] != item or vd.strides[3] != item:
        return False
    B, Hq, L, E = qd.shape
    b, Hk, S, e = kd.shape
    if b != B or vd.shape[0] != B or e != E or vd.shape[3] != E or E == 0 or vd.shape[1] != Hk or vd.shape[2] != S:
        return False
    if Hq != Hk and not (enable_gqa and Hq % Hk == 0):
        return False
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 4) or (attn_mask.requires_grad and _grad_state.enabled):
            return False
        # broadcastable to (B, Hq, L, S) without growing it; otherwise the math path raises torch's broadcast error
        ms = tuple(attn_mask.shape)
        if any(m != n and m != 1 for m, n in zip(ms[::-1], (S, L, Hq, B))):
            return False
    return True


def _math_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None, dropout_p: float,
                    is_causal: bool, scale: float, enable_gqa: bool) -> Tensor:
    """softmax(q k^T * scale + mask) v, as torch's math path: q and k are each scaled by sqrt(scale) first;
    dropout on the attention weights draws from the default generator like F.dropout."""
    from ... import bool as _bool, matmul, ones, where, zeros
    from ..._creation import from_numpy
    from .dropout import dropout_impl
    from .. import activation as _act
    sf = math.sqrt(abs(scale))
    q = query * (-sf if scale < 0 else sf)
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
        L, S = query.size(-2), key.size(-2)
        attn_mask = ones(L, S, dtype=_bool).tril()
    if attn_mask is not None and attn_mask.dtype == _bool:
        m = np.where(attn_mask._data, 0.0, -np.inf).astype(query._data.dtype)
        attn_mask = Tensor._make(m)
    if enable_gqa and key.dim() >= 3:
        # repeat_interleave each of k and v up to q's heads (k and v may have different head counts)
        hq = query.size(-3)
        if key.size(-3) != hq:
            key = key.index_select(-3, from_numpy(np.repeat(np.arange(key.size(-3)), hq // key.size(-3))))
        if value.size(-3) != hq:
            value = value.index_select(-3, from_numpy(np.repeat(np.arange(value.size(-3)), hq // value.size(-3))))
    attn = matmul(q, key.transpose(-2, -1) * sf)
    if attn_mask is not None:
        attn = attn + attn_mask
    raw = attn._data
    attn = _act.softmax(attn, -1)
    masked_rows = np.all(raw == -np.inf, axis=-1, keepdims=True)
    if masked_rows.any():  # torch's _safe_softmax: fully masked rows give 0, not nan
        attn = where(Tensor._make(masked_rows), zeros((), dtype=attn.dtype), attn)
    if dropout_p > 0.0:
        if dropout_p > 1.0:  # torch's ATen check: a RuntimeError here, not F.dropout's ValueError
            raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
        attn = dropout_impl(attn, dropout_p, True, False)
    return matmul(attn, value)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query key^T * scale + mask) value over the last two dims, scale = 1/sqrt(E) unless given.

    attn_mask: bool (False masks out) or float (added); is_causal masks key j > query i; enable_gqa lets q have a
    multiple of k's and v's heads. Runs the fused kernel or the composed math path exactly where torch does (see
    the module docstring), so results, grad_fn and errors follow torch's.
    """
    qd, kd, vd = query._data, key._data, value._data
    if not qd.dtype == kd.dtype == vd.dtype:
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{_C_NAMES[qd.dtype.name]} key.dtype: {_C_NAMES[kd.dtype.name]} and value.dtype: "
                           f"{_C_NAMES[vd.dtype.name]} instead.")
    if qd.ndim < 2 or kd.ndim < 2 or vd.ndim < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                           f"{qd.ndim} key.dim: {kd.ndim} and value.dim: {vd.ndim} instead.")
    if attn_mask is not None:
        md = attn_mask._data.dtype
        if md != np.bool_ and md != np.float32 and md != qd.dtype:
            raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                               f"attn_mask.dtype: {_C_NAMES[md.name]} and  query.dtype: {_C_NAMES[qd.dtype.name]} "
                               "instead.")
    if qd.shape[-2] == 0 or vd.size == 0:
        return _empty_attention(query, key, value)
    if enable_gqa and kd.ndim >= 3 and vd.ndim >= 3 and qd.ndim >= 3:
        hq, hk, hv = qd.shape[-3], kd.shape[-3], vd.shape[-3]
        if hk == 0 or hv == 0 or hq % hk or hq % hv:
            raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
    if scale is not None:
        s = scale
    else:  # E == 0 (math path, nothing to scale): 1/sqrt(0) is inf as in C++
        s = 1.0 / math.sqrt(qd.shape[-1]) if qd.shape[-1] else math.inf
    if _fused_ok(query, key, value, attn_mask, dropout_p, enable_gqa):
        if dropout_p != 0.0:
            raise RuntimeError("scaled_dot_product_attention_flash_attention: Currently do not support dropout > 0")
        return ScaledDotProductFlashAttentionForCpu.apply(
            query, key, value, None if attn_mask is None else attn_mask._data, is_causal, s)
    return _math_attention(query, key, value, attn_mask, dropout_p, is_causal, s, enable_gqa)
