"""conv1d/conv2d and nn.Conv1d/Conv2d against torch: values, grads of input/weight/bias, nodes, init, reprs, errors."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import ember
from ember._ops.nn.conv import conv1d, conv2d
from tests._compare import check_error, check_op

F32 = dict(rtol=1e-5, atol=1e-5)


def _fn(lib, name):
    return conv1d if lib is ember and name == "conv1d" else conv2d if lib is ember else getattr(lib.nn.functional, name)


CASES_2D = [
    # (input shape, weight shape, bias, kwargs)
    ((2, 3, 7, 6), (4, 3, 3, 3), True, {}),
    ((2, 3, 7, 6), (4, 3, 3, 2), False, dict(stride=2, padding=1)),
    ((1, 4, 8, 9), (6, 2, 3, 3), True, dict(stride=(2, 1), padding=(0, 2), dilation=(2, 1), groups=2)),
    ((2, 4, 6, 6), (4, 1, 3, 3), True, dict(groups=4, padding="same")),
    ((2, 3, 6, 7), (2, 3, 2, 4), True, dict(padding="same")),            # even kernel: an extra right pad node
    ((2, 3, 7, 7), (2, 3, 3, 3), True, dict(padding="same", dilation=2)),
    ((2, 3, 5, 5), (2, 3, 3, 3), True, dict(padding="valid", stride=3)),
    ((6, 5, 5), (4, 3, 2, 2), True, dict(groups=2, dilation=2)),          # unbatched (C, H, W)
    ((1, 2, 1, 1), (3, 2, 1, 1), True, {}),
]

CASES_1D = [
    ((2, 3, 9), (4, 3, 3), True, {}),
    ((2, 4, 10), (6, 2, 4), False, dict(stride=3, padding=2, dilation=2, groups=2)),
    ((3, 8), (5, 3, 2), True, dict(padding="same")),                       # unbatched (C, L)
    ((2, 3, 8), (2, 3, 5), True, dict(padding="same", dilation=(1,))),
    ((2, 2, 5), (2, 2, 5), True, dict(padding=[1])),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,case", [("conv2d", c) for c in CASES_2D] + [("conv1d", c) for c in CASES_1D])
def test_conv_functional(name, case, dtype):
    xs, ws, has_bias, kw = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    inputs = [x, w] + ([rng.standard_normal(ws[0]).astype(dtype)] if has_bias else [])
    tol = F32 if dtype == np.float32 else {}

    def fn(lib, x, w, b=None):
        return _fn(lib, name)(x, w, b, **kw)

    check_op(fn, inputs, **tol)


@pytest.mark.parametrize("needs", [(True, False, False), (False, True, False), (False, False, True),
                                   (False, True, True)])
def test_conv_partial_grads(needs):
    rng = np.random.default_rng(1)
    arrs = [rng.standard_normal(s) for s in ((2, 3, 5, 5), (4, 3, 2, 2), (4,))]
    check_op(lambda lib, x, w, b: _fn(lib, "conv2d")(x, w, b, stride=2, padding=1),
             [(a, n) for a, n in zip(arrs, needs)])


def test_conv_integer_and_no_grad():
    x = np.arange(2 * 2 * 4 * 4).reshape(2, 2, 4, 4) % 5
    w = np.arange(3 * 2 * 2 * 2).reshape(3, 2, 2, 2) % 3 - 1
    check_op(lambda lib, x, w: _fn(lib, "conv2d")(x, w, padding=1), [x, w])
    check_op(lambda lib, x, w: _fn(lib, "conv2d")(x, w), [np.ones((1, 2, 3, 3), np.float32), np.ones((1, 2, 2, 2), np.float32)],
             grad=False)


def test_conv_next_functions():
    rng = np.random.default_rng(2)
    x = ember.tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    out = conv2d(x, w)
    assert out.grad_fn.name() == "ConvolutionBackward0"
    assert [type(n).__name__ if n is not None else None for n, _ in out.grad_fn.next_functions] == \
        ["AccumulateGrad", "AccumulateGrad", None]


ERRORS = [
    ("conv2d", (2, 3, 5, 5), (4, 2, 3, 3), None, {}),                 # channel mismatch
    ("conv2d", (2, 3, 5, 5), (4, 3, 7, 7), None, {}),                 # kernel larger than input
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), None, dict(dilation=3)),   # dilated kernel larger than input
    ("conv2d", (5, 5), (4, 3, 3, 3), None, {}),
    ("conv2d", (1, 2, 3, 5, 5), (4, 3, 3, 3), None, {}),
    ("conv2d", (3, 5, 5), (4, 2, 3, 3), None, {}),                    # unbatched mismatch reports input[1, ...]
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), None, dict(groups=2)),
    ("conv2d", (2, 3, 5, 5), (4, 1, 3, 3), None, dict(groups=3)),
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), None, dict(groups=0)),
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), None, dict(stride=0)),
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), None, dict(padding=-1, stride=0)),
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), None, dict(dilation=0)),
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), None, dict(padding="same", stride=2)),
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), None, dict(padding="foo")),
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), None, dict(stride=(1, 1, 1))),
    ("conv2d", (2, 3, 5, 5), (4, 3, 3), None, {}),                    # weight of the wrong rank
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), (3,), {}),
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), (4, 1), {}),
    ("conv1d", (3, 5, 5), (3, 3, 3), None, {}),
    ("conv1d", (2, 3, 2), (3, 3, 3), None, {}),
]


@pytest.mark.parametrize("name,xs,ws,bs,kw", ERRORS)
def test_conv_errors(name, xs, ws, bs, kw):
    def fn(lib):
        b = None if bs is None else lib.zeros(bs)
        return _fn(lib, name)(lib.zeros(xs), lib.zeros(ws), b, **kw)
    check_error(fn)


def test_conv_dtype_mismatch():
    check_error(lambda lib: _fn(lib, "conv2d")(lib.zeros(1, 1, 3, 3, dtype=lib.float64), lib.zeros(1, 1, 2, 2)))
    check_error(lambda lib: _fn(lib, "conv2d")(lib.zeros(2, 3, 5, 5), lib.zeros(4, 3, 3, 3),
                                               lib.zeros(4, dtype=lib.float64)))


# --- modules ---------------------------------------------------------------------------------------

MODULES = [
    ("Conv2d", (3, 4, 3), {}, (2, 3, 6, 5)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=2, padding=(1, 0), dilation=1, groups=2, bias=False), (1, 4, 7, 6)),
    ("Conv2d", (3, 4, 3), dict(padding="same", padding_mode="reflect"), (2, 3, 5, 5)),
    ("Conv2d", (3, 4, (2, 3)), dict(padding="same", padding_mode="zeros", dilation=(1, 2)), (3, 6, 6)),
    ("Conv2d", (2, 3, 3), dict(padding=1, padding_mode="circular"), (2, 2, 4, 4)),
    ("Conv2d", (2, 3, 3), dict(padding=(2, 1), padding_mode="replicate", stride=(1, 2)), (2, 4, 4)),
    ("Conv2d", (2, 2, 1), dict(padding="valid"), (1, 2, 3, 3)),
    ("Conv1d", (3, 6, 3), dict(groups=3, dilation=2, padding=1, stride=2), (2, 3, 9)),
    ("Conv1d", (2, 4, 4), dict(padding="same", padding_mode="reflect"), (2, 7)),
    ("Conv1d", (2, 4, (2,)), dict(padding=2, padding_mode="circular", bias=False), (3, 2, 5)),
    ("Conv1d", (2, 4, 3), dict(padding=[1], padding_mode="replicate"), (1, 2, 5)),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls,args,kw,shape", MODULES)
def test_conv_module(cls, args, kw, shape, dtype):
    mods = {}
    for lib in (torch, ember):
        lib.manual_seed(7)
        mods[lib] = getattr(lib.nn, cls)(*args, **kw, dtype=getattr(lib, dtype))
    m_t, m_e = mods[torch], mods[ember]
    assert repr(m_e) == repr(m_t)
    assert list(m_e.state_dict().keys()) == list(m_t.state_dict().keys())
    for (ne, pe), (nt, pt) in zip(m_e.named_parameters(), m_t.named_parameters()):
        assert ne == nt and str(pe.dtype) == str(pt.dtype)
        np.testing.assert_array_equal(pe.detach().numpy(), pt.detach().numpy())  # same seed, same bits
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                 "padding_mode", "transposed", "output_padding"):
        assert getattr(m_e, attr) == getattr(m_t, attr), attr
    assert tuple(m_e._reversed_padding_repeated_twice) == tuple(m_t._reversed_padding_repeated_twice)
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    params = [p.detach().numpy() for p in m_t.parameters()]

    def fn(lib, x, *ps):
        # the weights as check_op's tensors, so that their grads are compared too
        return _call_with(mods[lib], [n for n, _ in mods[lib].named_parameters()], ps, x)

    check_op(fn, [x] + params, **(F32 if dtype == "float32" else {}))


def _call_with(m, names, ps, x):
    saved = {n: getattr(m, n) for n in names}
    try:
        for n, p in zip(names, ps):
            m._parameters[n] = p
        return m(x)
    finally:
        m._parameters.update(saved)


CTOR_ERRORS = [
    ((3, 4, 3), dict(groups=2)),
    ((4, 3, 3), dict(groups=2)),
    ((4, 4, 3), dict(groups=0)),
    ((4, 4, 3), dict(padding="foo")),
    ((4, 4, 3), dict(padding="same", stride=2)),
    ((4, 4, 3), dict(padding_mode="bad")),
]


def _raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    raise AssertionError("no exception")


def _set_normalised(msg: str) -> str:
    # torch prints a set literal, whose order depends on string hashing (and on how its .pyc was built)
    return re.sub(r"\{[^}]*\}", lambda m: str(sorted(m.group(0)[1:-1].split(", "))), msg)


@pytest.mark.parametrize("args,kw", CTOR_ERRORS)
def test_conv_module_errors(args, kw):
    for cls in ("Conv1d", "Conv2d"):
        (te, tm), (ee, em) = (_raised(lambda: getattr(lib.nn, cls)(*args, **kw)) for lib in (torch, ember))
        assert ee is te and _set_normalised(em) == _set_normalised(tm)


def test_conv_module_wrong_channels_and_small_input():
    check_error(lambda lib: (lib.manual_seed(0), lib.nn.Conv2d(3, 4, 3)(lib.zeros(2, 2, 5, 5))))
    check_error(lambda lib: (lib.manual_seed(0), lib.nn.Conv1d(3, 4, 5)(lib.zeros(3, 4))))
    check_error(lambda lib: (lib.manual_seed(0), lib.nn.Conv2d(3, 4, 3)(lib.zeros(3, 5))))


def test_conv_functional_registered():
    assert ember.nn.functional.conv1d is conv1d and ember.nn.functional.conv2d is conv2d
    assert "conv2d" in ember.nn.functional.__all__ and "Conv2d" in ember.nn.modules.__all__


# stride 1 runs on flat rows with per-offset shifts (dilation included) and batch chunks of columns; these cases
# cross chunk boundaries (many small samples, and samples whose columns exceed a chunk) and mix dilation/padding
CHUNKED = [
    ((40, 3, 12, 12), (5, 3, 3, 3), True, dict(padding=1)),
    ((3, 16, 36, 36), (4, 16, 5, 5), True, dict(padding=2)),
    ((2, 3, 9, 8), (4, 3, 3, 2), False, dict(dilation=(2, 3), padding=(1, 2))),
    ((5, 4, 30), (6, 2, 3), True, dict(dilation=3, padding=4, groups=2)),
]


@pytest.mark.parametrize("case", CHUNKED, ids=str)
def test_conv_flat_rows_and_chunks(case):
    xs, ws, has_bias, kw = case
    rng = np.random.default_rng(4)
    arrs = [rng.standard_normal(xs), rng.standard_normal(ws)] + ([rng.standard_normal(ws[0])] if has_bias else [])
    name = "conv1d" if len(xs) == 3 else "conv2d"
    check_op(lambda lib, x, w, b=None: _fn(lib, name)(x, w, b, **kw), arrs)


def test_conv_input_changed_in_place_is_an_error():
    # ConvolutionBackward0 saves its input (also when padding copies it): an in-place change before backward
    for lib in (torch, ember):
        x = lib.randn(1, 2, 5, 5, requires_grad=True)
        w = lib.randn(3, 2, 3, 3, requires_grad=True)
        y = x * 1
        out = _fn(lib, "conv2d")(y, w, padding=1)
        with lib.no_grad():
            y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()


@pytest.mark.parametrize("call", [
    lambda L: L.nn.functional.conv1d(L.ones(1, 4, 5), L.ones(2, 4, 3), None, (1, 1), "foo"),
    lambda L: L.nn.functional.conv1d(L.ones(2, 3, 5), L.ones(4, 3)),
    lambda L: L.nn.functional.conv_transpose2d(L.ones(1, 3, 0, 3), L.ones(3, 1, 1, 3)),
    lambda L: L.nn.functional.conv1d(L.ones(1, 1, 0), L.ones(1, 1, 1), padding=1, dilation=2),
    lambda L: L.nn.functional.conv3d(L.ones(1, 1, 2, 0, 3), L.ones(1, 1, 1, 1, 1)),
])
def test_argument_and_empty_input_errors_in_torchs_order(call):
    # found by the regression fuzzing: torch checks the padding string and the weight's rank before expanding
    # stride, and refuses an empty spatial dim unless the batch or channel dim is empty too
    got = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            call(lib)
        got.append((type(info.value), str(info.value).split("\n")[0]))
    assert got[1] == got[0]


def test_an_empty_batch_convolves_to_an_empty_batch():
    out = []
    for lib in (torch, ember):
        x = lib.ones(0, 3, 4, 4, requires_grad=True)
        w = lib.ones(2, 3, 3, 3, requires_grad=True)
        b = lib.ones(2, requires_grad=True)
        y = lib.nn.functional.conv2d(x, w, b)
        y.sum().backward()
        out.append((tuple(y.shape), y.grad_fn.name(), tuple(x.grad.shape), w.grad.abs().sum().item(), b.grad.tolist()))
    assert out[1] == out[0]
