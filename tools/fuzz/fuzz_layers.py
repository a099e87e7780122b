"""Differential fuzzer (layers): Conv1d/2d with every option, max/avg/adaptive pooling, BatchNorm and GroupNorm
(values, grads, running stats), run in torch and in ember; prints each mismatch.

A tool, run by hand (needs torch==2.13.0): ``python tools/fuzz/fuzz_layers.py SEED COUNT``. Degenerate cases
(one element per normalisation group, float32 batches of two) differ by rounding noise only.
"""
import numpy as np, torch, ember, random, sys, warnings
seed=int(sys.argv[1]); N=int(sys.argv[2]); random.seed(seed); rng=np.random.default_rng(seed)
torch.set_num_threads(1)
def res(L,f):
    try: return ("ok", f(L))
    except Exception as e: return ("err", type(e).__name__, str(e).split("\n")[0][:150])
bad=0
for it in range(N):
    kind=random.choice(["conv2d","conv1d","maxpool2d","avgpool2d","maxpool1d","avgpool1d","adaptive2d","bn","gn"])
    dt=random.choice([np.float32,np.float64])
    if kind in ("conv2d","conv1d"):
        d2 = kind=="conv2d"
        g=random.choice([1,1,2]); cin=g*random.randint(1,3); cout=g*random.randint(1,3)
        k=random.randint(1,4); s=random.randint(1,3); dil=random.randint(1,2)
        pad=random.choice([0,1,2,"same","valid"]) if s==1 else random.choice([0,1,2])
        pm=random.choice(["zeros","zeros","reflect","replicate","circular"])
        if pm!="zeros" and pad in ("same",): pm="zeros"
        bias=random.random()<0.7
        size=[random.randint(1,9) for _ in range(2 if d2 else 1)]
        x=rng.standard_normal([random.randint(1,2), cin]+size).astype(dt)
        def f(L):
            L.manual_seed(0)
            m=(L.nn.Conv2d if d2 else L.nn.Conv1d)(cin,cout,k,stride=s,padding=pad,dilation=dil,groups=g,bias=bias,padding_mode=pm,dtype=getattr(L,dt.__name__))
            t=L.tensor(x,requires_grad=True); y=m(t); y.backward(L.ones_like(y)*0.5)
            return [y, t.grad, m.weight.grad] + ([m.bias.grad] if bias else [])
        desc=f"{kind} cin{cin} cout{cout} k{k} s{s} p{pad} d{dil} g{g} {pm} bias{bias} x{x.shape}"
    elif kind in ("maxpool2d","avgpool2d","maxpool1d","avgpool1d"):
        d2 = kind.endswith("2d"); k=random.randint(1,4); s=random.choice([None,1,2,3]); p=random.randint(0,k//2); cm=random.random()<0.4
        size=[random.randint(1,9) for _ in range(2 if d2 else 1)]
        x=rng.integers(-3,4,[random.randint(1,2), random.randint(1,3)]+size).astype(dt)  # ties
        if kind.startswith("max"):
            cm = False  # torch 2.13 corrupts its own heap on some dilated max pools (the process aborts), so
            dl = 1      # the fuzzer leaves dilation and ceil_mode out there (tests/nn/test_pooling.py covers them)
            def f(L):
                t=L.tensor(x,requires_grad=True); fn=L.nn.functional.max_pool2d if d2 else L.nn.functional.max_pool1d
                y,i=fn(t,k,s,p,dl,ceil_mode=cm,return_indices=True); y.backward(L.ones_like(y)); return [y,i,t.grad]
            desc=f"{kind} k{k} s{s} p{p} d{dl} ceil{cm} x{x.shape}"
        else:
            cip=random.random()<0.5; dv=random.choice([None,None,3])
            def f(L):
                t=L.tensor(x,requires_grad=True)
                y=(L.nn.functional.avg_pool2d(t,k,s,p,cm,cip,dv) if d2 else L.nn.functional.avg_pool1d(t,k,s,p,cm,cip))
                y.backward(L.ones_like(y)); return [y,t.grad]
            desc=f"{kind} k{k} s{s} p{p} ceil{cm} cip{cip} dv{dv} x{x.shape}"
    elif kind=="adaptive2d":
        x=rng.standard_normal([2,3,random.randint(1,9),random.randint(1,9)]).astype(dt); o=(random.randint(1,5), random.choice([None,1,2,4]))
        def f(L):
            t=L.tensor(x,requires_grad=True); y=L.nn.functional.adaptive_avg_pool2d(t,o); y.backward(L.ones_like(y)); return [y,t.grad]
        desc=f"adaptive {o} x{x.shape}"
    elif kind=="bn":
        c=random.randint(1,4); x=rng.standard_normal([random.randint(2,4), c]+[random.randint(1,4) for _ in range(random.randint(0,2))]).astype(dt)
        mom=random.choice([0.1,None,0.5]); trn=random.random()<0.7; aff=random.random()<0.7; trs=random.random()<0.8
        def f(L):
            mod={2:L.nn.BatchNorm1d,3:L.nn.BatchNorm1d,4:L.nn.BatchNorm2d}[x.ndim](c, momentum=mom, affine=aff, track_running_stats=trs, dtype=getattr(L,dt.__name__))
            mod.train(trn)
            t=L.tensor(x,requires_grad=True); y=mod(t); y2=mod(t*2); (y.sum()+ (y2*y2).sum()).backward()
            out=[y, y2, t.grad]
            if trs: out += [mod.running_mean, mod.running_var, mod.num_batches_tracked]
            if aff: out += [mod.weight.grad, mod.bias.grad]
            return out
        desc=f"bn c{c} mom{mom} train{trn} affine{aff} trs{trs} x{x.shape}"
    else:
        gr=random.choice([1,2]); c=gr*random.randint(1,3); x=rng.standard_normal([random.randint(1,3), c]+[random.randint(1,4) for _ in range(random.randint(0,2))]).astype(dt)
        def f(L):
            mod=L.nn.GroupNorm(gr,c, dtype=getattr(L,dt.__name__)); t=L.tensor(x,requires_grad=True); y=mod(t); (y*y*L.arange(float(y.numel()), dtype=y.dtype).reshape(y.shape)).sum().backward()
            return [y,t.grad,mod.weight.grad,mod.bias.grad]
        desc=f"gn g{gr} c{c} x{x.shape}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr=res(torch,f); er=res(ember,f)
    ok=tr[0]==er[0]
    if ok and tr[0]=="err": ok = tr[1]==er[1]
    elif ok:
        tol=1e-4 if dt==np.float32 else 1e-9
        for a,b in zip(tr[1],er[1]):
            if a is None or b is None:
                if (a is None)!=(b is None): ok=False
                continue
            if tuple(a.shape)!=tuple(b.shape) or str(a.dtype)!=str(b.dtype) or not np.allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol, equal_nan=True):
                ok=False; break
    if not ok:
        bad+=1; print("MISMATCH", desc, "\n  torch:", str(tr)[:250], "\n  ember:", str(er)[:250])
print("bad", bad)
