"""ember.backends flags, their defaults and links, as in CPU-only torch."""
from __future__ import annotations

import pytest
import torch

import ember
from _compare import check_error

FLAGS = [("cudnn", "enabled"), ("cudnn", "benchmark"), ("cudnn", "deterministic"), ("cudnn", "allow_tf32"),
         ("cudnn", "benchmark_limit")]


@pytest.mark.parametrize("mod,name", FLAGS)
def test_cudnn_defaults(mod, name):
    assert getattr(getattr(ember.backends, mod), name) == getattr(getattr(torch.backends, mod), name)


def test_availability():
    for L in (ember, torch):
        assert L.backends.cudnn.is_available() is False and L.backends.cudnn.version() is None
        assert L.backends.mps.is_available() is False and L.backends.mps.is_built() is False
        assert L.backends.cuda.is_built() is False


def test_flags_can_be_set_and_restored():
    b = ember.backends.cudnn
    old = b.benchmark, b.deterministic
    try:
        b.benchmark = True
        b.deterministic = True
        assert ember.backends.cudnn.benchmark and ember.backends.cudnn.deterministic
        with b.flags(enabled=False):
            assert b.enabled is False
        assert b.enabled is True
    finally:
        b.benchmark, b.deterministic = old


def test_matmul_tf32_linked_to_float32_matmul_precision():
    m = ember.backends.cuda.matmul
    assert m.allow_tf32 is torch.backends.cuda.matmul.allow_tf32 is False
    assert m.allow_fp16_reduced_precision_reduction == torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction
    try:
        m.allow_tf32 = True
        assert ember.get_float32_matmul_precision() == "high"
        ember.set_float32_matmul_precision("highest")
        assert m.allow_tf32 is False
    finally:
        ember.set_float32_matmul_precision("highest")
    check_error(lambda L: L.backends.cuda.matmul.foo)
    check_error(lambda L: setattr(L.backends.cuda.matmul, "foo", 1))


def test_cpu_capability_uses_torch_vocabulary():
    cap = ember.backends.cpu.get_cpu_capability()
    assert cap in ("DEFAULT", "AVX2", "AVX512", "VSX", "ZVECTOR")
    # NumPy and torch detect the same CPU (torch may be built for a lower level, never a higher one)
    order = ["DEFAULT", "AVX2", "AVX512"]
    if torch.backends.cpu.get_cpu_capability() in order and cap in order:
        assert order.index(cap) >= order.index(torch.backends.cpu.get_cpu_capability())


def test_global_settings():
    assert (ember.inf, ember.pi, ember.e, ember.newaxis) == (torch.inf, torch.pi, torch.e, torch.newaxis)
    assert ember.nan != ember.nan
    assert ember.get_default_device() == ember.device("cpu")
    ember.set_default_device("cpu")
    ember.set_default_device(None)
    # torch fails at the next tensor creation, ember already here (same error)
    try:
        torch.set_default_device("cuda")
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            torch.zeros(1)
    finally:
        torch.set_default_device(None)
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        ember.set_default_device("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        ember.set_default_device("mps")
    assert ember.are_deterministic_algorithms_enabled() is False
    try:
        ember.use_deterministic_algorithms(True, warn_only=True)
        assert ember.are_deterministic_algorithms_enabled() and ember.is_deterministic_algorithms_warn_only_enabled()
        assert ember.get_deterministic_debug_mode() == 1
    finally:
        ember.use_deterministic_algorithms(False)
    check_error(lambda L: L.use_deterministic_algorithms("x"))
    check_error(lambda L: L.set_deterministic_debug_mode("x"))
    check_error(lambda L: L.set_deterministic_debug_mode(5))


def test_threads_and_precision():
    n = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        assert ember.get_num_threads() == 1
    finally:
        ember.set_num_threads(n)
    check_error(lambda L: L.set_num_threads(0))
    check_error(lambda L: L.set_num_threads(1.5))
    check_error(lambda L: L.set_num_threads(True))
    assert ember.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"
    with pytest.warns(UserWarning, match="is not one of 'highest', 'high', or 'medium'"):
        ember.set_float32_matmul_precision("bad")
    assert ember.get_float32_matmul_precision() == "highest"
