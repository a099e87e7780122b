"""Read and write the safetensors format (https://github.com/huggingface/safetensors), the API of ``safetensors.torch``.

A file is: 8 bytes little-endian ``N``; ``N`` bytes of JSON mapping each tensor
name to ``{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}`` (plus an
optional ``"__metadata__"`` of str -> str), padded with spaces to a multiple of
8; then the raw little-endian data, offsets counted from its start.

This is a small reader/writer of its own rather than a dependency on the
``safetensors`` package: the format takes a page to implement, the package's
``torch`` and ``numpy`` front ends would need torch or give NumPy arrays rather
than ember tensors, and ember keeps NumPy as its only runtime dependency.
Files are byte-identical to what ``safetensors.torch`` writes (same tensor
order, JSON spacing and padding), and loading validates the header as the
package does, so a damaged file raises ``SafetensorError`` instead of
producing garbage.
"""
from __future__ import annotations

import json
import os
import struct
from typing import BinaryIO

import numpy as np

from .._serialization._atomic import atomic_write
from .._tensor import Tensor

__all__ = ["SafetensorError", "save", "save_file", "load", "load_file"]

# safetensors dtype names ember can hold, in the order of the format's Dtype enum (which sets the order tensors
# are written in: larger types first); BF16, U16-U64 and the F8 types exist in the format but not in NumPy/ember
_DTYPES = [("BOOL", np.bool_), ("U8", np.uint8), ("I8", np.int8), ("I16", np.int16), ("F16", np.float16),
           ("I32", np.int32), ("F32", np.float32), ("C64", np.complex64), ("F64", np.float64), ("I64", np.int64)]
_RANK = {"BOOL": 0, "U8": 4, "I8": 5, "I16": 9, "F16": 11, "I32": 13, "F32": 15, "C64": 16, "F64": 17, "I64": 18}
_TO_NAME = {np.dtype(t): name for name, t in _DTYPES}
_FROM_NAME = {name: np.dtype(t).newbyteorder("<") for name, t in _DTYPES}
_MAX_HEADER = 100_000_000  # the reference implementation's limit: a larger header is an attack or damage


class SafetensorError(Exception):
    """A file or buffer that is not valid safetensors, or tensors that cannot be written as such."""


def _header_and_arrays(tensors: dict[str, Tensor], metadata: dict[str, str] | None) -> tuple[bytes, list[np.ndarray]]:
    if not isinstance(tensors, dict):
        raise SafetensorError(f"expected a dict of tensors, got {type(tensors).__name__}")
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise SafetensorError("metadata must be a dict of str to str")
    entries = []
    for name, t in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise SafetensorError(f"invalid tensor name {name!r}")
        if not isinstance(t, Tensor):
            raise SafetensorError(f"{name!r} is a {type(t).__name__}, not a Tensor")
        arr = t._data
        if arr.dtype not in _TO_NAME:
            raise SafetensorError(f"{name!r}: dtype {t.dtype} cannot be stored in safetensors")
        entries.append((name, _TO_NAME[arr.dtype], arr))
    # same order as the reference writer: larger dtypes first, then by name
    entries.sort(key=lambda e: (-_RANK[e[1]], e[0]))
    header: dict[str, object] = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    arrays, offset = [], 0
    for name, dtype_name, arr in entries:
        # a copy only when needed: non-contiguous views and big-endian data
        data = np.asarray(arr, dtype=arr.dtype.newbyteorder("<"), order="C")
        header[name] = {"dtype": dtype_name, "shape": list(arr.shape), "data_offsets": [offset, offset + data.nbytes]}
        arrays.append(data)
        offset += data.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad so the data starts 8-byte aligned
    return struct.pack("<Q", len(text)) + text, arrays


def save(tensors: dict[str, Tensor], metadata: dict[str, str] | None = None) -> bytes:
    """The safetensors bytes of a dict of tensors."""
    head, arrays = _header_and_arrays(tensors, metadata)
    return b"".join([head] + [a.tobytes() for a in arrays])


def save_file(tensors: dict[str, Tensor], filename: str | os.PathLike, metadata: dict[str, str] | None = None) -> None:
    """Write a dict of tensors to ``filename`` (atomically: a temporary file renamed over it)."""
    head, arrays = _header_and_arrays(tensors, metadata)

    def write(out: BinaryIO) -> None:
        out.write(head)
        for a in arrays:
            if a.nbytes:  # memoryview.cast() refuses zero-sized shapes
                out.write(memoryview(a).cast("B"))

    atomic_write(filename, write)


def _parse_header(prefix: bytes, total: int) -> tuple[int, list[tuple[str, np.dtype, tuple[int, ...], int, int]]]:
    """(data start, [(name, dtype, shape, begin, end)]) from the file's first bytes, validated against its size."""
    if len(prefix) < 8:
        raise SafetensorError("Error while deserializing header: HeaderTooSmall (file shorter than 8 bytes)")
    (n,) = struct.unpack("<Q", prefix[:8])
    if n > _MAX_HEADER:
        raise SafetensorError(f"Error while deserializing header: HeaderTooLarge ({n} bytes)")
    if 8 + n > total:
        raise SafetensorError(f"Error while deserializing header: InvalidHeaderLength ({n} bytes but the file has "
                              f"{total}): truncated file")
    try:
        header = json.loads(prefix[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorError(f"Error while deserializing header: InvalidHeaderDeserialization ({e})") from None
    if not isinstance(header, dict):
        raise SafetensorError("Error while deserializing header: the header is not a JSON object")
    entries = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype_name, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise SafetensorError(f"Error while deserializing header: bad entry for {name!r}: {info!r}") from None
        if dtype_name not in _FROM_NAME:
            raise SafetensorError(f"{name!r} has dtype {dtype_name}, which ember cannot represent")
        if not (isinstance(shape, list) and all(isinstance(s, int) and s >= 0 for s in shape)
                and isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end):
            raise SafetensorError(f"Error while deserializing header: bad shape or offsets for {name!r}")
        dtype = _FROM_NAME[dtype_name]
        if (end - begin) != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            raise SafetensorError(f"Error while deserializing header: TensorInvalidInfo for {name!r}: "
                                  f"{end - begin} bytes do not hold {dtype_name} of shape {shape}")
        entries.append((name, dtype, tuple(shape), begin, end))
    # the data must be covered exactly, without gaps or overlaps, as the reference reader requires
    covered = 0
    for _, _, _, begin, end in sorted(entries, key=lambda e: (e[3], e[4])):
        if begin != covered:
            raise SafetensorError("Error while deserializing header: InvalidOffset (tensors overlap or leave a gap)")
        covered = end
    if 8 + n + covered != total:
        raise SafetensorError(f"Error while deserializing header: MetadataIncompleteBuffer (data is {total - 8 - n} "
                              f"bytes, the header describes {covered}): truncated or corrupted file")
    return 8 + n, entries


def _native(arr: np.ndarray) -> Tensor:
    # the file is little-endian; only a big-endian machine needs the swap
    return Tensor._make(arr if arr.dtype.isnative else arr.astype(arr.dtype.newbyteorder("=")))


def load(data: bytes) -> dict[str, Tensor]:
    """Tensors from safetensors bytes (each one a fresh, writable array)."""
    n = struct.unpack("<Q", bytes(data[:8]))[0] if len(data) >= 8 else 0
    start, entries = _parse_header(bytes(data[:8 + min(n, _MAX_HEADER)]), len(data))
    view = memoryview(data).cast("B")
    return {name: _native(np.frombuffer(view[start + b:start + e], dtype=dtype).reshape(shape).copy())
            for name, dtype, shape, b, e in entries}


def load_file(filename: str | os.PathLike, device: str = "cpu") -> dict[str, Tensor]:
    """Tensors from a safetensors file, each read straight into its own array; ``device`` must be the CPU."""
    if str(device).split(":")[0] != "cpu":
        raise SafetensorError(f"ember runs on the CPU only; cannot load onto device {device!r}")
    with open(filename, "rb") as f:
        total = os.fstat(f.fileno()).st_size
        first = f.read(8)
        n = struct.unpack("<Q", first)[0] if len(first) == 8 else 0
        start, entries = _parse_header(first + f.read(min(n, _MAX_HEADER)), total)
        out = {}
        for name, dtype, shape, begin, end in entries:
            arr = np.empty(shape, dtype)
            f.seek(start + begin)
            if arr.nbytes and f.readinto(memoryview(arr).cast("B")) != end - begin:
                raise SafetensorError(f"{name!r}: file truncated while reading")
            out[name] = _native(arr)
        return out
