"""Differential fuzzer (ops): elementwise unary/binary ops and reductions over random shapes, dtypes, broadcasts and Python scalars, run in torch and in ember; prints each mismatch.

A tool, run by hand (needs torch==2.13.0): ``python tools/fuzz/fuzz_ops.py SEED COUNT``. Mismatches are
candidates: check each against torch by hand before fixing, and add the case as a test. Session 3 found
the bugs fixed in commits 11c89ea..HEAD with these.
"""
import numpy as np, torch, ember, random, traceback, sys
rng = np.random.default_rng(int(sys.argv[1]) if len(sys.argv)>1 else 0)
random.seed(int(sys.argv[1]) if len(sys.argv)>1 else 0)
DT = [np.float32, np.float64, np.int64, np.int32, np.bool_, np.float16, np.uint8, np.int8, np.int16]
def arr(shape, dt):
    if dt == np.bool_: return rng.random(shape) > 0.5
    if np.issubdtype(dt, np.integer):
        lo = 0 if dt == np.uint8 else -5
        return rng.integers(lo, 6, shape).astype(dt)
    a = rng.standard_normal(shape) * 3
    if rng.random() < 0.2: a.flat[:1] = 0
    return a.astype(dt)
def rshape():
    nd = random.randint(0, 3); return tuple(random.randint(0, 3) if random.random()<0.1 else random.randint(1, 4) for _ in range(nd))
def bshape(s):
    s = list(s)
    for i in range(len(s)):
        if random.random() < 0.3: s[i] = 1
    while s and random.random() < 0.3: s.pop(0)
    return tuple(s)
UN = ["abs","neg","exp","log","sqrt","sin","cos","tanh","sigmoid","relu","floor","ceil","round","trunc","sign","reciprocal","rsqrt","log1p","expm1","square","frac","exp2","log2","log10","erf","erfinv","atan","asin","acos","sinh","cosh","asinh","acosh","atanh","logical_not","bitwise_not","isnan","isinf","isfinite","signbit","nan_to_num","deg2rad","rad2deg","sgn","positive","angle"]
BIN = ["add","sub","mul","div","maximum","minimum","pow","remainder","fmod","atan2","eq","ne","lt","le","gt","ge","logical_and","logical_or","logical_xor","bitwise_and","bitwise_or","bitwise_xor","floor_divide","true_divide","hypot","copysign","fmax","fmin","xlogy","logaddexp","nextafter","float_power","heaviside","lerp_w"]
RED = ["sum","mean","prod","amax","amin","max","min","argmax","argmin","std","var","logsumexp","all","any","nansum","norm","count_nonzero","cumsum","cumprod","median","nanmean"]
def res(L, f):
    try:
        r = f(L)
        return ("ok", r)
    except Exception as e:
        return ("err", type(e).__name__, str(e).split("\n")[0][:150])
def cmp(tr, er):
    if tr[0] != er[0]: return False
    if tr[0] == "err": return tr[1] == er[1]
    t, e = tr[1], er[1]
    if isinstance(t, tuple) or hasattr(t, "values") and not isinstance(t, torch.Tensor):
        t = tuple(t); e = tuple(e)
        return len(t)==len(e) and all(cmp(("ok",a),("ok",b)) for a,b in zip(t,e))
    if isinstance(t, torch.Tensor):
        if not isinstance(e, ember.Tensor): return False
        if str(t.dtype) != str(e.dtype) or tuple(t.shape) != tuple(e.shape): return False
        a = t.detach().numpy(); b = e.detach().numpy()
        if a.dtype.kind in "fc":
            tol = 2e-3 if a.dtype==np.float16 else (1e-5 if a.dtype==np.float32 else 1e-10)
            return np.allclose(a, b, rtol=tol, atol=tol, equal_nan=True)
        return np.array_equal(a, b)
    return t == e
bad = 0
for it in range(int(sys.argv[2]) if len(sys.argv)>2 else 2000):
    kind = random.choice(["un","bin","red","red","bin"])
    s = rshape(); dt = random.choice(DT)
    x = arr(s, dt)
    if kind == "un":
        op = random.choice(UN)
        f = lambda L, op=op: getattr(L, op)(L.tensor(x))
        desc = f"{op}({x.dtype}{s})"
    elif kind == "bin":
        op = random.choice(BIN)
        s2 = bshape(s) if random.random() < 0.7 else rshape()
        dt2 = random.choice(DT) if random.random()<0.5 else dt
        y = arr(s2, dt2)
        scal = random.random() < 0.2
        yv = (float(y.flat[0]) if y.size and dt2 in (np.float32,np.float64) else 2) if scal else None
        if op == "lerp_w":
            f = lambda L: L.lerp(L.tensor(x), L.tensor(y), 0.3)
        else:
            f = lambda L, op=op: getattr(L, op)(L.tensor(x), yv if scal else L.tensor(y))
        desc = f"{op}({x.dtype}{s}, {'scalar '+str(yv) if scal else str(y.dtype)+str(s2)})"
    else:
        op = random.choice(RED)
        dim = random.choice([None] + list(range(-len(s), len(s)))) if s else None
        kd = random.random() < 0.3
        if op in ("cumsum","cumprod"):
            if dim is None: dim = 0 if s else 0
            f = lambda L, op=op: getattr(L, op)(L.tensor(x), dim)
        elif op in ("logsumexp",):
            if dim is None: dim = 0 if s else 0
            f = lambda L, op=op: getattr(L, op)(L.tensor(x), dim, keepdim=kd)
        elif op in ("amax","amin","all","any","sum","mean","nansum","nanmean","std","var","prod","count_nonzero","norm"):
            if op == "prod" and dim is None: f = lambda L: L.prod(L.tensor(x))
            elif op == "count_nonzero": f = lambda L: L.count_nonzero(L.tensor(x), dim)
            elif op == "norm": f = lambda L: L.norm(L.tensor(x), dim=dim, keepdim=kd)
            elif dim is None: f = lambda L, op=op: getattr(L, op)(L.tensor(x))
            else: f = lambda L, op=op: getattr(L, op)(L.tensor(x), dim, keepdim=kd)
        else:
            f = (lambda L, op=op: getattr(L, op)(L.tensor(x))) if dim is None else (lambda L, op=op: getattr(L, op)(L.tensor(x), dim, keepdim=kd))
        desc = f"{op}({x.dtype}{s}, dim={dim}, kd={kd})"
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr = res(torch, f); er = res(ember, f)
    if not cmp(tr, er):
        bad += 1
        def show(r):
            if r[0]=="err": return r
            v=r[1]
            if isinstance(v, tuple) or (hasattr(v,"values") and not isinstance(v,(torch.Tensor,ember.Tensor))): return [ (str(a.dtype), tuple(a.shape), a.detach().numpy().ravel()[:4]) for a in v]
            if isinstance(v,(torch.Tensor,ember.Tensor)): return (str(v.dtype), tuple(v.shape), v.detach().numpy().ravel()[:6])
            return v
        print("MISMATCH", desc, "\n   torch:", show(tr), "\n   ember:", show(er))
print("bad", bad)
