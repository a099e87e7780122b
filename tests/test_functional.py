"""ember.functional: broadcast_shapes / broadcast_tensors against torch."""
import numpy as np
import pytest

from _compare import assert_same, check_error

import ember
import torch

SHAPES = [((2, 1), (3,)), ((5, 1, 3), (4, 1), (1,)), ((), (2,)), ((0,), (1,)), ((1, 0), (3, 1)), (3, (2, 1))]


@pytest.mark.parametrize("shapes", SHAPES)
def test_broadcast_shapes(shapes):
    assert ember.broadcast_shapes(*shapes) == torch.broadcast_shapes(*shapes)
    assert repr(ember.broadcast_shapes(*shapes)) == repr(torch.broadcast_shapes(*shapes))


def test_broadcast_shapes_error():
    check_error(lambda lib: lib.broadcast_shapes((2,), (3,)))


def test_broadcast_tensors():
    a, b = np.arange(2.0).reshape(2, 1), np.arange(3.0)
    e = ember.broadcast_tensors(ember.from_numpy(a), ember.from_numpy(b))
    t = torch.broadcast_tensors(torch.from_numpy(a), torch.from_numpy(b))
    for x, y in zip(e, t):
        assert_same(x, y)


def test_broadcast_tensors_returns_inputs_that_already_have_the_shape():
    for lib in (torch, ember):
        a = lib.ones(2, 3, requires_grad=True)
        b = lib.ones(3)
        out = lib.broadcast_tensors(a, b)
        assert out[0] is a and out[1] is not b and tuple(out[1].shape) == (2, 3)
        y = a * 1
        assert lib.broadcast_tensors(y, b)[0] is y
