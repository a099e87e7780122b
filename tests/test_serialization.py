"""ember.save / ember.load against torch.save / torch.load: files cross over in both directions, bit for bit."""
from __future__ import annotations

import copy
import io
import os
import pickle
import signal
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from ember import serialization as S
from ember._serialization import _zip

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "complex64", "complex128"]


def _array(dtype: str, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == "bool":
        return rng.integers(0, 2, n).astype(bool).reshape(shape)
    if dtype.startswith("complex"):
        return (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype).reshape(shape)
    if dtype.startswith("float"):
        values = rng.standard_normal(n).astype(dtype)
        if n >= 3:
            values[:3] = [np.nan, np.inf, -0.0]  # the bits must survive, not just the values
        return values.reshape(shape)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True).reshape(shape)


def _views(lib, arr: np.ndarray) -> dict:
    """The same tensors (whole, 0-d, empty, transposed, sliced) built in ember or torch."""
    base = lib.from_numpy(arr.copy())
    return {"whole": base, "t": base.transpose(0, 2), "slice": base[1:, ::2, 1:],
            "scalar": lib.from_numpy(arr.reshape(-1)[:1].reshape(()).copy()),
            "empty": lib.zeros((0, 3), dtype=getattr(lib, str(arr.dtype)))}


def _assert_bits(e: ember.Tensor, t: torch.Tensor, what: str = "") -> None:
    """Same dtype, shape, strides, storage offset and bytes."""
    assert str(e.dtype) == str(t.dtype), what
    assert tuple(e.shape) == tuple(t.shape), what
    assert tuple(e.stride()) == tuple(t.stride()), what
    assert e.storage_offset() == t.storage_offset(), what
    assert e.requires_grad == t.requires_grad, what
    a, b = e._data, t.detach().numpy()  # tobytes() gives C-order bytes of any layout
    assert a.tobytes() == b.tobytes(), what


def _torch_roundtrip_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _ember_bytes(obj) -> bytes:
    buf = io.BytesIO()
    S.save(obj, buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------- tensors of every dtype
@pytest.mark.parametrize("dtype", DTYPES)
def test_ember_to_torch_to_ember(dtype, tmp_path):
    arr = _array(dtype, (3, 4, 5))
    obj = _views(ember, arr)
    S.save(obj, tmp_path / "e.pt")
    loaded = torch.load(tmp_path / "e.pt", weights_only=True)
    for k, t in loaded.items():
        _assert_bits(obj[k], t, k)
    # views of one tensor share one storage in the file, as torch would write them
    assert loaded["t"].untyped_storage().data_ptr() == loaded["whole"].untyped_storage().data_ptr()
    assert loaded["slice"].untyped_storage().data_ptr() == loaded["whole"].untyped_storage().data_ptr()
    torch.save(loaded, tmp_path / "t.pt")
    back = S.load(tmp_path / "t.pt")
    for k, t in loaded.items():
        _assert_bits(back[k], t, k)


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_to_ember_to_torch(dtype, tmp_path):
    arr = _array(dtype, (3, 4, 5), seed=1)
    obj = _views(torch, arr)
    torch.save(obj, tmp_path / "t.pt")
    loaded = S.load(tmp_path / "t.pt")
    for k, t in obj.items():
        _assert_bits(loaded[k], t, k)
    # tensors that shared a storage in torch share memory in ember
    assert np.shares_memory(loaded["whole"]._data, loaded["t"]._data)
    assert np.shares_memory(loaded["whole"]._data, loaded["slice"]._data)
    loaded["whole"]._data[0, 0, 0] = loaded["whole"]._data[0, 0, 1]
    assert loaded["t"]._data[0, 0, 0] == loaded["whole"]._data[0, 0, 1]
    S.save(loaded, tmp_path / "e.pt")
    again = torch.load(tmp_path / "e.pt", weights_only=True)
    for k, t in again.items():
        _assert_bits(loaded[k], t, k)


def test_expanded_and_negative_stride_views():
    x = ember.arange(6.0).reshape(2, 3)
    expanded = x[:, 1:2].expand(2, 4)  # stride 0: saved over x's storage, as torch saves it
    reversed_ = ember.Tensor._make(np.arange(5.0)[::-1])  # torch has no negative strides: saved as a copy
    t = torch.load(io.BytesIO(_ember_bytes({"x": x, "e": expanded, "r": reversed_})), weights_only=True)
    assert expanded.stride() == (3, 0) and expanded.storage_offset() == 1
    assert t["e"].stride() == (3, 0) and t["e"].storage_offset() == 1 and t["e"].tolist() == expanded.tolist()
    assert t["e"].untyped_storage().data_ptr() == t["x"].untyped_storage().data_ptr()
    assert t["r"].tolist() == [4.0, 3.0, 2.0, 1.0, 0.0] and t["r"].stride() == (1,)
    back = S.load(io.BytesIO(_torch_roundtrip_bytes(t)))
    _assert_bits(back["e"], t["e"])


SAVED_VIEWS = {
    "empty_t": lambda L: L.zeros(0, 3).t(),
    "empty_permuted": lambda L: L.zeros(2, 0, 4).permute(2, 0, 1),
    "empty_of_nonempty": lambda L: L.arange(6.0).reshape(2, 3)[1:, :0],
    "permuted_result": lambda L: L.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1) + 1,
    "view_of_permuted_result": lambda L: (L.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1) + 1)[1:, 1],
    "expand": lambda L: L.ones(1, 3).expand(2, 3),
}


def _geometry(t) -> tuple:
    return tuple(t.shape), tuple(t.stride()), t.storage_offset(), t.tolist()


@pytest.mark.parametrize("name", SAVED_VIEWS)
def test_views_saved_as_torch_saves_them(name):
    """Saved with the base they view: ember's file loads in torch with torch's strides, offset, storage size
    and sharing, and torch's file loads in ember with the same geometry."""
    def objs(lib):
        v = SAVED_VIEWS[name](lib)
        return [v, v if v._base is None else v._base]

    t = torch.load(io.BytesIO(_ember_bytes(objs(ember))), weights_only=True)
    ref = objs(torch)
    for got, want in zip(t, ref):
        assert _geometry(got) == _geometry(want)
        assert got.untyped_storage().nbytes() == want.untyped_storage().nbytes()
    assert (t[0].untyped_storage().data_ptr() == t[1].untyped_storage().data_ptr()) == \
        (ref[0].untyped_storage().data_ptr() == ref[1].untyped_storage().data_ptr())
    e = S.load(io.BytesIO(_torch_roundtrip_bytes(ref)))
    for got, want in zip(e, ref):
        assert _geometry(got) == _geometry(want)
    if ref[0].numel():
        assert np.shares_memory(e[0]._data, e[1]._data)


def test_empty_slice_offset_loaded_from_torch():
    """torch's empty slice keeps its offset; loaded in ember it still has it (ember's own slicing cannot make one)."""
    x = torch.arange(6.0)
    e = S.load(io.BytesIO(_torch_roundtrip_bytes([x[2:2], x[9:], x[::2][1:1]])))
    assert [(t.storage_offset(), t.stride()) for t in e] == [(2, (1,)), (6, (1,)), (2, (2,))]


def test_pickle_is_byte_identical_to_torch():
    """For the same structure, ember writes the very data.pkl torch writes (names, memo, opcodes).

    (Devices are left out: torch's device pickles a fresh 'cpu' string where ember reuses the memoized one.)
    """
    def build(lib):
        a = lib.arange(12.0).reshape(3, 4)
        sd = OrderedDict(w=a, wt=a.t(), tail=a[1:], p=lib.nn.Parameter(lib.ones(2)), i=lib.tensor([1, 2]),
                         g=lib.ones(2).requires_grad_(), dt=lib.float16, size=lib.Size([2, 3]),
                         misc=[None, True, 1.5, 2**70, "s", b"\x00\xff", (1, 2), {3}, 1 + 2j])
        sd._metadata = OrderedDict({"": {"version": 1}})
        return sd

    e, t = zipfile.ZipFile(io.BytesIO(_ember_bytes(build(ember)))), zipfile.ZipFile(io.BytesIO(_torch_roundtrip_bytes(build(torch))))
    assert e.namelist() == t.namelist()  # same records in the same order
    for name in e.namelist():
        if not name.endswith("serialization_id"):
            assert e.read(name) == t.read(name), name


def test_records_are_64_byte_aligned(tmp_path):
    S.save({"a": ember.ones(3), "b": ember.arange(7)}, tmp_path / "model.pt")
    raw = (tmp_path / "model.pt").read_bytes()
    zf = zipfile.ZipFile(tmp_path / "model.pt")
    assert zf.testzip() is None
    assert zf.namelist()[0] == "model/data.pkl"  # the folder is named after the file, as torch does
    for info in zf.infolist():
        name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
        assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0, info.filename
    # torch's mmap path reads records in place
    assert torch.equal(torch.load(tmp_path / "model.pt", mmap=True)["b"], torch.arange(7))


def test_zip64_records_read_by_both(tmp_path, monkeypatch):
    """Sizes and offsets past 4 GiB go into zip64 fields; lower the limit to exercise them on small data."""
    monkeypatch.setattr(_zip, "_ZIP64_LIMIT", 100)
    obj = {"big": ember.arange(64.0), "small": ember.ones(2)}
    S.save(obj, tmp_path / "z.pt")
    assert zipfile.ZipFile(tmp_path / "z.pt").testzip() is None
    t = torch.load(tmp_path / "z.pt", weights_only=True)
    assert torch.equal(t["big"], torch.arange(64.0))
    assert np.array_equal(S.load(tmp_path / "z.pt")["big"]._data, np.arange(64.0, dtype=np.float32))


# ---------------------------------------------------------------------------- Parameters, modules, optimizer state
@pytest.mark.parametrize("requires_grad", [True, False])
def test_parameter_round_trip(requires_grad):
    p = ember.nn.Parameter(ember.randn(2, 3), requires_grad=requires_grad)
    t = torch.load(io.BytesIO(_ember_bytes({"p": p})), weights_only=True)["p"]
    assert type(t) is torch.nn.Parameter and t.requires_grad == requires_grad
    e = S.load(io.BytesIO(_torch_roundtrip_bytes({"p": t})))["p"]
    assert type(e) is ember.nn.Parameter and e.requires_grad == requires_grad
    _assert_bits(e, t)


def test_tensor_requires_grad_kept():
    x = ember.ones(2).requires_grad_()
    y = x * 2  # a non-leaf: saved as a leaf that requires grad, as torch does
    t = torch.load(io.BytesIO(_ember_bytes([x, y])), weights_only=True)
    assert [v.requires_grad for v in t] == [True, True]
    e = S.load(io.BytesIO(_torch_roundtrip_bytes(t)))
    assert [v.requires_grad for v in e] == [True, True] and all(v.is_leaf for v in e)


def _torch_twin():
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4), torch.nn.Linear(4, 2))


def _ember_twin():
    return ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.LayerNorm(4), ember.nn.Linear(4, 2))


def test_module_state_dict_ember_to_torch(tmp_path):
    ember.manual_seed(0)
    m = _ember_twin()
    S.save(m.state_dict(), tmp_path / "m.pt")
    sd = torch.load(tmp_path / "m.pt", weights_only=True)
    assert type(sd) is OrderedDict and list(sd) == list(m.state_dict())
    assert sd._metadata == m.state_dict()._metadata
    tm = _torch_twin()
    tm.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(tm(torch.from_numpy(x)).detach().numpy(), m(ember.from_numpy(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)


def test_module_state_dict_torch_to_ember(tmp_path):
    torch.manual_seed(0)
    tm = _torch_twin()
    torch.save(tm.state_dict(), tmp_path / "t.pt")
    sd = S.load(tmp_path / "t.pt")
    assert type(sd) is OrderedDict and sd._metadata == tm.state_dict()._metadata
    m = _ember_twin()
    m.load_state_dict(sd)
    for k, v in tm.state_dict().items():
        _assert_bits(m.state_dict()[k], v, k)


def test_optimizer_state_dict_round_trip(tmp_path):
    """A real Adam state_dict from torch loads in ember and, saved again, back into a torch optimizer."""
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.99))
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    torch.save(opt.state_dict(), tmp_path / "opt.pt")
    sd = S.load(tmp_path / "opt.pt")
    assert sd["param_groups"][0]["betas"] == (0.9, 0.99) and sd["param_groups"][0]["params"] == [0, 1]
    assert set(sd["state"]) == {0, 1} and sd["state"][0]["step"].dtype == ember.float32
    S.save(sd, tmp_path / "opt2.pt")
    back = torch.load(tmp_path / "opt2.pt", weights_only=True)
    assert back["param_groups"] == opt.state_dict()["param_groups"]
    for i in (0, 1):
        for k, v in opt.state_dict()["state"][i].items():
            assert torch.equal(back["state"][i][k], v), k
    opt2 = torch.optim.Adam(model.parameters())
    opt2.load_state_dict(back)


def test_nested_containers_and_scalars():
    obj = {"list": [ember.ones(1), [ember.zeros(2), (ember.tensor(3), {"deep": ember.tensor([1.5])})]],
           "tuple": (1, 2.5, "three", None, True, float("inf"), -(2**80)), "set": {1, 2},
           "bytes": b"\x00\x01", "bytearray": bytearray(b"ab"), "complex": 1 - 2j, "dtype": ember.int16,
           "size": ember.Size([4, 5]), "device": ember.device("cpu"), "od": OrderedDict(a=1, b=[2]), "empty": {}}
    t = torch.load(io.BytesIO(_ember_bytes(obj)), weights_only=True)
    assert t["tuple"][:5] == (1, 2.5, "three", None, True) and t["tuple"][6] == -(2**80)
    assert t["dtype"] is torch.int16 and t["size"] == torch.Size([4, 5]) and t["device"] == torch.device("cpu")
    assert t["set"] == {1, 2} and t["bytes"] == b"\x00\x01" and t["complex"] == 1 - 2j
    assert torch.equal(t["list"][1][1][1]["deep"], torch.tensor([1.5]))
    e = S.load(io.BytesIO(_torch_roundtrip_bytes(t)))
    assert e["dtype"] is ember.int16 and isinstance(e["size"], ember.Size) and e["device"] == ember.device("cpu")
    assert e["bytearray"] == bytearray(b"ab") and e["od"] == OrderedDict(a=1, b=[2])
    assert np.array_equal(e["list"][1][1][1]["deep"]._data, np.array([1.5], np.float32))


def test_same_tensor_twice_is_one_object():
    a = ember.ones(3)
    e = S.load(io.BytesIO(_ember_bytes([a, a])))
    assert e[0] is e[1]


def test_top_level_names():
    assert ember.save is S.save and ember.load is S.load


def test_pickle_protocol_4_and_file_objects(tmp_path):
    buf = io.BytesIO()
    S.save({"x": ember.arange(5)}, buf, pickle_protocol=4)
    assert zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()[0] == "archive/data.pkl"
    buf.seek(0)
    # torch's own weights-only unpickler stops at protocol 4's FRAME opcode, so only its full unpickler reads this
    assert torch.equal(torch.load(buf, weights_only=False)["x"], torch.arange(5))
    buf.seek(0)
    assert np.array_equal(S.load(buf)["x"]._data, np.arange(5))
    with open(tmp_path / "f.pt", "wb") as f:  # an open file: written in place, the folder is "archive"
        S.save([ember.ones(1)], f)
    assert torch.load(tmp_path / "f.pt")[0].item() == 1.0


def test_mmap_load(tmp_path):
    torch.save({"w": torch.arange(10.0), "v": torch.arange(3)}, tmp_path / "t.pt")
    e = S.load(tmp_path / "t.pt", mmap=True)
    assert np.array_equal(e["w"]._data, np.arange(10.0, dtype=np.float32))
    e["w"]._data[0] = 5  # copy-on-write: the file is unchanged
    assert torch.load(tmp_path / "t.pt")["w"][0].item() == 0.0
    with pytest.raises(ValueError, match="file path"):
        S.load(io.BytesIO(_ember_bytes(1)), mmap=True)


def test_mmap_load_storages_are_the_records(tmp_path):
    """Each mapped storage is its record, not the whole file: offsets, pickles and deep copies as with a plain load."""
    w = torch.arange(1000.0)
    torch.save({"w": w, "v": torch.arange(6.0), "vt": None}, tmp_path / "t.pt")
    ref = torch.load(tmp_path / "t.pt")
    for mmap in (False, True):
        e = S.load(tmp_path / "t.pt", mmap=mmap)
        v = e["v"].view(2, 3).t()[1:]
        assert e["v"].storage_offset() == 0 and v.storage_offset() == ref["v"].view(2, 3).t()[1:].storage_offset()
        assert len(pickle.dumps(e["v"])) < 1000  # not the 4000 bytes of w, which shares the mapped file
        cv, cw = copy.deepcopy([e["v"], e["w"]])
        cv.add_(1)
        assert cw.tolist() == w.tolist() and e["v"].tolist() == ref["v"].tolist()


# ---------------------------------------------------------------------------- map_location
def _with_location(obj, location: str) -> bytes:
    """A torch file whose storages claim to live on ``location`` (no GPU needed to make one)."""
    src = zipfile.ZipFile(io.BytesIO(_torch_roundtrip_bytes(obj)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X" + struct.pack("<I", len(location)) + location.encode())
            dst.writestr(name, data)
    return out.getvalue()


def test_map_location():
    raw = _with_location({"w": torch.ones(2)}, "cuda:0")
    with pytest.raises(RuntimeError, match="map_location"):
        S.load(io.BytesIO(raw))
    for ml in ("cpu", ember.device("cpu"), {"cuda:0": "cpu"}, lambda storage, loc: storage):
        assert np.array_equal(S.load(io.BytesIO(raw), map_location=ml)["w"]._data, np.ones(2, np.float32))
    plain = _ember_bytes({"w": ember.ones(2)})
    assert S.load(io.BytesIO(plain), map_location=lambda s, loc: None)["w"].shape == (2,)
    with pytest.raises((RuntimeError, AssertionError)):
        S.load(io.BytesIO(plain), map_location="cuda")


# ---------------------------------------------------------------------------- safety
def _zip_with_pickle(payload: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("archive/data.pkl", payload)
        z.writestr("archive/version", "3\n")
    return out.getvalue()


class _Evil:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_malicious_reduce_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    raw = _zip_with_pickle(pickle.dumps({"x": _Evil(str(marker))}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match=r"(?s)Weights only load failed.*GLOBAL (posix|os|nt)\.system"):
        S.load(io.BytesIO(raw))
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL (posix|os|nt)\.system"):
        S.load(io.BytesIO(raw), weights_only=None)  # None means the safe default, as in torch
    assert not marker.exists()
    # torch refuses the same file
    with pytest.raises(pickle.UnpicklingError):
        torch.load(io.BytesIO(raw))
    assert not marker.exists()


def test_malicious_stack_global_and_builtins(tmp_path):
    for payload in (pickle.dumps(eval, protocol=4), pickle.dumps(getattr, protocol=2)):
        with pytest.raises(pickle.UnpicklingError, match="Unsupported global"):
            S.load(io.BytesIO(_zip_with_pickle(payload)))


def test_build_on_shared_objects_is_refused():
    """BUILD could rewrite ember.float32 itself through a plain find_class allowlist; here it is refused."""
    name_evil = b"X\x04\x00\x00\x00nameX\x04\x00\x00\x00evils"
    for state in (b"}" + name_evil, b"N}" + name_evil + b"\x86"):  # dict state, and (None, slot state)
        with pytest.raises(pickle.UnpicklingError, match="BUILD"):
            S.load(io.BytesIO(_zip_with_pickle(b"\x80\x02ctorch\nfloat32\n" + state + b"b.")))
    assert ember.float32.name == "float32"
    # nor may a non-callable allowed name be called
    with pytest.raises(pickle.UnpicklingError, match="unrecognized function"):
        S.load(io.BytesIO(_zip_with_pickle(b"\x80\x02ctorch\nfloat32\n)R.")))


def test_unsupported_opcodes_refused():
    # NEWOBJ of an allowed class and INST are not needed for weights and are refused
    with pytest.raises(pickle.UnpicklingError):
        S.load(io.BytesIO(_zip_with_pickle(b"\x80\x02ccollections\nOrderedDict\n)\x81.")))
    with pytest.raises(pickle.UnpicklingError):
        S.load(io.BytesIO(_zip_with_pickle(b"(ios\nsystem\nX\x04\x00\x00\x00true\x00o.")))


class Point:  # a trusted user class: loads only with weights_only=False
    def __init__(self, x: int) -> None:
        self.x = x


def test_weights_only_false_allows_user_classes():
    raw = _ember_bytes({"p": Point(3), "t": ember.ones(2)})
    with pytest.raises(pickle.UnpicklingError, match="test_serialization.Point"):
        S.load(io.BytesIO(raw))
    e = S.load(io.BytesIO(raw), weights_only=False)
    assert e["p"].x == 3 and e["t"].shape == (2,)
    with pytest.raises(RuntimeError, match="pickle_module"):
        S.load(io.BytesIO(raw), pickle_module=pickle)
    assert S.load(io.BytesIO(raw), pickle_module=pickle, weights_only=False)["p"].x == 3


class Slotted:
    __slots__ = ("a",)

    def __init__(self, a) -> None:
        self.a = a


def test_safe_globals_allow_trusted_classes():
    raw = _ember_bytes({"p": Point(ember.ones(2)), "s": Slotted(4)})
    with pytest.raises(pickle.UnpicklingError, match=r"add_safe_globals\(\[test_serialization.Point\]\)"):
        S.load(io.BytesIO(raw))
    with S.safe_globals([Point, (Slotted, f"{Slotted.__module__}.Slotted")]):
        assert set(S.get_safe_globals()) == {Point, Slotted}
        e = S.load(io.BytesIO(raw))
        with torch.serialization.safe_globals([Point, Slotted]):  # torch reads the same file the same way
            t = torch.load(io.BytesIO(raw), weights_only=True)
    assert S.get_safe_globals() == []
    assert e["p"].x.tolist() == [1.0, 1.0] and e["s"].a == 4 and t["s"].a == 4
    assert torch.equal(t["p"].x, torch.ones(2))
    S.add_safe_globals([Point])
    try:
        assert S.load(io.BytesIO(_ember_bytes(Point(1)))).x == 1
    finally:
        S.clear_safe_globals()
    with pytest.raises(pickle.UnpicklingError):
        S.load(io.BytesIO(_ember_bytes(Point(1))))


def test_tensor_with_python_attributes_from_torch():
    t = torch.ones(2)
    t.note = "kept by torch"  # torch wraps it in _rebuild_from_type_v2 with the attributes as its state
    e = S.load(io.BytesIO(_torch_roundtrip_bytes({"t": t})))
    assert type(e["t"]) is ember.Tensor and e["t"].tolist() == [1.0, 1.0] and e["t"].note == "kept by torch"
    # the state may only set plain attributes: the same file with the attribute renamed to 'data' is refused
    src, out = zipfile.ZipFile(io.BytesIO(_torch_roundtrip_bytes({"t": t}))), io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in src.namelist():
            z.writestr(name, src.read(name).replace(b"note", b"data") if name.endswith("data.pkl") else src.read(name))
    with pytest.raises(pickle.UnpicklingError, match="may not set attribute 'data'"):
        S.load(io.BytesIO(out.getvalue()))
    # _rebuild_from_type_v2 itself may only call the allowed functions
    # _rebuild_from_type_v2(torch.Tensor, torch.Tensor, (), None): Tensor is a name, not an allowed callable
    payload = b"\x80\x02ctorch._tensor\n_rebuild_from_type_v2\n(ctorch\nTensor\nctorch\nTensor\n)NtR."
    with pytest.raises(pickle.UnpicklingError, match="may not call"):
        S.load(io.BytesIO(_zip_with_pickle(payload)))


def test_tensor_and_parameter_attributes_are_written_as_torch_writes_them():
    """A tensor (or Parameter, or a tensor marked by nn.Buffer) with Python attributes: torch's
    _rebuild_from_type_v2 / _rebuild_parameter_with_state, byte for byte, and loaded back with the attributes."""
    def build(lib):
        x = lib.arange(3.0)
        x.foo, x.meta = 5, {"a": [1, 2]}
        p = lib.nn.Parameter(lib.ones(2))
        p.tag = "w"
        m = lib.nn.Module()
        m.b = lib.nn.Buffer(lib.ones(2))
        return OrderedDict(x=x, tail=x[1:], p=p, b=m.b, plain=lib.ones(1))

    def attrs(d):
        names = ("foo", "meta", "tag", "persistent", "_is_buffer")
        return {k: (type(v).__name__, {a: b for a, b in v.__dict__.items() if a in names}) for k, v in d.items()}

    e_bytes, t_bytes = _ember_bytes(build(ember)), _torch_roundtrip_bytes(build(torch))
    pkl = [zipfile.ZipFile(io.BytesIO(b)).read("archive/data.pkl") for b in (e_bytes, t_bytes)]
    assert pkl[0] == pkl[1]
    want = attrs(build(torch))
    assert attrs(torch.load(io.BytesIO(e_bytes), weights_only=True)) == want
    assert attrs(S.load(io.BytesIO(t_bytes))) == want
    assert attrs(S.load(io.BytesIO(t_bytes), weights_only=False)) == want


def test_whole_module_needs_weights_only_false():
    ember.manual_seed(0)
    m = _ember_twin()
    raw = _ember_bytes(m)
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL ember.nn"):
        S.load(io.BytesIO(raw))
    back = S.load(io.BytesIO(raw), weights_only=False)
    x = ember.randn(2, 3)
    assert type(back) is type(m) and back(x).tolist() == m(x).tolist()


def test_unrepresentable_dtype_is_a_clear_error():
    with pytest.raises(pickle.UnpicklingError, match="BFloat16Storage.*cannot represent"):
        S.load(io.BytesIO(_torch_roundtrip_bytes(torch.ones(2, dtype=torch.bfloat16))))
    with pytest.raises(pickle.UnpicklingError, match="float8_e4m3fn.*cannot represent"):
        S.load(io.BytesIO(_torch_roundtrip_bytes(torch.ones(2, dtype=torch.float8_e4m3fn))))


def _wide_unsigned(lib, dt):
    """uint16/32/64 tensors, views and a frozen Parameter (dt: where lib's uint dtypes live)."""
    a = lib.tensor([[1, 2, 3], [4, 60000, 6]], dtype=dt.uint16)
    return OrderedDict(a=a, at=a.t(), row=a[1, 1:], b=lib.tensor([7, 2**31 + 1], dtype=dt.uint32),
                       c=lib.tensor([2**62 + 5, 0], dtype=dt.uint64), u8=lib.tensor([1], dtype=lib.uint8),
                       p=lib.nn.Parameter(lib.tensor([1, 2], dtype=dt.uint32), requires_grad=False),
                       e=lib.zeros(0, 3, dtype=dt.uint64).t())


def test_wide_unsigned_files_are_torch_files():
    """uint16/32/64 have no legacy storage class: torch writes _rebuild_tensor_v3 over an UntypedStorage; ember writes
    the same bytes, and each side loads the other's file with dtypes, values, strides and sharing."""
    e_bytes = _ember_bytes(_wide_unsigned(ember, ember._dtype))
    t_bytes = _torch_roundtrip_bytes(_wide_unsigned(torch, torch))
    e, t = zipfile.ZipFile(io.BytesIO(e_bytes)), zipfile.ZipFile(io.BytesIO(t_bytes))
    assert e.namelist() == t.namelist()
    for name in e.namelist():
        if not name.endswith("serialization_id"):
            assert e.read(name) == t.read(name), name
    ref = _wide_unsigned(torch, torch)
    loaded = torch.load(io.BytesIO(e_bytes), weights_only=True), S.load(io.BytesIO(t_bytes)), S.load(io.BytesIO(e_bytes))
    for got in loaded:
        for k, want in ref.items():
            assert repr(got[k]) == repr(want), k
            if isinstance(got[k], ember.Tensor):
                _assert_bits(got[k], want, k)
            assert got[k].stride() == want.stride() and got[k].storage_offset() == want.storage_offset(), k


def test_wide_unsigned_state_dict_round_trip(tmp_path):
    """A module's uint buffers go through ember -> torch -> ember (values, dtype, strides)."""
    def module(lib, dt):
        m = lib.nn.Linear(2, 2)
        m.register_buffer("counts", lib.tensor([[1, 65535], [0, 7]], dtype=dt.uint16).t())
        m.register_buffer("ids", lib.tensor([2**40, 3], dtype=dt.uint64))
        return m

    S.save(module(ember, ember._dtype).state_dict(), tmp_path / "e.pt")
    sd = torch.load(tmp_path / "e.pt", weights_only=True)
    tm = module(torch, torch)
    tm.load_state_dict(sd)
    assert tm.counts.dtype == torch.uint16 and tm.counts.tolist() == [[1, 0], [65535, 7]]
    torch.save(tm.state_dict(), tmp_path / "t.pt")
    em = module(ember, ember._dtype)
    em.counts.zero_()
    em.load_state_dict(S.load(tmp_path / "t.pt"))
    assert repr(em.counts) == repr(tm.counts) and repr(em.ids) == repr(tm.ids)
    assert em.counts.stride() == tm.counts.stride()


# ---------------------------------------------------------------------------- damaged files
def _checkpoint() -> bytes:
    return _ember_bytes(OrderedDict(w=ember.arange(1000.0), b=ember.ones(10)))


@pytest.mark.parametrize("keep", [0, 5, 64, 300, 2000, 4100, -200, -40, -1])
def test_truncated_files_raise_clear_errors(keep):
    # an empty file is read as torch reads it, as a legacy checkpoint: EOFError; a cut zip is a RuntimeError
    # (torch's BytesIO reader fails near the end with "negative seek value", a ValueError of its internals)
    raw = _checkpoint()
    with pytest.raises(EOFError if keep == 0 else RuntimeError) as info:
        S.load(io.BytesIO(raw[:keep]))
    assert any(word in str(info.value) for word in ("truncated", "corrupted", "empty", "zip")), str(info.value)


def test_corrupted_storage_and_pickle_are_detected():
    raw = bytearray(_checkpoint())
    zf = zipfile.ZipFile(io.BytesIO(bytes(raw)))
    for name in ("archive/data/0", "archive/data.pkl"):
        info = zf.getinfo(name)
        start = info.header_offset + 30 + struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])[0] \
            + struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])[1]
        bad = bytearray(raw)
        bad[start + 5] ^= 0xFF
        with pytest.raises(RuntimeError, match="CRC-32 mismatch.*" + name):
            S.load(io.BytesIO(bytes(bad)))


def test_not_a_checkpoint():
    # torch reads whatever does not start like a zip as a legacy checkpoint; its interpreter's errors follow
    # (here 'h' is BINGET of memo entry 101 = 'e')
    with pytest.raises(KeyError, match="101"):
        S.load(io.BytesIO(b"hello world" * 10))
    with pytest.raises(EOFError, match="empty"):
        S.load(io.BytesIO(b""))
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hi")
    with pytest.raises(RuntimeError, match="data.pkl"):
        S.load(io.BytesIO(other.getvalue()))
    with pytest.raises(NotImplementedError):
        S.save(1, io.BytesIO(), _use_new_zipfile_serialization=False)


def _legacy_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    return buf.getvalue()


def test_legacy_format_loads(tmp_path):
    """torch's pre-1.6 format (still written with _use_new_zipfile_serialization=False) reads too."""
    x = torch.arange(6.0).reshape(2, 3)
    obj = {"x": x, "xt": x.t(), "p": torch.nn.Parameter(torch.ones(2)), "i": torch.tensor([1, 2], dtype=torch.int16),
           "empty": torch.zeros(0, 2), "meta": [1, "two", None]}
    (tmp_path / "legacy.pt").write_bytes(_legacy_bytes(obj))
    for weights_only in (True, False):
        e = S.load(tmp_path / "legacy.pt", weights_only=weights_only)
        for k in ("x", "xt", "p", "i", "empty"):
            _assert_bits(e[k], obj[k], k)
        assert type(e["p"]) is ember.nn.Parameter and e["meta"] == [1, "two", None]
        assert np.shares_memory(e["x"]._data, e["xt"]._data)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global"):
        S.load(io.BytesIO(_legacy_bytes({"p": Point(1)})))


def test_legacy_empty_views_of_other_dtypes():
    """Empty tensors saved under one storage key (views of one empty tensor) load with their own dtypes, as torch's
    loader gives each later use of an empty storage a fresh one of that use's type (found by fuzz_save)."""
    x = torch.zeros(0, dtype=torch.uint8)
    raw = _legacy_bytes([x.view(torch.int8), x, x.view(torch.bool), torch.zeros(0, 2).view(torch.int32)])
    for weights_only in (True, False):
        e = S.load(io.BytesIO(raw), weights_only=weights_only)
        t = torch.load(io.BytesIO(raw), weights_only=weights_only)
        assert [str(a.dtype) for a in e] == [str(a.dtype) for a in t] == \
            ["torch.int8", "torch.uint8", "torch.bool", "torch.int32"]
        assert [tuple(a.shape) for a in e] == [tuple(a.shape) for a in t]


@pytest.mark.parametrize("cut", [20, 60, 200, -30, -1])
def test_truncated_legacy_file(cut):
    raw = _legacy_bytes({"x": torch.arange(10.0)})
    with pytest.raises((RuntimeError, EOFError), match="truncated|corrupted"):
        S.load(io.BytesIO(raw[:cut]))


def test_storage_record_missing_or_wrong_size():
    zf = zipfile.ZipFile(io.BytesIO(_checkpoint()))
    for drop, resize in (("archive/data/1", None), (None, "archive/data/0")):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for name in zf.namelist():
                if name != drop:
                    z.writestr(name, zf.read(name)[:-4] if name == resize else zf.read(name))
        with pytest.raises(RuntimeError, match="data/[01]"):
            S.load(io.BytesIO(out.getvalue()))


# ---------------------------------------------------------------------------- atomic saves, no torch at load time
def test_failed_save_keeps_old_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    S.save({"v": ember.ones(2)}, path)
    with pytest.raises(Exception):
        S.save({"v": ember.zeros(2), "bad": lambda: 0}, path)  # a lambda cannot be pickled
    assert np.array_equal(S.load(path)["v"]._data, np.ones(2, np.float32))
    assert os.listdir(tmp_path) == ["ckpt.pt"]  # no temporary left behind


def test_kill_during_save_leaves_old_checkpoint(tmp_path):
    path = tmp_path / "ckpt.pt"
    S.save({"v": ember.ones(3)}, path)
    child = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {ROOT!r})
        import numpy as np, ember
        from ember import serialization as S
        big = ember.from_numpy(np.zeros(64 * 2**20, np.float32))  # 256 MiB: the write takes a while
        print("ready", flush=True)
        while True:
            S.save({{"v": big}}, {str(path)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        deadline = time.time() + 20
        while time.time() < deadline:  # kill as soon as a temporary file is being written
            tmps = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
            if tmps and os.path.getsize(tmp_path / tmps[0]) > 0:
                break
            time.sleep(0.001)
        else:
            pytest.fail("the child never started writing")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert any(n.endswith(".tmp") for n in os.listdir(tmp_path))  # the kill did land mid-write
    v = S.load(path)["v"]  # the old checkpoint (or a complete new one), never a torn file
    assert v.shape in ((3,), (64 * 2**20,))
    torch.load(path, weights_only=True)


def test_load_torch_file_without_torch(tmp_path):
    torch.manual_seed(0)
    tm = _torch_twin()
    sd = tm.state_dict()
    sd["ints"] = torch.arange(6, dtype=torch.int16).reshape(2, 3).t()
    payload = {"sd": sd, "p": torch.nn.Parameter(torch.randn(2)), "dt": torch.float64, "size": torch.Size([1])}
    torch.save(payload, tmp_path / "t.pt")
    child = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {ROOT!r})
        sys.modules["torch"] = None  # any import of torch now fails
        import ember
        from ember import serialization as S
        obj = S.load({str(tmp_path / 't.pt')!r})
        assert "torch" not in sys.modules or sys.modules["torch"] is None
        S.save(obj, {str(tmp_path / 'e.pt')!r})
        print(type(obj["p"]).__name__, obj["p"].requires_grad, obj["dt"], list(obj["size"]), obj["sd"]["ints"].stride())
    """)
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["Parameter", "True", "torch.float64", "[1]", "(1,", "3)"]
    back = torch.load(tmp_path / "e.pt", weights_only=True)
    for k, v in sd.items():
        assert torch.equal(back["sd"][k], v) and back["sd"][k].stride() == v.stride(), k
    assert torch.equal(back["p"], payload["p"]) and back["dt"] is torch.float64
