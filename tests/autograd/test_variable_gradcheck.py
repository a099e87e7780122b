"""autograd.Variable (the legacy wrapper) and autograd.gradcheck against torch."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember


def test_variable_is_a_detached_alias():
    for L in (ember, torch):
        t = L.ones(2)
        v = L.autograd.Variable(t, requires_grad=True)
        assert v is not t and v.requires_grad and not t.requires_grad and isinstance(t, L.autograd.Variable)
        v.data[0] = 5  # shares memory
        assert t[0].item() == 5
        w = L.ones(2, requires_grad=True) * 2
        a = L.autograd.Variable(w)
        assert a.grad_fn is None and not a.requires_grad
        assert L.autograd.Variable().shape == (0,)
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            L.autograd.Variable([1, 2])


def _functions(L):
    class Cube(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x * x

    class WrongCube(Cube):
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    return Cube, WrongCube


def test_gradcheck_passes_and_fails_as_torch():
    x0 = np.random.default_rng(0).standard_normal((3, 2))
    for L in (ember, torch):
        x = L.tensor(x0, requires_grad=True)
        y = L.tensor(x0[:, :1] * 2, requires_grad=True)
        Cube, WrongCube = _functions(L)
        assert L.autograd.gradcheck(Cube.apply, (x,))
        assert L.autograd.gradcheck(lambda a, b: (a * b).sum(0), (x, y))
        assert L.autograd.gradcheck(lambda a: (a.sin(), a.exp().sum()), x)
        assert L.autograd.gradcheck(WrongCube.apply, (x,), raise_exception=False) is False
        with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to input 0,\nnumerical:"):
            L.autograd.gradcheck(WrongCube.apply, (x,))
        with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
            L.autograd.gradcheck(lambda a: a * 2, (L.tensor(x0),))


def test_gradcheck_error_type_and_second_order():
    from ember.autograd.gradcheck import GradcheckError  # where torch users import it from
    _, WrongCube = _functions(ember)
    with pytest.raises(GradcheckError) as info:
        ember.autograd.gradcheck(WrongCube.apply, (ember.tensor([1.0, 2.0], dtype=ember.float64,
                                                               requires_grad=True),))
    assert isinstance(info.value, RuntimeError)
    assert ember.autograd.gradgradcheck(lambda a: a * a.sin(), (ember.ones(2, dtype=ember.float64,
                                                                          requires_grad=True),))
