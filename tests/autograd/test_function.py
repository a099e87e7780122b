"""ember.autograd.Function: torch's custom-op API, checked against torch."""
import numpy as np
import pytest
import torch

import ember
from _compare import assert_same


def _my_exp(lib):
    class MyExp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return grad_output * y
    return MyExp


def _my_scale(lib):
    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.k = k
            ctx.save_for_backward(x, y)
            return x * k + y, x - y

        @staticmethod
        def backward(ctx, g1, g2):
            x, y = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False, True)
            return g1 * ctx.k + g2, None, g1 - g2
    return Scale


@pytest.mark.parametrize("lib_pair", [(torch, ember)])
def test_custom_function_matches_torch(lib_pair):
    data = np.array([0.5, -1.0, 2.0])
    results = []
    for lib in lib_pair:
        x = lib.tensor(data, requires_grad=True)
        y = _my_exp(lib).apply(x)
        assert type(y.grad_fn).__name__ == "MyExpBackward"
        y.sum().backward()
        results.append((y, x.grad))
    assert_same(results[1][0], results[0][0], check_grad_fn=False)
    assert_same(results[1][1], results[0][1], check_grad_fn=False)


def test_custom_function_multiple_outputs_and_non_tensor_args():
    out = {}
    for lib in (torch, ember):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, -1.0], requires_grad=True)
        a, b = _my_scale(lib).apply(x, 3.0, y)
        (a * 2 + b).sum().backward()
        out[lib] = (a, b, x.grad, y.grad)
    for e, t in zip(out[ember], out[torch]):
        assert_same(e, t, check_grad_fn=False)


def test_custom_function_unused_output_grad_is_materialized_as_zeros():
    for lib in (torch, ember):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, -1.0], requires_grad=True)
        a, b = _my_scale(lib).apply(x, 2.0, y)
        a.sum().backward()  # b gets no grad: backward must still see a zeros tensor
        np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_saved_tensors_after_backward_raise_like_torch():
    msgs = []
    for lib in (torch, ember):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = _my_exp(lib).apply(x)
        y.sum().backward()
        with pytest.raises(RuntimeError) as e:
            y.grad_fn.saved_tensors
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_function_forward_runs_without_recording():
    class Probe(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            inner = x * 2
            ctx.inner_recorded = inner.grad_fn is not None
            return inner

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = ember.tensor([1.0], requires_grad=True)
    y = Probe.apply(x)
    assert y.grad_fn.inner_recorded is False
    assert y.requires_grad and not y.is_leaf


def test_mark_dirty_and_non_differentiable():
    class AddOneInplace(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class ArgMax(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax().to(ember.float32)
            ctx.mark_non_differentiable(idx)
            return x * 1, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            return g

    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    out = AddOneInplace.apply(h)
    assert out is h and h.grad_fn.name() == "AddOneInplaceBackward"
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    y, idx = ArgMax.apply(ember.tensor([1.0, 3.0], requires_grad=True))
    assert y.requires_grad and not idx.requires_grad


def test_wrong_number_of_gradients():
    class Bad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    x = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(x, x).sum().backward()


def test_builtin_ops_are_functions_with_torch_names():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert isinstance(y.grad_fn, ember.autograd.function.BackwardNode)
    assert issubclass(y.grad_fn._fn, ember.autograd.Function)
    assert y.grad_fn.name() == "MulBackward0"
