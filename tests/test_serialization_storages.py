"""Storages shared by tensors of different dtypes, and empty views past their storage's end, as torch saves and loads them."""
from __future__ import annotations

import io
import zipfile

import pytest
import torch

import ember
from _compare import check_error


def _save(lib, obj) -> bytes:
    buf = io.BytesIO()
    lib.save(obj, buf)
    return buf.getvalue()


def _pickle(raw: bytes) -> bytes:
    zf = zipfile.ZipFile(io.BytesIO(raw))
    return zf.read(next(n for n in zf.namelist() if n.endswith("data.pkl")))


TWO_DTYPES = {
    "float32 and int32": lambda lib, a: [a, a.view(lib.int32)],
    "int32 view first": lambda lib, a: [a.view(lib.int32), a],
    "uint8 and bool": lambda lib, a: [a.view(lib.uint8), a.view(lib.bool)],
    "int8 and uint32": lambda lib, a: [a.view(lib.int8), a.view(lib.uint32)],
    "through a Parameter": lambda lib, a: [a, lib.nn.Parameter(a.view(lib.int32), requires_grad=False)],
    "expanded view": lambda lib, a: [a.view(lib.int32).expand(2, 4), a],
}


@pytest.mark.parametrize("case", list(TWO_DTYPES))
def test_one_storage_two_dtypes_is_refused(case):
    check_error(lambda lib: lib.save(TWO_DTYPES[case](lib, lib.arange(4.0)), io.BytesIO()))


# torch records uint16/32/64 tensors over untyped (byte) storages: they share freely with uint8
SHARED_AS_BYTES = {
    "uint8 and uint32": lambda lib, a: [a, a.view(lib.uint32)],
    "uint32 first": lambda lib, a: [a.view(lib.uint32), a],
    "uint16 and uint32": lambda lib, a: [a.view(lib.uint16), a.view(lib.uint32)],
}


@pytest.mark.parametrize("case", list(SHARED_AS_BYTES))
def test_byte_storages_shared_by_unsigned_views(case):
    objs = {lib: SHARED_AS_BYTES[case](lib, lib.arange(8, dtype=lib.uint8)) for lib in (ember, torch)}
    e_raw, t_raw = _save(ember, objs[ember]), _save(torch, objs[torch])
    assert _pickle(e_raw) == _pickle(t_raw)
    back = torch.load(io.BytesIO(e_raw))
    assert [x.tolist() for x in back] == [x.tolist() for x in objs[torch]]
    assert back[0].untyped_storage().data_ptr() == back[1].untyped_storage().data_ptr()
    loaded = ember.load(io.BytesIO(t_raw))
    assert [x.tolist() for x in loaded] == [x.tolist() for x in objs[torch]]
    assert [str(x.dtype) for x in loaded] == [str(x.dtype) for x in objs[torch]]


def test_empty_storage_named_with_two_dtypes():
    # torch skips its dtype check for empty storages: one record, a DoubleStorage and a LongStorage use of it
    a = torch.zeros(0, dtype=torch.float64)
    raw = _save(torch, [a, a.view(torch.int64), a.view(torch.int64).expand(2, 0)])
    got = ember.load(io.BytesIO(raw))
    assert [(str(x.dtype), tuple(x.shape), x.stride()) for x in got] == \
        [("torch.float64", (0,), (1,)), ("torch.int64", (0,), (1,)), ("torch.int64", (2, 0), (0, 1))]
    e = ember.zeros(0, dtype=ember.float64)
    assert _pickle(_save(ember, [e, e.view(ember.int64)])) == _pickle(_save(torch, [a, a.view(torch.int64)]))


def test_empty_views_past_the_storage_end():
    # an empty tensor's offset may exceed its (empty) storage; torch keeps it through save and load
    def views(lib):
        return [lib.zeros(2, 0, 3).narrow(-1, 1, 2), lib.zeros(4, 0)[2:], lib.zeros(2, 0, 3)[1:]]
    t_raw = _save(torch, views(torch))
    for raw in (t_raw, _save(ember, views(ember))):
        for lib in (ember, torch):
            got = lib.load(io.BytesIO(raw))
            assert [(x.storage_offset(), x.stride(), tuple(x.shape)) for x in got] == \
                [(1, (3, 3, 1), (2, 0, 2)), (2, (1, 1), (2, 0)), (3, (3, 3, 1), (1, 0, 3))]
