"""clip_grad_norm_ & co. vs torch.nn.utils: norms and clipped grads bit-identical (2-norm and inf-norm)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.utils as tnu

import ember
import ember.nn.utils as enu
from _compare import check_error

# sizes hit torch's 8-lane body, the 4-wide tail chunk and the fused scalar tail
SHAPES = [(5, 3), (3,), (2, 3, 4), (), (37,), (4, 16), (13,), (300, 7), (1,)]


def _params(dtypes, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    e, t = [], []
    for i, shape in enumerate(SHAPES):
        dt = dtypes[i % len(dtypes)]
        w = np.asarray(rng.standard_normal(shape)).astype(dt)
        g = np.asarray(rng.standard_normal(shape) * scale * 10.0 ** rng.integers(-2, 2)).astype(dt)
        ep, tp = ember.nn.Parameter(ember.from_numpy(w.copy())), torch.nn.Parameter(torch.from_numpy(w.copy()))
        ep.grad, tp.grad = ember.from_numpy(g.copy()), torch.from_numpy(g.copy())
        e.append(ep)
        t.append(tp)
    return e, t


def _same(e, t, what=""):
    assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape), what
    assert np.array_equal(e.detach().numpy(), t.detach().numpy(), equal_nan=True), f"{what}: {e} != {t}"


@pytest.mark.parametrize("dtypes", [[np.float32], [np.float64], [np.float32, np.float64]], ids=["f32", "f64", "mixed"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
@pytest.mark.parametrize("norm_type", [2.0, 2, float("inf")])
def test_clip_grad_norm_bit_exact(dtypes, max_norm, norm_type):
    for seed in range(5):
        e, t = _params(dtypes, seed)
        en = enu.clip_grad_norm_(e, max_norm, norm_type)
        tn = tnu.clip_grad_norm_(t, max_norm, norm_type)
        _same(en, tn, "total norm")
        for i, (ep, tp) in enumerate(zip(e, t)):
            _same(ep.grad, tp.grad, f"grad {i}")


@pytest.mark.parametrize("norm_type", [1.0, 3.0, 0.5])
def test_other_norm_types_close(norm_type):
    # deliberate: the summation order of torch's p != 2 kernels is not reproduced, so only ~ulps close
    e, t = _params([np.float32])
    en = enu.clip_grad_norm_(e, 0.5, norm_type)
    tn = tnu.clip_grad_norm_(t, 0.5, norm_type)
    np.testing.assert_allclose(en.numpy(), tn.numpy(), rtol=1e-5)
    for ep, tp in zip(e, t):
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_get_total_norm_and_clip_grads_with_norm():
    e, t = _params([np.float32], seed=3)
    en = enu.get_total_norm([p.grad for p in e])
    tn = tnu.get_total_norm([p.grad for p in t])
    _same(en, tn)
    enu.clip_grads_with_norm_(e, 1.0, en)
    tnu.clip_grads_with_norm_(t, 1.0, tn)
    for ep, tp in zip(e, t):
        _same(ep.grad, tp.grad)
    _same(enu.get_total_norm([]), tnu.get_total_norm([]))
    _same(enu.get_total_norm(e[0].grad), tnu.get_total_norm(t[0].grad))


def test_params_without_grad_and_single_tensor():
    e, t = _params([np.float32], seed=4)
    e[2].grad = t[2].grad = None
    _same(enu.clip_grad_norm_(e, 0.1), tnu.clip_grad_norm_(t, 0.1))
    _same(enu.clip_grad_norm_(e[0], 0.1), tnu.clip_grad_norm_(t[0], 0.1))
    _same(e[0].grad, t[0].grad)


def test_nonfinite():
    for value in (float("inf"), float("nan")):
        e, t = _params([np.float32], seed=5)
        e[1].grad._data[0] = value
        t[1].grad[0] = value
        _same(enu.clip_grad_norm_(e, 1.0), tnu.clip_grad_norm_(t, 1.0))
        for ep, tp in zip(e, t):
            np.testing.assert_array_equal(ep.grad.numpy(), tp.grad.numpy())

    def raise_nonfinite(lib):
        p = lib.nn.Parameter(lib.zeros(3))
        p.grad = lib.tensor([1.0, float("inf"), 0.0])
        (enu if lib is ember else tnu).clip_grad_norm_([p], 1.0, error_if_nonfinite=True)

    check_error(raise_nonfinite)


def test_empty_generator_warns():
    for mod in (enu, tnu):
        with pytest.warns(UserWarning, match="empty generator"):
            mod.clip_grad_norm_((p for p in []), 1.0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            mod.clip_grad_norm_([], 1.0)


def test_deprecated_alias():
    for mod in (enu, tnu):
        with pytest.warns(FutureWarning, match="deprecated"):
            mod.clip_grad_norm([], 1.0)


@pytest.mark.parametrize("clip_value", [0.05, 1, -0.1])
def test_clip_grad_value(clip_value):
    for dtypes in ([np.float32], [np.float64]):
        e, t = _params(dtypes, seed=6)
        enu.clip_grad_value_(e, clip_value)
        tnu.clip_grad_value_(t, clip_value)
        for ep, tp in zip(e, t):
            _same(ep.grad, tp.grad)


def test_returns_and_version_counter():
    e, _ = _params([np.float32])
    v = e[0].grad._version
    assert enu.clip_grad_value_(e, 0.1) is None
    assert e[0].grad._version > v
    assert isinstance(enu.clip_grad_norm_(e, 0.1), ember.Tensor)
