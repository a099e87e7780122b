"""Edge cases of sorting, selection and counting ops that a differential fuzzer found: bool input where torch has
no kernel, empty dims away from the sorted one, 0-dim input, empty bincount."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import check_error, check_op

BOOL_ERRORS = {
    "median": lambda L: L.median(L.tensor([True, False])),
    "median_dim": lambda L: L.median(L.tensor([[True, False]]), 1),
    "nanmedian": lambda L: L.nanmedian(L.tensor([True, False])),
    "nanmedian_dim": lambda L: L.nanmedian(L.tensor([[True, False]]), 1),
    "kthvalue": lambda L: L.kthvalue(L.tensor([True, False]), 1),
}


@pytest.mark.parametrize("name", list(BOOL_ERRORS))
def test_bool_input_error(name):
    check_error(BOOL_ERRORS[name])


EMPTY = {
    "sort_empty_other_dim": (lambda L, x: L.sort(x, dim=1), [np.zeros((5, 0, 2), np.uint8)]),
    "sort_stable_empty_sorted_dim": (lambda L, x: L.sort(x, dim=2, stable=True), [np.zeros((1, 1, 0), np.int32)]),
    "argsort_empty_other_dim": (lambda L, x: L.argsort(x, dim=1), [np.zeros((5, 0, 2))]),
    "sort_no_rows": (lambda L, x: L.sort(x, dim=1), [np.zeros((0, 3))]),
    "topk_no_rows": (lambda L, x: L.topk(x, 2, dim=1), [np.zeros((0, 3))]),
    "kthvalue_no_rows": (lambda L, x: L.kthvalue(x, 1, dim=1), [np.zeros((0, 3))]),
    "median_no_rows": (lambda L, x: L.median(x, dim=1), [np.zeros((0, 3))]),
    "topk_0d_k0": (lambda L, x: L.topk(x, 0), [np.array(3.0)]),
    "unique_0d_inverse": (lambda L, x: L.unique(x, return_inverse=True, return_counts=True), [np.array(True)]),
    "unique_consecutive_0d": (lambda L, x: L.unique_consecutive(x, return_inverse=True, return_counts=True),
                              [np.array(3.0)]),
}


@pytest.mark.parametrize("name", list(EMPTY))
def test_empty_and_0d(name):
    fn, inputs = EMPTY[name]
    check_op(fn, inputs, grad=False, check_grad_fn=False)


@pytest.mark.parametrize("wdtype", [np.float32, np.float64])
@pytest.mark.parametrize("minlength", [0, 3])
def test_bincount_empty_with_weights(wdtype, minlength):
    t = torch.bincount(torch.tensor([], dtype=torch.int64), weights=torch.from_numpy(np.zeros(0, wdtype)),
                       minlength=minlength)
    e = ember.bincount(ember.tensor([], dtype=ember.int64), weights=ember.from_numpy(np.zeros(0, wdtype)),
                       minlength=minlength)
    assert str(e.dtype) == str(t.dtype) and e.tolist() == t.tolist()
