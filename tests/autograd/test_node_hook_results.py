"""Node and tensor hooks: what they see and what they may return, as torch checks it."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember


def _err(lib, make_hooked):
    try:
        make_hooked(lib).sum().backward()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


CASES = [
    lambda L: _with(L, lambda z: z.grad_fn.register_prehook(lambda go: ("s",))),
    lambda L: _with(L, lambda z: z.grad_fn.register_prehook(lambda go: (go[0], go[0]))),
    lambda L: _with(L, lambda z: z.register_hook(lambda g: "s")),
    lambda L: _with(L, lambda z: z.grad_fn.register_hook(lambda gi, go: gi[0])),
    lambda L: _with(L, lambda z: z.grad_fn.register_hook(lambda gi, go: ("s",)), op="exp"),
    lambda L: _with(L, lambda z: z.grad_fn.register_hook(lambda gi, go: (gi[0], gi[0])), op="exp"),
]


def _with(L, hook, op="mul"):
    x = L.ones(2, requires_grad=True)
    z = x * L.ones(2) if op == "mul" else x.exp()
    hook(z)
    return z


@pytest.mark.parametrize("case", range(len(CASES)))
def test_bad_hook_results_raise_torchs_errors(case):
    assert _err(ember, CASES[case]) == _err(torch, CASES[case])


def test_post_hook_sees_one_grad_per_node_input():
    # AddmmBackward0 has three inputs (bias, x, weight); its forward also took beta and alpha
    seen = []
    for L in (ember, torch):
        L.manual_seed(0)
        lin = L.nn.Linear(2, 2)
        y = lin(L.ones(1, 2, requires_grad=True))
        y.grad_fn.register_hook(lambda gi, go: seen.append([None if g is None else tuple(g.shape) for g in gi]))
        y.sum().backward()
    assert seen[0] == seen[1] == [(2,), (1, 2), (2, 2)]


def test_post_hook_replacement_reaches_the_inputs():
    grads = []
    for L in (ember, torch):
        x = L.ones(2, requires_grad=True)
        z = x.exp()
        z.grad_fn.register_hook(lambda gi, go: (gi[0] * 3,))
        z.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1])
