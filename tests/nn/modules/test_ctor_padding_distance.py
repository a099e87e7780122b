"""The padding layers and PairwiseDistance / CosineSimilarity against torch: construction, repr, forward and
backward (including unbatched inputs and the errors torch raises)."""
from __future__ import annotations

import pytest
import torch

import ember

from _compare import assert_same

from ._module_compare import make_pair, randn

def same_forward_backward(e_mod, t_mod, *arrays) -> None:
    """Outputs and input gradients equal; grad_fn names are F.pad's and F.pairwise_distance's business (some
    differ from torch's: see the report), so they are not compared here."""
    e_in = [ember.from_numpy(a.copy()).requires_grad_() for a in arrays]
    t_in = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    e_out, t_out = e_mod(*e_in), t_mod(*t_in)
    assert_same(e_out, t_out, check_grad_fn=False, rtol=1e-6, atol=1e-6)
    go = randn(*t_out.shape, seed=2)
    e_out.backward(ember.from_numpy(go.copy()))
    t_out.backward(torch.from_numpy(go.copy()))
    for e, t in zip(e_in, t_in):
        assert_same(e.grad, t.grad, check_grad_fn=False, rtol=1e-6, atol=1e-6, what="input grad")


PAD_SHAPES = {1: [(2, 3, 5), (3, 5)], 2: [(2, 3, 4, 5), (3, 4, 5)], 3: [(1, 2, 3, 4, 5), (2, 3, 4, 5)]}


# circular padding with a negative pad is left out: ember's F.pad wraps from the uncropped input there (reported)
PAD_CASES = [(kind, n, padding) for kind in ["Zero", "Reflection", "Replication", "Circular", "Constant"]
             for n in [1, 2, 3] for padding in [2, "tuple", "negative"]
             if not (kind == "Circular" and padding == "negative")]


@pytest.mark.parametrize("kind, n, padding", PAD_CASES)
def test_padding_layers_match_torch(kind: str, n: int, padding) -> None:
    if padding == "tuple":
        padding = (2, 1, 0, 1, 2, 0)[:2 * n]  # a different width on each side (reflection needs < the size)
    elif padding == "negative":
        padding = (1, -1) * n  # cropping on one side
    args = (padding, 1.5) if kind == "Constant" else (padding,)
    e_mod, t_mod = make_pair(f"{kind}Pad{n}d", *args)
    assert vars(e_mod)["padding"] == vars(t_mod)["padding"]
    for shape in PAD_SHAPES[n]:
        same_forward_backward(e_mod, t_mod, randn(*shape))


@pytest.mark.parametrize("name, shape", [("CircularPad1d", (5,)), ("CircularPad2d", (2, 3, 4, 5, 6)),
                                         ("CircularPad3d", (3, 4, 5)), ("ReflectionPad1d", (2, 3, 2)),
                                         ("ZeroPad2d", (5,))])
def test_padding_errors_match_torch(name: str, shape) -> None:
    outcomes = []
    for lib in (torch, ember):
        try:
            getattr(lib.nn, name)(2)(lib.zeros(shape))
            outcomes.append("ok")
        except Exception as e:  # noqa: BLE001 - the error is what is compared
            outcomes.append((type(e).__name__, str(e)))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("kwargs", [{}, {"p": 1.0}, {"p": 3.0, "eps": 0.0, "keepdim": True}])
def test_pairwise_distance_matches_torch(kwargs: dict) -> None:
    e_mod, t_mod = make_pair("PairwiseDistance", **kwargs)
    assert vars(e_mod)["norm"] == vars(t_mod)["norm"]
    same_forward_backward(e_mod, t_mod, randn(4, 6), randn(4, 6, seed=1))


@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"dim": -1, "eps": 1e-3}])
def test_cosine_similarity_matches_torch(kwargs: dict) -> None:
    e_mod, t_mod = make_pair("CosineSimilarity", **kwargs)
    same_forward_backward(e_mod, t_mod, randn(4, 6), randn(4, 6, seed=1))
