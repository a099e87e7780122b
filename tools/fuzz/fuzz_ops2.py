"""Differential fuzzer (ops, second pass): what fuzz_ops/fuzz_idx do not reach; run in torch and in ember, prints each mismatch.

Covers in-place ops and their dtype rules (also on expanded tensors, leaves and views of leaves), ``out=``,
type promotion of 0-dim / n-dim / Python scalars, clamp and where with scalars, the index-writing ops
(masked_fill, index_add, scatter_reduce...), cat-family dtype mixing, shape utilities on every dtype,
matmul-family shape errors, norms, std/var corrections, counting/unique/searchsorted, new_* / type / to /
item / tolist. Compares values, dtypes, shapes, strides, contiguity, float64 gradients and error type + text.

A tool, run by hand (needs torch==2.13.0): ``python tools/fuzz/fuzz_ops2.py SEED COUNT [KIND]``.
Mismatches are candidates: check each against torch by hand before fixing, and add the case as a test.
"""
import random
import sys
import warnings

import numpy as np
import torch

import ember

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
ONLY = sys.argv[3] if len(sys.argv) > 3 else None
rng = np.random.default_rng(seed)
random.seed(seed)

DT = ["float32", "float64", "int64", "int32", "bool", "float16", "uint8", "int8", "int16", "complex64"]
DT_REAL = [d for d in DT if d != "complex64"]


def arr(shape, dt):
    if dt == "bool":
        return rng.random(shape) > 0.5
    if dt.startswith(("int", "uint")):
        return rng.integers(0 if dt == "uint8" else -5, 6, shape).astype(dt)
    a = rng.standard_normal(shape) * 3
    if dt.startswith("complex"):
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dt)


def rshape(lo=0, hi=3):
    return tuple(random.randint(0, 3) if random.random() < 0.1 else random.randint(1, 4)
                 for _ in range(random.randint(lo, hi)))


def bshape(s):
    s = [1 if random.random() < 0.3 else d for d in s]
    while s and random.random() < 0.3:
        s.pop(0)
    return tuple(s)


def rdim(nd):
    return random.randint(-nd, nd - 1) if nd else random.choice([0, -1])


def scalar(cat):
    return {"bool": random.choice([True, False]), "int": random.randint(-3, 3),
            "float": random.choice([0.5, -1.5, 2.0, 1e-3]), "complex": complex(1, -2)}[cat]


LEAVES = []


def T(L, a, grad=False):
    """A tensor from ndarray ``a``; with grad (float64 only), a leaf whose grad is returned too."""
    t = L.tensor(a)
    if grad and a.dtype == np.float64:
        t.requires_grad_(True)
        LEAVES.append(t)
    return t


def G():
    return random.random() < 0.35


# ---------------------------------------------------------------- case generators (each -> desc, f(L))
def c_inplace():
    s = rshape(); dx = random.choice(DT); op = random.choice(
        ["add_", "sub_", "mul_", "div_", "floor_divide_", "remainder_", "pow_", "clamp_", "bitwise_and_",
         "logical_and_", "iadd", "imul", "itruediv", "ior", "lerp_", "copy_", "fill_", "masked_fill_", "fmod_",
         "addcmul_", "atan2_", "hypot_", "maximum"])
    scal = random.random() < 0.3
    ds = random.choice(DT) if random.random() < 0.6 and op != "lerp_" else dx  # (lerp_'s own dtype rule first)
    s2 = bshape(s) if random.random() < 0.8 or op in ("maximum", "masked_fill_") else rshape()
    # (maximum: left alone, torch refuses to resize an out= that is also an input; masked_fill_: torch checks
    # a mask larger than self before the value, ember after)
    x = arr(s, dx); y = arr(s2, ds); yv = scalar(random.choice(["bool", "int", "float", "complex"]))
    where = random.choice(["plain", "plain", "expanded", "leaf", "view_of_leaf", "nograd_leaf", "zero_dim_other"])
    if op in ("masked_fill_", "fill_", "clamp_") and where == "expanded":
        where = "plain"  # (left alone: torch's deprecated writes into expanded tensors / clamp_'s cast-first order)
    if op == "logical_and_" and where in ("leaf", "view_of_leaf"):
        where = "plain"  # (left alone: torch lets non-differentiable in-place ops through a leaf)
    if where == "zero_dim_other":
        y = arr((), ds)

    def f(L):
        if where == "expanded" and s:
            base = L.tensor(x[..., :1].copy() if x.shape[-1] else x)
            t = base.expand(*s)
        elif where in ("leaf", "view_of_leaf", "nograd_leaf") and dx.startswith("float"):
            leaf = L.tensor(x, requires_grad=True)
            if where == "nograd_leaf":
                with L.no_grad():
                    t = leaf
                    return _apply(L, t)
            t = leaf if where == "leaf" else leaf[...]
            out = _apply(L, t)
            out.sum().backward() if out.dtype.is_floating_point else None
            return [out.detach(), leaf.grad]
        else:
            t = L.tensor(x)
        return _apply(L, t)

    def _apply(L, t):
        o = yv if scal else L.tensor(y)
        if op == "iadd": t += o; return t
        if op == "imul": t *= o; return t
        if op == "itruediv": t /= o; return t
        if op == "ior": t |= o; return t
        if op == "lerp_": return t.lerp_(L.tensor(y), 0.5)
        if op == "copy_": return t.copy_(L.tensor(y))
        if op == "fill_": return t.fill_(yv if scal else L.tensor(arr((), ds)))
        if op == "masked_fill_": return t.masked_fill_(L.tensor(arr(bshape(tuple(t.shape)), "bool")), yv)
        if op == "clamp_": return t.clamp_(min=yv if scal else None, max=None if scal else L.tensor(y))
        if op == "addcmul_": return t.addcmul_(L.tensor(y), L.tensor(y), value=2)
        if op == "maximum": return L.maximum(t, L.tensor(y), out=t)
        return getattr(t, op)(o)
    return f"{op}[{where}]({dx}{s}, {'scalar ' + repr(yv) if scal else ds + str(s2)})", f


def c_out():
    s = rshape(); dx = random.choice(DT_REAL); do = random.choice(DT_REAL)
    op = random.choice(["add", "mul", "sub", "div", "sum", "cat", "matmul", "clamp", "where", "cumsum", "abs",
                        "exp", "eq", "max_dim", "mean", "prod", "neg", "mm", "stack", "argmax", "sort"])
    os = random.choice([s, (), (0,), (7,), rshape()])
    x = arr(s, dx); y = arr(bshape(s), dx); o = arr(os, do)
    d = rdim(len(s))

    def f(L):
        out = L.tensor(o); X = L.tensor(x); Y = L.tensor(y)
        if op in ("add", "mul", "sub", "div", "eq"): r = getattr(L, op)(X, Y, out=out)
        elif op == "sum": r = L.sum(X, d, out=out)
        elif op == "mean": r = L.mean(X, d, out=out)
        elif op == "prod": r = L.prod(X, d, out=out)
        elif op == "cumsum": r = L.cumsum(X, d, out=out)
        elif op == "cat": r = L.cat([X, X], d, out=out)
        elif op == "stack": r = L.stack([X, X], d, out=out)
        elif op == "matmul": r = L.matmul(X, X.mT if X.dim() >= 2 else X, out=out)
        elif op == "mm": r = L.mm(X, X.mT if X.dim() == 2 else X, out=out)
        elif op == "clamp": r = L.clamp(X, -1, 1, out=out)
        elif op == "where": r = L.where(X > 0, X, Y, out=out)
        elif op == "argmax": r = L.argmax(X, d, out=out)
        elif op == "max_dim":
            r = L.max(X, d, out=(out, L.tensor(arr(os, "int64"))))
            return [out, r[0]]
        elif op == "sort":
            r = L.sort(X, d, out=(out, L.tensor(arr(os, "int64"))))
            return [out, r[1]]
        else: r = getattr(L, op)(X, out=out)
        return [out, r, r is out]
    return f"{op}(out={do}{os})({dx}{s}, d={d})", f


def c_promote():
    kinds = ["0d", "nd", "py"]
    ka, kb = random.choice(kinds[:2]), random.choice(kinds)
    ca, cb = random.choice(["bool", "int", "float", "complex"]), random.choice(["bool", "int", "float", "complex"])
    dta = {"bool": "bool", "int": random.choice(["uint8", "int8", "int32", "int64"]),
           "float": random.choice(["float16", "float32", "float64"]), "complex": "complex64"}
    da = dta[ca]; db = {"bool": "bool", "int": random.choice(["uint8", "int16", "int64"]),
                        "float": random.choice(["float32", "float64", "float16"]), "complex": "complex128"}[cb]
    s = rshape(1)
    a = arr(() if ka == "0d" else s, da); b = arr(() if kb == "0d" else bshape(s), db); bv = scalar(cb)
    op = random.choice(["add", "mul", "sub", "div", "eq", "lt", "maximum", "where", "pow", "result_type",
                        "floor_divide", "remainder", "atan2", "bitwise_or", "logical_and", "rsub", "true_divide"])
    swap = random.random() < 0.3

    def f(L):
        A = L.tensor(a); B = bv if kb == "py" else L.tensor(b)
        p, q = (B, A) if swap and kb != "py" else (A, B)
        if op == "where": return L.where(A.real > 0 if A.is_complex() else A.bool(), p, q)
        if op == "result_type": return str(L.result_type(p, q))
        return getattr(L, op)(p, q)
    return f"promote {op}({da}{ka} {a.shape}, {db if kb != 'py' else repr(bv)}{kb} swap={swap})", f


def c_clamp():
    s = rshape(); dx = random.choice(DT_REAL); x = arr(s, dx)
    # (no "st" mode, a Number and a Tensor bound together: left alone, torch's argument parser is inconsistent there)
    mode = random.choice(["ss", "tt", "none", "min_gt_max", "tmin", "clip", "clamp_min", "t0"])
    lo, hi = sorted(rng.standard_normal(2) * 2)
    dl = random.choice(DT_REAL)
    mn = arr(bshape(s), dl); mx = arr(bshape(s), dl)
    g = G()

    def f(L):
        X = T(L, x.astype("float64") if g and dx.startswith("float") else x, g)
        if mode == "ss": return L.clamp(X, float(lo), float(hi))
        if mode == "tt": return L.clamp(X, L.tensor(mn), L.tensor(mx))
        if mode == "st": return L.clamp(X, min=int(lo), max=L.tensor(mx))
        if mode == "none": return L.clamp(X)
        if mode == "min_gt_max": return X.clamp(min=float(hi) + 1, max=float(lo))
        if mode == "tmin": return X.clamp(min=L.tensor(mn))
        if mode == "clip": return L.clip(X, max=float(hi))
        if mode == "t0": return L.clamp(X, L.tensor(float(lo)), L.tensor(2))
        return L.clamp_min(X, 1)
    return f"clamp {mode}({dx}{s}, {lo:.2f},{hi:.2f}, {dl})", f


def c_where():
    s = rshape(); c = arr(s, "bool"); da = random.choice(DT); db = random.choice(DT)
    a = arr(bshape(s), da); b = arr(bshape(s), db)
    va, vb = scalar(random.choice(["int", "float", "bool"])), scalar(random.choice(["int", "float", "bool", "complex"]))
    mode = random.choice(["st", "ts", "ss", "tt", "cond_only", "method", "nonbool_cond"])
    g = G() and da == "float64"

    def f(L):
        C = L.tensor(c)
        if mode == "st": return L.where(C, va, T(L, b, g))
        if mode == "ts": return L.where(C, T(L, a, g), vb)
        if mode == "ss": return L.where(C, va, vb)
        if mode == "tt": return L.where(C, T(L, a, g), T(L, b))
        if mode == "method": return T(L, a, g).where(C, vb)
        if mode == "nonbool_cond": return L.where(L.tensor(a), 1.0, 0.0)
        return list(L.where(C))
    return f"where {mode}(c{s}, {da}{a.shape}|{va!r}, {db}{b.shape}|{vb!r})", f


def c_index_write():
    s = rshape(1); nd = len(s); dx = random.choice(DT); x = arr(s, dx)
    d = rdim(nd); n = s[d]
    op = random.choice(["masked_fill", "masked_scatter", "index_fill", "index_add", "index_copy", "put_",
                        "scatter_add", "scatter_reduce", "scatter_reduce", "index_reduce", "scatter_value"])
    g = G() and dx.startswith("float")  # (set before ssrc, whose shape depends on it)
    k = random.randint(0, 4)
    # (no negative indices for index_add/index_reduce: torch's out-of-range wording there depends on its kernel path)
    neg = random.random() < 0.2 and op not in ("index_add", "index_reduce")
    idx = rng.integers(-n if neg else 0, n, k) if n else np.zeros(0, np.int64)
    if random.random() < 0.05 and n and op not in ("index_add", "index_reduce"):
        idx[:1] = n  # out of range (not for index_add/index_reduce: their wording depends on torch's kernel path)
    src_shape = list(s); src_shape[d] = k
    ds = dx if random.random() < 0.8 else random.choice(DT)
    src = arr(tuple(src_shape), ds)
    ishape = tuple(random.randint(0, si) for si in s)
    sidx = rng.integers(0, max(n, 1), ishape)
    ssrc = arr(tuple(si + (0 if g else random.randint(0, 1)) for si in ishape), ds)
    mask = arr(bshape(s), "bool")
    reduce = random.choice(["sum", "prod", "mean", "amax", "amin"]); incl = random.random() < 0.5
    val = scalar(random.choice(["int", "float", "bool"]))
    inplace = random.random() < 0.4

    def f(L):
        X = T(L, x.astype("float64") if g else x, g)
        if inplace and not g: X = X.clone()
        I = L.tensor(idx, dtype=L.int64)
        S = T(L, src.astype("float64") if g and ds.startswith("float") else src, g)
        m = (lambda name: getattr(X, name + "_")) if inplace and not g else (lambda name: getattr(X, name))
        if op == "masked_fill": return m("masked_fill")(L.tensor(mask), val if random.random() < 2 else 0)
        if op == "masked_scatter": return m("masked_scatter")(L.tensor(mask), T(L, arr(s, dx).astype(X.numpy().dtype) if not g else x.astype("float64"), g))
        if op == "index_fill": return m("index_fill")(d, I, val)
        if op == "index_add": return m("index_add")(d, I, S, alpha=2 if not dx.startswith("bool") else 1)
        if op == "index_copy": return m("index_copy")(d, I, S)
        if op == "index_reduce":
            if X.dtype in (L.bool, L.complex64):
                return X  # (left alone: torch's bool/complex index_reduce refusals depend on its kernel path)
            return m("index_reduce")(d, I, S, reduce if reduce != "sum" else "prod", include_self=incl)
        if op == "put_":
            Y = X.clone() if g else X
            return Y.put_(I, S.reshape(-1)[:k] if S.numel() >= k else S.reshape(-1), accumulate=incl)
        if op == "scatter_add": return m("scatter_add")(d, L.tensor(sidx), T(L, ssrc.astype("float64") if g else ssrc, g))
        if op == "scatter_value": return X.scatter(d, L.tensor(sidx), val, reduce=random.choice(["add", "multiply"]))
        return m("scatter_reduce")(d, L.tensor(sidx), T(L, ssrc.astype("float64") if g else ssrc, g), reduce, include_self=incl)
    return f"{op}{'_' if inplace else ''}({dx}{s}, d={d}, idx={list(idx)}, src={ds}, red={reduce}, incl={incl}, val={val!r}, g={g})", f


def c_cat():
    op = random.choice(["cat", "stack", "hstack", "vstack", "dstack", "column_stack", "cat_legacy_empty", "atleast"])
    s = rshape(); n = random.randint(1, 3)
    d = rdim(len(s) + (1 if op == "stack" else 0))
    parts = []
    for _ in range(n):
        sh = list(s)
        if sh and random.random() < 0.5 and op != "stack":
            sh[d % len(sh)] = random.randint(0, 3)
        if random.random() < 0.1: sh = [0]
        parts.append(arr(tuple(sh), random.choice(DT) if random.random() < 0.6 else "float64"))
    g = G()

    def f(L):
        ts = [T(L, p, g) for p in parts]
        if op == "cat": return L.cat(ts, d)
        if op == "stack": return L.stack(ts, d)
        if op == "cat_legacy_empty": return L.cat([L.tensor([])] + ts, d)
        if op == "atleast": return [L.atleast_1d(ts[0]), L.atleast_2d(ts[0]), L.atleast_3d(ts[0])]
        return getattr(L, op)(ts)
    return f"{op}({[(str(p.dtype), p.shape) for p in parts]}, d={d}, g={g})", f


def c_shape():
    s = rshape(); nd = len(s); dx = random.choice(DT); x = arr(s, dx)
    g = G() and dx.startswith("float")
    op = random.choice(["split", "chunk", "tensor_split", "tensor_split_t", "unbind", "movedim", "flatten",
                        "unflatten", "squeeze", "expand", "repeat", "repeat_interleave", "repeat_interleave_t",
                        "tile", "flip", "roll", "rot90", "tril", "triu", "diag", "diagonal", "trace", "outer",
                        "kron", "cross", "cumsum", "cumprod", "cummax", "cummin", "diag_embed", "fliplr",
                        "hsplit", "vsplit", "narrow", "swapaxes", "ravel", "view_dtype", "unfold"])
    a, b = rdim(nd), rdim(nd)
    k = random.randint(-3, 3)

    def f(L):
        X = T(L, x.astype("float64") if g else x, g)
        if op == "split": return list(X.split(random.choice([1, 2, [1, 2], [0, s[a] if nd else 0]]), a))
        if op == "chunk": return list(X.chunk(random.randint(0, 4), a))
        if op == "tensor_split": return list(X.tensor_split(random.choice([1, 3, [1, 5], (0, -1)]), a))
        if op == "tensor_split_t": return list(L.tensor_split(X, L.tensor(random.choice([2, [1, 2]])), dim=a))
        if op == "unbind": return list(X.unbind(a))
        if op == "movedim": return X.movedim(tuple(range(min(2, nd))), tuple(reversed(range(min(2, nd)))) if random.random() < 0.5 else (b, a))
        if op == "flatten": return L.flatten(X, a, b)
        if op == "unflatten": return X.unflatten(a, random.choice([(-1, 1), (1, -1), (2, -1), (-1, -1), (s[a] if nd else 1,)]))
        if op == "squeeze": return X.squeeze(random.choice([(a, b), (), a, (a,)]))
        if op == "expand": return X.expand(*([random.randint(1, 2)] + [random.choice([-1, d, 2 if d == 1 else d]) for d in s]))
        if op == "repeat": return X.repeat(*[random.randint(0, 2) for _ in range(nd + random.randint(-1, 1))])
        if op == "repeat_interleave":  # (0-dim with a dim: left alone, torch's message names dim 1)
            return L.repeat_interleave(X, k, dim=None if random.random() < 0.3 or not nd else a)
        if op == "repeat_interleave_t":
            r = L.tensor(rng.integers(0, 3, s[a] if nd else 1))
            return X.repeat_interleave(r, dim=a if nd else None)
        if op == "tile": return X.tile(tuple(random.randint(0, 2) for _ in range(random.randint(0, nd + 1))))
        if op == "flip": return X.flip((a, b) if random.random() < 0.5 else [a])
        if op == "roll": return X.roll((k, 1), (a, b)) if random.random() < 0.5 else X.roll(k)
        if op == "rot90": return X.rot90(k, (a, b))
        if op in ("tril", "triu"): return getattr(L, op)(X, k)
        if op == "diag": return L.diag(X, k)
        if op == "diag_embed": return L.diag_embed(X, k, a, b)
        if op == "diagonal": return L.diagonal(X, k, a, b)
        if op == "trace": return L.trace(X)
        if op == "outer": return L.outer(X, L.tensor(arr(s[:1], random.choice(DT))))
        if op == "kron": return L.kron(X, L.tensor(arr(bshape(s), dx)))
        if op == "cross": return L.cross(X, T(L, arr(s, dx).astype(X.numpy().dtype), g), dim=a)
        if op in ("cumsum", "cumprod"): return getattr(X, op)(a, dtype=random.choice([None, L.float64, L.int64, L.int32, L.float16]))
        if op in ("cummax", "cummin"): return list(getattr(L, op)(X, a))
        if op == "fliplr": return [L.fliplr(X), L.flipud(X)]
        if op in ("hsplit", "vsplit"): return list(getattr(L, op)(X, random.choice([1, 2, [1, 3]])))
        if op == "narrow": return X.narrow(a, L.tensor(random.randint(-1, 1)) if random.random() < 0.3 else k, random.randint(0, 2))
        if op == "swapaxes": return L.swapaxes(X, a, b)
        if op == "ravel": return L.ravel(X.mT if nd >= 2 else X)
        if op == "view_dtype": return X.view(random.choice([L.int32, L.uint8, L.float32, L.int64, L.int16]))
        return X.unfold(a, random.randint(0, 3), random.randint(1, 2))
    return f"{op}({dx}{s}, a={a}, b={b}, k={k}, g={g})", f


def c_matmul():
    op = random.choice(["matmul", "mm", "bmm", "mv", "dot", "einsum", "tensordot", "inner", "vdot", "outer", "addmm", "baddbmm", "chain"])
    def sh():
        return tuple(random.randint(0, 3) if random.random() < 0.1 else random.randint(1, 3) for _ in range(random.randint(0, 4)))
    sa = sh(); sb = sh()
    if random.random() < 0.6 and sa:
        sb = sb[:-2] + (sa[-1],) + sb[-1:] if len(sb) >= 2 else (sa[-1],)
    dt = random.choice(["float32", "float64", "float64", "int64", "float16"])
    db = dt if random.random() < 0.85 else random.choice(["float32", "float64", "int64"])
    a = arr(sa, dt); b = arr(sb, db)
    g = G()
    eq = random.choice(["ij,jk->ik", "...ij,...jk", "i,i->", "bij,bjk->bik", "ii->i", "ij->", "i,j->ij", "ij,ij->ij", "...i,...i"])
    dims = random.choice([0, 1, 2, ([0], [0]), ([-1], [0]), ([1, 0], [0, 1])])

    def f(L):
        A = T(L, a, g); B = T(L, b, g)
        if op == "einsum": return L.einsum(eq, A, B) if eq.count(",") else L.einsum(eq, A)
        if op == "tensordot": return L.tensordot(A, B, dims=dims)
        if op == "addmm": return L.addmm(T(L, arr(bshape(sa[:1] + sb[-1:]), dt), g), A, B, beta=0.5, alpha=2)
        if op == "baddbmm":  # (3-d batches only: with others torch's input-expand error comes first, left alone)
            if A.dim() != 3 or B.dim() != 3:
                return A
            return L.baddbmm(T(L, arr(sa[:2] + sb[-1:], dt), g), A, B)
        if op == "chain": return L.linalg.multi_dot([A, B])
        return getattr(L, op)(A, B)
    return f"{op}({dt}{sa}, {db}{sb}, eq={eq}, dims={dims}, g={g})", f


def c_norm():
    s = rshape(); nd = len(s); dx = random.choice(["float32", "float64", "float64", "int64", "float16", "complex64"])
    x = arr(s, dx); y = arr(bshape(s), dx)
    op = random.choice(["norm", "vector_norm", "dist", "norm_fro", "matrix_norm", "renorm", "cdist", "norm_dtype"])
    p = random.choice([0, 1, 2, 3, 0.5, float("inf"), float("-inf")])
    dim = random.choice([None, rdim(nd), (0, -1) if nd >= 2 else None])
    kd = random.random() < 0.3
    # (no grads for p=0 dist/cdist: torch's backward there is broken or all zeros, left alone)
    g = G() and dx == "float64" and not (p == 0 and op in ("dist", "cdist"))

    def f(L):
        X = T(L, x, g)
        if op == "norm": return L.norm(X, p, dim, kd)
        if op == "norm_dtype": return L.norm(X, p, dim, kd, dtype=L.float64)
        if op == "norm_fro": return X.norm("fro", dim if not isinstance(dim, int) else (dim,), kd)
        if op == "vector_norm": return L.linalg.vector_norm(X, p, dim, kd)
        if op == "matrix_norm": return L.linalg.matrix_norm(X, random.choice(["fro", 1, -1, float("inf")]))
        if op == "dist": return L.dist(X, T(L, y, g), p)
        if op == "renorm": return X.renorm(p if p > 0 else 1, a if nd else 0, 1.0) if (a := rdim(nd)) is not None else None
        sa = rshape(2, 3); sb = sa[:-2] + (random.randint(0, 3), sa[-1])
        return L.cdist(T(L, arr(sa, dx), g), T(L, arr(sb, dx), g), p=p if p >= 0 else 2)
    return f"{op}({dx}{s}, p={p}, dim={dim}, kd={kd}, g={g})", f


def c_compare():
    s = rshape(); dx = random.choice(DT); dy = random.choice(DT) if random.random() < 0.5 else dx
    x = arr(s, dx); y = (x + (rng.standard_normal(s) * 1e-6 if dx.startswith(("float", "complex")) else 0)).astype(dy) if random.random() < 0.6 else arr(bshape(s), dy)
    if dx.startswith("float") and x.size and random.random() < 0.3:
        x.flat[0] = np.nan
    op = random.choice(["allclose", "isclose", "equal", "isclose_nan", "eq_method"])

    def f(L):
        X, Y = L.tensor(x), L.tensor(y)
        if op == "allclose": return L.allclose(X, Y, rtol=1e-3, atol=1e-5)
        if op == "isclose": return L.isclose(X, Y, rtol=0, atol=1)
        if op == "isclose_nan": return X.isclose(Y, equal_nan=True)
        if op == "eq_method": return X.equal(Y)
        return L.equal(X, Y)
    return f"{op}({dx}{s}, {dy}{y.shape})", f


def c_reduce():
    s = rshape(); nd = len(s); dx = random.choice(DT); x = arr(s, dx)
    op = random.choice(["std", "var", "var_mean", "std_mean", "mean", "sum_dtype", "prod_dtype", "any", "all",
                        "count_nonzero", "nonzero", "argwhere", "mean_dtype", "nansum", "aminmax", "logsumexp_int"])
    dim = random.choice([None, rdim(nd), tuple(sorted({rdim(nd) % max(nd, 1) for _ in range(2)})) if nd else None])
    corr = random.choice([0, 1, 2, 5, 0.5, None])
    kd = random.random() < 0.3
    g = G() and dx == "float64"

    def f(L):
        X = T(L, x, g)
        if op in ("std", "var", "var_mean", "std_mean"):
            r = getattr(L, op)(X, dim, correction=corr, keepdim=kd) if random.random() < 0.7 else getattr(X, op)(unbiased=False) if op in ("std", "var") else getattr(L, op)(X, dim, unbiased=True)
            return list(r) if isinstance(r, tuple) else r
        if op == "mean": return X.mean(dim, keepdim=kd) if dim is not None else X.mean()
        if op == "mean_dtype": return X.mean(dim, dtype=random.choice([L.float64, L.float32, L.int64]))
        if op == "sum_dtype": return X.sum(dim, dtype=random.choice([L.float64, L.int32, L.bool, L.uint8, L.int64]))
        if op == "prod_dtype": return X.prod(dim if isinstance(dim, int) else 0 if nd else 0, dtype=random.choice([L.float64, L.int32, L.int64]))
        if op in ("any", "all"): return getattr(X, op)(dim, keepdim=kd) if dim is not None else getattr(X, op)()
        if op == "count_nonzero": return L.count_nonzero(X, dim)
        if op == "nonzero": return list(X.nonzero(as_tuple=True)) if random.random() < 0.5 else X.nonzero()
        if op == "argwhere": return L.argwhere(X)
        if op == "nansum": return L.nansum(X, dim, dtype=L.float64 if random.random() < 0.3 else None)
        if op == "aminmax": return list(L.aminmax(X, dim=dim if isinstance(dim, int) else None, keepdim=kd))
        return L.logsumexp(X, dim if dim is not None else 0)
    return f"{op}({dx}{s}, dim={dim}, corr={corr}, kd={kd}, g={g})", f


def c_search():
    s = rshape(1); nd = len(s); dx = random.choice(DT_REAL); x = arr(s, dx)
    op = random.choice(["unique", "unique_dim", "unique_consecutive", "searchsorted", "bucketize", "meshgrid",
                        "searchsorted_scalar", "bucketize_scalar", "cartesian_prod", "tril_indices"])
    sorted_ = random.random() < 0.7; rc = random.random() < 0.5; ri = random.random() < 0.5
    right = random.random() < 0.5; oi = random.random() < 0.3
    bound = np.sort(arr((random.randint(0, 5),), dx)) if True else None
    bnd_nd = np.sort(arr(s[:-1] + (random.randint(0, 4),), dx), axis=-1)
    vals = arr(s[:-1] + (random.randint(0, 3),), random.choice([dx, "float32", "int64"]))

    def f(L):
        X = L.tensor(x)
        if op == "unique": return _tup(L.unique(X, sorted=sorted_, return_inverse=ri, return_counts=rc))
        if op == "unique_dim": return _tup(L.unique(X, dim=rdim(nd), return_inverse=ri, return_counts=rc))
        if op == "unique_consecutive": return _tup(L.unique_consecutive(X, return_inverse=ri, return_counts=rc, dim=random.choice([None, rdim(nd)])))
        if op == "searchsorted": return L.searchsorted(L.tensor(bnd_nd), L.tensor(vals), right=right, out_int32=oi)
        if op == "searchsorted_scalar": return L.searchsorted(L.tensor(bound), 0.5, side="right" if right else "left")
        if op == "bucketize": return L.bucketize(X, L.tensor(bound), out_int32=oi, right=right)
        if op == "bucketize_scalar": return L.bucketize(1, L.tensor(bound))
        if op == "meshgrid": return list(L.meshgrid(X.reshape(-1), L.tensor(bound), indexing=random.choice(["ij", "xy"])))
        if op == "cartesian_prod": return L.cartesian_prod(X.reshape(-1), L.tensor(bound))
        return L.tril_indices(random.randint(0, 4), random.randint(0, 4), random.randint(-2, 2))
    return f"{op}({dx}{s}, sorted={sorted_}, ri={ri}, rc={rc}, right={right}, oi={oi}, bound={bound.shape})", f


def _tup(r):
    return list(r) if isinstance(r, tuple) else r


def c_tensor_misc():
    s = rshape(); dx = random.choice(DT + ["complex128", "uint16", "uint32", "uint64"]); x = arr(s, dx)
    op = random.choice(["new_zeros", "new_ones", "new_full", "new_empty", "new_tensor", "type", "type_str", "to",
                        "to_other", "type_as", "element_size", "item", "tolist", "to_copy", "float_methods", "bool_int"])
    other = arr(rshape(), random.choice(DT))

    def f(L):
        if dx == "bfloat16": X = L.tensor(x, dtype=L.bfloat16)
        elif dx.startswith("uint") and dx != "uint8": X = L.tensor(x.astype("int64"), dtype=getattr(L, dx))
        else: X = L.tensor(x)
        if op == "new_zeros": return X.new_zeros((2, 1))
        if op == "new_ones": return X.new_ones(2, 3, dtype=L.int16)
        if op == "new_full": return X.new_full((2,), random.choice([1, 2.5, True]))
        if op == "new_empty": return X.new_empty(0, 3).shape
        if op == "new_tensor": return X.new_tensor([1, 2.5] if random.random() < 0.5 else [[True]])
        if op == "type": return X.type()
        if op == "type_str": return X.type(random.choice(["torch.FloatTensor", "torch.LongTensor", "torch.IntTensor", "torch.BoolTensor", L.float64]))
        if op == "to": return X.to(random.choice([L.float16, L.int8, L.bool, L.complex64, L.float64]))
        if op == "to_other": return X.to(L.tensor(other))
        if op == "to_copy": Y = X.to(X.dtype); return Y is X
        if op == "type_as": return X.type_as(L.tensor(other))
        if op == "element_size": return [X.element_size(), X.itemsize, X.nbytes]
        if op == "item": return X.reshape(-1)[:1].item() if X.numel() else X.item()
        if op == "float_methods": return [X.float(), X.double(), X.half(), X.long(), X.int(), X.short(), X.char(), X.byte(), X.bool()]
        if op == "bool_int": return [bool(X), int(X), float(X)]
        return X.tolist()
    return f"{op}({dx}{s}, other={other.dtype})", f


GENS = {"inplace": c_inplace, "out": c_out, "promote": c_promote, "clamp": c_clamp, "where": c_where,
        "index": c_index_write, "cat": c_cat, "shape": c_shape, "matmul": c_matmul, "norm": c_norm,
        "compare": c_compare, "reduce": c_reduce, "search": c_search, "misc": c_tensor_misc}


# ---------------------------------------------------------------- running and comparing
def run(L, f, state):
    LEAVES.clear()
    random.setstate(state[0])
    rng.bit_generator.state = state[1]
    try:
        r = f(L)
        grads = []
        outs = r if isinstance(r, list) else [r]
        if LEAVES:
            ts = [o for o in outs if isinstance(o, (torch.Tensor, ember.Tensor)) and o.requires_grad]
            if ts:
                loss = sum((o * L.arange(o.numel(), dtype=o.dtype).reshape(o.shape).cos()).sum() for o in ts)
                loss.backward()
                grads = [t.grad for t in LEAVES]
        return ("ok", r, grads)
    except Exception as e:
        return ("err", type(e).__name__, str(e).split("\n")[0][:200])


def close(a, b, grads=False):
    """``grads``: gradients are compared without strides (torch's grad layouts for size-1 dims are its own)."""
    if isinstance(a, torch.Tensor):
        if not isinstance(b, ember.Tensor):
            return False
        if str(a.dtype) != str(b.dtype) or tuple(a.shape) != tuple(b.shape):
            return False
        if not grads and a.numel() > 1 and (a.stride() != b.stride() or a.is_contiguous() != b.is_contiguous()):
            return False
        if a.requires_grad != b.requires_grad:
            return False
        wide = {torch.bfloat16: torch.float64, torch.complex32: torch.complex64}.get(a.dtype)  # NumPy has neither
        x = a.detach().resolve_conj().to(wide or a.dtype).numpy()
        y = b.detach().to(getattr(ember, str(wide)[6:])).numpy() if wide else b.detach().numpy()
        if x.dtype.kind in "fc":
            tol = {2: 2e-3, 4: 1e-4}.get(x.dtype.itemsize, 1e-9 if x.dtype.kind == "f" else 1e-4)
            return np.allclose(x, y, rtol=tol, atol=tol, equal_nan=True)
        return np.array_equal(x, y)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(close(u, v, grads) for u, v in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= 1e-4 * max(1, abs(a)) or (a != a and b != b)
    if isinstance(a, torch.Size):
        return tuple(a) == tuple(b)
    if isinstance(a, torch.dtype):
        return str(a) == str(b)
    return type(a) is type(b) and a == b or (a is None and b is None)


# dtypes NumPy has no type for: ember documents them as unsupported, so cases whose torch result needs them are
# counted as skipped, not compared
UNSUPPORTED = ("bfloat16", "complex32", "ComplexHalf", "BFloat16")


def unsupported(t) -> bool:
    return any(u in repr(t[1:]) for u in UNSUPPORTED)


def same(t, e):
    if t[0] != e[0]:
        return False
    if t[0] == "err":
        return t[1] == e[1] and t[2] == e[2]
    return close(t[1], e[1]) and close(t[2], e[2], grads=True)


def show(r):
    if r[0] == "err":
        return r
    def one(v):
        if isinstance(v, (torch.Tensor, ember.Tensor)):
            narrow = str(v.dtype) in ("torch.bfloat16", "torch.complex32")
            return (str(v.dtype), tuple(v.shape), v.stride(), "" if narrow else v.detach().numpy().ravel()[:5])
        if isinstance(v, (list, tuple)):
            return [one(u) for u in v]
        return v
    return one(r[1]), "grads:", one(r[2])


bad = skipped = 0
for it in range(N):
    kind = ONLY or random.choice(list(GENS))
    desc, f = GENS[kind]()
    state = (random.getstate(), rng.bit_generator.state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr = run(torch, f, state)
        er = run(ember, f, state)
    if unsupported(tr):
        skipped += 1
    elif not same(tr, er):
        bad += 1
        print("MISMATCH", desc, "\n   torch:", show(tr), "\n   ember:", show(er))
print("bad", bad, "of", N, f"({skipped} skipped: torch's result needs bfloat16/complex32)")
