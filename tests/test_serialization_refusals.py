"""What a weights-only load refuses, worded exactly as torch words it (same type, same message)."""
from __future__ import annotations

import collections
import io

import pytest
import torch

from _compare import check_error


class Custom:
    def __init__(self) -> None:
        self.x = 1


REFUSED = {
    "frozenset": lambda: frozenset([1]),
    "user class": Custom,
    "range (pickled as __builtin__.xrange)": lambda: range(3),
    "slice": lambda: slice(1, 2),
    "a builtin function": lambda: print,
    "Ellipsis": lambda: Ellipsis,
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_global_message_is_torchs(name):
    buf = io.BytesIO()
    torch.save({"x": REFUSED[name]()}, buf)
    check_error(lambda lib: lib.load(io.BytesIO(buf.getvalue())))


def test_counter_is_allowed_in_both():
    import ember
    buf = io.BytesIO()
    torch.save({"c": collections.Counter(a=1)}, buf)
    assert ember.load(io.BytesIO(buf.getvalue())) == torch.load(io.BytesIO(buf.getvalue())) == {"c": {"a": 1}}


@pytest.mark.parametrize("raw", [b"\x00abc", b"P\x03\x00\x00"], ids=["opcode 0", "PERSID"])
def test_unsupported_operand_message_is_torchs(raw):
    # at the start of a non-zip file: torch's interpreter refuses these opcodes in these words
    check_error(lambda lib: lib.load(io.BytesIO(raw)))


ALLOWED_OBJECTS = {
    "strided layout": lambda lib: lib.strided,
    "layouts in a dict": lambda lib: {"a": lib.sparse_coo, "b": [lib.strided, lib.strided]},
    "bfloat16 dtype": lambda lib: lib.bfloat16,  # the dtype object loads; bfloat16 data cannot (NumPy lacks it)
    "complex32 dtype in a config": lambda lib: {"dtype": lib.complex32, "lr": 0.1},
}


@pytest.mark.parametrize("name", list(ALLOWED_OBJECTS))
def test_objects_torch_allows_load_and_save_as_torch(name):
    import zipfile

    import ember
    files = {}
    for lib in (ember, torch):
        buf = io.BytesIO()
        lib.save(ALLOWED_OBJECTS[name](lib), buf)
        files[lib] = buf.getvalue()
    pickles = [zipfile.ZipFile(io.BytesIO(raw)).read("archive/data.pkl") for raw in files.values()]
    assert pickles[0] == pickles[1]  # byte-identical
    assert repr(ember.load(io.BytesIO(files[torch]))) == repr(torch.load(io.BytesIO(files[ember])))
