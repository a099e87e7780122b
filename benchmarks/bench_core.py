"""Core op overhead: ember vs torch, time ratios from one run.

Run by hand: ``python benchmarks/bench_core.py``. Both libraries use one thread
(``set_num_threads(1)``: torch's pool, NumPy's BLAS) so the comparison is per core;
each round takes the best of a few repeats per library, and each case reports its median round.
"""
from __future__ import annotations

import timeit

import numpy as np
import torch

import ember

torch.set_num_threads(1)
ember.set_num_threads(1)


def best(fn, number: int, repeat: int = 7) -> float:
    fn()
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def cases(lib):
    rng = np.random.default_rng(0)
    a3 = lib.tensor(rng.standard_normal(3).astype(np.float32), requires_grad=True)
    b3 = lib.tensor(rng.standard_normal(3).astype(np.float32), requires_grad=True)
    W = lib.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    x = lib.tensor(rng.standard_normal(3).astype(np.float32))
    b = lib.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    A = lib.tensor(rng.standard_normal((256, 256)).astype(np.float32), requires_grad=True)
    B = lib.tensor(rng.standard_normal((256, 256)).astype(np.float32), requires_grad=True)

    def add3():
        return a3 + b3

    def wxb():
        return W @ x + b

    def three_op_fwd_bwd():
        y = ((W @ x + b).relu()).sum()
        y.backward()

    def matmul_fwd_bwd():
        y = (A @ B).sum()
        y.backward()

    return [("3-element add, requires_grad", add3, 20000),
            ("W @ x + b forward (4x3)", wxb, 20000),
            ("(W @ x + b).relu().sum() fwd+bwd", three_op_fwd_bwd, 5000),
            ("(256,256) matmul fwd+bwd", matmul_fwd_bwd, 50)]


def main(rounds: int = 5) -> None:
    # torch and ember alternate, round by round, and the median round is shown: on a shared machine one
    # best-of-N per library can land in different load bursts and swing the ratio by +-30%
    print(f"{'case':40s} {'torch':>10s} {'ember':>10s} {'ember/torch':>12s}  (median of {rounds} alternating rounds)")
    for (name, tf, n), (_, ef, _) in zip(cases(torch), cases(ember)):
        rs = []
        for _ in range(rounds):
            t = best(tf, n, repeat=3)
            e = best(ef, n, repeat=3)
            rs.append((e / t, t, e))
        ratio, t, e = sorted(rs)[len(rs) // 2]
        print(f"{name:40s} {t * 1e6:8.2f}us {e * 1e6:8.2f}us {ratio:11.2f}x", flush=True)


if __name__ == "__main__":
    main()
