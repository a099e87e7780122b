"""Flatten and Unflatten vs torch."""
from __future__ import annotations

import pytest

from _compare import check_error

from ._module_compare import check_module, make_pair, randn


@pytest.mark.parametrize("args", [(), (0,), (1, 2), (0, -1), (-2, -1), (2, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_flatten(args, dtype):
    e, t = make_pair("Flatten", *args)
    for train in (True, False):
        check_module(e, t, randn(2, 3, 4, 5, dtype=dtype), train=train)


@pytest.mark.parametrize("dim,sizes", [(1, (2, 3)), (-1, (5, 1)), (0, [2, 1]), (1, (-1, 3)), (2, (5,))])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unflatten(dim, sizes, dtype):
    e, t = make_pair("Unflatten", dim, sizes)
    check_module(e, t, randn(2, 6, 5, dtype=dtype))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.Unflatten(1, 6),
    lambda lib: lib.nn.Unflatten(1, (2.0, 3)),
    lambda lib: lib.nn.Unflatten(1, (2, 4))(lib.randn(2, 6)),
    lambda lib: lib.nn.Flatten(3)(lib.randn(2, 6)),
    lambda lib: lib.nn.Flatten(2, 1)(lib.randn(2, 6, 3)),
])
def test_errors(fn):
    check_error(fn)
