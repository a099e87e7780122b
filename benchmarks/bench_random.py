"""ember vs torch time for random draws, as ratios from one run.

torch is set to ONE thread (torch.set_num_threads(1)) for fairness: ember is single-threaded NumPy.
Each case is the best of 7 runs; the two libraries are timed alternately (torch, ember, torch, ...) in
one process, so that background load hits both alike. ``--runs K`` repeats the whole table K times and
adds the median ratio per case (the machine is shared: single ratios are noisy). ``--cpu`` times with
``time.process_time`` (this process's CPU time) instead of the wall clock: time spent descheduled by
other load then counts for neither side.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

import ember
from ember._rng.sampling import dropout_noise

torch.set_num_threads(1)
N = 10**6


CLOCK = time.perf_counter


def best_pair(ft, fe, reps: int = 7) -> tuple[float, float]:
    bt = be = float("inf")
    for _ in range(reps):
        s = CLOCK()
        ft()
        bt = min(bt, CLOCK() - s)
        s = CLOCK()
        fe()
        be = min(be, CLOCK() - s)
    return bt, be


def cases():
    xt, xe = torch.empty(N), ember.empty(N)
    return [
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1, help="repeat the table; report median ratios")
    ap.add_argument("--cpu", action="store_true", help="time process CPU time instead of the wall clock")
    args = ap.parse_args()
    runs = args.runs
    if args.cpu:
        global CLOCK
        CLOCK = time.process_time
    table = cases()
    ratios: dict[str, list[float]] = {name: [] for name, _, _ in table}
    for r in range(runs):
        clock = ", CPU time" if CLOCK is time.process_time else ""
        print(f"{'case':28s} {'torch ms':>9s} {'ember ms':>9s} {'ratio':>6s}   (torch: 1 thread{clock})"
              + (f"  run {r + 1}/{runs}" if runs > 1 else ""))
        for name, ft, fe in table:
            tt, te = best_pair(ft, fe)
            ratios[name].append(te / tt)
            print(f"{name:28s} {tt * 1e3:9.2f} {te * 1e3:9.2f} {te / tt:6.1f}x")
    if runs > 1:
        print(f"\n{'case':28s} {'median ratio':>12s}   (of {runs} runs)")
        for name, rs in ratios.items():
            print(f"{name:28s} {statistics.median(rs):11.2f}x")


if __name__ == "__main__":
    main()
