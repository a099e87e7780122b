"""Build a layer in torch and in ember from the same seed and compare everything.

``make_pair`` checks that init gives bit-identical parameters and the same repr; ``check_module`` runs
both on the same inputs (train or eval mode), then compares outputs (values, dtype, shape, grad_fn)
and the gradients of every floating input and every parameter for the same upstream gradient.
"""
from __future__ import annotations

import numpy as np
import torch

import ember
from _compare import assert_same


def make_pair(name: str, *args, seed: int = 0, **kwargs):
    """``torch.nn.<name>(*args, **kwargs)`` and ember's, each built right after ``manual_seed(seed)``."""
    torch.manual_seed(seed)
    t_mod = getattr(torch.nn, name)(*args, **_lib_kwargs(torch, kwargs))
    ember.manual_seed(seed)
    e_mod = getattr(ember.nn, name)(*args, **_lib_kwargs(ember, kwargs))
    assert repr(e_mod) == repr(t_mod)
    assert_same_params(e_mod, t_mod)
    return e_mod, t_mod


def _lib_kwargs(lib, kwargs: dict) -> dict:
    # dtype given as a string ("float64") becomes lib.float64
    out = dict(kwargs)
    if isinstance(out.get("dtype"), str):
        out["dtype"] = getattr(lib, out["dtype"])
    return out


def assert_same_params(e_mod, t_mod) -> None:
    """Same parameter and buffer names, order, dtypes, requires_grad and bits."""
    e_params, t_params = dict(e_mod.named_parameters()), dict(t_mod.named_parameters())
    assert list(e_params) == list(t_params)
    for k, t in t_params.items():
        e = e_params[k]
        assert isinstance(e, ember.nn.Parameter)
        assert str(e.dtype) == str(t.dtype) and e.requires_grad == t.requires_grad, k
        assert np.array_equal(e.detach().numpy(), t.detach().numpy()), f"{k} differs"
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())


def copy_state(t_mod, e_mod) -> None:
    """Load torch's current state into the ember module."""
    e_mod.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t_mod.state_dict().items()})


def set_weights(t_mod, e_mod, seed: int = 0) -> None:
    """Overwrite every floating parameter with the same random values (custom weights), in both modules."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in t_mod.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(p.detach().numpy().dtype)))
    copy_state(t_mod, e_mod)
    assert_same_params(e_mod, t_mod)


def _make(lib, x, requires_grad):
    t = (torch.from_numpy if lib is torch else ember.from_numpy)(x.copy())
    return t.requires_grad_(True) if requires_grad else t


def check_module(e_mod, t_mod, *inputs, train: bool = True, seed: int | None = None, rtol=None, atol=None,
                 grad_rtol=None, grad_atol=None, grad: bool = True, nonleaf: bool = False):
    """Run both modules on the same NumPy inputs and compare outputs and all gradients.

    Floating inputs require grad (when ``grad``); pass ``(array, False)`` to keep one constant.
    ``seed`` re-seeds both generators right before the forward, for layers that draw random numbers.
    ``nonleaf`` feeds the module ``input.clone()`` (for in-place layers; grads still reach the input).
    """
    e_mod.train(train)
    t_mod.train(train)
    e_in, t_in = [], []
    for x in inputs:
        rg = None
        if isinstance(x, tuple):
            x, rg = x
        if isinstance(x, np.ndarray):
            rg = grad and x.dtype.kind == "f" if rg is None else rg
            e_in.append(_make(ember, x, rg))
            t_in.append(_make(torch, x, rg))
        else:
            e_in.append(x)
            t_in.append(x)
    if seed is not None:
        torch.manual_seed(seed)
        ember.manual_seed(seed)
    def feed(xs):
        return [x.clone() if nonleaf and hasattr(x, "clone") else x for x in xs]

    t_out = t_mod(*feed(t_in))
    e_out = e_mod(*feed(e_in))
    assert_same(e_out, t_out, rtol=rtol, atol=atol)
    if not (grad and t_out.requires_grad):
        return e_out, t_out
    go = np.random.default_rng(1).standard_normal(tuple(t_out.shape)).astype(t_out.detach().numpy().dtype)
    t_out.backward(torch.from_numpy(go.copy()))
    e_out.backward(ember.from_numpy(go.copy()))
    grad_tol = dict(rtol=grad_rtol if grad_rtol is not None else rtol, atol=grad_atol if grad_atol is not None else atol)
    for i, (e, t) in enumerate(zip(e_in, t_in)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert_same(e.grad, t.grad, check_grad_fn=False, what=f"grad of input {i}", **grad_tol)
    for (name, e), (_, t) in zip(e_mod.named_parameters(), t_mod.named_parameters()):
        if t.grad is None:
            assert e.grad is None, f"{name}: torch has no grad"
        else:
            assert e.grad is not None, f"{name}: ember has no grad"
            assert_same(e.grad, t.grad, check_grad_fn=False, what=f"grad of {name}", **grad_tol)
    return e_out, t_out


def randn(*shape, dtype="float32", seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)
