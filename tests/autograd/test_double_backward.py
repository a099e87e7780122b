"""create_graph=True (ember/autograd/graph_engine.py and the ops' differentiable_backward), against torch.

Each case computes first-order grads with create_graph=True, then differentiates a function of them (the sum of
their squares, as a gradient penalty does) back to the inputs: both orders must match torch's in float64.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember

F64 = dict(rtol=1e-9, atol=1e-11)


def _second_order(lib, fn, arrays):
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    grads = lib.autograd.grad(out.sum(), xs, create_graph=True, allow_unused=True)
    penalty = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
    second = lib.autograd.grad(penalty, xs, allow_unused=True)
    first = [None if g is None else g.detach().numpy() for g in grads]
    return first, [None if h is None else h.numpy() for h in second]


def _check(fn, arrays):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _second_order(torch, fn, arrays)
        got = _second_order(ember, fn, arrays)
    for want, have in zip(expected, got):
        assert len(want) == len(have)
        for w, h in zip(want, have):
            assert (w is None) == (h is None)
            if w is not None:
                np.testing.assert_allclose(h, w, **F64)


RNG = np.random.default_rng(0)
A = RNG.uniform(0.5, 2.0, (3, 4))
B = RNG.uniform(0.5, 2.0, (4,))
X = RNG.standard_normal((4, 6))
W = RNG.standard_normal((5, 6))
BIAS = RNG.standard_normal(5)
T = np.array([0, 3, 1, 4])


def nnf(lib):
    return lib.nn.functional


ELEMENTWISE = {
    "mul": lambda L, a, b: a * b * a * 3,
    "div": lambda L, a, b: a / b + 1 / a + 2 / b,
    "pow": lambda L, a, b: a ** 3 + a ** b + 2 ** a + a ** 0.5 + a ** 0 * b,
    "sub": lambda L, a, b: (a - b) * (3 - a) * (a - 2 * b) * L.rsub(a, b),
    "exp_log": lambda L, a, b: (a * b).exp().log().sin() * a.cos() + a.sqrt() + a.rsqrt() + a.reciprocal(),
    "trig": lambda L, a, b: ((a / 3).tan() + (a / 3).asin() + (a / 3).acos() + a.atan() + a.sinh() * a.cosh()
                             + a.erf() + a.erfc() + a.abs() * a),
    "logs": lambda L, a, b: a.log2() * a.log10() + a.log1p() + a.expm1() + a.exp2() + a.floor() * a,
}

LAYERS = {
    "linear_tanh": lambda L, x, w, b: nnf(L).linear(x, w, b).tanh() * x[:, :5],
    "linear_3d": lambda L, x, w, b: nnf(L).linear(x.reshape(2, 2, 6), w, b).sigmoid() ** 2,
    "softmax": lambda L, x, w, b: nnf(L).softmax(x @ w.t(), dim=1) * b + nnf(L).log_softmax(x @ w.t() * b, dim=0),
    "cross_entropy": lambda L, x, w, b: (nnf(L).cross_entropy(nnf(L).linear(x, w, b) ** 2, L.tensor(T))
                                         + nnf(L).mse_loss(x @ w.t(), (x @ w.t()).sin().detach() * b)),
    "cross_entropy_none": lambda L, x, w, b: nnf(L).cross_entropy((x @ w.t()).tanh() * b, L.tensor(T),
                                                                   reduction="none") * b[:4],
    "activations": lambda L, x, w, b: (nnf(L).gelu(x) * x + nnf(L).gelu(x, approximate="tanh") * x
                                       + nnf(L).silu(x) * x + nnf(L).elu(x) * x + nnf(L).softplus(x) * x
                                       + nnf(L).leaky_relu(x, 0.1) * x + nnf(L).relu(x) * x),
    "shapes": lambda L, x, w, b: (L.cat([x, x * 2], 1).reshape(4, 2, 6).permute(2, 0, 1).transpose(0, 2).flip(0)
                                  .roll(1, 1)[1, :, 2:4] * L.stack([x[:, 0], x[:, 1]], 1)).unsqueeze(0).squeeze(0)
                                 .repeat(2, 1) ** 3,
    "split_var": lambda L, x, w, b: (sum(p.sin() * p for p in x.split(2, 1)).t().mean(0) * b.sum()
                                     + x.unbind(0)[1].mean() * x.var() + x.std(1).sum()),
    "reductions": lambda L, x, w, b: (x ** 2).sum(1, keepdim=True) * x.mean(0) * (x * x).mean() * x.exp().sum(),
    "matmuls": lambda L, x, w, b: (L.matmul(x.reshape(2, 2, 6), w.t()[None].expand(2, 6, 5)).sum(0) ** 2).sum()
    + (x @ w.t()[:, 0]).exp().sum() + (x[0] @ x[1]) * (w @ x[2]).sum(),
    "selection": lambda L, x, w, b: (L.where(x > 0, x * x, x.exp()) + x.clamp(-0.5, 0.5) ** 2
                                     + L.maximum(x, x.flip(0)) ** 2 + x.masked_fill(x < 0.2, 1.0) ** 2
                                     + x.float().double() ** 2),
    "indexing": lambda L, x, w, b: ((x.gather(1, L.tensor([[0, 2], [1, 1], [5, 0], [3, 3]])) ** 2).sum()
                                    + x.reshape(-1)[L.tensor([1, 5, 5, 9])].exp().sum()
                                    + (x.index_select(1, L.tensor([3, 3, 0])) ** 3).sum()
                                    + (x[:, [0, 2, 2]] ** 2).sum()),
}

IMG = RNG.standard_normal((2, 3, 7, 7))
KER = RNG.standard_normal((4, 3, 3, 3))
KB = RNG.standard_normal(4)

SPATIAL = {
    "conv2d_strided": lambda L, x, w, b: nnf(L).conv2d(x, w, b, stride=2, padding=1).tanh(),
    "conv2d_dilated": lambda L, x, w, b: nnf(L).conv2d(x, w, b, padding=2, dilation=2) ** 2,
    "conv2d_groups": lambda L, x, w, b: nnf(L).conv2d(x[:, :2], w[:, :1], b, stride=(2, 1), padding=(0, 1),
                                                      groups=2).sin(),
    "conv1d": lambda L, x, w, b: nnf(L).conv1d(x[0, :, :, 0], w[:, :, 0], b, stride=2).sigmoid(),
    "layer_norm": lambda L, x, w, b: nnf(L).layer_norm(x, (7,), x[0, 0, 0], x[0, 0, 1]).tanh() * x,
    "layer_norm_plain": lambda L, x, w, b: nnf(L).layer_norm(x * 2, (7, 7)) ** 3,
    "embedding": lambda L, x, w, b: nnf(L).embedding(L.tensor([[1, 2], [2, 0]]), x.reshape(-1, 7)[:5] * 1.0,
                                                     padding_idx=0).tanh() ** 2,
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_second_order(name):
    _check(ELEMENTWISE[name], [A, B])


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_second_order(name):
    _check(LAYERS[name], [X, W, BIAS])


@pytest.mark.parametrize("name", sorted(SPATIAL))
def test_spatial_second_order(name):
    _check(SPATIAL[name], [IMG, KER, KB])


def test_third_order_of_a_polynomial_and_tanh():
    for lib in (torch, ember):
        x = lib.tensor([0.3, -1.2, 2.0], dtype=lib.float64, requires_grad=True)
        y = (x ** 4 + x.tanh()).sum()
        (g1,) = lib.autograd.grad(y, x, create_graph=True)
        (g2,) = lib.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = lib.autograd.grad(g2.sum(), x)
        if lib is torch:
            want = [g.detach().numpy() for g in (g1, g2, g3)]
        else:
            for w, g in zip(want, (g1, g2, g3)):
                np.testing.assert_allclose(g.detach().numpy(), w, **F64)


def test_backward_create_graph_warns_once(monkeypatch):
    import ember.autograd as ag
    monkeypatch.setattr(ag, "_warned_cycle", False)
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="will create a reference cycle between the parameter and its gradient"):
        (x ** 3).sum().backward(create_graph=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x ** 3).sum().backward(create_graph=True)


@pytest.mark.filterwarnings("ignore:Using backward")
def test_backward_create_graph_keeps_the_graph_in_grad():
    results = []
    for lib in (torch, ember):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x ** 3).sum().backward(create_graph=True)
        first = (x.grad.detach().numpy().copy(), x.grad.grad_fn.name())
        (x ** 3).sum().backward(create_graph=True)
        second = (x.grad.detach().numpy().copy(), x.grad.grad_fn.name())
        (h,) = lib.autograd.grad(x.grad.sum(), x)
        results.append((first, second, h.numpy()))
    (tf, ts, th), (ef, es, eh) = results
    assert ef[1] == tf[1] == "torch::autograd::CopyBackwards" and es[1] == ts[1] == "AddBackward0"
    np.testing.assert_array_equal(ef[0], tf[0])
    np.testing.assert_array_equal(es[0], ts[0])
    np.testing.assert_array_equal(eh, th)


def test_a_grad_that_depends_on_nothing_needs_no_grad():
    for lib in (torch, ember):
        a = lib.tensor(2.0, requires_grad=True)
        (g,) = lib.autograd.grad(a * 3, a, create_graph=True)
        assert not g.requires_grad and float(g) == 3.0


def test_grad_outputs_that_require_grad_stay_in_the_graph():
    # a Hessian-vector product by double backward, differentiated in v as well
    out = []
    for lib in (torch, ember):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        v = lib.tensor([1.0, 2.0, -1.0], dtype=lib.float64, requires_grad=True)
        y = x.sin() * x ** 2
        (g,) = lib.autograd.grad(y, x, v, create_graph=True)
        hx, hv = lib.autograd.grad((g * g).sum(), (x, v))
        out.append((g.detach().numpy(), hx.numpy(), hv.numpy()))
    for t, e in zip(*out):
        np.testing.assert_allclose(e, t, **F64)


def test_hooks_see_and_replace_tensor_grads_under_create_graph():
    out = []
    for lib in (torch, ember):
        x = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        h = x * x
        h.register_hook(lambda g: g * 3)
        h.retain_grad()
        y = (h * x).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        out.append((g.detach().numpy(), gg.numpy()))
    for t, e in zip(*out):
        np.testing.assert_allclose(e, t, **F64)


def test_custom_function_backward_is_recorded_and_once_differentiable_refuses():
    for lib in (torch, ember):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 3 * x * x

        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            @lib.autograd.function.once_differentiable
            def backward(ctx, g):
                return g * 2

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (g,) = lib.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        assert gg.tolist() == [6.0, 12.0]
        v = lib.tensor([1.0, 1.0], requires_grad=True)
        (g2,) = lib.autograd.grad(Double.apply(x), x, v, create_graph=True)
        assert g2.grad_fn.name() == "torch::autograd::Error"
        with pytest.raises(RuntimeError, match="@once_differentiable"):
            g2.sum().backward()


def test_an_op_without_double_backward_raises_only_when_differentiated_twice():
    x = ember.tensor([[1.0, 3.0], [2.0, 0.0]], requires_grad=True)
    y = ember.cumprod(x, 1).sum()  # (with a zero) no differentiable formula: first-order grads still come
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [[4.0, 1.0], [1.0, 2.0]])
    with pytest.raises(NotImplementedError, match="cannot differentiate CumprodBackward0 twice"):
        g.sum().backward()


def test_retain_graph_false_frees_the_first_graph():
    # as in torch: the grads' graph reads saved values of the first graph's nodes, which are freed too
    for lib in (torch, ember):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * x).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True, retain_graph=False)
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            lib.autograd.grad(y, x)
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            lib.autograd.grad(g.sum(), x)
