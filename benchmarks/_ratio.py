"""Timing shared by the benchmarks that compare one case list in torch and in ember.

Each case is ``(name, run, number)``; it is timed torch then ember, best of ``repeat`` repeats of ``number`` calls,
``rounds`` times, and the printed ratio is the median of the rounds' ratios (the machine is shared, so a single
ratio is noisy). Imports only the standard library: the benchmarks fix BLAS threads before NumPy loads.
"""
from __future__ import annotations

import sys
import timeit
from typing import Callable


def best(fn: Callable[[], object], number: int, repeat: int = 5) -> float:
    """Best seconds per call of ``fn`` (after one warm-up call)."""
    fn()
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def report(torch_cases: list, ember_cases: list, rounds: int, width: int, only: list[str] | None = None) -> None:
    """Print ``name  torch  ember  ember/torch`` for each pair of cases (those matching ``only``, if given)."""
    print(f"{'case':{width}s} {'torch':>10s} {'ember':>10s} {'ember/torch':>12s}")
    for (name, tf, n), (_, ef, _) in zip(torch_cases, ember_cases):
        if only and not any(s in name for s in only):
            continue
        rs = []
        for _ in range(rounds):
            tt = best(tf, n)
            et = best(ef, n)
            rs.append((et / tt, tt, et))
        ratio, tt, et = sorted(rs)[len(rs) // 2]
        print(f"{name:{width}s} {tt * 1e3:8.3f}ms {et * 1e3:8.3f}ms {ratio:11.2f}x")
        sys.stdout.flush()
