"""Adam vs torch.optim.Adam: 100-step trajectories for every option, errors, state layout."""
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
    dict(lr=0.01, betas=(0.8, 0.99)),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, maximize=True),
    dict(lr=0.02, eps=1e-3, weight_decay=0.05, amsgrad=True, maximize=True),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    # torch's foreach CPU path rounds like the single-tensor one (ember has only that one). Deliberate
    # difference: fused=True also runs the single-tensor arithmetic; torch's fused kernel can differ by 1 ulp.
    dict(lr=0.01, foreach=True, amsgrad=True),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_trajectory_bit_exact(kwargs, dtype, torch_sqrt):
    check_trajectory("Adam", kwargs, dtype)


@pytest.mark.parametrize("kwargs", CASES[:3], ids=str)
def test_own_sqrt_within_1ulp_per_step(kwargs):
    check_steps_within_1ulp("Adam", kwargs)


def test_state_layout():
    e_opt, t_opt, e_params, t_params = check_trajectory("Adam", dict(amsgrad=True), steps=1)
    for ep, tp in zip(e_params, t_params):
        es, ts = e_opt.state[ep], t_opt.state[tp]
        assert list(es) == list(ts) == ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
        # torch 2.13 keeps the step count as a 0-dim float32 tensor on CPU
        assert es["step"].dtype == ember.float32 and ts["step"].dtype == torch.float32 and es["step"].dim() == 0
        assert es["step"].item() == ts["step"].item() == 1.0


def test_step_dtype_follows_default_dtype():
    ember.set_default_dtype(ember.float64)
    opt = ember.optim.Adam([p := ember.nn.Parameter(ember.zeros(2))])
    p.grad = ember.ones(2)
    opt.step()
    assert opt.state[p]["step"].dtype == ember.float64


@pytest.mark.parametrize("kwargs", [dict(lr=-1), dict(eps=-1.0), dict(betas=(1.0, 0.999)), dict(betas=(0.9, -0.1)),
                                    dict(weight_decay=-0.5), dict(betas=(0, 0.9))], ids=str)
def test_errors(kwargs):
    check_error(lambda lib: lib.optim.Adam([lib.nn.Parameter(lib.zeros(2))], **kwargs))


def test_repr_and_defaults():
    e = ember.optim.Adam([ember.nn.Parameter(ember.zeros(2))], lr=0.01, amsgrad=True)
    t = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=0.01, amsgrad=True)
    assert repr(e) == repr(t)
    assert e.defaults == t.defaults
