"""ember.cuda and ember.accelerator behave like torch's in a CPU-only build."""
from __future__ import annotations

import warnings

import pytest
import torch

import ember
from _compare import check_error


@pytest.mark.parametrize("call", [
    lambda L: L.cuda.is_available(), lambda L: L.cuda.device_count(), lambda L: L.cuda.is_initialized(),
    lambda L: L.cuda.manual_seed(1), lambda L: L.cuda.manual_seed_all(1), lambda L: L.cuda.seed(),
    lambda L: L.cuda.seed_all(), lambda L: L.cuda.empty_cache(), lambda L: L.cuda.memory_allocated(),
    lambda L: L.cuda.max_memory_allocated(), lambda L: L.cuda.memory_reserved(), lambda L: L.cuda.is_bf16_supported(),
    lambda L: L.cuda.get_rng_state_all(), lambda L: L.accelerator.is_available(),
    lambda L: L.accelerator.current_accelerator(), lambda L: L.accelerator.device_count(),
])
def test_queries_and_noops_match_torch(call):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert call(ember) == call(torch)
    assert not w


@pytest.mark.parametrize("call", [
    lambda L: L.cuda.synchronize(), lambda L: L.cuda.get_device_name(), lambda L: L.cuda.get_device_name(0),
    lambda L: L.cuda.current_device(), lambda L: L.cuda.get_device_properties(0), lambda L: L.cuda.init(),
    lambda L: L.cuda.get_device_capability(), lambda L: L.cuda.mem_get_info(), lambda L: L.cuda.get_rng_state(),
    lambda L: L.cuda.manual_seed("a"), lambda L: L.cuda.current_stream(), lambda L: L.cuda.ipc_collect(),
    lambda L: L.accelerator.synchronize(), lambda L: L.accelerator.empty_cache(),
    lambda L: L.accelerator.current_device_index(),
])
def test_errors_match_torch(call):
    check_error(call)


def test_cuda_device_context():
    check_error(lambda L: L.cuda.device(0).__enter__())
    with ember.cuda.device(-1):
        pass


def test_seeding_cuda_leaves_cpu_rng_alone():
    ember.manual_seed(0)
    a = ember.rand(3)
    ember.manual_seed(0)
    ember.cuda.manual_seed_all(123)
    assert ember.equal(a, ember.rand(3))


def test_cuda_amp_is_deprecated_alias():
    with pytest.warns(FutureWarning, match=r"torch.cuda.amp.GradScaler\(args...\)` is deprecated"):
        with pytest.warns(UserWarning, match="CUDA is not available.  Disabling"):
            s = ember.cuda.amp.GradScaler()
    assert not s.is_enabled()
    with pytest.warns(FutureWarning):
        with pytest.warns(UserWarning, match="Disabling autocast"):
            ember.cuda.amp.autocast()


def test_cuda_amp_importable_as_module():
    from ember.cuda.amp import GradScaler, autocast  # noqa: F401
    assert GradScaler is ember.cuda.amp.GradScaler
