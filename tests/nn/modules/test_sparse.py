"""Embedding vs torch: init bits, every constructor argument, from_pretrained, grads, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import check_error

from ._module_compare import assert_same_params, check_module, make_pair, randn

DTYPES = ["float32", "float64"]


def _idx(*shape, high=10, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, high, shape).astype(np.int64)


def test_chapter_weights():
    # the chapter's generator position: randn(3), Linear(3,4), randn(2,3), then Embedding(10, 3)
    ember.manual_seed(42)
    ember.randn(3)
    ember.nn.Linear(3, 4)
    ember.randn(2, 3)
    emb = ember.nn.Embedding(num_embeddings=10, embedding_dim=3)
    assert repr(emb.weight).splitlines()[1:3] == ["tensor([[ 0.3189, -0.4245,  0.3057],",
                                                  "        [-0.7746,  0.0349,  0.3211],"]


@pytest.mark.parametrize("shape", [(10, 3), (3, 1), (7, 16), (100, 33)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_init_bit_exact(shape, dtype):
    for seed in range(20):
        make_pair("Embedding", *shape, seed=seed, dtype=dtype)


@pytest.mark.parametrize("kwargs", [
    dict(padding_idx=0), dict(padding_idx=-1), dict(padding_idx=-10), dict(padding_idx=9), dict(max_norm=1.0),
    dict(max_norm=1.5, norm_type=1.0), dict(norm_type=3), dict(scale_grad_by_freq=True), dict(_freeze=True),
])
def test_repr_and_init_with_options(kwargs):
    e, t = make_pair("Embedding", 10, 3, seed=3, **kwargs)
    assert e.padding_idx == t.padding_idx


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", [{}, dict(padding_idx=1), dict(padding_idx=-2), dict(scale_grad_by_freq=True),
                                    dict(padding_idx=0, scale_grad_by_freq=True)])
def test_forward_backward(dtype, kwargs):
    e, t = make_pair("Embedding", 10, 4, dtype=dtype, **kwargs)
    for shape in [(5,), (3, 4), (2, 3, 4), ()]:
        idx = _idx(*shape)
        if shape:
            idx.flat[:3] = [1, 1, 8]  # repeats and the padding rows
        for train in (True, False):
            e.zero_grad()
            t.zero_grad()
            check_module(e, t, idx, train=train)


def test_int32_indices():
    e, t = make_pair("Embedding", 10, 3)
    check_module(e, t, _idx(4, 2).astype(np.int32))


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (0.5, 1.0), (2.0, 3.0)])
def test_max_norm_renorms_weight_in_place(max_norm, norm_type):
    e, t = make_pair("Embedding", 10, 4, max_norm=max_norm, norm_type=norm_type, seed=5)
    idx = np.array([[1, 2, 2], [7, 0, 1]])
    check_module(e, t, idx)
    # the looked-up rows were rescaled in the weight itself; the others were not
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), rtol=2e-6, atol=2e-6)


def test_padding_row_zero_and_grad_zero():
    e = ember.nn.Embedding(5, 2, padding_idx=0)
    assert e.weight[0].tolist() == [0.0, 0.0]
    e(ember.tensor([0, 1, 1, 0])).sum().backward()
    assert e.weight.grad[:, 0].tolist() == [0.0, 2.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("freeze", [True, False])
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_from_pretrained(freeze, padding_idx):
    w = randn(4, 3)
    t = torch.nn.Embedding.from_pretrained(torch.from_numpy(w.copy()), freeze=freeze, padding_idx=padding_idx)
    e = ember.nn.Embedding.from_pretrained(ember.from_numpy(w.copy()), freeze=freeze, padding_idx=padding_idx)
    assert repr(e) == repr(t)
    assert_same_params(e, t)  # the padding row is not zeroed
    assert e.weight.requires_grad is (not freeze)
    check_module(e, t, np.array([[0, 1], [3, 1]]))


def test_from_pretrained_shares_storage():
    w = ember.randn(4, 3)
    e = ember.nn.Embedding.from_pretrained(w)
    with ember.no_grad():
        e.weight[0, 0] = 5.0
    assert w[0, 0].item() == 5.0


def test_custom_weight_via_weight_arg():
    w = randn(6, 2)
    t = torch.nn.Embedding(6, 2, _weight=torch.from_numpy(w.copy()))
    e = ember.nn.Embedding(6, 2, _weight=ember.from_numpy(w.copy()))
    assert_same_params(e, t)


def test_sparse_rejected_clearly():
    with pytest.raises(NotImplementedError, match="sparse"):
        ember.nn.Embedding(10, 3, sparse=True)
    with pytest.raises(NotImplementedError, match="sparse"):
        ember.nn.Embedding.from_pretrained(ember.randn(3, 2), sparse=True)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.Embedding(10, 3, padding_idx=10),
    lambda lib: lib.nn.Embedding(10, 3, padding_idx=-11),
    lambda lib: lib.nn.Embedding(10, 3)(lib.tensor([1.0, 2.0])),
    lambda lib: lib.nn.Embedding(10, 3)(lib.tensor([1, 10])),
    lambda lib: lib.nn.Embedding(10, 3)(lib.tensor([-1, 2])),
    lambda lib: lib.nn.Embedding(10, 3, _weight=lib.randn(3, 10)),
    lambda lib: lib.nn.Embedding.from_pretrained(lib.randn(10)),
    lambda lib: lib.nn.Embedding.from_pretrained(lib.randn(2, 3, 4)),
])
def test_errors(fn):
    check_error(fn)
