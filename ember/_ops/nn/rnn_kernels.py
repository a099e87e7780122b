"""One LSTM (or GRU, see GruLayer) layer-direction over a padded sequence as a single node: the time loop runs in NumPy, forward and
backward (backpropagation through time), instead of ~10 graph nodes per step. The layer's input projection
x W_ihᵀ + b_ih stays a separate ``linear`` (one matmul over every step), so this node sees its result ``gi``.

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


class LstmLayer(Function):
    """(gi (L*N, 4H), h0 (N, H), c0 (N, H), w_hh (4H, H), b_hh (4H) or None) -> (h for every step (L*N, H), h_n, c_n);
    see the module doc. Named as torch's CPU LSTM layer node."""

    _backward_name = "MkldnnRnnLayerBackward0"

    @staticmethod
    def forward(ctx, gi, h0, c0, w_hh, b_hh):
        n, hid = h0.shape
        steps = gi.shape[0] // n if n else 0
        dt = np.result_type(gi, h0, w_hh)
        gates = np.empty((steps, n, 4 * hid), dt)  # activated i|f|g|o per step
        cs = np.empty((steps + 1, n, hid), dt)
        hs = np.empty((steps + 1, n, hid), dt)
        hs[0], cs[0] = h0, c0
        w_t = w_hh.T
        with np.errstate(over="ignore"):  # exp(-a) of a very negative a: sigmoid is 0, as it should be
            for t in range(steps):
                a = np.matmul(hs[t], w_t, out=gates[t])
                a += gi[t * n:(t + 1) * n]
                if b_hh is not None:
                    a += b_hh
                i, f, g, o = (a[:, k * hid:(k + 1) * hid] for k in range(4))
                for blk in (i, f, o):
                    blk[...] = _sigmoid(blk)
                np.tanh(g, out=g)
                np.multiply(f, cs[t], out=cs[t + 1])
                cs[t + 1] += i * g
                np.multiply(o, np.tanh(cs[t + 1]), out=hs[t + 1])
        ctx.save_for_backward(gi, h0, c0, w_hh)
        ctx.meta = (gates, cs, hs, b_hh is not None)
        return hs[1:].reshape(steps * n, hid).copy(), hs[steps].copy(), cs[steps].copy()

    @staticmethod
    def backward(ctx, g_out, g_hn, g_cn):
        gi, h0, c0, w_hh = ctx.saved_tensors
        gates, cs, hs, has_bias = ctx.meta
        steps, n, four_h = gates.shape
        hid = four_h // 4
        dt = gates.dtype
        dh = np.zeros((n, hid), dt) if g_hn is None else g_hn.astype(dt, copy=True)
        dc = np.zeros((n, hid), dt) if g_cn is None else g_cn.astype(dt, copy=True)
        d_a = np.empty_like(gates)
        for t in range(steps - 1, -1, -1):
            if g_out is not None:
                dh += g_out[t * n:(t + 1) * n]
            i, f, g, o = (gates[t, :, k * hid:(k + 1) * hid] for k in range(4))
            tc = np.tanh(cs[t + 1])
            dc += dh * o * (1 - tc * tc)
            da = d_a[t]
            da[:, :hid] = dc * g * i * (1 - i)
            da[:, hid:2 * hid] = dc * cs[t] * f * (1 - f)
            da[:, 2 * hid:3 * hid] = dc * i * (1 - g * g)
            da[:, 3 * hid:] = dh * tc * o * (1 - o)
            dc = dc * f
            dh = da @ w_hh
        flat = d_a.reshape(steps * n, four_h)
        d_w = flat.T @ hs[:steps].reshape(steps * n, hid)
        d_b = flat.sum(axis=0) if has_bias else None
        return flat.astype(gi.dtype, copy=False), dh, dc, d_w.astype(w_hh.dtype, copy=False), d_b


class GruLayer(Function):
    """One GRU layer-direction over a padded sequence as one node (blocks r|z|n):

        gh = h_{t-1} W_hhᵀ + b_hh;   r = σ(gi_r + gh_r);   z = σ(gi_z + gh_z);   n = tanh(gi_n + r gh_n)
        h_t = n + z (h_{t-1} - n)                       (torch's CPU form of (1 - z) n + z h)
    Backward, dh the grad into h_t:
        dn = dh (1 - z);   dz = dh (h_{t-1} - n);   da_n = dn (1 - n²);   dr = da_n gh_n
        dgi = [dr r(1-r), dz z(1-z), da_n];   dgh = [dgi_r, dgi_z, da_n r]
        dh_{t-1} = dh z + dgh W_hh;   dW_hh = Σ_t dghᵀ h_{t-1};   db_hh = Σ_t dgh
    """

    @staticmethod
    def forward(ctx, gi, h0, w_hh, b_hh):
        n, hid = h0.shape
        steps = gi.shape[0] // n if n else 0
        dt = np.result_type(gi, h0, w_hh)
        rz = np.empty((steps, n, 2 * hid), dt)
        ns = np.empty((steps, n, hid), dt)
        ghn = np.empty((steps, n, hid), dt)
        hs = np.empty((steps + 1, n, hid), dt)
        hs[0] = h0
        w_t = w_hh.T
        with np.errstate(over="ignore"):
            for t in range(steps):
                gh = hs[t] @ w_t
                if b_hh is not None:
                    gh += b_hh
                g = gi[t * n:(t + 1) * n]
                rz[t] = _sigmoid(g[:, :2 * hid] + gh[:, :2 * hid])
                r, z = rz[t, :, :hid], rz[t, :, hid:]
                ghn[t] = gh[:, 2 * hid:]
                np.tanh(g[:, 2 * hid:] + r * ghn[t], out=ns[t])
                np.subtract(hs[t], ns[t], out=hs[t + 1])
                hs[t + 1] *= z
                hs[t + 1] += ns[t]
        ctx.save_for_backward(gi, h0, w_hh)
        ctx.meta = (rz, ns, ghn, hs, b_hh is not None)
        return hs[1:].reshape(steps * n, hid).copy(), hs[steps].copy()

    @staticmethod
    def backward(ctx, g_out, g_hn):
        gi, h0, w_hh = ctx.saved_tensors
        rz, ns, ghn, hs, has_bias = ctx.meta
        steps, n, hid = ns.shape
        dt = ns.dtype
        dh = np.zeros((n, hid), dt) if g_hn is None else g_hn.astype(dt, copy=True)
        d_gi = np.empty((steps, n, 3 * hid), dt)
        d_gh = np.empty((steps, n, 3 * hid), dt)
        for t in range(steps - 1, -1, -1):
            if g_out is not None:
                dh += g_out[t * n:(t + 1) * n]
            r, z, nt = rz[t, :, :hid], rz[t, :, hid:], ns[t]
            da_n = dh * (1 - z) * (1 - nt * nt)
            d_gi[t, :, :hid] = da_n * ghn[t] * r * (1 - r)
            d_gi[t, :, hid:2 * hid] = dh * (hs[t] - nt) * z * (1 - z)
            d_gi[t, :, 2 * hid:] = da_n
            d_gh[t, :, :2 * hid] = d_gi[t, :, :2 * hid]
            d_gh[t, :, 2 * hid:] = da_n * r
            dh = dh * z + d_gh[t] @ w_hh
        flat_gh = d_gh.reshape(steps * n, 3 * hid)
        d_w = flat_gh.T @ hs[:steps].reshape(steps * n, hid)
        d_b = flat_gh.sum(axis=0) if has_bias else None
        return (d_gi.reshape(steps * n, 3 * hid).astype(gi.dtype, copy=False), dh,
                d_w.astype(w_hh.dtype, copy=False), d_b)
