"""LBFGS vs torch.optim.LBFGS: the same iterations, evaluations and state structure; values within rounding.

Not bit-exact: torch's dot is MKL's sdot/ddot, whose order of additions no simple order reproduces (see
ember/optim/lbfgs.py), so directions differ from torch's by a few ulps."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import check_error
from test_nadam import check_repr_defaults


def _run(lib, kwargs: dict, dtype, steps: int = 4, complex_param: bool = False):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((20, 5)).astype(dtype)
    b = rng.standard_normal(20).astype(dtype)
    w0 = rng.standard_normal(5).astype(dtype)
    w = lib.nn.Parameter(lib.from_numpy(w0.copy()))
    v = lib.nn.Parameter(lib.from_numpy(rng.standard_normal(3).astype(dtype)))
    A_, b_ = lib.from_numpy(A), lib.from_numpy(b)
    opt = lib.optim.LBFGS([w, v], **kwargs)

    def closure():
        opt.zero_grad()
        loss = ((A_ @ w - b_) ** 2).sum() + (w ** 4).sum() * 0.1 + ((v - 1) ** 2).sum()
        loss.backward()
        return loss

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # float() of a loss that requires grad warns, in both libraries
        losses = [float(opt.step(closure)) for _ in range(steps)]
    return opt, [w, v], losses


CASES = [dict(), dict(line_search_fn="strong_wolfe"), dict(history_size=2, max_iter=5), dict(lr=0.1, max_iter=7),
         dict(tolerance_grad=1e-3, max_eval=9)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_matches_torch(kwargs, dtype):
    e_opt, e_params, e_losses = _run(ember, kwargs, dtype)
    t_opt, t_params, t_losses = _run(torch, kwargs, dtype)
    tol = dict(rtol=1e-3, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(e_losses, t_losses, **tol)
    for ep, tp in zip(e_params, t_params):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), **tol)
    es, ts = e_opt.state[e_params[0]], t_opt.state[t_params[0]]
    assert list(es) == list(ts) and len(e_opt.state) == len(t_opt.state) == 1
    if dtype == np.float32:  # a few ulps apart, float32 may stop an iteration earlier or later on a tolerance
        return
    assert (es["func_evals"], es["n_iter"]) == (ts["func_evals"], ts["n_iter"])
    assert len(es["old_dirs"]) == len(ts["old_dirs"]) and len(es["ro"]) == len(ts["ro"])
    for key, tv in ts.items():
        ev = es[key]
        if isinstance(tv, list):
            assert len(ev) == len(tv) and [type(x).__name__ for x in ev] == [type(x).__name__ for x in tv], key
        else:
            assert type(ev).__name__ == type(tv).__name__, key
        if isinstance(tv, torch.Tensor):
            assert str(ev.dtype) == str(tv.dtype) and tuple(ev.shape) == tuple(tv.shape), key


def test_state_dict_round_trip():
    e_opt, e_params, _ = _run(ember, dict(history_size=3), np.float64, steps=2)
    t_opt, t_params, _ = _run(torch, dict(history_size=3), np.float64, steps=2)
    esd, tsd = e_opt.state_dict(), t_opt.state_dict()
    assert esd["param_groups"] == tsd["param_groups"]
    assert list(esd["state"]) == list(tsd["state"]) == [0]
    fresh = ember.optim.LBFGS(e_params, history_size=3)
    fresh.load_state_dict(esd)
    assert list(fresh.state[e_params[0]]) == list(tsd["state"][0])


def test_optimal_start_returns_without_state():
    for lib in (ember, torch):
        w = lib.nn.Parameter(lib.zeros(3))
        opt = lib.optim.LBFGS([w])

        def closure():
            opt.zero_grad()
            loss = (w ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        assert dict(opt.state[w]) == {"func_evals": 1, "n_iter": 0}


def test_errors():
    check_error(lambda lib: lib.optim.LBFGS([lib.nn.Parameter(lib.zeros(2))], lr=-1))
    check_error(lambda lib: lib.optim.LBFGS([{"params": [lib.nn.Parameter(lib.zeros(2))]},
                                             {"params": [lib.nn.Parameter(lib.zeros(2))]}]))

    def bad_line_search(lib):
        w = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.LBFGS([w], line_search_fn="backtracking")

        def closure():
            opt.zero_grad()
            loss = (w ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)

    check_error(bad_line_search)


def test_repr_and_defaults():
    check_repr_defaults("LBFGS", dict(max_iter=8))
    check_repr_defaults("LBFGS", dict(line_search_fn="strong_wolfe", max_eval=3))


def test_complex_param_as_pairs_of_reals():
    # the closure sets the grad itself (d|w|^2/dw* = 2w, torch's convention), so only the optimizer is compared
    results = []
    for lib in (ember, torch):
        w = lib.nn.Parameter(lib.from_numpy(np.array([1 + 2j, -1 + 0.5j, 0.25 - 3j], np.complex128)))
        opt = lib.optim.LBFGS([w], max_iter=3)

        def closure():
            x = w.detach().numpy()
            w.grad = lib.from_numpy(2 * x + np.array([0.5, -1j, 0]))
            return lib.tensor(float(np.sum(np.abs(x) ** 2) + np.real(x[0]) - np.imag(x[1])), dtype=lib.float64)

        for _ in range(3):
            opt.step(closure)
        results.append((w.detach().numpy().copy(), opt.state[w]["n_iter"], opt.state[w]["func_evals"]))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10, atol=1e-12)
    assert results[0][1:] == results[1][1:]
