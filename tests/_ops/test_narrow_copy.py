"""narrow_copy against torch: a copy (not a view), grads, node, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import check_error, check_op

RNG = np.random.default_rng(4)


@pytest.mark.parametrize("dim,start,length", [(0, 1, 2), (1, 0, 3), (-1, 2, 2), (0, -2, 2), (1, 4, 0)])
def test_values_and_grads(dim, start, length):
    x = RNG.standard_normal((3, 4))
    # (torch's NarrowCopyBackward0 fails for a negative start - it does not wrap it - so only values there)
    check_op(lambda lib, a: lib.narrow_copy(a, dim, start, length), [x], grad=start >= 0)
    check_op(lambda lib, a: a.narrow_copy(dim, start, length), [x.astype(np.float32)], grad=start >= 0)
    e = ember.from_numpy(x).requires_grad_()
    ember.narrow_copy(e, dim, start, length).sum().backward()
    expected = np.zeros_like(x)
    expected[(slice(None),) * (dim % 2) + (slice(start % 3 if dim == 0 else start % 4, None),)][
        (slice(None),) * (dim % 2) + (slice(0, length),)] = 1
    np.testing.assert_array_equal(e.grad.numpy(), expected)


def test_copy_and_tensor_start():
    for lib in (ember, torch):
        x = lib.arange(6)
        y = lib.narrow_copy(x, 0, lib.tensor(1), 2)
        y[0] = 100
        assert x[1].item() == 1 and y.tolist() == [100, 2] and y.is_contiguous()


@pytest.mark.parametrize("fn", [
    lambda lib: lib.narrow_copy(lib.arange(6), 0, 4, 3),
    lambda lib: lib.narrow_copy(lib.arange(6), 1, 0, 3),
    lambda lib: lib.narrow_copy(lib.tensor(5), 0, 0, 1),
    lambda lib: lib.narrow_copy(lib.arange(6), 0, 7, 0),
])
def test_errors(fn):
    check_error(fn)
