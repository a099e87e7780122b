"""F.scaled_dot_product_attention forward and forward+backward: ember vs torch, time ratios from one run.

Run by hand: ``python benchmarks/bench_attention.py [--rounds R]``. torch uses one thread
(``set_num_threads(1)``), NumPy's OpenBLAS one thread (``OPENBLAS_NUM_THREADS=1``, set before NumPy loads). The
GPT-sized cases are causal float32 (B=32, H=4, T=64) with head dim 32 (``ember train``'s default: n_embd 128 over 4
heads) and 16 (``GPTConfig``'s default n_embd 64); both libraries run their fused flash kernel there. Each case is
timed torch then ember, best of 5 repeats, ``--rounds`` times (default 3); the printed ratio is the median of the
rounds' ratios. The machine is shared, so ratios are noisy.
"""
from __future__ import annotations

import argparse
import os

if __name__ == "__main__":  # the BLAS thread count must be fixed before NumPy loads OpenBLAS
    _ap = argparse.ArgumentParser()
    _ap.add_argument("--rounds", type=int, default=3)
    ARGS = _ap.parse_args()
    os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402

import ember  # noqa: E402
from _ratio import report  # noqa: E402  (benchmarks/ is the script's directory)

torch.set_num_threads(1)


def cases(lib):
    F = lib.nn.functional
    rng = np.random.default_rng(0)

    def qkvg(B, H, T, d):
        return [lib.tensor(rng.standard_normal((B, H, T, d)).astype(np.float32), requires_grad=i < 3)
                for i in range(4)]

    def fwd(q, k, v, g, **kw):
        def run():
            F.scaled_dot_product_attention(q, k, v, **kw)
        return run

    def fwd_bwd(q, k, v, g, **kw):
        def run():
            F.scaled_dot_product_attention(q, k, v, **kw).backward(g)
        return run

    gpt, gpt16, tiny = qkvg(32, 4, 64, 32), qkvg(32, 4, 64, 16), qkvg(1, 1, 4, 8)
    mask = lib.tensor(rng.random((64, 64)) > 0.2)
    return [
        ("sdpa causal (32,4,64,32) fwd", fwd(*gpt, is_causal=True), 10),
        ("sdpa causal (32,4,64,32) fwd+bwd", fwd_bwd(*gpt, is_causal=True), 5),
        ("sdpa causal (32,4,64,16) fwd+bwd", fwd_bwd(*gpt16, is_causal=True), 5),
        ("sdpa bool mask (32,4,64,32) fwd+bwd", fwd_bwd(*gpt, attn_mask=mask), 5),
        ("sdpa causal (1,1,4,8) fwd", fwd(*tiny, is_causal=True), 3000),
        ("sdpa causal (1,1,4,8) fwd+bwd", fwd_bwd(*tiny, is_causal=True), 2000),
    ]


def main(rounds: int = 3) -> None:
    print(f"torch threads: {torch.get_num_threads()}, NumPy BLAS threads: {os.environ.get('OPENBLAS_NUM_THREADS')} "
          f"(median of {rounds} rounds)")
    report(cases(torch), cases(ember), rounds, 38)


if __name__ == "__main__":
    main(ARGS.rounds)
