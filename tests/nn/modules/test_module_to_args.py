"""Module.to's argument parsing against torch (its three overloads, the errors and their exact text), and Module.compile."""
from __future__ import annotations

import warnings

import pytest
import torch

import ember
from _compare import check_error


def _args(lib, case: str):
    z = lib.zeros(1, dtype=lib.float64)
    return {
        "dtype_device_kw": ((lib.float64,), {"device": "cpu"}),
        "tensor_dtype_kw": ((z,), {"dtype": lib.float32}),
        "unknown_kwargs": ((), {"device": "cpu", "dtype": 3, "foo": 1}),
        "kwargs_reversed": ((lib.float64,), {"b": 1, "a": 2}),
        "only_kwarg": ((), {"c": 1}),
        "memory_format_int": ((lib.float64,), {"memory_format": 3}),
        "copy_kw": (("cpu",), {"copy": True}),
        "copy_false_positional": ((lib.float64, True, False), {}),
        "tensor_copy": ((z, True, True), {}),
        "list": (([1],), {}),
        "non_blocking_int": ((lib.float64,), {"non_blocking": 1}),
        "dtype_none": ((lib.float64, None), {}),
        "three_nones": ((None, None, None), {}),
        "five_positional": (("cpu", lib.float64, True, False, 3), {}),
        "five_unknown_kw": (("cpu", lib.float64, True, False), {"foo": 1}),
        "five_bad_device": ((3.5, lib.float64, True, False), {"memory_format": None}),
        "five_bad_dtype": (("cpu", "x", True, False), {"memory_format": None}),
        "five_twice": (("cpu", lib.float64, True, False), {"device": "cpu"}),
        "five_copy_none": (("cpu", lib.float64, True), {"memory_format": None, "copy": None}),
        "bad_device_string": (("nodevice",), {}),
        "bool_number": ((True,), {}),
        "int_dtype": ((lib.int32,), {}),
    }[case]


@pytest.mark.parametrize("case", [
    "dtype_device_kw", "tensor_dtype_kw", "unknown_kwargs", "kwargs_reversed", "only_kwarg", "memory_format_int",
    "copy_kw", "copy_false_positional", "tensor_copy", "list", "non_blocking_int", "dtype_none", "three_nones",
    "five_positional", "five_unknown_kw", "five_bad_device", "five_bad_dtype", "five_twice", "five_copy_none",
    "bad_device_string", "bool_number", "int_dtype",
])
def test_to_bad_arguments(case: str) -> None:
    def run(lib):
        a, k = _args(lib, case)
        lib.nn.Linear(2, 2).to(*a, **k)
    check_error(run)


@pytest.mark.parametrize("case", ["tensor_kw", "python_float_type", "python_complex", "float_number", "cpu_none_bool",
                                  "none_none", "device_obj"])
def test_to_accepted_forms(case: str) -> None:
    out = []
    for lib in (torch, ember):
        a, k = {
            "tensor_kw": ((), {"tensor": lib.zeros(1, dtype=lib.float64), "non_blocking": True}),
            "python_float_type": ((float, True), {}),
            "python_complex": ((1 + 2j,), {}),
            "float_number": ((1.5,), {}),  # a number stands for a 0-d tensor: float64
            "cpu_none_bool": (("cpu", None, False), {}),
            "none_none": ((None, None), {}),
            "device_obj": ((lib.device("cpu"),), {}),
        }[case]
        m = lib.nn.Linear(2, 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # complex modules warn
            assert m.to(*a, **k) is m
        out.append(str(m.weight.dtype))
    assert out[0] == out[1]


def test_module_compile_routes_calls() -> None:
    # torch's Module.compile returns None and stores torch.compile(self._call_impl) in _compiled_call_impl, which
    # __call__ then uses (not run here: importing dynamo takes seconds); ember's calls must still run hooks
    e = ember.nn.Linear(2, 2)
    seen = []
    e.register_forward_hook(lambda mod, args, res: seen.append(tuple(res.shape)))
    assert e._compiled_call_impl is None
    assert e.compile(backend="eager") is None and e._compiled_call_impl is not None
    assert tuple(e(ember.ones(3, 2)).shape) == (3, 2) and seen == [(3, 2)]
