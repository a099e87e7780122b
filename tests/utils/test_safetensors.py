"""ember.utils.safetensors against the format spec (hand-made bytes) and the reference ``safetensors`` package."""
from __future__ import annotations

import json
import os
import struct

import numpy as np
import pytest
import torch

import ember
from ember.utils import safetensors as est

DTYPES = {"bool": "BOOL", "uint8": "U8", "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64",
          "float16": "F16", "float32": "F32", "float64": "F64", "complex64": "C64"}


def _array(dtype: str, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == "bool":
        return (rng.integers(0, 2, n) == 1).reshape(shape)
    if dtype.startswith("complex"):
        return (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype).reshape(shape)
    if dtype.startswith("float"):
        return rng.standard_normal(n).astype(dtype).reshape(shape)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True).reshape(shape)


def _tensors() -> dict[str, ember.Tensor]:
    out = {}
    for i, dtype in enumerate(DTYPES):
        arr = _array(dtype, (3, 4), seed=i)
        out[f"{dtype}.t"] = ember.from_numpy(arr).t()  # non-contiguous: written as its contiguous copy
        out[f"{dtype}.scalar"] = ember.from_numpy(arr[0, :1].reshape(()).copy())
    out["empty"] = ember.zeros(0, 3)
    return out


def _parse(raw: bytes) -> tuple[dict, bytes]:
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def _assert_same(e: ember.Tensor, arr: np.ndarray, what: str) -> None:
    assert e._data.dtype == arr.dtype and e.shape == arr.shape, what
    assert e._data.tobytes() == arr.tobytes(), what


# ---------------------------------------------------------------------------- the format, by hand
def test_layout_follows_the_spec():
    raw = est.save({"b": ember.ones(2, dtype=ember.int8), "a": ember.arange(3.0, dtype=ember.float64)},
                   metadata={"format": "pt"})
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0 and raw[8:8 + n].endswith(b"}" + b" " * (len(raw[8:8 + n]) - len(raw[8:8 + n].rstrip())))
    header, data = _parse(raw)
    assert header["__metadata__"] == {"format": "pt"}
    # larger dtypes first, offsets counted from the start of the data, no gaps
    assert header["a"] == {"dtype": "F64", "shape": [3], "data_offsets": [0, 24]}
    assert header["b"] == {"dtype": "I8", "shape": [2], "data_offsets": [24, 26]}
    assert data == np.arange(3.0).astype("<f8").tobytes() + b"\x01\x01"


def test_hand_made_file_loads(tmp_path):
    header = {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
              "m": {"dtype": "BOOL", "shape": [3], "data_offsets": [16, 19]},
              "__metadata__": {"k": "v"}}
    text = json.dumps(header).encode()
    raw = struct.pack("<Q", len(text)) + text + np.array([1, 2, 3, 4], "<f4").tobytes() + b"\x01\x00\x01"
    got = est.load(raw)
    _assert_same(got["w"], np.array([[1, 2], [3, 4]], np.float32), "w")
    _assert_same(got["m"], np.array([True, False, True]), "m")
    (tmp_path / "h.safetensors").write_bytes(raw)
    got = est.load_file(tmp_path / "h.safetensors")
    _assert_same(got["w"], np.array([[1, 2], [3, 4]], np.float32), "w")
    got["w"]._data[0, 0] = 9  # loaded tensors own writable memory
    assert est.load_file(tmp_path / "h.safetensors")["w"]._data[0, 0] == 1


def test_round_trip_every_dtype(tmp_path):
    tensors = _tensors()
    est.save_file(tensors, tmp_path / "x.safetensors", metadata={"a": "b"})
    assert os.listdir(tmp_path) == ["x.safetensors"]  # the temporary file was renamed, none left behind
    for source in (est.load_file(tmp_path / "x.safetensors"), est.load(est.save(tensors))):
        assert set(source) == set(tensors)
        for k, v in tensors.items():
            _assert_same(source[k], v._data.copy(order="C"), k)


# ---------------------------------------------------------------------------- damaged or invalid input
def _valid() -> bytes:
    return est.save({"w": ember.arange(10.0), "i": ember.arange(3)})


@pytest.mark.parametrize("keep", [0, 4, 8, 20, -1, -30])
def test_truncated(keep):
    with pytest.raises(est.SafetensorError, match="HeaderTooSmall|InvalidHeaderLength|MetadataIncompleteBuffer"):
        est.load(_valid()[:keep])


def test_truncated_file(tmp_path):
    (tmp_path / "t.safetensors").write_bytes(_valid()[:-5])
    with pytest.raises(est.SafetensorError, match="truncated"):
        est.load_file(tmp_path / "t.safetensors")


def _with_header(header: dict, data: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


@pytest.mark.parametrize("header, data, match", [
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4, "TensorInvalidInfo"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8, "InvalidOffset"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
      "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4, "InvalidOffset"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 8, "MetadataIncompleteBuffer"),
    ({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, "bad shape"),
    ({"a": {"dtype": "F32"}}, b"", "bad entry"),
    ({"a": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}, b"\0" * 2, "BF16, which ember cannot"),
])
def test_invalid_headers(header, data, match):
    with pytest.raises(est.SafetensorError, match=match):
        est.load(_with_header(header, data))


def test_header_garbage_and_size_limits():
    with pytest.raises(est.SafetensorError, match="InvalidHeaderDeserialization"):
        est.load(struct.pack("<Q", 4) + b"{{{{")
    with pytest.raises(est.SafetensorError, match="HeaderTooLarge"):
        est.load(struct.pack("<Q", 2**40) + b"{}")


def test_invalid_inputs_to_save():
    with pytest.raises(est.SafetensorError, match="complex128"):
        est.save({"c": ember.ones(1, dtype=ember.complex128)})
    with pytest.raises(est.SafetensorError, match="not a Tensor"):
        est.save({"x": np.ones(2)})
    with pytest.raises(est.SafetensorError, match="metadata"):
        est.save({"x": ember.ones(1)}, metadata={"k": 1})
    with pytest.raises(est.SafetensorError, match="CPU"):
        est.load_file("unused.safetensors", device="cuda")


# ---------------------------------------------------------------------------- the reference implementation
st_torch = pytest.importorskip("safetensors.torch", reason="the reference safetensors package is not installed")


def test_bytes_identical_to_reference():
    tensors = _tensors()
    ref = st_torch.save({k: torch.from_numpy(v._data.copy(order="C")) for k, v in tensors.items()},
                        metadata={"format": "pt"})
    assert est.save(tensors, metadata={"format": "pt"}) == ref


def test_reference_reads_ember_files(tmp_path):
    tensors = _tensors()
    est.save_file(tensors, tmp_path / "e.safetensors")
    got = st_torch.load_file(tmp_path / "e.safetensors")
    for k, v in tensors.items():
        assert got[k].numpy().tobytes() == v._data.copy(order="C").tobytes() and str(got[k].dtype) == str(v.dtype)


def test_ember_reads_reference_files(tmp_path):
    ref = {f"{d}": torch.from_numpy(_array(d, (2, 3), seed=7)) for d in DTYPES}
    ref["empty"] = torch.zeros(0, 4)
    st_torch.save_file(ref, tmp_path / "t.safetensors", metadata={"x": "y"})
    for got in (est.load_file(tmp_path / "t.safetensors"), est.load(st_torch.save(ref))):
        for k, v in ref.items():
            _assert_same(got[k], v.numpy(), k)
