"""dtype/device conversion vs torch: to(), type(), the cast methods, ToCopyBackward0, CUDA errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import check_error, check_op

_rng = np.random.default_rng(3)
X64 = _rng.standard_normal((3, 4)) * 3
X32 = X64.astype(np.float32)

CASES = {
    "to_f32": (lambda lib, x: x.to(lib.float32), [X64]),
    "to_f64": (lambda lib, x: x.to(lib.float64), [X32]),
    "to_f16": (lambda lib, x: x.to(lib.float16), [X32]),
    "to_int": (lambda lib, x: x.to(lib.int64), [X64]),
    "to_bool": (lambda lib, x: x.to(dtype=lib.bool), [X64]),
    "to_cpu": (lambda lib, x: x.to("cpu") * 1, [X64]),
    "to_device_dtype": (lambda lib, x: x.to("cpu", lib.float32), [X64]),
    "to_device_kw": (lambda lib, x: x.to(device="cpu", dtype=lib.float32), [X64]),
    "to_other": (lambda lib, x, y: x.to(y), [X64, X32]),
    "to_copy": (lambda lib, x: x.to(lib.float64, copy=True), [X64]),
    "float": (lambda lib, x: x.float(), [X64]),
    "double": (lambda lib, x: x.double(), [X32]),
    "half": (lambda lib, x: x.half(), [X64]),
    "long": (lambda lib, x: x.long(), [X64]),
    "int": (lambda lib, x: x.int(), [X64]),
    "short": (lambda lib, x: x.short(), [X64]),
    "char": (lambda lib, x: x.char(), [X64]),
    "byte": (lambda lib, x: x.abs().byte(), [X64]),
    "bool": (lambda lib, x: x.bool(), [X64]),
    "int_to_float": (lambda lib, x: x.float(), [np.arange(6).reshape(2, 3)]),
    "type_cast": (lambda lib, x: x.type(lib.float32), [X64]),
    "type_str_cast": (lambda lib, x: x.type("torch.DoubleTensor"), [X32]),
    "nc": (lambda lib, x: x.t().to(lib.float32), [X64]),
    "empty": (lambda lib, x: x.to(lib.float32), [np.zeros((0, 3))]),
    "0d": (lambda lib, x: x.float(), [np.array(2.5)]),
    "chain": (lambda lib, x: (x.float() * 2).double(), [X64]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_op(name):
    fn, inputs = CASES[name]
    check_op(fn, inputs)


@pytest.mark.parametrize("make", [
    lambda x, lib: x.to(x.dtype), lambda x, lib: x.to("cpu"), lambda x, lib: x.float(), lambda x, lib: x.cpu(),
    lambda x, lib: x.to(lib.float32), lambda x, lib: x.type(lib.float32), lambda x, lib: x.to(x),
    lambda x, lib: x.to("cpu", lib.float32), lambda x, lib: x.contiguous(), lambda x, lib: x.to(lib.float32, copy=True),
])
def test_to_identity(make):
    """torch returns self when nothing changes (and a copy when copy=True)."""
    res = []
    for lib in (torch, ember):
        x = lib.ones(2, 3)
        res.append(make(x, lib) is x)
    assert res[1] == res[0]


def test_type_string():
    for dt in ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]:
        t = torch.zeros(2, dtype=getattr(torch, dt)).type()
        assert ember.zeros(2, dtype=getattr(ember, dt)).type() == t


def test_to_shares_memory_when_same():
    for lib in (torch, ember):
        x = lib.zeros(3)
        y = x.to(lib.float32)
        y[0] = 5
        assert x[0].item() == 5
        z = x.double()
        z[1] = 5
        assert x[1].item() == 0


ERRORS = {
    "cuda": lambda lib: lib.ones(2).cuda(),
    "to_cuda": lambda lib: lib.ones(2).to("cuda"),
    "to_cuda_dtype": lambda lib: lib.ones(2).to("cuda", lib.float64),
    "type_bad": lambda lib: lib.ones(2).type("torch.NopeTensor"),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_error(name):
    check_error(ERRORS[name])
