"""isin against torch: promotion, numbers, invert, nan / -0.0, out=, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error


def _t(lib, x):
    return lib.from_numpy(np.array(x, copy=True)) if isinstance(x, np.ndarray) else x


@pytest.mark.parametrize("a,b", [
    (np.array([1, 2, 3]), np.array([2, 5])),
    (np.array([[1, 2], [3, 4]]), np.array([[4]])),
    (np.array([1, 2, 3]), np.array([2.5])),
    (np.array([1, 2, 3], np.uint8), np.array([2, -1], np.int8)),
    (np.array([-0.0, np.nan, 1.5]), np.array([0.0, np.nan, 1.5], np.float32)),
    (np.array([1, 2, 3]), 2), (2, np.array([2, 5])), (2.0, np.array([2])), (np.array([1.0, 2.0]), 2),
    (np.array(3), np.array([], np.int64)), (np.array([], np.float32), np.array([1.0])),
    (np.arange(50) % 7, np.arange(0, 50, 3)),
    (np.array([1.0], np.float16), np.array([1])),
])
@pytest.mark.parametrize("invert", [False, True])
@pytest.mark.parametrize("assume_unique", [False, True])
def test_values(a, b, invert, assume_unique):
    if assume_unique and np.unique(np.asarray(a)).size != np.asarray(a).size:
        # assume_unique with repeated elements: torch's result is unspecified, so only the flag's default applies
        assume_unique = False
    e = ember.isin(_t(ember, a), _t(ember, b), invert=invert, assume_unique=assume_unique)
    t = torch.isin(_t(torch, a), _t(torch, b), invert=invert, assume_unique=assume_unique)
    assert_same(e, t)


def test_out_and_grad_free():
    eo, to = ember.empty(2, dtype=ember.bool), torch.empty(2, dtype=torch.bool)
    ember.isin(ember.tensor([1, 2]), ember.tensor([2]), out=eo)
    torch.isin(torch.tensor([1, 2]), torch.tensor([2]), out=to)
    assert_same(eo, to)
    assert_same(ember.isin(ember.tensor([1.5], requires_grad=True), ember.tensor([1.5])),
                torch.isin(torch.tensor([1.5], requires_grad=True), torch.tensor([1.5])))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.isin(lib.tensor([1, 2, 3]), lib.tensor([True])),
    lambda lib: lib.isin(lib.tensor([True]), lib.tensor([1])),
    lambda lib: lib.isin(lib.tensor([1.0]), True),
    lambda lib: lib.isin(lib.tensor([1.5 + 0j]), lib.tensor([2])),
    lambda lib: lib.isin(lib.tensor([1, 2, 3]), [2]),
    lambda lib: lib.isin(2, 3),
    lambda lib: lib.isin(lib.tensor([1, 2]), lib.tensor([2]), out=lib.empty(2)),
])
def test_errors(fn):
    check_error(fn)
