"""Differential fuzzer (utils.data): random datasets, samplers and DataLoader configurations over several epochs, run in torch and in ember from the same seed; prints each mismatch.

A tool, run by hand (needs torch==2.13.0): ``python tools/fuzz/fuzz_data.py SEED COUNT``. Each case builds
the same dataset (TensorDataset, lists of numbers/strings/dicts/tuples/namedtuples/NumPy arrays/tensors,
Subset, ConcatDataset, StackDataset, random_split, IterableDataset, ChainDataset) and loader (batch_size
incl. None and bad values, shuffle, drop_last, samplers, batch samplers, generators, collate_fn) in both
libraries, runs 1-3 epochs and compares the batches (types, dtypes, shapes, values), len(loader), the
warnings, the exceptions (type and message), the global RNG state afterwards and the loader generator's
state. torch's num_workers=0 loader is the reference. Mismatches are candidates: check each by hand.
"""
import collections, itertools, random, re, sys, warnings
import numpy as np, torch, ember
import ember.utils.data  # noqa: F401

seed = int(sys.argv[1]); N = int(sys.argv[2]); ONLY = int(sys.argv[3]) if len(sys.argv) > 3 else None; random.seed(seed); rng = np.random.default_rng(seed)
Point = collections.namedtuple("Point", ["x", "y"])
NP_DTYPES = ["float32", "float64", "int64", "int32", "int16", "uint8", "bool", "float16", "int8", "complex64"]
T_DTYPES = ["float32", "float64", "int64", "int32", "uint8", "bool", "float16", "int16"]


# ---- sample templates: drawn once (plain data), materialised per library ----
def rtemplate(depth=0):
    kinds = ["int", "float", "bool", "str", "np", "npscalar", "tensor", "intfloat", "bytes"]
    if depth < 2:
        kinds += ["dict", "tuple", "list", "namedtuple"] * 2
    k = random.choice(kinds + (["none", "ragged_tensor", "mixdtype_tensor", "ragged_list"] if random.random() < 0.08 else []))
    if k in ("np", "tensor", "ragged_tensor", "mixdtype_tensor"):
        shape = tuple(random.randint(0, 3) for _ in range(random.randint(0, 2)))
        return (k, shape, random.choice(NP_DTYPES if k == "np" else T_DTYPES))
    if k == "npscalar":
        return (k, random.choice(["float32", "float64", "int64", "int32", "bool", "uint8", "float16"]))
    if k == "dict":
        keys = random.sample(["a", "b", "c", "d"], random.randint(1, 3))
        return (k, [(key, rtemplate(depth + 1)) for key in keys])
    if k in ("tuple", "list", "namedtuple", "ragged_list"):
        n = 2 if k == "namedtuple" else random.randint(1, 3)
        return (k, [rtemplate(depth + 1) for _ in range(n)])
    return (k,)


def rarray(shape, dt):
    if dt == "bool": return np.asarray(rng.random(shape) < 0.5)
    if dt.startswith("complex"): return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    if dt.startswith("float"): return rng.standard_normal(shape).astype(dt)
    return rng.integers(0, 100, shape).astype(dt)


def draw(t, i):
    """One sample (plain data; tensors as ('T', ndarray)) following template ``t``; ``i`` varies the ragged kinds."""
    k = t[0]
    if k == "int": return random.choice([0, 1, -3, 7, 2**40, True if random.random() < 0.05 else 5])
    if k == "float": return random.choice([0.5, -1.25, 3.0, 1e-3, float("inf")])
    if k == "intfloat": return random.choice([1, 2.5]) if i else 3  # first sample decides the collate kind
    if k == "bool": return random.random() < 0.5
    if k == "str": return random.choice(["a", "bc", "", "xyz"])
    if k == "bytes": return random.choice([b"a", b"bc"])
    if k == "none": return None
    if k == "np": return rarray(t[1], t[2])
    if k == "npscalar": return getattr(np, t[1])(rarray((), t[1] if t[1] != "bool" else "bool"))
    if k == "tensor": return ("T", rarray(t[1], t[2]))
    if k == "ragged_tensor": return ("T", rarray(tuple(s + (i % 2) for s in t[1]) or (i % 2 + 1,), t[2]))
    if k == "mixdtype_tensor": return ("T", rarray(t[1], t[2] if i % 2 == 0 else random.choice(T_DTYPES)))
    if k == "dict": return {key: draw(sub, i) for key, sub in t[1]}
    if k == "tuple": return tuple(draw(sub, i) for sub in t[1])
    if k == "list": return [draw(sub, i) for sub in t[1]]
    if k == "ragged_list": return [draw(sub, i) for sub in t[1]][: len(t[1]) - (i % 2)] or [0]
    if k == "namedtuple": return Point(draw(t[1][0], i), draw(t[1][1], i))
    raise AssertionError(k)


def mat(L, v):
    """Plain sample -> the same sample for library L (tensor markers become L tensors)."""
    if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) and v[0] == "T" and isinstance(v[1], np.ndarray):
        return L.from_numpy(v[1].copy())
    if isinstance(v, dict): return {k: mat(L, x) for k, x in v.items()}
    if isinstance(v, Point): return Point(mat(L, v.x), mat(L, v.y))
    if isinstance(v, tuple): return tuple(mat(L, x) for x in v)
    if isinstance(v, list): return [mat(L, x) for x in v]
    return v


# ---- datasets ----
def iterable_cls(L, with_len):
    class Stream(L.utils.data.IterableDataset):
        def __init__(self, items): self.items = items
        def __iter__(self): return iter(self.items)
    if with_len == "short":  # under-reports: torch warns once more samples than that were fetched
        Stream.__len__ = lambda self: max(len(self.items) - 2, 0)
    elif with_len:
        Stream.__len__ = lambda self: len(self.items)
    return Stream


def rbase():
    """A map-style base dataset spec: ('tensors', arrays) or ('list', samples)."""
    n = random.choice([0, 1, 2, 3, 5, 6, 7, 10])
    if random.random() < 0.35:
        k = random.randint(1, 3)
        shapes = [tuple(random.randint(1, 3) for _ in range(random.randint(0, 2))) for _ in range(k)]
        return ("tensors", [rarray((n,) + s, random.choice(T_DTYPES)) for s in shapes])
    t = rtemplate()
    return ("list", [draw(t, i) for i in range(n)])


def rdataset():
    r = random.random()
    if r < 0.4: return rbase()
    if r < 0.55:
        base = rbase(); n = len(base[1][0]) if base[0] == "tensors" else len(base[1])
        idx = [random.randrange(n) for _ in range(random.randint(0, 6))] if n else []
        return ("subset", base, idx)
    if r < 0.65:
        t = rtemplate()
        return ("concat", [("list", [draw(t, i) for i in range(random.randint(1, 4))]) for _ in range(random.randint(1, 3))],
                random.random() < 0.3)
    if r < 0.72:
        n = random.randint(1, 5); t1, t2 = rtemplate(1), rtemplate(1)
        return ("stack", [draw(t1, i) for i in range(n)], [draw(t2, i) for i in range(n + (random.random() < 0.1))],
                random.random() < 0.5)
    if r < 0.85:
        base = rbase(); n = len(base[1][0]) if base[0] == "tensors" else len(base[1])
        if random.random() < 0.5:
            cuts = sorted(random.randint(0, n) for _ in range(random.randint(0, 2)))
            lengths = [b - a for a, b in zip([0] + cuts, cuts + [n])]
            if random.random() < 0.05: lengths[0] += 1
        else:
            lengths = random.choice([[0.5, 0.5], [0.3, 0.7], [0.1, 0.2, 0.7], [1.0], [0.25] * 4, [0.6, 0.6], [1 / 3] * 3])
        gen = random.choice([None, random.randint(0, 99)])
        return ("split", base, lengths, gen, random.randrange(len(lengths)))
    t = rtemplate()
    items = [draw(t, i) for i in range(random.randint(0, 7))]
    if random.random() < 0.5:
        return ("iter", items, random.choice([True, False, "short"]))
    return ("chain", items, [draw(t, i) for i in range(random.randint(0, 3))])


def build_ds(L, spec):
    D = L.utils.data
    k = spec[0]
    if k == "tensors": return D.TensorDataset(*[L.from_numpy(a.copy()) for a in spec[1]])
    if k == "list": return [mat(L, s) for s in spec[1]]
    if k == "subset": return D.Subset(build_ds(L, spec[1]), spec[2])
    if k == "concat":
        parts = [build_ds(L, s) for s in spec[1]]
        if spec[2] and len(parts) == 2:  # through Dataset.__add__
            return D.Subset(parts[0], range(len(parts[0]))) + parts[1]
        return D.ConcatDataset(parts)
    if k == "stack":
        a, b = [mat(L, s) for s in spec[1]], [mat(L, s) for s in spec[2]]
        return D.StackDataset(x=a, y=b) if spec[3] else D.StackDataset(a, b)
    if k == "split":
        gen = None if spec[3] is None else L.Generator().manual_seed(spec[3])
        parts = D.random_split(build_ds(L, spec[1]), spec[2], generator=gen) if gen else D.random_split(build_ds(L, spec[1]), spec[2])
        return parts[spec[4]]
    if k == "iter": return iterable_cls(L, spec[2])([mat(L, s) for s in spec[1]])
    if k == "chain":
        S = iterable_cls(L, True)
        return D.ChainDataset([S([mat(L, s) for s in spec[1]]), S([mat(L, s) for s in spec[2]])])
    raise AssertionError(k)


# ---- samplers and loader arguments ----
def rsampler(n_hint):
    k = random.choice(["seq", "random", "random", "subset", "weighted", "list"])
    g = random.choice([None, random.randint(0, 99)])
    if k == "random":
        return (k, random.random() < 0.4, random.choice([None, None, 1, 3, 5, 33, 40, 0]), g)
    if k == "subset": return (k, [random.randrange(max(n_hint, 1)) for _ in range(random.randint(0, 5))], g)
    if k == "weighted":
        w = [random.choice([0.0, 0.5, 1.0, 2.0, 3.0]) for _ in range(max(n_hint, 1))]
        if sum(w) == 0: w[0] = 1.0
        repl = random.random() < 0.7
        # without replacement, more draws than non-zero weights make torch order the zero-weight indices by
        # topk's unspecified tie order: not compared
        nonzero = sum(x > 0 for x in w)
        return (k, w, random.choice([1, 2, nonzero]) if not repl else random.randint(1, 8), repl, g)
    if k == "list": return (k, [random.randrange(max(n_hint, 1)) for _ in range(random.randint(0, 5))])
    return (k,)


def build_sampler(L, spec, ds):
    D = L.utils.data
    k = spec[0]
    gen = lambda s: None if s is None else L.Generator().manual_seed(s)
    if k == "seq": return D.SequentialSampler(ds)
    if k == "random": return D.RandomSampler(ds, replacement=spec[1], num_samples=spec[2], generator=gen(spec[3]))
    if k == "subset": return D.SubsetRandomSampler(spec[1], generator=gen(spec[2]))
    if k == "weighted": return D.WeightedRandomSampler(spec[1], spec[2], replacement=spec[3], generator=gen(spec[4]))
    return list(spec[1])


def rloader(n_hint):
    kw = {}
    if random.random() < 0.85: kw["batch_size"] = random.choice([None, 1, 2, 3, 4, 7, 1, 2] + ([0, -1, 2.0] if random.random() < 0.1 else []))
    if random.random() < 0.5: kw["shuffle"] = random.choice([None, False, True])
    if random.random() < 0.35: kw["drop_last"] = random.random() < 0.7
    if random.random() < 0.25: kw["sampler"] = rsampler(n_hint)
    if random.random() < 0.15:
        if random.random() < 0.5:
            kw["batch_sampler"] = ("bs", rsampler(n_hint) if random.random() < 0.5 else ("seq",), random.randint(1, 4), random.random() < 0.5)
        else:
            kw["batch_sampler"] = ("lists", [[random.randrange(max(n_hint, 1)) for _ in range(random.randint(1, 3))] for _ in range(random.randint(0, 3))])
        if random.random() < 0.8:  # mostly a valid combination
            for k in ("batch_size", "shuffle", "sampler", "drop_last"): kw.pop(k, None)
    if random.random() < 0.4: kw["generator"] = random.randint(0, 99)
    if random.random() < 0.2: kw["collate_fn"] = random.choice(["identity", "default_collate", "default_convert", "first"])
    if random.random() < 0.05:  # odd values torch accepts or refuses in its own way
        key, val = random.choice([("shuffle", 1), ("shuffle", "x"), ("drop_last", 1), ("drop_last", None), ("batch_size", True),
                                  ("batch_size", 1.0), ("sampler", 5), ("batch_sampler", 5), ("collate_fn", 3),
                                  ("num_workers", 1.5), ("timeout", 1), ("pin_memory", True), ("in_order", False)])
        kw[key] = ("raw", val)
    if random.random() < 0.04: kw["num_workers"] = -1
    if random.random() < 0.03: kw["timeout"] = -1
    if random.random() < 0.03: kw["prefetch_factor"] = 2
    if random.random() < 0.03: kw["persistent_workers"] = True
    return kw


def build_loader(L, kw, ds):
    D = L.utils.data
    args = {k: v for k, v in kw.items() if not (isinstance(v, tuple) and v[0] == "raw")}
    raw = {k: v[1] for k, v in kw.items() if isinstance(v, tuple) and v[0] == "raw"}
    if "sampler" in args: args["sampler"] = build_sampler(L, args["sampler"], ds)
    if "batch_sampler" in args:
        bs = args["batch_sampler"]
        args["batch_sampler"] = D.BatchSampler(build_sampler(L, bs[1], ds), bs[2], bs[3]) if bs[0] == "bs" else bs[1]
    if "generator" in args: args["generator"] = L.Generator().manual_seed(args["generator"])
    if "collate_fn" in args:
        c = args["collate_fn"]
        args["collate_fn"] = {"identity": lambda b: b, "default_collate": D.default_collate,
                              "default_convert": D.default_convert, "first": lambda b: b[0]}[c]
    return D.DataLoader(ds, **args, **raw)


# ---- comparison ----
ADDR = re.compile(r" at 0x[0-9a-f]+")
# Known differences outside utils.data, reported to their owners; a case showing only these counts as clean
# (the count is printed at the end): torch.tensor's warning for lists holding ndarrays (creation), and
# NumPy's "overflow encountered in cast" from stack's dtype promotion of float16 with ints (_ops/shape.py).
KNOWN_WARNINGS = ("Creating a tensor from a list of numpy.ndarrays", "overflow encountered in cast")
known = 0


def known_error(e):
    """ember.stack of a list holding a non-tensor raises AttributeError where torch raises TypeError "expected
    Tensor as element i in argument 0, but got T" (_ops/shape.py, reported): both become one token, counted."""
    global known
    text = str(e)
    if (type(e).__name__ == "TypeError" and text.startswith("expected Tensor as element")) or \
            (type(e).__name__ == "AttributeError" and text.endswith("object has no attribute 'dtype'")):
        known += 1
        return ("err", "known: stack of a non-tensor")
    return ("err", type(e).__name__, msg(e))


def msg(s):
    return ADDR.sub("", str(s)).replace("ember.", "torch.").replace("ember", "torch")[:300]


def norm(v):
    if isinstance(v, (torch.Tensor, ember.Tensor)):
        return ("T", str(v.dtype), tuple(v.shape), repr(v.tolist()))
    if isinstance(v, np.ndarray): return ("nd", str(v.dtype), repr(v.tolist()))
    if isinstance(v, (np.generic,)): return ("npg", type(v).__name__, repr(v))
    if isinstance(v, dict): return ("dict", type(v).__name__, tuple((k, norm(x)) for k, x in v.items()))
    if isinstance(v, (list, tuple)): return (type(v).__name__, tuple(norm(x) for x in v))
    return (type(v).__name__, repr(v))


def run(L, dspec, kw, epochs, case, probes=()):
    out = []
    L.manual_seed(case)
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        try:
            ds = build_ds(L, dspec)
            out.append(("len_ds", len(ds) if hasattr(ds, "__len__") else None))
            if hasattr(ds, "__getitem__") and hasattr(ds, "__len__"):
                for i in probes:  # direct indexing, out of range and negative included
                    try: out.append(("item", i, norm(ds[i])))
                    except Exception as e: out.append(("item_err", i, type(e).__name__, msg(e)))
            loader = build_loader(L, kw, ds)
            try: out.append(("len", len(loader)))
            except Exception as e: out.append(("len_err", type(e).__name__, msg(e)))
            out.append(("attrs", type(loader.sampler).__name__, type(loader.batch_sampler).__name__,
                        loader.batch_size, loader.drop_last, getattr(loader.collate_fn, "__name__", None)))
            for ep in range(epochs):
                it = iter(loader)
                batches = []
                for _ in range(60):  # num_samples can make long epochs; compare the first 60 batches
                    try: b = next(it)
                    except StopIteration: break
                    batches.append(norm(b))
                out.append(("epoch", ep, tuple(batches)))
        except Exception as e:
            out.append(known_error(e))
        out.append(("rng", repr(L.rand(2).tolist())))
        if "generator" in kw and "loader" in locals():
            out.append(("gen", repr(L.rand(2, generator=loader.generator).tolist())))
    global known
    seen = {(w.category.__name__, msg(w.message)) for w in ws}
    # (ember's deliberate warning that its workers run in-process is not compared)
    seen = {w for w in seen if "has no worker processes" not in w[1]}
    kept = {w for w in seen if not w[1].startswith(KNOWN_WARNINGS)}
    known += kept != seen
    out.append(("warn", tuple(sorted(kept))))
    return out


def rsampler_case():
    """A sampler on its own, with odd arguments now and then: its epochs, len and errors."""
    n = random.randint(0, 6)
    k = random.choice(["random", "weighted", "subset", "batch", "seq"])
    odd = lambda good, bads: random.choice(bads) if random.random() < 0.15 else good
    g = random.choice([None, random.randint(0, 99)])
    if k == "random": args = (odd(random.random() < 0.5, [1, None, "yes"]), odd(random.choice([None, 1, 4, 40]), [0, -2, 2.5, True]), g)
    elif k == "weighted":
        # (no empty/negative/inf weights: multinomial's own with-replacement errors differ, a known
        # difference of ember.multinomial outside utils.data)
        w = odd([random.choice([0.5, 1.0, 2.0]) for _ in range(max(n, 1))], [[[1.0, 2.0]], [1.0], [0.0, 1.0]])
        args = (w, odd(random.randint(1, 5), [0, -1, 2.0, True]), odd(True, [False, 1, None]), g)
    elif k == "subset": args = ([random.randrange(10) for _ in range(n)], g)
    elif k == "batch": args = (odd(random.randint(1, 4), [0, -1, 2.0, True, None]), odd(random.random() < 0.5, [1, None, "x"]))
    else: args = ()
    return (k, n, args, random.randint(1, 3))


def run_sampler(L, spec, case):
    D = L.utils.data
    k, n, args, epochs = spec
    L.manual_seed(case)
    gen = lambda s: None if s is None else L.Generator().manual_seed(s)
    out = []
    try:
        if k == "random": s = D.RandomSampler(range(n), replacement=args[0], num_samples=args[1], generator=gen(args[2]))
        elif k == "weighted": s = D.WeightedRandomSampler(args[0], args[1], replacement=args[2], generator=gen(args[3]))
        elif k == "subset": s = D.SubsetRandomSampler(args[0], generator=gen(args[1]))
        elif k == "batch": s = D.BatchSampler(D.SequentialSampler(range(n)), args[0], args[1])
        else: s = D.SequentialSampler(range(n))
        out.append(("len", len(s)))
        for _ in range(epochs): out.append(("epoch", list(itertools.islice(iter(s), 50))))
    except Exception as e:
        out.append(("err", type(e).__name__, msg(e)))
    out.append(("rng", repr(L.rand(2).tolist())))
    return out


class RandomItems:
    """A map-style dataset whose samples draw from torch's, Python's and NumPy's global RNGs (per-worker seeding)."""

    def __init__(self, L, n): self.L, self.n = L, n
    def __len__(self): return self.n

    def __getitem__(self, i):
        info = self.L.utils.data.get_worker_info()
        return {"i": i, "t": self.L.rand(2), "py": random.random(), "np": float(np.random.rand()),
                "worker": -1 if info is None else info.id}


def stream_cls(L):
    class Sharded(L.utils.data.IterableDataset):
        """Yields its range, split between workers by get_worker_info()."""

        def __init__(self, n): self.n = n

        def __iter__(self):
            info = L.utils.data.get_worker_info()
            w, k = (0, 1) if info is None else (info.id, info.num_workers)
            return iter([(i, float(L.rand(1))) for i in range(w, self.n, k)])
    return Sharded


def run_workers(L, spec, case):
    n, iterable, kw, epochs = spec
    L.manual_seed(case); random.seed(case); np.random.seed(case)
    seen_init = []
    ds = stream_cls(L)(n) if iterable else RandomItems(L, n)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            loader = L.utils.data.DataLoader(ds, worker_init_fn=lambda w: seen_init.append(w), **kw)
            for ep in range(epochs):
                out.append(("epoch", ep, tuple(norm(b) for b in loader)))
        except Exception as e:
            out.append(("err", type(e).__name__, msg(e)))
    out.append(("rng", repr(L.rand(2).tolist()), random.random(), float(np.random.rand())))
    return out


bad = 0
for case in range(N):
    if random.random() < 0.03:
        # real torch worker processes against ember's in-process workers: batches, per-worker randomness
        # (torch/random/NumPy seeded per worker), get_worker_info, persistent workers, the main RNG after
        kw = dict(num_workers=random.randint(1, 3), batch_size=random.choice([None, 1, 2, 3]),
                  persistent_workers=random.random() < 0.4)
        if random.random() < 0.5: kw["prefetch_factor"] = random.randint(1, 3)
        spec = (random.randint(0, 9), random.random() < 0.4, kw, random.randint(1, 2))
        if not spec[1] and random.random() < 0.5: kw["shuffle"] = True
        state = random.getstate()
        t, e = run_workers(torch, spec, case), run_workers(ember, spec, case)
        random.setstate(state)
        if ONLY == case: print(spec, "\n", t, "\n", e)
        if t != e:
            bad += 1
            print("MISMATCH case", case, "workers", spec)
            for a, b in zip(t, e):
                if a != b:
                    print("  torch:", str(a)[:400]); print("  ember:", str(b)[:400]); break
        continue
    if random.random() < 0.1:
        spec = rsampler_case()
        t, e = run_sampler(torch, spec, case), run_sampler(ember, spec, case)
        if t != e:
            bad += 1
            print("MISMATCH case", case, "sampler", spec, "\n  torch:", str(t)[:400], "\n  ember:", str(e)[:400])
        continue
    dspec = rdataset()
    n_hint = {"tensors": lambda s: len(s[1][0]), "list": lambda s: len(s[1])}.get(dspec[0], lambda s: 4)(dspec)
    kw = rloader(n_hint)
    epochs = random.randint(1, 3)
    probes = [random.randint(-n_hint - 1, n_hint) for _ in range(random.randint(0, 2))]
    t = run(torch, dspec, kw, epochs, case, probes)
    e = run(ember, dspec, kw, epochs, case, probes)
    if t == e and dspec[0] not in ("iter", "chain") and random.random() < 0.15 and "num_workers" not in kw:
        # ember's in-process workers: the batches and the main RNG stream must equal torch's num_workers=0 run
        # (torch's real workers give those too for map-style datasets); ember's no-parallelism warning is dropped
        # (persistent workers draw one base seed in all, so they are not comparable with num_workers=0)
        w = dict(kw, num_workers=random.randint(1, 2))
        e = run(ember, dspec, w, epochs, case, probes)
        e = [x for x in e if x[0] != "warn"] + [("warn", tuple(x for x in e[-1][1] if "no worker processes" not in x[1]))]
        if any(x[0] == "err" for x in t): e = t  # errors at construction differ with workers: not compared
        kw = w
    if t != e:
        bad += 1
        print("MISMATCH case", case, "dataset", repr(dspec)[:200], "loader", kw)
        for a, b in zip(t, e):
            if a != b:
                print("  torch:", str(a)[:400]); print("  ember:", str(b)[:400])
                break
        else:
            print("  lengths", len(t), len(e))
print("bad", bad, "of", N, "(runs with a known difference outside utils.data filtered:", known, ")")
