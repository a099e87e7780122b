"""Differential fuzzer (schedulers): every lr_scheduler's lr/momentum sequence and state_dict keys, run in torch and in ember; prints each mismatch.

A tool, run by hand (needs torch==2.13.0): ``python tools/fuzz/fuzz_sched.py SEED COUNT``. Mismatches are
candidates: check each against torch by hand before fixing, and add the case as a test. Session 3 found
the bugs fixed in commits 11c89ea..HEAD with these.
"""
import torch, ember, random, sys, warnings, math
seed=int(sys.argv[1]); N=int(sys.argv[2]); random.seed(seed)
def make(L, kind, args, opt_kind):
    p=[L.nn.Parameter(L.zeros(2)), L.nn.Parameter(L.zeros(3))]
    groups=[{"params":[p[0]]},{"params":[p[1]], "lr":0.05}] if random.random()<0.3 else p
    opt = L.optim.SGD(groups, lr=0.1, momentum=0.9) if opt_kind=="sgd" else L.optim.Adam(groups, lr=0.1)
    S=L.optim.lr_scheduler
    if kind=="SequentialLR":
        s1=S.LinearLR(opt, start_factor=args["sf"], total_iters=args["ti"]); s2=S.ExponentialLR(opt, gamma=args["g"])
        sch=S.SequentialLR(opt, [s1,s2], milestones=[args["m"]])
    elif kind=="LambdaLR":
        sch=S.LambdaLR(opt, lambda e: 0.95**e if args["f"] else 1/(e+1))
    elif kind=="ChainedScheduler":
        sch=S.ChainedScheduler([S.StepLR(opt, 2, 0.5), S.ExponentialLR(opt, 0.9)])
    else:
        sch=getattr(S, kind)(opt, **args)
    return opt, sch
KINDS={
 "StepLR": lambda: dict(step_size=random.randint(1,4), gamma=random.choice([0.1,0.5,0.9])),
 "MultiStepLR": lambda: dict(milestones=sorted(random.sample(range(1,12),3)), gamma=random.choice([0.1,0.5])),
 "ExponentialLR": lambda: dict(gamma=random.choice([0.9,0.5,0.99])),
 "CosineAnnealingLR": lambda: dict(T_max=random.randint(1,10), eta_min=random.choice([0,0.001])),
 "LinearLR": lambda: dict(start_factor=random.choice([0.1,0.5,1/3]), end_factor=random.choice([1.0,0.5]), total_iters=random.randint(1,8)),
 "ConstantLR": lambda: dict(factor=random.choice([0.5,1/3]), total_iters=random.randint(1,5)),
 "OneCycleLR": lambda: dict(max_lr=random.choice([0.1,1.0]), total_steps=random.randint(5,20), pct_start=random.choice([0.3,0.25]), anneal_strategy=random.choice(["cos","linear"]), three_phase=random.random()<0.3, cycle_momentum=random.random()<0.5),
 "PolynomialLR": lambda: dict(total_iters=random.randint(1,8), power=random.choice([1.0,2.0,0.5])),
 "CosineAnnealingWarmRestarts": lambda: dict(T_0=random.randint(1,5), T_mult=random.choice([1,2]), eta_min=random.choice([0,0.01])),
 "CyclicLR": lambda: dict(base_lr=0.01, max_lr=0.1, step_size_up=random.randint(1,5), mode=random.choice(["triangular","triangular2","exp_range"]), gamma=0.9, cycle_momentum=False),
 "ReduceLROnPlateau": lambda: dict(mode=random.choice(["min","max"]), factor=random.choice([0.1,0.5]), patience=random.randint(0,3), threshold=random.choice([1e-4,0.1]), threshold_mode=random.choice(["rel","abs"]), cooldown=random.randint(0,2), min_lr=random.choice([0,0.001])),
 "SequentialLR": lambda: dict(sf=random.choice([0.1,0.5]), ti=random.randint(1,5), g=random.choice([0.9,0.5]), m=random.randint(1,6)),
 "LambdaLR": lambda: dict(f=random.random()<0.5),
 "ChainedScheduler": lambda: {},
}
bad=0
for it in range(N):
    kind=random.choice(list(KINDS)); args=KINDS[kind](); ok_kind=random.choice(["sgd","adam"])
    if kind=="OneCycleLR" and ok_kind=="sgd" and args.get("cycle_momentum"): pass
    def run(L):
        random.seed(1000+it)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                opt, sch = make(L, kind, args, ok_kind)
                out=[]
                n=args.get("total_steps", 15) if kind=="OneCycleLR" else 15
                metrics=[1.0,0.9,0.95,0.95,0.94,0.99,1.2,0.5,0.5,0.5,0.5,0.4,0.4,0.4,0.4]
                for i in range(n):
                    opt.step()
                    if kind=="ReduceLROnPlateau": sch.step(metrics[i])
                    else: sch.step()
                    out.append(tuple(g["lr"] for g in opt.param_groups) + tuple(g.get("momentum", g.get("betas",(0,))[0]) for g in opt.param_groups))
                last = sch.get_last_lr() if hasattr(sch,"get_last_lr") else None
                sd = {k:v for k,v in sch.state_dict().items() if k not in ("_get_lr_called_within_step",)}
                return ("ok", out, last, sorted(sd.keys()))
        except Exception as e:
            return ("err", type(e).__name__, str(e)[:150])
    t=run(torch); e=run(ember)
    def same(a,b):
        if a[0]!=b[0]: return False
        if a[0]=="err": return a[1]==b[1]
        for x,y in zip(a[1],b[1]):
            if len(x)!=len(y) or any(u!=v and not (abs(u-v)<=1e-15*max(abs(u),1)) for u,v in zip(x,y)): return False
        return a[2]==b[2] and a[3]==b[3]
    if not same(t,e):
        bad+=1; print("MISMATCH", kind, args, ok_kind, "\n  torch:", str(t)[:400], "\n  ember:", str(e)[:400])
print("bad", bad)
