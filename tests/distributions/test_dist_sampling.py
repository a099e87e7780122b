"""ember.distributions samples: the same seed gives torch's samples bit for bit."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _dist_cases import RSAMPLEABLE, SAMPLEABLE, build, lib_tensor
from ember.distributions._gamma_sampling import _standard_gamma


def _both(name, fn, batch=(3,), dtype=np.float64, seed=123, requires_grad=False):
    out = []
    for lib in (torch, ember):
        d, ts, _ = build(lib, name, batch, dtype, requires_grad)
        lib.manual_seed(seed)
        out.append((fn(d), ts))
    return out


# samplers whose post-processing is only correctly rounded arithmetic (+, *, /, floor) are bit-exact; the
# others go through exp/log/tanh/matmul, where ember's libm/BLAS may differ from torch's by an ulp or two
EXACT = {"Normal", "Bernoulli_probs", "Bernoulli_logits", "Categorical_probs", "Categorical_logits",
         "OneHotCategorical", "Uniform", "Exponential", "Cauchy", "Geometric", "Independent_Normal", "Mixture",
         "Gamma", "Beta", "Dirichlet", "Poisson", "Binomial", "Chi2", "HalfNormal", "HalfCauchy",
         "Multinomial", "NegativeBinomial"}
ULPS = {np.dtype(np.float64): dict(rtol=1e-12, atol=1e-14), np.dtype(np.float32): dict(rtol=2e-5, atol=1e-6)}


@pytest.mark.parametrize("name", SAMPLEABLE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch,sample_shape", [((3,), ()), ((3,), (5,)), ((2, 3), (4, 5)), ((3,), (20,))])
def test_sample_bits(name, dtype, batch, sample_shape):
    (t, _), (e, _) = _both(name, lambda d: (d.sample(sample_shape), ember_or_torch_rand(d)), batch, dtype)
    (t, t_next), (e, e_next) = t, e
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype)
    # the generator is left where torch leaves it: the same draws were consumed
    np.testing.assert_array_equal(e_next.numpy(), t_next.numpy())
    if name in EXACT:
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    else:
        np.testing.assert_allclose(e.numpy(), t.numpy(), **ULPS[np.dtype(dtype)])
    assert not e.requires_grad


@pytest.mark.parametrize("name", RSAMPLEABLE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rsample_values_and_grads(name, dtype):
    (t, tp), (e, ep) = _both(name, lambda d: d.rsample((6,)), (2, 3), dtype, requires_grad=True)
    tol = ULPS[np.dtype(dtype)]
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), **tol)
    g = np.random.default_rng(5).normal(size=tuple(t.shape)).astype(dtype)
    tg = torch.autograd.grad(t, tp, torch.from_numpy(g), allow_unused=True)
    eg = ember.autograd.grad(e, ep, ember.from_numpy(g), allow_unused=True)
    for a, b in zip(eg, tg):
        assert (a is None) == (b is None)
        if b is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=tol["rtol"] * 50, atol=tol["atol"] * 50)


def test_sample_consumes_stream_like_torch():
    # two draws in a row: the second one starts where torch's does
    for name in ("Normal", "Categorical_probs", "Laplace", "Geometric", "Bernoulli_probs"):
        (t, _), (e, _) = _both(name, lambda d: (d.sample((3,)), d.sample((17,)), ember_or_torch_rand(d)))
        for a, b in zip(e, t):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def ember_or_torch_rand(d):
    lib = torch if type(d).__module__.startswith("torch") else ember
    return lib.rand(5)


def test_sample_n_deprecated():
    for lib in (torch, ember):
        lib.manual_seed(0)
        with pytest.warns(FutureWarning, match="sample_n"):
            out = lib.distributions.Normal(0.0, 1.0).sample_n(4)
        if lib is torch:
            ref = out
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_scalar_params_and_straight_through():
    for lib in (torch, ember):
        lib.manual_seed(3)
        D = lib.distributions
        p = lib.tensor([0.2, 0.3, 0.5], requires_grad=True)
        st = D.OneHotCategoricalStraightThrough(probs=p).rsample((4,))
        (st * lib.arange(3.0)).sum().backward()
        vals = (D.Normal(0.0, 1.0).sample(), D.Exponential(2.0).sample((3,)), D.Uniform(-1.0, 1.0).rsample((2,)),
                D.Bernoulli(0.3).sample((4,)), st.detach(), p.grad)
        if lib is torch:
            ref = vals
    for a, b in zip(vals, ref):
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype) == str(b.dtype)
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_poisson_binomial_regimes(dtype):
    # Poisson: 0, product-of-uniforms (< 10), PTRS (>= 10); Binomial: inversion, BTRS, p > 1/2 mirrored, edges
    rate = np.array([0.0, 0.3, 2.0, 9.99, 10.0, 35.5, 400.0, 1e4] * 3, dtype=dtype)
    n = np.array([0.0, 1.0, 5.0, 20.0, 20.0, 100.0, 1000.0, 37.0, 3.0] * 3, dtype=dtype)
    p = np.array([0.3, 0.5, 0.9, 0.6, 0.2, 0.05, 0.7, 0.999, 1.0] * 3, dtype=dtype)
    out = {}
    for lib in (torch, ember):
        lib.manual_seed(21)
        D = lib.distributions
        out[lib] = (D.Poisson(lib_tensor(lib, rate)).sample((3,)).numpy(),
                    D.Binomial(lib_tensor(lib, n), probs=lib_tensor(lib, p)).sample((3,)).numpy(),
                    D.Binomial(lib_tensor(lib, n), logits=lib_tensor(lib, p - 0.5)).sample().numpy(),
                    lib.rand(2).numpy())
    for a, b in zip(out[ember], out[torch]):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gamma_sampler_regimes(dtype):
    # alpha < 1 (boosted), near 1, large (saddle-point gradient), tiny; several rejection loops per element
    alpha = np.array([0.05, 0.3, 0.999, 1.0, 2.5, 7.9, 8.5, 30.0, 200.0] * 4, dtype=dtype)
    out = {}
    for lib in (torch, ember):
        lib.manual_seed(11)
        a = lib_tensor(lib, alpha, requires_grad=True)
        x = lib._standard_gamma(a) if lib is torch else _standard_gamma(a)
        g, = lib.autograd.grad(x.sum(), [a])
        out[lib] = (x.detach().numpy(), g.numpy(), lib.randn(3).numpy(), x.grad_fn.name())
    (tx, tg, tn, tname), (ex, eg, en, ename) = out[torch], out[ember]
    np.testing.assert_array_equal(ex, tx)
    np.testing.assert_array_equal(en, tn)  # the normal cache is left as torch leaves it
    np.testing.assert_allclose(eg, tg, rtol=1e-13 if dtype == np.float64 else 2e-7, atol=0)
    assert ename == tname


def test_wishart_rsample_torch_backward_bug():
    # torch's Wishart.rsample tests `support.check` (True = valid) as if it meant singular, so it redraws the
    # valid samples; ember redraws the same ones (same stream), but torch's backward then fails on its in-place
    # mask update while ember's gradient goes through
    out = {}
    for lib in (torch, ember):
        lib.manual_seed(2)
        df = lib.tensor([4.0, 5.5], dtype=lib.float64, requires_grad=True)
        cov = lib.tensor([[2.0, 0.3], [0.3, 1.0]], dtype=lib.float64, requires_grad=True)
        with pytest.warns(UserWarning, match="Singular sample detected"):
            w = lib.distributions.Wishart(df, covariance_matrix=cov).rsample((3,))
        out[lib] = (w, df, cov)
    np.testing.assert_allclose(out[ember][0].detach().numpy(), out[torch][0].detach().numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        torch.autograd.grad(out[torch][0].sum(), out[torch][1:])
    grads = ember.autograd.grad(out[ember][0].sum(), out[ember][1:])
    assert all(np.isfinite(g.numpy()).all() for g in grads)
