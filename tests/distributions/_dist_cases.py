"""Shared distribution cases for the ember.distributions tests: each builds the same distribution in torch
and ember from NumPy parameter arrays, so a test can run one lambda on both libraries and compare."""
from __future__ import annotations

import numpy as np
import torch

import ember


def lib_tensor(lib, arr, requires_grad=False):
    t = (torch.from_numpy if lib is torch else ember.from_numpy)(np.array(arr).copy())
    return t.requires_grad_() if requires_grad else t


def like(p, v):
    """A scalar tensor of p's library and dtype."""
    return (torch.tensor if isinstance(p, torch.Tensor) else ember.tensor)(v, dtype=p.dtype)


def dists(lib):
    return torch.distributions if lib is torch else ember.distributions


def _rng(seed=0):
    return np.random.default_rng(seed)


def pos(shape, dtype, seed=0, lo=0.3, hi=2.5):
    return _rng(seed).uniform(lo, hi, shape).astype(dtype)


def real(shape, dtype, seed=0):
    return _rng(seed).normal(size=shape).astype(dtype)


def unit(shape, dtype, seed=0):
    return _rng(seed).uniform(0.05, 0.95, shape).astype(dtype)


def spd(n, batch, dtype, seed=0):
    a = _rng(seed).normal(size=batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def tril(n, batch, dtype, seed=0):
    return np.linalg.cholesky(spd(n, batch, np.float64, seed)).astype(dtype)


def corr_chol(shape, n, dtype, seed=0):
    """Cholesky factors of random correlation matrices: unit-norm rows, positive diagonal."""
    L = np.tril(_rng(seed).normal(size=shape + (n, n)))
    idx = np.arange(n)
    L[..., idx, idx] = np.abs(L[..., idx, idx]) + 0.5
    return (L / np.linalg.norm(L, axis=-1, keepdims=True)).astype(dtype)


# name -> (param arrays for (batch, dtype), constructor(D, *params), value arrays for (shape, dtype))
def cases(batch=(3,), dtype=np.float64):
    K = 4
    return {
        "Normal": ([real(batch, dtype), pos(batch, dtype, 1)], lambda D, a, b: D.Normal(a, b),
                   lambda s: real(s, dtype, 7)),
        "Bernoulli_probs": ([unit(batch, dtype)], lambda D, p: D.Bernoulli(probs=p),
                            lambda s: (_rng(7).random(s) < 0.5).astype(dtype)),
        "Bernoulli_logits": ([real(batch, dtype)], lambda D, p: D.Bernoulli(logits=p),
                             lambda s: (_rng(7).random(s) < 0.5).astype(dtype)),
        "Categorical_probs": ([pos(batch + (K,), dtype)], lambda D, p: D.Categorical(probs=p),
                              lambda s: _rng(7).integers(0, K, s)),
        "Categorical_logits": ([real(batch + (K,), dtype)], lambda D, p: D.Categorical(logits=p),
                               lambda s: _rng(7).integers(0, K, s)),
        "OneHotCategorical": ([pos(batch + (K,), dtype)], lambda D, p: D.OneHotCategorical(probs=p),
                              lambda s: np.eye(K, dtype=dtype)[_rng(7).integers(0, K, s)]),
        "Uniform": ([-pos(batch, dtype) - 2, pos(batch, dtype, 1) + 1], lambda D, a, b: D.Uniform(a, b),
                    lambda s: _rng(7).uniform(-1.9, 0.9, s).astype(dtype)),
        "Exponential": ([pos(batch, dtype)], lambda D, r: D.Exponential(r), lambda s: pos(s, dtype, 7)),
        "Laplace": ([real(batch, dtype), pos(batch, dtype, 1)], lambda D, a, b: D.Laplace(a, b),
                    lambda s: real(s, dtype, 7)),
        "Cauchy": ([real(batch, dtype), pos(batch, dtype, 1)], lambda D, a, b: D.Cauchy(a, b),
                   lambda s: real(s, dtype, 7)),
        "LogNormal": ([real(batch, dtype), pos(batch, dtype, 1)], lambda D, a, b: D.LogNormal(a, b),
                      lambda s: pos(s, dtype, 7)),
        "Geometric": ([unit(batch, dtype)], lambda D, p: D.Geometric(probs=p),
                      lambda s: _rng(7).integers(0, 6, s).astype(dtype)),
        "Poisson": ([pos(batch, dtype)], lambda D, r: D.Poisson(r),
                    lambda s: _rng(7).integers(0, 6, s).astype(dtype)),
        "Binomial": ([unit(batch, dtype)], lambda D, p: D.Binomial(5, probs=p),
                     lambda s: _rng(7).integers(0, 6, s).astype(dtype)),
        "Gamma": ([pos(batch, dtype), pos(batch, dtype, 1)], lambda D, a, b: D.Gamma(a, b),
                  lambda s: pos(s, dtype, 7)),
        "Beta": ([pos(batch, dtype), pos(batch, dtype, 1)], lambda D, a, b: D.Beta(a, b),
                 lambda s: unit(s, dtype, 7)),
        "Dirichlet": ([pos(batch + (K,), dtype)], lambda D, a: D.Dirichlet(a),
                      lambda s: (lambda x: x / x.sum(-1, keepdims=True))(pos(s + (K,), dtype, 7))),
        "Independent_Normal": ([real(batch + (2,), dtype), pos(batch + (2,), dtype, 1)],
                               lambda D, a, b: D.Independent(D.Normal(a, b), 1), lambda s: real(s + (2,), dtype, 7)),
        "MVN_cov": ([real(batch + (3,), dtype), spd(3, batch, dtype)],
                    lambda D, m, c: D.MultivariateNormal(m, covariance_matrix=c), lambda s: real(s + (3,), dtype, 7)),
        "MVN_tril": ([real(batch + (3,), dtype), tril(3, batch, dtype)],
                     lambda D, m, c: D.MultivariateNormal(m, scale_tril=c), lambda s: real(s + (3,), dtype, 7)),
        "MVN_prec": ([real(batch + (3,), dtype), spd(3, batch, dtype)],
                     lambda D, m, c: D.MultivariateNormal(m, precision_matrix=c), lambda s: real(s + (3,), dtype, 7)),
        "RelaxedBernoulli": ([unit(batch, dtype)],
                             lambda D, p: D.RelaxedBernoulli(like(p, 0.7), probs=p),
                             lambda s: unit(s, dtype, 7)),
        "RelaxedOneHotCategorical": ([real(batch + (K,), dtype)],
                                     lambda D, p: D.RelaxedOneHotCategorical(like(p, 0.5), logits=p),
                                     lambda s: (lambda x: x / x.sum(-1, keepdims=True))(pos(s + (K,), dtype, 7))),
        "Tanh_Normal": ([real(batch, dtype), pos(batch, dtype, 1)],
                        lambda D, a, b: D.TransformedDistribution(D.Normal(a, b), [D.transforms.TanhTransform()]),
                        lambda s: _rng(7).uniform(-0.9, 0.9, s).astype(dtype)),
        "Affine_Sigmoid": ([real(batch, dtype), pos(batch, dtype, 1)],
                           lambda D, a, b: D.TransformedDistribution(
                               D.Normal(a, b), [D.transforms.AffineTransform(0.5, 2.0), D.transforms.SigmoidTransform()]),
                           lambda s: unit(s, dtype, 7)),
        "Chi2": ([pos(batch, dtype)], lambda D, a: D.Chi2(a), lambda s: pos(s, dtype, 7)),
        "StudentT": ([pos(batch, dtype) + 0.8, real(batch, dtype, 2), pos(batch, dtype, 1)],
                     lambda D, a, b, c: D.StudentT(a, b, c), lambda s: real(s, dtype, 7)),
        "Gumbel": ([real(batch, dtype), pos(batch, dtype, 1)], lambda D, a, b: D.Gumbel(a, b),
                   lambda s: real(s, dtype, 7)),
        "HalfNormal": ([pos(batch, dtype)], lambda D, a: D.HalfNormal(a), lambda s: pos(s, dtype, 7)),
        "HalfCauchy": ([pos(batch, dtype)], lambda D, a: D.HalfCauchy(a), lambda s: pos(s, dtype, 7)),
        "Multinomial": ([pos(batch + (K,), dtype)], lambda D, p: D.Multinomial(6, probs=p),
                        lambda s: np.stack([_rng(7).multinomial(6, [0.25] * K, s)]).reshape(s + (K,)).astype(dtype)),
        "NegativeBinomial": ([pos(batch, dtype) + 1, unit(batch, dtype)],
                             lambda D, n, p: D.NegativeBinomial(n, probs=p),
                             lambda s: _rng(7).integers(0, 8, s).astype(dtype)),
        "Pareto": ([pos(batch, dtype, 1, 0.2, 0.9), pos(batch, dtype) + 2.0], lambda D, a, b: D.Pareto(a, b),
                   lambda s: pos(s, dtype, 7, 1.0, 3.0)),
        "Weibull": ([pos(batch, dtype), pos(batch, dtype, 1)], lambda D, a, b: D.Weibull(a, b),
                    lambda s: pos(s, dtype, 7)),
        "ContinuousBernoulli": ([np.concatenate([unit(batch, dtype)[..., :-1], np.full(batch[:-1] + (1,), 0.4995,
                                                                                     dtype)], -1)],
                                lambda D, p: D.ContinuousBernoulli(probs=p), lambda s: unit(s, dtype, 7)),
        "ContinuousBernoulli_logits": ([real(batch, dtype)], lambda D, p: D.ContinuousBernoulli(logits=p),
                                       lambda s: unit(s, dtype, 7)),
        "FisherSnedecor": ([pos(batch, dtype) + 4.5, pos(batch, dtype, 1) + 4.5], lambda D, a, b: D.FisherSnedecor(a, b),
                           lambda s: pos(s, dtype, 7)),
        "InverseGamma": ([pos(batch, dtype) + 2.1, pos(batch, dtype, 1)], lambda D, a, b: D.InverseGamma(a, b),
                         lambda s: pos(s, dtype, 7)),
        "Kumaraswamy": ([pos(batch, dtype) + 0.8, pos(batch, dtype, 1) + 0.8], lambda D, a, b: D.Kumaraswamy(a, b),
                        lambda s: unit(s, dtype, 7)),
        "LogisticNormal": ([real(batch + (3,), dtype), pos(batch + (3,), dtype, 1)],
                           lambda D, a, b: D.LogisticNormal(a, b),
                           lambda s: (lambda x: x / x.sum(-1, keepdims=True))(pos(s + (4,), dtype, 7))),
        "LowRankMVN": ([real(batch + (3,), dtype), real(batch + (3, 2), dtype, 2), pos(batch + (3,), dtype, 1)],
                       lambda D, m, w, d: D.LowRankMultivariateNormal(m, w, d), lambda s: real(s + (3,), dtype, 7)),
        "VonMises": ([real(batch, dtype), pos(batch, dtype, 1, 0.3, 8.0)], lambda D, a, b: D.VonMises(a, b),
                     lambda s: real(s, dtype, 7)),
        "GeneralizedPareto": ([real(batch, dtype), pos(batch, dtype, 1), real(batch, dtype, 2) * 0.2],
                              lambda D, a, b, c: D.GeneralizedPareto(a, b, c, validate_args=False),
                              lambda s: real(s, dtype, 7) * 0.3 + 3.0),
        "LKJCholesky": ([pos(batch, dtype)], lambda D, c: D.LKJCholesky(3, c), lambda s: corr_chol(s, 3, dtype, 7)),
        "Wishart": ([pos(batch, dtype) + 3.0, spd(3, batch, dtype)],
                    lambda D, df, c: D.Wishart(df, covariance_matrix=c), lambda s: spd(3, s, dtype, 7)),
        "Mixture": ([real(batch + (K,), dtype), real(batch + (K,), dtype, 2), pos(batch + (K,), dtype, 1)],
                    lambda D, w, a, b: D.MixtureSameFamily(D.Categorical(logits=w), D.Normal(a, b)),
                    lambda s: real(s, dtype, 7)),
    }


# every case samples as torch does; these also have rsample
SAMPLEABLE = ["Normal", "Bernoulli_probs", "Bernoulli_logits", "Categorical_probs", "Categorical_logits",
              "OneHotCategorical", "Uniform", "Exponential", "Laplace", "Cauchy", "LogNormal", "Geometric",
              "Independent_Normal", "MVN_cov", "MVN_tril", "MVN_prec", "RelaxedBernoulli",
              "RelaxedOneHotCategorical", "Tanh_Normal", "Affine_Sigmoid", "Mixture", "Gamma", "Beta", "Dirichlet",
              "Poisson", "Binomial", "Chi2", "StudentT", "Gumbel", "HalfNormal", "HalfCauchy",
              "Multinomial", "NegativeBinomial", "Pareto", "Weibull", "ContinuousBernoulli",
              "ContinuousBernoulli_logits", "FisherSnedecor", "InverseGamma", "Kumaraswamy",
              "LogisticNormal", "LowRankMVN", "VonMises", "GeneralizedPareto",
              "LKJCholesky", "Wishart"]
RSAMPLEABLE = ["Normal", "Uniform", "Exponential", "Laplace", "Cauchy", "LogNormal", "Independent_Normal",
               "MVN_cov", "MVN_tril", "MVN_prec", "RelaxedBernoulli", "RelaxedOneHotCategorical", "Tanh_Normal",
               "Affine_Sigmoid", "Gamma", "Beta", "Dirichlet", "Chi2", "StudentT", "HalfNormal", "HalfCauchy", "Pareto", "Weibull",
               "ContinuousBernoulli", "ContinuousBernoulli_logits", "FisherSnedecor", "InverseGamma", "Kumaraswamy",
               "LogisticNormal", "LowRankMVN", "GeneralizedPareto"]


def build(lib, name, batch=(3,), dtype=np.float64, requires_grad=False):
    params, ctor, value = cases(batch, dtype)[name]
    ts = [lib_tensor(lib, p, requires_grad) for p in params]
    return ctor(dists(lib), *ts), ts, value
