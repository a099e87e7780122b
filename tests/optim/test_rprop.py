"""Rprop vs torch.optim.Rprop: 100-step trajectories for every option, state, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import check_error
from test_nadam import check_complex, check_flag_errors, check_repr_defaults, check_state, check_tensor_lr
from test_optimizer import assert_params_equal, check_trajectory

CASES = [
    dict(),
    dict(lr=0.1, etas=(0.3, 1.7)),
    dict(lr=0.5, step_sizes=(1e-3, 0.7)),  # the upper clamp bites
    dict(step_sizes=(0.02, 0.01)),  # min > max: clamp gives max
    dict(lr=0.05, maximize=True, foreach=False),
    dict(lr=0.05, foreach=True),
]


# every case in float32; float64 (whose kernels round alike) for a few, to keep the file fast
@pytest.mark.parametrize("kwargs,dtype", [(k, np.float32) for k in CASES] + [(k, np.float64) for k in CASES[-3:]],
                         ids=lambda v: np.dtype(v).name if isinstance(v, type) else str(v))
def test_trajectory_bit_exact(kwargs, dtype):
    check_trajectory("Rprop", kwargs, dtype)


def test_state():
    check_state("Rprop", dict(lr=0.05), ["step", "prev", "step_size"])


def test_step_size_laid_out_like_the_grad():
    e = ember.nn.Parameter(ember.zeros(3, 4))
    t = torch.nn.Parameter(torch.zeros(3, 4))
    g = np.arange(12, dtype=np.float32).reshape(4, 3).T  # a transposed grad
    e.grad, t.grad = ember.from_numpy(g), torch.from_numpy(g)
    eo, to = ember.optim.Rprop([e]), torch.optim.Rprop([t])
    eo.step()
    to.step()
    assert eo.state[e]["step_size"].stride() == to.state[t]["step_size"].stride()
    assert eo.state[e]["prev"].stride() == to.state[t]["prev"].stride()


def test_nan_grad_counts_as_no_sign_change():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(20).astype(np.float32)
    e, t = ember.nn.Parameter(ember.from_numpy(x.copy())), torch.nn.Parameter(torch.from_numpy(x.copy()))
    eo, to = ember.optim.Rprop([e], lr=0.1), torch.optim.Rprop([t], lr=0.1)
    for k in range(4):
        g = rng.standard_normal(20).astype(np.float32)
        g[::3] = np.nan if k == 1 else g[::3]
        e.grad, t.grad = ember.from_numpy(g.copy()), torch.from_numpy(g.copy())
        eo.step()
        to.step()
        np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())
        np.testing.assert_array_equal(eo.state[e]["step_size"].numpy(), to.state[t]["step_size"].numpy())


@pytest.mark.parametrize("kwargs", [{}], ids=str)
def test_flag_errors(kwargs):
    check_flag_errors("Rprop", kwargs)


@pytest.mark.parametrize("kwargs", [dict(lr=-1), dict(etas=(0.0, 1.2)), dict(etas=(1.0, 1.2)), dict(etas=(0.5, 1.0)),
                                    dict(etas=(0.5, 0.9))], ids=str)
def test_errors(kwargs):
    check_error(lambda lib: lib.optim.Rprop([lib.nn.Parameter(lib.zeros(2))], **kwargs))


def test_repr_and_defaults():
    check_repr_defaults("Rprop", dict(etas=(0.4, 1.1)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_tensor_lr(dtype):
    check_tensor_lr("Rprop", dict(lr=0.05), dtype)


def test_complex():
    check_complex("Rprop", dict(lr=0.05))
