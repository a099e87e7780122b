"""autograd.functional's second-order functions (hessian, hvp, vhp, jvp, create_graph=True) and gradgradcheck,
against torch: values, dtypes, shapes, tuple nesting, requires_grad of the results and strict-mode errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember


def _same(a, b, path="result"):
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
        return
    assert str(a.dtype) == str(b.dtype) and tuple(a.shape) == tuple(b.shape), path
    assert a.requires_grad == b.requires_grad, path
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=path)


RNG = np.random.default_rng(0)
X0, Y0, V0, W0 = RNG.standard_normal(3), RNG.standard_normal((2, 3)), RNG.standard_normal(3), RNG.standard_normal((2, 3))


def scalar_one(L):
    return lambda x: (x.sin() * x ** 2).sum()


def scalar_two(L):
    return lambda x, y: (x * y).tanh().sum() + (x ** 3).sum()


def two_outputs(L):
    return lambda x: (x.exp(), x * x)


def mlp(L):
    f = L.nn.functional
    return lambda w, x: f.softplus(f.gelu(x @ w.t()) * f.sigmoid(x @ w.t())).sum()


CALLS = {
    "hessian": lambda L: L.autograd.functional.hessian(scalar_one(L), L.tensor(X0)),
    "hessian_tuple": lambda L: L.autograd.functional.hessian(scalar_two(L), (L.tensor(X0), L.tensor(Y0))),
    "hessian_create_graph": lambda L: L.autograd.functional.hessian(scalar_one(L), L.tensor(X0), create_graph=True),
    "hessian_mlp": lambda L: L.autograd.functional.hessian(mlp(L), (L.tensor(Y0), L.tensor(W0.T[:, :2].T))),
    "hessian_vectorize": lambda L: L.autograd.functional.hessian(scalar_one(L), L.tensor(X0), vectorize=True),
    "hvp": lambda L: L.autograd.functional.hvp(scalar_one(L), L.tensor(X0), L.tensor(V0)),
    "hvp_tuple": lambda L: L.autograd.functional.hvp(scalar_two(L), (L.tensor(X0), L.tensor(Y0)),
                                                     (L.tensor(V0), L.tensor(W0))),
    "vhp_tuple": lambda L: L.autograd.functional.vhp(scalar_two(L), (L.tensor(X0), L.tensor(Y0)),
                                                     (L.tensor(V0), L.tensor(W0))),
    "vhp_create_graph": lambda L: L.autograd.functional.vhp(scalar_one(L), L.tensor(X0, requires_grad=True),
                                                            L.tensor(V0), create_graph=True),
    "jvp": lambda L: L.autograd.functional.jvp(two_outputs(L), L.tensor(X0), L.tensor(V0)),
    "jvp_create_graph": lambda L: L.autograd.functional.jvp(two_outputs(L), L.tensor(X0, requires_grad=True),
                                                            L.tensor(V0), create_graph=True),
    "jvp_single_element": lambda L: L.autograd.functional.jvp(lambda x: x.exp() * 3, L.tensor([0.5])),
    "jacobian_create_graph": lambda L: L.autograd.functional.jacobian(two_outputs(L), L.tensor(X0, requires_grad=True),
                                                                      create_graph=True),
    "vjp_create_graph": lambda L: L.autograd.functional.vjp(two_outputs(L), L.tensor(X0, requires_grad=True),
                                                            (L.tensor(V0), L.tensor(V0)), create_graph=True),
    "jacobian_vectorize": lambda L: L.autograd.functional.jacobian(two_outputs(L), L.tensor(X0), vectorize=True),
    "hessian_of_unused_input": lambda L: L.autograd.functional.hessian(lambda x, y: (x ** 3).sum(),
                                                                       (L.tensor(X0), L.tensor(V0))),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_matches_torch(name):
    _same(CALLS[name](ember), CALLS[name](torch))


def test_create_graph_results_differentiate_again():
    out = []
    for L in (torch, ember):
        x = L.tensor(X0, requires_grad=True)
        h = L.autograd.functional.hessian(scalar_one(L), x, create_graph=True)
        (g,) = L.autograd.grad(h.sum(), x)
        out.append(g)
    _same(out[1], out[0])


ERRORS = {
    "strict_linear_hessian": lambda L: L.autograd.functional.hessian(lambda x: (x * 2).sum(), L.tensor(X0),
                                                                     strict=True),
    "strict_unused_vjp": lambda L: L.autograd.functional.vjp(lambda x, y: x * 2, (L.tensor(X0), L.tensor(X0)),
                                                             L.tensor(V0), strict=True),
    "strict_constant_jvp": lambda L: L.autograd.functional.jvp(lambda x: L.ones(3), L.tensor(X0), L.tensor(V0),
                                                               strict=True),
    "strict_jacobian_create_graph": lambda L: L.autograd.functional.jacobian(lambda x: x * 2, L.tensor(X0),
                                                                             create_graph=True, strict=True),
    "strict_vectorize": lambda L: L.autograd.functional.jacobian(lambda x: x * 2, L.tensor(X0), strict=True,
                                                                 vectorize=True),
    "hvp_tuple_output": lambda L: L.autograd.functional.hvp(lambda x: (x.sum(), x.sum()), L.tensor(X0),
                                                            L.tensor(V0)),
    "hvp_many_elements": lambda L: L.autograd.functional.hvp(lambda x: x * 2, L.tensor(X0), L.tensor(V0)),
    "hvp_without_v": lambda L: L.autograd.functional.hvp(lambda x: x.sum(), L.tensor(X0)),
    "vhp_v_size": lambda L: L.autograd.functional.vhp(lambda x: x.sum(), L.tensor(X0), L.tensor(W0)),
    "hvp_v_tuple_length": lambda L: L.autograd.functional.hvp(lambda x, y: (x * y).sum(),
                                                              (L.tensor(X0), L.tensor(X0)), (L.tensor(V0),)),
    "hessian_many_elements": lambda L: L.autograd.functional.hessian(lambda x: x * 2, L.tensor(X0)),
    "hessian_bad_inputs": lambda L: L.autograd.functional.hessian(lambda x: x.sum(), [1, 2]),
    "jvp_bad_v_type": lambda L: L.autograd.functional.jvp(lambda x: x * 2, L.tensor(X0), 3.0),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    got = []
    for L in (torch, ember):
        with pytest.raises(Exception) as info:
            ERRORS[name](L)
        got.append((type(info.value), str(info.value)))
    assert got[1] == got[0]


def test_gradgradcheck_draws_grad_outputs_as_torch_and_catches_a_wrong_double_backward():
    for L in (torch, ember):
        L.manual_seed(0)
        x = L.tensor(X0, requires_grad=True)
        y = L.tensor(V0, requires_grad=True)
        assert L.autograd.gradgradcheck(lambda a, b: (a * b.sin()).exp() * a, (x, y))
        after = L.rand(3)  # the same stream consumed: the same random grad_outputs were drawn
        if L is torch:
            want = after.numpy()
        else:
            np.testing.assert_array_equal(after.numpy(), want)

        class DetachedSquare(L.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a ** 2

            @staticmethod
            def backward(ctx, g):
                (a,) = ctx.saved_tensors
                return g * 2 * a.detach()  # first order right, second order wrong

        with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to input 0"):
            L.autograd.gradgradcheck(DetachedSquare.apply, (x,))
        assert not L.autograd.gradgradcheck(DetachedSquare.apply, (x,), raise_exception=False)


def test_gradgradcheck_with_given_grad_outputs():
    f = ember.nn.functional
    x = ember.tensor(Y0, requires_grad=True)
    w = ember.tensor(W0[:, :3], requires_grad=True)
    g = ember.tensor(RNG.standard_normal((2, 2)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ember.autograd.gradgradcheck(lambda a, b: f.tanh(a @ b.t()), (x, w), (g,))
