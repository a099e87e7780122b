"""ember.distributions API vs torch: shapes, expand, reprs, validation messages, constraints, transforms."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _dist_cases import build, cases, lib_tensor

NAMES = list(cases())


def _each(fn):
    """fn(lib) on torch then ember; returns (torch result, ember result)."""
    return fn(torch), fn(ember)


@pytest.mark.parametrize("name", NAMES)
def test_shapes_flags_repr(name):
    def fn(lib):
        d, _, _ = build(lib, name, (2, 3), np.float32)
        e = d.expand((4, 2, 3))
        return (tuple(d.batch_shape), tuple(d.event_shape), d.has_rsample, d.has_enumerate_support, repr(d),
                tuple(e.batch_shape), tuple(e.event_shape), repr(e), type(e).__name__, e._validate_args,
                repr(d.support) if name not in ("Binomial", "Uniform") else None)

    t, e = _each(fn)
    assert e == t


@pytest.mark.parametrize("name", ["Normal", "Categorical_logits", "Bernoulli_probs", "MVN_tril", "Laplace",
                                  "Independent_Normal", "Tanh_Normal", "Mixture", "Exponential"])
def test_expanded_samples_and_log_prob(name):
    def fn(lib):
        d, _, value = build(lib, name, (1, 3), np.float64)
        e = d.expand((2, 3))
        lib.manual_seed(4)
        s = e.sample((2,))
        return s.numpy(), e.log_prob(lib_tensor(lib, value((2, 3)))).detach().numpy()

    (ts, tl), (es, el) = _each(fn)
    np.testing.assert_allclose(es, ts, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(el, tl, rtol=1e-11, atol=1e-12)


def test_reprs():
    def fn(lib):
        D = lib.distributions
        T = D.transforms
        return [repr(D.Normal(0.0, 1.0)), repr(D.Normal(lib.zeros(2), lib.ones(2))),
                repr(D.Bernoulli(logits=lib.tensor(0.3))), repr(D.Categorical(probs=lib.ones(3))),
                repr(D.Independent(D.Normal(lib.zeros(2, 3), 1.0), 1)), repr(D.Uniform(0.0, 2.0)),
                repr(D.MultivariateNormal(lib.zeros(2), scale_tril=lib.eye(2))),
                repr(D.MixtureSameFamily(D.Categorical(logits=lib.zeros(3)), D.Normal(lib.zeros(3), 1.0))),
                repr(D.LogNormal(0.0, 1.0)), repr(D.Beta(1.0, 2.0)), repr(D.Binomial(3, lib.tensor([0.2]))),
                repr(T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0.0, 2.0)])), repr(T.TanhTransform().inv),
                repr(T.IndependentTransform(T.SigmoidTransform(), 1)), repr(T.identity_transform),
                repr(D.constraints.interval(0.0, 1.0)), repr(D.constraints.real_vector),
                repr(D.constraints.integer_interval(0, 3)), repr(D.constraints.simplex),
                repr(D.constraints.positive), repr(D.constraints.nonnegative), repr(D.constraints.half_open_interval(0, 1)),
                repr(D.constraints.less_than(2.0)), repr(D.constraints.lower_cholesky), repr(D.constraints.boolean),
                repr(D.constraints.nonnegative_integer), repr(D.constraints.positive_definite)]

    t, e = _each(fn)
    assert e == t


def _err(fn):
    out = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            fn(lib)
        out.append((type(info.value), str(info.value)))
    return out


BAD = {
    "normal_scale": lambda lib: lib.distributions.Normal(lib.zeros(2), lib.tensor([1.0, -1.0])),
    "normal_nan_loc": lambda lib: lib.distributions.Normal(lib.tensor(float("nan")), 1.0),
    "bernoulli_both": lambda lib: lib.distributions.Bernoulli(probs=0.3, logits=0.1),
    "bernoulli_neither": lambda lib: lib.distributions.Bernoulli(),
    "bernoulli_range": lambda lib: lib.distributions.Bernoulli(probs=lib.tensor([0.3, 1.5])),
    "categorical_0d": lambda lib: lib.distributions.Categorical(probs=lib.tensor(1.0)),
    "categorical_0d_logits": lambda lib: lib.distributions.Categorical(logits=lib.tensor(1.0)),
    "categorical_neg": lambda lib: lib.distributions.Categorical(probs=lib.tensor([0.5, -0.1, 0.6])),
    "uniform_order": lambda lib: lib.distributions.Uniform(lib.tensor([0.0, 2.0]), lib.tensor([1.0, 1.0])),
    "exponential_rate": lambda lib: lib.distributions.Exponential(lib.tensor([0.0])),
    "geometric_zero": lambda lib: lib.distributions.Geometric(probs=lib.tensor([0.0, 0.5])),
    "gamma_conc": lambda lib: lib.distributions.Gamma(lib.tensor([-1.0]), lib.tensor([1.0])),
    "dirichlet_0d": lambda lib: lib.distributions.Dirichlet(lib.tensor(1.0)),
    "mvn_two": lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), lib.eye(2), scale_tril=lib.eye(2)),
    "mvn_0d_loc": lambda lib: lib.distributions.MultivariateNormal(lib.tensor(0.0), lib.eye(2)),
    "mvn_1d_cov": lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), lib.ones(2)),
    "mvn_1d_tril": lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), scale_tril=lib.ones(2)),
    "mvn_not_pd": lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "independent_ndims": lambda lib: lib.distributions.Independent(lib.distributions.Normal(lib.zeros(2), 1.0), 2),
    "log_prob_support": lambda lib: lib.distributions.Exponential(1.0).log_prob(lib.tensor([-1.0, 1.0])),
    "log_prob_not_tensor": lambda lib: lib.distributions.Normal(0.0, 1.0).log_prob(0.5),
    "log_prob_event": lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), lib.eye(2)).log_prob(lib.zeros(3)),
    "log_prob_broadcast": lambda lib: lib.distributions.Normal(lib.zeros(3), 1.0).log_prob(lib.zeros(2)),
    "categorical_value": lambda lib: lib.distributions.Categorical(logits=lib.zeros(3)).log_prob(lib.tensor(3)),
    "bernoulli_value": lambda lib: lib.distributions.Bernoulli(0.5).log_prob(lib.tensor(0.5)),
    "uniform_value": lambda lib: lib.distributions.Uniform(0.0, 1.0).log_prob(lib.tensor(2.0)),
    "onehot_value": lambda lib: lib.distributions.OneHotCategorical(lib.ones(3)).log_prob(lib.tensor([1.0, 1.0, 0.0])),
    "mixture_type": lambda lib: lib.distributions.MixtureSameFamily(lib.distributions.Normal(0.0, 1.0),
                                                                    lib.distributions.Normal(lib.zeros(2), 1.0)),
    "mixture_k": lambda lib: lib.distributions.MixtureSameFamily(lib.distributions.Categorical(lib.ones(3)),
                                                                 lib.distributions.Normal(lib.zeros(2), 1.0)),
    "transforms_type": lambda lib: lib.distributions.TransformedDistribution(lib.distributions.Normal(0.0, 1.0), 3),
    "transforms_list": lambda lib: lib.distributions.TransformedDistribution(lib.distributions.Normal(0.0, 1.0), [3]),
    "mode_missing": lambda lib: lib.distributions.Poisson(1.0).entropy(),
    "cache_size": lambda lib: lib.distributions.transforms.ExpTransform(cache_size=2),
    "set_default": lambda lib: lib.distributions.Distribution.set_default_validate_args(2),
    "binomial_entropy": lambda lib: lib.distributions.Binomial(lib.tensor([2.0, 3.0]), lib.tensor([0.5, 0.5])).entropy(),
}


@pytest.mark.parametrize("key", list(BAD))
def test_errors(key):
    (tt, tm), (et, em) = _err(BAD[key])
    assert et is tt or et.__name__ == tt.__name__, (et, tt, em, tm)
    assert em == tm


def test_validate_args_switches():
    for lib in (torch, ember):
        D = lib.distributions
        D.Normal(0.0, -1.0, validate_args=False)  # no check
        assert D.Normal(0.0, 1.0, validate_args=False).log_prob(lib.tensor(float("nan"))).isnan()
        try:
            D.Distribution.set_default_validate_args(False)
            D.Normal(lib.zeros(1), -lib.ones(1))
            assert not D.Normal(0.0, 1.0)._validate_args
        finally:
            D.Distribution.set_default_validate_args(True)
        with pytest.raises(ValueError):
            D.Normal(0.0, -1.0)
        assert D.Normal(0.0, 1.0).expand((3,))._validate_args


@pytest.mark.parametrize("cname,values", [
    ("real", [[0.0, float("nan"), float("inf")]]), ("positive", [[0.0, 1.0, -1.0]]),
    ("nonnegative", [[0.0, 1.0, -1.0]]), ("unit_interval", [[0.0, 1.0, 1.5]]), ("boolean", [[0.0, 1.0, 0.5]]),
    ("nonnegative_integer", [[0.0, 2.0, 1.5, -1.0]]), ("positive_integer", [[0.0, 2.0]]),
    ("simplex", [[[0.2, 0.8], [0.5, 0.6], [1.2, -0.2]]]), ("one_hot", [[[0.0, 1.0], [1.0, 1.0]]]),
    ("real_vector", [[[0.0, float("nan")], [1.0, 2.0]]]),
    ("lower_cholesky", [[[[1.0, 0.0], [2.0, 3.0]], [[1.0, 1.0], [0.0, 1.0]], [[-1.0, 0.0], [0.0, 1.0]]]]),
    ("lower_triangular", [[[[1.0, 0.0], [2.0, 3.0]], [[1.0, 1.0], [0.0, 1.0]]]]),
    ("positive_definite", [[[[2.0, 1.0], [1.0, 2.0]], [[1.0, 2.0], [2.0, 1.0]]]]),
    ("positive_semidefinite", [[[[1.0, 1.0], [1.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]]]),
    ("symmetric", [[[[1.0, 2.0], [2.0, 1.0]], [[1.0, 2.0], [3.0, 1.0]]]]), ("square", [[[1.0, 2.0]]]),
    ("corr_cholesky", [[[[1.0, 0.0], [0.6, 0.8]], [[1.0, 0.0], [0.5, 0.5]]]]),
])
def test_constraints_check(cname, values):
    def fn(lib):
        c = getattr(lib.distributions.constraints, cname)
        return c.check(lib.tensor(values[0])).numpy(), c.event_dim, c.is_discrete

    (tv, td, tdisc), (ev, ed, edisc) = _each(fn)
    np.testing.assert_array_equal(ev, tv)
    assert (ed, edisc) == (td, tdisc)


def test_parametrized_constraints():
    def fn(lib):
        C = lib.distributions.constraints
        x = lib.tensor([[-1.0, 0.0, 0.5, 1.0, 3.0]])
        out = [C.interval(0.0, 1.0).check(x), C.half_open_interval(0.0, 1.0).check(x), C.greater_than(0.5).check(x),
               C.greater_than_eq(0.5).check(x), C.less_than(0.5).check(x), C.integer_interval(0, 2).check(x),
               C.independent(C.positive, 1).check(x), C.multinomial(4).check(lib.tensor([[1.0, 3.0], [2.0, 3.0]])),
               C.cat([C.positive, C.real], dim=1, lengths=[2, 3]).check(x), C.stack([C.positive, C.real], 0).check(
                   lib.tensor([[1.0, -1.0], [-1.0, 1.0]]))]
        dep = C.dependent(is_discrete=True, event_dim=1)
        return ([o.numpy() for o in out], C.is_dependent(dep), C.is_dependent(C.real), dep.event_dim,
                C.independent(C.real, 2).event_dim, C.stack([C.real], 0).event_dim, C.cat([C.simplex]).event_dim)

    (to, *tr), (eo, *er) = _each(fn)
    for a, b in zip(eo, to):
        np.testing.assert_array_equal(a, b)
    assert er == tr
    for lib in (torch, ember):
        with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
            lib.distributions.constraints.dependent.check(lib.zeros(1))
        with pytest.raises(NotImplementedError, match="cannot be determined statically"):
            lib.distributions.constraints.dependent.event_dim


TRANSFORMS = {
    "exp": lambda T, lib: T.ExpTransform(),
    "sigmoid": lambda T, lib: T.SigmoidTransform(),
    "tanh": lambda T, lib: T.TanhTransform(),
    "softplus": lambda T, lib: T.SoftplusTransform(),
    "affine": lambda T, lib: T.AffineTransform(lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64),
                                               lib.tensor([2.0, -0.5, 1.5], dtype=lib.float64)),
    "affine_scalar": lambda T, lib: T.AffineTransform(1.0, -3.0),
    "power": lambda T, lib: T.PowerTransform(lib.tensor(1.7, dtype=lib.float64)),
    "compose": lambda T, lib: T.ComposeTransform([T.AffineTransform(0.1, 0.5), T.TanhTransform(),
                                                  T.AffineTransform(1.5, 2.0)]),
    "independent": lambda T, lib: T.IndependentTransform(T.SigmoidTransform(), 1),
    "inverse": lambda T, lib: T.ExpTransform().inv,
}


@pytest.mark.parametrize("key", list(TRANSFORMS))
def test_transforms(key):
    def fn(lib):
        T = lib.distributions.transforms
        t = TRANSFORMS[key](T, lib)
        x0 = np.random.default_rng(1).uniform(0.2, 1.5, (2, 3))
        x = lib_tensor(lib, x0, requires_grad=True)
        y = t(x)
        ladj = t.log_abs_det_jacobian(x, y)
        xi = t.inv(y)
        g = lib.autograd.grad((y.sum() + ladj.sum()), [x])[0]
        sign = t.sign if key not in ("power", "independent") else None
        sign = sign.numpy() if isinstance(sign, lib.Tensor) else sign
        return (y.detach().numpy(), ladj.detach().numpy(), xi.detach().numpy(), g.numpy(), sign, t.bijective,
                repr(t.domain), repr(t.codomain), tuple(t.forward_shape((4, 2, 3))), t == TRANSFORMS[key](T, lib))

    (ty, tl, ti, tg, *tr), (ey, el, ei, eg, *er) = _each(fn)
    for a, b in ((ey, ty), (el, tl), (ei, ti), (eg, tg)):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    for a, b in zip(er, tr):
        if isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b


def test_transform_cache_and_sac_policy():
    # the SAC actor: tanh-squashed Normal with rescaling; log_prob of its own rsample (cached inverse)
    def fn(lib):
        D, T = lib.distributions, lib.distributions.transforms
        lib.manual_seed(0)
        mu = lib.tensor([[0.1, -0.4], [0.3, 0.9]], dtype=lib.float64, requires_grad=True)
        log_std = lib.tensor([[-0.5, 0.2], [0.0, -1.0]], dtype=lib.float64, requires_grad=True)
        pi = D.TransformedDistribution(D.Normal(mu, log_std.exp()),
                                       [T.TanhTransform(cache_size=1), T.AffineTransform(0.0, 2.0, cache_size=1)])
        a = pi.rsample()
        logp = pi.log_prob(a).sum(-1)
        loss = (logp - a.sum(-1)).mean()
        gm, gs = lib.autograd.grad(loss, [mu, log_std])
        return a.detach().numpy(), logp.detach().numpy(), gm.numpy(), gs.numpy(), pi.has_rsample, repr(pi.support)

    t, e = _each(fn)
    for a, b in zip(e[:4], t[:4]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert e[4:] == t[4:]


def test_vae_reparameterization():
    # the VAE recipe: q(z|x) = Normal(mu, exp(0.5 logvar)), KL to N(0, 1), reconstruction Bernoulli(logits)
    def fn(lib):
        D = lib.distributions
        lib.manual_seed(7)
        mu = lib.randn(4, 3, dtype=lib.float64, requires_grad=True)
        logvar = lib.randn(4, 3, dtype=lib.float64, requires_grad=True)
        q = D.Normal(mu, (0.5 * logvar).exp())
        z = q.rsample()
        prior = D.Normal(lib.zeros_like(mu), lib.ones_like(mu))
        kl = D.kl_divergence(q, prior).sum(-1)
        x = (lib.rand(4, 3, dtype=lib.float64) > 0.5).to(lib.float64)
        rec = D.Independent(D.Bernoulli(logits=z), 1).log_prob(x)
        loss = (kl - rec).mean()
        return [v.detach().numpy() for v in (z, kl, rec, *lib.autograd.grad(loss, [mu, logvar]))]

    t, e = _each(fn)
    for a, b in zip(e, t):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_policy_gradient_categorical():
    # REINFORCE: sample actions, log_prob(actions) * returns, entropy bonus
    def fn(lib):
        D = lib.distributions
        lib.manual_seed(1)
        logits = lib.randn(5, 4, requires_grad=True)
        dist = D.Categorical(logits=logits)
        actions = dist.sample()
        loss = -(dist.log_prob(actions) * lib.arange(5.0)).mean() - 0.01 * dist.entropy().mean()
        return actions.numpy(), loss.detach().numpy(), lib.autograd.grad(loss, [logits])[0].numpy()

    (ta, tl, tg), (ea, el, eg) = _each(fn)
    np.testing.assert_array_equal(ea, ta)
    np.testing.assert_allclose(el, tl, rtol=2e-6)
    np.testing.assert_allclose(eg, tg, rtol=2e-6, atol=1e-7)


def test_top_level_and_all():
    import torch.distributions as TD
    import ember.distributions as ED
    assert ember.distributions is ED
    assert sorted(TD.__all__) == sorted(ED.__all__)
    assert [n for n in dir(TD) if not n.startswith("_") and not hasattr(ED, n)] == []
