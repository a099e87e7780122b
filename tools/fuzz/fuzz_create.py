"""Differential fuzzer (creation): tensor(), to(), fill_, full, arange, linspace, item() and printing over awkward values and dtypes, run in torch and in ember; prints each mismatch.

A tool, run by hand (needs torch==2.13.0): ``python tools/fuzz/fuzz_create.py SEED COUNT``. Mismatches are
candidates: check each against torch by hand before fixing, and add the case as a test. Session 3 found
the bugs fixed in commits 11c89ea..HEAD with these.
"""
import numpy as np, torch, ember, random, sys, warnings, math
seed=int(sys.argv[1]); N=int(sys.argv[2]); random.seed(seed); rng=np.random.default_rng(seed)
DTS=["float32","float64","float16","int64","int32","int16","int8","uint8","bool","complex64"]
def rval(kind):
    if kind=="f": return random.choice([0.0,-0.0,1.5,-2.25,1e-8,3e38,1e300,-1e20, float('nan'), float('inf'), -float('inf'), 0.1, 255.7, -129.5, 65504.0, 70000.0])
    if kind=="i": return random.choice([0,1,-1,127,128,255,256,-129,2**31,2**40,-2**62, 7])
    if kind=="b": return random.choice([True,False])
def rdata():
    kind=random.choice(["f","i","b","mix"])
    shape=[random.randint(0,3) for _ in range(random.randint(0,2))]
    def build(sh):
        if not sh:
            k = random.choice("fib") if kind=="mix" else kind
            return rval(k)
        return [build(sh[1:]) for _ in range(sh[0])]
    return build(shape)
def res(L,f):
    try: return ("ok", f(L))
    except Exception as e: return ("err", type(e).__name__, str(e)[:150])
def norm(v, L):
    if isinstance(v,(torch.Tensor, ember.Tensor)):
        try: vals = v.tolist()
        except Exception as e: vals = "tolist-err "+type(e).__name__
        return ("T", str(v.dtype), tuple(v.shape), repr(vals), repr(v))
    if isinstance(v,(list,tuple)): return tuple(norm(x,L) for x in v)
    return repr(v)
bad=0
for it in range(N):
    k=random.choice(["tensor","tensor_dt","to","full","arange","linspace","item","repr","fill"])
    d=rdata(); dt=random.choice(DTS); dt2=random.choice(DTS)
    if k=="tensor": f=lambda L: L.tensor(d)
    elif k=="tensor_dt": f=lambda L: L.tensor(d, dtype=getattr(L,dt))
    elif k=="to": f=lambda L: L.tensor(d, dtype=getattr(L,dt)).to(getattr(L,dt2))
    elif k=="fill":
        v=rval(random.choice("fib")); f=lambda L: L.zeros(2, dtype=getattr(L,dt)).fill_(v)
    elif k=="full":
        v=rval(random.choice("fib")); use=random.random()<0.5
        f=(lambda L: L.full((2,), v, dtype=getattr(L,dt))) if use else (lambda L: L.full((2,), v))
    elif k=="arange":
        a=random.choice([0,1,-3,0.5,2.5,-1.25]); b=random.choice([5,10,3.7,-2,0,1e-3]); s=random.choice([1,2,0.5,-1,0.3,3])
        use=random.random()<0.4
        f=(lambda L: L.arange(a,b,s,dtype=getattr(L,dt))) if use else (lambda L: L.arange(a,b,s))
    elif k=="linspace":
        a=random.choice([0,1,-3,0.5]); b=random.choice([5,10,3.7,-2]); n=random.choice([0,1,2,5,7])
        use=random.random()<0.4
        f=(lambda L: L.linspace(a,b,n,dtype=getattr(L,dt))) if use else (lambda L: L.linspace(a,b,n))
    elif k=="item":
        f=lambda L: (lambda t: (t.item() if t.numel()==1 else None, int(t) if t.numel()==1 and t.dtype not in (L.complex64,) else None, float(t) if t.numel()==1 and t.dtype!=L.complex64 else None, bool(t) if t.numel()==1 else None))(L.tensor(d, dtype=getattr(L,dt)))
    else:
        f=lambda L: repr(L.tensor(d, dtype=getattr(L,dt)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr=res(torch,f); er=res(ember,f)
    tn = tr if tr[0]=="err" else ("ok", norm(tr[1], torch))
    en = er if er[0]=="err" else ("ok", norm(er[1], ember))
    same = (tn[0]==en[0]) and (tn[1]==en[1] if tn[0]=="err" else tn[1]==en[1])
    if not same:
        bad+=1
        print("MISMATCH", k, repr(d)[:80], dt, dt2, "\n  torch:", str(tn)[:300], "\n  ember:", str(en)[:300])
print("bad", bad)
