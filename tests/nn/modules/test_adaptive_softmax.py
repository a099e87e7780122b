"""nn.AdaptiveLogSoftmaxWithLoss vs torch: init bits and repr, forward's (output, loss) with every grad and the
same graph, unbatched and single-row input, log_prob, predict, and torch's errors for bad cutoffs and targets."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error

from ._module_compare import make_pair


def _graph(fn):
    if fn is None:
        return None
    return fn.name().replace("torch::autograd::", ""), [_graph(f) for f, _ in fn.next_functions]


def _tol(dtype):
    return dict(rtol=1e-12, atol=1e-12) if dtype == "float64" else dict(rtol=2e-5, atol=2e-6)


CONFIGS = [
    dict(args=(16, 20, [4, 10, 15]), kw=dict(div_value=2.0, head_bias=True)),
    dict(args=(12, 30, (5,)), kw={}),
    dict(args=(32, 50, [10, 20, 49]), kw=dict(div_value=4.0)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=["3-clusters-bias", "1-cluster", "wide"])
def test_forward_backward(dtype, cfg):
    e, t = make_pair("AdaptiveLogSoftmaxWithLoss", *cfg["args"], seed=1, dtype=dtype, **cfg["kw"])
    in_features, n_classes = cfg["args"][:2]
    rng = np.random.default_rng(2)
    x = rng.standard_normal((11, in_features)).astype(dtype)
    y = rng.integers(0, n_classes, 11)
    firsts = [0, *cfg["args"][2]]  # a row in every cluster, so every tail gets a grad
    y[:len(firsts) + 1] = [*firsts, n_classes - 1]
    xs = {lib: lib.tensor(x, requires_grad=True) for lib in (ember, torch)}
    eo, to = e(xs[ember], ember.tensor(y)), t(xs[torch], torch.tensor(y))
    assert type(eo).__name__ == "_ASMoutput" and eo._fields == ("output", "loss")
    assert_same(eo.output, to.output, **_tol(dtype))
    assert_same(eo.loss, to.loss, **_tol(dtype))
    assert _graph(eo.loss.grad_fn) == _graph(to.loss.grad_fn)
    go = rng.standard_normal(11).astype(dtype)
    for lib, o in ((ember, eo), (torch, to)):
        (o.loss * 3 + (o.output * lib.tensor(go)).sum()).backward()
    assert_same(xs[ember].grad, xs[torch].grad, check_grad_fn=False, **_tol(dtype))
    ep, tp = dict(e.named_parameters()), dict(t.named_parameters())
    for k in tp:
        assert tp[k].grad is not None
        assert_same(ep[k].grad, tp[k].grad, check_grad_fn=False, what=k, **_tol(dtype))


@pytest.mark.parametrize("target", [0, 7, 19])
def test_unbatched_and_single_row(target):
    e, t = make_pair("AdaptiveLogSoftmaxWithLoss", 8, 20, [3, 9], seed=3, dtype="float64")
    x = np.random.default_rng(4).standard_normal(8)
    for shape, tgt in (((8,), np.array(target)), ((1, 8), np.array([target]))):
        xs = {lib: lib.tensor(x.reshape(shape), requires_grad=True) for lib in (ember, torch)}
        eo, to = e(xs[ember], ember.tensor(tgt)), t(xs[torch], torch.tensor(tgt))
        assert_same(eo.output, to.output)
        assert_same(eo.loss, to.loss)
        eo.loss.backward()
        to.loss.backward()
        assert_same(xs[ember].grad, xs[torch].grad, check_grad_fn=False)
    # a tail no row reaches gets no grad at all, as in torch
    for (k, a), (_, b) in zip(e.named_parameters(), t.named_parameters()):
        assert (a.grad is None) == (b.grad is None), k


def test_empty_batch():
    e, t = make_pair("AdaptiveLogSoftmaxWithLoss", 8, 10, [3], seed=5)
    eo = e(ember.zeros(0, 8), ember.zeros(0, dtype=ember.int64))
    to = t(torch.zeros(0, 8), torch.zeros(0, dtype=torch.int64))
    assert_same(eo.output, to.output)
    assert_same(eo.loss, to.loss)  # the mean of nothing: nan


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_prob_and_predict(dtype):
    e, t = make_pair("AdaptiveLogSoftmaxWithLoss", 10, 25, [2, 8, 16], seed=6, dtype=dtype, head_bias=True)
    x = np.random.default_rng(7).standard_normal((40, 10)).astype(dtype) * 3
    xs = {lib: lib.tensor(x, requires_grad=True) for lib in (ember, torch)}
    elp, tlp = e.log_prob(xs[ember]), t.log_prob(xs[torch])
    assert_same(elp, tlp, **_tol(dtype))
    g = np.random.default_rng(8).standard_normal(tlp.shape).astype(dtype)
    elp.backward(ember.tensor(g))
    tlp.backward(torch.tensor(g))
    assert_same(xs[ember].grad, xs[torch].grad, check_grad_fn=False, **_tol(dtype))
    with torch.no_grad(), ember.no_grad():
        # rows going every way through predict: all shortlist, all clusters, mixed
        pred_t = t.predict(torch.tensor(x))
        head = t.head(torch.tensor(x)).argmax(1) >= 2
        for rows in (~head, head, slice(None)):
            np.testing.assert_array_equal(e.predict(ember.tensor(x[rows.numpy() if not isinstance(rows, slice)
                                                                       else rows])).numpy(),
                                          t.predict(torch.tensor(x[rows.numpy() if not isinstance(rows, slice)
                                                                   else rows])).numpy())
        assert head.any() and (~head).any()
        np.testing.assert_array_equal(e.predict(ember.tensor(x)).numpy(), pred_t.numpy())


def test_init_order_and_reset():
    e, t = make_pair("AdaptiveLogSoftmaxWithLoss", 64, 1000, [100, 400], seed=9)
    torch.manual_seed(10)
    t.reset_parameters()
    ember.manual_seed(10)
    e.reset_parameters()
    for (k, a), (_, b) in zip(e.state_dict().items(), t.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy()), k
    assert (e.in_features, e.n_classes, e.cutoffs, e.div_value, e.head_bias, e.shortlist_size, e.n_clusters,
            e.head_size) == (t.in_features, t.n_classes, t.cutoffs, t.div_value, t.head_bias, t.shortlist_size,
                             t.n_clusters, t.head_size)


@pytest.mark.parametrize("cutoffs", [[], [5, 3], [0, 3], [3, 10], [3, 3], [2.5], [-1]])
def test_bad_cutoffs(cutoffs):
    check_error(lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs))


@pytest.mark.parametrize("x_shape,target", [
    ((4, 8), [0, 1, 10, 2]), ((4, 8), [0, 1, -1, 2]), ((4, 8), [0, 1, 2]), ((4, 8, 1), [0, 1, 2, 3]),
    ((4, 8), 3), ((8,), [3]), ((4, 8), [[3]]),
])
def test_bad_targets(x_shape, target):
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6])
        return m(lib.zeros(*x_shape), lib.tensor(target))
    check_error(fn, match_message=True)
