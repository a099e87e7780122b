"""``randperm``'s loop-free swap application (``ember._rng.randperm._perm_from_offsets``) against the
swap loop it replaces, on offsets chosen to stress each part: long parent chains inside one block
(``_roots``' jumping rounds), many hits on one position, self-swaps, and random draws spanning
many blocks. ``tests/test_random.py`` compares whole ``randperm`` calls with torch."""
from __future__ import annotations

import numpy as np
import pytest

from ember._rng.randperm import _perm_from_offsets


def _loop(z: np.ndarray) -> np.ndarray:
    r = list(range(z.size + 1))
    for i, zi in enumerate(z.tolist()):
        j = i + zi
        r[i], r[j] = r[j], r[i]
    return np.array(r, dtype=np.int64)


def _offsets(kind: str, n: int) -> np.ndarray:
    i = np.arange(n - 1, dtype=np.int64)
    left = n - i  # z[i] < n - i
    if kind == "next":  # j = i + 1: every step hits the next position, one chain of depth n
        z = np.ones(n - 1, dtype=np.int64)
    elif kind == "self":
        z = np.zeros(n - 1, dtype=np.int64)
    elif kind == "last":  # every step hits position n - 1
        z = left - 1
    elif kind == "mixed":  # runs of short hops, self-swaps and long jumps
        rng = np.random.default_rng(n)
        z = np.where(rng.random(n - 1) < 0.5, np.minimum(rng.integers(0, 4, n - 1), left - 1),
                     rng.integers(0, 1 << 62, n - 1) % left)
    else:
        z = np.random.default_rng(n).integers(0, 1 << 62, n - 1) % left
    return z.astype(np.uint32)


@pytest.mark.parametrize("kind", ["next", "self", "last", "mixed", "random"])
@pytest.mark.parametrize("n", [2, 3, 17, 1025, 5000, 40000])
def test_against_swap_loop(kind, n):
    z = _offsets(kind, n)
    assert np.array_equal(_perm_from_offsets(z), _loop(z))


def test_denormals_are_zero_mode():
    # The sort keys are read as float64 (see randperm._HI_BIAS); with the CPU's denormals-are-zero mode
    # on, keys with subnormal bit patterns would compare equal and the sort would scramble them.
    torch = pytest.importorskip("torch")
    if not torch.set_flush_denormal(True):
        pytest.skip("no flush-denormal mode on this CPU")
    try:
        z = _offsets("random", 5000)
        assert np.array_equal(_perm_from_offsets(z), _loop(z))
    finally:
        torch.set_flush_denormal(False)
