"""The one torch-comparison helper: run the same op in ember and torch, compare everything.

``check_op(fn, inputs)`` calls ``fn(lib, *tensors)`` with ``lib`` = ember and torch,
on tensors built from the same NumPy arrays, and compares output values, dtype,
shape and grad_fn name, then the gradients of every floating input (through
``autograd.grad`` with the same random upstream gradient).
"""
from __future__ import annotations

import numpy as np
import torch

import ember

# float32 results may differ from torch's by a few ulps (different SIMD kernels and summation order)
TOL = {
    np.dtype(np.float64): dict(rtol=1e-12, atol=1e-12),
    np.dtype(np.float32): dict(rtol=2e-6, atol=2e-6),
    np.dtype(np.float16): dict(rtol=2e-3, atol=2e-3),
}


def to_numpy(t) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.detach().numpy()


def assert_same(e, t, *, rtol=None, atol=None, check_grad_fn=True, what="output") -> None:
    """Values, dtype, shape (and grad_fn name) of an ember tensor equal a torch tensor's."""
    assert isinstance(e, ember.Tensor), f"{what}: expected an ember.Tensor, got {type(e).__name__}"
    assert str(e.dtype) == str(t.dtype), f"{what}: dtype {e.dtype} != {t.dtype}"
    assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} != {tuple(t.shape)}"
    if check_grad_fn:
        en = e.grad_fn.name() if e.grad_fn is not None else None
        tn = t.grad_fn.name() if t.grad_fn is not None else None
        assert en == tn, f"{what}: grad_fn {en} != {tn}"
    a, b = to_numpy(e), to_numpy(t)
    if a.dtype.kind in "fc":
        tol = dict(TOL.get(a.dtype, dict(rtol=1e-6, atol=1e-6)))
        if rtol is not None:
            tol["rtol"] = rtol
        if atol is not None:
            tol["atol"] = atol
        np.testing.assert_allclose(a, b, equal_nan=True, err_msg=what, **tol)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def _make(lib, arr: np.ndarray, requires_grad: bool):
    if lib is torch:
        t = torch.from_numpy(arr.copy())
    else:
        t = ember.from_numpy(arr.copy())
    if requires_grad:
        t.requires_grad_(True)
    return t


def check_op(fn, inputs, *, grad=True, rtol=None, atol=None, grad_rtol=None, grad_atol=None,
             check_grad_fn=True, seed=0):
    """Compare ``fn(ember, *xs)`` with ``fn(torch, *xs)``; returns the two results.

    ``inputs``: NumPy arrays (floating ones get requires_grad when ``grad``) or
    ``(array, requires_grad)`` pairs; anything else is passed through unchanged.
    """
    e_args, t_args, diff = [], [], []
    for x in inputs:
        rg = None
        if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], np.ndarray):
            x, rg = x
        if isinstance(x, np.ndarray):
            if rg is None:
                rg = grad and x.dtype.kind == "f"
            e_args.append(_make(ember, x, rg))
            t_args.append(_make(torch, x, rg))
            if rg:
                diff.append(len(e_args) - 1)
        else:
            e_args.append(x)
            t_args.append(x)
    t_out = fn(torch, *t_args)
    e_out = fn(ember, *e_args)
    t_outs = t_out if isinstance(t_out, (tuple, list)) else (t_out,)
    e_outs = e_out if isinstance(e_out, (tuple, list)) else (e_out,)
    assert len(t_outs) == len(e_outs)
    for i, (e, t) in enumerate(zip(e_outs, t_outs)):
        assert_same(e, t, rtol=rtol, atol=atol, check_grad_fn=check_grad_fn, what=f"output {i}")
    if not diff:
        return e_out, t_out
    # gradients: same random upstream grad for every differentiable output
    rng = np.random.default_rng(seed)
    t_roots, e_roots, gos_t, gos_e = [], [], [], []
    for e, t in zip(e_outs, t_outs):
        if t.requires_grad:
            go = rng.standard_normal(tuple(t.shape)).astype(to_numpy(t).dtype)
            t_roots.append(t)
            e_roots.append(e)
            gos_t.append(torch.from_numpy(go.copy()))
            gos_e.append(ember.from_numpy(go.copy()))
    if not t_roots:
        return e_out, t_out
    t_in = [t_args[i] for i in diff]
    e_in = [e_args[i] for i in diff]
    tg = torch.autograd.grad(t_roots, t_in, gos_t, allow_unused=True)
    eg = ember.autograd.grad(e_roots, e_in, gos_e, allow_unused=True)
    for k, (a, b) in enumerate(zip(eg, tg)):
        if b is None:
            assert a is None or not np.any(to_numpy(a)), f"grad {k}: torch has no grad, ember has one"
            continue
        assert a is not None, f"grad {k}: ember returned None"
        assert_same(a, b, rtol=grad_rtol if grad_rtol is not None else rtol,
                    atol=grad_atol if grad_atol is not None else atol, check_grad_fn=False, what=f"grad of input {diff[k]}")
    return e_out, t_out


def check_error(fn, *, match_message: bool = True):
    """``fn(lib)`` must raise the same exception type (and message) in ember as in torch."""
    try:
        fn(torch)
    except Exception as te:  # noqa: BLE001
        t_exc = te
    else:
        raise AssertionError("torch did not raise")
    try:
        fn(ember)
    except Exception as ee:  # noqa: BLE001
        e_exc = ee
    else:
        raise AssertionError(f"ember did not raise; torch raised {type(t_exc).__name__}: {t_exc}")
    assert type(e_exc).__name__ == type(t_exc).__name__, f"{type(e_exc).__name__}({e_exc}) != {type(t_exc).__name__}({t_exc})"
    if match_message:
        assert str(e_exc) == str(t_exc), f"message differs:\n ember: {e_exc}\n torch: {t_exc}"
    return e_exc, t_exc
