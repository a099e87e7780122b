"""torch.special's gradient-free Bessel functions against torch: spherical_bessel_j0, modified_bessel_i0/i1/k0/k1,
scaled_modified_bessel_k0/k1."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
import ember.special
from _compare import check_error
from ember._ops.special_bessel import __all__ as NAMES

RNG = np.random.default_rng(13)
X = np.concatenate([RNG.uniform(-5, 5, 300), 10 ** RNG.uniform(-8, 2.8, 300), RNG.uniform(1.9, 2.1, 50),
                    [0.0, -0.0, 2.0, np.inf, -np.inf, np.nan, 1e5, 1e300, 0.4999, 0.5, -1e-300]])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values(name, dtype):
    x = X.astype(dtype)
    e = getattr(ember.special, name)(ember.from_numpy(x))
    t = getattr(torch.special, name)(torch.from_numpy(x))
    assert str(e.dtype) == str(t.dtype) and not e.requires_grad
    tol = dict(rtol=1e-13, atol=1e-300) if dtype == np.float64 else dict(rtol=3e-6, atol=1e-30)
    np.testing.assert_allclose(e.numpy(), t.numpy(), equal_nan=True, **tol)


@pytest.mark.parametrize("name", NAMES)
def test_integer_input_no_grad_and_errors(name):
    fn, tfn = getattr(ember.special, name), getattr(torch.special, name)
    e, t = fn(ember.tensor([1, 2, 3])), tfn(torch.tensor([1, 2, 3]))
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
    y = fn(ember.tensor([1.5], requires_grad=True))
    assert not y.requires_grad and y.grad_fn is None
    check_error(lambda lib: getattr(lib.special, name)(lib.tensor([1.0], dtype=lib.float16)))
    check_error(lambda lib: getattr(lib.special, name)(lib.tensor([1.0 + 1j])))
    check_error(lambda lib: getattr(lib.special, name)(1.0), match_message=False)
