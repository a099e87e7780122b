"""One LSTM (or GRU, see GruLayer) layer-direction over packed or padded rows as a single node: the time loop runs
in NumPy, forward and backward (backpropagation through time), instead of ~10 graph nodes per step. The layer's
input projection x W_ihᵀ + b_ih stays a separate ``linear`` (one matmul over every step), so this node sees its
result ``gi``.

Forward, for t = 0 .. L-1 (gate blocks i|f|g|o):
    a_t = gi_t + h_{t-1} W_hhᵀ + b_hh;   i, f, o = σ(a_i), σ(a_f), σ(a_o);   g = tanh(a_g)
    c_t = f c_{t-1} + i g;   h_t = o tanh(c_t)
Backward, from t = L-1 down, with dh, dc the grads flowing into h_t, c_t (dh also gets the output's grad):
    do = dh tanh(c_t);   dc += dh o (1 - tanh²(c_t));   di = dc g;   dg = dc i;   df = dc c_{t-1}
    da = [di i(1-i), df f(1-f), dg (1-g²), do o(1-o)];   dh_{t-1} = da W_hh;   dc_{t-1} = dc f
    dW_hh = Σ_t da_tᵀ h_{t-1},   db_hh = Σ_t da_t,   dgi_t = da_t
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import _NumpyFunction as Function

__all__ = ["LstmLayer", "GruLayer"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out = np.negative(x)
    np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def _schedule(batch_sizes: tuple, reverse: bool) -> list[tuple[int, int, int]]:
    """(time step, its first packed row, its rows) in processing order. Batch sizes never grow, so the rows
    beyond a step's are sequences already ended (forward) or not yet started (reverse): they keep their state."""
    starts = np.concatenate(([0], np.cumsum(batch_sizes)[:-1])).tolist() if batch_sizes else []
    steps = [(t, starts[t], bs) for t, bs in enumerate(batch_sizes)]
    return steps[::-1] if reverse else steps


class LstmLayer(Function):
    """(gi (rows, 4H) packed time-major, h0 (N, H), c0 (N, H), w_hh (4H, H), b_hh (4H) or None, batch_sizes,
    reverse) -> (h of every packed row (rows, H), h_n, c_n); see the module doc. Named as torch's CPU LSTM node."""

    _backward_name = "MkldnnRnnLayerBackward0"

    @staticmethod
    def forward(ctx, gi, h0, c0, w_hh, b_hh, batch_sizes, reverse):
        n, hid = h0.shape
        plan = _schedule(batch_sizes, reverse)
        dt = np.result_type(gi, h0, w_hh)
        gates = np.zeros((len(plan), n, 4 * hid), dt)  # activated i|f|g|o per processed step
        cs = np.empty((len(plan) + 1, n, hid), dt)
        hs = np.empty((len(plan) + 1, n, hid), dt)
        hs[0], cs[0] = h0, c0
        out = np.empty((gi.shape[0], hid), dt)
        w_t = w_hh.T
        with np.errstate(over="ignore"):  # exp(-a) of a very negative a: sigmoid is 0, as it should be
            for k, (t, row, bs) in enumerate(plan):
                hs[k + 1], cs[k + 1] = hs[k], cs[k]
                a = np.matmul(hs[k, :bs], w_t, out=gates[k, :bs])
                a += gi[row:row + bs]
                if b_hh is not None:
                    a += b_hh
                i, f, g, o = (a[:, j * hid:(j + 1) * hid] for j in range(4))
                for blk in (i, f, o):
                    blk[...] = _sigmoid(blk)
                np.tanh(g, out=g)
                c = cs[k + 1, :bs]
                np.multiply(f, cs[k, :bs], out=c)
                c += i * g
                np.multiply(o, np.tanh(c), out=hs[k + 1, :bs])
                out[row:row + bs] = hs[k + 1, :bs]
        ctx.save_for_backward(gi, h0, c0, w_hh)
        ctx.meta = (gates, cs, hs, b_hh is not None, plan)
        return out, hs[-1].copy(), cs[-1].copy()

    @staticmethod
    def backward(ctx, g_out, g_hn, g_cn):
        gi, h0, c0, w_hh = ctx.saved_tensors
        gates, cs, hs, has_bias, plan = ctx.meta
        n, four_h = gates.shape[1:]
        hid = four_h // 4
        dt = gates.dtype
        dh = np.zeros((n, hid), dt) if g_hn is None else g_hn.astype(dt, copy=True)
        dc = np.zeros((n, hid), dt) if g_cn is None else g_cn.astype(dt, copy=True)
        d_a = np.zeros_like(gates)
        d_gi = np.empty(gi.shape, dt)
        for k in range(len(plan) - 1, -1, -1):
            t, row, bs = plan[k]
            if g_out is not None:
                dh[:bs] += g_out[row:row + bs]
            i, f, g, o = (gates[k, :bs, j * hid:(j + 1) * hid] for j in range(4))
            tc = np.tanh(cs[k + 1, :bs])
            dck = dc[:bs]
            dck += dh[:bs] * o * (1 - tc * tc)
            da = d_a[k, :bs]
            da[:, :hid] = dck * g * i * (1 - i)
            da[:, hid:2 * hid] = dck * cs[k, :bs] * f * (1 - f)
            da[:, 2 * hid:3 * hid] = dck * i * (1 - g * g)
            da[:, 3 * hid:] = dh[:bs] * tc * o * (1 - o)
            dck *= f
            dh[:bs] = da @ w_hh
            d_gi[row:row + bs] = da
        d_w = d_a.reshape(-1, four_h).T @ hs[:-1].reshape(-1, hid)
        d_b = d_a.reshape(-1, four_h).sum(axis=0) if has_bias else None
        return d_gi.astype(gi.dtype, copy=False), dh, dc, d_w.astype(w_hh.dtype, copy=False), d_b, None, None


class GruLayer(Function):
    """One GRU layer-direction over packed (or padded) rows as one node (blocks r|z|n):

        gh = h_{t-1} W_hhᵀ + b_hh;   r = σ(gi_r + gh_r);   z = σ(gi_z + gh_z);   n = tanh(gi_n + r gh_n)
        h_t = n + z (h_{t-1} - n)                       (torch's CPU form of (1 - z) n + z h)
    Backward, dh the grad into h_t:
        dn = dh (1 - z);   dz = dh (h_{t-1} - n);   da_n = dn (1 - n²);   dr = da_n gh_n
        dgi = [dr r(1-r), dz z(1-z), da_n];   dgh = [dgi_r, dgi_z, da_n r]
        dh_{t-1} = dh z + dgh W_hh;   dW_hh = Σ_t dghᵀ h_{t-1};   db_hh = Σ_t dgh
    """

    @staticmethod
    def forward(ctx, gi, h0, w_hh, b_hh, batch_sizes, reverse):
        n, hid = h0.shape
        plan = _schedule(batch_sizes, reverse)
        dt = np.result_type(gi, h0, w_hh)
        rz = np.zeros((len(plan), n, 2 * hid), dt)
        ns = np.zeros((len(plan), n, hid), dt)
        ghn = np.zeros((len(plan), n, hid), dt)
        hs = np.empty((len(plan) + 1, n, hid), dt)
        hs[0] = h0
        out = np.empty((gi.shape[0], hid), dt)
        w_t = w_hh.T
        with np.errstate(over="ignore"):
            for k, (t, row, bs) in enumerate(plan):
                hs[k + 1] = hs[k]
                gh = hs[k, :bs] @ w_t
                if b_hh is not None:
                    gh += b_hh
                g = gi[row:row + bs]
                rz[k, :bs] = _sigmoid(g[:, :2 * hid] + gh[:, :2 * hid])
                r, z = rz[k, :bs, :hid], rz[k, :bs, hid:]
                ghn[k, :bs] = gh[:, 2 * hid:]
                nt = ns[k, :bs]
                np.tanh(g[:, 2 * hid:] + r * ghn[k, :bs], out=nt)
                h = hs[k + 1, :bs]
                np.subtract(hs[k, :bs], nt, out=h)
                h *= z
                h += nt
                out[row:row + bs] = h
        ctx.save_for_backward(gi, h0, w_hh)
        ctx.meta = (rz, ns, ghn, hs, b_hh is not None, plan)
        return out, hs[-1].copy()

    @staticmethod
    def backward(ctx, g_out, g_hn):
        gi, h0, w_hh = ctx.saved_tensors
        rz, ns, ghn, hs, has_bias, plan = ctx.meta
        n, hid = ns.shape[1:]
        dt = ns.dtype
        dh = np.zeros((n, hid), dt) if g_hn is None else g_hn.astype(dt, copy=True)
        d_gi = np.empty(gi.shape, dt)
        d_gh = np.zeros((len(plan), n, 3 * hid), dt)
        for k in range(len(plan) - 1, -1, -1):
            t, row, bs = plan[k]
            if g_out is not None:
                dh[:bs] += g_out[row:row + bs]
            r, z, nt = rz[k, :bs, :hid], rz[k, :bs, hid:], ns[k, :bs]
            dhk = dh[:bs]
            da_n = dhk * (1 - z) * (1 - nt * nt)
            dg = d_gi[row:row + bs]
            dg[:, :hid] = da_n * ghn[k, :bs] * r * (1 - r)
            dg[:, hid:2 * hid] = dhk * (hs[k, :bs] - nt) * z * (1 - z)
            dg[:, 2 * hid:] = da_n
            d_gh[k, :bs, :2 * hid] = dg[:, :2 * hid]
            d_gh[k, :bs, 2 * hid:] = da_n * r
            dh[:bs] = dhk * z + d_gh[k, :bs] @ w_hh
        flat_gh = d_gh.reshape(-1, 3 * hid)
        d_w = flat_gh.T @ hs[:-1].reshape(-1, hid)
        d_b = flat_gh.sum(axis=0) if has_bias else None
        return d_gi.astype(gi.dtype, copy=False), dh, d_w.astype(w_hh.dtype, copy=False), d_b, None, None
