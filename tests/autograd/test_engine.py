"""The backward engine: order, accumulation, retain_graph, hooks, autograd.grad, errors — against torch."""
import gc
import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error


def both(fn):
    """Run ``fn(lib)`` for torch and ember; return (ember_result, torch_result)."""
    return fn(ember), fn(torch)


def test_grads_accumulate_across_backward_calls():
    def run(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        (x * x).sum().backward()
        (x * 3).sum().backward()
        return x.grad
    e, t = both(run)
    assert_same(e, t)


def test_shared_subexpression_sums_in_torch_order_bit_exact():
    rng = np.random.default_rng(1)
    data = rng.standard_normal(1000).astype(np.float32)

    def run(lib):
        x = lib.tensor(data, requires_grad=True)
        a = x * 1.1
        b = a.sin() + a.cos() * a + a.exp() / 3 + a * a * a
        b.sum().backward()
        return x.grad
    e, t = both(run)
    # elementwise formulas and summation order match torch's, but SIMD transcendental kernels differ by ulps
    assert_same(e, t, rtol=1e-5, atol=1e-6)


def test_diamond_graph_float64_matches_torch():
    data = np.linspace(-2, 2, 7)

    def run(lib):
        x = lib.tensor(data, requires_grad=True)
        y = x.tanh()
        z = y * x + y.sigmoid() - (y * 2).exp()
        w = (z * z).mean() + z.sum() * y.sum()
        w.backward()
        return x.grad
    e, t = both(run)
    assert_same(e, t)


def test_deep_graph_without_recursion():
    x = ember.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    y.backward()
    assert x.grad is not None and np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), [float(np.float32(1.0000001)) ** 100_000], rtol=1e-3)


def test_backward_twice_raises_torch_error():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * 2).sum()
        y.backward()
        y.backward()
    check_error(run)


def test_retain_graph_allows_second_backward():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad
    e, t = both(run)
    assert_same(e, t)


@pytest.mark.parametrize("case", [
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).mul(2).backward(),
    lambda lib: lib.tensor([1.0, 2.0]).sum().backward(),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).sum().backward(lib.ones(3)),
])
def test_backward_errors(case):
    check_error(case)


def test_backward_with_gradient_argument():
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * x
        y.backward(lib.tensor([[1.0, 0.5], [0.25, 2.0]]))
        return x.grad
    e, t = both(run)
    assert_same(e, t)


def test_non_leaf_grad_warns_and_is_none():
    for lib in (torch, ember):
        x = lib.tensor([1.0], requires_grad=True)
        y = x * 2
        y.sum().backward()
        with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
            assert y.grad is None


def test_retain_grad():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.retain_grad()
        (y * y).sum().backward()
        (y * 2).sum().backward() if False else None
        return y.grad, x.grad
    (ey, ex), (ty, tx) = both(run)
    assert_same(ey, ty, check_grad_fn=False)
    assert_same(ex, tx)


def test_tensor_hooks_change_grads():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seen = []
        x.register_hook(lambda g: g * 10)
        y = x * x
        h = y.register_hook(lambda g: seen.append(g.clone()) or g + 1)
        y.sum().backward()
        h.remove()
        x.grad = None
        (x * x).sum().backward()
        return x.grad, seen[0]
    (eg, es), (tg, ts) = both(run)
    assert_same(eg, tg)
    assert_same(es, ts, check_grad_fn=False)


def test_node_hooks_and_next_functions():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2 + 1
    fn = y.grad_fn
    assert fn.name() == "AddBackward0"
    (mul_fn, nr), number_slot = fn.next_functions  # torch lists the number 1's slot too, as (None, 0)
    assert mul_fn.name() == "MulBackward0" and nr == 0 and number_slot == (None, 0)
    acc = mul_fn.next_functions[0][0]
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x
    assert acc.name() == "torch::autograd::AccumulateGrad" and repr(acc).startswith("<AccumulateGrad object at ")
    assert mul_fn.next_functions[0][0] is acc  # the same accumulator while it is alive
    calls = []
    fn.register_prehook(lambda go: calls.append("pre"))
    fn.register_hook(lambda gi, go: calls.append("post"))
    y.sum().backward()
    assert calls == ["pre", "post"]


def test_autograd_grad_basics():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = (x * w).sum() + (x ** 3).sum()
        gx, gw = lib.autograd.grad(y, (x, w))
        assert x.grad is None and w.grad is None
        return gx, gw
    (egx, egw), (tgx, tgw) = both(run)
    assert_same(egx, tgx, check_grad_fn=False)
    assert_same(egw, tgw, check_grad_fn=False)


def test_autograd_grad_non_leaf_input_and_unused():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        z = lib.tensor([1.0], requires_grad=True)
        y = (h * h).sum()
        gh, gz = lib.autograd.grad(y, [h, z], allow_unused=True, retain_graph=True)
        assert gz is None
        return gh
    e, t = both(run)
    assert_same(e, t, check_grad_fn=False)

    def unused(lib):
        x = lib.tensor([1.0], requires_grad=True)
        z = lib.tensor([1.0], requires_grad=True)
        lib.autograd.grad((x * 2).sum(), [x, z])
    check_error(unused)


def test_backward_inputs_argument():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        (x * w).sum().backward(inputs=[w])
        return x.grad, w.grad
    (ex, ew), (tx, tw) = both(run)
    assert ex is None and tx is None
    assert_same(ew, tw)


@pytest.mark.parametrize("ctx", ["no_grad", "inference_mode", "set_grad_enabled"])
def test_grad_modes(ctx):
    for lib in (torch, ember):
        x = lib.tensor([1.0], requires_grad=True)
        mgr = {"no_grad": lib.no_grad, "inference_mode": lib.inference_mode,
               "set_grad_enabled": lambda: lib.set_grad_enabled(False)}[ctx]()
        with mgr:
            y = x * 2
            assert not lib.is_grad_enabled()
            with lib.enable_grad():
                z = x * 2
        assert lib.is_grad_enabled() and not lib.is_inference_mode_enabled()
        assert not y.requires_grad and y.grad_fn is None
        assert z.requires_grad == (ctx != "inference_mode")


def test_grad_mode_decorators():
    for lib in (torch, ember):
        @lib.no_grad()
        def f(x):
            return x * 2

        @lib.inference_mode()
        def g(x):
            return x * 2

        @lib.enable_grad()
        def h(x):
            return x * 2

        x = lib.tensor([1.0], requires_grad=True)
        assert not f(x).requires_grad and not g(x).requires_grad
        with lib.no_grad():
            assert h(x).requires_grad
        lib.set_grad_enabled(False)
        assert not lib.is_grad_enabled()
        lib.set_grad_enabled(True)


def test_inplace_on_saved_tensor_is_detected():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()
    check_error(run)

    def run2(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x * 2
        y = h * h
        h.mul_(3)
        y.sum().backward()
    check_error(run2)


def test_inplace_on_non_leaf_rebases_history():
    def run(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        h = x * 2
        h.mul_(x)
        h.add_(1)
        h.relu_()
        h.sum().backward()
        return h, x.grad, h._version
    (eh, eg, ev), (th, tg, tv) = both(run)
    assert_same(eh, th)
    assert_same(eg, tg)
    assert ev == tv


def test_inplace_on_leaf_requiring_grad_raises():
    check_error(lambda lib: lib.tensor([1.0], requires_grad=True).add_(1))
    for lib in (torch, ember):
        x = lib.tensor([1.0], requires_grad=True)
        with lib.no_grad():
            x.add_(1)  # allowed: this is how optimizers update parameters
        assert x.item() == 2.0 and x.is_leaf


def test_version_counter_shared_by_views():
    for lib in (torch, ember):
        x = lib.zeros(3, 4)
        v = x[1]
        assert x._version == 0
        v.add_(1)
        assert x._version == v._version == 1
        x[0, 0] = 5
        assert v._version == 2


def test_graph_is_freed_after_backward():
    x = ember.tensor(np.ones(1000, np.float32), requires_grad=True)
    y = (x * 2).exp().sum()
    fn = y.grad_fn
    y.backward()
    assert fn.next_functions[0][0]._saved is None
    del y, fn
    gc.collect()


def test_requires_grad_flag_rules():
    check_error(lambda lib: lib.tensor([1, 2], requires_grad=True))
    check_error(lambda lib: lib.tensor([1, 2]).requires_grad_())

    def nonleaf(lib):
        y = lib.tensor([1.0], requires_grad=True) * 2
        y.requires_grad = False
    check_error(nonleaf)
    for lib in (torch, ember):
        x = lib.tensor([1.0, 2.0])
        assert x.requires_grad_() is x and x.requires_grad and x.is_leaf
        d = (x * 2).detach()
        assert not d.requires_grad and d.is_leaf and d.grad_fn is None


def test_detach_shares_memory_and_version():
    for lib in (torch, ember):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        d = x.detach()
        d.zero_()
        assert x.detach().sum().item() == 0.0
        assert x._version == d._version == 1


def test_nodes_that_saved_nothing_run_again_without_retain_graph():
    # torch frees only saved values: a second backward through nodes without any (expand, stack, view, add,
    # sum) works, one through a node that saved a tensor (mul, also by a number) raises
    for lib in (torch, ember):
        x = lib.ones(2, 3, requires_grad=True)
        for make in (lambda: x.expand(4, 2, 3).sum(), lambda: lib.stack([x, x]).sum(), lambda: (x + x).view(6).sum()):
            y = make()
            y.backward()
            y.backward()
        for make in (lambda: (x * 2).sum(), lambda: (x * x).sum()):
            y = make()
            y.backward()
            with pytest.raises(RuntimeError, match="backward through the graph a second time"):
                y.backward()
        assert x.grad.tolist() == [[20.0] * 3] * 2
