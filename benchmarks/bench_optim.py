"""Optimizer step cost: ember vs torch on the parameters of an MLP 784-256-256-10, time ratios from one run.

Run by hand: ``python benchmarks/bench_optim.py``. torch uses one thread; each case times 100 steps (grads fixed,
set once) and reports the best of a few repeats. ember is slower mainly because NumPy has no fused multiply-add:
ember emulates torch's FMA rounding in float64 (ember.optim.optimizer._fma32_into), several passes per update.
"""
from __future__ import annotations

import timeit

import numpy as np
import torch

import ember
import ember.optim  # noqa: F401  (until ember/__init__ imports it)

torch.set_num_threads(1)

SHAPES = [(256, 784), (256,), (256, 256), (256,), (10, 256), (10,)]
STEPS = 100
CASES = [("SGD", dict(lr=0.01)), ("SGD", dict(lr=0.01, momentum=0.9, weight_decay=1e-4)),
         ("Adam", dict(lr=1e-3)), ("AdamW", dict(lr=1e-3))]


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


def best(fn, repeat: int = 3) -> float:
    fn()  # warm-up (creates the optimizer state)
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def main() -> None:
    n = sum(int(np.prod(s)) for s in SHAPES)
    print(f"{STEPS} steps on {n} float32 parameters (MLP 784-256-256-10), torch {torch.__version__} at 1 thread")
    print(f"{'case':<46}{'ember ms':>10}{'torch ms':>10}{'ratio':>8}")
    for name, kwargs in CASES:
        e_opt, t_opt = make(ember, name, kwargs), make(torch, name, kwargs)
        e = best(lambda: run(e_opt))
        t = best(lambda: run(t_opt))
        label = f"{name}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
        print(f"{label:<46}{e * 1e3:>10.1f}{t * 1e3:>10.1f}{e / t:>8.1f}")


if __name__ == "__main__":
    main()
