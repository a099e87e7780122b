"""SGD vs torch.optim.SGD: bit-exact 100-step trajectories for every option, errors, state."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
import ember.optim  # noqa: F401  (until ember/__init__ imports it)
from _compare import check_error
from test_optimizer import check_trajectory

CASES = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.1, momentum=0.9, nesterov=True),
    dict(lr=0.1, weight_decay=0.05),
    dict(lr=0.1, momentum=0.5, dampening=0.1, weight_decay=0.01),
    dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True),
    dict(lr=0.01, maximize=True),
    dict(lr=0.1, momentum=0.9, weight_decay=0.01, foreach=True),  # torch's foreach path rounds the same
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_trajectory_bit_exact(kwargs, dtype):
    # SGD uses only fused multiply-adds and products: no sqrt, so no MKL allowance is needed
    check_trajectory("SGD", kwargs, dtype)


def test_state_only_with_momentum():
    e_opt, t_opt, *_ = check_trajectory("SGD", dict(lr=0.1), steps=2)
    assert len(e_opt.state) == len(t_opt.state) == 0
    e_opt, t_opt, e_params, t_params = check_trajectory("SGD", dict(lr=0.1, momentum=0.9), steps=2)
    assert [list(s) for s in e_opt.state.values()] == [list(s) for s in t_opt.state.values()] == [["momentum_buffer"]] * 6


@pytest.mark.parametrize("kwargs", [dict(lr=-1), dict(lr=0.1, momentum=-0.5), dict(lr=0.1, weight_decay=-1e-3),
                                    dict(lr=0.1, nesterov=True), dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)],
                         ids=str)
def test_errors(kwargs):
    check_error(lambda lib: lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], **kwargs))


def test_default_lr_and_repr():
    e = ember.optim.SGD([ember.nn.Parameter(ember.zeros(2))])
    t = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))])
    assert repr(e) == repr(t)
    assert e.defaults == t.defaults
