"""3-D pooling (max, avg, adaptive avg/max; functional and modules) against torch: values, indices, grads, nodes,
reprs and torch's errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from ember._ops.nn import pooling3d as P
from tests._compare import check_error, check_op


def _x(shape, dtype=np.float64, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    if ties:  # few distinct values: many equal maxima in a window
        return rng.integers(0, 3, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _F(lib):
    return P if lib is ember else lib.nn.functional


MAX = [
    ((2, 3, 6, 6, 6), dict(kernel_size=2)),
    ((2, 2, 7, 6, 5), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 2, 8, 7, 9), dict(kernel_size=(3, 2, 2), stride=(2, 1, 3), padding=(1, 0, 1), dilation=(2, 1, 2))),
    ((2, 2, 7, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 2, 5, 5, 5), dict(kernel_size=2, ceil_mode=True)),
    ((3, 4, 5, 4), dict(kernel_size=2, stride=1)),                           # unbatched (C, D, H, W)
    ((1, 1, 9, 9, 9), dict(kernel_size=3, dilation=2, padding=1, stride=3, ceil_mode=True)),
    ((2, 1, 4, 5, 6), dict(kernel_size=[2], stride=[1], padding=[1], dilation=[1])),
    ((0, 2, 4, 4, 4), dict(kernel_size=2)),                                  # empty batch
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("shape,kw", MAX, ids=str)
def test_max_pool3d(shape, kw, ties, dtype):
    x = _x(shape, dtype, ties=ties)
    out, _ = check_op(lambda lib, x: _F(lib).max_pool3d(x, return_indices=True, **kw), [x])
    check_op(lambda lib, x: _F(lib).max_pool3d(x, **kw), [x])
    check_op(lambda lib, x: _F(lib).max_pool3d_with_indices(x, **kw), [x])
    assert out[0].grad_fn.name() == "MaxPool3DWithIndicesBackward0" and out[1].dtype == ember.int64


def test_max_pool3d_special_values():
    # NaN: the last NaN of a window wins; -inf everywhere: the window's first in-bounds position (never the padding)
    x = _x((1, 2, 4, 5, 4))
    x[0, 0, 1, 1, 1] = x[0, 0, 1, 2, 2] = np.nan
    x[0, 1] = -np.inf
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=2, ceil_mode=True)):
        check_op(lambda lib, x: _F(lib).max_pool3d(x, return_indices=True, **kw), [x])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_max_pool3d_integers(dtype):
    x = np.random.default_rng(1).integers(0 if dtype == np.uint8 else -9, 9, (1, 2, 4, 4, 5)).astype(dtype)
    check_op(lambda lib, x: _F(lib).max_pool3d(x, 2, 1, 1, return_indices=True), [x])
    x = np.full((1, 1, 2, 2, 2), np.iinfo(dtype).min, dtype)      # the smallest value still reports a position
    check_op(lambda lib, x: _F(lib).max_pool3d(x, 2, 1, 1, return_indices=True), [x])


AVG = [
    ((2, 3, 6, 6, 6), dict(kernel_size=2)),
    ((2, 2, 7, 6, 5), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 2, 7, 6, 5), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((1, 2, 8, 7, 9), dict(kernel_size=(3, 2, 4), stride=(2, 1, 3), padding=(1, 0, 2))),
    ((2, 2, 7, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((2, 2, 7, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ((1, 2, 5, 5, 5), dict(kernel_size=2, ceil_mode=True, divisor_override=3)),
    ((3, 4, 5, 4), dict(kernel_size=2, stride=1, padding=1, divisor_override=5)),   # unbatched
    ((2, 1, 4, 5, 6), dict(kernel_size=[2], stride=None, padding=[1])),
    ((0, 2, 4, 4, 4), dict(kernel_size=2)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,kw", AVG, ids=str)
def test_avg_pool3d(shape, kw, dtype):
    out, _ = check_op(lambda lib, x: _F(lib).avg_pool3d(x, **kw), [_x(shape, dtype)])
    assert out.grad_fn is None or out.grad_fn.name() == "AvgPool3DBackward0"


def test_avg_pool3d_integers():
    # C's integer division, truncating toward zero
    x = np.random.default_rng(2).integers(-20, 20, (1, 2, 5, 4, 5))
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
               dict(kernel_size=2, divisor_override=3, ceil_mode=True)):
        check_op(lambda lib, x: _F(lib).avg_pool3d(x, **kw), [x])


ADAPTIVE = [
    ((2, 3, 6, 6, 6), (2, 3, 4)),
    ((2, 2, 7, 5, 9), (3, 3, 3)),
    ((1, 2, 5, 7, 4), (5, 7, 4)),          # the input's size: windows of one
    ((1, 2, 5, 7, 4), (4, 6, 3)),          # overlapping windows
    ((1, 2, 3, 4, 5), (7, 9, 8)),          # bigger than the input
    ((2, 6, 5, 4), (2, 1, 3)),             # unbatched
    ((1, 2, 5, 6, 7), (None, 2, None)),
    ((1, 2, 5, 6, 7), 2),
    ((0, 2, 5, 6, 7), (2, 2, 3)),          # empty batch
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,size", ADAPTIVE, ids=str)
def test_adaptive_avg_pool3d(shape, size, dtype):
    check_op(lambda lib, x: _F(lib).adaptive_avg_pool3d(x, size), [_x(shape, dtype)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("shape,size", ADAPTIVE, ids=str)
def test_adaptive_max_pool3d(shape, size, ties, dtype):
    x = _x(shape, dtype, ties=ties)
    check_op(lambda lib, x: _F(lib).adaptive_max_pool3d(x, size, return_indices=True), [x])
    check_op(lambda lib, x: _F(lib).adaptive_max_pool3d_with_indices(x, size), [x])
    check_op(lambda lib, x: _F(lib).adaptive_max_pool3d(x, size), [x])


@pytest.mark.parametrize("name", ["adaptive_avg_pool3d", "adaptive_max_pool3d"])
@pytest.mark.parametrize("shape,size", [((1, 2, 5, 6, 7), (0, 2, 3)), ((2, 5, 6, 7), (2, 0, 3))])
def test_adaptive_empty_output(name, shape, size):
    # an empty output is fine forward; torch's backward kernels refuse it
    check_op(lambda lib, x: getattr(_F(lib), name)(x, size), [_x(shape)], grad=False)

    def backward(lib):
        x = lib.zeros(shape, requires_grad=True)
        getattr(_F(lib), name)(x, size).sum().backward()
    check_error(backward)


def test_adaptive_special_values_and_nodes():
    x = _x((1, 2, 5, 4, 6))
    x[0, 0, 1, 1, 1] = x[0, 0, 1, 2, 3] = x[0, 0, 4, 0, 0] = np.nan
    x[0, 1, :3] = -np.inf
    check_op(lambda lib, x: _F(lib).adaptive_max_pool3d(x, (2, 3, 4), True), [x])
    check_op(lambda lib, x: _F(lib).adaptive_max_pool3d(x, 1, True), [x])
    e = P.adaptive_avg_pool3d(ember.tensor(_x((2, 2, 3, 3, 3)), requires_grad=True), (2, 2, 2))
    assert e.grad_fn.name() == "AdaptiveAvgPool3DBackward0"
    m = P.adaptive_max_pool3d(ember.tensor(_x((2, 2, 3, 3, 3)), requires_grad=True), 1)
    assert m.grad_fn.name() == "AdaptiveMaxPool3DBackward0"
    for shape in ((2, 3, 4, 5, 6), (3, 4, 5, 6), (4, 5, 6)):  # a 1x1x1 output is torch's mean (MeanBackward1)
        check_op(lambda lib, x: _F(lib).adaptive_avg_pool3d(x, 1), [_x(shape, np.float32)])
        if len(shape) > 3:  # a 3-element size needs 4 dims
            check_op(lambda lib, x: _F(lib).adaptive_avg_pool3d(x, (1, 1, 1)), [_x(shape)])


def test_float16():
    x = _x((1, 2, 4, 5, 4), np.float16)
    check_op(lambda lib, x: _F(lib).max_pool3d(x, 2, return_indices=True), [x])
    check_op(lambda lib, x: _F(lib).adaptive_max_pool3d(x, (2, 3, 2), return_indices=True), [x])
    check_op(lambda lib, x: _F(lib).adaptive_avg_pool3d(x, (2, 3, 2)), [x])


ERRORS = [
    ("max_pool3d", (3, 6, 6), (2,), {}),
    ("max_pool3d", (1, 1, 3, 6, 6, 6), (2,), {}),
    ("max_pool3d", (2, 3, 6, 6, 6), (2,), dict(padding=2)),
    ("max_pool3d", (2, 3, 6, 6, 6), (3,), dict(padding=2, dilation=2)),
    ("max_pool3d", (2, 3, 6, 6, 6), ((2, 2),), {}),
    ("max_pool3d", (2, 3, 6, 6, 6), (2,), dict(stride=(2, 2))),
    ("max_pool3d", (2, 3, 6, 6, 6), (2,), dict(padding=(1, 1))),
    ("max_pool3d", (2, 3, 6, 6, 6), (2,), dict(dilation=(1, 1))),
    ("max_pool3d", (2, 3, 6, 6, 6), (0,), {}),
    ("max_pool3d", (2, 3, 6, 6, 6), (0,), dict(stride=1)),
    ("max_pool3d", (2, 3, 6, 6, 6), (2,), dict(stride=0)),
    ("max_pool3d", (2, 3, 6, 6, 6), (2,), dict(stride=-1)),
    ("max_pool3d", (2, 3, 6, 6, 6), (2,), dict(dilation=0)),
    ("max_pool3d", (2, 3, 6, 6, 6), (2,), dict(padding=-1)),
    ("max_pool3d", (2, 3, 6, 6, 6), (7,), {}),
    ("max_pool3d", (2, 3, 1, 6, 6), (2,), {}),
    ("max_pool3d", (2, 0, 4, 4, 4), (2,), {}),
    ("max_pool3d", (0, 4, 4, 4), (2,), {}),
    ("avg_pool3d", (3, 6, 6), (2,), {}),
    ("avg_pool3d", (3, 6, 6), (2,), dict(divisor_override=0)),
    ("avg_pool3d", (2, 3, 6, 6, 6), (2,), dict(divisor_override=0, stride=0)),
    ("avg_pool3d", (2, 3, 6, 6, 6), (7,), {}),
    ("avg_pool3d", (2, 3, 1, 6, 6), (2,), dict(padding=1)),      # torch compares the kernel with the unpadded input
    ("avg_pool3d", (2, 3, 6, 6, 6), (2,), dict(padding=2)),
    ("avg_pool3d", (2, 3, 6, 6, 6), ((2, 2),), {}),
    ("avg_pool3d", (2, 3, 6, 6, 6), (2,), dict(stride=(2, 2))),
    ("avg_pool3d", (2, 3, 6, 6, 6), (2,), dict(padding=(1, 1))),
    ("avg_pool3d", (2, 3, 6, 6, 6), (0,), dict(stride=1)),
    ("avg_pool3d", (2, 3, 6, 6, 6), (3,), dict(padding=-1)),
    ("avg_pool3d", (2, 3, 0, 4, 4), (2,), {}),
    ("adaptive_avg_pool3d", (3, 6, 6), (2,), {}),
    ("adaptive_avg_pool3d", (3, 0, 6), (2,), {}),
    ("adaptive_avg_pool3d", (2, 3, 0, 4, 4), (2,), {}),
    ("adaptive_avg_pool3d", (2, 3, 6, 6, 6), ((2, 2),), {}),
    ("adaptive_avg_pool3d", (2, 3, 6, 6, 6), ((2, 2, -1),), {}),
    ("adaptive_avg_pool3d", (6, 6), ((2, 2, 2),), {}),
    ("adaptive_avg_pool3d", (6, 6), (1,), {}),
    ("adaptive_max_pool3d", (3, 6, 6), (2,), {}),
    ("adaptive_max_pool3d", (3, 0, 6), (2,), {}),
    ("adaptive_max_pool3d", (2, 3, 0, 4, 4), (2,), {}),
    ("adaptive_max_pool3d", (2, 3, 6, 6, 6), ((2, 2),), {}),
    ("adaptive_max_pool3d", (2, 3, 6, 6, 6), ((2, 2, -1),), {}),
    ("adaptive_max_pool3d", (1, 6, 6, 6), ((2, -1, -2),), {}),
    ("adaptive_max_pool3d", (6, 6), ((2, 2, 2),), {}),
]


@pytest.mark.parametrize("name,shape,args,kw", ERRORS, ids=str)
def test_errors(name, shape, args, kw):
    check_error(lambda lib: getattr(_F(lib), name)(lib.zeros(shape), *args, **kw))


@pytest.mark.parametrize("name,dtype", [("max_pool3d", "bool"), ("avg_pool3d", "bool"), ("avg_pool3d", "float16"),
                                        ("avg_pool3d", "int32"), ("adaptive_avg_pool3d", "int8"),
                                        ("adaptive_avg_pool3d", "int64"), ("adaptive_max_pool3d", "int64"),
                                        ("adaptive_max_pool3d", "bool"), ("adaptive_avg_pool3d", "bool")])
def test_dtype_errors(name, dtype):
    check_error(lambda lib: getattr(_F(lib), name)(lib.zeros(1, 1, 4, 4, 4, dtype=getattr(lib, dtype)), 2))


# --- modules ---------------------------------------------------------------------------------------

MODULES = [
    ("MaxPool3d", (2,), {}, (2, 2, 4, 5, 4)),
    ("MaxPool3d", ((2, 3, 1),), dict(stride=1, padding=(1, 0, 0), dilation=2, ceil_mode=True), (1, 2, 6, 5, 4)),
    ("MaxPool3d", (3,), dict(stride=2, padding=1, return_indices=True), (2, 5, 6, 5)),
    ("AvgPool3d", (2,), {}, (2, 2, 4, 5, 4)),
    ("AvgPool3d", ((2, 3, 1),), dict(stride=None, padding=(1, 1, 0), ceil_mode=True, count_include_pad=False,
                                     divisor_override=None), (1, 2, 6, 5, 4)),
    ("AvgPool3d", (3,), dict(stride=(1, 2, 2), padding=1, divisor_override=4), (2, 5, 6, 5)),
    ("AdaptiveAvgPool3d", ((None, 2, 3),), {}, (2, 2, 4, 5, 4)),
    ("AdaptiveAvgPool3d", (1,), {}, (2, 5, 6, 5)),
    ("AdaptiveMaxPool3d", (2,), {}, (2, 2, 4, 5, 4)),
    ("AdaptiveMaxPool3d", ((3, None, 2),), dict(return_indices=True), (2, 5, 6, 5)),
]


@pytest.mark.parametrize("cls,args,kw,shape", MODULES, ids=str)
def test_modules(cls, args, kw, shape):
    mods = {lib: getattr(lib.nn, cls)(*args, **kw) for lib in (torch, ember)}
    assert repr(mods[ember]) == repr(mods[torch])
    for attr, value in vars(mods[torch]).items():
        if not attr.startswith("_") and attr != "training":
            assert getattr(mods[ember], attr) == value, attr
    check_op(lambda lib, x: mods[lib](x), [_x(shape)])


def test_avg_pool3d_setstate_defaults():
    # torch's AvgPool3d fills in options missing from old pickles
    m = ember.nn.AvgPool3d(2)
    state = dict(m.__dict__)
    for k in ("padding", "ceil_mode", "count_include_pad"):
        del state[k]
    m2 = ember.nn.AvgPool3d.__new__(ember.nn.AvgPool3d)
    m2.__setstate__(state)
    assert (m2.padding, m2.ceil_mode, m2.count_include_pad) == (0, False, True)


def test_exports():
    names = ["max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d", "max_pool3d_with_indices",
             "adaptive_max_pool3d_with_indices"]
    for name in names:
        assert getattr(ember.nn.functional, name) is getattr(P, name) and name in ember.nn.functional.__all__
    for cls in ("MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d"):
        assert cls in ember.nn.modules.__all__ and getattr(ember.nn, cls) is getattr(ember.nn.modules.pooling, cls)
