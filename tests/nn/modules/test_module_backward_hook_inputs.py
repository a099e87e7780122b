"""Module backward hooks against torch: grad_input for arguments that need no grad, old-style hook
warnings, hooks that return something other than tensors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import check_error


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


def _old_hook_warnings(lib, case: str) -> list[str]:
    class Two(lib.nn.Module):
        def forward(self, x):
            return x * 2, x + 1

    class Nested(lib.nn.Module):
        def forward(self, x):
            return [x * 2]

    class Scaled(lib.nn.Module):
        def forward(self, x, n):
            return x * n

    x = lib.ones(2, requires_grad=True)
    m, args = {
        "linear": (lib.nn.Linear(2, 2), (x,)),
        "two_nodes_out": (Two(), (x,)),
        "list_out": (Nested(), (x,)),
        "int_arg": (Scaled(), (x, 3)),
        "leaf_input": (lib.nn.ReLU(), (x,)),
        "one_op": (lib.nn.ReLU(), (x * 1,)),
    }[case]
    m.register_backward_hook(lambda *a: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m(*args)
    return [f"{w.category.__name__}: {w.message}" for w in caught]


@pytest.mark.parametrize("case", ["linear", "two_nodes_out", "list_out", "int_arg", "leaf_input", "one_op"])
def test_non_full_backward_hook_warnings(case: str) -> None:
    assert _old_hook_warnings(ember, case) == _old_hook_warnings(torch, case)


@pytest.mark.parametrize("kind", ["full", "pre"])
def test_hook_returning_non_tensor(kind: str) -> None:
    def run(lib):
        m = lib.nn.Linear(2, 2)
        if kind == "full":
            m.register_full_backward_hook(lambda mod, gin, gout: "s")
        else:
            m.register_full_backward_pre_hook(lambda mod, gout: "s")
        m(lib.ones(1, 2, requires_grad=True)).sum().backward()
    check_error(run)
