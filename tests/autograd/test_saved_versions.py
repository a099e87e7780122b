"""Saved tensors changed in place before backward: torch raises its version error; ember must too (never a silent
wrong gradient). Differential against torch for results saved by the op (outputs) and for saved inputs."""
from __future__ import annotations

import pytest

from _compare import check_error

SAVED_OUTPUT = {
    "sqrt": lambda x: x.sqrt(),
    "exp": lambda x: x.exp(),
    "tanh": lambda x: x.tanh(),
    "sigmoid_1d": lambda x: x.reshape(1).sigmoid(),
    "norm": lambda x: x.norm(),
    "prod": lambda x: x.prod(),
    "prod_dim": lambda x: x.reshape(1, -1).prod(-1),
    "logsumexp": lambda x: x.reshape(1, -1).logsumexp(-1),
    "std": lambda x: (x.reshape(1, -1) * L_ONES).std(-1),
}
L_ONES = 1.0


@pytest.mark.parametrize("name", list(SAVED_OUTPUT))
@pytest.mark.parametrize("zero_dim", [True, False])
def test_saved_output_changed_in_place(name, zero_dim):
    # 0-dim results were the gap: their forward returns a NumPy scalar, which the output Tensor wraps in a new array
    op = SAVED_OUTPUT[name]

    def f(L):
        x = L.tensor(2.0 if zero_dim else [2.0, 3.0], requires_grad=True)
        y = op(x * 1)
        y.mul_(2)
        y.sum().backward()
    check_error(f)


SAVED_INPUTS = {
    "mse_loss_input": lambda L, x, y: (L.nn.functional.mse_loss(x, y), x),
    "mse_loss_target": lambda L, x, y: (L.nn.functional.mse_loss(x, y), y),
    "smooth_l1_input": lambda L, x, y: (L.nn.functional.smooth_l1_loss(x, y), x),
    "huber_target": lambda L, x, y: (L.nn.functional.huber_loss(x, y), y),
    "bce_with_logits_input": lambda L, x, y: (L.nn.functional.binary_cross_entropy_with_logits(x, y.sigmoid()), x),
    "nll_loss_input": lambda L, x, y: (L.nn.functional.nll_loss(x.reshape(1, 3), L.tensor([1])), x),
    "gather_input": lambda L, x, y: (x.gather(0, L.tensor([1, 0])), x),
    "var_input": lambda L, x, y: (x.var(), x),
    "std_input": lambda L, x, y: (x.std(), x),
}


@pytest.mark.parametrize("name", list(SAVED_INPUTS))
def test_saved_input_changed_in_place(name):
    def f(L):
        x = L.tensor([0.5, -1.5, 2.0], requires_grad=True) * 1
        y = L.tensor([0.2, 0.3, -0.4], requires_grad=True) * 1
        out, changed = SAVED_INPUTS[name](L, x, y)
        changed.mul_(2)
        out.sum().backward()
    # the message names the saved tensor's grad_fn at backward time, as torch (AsStrided for nll_loss's view)
    check_error(f)


def test_soft_margin_target_requires_grad():
    check_error(lambda L: L.nn.functional.soft_margin_loss(L.ones(3), L.ones(3, requires_grad=True) * 1))


def test_message_names_the_current_grad_fn_of_a_saved_input():
    # torch names the saved input's grad_fn at backward time: CopySlices after writing through a view of it
    def f(L):
        y = L.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
        z = y.sin()
        y[0].mul_(2)
        z.sum().backward()
    check_error(f)
