"""A view taken before its base (or a sibling view) is changed in place reads the new values, so its history must
be the base's new one: torch regenerates the view's grad_fn (AsStridedBackward0 of the base). Before the fix
ember kept the view's old node and returned silently wrong gradients."""
from __future__ import annotations

import numpy as np
import pytest

from _compare import check_op

CASES = {
    "slice_then_base_mul": lambda L, x: (lambda b: (lambda v: (b.mul_(2), v * v)[1])(b[:2]))(x * 1),
    "transpose_then_base_add": lambda L, x: (lambda b: (lambda v: (b.add_(x), v.exp())[1])(b.t()))(x * 1),
    "sibling_view_written": lambda L, x: (lambda b: (lambda v, w: (w.mul_(3), v.sum(0))[1])(b[0:2], b[1:3]))(x * 1),
    "view_of_view": lambda L, x: (lambda b: (lambda v: (b.mul_(-1), v.sin())[1])(b[1:][:, 1:]))(x * 1),
    "expand_reshape": lambda L, x: (lambda b: (lambda v: (b.sub_(1), v * 2)[1])(b.reshape(-1)))(x * 1),
}


@pytest.mark.parametrize("name", list(CASES))
def test_view_after_base_inplace(name):
    x = np.random.default_rng(0).standard_normal((3, 3))
    check_op(CASES[name], [x])


def test_regenerated_view_node_name():
    import torch

    import ember
    names = []
    for lib in (torch, ember):
        x = lib.ones(3, requires_grad=True)
        b = x * 1
        v = b[:2]
        b.mul_(2)
        names.append(v.grad_fn.name())
    assert names[0] == names[1] == "AsStridedBackward0"
