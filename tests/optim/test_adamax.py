"""Adamax vs torch.optim.Adamax: 100-step trajectories for every option, state, errors."""
from __future__ import annotations

import numpy as np
import pytest

from _compare import check_error
from test_nadam import check_complex, check_flag_errors, check_repr_defaults, check_state, check_tensor_lr
from test_optimizer import check_trajectory

CASES = [
    dict(),  # no sqrt in Adamax: bit-exact without swapping in torch's sqrt
    dict(lr=0.01, betas=(0.8, 0.99)),
    dict(lr=0.01, eps=1e-2),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.02, eps=1e-3, maximize=True, foreach=False),
]


# every case in float32; float64 (whose kernels round alike) for a few, to keep the file fast
@pytest.mark.parametrize("kwargs,dtype", [(k, np.float32) for k in CASES] + [(k, np.float64) for k in CASES[-3:]],
                         ids=lambda v: np.dtype(v).name if isinstance(v, type) else str(v))
def test_trajectory_bit_exact(kwargs, dtype):
    check_trajectory("Adamax", kwargs, dtype)


def test_state():
    check_state("Adamax", dict(lr=0.01, weight_decay=0.1), ["step", "exp_avg", "exp_inf"], steps=8)


@pytest.mark.parametrize("kwargs", [{}, dict(weight_decay=0.1)], ids=str)
def test_flag_errors(kwargs):
    check_flag_errors("Adamax", kwargs)


@pytest.mark.parametrize("kwargs", [dict(lr=-1), dict(eps=-1.0), dict(betas=(1.0, 0.999)), dict(betas=(0.9, 1.0)),
                                    dict(weight_decay=-0.5)], ids=str)
def test_errors(kwargs):
    check_error(lambda lib: lib.optim.Adamax([lib.nn.Parameter(lib.zeros(2))], **kwargs))


def test_repr_and_defaults():
    check_repr_defaults("Adamax", dict(lr=0.01, foreach=False))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_tensor_lr(dtype):
    check_tensor_lr("Adamax", dict(lr=0.01, weight_decay=0.1), dtype)



@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_foreach_bit_exact(dtype):
    # torch's foreach Adamax rounds like its single-tensor path
    check_trajectory("Adamax", dict(lr=0.01, weight_decay=0.1, foreach=True), dtype)


def test_complex():
    check_complex("Adamax", dict(lr=0.5, weight_decay=0.1))
