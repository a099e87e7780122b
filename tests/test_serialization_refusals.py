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
