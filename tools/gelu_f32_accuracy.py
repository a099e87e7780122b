"""One-off check of ember's float32 GELU kernels (ember/_ops/nn/_gelu_f32.py) on every float32 in [-12, 12].

    python tools/gelu_f32_accuracy.py [--stride K] [--refit]

Reference: float64 GELU and derivative from scipy's erfc, rounded once. Reports, for ember and for torch's
float32 kernel on the same inputs, the max error in float32 ulps of the exact value where |exact| >= 2^-10
(below that, both kernels' outputs come from a cancellation and only the absolute error means anything) and the
max absolute error. ``--stride K`` visits every K-th float32 (default 1: all
~2.2e9 of them, a few minutes); ``--refit`` re-derives the exact form's c_1 .. c_7 (weighted least squares on the
relative error of h, Chebyshev nodes in v, each coefficient rounded to float32 before the lower ones are refitted)
and prints them. Offline only: scipy and torch are not ember dependencies.
"""
from __future__ import annotations

import argparse
import math

import numpy as np
import torch
from scipy.special import erfc, erfcx

from ember._ops.nn._gelu_f32 import _INV_S, _LAM, gelu_f32


def refit(amax: float = 13.5, n: int = 20000) -> list[float]:
    """c_1 .. c_7 of M(v) = v^8 + sum c_k v^k ~ -h/exp(-x^2/2) = -erfcx(|x|/sqrt2)/2, v = lam/(|x| + 1/S)."""
    lam, inv_s = float(_LAM), float(_INV_S)   # the float32 values the kernel divides with
    k = np.arange(n)
    v = (np.cos(np.pi * (k + 0.5) / n) + 1) / 2 * (lam / inv_s - lam / (amax + inv_s)) + lam / (amax + inv_s)
    target = -0.5 * erfcx((lam / v - inv_s) / math.sqrt(2))
    fixed: dict[int, float] = {}
    for top in range(7, 0, -1):                   # fit c_1 .. c_top, round c_top, repeat below it
        free = list(range(1, top + 1))
        rhs = target - v ** 8 - sum(c * v ** j for j, c in fixed.items())
        a = np.stack([v ** j for j in free], 1)
        w = np.ones_like(v)
        for _ in range(60):                       # reweighting towards minimax on the relative error
            c, *_ = np.linalg.lstsq(a * (w / np.abs(target))[:, None], rhs * w / np.abs(target), rcond=None)
            r = np.abs((a @ c - rhs) / target)
            w = w * (r / r.max()) ** 0.3 + 1e-4
            w /= w.max()
        fixed[top] = float(np.float32(c[-1]))
    m = v ** 8 + sum(c * v ** j for j, c in fixed.items())
    print(f"relative error of h with float32 coefficients (float64 evaluation): {np.abs(m / target - 1).max():.3e}")
    return [fixed[j] for j in range(1, 8)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stride", type=int, default=1)
    ap.add_argument("--refit", action="store_true")
    args = ap.parse_args()
    if args.refit:
        print("M =", refit())
    torch.set_num_threads(1)
    hi = int(np.float32(12.0).view(np.uint32))
    worst = {}
    chunk = 1 << 24
    for sign in (0, 0x80000000):
        for s in range(0, hi + 1, chunk * args.stride):
            bits = np.arange(s, min(s + chunk * args.stride, hi + 1), args.stride, dtype=np.uint32) | np.uint32(sign)
            x = bits.view(np.float32)
            x64 = x.astype(np.float64)
            c = 0.5 * erfc(-x64 / math.sqrt(2))
            ref_y = x64 * c
            ref_d = c + x64 * np.exp(-0.5 * x64 * x64) / math.sqrt(2 * math.pi)
            for form in ("none", "tanh"):
                if form == "tanh":
                    z = math.sqrt(2 / math.pi) * (x64 + 0.044715 * x64 ** 3)
                    th = np.tanh(z)
                    ref_y = 0.5 * x64 * (1 + th)
                    ref_d = 0.5 * (1 + th) + 0.5 * x64 * (1 - th * th) * math.sqrt(2 / math.pi) * (
                        1 + 3 * 0.044715 * x64 * x64)
                y, d = gelu_f32(x, form == "tanh", True)
                xt = torch.from_numpy(x.copy()).requires_grad_()
                yt = torch.nn.functional.gelu(xt, approximate=form)
                yt.backward(torch.ones_like(yt))
                for who, yy, dd in (("ember", y, d), ("torch", yt.detach().numpy(), xt.grad.numpy())):
                    for what, got, ref in (("y", yy, ref_y), ("dy", dd, ref_d)):
                        err = np.abs(got.astype(np.float64) - ref)
                        ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
                        key = (form, who, what)
                        big = np.abs(ref) >= 2.0 ** -10
                        u = float(np.max(err[big] / ulp[big])) if big.any() else 0.0
                        a = float(err.max())
                        ou, oa = worst.get(key, (0.0, 0.0))
                        worst[key] = (max(ou, u), max(oa, a))
    for (form, who, what), (u, a) in sorted(worst.items()):
        print(f"gelu {form:5s} {what:2s} {who}: max {u:6.2f} ulp where |exact| >= 2^-10, max abs error {a:.3e}")


if __name__ == "__main__":
    main()
