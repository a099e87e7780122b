"""block_diag against torch: layout, dtype promotion, grads, node, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error, check_op

RNG = np.random.default_rng(3)


@pytest.mark.parametrize("shapes", [[(2, 2), (3,), (), (1, 4)], [(2, 3)], [(0, 2), (2, 0), (1, 1)], [(3,), (3,)]])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_and_grads(shapes, dtype):
    xs = [RNG.standard_normal(s).astype(dtype) for s in shapes]
    check_op(lambda lib, *ts: lib.block_diag(*ts), xs)


def test_promotion_and_mixed_grads():
    res = {}
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([[1, 2]])
        z = lib.tensor([[1.5, 2.0], [3.0, 4.0]], dtype=lib.float64, requires_grad=True)
        b = lib.block_diag(x, y, z)
        assert b.grad_fn.name() == "BlockDiagBackward0"
        (b * b).sum().backward()
        res[lib] = (b, x.grad, z.grad)
    for e, t in zip(res[ember], res[torch]):
        assert_same(e, t, check_grad_fn=False)
    for args in [(np.array([1]), np.array([1.5]), np.array([True])), (np.array([1], np.int8), np.array([True]))]:
        assert_same(ember.block_diag(*[ember.from_numpy(a) for a in args]),
                    torch.block_diag(*[torch.from_numpy(a) for a in args]))
    assert_same(ember.block_diag(), torch.block_diag())


@pytest.mark.parametrize("fn", [
    lambda lib: lib.block_diag(lib.ones(2, 2, 2)),
    lambda lib: lib.block_diag(lib.ones(2), lib.ones(1, 1, 1)),
    lambda lib: lib.block_diag(lib.ones(2), 3),
])
def test_errors(fn):
    check_error(fn)
