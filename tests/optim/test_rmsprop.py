"""RMSprop vs torch.optim.RMSprop: 100-step trajectories for every option, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
import ember.optim  # noqa: F401  (until ember/__init__ imports it)
from _compare import check_error
from test_optimizer import check_steps_within_1ulp, check_trajectory, torch_sqrt  # noqa: F401  (fixture)

CASES = [
    dict(),
    dict(alpha=0.9, eps=1e-6),
    dict(centered=True),
    dict(momentum=0.9),
    dict(weight_decay=0.1),
    dict(centered=True, momentum=0.5, weight_decay=0.01, maximize=True),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_trajectory_bit_exact(kwargs, dtype, torch_sqrt):
    check_trajectory("RMSprop", kwargs, dtype)


@pytest.mark.parametrize("kwargs", [CASES[0], CASES[2], CASES[3]], ids=str)
def test_own_sqrt_within_1ulp_per_step(kwargs):
    check_steps_within_1ulp("RMSprop", kwargs)


def test_state_layout():
    e_opt, t_opt, e_params, t_params = check_trajectory("RMSprop", dict(centered=True, momentum=0.1), steps=1)
    assert [list(s) for s in e_opt.state.values()] == [list(s) for s in t_opt.state.values()]


@pytest.mark.parametrize("kwargs", [dict(lr=-1), dict(eps=-1), dict(momentum=-1), dict(weight_decay=-1),
                                    dict(alpha=-1)], ids=str)
def test_errors(kwargs):
    check_error(lambda lib: lib.optim.RMSprop([lib.nn.Parameter(lib.zeros(2))], **kwargs))


def test_repr():
    e = ember.optim.RMSprop([ember.nn.Parameter(ember.zeros(2))])
    t = torch.optim.RMSprop([torch.nn.Parameter(torch.zeros(2))])
    assert repr(e) == repr(t) and e.defaults == t.defaults
