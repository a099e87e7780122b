"""ember.amp: autocast as a documented no-op with torch's checks and state; GradScaler as in CPU-only torch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import check_error


def _warnings(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [(x.category, str(x.message)) for x in w]


@pytest.mark.parametrize("make", [
    lambda L: L.autocast("cpu"), lambda L: L.autocast("cpu", dtype=L.bfloat16),
    lambda L: L.autocast("cpu", dtype=L.float16), lambda L: L.autocast("cpu", dtype=L.float32),
    lambda L: L.autocast("cuda"), lambda L: L.autocast("cuda", enabled=False),
    lambda L: L.amp.autocast("cpu", enabled=False), lambda L: L.amp.GradScaler(),
    lambda L: L.amp.GradScaler("cuda", enabled=False), lambda L: L.amp.GradScaler("cpu"),
])
def test_construction_warnings_match_torch(make):
    assert _warnings(lambda: make(ember)) == _warnings(lambda: make(torch))


def test_autocast_errors():
    check_error(lambda L: L.autocast(L.device("cpu")))
    check_error(lambda L: L.autocast("foo"))


def test_autocast_state_and_decorator():
    for L in (ember, torch):
        assert not L.is_autocast_enabled("cpu") and L.get_autocast_dtype("cpu") == L.bfloat16
        with L.autocast("cpu", dtype=L.float16):
            assert L.is_autocast_enabled("cpu") and L.get_autocast_dtype("cpu") == L.float16
            assert not L.is_autocast_enabled()  # no device type: asks about CUDA
        assert not L.is_autocast_enabled("cpu") and L.get_autocast_dtype("cpu") == L.bfloat16

        @L.autocast("cpu")
        def f():
            return L.is_autocast_enabled("cpu")
        assert f() is True


def test_autocast_keeps_float32():
    # deliberate difference: torch would compute this matmul in bfloat16; ember keeps float32
    a = ember.ones(2, 2)
    with ember.autocast("cpu", dtype=ember.bfloat16):
        assert (a @ a).dtype == ember.float32


def test_disabled_scaler_passes_through():
    with pytest.warns(UserWarning, match="torch.cuda.amp.GradScaler is enabled, but CUDA is not available"):
        s = ember.amp.GradScaler()
    s = ember.amp.GradScaler(enabled=False)
    x = ember.ones(2, requires_grad=True)
    opt = ember.optim.SGD([x], lr=0.1)
    loss = (x * 3).sum()
    assert s.scale(loss) is loss
    loss.backward()
    assert s.step(opt) is None
    s.update()
    s.unscale_(opt)
    np.testing.assert_allclose(x.detach().numpy(), [0.7, 0.7], rtol=1e-6)
    assert s.get_scale() == 1.0 and s.state_dict() == {} and not s.is_enabled()
    s.load_state_dict({})


def _trajectory(L, grads_in):
    x = L.tensor([1.0, -2.0, 0.5], requires_grad=True)
    opt = L.optim.SGD([x], lr=0.1)
    s = L.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    out = []
    for g in grads_in:
        opt.zero_grad()
        loss = s.scale((x * L.tensor(g)).sum())
        loss.backward()
        s.step(opt)
        s.update()
        out.append((s.get_scale(), x.detach().numpy().copy(), s.state_dict()))
    return out


def test_cpu_scaler_trajectory_matches_torch():
    grads = [[1.0, 2.0, 3.0], [float("inf"), 1.0, 1.0], [0.5, 0.5, 0.5], [1.0, 1.0, 1.0], [2.0, 1.0, 0.0],
             [float("nan"), 0.0, 0.0]]
    for (es, ex, ed), (ts, tx, td) in zip(_trajectory(ember, grads), _trajectory(torch, grads)):
        assert es == ts and ed == td
        np.testing.assert_array_equal(ex, tx)


def test_cpu_scaler_errors():
    def no_scale(L, meth):
        s = L.amp.GradScaler("cpu")
        opt = L.optim.SGD([L.ones(1, requires_grad=True)], lr=0.1)
        getattr(s, meth)(*([] if meth == "update" else [opt]))
    for meth in ("update", "unscale_", "step"):
        check_error(lambda L: no_scale(L, meth))

    def twice(L):
        s = L.amp.GradScaler("cpu")
        x = L.ones(1, requires_grad=True)
        opt = L.optim.SGD([x], lr=0.1)
        s.scale(x.sum()).backward()
        s.unscale_(opt)
        s.unscale_(opt)
    check_error(twice)
    check_error(lambda L: L.amp.GradScaler("cpu", growth_factor=1.0))
    check_error(lambda L: L.amp.GradScaler("cpu").scale(3.0))
    check_error(lambda L: L.amp.GradScaler("cpu").load_state_dict({}))
