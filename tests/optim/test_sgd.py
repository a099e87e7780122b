"""SGD vs torch.optim.SGD: bit-exact 100-step trajectories for every option, errors, state."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
import ember.optim  # noqa: F401  (until ember/__init__ imports it)
from _compare import check_error
from test_optimizer import check_trajectory

CASES = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.1, momentum=0.9, nesterov=True),
    dict(lr=0.1, weight_decay=0.05),
    dict(lr=0.1, momentum=0.5, dampening=0.1, weight_decay=0.01),
    dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True),
    dict(lr=0.01, maximize=True),
    dict(lr=0.1, momentum=0.9, weight_decay=0.01, foreach=True),  # torch's foreach path rounds the same
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_trajectory_bit_exact(kwargs, dtype):
    # SGD uses only fused multiply-adds and products: no sqrt, so no MKL allowance is needed
    check_trajectory("SGD", kwargs, dtype)


def test_state_only_with_momentum():
    e_opt, t_opt, *_ = check_trajectory("SGD", dict(lr=0.1), steps=2)
    assert len(e_opt.state) == len(t_opt.state) == 0
    e_opt, t_opt, e_params, t_params = check_trajectory("SGD", dict(lr=0.1, momentum=0.9), steps=2)
    assert [list(s) for s in e_opt.state.values()] == [list(s) for s in t_opt.state.values()] == [["momentum_buffer"]] * 6


@pytest.mark.parametrize("kwargs", [dict(lr=-1), dict(lr=0.1, momentum=-0.5), dict(lr=0.1, weight_decay=-1e-3),
                                    dict(lr=0.1, nesterov=True), dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)],
                         ids=str)
def test_errors(kwargs):
    check_error(lambda lib: lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], **kwargs))


def test_default_lr_and_repr():
    e = ember.optim.SGD([ember.nn.Parameter(ember.zeros(2))])
    t = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))])
    assert repr(e) == repr(t)
    assert e.defaults == t.defaults


# --- the momentum buffer's layout: torch clones the grad (plus wd*param), so the buffer has the grad's strides -------
def _strided(lib, a: np.ndarray, strides: tuple):
    """``a``'s values in a tensor with these element strides (dense ones)."""
    t = lib.empty_strided(a.shape, strides)
    t.copy_(lib.from_numpy(np.ascontiguousarray(a)))
    return t


GRAD_LAYOUTS = {
    "C": lambda lib, g: lib.from_numpy(g.copy()),
    "transposed": lambda lib, g: lib.from_numpy(np.ascontiguousarray(g.T)).t(),
    "strided": lambda lib, g: lib.from_numpy(np.repeat(g, 2, axis=1))[:, ::2],  # not dense: cloned contiguous
    "strided-transposed": lambda lib, g: lib.from_numpy(np.repeat(g.T, 2, axis=1))[:, ::2].t(),
    "expanded": lambda lib, g: lib.from_numpy(g[:1].copy()).expand(*g.shape),
}


@pytest.mark.parametrize("param_layout", ["C", "transposed"])
@pytest.mark.parametrize("grad_layout", list(GRAD_LAYOUTS))
@pytest.mark.parametrize("kwargs", [dict(), dict(weight_decay=0.1), dict(maximize=True), dict(nesterov=True),
                                    dict(weight_decay=0.1, maximize=True, dampening=0.0)], ids=str)
def test_momentum_buffer_strides_follow_the_grad(param_layout, grad_layout, kwargs):
    rng = np.random.default_rng(5)
    a, g = rng.standard_normal((6, 5)).astype(np.float32), rng.standard_normal((6, 5)).astype(np.float32)
    opts, params = [], []
    for lib in (ember, torch):
        p = lib.nn.Parameter(_strided(lib, a, (5, 1) if param_layout == "C" else (1, 6)))
        opt = lib.optim.SGD([p], lr=0.1, momentum=0.9, **kwargs)
        for k in range(3):
            p.grad = GRAD_LAYOUTS[grad_layout](lib, g * (k + 1))
            opt.step()
            if k == 0:
                first = opt.state[p]["momentum_buffer"].stride()
        opts.append(opt)
        params.append(p)
        # a fresh optimizer loading the state dict keeps the buffer's layout too
        q = lib.nn.Parameter(_strided(lib, a, (5, 1) if param_layout == "C" else (1, 6)))
        loaded = lib.optim.SGD([q], lr=0.1, momentum=0.9, **kwargs)
        loaded.load_state_dict(opt.state_dict())
        params.append((first, opt.state[p]["momentum_buffer"].stride(), loaded.state[q]["momentum_buffer"].stride()))
    (e_opt, t_opt), (ep, e_strides, tp, t_strides) = opts, params
    assert e_strides == t_strides
    assert tuple(ep.stride()) == tuple(tp.stride())
    assert np.array_equal(ep.detach().numpy(), tp.detach().numpy())
    assert np.array_equal(e_opt.state[ep]["momentum_buffer"].numpy(), t_opt.state[tp]["momentum_buffer"].numpy())


@pytest.mark.parametrize("shape,param_strides,grad_strides,kwargs", [
    ((3, 1, 4), (4, 4, 1), (1, 12, 3), dict()),                   # a size-1 dim's stride is kept by clone
    ((3, 1, 4), (4, 4, 1), (1, 12, 3), dict(maximize=True)),      # ... but neg of a dense tensor keeps it too
    ((1, 5), (5, 1), (1, 1), dict()),
    ((1, 5), (5, 1), (1, 1), dict(maximize=True)),                # neg of a contiguous tensor: C strides
    ((1, 5), (1, 1), (5, 1), dict(weight_decay=0.1)),             # both contiguous: C strides
    ((5, 1), (1, 5), (1, 1), dict(weight_decay=0.1)),
    ((2, 3, 4), (12, 4, 1), (3, 1, 6), dict(weight_decay=0.1)),   # the grad's dim order wins
    ((2, 3, 4), (3, 1, 6), (12, 4, 1), dict(weight_decay=0.1)),
    ((2, 3, 4, 5), (60, 1, 15, 3), (60, 1, 15, 3), dict(weight_decay=0.1)),  # channels-last
], ids=str)
def test_momentum_buffer_strides_size1_dims_and_permutations(shape, param_strides, grad_strides, kwargs):
    rng = np.random.default_rng(6)
    a, g = rng.standard_normal(shape).astype(np.float32), rng.standard_normal(shape).astype(np.float32)
    strides = []
    for lib in (ember, torch):
        p = lib.nn.Parameter(_strided(lib, a, param_strides))
        p.grad = _strided(lib, g, grad_strides)
        opt = lib.optim.SGD([p], lr=0.1, momentum=0.9, **kwargs)
        opt.step()
        opt.step()
        strides.append((opt.state[p]["momentum_buffer"].stride(), p.detach().numpy().copy()))
    assert strides[0][0] == strides[1][0]
    assert np.array_equal(strides[0][1], strides[1][1])


def test_momentum_buffer_size1_strides_survive_load_state_dict():
    strides = []
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.zeros(1, 5))
        p.grad = _strided(lib, np.ones((1, 5), np.float32), (1, 1))
        opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
        opt.step()
        loaded = lib.optim.SGD([p], lr=0.1, momentum=0.9)
        loaded.load_state_dict(opt.state_dict())
        strides.append(loaded.state[p]["momentum_buffer"].stride())
    assert strides[0] == strides[1]


def _random_layout(rng: np.random.Generator, shape: tuple):
    """A torch tensor of ``shape`` with a random dim order, random gaps and sometimes an expanded dim."""
    nd = len(shape)
    perm, steps = rng.permutation(nd), [int(rng.choice([1, 1, 2])) for _ in range(nd)]
    t = torch.zeros([shape[perm[i]] * steps[perm[i]] for i in range(nd)])
    t = t[tuple(slice(None, None, steps[perm[i]]) for i in range(nd))]
    if nd:
        t = t.permute(*np.argsort(perm).tolist())
        if rng.random() < 0.2:
            d = int(rng.integers(nd))
            t = t.narrow(d, 0, 1).expand(*shape)
    return t


def test_stride_rules_match_torch():
    """The layout rules behind the buffer (_functional.clone_strides / elementwise_strides) against torch's clone,
    neg and add on random dim orders, gaps, size-1 and expanded dims."""
    from ember.optim._functional import clone_strides, elementwise_strides

    rng = np.random.default_rng(12)
    for _ in range(600):
        shape = tuple(int(rng.choice([1, 2, 3, 4])) for _ in range(int(rng.integers(0, 5))))
        a, b = _random_layout(rng, shape), _random_layout(rng, shape)
        assert clone_strides(shape, a.stride()) == a.clone().stride(), (shape, a.stride())
        assert elementwise_strides(shape, a.stride()) == torch.neg(a).stride(), (shape, a.stride())
        assert elementwise_strides(shape, a.stride(), b.stride()) == torch.add(a, b).stride(), (a.stride(), b.stride())


def test_loaded_state_is_shared_when_dtype_matches():
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.zeros(3, 2))
        p.grad = lib.ones(3, 2)
        opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
        opt.step()
        sd = opt.state_dict()
        loaded = lib.optim.SGD([p], lr=0.1, momentum=0.9)
        loaded.load_state_dict(sd)
        assert loaded.state[p]["momentum_buffer"] is sd["state"][0]["momentum_buffer"]
        double = lib.optim.SGD([lib.nn.Parameter(lib.zeros(3, 2, dtype=lib.float64))], lr=0.1, momentum=0.9)
        double.load_state_dict(opt.state_dict())
        assert next(iter(double.state.values()))["momentum_buffer"] is not sd["state"][0]["momentum_buffer"]
