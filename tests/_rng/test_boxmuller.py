"""The production float32 Box-Muller (``ember._rng.boxmuller_fast``) against the step-by-step reference
(``ember._rng.boxmuller_avx2``, which ``tests/test_random.py`` checks against torch itself).

The radius depends only on the 24-bit integer behind u1 and (sin, cos) only on the one behind u2, so
comparing ALL 2**24 values of each half proves the production shortcuts exact (see the module doc of
``boxmuller_fast``). Both halves run in a few seconds, so the exhaustive check is always on.
"""
from __future__ import annotations

import numpy as np
import pytest

from ember._rng import boxmuller_avx2 as ref
from ember._rng import boxmuller_fast as fast

f32 = np.float32
SPAN = 1 << 18  # inputs per reference call
LANES = 1 << 15  # inputs per production call


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.uint32)


@pytest.mark.parametrize("half", ["radius", "sincos"])
def test_every_24_bit_input(half):
    ws = fast.Workspace(LANES)
    got = np.empty(SPAN, dtype=f32)
    got2 = np.empty(SPAN, dtype=f32)
    bad = 0
    for lo in range(0, 1 << 24, SPAN):
        k = np.arange(lo, lo + SPAN, dtype=np.uint32)
        d = k.astype(f32) * f32(2.0 ** -24)  # the float uniform of torch's normal_fill
        for i in range(0, SPAN, LANES):
            if half == "radius":
                fast.radius24(k[i:i + LANES], ws, got[i:i + LANES])
            else:
                fast.sincos24(k[i:i + LANES], ws, got[i:i + LANES], got2[i:i + LANES])
        if half == "radius":
            want = np.sqrt(f32(-2) * ref.log_avx2(f32(1) - d))
            bad += np.count_nonzero(_bits(got) != _bits(want))
        else:
            s, c = ref.sincos_avx2(ref.TWO_PI * d)
            bad += np.count_nonzero(_bits(got) != _bits(s)) + np.count_nonzero(_bits(got2) != _bits(c))
    assert bad == 0


@pytest.mark.parametrize("mean, std", [(0.0, 1.0), (0.1, 0.02), (-3.0, 2.5), (5.0, 0.0), (-0.0, 1.0)])
def test_blocks_against_reference(mean, std):
    rng = np.random.default_rng(7)
    words = rng.integers(0, 1 << 32, size=(3000, 16), dtype=np.uint32)
    words[:4] &= np.uint32(0xFF000000)  # zero 24-bit parts: u1 = 1 (radius 0) and u2 = 0 (angle 0)
    d = (words & np.uint32(0xFFFFFF)).astype(f32) * f32(2.0 ** -24)
    out = np.empty((3000, 16), dtype=f32)
    fast.normal_fill16(words, mean, std, out)
    assert np.array_equal(_bits(out), _bits(ref.box_muller16(d, mean, std)))
