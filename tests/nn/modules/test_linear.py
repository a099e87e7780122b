"""Identity, Linear, Bilinear vs torch: init bits, reprs, forward/backward, errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import check_error

from ._module_compare import check_module, make_pair, randn, set_weights

DTYPES = ["float32", "float64"]


def test_linear_chapter_weights():
    # the seed chapter: manual_seed(42), randn(3), then Linear(3, 4)
    ember.manual_seed(42)
    ember.randn(3)
    layer = ember.nn.Linear(in_features=3, out_features=4)
    assert repr(layer.weight) == (
        "Parameter containing:\n"
        "tensor([[ 0.5090, -0.4236,  0.5018],\n"
        "        [ 0.1081,  0.4266,  0.0782],\n"
        "        [ 0.2784, -0.0815,  0.4451],\n"
        "        [ 0.0853, -0.2695,  0.1472]], requires_grad=True)")
    assert repr(layer.bias) == "Parameter containing:\ntensor([-0.2660, -0.0677, -0.2345,  0.3830], requires_grad=True)"


@pytest.mark.parametrize("shape", [(3, 4), (1, 1), (20, 7), (784, 30)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_init_bit_exact(shape, dtype):
    for seed in range(20):
        make_pair("Linear", *shape, seed=seed, dtype=dtype)
    make_pair("Linear", *shape, bias=False, dtype=dtype)


def test_linear_attributes():
    e = ember.nn.Linear(3, 4, bias=False)
    assert e.bias is None and [n for n, _ in e.named_parameters()] == ["weight"]
    assert (e.in_features, e.out_features) == (3, 4)
    assert e.weight.dtype == ember.float32 and e.weight.requires_grad
    assert ember.nn.Linear(3, 4, dtype=ember.float64).weight.dtype == ember.float64
    assert ember.nn.Linear(3, 4, device="cpu").weight.device == ember.device("cpu")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("in_shape", [(5,), (2, 5), (4, 2, 5), (2, 3, 1, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_forward_backward(dtype, in_shape, bias):
    e, t = make_pair("Linear", 5, 3, bias=bias, dtype=dtype, seed=1)
    for train in (True, False):
        check_module(e, t, randn(*in_shape, dtype=dtype), train=train)
    e.zero_grad()
    t.zero_grad()
    set_weights(t, e, seed=3)  # custom weights through load_state_dict
    check_module(e, t, randn(*in_shape, dtype=dtype, seed=2))


def test_linear_zero_in_features():
    for lib in (torch, ember):
        with pytest.warns(UserWarning, match="^Initializing zero-element tensors is a no-op$"):
            m = lib.nn.Linear(0, 5)
        out = m(lib.empty(2, 0))
        assert out.shape == (2, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e, t = make_pair("Linear", 0, 5)
    check_module(e, t, np.zeros((2, 0), np.float32), grad=False)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.Linear(4, 5)(lib.randn(2, 3)),
    lambda lib: lib.nn.Linear(4, 5)(lib.randn(2, 7, 3)),
    lambda lib: lib.nn.Linear(4, 5)(lib.randn(3)),
    lambda lib: lib.nn.Linear(4, 5)(lib.tensor(1.0)),
    lambda lib: lib.nn.Linear(3, 5)(lib.randn(2, 3, dtype=lib.float64)),
    lambda lib: lib.nn.Linear(3, 5)(lib.ones(2, 3, dtype=lib.int64)),
    lambda lib: lib.nn.Linear(3, 4).to("cuda"),
])
def test_linear_errors(fn):
    check_error(fn)


def test_identity():
    e, t = make_pair("Identity", 3, 4, foo="bar")
    x = ember.randn(2, 3)
    assert e(x) is x
    assert list(e.named_parameters()) == []


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear(dtype, bias):
    for seed in range(5):
        e, t = make_pair("Bilinear", 2, 3, 4, bias=bias, seed=seed, dtype=dtype)
    check_module(e, t, randn(5, 2, dtype=dtype), randn(5, 3, dtype=dtype, seed=1))
    check_module(e, t, randn(6, 5, 2, dtype=dtype), randn(6, 5, 3, dtype=dtype, seed=1), train=False)


def test_bilinear_errors():
    check_error(lambda lib: lib.nn.Bilinear(0, 3, 4))


def test_bilinear_batch_mismatch_error():
    check_error(lambda lib: lib.nn.Bilinear(2, 3, 4)(lib.randn(5, 2), lib.randn(4, 3)))
