"""clip_grad_norm_ vs torch on a training step's grads: the per-lane row sums on many rows (einsum) and few (reduce).

tests/nn/utils/test_clip_grad.py covers the small shapes and every tail length; this adds GPT-sized grads, where
a sum in any other order than torch's (row by row per lane) would show in the norm, and the unclipped case, where
ember skips multiplying by a coefficient of exactly 1.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.utils as tnu

import ember
import ember.nn.utils as enu
from ember.nn.utils import clip_grad

# the default GPT's parameter sizes (13 big matrices, small vectors), plus odd sizes with scalar tails
SIZES = [128] * 6 + [384, 512, 8192, 13184, 16384, 49152, 65536, 65536, 65541, 523, 7]


def _grads(dtype, seed: int, scale: float) -> tuple[list, list]:
    rng = np.random.default_rng(seed)
    e, t = [], []
    for n in SIZES:
        g = (rng.standard_normal(n) * scale * 10.0 ** rng.integers(-3, 1)).astype(dtype)
        ep, tp = ember.nn.Parameter(ember.zeros(n, dtype=ember.float32 if dtype == np.float32 else ember.float64)), \
            torch.nn.Parameter(torch.zeros(n, dtype=torch.float32 if dtype == np.float32 else torch.float64))
        ep.grad, tp.grad = ember.from_numpy(g.copy()), torch.from_numpy(g.copy())
        e.append(ep)
        t.append(tp)
    return e, t


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("max_norm", [0.5, 1e9], ids=["clipped", "unclipped"])
def test_gpt_sized_grads_bit_exact(dtype, max_norm):
    for seed in range(3):
        e, t = _grads(dtype, seed, scale=1.0)
        versions = [p.grad._version for p in e]
        en, tn = enu.clip_grad_norm_(e, max_norm), tnu.clip_grad_norm_(t, max_norm)
        assert np.array_equal(en.numpy(), tn.numpy()), (seed, en.item(), tn.item())
        for i, (ep, tp) in enumerate(zip(e, t)):
            assert np.array_equal(ep.grad.numpy(), tp.grad.numpy()), (seed, i)
            assert ep.grad._version > versions[i]  # written in place, even when multiplied by exactly 1


def test_per_tensor_sums_match_torch_norms():
    rng = np.random.default_rng(5)
    arrays = [(rng.standard_normal(n) * 0.1).astype(np.float32) for n in (16, 8 * 64, 8 * 65, 8 * 4096 + 3, 65536)]
    sums = clip_grad._sums_of_squares(arrays)
    for a, s in zip(arrays, sums):
        assert np.sqrt(s) == torch.linalg.vector_norm(torch.from_numpy(a)).item(), a.size
