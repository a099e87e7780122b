"""ASGD vs torch.optim.ASGD: 100-step trajectories for every option, state, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import check_error
from test_nadam import check_complex, check_flag_errors, check_repr_defaults, check_state, check_tensor_lr
from test_optimizer import check_trajectory

CASES = [
    dict(),
    dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=10),  # averaging from step 11 on: ax += (p - ax)*mu
    dict(lr=0.05, t0=0),  # mu = 1/t from the start
    dict(lr=0.05, weight_decay=0.1, t0=50),
    dict(lr=0.05, maximize=True, foreach=False),
]


# every case in float32; float64 (whose kernels round alike) for a few, to keep the file fast
@pytest.mark.parametrize("kwargs,dtype", [(k, np.float32) for k in CASES] + [(k, np.float64) for k in CASES[-3:]],
                         ids=lambda v: np.dtype(v).name if isinstance(v, type) else str(v))
def test_trajectory_bit_exact(kwargs, dtype):
    e_opt, t_opt, e_params, t_params = check_trajectory("ASGD", kwargs, dtype)
    for ep, tp in zip(e_params, t_params):  # the averaged params too
        np.testing.assert_array_equal(e_opt.state[ep]["ax"].numpy(), t_opt.state[tp]["ax"].numpy())


def test_state():
    check_state("ASGD", dict(lr=0.05, t0=1), ["step", "eta", "mu", "ax"])


def test_state_float64_params():
    # the loaded eta and mu become float64; torch still rounds each new value through float32 (as_tensor)
    check_state("ASGD", dict(lr=0.05, t0=1), ["step", "eta", "mu", "ax"], dtype=np.float64)


def test_state_float64_default_dtype():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    check_state("ASGD", dict(lr=0.05, t0=1), ["step", "eta", "mu", "ax"])


@pytest.mark.parametrize("kwargs", [{}, dict(weight_decay=0.1)], ids=str)
def test_flag_errors(kwargs):
    check_flag_errors("ASGD", kwargs)


@pytest.mark.parametrize("kwargs", [dict(lr=-1), dict(weight_decay=-0.5)], ids=str)
def test_errors(kwargs):
    check_error(lambda lib: lib.optim.ASGD([lib.nn.Parameter(lib.zeros(2))], **kwargs))


def test_repr_and_defaults():
    check_repr_defaults("ASGD", dict(t0=100))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_tensor_lr(dtype):
    check_tensor_lr("ASGD", dict(lr=0.05, t0=5, lambd=0.1), dtype)


def test_complex():
    check_complex("ASGD", dict(lr=0.05, t0=5, weight_decay=0.1))


def test_foreach_flag_accepted_and_close():
    # deliberate difference: torch's foreach ASGD is another formulation, p - eta*(g + lambd*p) as one addcmul and
    # ax + (p - ax)*mu even while mu == 1; ember runs the single-tensor arithmetic for every foreach value
    from test_nadam import run_both
    e_opt, t_opt, e_params, t_params = run_both("ASGD", dict(lr=0.05, t0=5, foreach=True), steps=20, check=False)
    assert e_opt.param_groups[0]["foreach"] is True
    for ep, tp in zip(e_params, t_params):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)
