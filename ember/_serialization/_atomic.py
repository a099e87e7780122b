"""Atomic file replacement shared by ``ember.save`` and ``ember.utils.safetensors.save_file``."""
from __future__ import annotations

import os
import secrets
from typing import BinaryIO, Callable

__all__ = ["atomic_write"]


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, sync it, then rename it over ``path``.

    A crash or kill mid-write leaves ``path`` as it was (plus a stray ``.<name>.<hex>.tmp``),
    never a half-written checkpoint.
    """
    # follow a symlink, as opening the path would, so the rename replaces the real file and stays atomic
    target = os.path.realpath(os.fspath(path))
    folder, base = os.path.split(target)
    tmp = os.path.join(folder, f".{base}.{secrets.token_hex(6)}.tmp")
    # mode 0o666 lets the umask decide the permissions, as a plain open() would
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
