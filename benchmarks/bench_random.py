"""ember vs torch time for random draws, as ratios from one run.

torch is set to ONE thread (torch.set_num_threads(1)) for fairness: ember is single-threaded NumPy.
Each case is the best of 7 runs; the two libraries are timed alternately in one process.
"""
from __future__ import annotations

import time

import torch

import ember
from ember._rng.sampling import dropout_noise

torch.set_num_threads(1)
N = 10**6


def best(fn, reps: int = 7) -> float:
    t = float("inf")
    for _ in range(reps):
        s = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - s)
    return t


def main() -> None:
    xt, xe = torch.empty(N), ember.empty(N)
    cases = [
        ("rand f32 1e6", lambda: torch.rand(N), lambda: ember.rand(N)),
        ("uniform_(-b,b) f32 1e6", lambda: xt.uniform_(-0.3, 0.3), lambda: xe.uniform_(-0.3, 0.3)),
        ("randn f32 1e6", lambda: torch.randn(N), lambda: ember.randn(N)),
        ("randn f64 1e6", lambda: torch.randn(N, dtype=torch.float64), lambda: ember.randn(N, dtype=ember.float64)),
        ("dropout mask f32 1e6", lambda: torch.empty(N).bernoulli_(0.9).div_(0.9),
         lambda: dropout_noise((N,), 0.1, ember.float32.np_dtype, ember.default_generator)),
        ("randint 1e6", lambda: torch.randint(0, 100, (N,)), lambda: ember.randint(0, 100, (N,))),
        ("randperm 1e6", lambda: torch.randperm(N), lambda: ember.randperm(N)),
        ("randn(10) x1000 calls", lambda: [torch.randn(10) for _ in range(1000)],
         lambda: [ember.randn(10) for _ in range(1000)]),
    ]
    print(f"{'case':28s} {'torch ms':>9s} {'ember ms':>9s} {'ratio':>6s}   (torch: 1 thread)")
    for name, ft, fe in cases:
        tt, te = best(ft), best(fe)
        print(f"{name:28s} {tt * 1e3:9.2f} {te * 1e3:9.2f} {te / tt:6.1f}x")


if __name__ == "__main__":
    main()
