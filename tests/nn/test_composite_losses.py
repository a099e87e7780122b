"""The losses torch composes from other ops (nn/_composite_losses.py), and soft_margin_loss: values, grads,
grad_fn names and errors against torch, as functions and as modules."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import check_error, check_op
from nn._cases import DTYPES, F, randn

REDUCTIONS = ["mean", "sum", "none"]


def _sign(*shape, seed=5, dtype=np.float64):
    return np.sign(randn(*shape, seed=seed, dtype=np.float64)).astype(dtype)


def _cases(dt):
    x, y = randn(3, 4, dtype=dt), randn(3, 4, dtype=dt, seed=1)
    t, t1, v = _sign(3, 4, dtype=dt), _sign(3, dtype=dt), (np.abs(randn(3, 4, dtype=dt, seed=2)) + 0.1).astype(dt)
    pos = np.abs(y)
    return {
        "margin_ranking": (lambda L, a, b, c, red: F(L).margin_ranking_loss(a, b, c, margin=0.3, reduction=red),
                           [x, y, (t, False)]),
        "hinge_embedding": (lambda L, a, c, red: F(L).hinge_embedding_loss(a, c, margin=0.5, reduction=red),
                            [x, (t, False)]),
        "soft_margin": (lambda L, a, c, red: F(L).soft_margin_loss(a, c, reduction=red), [x, (t, False)]),
        "poisson_log": (lambda L, a, c, red: F(L).poisson_nll_loss(a, c, reduction=red), [x, (pos, False)]),
        "poisson_full": (lambda L, a, c, red: F(L).poisson_nll_loss(a, c, log_input=False, full=True, reduction=red),
                         [(np.abs(x) + 0.1).astype(dt), ((pos * 3).astype(dt), False)]),
        "gaussian": (lambda L, a, b, c, red: F(L).gaussian_nll_loss(a, b, c, reduction=red), [x, y, v]),
        "gaussian_per_sample_var": (lambda L, a, b, c, red: F(L).gaussian_nll_loss(a, b, c, full=True,
                                                                                  reduction=red), [x, y, v[:, 0]]),
        "gaussian_var_column": (lambda L, a, b, c, red: F(L).gaussian_nll_loss(a, b, c, reduction=red),
                                [x, y, v[:, :1]]),
        "multilabel_soft_margin": (lambda L, a, c, red: F(L).multilabel_soft_margin_loss(a, c, reduction=red),
                                   [x, ((y > 0) * 1.0).astype(dt)]),
        "multilabel_soft_margin_weight": (lambda L, a, c, w, red: F(L).multilabel_soft_margin_loss(
            a, c, weight=w, reduction=red), [x, ((y > 0) * 1.0).astype(dt), (np.abs(y[0]), False)]),
        "triplet": (lambda L, a, b, c, red: F(L).triplet_margin_loss(a, b, c, reduction=red), [x, y, y * 0.5]),
        "triplet_swap_p1": (lambda L, a, b, c, red: F(L).triplet_margin_loss(a, b, c, p=1, swap=True,
                                                                             reduction=red), [x, y, y * 0.5]),
        "cosine_embedding": (lambda L, a, b, c, red: F(L).cosine_embedding_loss(a, b, c, margin=0.1, reduction=red),
                             [x, y, (t1, False)]),
    }


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(_cases(np.float64)))
def test_composite_loss(name, reduction, dtype):
    fn, inputs = _cases(dtype)[name]
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else {}
    check_op(lambda L, *a: fn(L, *a, reduction), inputs, **tol)


ERRORS = {
    "margin_ranking_dims": lambda L: F(L).margin_ranking_loss(L.ones(3, 4), L.ones(3, 4), L.ones(3)),
    "triplet_dims": lambda L: F(L).triplet_margin_loss(L.ones(3, 4), L.ones(3, 4), L.ones(4)),
    "gaussian_var_size": lambda L: F(L).gaussian_nll_loss(L.ones(3, 4), L.ones(3, 4), L.ones(2, 4)),
    "gaussian_var_negative": lambda L: F(L).gaussian_nll_loss(L.ones(3, 4), L.ones(3, 4), -L.ones(3, 4)),
    "gaussian_reduction": lambda L: F(L).gaussian_nll_loss(L.ones(3), L.ones(3), L.ones(3), reduction="avg"),
    "soft_margin_shapes": lambda L: F(L).soft_margin_loss(L.ones(3, 4), L.ones(3, 3)),
    # a target that broadcasts the input to a bigger shape (torch's result is shaped like the input; fuzz_nn)
    "soft_margin_grows_input": lambda L: F(L).soft_margin_loss(L.ones(4), L.ones(2, 4)),
    "soft_margin_grows_0d_input": lambda L: F(L).soft_margin_loss(L.ones(()), L.ones(2), reduction="none"),
    "reduction_name": lambda L: F(L).hinge_embedding_loss(L.ones(3), L.ones(3), reduction="avg"),
    "triplet_module_margin": lambda L: L.nn.TripletMarginLoss(margin=0),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_composite_loss_error(name):
    check_error(ERRORS[name])


MODULES = {
    "MarginRankingLoss": (dict(margin=0.2), 3), "HingeEmbeddingLoss": (dict(margin=0.5), 2),
    "SoftMarginLoss": ({}, 2), "PoissonNLLLoss": (dict(log_input=True), 2), "GaussianNLLLoss": (dict(full=True), 3),
    "MultiLabelSoftMarginLoss": ({}, 2), "TripletMarginLoss": (dict(swap=True, p=1.5), 3),
    "CosineEmbeddingLoss": (dict(margin=0.1), 3),
}


@pytest.mark.parametrize("name", list(MODULES))
def test_composite_loss_module(name):
    kwargs, n_args = MODULES[name]
    x, y = randn(3, 4, dtype=np.float64), randn(3, 4, dtype=np.float64, seed=1)
    third = {"MarginRankingLoss": _sign(3, 4), "GaussianNLLLoss": np.abs(y) + 0.1, "TripletMarginLoss": y * 0.5,
             "CosineEmbeddingLoss": _sign(3)}.get(name)
    second = {"HingeEmbeddingLoss": _sign(3, 4), "SoftMarginLoss": _sign(3, 4), "PoissonNLLLoss": np.abs(y),
              "MultiLabelSoftMarginLoss": (y > 0) * 1.0}.get(name, y)
    inputs = [x, (second, False)] + ([(third, False)] if n_args == 3 else [])
    t_mod, e_mod = getattr(torch.nn, name)(**kwargs), getattr(ember.nn, name)(**kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert {k: v for k, v in vars(e_mod).items() if not k.startswith("_")} == \
        {k: v for k, v in vars(t_mod).items() if not k.startswith("_")}
    check_op(lambda L, *a: (t_mod if L is torch else e_mod)(*a), inputs)
