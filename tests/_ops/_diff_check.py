"""Run one case in torch and in ember and compare what comes back: values, dtype, shape, strides, grads,
or the error's type and first line."""
import numpy as np
import torch

import ember


def outcome(L, f):
    try:
        return "ok", f(L)
    except Exception as e:  # noqa: BLE001 - the error itself is what is compared
        return "err", (type(e).__name__, str(e).split("\n")[0])


def assert_same(t, e, strides: bool = True) -> None:
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), e
        assert str(t.dtype) == str(e.dtype) and tuple(t.shape) == tuple(e.shape), (t, e)
        if strides and t.numel() > 1:
            assert t.stride() == e.stride(), (t.stride(), e.stride())
        a, b = t.detach().numpy(), e.detach().numpy()
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6, equal_nan=True)
        else:
            np.testing.assert_array_equal(b, a)
    elif isinstance(t, (list, tuple)):
        assert isinstance(e, (list, tuple)) and len(t) == len(e), (t, e)
        for u, v in zip(t, e):
            assert_same(u, v, strides)
    elif isinstance(t, torch.dtype):
        assert str(t) == str(e)
    else:
        assert t == e, (t, e)


def check(f, strides: bool = True) -> None:
    (kt, t), (ke, e) = outcome(torch, f), outcome(ember, f)
    assert kt == ke, (t, e)
    if kt == "err":
        assert t == e
    else:
        assert_same(t, e, strides)


def grads(f, *arrays):
    """f(L, *leaf tensors) -> output; returns the output and each leaf's grad (float64 leaves)."""
    def run(L):
        xs = [L.tensor(a, dtype=L.float64, requires_grad=True) for a in arrays]
        out = f(L, *xs)
        w = L.arange(out.numel(), dtype=out.dtype).reshape(out.shape).cos()
        (out * w).sum().backward()
        return [out.detach()] + [x.grad for x in xs]
    return run
