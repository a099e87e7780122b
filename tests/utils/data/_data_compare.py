"""Shared by the ``utils.data`` tests: compare nested batches and RNG states of ember and torch."""
from __future__ import annotations

import numpy as np
import torch

import ember
import ember.utils.data  # noqa: F401  (makes ember.utils.data reachable like torch.utils.data)
from _compare import assert_same

LIBS = (ember, torch)


def same(e, t, what: str = "batch") -> None:
    """``e`` (ember) equals ``t`` (torch): same container types, tensor values/dtypes/shapes, equal leaves."""
    if isinstance(t, torch.Tensor):
        assert_same(e, t, check_grad_fn=False, what=what)
        return
    assert type(e).__name__ == type(t).__name__, f"{what}: {type(e).__name__} != {type(t).__name__}"
    if isinstance(t, dict):
        assert list(e) == list(t), f"{what}: keys {list(e)} != {list(t)}"
        for k in t:
            same(e[k], t[k], f"{what}[{k!r}]")
    elif isinstance(t, (list, tuple)):
        assert len(e) == len(t), f"{what}: length {len(e)} != {len(t)}"
        for i, (a, b) in enumerate(zip(e, t)):
            same(a, b, f"{what}[{i}]")
    elif isinstance(t, np.ndarray):
        np.testing.assert_array_equal(e, t)
    else:
        assert e == t, f"{what}: {e!r} != {t!r}"


def seed_both(seed: int) -> None:
    ember.manual_seed(seed)
    torch.manual_seed(seed)


def same_rng_state() -> None:
    """The global generators were consumed identically."""
    a = ember.get_rng_state().numpy().tobytes()
    b = torch.get_rng_state().numpy().tobytes()
    assert a == b, "global RNG state differs from torch's"


def run_both(fn, seed: int = 0):
    """``fn(lib)`` for ember and torch from the same global seed; checks results and RNG state match."""
    seed_both(seed)
    t_out = fn(torch)
    e_out = fn(ember)
    same(e_out, t_out)
    same_rng_state()
    return e_out, t_out


def raises_like(fn) -> None:
    """``fn(lib)`` raises the same exception type and message in ember as in torch."""
    from _compare import check_error
    check_error(fn)
