"""Differential tests of ember.device and the ``device=`` argument of every factory.

Deliberate differences: ember runs on the CPU only. 'cuda' raises torch's CPU-build
AssertionError; other device types (meta, mps, ...) raise a RuntimeError saying ember runs on
the CPU, where torch would build a tensor on that device.
"""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import ember
from _compare import check_error


@pytest.mark.parametrize("spec", ["cpu", "cpu:0", "cuda", "cuda:1", "meta", "mps"])
def test_device_repr_str(spec):
    e, t = ember.device(spec), torch.device(spec)
    assert repr(e) == repr(t)
    assert str(e) == str(t)
    assert e.type == t.type and e.index == t.index


def test_device_with_index_argument():
    assert repr(ember.device("cpu", 0)) == repr(torch.device("cpu", 0))
    assert repr(ember.device("cuda", 1)) == repr(torch.device("cuda", 1))


def test_device_equality_and_hash():
    assert ember.device("cpu") == ember.device("cpu")
    assert ember.device("cpu") != ember.device("cpu:0")
    assert (ember.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")
    assert (ember.device("cpu") == ember.device("cpu:0")) == (torch.device("cpu") == torch.device("cpu:0"))
    assert hash(ember.device("cpu")) == hash(ember.device("cpu"))
    assert ember.device(ember.device("cpu")) == ember.device("cpu")
    assert {ember.device("cpu"): 1}[ember.device("cpu")] == 1


def test_device_pickle_and_copy():
    d = ember.device("cpu")
    for r in [pickle.loads(pickle.dumps(d)), copy.deepcopy(d)]:
        assert r == d and repr(r) == repr(d)


@pytest.mark.parametrize("spec", ["gpu", "cpu:x", "", "cuda:-1"])
def test_device_invalid_strings(spec):
    check_error(lambda L: L.device(spec), match_message=False)


def test_tensor_device():
    assert repr(ember.zeros(2).device) == repr(torch.zeros(2).device)
    assert (ember.zeros(2).device == "cpu") == (torch.zeros(2).device == "cpu")
    assert ember.zeros(2).device == ember.device("cpu") and str(ember.zeros(2).device) == "cpu"
    assert ember.zeros(2).is_cpu and not ember.zeros(2).is_cuda
    assert ember.zeros(2).get_device() == torch.zeros(2).get_device()


FACTORIES = {
    "tensor": lambda L, dev: L.tensor([1.0], device=dev),
    "as_tensor": lambda L, dev: L.as_tensor([1.0], device=dev),
    "zeros": lambda L, dev: L.zeros(2, device=dev),
    "ones": lambda L, dev: L.ones(2, device=dev),
    "empty": lambda L, dev: L.empty(2, device=dev),
    "full": lambda L, dev: L.full((2,), 1.0, device=dev),
    "arange": lambda L, dev: L.arange(3, device=dev),
    "linspace": lambda L, dev: L.linspace(0, 1, 3, device=dev),
    "logspace": lambda L, dev: L.logspace(0, 1, 3, device=dev),
    "eye": lambda L, dev: L.eye(2, device=dev),
    "zeros_like": lambda L, dev: L.zeros_like(L.ones(2), device=dev),
    "ones_like": lambda L, dev: L.ones_like(L.ones(2), device=dev),
    "empty_like": lambda L, dev: L.empty_like(L.ones(2), device=dev),
    "full_like": lambda L, dev: L.full_like(L.ones(2), 3.0, device=dev),
    "scalar_tensor": lambda L, dev: L.scalar_tensor(1.0, device=dev),
    "empty_strided": lambda L, dev: L.empty_strided((2,), (1,), device=dev),
    "new_zeros": lambda L, dev: L.ones(2).new_zeros(2, device=dev),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("dev", ["cpu", "cpu:0", "device_cpu"])
def test_factories_accept_cpu(name, dev):
    f = FACTORIES[name]
    t = f(torch, torch.device("cpu") if dev == "device_cpu" else dev)
    e = f(ember, ember.device("cpu") if dev == "device_cpu" else dev)
    assert repr(e.device) == repr(t.device)
    assert repr(e.dtype) == repr(t.dtype)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factories_cuda_is_torch_cpu_build_error(name):
    check_error(lambda L: FACTORIES[name](L, "cuda"))


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("dev", ["meta", "mps"])
def test_factories_other_devices_are_a_clear_error(name, dev):
    # deliberate difference: torch can build meta tensors; ember has only the CPU
    with pytest.raises(RuntimeError, match="ember runs on the CPU only"):
        FACTORIES[name](ember, dev)


def test_cuda_method_and_to():
    check_error(lambda L: L.ones(2).cuda())
    check_error(lambda L: L.ones(2).to("cuda"))
    assert str(ember.ones(2).cpu().device) == "cpu"


@pytest.mark.parametrize("spec", [0, 1, -1, "np0"], ids=str)
def test_device_from_an_index(spec):
    spec = np.int64(0) if spec == "np0" else spec
    check_error(lambda L: L.device(spec))
    check_error(lambda L: L.zeros(1, device=spec))


@pytest.mark.parametrize("spec", [1.5, None, True])
def test_device_bad_types(spec):
    e, t = check_error(lambda L: L.device(spec), match_message=False)
    assert str(t).startswith(str(e))
