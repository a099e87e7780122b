"""In-place ops through views of tensors that require grad (torch's CopySlices), and out=."""
import numpy as np
import pytest
import torch

import ember
from _compare import check_error, check_op


def r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


CASES = {
    "row_mul_": lambda lib, a: _then(a * 2, lambda h: h[0].mul_(3)),
    "col_zero_": lambda lib, a: _then(a * 2, lambda h: h[:, 1].zero_()),
    "iadd_row": lambda lib, a: _then(a * 1, lambda h: h.__setitem__(1, h[1].__iadd__(h[0]))),
    "slice_add_tensor": lambda lib, a: _then(a + 1, lambda h: h[1:, ::2].add_(a[:2, :2])),
    "transposed_view": lambda lib, a: _then(a * 3, lambda h: h.t()[0].sigmoid_()),
    "nested_view": lambda lib, a: _then(a * 1, lambda h: h[1:][0].clamp_(min=0.0)),
    "setitem_into_view": lambda lib, a: _then(a * 2, lambda h: h[2].__setitem__(slice(0, 2), a[0, :2] * 5)),
}


def _then(h, fn):
    fn(h)
    return h


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_inplace_on_view_matches_torch(name, dtype):
    check_op(CASES[name], [r(3, 4).astype(dtype)])


def test_view_and_base_names_follow_torch():
    for lib in (torch, ember):
        x = lib.ones(2, 3, requires_grad=True)
        h = x * 2
        v = h[0]
        v.mul_(3)
        assert h.grad_fn.name() == "torch::autograd::CopySlices"
        assert v.grad_fn.name() == "AsStridedBackward0"


def test_view_inplace_on_saved_output_is_detected():
    def run(lib):
        a = lib.ones(3, 4, requires_grad=True)
        h = a.exp()
        h[1:, ::2].add_(1)
        h.sum().backward()
    check_error(run)


def test_view_of_leaf_errors():
    def run(lib):
        x = lib.ones(2, 3, requires_grad=True)
        x[0].add_(1)
    check_error(run)


def test_view_inplace_under_no_grad_writes_base():
    for lib in (torch, ember):
        x = lib.ones(2, 3, requires_grad=True)
        with lib.no_grad():
            x[0].mul_(5)
        assert x.is_leaf and x.sum().item() == 18.0


def test_out_argument():
    for lib in (torch, ember):
        out = lib.zeros(3)
        res = lib.add(lib.ones(3), 2, out=out)
        assert res is out and out.tolist() == [3.0, 3.0, 3.0]
    check_error(lambda lib: lib.add(lib.ones(3, requires_grad=True), 1, out=lib.zeros(3)))


@pytest.mark.parametrize("op, args", [("unsqueeze_", (1,)), ("squeeze_", ()), ("squeeze_", (1,)), ("squeeze_", ((1,),)),
                                      ("t_", ()), ("transpose_", (0, 1))])
def test_shape_ops_in_place(op, args):
    out = []
    for lib in (torch, ember):
        a = lib.from_numpy(r(2, 1) if op == "squeeze_" else r(2, 3)).requires_grad_()
        h = a * 2
        res = getattr(h, op)(*args)
        assert res is h
        name = type(h.grad_fn).__name__  # torch names the in-place overloads apart (UnsqueezeBackward1, ...)
        (h * h).sum().backward()
        out.append((tuple(h.shape), name, a.grad.numpy().copy()))
    assert out[0][:2] == out[1][:2]
    np.testing.assert_allclose(out[1][2], out[0][2])


@pytest.mark.parametrize("changed", ["self_partner_no_grad", "other_needed", "both_same"])
def test_mul_saves_an_input_only_for_its_partners_grad(changed):
    """torch's MulBackward0 saves `other` for self's grad and `self` for other's: changing in place an input
    whose partner needs no grad is no error; changing one that a grad needs is."""
    outcome = []
    for lib in (torch, ember):
        w = lib.ones(3, requires_grad=True)
        x, y = w * 1, lib.full((3,), 2.0)
        z = x * x if changed == "both_same" else x * y
        (y if changed == "other_needed" else x).add_(1)
        try:
            z.sum().backward()
            outcome.append(("ok", w.grad.tolist()))
        except RuntimeError as e:
            outcome.append(("error", "modified by an inplace operation" in str(e)))
    assert outcome[0] == outcome[1]
