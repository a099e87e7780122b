"""Full backward hooks against torch: grad_input for tensor arguments that need no grad."""
from __future__ import annotations

import numpy as np
import torch

import ember


def _grad_inputs(lib, b_requires_grad: bool, third):
    class Pair(lib.nn.Module):
        def forward(self, a, b, c):
            return a * 2 + (b if b_requires_grad else 0), a * 3

    seen = []
    m = Pair()
    m.register_full_backward_hook(lambda mod, gin, gout: seen.append((gin, gout)))
    a = lib.ones(1, 2, requires_grad=True)
    b = lib.ones(1, 2, requires_grad=b_requires_grad)
    c = lib.ones(3) if third == "tensor" else 3
    y1, y2 = m(a, b, c)
    y1.sum().backward()
    gin, gout = seen[0]
    return [None if g is None else g.numpy() for g in gin], [None if g is None else g.numpy() for g in gout]


def _same(e, t) -> None:
    assert len(e) == len(t)
    for x, y in zip(e, t):
        assert (x is None) == (y is None)
        if x is not None:
            np.testing.assert_array_equal(x, y)


def test_tensor_without_grad_shows_zeros() -> None:
    # torch's hook node hands back materialized grads: zeros for tensors that need no grad, None for non-tensors
    for b_grad in (False, True):
        for third in ("tensor", "int"):
            e_in, e_out = _grad_inputs(ember, b_grad, third)
            t_in, t_out = _grad_inputs(torch, b_grad, third)
            _same(e_in, t_in)
            _same(e_out, t_out)
