"""Reading torch's legacy checkpoint format (torch < 1.6, or ``_use_new_zipfile_serialization=False``).

The file is a run of pickles followed by raw storages::

    pickle: magic number 0x1950a86a20f9469cfc6c
    pickle: protocol version 1001
    pickle: sys_info {'protocol_version', 'little_endian', 'type_sizes'}
    pickle: the object; a storage is the persistent id
            ('storage', torch.FloatStorage, key, location, numel, view_metadata)
    pickle: the list of storage keys, in the order their data follows
    per key: int64 element count, then the raw bytes

The object comes before the data, so storages are allocated empty while it is
unpickled (tensors become views of them) and filled in place afterwards.
"""
from __future__ import annotations

import pickle
import struct
import sys
from typing import Any, BinaryIO, Callable

import numpy as np

from ._rebuild import Storage, StorageType

__all__ = ["is_legacy_format", "load_legacy"]

_MAGIC = 0x1950A86A20F9469CFC6C
_PROTOCOL_VERSION = 1001


def is_legacy_format(head: bytes) -> bool:
    """Does a file start with the pickled magic number (PROTO 2, LONG1 of 10 bytes)?"""
    return head[:4] == b"\x80\x02\x8a\x0a" and head[4:14] == _MAGIC.to_bytes(10, "little")


def _no_storages(pid: Any) -> Any:
    raise pickle.UnpicklingError("unexpected persistent id in a legacy checkpoint's header")


def load_legacy(stream: BinaryIO, unpickle: Callable[[Callable[[Any], Any]], Any],
                place: Callable[[Storage, str], Storage]) -> Any:
    """The object in a legacy checkpoint; ``unpickle(persistent_load)`` reads the next pickle from ``stream``."""
    if unpickle(_no_storages) != _MAGIC:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = unpickle(_no_storages)
    if version != _PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {version}")
    sys_info = unpickle(_no_storages)
    little = sys_info.get("little_endian", True) if isinstance(sys_info, dict) else True
    roots: dict[str, Storage] = {}  # filled from the file once the object is read
    placed: dict[str, Storage] = {}  # what map_location made of each, asked once per storage as torch does

    def persistent_load(pid: Any) -> Storage:
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage" and isinstance(pid[1], StorageType)
                and isinstance(pid[4], int) and pid[4] >= 0):
            raise pickle.UnpicklingError(f"unsupported persistent id in a legacy checkpoint: {pid!r}")
        _, storage_type, key, location, numel, view = pid
        dtype = np.dtype(np.uint8) if storage_type.dtype is None else storage_type.dtype
        if key not in roots:
            roots[key] = Storage(np.empty(numel, dtype))
            placed[key] = place(roots[key], location)
            storage = placed[key]
        elif placed[key].array.nbytes == 0:
            # torch's loader: a key seen before whose storage has no data (data_ptr 0) gives a fresh empty storage
            # of this id's type, so empty tensors saved with one key keep their own dtypes
            storage = Storage(np.empty(0, dtype))
        else:
            storage = placed[key]
        if view is not None:  # (view_key, offset, size): a storage that is a slice of another (torch < 1.0)
            _, offset, size = view
            storage = Storage(storage.array[offset:offset + size])
        return storage

    obj = unpickle(persistent_load)
    keys = unpickle(_no_storages)
    if not (isinstance(keys, list) and all(k in roots for k in keys)):
        raise RuntimeError("the legacy checkpoint's storage list does not match its object: the file is corrupted")
    for key in keys:
        array = roots[key].array
        header = stream.read(8)
        count = struct.unpack("<q" if little else ">q", header)[0] if len(header) == 8 else -1
        if count != array.size:
            raise RuntimeError(f"storage {key} of the legacy checkpoint has {count} elements on disk, expected "
                               f"{array.size}: the file is truncated or corrupted")
        view = memoryview(array).cast("B") if array.nbytes else memoryview(bytearray())
        got = 0
        while got < view.nbytes:
            n = stream.readinto(view[got:])
            if not n:
                raise RuntimeError(f"storage {key} of the legacy checkpoint is truncated")
            got += n
        if little != (sys.byteorder == "little"):
            array.byteswap(inplace=True)
    return obj
