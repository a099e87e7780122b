"""next_functions list what torch's nodes list: absent optional tensors as (None, 0), no entry for a mask or
condition (the `_edge_rules` of ember/autograd/function.py)."""
import pytest
import torch

import ember

CASES = {
    "layer_norm_no_affine": lambda L, x, w: L.nn.functional.layer_norm(x, (5,)),
    "layer_norm_weight_only": lambda L, x, w: L.nn.functional.layer_norm(x, (5,), w),
    "layer_norm_bias_only": lambda L, x, w: L.nn.functional.layer_norm(x, (5,), None, w),
    "clamp_min_tensor_kw": lambda L, x, w: x.clamp(min=L.zeros(5)),
    "clamp_max_tensor_kw": lambda L, x, w: x.clamp(max=w),
    "clamp_both": lambda L, x, w: L.clamp(x, L.zeros(5), w),
    "clamp_min_method": lambda L, x, w: x.clamp_min(w),
    "where_tensor": lambda L, x, w: L.where(x > 0, x, w),
    "where_scalar_other": lambda L, x, w: L.where(x > 0, x, 0.0),
    "where_scalar_input": lambda L, x, w: L.where(x > 0, 1.0, x),
    "masked_fill_scalar": lambda L, x, w: x.masked_fill(x > 0, 1.0),
    "masked_fill_tensor": lambda L, x, w: x.masked_fill(x > 0, w.sum()),
    "masked_fill_const_tensor": lambda L, x, w: x.masked_fill(x > 0, L.tensor(1.0)),
}


def _structure(fn):
    return [(None if f is None else type(f).__name__, nr) for f, nr in fn.next_functions]


@pytest.mark.parametrize("name", sorted(CASES))
def test_next_functions_like_torch(name):
    got = []
    for lib in (torch, ember):
        x = lib.randn(4, 5, requires_grad=True)
        w = lib.ones(5, requires_grad=True)
        y = CASES[name](lib, x, w)
        got.append((type(y.grad_fn).__name__, _structure(y.grad_fn)))
        y.sum().backward()  # the listed-but-empty slots must not disturb backward
    assert got[1] == got[0]
