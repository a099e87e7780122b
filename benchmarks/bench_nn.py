"""nn.functional forward+backward: ember vs torch, time ratios from one run.

Run by hand: ``python benchmarks/bench_nn.py [--blas-threads N] [--rounds R] [--only SUBSTR ...]``. torch uses ONE thread
(``set_num_threads(1)``). NumPy's OpenBLAS (linear's matmuls) uses ``--blas-threads`` threads (default 1, the fair
comparison; 0 leaves OpenBLAS's default). Each case is timed torch then ember, best of 5 repeats, ``--rounds`` times
(default 3); the printed ratio is the median of the rounds' ratios. The machine is shared, so ratios are noisy.
``--only`` keeps the cases whose name contains one of the given substrings.
"""
from __future__ import annotations

import argparse
import os

if __name__ == "__main__":  # the BLAS thread count must be fixed before NumPy loads OpenBLAS
    _ap = argparse.ArgumentParser()
    _ap.add_argument("--blas-threads", type=int, default=1)
    _ap.add_argument("--rounds", type=int, default=3)
    _ap.add_argument("--only", nargs="*", default=None)
    ARGS = _ap.parse_args()
    if ARGS.blas_threads > 0:
        os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.blas_threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import ember  # noqa: E402
from _ratio import report  # noqa: E402  (benchmarks/ is the script's directory)

torch.set_num_threads(1)


def cases(lib):
    F = lib.nn.functional
    rng = np.random.default_rng(0)

    def t(*shape, grad=True, dtype=np.float32):
        return lib.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=grad)

    def fb(f, *args):
        def run():
            y = f(*args)
            y.sum().backward()
        return run

    tiny_x, tiny_w, tiny_b = t(2, 3), t(4, 3), t(4)
    big = t(64, 128, 256)
    w256, b256 = t(256, 256), t(256)
    ln_w, ln_b = t(256), t(256)
    logits, target = t(64 * 128, 256), lib.tensor(rng.integers(0, 256, 64 * 128))
    tiny_logits, tiny_target = t(3, 5), lib.tensor(np.array([1, 0, 4]))
    table = t(50000, 256)
    idx = lib.tensor(rng.integers(0, 50000, (64, 128)))
    tiny_table, tiny_idx = t(10, 3), lib.tensor(np.array([[1, 2], [4, 9]]))
    return [
        ("linear (2,3)x(4,3)", fb(F.linear, tiny_x, tiny_w, tiny_b), 3000),
        ("linear (64,128,256)x(256,256)", fb(F.linear, big, w256, b256), 5),
        ("gelu (2,3)", fb(F.gelu, tiny_x), 3000),
        ("gelu (64,128,256)", fb(F.gelu, big), 3),
        ("gelu tanh (64,128,256)", fb(lambda x: F.gelu(x, approximate="tanh"), big), 3),
        ("layer_norm (2,3)", fb(lambda x: F.layer_norm(x, (3,)), tiny_x), 3000),
        ("layer_norm (64,128,256)", fb(lambda x: F.layer_norm(x, (256,), ln_w, ln_b), big), 3),
        ("softmax (2,3)", fb(lambda x: F.softmax(x, -1), tiny_x), 3000),
        ("softmax (64,128,256)", fb(lambda x: F.softmax(x, -1), big), 3),
        ("log_softmax+nll (3,5)", fb(lambda x: F.nll_loss(F.log_softmax(x, 1), tiny_target), tiny_logits), 3000),
        ("cross_entropy (3,5)", fb(lambda x: F.cross_entropy(x, tiny_target), tiny_logits), 3000),
        ("cross_entropy (8192,256)", fb(lambda x: F.cross_entropy(x, target), logits), 3),
        ("embedding (10,3)[(2,2)]", fb(lambda w: F.embedding(tiny_idx, w), tiny_table), 3000),
        ("embedding (50000,256)[(64,128)]", fb(lambda w: F.embedding(idx, w), table), 3),
        ("dropout (2,3)", fb(lambda x: F.dropout(x, 0.1), tiny_x), 3000),
        ("dropout (64,128,256)", fb(lambda x: F.dropout(x, 0.1), big), 3),
    ]


def main(rounds: int = 3, only: list[str] | None = None) -> None:
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "OpenBLAS default")
    print(f"torch threads: {torch.get_num_threads()}, NumPy BLAS threads: {blas} (forward + backward of .sum(); "
          f"median of {rounds} rounds)")
    report(cases(torch), cases(ember), rounds, 36, only)


if __name__ == "__main__":
    main(ARGS.rounds, ARGS.only)
