"""Differential fuzzer (printing): repr/str/format of random tensors under random print options, in torch and ember.

A tool, run by hand (needs torch==2.13.0): ``python tools/fuzz/fuzz_print.py SEED COUNT [-v]``. Each case
draws a dtype, a shape (0-dim, empty, small, or above the summarisation threshold), a value pattern
(normal * 10**k, huge/tiny mixtures, integral floats, inf/nan/-0.0, values at rounding and sci-mode
boundaries) and print options, applies the options to both libraries, builds the same tensor in each and
compares repr and str; 0-dim tensors also go through format() with assorted specs. Some cases wrap the
tensor (requires_grad, an op with a grad_fn, Parameter, a strided view) or print a Size/dtype/device.
Options and the default dtype are restored after every case. Mismatches are candidates: check each by
hand, then fix and add a test in tests/test_tensor_str*.py.
"""
from __future__ import annotations

import math
import random
import sys
import warnings

import numpy as np
import torch

import ember

# name -> numpy dtype used to draw values (uint16/32/64 are built through a view: see build)
DTYPES = {
    "float16": np.float16, "float32": np.float32, "float64": np.float64,
    "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64, "uint8": np.uint8,
    "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
    "bool": np.bool_, "complex64": np.complex64, "complex128": np.complex128,
}
# ember.tensor takes a NumPy array only in these dtypes (torch's own from-NumPy list)
NUMPY_OK = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
            "complex64", "complex128"}
LARGE_SHAPES = [(1001,), (2000,), (40, 30), (3, 20, 20), (2, 3, 12, 15), (1, 1500), (1200, 1), (11, 11, 11)]
# ops whose result carries a grad_fn; each works on any shape with at least the dims in MIN_DIMS
GRAD_OPS = {
    "mul": lambda x: x * 2, "neg": lambda x: -x, "add": lambda x: x + 1, "clone": lambda x: x.clone(),
    "sum": lambda x: x.sum(), "mean": lambda x: x.mean(), "abs": lambda x: x.abs(),
    "double": lambda x: x.double(), "half": lambda x: x.half(), "flatten": lambda x: x.reshape(-1),
    "unsqueeze": lambda x: x.unsqueeze(0), "select": lambda x: x[0], "slice": lambda x: x[::2],
    "sum0": lambda x: x.sum(0), "t": lambda x: x.t(), "transpose": lambda x: x.transpose(0, -1),
    "expand": lambda x: x.expand(2, *x.shape), "relu": lambda x: x.relu(), "setitem": lambda x: _setitem(x),
    "mul_": lambda x: (x * 1).mul_(3),
}
MIN_DIMS = {"select": 1, "slice": 1, "sum0": 1, "transpose": 1, "t": 2, "setitem": 1}


def _setitem(x):
    """A write into a view of a graph node: the result's grad_fn is a CopySlices."""
    y = x * 1
    y[0] = 5
    return y


FORMAT_SPECS = ["", ".2f", ".0f", ".3e", ".4g", "g", "e", ">12", "<8.1f", "+.3f", "08.2f", " .1%", ",",
                "d", "x", "b", "5d", "s", "!r", ".10f", "_", "n", "c", "=+10.3f"]
SPECIALS = [np.nan, np.inf, -np.inf, -0.0, 0.0]


def rand_options(r: random.Random) -> dict:
    """Keyword arguments for set_printoptions; often empty or a bare profile."""
    pick = r.random()
    if pick < 0.25:
        return {}
    opts: dict = {}
    if r.random() < 0.3:
        opts["profile"] = r.choice(["default", "short", "full"])
    if r.random() < 0.5:
        opts["precision"] = r.choice([0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16])
    if r.random() < 0.4:
        opts["threshold"] = r.choice([0, 1, 5, 10, 50, 100, 999, 1000, 1001, 1e4, math.inf, 7.5])
    if r.random() < 0.4:
        opts["edgeitems"] = r.choice([0, 1, 2, 3, 4, 5, 10])
    if r.random() < 0.4:
        opts["linewidth"] = r.choice([0, 1, 10, 20, 40, 60, 79, 80, 81, 120, 200])
    if r.random() < 0.5:
        opts["sci_mode"] = r.choice([True, False, None])
    return opts


def rand_shape(r: random.Random) -> tuple[int, ...]:
    pick = r.random()
    if pick < 0.15:
        return ()
    if pick < 0.22:
        return r.choice([(0,), (2, 0, 3), (0, 0), (3, 0), (1, 0, 1, 1)])
    if pick < 0.37:
        return r.choice(LARGE_SHAPES)
    return tuple(r.randint(1, 6) for _ in range(r.randint(1, 4)))


def boundary_values(rng: np.random.Generator, n: int) -> np.ndarray:
    """Values where a rounding digit, the int/sci mode switch or the column width changes."""
    pool = [0.99995, 0.999949, 9.99995, 99.99995, 0.00005, 1.00005, 0.05, 0.5, 1.5, 2.5,
            1e-4, 9.9999e-5, 1.0001e-4, 1e8, 1.0000001e8, 99999999.0, 1e-5, 1e-12, 1e12, 1000.0, 1001.0,
            999.9, 0.001, 1.0, 123456.7, 65504.0, 6.1e-5, 5.96e-8, 3.4e38, 1e-45, 1e300, 1e-300,
            0.125, 0.3, 1e16, 12345678.5]
    v = rng.choice(pool, n) * rng.choice([1.0, -1.0], n)
    # sometimes shift by the precision-rounding half-step
    if rng.random() < 0.3:
        v = v + rng.choice([0.0, 5e-5, -5e-5, 5e-3], n)
    return v


def rand_float_values(r: random.Random, rng: np.random.Generator, n: int) -> np.ndarray:
    kind = r.choice(["scaled", "scaled", "mixed", "integral", "big_integral", "zeros", "boundary",
                     "specials", "uniform", "ratio", "halfway"])
    if kind == "scaled":
        v = rng.standard_normal(n) * 10.0 ** r.randint(-12, 12)
    elif kind == "mixed":
        v = rng.standard_normal(n) * 10.0 ** rng.integers(-12, 13, n)
    elif kind == "integral":
        v = rng.integers(-100, 100, n).astype(np.float64)
    elif kind == "big_integral":
        v = rng.integers(-10**9, 10**9, n).astype(np.float64) * 10.0 ** r.randint(0, 8)
    elif kind == "zeros":
        v = np.zeros(n) * r.choice([1.0, -1.0])
    elif kind == "boundary":
        v = boundary_values(rng, n)
    elif kind == "specials":
        v = rng.choice(SPECIALS + [1.0, -2.5, 1e-6, 12345.678], n)
    elif kind == "halfway":
        # halfway between two numbers printed with p digits, for p around the print precision
        p = r.randint(0, 8)
        v = rng.integers(-20000, 20000, n) / 10.0 ** p + 0.5 * 10.0 ** -p
    elif kind == "uniform":
        v = rng.random(n)
    else:
        v = rng.choice([1.0, -2.5, 999.0, 1000.0, 1001.0, 0.125, 1e-4, 1e8], n)
    # sprinkle a few specials into otherwise ordinary data
    if n and r.random() < 0.2:
        idx = rng.integers(0, n, r.randint(1, 3))
        v[idx] = rng.choice(SPECIALS, idx.size)
    return v


def rand_values(r: random.Random, rng: np.random.Generator, name: str, shape: tuple) -> np.ndarray:
    n = math.prod(shape)
    dt = np.dtype(DTYPES[name])
    if dt.kind == "b":
        v = rng.random(n) < r.random()
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        lo, hi = r.choice([(max(info.min, -100), min(info.max, 100)), (info.min, info.max), (0, 9),
                           (max(info.min, -5), 5)])
        v = rng.integers(lo, hi, n, endpoint=True, dtype=dt)
    elif dt.kind == "c":
        v = rand_float_values(r, rng, n) + 1j * rand_float_values(r, rng, n)
    else:
        v = rand_float_values(r, rng, n)
    with np.errstate(all="ignore"):
        return np.asarray(v).astype(dt).reshape(shape)


def build(lib, arr: np.ndarray, name: str):
    if name in NUMPY_OK:
        return lib.tensor(arr)
    # the wide unsigned types: through the same-size signed array, since ember.tensor() refuses
    # both NumPy uint16/32/64 arrays (as torch.tensor does not) and ints above 2**63 (a known gap)
    signed = arr.view(arr.dtype.str.replace("u", "i"))
    return lib.tensor(signed).view(getattr(lib, name))


def wrap(lib, t, how: str):
    """The tensor as a case presents it: plain, a leaf needing grad, a graph node, a Parameter or a view."""
    if how == "plain":
        return t
    if how == "view_t":
        return t.t() if t.dim() == 2 else t.transpose(0, -1)
    if how == "view_step":
        return t[::2]
    if how == "param":
        return lib.nn.Parameter(t)
    if how == "param_nograd":
        return lib.nn.Parameter(t, requires_grad=False)
    x = t.clone().requires_grad_(True)
    if how == "requires_grad":
        return x
    return GRAD_OPS[how](x)
    raise ValueError(how)


def outcome(f):
    try:
        return ("ok", f())
    except Exception as e:  # the error type and message are part of the contract
        return ("err", type(e).__name__, str(e))


def texts(t, fmt_specs: list[str]) -> list:
    out = [("repr", outcome(lambda: repr(t))), ("str", outcome(lambda: str(t)))]
    for spec in fmt_specs:
        if spec == "!r":
            out.append((spec, outcome(lambda: f"{t!r}")))
        elif spec == "contents":
            out.append((spec, outcome(lambda: t.__repr__(tensor_contents="[...]"))))
        else:
            out.append((spec, outcome(lambda spec=spec: format(t, spec))))
    return out


def misc_case(r: random.Random) -> tuple[str, object]:
    """A Size, dtype or device printout: returns a description and a function of the library."""
    kind = r.choice(["size", "dtype", "device", "shape"])
    if kind == "size":
        dims = [r.randint(0, 5) for _ in range(r.randint(0, 4))]
        return f"Size({dims})", lambda L: (repr(L.Size(dims)), str(L.Size(dims)), f"{L.Size(dims)}")
    if kind == "dtype":
        name = r.choice(sorted(DTYPES) + ["half", "double", "long", "cfloat", "bfloat16", "complex32"])
        return f"dtype {name}", lambda L: (repr(getattr(L, name)), str(getattr(L, name)))
    if kind == "device":
        args = r.choice([("cpu",), ("cpu", 0), ("cpu:0",), ("cuda",), ("cuda", 1), ("cuda:0",), ("meta",)])
        return f"device{args}", lambda L: (repr(L.device(*args)), str(L.device(*args)))
    shape = rand_shape(r)
    return f"shape {shape}", lambda L: (repr(L.zeros(shape).shape), str(L.zeros(shape).size()))


def set_both(fn: str, *args, **kwargs) -> tuple:
    return (outcome(lambda: getattr(torch, fn)(*args, **kwargs)),
            outcome(lambda: getattr(ember, fn)(*args, **kwargs)))


def restore() -> None:
    for lib in (torch, ember):
        lib.set_printoptions(profile="default")
        lib.set_default_dtype(lib.float32)


def one_case(r: random.Random, rng: np.random.Generator) -> tuple[str, list]:
    """Runs one case; returns its description and a list of (what, torch, ember) differences."""
    if r.random() < 0.05:
        desc, f = misc_case(r)
        a, b = outcome(lambda: f(torch)), outcome(lambda: f(ember))
        return desc, [] if a == b else [("misc", a, b)]

    diffs = []
    opts = rand_options(r)
    if r.random() < 0.03:
        opts = r.choice([{}, {"profile": "nope"}, {"profile": "FULL", "precision": 3}, {"profile": ""}])
    elif r.random() < 0.03:
        # settings torch accepts without checking; printing then follows (or fails) as torch does
        opts = r.choice([{"precision": -1}, {"edgeitems": -1, "threshold": 3}, {"edgeitems": -2, "threshold": 0},
                         {"edgeitems": 2.0, "threshold": 3}, {"linewidth": -5}, {"threshold": -1},
                         {"sci_mode": 0}, {"sci_mode": 1}, {"precision": 2.0}, {"linewidth": 50.5}])
    if set_both("set_printoptions", **opts)[0][0] == "err":
        return f"options {opts}", []
    got = (torch._tensor_str.get_printoptions(), ember._tensor_str.get_printoptions())
    if got[0] != got[1]:
        diffs.append(("get_printoptions", got[0], got[1]))
    if r.random() < 0.08:
        default = r.choice(["float64", "float16"])
        torch.set_default_dtype(getattr(torch, default))
        ember.set_default_dtype(getattr(ember, default))
        opts["default_dtype"] = default

    name = r.choice(list(DTYPES))
    shape = rand_shape(r)
    arr = rand_values(r, rng, name, shape)
    floating = np.dtype(DTYPES[name]).kind in "fc"
    hows = ["plain"] * 6 + ["view_step"] * (len(shape) >= 1) + ["view_t"] * (len(shape) >= 2)
    if floating:
        hows += ["param", "requires_grad"] * 2
        hows += [op for op in GRAD_OPS if len(shape) >= MIN_DIMS.get(op, 0) and (op != "t" or len(shape) == 2)
                 # ember's relu accepts complex input where torch raises (not a printing matter)
                 and not (op == "relu" and name.startswith("complex"))]
    if floating or r.random() < 0.5:
        hows += ["param_nograd"]
    how = r.choice(hows)
    desc = f"{name}{shape} {how} {opts}"

    tt = outcome(lambda: wrap(torch, build(torch, arr, name), how))
    et = outcome(lambda: wrap(ember, build(ember, arr, name), how))
    if tt[0] == "err" or et[0] == "err":
        if tt[0] != et[0] or tt[1:] != et[1:]:
            diffs.append(("build", tt, et))
        return desc, diffs
    t, e = tt[1], et[1]
    # an op's result that differs in value is another fuzzer's business, not a printing one
    tv, ev = t.detach().numpy(), np.asarray(e.detach().numpy())
    if tv.shape != ev.shape or tv.tobytes() != ev.tobytes():
        return desc + " (values differ: skipped)", diffs

    specs = r.sample(FORMAT_SPECS, 4) if t.dim() == 0 or r.random() < 0.1 else []
    if r.random() < 0.05:
        specs.append("contents")
    for (what, a), (_, b) in zip(texts(t, specs), texts(e, specs)):
        if a != b:
            diffs.append((what, a, b))
    return desc + f" specs={specs}", diffs


def main() -> None:
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    verbose = "-v" in sys.argv
    r, rng = random.Random(seed), np.random.default_rng(seed)
    bad = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(count):
            try:
                desc, diffs = one_case(r, rng)
            finally:
                restore()
            if verbose:
                print(i, desc)
            if diffs:
                bad += 1
                print(f"MISMATCH #{i} {desc}")
                for what, a, b in diffs[:3]:
                    print(f"  [{what}]\n  torch: {a!r:.600}\n  ember: {b!r:.600}")
    print(f"cases {count} bad {bad}")


if __name__ == "__main__":
    main()
