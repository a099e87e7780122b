"""The per-op fast paths: ``loss.backward()``'s single-root engine, the inlined ``_apply1``/``_apply2``, the
operator shortcuts and Add's same-dtype forward. Each case is one the shortcut could get wrong, against torch."""
import numpy as np
import pytest
import torch

import ember
from ember.autograd.engine import run_single
from _compare import assert_same, check_error


def both(fn):
    return fn(ember), fn(torch)


def _x(lib, data=(1.0, -2.0, 3.0, 0.5), dtype="float32"):
    return lib.tensor(np.array(data, dtype=dtype), requires_grad=True)


def test_single_root_multi_output_node_one_output_used():
    # the other output's grad slot stays None: the node still runs, with a zero-filled grad for it
    def run(lib):
        x = _x(lib)
        a, b = x.chunk(2)
        (b * 2).sum().backward()  # one edge into SplitBackward0, at its output 1
        return x.grad
    assert_same(*both(run))


def test_single_root_multi_output_node_both_outputs_used_and_leaf_reached_twice():
    def run(lib):
        x = _x(lib, dtype="float64")
        a, b = x.split(2)
        y = (a * b).sum() + (a.exp() * 3).sum() + (x * x).sum()
        y.backward()
        return x.grad
    assert_same(*both(run))


def test_root_is_a_later_output_of_a_multi_output_node():
    # root grad goes into output_nr 1 of SplitBackward0, not slot 0
    def run(lib):
        x = _x(lib)
        parts = (x * 2).split(1)
        parts[2].backward()
        return x.grad
    assert_same(*both(run))


def test_no_grad_reaching_a_node_skips_it_and_leaves_grad_none():
    def run(lib):
        class NoGrad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, t):
                return t * 1

            @staticmethod
            def backward(ctx, g):
                return None

        x = _x(lib)
        w = _x(lib)
        y = (NoGrad.apply(x.exp()) + w).sum()
        y.backward()
        return x.grad, w.grad
    (ex, ew), (tx, tw) = both(run)
    assert ex is None and tx is None
    assert_same(ew, tw)


def test_hooks_in_the_single_root_path():
    def run(lib):
        x = _x(lib)
        seen = []
        h = x * 3
        h.retain_grad()
        z = h.exp()
        z.grad_fn.register_prehook(lambda gs: (gs[0] * 2,))
        z.grad_fn.register_hook(lambda gi, go: seen.append(round(float(gi[0].sum()), 3)))
        x.register_hook(lambda g: g + 1)
        x.register_post_accumulate_grad_hook(lambda t: seen.append("acc"))
        z.sum().backward()
        return x.grad, h.grad, seen
    (ex, eh, es), (tx, th, ts) = both(run)
    assert_same(ex, tx, rtol=1e-5, atol=1e-5)
    assert_same(eh, th, rtol=1e-5, atol=1e-5)
    assert es == ts


def test_root_grad_is_a_fresh_writable_array_each_time():
    # a pre-hook may scale the root's grad in place; a shared "ones" template would break the next backward
    def run(lib):
        x = _x(lib)
        out = []
        for _ in range(2):
            y = (x * x).sum()
            y.grad_fn.register_prehook(lambda gs: gs[0].mul_(3) and None)
            y.backward()
            out.append(x.grad.clone())
        return out
    (e1, e2), (t1, t2) = both(run)
    assert_same(e1, t1)
    assert_same(e2, t2)


def test_single_root_backward_twice_and_retain_graph():
    def twice(lib):
        y = (_x(lib) * 2).exp().sum()
        y.backward()
        y.backward()
    check_error(twice)

    def retained(lib):
        x = _x(lib)
        y = (x * 2).exp().sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad
    assert_same(*both(retained), rtol=1e-5, atol=1e-5)


def test_saved_tensor_modified_after_forward_still_detected():
    def run(lib):
        x = _x(lib)
        w = _x(lib)
        h = x * 1
        y = (h * w).sum()
        h.mul_(2)
        y.backward()
    check_error(run)

    def same_tensor_twice(lib):
        x = _x(lib)
        h = x + 0
        y = (h * h).sum()
        h.add_(1)
        y.backward()
    check_error(same_tensor_twice)


def test_run_single_sums_shared_leaf_grads_in_torch_order():
    rng = np.random.default_rng(3)
    data = rng.standard_normal(257).astype(np.float32)

    def run(lib):
        x = lib.tensor(data, requires_grad=True)
        a = x * 1.7
        y = (a * a + a.exp() - a / 3 + x).sum()
        y.backward()
        return x.grad
    assert_same(*both(run), rtol=1e-5, atol=1e-6)


def test_run_single_matches_general_engine():
    # the general loop (several roots) and run_single must give the same grads bit for bit
    def build():
        x = ember.tensor(np.linspace(-1, 1, 6, dtype=np.float32), requires_grad=True)
        a, b = (x * 3).chunk(2)
        y = (a.exp() * b + a * a).sum() + (x * x).sum()
        return x, y
    x1, y1 = build()
    y1.backward()
    x2, y2 = build()
    zero = ember.zeros((), requires_grad=True) * 0  # a second root that contributes nothing
    ember.autograd.backward([y2, zero.sum()], [ember.ones(()), ember.ones(())])
    assert np.array_equal(x1.grad.numpy(), x2.grad.numpy())
    x3, y3 = build()
    run_single(y3.grad_fn, 0, np.ones((), np.float32), False)
    assert np.array_equal(x1.grad.numpy(), x3.grad.numpy())


@pytest.mark.parametrize("case", ["same", "broadcast", "promote", "scalar", "alpha", "mismatch", "int"])
def test_add_fast_and_slow_forward(case):
    def run(lib):
        a = _x(lib, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        b = _x(lib, [0.5, -1.0, 2.0])
        if case == "same":
            y = a + a * 2
        elif case == "broadcast":
            y = a + b
        elif case == "promote":
            y = a + lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        elif case == "scalar":
            y = a + 2
        elif case == "alpha":
            y = lib.add(a, b, alpha=-2.5)
        elif case == "int":
            y = lib.tensor([1, 2, 3]) + lib.tensor([4, 5, 6])
            return y, None, None
        else:
            y = a + lib.tensor(np.ones((2, 2), np.float32))
        y.sum().backward()
        return y, a.grad, b.grad
    if case == "mismatch":
        check_error(run)
        return
    (ey, ea, eb), (ty, ta, tb) = both(run)
    assert_same(ey, ty)
    for e, t in ((ea, ta), (eb, tb)):
        assert (e is None) == (t is None)
        if e is not None:
            assert_same(e, t)


def test_operator_shortcuts_record_like_apply():
    def run(lib):
        W = _x(lib, [[1.0, 2.0], [3.0, 4.0]])
        v = lib.tensor([0.5, -1.0])
        y = W @ v
        z = W @ W
        s = 2.0 * y - 1 + y / 4
        names = [y.grad_fn.name(), z.grad_fn.name(), s.grad_fn.name()]
        nexts = [type(n).__name__ if n is not None else None for n, _ in y.grad_fn.next_functions]
        (s.sum() + z.sum()).backward()
        return names, nexts, W.grad
    (en, enx, eg), (tn, tnx, tg) = both(run)
    assert en == tn
    assert enx == tnx
    assert_same(eg, tg)


def test_no_grad_and_integer_results_are_not_recorded():
    def run(lib):
        x = _x(lib)
        with lib.no_grad():
            a = x + x
            m = x @ x
        return a.requires_grad, a.grad_fn is None, m.requires_grad, (x.detach().long() + 1).requires_grad
    assert both(run)[0] == both(run)[1]
