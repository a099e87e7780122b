"""ember.distributions.utils and base-class details vs torch."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember


def _each(fn):
    return fn(torch), fn(ember)


def test_broadcast_all():
    def fn(lib):
        U = lib.distributions.utils
        a = lib.tensor([1.0, 2.0], dtype=lib.float64)
        out = U.broadcast_all(a, 3.0, lib.ones(3, 1))
        same = U.broadcast_all(a, a)[0] is a
        scalars = U.broadcast_all(1.0, 2)
        return [tuple(o.shape) for o in out], [str(o.dtype) for o in out], same, [str(o.dtype) for o in scalars]

    t, e = _each(fn)
    assert e == t
    for lib in (torch, ember):
        with pytest.raises(ValueError, match="Input arguments must all be instances of Number"):
            lib.distributions.utils.broadcast_all(lib.ones(2), "x")


def test_probs_logits_helpers():
    def fn(lib):
        U = lib.distributions.utils
        p = lib.tensor([[0.0, 0.2, 0.8], [1.0, 0.5, 0.25]], dtype=lib.float64)
        x = lib.tensor([[-1.0, 0.0, 3.0]], dtype=lib.float64)
        return [U.probs_to_logits(p), U.probs_to_logits(p, is_binary=True), U.logits_to_probs(x),
                U.logits_to_probs(x, is_binary=True), U.clamp_probs(p),
                U.clamp_probs(p.float())]

    for a, b in zip(*_each(fn)[::-1]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-15, atol=0)
        assert str(a.dtype) == str(b.dtype)


@pytest.mark.parametrize("diag", [-1, 0, 1])
def test_tril_vec_round_trip(diag):
    def fn(lib):
        U = lib.distributions.utils
        m = lib.arange(2 * 16.0).reshape(2, 4, 4)
        v = U.tril_matrix_to_vec(m, diag=diag)
        return v.numpy(), U.vec_to_tril_matrix(v, diag=diag).numpy()

    (tv, tm), (ev, em) = _each(fn)
    np.testing.assert_array_equal(ev, tv)
    np.testing.assert_array_equal(em, tm)
    for lib in (torch, ember):
        with pytest.raises(ValueError, match="cannot be expressed as the lower triangular part"):
            lib.distributions.utils.vec_to_tril_matrix(lib.zeros(5))
        with pytest.raises(ValueError, match=r"diag \(4\) provided is outside \[-3, 2\]"):
            lib.distributions.utils.tril_matrix_to_vec(lib.zeros(3, 3), diag=4)


def test_subclass_needs_expand_and_lazy_property():
    for lib in (torch, ember):
        D = lib.distributions

        class Shifted(D.Normal):
            def __init__(self, loc, scale, shift=1.0):
                super().__init__(loc + shift, scale)

        with pytest.raises(NotImplementedError, match="Subclass Shifted of Normal that defines a custom __init__ "
                                                      "method must also define a custom .expand\\(\\) method."):
            Shifted(lib.zeros(2), 1.0).expand((3, 2))
        # a class-level lookup of a lazy_property gives a property object (docs tools rely on it)
        assert isinstance(D.Bernoulli.logits, property)
        d = D.Bernoulli(logits=lib.zeros(2))
        assert "probs" not in d.__dict__
        d.probs
        assert "probs" in d.__dict__


def test_no_arg_constraints_warns():
    for lib in (torch, ember):
        D = lib.distributions

        class Bare(D.Distribution):
            pass

        with pytest.warns(UserWarning, match="does not define `arg_constraints`"):
            Bare(validate_args=True)
        with pytest.raises(NotImplementedError):
            Bare(validate_args=False).sample()
        with pytest.raises(NotImplementedError, match="does not implement mode"):
            Bare(validate_args=False).mode
        assert Bare(validate_args=False).batch_shape == lib.Size()
        with pytest.warns(UserWarning, match="does not define `support`"):
            Bare(validate_args=False)._validate_sample(lib.zeros(1))
