"""``save``/``load`` in torch's checkpoint format, readable and writable without torch.

A checkpoint is a zip archive (see ``ember._serialization._zip``) whose records, all under one
folder named after the file (``model.pt`` -> ``model/``; ``archive/`` for a file
object), are, in the order torch writes them::

    data.pkl              pickle (protocol 2) of the object; tensors appear as
                          torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())
                          and each storage as the persistent id ('storage', torch.FloatStorage, '<key>', 'cpu', numel)
    .format_version       "1"
    .storage_alignment    "64"
    byteorder             "little" (the writer's byte order)
    data/<key>            each storage's raw bytes, keys "0", "1", ... in order of first use
    version               "3\\n"
    .data/serialization_id

Saving pickles with the pure-Python pickler so that torch's names
(``torch FloatStorage``, ``torch._utils _rebuild_tensor_v2``) can be written as
GLOBALs without importing torch.  Loading maps those names back to ember's own
rebuild functions, so a torch file loads with torch absent.  torch's legacy
(pre-1.6) format is read too (``ember._serialization._legacy``) but never written.
See https://pytorch.org/docs/stable/generated/torch.load.html for the API.
"""
from __future__ import annotations

import io
import os
import pickle
import secrets
import sys
import zipfile
from contextlib import contextmanager
from typing import IO, Any, BinaryIO, Callable, Iterator, Union

import numpy as np

from ._device import device
from ._serialization._atomic import atomic_write
from ._serialization._legacy import is_legacy_format, load_legacy
from ._serialization._pickler import Pickler
from ._serialization._rebuild import (ALLOWED, USER_GLOBALS, WEIGHTS_ONLY_HINT, Storage, StorageType, WeightsOnlyPolicy,
                                      user_global_name)
from ._serialization._weights_only_unpickler import WeightsOnlyUnpickler
from ._serialization._zip import ALIGNMENT, AlignedZipWriter, read_record_into, record_data_offset

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals"]

FILE_LIKE = Union[str, os.PathLike, BinaryIO, IO[bytes]]
MAP_LOCATION = Union[None, str, device, dict, Callable]

# torch's legacy storage classes, one per dtype (what the persistent ids name)
def _archive_name(f: FILE_LIKE) -> str:
    """torch names the archive folder after the file, without its last extension."""
    if isinstance(f, (str, os.PathLike)):
        return os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
    return "archive"


def _write_archive(obj: Any, out: BinaryIO, archive: str, pickle_protocol: int, byteorder_record: bool) -> None:
    buf = io.BytesIO()
    pickler = Pickler(buf, pickle_protocol)
    pickler.dump(obj)
    writer = AlignedZipWriter(out)
    writer.write_record(f"{archive}/data.pkl", buf.getbuffer())
    writer.write_record(f"{archive}/.format_version", b"1")
    writer.write_record(f"{archive}/.storage_alignment", str(ALIGNMENT).encode())
    if byteorder_record:  # files without it are read as little-endian
        writer.write_record(f"{archive}/byteorder", sys.byteorder.encode())
    for ref in pickler.storages.values():
        writer.write_record(f"{archive}/data/{ref.key}", np.ascontiguousarray(ref.array))
    writer.write_record(f"{archive}/version", b"3\n")
    # torch writes 40 decimal digits here; nothing reads them back but its own de-duplication
    writer.write_record(f"{archive}/.data/serialization_id", f"{secrets.randbits(64):020d}{secrets.randbits(64):020d}".encode())
    writer.close()


def save(obj: object, f: FILE_LIKE, pickle_module: Any = None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` as a torch checkpoint that ``torch.load(f, weights_only=True)`` reads.

    A path is written atomically: to a temporary file beside it, synced, then
    renamed over the target, so an interrupted save leaves the old file intact.
    """
    if not _use_new_zipfile_serialization:
        # deliberate difference: torch can still write its pre-1.6 format; ember only writes the zip format
        raise NotImplementedError("ember.save writes only the zip format: use _use_new_zipfile_serialization=True")
    if pickle_module is not None and pickle_module is not pickle:
        raise NotImplementedError("ember.save pickles with the standard pickle module only")
    archive = _archive_name(f)
    byteorder_record = not _disable_byteorder_record
    if not isinstance(f, (str, os.PathLike)):
        _write_archive(obj, f, archive, pickle_protocol, byteorder_record)
        return
    atomic_write(f, lambda out: _write_archive(obj, out, archive, pickle_protocol, byteorder_record))


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Trust these classes/functions in ``load(weights_only=True)``; an item may be ``(obj, "module.name")``."""
    for obj in safe_globals:
        USER_GLOBALS[user_global_name(obj)] = obj[0] if isinstance(obj, tuple) else obj


def clear_safe_globals() -> None:
    """Forget every global added with ``add_safe_globals``."""
    USER_GLOBALS.clear()


def get_safe_globals() -> list[Any]:
    """The globals added with ``add_safe_globals``."""
    return list(USER_GLOBALS.values())


@contextmanager
def safe_globals(safe_globals: list[Any]) -> Iterator[None]:
    """Trust these globals inside the ``with`` block only."""
    saved = dict(USER_GLOBALS)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        USER_GLOBALS.clear()
        USER_GLOBALS.update(saved)


def _location_error(location: str) -> RuntimeError:
    return RuntimeError(
        f"Attempting to deserialize object on device '{location}', but ember runs on the CPU only. "
        "Please use ember.load with map_location='cpu' to map your storages to the CPU.")


def _check_cpu(location: Any) -> None:
    name = str(location)
    if name.split(":")[0] != "cpu":
        raise _location_error(name)


def _place(storage: Storage, location: str, map_location: MAP_LOCATION) -> Storage:
    """Apply ``map_location`` to a storage saved on ``location``; anything that does not end on the CPU fails."""
    if callable(map_location) and not isinstance(map_location, (str, device, dict)):
        result = map_location(storage, location)
        if result is None:  # torch's convention: None keeps the default placement
            _check_cpu(location)
            return storage
        if not isinstance(result, Storage):
            raise TypeError(f"map_location returned a {type(result).__name__}; ember expects the storage it was "
                            "given (only the CPU exists)")
        return result
    if isinstance(map_location, dict):
        location = str(map_location.get(location, location))
    elif map_location is not None:
        location = str(map_location)
    _check_cpu(location)
    return storage


class _ArchiveReader:
    """Reads the storages of one archive on demand, each once, honouring map_location and mmap."""

    def __init__(self, zf: zipfile.ZipFile, stream: BinaryIO, prefix: str, map_location: MAP_LOCATION,
                 mapped: np.ndarray | None) -> None:
        self.zf, self.stream, self.prefix = zf, stream, prefix
        self.map_location = map_location
        self.mapped = mapped  # the whole file, memory-mapped copy-on-write, when mmap=True
        byteorder = self._small_record("byteorder", b"little").decode()
        if byteorder not in ("little", "big"):
            raise RuntimeError(f"Unknown endianness type: {byteorder}")
        self.swap = byteorder != sys.byteorder
        self.loaded: dict[str, Storage] = {}

    def _small_record(self, name: str, default: bytes) -> bytes:
        try:
            return self.zf.read(f"{self.prefix}/{name}")
        except KeyError:
            return default

    def persistent_load(self, pid: Any) -> Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], StorageType)
                and isinstance(pid[2], str)):
            raise pickle.UnpicklingError(f"unsupported persistent id encountered: {pid!r}")
        _, storage_type, key, location, numel = pid
        storage = self.loaded.get(key)
        if storage is None:
            dtype = np.dtype(np.uint8) if storage_type.dtype is None else storage_type.dtype  # untyped: bytes
            storage = self.loaded[key] = self._read_storage(key, dtype, numel)
        return _place(storage, str(location), self.map_location)

    def _read_storage(self, key: str, dtype: np.dtype, numel: int) -> Storage:
        name = f"{self.prefix}/data/{key}"
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            raise RuntimeError(f"the checkpoint has no record '{name}' for a storage its pickle refers to: "
                               "the file is truncated or corrupted") from None
        if info.file_size != numel * dtype.itemsize:
            raise RuntimeError(f"record '{name}' holds {info.file_size} bytes but its storage needs "
                               f"{numel} x {dtype.itemsize}: the file is corrupted")
        if self.mapped is not None and info.compress_type == zipfile.ZIP_STORED:
            start = record_data_offset(self.stream, info)
            # through a memoryview of just this record: the array's base chain then ends at it, so the record
            # (not the whole mapped file) is the storage that storage_offset(), pickle and deepcopy see
            record = memoryview(self.mapped)[start:start + numel * dtype.itemsize]
            array = np.frombuffer(record, dtype) if numel else np.empty(0, dtype)
        else:
            array = np.empty(numel, dtype)
            read_record_into(self.zf, self.stream, info, array)
        if self.swap:
            array = array.byteswap()  # a file written on a big-endian machine
        return Storage(array)

def _unpickle(stream: BinaryIO, persistent_load: Callable[[Any], Any], weights_only: bool, pickle_module: Any,
              pickle_load_args: dict[str, Any]) -> Any:
    """Unpickle one object from ``stream`` (reading exactly its bytes), storages through ``persistent_load``."""
    if weights_only:
        unpickler = WeightsOnlyUnpickler(stream, WeightsOnlyPolicy(), persistent_load)
        try:
            return unpickler.load()
        except RuntimeError:
            raise  # our own clear messages about the archive (CRC, missing records, devices)
        except Exception as e:  # noqa: BLE001 - anything a crafted or damaged pickle provokes
            raise pickle.UnpicklingError(WEIGHTS_ONLY_HINT + f"{e}") from None

    base = (pickle_module or pickle).Unpickler

    class _FullUnpickler(base):
        # weights_only=False: torch's names still map to ember, anything else is imported as usual
        def find_class(self, module: str, name: str) -> Any:
            if (module, name) in ALLOWED:
                return ALLOWED[(module, name)]
            if module == "torch" or module.startswith("torch."):
                raise pickle.UnpicklingError(f"ember cannot load {module}.{name}: it has no ember equivalent")
            return super().find_class(module, name)

        def persistent_load(self, pid: Any) -> Any:
            return persistent_load(pid)

    args = dict(pickle_load_args)
    args.setdefault("encoding", "utf-8")
    return _FullUnpickler(stream, **args).load()


def _load_from_stream(stream: BinaryIO, map_location: MAP_LOCATION, weights_only: bool, pickle_module: Any,
                      mapped: np.ndarray | None, pickle_load_args: dict[str, Any]) -> Any:
    start = stream.tell()
    head = stream.read(16)
    stream.seek(start)
    if not head:
        raise RuntimeError("Invalid checkpoint: the file is empty")
    if is_legacy_format(head):
        return load_legacy(stream, lambda pl: _unpickle(stream, pl, weights_only, pickle_module, pickle_load_args),
                           lambda storage, location: _place(storage, location, map_location))
    if head[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise RuntimeError(f"Invalid checkpoint: the file does not start like a zip archive (first bytes {head[:8]!r}); "
                           "it is not a file written by torch.save / ember.save, or it is corrupted.")
    try:
        zf = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise RuntimeError(f"PytorchStreamReader failed reading zip archive: {e}. The checkpoint file is probably "
                           "truncated or corrupted (e.g. not saved completely or modified after saving).") from None
    with zf:
        pkl = [n for n in zf.namelist() if n.endswith("data.pkl") and n.count("/") == 1]
        if not pkl:
            raise RuntimeError("PytorchStreamReader failed locating file data.pkl: file not found; "
                               "this zip archive is not a torch checkpoint")
        prefix = pkl[0].split("/")[0]
        info = zf.getinfo(pkl[0])
        data = bytearray(info.file_size)
        try:
            read_record_into(zf, stream, info, data)
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise RuntimeError(f"failed reading '{pkl[0]}': {e}; the checkpoint is corrupted") from None
        reader = _ArchiveReader(zf, stream, prefix, map_location, mapped)
        return _unpickle(io.BytesIO(data), reader.persistent_load, weights_only, pickle_module, pickle_load_args)


def load(f: FILE_LIKE, map_location: MAP_LOCATION = None, pickle_module: Any = None, *,
         weights_only: bool | None = True, mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Load an object saved by ``ember.save`` or ``torch.save`` (zip or legacy format), onto the CPU.

    With ``weights_only=True`` (the default, as in torch >= 2.6) nothing in the file
    can run code: only tensors, Parameters, dtypes, sizes, devices and Python
    containers/scalars are rebuilt, any other name raises ``pickle.UnpicklingError``.
    ``weights_only=False`` unpickles anything and so **runs whatever code the file
    holds**: use it only for files you trust.  ``mmap=True`` (paths only) maps
    the file copy-on-write instead of reading it.
    """
    if weights_only is None:
        weights_only = True
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if isinstance(map_location, (str, device)):
        _check_cpu(device(map_location) if isinstance(map_location, str) else map_location)
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        with open(path, "rb") as stream:
            mapped = None
            if mmap and os.path.getsize(path):
                mapped = np.memmap(path, dtype=np.uint8, mode="c")  # copy-on-write, like torch's MAP_PRIVATE
            return _load_from_stream(stream, map_location, bool(weights_only), pickle_module, mapped, pickle_load_args)
    if mmap:
        raise ValueError("f must be a file path in order to use the mmap argument")
    if not (hasattr(f, "read") and hasattr(f, "seek")):
        raise TypeError(f"ember.load expects a path or a binary file object with read/seek, got {type(f).__name__}")
    return _load_from_stream(f, map_location, bool(weights_only), pickle_module, None, pickle_load_args)
