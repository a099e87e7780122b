"""Differences from torch.nn.utils.clip_grad found by tools/fuzz/fuzz_optim.py, each checked against torch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import check_error


def _with_grads(lib, grads):
    params = []
    for g in grads:
        p = lib.nn.Parameter(lib.zeros(*g.shape))
        p.grad = lib.from_numpy(g.copy())
        params.append(p)
    return params


@pytest.mark.parametrize("foreach", [None, True, False])
@pytest.mark.parametrize("norm_type", [float("inf"), float("-inf"), -1.0, -0.5])
def test_empty_grad_norm_errors(foreach, norm_type):
    """On CPU foreach=None also runs _foreach_norm, whose inf-norm error has its own words; orders print as C++
    prints doubles (-1, not -1.0)."""
    grads = [np.zeros((2, 0), np.float32), np.ones(3, np.float32)]
    check_error(lambda lib: lib.nn.utils.clip_grad_norm_(_with_grads(lib, grads), 1.0, norm_type, foreach=foreach))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_nonfinite_grads_do_not_warn(norm_type):
    grads = [np.array([1.0, np.inf, -np.inf, np.nan], np.float32), np.ones((2, 2), np.float32)]
    results = []
    for lib in (torch, ember):
        params = _with_grads(lib, grads)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            norm = lib.nn.utils.clip_grad_norm_(params, 1.0, norm_type)
        results.append((norm.item(), [p.grad.numpy().tolist() for p in params]))
    assert str(results[0]) == str(results[1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_two_norm_of_a_transposed_grad_sums_in_memory_order(dtype):
    """torch's full reduction of a transposed (dense) grad visits its storage in order: bit-identical norms."""
    g = (np.random.default_rng(3).standard_normal((30, 40)) * 0.1).astype(dtype)
    norms = []
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.zeros(40, 30, dtype=getattr(lib, np.dtype(dtype).name)))
        p.grad = lib.from_numpy(g.copy()).t()
        norms.append(lib.nn.utils.clip_grad_norm_([p], 1e-3).numpy())
        norms.append(p.grad.numpy().copy())
    assert np.array_equal(norms[0], norms[2]) and np.array_equal(norms[1], norms[3])
