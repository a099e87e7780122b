"""NAdam, RAdam, Adamax, Adadelta, Rprop, ASGD on many small params (gathered into rows by
``ember.optim.optimizer._step_packed``) vs torch: bit-exact 100-step trajectories for every combination of the options
that change the arithmetic.

The model mixes sizes (0-dim to above the packing limit, more small params than one packed row holds), a float64
param, a Fortran-ordered param and a transposed grad (those three stay on the one-by-one path), a param whose grad
is missing at some steps (its step count, and so its scalars, fall behind the others'), a param group added at step
30 and a ``state_dict`` round trip into fresh optimizers at step 60.
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.optim as eoptim
import ember.optim.optimizer as eopt_module
from test_nadam import _same_value
from test_optimizer import assert_params_equal, torch_sqrt  # noqa: F401  (fixture)

# 3 + 4 + 12 + 4*1024 + ... small float32 params: more than one row of _functional.PACK elements
SHAPES = ([(), (1,), (3,), (5, 3), (2, 3, 4), (37,), (4, 16), (16, 32), (7, 1, 3), (1024,)] + [(32, 32)] * 7
          + [(10,)] * 6 + [(1025,), (33, 33)])  # the last two: above _SMALL, one by one
F64, FORTRAN, T_GRAD, SKIPPED = len(SHAPES), len(SHAPES) + 1, len(SHAPES) + 2, 3  # extra params; a grad gaps
STEPS, ADD_GROUP_AT, RELOAD_AT = 100, 30, 60


def _combos(**options: list) -> list[dict]:
    """Every combination of the options' values."""
    return [dict(zip(options, values)) for values in itertools.product(*options.values())]


_DECAY = [dict(), dict(weight_decay=0.1), dict(weight_decay=0.1, decoupled_weight_decay=True)]
_MAXIMIZE = [False, True]
# every combination of the options that change the array arithmetic, then cases for the scalar arithmetic: a Tensor
# lr (its scalar ops round in float32), other betas, ... (foreach, differentiable and capturable take no part: the
# first runs the same arithmetic here, the other two raise on CPU before any update)
CASES = {
    "NAdam": [dict(lr=0.01, maximize=m, **d) for d in _DECAY for m in _MAXIMIZE]
    + [dict(lr="tensor", weight_decay=0.1), dict(lr=0.02, betas=(0.5, 0.9), momentum_decay=0.1)],
    "RAdam": [dict(lr=0.01, maximize=m, **d) for d in _DECAY for m in _MAXIMIZE]
    + [dict(lr="tensor", weight_decay=0.1, decoupled_weight_decay=True), dict(lr=0.02, betas=(0.9, 0.5))],
    "Adamax": _combos(lr=[0.01], weight_decay=[0, 0.1], maximize=_MAXIMIZE) + [dict(lr="tensor", weight_decay=0.1)],
    "Adadelta": _combos(lr=[0.5], weight_decay=[0, 0.1], maximize=_MAXIMIZE)
    + [dict(lr="tensor", weight_decay=0.1), dict(rho=0.0)],
    "Rprop": _combos(lr=[0.05], step_sizes=[(1e-6, 50), (1e-3, 0.07)], maximize=_MAXIMIZE)
    + [dict(lr="tensor", etas=(0.3, 1.7))],
    "ASGD": _combos(lr=[0.05], weight_decay=[0, 0.1], t0=[1e6, 10], maximize=_MAXIMIZE)
    + [dict(lr="tensor", t0=10, lambd=0.1)],
}
PARAMS = [(name, kwargs) for name, combos in CASES.items() for kwargs in combos]


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """torch at one thread: its sqrt (also ember's here, see torch_sqrt) of a packed row of 8192 numbers
    otherwise waits milliseconds for a second thread on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _kwargs(lib, kwargs: dict) -> dict:
    """A "tensor" lr becomes a 0-dim float32 tensor of 0.01 (torch's scalar arithmetic then rounds in float32)."""
    return dict(kwargs, lr=lib.tensor(0.01)) if kwargs.get("lr") == "tensor" else kwargs


def _arrays(rng: np.random.Generator, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    return [np.asarray(rng.standard_normal(s)).astype(np.float32) for s in shapes]


def _make_params(rng: np.random.Generator) -> tuple[list, list]:
    arrays = _arrays(rng, SHAPES) + [rng.standard_normal(6), np.asfortranarray(_arrays(rng, [(8, 5)])[0]),
                                     _arrays(rng, [(6, 4)])[0]]
    e = [ember.nn.Parameter(ember.from_numpy(a.copy(order="K"))) for a in arrays]
    t = [torch.nn.Parameter(torch.from_numpy(a.copy(order="K"))) for a in arrays]
    return e, t


def _set_grads(e_params: list, t_params: list, rng: np.random.Generator, k: int) -> None:
    for i, (ep, tp) in enumerate(zip(e_params, t_params)):
        if i == SKIPPED and k % 4 == 0:  # no grad at steps 1, 5, 9, ...: its step count lags behind
            ep.grad, tp.grad = None, None
            continue
        # varied magnitudes and some exact zeros: eps, sqrt of 0, sign changes
        g = np.asarray(rng.standard_normal(tp.shape) * 10.0 ** rng.integers(-3, 2)).astype(tp.detach().numpy().dtype)
        if g.ndim:
            g.ravel()[::7] = 0
        if i in (FORTRAN, T_GRAD):
            g = np.asfortranarray(g)
        ep.grad, tp.grad = ember.from_numpy(g.copy(order="K")), torch.from_numpy(g.copy(order="K"))


def _build(lib, name: str, kwargs: dict, groups: list) -> object:
    return getattr(lib.optim, name)(groups, **_kwargs(lib, kwargs))


def _compare_states(e_opt, t_opt, e_params: list, t_params: list, what: str) -> None:
    for ep, tp in zip(e_params, t_params):
        e_state, t_state = e_opt.state.get(ep, {}), t_opt.state.get(tp, {})
        assert list(e_state) == list(t_state), what
        for key, value in t_state.items():
            _same_value(e_state[key], value, f"{what}: state {key}")


def run_trajectory(name: str, kwargs: dict, steps: int = STEPS) -> None:
    rng = np.random.default_rng(0)
    e_params, t_params = _make_params(rng)
    e_extra, t_extra = [ember.nn.Parameter(ember.from_numpy(a.copy())) for a in _arrays(rng, [(12,), (3, 3)])], []
    t_extra = [torch.nn.Parameter(torch.from_numpy(ep.detach().numpy().copy())) for ep in e_extra]
    e_opt, t_opt = _build(ember, name, kwargs, e_params), _build(torch, name, kwargs, t_params)
    e_all, t_all = e_params, t_params
    for k in range(steps):
        if k == ADD_GROUP_AT:
            group = {} if kwargs.get("lr") == "tensor" else {"lr": 0.5 * kwargs.get("lr", 1.0)}
            e_opt.add_param_group(dict(group, params=e_extra))
            t_opt.add_param_group(dict(group, params=t_extra))
            e_all, t_all = e_params + e_extra, t_params + t_extra
        if k == RELOAD_AT:
            what = f"{name}({kwargs}) state_dict at step {k}"
            _compare_states(e_opt, t_opt, e_all, t_all, what)
            e_sd, t_sd = e_opt.state_dict(), t_opt.state_dict()
            e_opt = _build(ember, name, kwargs, [{"params": e_params}, {"params": e_extra}])
            t_opt = _build(torch, name, kwargs, [{"params": t_params}, {"params": t_extra}])
            e_opt.load_state_dict(e_sd)
            t_opt.load_state_dict(t_sd)
            _compare_states(e_opt, t_opt, e_all, t_all, what + " (loaded)")
        _set_grads(e_all, t_all, rng, k)
        e_opt.step()
        t_opt.step()
        assert_params_equal(e_all, t_all, f"{name}({kwargs}) step {k + 1}")
    _compare_states(e_opt, t_opt, e_all, t_all, f"{name}({kwargs}) after {steps} steps")


@pytest.mark.parametrize("name,kwargs", PARAMS, ids=[f"{n}-{k}" for n, k in PARAMS])
def test_trajectory_bit_exact(name, kwargs, torch_sqrt):
    # torch's sqrt (MKL's, not correctly rounded) for the optimizers that take one: the rest must be bit-exact
    run_trajectory(name, kwargs)


@pytest.mark.parametrize("name", list(CASES))
def test_small_params_take_the_packed_path(name, monkeypatch):
    """Every small contiguous float32 param with a grad is packed; the float64, Fortran-ordered, transposed-grad
    and large params go one by one."""
    packed = []
    real = eopt_module.run_packed

    def spy(entries, update, written):
        packed.append(len(entries))
        return real(entries, update, written)

    monkeypatch.setattr(eopt_module, "run_packed", spy)
    rng = np.random.default_rng(0)
    e_params, t_params = _make_params(rng)
    opt = getattr(eoptim, name)(e_params)
    for k in range(3):
        packed.clear()
        _set_grads(e_params, t_params, rng, k)
        opt.step()
        small = len(SHAPES) - 2 - (k % 4 == 0)
        assert sum(packed) == small, (k, packed)


@pytest.mark.parametrize("name", list(CASES))
def test_param_listed_twice(name, torch_sqrt):
    """A param listed twice in a group (torch warns) is updated twice in a row, so it is not packed."""
    rng = np.random.default_rng(1)
    arrays = _arrays(rng, [(3,), (4, 2)])
    e = [ember.nn.Parameter(ember.from_numpy(a.copy())) for a in arrays]
    t = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e_opt, t_opt = getattr(eoptim, name)([e[0], e[1], e[0]]), getattr(torch.optim, name)([t[0], t[1], t[0]])
    for k in range(10):
        for ep, tp in zip(e, t):
            g = rng.standard_normal(tp.shape).astype(np.float32)
            ep.grad, tp.grad = ember.from_numpy(g.copy()), torch.from_numpy(g.copy())
        e_opt.step()
        t_opt.step()
        assert_params_equal(e, t, f"{name} duplicate param, step {k + 1}")


# --- complex params (found by tools/fuzz/fuzz_optim.py while checking the packed paths) ------------------------------

def test_adadelta_complex_param_update_is_complex_arithmetic(torch_sqrt):
    """torch's Adadelta adds ``delta`` to the complex param itself: a complex product with (-lr+0j), then the sum
    (two roundings; an inf part makes the other part NaN)."""
    rng = np.random.default_rng(2)
    for dtype in (np.complex64, np.complex128):
        for kwargs in (dict(lr=1 / 3), dict(lr=0.3, weight_decay=0.1)):
            a = (rng.standard_normal(50) + 1j * rng.standard_normal(50)).astype(dtype)
            e, t = ember.nn.Parameter(ember.from_numpy(a.copy())), torch.nn.Parameter(torch.from_numpy(a.copy()))
            e_opt, t_opt = eoptim.Adadelta([e], **kwargs), torch.optim.Adadelta([t], **kwargs)
            for k in range(8):
                g = ((rng.standard_normal(50) + 1j * rng.standard_normal(50)) * 0.1).astype(dtype)
                if k == 5:
                    g[3] = np.inf
                e.grad, t.grad = ember.from_numpy(g.copy()), torch.from_numpy(g.copy())
                e_opt.step()
                t_opt.step()
                real = np.float32 if dtype == np.complex64 else np.float64
                np.testing.assert_array_equal(e.detach().numpy().view(real), t.detach().numpy().view(real),
                                              err_msg=f"{dtype.__name__} {kwargs} step {k + 1}")


@pytest.mark.parametrize("name,kwargs", [("NAdam", {}), ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
                                         ("RAdam", dict(weight_decay=0.1)), ("Adamax", dict(weight_decay=0.1)),
                                         ("Adadelta", dict(weight_decay=0.1)), ("Rprop", {}), ("ASGD", {})], ids=str)
def test_differentiable_complex_param_error(name, kwargs, torch_sqrt):
    """differentiable=True: the first write into a complex leaf param fails as torch's, naming the real view the
    step writes through (Adadelta writes the complex param itself), with the state updated as far as torch's."""
    out = {}
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.from_numpy(np.array([1 + 2j, 3 - 1j, 0.5j], np.complex64)))
        p.grad = lib.from_numpy(np.array([0.5 + 0.1j, -1j, 2], np.complex64))
        opt = getattr(lib.optim, name)([p], differentiable=True, lr=1 / 3, **kwargs)
        with pytest.raises(RuntimeError) as info:
            opt.step()
        out[lib] = (str(info.value), opt.state[p])
    assert out[ember][0] == out[torch][0]
    assert list(out[ember][1]) == list(out[torch][1])
    for key, value in out[torch][1].items():
        _same_value(out[ember][1][key], value, f"state {key}")
