"""Time ember's NumPy erf/erfc against torch on 2M elements (one run, best of a few repeats).

Usage: python benchmarks/bench_erf.py [n_elements]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ember._ops._erf import erf, erfc  # noqa: E402


def best_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    fn()  # warm-up (allocations, dispatch caches)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) * 1e3


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    rng = np.random.default_rng(0)
    default_threads = torch.get_num_threads()
    # Two input mixes: GELU-like N(0, 1) (mostly the cheap central pieces) and a
    # wide spread that hits every piecewise region in every block.
    mixes = {"normal(0,1)": rng.standard_normal(n), "uniform(-6,6)": rng.uniform(-6.0, 6.0, n)}
    print(f"n = {n:,}; torch default threads = {default_threads}")
    print(f"{'case':34s} {'ember ms':>9s} {'torch1 ms':>9s} {'ratio':>6s} {'torchN ms':>9s} {'ratio':>6s}")
    for dtype in (np.float32, np.float64):
        for mix, data in mixes.items():
            x = data.astype(dtype)
            xt = torch.from_numpy(x)
            for name, ours, theirs in (("erf", erf, torch.erf), ("erfc", erfc, torch.erfc)):
                t_ours = best_ms(lambda: ours(x))
                torch.set_num_threads(1)
                t_1 = best_ms(lambda: theirs(xt))
                torch.set_num_threads(default_threads)
                t_n = best_ms(lambda: theirs(xt))
                case = f"{name} {np.dtype(dtype).name} {mix}"
                print(f"{case:34s} {t_ours:9.2f} {t_1:9.2f} {t_ours / t_1:6.1f} {t_n:9.2f} {t_ours / t_n:6.1f}")


if __name__ == "__main__":
    main()
