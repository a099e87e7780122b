"""F.ctc_loss / nn.CTCLoss vs torch: losses, grads (finite and infinite losses, zero_infinity, repeated labels, any
blank, empty targets, padded or concatenated targets, tensor or int-sequence lengths, unbatched input), the
grad_fn graph around CtcLossBackward0, and torch's errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import check_error

DTYPES = ["float32", "float64"]
REDUCTIONS = ["none", "sum", "mean"]


def _log_probs(T, N, C, dtype, seed=0, batched=True):
    x = np.random.default_rng(seed).standard_normal((T, N, C) if batched else (T, C)).astype(dtype)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def _targets(N, S, C, blank=0, seed=1):
    t = np.random.default_rng(seed).integers(0, C, (N, S))
    t[t == blank] = (blank + 1) % C
    return t


def _graph(fn):
    """The names along a grad_fn graph, as nested (name, children) pairs (None for an empty edge)."""
    if fn is None:
        return None
    name = fn.name().replace("torch::autograd::", "")
    return name, [_graph(f) for f, _ in fn.next_functions]


def _compare(lp, targets, il, tl, *, as_tensors=True, seed=5, **kw):
    """Loss and grad of log_probs in ember and torch; the grad tolerance follows the loss's size (the gradient is
    exp(lp) - exp(collected + loss - lp), so an ulp of the loss is a relative error of the gradient)."""
    out = {}
    for lib in (torch, ember):
        x = lib.tensor(lp, requires_grad=True)
        tg = lib.tensor(targets)
        a, b = (lib.tensor(il), lib.tensor(tl)) if as_tensors else (il, tl)
        loss = lib.nn.functional.ctc_loss(x, tg, a, b, **kw)
        go = np.random.default_rng(seed).standard_normal(tuple(loss.shape)).astype(lp.dtype)
        loss.backward(lib.tensor(go))
        out[lib] = loss, x.grad
    (el, eg), (tl_, tgr) = out[ember], out[torch]
    assert str(el.dtype) == str(tl_.dtype) and tuple(el.shape) == tuple(tl_.shape)
    assert _graph(el.grad_fn) == _graph(tl_.grad_fn)
    a, b = el.detach().numpy(), tl_.detach().numpy()
    eps = np.finfo(lp.dtype).eps
    np.testing.assert_allclose(a, b, rtol=4 * eps, atol=0, equal_nan=True)
    assert (np.signbit(a) == np.signbit(b)).all()  # -0.0 for an empty target over no input steps
    ga, gb = eg.numpy(), tgr.numpy()
    assert np.array_equal(np.isnan(ga), np.isnan(gb))
    finite = np.isfinite(gb)
    scale = np.abs(gb[finite]).max() if finite.any() else 0
    size = max(1.0, float(np.nanmax(np.abs(np.where(np.isfinite(b), b, 0)))))
    tol = 1e-10 if lp.dtype == np.float64 else 8 * eps * size
    np.testing.assert_allclose(ga[finite], gb[finite], rtol=tol, atol=tol * scale)
    return el, tl_


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_padded_targets(dtype, reduction, zero_infinity):
    T, N, C, S = 12, 4, 6, 5
    _compare(_log_probs(T, N, C, dtype), _targets(N, S, C), np.array([12, 11, 9, 7]), np.array([5, 3, 4, 1]),
             reduction=reduction, zero_infinity=zero_infinity)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_concatenated_targets_and_int_lengths(dtype, reduction):
    T, N, C = 10, 3, 7
    tl = [4, 2, 3]
    flat = _targets(1, sum(tl), C, seed=3)[0]
    lp = _log_probs(T, N, C, dtype, seed=2)
    _compare(lp, flat, np.array([10, 8, 9]), np.array(tl), reduction=reduction)
    _compare(lp, flat, (10, 8, 9), (4, 2, 3), as_tensors=False, reduction=reduction)
    _compare(lp, _targets(N, 4, C), [10, 8, 9], [4, 2, 3], as_tensors=False, reduction=reduction)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_impossible_alignments(dtype, zero_infinity, reduction):
    # sample 1 needs 4 steps for "2 2" (a blank between the repeats) but has 3; sample 2 has no steps at all;
    # sample 3 has no steps and an empty target (loss -0.0)
    T, N, C = 6, 4, 4
    targets = np.array([[1, 2, 3], [2, 2, 0], [1, 0, 0], [0, 0, 0]])
    _compare(_log_probs(T, N, C, dtype, seed=4), targets, np.array([6, 3, 0, 0]), np.array([3, 2, 1, 0]),
             reduction=reduction, zero_infinity=zero_infinity)


@pytest.mark.parametrize("dtype", DTYPES)
def test_repeated_labels_and_tight_lengths(dtype):
    T, N, C = 9, 4, 3
    targets = np.array([[1, 1, 1, 1], [2, 2, 1, 1], [1, 2, 2, 1], [1, 1, 2, 2]])
    # 4 repeated labels need exactly 7 steps; the others have room to spare or none
    _compare(_log_probs(T, N, C, dtype, seed=6), targets, np.array([7, 9, 6, 8]), np.array([4, 4, 4, 4]),
             reduction="none")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("blank", [1, 4])
def test_blank_elsewhere(dtype, blank):
    T, N, C, S = 11, 3, 5, 4
    _compare(_log_probs(T, N, C, dtype, seed=7), _targets(N, S, C, blank=blank), np.array([11, 10, 8]),
             np.array([4, 4, 2]), blank=blank, reduction="mean")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_targets(dtype, reduction):
    T, N, C = 5, 3, 4
    lp = _log_probs(T, N, C, dtype, seed=8)
    _compare(lp, np.zeros((N, 0), np.int64), np.array([5, 3, 1]), np.array([0, 0, 0]), reduction=reduction)
    _compare(lp, np.array([2, 3]), np.array([5, 3, 1]), np.array([0, 2, 0]), reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("tensor_lengths", [False, True])
def test_unbatched(reduction, tensor_lengths):
    lp = _log_probs(8, 0, 5, "float64", seed=9, batched=False)
    if tensor_lengths:
        _compare(lp, np.array([1, 2, 2]), np.array(8), np.array(3), reduction=reduction)
    else:
        _compare(lp, np.array([1, 2, 2]), (8,), (3,), as_tensors=False, reduction=reduction)
    _compare(lp, np.array([[1, 2, 2, 4]]), np.array([7]), np.array([3]), reduction=reduction)


def test_target_and_length_dtypes():
    lp = _log_probs(6, 2, 5, "float64", seed=10)
    tg = np.array([[1, 2], [3, 3]])
    for targets in (tg.astype(np.int32), tg.astype(np.int16), tg.astype(np.float32)):
        _compare(lp, targets, np.array([6, 5], np.int32), np.array([2, 2], np.int16), reduction="sum")
    _compare(lp, tg, np.array([[6], [5]]), np.array([[2], [2]]), reduction="sum")  # any shape with N elements


def test_large_batch_matches():
    T, N, C, S = 50, 16, 20, 10
    rng = np.random.default_rng(11)
    _compare(_log_probs(T, N, C, "float32", seed=12), _targets(N, S, C, seed=13), rng.integers(30, T + 1, N),
             rng.integers(0, S + 1, N), reduction="mean")


def test_module():
    for kw in ({}, dict(blank=2, reduction="sum", zero_infinity=True)):
        e, t = ember.nn.CTCLoss(**kw), torch.nn.CTCLoss(**kw)
        assert repr(e) == repr(t) == "CTCLoss()"
        assert (e.blank, e.reduction, e.zero_infinity) == (t.blank, t.reduction, t.zero_infinity)
        lp = _log_probs(7, 2, 4, "float32", seed=14)
        tg, il, tl = np.array([[1, 3], [3, 1]]), np.array([7, 2]), np.array([2, 2])
        outs = [m(lib.tensor(lp, requires_grad=True), lib.tensor(tg), lib.tensor(il), lib.tensor(tl))
                for m, lib in ((e, ember), (t, torch))]
        np.testing.assert_allclose(outs[0].detach().numpy(), outs[1].detach().numpy(), rtol=1e-6)
        assert outs[0].grad_fn.name() == outs[1].grad_fn.name()


def _call(lib, lp=None, tg=None, il=(6, 5, 4), tl=(3, 2, 1), tensors=True, **kw):
    lp = _log_probs(6, 3, 5, "float64") if lp is None else lp
    tg = _targets(3, 3, 5) if tg is None else tg
    a, b = (lib.tensor(np.array(il)), lib.tensor(np.array(tl))) if tensors else (il, tl)
    lp_t = lib.tensor(lp) if isinstance(lp, np.ndarray) else lp(lib)
    return lib.nn.functional.ctc_loss(lp_t, lib.tensor(tg), a, b, **kw)


@pytest.mark.parametrize("case", [
    dict(il=(7, 5, 4)), dict(il=(-1, 5, 4)), dict(tl=(4, 2, 1)), dict(tl=(-1, 2, 1)), dict(il=(6, 5)),
    dict(tl=(3, 2)), dict(tg=_targets(2, 3, 5)), dict(tg=_targets(1, 9, 5)[0]), dict(tg=_targets(3, 3, 5)[..., None]),
    dict(tg=np.array(1)), dict(blank=5), dict(blank=-1), dict(reduction="foo"),
    dict(lp=_log_probs(6, 3, 5, "float64")[0]), dict(lp=_log_probs(6, 3, 5, "float64")[..., None, None]),
    dict(lp=np.zeros((0, 3, 5)), il=(0, 0, 0), tl=(0, 0, 0)),
    dict(lp=_log_probs(6, 3, 5, "float16")), dict(lp=np.zeros((6, 3, 5), np.int64)),
    dict(il=(6.0, 5.0, 4.0)), dict(tl=(True, False, True)),
    dict(il=(6, 5, 4), tensors=False, tl=None), dict(il=(6.0, 5, 4), tensors=False),
], ids=lambda c: ",".join(f"{k}" for k in c))
def test_errors(case):
    case = dict(case)
    if case.get("tl", 0) is None:  # a tuple and a tensor mixed
        def fn(lib):
            return lib.nn.functional.ctc_loss(lib.tensor(_log_probs(6, 3, 5, "float64")), lib.tensor(_targets(3, 3, 5)),
                                              (6, 5, 4), lib.tensor(np.array([3, 2, 1])))
        check_error(fn, match_message=False)
        return
    tensors = case.pop("tensors", True)
    match = tensors  # torch's TypeError lists the parser's overloads; ember's names the same two
    check_error(lambda lib: _call(lib, tensors=tensors, **case), match_message=match)


def test_out_of_range_label_is_refused():
    # torch reads past the class axis here; ember refuses
    with pytest.raises(IndexError):
        _call(ember, tg=_targets(3, 3, 5) + 5)


def test_blank_as_last_label_matches_finite_differences():
    # torch's backward (LossCTC.cpp) sets, rather than log-adds, the last step's collected alpha*beta of the final
    # label, so when that label equals blank the blank's share at that step is dropped; ember sums both and
    # agrees with the loss's own finite differences (the exp(lp) term is the implied log_softmax's)
    x = _log_probs(7, 1, 4, "float64", seed=15)
    tg, il, tl = np.array([[2, 0]]), np.array([7]), np.array([2])

    def loss(v):
        return float(ember.nn.functional.ctc_loss(ember.tensor(v), ember.tensor(tg), ember.tensor(il),
                                                  ember.tensor(tl), reduction="sum"))

    a = ember.tensor(x, requires_grad=True)
    ember.nn.functional.ctc_loss(a, ember.tensor(tg), ember.tensor(il), ember.tensor(tl), reduction="sum").backward()
    h = 1e-6
    for t, c in ((6, 0), (5, 0), (6, 2)):
        xp, xm = x.copy(), x.copy()
        xp[t, 0, c] += h
        xm[t, 0, c] -= h
        fd = (loss(xp) - loss(xm)) / (2 * h)
        assert abs(a.grad.numpy()[t, 0, c] - np.exp(x[t, 0, c]) - fd) < 1e-6


@pytest.mark.parametrize("which", ["targets", "input_lengths"])
def test_non_tensor_arguments(which):
    def fn(lib):
        args = dict(targets=lib.tensor([[1], [1]]), input_lengths=lib.tensor([3, 3]))
        args[which] = [[1], [1]] if which == "targets" else np.array([3, 3])
        return lib.nn.functional.ctc_loss(lib.zeros(3, 2, 4), args["targets"], args["input_lengths"],
                                          lib.tensor([1, 1]))
    e, t = check_error(fn, match_message=False)
    assert str(e).splitlines()[0] == str(t).splitlines()[0]


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_gradcheck_through_log_softmax(zero_infinity):
    # CtcLossBackward0's grad is d loss/d lp plus exp(lp) (the grad through an implied log_softmax, which sums to 0
    # over classes once composed with log_softmax's backward), so finite differences check the composition
    x = ember.tensor(np.random.default_rng(16).standard_normal((6, 3, 4)), requires_grad=True)
    tg, il, tl = ember.tensor([[1, 2, 2], [3, 1, 0], [2, 0, 0]]), ember.tensor([6, 5, 2]), ember.tensor([3, 2, 1])
    assert ember.autograd.gradcheck(
        lambda v: ember.nn.functional.ctc_loss(v.log_softmax(2), tg, il, tl, reduction="sum",
                                               zero_infinity=zero_infinity), (x,))


def test_float32_no_less_accurate_than_torch():
    # float32 grads carry the loss's rounding (exp(collected + loss - lp)); against the float64 result ember's
    # float32 error is no larger than torch's own
    T, N, C, S = 30, 8, 12, 8
    rng = np.random.default_rng(17)
    lp = _log_probs(T, N, C, "float64", seed=18)
    tg, il, tl = _targets(N, S, C, seed=19), rng.integers(20, T + 1, N), rng.integers(2, S + 1, N)

    def grad(lib, dtype):
        a = lib.tensor(lp.astype(dtype), requires_grad=True)
        lib.nn.functional.ctc_loss(a, lib.tensor(tg), lib.tensor(il), lib.tensor(tl), reduction="sum").backward()
        return a.grad.numpy().astype(np.float64)

    truth = grad(torch, np.float64)
    err_t = np.abs(grad(torch, np.float32) - truth)
    err_e = np.abs(grad(ember, np.float32) - truth)
    assert err_e.max() <= 1.25 * err_t.max() and err_e.mean() <= 1.25 * err_t.mean()
