"""ember.func.grad / grad_and_value / vjp / jacrev / jacfwd / hessian against torch.func (float64)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember


def _same(e, t, tol=1e-12):
    if isinstance(t, (tuple, list)):
        assert type(e) is type(t) and len(e) == len(t), (type(e), type(t))
        for a, b in zip(e, t):
            _same(a, b, tol)
        return
    if isinstance(t, dict):
        assert list(e) == list(t)
        for k in t:
            _same(e[k], t[k], tol)
        return
    assert isinstance(e, ember.Tensor), type(e)
    assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape), (e.dtype, t.dtype, e.shape, t.shape)
    assert e.requires_grad == t.requires_grad, (e.requires_grad, t.requires_grad)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


def _both(fn, tol=1e-12):
    _same(fn(ember), fn(torch), tol)


def _arr(seed, *shape):
    return np.random.default_rng(seed).standard_normal(shape)


def _f(L):
    return lambda x: (x.sin() * x).sum()


# --- grad / grad_and_value --------------------------------------------------------------------------------------

def test_grad_and_value():
    _both(lambda L: L.func.grad(_f(L))(L.tensor(_arr(0, 4))))
    _both(lambda L: L.func.grad_and_value(_f(L))(L.tensor(_arr(0, 2, 3))))


def test_grad_has_aux():
    def f(L):
        return lambda x, y: ((x * y).sum(), {"a": x.exp(), "b": (y,)})
    _both(lambda L: L.func.grad(f(L), has_aux=True)(L.tensor(_arr(1, 3)), L.tensor(_arr(2, 3))))
    _both(lambda L: L.func.grad_and_value(f(L), argnums=1, has_aux=True)(L.tensor(_arr(1, 3)), L.tensor(_arr(2, 3))))


@pytest.mark.parametrize("argnums", [0, 1, -1, (0, 1), (1, 0), (2, 0)])
def test_grad_argnums_and_pytrees(argnums):
    def f(L):
        return lambda d, t, z: (d["w"] @ t[0]).pow(2).sum() + (d["b"] * t[1]).sum() * z.sum()
    _both(lambda L: L.func.grad(f(L), argnums=argnums)(
        {"w": L.tensor(_arr(3, 2, 3)), "b": L.tensor(_arr(4, 2))}, (L.tensor(_arr(5, 3)), L.tensor(_arr(6, 2))),
        L.tensor(_arr(7, 2))))


def test_grad_passes_kwargs_through():
    _both(lambda L: L.func.grad(lambda x, s=1.0: (x * s).sum())(L.tensor(_arr(0, 2)), s=L.tensor(3.0,
                                                                                              dtype=L.float64)))


def test_grad_unused_input_is_zero_and_constant_output():
    _both(lambda L: L.func.grad(lambda x, y: (x * 2).sum(), argnums=(0, 1))(L.tensor(_arr(0, 3)), L.tensor(_arr(1, 2))))
    _both(lambda L: L.func.grad(lambda x: L.tensor(3.0, dtype=L.float64))(L.tensor(_arr(0, 3))))


@pytest.mark.parametrize("order", [2, 3])
def test_grad_of_grad(order):
    def run(L):
        f = lambda x: (x.sin() * x.exp()).sum()  # noqa: E731
        g = f
        for _ in range(order - 1):
            g = (lambda h: (lambda x: L.func.grad(h)(x).sum()))(g)
        return L.func.grad(g)(L.tensor(_arr(1, 3)))
    _both(run)


def test_grad_of_grad_perturbation():
    # the inner grad closes over the outer variable: d/dx [d/dy (x*y).sum() at y=x].sum() = 1
    _both(lambda L: L.func.grad(lambda x: L.func.grad(lambda y: (x * y * y).sum())(x).sum())(L.tensor(_arr(2, 3))))


def test_grad_composes_with_outer_autograd():
    def run(L):
        x = L.tensor(_arr(0, 3), requires_grad=True)
        w = L.tensor(_arr(1, 3), requires_grad=True)
        g_x = L.func.grad(lambda x: (x ** 3).sum())(x)              # differentiable w.r.t. x outside
        g_d = L.func.grad(lambda x: (x ** 3).sum())(x.detach())     # nothing outside requires grad
        g_w = L.func.grad(lambda x: (x ** 3 * w).sum())(x.detach())  # closes over w
        outer = L.autograd.grad((g_x * g_w).sum(), (x, w))
        return g_x, g_d, g_w, outer
    _both(run)


def test_grad_under_no_grad():
    def run(L):
        x = L.tensor(_arr(0, 3), requires_grad=True)
        with L.no_grad():
            return L.func.grad(lambda x: (x ** 3).sum())(x)
    _both(run)


def test_other_transforms_under_no_grad():
    def run(L):
        x = L.tensor(_arr(0, 3), requires_grad=True)
        with L.no_grad():
            o, fn = L.func.vjp(lambda x: x.exp(), x)
            return (L.func.hessian(lambda x: (x.sin() * x.sum()).sum())(x), L.func.jacrev(L.exp)(x), o,
                    fn(L.ones(3, dtype=L.float64)), L.func.jvp(L.sin, (x,), (L.ones(3, dtype=L.float64),)))
    _both(run)


# --- vjp ---------------------------------------------------------------------------------------------------------

def test_vjp_values_and_reuse():
    def run(L):
        x, y = L.tensor(_arr(0, 2, 3)), L.tensor(_arr(1, 3))
        out, fn = L.func.vjp(lambda a, b: (a * b, (a.sum(0) * b.cos()).exp()), x, y)
        v = (L.tensor(_arr(2, 2, 3)), L.tensor(_arr(3, 3)))
        return out, fn(v), fn(v)
    _both(run)


def test_vjp_pytree_primals_has_aux_and_outer_grad():
    def run(L):
        w = L.tensor(_arr(0, 3), requires_grad=True)
        out, fn, aux = L.func.vjp(lambda d: ((d["a"] * w).tanh(), d["a"].sum()), {"a": L.tensor(_arr(1, 3))},
                                  has_aux=True)
        (g,) = fn(L.tensor(_arr(2, 3)))
        return out, g, aux, L.autograd.grad(g["a"].sum(), w)
    _both(run)


def test_vjp_requires_grad_passthrough():
    def run(L):
        x = L.tensor(_arr(0, 3), requires_grad=True)
        out, fn = L.func.vjp(lambda a: a ** 2, x)
        return out, fn(L.ones(3, dtype=L.float64)), L.func.vjp(lambda a: a ** 2, x.detach())[0]
    _both(run)


# --- jacrev / jacfwd / hessian -----------------------------------------------------------------------------------

JAC_CASES = [
    (lambda L: (lambda x: x.sin() * x.sum()), 0, 1),
    (lambda L: (lambda x, y: (x @ y).tanh()), (0, 1), 2),
    (lambda L: (lambda x, y: ((x * y.sum()).exp(), (x ** 2).sum())), 1, 2),
    (lambda L: (lambda x, y: {"p": x * 2, "q": (x.cos(), y)}), (1,), 2),
    (lambda L: (lambda d: d["u"] * d["v"]), 0, "dict"),
]


def _jac_args(L, arity):
    if arity == "dict":
        return ({"u": L.tensor(_arr(0, 3)), "v": L.tensor(_arr(1, 3))},)
    if arity == 1:
        return (L.tensor(_arr(0, 2, 2)),)
    return L.tensor(_arr(0, 2, 3)), L.tensor(_arr(1, 3, 2))


@pytest.mark.parametrize("api", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("case", range(len(JAC_CASES)))
def test_jacobians(api, case):
    make, argnums, arity = JAC_CASES[case]

    def run(L):
        args = _jac_args(L, arity)
        return getattr(L.func, api)(make(L), argnums)(*args)
    _both(run)


def test_jacrev_has_aux_and_chunk_size():
    def run(L):
        x = L.tensor(_arr(0, 4))
        f = lambda x: (x.exp()[:3], x.sum())  # noqa: E731
        return (L.func.jacrev(f, has_aux=True)(x), L.func.jacrev(lambda x: x.exp(), chunk_size=1)(x),
                L.func.jacfwd(f, has_aux=True)(x))
    _both(run)


def test_scalar_and_empty_jacobians():
    def run(L):
        x = L.tensor(3.0, dtype=L.float64)
        return (L.func.jacrev(lambda x: x ** 3)(x), L.func.hessian(lambda x: x ** 3)(x),
                L.func.jacfwd(lambda x: x.exp())(x), L.func.jacrev(lambda x: x.sum())(L.ones(2, 0, dtype=L.float64)),
                L.func.jacrev(lambda x: x * 2)(L.ones(0, dtype=L.float64)))
    _both(run)


def test_jacobian_dtypes():
    def run(L):
        x = L.tensor(_arr(0, 3))
        return (L.func.jacfwd(lambda x: (x > 0).long())(x), L.func.jacfwd(lambda x: x.float() * 2)(x),
                L.func.jacrev(lambda x: x.float() * 2)(x))
    _both(run)


def test_hessian():
    _both(lambda L: L.func.hessian(lambda x: (x.sin() * x.prod()).sum())(L.tensor(_arr(0, 3))))
    _both(lambda L: L.func.hessian(lambda x, y: (x.exp() * y).sum() * y.sum(), argnums=(0, 1))(
        L.tensor(_arr(0, 2)), L.tensor(_arr(1, 2))))
    _both(lambda L: L.func.jacrev(L.func.jacrev(lambda x: x.sin().sum()))(L.tensor(_arr(0, 3))))


def test_jacrev_hessian_mlp_params():
    def run(L):
        L.manual_seed(0)
        m = L.nn.Linear(3, 2).double()
        p = {k: v.detach() for k, v in m.named_parameters()}
        x = L.tensor(_arr(0, 4, 3))
        loss = lambda p: L.func.functional_call(m, p, (x,)).pow(2).sum()  # noqa: E731
        return L.func.jacrev(lambda p: L.func.functional_call(m, p, (x,)))(p), L.func.hessian(loss)(p)
    _both(run)


# --- errors ------------------------------------------------------------------------------------------------------

def _messages(fn):
    msgs = []
    for L in (ember, torch):
        with pytest.raises(Exception) as ei:
            fn(L)
        msgs.append((type(ei.value).__name__, str(ei.value).replace("torch.", "").replace("ember.", "")
                     .replace("_tensor.Tensor", "Tensor")))
    assert msgs[0] == msgs[1]


ERRORS = [
    lambda L: L.func.grad(lambda x: x * 2)(L.ones(3)),
    lambda L: L.func.grad(lambda x: 3.0)(L.ones(3)),
    lambda L: L.func.grad(lambda x: x.sum(), has_aux=True)(L.ones(3)),
    lambda L: L.func.grad(lambda x: (x.sum(), 1.0), has_aux=True)(L.ones(3)),
    lambda L: L.func.grad(lambda x: x.sum(), argnums=1)(L.ones(3)),
    lambda L: L.func.grad(lambda x: x.sum(), argnums=-2)(L.ones(3)),
    lambda L: L.func.grad(lambda x: x.sum(), argnums=1.0)(L.ones(3)),
    lambda L: L.func.grad(lambda x: x.sum(), argnums=[0])(L.ones(3)),
    lambda L: L.func.grad(lambda x, y: x.sum(), argnums=(0, -2))(L.ones(3), L.ones(3)),
    lambda L: L.func.grad(lambda x, y: x.sum(), argnums=())(L.ones(3), L.ones(3)),
    lambda L: L.func.grad(lambda x, y: x.sum(), argnums=(0, 1.0))(L.ones(3), L.ones(3)),
    lambda L: L.func.grad(lambda x: x[0])((L.ones(3), 2.0)),
    lambda L: L.func.vjp(lambda x: (x, 3), L.ones(3)),
    lambda L: L.func.vjp(lambda x: None, L.ones(3)),
    lambda L: L.func.vjp(lambda x: x, L.ones(3), has_aux=True),
    lambda L: L.func.vjp(lambda x: (x > 0).long(), L.ones(3)),
    lambda L: L.func.vjp(lambda x: x * 2, L.ones(3))[1]((L.ones(3),)),
    lambda L: L.func.vjp(lambda x: {"a": x, "b": [x]}, L.ones(3))[1]({"a": L.ones(3), "b": L.ones(3)}),
    lambda L: L.func.jacrev(lambda x: x, chunk_size=0),
    lambda L: L.func.jacrev(lambda x: (x, 2))(L.ones(3)),
    lambda L: L.func.jacrev(lambda x: x)(L.ones(3, dtype=L.complex128)),
    lambda L: L.func.jacrev(lambda x: x * 1j)(L.ones(3)),
    lambda L: L.func.jacfwd(lambda x: x, randomness="bad")(L.ones(3)),
    lambda L: L.func.jacfwd(lambda x: x * L.rand(3))(L.ones(3)),
    lambda L: L.func.jacfwd(lambda x: x)(L.ones(3, dtype=L.complex128)),
    lambda L: L.func.jacfwd(lambda x: (x, 2))(L.ones(3)),
    lambda L: L.func.jacfwd(lambda x: x, has_aux=True)(L.ones(3)),
    lambda L: L.func.jacfwd(lambda x: None)(L.ones(3)),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors(case):
    _messages(ERRORS[case])


def test_functionalize():
    def run(L):
        def f(x):
            y = x.clone()
            y.add_(1)
            x.mul_(2)
            return y
        x = L.tensor(_arr(0, 3))
        out = L.func.functionalize(f)(x)
        return out, x, L.func.functionalize(f, remove="mutations_and_views")(x)
    _both(run)
    _messages(lambda L: L.func.functionalize(lambda x: x, remove="all"))


# --- jvp / linearize (double-vjp in ember, forward mode in torch) -------------------------------------------------

def test_jvp_values_pytrees_and_aux():
    def run(L):
        x, y = L.tensor(_arr(0, 2, 3)), L.tensor(_arr(1, 3))
        vx, vy = L.tensor(_arr(2, 2, 3)), L.tensor(_arr(3, 3))
        f = lambda a, b: ((a * b).sin(), {"s": (a @ b).exp()})  # noqa: E731
        g = lambda d: ((d["a"] ** 3).sum(), d["a"].cos())  # noqa: E731
        return (L.func.jvp(f, (x, y), (vx, vy)),
                L.func.jvp(g, ({"a": x},), ({"a": vx},), has_aux=True),
                L.func.jvp(lambda a: L.ones(2, dtype=L.float64), (x,), (vx,)),
                L.func.jvp(L.sin, (x,), (vx.float(),)))
    _both(run)


def test_jvp_composes():
    def run(L):
        x, v = L.tensor(_arr(0, 3)), L.tensor(_arr(1, 3))
        f = lambda a: (a.sin() * a.sum()).sum()  # noqa: E731
        hvp = L.func.jvp(L.func.grad(f), (x,), (v,))[1]                     # forward-over-reverse
        jvp_grad = L.func.grad(lambda a: L.func.jvp(f, (a,), (v,))[1])(x)  # reverse-over-forward
        w = L.tensor(_arr(2, 3), requires_grad=True)
        outer = L.func.jvp(lambda a: a * w, (x,), (v,))[1]
        return hvp, jvp_grad, outer, L.autograd.grad(outer.sum(), w)
    _both(run)


def test_linearize():
    def run(L):
        x = L.tensor(_arr(0, 3))
        out, fn = L.func.linearize(lambda a: a.sin() * a, x)
        return out, fn(L.tensor(_arr(1, 3))), fn(L.ones(3, dtype=L.float64))
    _both(run)


JVP_ERRORS = [
    lambda L: L.func.jvp(L.sin, (L.ones(3),), (L.ones(2),)),
    lambda L: L.func.jvp(L.sin, L.ones(3), (L.ones(3),)),
    lambda L: L.func.jvp(L.sin, (L.ones(3),), [L.ones(3)]),
    lambda L: L.func.jvp(L.sin, (), ()),
    lambda L: L.func.jvp(L.sin, (1.0,), (1.0,)),
    lambda L: L.func.jvp(lambda x: (x, 2), (L.ones(3),), (L.ones(3),)),
    lambda L: L.func.jvp(lambda x: x, (L.ones(3),), (L.ones(3),), has_aux=True),
    lambda L: L.func.jvp(lambda x: L.ones(2), (L.ones(3),), (L.ones(3),), strict=True),
    lambda L: L.func.linearize(L.sin, L.ones(3, dtype=L.float64))[1](L.ones(3)),
    lambda L: L.func.linearize(L.sin, L.ones(3))[1](L.ones(2)),
    lambda L: L.func.linearize(L.sin, L.ones(3))[1]([L.ones(3)]),
]


@pytest.mark.parametrize("case", range(len(JVP_ERRORS)))
def test_jvp_errors(case):
    _messages(JVP_ERRORS[case])


def test_debug_unwrap_and_replace_all_batch_norm_modules():
    res = []
    for L in (ember, torch):
        L.manual_seed(0)
        m = L.nn.Sequential(L.nn.Linear(2, 3), L.nn.BatchNorm1d(3), L.nn.Sequential(L.nn.BatchNorm1d(3)))
        assert L.func.replace_all_batch_norm_modules_(m) is m
        x = L.tensor(_arr(0, 4, 2)).float()
        res.append((m(x), [(b.running_mean, b.running_var, b.num_batches_tracked, b.track_running_stats)
                           for b in (m[1], m[2][0])], L.func.debug_unwrap(x) is x))
    _same(res[0][0], res[1][0], 1e-6)
    assert res[0][1] == res[1][1] and res[0][2] and res[1][2]
