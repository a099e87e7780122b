"""ember.compile returns its argument unchanged; a typical CUDA-aware AMP training script runs as written."""
from __future__ import annotations

import textwrap
import warnings

import numpy as np
import torch

import ember
from _compare import check_error


def test_compile_returns_model_and_function_unchanged():
    m = ember.nn.Linear(2, 2)
    assert ember.compile(m) is m

    def f(x):
        return x * 2
    assert ember.compile(f) is f
    assert ember.compile(f, mode="max-autotune", fullgraph=True, dynamic=False) is f


def test_compile_as_decorator():
    @ember.compile
    def f(x):
        return x + 1

    @ember.compile(mode="reduce-overhead")
    def g(x):
        return x - 1

    @ember.compile()
    def h(x):
        return x

    assert f(1) == 2 and g(1) == 0 and h(3) == 3


def test_compile_errors():
    check_error(lambda L: L.compile(3))
    check_error(lambda L: L.compile(lambda x: x, mode="default", options={}))


SCRIPT = textwrap.dedent("""
    import numpy as np

    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    torch.manual_seed(0)
    torch.cuda.manual_seed_all(0)
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.set_float32_matmul_precision('high')

    model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)).to(device)
    model = torch.compile(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler(enabled=False)
    loss_fn = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((32, 4)).astype(np.float32)).to(device)
    y = torch.tensor(rng.integers(0, 3, 32)).to(device, non_blocking=True)
    losses = []
    for step in range(5):
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16):
            logits = model(x)
            loss = loss_fn(logits.float(), y)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        losses.append(loss.item())
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    top = logits.detach().topk(2, dim=1).indices
    pred = logits.argmax(1)
    counts = torch.bincount(pred, minlength=3)
    med = logits.detach().median()
    torch.backends.cudnn.benchmark = False
    torch.set_float32_matmul_precision('highest')
""")


def test_typical_training_script_runs_unchanged():
    ns = {"torch": ember}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the script must run quietly, as it does under torch
        exec(SCRIPT, ns)
    assert len(ns["losses"]) == 5 and all(np.isfinite(ns["losses"]))
    assert ns["losses"][-1] < ns["losses"][0]
    assert tuple(ns["top"].shape) == (32, 2) and int(ns["counts"].sum()) == 32
    # torch (which computes the bf16 region in bfloat16) runs the same script too
    tns = {"torch": torch}
    exec(SCRIPT, tns)
    assert len(tns["losses"]) == 5
