"""F.batch_norm, nn.BatchNorm1d/2d against torch: values, grads, running statistics, modules, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests._compare import assert_same, check_error, check_op

SHAPES = [(4, 3), (3, 2, 5), (2, 3, 2, 3)]


def _rand(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_functional_values_grads_running_stats(dtype, shape, training, affine):
    c = shape[1]
    x = _rand(shape, dtype) * 2 + 0.5
    w, b = _rand(c, dtype, 1), _rand(c, dtype, 2)
    rm0 = _rand(c, dtype, 3) * 0.1
    rv0 = np.abs(_rand(c, dtype, 4)) + 0.5
    stats = {}

    def fn(lib, x, w, b):
        rm, rv = lib.tensor(rm0.copy()), lib.tensor(rv0.copy())
        out = lib.nn.functional.batch_norm(x, rm, rv, w if affine else None, b if affine else None,
                                           training=training, momentum=0.3, eps=1e-4)
        stats[lib.__name__] = (rm, rv)
        return out

    check_op(fn, [x, w, b])
    for e, t in zip(stats["ember"], stats["torch"]):
        assert_same(e, t, check_grad_fn=False, what="running stat")
    if not training:
        np.testing.assert_array_equal(stats["ember"][0].numpy(), rm0)


def test_functional_without_running_stats_and_next_functions():
    x = _rand((5, 3), np.float32)
    check_op(lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True), [x])
    xe = ember.tensor(x, requires_grad=True)
    y = ember.nn.functional.batch_norm(xe, None, None, training=True)
    assert [f is None for f, _ in y.grad_fn.next_functions] == [False, True, True]


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (4, 3)), ("BatchNorm1d", (3, 3, 4)),
                                       ("BatchNorm2d", (2, 3, 2, 2)), ("BatchNorm3d", (2, 3, 2, 1, 2))])
def test_module_training_steps_then_eval(cls, shape, momentum):
    t_bn = getattr(torch.nn, cls)(3, momentum=momentum)
    e_bn = getattr(ember.nn, cls)(3, momentum=momentum)
    assert repr(e_bn) == repr(t_bn)
    assert list(e_bn.state_dict()) == list(t_bn.state_dict())
    with torch.no_grad():
        t_bn.weight.normal_()
        t_bn.bias.normal_()
    e_bn.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t_bn.state_dict().items()})
    for step in range(3):
        x = _rand(shape, np.float32, step) + step
        xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
        yt, ye = t_bn(xt), e_bn(xe)
        assert_same(ye, yt)
        go = _rand(shape, np.float32, 10 + step)
        yt.backward(torch.tensor(go))
        ye.backward(ember.tensor(go))
        assert_same(xe.grad, xt.grad, check_grad_fn=False)
        for name in ("weight", "bias"):
            assert_same(getattr(e_bn, name).grad, getattr(t_bn, name).grad, check_grad_fn=False)
        for k, v in t_bn.state_dict().items():
            assert_same(e_bn.state_dict()[k], v, check_grad_fn=False, what=k)
    t_bn.eval()
    e_bn.eval()
    x = _rand(shape, np.float32, 7)
    check_op(lambda lib, x: (t_bn if lib is torch else e_bn)(x), [x])
    assert int(e_bn.num_batches_tracked) == 3


@pytest.mark.parametrize("kwargs", [dict(affine=False), dict(track_running_stats=False), dict(bias=False),
                                    dict(eps=1e-3, momentum=0.5, dtype="float64")])
def test_module_options(kwargs):
    kt = {k: (getattr(torch, v) if k == "dtype" else v) for k, v in kwargs.items()}
    ke = {k: (getattr(ember, v) if k == "dtype" else v) for k, v in kwargs.items()}
    t_bn, e_bn = torch.nn.BatchNorm1d(4, **kt), ember.nn.BatchNorm1d(4, **ke)
    assert repr(e_bn) == repr(t_bn)
    assert list(e_bn.state_dict()) == list(t_bn.state_dict())
    assert [n for n, _ in e_bn.named_parameters()] == [n for n, _ in t_bn.named_parameters()]
    assert [n for n, _ in e_bn.named_buffers()] == [n for n, _ in t_bn.named_buffers()]
    dtype = np.float64 if kwargs.get("dtype") else np.float32
    for mode in ("train", "eval"):
        getattr(t_bn, mode)()
        getattr(e_bn, mode)()
        check_op(lambda lib, x: (t_bn if lib is torch else e_bn)(x), [_rand((3, 4, 2), dtype)])


def test_initial_state_matches_torch():
    for dt in (torch.float32, torch.float64):
        t_bn = torch.nn.BatchNorm2d(3, dtype=dt)
        e_bn = ember.nn.BatchNorm2d(3, dtype=getattr(ember, str(dt).split(".")[1]))
        for k, v in t_bn.state_dict().items():
            assert_same(e_bn.state_dict()[k], v, check_grad_fn=False, what=k)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(1, 3)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(1, 3, 1)),
    lambda lib: lib.nn.BatchNorm2d(3)(lib.randn(1, 3, 1, 1)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(3)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(2, 3, 2, 2)),
    lambda lib: lib.nn.BatchNorm2d(3)(lib.randn(2, 3, 4)),
    lambda lib: lib.nn.BatchNorm3d(3)(lib.randn(2, 3, 4, 4)),
    lambda lib: lib.nn.BatchNorm3d(3)(lib.randn(1, 3, 1, 1, 1)),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 4), lib.zeros(3), lib.ones(3)),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), lib.zeros(3), lib.ones(4), training=True),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), None, None),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), lib.zeros(3), lib.ones(3), lib.ones(4)),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), lib.zeros(3), lib.ones(3), None, lib.ones(2)),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), None, None, training=True, eps=0.0),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), lib.zeros(3), lib.ones(3), eps=-1.0),
    lambda lib: lib.nn.functional.batch_norm(lib.ones(2, 3, dtype=lib.long), lib.zeros(3), lib.ones(3)),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(4, 3, dtype=lib.float64), None, None, lib.ones(3),
                                             training=True),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(4, 3).half(), lib.zeros(3), lib.ones(3).half(),
                                             training=True),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(4, 3), lib.zeros(3), lib.ones(3), lib.ones(3),
                                             lib.ones(3, dtype=lib.float64), training=True),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(4, 3), lib.zeros(3), lib.ones(3, dtype=lib.float64)),
])
def test_errors(fn):
    check_error(fn)


def test_eval_with_batch_of_one_is_fine():
    x = _rand((1, 3), np.float32)
    t_bn, e_bn = torch.nn.BatchNorm1d(3).eval(), ember.nn.BatchNorm1d(3).eval()
    check_op(lambda lib, x: (t_bn if lib is torch else e_bn)(x), [x])


def test_old_checkpoint_without_num_batches_tracked_loads():
    for lib in (torch, ember):
        bn = lib.nn.BatchNorm1d(3)
        sd = bn.state_dict()
        del sd["num_batches_tracked"]
        sd._metadata[""]["version"] = 1
        assert bn.load_state_dict(sd).missing_keys == []
        sd._metadata[""]["version"] = 2
        with pytest.raises(RuntimeError, match="num_batches_tracked"):
            bn.load_state_dict(sd)


@pytest.mark.parametrize("training", [True, False])
def test_float16_input_with_float32_parameters(training):
    x = _rand((4, 3), np.float16)
    w, b = _rand(3, np.float32, 1), _rand(3, np.float32, 2)
    stats = {}

    def fn(lib, x, w, b):
        rm, rv = lib.zeros(3), lib.ones(3)
        stats[lib.__name__] = (rm, rv)
        return lib.nn.functional.batch_norm(x, rm, rv, w, b, training=training)

    check_op(fn, [x, w, b], rtol=2e-3, atol=2e-3)
    for e, t in zip(stats["ember"], stats["torch"]):
        assert_same(e, t, check_grad_fn=False, rtol=1e-3, atol=1e-3, what="running stat")


def test_empty_batch():
    check_op(lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True),
             [np.zeros((0, 3), np.float32)])


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("layout", ["contiguous", "channels_last", "offset_mean"])
def test_long_rows_and_layouts(training, layout):
    # rows of 100+ elements take the unbuffered per-channel passes; a permuted input is made contiguous per channel;
    # a mean far from 0 (relative to the spread) checks the variance is taken around the mean, not from x^2
    x = _rand((4, 5, 12, 11), np.float32)
    if layout == "offset_mean":
        x = x * 0.01 + 30.0
    w, b = _rand(5, np.float32, 1), _rand(5, np.float32, 2)

    def fn(lib, x, w, b):
        if layout == "channels_last":
            x = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
        rm, rv = lib.zeros(5), lib.ones(5)
        return lib.nn.functional.batch_norm(x, rm, rv, w, b, training=training)

    if layout == "offset_mean" and training:
        # torch's float32 kernel cancels here (output ~2e-4 off, input grad ~2e-3 off of values ~300); ember's
        # stays within a few float32 ulps of torch's float64 result
        g = _rand(x.shape, np.float32, 5)
        res = []
        for lib, dt in ((ember, np.float32), (torch, np.float64)):
            xt = lib.tensor(x.astype(dt), requires_grad=True)
            out = lib.nn.functional.batch_norm(xt, None, None, lib.tensor(w.astype(dt)), lib.tensor(b.astype(dt)),
                                               training=True)
            out.backward(lib.tensor(g.astype(dt)))
            res.append((out.detach().numpy().astype(np.float64), xt.grad.numpy().astype(np.float64)))
        for got, exact in zip(*res):
            np.testing.assert_allclose(got, exact, rtol=0, atol=2e-6 * np.abs(exact).max())
    else:
        check_op(fn, [x, w, b])
