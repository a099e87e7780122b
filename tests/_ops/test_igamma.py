"""igamma / igammac (special.gammainc / gammaincc) against torch (and mpmath where torch is inaccurate)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
import ember.special
from _compare import assert_same, check_error, check_op

RNG = np.random.default_rng(7)
NAN, INF = float("nan"), float("inf")
EDGE_A = np.array([0.0, 0.0, 1.0, -1.0, 2.0, INF, INF, 3.0, NAN, 0.5, 1e-300, 250.0, 2.0, 0.0, INF])
EDGE_X = np.array([1.0, 0.0, 0.0, 1.0, -1.0, 5.0, INF, INF, 1.0, 1e-300, 1.0, 260.0, NAN, INF, 0.0])


def _rel_check(e, t, rtol):
    assert str(e.dtype) == str(t.dtype)
    a, b = e.detach().numpy().astype(np.float64), t.detach().numpy().astype(np.float64)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    fin = ~np.isnan(b)
    np.testing.assert_allclose(a[fin], b[fin], rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_float64_values(name):
    # torch switches to an asymptotic series for a > 20 near x = a, good to ~1e-9 there (mpmath: Q(30, 31) =
    # 0.40465217903439, torch 0.40465217936407, ember 0.40465217903439), so a <= 20 at full precision
    a = np.concatenate([RNG.uniform(0.05, 5, 400), RNG.uniform(1, 20, 200)])
    x = np.concatenate([RNG.uniform(0, 8, 400), RNG.uniform(0, 30, 200)])
    _rel_check(getattr(ember, name)(ember.from_numpy(EDGE_A), ember.from_numpy(EDGE_X)),
               getattr(torch, name)(torch.from_numpy(EDGE_A), torch.from_numpy(EDGE_X)), 5e-8)
    e = getattr(ember, name)(ember.from_numpy(a), ember.from_numpy(x))
    t = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(x))
    keep = ~((a < 1e-3) & (x > 1) & (x <= 1.1))  # where torch's Q is wrong (see test_small_a_upper)
    _rel_check(e[ember.from_numpy(keep)], t[torch.from_numpy(keep)], 1e-12)
    big_a, big_x = RNG.uniform(20, 150, 200), RNG.uniform(10, 200, 200)
    _rel_check(getattr(ember, name)(ember.from_numpy(big_a), ember.from_numpy(big_x)),
               getattr(torch, name)(torch.from_numpy(big_a), torch.from_numpy(big_x)), 5e-8)


def test_small_a_upper():
    """torch.special.gammaincc(1e-300, 1.0) is 7.97e-301; the value is a * E1(1) = 2.19e-301. References from
    mpmath.gammainc(a, x, inf, regularized=True) at 30 digits."""
    for a, x, ref in [(1e-300, 1.0, 2.193839343955203e-301), (3e-218, 1.04, 6.15715055159568e-219),
                      (1e-18, 1.098, 1.8659728191516421e-19), (1e-05, 1.09, 1.8904817473518828e-06),
                      (0.3, 0.2, 0.34249327573027827), (1e-08, 0.01, 4.037929503139031e-08)]:
        got = ember.special.gammaincc(ember.tensor([a], dtype=ember.float64), ember.tensor([x], dtype=ember.float64))
        assert abs(got.item() - ref) <= 1e-14 * ref


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_float32_half_and_broadcast(name):
    a = RNG.uniform(0.1, 6, (3, 1)).astype(np.float32)
    x = RNG.uniform(0, 9, (4,)).astype(np.float32)
    _rel_check(getattr(ember, name)(ember.from_numpy(a), ember.from_numpy(x)),
               getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(x)), 2e-5)
    h = np.array([0.5, 1.0, 3.0], np.float16)
    _rel_check(getattr(ember, name)(ember.from_numpy(h), ember.from_numpy(h)),
               getattr(torch, name)(torch.from_numpy(h), torch.from_numpy(h)), 2e-3)


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_grads_methods_special_names(name):
    a = RNG.uniform(0.5, 4, 6)
    x = RNG.uniform(0.2, 6, 6)
    check_op(lambda lib, p, q: getattr(lib, name)(p, q), [(a, False), x], rtol=1e-10, atol=1e-12)
    check_op(lambda lib, p, q: getattr(p, name)(q), [(a, False), x.astype(np.float32)], rtol=1e-5, atol=1e-6)
    special = {"igamma": "gammainc", "igammac": "gammaincc"}[name]
    check_op(lambda lib, p, q: getattr(lib.special, special)(p, q), [(a, False), x], rtol=1e-10, atol=1e-12)
    res = {}
    for lib in (ember, torch):
        p, q = lib.from_numpy(a.copy()), lib.from_numpy(x.copy()).requires_grad_()
        b = q * 1.0
        r = getattr(b, name + "_")(p)  # the method's self is a: here b plays a, so its grad is refused below
        assert r is b and b._version == 1
        res[lib] = b
    assert_same(res[ember], res[torch], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.igamma(lib.tensor([1, 2]), lib.tensor([1, 2])),
    lambda lib: lib.igamma(lib.tensor([1.0 + 0j]), lib.tensor([1.0])),
    lambda lib: lib.igamma(lib.tensor([1.0, 2.0]), 2.0),
    lambda lib: lib.igammac(2.0, lib.tensor([1.0, 2.0])),
    lambda lib: lib.special.gammainc(lib.tensor([1.0]), 1),
    lambda lib: lib.tensor([1.0]).igamma(2.0),
    lambda lib: lib.igamma(lib.ones(2), lib.ones(3)),
    lambda lib: lib.autograd.grad(lib.igamma(lib.tensor([1.5], requires_grad=True), lib.tensor([1.0])).sum(),
                                  lib.tensor([1.0], requires_grad=True)),
])
def test_errors(fn):
    check_error(fn, match_message=False)


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_input_grad_refused(name):
    check_error(lambda lib: (lambda a: lib.autograd.grad(getattr(lib, name)(a, lib.tensor([1.0])).sum(), a))(
        lib.tensor([1.5], requires_grad=True)))
