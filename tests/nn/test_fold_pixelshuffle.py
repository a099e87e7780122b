"""F.unfold/fold, F.pixel_shuffle/unshuffle and their modules against torch: values, grads, nodes, errors, reprs."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error, check_op

UNFOLD = [dict(kernel_size=(2, 3), padding=1, stride=2), dict(kernel_size=2), dict(kernel_size=3, dilation=2, padding=2),
          dict(kernel_size=(1, 4), stride=(3, 1))]


@pytest.mark.parametrize("kw", UNFOLD, ids=str)
@pytest.mark.parametrize("batched", [True, False])
def test_unfold_and_fold(kw, batched):
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6) if batched else (3, 5, 6))
    e, _ = check_op(lambda lib, x: lib.nn.functional.unfold(x, **kw), [x])
    cols = e.detach().numpy()
    check_op(lambda lib, c: lib.nn.functional.fold(c, (5, 6), **kw), [cols])


def test_fold_unfold_modules_and_errors():
    for L in (ember, torch):
        assert repr(L.nn.Unfold((2, 3), padding=1)) == "Unfold(kernel_size=(2, 3), dilation=1, padding=1, stride=1)"
        assert repr(L.nn.Fold((4, 5), 2)) == "Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)"
    check_error(lambda L: L.nn.functional.fold(L.zeros(2, 5, 7), (5, 6), (2, 3)))
    check_error(lambda L: L.nn.functional.fold(L.zeros(2, 12, 7), (5, 6), (2, 3)))
    check_error(lambda L: L.nn.functional.unfold(L.zeros(2, 3, 5, 6), (7, 7)))
    check_error(lambda L: L.nn.functional.unfold(L.zeros(2, 3, 5, 6), 2, stride=0))
    check_error(lambda L: L.nn.functional.unfold(L.zeros(5, 6), 2))


@pytest.mark.parametrize("shape,r", [((1, 8, 3, 3), 2), ((2, 3, 9, 2, 4), 3), ((18, 2, 2), 3)])
def test_pixel_shuffle_round_trip(shape, r):
    x = np.random.default_rng(1).standard_normal(shape)
    e, _ = check_op(lambda lib, x: lib.nn.functional.pixel_shuffle(x, r), [x])
    check_op(lambda lib, y: lib.nn.functional.pixel_unshuffle(y, r), [e.detach().numpy()])
    for L in (ember, torch):
        assert repr(L.nn.PixelShuffle(r)) == f"PixelShuffle(upscale_factor={r})"
        assert repr(L.nn.PixelUnshuffle(r)) == f"PixelUnshuffle(downscale_factor={r})"


def test_pixel_shuffle_errors():
    check_error(lambda L: L.nn.functional.pixel_shuffle(L.zeros(1, 7, 3, 3), 2))
    check_error(lambda L: L.nn.functional.pixel_unshuffle(L.zeros(1, 2, 5, 4), 2))
    check_error(lambda L: L.nn.functional.pixel_shuffle(L.zeros(7, 3), 2))
