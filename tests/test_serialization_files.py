"""What save/load accept as ``f``: paths (and the archive folder named after them), file objects, and torch's errors for the rest."""
from __future__ import annotations

import io
import zipfile

import pytest
import torch

import ember
from _compare import check_error


class _WriteNotCallable:
    write = 5


class _ReadOnly:
    def read(self, n: int = -1) -> bytes:
        return b""


class _NotSeekable(io.RawIOBase):
    def readable(self) -> bool:
        return True


@pytest.mark.parametrize("make", [lambda: 5, lambda: object(), lambda: _WriteNotCallable()],
                         ids=["int", "object", "write not callable"])
def test_save_refuses_what_torch_refuses(make):
    check_error(lambda lib: lib.save([1], make()))


@pytest.mark.parametrize("make", [lambda: 5, lambda: _ReadOnly(), lambda: _NotSeekable(), lambda: io.StringIO("abc")],
                         ids=["int", "no seek", "not seekable", "text file"])
def test_load_refuses_what_torch_refuses(make):
    check_error(lambda lib: lib.load(make(), weights_only=True))


@pytest.mark.parametrize("name", ["model.pt", "a.b.c", "noext", "x y.pt", "ü.pt", "dü/w.pt", "日本"])
def test_archive_folder_named_as_torch_names_it(name, tmp_path):
    # the file's name without its last extension; a non-ASCII path goes through a file object in torch: "archive"
    folders = []
    for lib in (ember, torch):
        path = tmp_path / lib.__name__ / name
        path.parent.mkdir(parents=True, exist_ok=True)
        lib.save({"w": lib.ones(2)}, str(path))
        folders.append(zipfile.ZipFile(path).namelist()[0].split("/")[0])
    assert folders[0] == folders[1]


def test_pickle_load_args_warn_with_weights_only():
    raw = io.BytesIO()
    torch.save([1], raw)
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match=r"pickle_load_args only works if `weights_only=False`\."):
            assert lib.load(io.BytesIO(raw.getvalue()), encoding="latin1") == [1]
