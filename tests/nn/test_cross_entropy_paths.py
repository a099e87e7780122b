"""cross_entropy / nll_loss against torch on the paths they take: the direct 2-D calls (few rows and general), the
row-blocked log_softmax underneath (more than 32768 logits), class weights, ignore_index, label smoothing,
probability targets, a total weight of 0 and empty batches; with torch's graph."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import check_op
from nn._cases import DTYPES, F, randn

RED = ["mean", "sum", "none"]
pytestmark = [pytest.mark.filterwarnings("error::RuntimeWarning")]


def targets(n, c, seed=0, ignore=None):
    t = np.random.default_rng(seed).integers(0, c, n)
    if ignore is not None:
        t[::5] = ignore
    return t


# few rows (nll_loss's Python-scalar path), more than 64 rows, and a blocked log_softmax (300 x 257 > 32768)
SHAPES = [(3, 5), (100, 7), (300, 257)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_plain(shape, reduction, dtype):
    n, c = shape
    check_op(lambda L, x, t: F(L).cross_entropy(x, t, reduction=reduction), [randn(n, c, dtype=dtype, scale=3),
                                                                              targets(n, c)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_weight_ignore_smoothing(shape, reduction, dtype):
    n, c = shape
    x, t = randn(n, c, dtype=dtype, scale=3), targets(n, c, ignore=-100)
    w = np.random.default_rng(1).random(c).astype(dtype)
    check_op(lambda L, x, t: F(L).cross_entropy(x, t, reduction=reduction), [x, t])
    check_op(lambda L, x, t, w: F(L).cross_entropy(x, t, w, reduction=reduction), [x, t, (w, False)])
    t2 = targets(n, c, seed=2)
    check_op(lambda L, x, t, w: F(L).cross_entropy(x, t, w, reduction=reduction, ignore_index=1,
                                                   label_smoothing=0.15), [x, t2, (w, False)])
    check_op(lambda L, x, t: F(L).nll_loss(F(L).log_softmax(x, 1), t, reduction=reduction, ignore_index=1),
             [x, t2])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", RED)
def test_probability_targets_blocked(reduction, dtype):
    x = randn(300, 257, dtype=dtype, scale=2)
    p = np.random.default_rng(3).random((300, 257)).astype(dtype)
    p /= p.sum(1, keepdims=True)
    check_op(lambda L, x, p: F(L).cross_entropy(x, p, reduction=reduction, label_smoothing=0.1), [x, (p, False)])


def test_extreme_logits():
    """Rows with -inf logits off the target, equal logits, a huge spread; float64 to torch's 1e-12."""
    x = randn(80, 9, dtype=np.float64, scale=3)
    x[1, 3:] = -np.inf
    x[2] = 4.0
    x[3] = np.linspace(-1e4, 1e4, 9)
    x[4] += 3e4
    t = targets(80, 9)
    t[1] = 0
    check_op(lambda L, x, t: F(L).cross_entropy(x, t), [x, t])
    check_op(lambda L, x, t: F(L).cross_entropy(x, t, reduction="none"), [x, t])


@pytest.mark.parametrize("n", [3, 100])
def test_zero_total_weight_is_nan_quietly(n):
    """Targets whose class weights are all 0: a nan loss and nan grads at the targets (inf * 0), as torch, and no
    NumPy warning; with every target ignored instead the grad is 0."""
    x = randn(n, 5)
    t = targets(n, 5)
    t[t >= 2] = 0
    w = np.array([0, 0, 1, 1, 1], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_op(lambda L, x, t, w: F(L).nll_loss(x, t, w), [x, t, (w, False)])
        check_op(lambda L, x, t, w: F(L).cross_entropy(x, t, w), [x, t, (w, False)])
        check_op(lambda L, x, t: F(L).cross_entropy(x, t), [x, np.full(n, -100)])


@pytest.mark.parametrize("reduction", RED)
def test_empty_batch(reduction):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_op(lambda L, x, t: F(L).cross_entropy(x, t, reduction=reduction), [randn(0, 5), np.zeros(0, np.int64)])


def test_nll_direct_cases():
    check_op(lambda L, x, t: F(L).nll_loss(x, t), [randn(7), np.array(3)])
    check_op(lambda L, x, t, w: F(L).nll_loss(x, t, w, reduction="sum"), [randn(7), np.array(3), (randn(7), False)])
    check_op(lambda L, x, t: F(L).nll_loss(x, t), [randn(4, 3), np.array([0, 2, 2, 1], np.uint8)])
    check_op(lambda L, x, t: F(L).nll_loss(x, t, reduction="none"), [randn(70, 3, dtype=np.float64),
                                                                     targets(70, 3, ignore=-100)])


@pytest.mark.parametrize("shape", [(3, 5), (300, 257), (5,)], ids=str)
def test_graph(shape):
    """cross_entropy is log_softmax then nll_loss: NllLossBackward0 with one edge, to LogSoftmaxBackward0."""
    got = []
    for L in (ember, torch):
        x = L.from_numpy(randn(*shape)).requires_grad_(True)
        t = L.tensor(2) if len(shape) == 1 else L.from_numpy(targets(shape[0], shape[1]))
        fn = F(L).cross_entropy(x, t).grad_fn
        nxt = fn.next_functions
        got.append((type(fn).__name__, [type(f).__name__ for f, _ in nxt],
                    [type(f).__name__ for f, _ in nxt[0][0].next_functions]))
    assert got[0] == got[1]


# the few-rows cross_entropy computes log_softmax and nll_loss in one call (nn/loss.py cross_entropy_rows) yet
# records torch's two nodes: these check what that call must keep of the two separate ops

def test_fused_rows_views_and_grad_modes():
    base = randn(6, 5, scale=3)
    t = targets(3, 5)
    check_op(lambda L, x, t: F(L).cross_entropy(x[3:], t), [base, t])          # a C-contiguous view at an offset
    check_op(lambda L, x, t: F(L).cross_entropy(x[:, :5:2] * 1, t), [randn(3, 9), targets(3, 3)])
    check_op(lambda L, x, t: F(L).cross_entropy(x.t(), t), [randn(5, 3), t])  # not contiguous: general path
    for L in (ember, torch):
        x = L.from_numpy(base[:3]).requires_grad_(True)
        with L.no_grad():
            out = F(L).cross_entropy(x, L.from_numpy(t))
        assert out.grad_fn is None and not out.requires_grad
        plain = F(L).cross_entropy(L.from_numpy(base[:3]), L.from_numpy(t))
        assert plain.grad_fn is None and not plain.requires_grad


def test_fused_rows_backward_twice_hooks_and_inplace_input():
    grads = []
    for L in (ember, torch):
        x = L.from_numpy(randn(4, 6, scale=2)).requires_grad_(True)
        t = L.from_numpy(targets(4, 6))
        loss = F(L).cross_entropy(x, t, reduction="sum")
        seen = []
        loss.grad_fn.register_hook(lambda gi, go: seen.append(gi[0].numpy().copy()))
        loss.grad_fn.next_functions[0][0].register_prehook(lambda go: seen.append(go[0].numpy().copy()))
        with L.no_grad():
            x.mul_(2)  # log_softmax's backward needs only its result: changing the input is no error
        loss.backward(retain_graph=True)
        loss.backward()
        grads.append((x.grad.numpy().copy(), seen))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=2e-6, atol=2e-6)
    assert len(grads[0][1]) == len(grads[1][1]) == 4
    for a, b in zip(grads[0][1], grads[1][1]):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("bad", [[0, 5, 1], [0, -1, 1], [0, -100, 1]])
def test_fused_rows_falls_back_for_ignored_and_bad_targets(bad):
    # out-of-range targets raise torch's error from the general path; an ignored one is skipped there
    if -100 in bad:
        check_op(lambda L, x, t: F(L).cross_entropy(x, t), [randn(3, 5), np.array(bad)])
    errs = []
    for L in (ember, torch):
        try:
            F(L).cross_entropy(L.from_numpy(randn(3, 5)), L.tensor(bad))
            errs.append(None)
        except Exception as e:  # noqa: BLE001
            errs.append(type(e).__name__)
    assert errs[0] == errs[1]


def test_fused_rows_batch_mismatch_error():
    for L in (ember, torch):
        with pytest.raises(ValueError, match="Expected input batch_size"):
            F(L).cross_entropy(L.from_numpy(randn(3, 5)), L.tensor([0, 1]))
