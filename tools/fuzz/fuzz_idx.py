"""Differential fuzzer (indexing): getitem/setitem with every index kind, gather/scatter/index_select, cat/stack and shape ops (values and strides), run in torch and in ember; prints each mismatch.

A tool, run by hand (needs torch==2.13.0): ``python tools/fuzz/fuzz_idx.py SEED COUNT``. Mismatches are
candidates: check each against torch by hand before fixing, and add the case as a test. Session 3 found
the bugs fixed in commits 11c89ea..HEAD with these.
"""
import numpy as np, torch, ember, random, sys, warnings
seed=int(sys.argv[1]); N=int(sys.argv[2])
rng=np.random.default_rng(seed); random.seed(seed)
def rshape(nmin=0):
    return tuple(random.randint(1,4) if random.random()>0.08 else 0 for _ in range(random.randint(nmin,4)))
def rindex(shape):
    idx=[]; d=0
    nd=len(shape)
    while d < nd and random.random()<0.8:
        n=shape[d]; r=random.random()
        if r<0.25 and n>0: idx.append(random.randint(-n,n-1)); d+=1
        elif r<0.5:
            a=random.choice([None,random.randint(-n-1,n+1)]); b=random.choice([None,random.randint(-n-1,n+1)]); s=random.choice([None,1,2,3])
            idx.append(slice(a,b,s)); d+=1
        elif r<0.6: idx.append(None)
        elif r<0.65 and Ellipsis not in idx: idx.append(Ellipsis); d=nd-random.randint(0,nd-d)
        elif r<0.85 and n>0:
            k=random.randint(0,3); idx.append(("list",[random.randint(-n,n-1) for _ in range(k)])); d+=1
        elif n>=0:
            idx.append(("mask", list(rng.random(n)>0.5))); d+=1
    return idx
def conv(L, idx):
    out=[]
    for i in idx:
        if isinstance(i, tuple) and i[0]=="list": out.append(L.tensor(i[1], dtype=L.int64))
        elif isinstance(i, tuple) and i[0]=="mask": out.append(L.tensor(i[1], dtype=L.bool))
        else: out.append(i)
    return tuple(out)
def res(L, f):
    try: return ("ok", f(L))
    except Exception as e: return ("err", type(e).__name__, str(e).split("\n")[0][:160])
def same(t, e):
    if t[0]!=e[0]: return False
    if t[0]=="err": return t[1]==e[1]
    a,b=t[1],e[1]
    if isinstance(a,(list,tuple)): return len(a)==len(b) and all(same(("ok",x),("ok",y)) for x,y in zip(a,b))
    if isinstance(a, torch.Tensor):
        return isinstance(b, ember.Tensor) and str(a.dtype)==str(b.dtype) and tuple(a.shape)==tuple(b.shape) and np.array_equal(a.detach().numpy(), b.detach().numpy(), equal_nan=True) and (a.numel()==0 or a.stride()==b.stride())
    return a==b
bad=0
for it in range(N):
    s=rshape(1); x=rng.standard_normal(s).astype(np.float32)
    kind=random.choice(["get","get","set","setv","gather","cat","shape","grad"])
    if kind=="get":
        idx=rindex(s); f=lambda L: L.tensor(x)[conv(L,idx)]; desc=f"x{s}[{idx}]"
    elif kind=="grad":
        idx=rindex(s)
        def f(L):
            t=L.tensor(x, requires_grad=True); y=t[conv(L,idx)]
            (y*L.arange(y.numel(), dtype=L.float32).reshape(y.shape)).sum().backward(); return [y.detach(), t.grad]
        desc=f"grad x{s}[{idx}]"
    elif kind=="set":
        idx=rindex(s); v=float(rng.integers(-9,9))
        def f(L):
            t=L.tensor(x); t[conv(L,idx)]=v; return t
        desc=f"x{s}[{idx}]={v}"
    elif kind=="setv":
        idx=rindex(s)
        try: shp=tuple(np.empty(s)[tuple(np.array(i[1]) if isinstance(i,tuple) else i for i in idx)].shape)
        except Exception: shp=(1,)
        vs=tuple(shp[random.randint(0,len(shp)):]) if shp else ()
        vv=rng.standard_normal(vs).astype(np.float32)
        def f(L):
            t=L.tensor(x); t[conv(L,idx)]=L.tensor(vv); return t
        desc=f"x{s}[{idx}]=v{vs}"
    elif kind=="gather":
        d=random.randint(-len(s),len(s)-1); n=s[d]
        ishape=tuple(random.randint(0,si) for si in s)
        ind=rng.integers(-n if random.random()<0.1 else 0, max(n,1), ishape) if n>0 else np.zeros(ishape,np.int64)
        op=random.choice(["gather","scatter","scatter_add","index_select","take_along_dim"])
        if op=="gather": f=lambda L: L.gather(L.tensor(x), d, L.tensor(ind))
        elif op=="scatter": f=lambda L: L.tensor(x).scatter(d, L.tensor(ind), L.tensor(rng.standard_normal(ishape).astype(np.float32)) if False else 1.5)
        elif op=="scatter_add": 
            src=rng.standard_normal(ishape).astype(np.float32); f=lambda L: L.tensor(x).scatter_add(d, L.tensor(ind), L.tensor(src))
        elif op=="index_select":
            i1=ind.ravel()[:5]; f=lambda L: L.index_select(L.tensor(x), d, L.tensor(i1))
        else:
            f=lambda L: L.take_along_dim(L.tensor(x), L.tensor(ind), d)
        desc=f"{op}(x{s}, {d}, ind{ishape})"
    elif kind=="cat":
        d=random.randint(-len(s),len(s)-1); 
        ys=[rng.standard_normal(tuple(si if j!=d%len(s) or random.random()<0.5 else random.randint(0,3) for j,si in enumerate(s))).astype(random.choice([np.float32,np.float64,np.int64])) for _ in range(random.randint(1,3))]
        op=random.choice(["cat","stack","hstack","vstack"])
        if op in ("cat",): f=lambda L: L.cat([L.tensor(x)]+[L.tensor(y) for y in ys], d)
        elif op=="stack": f=lambda L: L.stack([L.tensor(x)]+[L.tensor(y) for y in ys], d)
        else: f=lambda L, op=op: getattr(L,op)([L.tensor(x)]+[L.tensor(y) for y in ys])
        desc=f"{op}(x{s}, {[y.shape for y in ys]}, {d})"
    else:
        op=random.choice(["reshape","view","permute","transpose","flatten","unflatten","squeeze","unsqueeze","expand","repeat","flip","roll","chunk","split","narrow","movedim","tril","triu","diagonal","unbind","t","tensor_split"])
        nd=len(s)
        def rd(): return random.randint(-nd, nd-1) if nd else 0
        if op in ("reshape","view"):
            n=int(np.prod(s)); sh=[n] if random.random()<0.3 else [-1, 1] if random.random()<0.5 else list(reversed(s))
            use_t=nd==2 and random.random()<0.5  # drawn once: both libraries reshape the same tensor
            f=lambda L, op=op: getattr(L.tensor(x).t() if use_t else L.tensor(x), op)(*sh); desc=f"{op}{s}{'.t()' if use_t else ''}->{sh}"
        elif op=="permute": p=list(range(nd)); random.shuffle(p); f=lambda L: L.tensor(x).permute(*p); desc=f"permute{s}{p}"
        elif op=="transpose": a,b=rd(),rd(); f=lambda L: L.tensor(x).transpose(a,b).contiguous(); desc=f"transpose{s}{a,b}"
        elif op=="flatten": a=rd(); b=random.randint(a%nd, nd-1) if nd else 0; f=lambda L: L.tensor(x).flatten(a,b); desc=f"flatten{s}{a,b}"
        elif op=="unflatten": a=rd(); f=lambda L: L.tensor(x).unflatten(a,(s[a],1) if nd else (1,)); desc=f"unflatten{s}{a}"
        elif op=="squeeze": a=random.choice([None,rd(),tuple(range(nd))]); f=lambda L: L.tensor(x).squeeze() if a is None else L.tensor(x).squeeze(a); desc=f"squeeze{s}{a}"
        elif op=="unsqueeze": a=random.randint(-nd-1, nd); f=lambda L: L.tensor(x).unsqueeze(a); desc=f"unsqueeze{s}{a}"
        elif op=="expand": sh=[random.choice([-1, si if si!=1 else random.randint(1,3)]) for si in s]; f=lambda L: L.tensor(x).expand(2,*sh); desc=f"expand{s}{sh}"
        elif op=="repeat": r=[random.randint(0,2) for _ in range(nd+random.randint(0,1))]; f=lambda L: L.tensor(x).repeat(*r); desc=f"repeat{s}{r}"
        elif op=="flip": a=[rd()]; f=lambda L: L.tensor(x).flip(a); desc=f"flip{s}{a}"
        elif op=="roll": a=rd(); k=random.randint(-5,5); f=lambda L: L.tensor(x).roll(k,a); desc=f"roll{s}{k,a}"
        elif op=="chunk": k=random.randint(1,4); a=rd(); f=lambda L: list(L.tensor(x).chunk(k,a)); desc=f"chunk{s}{k,a}"
        elif op=="split": k=random.choice([1,2,3,[1,1]]); a=rd(); f=lambda L: list(L.tensor(x).split(k,a)); desc=f"split{s}{k,a}"
        elif op=="tensor_split": k=random.choice([1,2,3,[1,2]]); a=rd(); f=lambda L: list(L.tensor(x).tensor_split(k,a)); desc=f"tensor_split{s}{k,a}"
        elif op=="narrow": a=rd(); st=random.randint(-2,2); ln=random.randint(0,2); f=lambda L: L.tensor(x).narrow(a,st,ln); desc=f"narrow{s}{a,st,ln}"
        elif op=="movedim": a,b=rd(),rd(); f=lambda L: L.tensor(x).movedim(a,b); desc=f"movedim{s}{a,b}"
        elif op in ("tril","triu"): k=random.randint(-2,2); f=lambda L, op=op: getattr(L.tensor(x),op)(k); desc=f"{op}{s}{k}"
        elif op=="diagonal": k=random.randint(-2,2); a,b=rd(),rd(); f=lambda L: L.tensor(x).diagonal(k,a,b); desc=f"diagonal{s}{k,a,b}"
        elif op=="unbind": a=rd(); f=lambda L: list(L.tensor(x).unbind(a)); desc=f"unbind{s}{a}"
        else: f=lambda L: L.tensor(x).t(); desc=f"t{s}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr=res(torch,f); er=res(ember,f)
    if not same(tr,er):
        bad+=1
        def sh(r):
            if r[0]=="err": return r
            v=r[1]
            if isinstance(v,list): return [(tuple(a.shape), a.stride(), a.detach().numpy().ravel()[:4]) for a in v]
            return (str(v.dtype), tuple(v.shape), v.stride(), v.detach().numpy().ravel()[:5])
        print("MISMATCH", desc, "\n  torch:", sh(tr), "\n  ember:", sh(er))
print("bad", bad)
