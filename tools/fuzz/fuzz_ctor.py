"""Differential fuzzer (layer constructors and nn.init): builds every layer class that both torch.nn and ember.nn
export, with the same seed and random (valid and invalid) constructor arguments, and compares what comes out:
exception type and message, warnings, repr, public attributes, parameters and buffers (names, shapes, dtypes,
requires_grad, values bit for bit), state_dict keys, and the global generator's state afterwards. The ``init``
mode does the same for every ``nn.init`` function on random tensors.

A tool, run by hand (needs torch==2.13.0):

    python tools/fuzz/fuzz_ctor.py SEED COUNT [ctor|init|both] [ClassName ...]

``FUZZ_CASE=N`` replays case N of that run alone (the cases before it are drawn, not run) and prints its seed.

Arguments are drawn per parameter *name* from the torch signature, so a new layer needs no new code unless it has
a parameter name never seen before (it then gets a small int). Prints one block per mismatch and a summary line.
"""
from __future__ import annotations

import inspect
import math
import os
import random
import re
import sys
import warnings
from typing import Any, Callable

import numpy as np
import torch

import ember

torch.set_num_threads(1)


# --- values that must be built separately in each library ------------------------------------------------------

class Lazy:
    """A value made per library: ``make(L)`` with L the torch or ember module."""

    def __init__(self, label: str, make: Callable[[Any], Any]) -> None:
        self.label, self.make = label, make

    def __repr__(self) -> str:
        return self.label


def dtype(name: str) -> Lazy:
    return Lazy(f"{name}", lambda L: getattr(L, name))


def tensor(values: list | np.ndarray, dt: str = "float32", requires_grad: bool = False) -> Lazy:
    arr = np.asarray(values)
    return Lazy(f"tensor({arr.tolist()}, {dt})",
                lambda L: L.tensor(arr, dtype=getattr(L, dt), requires_grad=requires_grad))


def realize(value: Any, L: Any) -> Any:
    if isinstance(value, Lazy):
        return value.make(L)
    if isinstance(value, tuple):
        return tuple(realize(v, L) for v in value)
    if isinstance(value, list):
        return [realize(v, L) for v in value]
    if isinstance(value, dict):
        return {k: realize(v, L) for k, v in value.items()}
    return value


# --- argument pools, by parameter name -------------------------------------------------------------------------

R = random.Random()
BAD = 0.0  # the chance that a drawn argument is an invalid one; set per case (0 for an all-valid case)


def pick(*choices: Any) -> Any:
    return R.choice(choices)


def either(valid: tuple, bad: tuple = ()) -> Callable[[], Any]:
    """A pool: one of ``valid``, or (with probability BAD) one of ``bad``."""
    return lambda: R.choice(bad) if bad and R.random() < BAD else R.choice(valid)


def size(lo: int = 1, hi: int = 6) -> Any:
    """A small size; sometimes 0; when bad, negative, float, bool, str, None or a NumPy int."""
    if R.random() < BAD:
        return pick(-1, -3, 2.0, 3.5, True, "3", None, np.int64(2))
    return R.randint(lo, hi) if R.random() < 0.93 else 0


def flag() -> Any:
    if R.random() < BAD:
        return pick(0, 1, None, "yes", 2.5)
    return pick(True, False)


def real(*usual: Any) -> Callable[[], Any]:
    """A pool of floats: ``usual``, or a generic odd value (zero, negative, nan, inf, str, None, tensor...)."""
    odd = (0, 0.0, -1.0, 1, 2, 1e-3, float("nan"), float("inf"), "0.1", None, True, np.float64(0.5),
           tensor(0.5, "float64"))
    return either(usual, odd)


def int_or_tuple(n: int, lo: int, hi: int) -> Callable[[], Any]:
    def draw() -> Any:
        if R.random() < BAD:
            return pick(0, -1, 1.5, (1,) * (n + 1), (), "2", None, np.array([1] * n))
        r = R.random()
        if r < 0.5:
            return R.randint(lo, hi)
        return tuple(R.randint(lo, hi) for _ in range(n)) if r < 0.85 else [R.randint(lo, hi) for _ in range(n)]
    return draw


float_dtype = either((None, None, dtype("float32"), dtype("float64"), dtype("float64"), float),
                     (dtype("float16"), dtype("int64"), dtype("complex64"), dtype("bool"), "float32", int,
                      np.float32))
device = either((None, None, "cpu", Lazy("device('cpu')", lambda L: L.device("cpu")), "cpu:0"),
                ("cuda", "bogus", 0, -1, "CPU", "meta"))


def weight_tensor() -> Any:
    if R.random() < 0.6:
        return None
    n = R.randint(1, 4)
    return tensor(np.round(np.random.default_rng(R.randrange(1 << 30)).random(n), 3),
                  pick("float32", "float64"))


def padding() -> Any:
    if R.random() < 0.2:
        return pick("same", "valid") if R.random() >= BAD else pick("full", "SAME", "")
    return int_or_tuple(2, 0, 2)()


def encoder_layer(decoder: bool) -> Lazy:
    d, h, ff = pick(4, 6, 8), pick(1, 2), pick(4, 8)
    kw = {"dim_feedforward": ff, "dropout": pick(0.0, 0.1), "batch_first": pick(True, False),
          "norm_first": pick(True, False), "bias": pick(True, False)}
    if R.random() < 0.3:
        kw["activation"] = pick("gelu", "relu")
    if R.random() < 0.2:
        d, h = 6, 3  # an odd head count: torch warns about nested tensors
    name = "TransformerDecoderLayer" if decoder else "TransformerEncoderLayer"
    return Lazy(f"{name}({d}, {h}, **{kw})", lambda L: getattr(L.nn, name)(d, h, **kw))


activation = either(("relu", "gelu", Lazy("F.relu", lambda L: L.nn.functional.relu),
                     Lazy("F.gelu", lambda L: L.nn.functional.gelu), Lazy("GELU()", lambda L: L.nn.GELU()),
                     Lazy("ReLU()", lambda L: L.nn.ReLU()), Lazy("F.silu", lambda L: L.nn.functional.silu)),
                    ("tanh", "RELU", None, 3))


POOLS: dict[str, Callable[[], Any]] = {
    **{n: size for n in ["in_features", "out_features", "in1_features", "in2_features", "num_embeddings",
                         "embedding_dim", "num_features", "num_channels", "in_channels", "out_channels",
                         "num_parameters"]},
    "num_groups": either((1, 1, 2, 3), (0, -1, 2.0)),
    "embed_dim": either((2, 4, 6, 8, 8), (0, -2, 3, 4.0)),
    "num_heads": either((1, 2, 2), (0, 3, -1, 4)),
    "d_model": either((4, 6, 8, 8), (0, 5)),
    "nhead": either((1, 2, 2), (4, 3, 0)),
    "dim_feedforward": either((4, 8, 1), (0, -1)),
    "kdim": either((None, None, 3, 5), (0, -1)),
    "vdim": either((None, None, 2, 6), (0,)),
    "num_layers": either((1, 2), (0, -1, 1.5, True)),
    "num_encoder_layers": either((1, 2, 0)),
    "num_decoder_layers": either((1, 2, 0)),
    "kernel_size": int_or_tuple(2, 1, 3),
    "stride": either((None, 1, 2, (1, 2), [2, 1]), (0, -1, (1, 1, 1), 1.5)),
    "padding": padding,
    "dilation": int_or_tuple(2, 1, 2),
    "groups": either((1, 1, 1, 2, 3), (0, -1, 1.0)),
    "output_size": either((1, 2, 5, (2, 3), (None, 2), [1, 1], None), (0, -1, "2")),
    "divisor_override": either((None, None, 1, 3), (0, -1, 1.5)),
    "padding_mode": either(("zeros", "zeros", "reflect", "replicate", "circular"), ("zero", "constant", None)),
    **{n: flag for n in ["bias", "affine", "elementwise_affine", "track_running_stats", "inplace", "batch_first",
                         "norm_first", "add_bias_kv", "add_zero_attn", "ceil_mode", "count_include_pad",
                         "return_indices", "log_input", "full", "swap", "log_target", "scale_grad_by_freq", "keepdim",
                         "enable_nested_tensor", "mask_check", "_freeze"]},
    "sparse": either((False,), (True,)),
    "p": real(0.0, 0.1, 0.5, 1.0, 0.99, 0, 1, -0.1, 1.5),
    "dropout": real(0.0, 0.1, 0.5, 1.0, -0.1, 1.5),
    "eps": real(1e-5, 1e-6, 1e-3, 0.1, 1e-8),
    "layer_norm_eps": real(1e-5, 1e-6, 0.01),
    "momentum": real(0.1, None, 0.5, 0.01),
    "alpha": real(1.0, 0.5, 2.0, -1.0),
    "lambd": real(0.5, 0.1, 1.0, -0.5),
    "beta": real(1.0, 0.5, 2.0, 0.0),
    "threshold": real(20.0, 0.5, 1.0, -1.0),
    "value": real(0.0, 1.0, -2.5, 20.0),
    "negative_slope": real(0.01, 0.2, -0.1, 1.0),
    "lower": real(0.125, 0.1, 0.5, 0.3),
    "upper": real(1 / 3, 0.2, 0.5, 0.05),
    "min_val": real(-1.0, -2.0, 0.0, 1.0, 2.0),
    "max_val": real(1.0, 2.0, 0.5, -1.0),
    "min_value": either((None, None, None, -2.0, 0.5)),
    "max_value": either((None, None, None, 2.0, 0.5)),
    "margin": real(0.0, 1.0, 0.5, -0.5, 2.0),
    "delta": real(1.0, 0.5, 2.0, 0.0, -1.0),
    "label_smoothing": real(0.0, 0.1, 0.5, 1.0, 1.5, -0.1),
    "init": real(0.25, 0.1, 0.0, -1.0),
    "norm_type": real(2.0, 1.0, 3.0, float("inf")),
    "max_norm": real(None, 1.0, 0.5, 2.0),
    "reduction": either(("mean", "mean", "sum", "none"), ("batchmean", "elementwise_mean", "avg", None, 1)),
    "size_average": either((None, None, None, True, False)),
    "reduce": either((None, None, None, True, False)),
    "weight": weight_tensor,
    "pos_weight": weight_tensor,
    "ignore_index": either((-100, -100, 0, 1, -1), (2.0,)),
    "padding_idx": either((None, None, 0, 1, 2, -1, -2), (5, -6, 1.0)),
    "dim": either((None, 0, 1, -1, -2, 2), (1.0, "x")),
    "start_dim": either((1, 0, -1, 2), (1.5,)),
    "end_dim": either((-1, 1, 2, -2, 3)),
    "unflattened_size": either(((2, 3), [2, 3], (2, -1), (4,), Lazy("Size([2, 3])", lambda L: L.Size([2, 3]))),
                               ((2.0, 3), 6, "23", (("a", 2), ("b", 3)), None, (True, 2))),
    "normalized_shape": either((4, 3, (2, 3), [4], (), (2, 0), Lazy("Size([3])", lambda L: L.Size([3]))),
                               (0, -1, 2.0, (2.5,), "4", None)),
    "approximate": either(("none", "tanh", "tanh"), ("None", "exact", None, 1)),
    "activation": activation,
    "device": device,
    "dtype": float_dtype,
    "custom_encoder": either((None, None, Lazy("Linear(2, 2)", lambda L: L.nn.Linear(2, 2)))),
    "custom_decoder": either((None, None, Lazy("Identity()", lambda L: L.nn.Identity()))),
    "encoder_layer": lambda: encoder_layer(False),
    "decoder_layer": lambda: encoder_layer(True),
    "norm": either((None, Lazy("LayerNorm(4)", lambda L: L.nn.LayerNorm(4)), Lazy("Identity()",
                                                                                   lambda L: L.nn.Identity()))),
    "_weight": lambda: None,
    "input_size": size,
    "output_padding": either((0, 0, 1, (0, 1)), (-1, 3, (1, 1, 1))),
    "size": either((None, None, 4, (3, 5)), (0, -1, 2.5)),
    "scale_factor": either((None, 2, 2.0, 1.5, (2, 3)), (0, -1.0, "2")),
    "mode": either(("nearest", "linear", "bilinear", "nearest-exact", "area", "bicubic"), ("cubic", None)),
    "align_corners": either((None, None, True, False), (1, "yes")),
    "recompute_scale_factor": either((None, None, True, False)),
    "upscale_factor": either((1, 2, 3), (0, -1, 2.0)),
    "downscale_factor": either((1, 2, 3), (0, -1, 2.0)),
    "hidden_size": size,
    "num_chunks": either((1, 3, 4)),
    "bidirectional": flag,
    "proj_size": either((0, 0, 1, 2), (-1, 9, 1.0)),
    "nonlinearity": either(("tanh", "relu"), ("gelu", "Tanh", None)),
    "mode": either(("RNN_TANH", "LSTM", "GRU"), ("rnn",)),
    "distance_function": either((None, Lazy("PairwiseDistance(p=1.0)", lambda L: L.nn.PairwiseDistance(1.0)),
                                 Lazy("F.pairwise_distance", lambda L: L.nn.functional.pairwise_distance),
                                 Lazy("CosineSimilarity()", lambda L: L.nn.CosineSimilarity()))),
}

# defaults too large to build quickly: always passed small
ALWAYS = {"Transformer": ("d_model", "nhead", "num_encoder_layers", "num_decoder_layers", "dim_feedforward"),
          "TransformerEncoderLayer": ("dim_feedforward",), "TransformerDecoderLayer": ("dim_feedforward",)}


def pretrained_weights() -> Lazy:
    shape = pick((3, 2), (4, 3), (1, 1), (0, 2), (3,), (2, 2, 2))
    dt = pick("float32", "float64")
    values = np.random.default_rng(R.randrange(1 << 30)).standard_normal(shape).round(3)
    rg = R.random() < 0.3
    return tensor(values, dt, requires_grad=rg)


def draw_from_pretrained() -> tuple[list, dict]:
    """``Embedding.from_pretrained(embeddings, freeze, padding_idx, max_norm, ...)``."""
    args: list = [pretrained_weights()]
    kwargs: dict = {}
    for name in ("freeze", "padding_idx", "max_norm", "norm_type", "scale_grad_by_freq"):
        if R.random() < 0.5:
            kwargs[name] = POOLS["_freeze" if name == "freeze" else name]()
    return args, kwargs


def draw_call(cls: type) -> tuple[list, dict]:
    """Arguments for ``cls(...)`` from torch's signature: a positional prefix, then random keywords."""
    name = cls.__name__
    params = [p for p in inspect.signature(cls.__init__).parameters.values() if p.name != "self"]
    if any(p.kind == p.VAR_POSITIONAL for p in params) and name == "Identity":
        return [R.randint(0, 3) for _ in range(R.randint(0, 2))], ({"foo": 1} if R.random() < 0.3 else {})
    if name in ("RNN", "LSTM", "GRU"):  # (*args, **kwargs) handed on to RNNBase, which RNN/LSTM/GRU give the mode
        params = list(inspect.signature(torch.nn.RNNBase.__init__).parameters.values())[2:]
        if name == "RNN" and R.random() < 0.4:
            params.insert(3, inspect.Parameter("nonlinearity", inspect.Parameter.KEYWORD_ONLY, default="tanh"))
    params = [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if name == "Embedding" and R.random() < 0.1:
        n, d = R.randint(1, 4), R.randint(1, 3)
        shape = pick((n, d), (n, d), (d, n), (n,))
        params = [p for p in params if p.name not in ("_weight",)]
        kw = {"_weight": tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape))}
        return [n, d], kw
    args: list = []
    kwargs: dict = {}
    positional = R.random() < 0.5
    for p in params:
        required = p.default is p.empty
        if not required and R.random() < 0.45 and p.name not in ALWAYS.get(name, ()):
            positional = False  # skipping one ends the positional run
            continue
        value = POOLS.get(p.name, either((1, 2, 0)))()
        if positional and p.kind == p.POSITIONAL_OR_KEYWORD:
            args.append(value)
        else:
            positional = False
            kwargs[p.name] = value
    if R.random() < BAD / 5:
        kwargs["bogus_kw"] = 1
    if R.random() < BAD / 5:
        args = args + [None] * (len(params) - len(args) + 1)  # one positional too many
    return args, kwargs


# --- what a construction looks like, in library-neutral terms -----------------------------------------------

def is_tensor(v: Any) -> bool:
    return isinstance(v, (torch.Tensor, ember.Tensor))


def tensor_key(t: Any) -> tuple:
    t = t.detach()
    if t.is_floating_point() or t.is_complex():
        values = t.to(torch.complex128 if t.is_complex() else torch.float64) if isinstance(t, torch.Tensor) else \
            t.to(ember.complex128 if t.is_complex() else ember.float64)
    else:
        values = t
    return (type(t).__name__ == "Parameter", tuple(t.shape), str(t.dtype), t.requires_grad,
            values.numpy().tobytes().hex())


def neutral(v: Any, depth: int = 0) -> Any:
    """A comparable stand-in: tensors by content, modules by repr, functions by name, containers recursively."""
    if is_tensor(v):
        return ("tensor",) + tensor_key(v)
    if isinstance(v, (torch.nn.Module, ember.nn.Module)):
        return ("module", repr(v))
    if isinstance(v, (torch.Size, ember.Size)):
        return ("Size", tuple(v))
    if isinstance(v, (torch.dtype, torch.device)) or type(v).__module__.startswith("ember"):
        return ("obj", str(v))
    if isinstance(v, (tuple, list)) and depth < 4:
        return (type(v).__name__, tuple(neutral(x, depth + 1) for x in v))
    if isinstance(v, dict) and depth < 4:
        return ("dict", tuple((k, neutral(x, depth + 1)) for k, x in v.items()))
    if callable(v) and hasattr(v, "__name__"):
        return ("callable", v.__name__)
    if isinstance(v, float) and math.isnan(v):
        return ("float", "nan")
    return (type(v).__name__, repr(v))


# private attributes torch code (and user code) reads
PRIVATE = {"_qkv_same_embed_dim", "_reversed_padding_repeated_twice", "_version"}
MODULE_INTERNALS = {"_parameters", "_buffers", "_modules", "_non_persistent_buffers_set"}


def describe_module(m: Any) -> dict:
    attrs = {k: neutral(v) for k, v in vars(m).items()
             if (not k.startswith("_") or k in PRIVATE) and k not in MODULE_INTERNALS}
    return {
        "repr": repr(m),
        "attrs": attrs,
        "parameters": [(n,) + tensor_key(p) for n, p in m.named_parameters()],
        "buffers": [(n,) + tensor_key(b) for n, b in m.named_buffers()],
        "state_dict": list(m.state_dict().keys()),
        "metadata": sorted((k, sorted(v.items())) for k, v in getattr(m.state_dict(), "_metadata", {}).items()),
        "registered": [(n, sorted(k for k in vars(sub)["_parameters"]), sorted(vars(sub)["_buffers"]))
                       for n, sub in m.named_modules()],
        "training": m.training,
    }


def run(fn: Callable[[], Any], L: Any, seed: int) -> dict:
    """Call fn under a fixed seed; record the outcome, the warnings and the generator's next draw."""
    L.manual_seed(seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = {"ok": fn()}
        except Exception as e:  # noqa: BLE001 - every exception is part of the comparison
            out = {"error": (type(e).__name__, str(e))}
    # where a warning points matters to users (stacklevel): at their code, or inside the library
    out["warnings"] = [(w.category.__name__, str(w.message), "user" if w.filename == __file__ else "library")
                       for w in caught]
    out["next_draw"] = L.rand(3, dtype=L.float64).numpy().tobytes().hex()
    return out


AFTER = {  # what user code commonly does to a fresh module; compared again afterwards
    "double": lambda m, L: m.double(), "half": lambda m, L: m.half(), "eval": lambda m, L: m.eval(),
    "to float64": lambda m, L: m.to(L.float64), "frozen": lambda m, L: m.requires_grad_(False),
    "deepcopy": lambda m, L: __import__("copy").deepcopy(m),
}


def construct(cls_name: str, args: list, kwargs: dict, L: Any, seed: int, default: str = "float32",
              after: str | None = None) -> dict:
    def build() -> dict:
        L.set_default_dtype(getattr(L, default))
        cls, _, method = cls_name.partition(".")
        make = getattr(getattr(L.nn, cls), method) if method else getattr(L.nn, cls)
        try:
            a = realize(args, L)
            m = make(*a, **realize(kwargs, L))
            if method:  # from_pretrained shares the given tensor: the module's weight is that tensor
                first = describe_module(m)
                first["shares"] = m.weight is a[0] or m.weight.data_ptr() == a[0].data_ptr()
                return first
        finally:
            L.set_default_dtype(L.float32)
        first = describe_module(m)
        if after:
            first["after"] = describe_module(AFTER[after](m, L))
        reset = getattr(m, "reset_parameters", None) or getattr(m, "_reset_parameters", None)
        if reset is not None:  # a second initialisation draws the same again
            reset()
            first["after_reset"] = [(n,) + tensor_key(p) for n, p in m.state_dict().items()]
        return first
    return run(build, L, seed)


# --- nn.init -----------------------------------------------------------------------------------------------------

SHAPES = [(), (0,), (3,), (2, 3), (3, 2), (4, 4), (3, 0), (0, 3), (4, 3, 2), (2, 2, 3, 3), (3, 1, 3), (2, 1, 3, 3, 3),
          (6, 2, 3), (5, 7), (1, 1)]
NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                  "sigmoid", "tanh", "relu", "leaky_relu", "selu", "Relu", "gelu", "silu"]

INIT_POOLS: dict[str, Callable[[], Any]] = {
    "gain": lambda: pick(1.0, 1, 0.5, 2.0, math.sqrt(2), 0, -1.0),
    "a": lambda: pick(0, 0.0, math.sqrt(5), 0.2, -1.0, 2.0, None, 1),
    "b": lambda: pick(1.0, 2.0, 0.5, -1.0, 0.0, 3),
    "mean": lambda: pick(0.0, 0.5, -1.0, 3.0, 10.0),
    "std": lambda: pick(1.0, 0.02, 0.5, 2.0, 0.0, 0.01),
    "mode": lambda: pick("fan_in", "fan_out", "FAN_IN", "Fan_Out", "fan_avg", "fanin"),
    "nonlinearity": lambda: pick(*NONLINEARITIES),
    "val": lambda: pick(0.0, 1.0, -2.5, 3, float("inf"), True),
    "groups": lambda: pick(1, 1, 2, 3, 0),
    "sparsity": lambda: pick(0.0, 0.1, 0.5, 0.9, 1.0),
    "param": lambda: pick(None, 0.01, 0.2, 1, 0, -0.5, True, "x", math.sqrt(5)),
    "generator": lambda: pick(None, None, Lazy("Generator(7)", lambda L: L.Generator().manual_seed(7))),
}


def init_tensor() -> Any:
    """A zero tensor of a random shape and dtype; sometimes a leaf that requires grad, sometimes a view
    (transposed: not contiguous; strided slice; expanded is left out, torch refuses writes to it)."""
    shape = R.choice(SHAPES)
    dt = pick("float32", "float32", "float64", "float16", "int64")
    rg = R.random() < 0.3 and dt != "int64"
    view = pick(None, None, None, "t", "slice", "param") if len(shape) >= 2 else pick(None, "param")
    if R.random() < 0.03:
        return pick(None, 3.0, [[1.0, 2.0], [3.0, 4.0]])

    def make(L: Any) -> Any:
        if view == "slice":  # every other row of a taller tensor
            base = L.zeros((shape[0] * 2,) + shape[1:], dtype=getattr(L, dt))
            return base[::2]
        if view == "t":
            return L.zeros(shape[::-1], dtype=getattr(L, dt)).transpose(0, -1)
        if view == "param" and dt != "int64":
            return L.nn.Parameter(L.zeros(shape, dtype=getattr(L, dt)), requires_grad=rg)
        return L.zeros(shape, dtype=getattr(L, dt)).requires_grad_(rg)
    return Lazy(f"zeros{shape}:{dt}{':rg' if rg else ''}{':' + view if view else ''}", make)


def draw_init_call() -> tuple[str, list, dict]:
    names = [n for n in torch.nn.init.__all__ if n in vars(ember.nn.init)] if hasattr(torch.nn.init, "__all__") \
        else []
    name = R.choice(names)
    fn = getattr(torch.nn.init, name)
    target = inspect.unwrap(fn)
    if name.endswith("_") is False and name != "calculate_gain":
        target = getattr(torch.nn.init, name + "_", fn)  # the deprecated aliases take their new name's arguments
    params = list(inspect.signature(target).parameters.values())
    args: list = []
    kwargs: dict = {}
    positional = R.random() < 0.5
    for p in params:
        if p.default is not p.empty and R.random() < 0.5:
            positional = False
            continue
        value = init_tensor() if p.name == "tensor" else INIT_POOLS.get(p.name, lambda: 1.0)()
        if p.name == "nonlinearity" and name == "calculate_gain" and R.random() < 0.1:
            value = pick(None, 3)
        if positional:
            args.append(value)
        else:
            kwargs[p.name] = value
    return name, args, kwargs


class Approx:
    """Float values equal within a few ulps: orthogonal_'s QR runs in NumPy's LAPACK, torch's in MKL, and the two
    round differently (the draws behind them are still bit-exact)."""

    def __init__(self, t: Any) -> None:
        self.values = t.detach().to(t.dtype).numpy().astype(np.float64)
        # QR's rounding error grows with the matrix size
        n = sum(t.shape[:1]) + (t.numel() // t.shape[0] if t.dim() and t.shape[0] else 0)
        self.ulp = float(np.finfo(t.detach().numpy().dtype).eps) * max(n, 1) if t.is_floating_point() else 0.0

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Approx) and self.values.shape == other.values.shape
                and np.allclose(self.values, other.values, rtol=0, atol=4 * self.ulp, equal_nan=True))

    def __repr__(self) -> str:
        return f"Approx({self.values.ravel()[:8]})"


def call_init(name: str, args: list, kwargs: dict, L: Any, seed: int) -> dict:
    def go() -> Any:
        a, kw = realize(args, L), realize(kwargs, L)
        out = getattr(L.nn.init, name)(*a, **kw)
        if is_tensor(out):
            same = len(a) > 0 and out is a[0] or out is kw.get("tensor")
            key = ("tensor", same) + tensor_key(out)
            if name.startswith("orthogonal") and out.is_floating_point():
                key = key[:-1] + (Approx(out),)
            return key
        return neutral(out)
    return run(go, L, seed)


# --- driver -------------------------------------------------------------------------------------------------------

def common_layers() -> list[str]:
    names = []
    for n in dir(torch.nn):
        obj = getattr(torch.nn, n)
        if (inspect.isclass(obj) and issubclass(obj, torch.nn.Module) and n in vars(ember.nn)
                and n not in ("Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict")):
            names.append(n)
    return names


def unordered_sets(message: str) -> str:
    """A message with each printed {set} sorted: a set's order follows string hashes, random per process."""
    return re.sub(r"\{([^{}]*)\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", message)


def differ(a: dict, b: dict) -> list[str]:
    """The keys on which two outcomes differ (for a short report)."""
    out = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k), b.get(k)
        if isinstance(va, dict) and isinstance(vb, dict) and k == "ok":
            out += [f"ok.{x}" for x in differ(va, vb)]
        elif isinstance(va, dict) and isinstance(vb, dict) and k == "after":
            out += [f"after.{x}" for x in differ(va, vb)]
        elif isinstance(va, dict) and isinstance(vb, dict) and k == "attrs":
            out += [f"attrs.{x}" for x in sorted(set(va) | set(vb)) if va.get(x) != vb.get(x)]
        elif va != vb:
            out.append(k)
    return out


def known(t: dict, e: dict, label: str = "", keys: tuple = ()) -> str:
    """Why a mismatch is outside the layers' own code (so is listed, not counted as a layer bug), or ""."""
    if label.startswith(("nn.RNN(", "nn.LSTM(", "nn.GRU(")) and ("error" in t or "error" in e):
        # torch's RNN/LSTM/GRU take (*args, **kwargs): RNN's 4th positional is nonlinearity, GRU/RNN take
        # proj_size positionally, errors name RNNBase.__init__
        return "RNN/LSTM/GRU argument handling (ember/nn/modules/rnn.py, not the layers' files)"
    if keys and all(k.startswith("ok.after.") for k in keys) and "then half" in label:
        return "float64 -> float16 casts round twice in torch (through float32), once in ember (Tensor casts)"
    te, ee = t.get("error"), e.get("error")
    emsg = ee[1] if ee else ""
    if "not supported by ember" in emsg or "does not support sparse" in emsg or "CPU only" in emsg:
        return "deliberate ember limitation (bfloat16, sparse gradients, meta device)"
    if te and te[0] == "TypeError" and te[1].split("(")[0] in ("empty", "zeros", "ones", "uniform_", "normal_") \
            and "(): argument" in te[1]:
        return "factory/random-op argument parsing (ember/_creation, Tensor.uniform_/normal_)"
    if te and ee and te[1].startswith("fill_() received an invalid combination of arguments"):
        return "Tensor.fill_ argument parsing (Tensor ops)"
    if te and ee and te[1].replace("torch.Tensor", "ember._tensor.Tensor") == ee[1]:
        return "a message that prints type(tensor): ember's class lives in ember._tensor"
    if ee and "(): argument 'size' failed to unpack" in emsg and "got bool" in emsg:
        return "a bool inside a factory size tuple (ember/_creation; torch takes it after the first place)"
    if any(w[0] == "ComplexWarning" for w in e.get("warnings", ())):
        return "complex -> real casts warn differently (Tensor.to / Module.to)"
    if ee and "not implemented for 'Complex" in emsg:
        return "uniform_/normal_ on complex tensors (Tensor random ops)"
    if ee and '"normal_kernel_cpu" not implemented for' in emsg and (te is None or "normal expects std" in te[1]):
        return "Tensor.normal_ on an empty integer tensor / std check order (Tensor random ops)"
    if te and ee and te[0] == "IndexError" and "only integers" in te[1] and ee[0] == "KeyError":
        return "indexing a tensor with a float raises KeyError (ember indexing)"
    if label.startswith("nn.init.trunc_normal") and any(m in label for m in (":t]", ":t,", ":t}")):
        return "empty_like keeps no strides, so redraws fill in another order (ember/_creation)"
    return ""


def show(label: str, t: dict, e: dict, keys: list[str]) -> None:
    print(f"MISMATCH {label}\n  differs in: {keys}")
    for k in keys:
        path = k.split(".")

        def get(d: dict) -> Any:
            for p in path:
                d = d.get(p) if isinstance(d, dict) else None
            return d
        print(f"  torch: {str(get(t))[:600]}\n  ember: {str(get(e))[:600]}")


def main() -> None:
    global BAD
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else "both"
    only = sys.argv[4:]
    R.seed(seed)
    layers = only or common_layers()
    bad = 0
    excused: dict[str, int] = {}
    replay = int(os.environ["FUZZ_CASE"]) if "FUZZ_CASE" in os.environ else None
    run_case = (lambda i: i == replay) if replay is not None else (lambda i: True)
    for i in range(count):
        case_seed = R.randrange(1 << 31)
        BAD = pick(0.0, 0.0, 0.1, 0.3)
        if mode == "ctor" or (mode == "both" and R.random() < 0.75):
            cls_name = R.choice(layers)
            if cls_name == "Embedding" and R.random() < 0.4:
                cls_name = "Embedding.from_pretrained"
                args, kwargs = draw_from_pretrained()
            else:
                args, kwargs = draw_call(getattr(torch.nn, cls_name))
            default = pick("float32", "float32", "float32", "float64")
            after = pick(None, None, None, *AFTER)
            label = f"nn.{cls_name}(*{args}, **{kwargs}) [default dtype {default}; then {after}; seed {case_seed}]"
            if not run_case(i):
                continue
            t, e = (construct(cls_name, args, kwargs, L, case_seed, default, after) for L in (torch, ember))
        else:
            name, args, kwargs = draw_init_call()
            label = f"nn.init.{name}(*{args}, **{kwargs}) [seed {case_seed}]"
            if not run_case(i):
                continue
            t, e = (call_init(name, args, kwargs, L, case_seed) for L in (torch, ember))
        for out in (t, e):
            if "error" in out:
                out["error"] = (out["error"][0], unordered_sets(out["error"][1]))
        keys = differ(t, e)
        why = known(t, e, label, tuple(keys)) if keys else ""
        if why:
            excused[why] = excused.get(why, 0) + 1
        elif keys:
            bad += 1
            show(f"[case {i}] {label}", t, e, keys)
    for why, n in excused.items():
        print(f"known, outside the layers: {n} x {why}")
    ran = 1 if replay is not None else count
    print(f"{ran - bad - sum(excused.values())}/{ran} clean, {bad} mismatches (seed {seed}, mode {mode})")


if __name__ == "__main__":
    main()
