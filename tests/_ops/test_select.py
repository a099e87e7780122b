"""ember/_ops/_select.py: the branch-free selects equal np.where bit for bit (signed zeros, nan, inf, ints)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ember._ops._select import keep, select

SPECIAL = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-310, -2.5]
DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.uint8]
SHAPES = [((), ()), ((5,), (5,)), ((3, 4), (3, 4)), ((3, 1), (3, 4)), ((3, 4), (4,)), ((1, 4), (3, 1))]


def _values(rng, shape, dtype):
    if np.dtype(dtype).kind == "f":
        v = rng.standard_normal(shape).astype(dtype)
        flat = v.reshape(-1)
        flat[: len(SPECIAL)] = np.array(SPECIAL[: flat.size], dtype=dtype)
        return v
    return rng.integers(np.iinfo(dtype).min, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)


def _bits(x):
    x = np.asarray(x)
    return x.dtype, x.shape, x.tobytes()


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(DTYPES), shapes=st.sampled_from(SHAPES),
       swap=st.booleans())
def test_like_np_where(seed, dtype, shapes, swap):
    rng = np.random.default_rng(seed)
    mshape, vshape = shapes[::-1] if swap else shapes
    mask = rng.random(mshape) < 0.5
    a, b = _values(rng, vshape, dtype), _values(rng, vshape, dtype)
    assert _bits(keep(mask, a)) == _bits(np.where(mask, a, np.asarray(0, dtype)))
    assert _bits(select(mask, a, b)) == _bits(np.where(mask, a, b))
    assert _bits(select(mask, a, np.asarray(dtype(1)))) == _bits(np.where(mask, a, np.asarray(dtype(1))))


def test_non_contiguous_and_fallbacks():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 4)).astype(np.float32).T
    mask = a > 0
    assert _bits(keep(mask, a)) == _bits(np.where(mask, a, np.float32(0)))
    # a Python scalar has no dtype of its own: NumPy's rules apply, through np.where
    assert select(mask, a, 0.5).dtype == np.float32
    c = a.astype(np.complex64)
    assert _bits(keep(mask, c)) == _bits(np.where(mask, c, np.complex64(0)))


def test_broadcast_error_is_numpys():
    with pytest.raises(ValueError):
        select(np.ones(3, bool), np.ones(4), np.ones(4))
