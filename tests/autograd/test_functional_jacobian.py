"""autograd.functional.jacobian / vjp against torch (the second-order functions: test_functional_higher.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember


def _same(a, b):
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
        return
    assert str(a.dtype) == str(b.dtype) and tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)


CASES = [
    (lambda L: (lambda a: a ** 2), "one"),
    (lambda L: (lambda a: a.sum(1).exp()), "one"),
    (lambda L: (lambda a, b: a @ b), "two"),
    (lambda L: (lambda a, b: (a.sin(), (a * 3).sum())), "two"),   # b unused: zeros
    (lambda L: (lambda a: (a * 2, L.ones(3))), "one"),              # an output without grad: zeros
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_jacobian_structure_and_values(case):
    make, arity = CASES[case]
    rng = np.random.default_rng(case)
    a0, b0 = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    res = []
    for L in (ember, torch):
        args = (L.tensor(a0),) if arity == "one" else (L.tensor(a0), L.tensor(b0))
        res.append(L.autograd.functional.jacobian(make(L), args if arity == "two" else args[0]))
    _same(*res)


def test_jacobian_tuple_of_one_input_keeps_tuples():
    res = [L.autograd.functional.jacobian(lambda a: a * a, (L.tensor([1.0, 2.0]),)) for L in (ember, torch)]
    _same(*res)


def test_vjp_values_and_errors():
    rng = np.random.default_rng(9)
    a0, v0 = rng.standard_normal(4), rng.standard_normal(4)
    res = []
    for L in (ember, torch):
        a, v = L.tensor(a0), L.tensor(v0)
        res.append(L.autograd.functional.vjp(lambda x: x.exp() * 2, a, v))
        res.append(L.autograd.functional.vjp(lambda x: (x * x).sum(), (a,)))
        with pytest.raises(RuntimeError, match="The vector v can only be None"):
            L.autograd.functional.vjp(lambda x: x * 2, a)
        assert not a.requires_grad  # the caller's tensor gains no history
    _same(res[0], res[2])
    _same(res[1], res[3])


def test_forward_mode_jacobian_says_so():
    with pytest.raises(NotImplementedError, match="forward-mode"):
        ember.autograd.functional.jacobian(lambda x: x * 2, ember.ones(2), strategy="forward-mode")
