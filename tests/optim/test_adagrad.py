"""Adagrad vs torch.optim.Adagrad: 100-step trajectories for every option, eager state, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
import ember.optim  # noqa: F401  (until ember/__init__ imports it)
from _compare import check_error
from test_optimizer import check_steps_within_1ulp, check_trajectory, make_params, torch_sqrt  # noqa: F401

CASES = [
    dict(),
    dict(lr=0.1, lr_decay=0.01),
    dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.05, initial_accumulator_value=0.5, eps=1e-6),
    dict(lr=0.1, lr_decay=0.001, weight_decay=0.01, initial_accumulator_value=0.1, maximize=True),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_trajectory_bit_exact(kwargs, dtype, torch_sqrt):
    check_trajectory("Adagrad", kwargs, dtype)


@pytest.mark.parametrize("kwargs", CASES[:2], ids=str)
def test_own_sqrt_within_1ulp_per_step(kwargs):
    check_steps_within_1ulp("Adagrad", kwargs)


def test_state_is_filled_eagerly():
    e_params, t_params = make_params(np.float32)
    e = ember.optim.Adagrad(e_params, initial_accumulator_value=0.25)
    t = torch.optim.Adagrad(t_params, initial_accumulator_value=0.25)
    for ep, tp in zip(e_params, t_params):
        assert list(e.state[ep]) == list(t.state[tp]) == ["step", "sum"]
        assert np.array_equal(e.state[ep]["sum"].numpy(), t.state[tp]["sum"].numpy())
        assert e.state[ep]["step"].dtype == ember.float32


@pytest.mark.parametrize("kwargs", [dict(lr=-1), dict(lr_decay=-1), dict(weight_decay=-1),
                                    dict(initial_accumulator_value=-1), dict(eps=-1)], ids=str)
def test_errors(kwargs):
    check_error(lambda lib: lib.optim.Adagrad([lib.nn.Parameter(lib.zeros(2))], **kwargs))


def test_repr():
    e = ember.optim.Adagrad([ember.nn.Parameter(ember.zeros(2))])
    t = torch.optim.Adagrad([torch.nn.Parameter(torch.zeros(2))])
    assert repr(e) == repr(t) and e.defaults == t.defaults
