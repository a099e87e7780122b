"""F.adaptive_max_pool1d/2d (and the *_with_indices aliases) against torch: values, indices, grads, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error


@pytest.mark.parametrize("shape,size", [((2, 3, 7, 9), (3, 4)), ((3, 7, 9), (None, 4)), ((2, 3, 5, 5), 1),
                                        ((1, 2, 4, 6), (6, 8)), ((2, 2, 6, 6), (4, 4))], ids=str)
@pytest.mark.parametrize("special", ["ties", "nan"])
def test_adaptive_max_pool2d_exact(shape, size, special):
    rng = np.random.default_rng(0)
    x0 = rng.integers(-2, 3, shape).astype(np.float32)  # many ties: torch's first maximum
    if special == "nan":
        x0.flat[rng.integers(0, x0.size, 4)] = np.nan      # torch's last NaN
    out = []
    for L in (torch, ember):
        x = L.tensor(x0, requires_grad=True)
        y, i = L.nn.functional.adaptive_max_pool2d(x, size, return_indices=True)
        (y.nan_to_num() * L.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        out.append((y.detach().numpy(), i.numpy(), x.grad.numpy(), y.grad_fn.name()))
    for a, b in zip(*out):
        assert np.array_equal(a, b, equal_nan=True) if isinstance(a, np.ndarray) else a == b


def test_adaptive_max_pool1d_and_aliases():
    x0 = np.random.default_rng(1).standard_normal((2, 3, 7))
    for L in (torch, ember):
        F = L.nn.functional
        y, i = F.adaptive_max_pool1d(L.tensor(x0), 3, return_indices=True)
        y2, i2 = F.adaptive_max_pool1d_with_indices(L.tensor(x0), 3)
        assert np.array_equal(y.numpy(), y2.numpy()) and np.array_equal(i.numpy(), i2.numpy())
        _, j = F.max_pool2d_with_indices(L.tensor(x0[None]), 2)
        assert j.dtype == L.int64
    e = ember.nn.functional.adaptive_max_pool1d(ember.tensor(x0), 3, True)
    t = torch.nn.functional.adaptive_max_pool1d(torch.tensor(x0), 3, True)
    assert np.array_equal(e[0].numpy(), t[0].numpy()) and np.array_equal(e[1].numpy(), t[1].numpy())


def test_errors():
    check_error(lambda L: L.nn.functional.adaptive_max_pool2d(L.zeros(2, 3, 7, 9), (3, 4, 5)))
    check_error(lambda L: L.nn.functional.adaptive_max_pool2d(L.zeros(7, 9), 3))
    check_error(lambda L: L.nn.functional.adaptive_max_pool2d(L.zeros(2, 3, 0, 9), 3))
    check_error(lambda L: L.nn.functional.adaptive_max_pool1d(L.zeros(2, 3, 7), (3, 4)))


def test_new_modules_repr_and_forward():
    # AdaptiveMaxPool1d/2d, EmbeddingBag, LocalResponseNorm as torch builds and prints them
    x = np.random.default_rng(2).standard_normal((2, 4, 6, 5)).astype(np.float32)
    makers = [lambda L: L.nn.AdaptiveMaxPool2d((3, None)), lambda L: L.nn.AdaptiveMaxPool2d(1),
              lambda L: L.nn.LocalResponseNorm(3, alpha=1e-3)]
    for make in makers:
        e, t = make(ember), make(torch)
        assert repr(e) == repr(t)
        np.testing.assert_allclose(e(ember.tensor(x)).numpy(), t(torch.tensor(x)).numpy(), rtol=1e-6, atol=1e-6)
    e, t = ember.nn.AdaptiveMaxPool1d(3, return_indices=True), torch.nn.AdaptiveMaxPool1d(3, return_indices=True)
    assert repr(e) == repr(t) == "AdaptiveMaxPool1d(output_size=3)"
    (ye, ie), (yt, it) = e(ember.tensor(x[0])), t(torch.tensor(x[0]))
    assert np.array_equal(ye.numpy(), yt.numpy()) and np.array_equal(ie.numpy(), it.numpy())
    bags = []
    for L in (ember, torch):
        L.manual_seed(0)
        m = L.nn.EmbeddingBag(10, 3, mode="sum", padding_idx=-1, max_norm=1.0)
        bags.append((repr(m), m(L.tensor([1, 2, 4, 9, 4, 3]), L.tensor([0, 4])).detach().numpy()))
        p = L.nn.EmbeddingBag.from_pretrained(L.ones(4, 2), mode="max")
        assert repr(p) == "EmbeddingBag(4, 2, mode='max')" and not p.weight.requires_grad
    assert bags[0][0] == bags[1][0] == "EmbeddingBag(10, 3, max_norm=1.0, mode='sum', padding_idx=9)"
    np.testing.assert_allclose(bags[0][1], bags[1][1], rtol=1e-6)
