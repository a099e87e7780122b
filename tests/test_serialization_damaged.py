"""Damaged and foreign files: the exception types torch gives, with messages that say what is wrong.

torch reads anything that does not start like a zip archive as its legacy format, so an empty or foreign
file fails in the unpickler (EOFError, KeyError, UnpicklingError) or on the magic number (RuntimeError).
Where torch does not check (record CRCs, local headers) ember does, and says the file is corrupted.
"""
from __future__ import annotations

import io
import pickle
import struct
import warnings
import zipfile

import pytest
import torch

import ember
from _compare import check_error


def _torch_file(obj=None) -> bytes:
    buf = io.BytesIO()
    torch.save({"w": torch.arange(4.0)} if obj is None else obj, buf)
    return buf.getvalue()


def _error_types_match(raw: bytes, *, messages: bool = False):
    def load(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lib.load(io.BytesIO(raw), weights_only=True)
    return check_error(load, match_message=messages)


FOREIGN = {
    "empty": b"",
    "text": b"hello world" * 3,  # 'h' is BINGET: a missing memo entry, KeyError 101
    "zeros": bytes(64),  # opcode 0: unsupported
    "a plain pickle": pickle.dumps(5, protocol=2),  # the wrong magic number
    "legacy magic only": pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2),  # ends after the magic number
    "an empty zip's end record": b"PK\x05\x06" + bytes(18),  # not PK\x03\x04: read as legacy too
    "STOP on an empty stack": b".garbage",  # IndexError, as torch's interpreter pops
    "SETITEMS without a MARK": b"u\xa0\xa0",  # IndexError: no mark to pop
}


@pytest.mark.parametrize("name", list(FOREIGN))
def test_foreign_files_fail_as_in_torch(name):
    e_exc, _ = _error_types_match(FOREIGN[name])
    if name == "empty":
        assert "empty" in str(e_exc)


def test_magic_number_message_is_torchs():
    _error_types_match(FOREIGN["a plain pickle"], messages=True)


def test_huge_length_in_garbage_is_a_truncation():
    # BINUNICODE8 with a length no file can hold: a clean EOFError, not an OverflowError from read()
    with pytest.raises(EOFError, match="truncated"):
        ember.load(io.BytesIO(b"\x8d" + struct.pack("<Q", 2**63 + 5) + b"xyz"))


def test_mmap_of_a_non_zip_file(tmp_path):
    path = tmp_path / "legacy.pt"
    path.write_bytes(FOREIGN["a plain pickle"])
    check_error(lambda lib: lib.load(str(path), mmap=True, weights_only=True))
    with pytest.raises(RuntimeError, match="mmap can only be used"):
        ember.load(io.BytesIO(FOREIGN["a plain pickle"]), mmap=True)


def _record_start(raw: bytes, name: str) -> tuple[int, int]:
    """(local header offset, data offset) of a record."""
    info = zipfile.ZipFile(io.BytesIO(raw)).getinfo(name)
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
    return info.header_offset, info.header_offset + 30 + name_len + extra_len


@pytest.mark.parametrize("record", ["archive/.format_version", "archive/.storage_alignment", "archive/version",
                                    "archive/.data/serialization_id"])
def test_damaged_metadata_record_header(record):
    # torch reads these records and fails on a broken local header; so does ember (it used to skip them)
    raw = bytearray(_torch_file())
    header, _ = _record_start(bytes(raw), record)
    raw[header:header + 4] = bytes(4)
    _error_types_match(bytes(raw))


def test_undecodable_name_in_a_local_header_is_a_clear_error():
    raw = bytearray(_torch_file())
    header, _ = _record_start(bytes(raw), "archive/byteorder")
    name_end = header + 30 + len("archive/byteorder")
    raw[name_end - 1] = 0xF4  # the name's last byte: no longer UTF-8 (torch never decodes it, and loads)
    with pytest.raises(RuntimeError, match="byteorder.*corrupted"):
        ember.load(io.BytesIO(bytes(raw)))


def test_unknown_byteorder_is_torchs_value_error():
    src = zipfile.ZipFile(io.BytesIO(_torch_file()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, b"middle" if name.endswith("byteorder") else src.read(name))
    _error_types_match(out.getvalue(), messages=True)


def _central_entry(raw: bytes, name: str) -> int:
    return next(i for i in range(len(raw)) if raw[i:i + 4] == b"PK\x01\x02" and raw[i + 46:i + 46 + len(name)] == name.encode())


def test_storage_alignment_is_parsed_as_torch_parses_it():
    src = zipfile.ZipFile(io.BytesIO(_torch_file()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, b"" if name.endswith(".storage_alignment") else src.read(name))
    _error_types_match(out.getvalue(), messages=True)  # int(b'') fails in both


@pytest.mark.parametrize("field, value", [(6, 0x0C80), (10, 99)], ids=["version needed", "compression"])
def test_damaged_zip_fields_raise_runtime_error(field, value):
    # Python's zipfile raises NotImplementedError for these; torch's reader and ember give a RuntimeError
    bad = bytearray(_torch_file())
    entry = _central_entry(bytes(bad), "archive/data/0")
    bad[entry + field:entry + field + 2] = struct.pack("<H", value)
    with pytest.raises(RuntimeError, match="corrupted"):
        ember.load(io.BytesIO(bytes(bad)))


def test_storage_crc_checked_where_torch_reads_garbage():
    raw = bytearray(_torch_file())
    _, data = _record_start(bytes(raw), "archive/data/0")
    raw[data + 1] ^= 0x40
    assert not torch.equal(torch.load(io.BytesIO(bytes(raw)))["w"], torch.arange(4.0))  # torch: wrong values
    with pytest.raises(RuntimeError, match="CRC-32 mismatch.*data/0"):
        ember.load(io.BytesIO(bytes(raw)))


def test_non_refusal_errors_are_not_dressed_as_weights_only_errors():
    # torch adds its weights-only hint to UnpicklingErrors only; a damaged pickle's KeyError stays a KeyError
    e_exc, t_exc = _error_types_match(FOREIGN["text"], messages=True)
    assert isinstance(e_exc, KeyError) and "weights_only" not in str(e_exc)
