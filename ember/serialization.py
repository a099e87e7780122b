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
import warnings
import zipfile
import zlib
from contextlib import contextmanager
from typing import IO, Any, BinaryIO, Callable, Iterator, Union

import numpy as np

from ._device import device
from ._serialization._atomic import atomic_write
from ._serialization._legacy import load_legacy
from ._serialization._location import restore_location
from ._serialization._pickler import Pickler
from ._serialization._rebuild import (ALLOWED, USER_GLOBALS, Storage, StorageType, WeightsOnlyPolicy,
                                      user_global_name, weights_only_message)
from ._serialization._weights_only_unpickler import WeightsOnlyUnpickler
from ._serialization._zip import ALIGNMENT, AlignedZipWriter, read_record_into, record_data_offset

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals"]

FILE_LIKE = Union[str, os.PathLike, BinaryIO, IO[bytes]]
MAP_LOCATION = Union[None, str, device, dict, Callable]

# torch's legacy storage classes, one per dtype (what the persistent ids name)
def _archive_name(f: FILE_LIKE) -> str:
    """torch names the archive folder after the file, without its last extension; a path that is not
    ASCII (anywhere) goes through a Python file object in torch, so its folder is "archive" then."""
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        if isinstance(path, str) and path.isascii():
            return os.path.splitext(os.path.basename(path))[0] or "archive"
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
    if not isinstance(f, (str, os.PathLike)):
        if not hasattr(f, "write"):
            raise AttributeError("expected 'f' to be string, path, or a file-like object with a 'write' attribute")
        if not callable(f.write):
            raise TypeError(f"Buffer of {str(type(f)).strip('<>')} has no callable attribute 'write'")
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


def _place(storage: Storage, location: str, map_location: MAP_LOCATION) -> Storage:
    return restore_location(storage, location, map_location, Storage)


# what Python's zipfile raises for damaged archives (ValueError covers a header's undecodable name,
# NotImplementedError a damaged version or compression field); each becomes a RuntimeError, as torch's reader gives
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error)


class _ArchiveReader:
    """Reads the storages of one archive on demand, each once, honouring map_location and mmap."""

    def __init__(self, zf: zipfile.ZipFile, stream: BinaryIO, prefix: str, map_location: MAP_LOCATION,
                 mapped: np.ndarray | None) -> None:
        self.zf, self.stream, self.prefix = zf, stream, prefix
        self.map_location = map_location
        self.mapped = mapped  # the whole file, memory-mapped copy-on-write, when mmap=True
        for name in (".format_version", "version", ".data/serialization_id"):
            self._small_record(name, b"")  # torch reads these too: a damaged one fails the load, as in torch
        int(self._small_record(".storage_alignment", b"64"))  # torch parses it: junk is its ValueError
        byteorder = self._small_record("byteorder", b"little")
        if byteorder not in (b"little", b"big"):
            raise ValueError("Unknown endianness type: " + byteorder.decode())  # torch's type and words
        self.swap = byteorder.decode() != sys.byteorder
        self.loaded: dict[str, Storage] = {}

    def _small_record(self, name: str, default: bytes) -> bytes:
        try:
            return self.zf.read(f"{self.prefix}/{name}")
        except KeyError:
            return default
        except _ZIP_ERRORS as e:
            raise RuntimeError(f"failed reading '{self.prefix}/{name}': {e}; the checkpoint is corrupted") from None

    def persistent_load(self, pid: Any) -> Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], StorageType)
                and isinstance(pid[2], str)):
            raise pickle.UnpicklingError(f"unsupported persistent id encountered: {pid!r}")
        _, storage_type, key, location, numel = pid
        storage = self.loaded.get(key)
        if storage is None:  # read and placed once per record, as torch does
            dtype = np.dtype(np.uint8) if storage_type.dtype is None else storage_type.dtype  # untyped: bytes
            storage = _place(self._read_storage(key, dtype, numel), location, self.map_location)
            self.loaded[key] = storage
        if storage_type.dtype is not None and storage_type.dtype != storage.array.dtype:
            # one record named with two element types (torch allows it for empty storages): this use's type
            return Storage(storage.typed(storage_type.dtype))
        return storage

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
            try:
                read_record_into(self.zf, self.stream, info, array)
            except _ZIP_ERRORS as e:
                raise RuntimeError(f"failed reading '{name}': {e}; the checkpoint is corrupted") from None
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
        except pickle.UnpicklingError as e:
            # only the interpreter's refusals get the hint, as in torch: other errors (a damaged pickle's
            # EOFError or KeyError, map_location's) pass through unchanged
            raise pickle.UnpicklingError(weights_only_message(str(e))) from None

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


def _load_from_stream(stream: BinaryIO, f: FILE_LIKE, map_location: MAP_LOCATION, weights_only: bool,
                      pickle_module: Any, mmap: bool | None, pickle_load_args: dict[str, Any]) -> Any:
    start = stream.tell()
    head = stream.read(4)
    stream.seek(start)
    if head != b"PK\x03\x04":
        # torch's rule: anything that does not start like a zip archive is read as the legacy format, so
        # an empty or foreign file fails as that reader fails (EOFError, UnpicklingError, bad magic number)
        if mmap:
            f_name = f"{f}, " if isinstance(f, str) else ""
            raise RuntimeError("mmap can only be used with files saved with "
                               f"`torch.save({f_name}_use_new_zipfile_serialization=True), please torch.save your "
                               "checkpoint with this option in order to use mmap.")
        return load_legacy(stream, lambda pl: _unpickle(stream, pl, weights_only, pickle_module, pickle_load_args),
                           lambda storage, location: _place(storage, location, map_location))
    try:
        zf = zipfile.ZipFile(stream)
    except _ZIP_ERRORS as e:
        raise RuntimeError(f"PytorchStreamReader failed reading zip archive: {e}. The checkpoint file is probably "
                           "truncated or corrupted (e.g. not saved completely or modified after saving).") from None
    with zf:
        pkl = [n for n in zf.namelist() if n.endswith("data.pkl") and n.count("/") == 1]
        if not pkl:
            raise RuntimeError("PytorchStreamReader failed locating file data.pkl: file not found; "
                               "this zip archive is not a torch checkpoint")
        mapped = None
        if mmap:
            if not isinstance(f, (str, os.PathLike)):
                raise ValueError("f must be a file path in order to use the mmap argument")
            mapped = np.memmap(os.fspath(f), dtype=np.uint8, mode="c")  # copy-on-write, like torch's MAP_PRIVATE
        prefix = pkl[0].split("/")[0]
        info = zf.getinfo(pkl[0])
        data = bytearray(info.file_size)
        try:
            read_record_into(zf, stream, info, data)
        except _ZIP_ERRORS as e:
            raise RuntimeError(f"failed reading '{pkl[0]}': {e}; the checkpoint is corrupted") from None
        reader = _ArchiveReader(zf, stream, prefix, map_location, mapped)
        return _unpickle(io.BytesIO(data), reader.persistent_load, weights_only, pickle_module, pickle_load_args)


def _check_seekable(f: Any) -> None:
    """torch's check on a file object: seek/tell must work; their error gets torch's advice appended."""
    try:
        f.seek(f.tell())
    except (io.UnsupportedOperation, AttributeError) as e:
        if "seek" in str(e) or "tell" in str(e):
            raise type(e)(f"{e}. You can only torch.load from a file that is seekable. Please pre-load the data "
                          "into a buffer like io.BytesIO and try to load from it instead.") from None
        raise


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
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    if isinstance(f, (str, os.PathLike)):
        with open(os.fspath(f), "rb") as stream:
            return _load_from_stream(stream, f, map_location, bool(weights_only), pickle_module, mmap, pickle_load_args)
    _check_seekable(f)
    return _load_from_stream(f, f, map_location, bool(weights_only), pickle_module, mmap, pickle_load_args)
