"""RAdam vs torch.optim.RAdam: 100-step trajectories for every option, state, errors."""
from __future__ import annotations

import numpy as np
import pytest

from _compare import check_error
from test_nadam import check_complex, check_flag_errors, check_repr_defaults, check_state, check_tensor_lr
from test_optimizer import check_steps_within_1ulp, check_trajectory, torch_sqrt  # noqa: F401  (fixture)

CASES = [
    dict(),
    dict(lr=0.01, betas=(0.8, 0.99)),
    dict(lr=0.01, betas=(0.9, 0.5)),  # rho_t never exceeds 5: the un-rectified branch throughout
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    dict(lr=0.02, eps=1e-3, maximize=True, foreach=False),
]


# every case in float32; float64 (whose kernels round alike) for a few, to keep the file fast
@pytest.mark.parametrize("kwargs,dtype", [(k, np.float32) for k in CASES] + [(k, np.float64) for k in CASES[-3:]],
                         ids=lambda v: np.dtype(v).name if isinstance(v, type) else str(v))
def test_trajectory_bit_exact(kwargs, dtype, torch_sqrt):
    check_trajectory("RAdam", kwargs, dtype)


def test_own_sqrt_within_1ulp_per_step():
    check_steps_within_1ulp("RAdam", dict(lr=0.01))


def test_state(torch_sqrt):
    check_state("RAdam", dict(lr=0.01, weight_decay=0.1), ["step", "exp_avg", "exp_avg_sq"], steps=8)


@pytest.mark.parametrize("kwargs", [{}, dict(weight_decay=0.1, decoupled_weight_decay=True)], ids=str)
def test_flag_errors(kwargs, torch_sqrt):
    check_flag_errors("RAdam", kwargs)


@pytest.mark.parametrize("kwargs", [dict(lr=-1), dict(eps=-1.0), dict(betas=(1.0, 0.999)), dict(betas=(0.9, 1.0)),
                                    dict(weight_decay=-0.5)], ids=str)
def test_errors(kwargs):
    check_error(lambda lib: lib.optim.RAdam([lib.nn.Parameter(lib.zeros(2))], **kwargs))


def test_repr_and_defaults():
    check_repr_defaults("RAdam", dict(lr=0.01, decoupled_weight_decay=True))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_tensor_lr(dtype, torch_sqrt):
    check_tensor_lr("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), dtype)


def test_foreach_flag_accepted_and_close():
    # deliberate difference: torch's foreach RAdam orders its products differently; ember runs the single-tensor
    # arithmetic for every foreach value (1-ulp steps)
    from test_nadam import run_both
    e_opt, t_opt, e_params, t_params = run_both("RAdam", dict(foreach=True), steps=20, check=False)
    assert e_opt.param_groups[0]["foreach"] is True
    for ep, tp in zip(e_params, t_params):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_complex(torch_sqrt):
    check_complex("RAdam", dict(lr=0.5, weight_decay=0.1))
