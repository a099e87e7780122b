"""multi_margin_loss / multilabel_margin_loss and nn.MultiMarginLoss / nn.MultiLabelMarginLoss against torch:
values and grads to the bit (torch's CPU summation order), nodes, reprs, errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error, check_op

EXACT = dict(rtol=0, atol=0)


def _t(lib, a):
    return lib.from_numpy(np.ascontiguousarray(a).copy())


def _scores(shape, dtype, seed, scale=1.3):
    return np.asarray(np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


MULTI_SHAPES = [(5, 4), (7, 10), (3, 1), (1, 6), (4, 40), (4,), ()]


def _class_target(shape, seed, zero_d=False):
    rng = np.random.default_rng(seed + 100)
    c = shape[-1] if shape else 1
    if len(shape) == 2:
        return rng.integers(0, c, shape[0])
    t = rng.integers(0, c, 1)
    return t[0] if zero_d else t


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("shape", MULTI_SHAPES)
def test_multi_margin_loss(shape, p, reduction, dtype):
    for seed, weighted, margin, zero_d in ((0, False, 1.0, False), (1, True, 0.7, True), (2, True, 2.5, False)):
        x = _scores(shape, dtype, seed)
        t = np.asarray(_class_target(shape, seed, zero_d), np.int64)
        w = np.random.default_rng(seed).random(shape[-1] if shape else 1).astype(dtype) if weighted else None
        check_op(lambda lib, x, t: lib.nn.functional.multi_margin_loss(
            x, t, p=p, margin=margin, weight=None if w is None else _t(lib, w), reduction=reduction), [x, t], **EXACT)


def _label_target(shape, seed):
    rng = np.random.default_rng(seed + 200)
    c = shape[-1] if shape else 1
    n = shape[0] if len(shape) == 2 else 1
    y = rng.integers(-1, c, (n, c))     # rows end at their first -1; repeats count again
    return y if len(shape) == 2 else y[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("shape", MULTI_SHAPES)
def test_multilabel_margin_loss(shape, reduction, dtype):
    for seed in range(3):
        x = _scores(shape, dtype, seed, 0.8)
        y = _label_target(shape, seed)
        check_op(lambda lib, x, y: lib.nn.functional.multilabel_margin_loss(x, y, reduction=reduction), [x, y],
                 **EXACT)


def test_margin_loss_special_rows():
    x = np.array([[0.1, 0.9, -0.3, 0.4], [2.0, -1.0, 0.5, 0.5], [0.0, 0.0, 0.0, 0.0]])
    y = np.array([[1, 1, 3, -1], [-1, 0, 1, 2], [0, 1, 2, 3]])   # a repeat; an empty row; every class a target
    check_op(lambda lib, x, y: lib.nn.functional.multilabel_margin_loss(x, y, reduction="none"), [x, y], **EXACT)
    check_op(lambda lib, x, y: lib.nn.functional.multilabel_margin_loss(x, y), [x, y], **EXACT)
    t = np.array([1, 0, 3])
    check_op(lambda lib, x, t: lib.nn.functional.multi_margin_loss(x, t, margin=float("nan")), [x, t], **EXACT)
    check_op(lambda lib, x, t: lib.nn.functional.multi_margin_loss(x, t, margin=ember.tensor(0.5) if lib is ember
                                                                   else torch.tensor(0.5)), [x, t], **EXACT)


def test_margin_loss_legacy_reduction():
    x, t, y = _scores((3, 4), np.float64, 0), np.array([0, 3, 1]), _label_target((3, 4), 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kw in (dict(size_average=False), dict(reduce=False), dict(size_average=True, reduce=True)):
            check_op(lambda lib, x, t: lib.nn.functional.multi_margin_loss(x, t, **kw), [x, t], **EXACT)
            check_op(lambda lib, x, y: lib.nn.functional.multilabel_margin_loss(x, y, **kw), [x, y], **EXACT)
            check_op(lambda lib, x, t: lib.nn.MultiMarginLoss(**kw)(x, t), [x, t], **EXACT)


def test_margin_loss_nodes():
    x = _scores((3, 4), np.float32, 0)
    for lib in (ember, torch):
        xt = _t(lib, x).requires_grad_()
        w = _t(lib, np.ones(4, np.float32))
        a = lib.nn.functional.multi_margin_loss(xt, _t(lib, np.array([0, 1, 2])), weight=w)
        b = lib.nn.functional.multilabel_margin_loss(xt, _t(lib, _label_target((3, 4), 0)))
        assert a.grad_fn.name() == "MultiMarginLossBackward0" and len(a.grad_fn.next_functions) == 1
        assert b.grad_fn.name() == "MultilabelMarginLossBackward0" and len(b.grad_fn.next_functions) == 1


def test_margin_loss_empty_batch():
    # torch leaves these outputs uninitialised (arbitrary numbers); ember gives nan for a mean, 0 for a sum
    F = ember.nn.functional
    x, t, y = ember.zeros(0, 4), ember.zeros(0, dtype=ember.int64), ember.zeros(0, 4, dtype=ember.int64)
    assert F.multi_margin_loss(x, t).isnan().item() and F.multi_margin_loss(x, t, reduction="sum").item() == 0
    assert F.multilabel_margin_loss(x, y).isnan().item() and F.multilabel_margin_loss(x, y, reduction="sum").item() == 0
    assert tuple(F.multi_margin_loss(x, t, reduction="none").shape) == (0,)
    assert tuple(F.multilabel_margin_loss(x, y, reduction="none").shape) == (0,)
    check_op(lambda lib, x, t: lib.nn.functional.multi_margin_loss(x, t, reduction="none"),
             [np.zeros((0, 4)), np.zeros(0, np.int64)])


def _err(name, x, t, **kw):
    def run(lib):
        kw2 = {k: (_t(lib, v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        return getattr(lib.nn.functional, name)(_t(lib, x), _t(lib, t), **kw2)
    check_error(run)


def test_multi_margin_loss_errors():
    x = _scores((3, 4), np.float32, 0)
    t = np.array([0, 1, 3])
    _err("multi_margin_loss", x, t, p=3)
    _err("multi_margin_loss", x, t, weight=np.ones((2, 2), np.float32))
    _err("multi_margin_loss", x, t, weight=np.ones((), np.float32))
    _err("multi_margin_loss", x, t, weight=np.ones(3, np.float32))
    _err("multi_margin_loss", x, t, weight=np.ones(4, np.float64))
    _err("multi_margin_loss", x, t, weight=np.ones(4, np.int64))
    _err("multi_margin_loss", x, t.astype(np.int32))
    _err("multi_margin_loss", x, t.astype(np.float32))
    _err("multi_margin_loss", x, np.array([0, 1, 4]))
    _err("multi_margin_loss", x, np.array([0, -1, 1]))
    _err("multi_margin_loss", x, np.array([0, 1]))
    _err("multi_margin_loss", x, t[None])
    _err("multi_margin_loss", x[None], t)
    _err("multi_margin_loss", x[:, :0], t)
    _err("multi_margin_loss", x[0], np.array([[1]]))
    _err("multi_margin_loss", x[0, 0], np.array(1))
    _err("multi_margin_loss", x.astype(np.int64), t)
    _err("multi_margin_loss", x.astype(np.float16), t)
    _err("multi_margin_loss", x, t, reduction="bad")
    check_error(lambda lib: lib.nn.functional.multi_margin_loss(
        _t(lib, x), _t(lib, t), weight=_t(lib, np.ones(4, np.float32)).requires_grad_()))


def test_multilabel_margin_loss_errors():
    x = _scores((3, 4), np.float32, 0)
    y = np.array([[0, 1, -1, 2], [3, -1, 0, 0], [2, 2, -1, 1]])
    _err("multilabel_margin_loss", x, y + 3 * (y == 3))          # a class past the end, after a -1 too
    _err("multilabel_margin_loss", x, y - 2)                     # below -1
    _err("multilabel_margin_loss", x, y[:, :3])
    _err("multilabel_margin_loss", x, y[0])
    _err("multilabel_margin_loss", x[0], y[0, :3])
    _err("multilabel_margin_loss", x[0], y[:1])
    _err("multilabel_margin_loss", x[0, 0], np.array([[0]]))
    _err("multilabel_margin_loss", x, y[:2])
    _err("multilabel_margin_loss", x, y.astype(np.int32))
    _err("multilabel_margin_loss", x, y.astype(np.float32))
    _err("multilabel_margin_loss", x[None], y)
    _err("multilabel_margin_loss", x[:, :0], y[:, :0])
    _err("multilabel_margin_loss", x[:0], y)
    _err("multilabel_margin_loss", x.astype(np.int64), y)
    _err("multilabel_margin_loss", x.astype(np.float16), y)
    _err("multilabel_margin_loss", x, y, reduction="bad")


def test_margin_loss_modules():
    w = np.random.default_rng(0).random(4)
    for lib_args in ((), (2, 0.5), (1, 1.0, "w")):
        def build(lib):
            args = [a if a != "w" else _t(lib, w) for a in lib_args]
            return lib.nn.MultiMarginLoss(*args)
        e, t = build(ember), build(torch)
        assert repr(e) == repr(t)
        assert list(e.state_dict()) == list(t.state_dict())
        assert (e.p, e.margin, e.reduction) == (t.p, t.margin, t.reduction)
    assert repr(ember.nn.MultiLabelMarginLoss(reduction="sum")) == repr(torch.nn.MultiLabelMarginLoss(reduction="sum"))
    check_error(lambda lib: lib.nn.MultiMarginLoss(p=3))
    check_error(lambda lib: lib.nn.MultiMarginLoss(weight=_t(lib, np.ones((2, 2)))))
    x, t, y = _scores((5, 4), np.float64, 3), np.array([0, 3, 1, 1, 2]), _label_target((5, 4), 3)
    check_op(lambda lib, x, t: lib.nn.MultiMarginLoss(p=2, margin=0.5, weight=_t(lib, w), reduction="sum")(x, t),
             [x, t], **EXACT)
    check_op(lambda lib, x, y: lib.nn.MultiLabelMarginLoss(reduction="none")(x, y), [x, y], **EXACT)
