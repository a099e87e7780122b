"""ember.distributions.kl_divergence vs torch: values, grads for every registered pair; dispatch and errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _dist_cases import build

# pairs of case names (p, q); the q parameters come from a second seed so p != q
PAIRS = [("Normal", "Normal"), ("Bernoulli_probs", "Bernoulli_logits"), ("Categorical_probs", "Categorical_logits"),
         ("OneHotCategorical", "OneHotCategorical"), ("Exponential", "Exponential"), ("Laplace", "Laplace"),
         ("Cauchy", "Cauchy"), ("Geometric", "Geometric"), ("Poisson", "Poisson"), ("Gamma", "Gamma"),
         ("Beta", "Beta"), ("Dirichlet", "Dirichlet"), ("Independent_Normal", "Independent_Normal"),
         ("MVN_cov", "MVN_tril"), ("MVN_prec", "MVN_cov"), ("Binomial", "Binomial"), ("LogNormal", "LogNormal"),
         ("Uniform", "Normal"), ("Tanh_Normal", "Tanh_Normal"), ("Gumbel", "Gumbel"), ("HalfNormal", "HalfNormal"),
         ("Chi2", "Chi2"), ("Exponential", "Gumbel"), ("Gamma", "Gumbel"), ("Gumbel", "Normal"),
         ("Normal", "Gumbel"), ("Chi2", "Gamma"),
         ("Pareto", "Pareto"), ("Pareto", "Exponential"), ("Pareto", "Gamma"), ("Pareto", "Normal"),
         ("ContinuousBernoulli", "ContinuousBernoulli_logits"), ("Beta", "ContinuousBernoulli"),
         ("ContinuousBernoulli", "Exponential"), ("ContinuousBernoulli", "Normal"),
         ("LowRankMVN", "LowRankMVN"), ("MVN_cov", "LowRankMVN"), ("LowRankMVN", "MVN_tril")]


def _pair(lib, p_name, q_name, dtype):
    p, pts, _ = build(lib, p_name, (2, 3), dtype, requires_grad=True)
    q, qts, _ = build(lib, q_name, (2, 3), dtype, requires_grad=True)
    # move q away from p: a different scale of every parameter keeps it valid
    return p, q, pts + qts


@pytest.mark.parametrize("p_name,q_name", PAIRS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kl_values_and_grads(p_name, q_name, dtype):
    res = {}
    for lib in (torch, ember):
        p, q, ts = _pair(lib, p_name, q_name, dtype)
        if p_name == q_name and p_name not in ("Tanh_Normal",):
            q = q.expand(q.batch_shape)  # same parameters: KL 0 and its gradient
        out = lib.distributions.kl_divergence(p, q)
        res[lib] = (out, ts)
    (to, tp), (eo, ep) = res[torch], res[ember]
    assert tuple(eo.shape) == tuple(to.shape) and str(eo.dtype) == str(to.dtype)
    tol = dict(rtol=1e-10, atol=1e-11) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), **tol)
    g = np.random.default_rng(2).normal(size=tuple(to.shape)).astype(dtype)
    tg = torch.autograd.grad(to, tp, torch.from_numpy(g), allow_unused=True)
    eg = ember.autograd.grad(eo, ep, ember.from_numpy(g), allow_unused=True)
    for a, b in zip(eg, tg):
        assert (a is None) == (b is None)
        if b is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=tol["rtol"] * 10, atol=tol["atol"] * 10)


def _params(lib):
    D = lib.distributions
    t = lambda v: lib.tensor(v, dtype=lib.float64, requires_grad=True)  # noqa: E731
    return [
        (D.Normal(t([0.0, 1.0]), t([1.0, 2.0])), D.Normal(t([0.5, -1.0]), t([0.7, 1.5]))),
        (D.Uniform(t([0.0, -1.0]), t([1.0, 1.0])), D.Uniform(t([-0.5, -2.0]), t([2.0, 0.5]))),
        (D.Bernoulli(probs=t([0.0, 0.3, 1.0])), D.Bernoulli(probs=t([0.5, 0.0, 1.0]))),
        (D.Categorical(probs=t([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]])),
         D.Categorical(probs=t([[0.3, 0.0, 0.7], [0.2, 0.2, 0.6]]))),
        (D.Binomial(t([3.0, 5.0]), probs=t([0.3, 0.6])), D.Binomial(t([3.0, 4.0]), probs=t([0.5, 0.2]))),
        (D.Exponential(t([1.0, 3.0])), D.Exponential(t([2.0, 0.5]))),
        (D.Independent(D.Normal(t([[0.0, 1.0]]), t([[1.0, 2.0]])), 1),
         D.Independent(D.Normal(t([[0.3, 1.0]]), t([[1.5, 0.2]])), 1)),
        (D.LogNormal(t([0.0, 1.0]), t([1.0, 2.0])), D.LogNormal(t([0.3, 0.0]), t([0.5, 1.0]))),
    ]


def test_kl_special_values():
    # infinities where the support of p is not inside q's, zeros where p puts no mass
    outs = {lib: [lib.distributions.kl_divergence(p, q) for p, q in _params(lib)] for lib in (torch, ember)}
    for e, t in zip(outs[ember], outs[torch]):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_kl_dispatch_and_errors():
    for lib in (torch, ember):
        D = lib.distributions
        with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type "
                                                      "Categorical and q type Normal"):
            D.kl_divergence(D.Categorical(lib.ones(2)), D.Normal(0.0, 1.0))
        with pytest.raises(NotImplementedError, match="cross KL-divergence between different exponential families"):
            D.kl_divergence(D.Bernoulli(0.3), D.Normal(0.0, 1.0))
        with pytest.raises(NotImplementedError):
            D.kl_divergence(D.Independent(D.Normal(lib.zeros(2, 2), 1.0), 1),
                            D.Independent(D.Normal(lib.zeros(2, 2), 1.0), 2))

        class MyNormal(D.Normal):
            pass

        # subclasses fall back to the registered parent pair until they register their own
        p, q = MyNormal(0.0, 1.0), MyNormal(1.0, 2.0)
        base = D.kl_divergence(p, q)

        @D.register_kl(MyNormal, MyNormal)
        def _kl(p, q):
            return lib.tensor(42.0)

        assert float(D.kl_divergence(p, q)) == 42.0
        assert float(D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 2.0))) == float(base)
        if lib is torch:
            ref = base
    np.testing.assert_allclose(base.numpy(), ref.numpy(), rtol=1e-6)


def test_kl_mvn_event_shape_error():
    for lib in (torch, ember):
        D = lib.distributions
        with pytest.raises(ValueError, match="different event shapes cannot be computed"):
            D.kl_divergence(D.MultivariateNormal(lib.zeros(2), lib.eye(2)), D.MultivariateNormal(lib.zeros(3),
                                                                                               lib.eye(3)))


def _cross(lib):
    D = lib.distributions
    t = lambda v: lib.tensor(v, dtype=lib.float64, requires_grad=True)  # noqa: E731
    normal, laplace = D.Normal(t([0.3, -1.0]), t([0.8, 1.7])), D.Laplace(t([0.1, 0.5]), t([1.2, 0.4]))
    expo, gamma = D.Exponential(t([0.7, 2.0])), D.Gamma(t([1.5, 0.6]), t([2.0, 0.9]))
    beta, unif01 = D.Beta(t([1.5, 0.6]), t([2.0, 3.0])), D.Uniform(t([0.1, 0.0]), t([0.9, 0.5]))
    unif_pos, unif_wide = D.Uniform(t([0.5, -0.1]), t([2.0, 1.0])), D.Uniform(t([-2.0, -1.0]), t([3.0, 1.0]))
    bern, pois = D.Bernoulli(probs=t([0.2, 0.9])), D.Poisson(t([0.5, 2.0]))
    binom = D.Binomial(3, probs=t([0.2, 0.9]))
    return [(bern, pois), (beta, expo), (beta, gamma), (beta, normal), (beta, unif01), (beta, unif_wide),
            (expo, beta), (expo, unif01), (expo, gamma), (expo, normal), (gamma, beta), (gamma, unif01),
            (gamma, expo), (gamma, normal), (laplace, beta), (laplace, expo), (laplace, gamma), (laplace, unif01),
            (laplace, normal), (normal, beta), (normal, expo), (normal, gamma), (normal, unif01), (normal, laplace),
            (pois, bern), (pois, binom), (unif01, beta), (unif_pos, beta), (unif_pos, expo), (unif_pos, gamma),
            (unif01, expo), (unif_wide, normal), (unif01, D.Gumbel(t([0.2, -0.3]), t([1.1, 0.6]))),
            (D.Uniform(t([1.5, 0.5]), t([3.0, 2.0])), D.Pareto(t([1.0, 1.0]), t([2.5, 3.0]))),
            (normal, D.Pareto(t([1.0, 1.0]), t([2.5, 3.0]))), (D.Pareto(t([1.0, 2.0]), t([0.8, 3.0])), expo),
            (D.Pareto(t([1.0, 2.0]), t([1.5, 3.0])), normal), (D.Pareto(t([1.0, 2.0]), t([1.5, 3.0])), unif01),
            (D.ContinuousBernoulli(t([0.3, 0.8])), D.Uniform(t([-0.5, 0.1]), t([1.5, 2.0]))),
            (D.Uniform(t([0.2, -0.1]), t([0.7, 0.5])), D.ContinuousBernoulli(t([0.3, 0.8]))),
            (normal, D.ContinuousBernoulli(t([0.3, 0.8])))]


def test_kl_cross_families():
    outs = {}
    for lib in (torch, ember):
        res = []
        for p, q in _cross(lib):
            kl = lib.distributions.kl_divergence(p, q)
            leaves = [v for d in (p, q) for v in _leaves(d)]
            finite = kl.detach().isfinite()
            g = lib.autograd.grad(kl[finite].sum(), leaves, allow_unused=True, retain_graph=True) if bool(finite.any()) else ()
            res.append((type(p).__name__, type(q).__name__, kl, g))
        outs[lib] = res
    for (pn, qn, e, eg), (_, _, t, tg) in zip(outs[ember], outs[torch]):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12,
                                   err_msg=f"{pn}-{qn}")
        for a, b in zip(eg, tg):
            assert (a is None) == (b is None), f"{pn}-{qn}"
            if b is not None:
                np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-11, atol=1e-12, err_msg=f"{pn}-{qn}")


def _leaves(d):
    lib = torch if type(d).__module__.startswith("torch") else ember
    vals = [v for v in vars(d).values() if isinstance(v, lib.Tensor)]
    if hasattr(d, "_dirichlet"):
        vals += [d._dirichlet.concentration]
    out = []
    for v in vals:
        while v.grad_fn is not None and not v.is_leaf:  # broadcast views: walk back to the user's tensor
            nxt = [f for f, _ in v.grad_fn.next_functions if f is not None]
            if not nxt or not hasattr(nxt[0], "variable"):
                break
            v = nxt[0].variable
        if v.is_leaf and v.requires_grad and all(v is not o for o in out):
            out.append(v)
    return out


def test_kl_continuous_bernoulli_uniform_edges():
    # torch gives +inf for U(0, 1) against a ContinuousBernoulli (its >= / <= test); the KL is finite: not copied
    D = ember.distributions
    cb = D.ContinuousBernoulli(ember.tensor([0.3, 0.8], dtype=ember.float64))
    u = D.Uniform(ember.zeros(2, dtype=ember.float64), ember.ones(2, dtype=ember.float64))
    np.testing.assert_allclose(D.kl_divergence(cb, u).numpy(), -cb.entropy().numpy(), rtol=1e-15)
    assert np.isfinite(D.kl_divergence(u, cb).numpy()).all()
