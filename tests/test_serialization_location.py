"""load(map_location=...) in every form torch accepts: the same result or the same error as torch on a CPU-only build."""
from __future__ import annotations

import io

import pytest
import torch

import ember
from _compare import check_error


def _file(lib, with_tensor: bool = True) -> bytes:
    buf = io.BytesIO()
    lib.save({"w": lib.arange(3.0)} if with_tensor else {"lr": 0.5, "dt": lib.float16}, buf)
    return buf.getvalue()


def _load(lib, raw: bytes, map_location):
    return lib.load(io.BytesIO(raw), map_location=map_location, weights_only=True)


ACCEPTED = {
    "str": lambda lib: "cpu",
    "device": lambda lib: lib.device("cpu"),
    "dict": lambda lib: {"cpu": "cpu"},
    "dict without the tag": lambda lib: {"cuda:0": "cpu"},
    "callable": lambda lib: (lambda storage, location: storage),
    "callable giving None": lambda lib: (lambda storage, location: None),
}


@pytest.mark.parametrize("form", list(ACCEPTED))
@pytest.mark.parametrize("saver", [ember, torch], ids=["ember file", "torch file"])
def test_accepted_forms(form, saver):
    raw = _file(saver)
    got = _load(ember, raw, ACCEPTED[form](ember))["w"]
    assert got.tolist() == _load(torch, raw, ACCEPTED[form](torch))["w"].tolist() == [0.0, 1.0, 2.0]


REFUSED = {
    "cuda": lambda lib: "cuda",
    "cuda:1": lambda lib: "cuda:1",
    "cuda device": lambda lib: lib.device("cuda", 0),
    "dict to cuda": lambda lib: {"cpu": "cuda:0"},
    "cpu:0 (torch's cpu test is the exact string)": lambda lib: "cpu:0",
    "dict to a device object": lambda lib: {"cpu": lib.device("cpu")},
    "unknown tag": lambda lib: "foo",
    "CPU in capitals": lambda lib: "CPU",
    "xpu": lambda lib: "xpu",
    "mtia:0": lambda lib: "mtia:0",
    "hpu": lambda lib: "hpu",
    "privateuseone": lambda lib: "privateuseone",
    "mps": lambda lib: "mps",
    "bad cuda spelling": lambda lib: "cuda:x",
    "bytes": lambda lib: b"cpu",
    "not callable": lambda lib: 0,
}


@pytest.mark.parametrize("form", list(REFUSED))
def test_refused_forms_fail_as_torch(form):
    raw = _file(torch)
    check_error(lambda lib: _load(lib, raw, REFUSED[form](lib)))


@pytest.mark.parametrize("form", ["cuda", "unknown tag", "cuda device", "dict to cuda"])
def test_no_storage_no_placement(form):
    # torch places storages lazily: a file without tensors loads under any map_location
    raw = _file(torch, with_tensor=False)
    assert _load(ember, raw, REFUSED[form](ember)) == {"lr": 0.5, "dt": ember.float16}


def test_callable_asked_once_per_storage():
    x = torch.arange(4.0)
    buf = io.BytesIO()
    torch.save([x, x[1:], x[::2], torch.ones(2)], buf)
    seen = {}
    for lib in (ember, torch):
        calls = []
        _load(lib, buf.getvalue(), lambda storage, location: calls.append(location))
        seen[lib] = calls
    assert seen[ember] == seen[torch] == ["cpu", "cpu"]


def test_callable_returning_something_else():
    raw = _file(torch)
    with pytest.raises(TypeError):  # torch's TypedStorage constructor refuses it with a TypeError too
        _load(torch, raw, lambda storage, location: 5)
    with pytest.raises(TypeError, match="must return a storage"):
        _load(ember, raw, lambda storage, location: 5)
