"""Differential fuzzer (autograd): random graphs through backward, autograd.grad, retain_graph, hooks, retain_grad and in-place changes, run in torch and in ember; prints each mismatch.

A tool, run by hand (needs torch==2.13.0): ``python tools/fuzz/fuzz_ag.py SEED COUNT``. Mismatches are
candidates: check each against torch by hand before fixing, and add the case as a test. Session 3 found
the bugs fixed in commits 11c89ea..HEAD with these.
"""
import numpy as np, torch, ember, random, sys, warnings
seed=int(sys.argv[1]); N=int(sys.argv[2]); random.seed(seed); rng=np.random.default_rng(seed)
UN=["exp","sin","tanh","sigmoid","relu","abs","neg","square","sqrt_abs","log_abs","t_or_id","sum_keep","mean_dim","cumsum","flip","softmax","unsqueeze_squeeze","clone","detach_like","expand","reshape","transpose","getitem","pow3","clamp","max_dim","norm","prod_dim","std_dim","gelu"]
BIN=["add","sub","mul","div_safe","maximum","minimum","matmul_ok","where","cat","stack","atan2_skip","lerp_skip"]
def build(L, xs, prog):
    vals=list(xs)
    for op, a, b in prog:
        x=vals[a % len(vals)]; y=vals[b % len(vals)]
        if op=="exp": r=(x*0.1).exp()
        elif op=="sin": r=x.sin()
        elif op=="tanh": r=x.tanh()
        elif op=="sigmoid": r=x.sigmoid()
        elif op=="relu": r=x.relu()
        elif op=="abs": r=x.abs()
        elif op=="neg": r=-x
        elif op=="square": r=x*x
        elif op=="sqrt_abs": r=(x.abs()+1).sqrt()
        elif op=="log_abs": r=(x.abs()+1).log()
        elif op=="t_or_id": r=x.t() if x.dim()==2 else x
        elif op=="sum_keep": r=x.sum(-1, keepdim=True) if x.dim() else x
        elif op=="mean_dim": r=x.mean(0) if x.dim() else x
        elif op=="cumsum": r=x.cumsum(0) if x.dim() else x
        elif op=="flip": r=x.flip(0) if x.dim() else x
        elif op=="softmax": r=x.softmax(-1) if x.dim() else x
        elif op=="unsqueeze_squeeze": r=x.unsqueeze(0).squeeze(0)
        elif op=="clone": r=x.clone()
        elif op=="detach_like": r=x.detach()*1+x*0.5
        elif op=="expand": r=x.unsqueeze(0).expand(2,*x.shape)*1
        elif op=="reshape": r=x.reshape(-1)
        elif op=="transpose": r=x.transpose(0,-1) if x.dim()>=2 else x
        elif op=="getitem": r=x[..., :1] if x.dim() else x
        elif op=="pow3": r=x**3
        elif op=="clamp": r=x.clamp(-0.5,0.5)
        elif op=="max_dim": r=x.max(-1)[0] if x.dim() else x
        elif op=="norm": r=x.norm()
        elif op=="prod_dim": r=x.prod(-1) if x.dim() else x
        elif op=="std_dim": r=x.std(-1) if x.dim() and x.shape[-1]>1 else x
        elif op=="gelu": r=L.nn.functional.gelu(x)
        else:
            try:
                if op=="add": r=x+y
                elif op=="sub": r=x-y
                elif op=="mul": r=x*y
                elif op=="div_safe": r=x/(y*y+1)
                elif op=="maximum": r=L.maximum(x,y)
                elif op=="minimum": r=L.minimum(x,y)
                elif op=="matmul_ok": r=x@y if x.dim()>=1 and y.dim()>=1 and x.shape[-1]==y.shape[0 if y.dim()==1 else -2] else x
                elif op=="where": r=L.where(x>0, x, y)
                elif op=="cat": r=L.cat([x.reshape(-1), y.reshape(-1)])
                elif op=="stack": r=L.stack([x,x])
                else: r=x
            except RuntimeError:
                r=x
        vals.append(r)
    return vals
bad=0
for it in range(N):
    shapes=[tuple(random.randint(1,3) for _ in range(random.randint(0,2))) for _ in range(random.randint(1,3))]
    xs=[rng.standard_normal(s) for s in shapes]
    prog=[(random.choice(UN+BIN), random.randint(0,10), random.randint(0,10)) for _ in range(random.randint(1,7))]
    mode=random.choice(["backward","grad","twice","hooks","retain","inplace"])
    def f(L):
        ts=[L.tensor(x, requires_grad=True) for x in xs]
        vals=build(L, ts, prog)
        out=vals[-1]
        loss=(out*out).sum() if out.numel() else out.sum()
        if mode=="backward":
            loss.backward(); return [t.grad for t in ts]
        if mode=="grad":
            return list(L.autograd.grad(loss, ts, allow_unused=True))
        if mode=="twice":
            loss.backward(retain_graph=True); loss.backward(); return [t.grad for t in ts]
        if mode=="retain":
            mids=[v for v in vals[len(ts):] if v.requires_grad]
            for m in mids: m.retain_grad()
            loss.backward(); return [t.grad for t in ts]+[m.grad for m in mids]
        if mode=="hooks":
            seen=[]
            for t in ts: t.register_hook(lambda g, seen=seen: seen.append(g.sum().item()) or g*2)
            loss.backward(); return [t.grad for t in ts]+[round(s,8) for s in seen]
        if mode=="inplace":
            mids=[v for v in vals[len(ts):] if v.requires_grad and not v.is_leaf]
            if mids:
                m=mids[0]
                m.mul_(2)
            loss2=sum((v*v).sum() for v in vals[len(ts):] if v.requires_grad) if mids else loss
            loss2.backward(); return [t.grad for t in ts]
    def res(L):
        try: return ("ok", f(L))
        except Exception as e: return ("err", type(e).__name__, str(e).split(". Hint")[0][:200])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr=res(torch); er=res(ember)
    def same(a,b):
        if a[0]!=b[0]: return False
        if a[0]=="err": return a[1]==b[1] and a[2]==b[2]
        for u,v in zip(a[1],b[1]):
            if (u is None)!=(v is None): return False
            if u is None: continue
            if isinstance(u,float): 
                if abs(u-v)>1e-6*max(1,abs(u)): return False
                continue
            if tuple(u.shape)!=tuple(v.shape) or not np.allclose(u.numpy(), v.numpy(), rtol=1e-9, atol=1e-9, equal_nan=True): return False
        return len(a[1])==len(b[1])
    if not same(tr,er):
        bad+=1; print("MISMATCH", mode, shapes, prog, "\n  torch:", str(tr)[:300], "\n  ember:", str(er)[:300])
print("bad", bad)
