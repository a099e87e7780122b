"""Adadelta vs torch.optim.Adadelta: 100-step trajectories for every option, state, errors."""
from __future__ import annotations

import numpy as np
import pytest

from _compare import check_error
from test_nadam import check_complex, check_flag_errors, check_repr_defaults, check_state, check_tensor_lr
from test_optimizer import check_steps_within_1ulp, check_trajectory, torch_sqrt  # noqa: F401  (fixture)

CASES = [
    dict(),
    dict(lr=0.5, rho=0.95, eps=1e-4),
    dict(rho=0.0),
    dict(lr=0.1, weight_decay=0.1),
    dict(lr=2.0, maximize=True, foreach=False),
    dict(lr=-1.0 + 2.0, foreach=True),  # lr == 1: add_ with alpha -1
]


# every case in float32; float64 (whose kernels round alike) for a few, to keep the file fast
@pytest.mark.parametrize("kwargs,dtype", [(k, np.float32) for k in CASES] + [(k, np.float64) for k in CASES[-3:]],
                         ids=lambda v: np.dtype(v).name if isinstance(v, type) else str(v))
def test_trajectory_bit_exact(kwargs, dtype, torch_sqrt):
    check_trajectory("Adadelta", kwargs, dtype)


def test_own_sqrt_within_1ulp_per_step():
    check_steps_within_1ulp("Adadelta", dict(lr=0.5))


def test_state(torch_sqrt):
    check_state("Adadelta", dict(lr=0.5, weight_decay=0.1), ["step", "square_avg", "acc_delta"])


@pytest.mark.parametrize("kwargs", [{}, dict(weight_decay=0.1)], ids=str)
def test_flag_errors(kwargs, torch_sqrt):
    check_flag_errors("Adadelta", kwargs)


@pytest.mark.parametrize("kwargs", [dict(lr=-1), dict(rho=-0.1), dict(rho=1.1), dict(eps=-1.0),
                                    dict(weight_decay=-0.5)], ids=str)
def test_errors(kwargs):
    check_error(lambda lib: lib.optim.Adadelta([lib.nn.Parameter(lib.zeros(2))], **kwargs))


def test_repr_and_defaults():
    check_repr_defaults("Adadelta", dict(rho=0.8))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_tensor_lr(dtype, torch_sqrt):
    check_tensor_lr("Adadelta", dict(lr=0.5, weight_decay=0.1), dtype)


def test_complex(torch_sqrt):
    check_complex("Adadelta", dict(lr=0.5, weight_decay=0.1))
