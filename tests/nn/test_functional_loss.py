import numpy as np
import pytest

from _compare import check_error, check_op
from nn._cases import DTYPES, F, randn

RED = ["mean", "sum", "none"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", RED)
def test_pointwise_losses(dtype, reduction):
    a, b = randn(4, 5, dtype=dtype, scale=2), randn(4, 5, dtype=dtype, seed=1, scale=2)
    check_op(lambda L, a, b: F(L).mse_loss(a, b, reduction=reduction), [a, b])
    check_op(lambda L, a, b: F(L).l1_loss(a, b, reduction=reduction), [a, b])
    check_op(lambda L, a, b: F(L).smooth_l1_loss(a, b, reduction=reduction, beta=0.5), [a, b])
    check_op(lambda L, a, b: F(L).huber_loss(a, b, reduction=reduction, delta=0.7), [a, b])
    p = 1 / (1 + np.exp(-a))
    t = np.random.default_rng(3).random((4, 5)).astype(dtype)
    w = np.random.default_rng(4).random(5).astype(dtype)
    check_op(lambda L, p, t: F(L).binary_cross_entropy(p, t, reduction=reduction), [p, (t, False)])
    check_op(lambda L, p, t, w: F(L).binary_cross_entropy(p, t, w, reduction=reduction), [p, (t, False), (w, False)])
    check_op(lambda L, x, t: F(L).binary_cross_entropy_with_logits(x, t, reduction=reduction), [a, t])
    check_op(lambda L, x, t, w, pw: F(L).binary_cross_entropy_with_logits(x, t, w, reduction=reduction, pos_weight=pw),
             [a, t, (w, False), (w * 3, False)])
    logq = np.log(p / p.sum(1, keepdims=True))
    check_op(lambda L, x, t: F(L).kl_div(x, t, reduction="batchmean" if reduction == "mean" else reduction),
             [logq, (t, False)], check_grad_fn=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", RED)
def test_cross_entropy(dtype, reduction):
    x = randn(6, 5, dtype=dtype, scale=2)
    t = np.array([1, 0, 4, 2, 2, 3])
    w = np.random.default_rng(1).random(5).astype(dtype)
    check_op(lambda L, x, t: F(L).cross_entropy(x, t, reduction=reduction), [x, t])
    check_op(lambda L, x, t, w: F(L).cross_entropy(x, t, w, reduction=reduction, ignore_index=2), [x, t, (w, False)])
    check_op(lambda L, x, t: F(L).cross_entropy(x, t, reduction=reduction, label_smoothing=0.1), [x, t])
    check_op(lambda L, x, t, w: F(L).cross_entropy(x, t, w, reduction=reduction, label_smoothing=0.2, ignore_index=4),
             [x, t, (w, False)])
    probs = np.random.default_rng(2).random((6, 5)).astype(dtype)
    probs /= probs.sum(1, keepdims=True)
    check_op(lambda L, x, p: F(L).cross_entropy(x, p, reduction=reduction), [x, (probs, False)])
    check_op(lambda L, x, p: F(L).cross_entropy(x, p, reduction=reduction, label_smoothing=0.3), [x, (probs, False)])
    check_op(lambda L, x, t: F(L).nll_loss(F(L).log_softmax(x, 1), t, reduction=reduction), [x, t])
    check_op(lambda L, x, t: F(L).cross_entropy(x, t, reduction=reduction), [randn(5, dtype=dtype), np.array(3)])


def test_cross_entropy_nd():
    check_op(lambda L, x, t: F(L).cross_entropy(x, t), [randn(2, 5, 3, 4), np.random.default_rng(0).integers(0, 5, (2, 3, 4))])


def test_loss_errors():
    x = lambda L: L.randn(3, 5)
    check_error(lambda L: F(L).cross_entropy(x(L), L.tensor([1, 0, 5])))
    check_error(lambda L: F(L).cross_entropy(x(L), L.tensor([1.0, 0, 4])), match_message=False)
    check_error(lambda L: F(L).cross_entropy(x(L), L.tensor([1, 0])))
    check_error(lambda L: F(L).nll_loss(x(L), L.tensor([1, 0, -3])))
    check_error(lambda L: F(L).cross_entropy(x(L), L.tensor([1, 0, 4]), reduction="foo"))
    check_error(lambda L: F(L).cross_entropy(x(L), L.tensor([1, 0, 4]), label_smoothing=1.5))
    check_error(lambda L: F(L).cross_entropy(x(L), L.tensor([1, 0, 4]), weight=L.ones(4)))
    check_error(lambda L: F(L).binary_cross_entropy(L.tensor([1.5]), L.tensor([1.0])))


def test_nll_loss_all_ignored_and_fast_paths():
    t = np.array([-100, -100])
    check_op(lambda L, x, t: F(L).nll_loss(x, t), [randn(2, 3), t])
    check_op(lambda L, x, t: F(L).nll_loss(x, t, reduction="none"), [randn(5), np.array(3)])
    check_op(lambda L, x, t: F(L).nll_loss(x, t, reduction="sum"), [randn(4, 3), np.array([0, 2, 2, 1], np.uint8)])
    check_op(lambda L, x, t: F(L).cross_entropy(x, t), [randn(300, 40), np.random.default_rng(1).integers(0, 40, 300)])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_loss_shapes_that_cannot_broadcast(name):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about the size difference first
        check_error(lambda L: getattr(F(L), name)(L.ones(2, 3), L.ones(4)))
