"""Loss layers vs torch: reprs, every reduction, weights, grads of input (and target), errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import check_error

from ._module_compare import check_module, make_pair, randn

DTYPES = ["float32", "float64"]
REDUCTIONS = ["mean", "sum", "none"]


def _labels(*shape, classes=5, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, classes, shape).astype(np.int64)


def _probs(*shape, dtype="float32", seed=0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.05, 0.95, shape).astype(dtype)


def _pair_with_weight(name, weight: np.ndarray | None, **kwargs):
    t = getattr(torch.nn, name)(weight=None if weight is None else torch.from_numpy(weight.copy()), **kwargs)
    e = getattr(ember.nn, name)(weight=None if weight is None else ember.from_numpy(weight.copy()), **kwargs)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    return e, t


@pytest.mark.parametrize("name", ["L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
                                  "CrossEntropyLoss", "NLLLoss", "KLDivLoss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_repr_and_attributes(name, reduction):
    e, t = make_pair(name, reduction=reduction)
    assert e.reduction == t.reduction == reduction
    assert repr(e) == f"{name}()"


@pytest.mark.parametrize("name,kwargs", [("L1Loss", {}), ("MSELoss", {}), ("SmoothL1Loss", {}),
                                         ("SmoothL1Loss", dict(beta=0.5)), ("HuberLoss", dict(delta=0.7))])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_regression_losses(name, kwargs, reduction, dtype):
    e, t = make_pair(name, reduction=reduction, **kwargs)
    for shape in [(4,), (3, 5), (2, 3, 4)]:
        check_module(e, t, randn(*shape, dtype=dtype), randn(*shape, dtype=dtype, seed=1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce(reduction, dtype, weighted):
    w = _probs(3, 4, dtype=dtype, seed=5) if weighted else None
    e, t = _pair_with_weight("BCELoss", w, reduction=reduction)
    check_module(e, t, _probs(3, 4, dtype=dtype), (_probs(3, 4, dtype=dtype, seed=1), False))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted,pos_weighted", [(False, False), (True, False), (False, True), (True, True)])
def test_bce_with_logits(reduction, dtype, weighted, pos_weighted):
    kw_t, kw_e = {}, {}
    if weighted:
        w = _probs(4, dtype=dtype, seed=2)
        kw_t["weight"], kw_e["weight"] = torch.from_numpy(w.copy()), ember.from_numpy(w.copy())
    if pos_weighted:
        pw = _probs(4, dtype=dtype, seed=3) * 3
        kw_t["pos_weight"], kw_e["pos_weight"] = torch.from_numpy(pw.copy()), ember.from_numpy(pw.copy())
    t = torch.nn.BCEWithLogitsLoss(reduction=reduction, **kw_t)
    e = ember.nn.BCEWithLogitsLoss(reduction=reduction, **kw_e)
    assert list(e.state_dict()) == list(t.state_dict())
    check_module(e, t, randn(3, 4, dtype=dtype) * 4, (_probs(3, 4, dtype=dtype, seed=1), False))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", [{}, dict(ignore_index=2), dict(label_smoothing=0.1), dict(weight=True),
                                    dict(weight=True, ignore_index=1, label_smoothing=0.2)])
def test_cross_entropy_class_indices(reduction, dtype, kwargs):
    kwargs = dict(kwargs)
    w = _probs(5, dtype=dtype, seed=9) if kwargs.pop("weight", False) else None
    e, t = _pair_with_weight("CrossEntropyLoss", w, reduction=reduction, **kwargs)
    check_module(e, t, randn(6, 5, dtype=dtype), _labels(6))
    check_module(e, t, randn(2, 5, 3, 4, dtype=dtype), _labels(2, 3, 4))  # (N, C, d1, d2)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", [{}, dict(ignore_index=2), dict(label_smoothing=0.1),
                                    dict(weight=True), dict(weight=True, ignore_index=1, label_smoothing=0.2)])
def test_cross_entropy_unbatched(reduction, dtype, kwargs):
    kwargs = dict(kwargs)
    w = _probs(5, dtype=dtype, seed=9) if kwargs.pop("weight", False) else None
    e, t = _pair_with_weight("CrossEntropyLoss", w, reduction=reduction, **kwargs)
    check_module(e, t, randn(5, dtype=dtype), _labels(classes=5).reshape(()))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_probabilities(reduction, dtype, label_smoothing):
    e, t = make_pair("CrossEntropyLoss", reduction=reduction, label_smoothing=label_smoothing)
    target = _probs(4, 5, dtype=dtype, seed=1)
    target /= target.sum(1, keepdims=True)
    check_module(e, t, randn(4, 5, dtype=dtype), target)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", [{}, dict(ignore_index=0), dict(weight=True)])
def test_nll_loss(reduction, dtype, kwargs):
    kwargs = dict(kwargs)
    w = _probs(5, dtype=dtype, seed=4) if kwargs.pop("weight", False) else None
    e, t = _pair_with_weight("NLLLoss", w, reduction=reduction, **kwargs)
    logp = randn(6, 5, dtype=dtype)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    check_module(e, t, logp, _labels(6))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_nll_loss_3d(reduction, dtype):
    e, t = make_pair("NLLLoss", reduction=reduction)
    check_module(e, t, randn(2, 5, 3, dtype=dtype), _labels(2, 3))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    e, t = make_pair("KLDivLoss", reduction=reduction, log_target=log_target)
    target = _probs(3, 4, seed=1)
    check_module(e, t, np.log(_probs(3, 4)), np.log(target) if log_target else target)


@pytest.mark.parametrize("size_average,reduce", [(False, None), (None, False), (True, True), (False, True)])
def test_legacy_reduction_args(size_average, reduce):
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        t = torch.nn.MSELoss(size_average=size_average, reduce=reduce)
    with warnings.catch_warnings(record=True) as we:
        warnings.simplefilter("always")
        e = ember.nn.MSELoss(size_average=size_average, reduce=reduce)
    assert e.reduction == t.reduction
    assert [str(w.message) for w in we] == [str(w.message) for w in wt]


def test_mse_broadcast_warning():
    for lib in (torch, ember):
        with pytest.warns(UserWarning, match="Using a target size"):
            lib.nn.MSELoss()(lib.randn(3, 1), lib.randn(3))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.MSELoss(reduction="bad")(lib.randn(3), lib.randn(3)),
    lambda lib: lib.nn.CrossEntropyLoss()(lib.randn(3, 5), lib.tensor([0, 5, 1])),
    lambda lib: lib.nn.CrossEntropyLoss()(lib.randn(3, 5), lib.tensor([0, 1])),
    lambda lib: lib.nn.CrossEntropyLoss()(lib.randn(3, 5), lib.tensor([0.0, 1.0, 2.0])),
    lambda lib: lib.nn.NLLLoss()(lib.randn(3, 5), lib.tensor([0, -1, 1])),
    lambda lib: lib.nn.BCELoss()(lib.tensor([0.5, 1.5]), lib.tensor([0.0, 1.0])),
    lambda lib: lib.nn.BCELoss()(lib.rand(2, 3), lib.rand(3)),
    lambda lib: lib.nn.HuberLoss(delta="1"),
])
def test_errors(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(fn)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("distance", [None, "cosine", "functional"])
def test_triplet_margin_with_distance_loss(reduction, swap, distance):
    def make(lib):
        fn = {None: None, "cosine": lambda a, b: 1 - lib.nn.functional.cosine_similarity(a, b),
              "functional": lib.nn.functional.pairwise_distance}[distance]
        return lib.nn.TripletMarginWithDistanceLoss(distance_function=fn, margin=0.5, swap=swap, reduction=reduction)
    e_mod, t_mod = make(ember), make(torch)
    assert repr(e_mod) == repr(t_mod)
    a, p, n = randn(5, 4), randn(5, 4, seed=1), randn(5, 4, seed=2)
    e_in = [ember.from_numpy(x.copy()).requires_grad_() for x in (a, p, n)]
    t_in = [torch.from_numpy(x.copy()).requires_grad_() for x in (a, p, n)]
    e_out, t_out = e_mod(*e_in), t_mod(*t_in)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    e_out.sum().backward()
    t_out.sum().backward()
    for e, t in zip(e_in, t_in):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("call", [
    lambda L: L.nn.TripletMarginWithDistanceLoss(margin=0.0),
    lambda L: L.nn.TripletMarginWithDistanceLoss(reduction="avg")(L.zeros(2, 3), L.zeros(2, 3), L.zeros(2, 3)),
    lambda L: L.nn.TripletMarginWithDistanceLoss()(L.zeros(2, 3), L.zeros(3), L.zeros(2, 3)),
    lambda L: L.nn.TripletMarginWithDistanceLoss(1.0),
])
def test_triplet_margin_with_distance_loss_errors(call):
    outcomes = []
    for lib in (torch, ember):
        try:
            call(lib)
            outcomes.append("ok")
        except Exception as e:  # noqa: BLE001 - the error is what is compared
            outcomes.append((type(e).__name__, str(e)))
    assert outcomes[0] == outcomes[1]
