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
}


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
