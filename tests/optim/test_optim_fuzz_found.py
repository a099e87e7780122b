"""Differences from torch.optim found by tools/fuzz/fuzz_optim.py, each checked against torch directly."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import check_error
from test_optimizer import torch_sqrt  # noqa: F401  (fixture)


def _pair(shape=(5, 3), dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(dtype)
    return ember.nn.Parameter(ember.from_numpy(a.copy())), torch.nn.Parameter(torch.from_numpy(a.copy()))


def _set_grad(ep, tp, rng):
    g = rng.standard_normal(tuple(tp.shape)).astype(tp.detach().numpy().dtype)
    ep.grad, tp.grad = ember.from_numpy(g.copy()), torch.from_numpy(g.copy())


@pytest.mark.parametrize("name,kwargs", [
    ("Adam", dict(amsgrad=True)), ("AdamW", dict(weight_decay=0.5)), ("AdamW", dict(weight_decay=0.1)),
    ("Adagrad", dict(lr_decay=0.1)), ("SGD", dict(momentum=0.9)), ("RMSprop", dict(centered=True))], ids=str)
@pytest.mark.parametrize("lr_dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,dtype", [((5, 3), np.float32), ((2000,), np.float32), ((4,), np.float64)],
                         ids=["small", "large", "f64"])
def test_tensor_lr_rounds_in_its_dtype(name, kwargs, lr_dtype, shape, dtype, torch_sqrt):
    """torch keeps a 0-dim Tensor lr a Tensor: ``lr / bias_correction`` and ``1 - lr*wd`` are tensor ops."""
    ep, tp = _pair(shape, dtype)
    eo = getattr(ember.optim, name)([ep], lr=ember.tensor(1 / 3, dtype=getattr(ember, lr_dtype)), **kwargs)
    to = getattr(torch.optim, name)([tp], lr=torch.tensor(1 / 3, dtype=getattr(torch, lr_dtype)), **kwargs)
    rng = np.random.default_rng(1)
    for k in range(4):
        _set_grad(ep, tp, rng)
        eo.step()
        to.step()
        assert np.array_equal(ep.detach().numpy(), tp.detach().numpy()), k


def test_state_dict_ids_of_a_param_listed_twice():
    """A param listed twice in one group takes its last position (torch builds the group's map, then merges)."""
    def ids(lib):
        p, q = lib.nn.Parameter(lib.zeros(2)), lib.nn.Parameter(lib.zeros(1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt = lib.optim.SGD([{"params": [p, q, p]}, {"params": [lib.nn.Parameter(lib.zeros(1))]}], lr=0.1)
        return [g["params"] for g in opt.state_dict()["param_groups"]]

    assert ids(ember) == ids(torch) == [[2, 1, 2], [3]]


def test_step_does_not_warn_on_nan():
    """eps=0 with zero grads divides 0 by 0: NaN, silently, as in torch."""
    ep, tp = _pair()
    ep.grad, tp.grad = ember.zeros(5, 3), torch.zeros(5, 3)
    eo, to = ember.optim.Adam([ep], eps=0.0), torch.optim.Adam([tp], eps=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eo.step()
    to.step()
    assert np.array_equal(ep.detach().numpy(), tp.detach().numpy(), equal_nan=True)


def _step(lib, name, **kwargs):
    p = lib.nn.Parameter(lib.ones(3))
    p.grad = lib.full((3,), 0.5)
    opt = getattr(lib.optim, name)([p], lr=0.1, **kwargs)
    opt.step()


@pytest.mark.parametrize("name,kwargs", [
    ("Adam", dict(lr=0.1, foreach=True)),  # constructor
    ("AdamW", dict(lr=0.1, foreach=True)),
], ids=str)
def test_tensor_lr_with_foreach_is_refused(name, kwargs):
    check_error(lambda lib: getattr(lib.optim, name)([lib.nn.Parameter(lib.ones(2))],
                                                     **dict(kwargs, lr=lib.tensor(0.1))))


def test_tensor_lr_group_with_foreach_fails_at_step():
    def run(lib):
        opt = lib.optim.Adam([lib.nn.Parameter(lib.ones(2))], foreach=True)
        p = lib.nn.Parameter(lib.ones(2))
        p.grad = lib.ones(2)
        opt.add_param_group({"params": [p], "lr": lib.tensor(0.1)})
        opt.step()

    check_error(run)


@pytest.mark.parametrize("name,kwargs", [
    ("Adam", dict(capturable=True)), ("Adam", dict(capturable=True, foreach=True)),
    ("AdamW", dict(capturable=True)), ("RMSprop", dict(capturable=True)),
    ("RMSprop", dict(capturable=True, foreach=True)),
    ("Adam", dict(differentiable=True)), ("Adam", dict(differentiable=True, foreach=True)),
    ("AdamW", dict(differentiable=True)), ("RMSprop", dict(differentiable=True, momentum=0.5, centered=True)),
    ("RMSprop", dict(differentiable=True, foreach=True)), ("Adagrad", dict(differentiable=True)),
    ("Adagrad", dict(differentiable=True, foreach=True)), ("SGD", dict(differentiable=True, momentum=0.9)),
], ids=str)
def test_cpu_step_refuses_capturable_and_leaf_differentiable(name, kwargs):
    """torch accepts these flags at construction but its CPU step raises; the state it leaves behind matches."""
    e_exc, _ = check_error(lambda lib: _step(lib, name, **kwargs))
    states = []
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.ones(3))
        p.grad = lib.full((3,), 0.5)
        opt = getattr(lib.optim, name)([p], lr=0.1, **kwargs)
        with pytest.raises(type(e_exc)):
            opt.step()
        states.append({k: v.numpy().tolist() for k, v in opt.state[p].items()})
        assert p.detach().numpy().tolist() == [1.0, 1.0, 1.0]
    assert states[0] == states[1]


@pytest.mark.parametrize("name,kwargs", [("Adam", dict(amsgrad=True)), ("RMSprop", dict(centered=True, momentum=0.5)),
                                         ("Adagrad", dict(initial_accumulator_value=0.5))], ids=str)
@pytest.mark.parametrize("shape", [(3, 1), (1, 6), (4, 5)])
def test_state_keeps_the_param_strides_of_size_one_dims(name, kwargs, shape, torch_sqrt):
    """torch's zeros_like/full_like/.to keep a dense param's strides, those of size-1 dims too (NumPy's *_like
    normalize them); checked on creation and after loading into params of the other dtype (a cast)."""
    a = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    strides = []
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.from_numpy(np.asfortranarray(a)))
        p.grad = lib.ones(*shape)
        opt = getattr(lib.optim, name)([p], **kwargs)
        opt.step()
        q = lib.nn.Parameter(lib.from_numpy(np.asfortranarray(a.astype(np.float64))))
        loaded = getattr(lib.optim, name)([q], **kwargs)
        loaded.load_state_dict(opt.state_dict())
        strides.append([(k, v.stride(), str(v.dtype)) for o, x in ((opt, p), (loaded, q)) for k, v in o.state[x].items()])
    assert strides[0] == strides[1]


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("beta_dtype", ["float32", "float64"])
@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.3, 0.7)])
@pytest.mark.parametrize("shape,dtype,tensor_lr", [((5, 3), np.float32, False), ((2000,), np.float32, True),
                                                   ((4,), np.float64, False)], ids=["small", "large-lr", "f64"])
def test_tensor_betas_round_as_tensor_ops(name, beta_dtype, betas, shape, dtype, tensor_lr, torch_sqrt):
    """Tensor betas stay Tensors (in param_groups too): bias corrections, step size and lerp weight are 0-dim
    tensor ops in their dtype, pow computed in double and rounded once."""
    ep, tp = _pair(shape, dtype)
    opts = []
    for lib, p in ((ember, ep), (torch, tp)):
        lr = lib.tensor(0.1) if tensor_lr else 1 / 3
        b = tuple(lib.tensor(x, dtype=getattr(lib, beta_dtype)) for x in betas)
        opts.append(getattr(lib.optim, name)([p], lr=lr, betas=b, amsgrad=True, weight_decay=0.1))
    assert repr(opts[0]) == repr(opts[1])
    rng = np.random.default_rng(2)
    for k in range(5):
        _set_grad(ep, tp, rng)
        for o in opts:
            o.step()
        assert np.array_equal(ep.detach().numpy(), tp.detach().numpy()), k


@pytest.mark.parametrize("make", [
    lambda lib: lib.optim.Adam([lib.nn.Parameter(lib.ones(2))], betas=(lib.tensor(0.9), lib.tensor(0.99)),
                               foreach=True),
    lambda lib: lib.optim.Adam([lib.nn.Parameter(lib.ones(2))], betas=(lib.tensor(0.9), lib.tensor([0.9, 0.99]))),
], ids=["foreach", "numel"])
def test_tensor_betas_errors(make):
    check_error(make)


def test_tensor_betas_in_a_foreach_group_fail_at_step():
    def run(lib):
        opt = lib.optim.Adam([lib.nn.Parameter(lib.ones(2))], foreach=True)
        p = lib.nn.Parameter(lib.ones(2))
        p.grad = lib.ones(2)
        opt.add_param_group({"params": [p], "betas": (lib.tensor(0.9), lib.tensor(0.99))})
        opt.step()

    check_error(run)


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Adagrad", "SGD"])
def test_leaf_error_follows_the_optimizers_differentiable(name):
    """torch sets grad mode from defaults['differentiable']: a loaded group without the flag still fails."""
    def run(lib):
        p = lib.nn.Parameter(lib.ones(2))
        sd = getattr(lib.optim, name)([p], lr=0.1).state_dict()
        opt = getattr(lib.optim, name)([p], lr=0.1, differentiable=True)
        opt.load_state_dict(sd)  # the groups now say differentiable=False
        p.grad = lib.ones(2)
        opt.step()

    check_error(run)


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Adagrad"])
def test_load_state_dict_upgrades_number_steps(name):
    """State dicts of older torch kept ``step`` as a number; loading makes it a 0-dim float32 tensor."""
    out = []
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.ones(2))
        p.grad = lib.ones(2)
        opt = getattr(lib.optim, name)([p])
        opt.step()
        sd = opt.state_dict()
        sd["state"][0]["step"] = 3
        opt2 = getattr(lib.optim, name)([p])
        opt2.load_state_dict(sd)
        step = opt2.state[p]["step"]
        out.append((type(step).__name__, str(step.dtype), step.item()))
    assert out[0] == out[1] == ("Tensor", "torch.float32", 3.0)


@pytest.mark.parametrize("name,kwargs", [
    ("Adam", dict(amsgrad=True, weight_decay=0.1, maximize=True)), ("AdamW", dict(amsgrad=True)),
    ("RMSprop", dict(centered=True, momentum=0.5, weight_decay=0.3)),
    ("Adagrad", dict(initial_accumulator_value=0.3, lr_decay=0.1, weight_decay=0.2)),
    ("SGD", dict(weight_decay=0.1, momentum=0.9, nesterov=True))], ids=str)
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_params_update_as_real_pairs(name, kwargs, dtype, torch_sqrt):
    """torch's Adam, RMSprop and Adagrad view complex params, grads and state as real pairs (after a complex
    weight decay); ember's squares and roots were complex arithmetic."""
    rng = np.random.default_rng(3)
    a = (rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))).astype(dtype)
    params = [lib.nn.Parameter(lib.from_numpy(a.copy())) for lib in (torch, ember)]
    opts = [getattr(lib.optim, name)([p], lr=0.1, **kwargs) for lib, p in zip((torch, ember), params)]
    for k in range(3):
        g = (rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))).astype(dtype)
        for lib, p, o in zip((torch, ember), params, opts):
            p.grad = lib.from_numpy(g.copy())
            o.step()
        assert np.array_equal(params[0].detach().numpy(), params[1].detach().numpy()), k
        for key, tv in opts[0].state[params[0]].items():
            assert np.array_equal(tv.numpy(), opts[1].state[params[1]][key].numpy()), key


@pytest.mark.parametrize("kwargs", [dict(momentum=0.5, nesterov=True), dict(momentum=0.9, dampening=0.0)])
def test_complex_sgd_with_inf_grads(kwargs):
    """torch's add with alpha 1 still multiplies in complex arithmetic: (1+0j)*(inf+0j) = inf+nanj."""
    out = []
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.from_numpy(np.array([1 + 2j, 3 - 1j, 0j])))
        opt = lib.optim.SGD([p], lr=0.3, **kwargs)
        for g in ([1 + 1j, 2 - 1j, 0.5 + 0.5j], [np.inf + 0j, complex(1, np.nan), complex(1, np.inf)]):
            p.grad = lib.from_numpy(np.array(g))
            opt.step()
        out.append(str(opt.state[p]["momentum_buffer"].numpy()) + str(p.detach().numpy()))
    assert out[0] == out[1]


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Adagrad", "SGD"])
def test_differentiable_complex_leaf_error_and_state(name):
    """Adam, RMSprop and Adagrad write a complex param through its real view: torch's error names a view."""
    out = []
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.from_numpy(np.array([1 + 2j, 3 - 1j])))
        p.grad = lib.from_numpy(np.array([0.5 + 1j, -1j]))
        opt = getattr(lib.optim, name)([p], lr=0.1, differentiable=True)
        with pytest.raises(RuntimeError) as info:
            opt.step()
        out.append((str(info.value), {k: v.numpy().tolist() for k, v in opt.state[p].items()}))
    assert out[0] == out[1]


def test_adamw_decays_a_complex_param_in_complex_arithmetic():
    """AdamW's ``p *= 1 - lr*wd`` comes before torch views the param as real: inf * (d+0j) has a NaN part."""
    out = []
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.from_numpy(np.array([complex(np.inf, 1), 3 - 1j], np.complex64)))
        opt = lib.optim.AdamW([p], lr=0.1, weight_decay=0.1)
        p.grad = lib.from_numpy(np.array([0.5 + 1j, -1j], np.complex64))
        opt.step()
        out.append(str(p.detach().numpy()))
    assert out[0] == out[1]
