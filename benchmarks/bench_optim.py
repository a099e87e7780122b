"""Optimizer step cost (SGD, Adam, AdamW, RMSprop, Adagrad): ember vs torch on the parameters of an MLP 784-256-256-10,
time ratios from one run.

Run by hand: ``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_optim.py``. torch uses one thread; each case times 100
steps (grads fixed, set once) and reports the best of a few repeats, by wall clock and by process CPU time (the
steadier one on a shared machine). ember is slower mainly because NumPy has no fused multiply-add: ember emulates
torch's FMA rounding in float64 (ember.optim._functional.fma32_chunk), about seven NumPy passes per FMA where torch
makes one.
"""
from __future__ import annotations

import time
import timeit

import numpy as np
import torch

import ember
import ember.optim  # noqa: F401  (until ember/__init__ imports it)

torch.set_num_threads(1)

SHAPES = [(256, 784), (256,), (256, 256), (256,), (10, 256), (10,)]
STEPS = 100
CASES = [("SGD", dict(lr=0.01)), ("SGD", dict(lr=0.01, momentum=0.9, weight_decay=1e-4)),
         ("Adam", dict(lr=1e-3)), ("AdamW", dict(lr=1e-3)),
         ("RMSprop", dict(lr=1e-3)), ("RMSprop", dict(lr=1e-3, momentum=0.9, centered=True, weight_decay=1e-4)),
         ("Adagrad", dict(lr=1e-2)), ("Adagrad", dict(lr=1e-2, lr_decay=1e-3, weight_decay=1e-4))]


def make(lib, name: str, kwargs: dict):
    rng = np.random.default_rng(0)
    params = []
    for shape in SHAPES:
        w = rng.standard_normal(shape).astype(np.float32) * 0.05
        p = lib.nn.Parameter(lib.from_numpy(w))
        p.grad = lib.from_numpy(rng.standard_normal(shape).astype(np.float32) * 1e-2)
        params.append(p)
    return getattr(lib.optim, name)(params, **kwargs)


def run(opt) -> None:
    for _ in range(STEPS):
        opt.step()


def best(fn, repeat: int = 5) -> tuple[float, float]:
    """Best wall time and best process CPU time of one call."""
    fn()  # warm-up (creates the optimizer state)
    wall = min(timeit.repeat(fn, number=1, repeat=repeat))
    return wall, min(timeit.repeat(fn, number=1, repeat=repeat, timer=time.process_time))


def main() -> None:
    n = sum(int(np.prod(s)) for s in SHAPES)
    print(f"{STEPS} steps on {n} float32 parameters (MLP 784-256-256-10), torch {torch.__version__} at 1 thread")
    print(f"{'case':<70}{'wall: ember':>12}{'torch':>8}{'ratio':>7}{'CPU: ember':>12}{'torch':>8}{'ratio':>7}  (ms)")
    for name, kwargs in CASES:
        e_opt, t_opt = make(ember, name, kwargs), make(torch, name, kwargs)
        (e, ec), (t, tc) = best(lambda: run(e_opt)), best(lambda: run(t_opt))
        label = f"{name}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
        print(f"{label:<70}{e * 1e3:>12.1f}{t * 1e3:>8.1f}{e / t:>7.1f}{ec * 1e3:>12.1f}{tc * 1e3:>8.1f}{ec / tc:>7.1f}")


if __name__ == "__main__":
    main()
