"""F.embedding_bag against torch: sum/mean/max bags, offsets forms, padding_idx, per_sample_weights, grads, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error

X = np.array([1, 2, 4, 5, 4, 3, 2, 9])
CASES = [
    (X, [0, 4], {}),
    (X, [0, 4, 4], dict(mode="sum")),                              # an empty bag
    (X, [0, 4, 8], dict(mode="sum", include_last_offset=True)),
    (X.reshape(2, 4), None, dict(mode="max")),
    (X, [0, 3, 3], dict(mode="max")),                              # an empty max bag: zeros, no grad
    (np.array([1, 2, 4, 5, 4, 4, 2, 4]), [0, 4], dict(padding_idx=4)),
    (np.array([[1, 2], [4, 4]]), None, dict(mode="mean", padding_idx=-6)),  # a bag of padding only
    (X, [0, 2], dict(mode="sum", psw=True)),
    (X, [0, 5], dict(mode="mean", max_norm=1.0)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_values_and_grads(case):
    x0, o0, kw = case
    kw = dict(kw)
    use_psw = kw.pop("psw", False)
    rng = np.random.default_rng(0)
    w0, p0 = rng.standard_normal((10, 3)), rng.standard_normal(x0.shape)
    res = []
    for L in (torch, ember):
        w = L.tensor(w0, requires_grad=True)
        p = L.tensor(p0, requires_grad=True) if use_psw else None
        y = L.nn.functional.embedding_bag(L.tensor(x0), w, None if o0 is None else L.tensor(o0), per_sample_weights=p,
                                          **kw)
        y.backward(L.tensor(np.arange(y.numel()).reshape(tuple(y.shape)) * 1.0))
        res.append((y.detach().numpy(), w.grad.numpy(), None if p is None else p.grad.numpy(), y.grad_fn.name(),
                    w.detach().numpy()))
    for a, b in zip(*res):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
        else:
            assert a == b


def test_scale_grad_by_freq_divides_each_row_by_its_own_count():
    # torch 2.13's CPU kernel divides some rows by another index's count (sum: row 3, seen once, gets 0.5 and row
    # 4, seen twice, gets 2; mean: rows 3, 5, 9 get 1/4 of their grad): a bug, not copied
    w = ember.tensor(np.ones((10, 3)), requires_grad=True)
    y = ember.nn.functional.embedding_bag(ember.tensor([1, 2, 2, 5, 2, 3, 2, 9]), w, ember.tensor([0, 2, 5]),
                                          mode="mean", scale_grad_by_freq=True)
    y.backward(ember.ones(3, 3))
    assert np.allclose(w.grad.numpy()[[1, 2, 3, 5, 9], 0], [0.5, (0.5 + 2 / 3 + 1 / 3) / 4, 1 / 3, 1 / 3, 1 / 3])
    w = ember.tensor(np.ones((10, 3)), requires_grad=True)
    y = ember.nn.functional.embedding_bag(ember.tensor(X), w, ember.tensor([0, 2, 5]), mode="sum",
                                          scale_grad_by_freq=True)
    y.backward(ember.ones(3, 3))
    assert np.allclose(w.grad.numpy()[:, 0], [0, 1, 1, 1, 1, 1, 0, 0, 0, 1])


ERRORS = [
    lambda L: L.nn.functional.embedding_bag(L.tensor(X.reshape(2, 4)), L.zeros(10, 3), L.tensor([0, 4])),
    lambda L: L.nn.functional.embedding_bag(L.tensor(X), L.zeros(10, 3)),
    lambda L: L.nn.functional.embedding_bag(L.tensor(X), L.zeros(10, 3), L.tensor([0, 4]), mode="foo"),
    lambda L: L.nn.functional.embedding_bag(L.tensor(X), L.zeros(10, 3), L.tensor([0, 4]),
                                            per_sample_weights=L.ones(8)),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 20]), L.zeros(10, 3), L.tensor([0])),
    lambda L: L.nn.functional.embedding_bag(L.tensor(X).float(), L.zeros(10, 3), L.tensor([0, 4])),
    lambda L: L.nn.functional.embedding_bag(L.tensor(X), L.zeros(10, 3), L.tensor([0, 4]), mode="max",
                                            scale_grad_by_freq=True),
    lambda L: L.nn.functional.embedding_bag(L.tensor(X), L.zeros(3), L.tensor([0, 4])),
    lambda L: L.nn.functional.embedding_bag(L.tensor(X), L.zeros(10, 3), L.tensor([0, 4]),
                                            per_sample_weights=L.ones(7), mode="sum"),
]


@pytest.mark.parametrize("fn", range(len(ERRORS)))
def test_errors(fn):
    check_error(ERRORS[fn])
