"""Differential fuzzer (save/load): random nested objects saved by torch and by ember, each file loaded by both; prints each mismatch.

A tool, run by hand (needs torch==2.13.0): ``python tools/fuzz/fuzz_save.py SEED COUNT``. Each case builds the
same object in both libraries (dicts/lists/tuples/OrderedDicts/sets of ints, floats, strings, bytes, None,
Sizes, dtypes, devices, and tensors of every dtype ember holds: 0-dim, empty, non-contiguous views, views
sharing a storage, the same tensor twice, views of another dtype, Parameters, tensors with attributes,
module and optimizer state_dicts), saves it with ``torch.save`` and ``ember.save``, and loads both files
with ``torch.load(weights_only=True)`` and ``ember.load`` (weights_only default; through a path or a file
object, with mmap, with one of the map_location forms). Every load must give what torch gives for torch's
own file: the same structure, types, values, dtypes, shapes, strides, storage offsets, storage sizes,
storage sharing and object identity. Some cases instead truncate or corrupt the file: both must fail with
the same exception type (messages are torch's C++ ones, not compared) or both load the same object.
Mismatches are candidates: check each by hand.
"""
import collections, io, os, random, re, sys, tempfile, warnings
import numpy as np, torch, ember
from ember._tensor import _root

seed = int(sys.argv[1]); N = int(sys.argv[2]); ONLY = int(sys.argv[3]) if len(sys.argv) > 3 else None; random.seed(seed); rng = np.random.default_rng(seed)
DTYPES = ["float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "bool", "complex64",
          "complex128", "uint16", "uint32", "uint64"]
SAME_SIZE = {"float32": ["int32", "uint32"], "int32": ["float32"], "float64": ["int64", "complex64"], "int64": ["float64"],
             "float16": ["int16", "uint16"], "int16": ["float16"], "uint8": ["int8", "bool"], "int8": ["uint8"]}
TMP = tempfile.mkdtemp(prefix="fuzz_save_")


def rarray(shape, dt):
    if dt == "bool": return np.asarray(rng.random(shape) < 0.5)
    if dt.startswith("complex"): return np.asarray(rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    if dt.startswith("float"): return np.asarray(rng.standard_normal(shape)).astype(dt)
    if dt.startswith("uint"): return np.asarray(rng.integers(0, 250, shape)).astype(dt)
    return np.asarray(rng.integers(-100, 100, shape)).astype(dt)


# ---- object specs: plain data, drawn once, materialised per library ----
class Spec:
    def __init__(self): self.bases = []; self.tensors = 0


def rshape():
    return random.choice([(), (0,), (3,), (2, 3), (3, 2), (2, 0, 3), (4, 5), (2, 3, 4), (1,), (5,)])


def rtensor(sp):
    """('T', id, base index, view ops, wrap): tensors with the same base share its storage."""
    if sp.bases and random.random() < 0.35:
        b = random.randrange(len(sp.bases))
    else:
        dt = random.choice(DTYPES); b = len(sp.bases)
        grad = dt.startswith(("float", "complex")) and random.random() < 0.15
        sp.bases.append((rarray(rshape(), dt), grad))
    arr = sp.bases[b][0]
    ops, shape, dt = [], list(arr.shape), str(arr.dtype)
    for _ in range(random.choice([0, 0, 1, 1, 2, 3])):
        choices = ["clone", "detach", "flat"]
        if len(shape) == 2: choices += ["t"]
        if len(shape) >= 2: choices += ["permute"]
        if shape and shape[0] > 1: choices += ["slice", "step", "select"]
        if shape and shape[-1] > 1: choices += ["narrow"]
        if len(shape) <= 2: choices += ["expand"]
        if dt in SAME_SIZE and shape and "expand" not in ops and "step" not in ops and "t" not in ops and "permute" not in ops:
            choices += ["view_dtype"]
        op = random.choice(choices)
        if op == "t": shape = shape[::-1]
        elif op == "permute": shape = shape[::-1]
        elif op == "slice": shape[0] -= 1
        elif op == "step": shape[0] = (shape[0] + 1) // 2
        elif op == "select": shape = shape[1:]
        elif op == "narrow": shape[-1] -= 1
        elif op == "expand": shape = [2] + shape
        elif op == "flat":
            if "expand" in ops or "t" in ops or "permute" in ops or "step" in ops: op = "clone"
            else: shape = [int(np.prod(shape))]
        if op == "view_dtype":
            new = random.choice(SAME_SIZE[dt])
            if new == "complex64": shape[-1] //= 2 if shape[-1] % 2 == 0 else 1
            if new == "complex64" and (not shape or arr.dtype != np.float64): new = "int64"
            ops.append(("view_dtype", new)); dt = new
            continue
        ops.append(op)
    wrap = random.choice([None] * 6 + ["param", "param_nograd", "attr"])
    sp.tensors += 1
    return ("T", sp.tensors, b, ops, wrap)


class Custom:
    """A user class: refused by weights-only loads, loaded by weights_only=False."""

    def __init__(self, x): self.x = x
    def __repr__(self): return f"Custom({self.x!r})"


def rleaf():
    if random.random() < 0.03:  # what weights_only=True refuses
        return ("refused", random.choice(["frozenset", "range", "slice", "custom"]))
    return random.choice([
        ("v", random.choice([0, 1, -7, 2**62, 2**70, True, False, None, 0.5, -0.0, float("inf"), float("nan"), 1e300,
                             "", "abc", "ünï", b"xy", 1 + 2j])),
        ("size",), ("dtype", random.choice(DTYPES + ["bfloat16", "complex32"])), ("device",), ("layout",)])


def robj(sp, depth=0):
    r = random.random()
    if depth >= 3 or r < 0.25: return rleaf() if random.random() < 0.4 else rtensor(sp)
    if r < 0.3 and sp.tensors: return ("same", random.randint(1, sp.tensors))
    if r < 0.36: return ("module", random.randrange(5), random.random() < 0.3)
    if r < 0.4: return ("optim", random.choice(["sgd", "adam", "sgd_plain"]), random.randint(0, 2))
    if r < 0.45: return ("set", sorted(random.sample(range(10), random.randint(0, 3))))
    kind = random.choice(["dict", "list", "tuple", "odict", "intdict"])
    n = random.randint(0, 4)
    if kind in ("dict", "odict", "intdict"):
        keys = random.sample(range(20), n) if kind == "intdict" else random.sample(["w", "b", "x", "state", "y"], min(n, 5))
        return (kind, [(k, robj(sp, depth + 1)) for k in keys])
    return (kind, [robj(sp, depth + 1) for _ in range(n)])


def make_module(L, which):
    nn = L.nn
    return [lambda: nn.Linear(3, 2), lambda: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.BatchNorm1d(3)),
            lambda: nn.Conv2d(1, 2, 3), lambda: nn.LayerNorm(4), lambda: nn.Embedding(5, 2, padding_idx=0)][which]()


def set_values(L, tensors, tag):
    """Deterministic values for module/optimizer tensors (the libraries' init RNGs are not compared here)."""
    local = np.random.default_rng(tag)
    with L.no_grad():
        for t in tensors:
            if t.dtype == L.int64: continue
            t.copy_(L.from_numpy(local.integers(-8, 8, tuple(t.shape)).astype(np.float32) / 4))


def materialise(L, node, sp, ctx):
    k = node[0]
    if k == "v": return node[1]
    if k == "size": return L.Size([2, 3])
    if k == "dtype": return getattr(L, node[1])
    if k == "device": return L.device("cpu")
    if k == "layout": return L.strided
    if k == "set": return set(node[1])
    if k == "refused":
        return {"frozenset": frozenset([1]), "range": range(3), "slice": slice(1, 2), "custom": Custom(1)}[node[1]]
    if k == "same": return ctx["tensors"].get(node[1], None)
    if k == "T":
        _, tid, b, ops, wrap = node
        if b not in ctx["bases"]:
            arr, grad = sp.bases[b]
            wide = str(arr.dtype) in ("uint16", "uint32", "uint64")  # (ember's from_numpy refuses them)
            if arr.size == 0:  # (torch.from_numpy gives all-zero strides to some empty arrays; ember cannot hold those)
                base = L.zeros(arr.shape, dtype=getattr(L, str(arr.dtype)))
            elif wide:
                base = L.tensor(arr.tolist(), dtype=getattr(L, str(arr.dtype)))
            else:
                base = L.from_numpy(arr.copy())
            ctx["bases"][b] = base.requires_grad_(grad)
        t = ctx["bases"][b]
        for op in ops:
            if op == "t": t = t.t()
            elif op == "permute": t = t.permute(*reversed(range(t.dim())))
            elif op == "slice": t = t[1:]
            elif op == "step": t = t[::2]
            elif op == "select": t = t[0]
            elif op == "narrow": t = t.narrow(-1, 1, t.shape[-1] - 1)
            elif op == "expand": t = t.unsqueeze(0).expand(2, *t.shape)
            elif op == "flat": t = t.reshape(-1)
            elif op == "clone": t = t.clone()
            elif op == "detach": t = t.detach()
            elif op[0] == "view_dtype": t = t.view(getattr(L, op[1]))
        if wrap in ("param", "param_nograd"):
            t = L.nn.Parameter(t.detach(), requires_grad=wrap == "param" and (t.is_floating_point() or t.is_complex()))
        elif wrap == "attr":
            t = t.detach(); t.note = "x"
        ctx["tensors"][tid] = t
        return t
    if k == "module":
        m = make_module(L, node[1]); set_values(L, list(m.state_dict().values()), node[1])
        return m.state_dict(keep_vars=node[2])
    if k == "optim":
        params = [L.nn.Parameter(L.zeros(2, 3)), L.nn.Parameter(L.zeros(3))]
        set_values(L, params, 7)
        opt = {"sgd": lambda: L.optim.SGD(params, lr=0.5, momentum=0.5), "sgd_plain": lambda: L.optim.SGD(params, lr=0.25),
               "adam": lambda: L.optim.Adam(params, lr=0.5)}[node[1]]()
        for i in range(node[2]):
            for p in params: p.grad = L.ones_like(p) * (i + 1)
            opt.step()
        return opt.state_dict()
    items = [(key, materialise(L, v, sp, ctx)) for key, v in node[1]] if k in ("dict", "odict", "intdict") else \
            [materialise(L, v, sp, ctx) for v in node[1]]
    if k in ("dict", "intdict"): return dict(items)
    if k == "odict": return collections.OrderedDict(items)
    return items if k == "list" else tuple(items)


# ---- normal form: structure, values and the sharing pattern, the same for both libraries ----
def storage_of(t):
    if isinstance(t, torch.Tensor):
        s = t.untyped_storage(); return s.data_ptr(), s.nbytes()
    root = _root(t._data)
    return root.__array_interface__["data"][0], root.nbytes


def norm(v, seen):
    if isinstance(v, (torch.Tensor, ember.Tensor)):
        if id(v) in seen["obj"]: return ("same", seen["obj"][id(v)])
        seen["obj"][id(v)] = len(seen["obj"])
        ptr, nbytes = storage_of(v)
        sid = seen["st"].setdefault(ptr, len(seen["st"])) if nbytes else "empty"
        return (type(v).__name__, str(v.dtype), tuple(v.shape), tuple(v.stride()), v.storage_offset(), sid, nbytes,
                v.requires_grad, str(v.device), repr(v.detach().tolist()), getattr(v, "note", None))
    if isinstance(v, dict):
        meta = getattr(v, "_metadata", None)
        return (type(v).__name__, tuple((k, norm(x, seen)) for k, x in v.items()), repr(meta))
    if isinstance(v, (list, tuple)): return (type(v).__name__, tuple(norm(x, seen) for x in v))
    if isinstance(v, (set, frozenset)): return (type(v).__name__, tuple(sorted(v)))
    if isinstance(v, (torch.dtype, ember.dtype, torch.device, ember.device, torch.Size, ember.Size, torch.layout)) or \
            type(v).__name__ == "_Layout":
        return ("layout" if type(v).__name__ == "_Layout" else type(v).__name__, str(v))
    return (type(v).__name__, repr(v))


MAP_LOCATIONS = [
    ("none", lambda L: None), ("str", lambda L: "cpu"), ("device", lambda L: L.device("cpu")),
    ("cpu:0", lambda L: "cpu:0"), ("dict", lambda L: {"cpu": "cpu"}), ("dict_other", lambda L: {"cuda:0": "cpu"}),
    ("callable", lambda L: (lambda s, loc: s)), ("callable_none", lambda L: (lambda s, loc: None)),
    ("cuda", lambda L: "cuda"), ("cuda_device", lambda L: L.device("cuda", 0)), ("dict_to_cuda", lambda L: {"cpu": "cuda:0"}),
]


def load(L, data, how, ml, weights_only=True):
    kw = {} if ml is None else {"map_location": ml}
    if L is torch or not weights_only: kw["weights_only"] = weights_only
    if how == "path" or how == "mmap":
        path = os.path.join(TMP, "case.pt")
        with open(path, "wb") as f: f.write(data)
        return L.load(path, mmap=True, **kw) if how == "mmap" else L.load(path, **kw)
    return L.load(io.BytesIO(data), **kw)


def outcome(fn, with_message=False):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ("ok", norm(fn(), {"obj": {}, "st": {}}))
    except Exception as e:
        global last_error
        last_error = str(e)
        return ("err", type(e).__name__) + ((re.sub(r" at 0x[0-9a-f]+", "", str(e)),) if with_message else ())


last_error = ""


def first_diff(a, b, path="obj"):
    """Where two normal forms first differ, for the report."""
    if type(a) is tuple and type(b) is tuple and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y: return first_diff(x, y, f"{path}.{i}")
    return f"{path}: {str(a)[:300]} != {str(b)[:300]}"


def last_error_of(result):
    return result[2] if result[0] == "err" and len(result) > 2 else ""


def save_bytes(L, obj):
    b = io.BytesIO(); L.save(obj, b); return b.getvalue()


def corrupt(data):
    kind = random.choice(["truncate", "flip", "zero", "garbage", "empty"])
    if kind == "truncate": return kind, data[:random.randrange(len(data))]
    if kind == "empty": return kind, b""
    if kind == "garbage": return kind, bytes(rng.integers(0, 256, random.randint(1, 100), dtype=np.uint8))
    d = bytearray(data); i = random.randrange(len(d))
    if kind == "flip": d[i] ^= 1 << random.randrange(8)
    else:
        n = random.randint(1, 64); d[i:i + n] = bytes(len(d[i:i + n]))
    return kind, bytes(d)


bad = build_diffs = crc = mmap_quirk = 0
for case in range(N):
    sp = Spec(); spec = robj(sp)
    objs = {}
    for L in (torch, ember):
        objs[L] = materialise(L, spec, sp, {"bases": {}, "tensors": {}})
    try: tf = save_bytes(torch, objs[torch])
    except Exception as e: tf = None; terr = type(e).__name__
    try: ef = save_bytes(ember, objs[ember])
    except Exception as e: ef = None; eerr = type(e).__name__
    if ONLY == case:
        print("spec", spec); print("bases", sp.bases); print("torch obj", objs[torch]); print("ember obj", objs[ember])
        for name, data in (("torch", tf), ("ember", ef)):
            if data is None: continue
            with open(os.path.join(TMP, f"case{case}_{name}.pt"), "wb") as f: f.write(data)
        print("files in", TMP)
    if (tf is None) != (ef is None):
        bad += 1; print("MISMATCH case", case, "save", terr if tf is None else "ok", eerr if ef is None else "ok", repr(spec)[:300]); continue
    if tf is None: continue
    how = random.choice(["bytes", "bytes", "path", "mmap"])
    mname, mfn = random.choice(MAP_LOCATIONS) if random.random() < 0.3 else MAP_LOCATIONS[0]
    if random.random() < 0.15:
        src = random.choice([tf, ef])
        kind, data = corrupt(src)
        if how == "mmap" and not data: how = "path"  # (torch cannot mmap an empty file: an OS-level error)
        ref = outcome(lambda: load(torch, data, how, mfn(torch))); torch_msg = last_error
        got = outcome(lambda: load(ember, data, how, mfn(ember)))
        if ONLY == case:
            print("corrupt", kind, "torch:", torch_msg[:300], "\nember:", last_error[:300])
            with open(os.path.join(TMP, f"case{case}_corrupt.pt"), "wb") as f: f.write(data)
            print("file", os.path.join(TMP, f"case{case}_corrupt.pt"), "length", len(data), "of", len(tf), len(ef))
        # accepted differences: ember checks each record's CRC-32 and local header (torch reads damaged bytes
        # as they are, then fails later or loads them), Python's zipfile checks the zip64 records miniz skips,
        # torch's BytesIO zip reader fails near the end with "negative seek value" (its internals), and ember's
        # weights-only interpreter reads the protocol 3-5 opcodes torch's refuses ("Unsupported operand").
        # Random garbage is read as a legacy pickle by both: which check fires first on noise (torch reads
        # short strings and decodes them, ember stops at the missing bytes; ember knows more opcodes) is not
        # compared, only that both fail
        # When miniz refuses the whole archive ("failed reading zip archive") and Python's more lenient zipfile
        # gets further, ember fails later, on what the damaged directory makes of a record: both fail
        if (got == ("err", "RuntimeError") and ("corrupted" in last_error or "negative seek value" in torch_msg)) or \
                (kind == "garbage" and ref[0] == got[0] == "err") or \
                ("failed reading zip archive" in torch_msg and got[0] == "err"):
            crc += 1
        elif ref != got and how == "mmap" and got == outcome(lambda: load(torch, data, "path", mfn(torch))):
            mmap_quirk += 1  # torch's mmap dtype quirk (see below), on a damaged file
        elif ref[0] == "err" and got[0] == "ok" and got == outcome(lambda: load(torch, src, how, mfn(torch))):
            crc += 1  # ember read the intact object past damage in zip metadata it does not need
        elif ref != got:
            bad += 1
            print("MISMATCH case", case, "corrupt", kind, how, mname, "\n  ", first_diff(ref, got))
        continue
    wo = random.random() < 0.85  # weights_only, else the full unpickler in both
    if random.random() < 0.1:
        # torch's legacy (pre-1.6) format, which torch still writes on request: ember reads it
        b = io.BytesIO(); torch.save(objs[torch], b, _use_new_zipfile_serialization=False)
        lf, lhow = b.getvalue(), random.choice(["bytes", "path"])
        want = outcome(lambda: load(torch, lf, lhow, mfn(torch), wo), True)
        got = outcome(lambda: load(ember, lf, lhow, mfn(ember), wo), True)
        if "UntypedStorage' has no attribute 'dtype'" in last_error_of(want):
            continue  # torch cannot read back its own legacy files holding uint16/32/64 tensors (a torch bug)
        if got != want:
            bad += 1
            print("MISMATCH case", case, "legacy file", lhow, mname, repr(spec)[:300]); print("  ", first_diff(want, got))
        continue
    # intact files: errors (weights-only refusals, map_location) must match torch's type and message
    ref = outcome(lambda: load(torch, tf, how, mfn(torch), wo), True)
    # the objects built in the two libraries can differ before any saving (e.g. a clone's strides): then the
    # ember file is checked against ember's own object, and the difference is counted apart (not save/load)
    built = {L: outcome(lambda: objs[L]) for L in (torch, ember)}
    ref_e = ref
    if built[torch] != built[ember]:
        build_diffs += 1
        print("BUILD case", case, first_diff(built[torch], built[ember]))
        ref_e = built[ember] if ref[0] == "ok" else ref
    for name, L, data, want in (("ember loads torch's file", ember, tf, ref), ("torch loads ember's file", torch, ef, ref_e),
                                ("ember loads its own file", ember, ef, ref_e)):
        got = outcome(lambda: load(L, data, how, mfn(L), wo), True)
        if got != want and how == "mmap" and (got == outcome(lambda: load(torch, tf, "path", mfn(torch), wo), True) or (
                L is torch and want == outcome(lambda: load(torch, data, "path", mfn(torch), wo), True))):
            # torch's mmap load types an empty storage named with two dtypes by its first use (its non-mmap
            # load and ember use each use's own dtype): not copied
            mmap_quirk += 1
            continue
        if got != want:
            bad += 1
            print("MISMATCH case", case, name, how, mname, "weights_only" if wo else "full unpickler", repr(spec)[:300])
            print("  ", first_diff(want, got))
            break
print("bad", bad, "of", N, "(cases whose objects differ before saving:", build_diffs,
      "; damaged files only ember detects, or torch fails on internally:", crc,
      "; torch's mmap dtype quirk:", mmap_quirk, ")")
