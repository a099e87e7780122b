"""Optimizer base class vs torch.optim.Optimizer, and the trajectory harness the per-algorithm tests use.

The harness builds the same parameters in ember and torch, feeds both the same NumPy gradients every step
(so nothing here depends on ember's layers or autograd) and requires bit-identical parameters after every step.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
import ember.optim as eoptim

SHAPES = [(5, 3), (3,), (2, 3, 4), ()]  # matrices, vectors, a 3-d tensor and a 0-dim scalar
# sizes around the AVX512 vector width (16 floats / 8 doubles), so both the vector body and the scalar tail run
SHAPES_VEC = [(37,), (4, 16)]


def make_params(dtype: np.dtype, seed: int = 0) -> tuple[list, list]:
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(rng.standard_normal(s)).astype(dtype) for s in SHAPES + SHAPES_VEC]
    e = [ember.nn.Parameter(ember.from_numpy(a.copy())) for a in arrays]
    t = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays]
    return e, t


def set_grads(e_params: list, t_params: list, rng: np.random.Generator) -> None:
    for ep, tp in zip(e_params, t_params):
        # varied magnitudes, some exact zeros: exercise eps, sqrt of 0 and sign flips
        g = np.asarray(rng.standard_normal(tp.shape) * 10.0 ** rng.integers(-3, 2)).astype(tp.detach().numpy().dtype)
        if g.ndim:
            g.ravel()[:: 7] = 0
        ep.grad = ember.from_numpy(g.copy())
        tp.grad = torch.from_numpy(g.copy())


def assert_params_equal(e_params: list, t_params: list, what: str) -> None:
    for i, (ep, tp) in enumerate(zip(e_params, t_params)):
        a, b = ep.detach().numpy(), tp.detach().numpy()
        if not np.array_equal(a, b):
            ulps = np.max(np.abs(a.view(np.int64 if a.dtype == np.float64 else np.int32).astype(np.int64)
                                 - b.view(np.int64 if b.dtype == np.float64 else np.int32).astype(np.int64)))
            raise AssertionError(f"{what}: param {i} differs from torch by up to {ulps} ulp")


def check_trajectory(name: str, kwargs: dict, dtype=np.float32, steps: int = 100, seed: int = 0) -> tuple:
    """Run ``steps`` updates in ember and torch from identical weights and grads; every step must be bit-exact."""
    e_params, t_params = make_params(dtype, seed)
    e_opt = getattr(eoptim, name)(e_params, **kwargs)
    t_opt = getattr(torch.optim, name)(t_params, **kwargs)
    rng = np.random.default_rng(seed + 1)
    for k in range(steps):
        set_grads(e_params, t_params, rng)
        e_opt.step()
        t_opt.step()
        assert_params_equal(e_params, t_params, f"{name}({kwargs}) {np.dtype(dtype).name} step {k + 1}")
    return e_opt, t_opt, e_params, t_params


def _ulps(a: np.ndarray, b: np.ndarray) -> int:
    it = np.int64 if a.dtype == np.float64 else np.int32
    return int(np.max(np.abs(a.view(it).astype(np.int64) - b.view(it).astype(np.int64)), initial=0))


def _assert_one_step_close(e: np.ndarray, t: np.ndarray, t_prev: np.ndarray, what: str) -> None:
    # A 1-ulp root perturbs the *increment* of a step by ~1 ulp of the increment; the sum then rounds once more.
    # So allow 1 ulp of the result plus 2 ulps of the increment (bounded by ulps of the result when it is small).
    allowed = np.spacing(np.abs(t)) + 2 * np.spacing(np.abs(t - t_prev))
    bad = np.abs(e.astype(np.float64) - t) > allowed
    assert not bad.any(), f"{what}: {e[bad][:3]} vs torch {t[bad][:3]}"


def check_steps_within_1ulp(name: str, kwargs: dict, dtype=np.float32, steps: int = 100, seed: int = 0) -> None:
    """With ember's own (correctly rounded) sqrt: every single step, taken from torch's state, is within rounding.

    ember re-syncs its params and state to torch's after each step, so this bounds the per-step error rather than
    letting 1-ulp differences from MKL's sqrt (see ember.optim.optimizer._sqrt) compound over the trajectory.
    """
    e_params, t_params = make_params(dtype, seed)
    e_opt = getattr(eoptim, name)(e_params, **kwargs)
    t_opt = getattr(torch.optim, name)(t_params, **kwargs)
    rng = np.random.default_rng(seed + 1)
    for k in range(steps):
        set_grads(e_params, t_params, rng)
        prev = {id(tp): tp.detach().numpy().copy() for tp in t_params}
        prev_state = {(id(tp), key): v.numpy().copy() for tp in t_params for key, v in t_opt.state[tp].items()}
        e_opt.step()
        t_opt.step()
        for i, (ep, tp) in enumerate(zip(e_params, t_params)):
            what = f"{name}({kwargs}) step {k + 1}"
            _assert_one_step_close(ep._data, tp.detach().numpy(), prev[id(tp)], f"{what}: param {i}")
            es, ts = e_opt.state[ep], t_opt.state[tp]
            assert es.keys() == ts.keys()
            for key, tv in ts.items():
                t_prev = prev_state.get((id(tp), key), np.zeros_like(tv.numpy()))
                _assert_one_step_close(es[key]._data, tv.numpy(), t_prev, f"{what}: state {key} of param {i}")
                es[key]._data[...] = tv.numpy()
            ep._data[...] = tp.detach().numpy()


@pytest.fixture
def torch_sqrt(monkeypatch):
    """Give ember torch's (MKL's) sqrt, so the rest of the update arithmetic can be required to be bit-exact."""
    import ember.optim.optimizer as opt

    monkeypatch.setattr(opt, "_sqrt_impl", lambda a: torch.from_numpy(np.array(a, copy=True)).sqrt().numpy())


def test_torch_sqrt_is_not_correctly_rounded():
    """Why the fixture exists: torch's CPU sqrt (MKL VML_HA) is faithful, not correctly rounded like np.sqrt."""
    x = (np.abs(np.random.default_rng(5).standard_normal(20000)) * 0.01).astype(np.float32)
    t = torch.from_numpy(x).sqrt().numpy()
    if np.array_equal(t, np.sqrt(x)):
        pytest.skip("this torch build rounds sqrt correctly; the 1-ulp allowance is not needed here")
    assert _ulps(t, np.sqrt(x)) == 1


# --- the base class -------------------------------------------------------------------------------------------------
import importlib  # noqa: E402
from copy import deepcopy  # noqa: E402

from _compare import check_error  # noqa: E402


def _p(lib, *shape):
    return lib.nn.Parameter(lib.zeros(*shape))


@pytest.mark.parametrize("make", [
    lambda lib: lib.optim.SGD([], lr=0.1),
    lambda lib: lib.optim.SGD(_p(lib, 2), lr=0.1),
    lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True) * 2], lr=0.1),
    lambda lib: lib.optim.SGD([1.0], lr=0.1),
    lambda lib: lib.optim.SGD([{"params": {_p(lib, 2)}}], lr=0.1),
    lambda lib: (lambda p: lib.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1))(_p(lib, 2)),
    lambda lib: lib.optim.SGD([("a", _p(lib, 2)), _p(lib, 1)], lr=0.1),
    lambda lib: lib.optim.SGD([{"params": [("a", _p(lib, 2))]}, {"params": [_p(lib, 1)]}], lr=0.1),
    lambda lib: lib.optim.SGD([_p(lib, 2)], lr=0.1).add_param_group([_p(lib, 2)]),
], ids=["empty", "tensor", "non-leaf", "not-tensor", "set-in-group", "shared", "names-mixed",
        "groups-names-mixed", "group-not-dict"])
def test_param_group_errors(make):
    check_error(make)


def test_duplicate_params_warn():
    for lib in (torch, ember):
        p = _p(lib, 2)
        with pytest.warns(UserWarning, match="duplicate parameters"):
            lib.optim.SGD([p, p], lr=0.1)


def test_param_groups_defaults_repr_and_names():
    def build(lib):
        a, b, c = _p(lib, 2), _p(lib, 3), _p(lib, 1)
        opt = lib.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.5, "betas": (0.5, 0.6)}], lr=0.01)
        opt.add_param_group({"params": c, "weight_decay": 0.1})
        return opt

    e, t = build(ember), build(torch)
    assert repr(e) == repr(t)
    strip = lambda groups: [{k: v for k, v in g.items() if k != "params"} for g in groups]  # noqa: E731
    assert strip(e.param_groups) == strip(t.param_groups)
    assert [len(g["params"]) for g in e.param_groups] == [1, 1, 1]
    en = ember.optim.SGD([("w", _p(ember, 2)), ("b", _p(ember, 1))], lr=0.1)
    tn = torch.optim.SGD([("w", _p(torch, 2)), ("b", _p(torch, 1))], lr=0.1)
    assert en.param_groups[0]["param_names"] == tn.param_groups[0]["param_names"] == ["w", "b"]
    assert en.state_dict()["param_groups"] == tn.state_dict()["param_groups"]


def _same_state_dict(e_sd: dict, t_sd: dict) -> None:
    assert e_sd["param_groups"] == t_sd["param_groups"]
    assert list(e_sd["state"]) == list(t_sd["state"])
    for k, t_state in t_sd["state"].items():
        e_state = e_sd["state"][k]
        assert list(e_state) == list(t_state)
        for key, tv in t_state.items():
            ev = e_state[key]
            assert isinstance(ev, ember.Tensor) and str(ev.dtype) == str(tv.dtype) and tuple(ev.shape) == tuple(tv.shape)
            assert np.array_equal(ev.numpy(), tv.numpy()), (k, key)


def _to_ember(obj):
    if isinstance(obj, torch.Tensor):
        return ember.from_numpy(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_ember(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_ember(v) for v in obj]
    return obj


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(amsgrad=True)),
                                         ("AdamW", dict()), ("RMSprop", dict(centered=True, momentum=0.5)),
                                         ("Adagrad", dict(lr_decay=0.1))])
def test_state_dict_matches_torch_and_round_trips(name, kwargs, torch_sqrt):
    e_opt, t_opt, e_params, t_params = check_trajectory(name, kwargs, steps=5)
    _same_state_dict(e_opt.state_dict(), t_opt.state_dict())

    # ember -> ember: a fresh optimizer loaded from the state dict continues exactly like the original
    e2_params = [ember.nn.Parameter(ember.from_numpy(p.detach().numpy().copy())) for p in e_params]
    e2_opt = getattr(ember.optim, name)(e2_params, **kwargs)
    e2_opt.load_state_dict(deepcopy(e_opt.state_dict()))  # as if saved and loaded: 'step' is not copied on load
    _same_state_dict(e2_opt.state_dict(), t_opt.state_dict())
    # torch -> ember: torch's state dict, converted to ember tensors, also continues identically
    e3_params = [ember.nn.Parameter(ember.from_numpy(p.detach().numpy().copy())) for p in e_params]
    e3_opt = getattr(ember.optim, name)(e3_params, **kwargs)
    e3_opt.load_state_dict(_to_ember(t_opt.state_dict()))
    # loaded state is a copy for float params, but 'step' is kept as given (torch's policy)
    rng = np.random.default_rng(9)
    for k in range(5):
        set_grads(e_params, t_params, rng)
        for ps in (e2_params, e3_params):
            for p, src in zip(ps, e_params):
                p.grad = ember.from_numpy(src.grad.numpy().copy())
        for opt in (e_opt, e2_opt, e3_opt, t_opt):
            opt.step()
        for ps in (e_params, e2_params, e3_params):
            assert_params_equal(ps, t_params, f"after load, step {k + 1}")


def test_load_state_dict_errors():
    def mismatch_groups(lib):
        a = lib.optim.SGD([_p(lib, 2)], lr=0.1)
        b = lib.optim.SGD([{"params": [_p(lib, 2)]}, {"params": [_p(lib, 2)]}], lr=0.1)
        a.load_state_dict(b.state_dict())

    def mismatch_sizes(lib):
        a = lib.optim.SGD([_p(lib, 2)], lr=0.1)
        b = lib.optim.SGD([_p(lib, 2), _p(lib, 2)], lr=0.1)
        a.load_state_dict(b.state_dict())

    check_error(mismatch_groups)
    check_error(mismatch_sizes)


def test_load_state_dict_casts_state_to_param_dtype():
    p = ember.nn.Parameter(ember.zeros(3, dtype=ember.float64))
    opt = ember.optim.Adam([p])
    sd = {"state": {0: {"step": ember.tensor(3.0), "exp_avg": ember.ones(3), "exp_avg_sq": ember.ones(3)}},
          "param_groups": [dict(opt.state_dict()["param_groups"][0], lr=0.5)]}
    opt.load_state_dict(sd)
    assert opt.state[p]["exp_avg"].dtype == ember.float64 and opt.state[p]["step"].dtype == ember.float32
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[0]["params"] == [p]


def test_zero_grad():
    for set_to_none in (True, False):
        e, t = _p(ember, 2), _p(torch, 2)
        e.grad, t.grad = ember.ones(2), torch.ones(2)
        eo, to = ember.optim.SGD([e], lr=0.1), torch.optim.SGD([t], lr=0.1)
        eg = e.grad
        eo.zero_grad(set_to_none=set_to_none)
        to.zero_grad(set_to_none=set_to_none)
        assert (e.grad is None) == (t.grad is None) == set_to_none
        if not set_to_none:
            assert e.grad is eg and np.array_equal(e.grad.numpy(), t.grad.numpy())


def test_params_without_grad_are_skipped():
    e_params, t_params = make_params(np.float32)
    eo, to = ember.optim.Adam(e_params), torch.optim.Adam(t_params)
    set_grads(e_params, t_params, np.random.default_rng(0))
    e_params[1].grad = t_params[1].grad = None
    eo.step()
    to.step()
    assert len(eo.state) == len(to.state) == len(e_params) - 1
    assert np.array_equal(e_params[1].detach().numpy(), t_params[1].detach().numpy())


def test_step_with_closure_and_version_counter():
    p = ember.nn.Parameter(ember.ones(3))
    opt = ember.optim.SGD([p], lr=0.5)
    calls = []

    def closure():
        calls.append(ember.is_grad_enabled())
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    v = p._version
    with ember.no_grad():
        loss = opt.step(closure)
    assert calls == [True] and loss.item() == 3.0
    assert p._version > v
    assert np.array_equal(p.detach().numpy(), np.zeros(3, np.float32))


def test_step_hooks():
    for lib in (ember, torch):
        log = []
        p = _p(lib, 2)
        p.grad = lib.ones(2)
        opt = lib.optim.SGD([p], lr=0.1)
        h1 = opt.register_step_pre_hook(lambda o, a, k: log.append(("pre", type(o).__name__)))
        opt.register_step_post_hook(lambda o, a, k: log.append(("post", type(o).__name__)))
        g = importlib.import_module(lib.__name__ + ".optim.optimizer").register_optimizer_step_pre_hook(lambda o, a, k: log.append(("global", None)))
        opt.step()
        h1.remove()
        g.remove()
        opt.step()
        assert log == [("global", None), ("pre", "SGD"), ("post", "SGD"), ("post", "SGD")], lib.__name__


def test_state_dict_hooks():
    for lib in (ember, torch):
        opt = lib.optim.SGD([_p(lib, 2)], lr=0.1)
        opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
        seen = []
        opt.register_load_state_dict_pre_hook(lambda o, sd: seen.append(sorted(sd)))
        opt.register_load_state_dict_post_hook(lambda o: seen.append("post"))
        sd = opt.state_dict()
        assert sd["extra"] == 1
        opt.load_state_dict(sd)
        assert seen == [["extra", "param_groups", "state"], "post"]


def test_state_is_keyed_by_parameter():
    p = ember.nn.Parameter(ember.ones(2))
    p.grad = ember.ones(2)
    opt = ember.optim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    assert list(opt.state) == [p] and isinstance(opt.state, __import__("collections").defaultdict)


def test_no_warning_in_normal_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_trajectory("Adam", dict(), steps=3)


# --- the rounding kernels, op by op against torch's in-place ops ---------------------------------------------------
from ember.optim import optimizer as _opt  # noqa: E402


def _kernel_inputs(rng, dtype, n):
    x = rng.standard_normal(n).astype(dtype)
    y = (rng.standard_normal(n) * 10.0 ** rng.integers(-4, 3, n)).astype(dtype)
    z = (np.abs(rng.standard_normal(n)) + 0.1).astype(dtype)
    # integer-valued operands make exact float32 midpoints, the case the float64 emulation must correct
    k = n // 4
    x[:k] = rng.integers(-2 ** 20, 2 ** 20, k) * 0.5 ** rng.integers(0, 24, k)
    y[:k] = rng.integers(1, 2 ** 12, k)
    y[k:k + 3] = 0.0
    return x, y, z


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("n", [1, 7, 17, 40000])  # scalar tails, AVX512 body, several FMA chunks
def test_kernels_bitwise_like_torch_ops(dtype, n):
    rng = np.random.default_rng(n)
    T = lambda a: torch.from_numpy(a.copy())  # noqa: E731
    for trial in range(4):
        x, y, z = _kernel_inputs(rng, dtype, n)
        v = float(rng.choice([1e-3, 0.1, -0.37, 1.0, -1.0, 2.5]))
        w = float(rng.choice([0.001, 0.1, 0.4999, 0.5, 0.9, 1.0]))

        e = x.copy()
        _opt._k_add_(e, y, v)
        assert np.array_equal(e, T(x).add_(T(y), alpha=v).numpy()), ("add_", v)
        assert np.array_equal(_opt._add(x, y, v), T(x).add(T(y), alpha=v).numpy()), ("add", v)
        e = x.copy()
        _opt._k_lerp_(e, y, w)
        assert np.array_equal(e, T(x).lerp_(T(y), w).numpy()), ("lerp_", w)
        e = x.copy()
        _opt._k_addcmul_(e, y, z, v)
        assert np.array_equal(e, T(x).addcmul_(T(y), T(z), value=v).numpy()), ("addcmul_", v)
        e = x.copy()
        _opt._k_addcmul_(e, y, y, v)  # grad * grad, as Adam's second moment
        assert np.array_equal(e, T(x).addcmul_(T(y), T(y), value=v).numpy()), ("addcmul_ square", v)
        e = x.copy()
        _opt._k_addcdiv_(e, y, z, v)
        assert np.array_equal(e, T(x).addcdiv_(T(y), T(z), value=v).numpy()), ("addcdiv_", v)


def test_kernels_on_non_contiguous_and_0dim():
    rng = np.random.default_rng(1)
    base = rng.standard_normal((6, 8)).astype(np.float32)
    other = rng.standard_normal((6, 8)).astype(np.float32)
    e = base.copy()
    _opt._k_add_(e[:, ::2], other[:, ::2], -0.3)  # a strided view is written through
    t = torch.from_numpy(base.copy())
    t[:, ::2].add_(torch.from_numpy(other)[:, ::2], alpha=-0.3)
    assert np.array_equal(e, t.numpy())
    e0 = np.array(1.5, np.float32)
    _opt._k_lerp_(e0, np.array(-2.0, np.float32), 0.3)
    assert e0.shape == () and e0 == torch.tensor(1.5).lerp_(torch.tensor(-2.0), 0.3).item()
