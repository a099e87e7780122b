"""unique/bincount/histc/histogram/searchsorted/bucketize against torch."""
import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error, check_op

rng = np.random.default_rng(0)
I = lambda *s: rng.integers(0, 5, size=s).astype(np.int64)  # noqa: E731
F = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731

CASES = [
    ("unique", lambda L, x: L.unique(x), [I(4, 6)]),
    ("unique_all", lambda L, x: L.unique(x, return_inverse=True, return_counts=True), [I(4, 6)]),
    ("unique_dim", lambda L, x: x.unique(dim=0, return_inverse=True, return_counts=True), [I(6, 2) % 2]),
    ("unique_nan", lambda L, x: L.unique(x), [np.array([3.0, np.nan, 1.0, np.nan, 3.0], np.float32)]),
    ("unique_consecutive", lambda L, x: L.unique_consecutive(x, return_inverse=True, return_counts=True),
     [np.array([1, 1, 2, 2, 1, 3, 3], np.int64)]),
    ("bincount", lambda L, x: L.bincount(x), [I(20)]),
    ("bincount_minlength", lambda L, x: x.bincount(minlength=9), [I(20)]),
    ("bincount_w32", lambda L, x, w: L.bincount(x, w), [I(20), F(20)]),
    ("bincount_w64", lambda L, x, w: L.bincount(x, weights=w), [I(20), F(20).astype(np.float64)]),
    ("bincount_empty", lambda L, x: L.bincount(x), [np.zeros(0, np.int64)]),
    ("histc", lambda L, x: L.histc(x), [F(1000)]),
    ("histc_range", lambda L, x: x.histc(bins=7, min=-1, max=1), [F(1000)]),
    ("histc_f64", lambda L, x: L.histc(x, 13), [F(1000).astype(np.float64)]),
    ("histc_const", lambda L, x: L.histc(x, 4), [np.full(3, 2.0, np.float32)]),
    ("histc_grid", lambda L, x: L.histc(x, 10, 0, 1), [np.linspace(0, 1, 101, dtype=np.float32)]),
    ("histogram", lambda L, x: L.histogram(x, 10), [F(500)]),
    ("histogram_range_density", lambda L, x: L.histogram(x, 6, range=(-1.0, 2.0), density=True), [F(500)]),
    ("histogram_edges_weight", lambda L, x, b, w: L.histogram(x, b, weight=w),
     [F(50), np.array([-2.0, -0.5, 0.0, 0.3, 2.0], np.float32), F(50)]),
    ("histogram_grid", lambda L, x: x.histogram(7), [np.linspace(-3, 3, 211, dtype=np.float32)]),
    ("searchsorted", lambda L, s, v: L.searchsorted(s, v), [np.array([1, 3, 5, 7]), I(3, 4) * 2]),
    ("searchsorted_right_i32", lambda L, s, v: L.searchsorted(s, v, right=True, out_int32=True),
     [np.array([1, 3, 5, 7]), I(5)]),
    ("searchsorted_side", lambda L, s, v: L.searchsorted(s, v, side="right"), [np.array([1, 3, 5, 7]), I(5)]),
    ("searchsorted_nd", lambda L, s, v: L.searchsorted(s, v), [np.sort(F(3, 6), 1), F(3, 4)]),
    ("searchsorted_nan", lambda L, s, v: L.searchsorted(s, v),
     [np.array([1.0, 3.0, np.nan], np.float32), np.array([np.nan, 4.0, 0.0], np.float32)]),
    ("searchsorted_sorter", lambda L, s, v, o: L.searchsorted(s, v, sorter=o),
     [np.array([5, 1, 7, 3]), np.array([3, 6]), np.array([1, 3, 0, 2])]),
    ("bucketize", lambda L, x, b: L.bucketize(x, b), [F(4, 5), np.array([-1.0, 0.0, 0.5], np.float32)]),
    ("bucketize_right", lambda L, x, b: L.bucketize(x, b, right=True), [I(9), np.array([1, 2, 3])]),
]


@pytest.mark.parametrize("name,fn,inputs", CASES, ids=[c[0] for c in CASES])
def test_against_torch(name, fn, inputs):
    check_op(fn, inputs, grad=False, rtol=0, atol=0)


def test_scalars():
    check_op(lambda L, s: L.searchsorted(s, 5), [np.array([1, 3, 5, 7])])
    check_op(lambda L, b: L.bucketize(3, b), [np.array([1, 3, 5, 7])])


@pytest.mark.parametrize("fn", [
    lambda L: L.histc(L.tensor([1, 2, 3])),
    lambda L: L.histc(L.tensor([1.0, 2.0]), bins=4, min=3, max=1),
    lambda L: L.histc(L.tensor([1.0, 2.0]), bins=0),
    lambda L: L.histc(L.tensor([2.0, float("inf")]), bins=4),
    # torch builds the edges in the input's dtype before refusing a non-float input (found by fuzz_sort)
    lambda L: L.histc(L.zeros(3, dtype=L.uint8), bins=3),
    lambda L: L.histc(L.zeros(3, dtype=L.int8), bins=3, min=0, max=300),
    lambda L: L.histc(L.zeros(3, dtype=L.int8), bins=3, min=-2, max=2),
    lambda L: L.histc(L.zeros(3, dtype=L.bool), bins=3),
    lambda L: L.histogram(L.tensor([1, 2]), 4),
    lambda L: L.bincount(L.tensor([-1, 1])),
    lambda L: L.bincount(L.tensor([[1, 1]])),
    lambda L: L.bincount(L.tensor([1.0])),
    lambda L: L.bincount(L.tensor([1]), minlength=-1),
    lambda L: L.searchsorted(L.tensor([1, 3]), L.tensor([3]), side="left", right=True),
    lambda L: L.searchsorted(L.tensor([[1, 3], [2, 4]]), L.tensor([[3]])),
    lambda L: L.bucketize(L.tensor([3]), L.tensor([[1, 3]])),
])
def test_errors(fn):
    check_error(fn)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_weighted_histogram_follows_torch_thread_split(threads):
    # torch sums weights per thread chunk, then adds the chunks; ember splits the same way
    import torch
    import ember
    old = torch.get_num_threads(), ember.get_num_threads()
    try:
        torch.set_num_threads(threads)
        ember.set_num_threads(threads)
        check_op(lambda L, x, w: L.histogram(x, 9, weight=w), [F(2000), F(2000)], grad=False, rtol=0, atol=0)
        # density divides by hist.sum(), whose float32 rounding may differ from torch's by an ulp
        check_op(lambda L, x, w: L.histogram(x, 9, weight=w, density=True), [F(2000), F(2000)], grad=False)
    finally:
        torch.set_num_threads(old[0])
        ember.set_num_threads(old[1])


def test_histogram_of_an_empty_input_uses_the_unit_range():
    for bins in (1, 4):
        want = torch.histogram(torch.tensor([]), bins=bins)
        got = ember.histogram(ember.tensor([]), bins=bins)
        np.testing.assert_array_equal(got.bin_edges.numpy(), want.bin_edges.numpy())
        np.testing.assert_array_equal(got.hist.numpy(), want.hist.numpy())
