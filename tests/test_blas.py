"""ember.set_num_threads sets the threads of NumPy's BLAS, as torch.set_num_threads sets torch's."""
import pytest

import ember
from ember import _blas


def test_set_num_threads_reaches_the_blas():
    before = ember.get_num_threads()
    if _blas.get_threads() is None:
        pytest.fail("NumPy's OpenBLAS was not found: ember.set_num_threads would be a no-op on this NumPy build")
    try:
        ember.set_num_threads(1)
        assert ember.get_num_threads() == 1 and _blas.get_threads() == 1
        ember.set_num_threads(2)
        assert _blas.get_threads() == 2
    finally:
        ember.set_num_threads(before)


def test_set_num_threads_checks_its_argument():
    with pytest.raises(RuntimeError):
        ember.set_num_threads(0)
