"""``ember._rng.fma.fma32`` against an exact (Fraction) reference and torch where the result is a float32
subnormal: float32 rounds at 2**-149 there, so the float64 sum's ties sit where the 29-bit midpoint test
does not look; ``fma32`` finds them through the cast's underflow flag."""
from __future__ import annotations

import numpy as np
import torch

from _exact32 import fma_exact, subnormal_tie_operands, tiny_operands
from ember._rng.fma import fma32, subnormal_ties


def _same(x: np.ndarray, y: np.ndarray) -> bool:
    return x.dtype == y.dtype == np.float32 and np.array_equal(x.view(np.int32), y.view(np.int32))


def test_subnormal_ties_rounded_once():
    a, b, c = subnormal_tie_operands(4000)
    want = fma_exact(a, b, c)
    plain = (a.astype(np.float64) * b + c).astype(np.float32)
    assert (plain != want).sum() > 200  # the cases do need the repair
    assert _same(fma32(a, b, c), want)
    assert _same(torch.from_numpy(c.copy()).addcmul_(torch.from_numpy(a), torch.from_numpy(b)).numpy(), want)


def test_tiny_results_and_cancellations():
    a, b, c = tiny_operands(4000)
    want = fma_exact(a, b, c)
    assert (np.abs(want) < 2.0 ** -126).mean() > 0.2
    assert _same(fma32(a, b, c), want)


def test_layouts_and_broadcast_scalars():
    """Repairs land on the right elements whatever the arrays' layout (a Fortran-ordered result included)."""
    a, b, c = (v.reshape(50, 40) for v in subnormal_tie_operands(2000, seed=3))
    want = fma_exact(a, b, c)
    got = fma32(np.asfortranarray(a), np.asfortranarray(b), np.asfortranarray(c))
    assert _same(np.ascontiguousarray(got), want)
    b0 = b[0, 0]
    assert _same(fma32(a, b0, c), fma_exact(a, b0, c))


def test_user_errstate_is_kept():
    """A caller's ``under='raise'`` neither leaks an error out of fma32 nor changes its result."""
    a, b, c = subnormal_tie_operands(500, seed=4)
    with np.errstate(under="raise"):
        got = fma32(a, b, c)
        assert np.geterr()["under"] == "raise"
    assert _same(got, fma_exact(a, b, c))


def test_subnormal_ties_finds_exactly_the_odd_multiples_of_2_to_minus_150():
    k = np.array([1, 2, 3, 2 ** 24 - 1, 2 ** 24 + 1, 2 ** 25 - 1, 5, 6])
    s = np.concatenate([k * 2.0 ** -150, -k * 2.0 ** -150, [0.0, 2.0 ** -126, 3 * 2.0 ** -151, 1.5]])
    expected = [i for i, v in enumerate(s) if abs(v) < 2.0 ** -126 and (abs(v) * 2.0 ** 150) % 2 == 1]
    assert subnormal_ties(s).tolist() == expected
    assert len(expected) == 8  # 1, 3, 2**24 - 1, 5 and their negatives; 2**24 + 1 and up are past 2**-126


def test_fma32_of_scalars():
    # 0-d operands (a tie in doubt needs the repair that indexes arrays): one rounding, a 0-d float32 result
    from ember._rng.fma import fma32
    r = fma32(np.float32(2 ** -12), np.float32(2 ** -12), np.float32(1.0))
    assert r.shape == () and r.dtype == np.float32 and r == np.float32(1.0)  # 1 + 2^-24 is a tie: to even
    e = np.float32(1 + 2 ** -23)
    assert fma32(e, e, np.float32(-1)) == np.float32(2 ** -22 + 2 ** -46)
