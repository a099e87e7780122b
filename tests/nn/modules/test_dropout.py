"""Dropout layers vs torch: same seed -> same mask bits, train/eval, inplace, p validation."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import check_error

from ._module_compare import check_module, make_pair, randn

DTYPES = ["float32", "float64"]


@pytest.mark.parametrize("name,args,kwargs", [
    ("Dropout", (), {}), ("Dropout", (0,), {}), ("Dropout", (1,), {}), ("Dropout", (True,), {}),
    ("Dropout", (0.2,), dict(inplace=True)), ("Dropout1d", (), {}), ("Dropout2d", (0.3,), {}),
    ("Dropout3d", (0.25,), {}), ("AlphaDropout", (), {}), ("FeatureAlphaDropout", (0.1,), {}),
])
def test_repr(name, args, kwargs):
    e, t = make_pair(name, *args, **kwargs)
    assert e.p is args[0] if args else e.p == 0.5
    assert e.training is True


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5,), (3, 5), (2, 3, 17)])
def test_dropout_same_mask(p, dtype, shape):
    e, t = make_pair("Dropout", p)
    for seed in range(3):
        check_module(e, t, randn(*shape, dtype=dtype, seed=seed), seed=seed, train=True)


@pytest.mark.parametrize("name,shapes", [
    ("Dropout1d", [(4, 3, 5), (3, 5)]),
    ("Dropout2d", [(2, 3, 4, 5)]),
    ("Dropout3d", [(2, 3, 2, 4, 5), (3, 2, 4, 5)]),
    ("AlphaDropout", [(4, 6), (2, 3, 5)]),
    ("FeatureAlphaDropout", [(2, 3, 4, 5)]),
])
@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("dtype", DTYPES)
def test_channel_and_alpha_dropout(name, shapes, p, dtype):
    e, t = make_pair(name, p)
    for shape in shapes:
        for seed in range(2):
            check_module(e, t, randn(*shape, dtype=dtype, seed=seed), seed=seed, train=True)


@pytest.mark.parametrize("name,shape", [("Dropout", (2, 3, 4, 5)), ("Dropout1d", (2, 3, 4)), ("Dropout2d", (2, 3, 4, 5)),
                                        ("Dropout3d", (2, 3, 2, 4, 5)),
                                        ("AlphaDropout", (2, 3)),
                                        ("FeatureAlphaDropout", (2, 3, 4, 5))])
def test_eval_is_identity(name, shape):
    e, t = make_pair(name, 0.5)
    e.eval()
    t.eval()
    x = ember.randn(*shape)
    assert e(x) is x
    check_module(e, t, randn(*shape), train=False)


def test_chapter_sequence():
    # the chapter: a Dropout(0.5) used in train, eval, train mode on the same generator stream
    outs = []
    for lib in (torch, ember):
        lib.manual_seed(42)
        d = lib.nn.Dropout(p=0.5)
        x = lib.randn(5)
        res = [d(x), d(lib.randn(2, 3))]
        d.eval()
        res.append(d(x))
        d.train()
        res.append(d(x))
        outs.append([r.numpy().copy() for r in res] + [lib.rand(2).numpy()])
    for a, b in zip(*outs):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("name,shape", [("Dropout", (3, 5)), ("Dropout2d", (2, 3, 4, 4))])
def test_inplace(name, shape):
    e, t = make_pair(name, 0.4, inplace=True)
    xs = randn(*shape)
    xe, xt = ember.from_numpy(xs.copy()), torch.from_numpy(xs.copy())
    torch.manual_seed(7)
    ember.manual_seed(7)
    out_t, out_e = t(xt), e(xe)
    assert (out_t is xt) == (out_e is xe)
    assert np.array_equal(xe.numpy(), xt.numpy())
    check_module(e, t, xs, seed=3, nonleaf=True)  # in place on a non-leaf that requires grad


def test_dropout2d_3d_input_warning():
    for lib in (torch, ember):
        with pytest.warns(UserWarning):
            lib.nn.Dropout2d()(lib.randn(3, 4, 5))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.Dropout(-0.1),
    lambda lib: lib.nn.Dropout(1.5),
    lambda lib: lib.nn.Dropout2d(2),
    lambda lib: lib.nn.AlphaDropout(-1),
    lambda lib: lib.nn.Dropout("a"),
    lambda lib: lib.nn.functional.dropout(lib.randn(3), p=1.2),
    lambda lib: lib.nn.Dropout()(lib.tensor([1, 2, 3])),
    lambda lib: lib.nn.Dropout1d()(lib.randn(2, 3, 4, 5)),
])
def test_errors(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(fn)
