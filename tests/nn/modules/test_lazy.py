"""Lazy modules and their placeholders vs torch: UninitializedParameter/Buffer behaviour, LazyModuleMixin (shape
inference on the first call, class switch, state_dict rules), every Lazy* layer's weights, outputs and grads."""
from __future__ import annotations

import copy
import io
import re
import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error

from ._module_compare import assert_same_params, check_module, randn

# (class, constructor args, constructor kwargs, input shape)
LAYERS = [
    ("LazyLinear", (3,), {}, (5, 4)),
    ("LazyLinear", (3,), {"bias": False}, (2, 6, 4)),
    ("LazyLinear", (7,), {}, (4,)),
    ("LazyConv1d", (4, 3), {}, (2, 3, 10)),
    ("LazyConv1d", (4, 3), {"groups": 2, "padding": 1, "padding_mode": "reflect"}, (2, 6, 9)),
    ("LazyConv2d", (4, 3), {"stride": 2, "bias": False}, (2, 3, 8, 7)),
    ("LazyConv2d", (2, (2, 3)), {"padding": "same", "dilation": 2}, (3, 6, 5)),  # unbatched
    ("LazyConv3d", (2, 2), {}, (1, 3, 4, 4, 3)),
    ("LazyConvTranspose1d", (4, 3), {"stride": 2, "output_padding": 1}, (2, 3, 5)),
    ("LazyConvTranspose2d", (4, 3), {"groups": 2, "dilation": 2}, (2, 6, 4, 5)),
    ("LazyConvTranspose2d", (3, 2), {"bias": False}, (4, 3, 3)),  # unbatched
    ("LazyConvTranspose3d", (2, 2), {"stride": 2}, (1, 3, 3, 2, 3)),
    ("LazyBatchNorm1d", (), {}, (6, 3)),
    ("LazyBatchNorm1d", (), {"momentum": None, "affine": False}, (4, 3, 5)),
    ("LazyBatchNorm2d", (), {"track_running_stats": False}, (3, 4, 3, 3)),
    ("LazyBatchNorm2d", (), {"bias": False, "eps": 1e-3}, (3, 4, 3, 3)),
    ("LazyBatchNorm3d", (), {}, (2, 3, 2, 3, 2)),
    ("LazyInstanceNorm1d", (), {}, (2, 3, 5)),
    ("LazyInstanceNorm1d", (), {"affine": False, "track_running_stats": False}, (3, 6)),  # unbatched
    ("LazyInstanceNorm2d", (), {"momentum": 0.3}, (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", (), {"bias": False}, (2, 2, 3, 2, 3)),
]
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(LAYERS)]


def _pair(name, args, kwargs, dtype=None):
    kw_t = dict(kwargs, **({"dtype": getattr(torch, dtype)} if dtype else {}))
    kw_e = dict(kwargs, **({"dtype": getattr(ember, dtype)} if dtype else {}))
    return getattr(ember.nn, name)(*args, **kw_e), getattr(torch.nn, name)(*args, **kw_t)


def _sd_repr(mod) -> list[tuple[str, str]]:
    return [(k, repr(v)) for k, v in mod.state_dict().items()]


def _assert_same_state(e_mod, t_mod) -> None:
    assert_same_params(e_mod, t_mod)  # bit for bit
    e_sd, t_sd = e_mod.state_dict(), t_mod.state_dict()
    for k, t in t_sd.items():
        # running statistics: batch norm's own rounding, within its usual tolerance
        assert_same(e_sd[k], t, check_grad_fn=False, what=k)


def _norm(message: str) -> str:
    return re.sub(r"0x[0-9a-f]+", "0x?", message)


# --- the layers -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS, ids=IDS)
def test_lazy_layer_first_call(name, args, kwargs, shape):
    e_mod, t_mod = _pair(name, args, kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert _sd_repr(e_mod) == _sd_repr(t_mod)
    assert [(k, repr(v)) for k, v in e_mod.named_parameters()] == [(k, repr(v)) for k, v in t_mod.named_parameters()]
    # (a norm without affine parameters or statistics has no placeholder at all: it stays num_features=0)
    assert e_mod.has_uninitialized_params() == t_mod.has_uninitialized_params() == (len(t_mod.state_dict()) > 0)
    # the first call draws the weights: re-seeding both just before it must give torch's bits
    check_module(e_mod, t_mod, randn(*shape, seed=3), seed=11)
    assert type(e_mod) is getattr(ember.nn, name).cls_to_become
    assert type(e_mod).__name__ == type(t_mod).__name__ == name[len("Lazy"):]
    assert repr(e_mod) == repr(t_mod)
    _assert_same_state(e_mod, t_mod)
    assert not any(ember.nn.parameter.is_lazy(t) for t in e_mod.state_dict().values())
    # the hooks are gone: a second call is the plain layer's
    assert not e_mod._forward_pre_hooks and not e_mod._load_state_dict_pre_hooks
    assert not hasattr(e_mod, "_initialize_hook") and not hasattr(e_mod, "_load_hook")
    check_module(e_mod, t_mod, randn(*shape, seed=4))
    _assert_same_state(e_mod, t_mod)


@pytest.mark.parametrize("name,args,kwargs,shape", [LAYERS[0], LAYERS[4], LAYERS[9], LAYERS[12], LAYERS[19]],
                         ids=["linear", "conv1d", "convt2d", "bn1d", "in2d"])
def test_lazy_layer_float64(name, args, kwargs, shape):
    # dtype at construction, and .double() before the first call: both materialise as float64
    for convert in (False, True):
        e_mod, t_mod = _pair(name, args, kwargs, dtype=None if convert else "float64")
        if convert:
            e_mod.double()
            t_mod.double()
        assert [str(p.dtype) for p in e_mod.parameters()] == [str(p.dtype) for p in t_mod.parameters()]
        assert _sd_repr(e_mod) == _sd_repr(t_mod)
        check_module(e_mod, t_mod, randn(*shape, dtype="float64"), seed=5)
        _assert_same_state(e_mod, t_mod)


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_lazy_network(seed):
    # lazy layers among plain ones: the plain ones draw at construction, the lazy ones at the first call
    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.LazyConv2d(4, 3, padding=1), nn.LazyBatchNorm2d(), nn.ReLU(), nn.Conv2d(4, 2, 1),
                             nn.Flatten(), nn.LazyLinear(8), nn.Tanh(), nn.Linear(8, 3), nn.LazyLinear(2))
    torch.manual_seed(seed)
    t_net = build(torch)
    ember.manual_seed(seed)
    e_net = build(ember)
    assert repr(e_net) == repr(t_net)
    e_out, t_out = check_module(e_net, t_net, randn(2, 3, 5, 5, seed=seed))
    assert repr(e_net) == repr(t_net)
    _assert_same_state(e_net, t_net)


def test_reprs_before_the_first_call():
    cases = [("LazyLinear", (3,), {}), ("LazyConv1d", (4, 3), {"stride": 2, "padding": 1}),
             ("LazyConvTranspose3d", (4, 3), {"output_padding": 1, "stride": 2}), ("LazyBatchNorm3d", (), {}),
             ("LazyInstanceNorm2d", (), {}), ("LazyInstanceNorm1d", (), {"affine": False})]
    for name, args, kwargs in cases:
        e_mod, t_mod = _pair(name, args, kwargs)
        assert repr(e_mod) == repr(t_mod)
        assert _sd_repr(e_mod) == _sd_repr(t_mod)
        assert [(k, repr(b)) for k, b in e_mod.named_buffers()] == [(k, repr(b)) for k, b in t_mod.named_buffers()]


def test_no_warning_on_construction():
    # torch 2.13 warns about nothing when a lazy module is built (older versions did)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("LazyLinear", "LazyConv2d", "LazyBatchNorm1d", "LazyInstanceNorm3d"):
            getattr(ember.nn, name)(*((3,) if "Norm" not in name else ()), **({"kernel_size": 2} if "Conv" in name
                                                                              else {}))


# --- state dicts, optimizers, serialization -------------------------------------------------------------------

def test_load_real_state_into_lazy_module():
    torch.manual_seed(0)
    t_src = torch.nn.Linear(4, 3)
    t_lazy = torch.nn.LazyLinear(3)
    e_lazy = ember.nn.LazyLinear(3)
    e_lazy.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t_src.state_dict().items()})
    t_lazy.load_state_dict(t_src.state_dict())
    # materialised by the load hook, but still the lazy class (in_features 0) until the first call
    assert repr(e_lazy) == repr(t_lazy) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    assert type(e_lazy.weight) is ember.nn.Parameter and type(e_lazy.bias) is ember.nn.Parameter
    _assert_same_state(e_lazy, t_lazy)
    ember.manual_seed(1)
    torch.manual_seed(1)
    check_module(e_lazy, t_lazy, randn(2, 4))  # the first call draws nothing: the loaded values stay
    assert repr(e_lazy) == repr(t_lazy) == "Linear(in_features=4, out_features=3, bias=True)"
    _assert_same_state(e_lazy, t_lazy)
    assert ember.randn(3).tolist() == torch.randn(3).tolist()


def test_loaded_lazy_module_rejects_other_width():
    def run(lib):
        src = lib.nn.Linear(4, 3)
        lazy = lib.nn.LazyLinear(3)
        lazy.load_state_dict(src.state_dict())
        lazy(lib.ones(2, 5))
    check_error(run)


def test_load_lazy_batch_norm():
    torch.manual_seed(0)
    t_src = torch.nn.BatchNorm1d(3)
    t_src(torch.randn(5, 3))
    e_lazy, t_lazy = ember.nn.LazyBatchNorm1d(), torch.nn.LazyBatchNorm1d()
    e_lazy.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t_src.state_dict().items()})
    t_lazy.load_state_dict(t_src.state_dict())
    assert repr(e_lazy) == repr(t_lazy)
    _assert_same_state(e_lazy, t_lazy)
    check_module(e_lazy, t_lazy, randn(4, 3), train=False)
    assert repr(e_lazy) == repr(t_lazy)
    _assert_same_state(e_lazy, t_lazy)


def test_load_lazy_state_into_lazy_and_real_modules():
    for lib in (ember, torch):
        a, b = lib.nn.LazyLinear(3), lib.nn.LazyLinear(3)
        assert str(b.load_state_dict(a.state_dict())) == "<All keys matched successfully>"
        assert b.has_uninitialized_params() and repr(b.weight) == "<UninitializedParameter>"
    # a placeholder cannot go into a real parameter: reading its shape raises
    check_error(lambda lib: lib.nn.Linear(4, 3).load_state_dict(lib.nn.LazyLinear(3).state_dict()))
    # strict=False with only the weight: the bias stays a placeholder
    for lib in (ember, torch):
        b = lib.nn.LazyLinear(3)
        res = b.load_state_dict({"weight": lib.ones(3, 4)}, strict=False)
        assert res.missing_keys == ["bias"] and res.unexpected_keys == []
        assert type(b.weight).__name__ == "Parameter" and type(b.bias).__name__ == "UninitializedParameter"
    check_error(lambda lib: lib.nn.LazyLinear(3).load_state_dict({}))


def test_optimizer_built_before_the_first_call():
    # torch allows it (the Parameter objects survive materialisation), without a warning
    def run(lib):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.LazyLinear(4), lib.nn.ReLU(), lib.nn.LazyLinear(2))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            opt = lib.optim.Adam(net.parameters(), lr=0.1)
        x = lib.from_numpy(randn(5, 3))
        for _ in range(3):
            opt.zero_grad()
            net(x).square().sum().backward()
            opt.step()
        assert opt.param_groups[0]["params"][0] is net[0].weight
        return [p.detach().numpy().copy() for p in net.parameters()]
    for e, t in zip(run(ember), run(torch)):
        np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-6)


def test_save_and_load_uninitialised_module(tmp_path):
    path = tmp_path / "lazy.pt"
    ember.save(ember.nn.LazyLinear(3), path)
    m = ember.load(path, weights_only=False)
    assert type(m) is ember.nn.LazyLinear and repr(m.weight) == "<UninitializedParameter>"
    ember.manual_seed(0)
    out = m(ember.ones(2, 4))
    torch.manual_seed(0)
    t_out = torch.nn.LazyLinear(3)(torch.ones(2, 4))
    assert_same(out, t_out, rtol=0, atol=0)
    # a placeholder pickles as its class and flag only: the dtype is lost, as in torch
    for lib in (ember, torch):
        buf = io.BytesIO()
        lib.save(lib.nn.LazyBatchNorm1d(dtype=lib.float64).state_dict(), buf)
        buf.seek(0)
        sd = lib.load(buf, weights_only=False)
        assert [(k, repr(v)) for k, v in sd.items()][:2] == [("weight", "<UninitializedParameter>"),
                                                             ("bias", "<UninitializedParameter>")]
        assert sd["running_mean"].dtype == lib.float32 and not sd["running_mean"].requires_grad


def test_weights_only_load_refuses_placeholders():
    def run(lib):
        buf = io.BytesIO()
        lib.save(lib.nn.LazyLinear(3).state_dict(), buf)
        buf.seek(0)
        lib.load(buf)
    e_exc, t_exc = check_error(run, match_message=False)
    assert "UninitializedParameter" in str(e_exc)


def test_deepcopy():
    for lib in (ember, torch):
        m = copy.deepcopy(lib.nn.LazyLinear(3, dtype=lib.float64))
        assert repr(m) == "LazyLinear(in_features=0, out_features=3, bias=True)"
        assert repr(m.weight) == "<UninitializedParameter>" and m.weight.dtype == lib.float64
        m(lib.ones(2, 5, dtype=lib.float64))
        assert m.weight.shape == (3, 5)
    # an uninitialised buffer refuses (torch's Tensor.__deepcopy__ is one of the refused operations)
    e_exc, t_exc = check_error(lambda lib: copy.deepcopy(lib.nn.LazyBatchNorm1d()), match_message=False)
    assert _norm(str(e_exc)) == _norm(str(t_exc))


# --- errors ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.LazyConv2d(4, 3)(lib.ones(3, 4)),
    lambda lib: lib.nn.LazyConv1d(4, 3, groups=2)(lib.ones(1, 3, 5)),
    lambda lib: lib.nn.LazyConvTranspose3d(4, 3)(lib.ones(2, 3)),
    lambda lib: lib.nn.LazyBatchNorm2d()(lib.ones(3, 4)),
    lambda lib: lib.nn.LazyInstanceNorm2d()(lib.ones(3, 4)),
    lambda lib: lib.nn.LazyLinear(3)(lib.ones(2, 4), 5),
    lambda lib: lib.nn.LazyLinear(3)(lib.tensor(1.0)),
    lambda lib: lib.nn.LazyConvTranspose1d(3, 2, padding_mode="reflect"),
    lambda lib: lib.nn.LazyConv2d(3, 2, padding="same", stride=2),
    lambda lib: lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.LazyLinear(3)).share_memory(),
    lambda lib: lib.nn.LazyLinear(3).requires_grad_(False),
    lambda lib: sum(p.numel() for p in lib.nn.LazyLinear(3).parameters()),
], ids=["conv-dims", "conv-groups", "convt-dims", "bn-dims", "in-dims", "extra-arg", "0-d", "convt-pad-mode",
        "same-strided", "share-memory", "requires-grad", "numel"])
def test_lazy_errors(call):
    e_exc, t_exc = check_error(call, match_message=False)
    assert _norm(str(e_exc)) == _norm(str(t_exc))


@pytest.mark.parametrize("name", ["LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
                                  "LazyConvTranspose2d", "LazyConvTranspose3d"])
def test_lazy_conv_argument_errors_name_the_class(name):
    # Python's own TypeErrors name the __init__ they come from: torch's is the class's, not a shared base's
    calls = [lambda lib: getattr(lib.nn, name)(-1, 2, None, None, None, None, groups=2),
             lambda lib: getattr(lib.nn, name)(*range(1, 14)),
             lambda lib: getattr(lib.nn, name)(1, 2, foo=1)]
    for call in calls:
        e_exc, t_exc = check_error(call)
        assert str(e_exc) == str(t_exc)


def test_partly_materialised_module():
    def run(lib):
        m = lib.nn.LazyLinear(3)
        m.weight.materialize((3, 4))
        try:
            m(lib.ones(2, 4))
        finally:
            assert m.in_features == 4 and type(m.bias).__name__ == "UninitializedParameter"
    check_error(run)


def test_mixin_contract():
    def run_unimplemented(lib):
        class M(lib.nn.modules.lazy.LazyModuleMixin, lib.nn.Module):
            def forward(self, x):
                return x
        M()(lib.ones(1))

    def run_incomplete(lib):
        class N(lib.nn.modules.lazy.LazyModuleMixin, lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = lib.nn.UninitializedParameter()

            def initialize_parameters(self, x):
                pass

            def forward(self, x):
                return x
        n = N()
        assert n.has_uninitialized_params() and n.cls_to_become is None
        n(lib.ones(1))
    check_error(run_unimplemented)
    check_error(run_incomplete)


def test_custom_lazy_module_without_class_switch():
    for lib in (ember, torch):
        class Scale(lib.nn.modules.lazy.LazyModuleMixin, lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = lib.nn.UninitializedParameter()
                self.register_buffer("b", lib.nn.UninitializedBuffer())

            def initialize_parameters(self, x, *, k=1.0):
                self.w.materialize(x.shape[-1:])
                self.b.materialize(x.shape[-1:])
                with lib.no_grad():
                    self.w.fill_(k)
                    self.b.zero_()

            def forward(self, x, *, k=1.0):
                return x * self.w + self.b
        m = Scale()
        out = m(lib.ones(2, 3), k=2.0)  # keyword arguments reach initialize_parameters too
        assert type(m) is Scale and out.tolist() == [[2.0] * 3] * 2
        assert type(m.w).__name__ == "Parameter" and type(m.b) is lib.Tensor


# --- the placeholders -----------------------------------------------------------------------------------------

def _outcome(fn):
    """What ``fn()`` does, as text comparable between torch and ember (class paths and addresses stripped)."""
    try:
        res = fn()
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {_norm(str(e))}"
    text = repr(res) if not isinstance(res, type) else res.__name__
    return "-> " + text.replace("ember.", "torch.")


PLACEHOLDER_OPS = {
    "repr": lambda lib, p: repr(p), "str": lambda lib, p: str(p),
    "add": lambda lib, p: p + 1, "radd": lambda lib, p: 1 + p, "sub": lambda lib, p: p - 1, "mul": lambda lib, p: p * 2,
    "neg": lambda lib, p: -p, "abs": lambda lib, p: abs(p), "eq": lambda lib, p: p == p, "lt": lambda lib, p: p < 1,
    "iadd": lambda lib, p: p.__iadd__(1), "matmul": lambda lib, p: p @ p, "pow": lambda lib, p: p ** 2,
    "sum": lambda lib, p: p.sum(), "mul_": lambda lib, p: p.mul_(2), "zero_": lambda lib, p: p.zero_(),
    "detach": lambda lib, p: p.detach(), "clone": lambda lib, p: p.clone(), "numpy": lambda lib, p: p.numpy(),
    "tolist": lambda lib, p: p.tolist(), "view": lambda lib, p: p.view(-1), "t": lambda lib, p: p.t(),
    "shape": lambda lib, p: p.shape, "size": lambda lib, p: p.size(), "size0": lambda lib, p: p.size(0),
    "numel": lambda lib, p: p.numel(), "dim": lambda lib, p: p.dim(), "ndim": lambda lib, p: p.ndim,
    "dtype": lambda lib, p: p.dtype, "device": lambda lib, p: p.device, "requires_grad": lambda lib, p: p.requires_grad,
    "grad": lambda lib, p: p.grad, "data": lambda lib, p: p.data, "is_leaf": lambda lib, p: p.is_leaf,
    "grad_fn": lambda lib, p: p.grad_fn, "len": lambda lib, p: len(p), "bool": lambda lib, p: bool(p),
    "iter": lambda lib, p: list(p), "getitem": lambda lib, p: p[0], "stride": lambda lib, p: p.stride(),
    "float": lambda lib, p: p.float(), "double": lambda lib, p: p.double(), "half": lambda lib, p: p.half(),
    "long": lambda lib, p: p.long(), "int": lambda lib, p: p.int(), "to": lambda lib, p: p.to(lib.float64),
    "cpu": lambda lib, p: p.cpu(), "float-is-self": lambda lib, p: p.float() is p,
    "cpu-is-self": lambda lib, p: p.cpu() is p,
    "is_floating_point": lambda lib, p: p.is_floating_point(), "is_complex": lambda lib, p: p.is_complex(),
    "get_device": lambda lib, p: p.get_device(), "copy_": lambda lib, p: p.copy_(lib.zeros(0)),
    "copy_-no-grad": lambda lib, p: _no_grad(lib, lambda: p.copy_(lib.zeros(0))),
    "share_memory_": lambda lib, p: p.share_memory_(), "requires_grad_": lambda lib, p: p.requires_grad_(False),
    "element_size": lambda lib, p: p.element_size(), "data_ptr": lambda lib, p: p.data_ptr(),
    "hash": lambda lib, p: type(hash(p)), "type": lambda lib, p: type(p).__name__,
    "is-param": lambda lib, p: isinstance(p, lib.nn.Parameter),
    "is-buffer": lambda lib, p: isinstance(p, lib.nn.Buffer),
    "is_lazy": lambda lib, p: lib.nn.parameter.is_lazy(p), "cls_to_become": lambda lib, p: p.cls_to_become,
    "deepcopy": lambda lib, p: copy.deepcopy(p), "format": lambda lib, p: f"{p}",
}


def _no_grad(lib, fn):
    with lib.no_grad():
        return fn()


@pytest.mark.parametrize("cls", ["UninitializedParameter", "UninitializedBuffer"])
@pytest.mark.parametrize("op", list(PLACEHOLDER_OPS))
def test_placeholder_behaviour(cls, op):
    outcomes = []
    for lib in (torch, ember):
        p = getattr(lib.nn, cls)()
        outcomes.append(_outcome(lambda: PLACEHOLDER_OPS[op](lib, p)))
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("init", ["uniform_", "normal_", "constant_", "kaiming_uniform_", "kaiming_normal_", "zeros_",
                                  "ones_", "xavier_uniform_", "xavier_normal_", "orthogonal_", "eye_", "dirac_"])
def test_placeholder_in_init(init):
    # torch names the init function it intercepts (uniform_, normal_, constant_, kaiming_uniform_) or else the
    # first tensor method the function calls
    args = (0.5,) if init == "constant_" else ()
    for cls in ("UninitializedParameter", "UninitializedBuffer"):
        e_exc, t_exc = check_error(lambda lib: getattr(lib.nn.init, init)(getattr(lib.nn, cls)(), *args),
                                   match_message=False)
        assert _norm(str(e_exc)) == _norm(str(t_exc))


@pytest.mark.parametrize("call", [
    lambda lib, p: lib.add(p, 1),
    lambda lib, p: lib.nn.functional.linear(lib.zeros(2, 3), p),
    lambda lib, p: lib.cat([p, p]),
    lambda lib, p: lib.zeros_like(p),
    lambda lib, p: lib.nn.functional.relu(p),
], ids=["add", "linear", "cat", "zeros_like", "relu"])
def test_placeholder_in_functions(call):
    # torch names the C function it intercepted (<built-in function linear>): ember names its own Python one
    for cls in ("UninitializedParameter", "UninitializedBuffer"):
        e_exc, t_exc = check_error(lambda lib: call(lib, getattr(lib.nn, cls)()), match_message=False)
        head, tail = "Attempted to use an uninitialized parameter in ", ". This error happens when you are using a "
        assert str(e_exc).startswith(head) and str(t_exc).startswith(head)
        assert str(e_exc).split(tail)[1] == str(t_exc).split(tail)[1]


@pytest.mark.parametrize("cls", ["UninitializedParameter", "UninitializedBuffer"])
def test_placeholder_construction_and_materialize(cls):
    def state(lib, **kwargs):
        p = getattr(lib.nn, cls)(**kwargs)
        before = (type(p).__name__, str(p.dtype), p.requires_grad)
        p.materialize((2, 3))
        after = (type(p).__name__, tuple(p.shape), str(p.dtype), p.requires_grad, p.is_leaf)
        q = getattr(lib.nn, cls)(**kwargs)
        q.materialize(5, dtype=lib.float64)
        r = getattr(lib.nn, cls)(**kwargs)
        r.materialize([4, 1])
        extra = (getattr(p, "persistent", None), getattr(p, "_is_buffer", None))
        return before, after, tuple(q.shape), str(q.dtype), tuple(r.shape), extra
    for kwargs in ({}, {"requires_grad": False}, {"dtype": "float16"}, {"requires_grad": True, "dtype": "float64"}):
        t_kw = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
        e_kw = {k: getattr(ember, v) if k == "dtype" else v for k, v in kwargs.items()}
        assert state(ember, **e_kw) == state(torch, **t_kw)
    check_error(lambda lib: lib.nn.UninitializedParameter(dtype=lib.long))
    check_error(lambda lib: lib.nn.UninitializedBuffer(requires_grad=True, dtype=lib.long))
    check_error(lambda lib: lib.nn.UninitializedParameter(requires_grad=1))
    check_error(lambda lib: lib.nn.UninitializedBuffer(requires_grad=1))


def test_placeholder_conversions_keep_buffer_class():
    # a buffer's conversion gives a new placeholder (torch's __torch_function__ turns results into the subclass)
    for lib in (ember, torch):
        b = lib.nn.UninitializedBuffer()
        d = b.double()
        assert type(d) is lib.nn.UninitializedBuffer and d is not b and d.dtype == lib.float64
        assert type(b.data) is lib.nn.UninitializedBuffer
        p = lib.nn.UninitializedParameter()
        d = p.double()
        assert type(d) is lib.Tensor and d.grad_fn is not None and type(p.data) is lib.Tensor


def test_exports():
    for name in ("UninitializedParameter", "UninitializedBuffer"):
        assert getattr(ember.nn, name) is getattr(ember.nn.parameter, name)
    assert ember.nn.UninitializedParameter.cls_to_become is ember.nn.Parameter
    assert ember.nn.UninitializedBuffer.cls_to_become is ember.Tensor
    lazy = sorted(n for n in torch.nn.modules.__all__ if n.startswith("Lazy"))
    assert sorted(n for n in ember.nn.modules.__all__ if n.startswith("Lazy")) == lazy
    for mod in ("linear", "conv", "batchnorm", "instancenorm"):
        t_all = [n for n in getattr(torch.nn.modules, mod).__all__ if n.startswith("Lazy")]
        assert [n for n in getattr(ember.nn.modules, mod).__all__ if n.startswith("Lazy")] == t_all
    assert ember.nn.modules.lazy.__all__ == ["LazyModuleMixin"]
    # every lazy class becomes the plain class of the same name, as in torch
    for n in lazy:
        assert getattr(ember.nn, n).cls_to_become.__name__ == getattr(torch.nn, n).cls_to_become.__name__


def _scenario_bn_eval(lib):
    lib.manual_seed(0)
    m = lib.nn.LazyBatchNorm2d().eval()  # eval on the first call: running stats start at 0/1 and are used
    out = m(lib.arange(24.0).reshape(2, 3, 2, 2))
    return repr(m), out.sum().item(), m.running_mean.tolist(), m.num_batches_tracked.item()


def _scenario_assign(lib):
    src, m = lib.nn.Linear(4, 3), lib.nn.LazyLinear(3)
    res = m.load_state_dict(src.state_dict(), assign=True)
    return str(res), type(m.weight).__name__, m.weight.requires_grad, repr(m), m(lib.ones(1, 4)).shape


def _scenario_requires_grad_flag(lib):
    m = lib.nn.LazyLinear(3)
    m.weight.requires_grad = False  # the flag may be set (requires_grad_() refuses) and survives materialising
    m(lib.ones(1, 2))
    return m.weight.requires_grad, m.bias.requires_grad


def _scenario_half(lib):
    m = lib.nn.LazyConv2d(4, 3).half()
    return str(m.weight.dtype), str(m(lib.ones(1, 2, 4, 4, dtype=lib.float16)).dtype), str(m.bias.dtype)


def _scenario_hook_order(lib):
    seen = []
    m = lib.nn.LazyLinear(3)
    m.register_forward_pre_hook(lambda mod, a: seen.append(type(mod.weight).__name__))
    m.register_forward_pre_hook(lambda mod, a: seen.append(type(mod.weight).__name__), prepend=True)
    m(input=lib.ones(1, 2))  # a keyword input reaches initialize_parameters too
    m(lib.ones(1, 2))
    return seen


def _scenario_to_empty(lib):
    return lib.nn.LazyLinear(3).to_empty(device="cpu")


def _scenario_module_utilities(lib):
    m = lib.nn.Sequential(lib.nn.LazyLinear(3), lib.nn.LazyInstanceNorm1d())
    m.zero_grad()
    return (repr(m.eval().train()), [repr(b) for b in m.buffers()], repr(m.get_parameter("0.weight")),
            list(m.state_dict(keep_vars=True).items())[:2])


def _scenario_parameters_to_vector(lib):
    return lib.nn.utils.parameters_to_vector(lib.nn.LazyLinear(3).parameters())


def _scenario_copy_is_independent(lib):
    a = lib.nn.LazyLinear(3)
    b = copy.deepcopy(a)
    b(lib.ones(2, 5))  # the copy's hooks are its own: the original stays lazy
    first = (type(a).__name__, type(b).__name__, a.has_uninitialized_params(), len(a._forward_pre_hooks))
    a(lib.ones(2, 4))
    return first, repr(a), repr(b)


def _scenario_transposed_output_size(lib):
    lib.manual_seed(0)
    m = lib.nn.LazyConvTranspose2d(2, 3, stride=2)
    out = m(lib.ones(1, 3, 4, 4), output_size=[10, 10])  # keyword arguments of forward reach the hook
    return repr(m), tuple(out.shape), round(out.sum().item(), 4)


@pytest.mark.parametrize("scenario", [_scenario_bn_eval, _scenario_assign, _scenario_requires_grad_flag,
                                      _scenario_half, _scenario_hook_order, _scenario_to_empty,
                                      _scenario_module_utilities, _scenario_parameters_to_vector,
                                      _scenario_copy_is_independent, _scenario_transposed_output_size],
                         ids=lambda f: f.__name__[len("_scenario_"):])
def test_module_scenarios(scenario):
    t_out = _outcome(lambda: scenario(torch))
    e_out = _outcome(lambda: scenario(ember))
    if "<built-in method" in t_out:  # torch names its C function: ember its Python one
        t_out = re.sub(r"<built-in method (\w+) of type object at 0x\?>", r"<function \1 at 0x?>", t_out)
    assert e_out == t_out
