"""binomial against torch: the same draws bit for bit (inversion and BTRS paths, float32 and float64), the same
generator stream afterwards, special values, broadcasting, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error

RNG = np.random.default_rng(61)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("trial", range(6))
def test_draws_and_stream(dtype, trial):
    n = 40
    count = RNG.integers(0, 2000 if trial % 2 else 30, n).astype(dtype)
    prob = RNG.random(n).astype(dtype)
    prob[::7] = 0.995
    seed = int(RNG.integers(0, 1 << 31))
    res = []
    for lib in (torch, ember):
        lib.manual_seed(seed)
        draws = lib.binomial(lib.from_numpy(count.copy()), lib.from_numpy(prob.copy()))
        res.append((draws, lib.rand(3)))
    assert_same(res[1][0], res[0][0], rtol=0, atol=0)
    assert_same(res[1][1], res[0][1], rtol=0, atol=0)  # the generator advanced by as many draws


def test_generator_special_values_broadcast():
    res = []
    for lib in (torch, ember):
        g = lib.Generator().manual_seed(9)
        a = lib.binomial(lib.tensor([10.0, -1.0, 5.0, 0.0, 7.0]), lib.tensor([float("nan"), 0.5, 1.0, 0.5, 0.0]),
                         generator=g)
        b = lib.binomial(lib.full((2, 3), 50.0), lib.tensor([0.1, 0.5, 0.9]), generator=g)
        res.append((a, b))
    for e, t in zip(res[1], res[0]):
        assert_same(e, t, rtol=0, atol=0)
    with pytest.warns(UserWarning, match="was resized"):
        ember.binomial(ember.ones(1) * 10, ember.ones(3) * 0.5)


def test_errors():
    check_error(lambda lib: lib.binomial(lib.tensor([10]), lib.tensor([5])))
    check_error(lambda lib: lib.binomial(lib.tensor([10.0]), lib.tensor([0.5], dtype=lib.float64)))
