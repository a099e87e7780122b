"""Optimizer step cost: ember vs torch on two models, time ratios from one run.

``mlp``: the parameters of an MLP 784-256-256-10 (six params, 270k numbers), for SGD, Adam, AdamW, RMSprop,
Adagrad and the single-tensor optimizers NAdam, RAdam, Adamax, Adadelta, Rprop, ASGD. ``small``: 100 small params
of mixed sizes (1 to 1024 numbers, 26k in all), the case where ember gathers params into rows
(ember.optim._functional.run_packed) instead of paying NumPy's per-call overhead once per param.

Run by hand: ``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_optim.py [substring ...]`` (only the cases whose
label contains one of the substrings). torch uses one thread; each case times 100 steps (grads fixed, set once)
and reports the best of a few repeats, by wall clock and by process CPU time (the steadier one on a shared
machine). ember is slower on the big model mainly because NumPy has no fused multiply-add: ember emulates torch's
FMA rounding in float64 (ember.optim._functional.fma32_chunk), about seven NumPy passes per FMA where torch makes
one.
"""
from __future__ import annotations

import sys
import time
import timeit

import numpy as np
import torch

import ember
import ember.optim  # noqa: F401  (until ember/__init__ imports it)

torch.set_num_threads(1)

MLP = [(256, 784), (256,), (256, 256), (256,), (10, 256), (10,)]
# 100 params: weight/bias pairs of small layers, norms' scales, a few scalars and odd shapes
_SMALL_CYCLE = [(16, 32), (16,), (8, 8, 4), (64,), (1,), (24, 24), (7, 3), (), (100,), (32, 32)]
SMALL = [_SMALL_CYCLE[i % len(_SMALL_CYCLE)] for i in range(100)]
MODELS = {"mlp": MLP, "small": SMALL}
STEPS = 100
CASES = [("SGD", dict(lr=0.01)), ("SGD", dict(lr=0.01, momentum=0.9, weight_decay=1e-4)),
         ("Adam", dict(lr=1e-3)), ("AdamW", dict(lr=1e-3)),
         ("RMSprop", dict(lr=1e-3)), ("RMSprop", dict(lr=1e-3, momentum=0.9, centered=True, weight_decay=1e-4)),
         ("Adagrad", dict(lr=1e-2)), ("Adagrad", dict(lr=1e-2, lr_decay=1e-3, weight_decay=1e-4)),
         ("NAdam", dict(lr=2e-3)), ("NAdam", dict(lr=2e-3, weight_decay=1e-2, decoupled_weight_decay=True)),
         ("RAdam", dict(lr=1e-3)), ("RAdam", dict(lr=1e-3, weight_decay=1e-2)),
         ("Adamax", dict(lr=2e-3)), ("Adadelta", dict(lr=1.0)), ("Adadelta", dict(lr=1.0, weight_decay=1e-2)),
         ("Rprop", dict(lr=1e-2)), ("ASGD", dict(lr=1e-2)), ("ASGD", dict(lr=1e-2, t0=10, weight_decay=1e-4))]
# the small model runs the single-tensor optimizers, and Adam (packed small params first) for reference
ON_SMALL = ("Adam", "NAdam", "RAdam", "Adamax", "Adadelta", "Rprop", "ASGD")


def make(lib, shapes: list[tuple[int, ...]], name: str, kwargs: dict):
    rng = np.random.default_rng(0)
    params = []
    for shape in shapes:
        w = np.asarray(rng.standard_normal(shape) * 0.05, np.float32)
        p = lib.nn.Parameter(lib.from_numpy(w))
        p.grad = lib.from_numpy(np.asarray(rng.standard_normal(shape) * 1e-2, np.float32))
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


def main(only: list[str]) -> None:
    print(f"{STEPS} steps, float32; torch {torch.__version__} at 1 thread; mlp: MLP 784-256-256-10 "
          f"({sum(int(np.prod(s)) for s in MLP)} numbers in {len(MLP)} params), small: "
          f"{sum(int(np.prod(s)) for s in SMALL)} numbers in {len(SMALL)} params")
    print(f"{'case':<76}{'wall: ember':>12}{'torch':>8}{'ratio':>7}{'CPU: ember':>12}{'torch':>8}{'ratio':>7}  (ms)")
    for model, shapes in MODELS.items():
        for name, kwargs in CASES:
            if model == "small" and name not in ON_SMALL:
                continue
            label = f"{model:<6}{name}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
            if only and not any(s in label for s in only):
                continue
            e_opt, t_opt = make(ember, shapes, name, kwargs), make(torch, shapes, name, kwargs)
            (e, ec), (t, tc) = best(lambda: run(e_opt)), best(lambda: run(t_opt))
            print(f"{label:<76}{e * 1e3:>12.1f}{t * 1e3:>8.1f}{e / t:>7.1f}{ec * 1e3:>12.1f}{tc * 1e3:>8.1f}"
                  f"{ec / tc:>7.1f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
