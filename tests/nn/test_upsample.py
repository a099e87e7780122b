"""F.interpolate / nn.Upsample against torch: values (nearest bit for bit), grads, nodes, argument errors, reprs."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error, check_op

CASES = [
    ((2, 3, 4, 5), dict(scale_factor=2)),
    ((2, 3, 4, 5), dict(size=(7, 9))),
    ((2, 3, 4, 5), dict(size=(7, 9), mode="nearest-exact")),
    ((2, 3, 5), dict(scale_factor=1.7)),
    ((2, 2, 4), dict(scale_factor=3, mode="nearest-exact")),
    ((2, 3, 4, 5), dict(size=(7, 9), mode="bilinear")),
    ((2, 3, 4, 5), dict(size=(7, 3), mode="bilinear", align_corners=True)),
    ((2, 3, 6, 6), dict(scale_factor=0.5, mode="bilinear")),
    ((1, 1, 5, 5), dict(scale_factor=(1.3, 2.7), mode="bilinear")),
    ((2, 3, 5), dict(size=11, mode="linear")),
    ((2, 3, 5), dict(size=1, mode="linear", align_corners=True)),
    ((1, 1, 5, 5), dict(scale_factor=1.3, recompute_scale_factor=True)),
    ((2, 3, 6, 6), dict(size=(3, 2), mode="area")),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_values_grads_nodes(case, dtype):
    shape, kw = case
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    e, t = check_op(lambda lib, x: lib.nn.functional.interpolate(x, **kw), [x])
    if kw.get("mode", "nearest").startswith("nearest"):
        assert np.array_equal(e.detach().numpy(), t.detach().numpy())  # a gather: torch's values to the bit


ERRORS = [
    ((1, 1, 4, 4), dict(size=3, scale_factor=2)),
    ((1, 1, 4, 4), dict()),
    ((1, 1, 4, 4), dict(size=(2, 3, 4))),
    ((1, 1, 4, 4), dict(scale_factor=(2, 3, 4))),
    ((1, 1, 4, 4), dict(size=3, mode="nearest", align_corners=True)),
    ((1, 1, 4, 4), dict(size=3, mode="foo")),
    ((1, 1, 4), dict(size=3, mode="bilinear")),
    ((1, 1, 4, 4), dict(size=3, mode="linear")),
    ((1, 1, 4, 4), dict(size=3, recompute_scale_factor=True)),
    ((1, 1, 4), dict(size=3, mode="bilinear", antialias=True)),
    ((1, 1, 4, 4), dict(size=(2.5, 3))),
]


@pytest.mark.parametrize("case", ERRORS, ids=str)
def test_errors(case):
    shape, kw = case
    check_error(lambda lib: lib.nn.functional.interpolate(lib.zeros(*shape), **kw))


def test_modules_repr_and_forward():
    x = np.random.default_rng(1).standard_normal((1, 2, 3, 4)).astype(np.float32)
    for make in (lambda L: L.nn.Upsample(scale_factor=2), lambda L: L.nn.Upsample(size=(3, 4), mode="bilinear",
                                                                                 align_corners=True),
                 lambda L: L.nn.UpsamplingNearest2d(scale_factor=2), lambda L: L.nn.UpsamplingBilinear2d(size=5),
                 lambda L: L.nn.Upsample(scale_factor=(2, 3))):
        assert repr(make(ember)) == repr(make(torch))
        check_op(lambda lib, x: make(lib)(x), [x])
