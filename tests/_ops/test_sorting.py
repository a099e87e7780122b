"""sort/argsort/msort/topk/kthvalue against torch, including the order of tied elements."""
import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error, check_op

rng = np.random.default_rng(0)
R = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731


def _ties(shape, dt, nan=False):
    a = rng.integers(0, 4, size=shape).astype(dt)
    if nan:
        a[rng.random(shape) < 0.1] = np.nan
    return a


CASES = [
    ("sort", lambda L, x: L.sort(x)),
    ("sort_desc_dim0", lambda L, x: L.sort(x, 0, descending=True)),
    ("sort_stable", lambda L, x: L.sort(x, stable=True)),
    ("sort_method", lambda L, x: x.sort(dim=1)),
    ("msort", lambda L, x: L.msort(x)),
    ("topk", lambda L, x: L.topk(x, 3)),
    ("topk_smallest_dim0", lambda L, x: x.topk(2, dim=0, largest=False)),
    ("topk_unsorted", lambda L, x: L.topk(x, 4, sorted=False)),
    ("kthvalue", lambda L, x: L.kthvalue(x, 2)),
    ("kthvalue_keepdim", lambda L, x: x.kthvalue(3, 0, True)),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_values_indices_grads(name, fn):
    check_op(fn, [R(5, 7)])
    check_op(fn, [R(5, 7).astype(np.float64)])


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_ties_and_nan(name, fn):
    # only values/indices: grads at tied positions follow the indices, already compared
    check_op(fn, [_ties((6, 40), np.float32, nan=True)], grad=False)
    check_op(fn, [_ties((6, 40), np.int64)], grad=False)


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.int64, np.uint8])
@pytest.mark.parametrize("n", [5, 16, 17, 100, 700])
def test_tie_order_matches_torch(dt, n):
    # rows longer than 16 run libstdc++'s unstable std::sort in torch; ember replays it
    a = _ties((3, n), dt, nan=dt in (np.float32, np.float64))
    ta, ea = torch.from_numpy(a.copy()), ember.from_numpy(a.copy())
    for desc in (False, True):
        for stable in (False, True):
            assert np.array_equal(torch.sort(ta, descending=desc, stable=stable)[1].numpy(),
                                  ember.sort(ea, descending=desc, stable=stable)[1].numpy())
        assert np.array_equal(torch.argsort(ta, descending=desc).numpy(), ember.argsort(ea, descending=desc).numpy())
    for k in {1, 2, n // 3 or 1, max(n // 65, 1), n}:
        for largest in (True, False):
            for srt in (True, False):
                t, e = torch.topk(ta, k, largest=largest, sorted=srt), ember.topk(ea, k, largest=largest, sorted=srt)
                assert np.array_equal(t[1].numpy(), e[1].numpy()), (k, largest, srt)
        assert np.array_equal(torch.kthvalue(ta, k)[1].numpy(), ember.kthvalue(ea, k)[1].numpy())
    assert np.array_equal(torch.mode(ta)[1].numpy(), ember.mode(ea)[1].numpy())


def test_grad_fn_names_and_return_types():
    x = ember.tensor([3.0, 1.0, 2.0], requires_grad=True)
    assert ember.sort(x).values.grad_fn.name() == "SortBackward0"
    assert ember.sort(x, stable=True).values.grad_fn.name() == "SortBackward1"
    assert ember.topk(x, 2).values.grad_fn.name() == "TopkBackward0"
    assert repr(ember.sort(ember.tensor([2, 1]))).startswith("torch.return_types.sort(")
    assert ember.sort(x).indices.requires_grad is False


def test_zero_dim_and_empty():
    check_op(lambda L, x: L.sort(x), [np.array(3.0, np.float32)])
    check_op(lambda L, x: L.topk(x, 1), [np.array(3.0, np.float32)])
    check_op(lambda L, x: L.topk(x, 0), [R(4)])


def test_errors():
    check_error(lambda L: L.topk(L.ones(3), 4))
    check_error(lambda L: L.topk(L.ones(3), -1))
    check_error(lambda L: L.kthvalue(L.ones(3), 0))
    check_error(lambda L: L.sort(L.ones(3), 1))


@pytest.mark.parametrize("fn", [
    lambda L: L.topk(L.zeros(2, 5, dtype=L.bool), 3),
    lambda L: L.topk(L.zeros((), dtype=L.bool), 0),
    lambda L: L.topk(L.zeros(2, dtype=L.bool), 5),  # k is checked before the dtype
    lambda L: L.kthvalue(L.zeros(3, 0), 1),  # an empty reduction dim: IndexError, before k
    lambda L: L.kthvalue(L.zeros(0, dtype=L.int16), 3),
    lambda L: L.kthvalue(L.zeros(2, 2, dtype=L.bool), 3, 1),  # k before the dtype
    lambda L: L.kthvalue(L.zeros((), dtype=L.bool), 3),
    lambda L: L.kthvalue(L.zeros(0, 3, dtype=L.bool), 2, 1),
], ids=["topk-bool", "topk-bool-0d", "topk-bool-k", "kth-empty-dim", "kth-empty-int", "kth-bool-k", "kth-bool-0d-k",
        "kth-bool"])
def test_errors_in_torch_order(fn):
    # found by tools/fuzz/fuzz_sort.py
    check_error(fn)


def test_kthvalue_of_a_zero_dim_bool_reaches_no_kernel():
    check_op(lambda L, x: L.kthvalue(x, 1), [np.array(True)])
