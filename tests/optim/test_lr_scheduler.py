"""Schedulers vs torch.optim.lr_scheduler: 100-step lr sequences as identical floats, state dicts, warnings."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
import ember.optim  # noqa: F401  (until ember/__init__ imports it)
from _compare import check_error


def _optimizer(lib, opt: str = "SGD", groups: int = 2):
    params = [lib.nn.Parameter(lib.zeros(2)) for _ in range(groups)]
    if opt == "SGD":
        return lib.optim.SGD([{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(params)], lr=0.1,
                             momentum=0.9)
    return lib.optim.Adam([{"params": [p], "lr": 0.01 * (i + 1)} for i, p in enumerate(params)])


def _scaled(epoch):  # a plain function: must not go into the state dict
    return 0.95 ** epoch


CASES = {
    "StepLR": lambda lib, o: lib.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.3),
    "MultiStepLR": lambda lib, o: lib.optim.lr_scheduler.MultiStepLR(o, milestones=[10, 30, 30, 80], gamma=0.7),
    "ExponentialLR": lambda lib, o: lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.97),
    "CosineAnnealingLR": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=30, eta_min=1e-3),
    "CosineAnnealingLR-T100": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=100),
    "LinearLR": lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=40),
    "LinearLR-default": lambda lib, o: lib.optim.lr_scheduler.LinearLR(o),
    "LambdaLR": lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, lr_lambda=_scaled),
    "LambdaLR-list": lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.5]),
    "MultiplicativeLR": lambda lib, o: lib.optim.lr_scheduler.MultiplicativeLR(o, lambda e: 0.98),
    "ConstantLR": lambda lib, o: lib.optim.lr_scheduler.ConstantLR(o, factor=0.25, total_iters=12),
    "PolynomialLR": lambda lib, o: lib.optim.lr_scheduler.PolynomialLR(o, total_iters=60, power=2.0),
    "OneCycleLR-cos": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=101),
    "OneCycleLR-linear": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=[0.5, 1.0], epochs=10, steps_per_epoch=11, anneal_strategy="linear", pct_start=0.25),
    "OneCycleLR-three-phase": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.3, total_steps=120, three_phase=True, div_factor=10.0, final_div_factor=100.0),
    "OneCycleLR-no-momentum": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.3, total_steps=101, cycle_momentum=False),
    "SequentialLR": lambda lib, o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.LinearLR(o, start_factor=0.01, total_iters=10),
            lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
            lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=40)], milestones=[10, 50]),
    "ChainedScheduler": lambda lib, o: lib.optim.lr_scheduler.ChainedScheduler(
        [lib.optim.lr_scheduler.ConstantLR(o, factor=0.1, total_iters=4),
         lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.95)]),
    "CosineAnnealingWarmRestarts": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=7, T_mult=2, eta_min=1e-4),
    "CosineAnnealingWarmRestarts-T1": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=9),
}


def _run(lib, name: str, opt: str, steps: int = 100):
    o = _optimizer(lib, opt)
    s = CASES[name](lib, o)
    seq = [(s.get_last_lr(), [g["lr"] for g in o.param_groups], [g.get("momentum") for g in o.param_groups],
            [g.get("betas") for g in o.param_groups])]
    for _ in range(steps):
        o.step()
        s.step()
        seq.append((s.get_last_lr(), [g["lr"] for g in o.param_groups], [g.get("momentum") for g in o.param_groups],
                    [g.get("betas") for g in o.param_groups]))
    return o, s, seq


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
@pytest.mark.parametrize("name", list(CASES))
def test_lr_sequence_identical(name, opt):
    _, _, e_seq = _run(ember, name, opt)
    _, _, t_seq = _run(torch, name, opt)
    for k, (e, t) in enumerate(zip(e_seq, t_seq)):
        assert e == t, f"{name} step {k}: {e} != {t}"  # exact float equality


def _plain(sd):
    """A scheduler state dict with ember/torch specifics normalised away (for comparison)."""
    return {k: (_plain(v) if isinstance(v, dict) else [(_plain(x) if isinstance(x, dict) else x) for x in v]
                if isinstance(v, list) else v) for k, v in sd.items()}


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "LambdaLR", "OneCycleLR-cos", "SequentialLR",
                                  "ChainedScheduler", "CosineAnnealingWarmRestarts"])
def test_state_dict_and_resume(name):
    _, e_s, _ = _run(ember, name, "SGD", steps=20)
    _, t_s, _ = _run(torch, name, "SGD", steps=20)
    assert _plain(e_s.state_dict()) == _plain(t_s.state_dict())
    # resume: a new scheduler loaded from the state dict continues like the original
    o2 = _optimizer(ember)
    s2 = CASES[name](ember, o2)
    s2.load_state_dict(e_s.state_dict())
    o2.load_state_dict(e_s.optimizer.state_dict())  # after the scheduler, whose __init__ resets the lrs (as in torch)
    for _ in range(10):
        for s in (e_s, s2, t_s):
            s.optimizer.step()
            s.step()
        assert e_s.get_last_lr() == s2.get_last_lr() == t_s.get_last_lr()


def test_reduce_lr_on_plateau():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49999] + [0.5] * 40
    for kwargs in (dict(patience=2), dict(mode="max", factor=0.5, patience=1, cooldown=2, min_lr=[0.01, 0.02]),
                   dict(threshold_mode="abs", threshold=0.01, patience=0, eps=1e-3)):
        seqs = []
        for lib in (ember, torch):
            o = _optimizer(lib)
            s = lib.optim.lr_scheduler.ReduceLROnPlateau(o, **kwargs)
            seq = []
            for m in metrics:
                o.step()
                s.step(m)
                seq.append((s.get_last_lr(), s.num_bad_epochs, s.cooldown_counter, s.best))
            seqs.append((seq, s.state_dict()))
        (e_seq, e_sd), (t_seq, t_sd) = seqs
        assert e_seq == t_seq, kwargs
        assert e_sd == t_sd


def _messages(record):
    return [str(w.message) for w in record]


def test_warnings_like_torch():
    for scenario in ("sched-before-opt", "get_lr", "epoch", "normal"):
        msgs = []
        for lib in (ember, torch):
            o = _optimizer(lib)
            s = lib.optim.lr_scheduler.StepLR(o, step_size=2)
            with warnings.catch_warnings(record=True) as rec:
                warnings.simplefilter("always")
                if scenario == "sched-before-opt":
                    s.step()
                elif scenario == "get_lr":
                    s.get_lr()
                elif scenario == "epoch":
                    o.step()
                    s.step(3)
                else:
                    o.step()
                    s.step()
            msgs.append(_messages(rec))
        assert msgs[0] == msgs[1], scenario
        assert bool(msgs[0]) == (scenario != "normal")


def _step_past_total(lib):
    s = lib.optim.lr_scheduler.OneCycleLR(_optimizer(lib), 1.0, total_steps=2)
    for _ in range(3):
        s.step()


@pytest.mark.parametrize("make", [
    lambda lib: lib.optim.lr_scheduler.StepLR(object(), 3),
    lambda lib: lib.optim.lr_scheduler.StepLR(_optimizer(lib), 3, last_epoch=5),
    lambda lib: lib.optim.lr_scheduler.LinearLR(_optimizer(lib), start_factor=0),
    lambda lib: lib.optim.lr_scheduler.LinearLR(_optimizer(lib), end_factor=1.5),
    lambda lib: lib.optim.lr_scheduler.LambdaLR(_optimizer(lib), [lambda e: 1.0]),
    lambda lib: lib.optim.lr_scheduler.OneCycleLR(_optimizer(lib), max_lr=1.0),
    lambda lib: lib.optim.lr_scheduler.OneCycleLR(_optimizer(lib), max_lr=1.0, total_steps=0),
    lambda lib: lib.optim.lr_scheduler.OneCycleLR(_optimizer(lib), max_lr=[1.0], total_steps=10),
    lambda lib: lib.optim.lr_scheduler.OneCycleLR(_optimizer(lib), max_lr=1.0, total_steps=10, pct_start=1),
    lambda lib: lib.optim.lr_scheduler.OneCycleLR(_optimizer(lib), max_lr=1.0, total_steps=10,
                                                  anneal_strategy="exp"),
    lambda lib: lib.optim.lr_scheduler.OneCycleLR(lib.optim.Adagrad([lib.nn.Parameter(lib.zeros(1))]), 1.0,
                                                  total_steps=10),
    lambda lib: _step_past_total(lib),
    lambda lib: lib.optim.lr_scheduler.SequentialLR(_optimizer(lib), [], []),
    lambda lib: (lambda o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.StepLR(o, 2)], milestones=[3]))(_optimizer(lib)),
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), factor=1.0),
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), mode="middle"),
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), min_lr=[0.1]),
])
def test_errors(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(make)


def test_warm_restarts_fractional_epochs():
    seqs = []
    for lib in (ember, torch):
        o = _optimizer(lib)
        s = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in np.arange(0, 40, 0.37):
                s.step(float(epoch))
                seq.append(s.get_last_lr())
        seqs.append(seq)
    assert seqs[0] == seqs[1]


def test_old_base_class_name():
    assert issubclass(ember.optim.lr_scheduler._LRScheduler, ember.optim.lr_scheduler.LRScheduler)


def test_tensor_lr_updated_in_place():
    for lib in (ember, torch):
        lr = lib.tensor(0.1)
        o = lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], lr=lr)
        s = lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.5)
        o.step()
        s.step()
        assert o.param_groups[0]["lr"] is lr and abs(lr.item() - 0.05) < 1e-9
