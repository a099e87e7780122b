"""Differential fuzzer (sorting): sort/topk/kthvalue/median/mode/unique/cumulative ops/histc/bincount/searchsorted, with ties and NaNs, run in torch and in ember; prints each mismatch.

A tool, run by hand (needs torch==2.13.0): ``python tools/fuzz/fuzz_sort.py SEED COUNT``. Mismatches are
candidates: check each against torch by hand before fixing, and add the case as a test. Session 3 found
the bugs fixed in commits 11c89ea..HEAD with these.
"""
import numpy as np, torch, ember, random, sys, warnings
seed=int(sys.argv[1]); N=int(sys.argv[2]); random.seed(seed); rng=np.random.default_rng(seed)
def rshape():
    return tuple(random.randint(0,3) if random.random()<0.07 else random.randint(1,5) for _ in range(random.randint(0,3)))
def res(L,f):
    try: return ("ok", f(L))
    except Exception as e: return ("err", type(e).__name__, str(e).split("\n")[0][:160])
def conv(v):
    if isinstance(v,(torch.Tensor, ember.Tensor)): return (str(v.dtype), tuple(v.shape), v.detach().numpy().tolist())
    if isinstance(v,(list,tuple)): return tuple(conv(x) for x in v)
    return v
bad=0
for it in range(N):
    s=rshape(); dt=random.choice([np.float32,np.float64,np.int64,np.int32,np.bool_,np.uint8,np.int16,np.float16])
    if dt==np.bool_: x=rng.random(s)>0.5
    elif np.issubdtype(dt,np.integer): x=rng.integers(0 if dt==np.uint8 else -3,4,s).astype(dt)
    else:
        x=rng.integers(-3,4,s).astype(dt)  # ties on purpose
        if random.random()<0.3 and x.size: x.flat[random.randrange(x.size)]=np.nan
    nd=len(s); dim=random.randint(-nd, nd-1) if nd else random.choice([0,-1])
    op=random.choice(["sort","sort_stable","argsort","topk","kthvalue","median","median_dim","nanmedian","mode","unique","unique_dim","unique_consecutive","cummax","cummin","cumsum","cumprod","histc","bincount","msort","max_dim","min_dim","argmax_dim","logcumsumexp","diff","searchsorted","bucketize","flip_sort"])
    desc=f"{op}({x.dtype}{s}, dim={dim})"
    if op=="sort": d=random.random()<0.5; f=lambda L: L.sort(L.tensor(x), dim=dim, descending=d)
    elif op=="sort_stable": d=random.random()<0.5; f=lambda L: L.sort(L.tensor(x), dim=dim, descending=d, stable=True)
    elif op=="argsort": d=random.random()<0.5; f=lambda L: L.argsort(L.tensor(x), dim=dim, descending=d)
    elif op=="topk":
        k=random.randint(0,3); lg=random.random()<0.5; f=lambda L: L.topk(L.tensor(x), k, dim=dim, largest=lg); desc+=f" k={k} largest={lg}"
    elif op=="kthvalue": k=random.randint(1,3); f=lambda L: L.kthvalue(L.tensor(x), k, dim=dim); desc+=f" k={k}"
    elif op=="median": f=lambda L: L.median(L.tensor(x))
    elif op=="median_dim": f=lambda L: L.median(L.tensor(x), dim)
    elif op=="nanmedian": f=lambda L: L.nanmedian(L.tensor(x), dim)
    elif op=="mode": f=lambda L: L.mode(L.tensor(x), dim)
    elif op=="unique": so=random.random()<0.7; ri=random.random()<0.5; rc=random.random()<0.5; f=lambda L: L.unique(L.tensor(x), sorted=True, return_inverse=ri, return_counts=rc)
    elif op=="unique_dim": f=lambda L: L.unique(L.tensor(x), dim=dim, return_inverse=True, return_counts=True)
    elif op=="unique_consecutive": f=lambda L: L.unique_consecutive(L.tensor(x), return_inverse=True, return_counts=True)
    elif op in ("cummax","cummin","cumsum","cumprod","logcumsumexp"): f=lambda L, op=op: getattr(L,op)(L.tensor(x), dim)
    elif op=="histc": b=random.randint(1,5); mn,mx=random.choice([(0,0),(-2,2),(1,1)]); f=lambda L: L.histc(L.tensor(x), bins=b, min=mn, max=mx)
    elif op=="bincount":
        v=rng.integers(0,5,random.randint(0,6)); w=rng.random(v.shape) if random.random()<0.5 else None; ml=random.randint(0,7)
        f=lambda L: L.bincount(L.tensor(v), weights=None if w is None else L.tensor(w), minlength=ml); desc=f"bincount({v},{w is not None},{ml})"
    elif op=="msort": f=lambda L: L.msort(L.tensor(x))
    elif op=="max_dim": kd=random.random()<0.5; f=lambda L: L.max(L.tensor(x), dim, keepdim=kd)
    elif op=="min_dim": kd=random.random()<0.5; f=lambda L: L.min(L.tensor(x), dim, keepdim=kd)
    elif op=="argmax_dim": f=lambda L: L.argmax(L.tensor(x), dim)
    elif op=="diff": n=random.randint(0,2); f=lambda L: L.diff(L.tensor(x), n=n, dim=dim)
    elif op=="searchsorted":
        sorted_seq=np.sort(rng.integers(-3,4,5)).astype(np.float64); vals=rng.integers(-4,5,rshape()).astype(np.float64); right=random.random()<0.5
        f=lambda L: L.searchsorted(L.tensor(sorted_seq), L.tensor(vals), right=right); desc=f"searchsorted right={right}"
    elif op=="bucketize":
        bd=np.sort(rng.integers(-3,4,4)).astype(np.float64); right=random.random()<0.5
        f=lambda L: L.bucketize(L.tensor(x.astype(np.float64) if x.dtype!=np.bool_ else x), L.tensor(bd), right=right); desc+=f" right={right}"
    else: f=lambda L: L.sort(L.tensor(x).flip(dim) if nd else L.tensor(x), dim=dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr=res(torch,f); er=res(ember,f)
    a = tr if tr[0]=="err" else ("ok", conv(tr[1])); b = er if er[0]=="err" else ("ok", conv(er[1]))
    same = a[0]==b[0] and ((a[1]==b[1]) if a[0]=="err" else repr(a[1])==repr(b[1]))
    if not same:
        bad+=1; print("MISMATCH", desc, "\n  torch:", str(a)[:250], "\n  ember:", str(b)[:250])
print("bad", bad)
