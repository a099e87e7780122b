import os
import sys

import pytest
from hypothesis import settings

# the torch comparisons are the point of the suite: fail loudly if torch is missing, never skip
import torch  # noqa: F401

sys.path.insert(0, os.path.dirname(__file__))

import ember  # noqa: E402

# CI (which sets CI=true) runs the property tests on a fixed sequence of examples, so that a red run can be
# reproduced and a green one is not luck; by hand they keep drawing new examples
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _restore_global_state():
    dtype = ember.get_default_dtype()
    tdtype = torch.get_default_dtype()
    yield
    ember.set_default_dtype(dtype)
    torch.set_default_dtype(tdtype)
    ember.autograd.grad_mode.state.enabled = True
    torch.set_grad_enabled(True)
