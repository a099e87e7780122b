"""torch.special's orthogonal polynomials against torch: values (ends of the interval, trigonometric branch,
recurrence, negative / fractional / infinite degrees), dtypes, scalar operands, no gradient, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
import ember.special
from _compare import check_error
from ember._ops.special_polynomials import __all__ as NAMES

RNG = np.random.default_rng(9)


def _close(e, t, rtol, atol):
    assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values(name, dtype):
    x = np.concatenate([RNG.uniform(-1.2, 1.2, 200), RNG.uniform(-0.1, 1.1, 100),
                        [1.0, -1.0, 0.0, 0.5, np.inf, -np.inf, 1e-20, 1 - 1e-12]]).astype(dtype)
    n = np.concatenate([RNG.integers(-2, 30, 300), [0, 1, 2, 9, 10, -1, 600, 40]]).astype(dtype)
    n[::7] += 0.6  # truncated to integers
    e = getattr(ember.special, name)(ember.from_numpy(x), ember.from_numpy(n))
    t = getattr(torch.special, name)(torch.from_numpy(x), torch.from_numpy(n))
    # float32: the trigonometric branch's sin/cos (sinf, cosf in torch) differ in the last bits, which the division
    # by a small sin(t/2) can magnify
    _close(e, t, *((1e-11, 1e-11) if dtype == np.float64 else (2e-4, 2e-4)))


@pytest.mark.parametrize("name", NAMES)
def test_operands_and_dtypes(name):
    fn, tfn = getattr(ember.special, name), getattr(torch.special, name)
    x = np.array([0.25, -0.5, 2.0])
    _close(fn(ember.from_numpy(x), 5), tfn(torch.from_numpy(x), 5), 1e-12, 1e-12)
    _close(fn(ember.from_numpy(x), 3.7), tfn(torch.from_numpy(x), 3.7), 1e-12, 1e-12)
    _close(fn(0.5, ember.tensor([3, 4, 12])), tfn(0.5, torch.tensor([3, 4, 12])), 1e-6, 1e-6)
    _close(fn(ember.tensor([1, 2]), ember.tensor([3])), tfn(torch.tensor([1, 2]), torch.tensor([3])), 1e-6, 1e-6)
    _close(fn(ember.tensor([0.5]), ember.tensor([3.0], dtype=ember.float64)),
           tfn(torch.tensor([0.5]), torch.tensor([3.0], dtype=torch.float64)), 1e-6, 1e-6)
    _close(fn(ember.from_numpy(x), ember.tensor([float("inf"), float("nan"), -3.0], dtype=ember.float64)),
           tfn(torch.from_numpy(x), torch.tensor([float("inf"), float("nan"), -3.0], dtype=torch.float64)), 0, 0)
    y = fn(ember.tensor([0.5], requires_grad=True), 3)
    assert not y.requires_grad and y.grad_fn is None
    eo, to = ember.empty(3, dtype=ember.float64), torch.empty(3, dtype=torch.float64)
    fn(ember.from_numpy(x), 4, out=eo)
    tfn(torch.from_numpy(x), 4, out=to)
    _close(eo, to, 1e-12, 1e-12)


def test_nan_input_stays_nan():
    # (torch returns an uninitialized value for a nan x and a degree >= 2 in most of these kernels)
    for name in NAMES:
        assert np.isnan(getattr(ember.special, name)(ember.tensor([float("nan")]), 5).item())


@pytest.mark.parametrize("name", NAMES)
def test_errors(name):
    check_error(lambda lib: getattr(lib.special, name)(0.5, 3))
    check_error(lambda lib: getattr(lib.special, name)(lib.tensor([0.5], dtype=lib.float16), 3))
    check_error(lambda lib: getattr(lib.special, name)(lib.tensor([0.5 + 1j]), 3))
