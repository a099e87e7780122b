"""nn.init against torch.nn.init: the same seed must give the same bits."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn.init as einit
import torch.nn.init as tinit

from _compare import check_error

SHAPES = [(4, 3), (3, 4), (17, 9), (2, 3, 5), (16, 1), (6, 4, 3, 3)]
SEEDS = range(20)
DTYPES = ["float32", "float64"]

# name -> kwargs; all draw through uniform_/normal_ and must be bit-identical
RANDOM_INITS = {
    "uniform_": {},
    "uniform_ab": dict(a=-0.3, b=0.8),
    "normal_": {},
    "normal_ms": dict(mean=0.1, std=0.02),
    "xavier_uniform_": {},
    "xavier_uniform_gain": dict(gain=math.sqrt(2)),
    "xavier_normal_": {},
    "kaiming_uniform_": {},
    "kaiming_uniform_linear": dict(a=math.sqrt(5)),
    "kaiming_uniform_fan_out": dict(mode="fan_out", nonlinearity="relu"),
    "kaiming_normal_": {},
    "kaiming_normal_tanh": dict(mode="fan_out", nonlinearity="tanh"),
    "trunc_normal_": {},
    "trunc_normal_ms": dict(mean=0.0, std=0.02),
    "trunc_normal_thin": dict(mean=0.0, std=1.0, a=1.5, b=2.5),  # p <= 0.3: the uniform rejection sampler
}


def _name(key: str) -> str:
    for base in ("trunc_normal_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
                 "uniform_", "normal_"):
        if key.startswith(base):
            return base
    raise KeyError(key)


def _draw(lib, init, key, shape, dtype, seed, generator=False):
    lib.manual_seed(seed)
    t = lib.empty(*shape, dtype=getattr(lib, dtype))
    kw = dict(RANDOM_INITS[key])
    if generator:
        g = lib.Generator()
        g.manual_seed(seed + 1000)
        kw["generator"] = g
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = getattr(init, _name(key))(t, **kw)
    assert out is t
    # the global stream must be left in the same state too
    return t.numpy().copy(), lib.rand(3).numpy().copy()


@pytest.mark.parametrize("key", list(RANDOM_INITS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_random_init_bit_exact(key, dtype):
    for seed in SEEDS:
        for shape in SHAPES:
            te, tnext = _draw(torch, tinit, key, shape, dtype, seed)
            ee, enext = _draw(ember, einit, key, shape, dtype, seed)
            assert ee.dtype == te.dtype
            assert np.array_equal(ee, te), f"{key} {dtype} seed={seed} shape={shape}"
            assert np.array_equal(enext, tnext), f"{key}: global generator left in a different state"


@pytest.mark.parametrize("key", ["uniform_", "normal_", "xavier_uniform_", "kaiming_normal_", "trunc_normal_"])
def test_generator_argument(key):
    for seed in range(5):
        for shape in SHAPES[:3]:
            te, tnext = _draw(torch, tinit, key, shape, "float32", seed, generator=True)
            ee, enext = _draw(ember, einit, key, shape, "float32", seed, generator=True)
            assert np.array_equal(ee, te)
            assert np.array_equal(enext, tnext)  # the global generator is untouched


def test_init_under_grad_on_parameter():
    # inits run under no_grad: a leaf Parameter stays a leaf with no grad_fn
    for lib, init in ((torch, tinit), (ember, einit)):
        p = lib.nn.Parameter(lib.empty(3, 2))
        init.kaiming_uniform_(p, a=math.sqrt(5))
        init.zeros_(p)
        init.normal_(p)
        assert p.is_leaf and p.grad_fn is None and p.requires_grad


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (6, 2, 2), (1, 7), (5, 1)])
def test_orthogonal(dtype, shape):
    # the draws are bit-exact; the QR (LAPACK via NumPy vs torch's MKL) agrees to rounding
    for seed in range(5):
        res = []
        for lib, init in ((torch, tinit), (ember, einit)):
            lib.manual_seed(seed)
            t = lib.empty(*shape, dtype=getattr(lib, dtype))
            init.orthogonal_(t, gain=1.5)
            res.append((t.numpy().copy(), lib.rand(2).numpy()))
        tol = 1e-5 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(res[1][0], res[0][0], rtol=tol, atol=tol)
        assert np.array_equal(res[1][1], res[0][1])


def test_sparse():
    for seed in range(5):
        res = []
        for lib, init in ((torch, tinit), (ember, einit)):
            lib.manual_seed(seed)
            t = lib.empty(7, 5)
            init.sparse_(t, sparsity=0.4, std=0.5)
            res.append(t.numpy().copy())
        assert np.array_equal(*res)


@pytest.mark.parametrize("fn,args", [("ones_", ()), ("zeros_", ()), ("constant_", (0.3,)), ("eye_", ())])
@pytest.mark.parametrize("dtype", DTYPES)
def test_deterministic_fills(fn, args, dtype):
    res = []
    for lib, init in ((torch, tinit), (ember, einit)):
        t = lib.empty(3, 4, dtype=getattr(lib, dtype))
        assert getattr(init, fn)(t, *args) is t
        res.append(t.numpy().copy())
    assert np.array_equal(*res)


@pytest.mark.parametrize("shape,groups", [((4, 2, 3), 1), ((4, 4, 3, 3), 2), ((2, 3, 3, 3, 3), 1)])
def test_dirac(shape, groups):
    res = []
    for lib, init in ((torch, tinit), (ember, einit)):
        t = lib.empty(*shape)
        init.dirac_(t, groups)
        res.append(t.numpy().copy())
    assert np.array_equal(*res)


@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
                                  ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu",)])
def test_calculate_gain(args):
    t, e = tinit.calculate_gain(*args), einit.calculate_gain(*args)
    assert t == e and type(t) is type(e)


@pytest.mark.parametrize("shape", [(4, 3), (5, 2, 3), (2, 3, 4, 5)])
def test_fan_in_fan_out(shape):
    assert einit._calculate_fan_in_and_fan_out(ember.empty(*shape)) == \
        tinit._calculate_fan_in_and_fan_out(torch.empty(*shape))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.init.calculate_gain("softmax"),
    lambda lib: lib.nn.init.calculate_gain("leaky_relu", "x"),
    lambda lib: lib.nn.init.calculate_gain("leaky_relu", True),
    lambda lib: lib.nn.init.xavier_uniform_(lib.empty(3)),
    lambda lib: lib.nn.init.kaiming_normal_(lib.empty(3, 2), mode="fan_avg"),
    lambda lib: lib.nn.init.eye_(lib.empty(3, 2, 2)),
    lambda lib: lib.nn.init.dirac_(lib.empty(3, 2)),
    lambda lib: lib.nn.init.dirac_(lib.empty(3, 2, 3), groups=2),
    lambda lib: lib.nn.init.orthogonal_(lib.empty(3)),
    lambda lib: lib.nn.init.sparse_(lib.empty(3), 0.1),
])
def test_errors(fn):
    check_error(fn)


@pytest.mark.parametrize("fn", ["kaiming_uniform_", "kaiming_normal_"])
def test_zero_element_warning(fn):
    for lib in (torch, ember):
        t = lib.empty(0, 3)
        with pytest.warns(UserWarning, match=r"^Initializing zero-element tensors is a no-op$"):
            assert getattr(lib.nn.init, fn)(t) is t


def test_trunc_normal_far_mean_warning():
    for lib in (torch, ember):
        lib.manual_seed(0)
        with pytest.warns(UserWarning, match="mean is more than 2 std from"):
            lib.nn.init.trunc_normal_(lib.empty(3), mean=10.0, std=1.0, a=-2.0, b=2.0)


def test_deprecated_aliases():
    for name in ["uniform", "normal", "constant", "xavier_uniform", "kaiming_normal", "orthogonal"]:
        assert getattr(einit, name).__name__ == getattr(tinit, name).__name__ == name
    for lib in (torch, ember):
        with pytest.warns(FutureWarning, match=r"`nn.init.uniform` is now deprecated in favor of `nn.init.uniform_`\."):
            lib.nn.init.uniform(lib.empty(2))


def test_all_matches_torch():
    assert sorted(einit.__all__) == sorted(tinit.__all__)
