"""Differential fuzzer (attention): nn.MultiheadAttention over random sizes, kdim/vdim, biases, add_bias_kv,
add_zero_attn, batch_first, masks and need_weights (outputs, weights and every grad), run in torch and in ember.

A tool, run by hand (needs torch==2.13.0): ``python tools/fuzz/fuzz_mha.py SEED COUNT``.
"""
import numpy as np, torch, ember, random, sys, warnings
seed=int(sys.argv[1]); N=int(sys.argv[2]); random.seed(seed); rng=np.random.default_rng(seed)
torch.set_num_threads(1)
bad=0
for it in range(N):
    E=random.choice([4,6,8]); H=random.choice([h for h in (1,2,4) if E%h==0]); bf=random.random()<0.5
    kd=random.choice([None, 3]); vd=kd
    bias=random.random()<0.8; abk=random.random()<0.2; aza=random.random()<0.2
    L_=random.randint(1,4); S=random.randint(1,4); B=random.choice([None,1,2])
    nw=random.random()<0.7; avg=random.random()<0.6
    use_kpm=random.random()<0.3 and B is not None; use_am=random.random()<0.3; causal=False
    am_bool=random.random()<0.5
    def shape(T, D): 
        return (T,D) if B is None else ((B,T,D) if bf else (T,B,D))
    q=rng.standard_normal(shape(L_,E)); k=rng.standard_normal(shape(S, kd or E)); v=rng.standard_normal(shape(S, vd or E))
    kpm=rng.random((B,S))>0.7 if use_kpm else None
    if kpm is not None: kpm[:,0]=False
    am=(rng.random((L_,S))>0.7 if am_bool else rng.standard_normal((L_,S))) if use_am else None
    if am is not None and am_bool: am[:,0]=False
    def f(Lb):
        Lb.manual_seed(0)
        m=Lb.nn.MultiheadAttention(E,H,bias=bias,add_bias_kv=abk,add_zero_attn=aza,kdim=kd,vdim=vd,batch_first=bf,dtype=Lb.float64)
        tq=Lb.tensor(q,requires_grad=True); tk=Lb.tensor(k,requires_grad=True); tv=Lb.tensor(v,requires_grad=True)
        out,w=m(tq,tk,tv,key_padding_mask=None if kpm is None else Lb.tensor(kpm), need_weights=nw, attn_mask=None if am is None else Lb.tensor(am), average_attn_weights=avg)
        (out*out).sum().backward()
        return [out, w, tq.grad, tk.grad, tv.grad] + [p.grad for p in m.parameters()]
    def res(Lb):
        try: return ("ok", f(Lb))
        except Exception as e: return ("err", type(e).__name__, str(e)[:150])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t=res(torch); e=res(ember)
    ok=t[0]==e[0]
    if ok and t[0]=="err": ok=t[1]==e[1]
    elif ok:
        for a,b in zip(t[1],e[1]):
            if (a is None)!=(b is None): ok=False; break
            if a is None: continue
            if tuple(a.shape)!=tuple(b.shape) or not np.allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-8, atol=1e-9, equal_nan=True): ok=False; break
    if not ok:
        bad+=1; print("MISMATCH", dict(E=E,H=H,bf=bf,kd=kd,bias=bias,abk=abk,aza=aza,L=L_,S=S,B=B,nw=nw,avg=avg,kpm=use_kpm,am=use_am,am_bool=am_bool), "\n  torch:", str(t)[:200], "\n  ember:", str(e)[:200])
print("bad", bad)
