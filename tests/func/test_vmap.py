"""ember.func.vmap / ember.vmap against torch.vmap (float64): dims, pytrees, nesting, per-sample grads, errors,
randomness."""
from __future__ import annotations

import functools

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
    if not isinstance(t, torch.Tensor):
        assert e == t
        return
    assert isinstance(e, ember.Tensor), type(e)
    assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape), (e.dtype, t.dtype, e.shape, t.shape)
    assert e.requires_grad == t.requires_grad, (e.requires_grad, t.requires_grad)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


def _both(fn, tol=1e-12):
    _same(fn(ember), fn(torch), tol)


def _arr(seed, *shape):
    return np.random.default_rng(seed).standard_normal(shape)


CASES = [
    # (function, in_dims, out_dims, input shapes)
    (lambda L: L.sin, 0, 0, [(3, 2)]),
    (lambda L: (lambda x, y: x @ y), (0, None), 0, [(4, 2, 3), (3, 5)]),
    (lambda L: (lambda x, y: x @ y), (1, 0), 0, [(2, 4, 3), (4, 3, 5)]),
    (lambda L: (lambda x, y: x * y.sum()), (-1, None), 1, [(3, 4), (2,)]),
    (lambda L: (lambda x: (x.sum(), x.exp())), 0, (0, -1), [(3, 2, 2)]),
    (lambda L: (lambda x: (x.sum(), x.exp())), 2, (0, 1), [(3, 2, 2)]),
    (lambda L: (lambda x: x.sum()), (0,), (0,), [(5, 2)]),
    (lambda L: (lambda x, y: x + 1), (0, None), 0, [(3, 2), (7,)]),
    (lambda L: (lambda x: L.ones(2, dtype=L.float64)), 0, 0, [(3, 2)]),  # output independent of the batch
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_dims(case):
    make, in_dims, out_dims, shapes = CASES[case]

    def run(L):
        args = [L.tensor(_arr(i, *s)) for i, s in enumerate(shapes)]
        return L.func.vmap(make(L), in_dims, out_dims)(*args)
    _both(run)


def test_top_level_alias_and_chunk_size():
    assert ember.vmap is ember.func.vmap
    _both(lambda L: L.vmap(lambda x: x.cumsum(0), chunk_size=2)(L.tensor(_arr(0, 5, 3))))


def test_pytree_inputs_outputs_and_kwargs():
    def run(L):
        def f(d, pair, scale=1.0):
            return {"s": (d["a"] * pair[0]).sum() * scale, "t": [d["b"] + pair[1], pair[0]]}
        d = {"a": L.tensor(_arr(0, 3, 4)), "b": L.tensor(_arr(1, 2))}
        pair = (L.tensor(_arr(2, 4, 3)), L.tensor(_arr(3, 3, 2)))
        return (L.func.vmap(f, in_dims=({"a": 0, "b": None}, (1, 0)))(d, pair, scale=L.tensor(2.0)),
                L.func.vmap(f, in_dims=({"a": 0, "b": None}, (1, 0)), out_dims={"s": 0, "t": [1, 0]})(d, pair))
    _both(run)


def test_dict_in_dims_in_another_key_order():
    # torch 2.13 pairs a dict in_dims with the input dict by position after reordering only the inputs (here it
    # maps "b" over its dim 0 and leaves "a" unmapped); ember pairs them by key, as torch does for same-order dicts
    def run(L, in_dims):
        return L.func.vmap(lambda d: d["a"] + d["b"], in_dims=(in_dims,))(
            {"a": L.tensor(_arr(0, 3, 2)), "b": L.tensor(_arr(1, 2))})
    _same(run(ember, {"b": None, "a": 0}), run(torch, {"a": 0, "b": None}))
    assert tuple(run(torch, {"b": None, "a": 0}).shape) == (2, 3, 2)  # torch's pairing, not copied


def test_out_dims_none_for_unbatched_and_non_tensor_outputs():
    def run(L):
        c = L.tensor(_arr(0, 2))
        return L.func.vmap(lambda x: (x * 2, c, 3), out_dims=(0, None, None))(L.tensor(_arr(1, 4, 2)))
    _both(run)


def test_empty_batch():
    def run(L):
        L.manual_seed(0)
        f = lambda x, y: ((x @ y).exp(), x.sum())  # noqa: E731
        return (L.func.vmap(f, in_dims=(1, None), out_dims=(1, 0))(L.ones(2, 0, 3, dtype=L.float64),
                                                                    L.ones(3, 4, dtype=L.float64)),
                L.rand(2))
    _both(run)


def test_nested_vmap():
    def run(L):
        x, y = L.tensor(_arr(0, 3, 4)), L.tensor(_arr(1, 5, 4))
        dot = lambda a, b: (a * b).sum()  # noqa: E731
        outer = L.func.vmap(L.func.vmap(dot, in_dims=(None, 0)), in_dims=(0, None))(x, y)
        inner_dims = L.func.vmap(L.func.vmap(lambda a: a.exp(), in_dims=1, out_dims=1), in_dims=0, out_dims=1)(
            L.tensor(_arr(2, 2, 3, 4)))
        return outer, inner_dims
    _both(run)


def test_backward_through_vmap():
    def run(L):
        x = L.tensor(_arr(0, 4, 3), requires_grad=True)
        w = L.tensor(_arr(1, 3, 2), requires_grad=True)
        out = L.func.vmap(lambda r: (r @ w).tanh())(x)
        return out, L.autograd.grad(out.pow(2).sum(), (x, w))
    _both(run)


def test_per_sample_gradients_linear_model():
    def run(L):
        L.manual_seed(0)
        model = L.nn.Linear(4, 3).double()
        params = {k: v.detach() for k, v in model.named_parameters()}
        x, y = L.tensor(_arr(1, 6, 4)), L.tensor(np.arange(6) % 3)

        def loss(p, xi, yi):
            out = L.func.functional_call(model, p, (xi.unsqueeze(0),))
            return L.nn.functional.cross_entropy(out, yi.unsqueeze(0))

        per_sample = L.func.vmap(L.func.grad(loss), in_dims=(None, 0, 0))(params, x, y)
        full = L.autograd.grad(loss_batch(L, model, x, y), list(model.parameters()))
        return per_sample, [per_sample[k].mean(0) - g for k, g in zip(params, full)]

    def loss_batch(L, model, x, y):
        return L.nn.functional.cross_entropy(model(x), y)
    _both(run)


def test_per_sample_gradients_cnn():
    # the per-sample-gradients tutorial: vmap(grad(loss), in_dims=(None, None, 0, 0)) over (params, buffers, x, y)
    def run(L):
        L.manual_seed(0)
        conv1, conv2 = L.nn.Conv2d(1, 4, 3).double(), L.nn.Conv2d(4, 8, 3).double()
        fc1, fc2 = L.nn.Linear(8 * 2 * 2, 16).double(), L.nn.Linear(16, 10).double()
        F = L.nn.functional
        model = L.nn.Sequential(conv1, L.nn.ReLU(), conv2, L.nn.MaxPool2d(2), L.nn.Flatten(), fc1, L.nn.ReLU(), fc2,
                                L.nn.LogSoftmax(dim=1))
        params = {k: v.detach() for k, v in model.named_parameters()}
        rng = np.random.default_rng(0)
        data, targets = L.tensor(rng.standard_normal((6, 1, 8, 8))), L.tensor(rng.integers(0, 10, 6))

        def compute_loss(params, buffers, sample, target):
            pred = L.func.functional_call(model, (params, buffers), (sample.unsqueeze(0),))
            return F.nll_loss(pred, target.unsqueeze(0))

        return L.func.vmap(L.func.grad(compute_loss), in_dims=(None, None, 0, 0))(params, {}, data, targets)
    _both(run)


def test_neural_tangent_kernel_tutorial():
    # both NTK recipes of the torch.func tutorial: Jacobian contraction, and vmap over vjp -> jvp products
    def run(L):
        L.manual_seed(0)
        net = L.nn.Sequential(L.nn.Linear(3, 8), L.nn.Tanh(), L.nn.Linear(8, 2)).double()
        params = {k: v.detach() for k, v in net.named_parameters()}

        def fnet_single(params, x):
            return L.func.functional_call(net, params, (x.unsqueeze(0),)).squeeze(0)

        x1, x2 = L.tensor(_arr(0, 3, 3)), L.tensor(_arr(1, 2, 3))
        jac1 = [j.flatten(2) for j in L.func.vmap(L.func.jacrev(fnet_single), (None, 0))(params, x1).values()]
        jac2 = [j.flatten(2) for j in L.func.vmap(L.func.jacrev(fnet_single), (None, 0))(params, x2).values()]
        ntk = L.stack([L.einsum("Naf,Mbf->NMab", a, b) for a, b in zip(jac1, jac2)]).sum(0)

        def get_ntk(x1, x2):
            output, vjp_fn = L.func.vjp(lambda p: fnet_single(p, x1), params)

            def ntk_slice(vec):
                return L.func.jvp(lambda p: fnet_single(p, x2), (params,), vjp_fn(vec))[1]
            return L.func.vmap(ntk_slice)(L.eye(output.numel(), dtype=output.dtype))
        return ntk, L.func.vmap(L.func.vmap(get_ntk, (None, 0)), (0, None))(x1, x2)
    _both(run)


def test_vmap_of_jacobians_and_grad_with_aux():
    def run(L):
        x = L.tensor(_arr(0, 4, 3))
        f = lambda v: (v.sin() * v.sum()).sum()  # noqa: E731
        return (L.func.vmap(L.func.jacrev(L.sin))(x), L.func.vmap(L.func.hessian(f))(x),
                L.func.vmap(L.func.grad_and_value(f))(x),
                L.func.vmap(L.func.grad(lambda v: (f(v), v.cos()), has_aux=True))(x))
    _both(run)


def test_compositions():
    def run(L):
        x, w = L.tensor(_arr(0, 4, 3)), L.tensor(_arr(1, 3))
        f = lambda v: (v.sin() * w).sum()  # noqa: E731
        return (L.func.grad(lambda x: L.func.vmap(f)(x).pow(2).sum())(x),
                L.func.vmap(L.func.grad(L.func.grad(lambda s: s.sin() * s.exp())))(x[:, 0]),
                L.func.jacrev(L.func.vmap(lambda v: v.tanh() * v.sum()))(x),
                L.func.vmap(L.func.jacfwd(L.func.jacrev(f)))(x),
                L.func.vmap(L.func.vmap(L.func.grad(lambda s: s ** 3)))(x),
                L.func.vjp(L.func.vmap(f), x)[1](L.tensor(_arr(2, 4))))
    _both(run)


# --- randomness --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("randomness", ["same", "different"])
def test_randomness_matches_torch(randomness):
    # 'different': torch draws once for the batch; with in_dim 0 and element-wise uniform draws the stream is the
    # same as ember's element-by-element draws
    def run(L):
        L.manual_seed(0)
        a = L.func.vmap(lambda x: x + L.rand(2, dtype=L.float64), randomness=randomness)(L.zeros(3, 2,
                                                                                                dtype=L.float64))
        b = L.func.vmap(lambda x: L.nn.functional.dropout(x, 0.5), randomness=randomness)(L.ones(3, 4,
                                                                                              dtype=L.float64))
        return a, b, L.rand(3, dtype=L.float64)
    _both(run)


@pytest.mark.parametrize("randomness", ["same", "different"])
def test_nested_randomness(randomness):
    def run(L):
        L.manual_seed(0)
        inner = L.func.vmap(lambda x: x + L.rand((), dtype=L.float64), randomness=randomness)
        return (L.func.vmap(inner, randomness=randomness)(L.zeros(2, 3, dtype=L.float64)),
                L.func.vmap(lambda x: x + L.rand((), dtype=L.float64), in_dims=1, randomness=randomness)(
                    L.zeros(2, 3, dtype=L.float64)))
    _both(run)


def test_randomness_error_leaves_generator_untouched():
    for L in (ember, torch):
        L.manual_seed(1)
        with pytest.raises(RuntimeError, match="vmap: called random operation while in randomness error mode"):
            L.func.vmap(lambda x: x + L.randn(()))(L.zeros(3))
        after = L.rand(2).numpy()
        L.manual_seed(1)
        np.testing.assert_array_equal(after, L.rand(2).numpy())


# --- errors ------------------------------------------------------------------------------------------------------

def _messages(fn):
    msgs = []
    for L in (ember, torch):
        with pytest.raises(Exception) as ei:
            fn(L)
        msgs.append((type(ei.value).__name__, str(ei.value).replace("torch.", "").replace("ember.", "")
                     .replace("_tensor.Tensor", "Tensor")))
    assert msgs[0] == msgs[1]


def _named(x, y=None):
    return x


ERRORS = [
    lambda L: L.func.vmap(_named, in_dims=(0, 0))(L.ones(2, 3), L.ones(3, 3)),
    lambda L: L.func.vmap(_named, in_dims=(0, 2))(L.ones(2, 3), L.ones(2, 3)),
    lambda L: L.func.vmap(_named, in_dims=(0, -3))(L.ones(2, 3), L.ones(2, 3)),
    lambda L: L.func.vmap(_named, in_dims=(0, 0))(L.ones(2, 3), 1.0),
    lambda L: L.func.vmap(_named, in_dims=[0, 0])(L.ones(2, 3), L.ones(2, 3)),
    lambda L: L.func.vmap(_named, in_dims=(0, 0, 0))(L.ones(2, 3), L.ones(2, 3)),
    lambda L: L.func.vmap(_named, in_dims=((0, 0),))((L.ones(2), L.ones(2), L.ones(2)),),
    lambda L: L.func.vmap(_named, in_dims=(0, 1.5))(L.ones(2, 3), L.ones(2, 3)),
    lambda L: L.func.vmap(_named)(),
    lambda L: L.func.vmap(_named, in_dims=None)(L.ones(2)),
    lambda L: L.func.vmap(_named, in_dims=(None, None))(L.ones(2), L.ones(2)),
    lambda L: L.func.vmap(lambda x: 3)(L.ones(2)),
    lambda L: L.func.vmap(lambda x: (x, x), out_dims=(0, 0, 0))(L.ones(2)),
    lambda L: L.func.vmap(lambda x: x, out_dims=(0, 0))(L.ones(2)),
    lambda L: L.func.vmap(_named, out_dims=1.0)(L.ones(2)),
    lambda L: L.func.vmap(_named, out_dims=None)(L.tensor([1.0, 2.0])),
    lambda L: L.func.vmap(lambda x: x.sum(), out_dims=1)(L.ones(2, 3)),
    lambda L: L.func.vmap(lambda x: x, out_dims=-3)(L.ones(2, 3)),
    lambda L: L.func.vmap(_named, randomness="never"),
    lambda L: L.func.vmap(_named, chunk_size=0),
    lambda L: L.func.vmap(functools.partial(_named, y=1), in_dims=(5,))(L.ones(2)),
    lambda L: L.func.vmap(lambda x: x + L.rand(()), randomness="error")(L.ones(2)),
    lambda L: L.func.vmap(lambda x: x + L.rand(()), randomness="error")(L.ones(0)),
    lambda L: L.func.vmap(L.func.vmap(lambda x: L.nn.functional.dropout(x, 0.5)))(L.ones(2, 3)),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors(case):
    _messages(ERRORS[case])
