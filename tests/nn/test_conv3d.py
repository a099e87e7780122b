"""conv3d / conv_transpose3d and nn.Conv3d / nn.ConvTranspose3d against torch: values, grads of input/weight/bias,
the node, init from a seed, reprs, padding modes and torch's errors."""
from __future__ import annotations

import time

import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error, check_op

# float32: ember sums the weight grad's batch in float64 and im2col products in another order than torch
F32 = dict(rtol=1e-5, atol=1e-5, grad_rtol=1e-4, grad_atol=1e-4)

CONV = [
    # (input shape, weight shape (C_out, C_in/groups, kd, kh, kw), bias, kwargs)
    ((2, 3, 5, 6, 4), (4, 3, 3, 3, 3), True, {}),
    ((2, 3, 6, 5, 7), (4, 3, 3, 2, 3), False, dict(stride=2, padding=1)),
    ((1, 4, 7, 6, 8), (6, 2, 3, 2, 3), True, dict(stride=(2, 1, 3), padding=(0, 1, 2), dilation=(2, 1, 1), groups=2)),
    ((2, 4, 5, 5, 5), (4, 1, 3, 3, 3), True, dict(groups=4, padding="same")),
    ((2, 3, 5, 6, 5), (2, 3, 2, 3, 4), True, dict(padding="same")),          # even kernel: a separate pad node
    ((1, 2, 7, 7, 7), (2, 2, 3, 3, 3), True, dict(padding="same", dilation=(2, 1, 3))),
    ((2, 3, 5, 5, 5), (2, 3, 2, 2, 2), True, dict(padding="valid", stride=[3])),
    ((6, 5, 4, 5), (4, 3, 2, 2, 2), True, dict(groups=2, dilation=2)),      # unbatched (C, D, H, W)
    ((1, 2, 1, 1, 1), (3, 2, 1, 1, 1), True, {}),
    ((20, 2, 6, 6, 6), (3, 2, 3, 3, 3), True, dict(padding=1)),              # several chunks of samples
]

TRANSPOSED = [
    # (input shape, weight shape (C_in, C_out/groups, kd, kh, kw), bias, kwargs)
    ((2, 4, 3, 4, 3), (4, 2, 3, 3, 3), True, {}),
    ((2, 4, 3, 3, 4), (4, 2, 3, 2, 3), True, dict(stride=2, padding=1, output_padding=1)),
    ((1, 4, 3, 4, 3), (4, 3, 2, 3, 2), True, dict(stride=(2, 1, 3), padding=(0, 1, 1), dilation=(1, 2, 1),
                                                   output_padding=(1, 0, 2), groups=2)),
    ((4, 3, 3, 3), (4, 2, 3, 3, 3), False, dict(stride=[2])),                # unbatched
    ((2, 6, 2, 3, 2), (6, 1, 3, 3, 3), False, dict(groups=6, stride=2, output_padding=(1, 0, 1))),
    ((2, 3, 3, 3, 3), (3, 2, 2, 2, 2), True, dict(stride=2, dilation=2, output_padding=1)),
]


def _arrays(xs, ws, bias_len, dtype, seed=0):
    rng = np.random.default_rng(seed)
    arrs = [rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)]
    return arrs + ([rng.standard_normal(bias_len).astype(dtype)] if bias_len else [])


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONV, ids=str)
def test_conv3d(case, dtype):
    xs, ws, has_bias, kw = case
    arrs = _arrays(xs, ws, ws[0] if has_bias else 0, dtype)
    out, _ = check_op(lambda lib, x, w, b=None: lib.nn.functional.conv3d(x, w, b, **kw), arrs,
                      **(F32 if dtype == np.float32 else {}))
    assert out.grad_fn is not None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", TRANSPOSED, ids=str)
def test_conv_transpose3d(case, dtype):
    xs, ws, has_bias, kw = case
    arrs = _arrays(xs, ws, ws[1] * kw.get("groups", 1) if has_bias else 0, dtype)
    check_op(lambda lib, x, w, b=None: lib.nn.functional.conv_transpose3d(x, w, b, **kw), arrs,
             **(F32 if dtype == np.float32 else {}))


@pytest.mark.parametrize("needs", [(True, False, False), (False, True, False), (False, False, True)])
def test_partial_grads(needs):
    arrs = _arrays((2, 3, 4, 5, 4), (4, 3, 2, 2, 2), 4, np.float64, seed=1)
    check_op(lambda lib, x, w, b: lib.nn.functional.conv3d(x, w, b, stride=2, padding=1),
             [(a, n) for a, n in zip(arrs, needs)])
    arrs = _arrays((2, 3, 3, 2, 3), (3, 2, 2, 2, 2), 2, np.float64, seed=2)
    check_op(lambda lib, x, w, b: lib.nn.functional.conv_transpose3d(x, w, b, stride=2),
             [(a, n) for a, n in zip(arrs, needs)])


def test_node_and_edges():
    x = ember.randn(1, 2, 3, 3, 3, requires_grad=True)
    w = ember.randn(3, 2, 2, 2, 2, requires_grad=True)
    for out in (ember.nn.functional.conv3d(x, w), ember.nn.functional.conv_transpose3d(x, w.transpose(0, 1))):
        assert out.grad_fn.name() == "ConvolutionBackward0"
        assert [type(n).__name__ if n is not None else None for n, _ in out.grad_fn.next_functions][::2] == \
            ["AccumulateGrad", None]
    assert ember.nn.functional.conv3d(x[0], w).grad_fn.name() == "SqueezeBackward1"  # unbatched, as torch


def test_integer_input():
    x = np.arange(2 * 2 * 3 * 3 * 3).reshape(2, 2, 3, 3, 3) % 5
    w = np.arange(3 * 2 * 2 * 2 * 2).reshape(3, 2, 2, 2, 2) % 3 - 1
    check_op(lambda lib, x, w: lib.nn.functional.conv3d(x, w, padding=1), [x, w])


ERRORS = [
    ("conv3d", (3, 5, 5), (4, 3, 3, 3, 3), None, {}),                      # 3-D input
    ("conv3d", (1, 1, 3, 5, 5, 5), (4, 3, 3, 3, 3), None, {}),
    ("conv3d", (2, 2, 5, 5, 5), (4, 3, 3, 3, 3), None, {}),                # channels
    ("conv3d", (2, 3, 2, 5, 5), (4, 3, 3, 3, 3), None, {}),                # kernel larger than the input
    ("conv3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), None, dict(dilation=3)),
    ("conv3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), None, dict(groups=2)),
    ("conv3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), None, dict(groups=0)),
    ("conv3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), None, dict(stride=0)),
    ("conv3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), None, dict(padding=-1)),
    ("conv3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), None, dict(dilation=0)),
    ("conv3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), None, dict(stride=(1, 1))),
    ("conv3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), None, dict(padding="same", stride=2)),
    ("conv3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), None, dict(padding="full")),
    ("conv3d", (2, 3, 5, 5, 5), (4, 3, 3, 3), None, {}),                   # weight of the wrong rank
    ("conv3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), (3,), {}),
    ("conv3d", (2, 3, 5, 5, 5), (0, 3, 3, 3, 3), None, {}),
    ("conv_transpose3d", (2, 3, 3, 3, 3), (4, 2, 3, 3, 3), None, {}),      # channels
    ("conv_transpose3d", (2, 4, 3, 3), (4, 2, 3, 3, 3), None, {}),         # unbatched, channels
    ("conv_transpose3d", (2, 4, 3, 3, 3), (4, 2, 3, 3, 3), None, dict(stride=(1, 2, 3), output_padding=2)),
    ("conv_transpose3d", (2, 4, 3, 3, 3), (4, 2, 3, 3, 3), None, dict(output_padding=(0, 0, 1))),
    ("conv_transpose3d", (2, 4, 3, 3, 3), (4, 2, 3, 3, 3), None, dict(output_padding=-1, stride=2)),
    ("conv_transpose3d", (2, 4, 3, 3, 3), (4, 2, 3, 3, 3), (3,), {}),
    ("conv_transpose3d", (2, 4, 3, 3, 3), (4, 2, 3, 3, 3), None, dict(padding="same")),
    ("conv_transpose3d", (2, 4, 3, 3, 3), (4, 2, 3, 3, 3), None, dict(groups=3)),
    ("conv_transpose3d", (2, 4, 3, 3), (4, 2, 3, 3, 3), None, dict(stride=(1, 1))),
    ("conv_transpose3d", (3, 3), (4, 2, 3, 3, 3), None, {}),
]


@pytest.mark.parametrize("name,xs,ws,bs,kw", ERRORS, ids=str)
def test_errors(name, xs, ws, bs, kw):
    # float64: torch's float32 paths may take mkldnn, whose messages differ (see test_output_too_small)
    def fn(lib):
        b = None if bs is None else lib.zeros(bs, dtype=lib.float64)
        return getattr(lib.nn.functional, name)(lib.zeros(xs, dtype=lib.float64), lib.zeros(ws, dtype=lib.float64),
                                                b, **kw)
    check_error(fn)


DILATION_ERRORS = [
    # (function, input shape, weight shape, kwargs): torch checks a negative dilation early, a zero one in the
    # kernel it picks (oneDNN for float32 convolution, else the slow kernels, whose 1-d is 2-d with height 1)
    ("conv1d", (2, 3, 5), (4, 3, 3), dict(dilation=0)),
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), dict(dilation=0)),
    ("conv3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), dict(dilation=(1, 0, 1))),
    ("conv3d", (2, 2, 5, 5, 5), (4, 3, 3, 3, 3), dict(dilation=0)),         # channels first
    ("conv3d", (2, 3, 2, 2, 2), (4, 3, 3, 3, 3), dict(dilation=0)),         # a zero dilation: a 1-wide kernel
    ("conv3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), dict(dilation=-1)),
    ("conv2d", (2, 2, 5, 5), (4, 3, 3, 3), dict(dilation=-1)),              # before the channels
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), dict(dilation=-1, groups=0)),
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), dict(dilation=-1, stride=0)),
    ("conv2d", (2, 3, 5, 5), (2, 3, 3, 3), dict(groups=3)),                 # weight smaller than groups
]
DILATION_ERRORS_T = [  # the transposed ones: float32's oneDNN messages are not copied, so float64 only
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), dict(dilation=0)),
    ("conv_transpose3d", (2, 4, 5, 5, 5), (4, 3, 3, 3, 3), dict(dilation=0)),
    ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), dict(dilation=0, output_padding=1)),
    ("conv_transpose3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), dict(dilation=0)),
    ("conv_transpose3d", (2, 3, 5, 5, 5), (4, 3, 3, 3, 3), dict(dilation=-1)),
    ("conv_transpose3d", (2, 4, 5, 5, 5), (4, 3, 3, 3, 3), dict(dilation=-1, output_padding=-1)),
    ("conv_transpose2d", (2, 2, 5, 5), (2, 1, 3, 3), dict(groups=3)),
]


def _zeros_call(name, xs, ws, kw, dtype):
    return lambda lib: getattr(lib.nn.functional, name)(lib.zeros(xs, dtype=getattr(lib, dtype)),
                                                        lib.zeros(ws, dtype=getattr(lib, dtype)), **kw)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,xs,ws,kw", DILATION_ERRORS, ids=str)
def test_argument_errors_by_dtype(name, xs, ws, kw, dtype):
    check_error(_zeros_call(name, xs, ws, kw, dtype))


@pytest.mark.parametrize("name,xs,ws,kw", DILATION_ERRORS_T, ids=str)
def test_transposed_argument_errors(name, xs, ws, kw):
    check_error(_zeros_call(name, xs, ws, kw, "float64"))


def test_output_too_small():
    # torch's float64 message; its float32 path hands the shapes to mkldnn, which fails with "could not construct a
    # memory descriptor using a format tag" (ember gives the float64 message for every dtype)
    check_error(lambda lib: lib.nn.functional.conv_transpose3d(
        lib.zeros(2, 4, 1, 1, 1, dtype=lib.float64), lib.zeros(4, 3, 3, 3, 3, dtype=lib.float64), padding=(0, 0, 2)))
    with pytest.raises(RuntimeError, match="Output size is too small"):
        ember.nn.functional.conv_transpose3d(ember.zeros(2, 4, 1, 1, 1), ember.zeros(4, 3, 3, 3, 3), padding=3)


def test_dtype_mismatch():
    check_error(lambda lib: lib.nn.functional.conv3d(lib.zeros(2, 3, 5, 5, 5, dtype=lib.float64),
                                                     lib.zeros(4, 3, 3, 3, 3)))
    check_error(lambda lib: lib.nn.functional.conv3d(lib.zeros(2, 3, 5, 5, 5), lib.zeros(4, 3, 3, 3, 3),
                                                     lib.zeros(4, dtype=lib.float64)))


# --- modules ---------------------------------------------------------------------------------------

MODULES = [
    ("Conv3d", (3, 4, 3), {}, (2, 3, 5, 4, 5)),
    ("Conv3d", (4, 6, (3, 2, 1)), dict(stride=2, padding=(1, 0, 0), dilation=(1, 2, 1), groups=2, bias=False),
     (1, 4, 7, 6, 5)),
    ("Conv3d", (2, 3, 3), dict(padding="same", padding_mode="reflect"), (2, 2, 4, 5, 4)),
    ("Conv3d", (2, 3, (2, 3, 2)), dict(padding="same", dilation=(1, 2, 1)), (2, 5, 6, 5)),
    ("Conv3d", (2, 3, 3), dict(padding=1, padding_mode="circular"), (2, 2, 4, 4, 3)),
    ("Conv3d", (2, 3, 3), dict(padding=(2, 1, 0), padding_mode="replicate", stride=(1, 2, 1)), (2, 4, 4, 3)),
    ("Conv3d", (2, 2, 1), dict(padding="valid"), (1, 2, 3, 3, 3)),
    ("ConvTranspose3d", (3, 4, 3), {}, (2, 3, 3, 4, 3)),
    ("ConvTranspose3d", (4, 6, (3, 2, 2)), dict(stride=2, padding=1, output_padding=(1, 0, 1), groups=2,
                                                 dilation=(1, 1, 2), bias=False), (1, 4, 3, 3, 2)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=(1, 2, 3)), (2, 3, 2, 3)),
]


def _call_with(m, names, ps, x):
    saved = {n: getattr(m, n) for n in names}
    try:
        for n, p in zip(names, ps):
            m._parameters[n] = p
        return m(x)
    finally:
        m._parameters.update(saved)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls,args,kw,shape", MODULES, ids=str)
def test_module(cls, args, kw, shape, dtype):
    mods = {}
    for lib in (torch, ember):
        lib.manual_seed(11)
        mods[lib] = getattr(lib.nn, cls)(*args, **kw, dtype=getattr(lib, dtype))
    m_t, m_e = mods[torch], mods[ember]
    assert repr(m_e) == repr(m_t)
    assert list(m_e.state_dict().keys()) == list(m_t.state_dict().keys())
    for (ne, pe), (nt, pt) in zip(m_e.named_parameters(), m_t.named_parameters()):
        assert ne == nt and str(pe.dtype) == str(pt.dtype) and tuple(pe.shape) == tuple(pt.shape)
        np.testing.assert_array_equal(pe.detach().numpy(), pt.detach().numpy())  # same seed, same bits
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                 "padding_mode", "transposed", "output_padding"):
        assert getattr(m_e, attr) == getattr(m_t, attr), attr
    assert tuple(m_e._reversed_padding_repeated_twice) == tuple(m_t._reversed_padding_repeated_twice)
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    params = [p.detach().numpy() for p in m_t.parameters()]

    def fn(lib, x, *ps):
        return _call_with(mods[lib], [n for n, _ in mods[lib].named_parameters()], ps, x)

    check_op(fn, [x] + params, **(F32 if dtype == "float32" else {}))


def test_transpose_output_size():
    for lib in (torch, ember):
        lib.manual_seed(0)
    m_t, m_e = torch.nn.ConvTranspose3d(2, 3, 3, stride=2), ember.nn.ConvTranspose3d(2, 3, 3, stride=2)
    m_e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in m_t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4, 3)).astype(np.float32)
    for size in ([8, 9, 7], [1, 3, 7, 10, 8]):
        yt, ye = m_t(torch.tensor(x), output_size=size), m_e(ember.tensor(x), output_size=size)
        assert tuple(ye.shape) == tuple(yt.shape)
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    check_error(lambda lib: lib.nn.ConvTranspose3d(2, 3, 3, stride=2)(lib.zeros(1, 2, 3, 4, 3), output_size=[20, 9, 7]))
    check_error(lambda lib: lib.nn.ConvTranspose3d(2, 3, 3, stride=2)(lib.zeros(1, 2, 3, 4, 3), output_size=[9, 7]))


CTOR_ERRORS = [
    ("Conv3d", (3, 4, 3), dict(groups=2)),
    ("Conv3d", (4, 4, 3), dict(padding="same", stride=2)),
    ("Conv3d", (4, 4, 3), dict(groups=0)),
    ("ConvTranspose3d", (3, 4, 3), dict(padding_mode="reflect")),
    ("ConvTranspose3d", (4, 3, 3), dict(groups=2)),
]


@pytest.mark.parametrize("cls,args,kw", CTOR_ERRORS, ids=str)
def test_module_errors(cls, args, kw):
    check_error(lambda lib: getattr(lib.nn, cls)(*args, **kw))


def test_module_padding_mode_error():
    # torch prints a set, whose order follows string hashing: compare type and start only
    e, t = check_error(lambda lib: lib.nn.Conv3d(2, 2, 3, padding_mode="bad"), match_message=False)
    assert str(e).split("{")[0] == str(t).split("{")[0]


def test_exports():
    assert ember.nn.functional.conv3d is ember._ops.nn.conv.conv3d
    assert {"conv3d", "conv_transpose3d"} <= set(ember.nn.functional.__all__)
    assert {"Conv3d", "ConvTranspose3d"} <= set(ember.nn.modules.__all__)
    assert ember.nn.Conv3d is ember.nn.modules.conv.Conv3d


def test_speed_against_torch():
    # the brief's yardstick: a (8, 4, 16, 16, 16) 3x3x3 conv, forward and backward, near torch's time
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 4, 16, 16, 16)).astype(np.float32)
    w = rng.standard_normal((8, 4, 3, 3, 3)).astype(np.float32)
    times = {}
    for lib in (torch, ember):
        xt, wt = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            lib.nn.functional.conv3d(xt, wt, padding=1).sum().backward()
            best = min(best, time.perf_counter() - t0)
        times[lib] = best
    assert times[ember] < 20 * times[torch] + 0.05, times
