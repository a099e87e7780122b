"""AdamW vs torch.optim.AdamW: 100-step trajectories for every option, defaults."""
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
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, maximize=True, weight_decay=0.0),
    dict(lr=0.05, betas=(0.5, 0.9), eps=1e-4, amsgrad=True, maximize=True),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_trajectory_bit_exact(kwargs, dtype, torch_sqrt):
    check_trajectory("AdamW", kwargs, dtype)


@pytest.mark.parametrize("kwargs", CASES[:2], ids=str)
def test_own_sqrt_within_1ulp_per_step(kwargs):
    check_steps_within_1ulp("AdamW", kwargs)


def test_defaults_and_repr():
    e = ember.optim.AdamW([ember.nn.Parameter(ember.zeros(2))])
    t = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(2))])
    assert e.defaults == t.defaults and e.defaults["weight_decay"] == 1e-2
    assert repr(e) == repr(t)


def test_errors():
    check_error(lambda lib: lib.optim.AdamW([lib.nn.Parameter(lib.zeros(2))], lr=-0.5))
