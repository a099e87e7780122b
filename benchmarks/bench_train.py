"""One training step (forward, backward, clip, AdamW) in ember vs torch: time ratios from one run.

Run by hand: ``python benchmarks/bench_train.py``. Cases: the default ``ember train`` GPT (batch 32 x 64
characters), an MLP 784-256-256-10 at batch 64 and a two-conv MNIST CNN at batch 64. torch uses ONE thread (``set_num_threads(1)``); NumPy's BLAS
uses what it finds (set ``OPENBLAS_NUM_THREADS=1`` for a like-for-like ratio). Best of several repeats, by wall
clock and by process CPU time; on a shared machine the wall-clock ratio is noisy and the CPU-time one is the
steadier (with several BLAS threads, CPU time also counts their spinning).
"""
from __future__ import annotations

import os
import time
import timeit

import numpy as np
import torch

import ember
import ember.nn.utils  # noqa: F401  (torch.nn imports nn.utils itself; ember.nn does not yet)
from ember.cli.train import MODEL_DEFAULTS, TRAIN_DEFAULTS
from ember.models.gpt import GPTConfig, build_model

torch.set_num_threads(1)
VOCAB = 103  # the default corpus's character vocabulary


def best(fn, number: int, repeat: int = 5) -> tuple[float, float]:
    """Best wall time and best process CPU time per call (CPU time barely moves when others load the machine)."""
    fn()  # warm-up: first-call allocations and lazy imports
    wall = min(timeit.repeat(fn, number=number, repeat=repeat)) / number
    cpu = min(timeit.repeat(fn, number=number, repeat=repeat, timer=time.process_time)) / number
    return wall, cpu


def gpt_step(lib):
    lib.manual_seed(0)
    config = GPTConfig(vocab_size=VOCAB, **MODEL_DEFAULTS)
    model = build_model(config, lib)
    optimizer = lib.optim.AdamW(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    batch = (TRAIN_DEFAULTS["batch_size"], config.block_size)
    x, y = lib.tensor(rng.integers(0, VOCAB, batch)), lib.tensor(rng.integers(0, VOCAB, batch))

    def step():
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    return step


def _classifier_step(lib, model, optimizer, x_shape: tuple):
    """One cross-entropy step of ``model`` on a fixed random batch of 10 classes."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(x_shape).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, x_shape[0]))

    def step():
        loss = lib.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return step


def mlp_step(lib):
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    return _classifier_step(lib, model, lib.optim.AdamW(model.parameters(), lr=1e-3), (64, 784))


def cnn_step(lib):
    """A small MNIST-style CNN (not an issue goal; reported beside the others since tutorials train one)."""
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    return _classifier_step(lib, model, lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), (64, 1, 28, 28))


def main() -> None:
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    print(f"torch threads: {torch.get_num_threads()}, OPENBLAS_NUM_THREADS={blas}")
    print(f"{'one training step':32s} {'wall: torch':>11s} {'ember':>9s} {'ratio':>7s}  {'CPU: torch':>10s} {'ember':>9s} "
          f"{'ratio':>7s}")
    m, t = MODEL_DEFAULTS, TRAIN_DEFAULTS
    size = f"{m['n_layer']}x{m['n_embd']}, {t['batch_size']}x{m['block_size']} tokens"
    for name, make, n in ((f"GPT {size}", gpt_step, 3), ("MLP 784-256-256-10, batch 64", mlp_step, 50),
                          ("CNN 1-16-32 conv, MNIST batch 64", cnn_step, 10)):
        (tt, tc), (et, ec) = best(make(torch), n), best(make(ember), n)
        print(f"{name:32s} {tt * 1e3:9.1f}ms {et * 1e3:7.1f}ms {et / tt:6.2f}x  {tc * 1e3:8.1f}ms {ec * 1e3:7.1f}ms "
              f"{ec / tc:6.2f}x")


if __name__ == "__main__":
    main()
