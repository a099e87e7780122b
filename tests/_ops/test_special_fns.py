"""lgamma, digamma, polygamma, mvlgamma, logit, sinc, i0 against torch: values (incl. poles, infinities, nan),
grads, dtypes, methods, in-place twins and errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error, check_op

RNG = np.random.default_rng(5)
NAN, INF = float("nan"), float("inf")
# poles, signed zeros, infinities, nan, tiny and huge magnitudes, and points near the negative integers
EDGES = np.array([0.0, -0.0, -1.0, -2.0, -2.5, 1.0, 2.0, 0.5, INF, -INF, NAN, -1e-300, 1e-300, 1e300, -3.0000001,
                  1e17, 1e-8, 10.0, 9.999999, 171.6, -170.5])


def _grid(dtype):
    x = np.concatenate([RNG.uniform(-12, 12, 400), RNG.uniform(0, 3, 200), 10 ** RNG.uniform(-30, 30, 100)])
    return x.astype(dtype)


def _rel_check(e, t, rtol, atol=0.0):
    a, b = e.detach().numpy().astype(np.float64), t.detach().numpy().astype(np.float64)
    assert np.array_equal(np.isnan(a), np.isnan(b)), (a[np.isnan(a) != np.isnan(b)], b[np.isnan(a) != np.isnan(b)])
    inf = np.isinf(b)
    np.testing.assert_array_equal(a[inf], b[inf])
    fin = np.isfinite(b)
    np.testing.assert_allclose(a[fin], b[fin], rtol=rtol, atol=atol)


FNS = {
    "lgamma": lambda lib, x: lib.lgamma(x),
    "digamma": lambda lib, x: lib.digamma(x),
    "polygamma0": lambda lib, x: lib.polygamma(0, x),
    "polygamma1": lambda lib, x: lib.polygamma(1, x),
    "polygamma2": lambda lib, x: lib.polygamma(2, x),
    "polygamma5": lambda lib, x: lib.polygamma(5, x),
    "sinc": lambda lib, x: lib.sinc(x),
    "i0": lambda lib, x: lib.i0(x),
}
# lgamma and the odd polygammas lose relative accuracy where they cross zero (absolute error stays ~1e-16)
F64_TOL = {"lgamma": (1e-12, 1e-14), "polygamma2": (1e-11, 1e-14), "polygamma5": (1e-12, 1e-14)}


@pytest.mark.parametrize("name", list(FNS))
def test_float64_values(name):
    fn = FNS[name]
    x = np.concatenate([_grid(np.float64), EDGES])
    rtol, atol = F64_TOL.get(name, (1e-13, 1e-300))
    _rel_check(fn(ember, ember.from_numpy(x)), fn(torch, torch.from_numpy(x)), rtol, atol)


@pytest.mark.parametrize("name", list(FNS))
def test_float32_values(name):
    fn = FNS[name]
    x = np.concatenate([_grid(np.float32), EDGES.astype(np.float32)])
    e, t = fn(ember, ember.from_numpy(x)), fn(torch, torch.from_numpy(x))
    assert e.dtype == ember.float32 and t.dtype == torch.float32
    # torch computes float32 in float arithmetic (lgammaf, its float digamma): a few ulps apart
    _rel_check(e, t, 3e-6 if name != "polygamma2" else 2e-5, 1e-6)


@pytest.mark.parametrize("name", list(FNS))
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.uint8])
def test_integer_inputs_give_default_float(name, dtype):
    x = np.array([0, 1, 2, 5, 7]).astype(dtype)
    fn = FNS[name]
    e, t = fn(ember, ember.from_numpy(x)), fn(torch, torch.from_numpy(x))
    assert str(e.dtype) == str(t.dtype)
    _rel_check(e, t, 3e-6, 1e-6)


@pytest.mark.parametrize("name", list(FNS))
def test_grads(name):
    x = np.concatenate([RNG.uniform(0.1, 6, 20), RNG.uniform(-6, -0.1, 10), [0.0, 1.0, 2.0]])
    if name == "i0":
        x = np.concatenate([x, [30.0, -25.0]])
    fn = FNS[name]
    check_op(lambda lib, a: fn(lib, a), [x], rtol=1e-11, atol=1e-12)
    check_op(lambda lib, a: fn(lib, a), [x.astype(np.float32)], rtol=5e-5, atol=1e-5)


@pytest.mark.parametrize("eps", [None, 0.0, 0.1, 0.6, -1.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logit(eps, dtype):
    x = np.array([0.0, 0.05, 0.2, 0.5, 0.93, 1.0, 1.5, -0.5, NAN]).astype(dtype)
    tol = dict(rtol=1e-13, atol=1e-13) if dtype == np.float64 else dict(rtol=1e-6, atol=1e-6)
    check_op(lambda lib, a: lib.logit(a, eps), [x], **tol)
    check_op(lambda lib, a: a.logit(eps=eps), [x], **tol)
    assert_same(ember.logit(ember.tensor([0, 1])), torch.logit(torch.tensor([0, 1])))


@pytest.mark.parametrize("p", [1, 2, 3, 5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mvlgamma(p, dtype):
    x = RNG.uniform((p - 1) / 2 + 0.1, 8, (3, 4)).astype(dtype)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)
    check_op(lambda lib, a: lib.mvlgamma(a, p), [x], **tol)
    check_op(lambda lib, a: a.mvlgamma(p=p), [x], **tol)
    assert_same(ember.mvlgamma(ember.tensor([2, 3]), 2), torch.mvlgamma(torch.tensor([2, 3]), 2))


@pytest.mark.parametrize("name,args", [
    ("lgamma", ()), ("digamma", ()), ("polygamma", (1,)), ("polygamma", (3,)), ("mvlgamma", (2,)),
    ("logit", ()), ("logit", (0.1,)), ("sinc", ()), ("i0", ()),
])
def test_methods_and_inplace(name, args):
    x = RNG.uniform(1.1, 3.0, 6)
    if name == "logit":
        x = x / 4
    check_op(lambda lib, a: getattr(a, name)(*args), [x], rtol=1e-11, atol=1e-12)
    # in place on a non-leaf: the node torch records, its grads, and the version bump
    res = {}
    for lib in (ember, torch):
        a = lib.from_numpy(x.copy()).requires_grad_()
        b = a * 1.0
        r = getattr(b, name + "_")(*args)
        assert r is b and b._version == 1
        (b * b).sum().backward()
        res[lib] = (b, a.grad)
    for e, t in zip(res[ember], res[torch]):
        assert_same(e, t, rtol=1e-11, atol=1e-12)
    e, t = ember.from_numpy(x.copy()), torch.from_numpy(x.copy())
    getattr(e, name + "_")(*args)
    getattr(t, name + "_")(*args)
    assert_same(e, t, rtol=1e-11, atol=1e-12)


def test_out():
    x = np.array([0.5, 1.5, 3.0])
    for name in ["lgamma", "digamma", "sinc", "i0", "logit"]:
        eo, to = ember.empty(3, dtype=ember.float64), torch.empty(3, dtype=torch.float64)
        getattr(ember, name)(ember.from_numpy(x / 4), out=eo)
        getattr(torch, name)(torch.from_numpy(x / 4), out=to)
        assert_same(eo, to)
    eo, to = ember.empty(3, dtype=ember.float64), torch.empty(3, dtype=torch.float64)
    ember.polygamma(2, ember.from_numpy(x), out=eo)
    torch.polygamma(2, torch.from_numpy(x), out=to)
    assert_same(eo, to)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.polygamma(-1, lib.ones(2)),
    lambda lib: lib.polygamma(1.0, lib.ones(2)),
    lambda lib: lib.ones(2).polygamma(-2),
    lambda lib: lib.mvlgamma(lib.ones(2), 0),
    lambda lib: lib.ones(2).mvlgamma_(0),
    lambda lib: lib.tensor([1, 2]).lgamma_(),
    lambda lib: lib.tensor([1, 2]).digamma_(),
    lambda lib: lib.tensor([1, 2]).sinc_(),
    lambda lib: lib.tensor([1, 2]).polygamma_(1),
    lambda lib: lib.ones(2, requires_grad=True).lgamma_(),
    lambda lib: lib.lgamma(2.0),
    lambda lib: lib.digamma([1.0]),
])
def test_errors(fn):
    check_error(fn)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.lgamma(lib.tensor([0.5 + 1j])),
    lambda lib: lib.digamma(lib.tensor([0.5 + 1j])),
    lambda lib: lib.polygamma(0, lib.tensor([0.5 + 1j])),
    lambda lib: lib.polygamma(1, lib.tensor([0.5 + 1j])),
    lambda lib: lib.polygamma(3, lib.tensor([0.5 + 1j])),
    lambda lib: lib.mvlgamma(lib.tensor([2.5 + 1j]), 2),
    lambda lib: lib.i0(lib.tensor([0.5 + 1j])),
    lambda lib: lib.logit(lib.tensor([0.5 + 1j])),
])
def test_complex_refused(fn):
    check_error(fn)


def test_float16_and_complex_sinc():
    x = np.array([3.0, 0.5, 1.7, 0.0, -2.0, 1e-3])
    for dt in (np.float16,):
        e, t = ember.sinc(ember.from_numpy(x.astype(dt))), torch.sinc(torch.from_numpy(x.astype(dt)))
        assert_same(e, t, rtol=1e-3, atol=1e-4)
    for name in ["lgamma", "digamma", "i0"]:
        xx = np.abs(x).astype(np.float16) + np.float16(0.5)
        assert_same(getattr(ember, name)(ember.from_numpy(xx)), getattr(torch, name)(torch.from_numpy(xx)),
                    rtol=2e-3, atol=1e-3)
    z = np.array([0.5 + 1j, 0j, -1.5 + 0.25j, 2.0 + 0j])
    check_op(lambda lib, a: lib.sinc(a).abs(), [(z, True)], rtol=1e-12, atol=1e-12)
    check_op(lambda lib, a: lib.sinc(a), [(z.astype(np.complex64), False)], rtol=1e-5, atol=1e-6)
