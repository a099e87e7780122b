"""ember.distributions values and gradients vs torch: log_prob, entropy, moments, cdf/icdf, enumerate_support."""
from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
import torch

import ember
from _dist_cases import build, cases, lib_tensor

TOL = {np.dtype(np.float64): dict(rtol=1e-11, atol=1e-12), np.dtype(np.float32): dict(rtol=1e-5, atol=2e-6)}


def _compare(name, fn, dtype, batch=(2, 3), grads=True):
    """Run fn(lib, dist, value_fn) on both libraries; compare values and the grads of every parameter."""
    if name == "GeneralizedPareto" and dtype == np.float64:
        # torch's log_prob/cdf compare float64 parameters with a float32 tensor(0.0) and raise; run torch's
        # formulas with a float64 zero instead (ember's fix) to get the reference
        real_tensor = torch.tensor
        with mock.patch.object(torch, "tensor", lambda v, **kw: real_tensor(v, **{"dtype": torch.float64, **kw})):
            return _compare_impl(name, fn, dtype, batch, grads)
    return _compare_impl(name, fn, dtype, batch, grads)


def _compare_impl(name, fn, dtype, batch, grads):
    res = {}
    for lib in (torch, ember):
        d, ts, value = build(lib, name, batch, dtype, requires_grad=True)
        try:
            out = fn(lib, d, value)
        except NotImplementedError as exc:
            res[lib] = exc
            continue
        res[lib] = (out, ts)
    t, e = res[torch], res[ember]
    if isinstance(t, Exception):
        assert isinstance(e, type(t)), f"torch raised {t!r}, ember gave {e!r}"
        return
    assert not isinstance(e, Exception), f"ember raised {e!r}"
    (to, tp), (eo, ep) = t, e
    assert tuple(eo.shape) == tuple(to.shape) and str(eo.dtype) == str(to.dtype)
    tol = TOL[np.dtype(dtype)]
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), equal_nan=True, **tol)
    if grads and to.requires_grad:
        assert eo.requires_grad
        g = np.random.default_rng(11).normal(size=tuple(to.shape)).astype(dtype)
        # keep grads finite where the value is infinite (e.g. Cauchy variance)
        mask = np.isfinite(to.detach().numpy())
        tgs = torch.autograd.grad(to, tp, torch.from_numpy(g * mask), allow_unused=True)
        egs = ember.autograd.grad(eo, ep, ember.from_numpy(g * mask), allow_unused=True)
        for k, (a, b) in enumerate(zip(egs, tgs)):
            assert (a is None) == (b is None), f"grad {k}: {a} vs {b}"
            if b is not None:
                np.testing.assert_allclose(a.numpy(), b.numpy(), equal_nan=True, err_msg=f"grad {k}",
                                           rtol=tol["rtol"] * 10, atol=tol["atol"] * 10)


NAMES = list(cases())


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sample_shape", [(), (4, 1)])
def test_log_prob(name, dtype, sample_shape):
    batch = (2, 3)

    def fn(lib, d, value):
        v = lib_tensor(lib, value(sample_shape + batch))
        return d.log_prob(v)

    _compare(name, fn, dtype, batch)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("what", ["entropy", "mean", "variance", "stddev", "mode"])
def test_moments_entropy(name, dtype, what):
    def fn(lib, d, value):
        out = d.entropy() if what == "entropy" else getattr(d, what)
        return out

    _compare(name, fn, dtype)


CDF_NAMES = ["Normal", "Uniform", "Exponential", "Laplace", "Cauchy", "LogNormal", "Gamma", "Tanh_Normal",
             "Affine_Sigmoid", "Mixture", "Chi2", "Gumbel", "HalfNormal", "HalfCauchy", "Pareto",
             "Weibull", "ContinuousBernoulli", "ContinuousBernoulli_logits", "GeneralizedPareto"]


@pytest.mark.parametrize("name", CDF_NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cdf_icdf(name, dtype):
    batch = (2, 3)

    def cdf(lib, d, value):
        return d.cdf(lib_tensor(lib, value((4,) + batch)))

    # Gamma's cdf (gammainc) has no gradient w.r.t. the concentration in torch either
    _compare(name, cdf, dtype, batch, grads=name not in ("Gamma", "Chi2"))
    if name in ("Gamma", "Mixture", "Chi2"):
        return

    def icdf(lib, d, value):
        q = np.random.default_rng(3).uniform(0.05, 0.95, (4,) + batch).astype(dtype)
        return d.icdf(lib_tensor(lib, q))

    _compare(name, icdf, dtype, batch)


@pytest.mark.parametrize("name", ["Bernoulli_probs", "Categorical_logits", "OneHotCategorical", "Binomial"])
@pytest.mark.parametrize("expand", [True, False])
def test_enumerate_support(name, expand):
    _compare(name, lambda lib, d, v: d.enumerate_support(expand), np.float64, grads=False)


def test_perplexity_and_lazy_params():
    for lib in (torch, ember):
        D = lib.distributions
        logits = lib.tensor([[0.1, -1.0, 2.0], [0.0, 0.5, 0.25]], dtype=lib.float64, requires_grad=True)
        c = D.Categorical(logits=logits)
        b = D.Bernoulli(logits=logits)
        outs = [c.perplexity(), c.probs, b.probs, D.Bernoulli(probs=b.probs).logits, c.logits]
        if lib is torch:
            ref = outs
    for a, b in zip(outs, ref):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)
        assert a.requires_grad == b.requires_grad


def test_log_prob_boundaries():
    # values on the edge of the support: -inf / 0 exactly as torch gives them
    for lib in (torch, ember):
        D = lib.distributions
        outs = [D.Uniform(0.0, 1.0, validate_args=False).log_prob(lib.tensor([-0.5, 0.0, 0.5, 1.0, 1.5])),
                D.Geometric(probs=lib.tensor([1.0, 0.5])).log_prob(lib.tensor([0.0, 0.0])),
                D.Bernoulli(probs=lib.tensor([0.0, 1.0, 0.5])).log_prob(lib.tensor([0.0, 1.0, 1.0])),
                D.Categorical(probs=lib.tensor([0.0, 0.5, 0.5])).entropy(),
                D.Poisson(lib.tensor([0.0, 2.0])).log_prob(lib.tensor([0.0, 3.0])),
                D.Bernoulli(probs=lib.tensor([0.2, 0.5, 0.7])).mode]
        if lib is torch:
            ref = outs
    for a, b in zip(outs, ref):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=0)


def test_generalized_pareto_float64_torch_bug():
    # torch raises for float64 (its float32 zero); ember computes it
    args = [torch.tensor([0.1], dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64),
            torch.tensor([0.2], dtype=torch.float64)]
    with pytest.raises(RuntimeError, match="Double did not match Float"):
        torch.distributions.GeneralizedPareto(*args).log_prob(torch.tensor([1.0], dtype=torch.float64))
    d = ember.distributions.GeneralizedPareto(*[ember.tensor(a.numpy()) for a in args])
    assert np.isfinite(d.log_prob(ember.tensor([1.0], dtype=ember.float64)).numpy()).all()
