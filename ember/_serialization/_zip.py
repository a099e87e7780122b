"""The zip container of torch's checkpoint format: an aligned writer and a raw record reader.

torch writes its archives with miniz: every record is *stored* (no compression)
and its data starts on a 64-byte boundary, reached by padding the local header
with an extra field tagged ``FB``; the end of the archive always carries zip64
records.  Python's ``zipfile`` cannot align data, so writing is done here by
hand (only the few header kinds that torch's reader and ``zipfile`` need).
Reading lists the archive with ``zipfile`` and then reads a stored record's
bytes straight into a caller's buffer, so a storage is copied only once.
"""
from __future__ import annotations

import struct
import zipfile
import zlib
from typing import BinaryIO

__all__ = ["AlignedZipWriter", "read_record_into", "record_data_offset"]

ALIGNMENT = 64  # torch's kFieldAlignment; recorded in the archive's .storage_alignment
_ZIP64_LIMIT = 0xFFFFFFFF  # sizes/offsets at or above this go into zip64 extra fields (a name so tests can lower it)
_UTF8_FLAG = 0x0800  # general purpose bit 11: names are UTF-8


class AlignedZipWriter:
    """Writes stored records, each one's data aligned to ``ALIGNMENT`` bytes, to a binary stream.

    Needs only ``write``: offsets are counted here, so pipes and sockets work too.
    """

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self._pos = 0
        self._entries: list[tuple[bytes, int, int, int]] = []  # (name, crc, size, header offset)

    def _write(self, data) -> None:
        self._f.write(data)
        self._pos += len(data) if isinstance(data, (bytes, bytearray)) else memoryview(data).nbytes

    def write_record(self, name: str, data) -> None:
        """Add one record; ``data`` is bytes or any C-contiguous buffer (e.g. an ndarray's memory)."""
        view = memoryview(data)
        view = view.cast("B") if view.nbytes else memoryview(b"")  # cast() refuses zero-sized shapes
        size = view.nbytes
        crc = zlib.crc32(view)
        raw_name = name.encode("utf-8")
        offset = self._pos
        zip64 = size >= _ZIP64_LIMIT or offset >= _ZIP64_LIMIT
        extra = struct.pack("<HHQQ", 1, 16, size, size) if zip64 else b""
        # pad the local header with an "FB" field so the data begins on an ALIGNMENT boundary
        header_end = offset + 30 + len(raw_name) + len(extra) + 4
        pad = -header_end % ALIGNMENT
        extra += b"FB" + struct.pack("<H", pad) + b"Z" * pad
        small = 0xFFFFFFFF if zip64 else size
        self._write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, _UTF8_FLAG, 0, 0, 0x21,
                                crc, small, small, len(raw_name), len(extra)))
        self._write(raw_name)
        self._write(extra)
        self._write(view)
        self._entries.append((raw_name, crc, size, offset))

    def close(self) -> None:
        """Write the central directory and the (zip64) end records; the stream stays open."""
        cd_start = self._pos
        for raw_name, crc, size, offset in self._entries:
            z64 = b""
            if size >= _ZIP64_LIMIT:
                z64 += struct.pack("<QQ", size, size)
            if offset >= _ZIP64_LIMIT:
                z64 += struct.pack("<Q", offset)
            extra = struct.pack("<HH", 1, len(z64)) + z64 if z64 else b""
            small_size = 0xFFFFFFFF if size >= _ZIP64_LIMIT else size
            small_off = 0xFFFFFFFF if offset >= _ZIP64_LIMIT else offset
            self._write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45 if z64 else 20, _UTF8_FLAG, 0, 0, 0x21,
                                    crc, small_size, small_size, len(raw_name), len(extra), 0, 0, 0, 0, small_off))
            self._write(raw_name)
            self._write(extra)
        cd_size = self._pos - cd_start
        n = len(self._entries)
        # like torch, always end with zip64 records so any size reads the same way
        zip64_end = self._pos
        self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, cd_size, cd_start))
        self._write(struct.pack("<IIQI", 0x07064B50, 0, zip64_end, 1))
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                                min(cd_size, 0xFFFFFFFF), min(cd_start, 0xFFFFFFFF), 0))


def record_data_offset(f: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Where a record's data starts in the archive stream (after its local header)."""
    f.seek(info.header_offset)
    header = f.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise RuntimeError(f"bad local header for record {info.filename!r}: the file is truncated or corrupted")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


def read_record_into(zf: zipfile.ZipFile, f: BinaryIO, info: zipfile.ZipInfo, out) -> None:
    """Fill the writable buffer ``out`` (exactly ``info.file_size`` bytes) with a record, checking its CRC."""
    view = memoryview(out).cast("B")
    if info.compress_type != zipfile.ZIP_STORED:
        # torch never compresses, but another zip tool may have repacked the archive
        view[:] = zf.read(info)
        return
    f.seek(record_data_offset(f, info))
    got = 0
    while got < view.nbytes:  # readinto may return short counts
        n = f.readinto(view[got:])
        if not n:
            raise RuntimeError(f"record {info.filename!r} is truncated: expected {view.nbytes} bytes, got {got}")
        got += n
    if zlib.crc32(view) != info.CRC:
        raise RuntimeError(f"CRC-32 mismatch in record {info.filename!r}: the checkpoint file is corrupted")
