"""ember._ops._broadcast against torch: result dtypes of two operands (torch.result_type), the broadcast error
message, and sum_to_shape (the gradient of an expand)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis.extra import numpy as hnp

import ember
from ember._ops._broadcast import broadcast_error, result_np_dtype, sum_to_shape

DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32, np.float64]
SCALARS = [True, 3, -200, 2.5, 1e300]


@pytest.mark.parametrize("da,db", list(itertools.product(DTYPES, DTYPES)))
@pytest.mark.parametrize("dims", [(1, 1), (0, 1), (1, 0), (0, 0)], ids=["vec_vec", "0d_vec", "vec_0d", "0d_0d"])
def test_result_type_tensors(da, db, dims):
    a, b = np.zeros((2,) * dims[0], da), np.zeros((2,) * dims[1], db)
    want = torch.result_type(torch.from_numpy(a), torch.from_numpy(b))
    assert str(ember.from_numpy(np.zeros(1, result_np_dtype(a, b))).dtype) == str(want)


@pytest.mark.parametrize("da", DTYPES)
@pytest.mark.parametrize("s", SCALARS, ids=[repr(s) for s in SCALARS])
@pytest.mark.parametrize("default", ["float32", "float64"])
def test_result_type_scalar(da, s, default):
    ember.set_default_dtype(getattr(ember, default))
    torch.set_default_dtype(getattr(torch, default))
    a = np.zeros(2, da)
    want = torch.result_type(torch.from_numpy(a), s)
    got = ember.from_numpy(np.zeros(1, result_np_dtype(a, s))).dtype
    assert str(got) == str(want)


@settings(max_examples=50, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=3))
def test_sum_to_shape_is_expand_backward(shapes):
    """sum_to_shape(g, s) equals the gradient torch computes through x.expand."""
    out_shape = shapes.result_shape
    for shape in shapes.input_shapes:
        x = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
        g = np.random.default_rng(0).standard_normal(out_shape)
        (want,) = torch.autograd.grad(x.expand(out_shape), x, torch.from_numpy(g))
        got = sum_to_shape(g, tuple(shape))
        assert got.shape == tuple(want.shape)
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sa,sb", [((2, 3), (4,)), ((5, 1, 3), (2, 4, 3)), ((3,), (2, 2)), ((2, 3, 4), (3, 3, 4)),
                                   ((0,), (2,)), ((1, 2), (3, 3))])
def test_broadcast_error_message(sa, sb):
    with pytest.raises(RuntimeError) as t:
        torch.zeros(sa) + torch.zeros(sb)
    assert str(broadcast_error(sa, sb)) == str(t.value)
