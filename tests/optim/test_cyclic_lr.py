"""CyclicLR against torch: lr and momentum/beta1 sequences for every mode, custom scale functions, state_dict."""
from __future__ import annotations

import warnings

import pytest
import torch

import ember


def _run(lib, opt_kind, steps=14, **kwargs):
    params = [lib.nn.Parameter(lib.zeros(2)), lib.nn.Parameter(lib.zeros(3))]
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.05}]
    opt = lib.optim.SGD(groups, lr=0.1, momentum=0.9) if opt_kind == "sgd" else lib.optim.Adam(groups, lr=0.1)
    sched = lib.optim.lr_scheduler.CyclicLR(opt, **kwargs)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(steps):
            opt.step()
            sched.step()
            seen.append([(g["lr"], g.get("momentum", g.get("betas", (None,))[0])) for g in opt.param_groups])
    return seen, sched


@pytest.mark.parametrize("opt_kind", ["sgd", "adam"])
@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
@pytest.mark.parametrize("cycle_momentum", [True, False])
@pytest.mark.parametrize("down", [None, 2])
def test_cyclic_lr_sequence(opt_kind, mode, cycle_momentum, down):
    kwargs = dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3, step_size_down=down, mode=mode, gamma=0.9,
                  cycle_momentum=cycle_momentum)
    t, t_sched = _run(torch, opt_kind, **kwargs)
    e, e_sched = _run(ember, opt_kind, **kwargs)
    assert e == t
    assert list(e_sched.state_dict()) == list(t_sched.state_dict())
    assert e_sched.get_last_lr() == t_sched.get_last_lr()


class _Halving:
    def __init__(self) -> None:
        self.base = 2.0

    def __call__(self, x: float) -> float:
        return 1 / self.base ** x


def test_cyclic_lr_custom_scale_and_state():
    for fn, mode in ((lambda x: 0.5 ** x, "iterations"), (_Halving(), "cycle")):
        kwargs = dict(base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=fn, scale_mode=mode, cycle_momentum=False)
        t, t_sched = _run(torch, "sgd", **kwargs)
        e, e_sched = _run(ember, "sgd", **kwargs)
        assert e == t
        ts, es = t_sched.state_dict(), e_sched.state_dict()
        assert es == ts
        e_sched.load_state_dict(es)
        assert e_sched.scale_fn(3) == t_sched.scale_fn(3)


def test_cyclic_lr_errors():
    for lib in (torch, ember):
        p = [lib.nn.Parameter(lib.zeros(2))]
        with pytest.raises(ValueError, match="mode is invalid"):
            lib.optim.lr_scheduler.CyclicLR(lib.optim.SGD(p, lr=0.1), 0.01, 0.1, mode="zigzag")
        with pytest.raises(ValueError, match="momentum or beta1"):
            lib.optim.lr_scheduler.CyclicLR(lib.optim.Adagrad(p, lr=0.1), 0.01, 0.1)
