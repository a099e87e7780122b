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


def test_one_blas_thread_by_default_unless_the_environment_says_otherwise():
    import os
    import subprocess
    import sys
    code = "import ember; from ember._blas import get_threads; print(get_threads(), ember.get_num_threads())"
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split() == ["1", "1"]
    env["OPENBLAS_NUM_THREADS"] = "2"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split() == ["2", "2"]
