"""nn.Module machinery against torch: registration, traversal, state_dict, conversion, hooks, repr.

Every test builds the same tiny hand-made modules in both libraries (``make(lib)``),
so nothing here depends on the layers written elsewhere.
"""
from __future__ import annotations

import copy
import pickle
import warnings
from collections import OrderedDict
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn

import ember
import ember.nn
from _compare import assert_same, check_error

LIBS = (ember, torch)


def make(lib) -> SimpleNamespace:
    """The same module classes, written against ``lib`` (class names and layout identical)."""
    nn = lib.nn

    class Lin(nn.Module):
        def __init__(self, i: int, o: int, bias: bool = True) -> None:
            super().__init__()
            self.weight = nn.Parameter(lib.arange(o * i, dtype=lib.float32).reshape(o, i) / 10)
            if bias:
                self.bias = nn.Parameter(lib.ones(o) / 2)
            else:
                self.register_parameter("bias", None)
            self.register_buffer("steps", lib.zeros(1, dtype=lib.int64))
            self.register_buffer("cache", lib.ones(2), persistent=False)

        def forward(self, x):
            y = x @ self.weight.t()
            return y + self.bias if self.bias is not None else y

        def extra_repr(self) -> str:
            return f"in={self.weight.shape[1]}, out={self.weight.shape[0]}, bias={self.bias is not None}"

    class Norm(nn.Module):
        """Several buffers of mixed dtypes and a multi-line extra_repr."""

        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(lib.ones(3))
            self.register_buffer("mean", lib.zeros(3))
            self.register_buffer("count", lib.tensor(0))
            self.register_buffer("nothing", None)

        def forward(self, x):
            return (x - self.mean) * self.scale

        def extra_repr(self) -> str:
            return "eps=1e-05\naffine=True"

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inp = Lin(2, 3)
            self.body = nn.Sequential(Lin(3, 3), nn.Sequential(Norm(), Lin(3, 3, bias=False)))
            self.heads = nn.ModuleList([Lin(3, 1), self.inp])  # self.inp shared: appears once
            self.named = nn.ModuleDict({"b": Norm(), "a": Lin(3, 2)})
            self.tied = self.body[0].weight  # a shared parameter under a second name
            self.alpha = nn.Parameter(lib.tensor(0.5))

        def forward(self, x):
            h = self.body(self.inp(x))
            return self.heads[0](h) * self.alpha + self.named["a"](h).sum(-1, keepdim=True)

    class Empty(nn.Module):
        pass

    class Multi(nn.Module):
        """Tensor and non-tensor arguments, two outputs: exercises the grad tuples of backward hooks."""

        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(lib.tensor([1.0, 2.0, 3.0]))

        def forward(self, x, k, y):
            return x * self.w * k, (y * self.w).sum()

    return SimpleNamespace(Lin=Lin, Norm=Norm, Net=Net, Empty=Empty, Multi=Multi, nn=nn, lib=lib)


E, T = make(ember), make(torch)


def both(fn):
    return fn(E), fn(T)


def same_named(e_items, t_items, *, what="") -> None:
    """Names, order and values of (name, tensor) pairs agree."""
    e_items, t_items = list(e_items), list(t_items)
    assert [k for k, _ in e_items] == [k for k, _ in t_items], what
    for (k, a), (_, b) in zip(e_items, t_items):
        assert (a is None) == (b is None), f"{what}{k}: None in one library only"
        if a is None:
            continue
        assert type(a).__name__ == type(b).__name__, f"{what}{k}: {type(a).__name__} != {type(b).__name__}"
        assert_same(a, b, check_grad_fn=False, what=f"{what}{k}")
        assert a.requires_grad == b.requires_grad, f"{what}{k}: requires_grad"


def x_in(lib, *shape, requires_grad=True, dtype=np.float32):
    arr = (np.arange(int(np.prod(shape))).reshape(shape) / 7 - 0.3).astype(dtype)
    t = lib.from_numpy(arr.copy()) if lib is ember else torch.from_numpy(arr.copy())
    return t.requires_grad_(requires_grad)


# ---------------------------------------------------------------------------- registration
def test_registries_and_attribute_routing():
    e, t = both(lambda ns: ns.Lin(2, 3))
    for a, b in ((e, t),):
        assert list(a._parameters) == list(b._parameters) == ["weight", "bias"]
        assert list(a._buffers) == list(b._buffers) == ["steps", "cache"]
        assert a._non_persistent_buffers_set == b._non_persistent_buffers_set == {"cache"}
        assert a.training is b.training is True
        assert isinstance(a.weight, ember.nn.Parameter) and a.weight is a._parameters["weight"]
    # plain attributes bypass the registries
    for m in (e, t):
        m.note = 3
        assert m.note == 3 and "note" in m.__dict__
    # a Module replaces a plain attribute of the same name; a Parameter replaces a buffer
    for ns, m in ((E, e), (T, t)):
        m.note = ns.Empty()
        assert "note" not in m.__dict__ and "note" in m._modules
        m.steps = ns.nn.Parameter(ns.lib.ones(1))
        assert "steps" in m._parameters and "steps" not in m._buffers
        m.cache = ns.lib.zeros(2)  # still a non-persistent buffer
        assert "cache" in m._buffers and "cache" in m._non_persistent_buffers_set
        m.bias = None
        assert m._parameters["bias"] is None and m.bias is None
    assert list(e._parameters) == list(t._parameters)


def test_buffer_class_registers_with_its_persistence():
    for ns in (E, T):
        m = ns.Empty()
        m.a = ns.nn.Buffer(ns.lib.ones(2))
        m.b = ns.nn.Buffer(ns.lib.ones(2), persistent=False)
        assert list(m._buffers) == ["a", "b"] and m._non_persistent_buffers_set == {"b"}
        assert type(m.a) is ns.lib.Tensor and isinstance(m.a, ns.nn.Buffer)
        assert list(m.state_dict()) == ["a"]


def test_delattr_and_dir():
    e, t = both(lambda ns: ns.Net())
    for m in (e, t):
        del m.alpha
        del m.inp.steps
        del m.heads
        m.extra = 1
        del m.extra
    assert list(e._parameters) == list(t._parameters)
    assert list(e.inp._buffers) == list(t.inp._buffers)
    assert list(e._modules) == list(t._modules)
    check_error(lambda lib: delattr((E if lib is ember else T).Empty(), "nope"), match_message=False)
    # registered names (but not container indices) are listed by dir()
    de, dt = set(dir(e)), set(dir(t))
    for name in ("inp", "body", "named", "tied", "forward", "training", "_parameters"):
        assert (name in de) == (name in dt) == True  # noqa: E712
    assert not any(k[0].isdigit() for k in dir(e.body))
    assert [k for k in dir(e.body) if k.isdigit()] == [k for k in dir(t.body) if k.isdigit()] == []


def test_setattr_errors():
    def before_init(what):
        def fn(lib):
            class M(lib.nn.Module):
                def __init__(self):
                    if what == "module":
                        self.sub = lib.nn.Module()
                    else:
                        self.w = lib.nn.Parameter(lib.ones(1))
            M()
        return fn

    check_error(before_init("module"))
    check_error(before_init("parameter"))

    def ns(lib):
        return E if lib is ember else T

    def plain_to_param(lib):
        m = ns(lib).Norm()
        m.scale = lib.ones(3)

    def plain_double_to_param(lib):
        m = ns(lib).Norm()
        m.scale = lib.ones(3, dtype=lib.float64)

    def int_to_module(lib):
        m = ns(lib).Net()
        m.inp = 3

    def module_to_param(lib):
        m = ns(lib).Norm()
        m.scale = ns(lib).Empty()

    def int_to_buffer(lib):
        m = ns(lib).Norm()
        m.mean = 3

    # a parameter's name only takes a Parameter or None, even a Module is refused
    for fn in (plain_to_param, plain_double_to_param, int_to_module, int_to_buffer, module_to_param):
        check_error(fn)


def test_register_errors():
    def ns(lib):
        return E if lib is ember else T

    cases = [
        lambda lib: ns(lib).Net().register_buffer("inp", lib.ones(1)),
        lambda lib: ns(lib).Net().register_buffer("a.b", lib.ones(1)),
        lambda lib: ns(lib).Net().register_buffer("", lib.ones(1)),
        lambda lib: ns(lib).Net().register_buffer("z", 3),
        lambda lib: ns(lib).Net().register_buffer(3, lib.ones(1)),
        lambda lib: ns(lib).Net().register_parameter("w", lib.ones(1)),
        lambda lib: ns(lib).Net().register_parameter("w", lib.ones(1, dtype=lib.int64)),
        lambda lib: ns(lib).Net().register_parameter("inp", lib.nn.Parameter(lib.ones(1))),
        lambda lib: ns(lib).Net().register_parameter("a.b", lib.nn.Parameter(lib.ones(1))),
        lambda lib: ns(lib).Net().register_parameter("", None),
        lambda lib: ns(lib).Net().add_module("x", 3),
        lambda lib: ns(lib).Net().add_module("alpha", ns(lib).Empty()),
        lambda lib: ns(lib).Net().add_module("a.b", ns(lib).Empty()),
        lambda lib: ns(lib).Net().add_module("", ns(lib).Empty()),
        lambda lib: ns(lib).Net().add_module(1, ns(lib).Empty()),
        lambda lib: ns(lib).Net().foo,
        lambda lib: ns(lib).Empty()(lib.ones(1)),
        lambda lib: lib.nn.Module()(lib.ones(1)),
        lambda lib: lib.nn.Module(3),
        lambda lib: lib.nn.Module(a=3),
    ]
    for fn in cases:
        check_error(fn)


def test_add_module_register_module_none_and_replace():
    for ns in (E, T):
        m = ns.Empty()
        m.add_module("a", ns.Lin(1, 1))
        m.register_module("b", None)
        m.add_module("a", ns.Norm())  # re-adding under the same name replaces
        assert list(m._modules) == ["a", "b"] and type(m.a).__name__ == "Norm" and m.b is None
        assert [k for k, _ in m.named_children()] == ["a"]
        m.b = None
        with pytest.raises(TypeError):
            m.b = 3


def test_get_submodule_parameter_buffer():
    e, t = both(lambda ns: ns.Net())
    for m in (e, t):
        assert m.get_submodule("") is m
        assert m.get_submodule("body.1.0") is m.body[1][0]
        assert m.get_parameter("body.1.1.weight") is m.body[1][1].weight
        assert m.get_parameter("alpha") is m.alpha
        assert m.get_buffer("body.1.0.count") is m.body[1][0].count
    assert_same(e.get_buffer("inp.steps"), t.get_buffer("inp.steps"))

    def ns(lib):
        return E if lib is ember else T

    for target in ("body.7", "body.1.0.count.x", "nope"):
        check_error(lambda lib: ns(lib).Net().get_submodule(target))
    for target in ("body.1.0.count", "body.1.0.zz", "body.1.1.bias", "inp"):
        check_error(lambda lib: ns(lib).Net().get_parameter(target))
    for target in ("body.1.0.scale", "body.1.0.zz", "inp.cache.x"):
        check_error(lambda lib: ns(lib).Net().get_buffer(target))
    # set_submodule
    for ns_ in (E, T):
        m = ns_.Net()
        m.set_submodule("body.1.0", ns_.Empty())
        assert type(m.body[1][0]).__name__ == "Empty"
    check_error(lambda lib: ns(lib).Net().set_submodule("", ns(lib).Empty()))
    check_error(lambda lib: ns(lib).Net().set_submodule("body.x", ns(lib).Empty(), strict=True))
    check_error(lambda lib: ns(lib).Net().set_submodule("alpha", ns(lib).Empty()))


# ---------------------------------------------------------------------------- traversal
def test_named_parameters_order_shared_and_options():
    e, t = both(lambda ns: ns.Net())
    import types
    assert isinstance(e.parameters(), types.GeneratorType) and isinstance(e.named_parameters(), types.GeneratorType)
    same_named(e.named_parameters(), t.named_parameters())
    same_named(e.named_parameters(remove_duplicate=False), t.named_parameters(remove_duplicate=False))
    same_named(e.named_parameters(prefix="model"), t.named_parameters(prefix="model"))
    same_named(e.named_parameters(recurse=False), t.named_parameters(recurse=False))
    same_named(e.body.named_parameters(prefix="b", recurse=True), t.body.named_parameters(prefix="b"))
    assert len(list(e.parameters())) == len(list(t.parameters()))
    for a, b in zip(e.parameters(), t.parameters()):
        assert_same(a, b, check_grad_fn=False)
    # the bias=None slot is skipped
    assert [k for k, _ in e.body[1][1].named_parameters()] == ["weight"]


def test_named_buffers_children_modules():
    e, t = both(lambda ns: ns.Net())
    same_named(e.named_buffers(), t.named_buffers())
    same_named(e.named_buffers(remove_duplicate=False), t.named_buffers(remove_duplicate=False))
    same_named(e.named_buffers(prefix="p", recurse=False), t.named_buffers(prefix="p", recurse=False))
    assert len(list(e.buffers())) == len(list(t.buffers()))
    assert [k for k, _ in e.named_children()] == [k for k, _ in t.named_children()]
    assert [type(m).__name__ for m in e.children()] == [type(m).__name__ for m in t.children()]
    for kw in ({}, {"remove_duplicate": False}, {"prefix": "root"}):
        en = [(k, type(m).__name__) for k, m in e.named_modules(**kw)]
        tn = [(k, type(m).__name__) for k, m in t.named_modules(**kw)]
        assert en == tn, kw
    assert [type(m).__name__ for m in e.modules()] == [type(m).__name__ for m in t.modules()]
    assert len(list(e.modules(remove_duplicate=False))) == len(list(t.modules(remove_duplicate=False)))
    # a memo set skips modules already seen
    memo = {e.body}
    assert [k for k, _ in e.named_modules(memo)][:2] == ["", "inp"]
    assert "body" not in [k for k, _ in e.named_modules({e.body})]


def test_named_children_registered_twice():
    for ns in (E, T):
        m = ns.Empty()
        child = ns.Norm()
        m.a = child
        m.b = child
        assert [k for k, _ in m.named_children()] == ["a"]
        assert [k for k, _ in m.named_modules(remove_duplicate=False)] == ["", "a", "b"]
        assert [k for k, _ in m.named_parameters(remove_duplicate=False)] == ["a.scale", "b.scale"]


# ---------------------------------------------------------------------------- state_dict
def test_state_dict_keys_values_metadata():
    e, t = both(lambda ns: ns.Net())
    se, st = e.state_dict(), t.state_dict()
    assert type(se) is OrderedDict and type(se._metadata) is OrderedDict
    same_named(se.items(), st.items())
    assert se._metadata == st._metadata
    assert list(se._metadata) == list(st._metadata)
    # detached: plain tensors sharing memory with the parameters
    for k, v in se.items():
        assert type(v) is ember.Tensor and not v.requires_grad, k
    assert np.shares_memory(se["alpha"]._data, e.alpha._data)
    # keep_vars returns the Parameters themselves
    kv = e.state_dict(keep_vars=True)
    assert kv["alpha"] is e.alpha and kv["inp.steps"] is e.inp.steps
    same_named(e.state_dict(keep_vars=True).items(), t.state_dict(keep_vars=True).items())
    # prefix and destination
    de, dt = OrderedDict(), OrderedDict()
    assert e.inp.state_dict(destination=de, prefix="x.") is de
    t.inp.state_dict(destination=dt, prefix="x.")
    assert list(de) == list(dt) and not hasattr(de, "_metadata")
    same_named(e.body.state_dict(prefix="p.").items(), t.body.state_dict(prefix="p.").items())
    assert e.body.state_dict(prefix="p.")._metadata == t.body.state_dict(prefix="p.")._metadata


def test_state_dict_positional_args_warn():
    e, t = both(lambda ns: ns.Lin(1, 1))
    with pytest.warns(FutureWarning, match="Positional args are being deprecated"):
        de = e.state_dict(None, "pre.")
    with pytest.warns(FutureWarning):
        dt = t.state_dict(None, "pre.")
    assert list(de) == list(dt)


def test_state_dict_hooks():
    logs = {}
    for ns in (E, T):
        log = logs.setdefault(ns.lib.__name__, [])
        m = ns.Net()
        m.body.register_state_dict_pre_hook(lambda mod, prefix, keep: log.append(("pre", prefix, keep)))
        m.body.register_state_dict_post_hook(lambda mod, sd, prefix, md: log.append(("post", prefix, len(sd), md)))

        def private(mod, sd, prefix, md):
            sd[prefix + "added"] = ns.lib.zeros(1)
        h = m.inp._register_state_dict_hook(private)
        sd = m.state_dict()
        assert "inp.added" in sd
        h.remove()
        assert "inp.added" not in m.state_dict()
    assert logs["ember"] == logs["torch"]


def test_load_state_dict_round_trip_in_place_and_dtype():
    e, t = both(lambda ns: ns.Net())
    src_e, src_t = both(lambda ns: ns.Net().double())
    with ember.no_grad():
        for p in src_e.parameters():
            p.mul_(-3)
    with torch.no_grad():
        for p in src_t.parameters():
            p.mul_(-3)
    w_before = e.body[0].weight
    res_e = e.load_state_dict(src_e.state_dict())
    res_t = t.load_state_dict(src_t.state_dict())
    assert repr(res_e) == repr(res_t) == "<All keys matched successfully>"
    assert str(res_e) == str(res_t)
    assert res_e.missing_keys == [] and res_e.unexpected_keys == []
    # in place, same objects, the module keeps float32
    assert e.body[0].weight is w_before and e.tied is e.body[0].weight
    same_named(e.state_dict().items(), t.state_dict().items())
    assert e.inp.weight.requires_grad and e.inp.weight.grad_fn is None
    # plain dict (no _metadata) works too
    assert repr(e.load_state_dict(dict(src_e.state_dict()))) == "<All keys matched successfully>"


def _broken(sd, lib):
    sd = OrderedDict(sd)
    sd.pop("inp.bias")
    sd.pop("body.1.0.mean")
    sd["extra"] = lib.ones(1)
    sd["body.9.weight"] = lib.ones(1)
    sd["body.0.zz"] = lib.ones(1)
    sd["body.0.weight"] = lib.ones(5, 3)
    return sd


def test_load_state_dict_errors_and_strict_false():
    def ns(lib):
        return E if lib is ember else T

    check_error(lambda lib: ns(lib).Net().load_state_dict(_broken(ns(lib).Net().state_dict(), lib)))
    # a size mismatch is an error even with strict=False (and is the only line)
    check_error(lambda lib: ns(lib).Net().load_state_dict(_broken(ns(lib).Net().state_dict(), lib), strict=False))
    check_error(lambda lib: ns(lib).Net().load_state_dict([("a", 1)]))
    # non-tensor entry

    def non_tensor(lib):
        sd = ns(lib).Net().state_dict()
        sd["alpha"] = 3.0
        ns(lib).Net().load_state_dict(sd)
    check_error(non_tensor)
    # strict=False without size errors: lists come back
    res = []
    for lib in LIBS:
        sd = _broken(ns(lib).Net().state_dict(), lib)
        del sd["body.0.weight"]
        r = ns(lib).Net().load_state_dict(sd, strict=False)
        res.append((r.missing_keys, r.unexpected_keys, repr(r)))
        with pytest.raises(RuntimeError):
            ns(lib).Net().load_state_dict(sd)
    assert res[0] == res[1]
    assert "IncompatibleKeys(missing_keys=[" in res[0][2]


def test_load_state_dict_scalar_from_one_element_and_assign():
    for ns in (E, T):
        lib = ns.lib
        m = ns.Net()
        sd = m.state_dict()
        sd["alpha"] = lib.tensor([2.0])  # 1-element 1-d into a 0-d parameter
        m.load_state_dict(sd)
        assert m.alpha.shape == () and m.alpha.item() == 2.0
    # assign=True: the module takes the checkpoint tensors (and their dtype); parameters stay Parameters
    out = []
    for ns in (E, T):
        lib = ns.lib
        m = ns.Net()
        m.inp.weight.requires_grad_(False)
        sd = ns.Net().double().state_dict()
        old = m.body[0].weight
        m.load_state_dict(sd, assign=True)
        assert m.body[0].weight is not old
        assert isinstance(m.body[0].weight, lib.nn.Parameter)
        assert m.body[0].weight.data_ptr() == sd["body.0.weight"].data_ptr()
        out.append([(k, str(v.dtype), type(v).__name__, v.requires_grad)
                    for k, v in m.state_dict(keep_vars=True).items()])
        assert "assign_to_params_buffers" in sd._metadata[""]
    assert out[0] == out[1]


def test_load_state_dict_hooks():
    logs = []
    for ns in (E, T):
        log = []
        m = ns.Net()

        def pre(mod, sd, prefix, md, strict, missing, unexpected, errors):
            log.append(("pre", type(mod).__name__, prefix, sorted(md), strict))

        def post(mod, keys):
            log.append(("post", type(mod).__name__, list(keys.missing_keys)))
            keys.unexpected_keys.clear()  # may edit in place

        m.body.register_load_state_dict_pre_hook(pre)
        m.body.register_load_state_dict_post_hook(post)
        sd = m.state_dict()
        sd["body.junk"] = ns.lib.ones(1)
        assert repr(m.load_state_dict(sd)) == "<All keys matched successfully>"
        logs.append(log)
    assert logs[0] == logs[1]


def test_save_and_load_overrides_and_extra_state():
    """Layers customise saving/loading through _save_to_state_dict/_load_from_state_dict and extra state."""
    def make_custom(lib):
        class Custom(lib.nn.Module):
            _version = 2

            def __init__(self):
                super().__init__()
                self.w = lib.nn.Parameter(lib.ones(2))
                self.counter = 7

            def _save_to_state_dict(self, destination, prefix, keep_vars):
                super()._save_to_state_dict(destination, prefix, keep_vars)
                destination[prefix + "double_w"] = self.w.detach() * 2

            def _load_from_state_dict(self, sd, prefix, md, strict, missing, unexpected, errors):
                sd.pop(prefix + "double_w", None)  # our own entry: not unexpected
                self.seen_version = md.get("version")
                super()._load_from_state_dict(sd, prefix, md, strict, missing, unexpected, errors)

            def get_extra_state(self):
                return {"counter": self.counter}

            def set_extra_state(self, state):
                self.counter = state["counter"]

        class Outer(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.c = Custom()
        return Outer

    results = []
    for lib in LIBS:
        m = make_custom(lib)()
        sd = m.state_dict()
        keys = list(sd)
        meta = dict(sd._metadata)
        m2 = make_custom(lib)()
        m2.c.counter = 0
        r = m2.load_state_dict(sd)
        results.append((keys, meta, repr(r), m2.c.counter, m2.c.seen_version))
        sd2 = dict(sd)
        del sd2["c._extra_state"]
        with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "c._extra_state"'):
            m2.load_state_dict(sd2)
    assert results[0] == results[1]
    # a module without set_extra_state reports a stray _extra_state key as unexpected
    check_error(lambda lib: (E if lib is ember else T).Lin(1, 1).load_state_dict(
        {"weight": lib.ones(1, 1), "bias": lib.ones(1), "steps": lib.zeros(1, dtype=lib.int64),
         "_extra_state": 1}))


# ---------------------------------------------------------------------------- modes, apply, grads
def test_train_eval_recursion_and_errors():
    e, t = both(lambda ns: ns.Net())
    for m in (e, t):
        assert m.eval() is m
        m.body.train()
    assert [(k, x.training) for k, x in e.named_modules()] == [(k, x.training) for k, x in t.named_modules()]
    assert not e.training and e.body[1][0].training
    for m in (e, t):
        assert m.train() is m
        assert all(x.training for x in m.modules())
    check_error(lambda lib: (E if lib is ember else T).Net().train("yes"))
    check_error(lambda lib: (E if lib is ember else T).Net().train(1))


def test_apply_order_and_return():
    orders = []
    for ns in (E, T):
        m = ns.Net()
        seen = []
        assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
        orders.append(seen)
    assert orders[0] == orders[1]
    assert orders[0][-1] == "Net"


def _run_backward(ns):
    m = ns.Net()
    m(x_in(ns.lib, 4, 2)).sum().backward()
    return m


def test_zero_grad_set_to_none_and_zero():
    e, t = _run_backward(E), _run_backward(T)
    same_named(((k, p.grad) for k, p in e.named_parameters()), ((k, p.grad) for k, p in t.named_parameters()))
    e.zero_grad(set_to_none=False)
    t.zero_grad(set_to_none=False)
    same_named(((k, p.grad) for k, p in e.named_parameters()), ((k, p.grad) for k, p in t.named_parameters()))
    for m in (e, t):
        g = m.alpha.grad
        m.zero_grad(False)
        assert m.alpha.grad is g  # zeroed in place
        assert m.zero_grad() is None
        assert all(p.grad is None for p in m.parameters())


def test_requires_grad_():
    e, t = both(lambda ns: ns.Net())
    for m in (e, t):
        assert m.requires_grad_(False) is m
        m.body.requires_grad_()
    assert [(k, p.requires_grad) for k, p in e.named_parameters()] == \
           [(k, p.requires_grad) for k, p in t.named_parameters()]


# ---------------------------------------------------------------------------- conversion
def _dtypes(m):
    return [(k, str(v.dtype)) for k, v in itertools_chain(m.named_parameters(), m.named_buffers())]


def itertools_chain(*its):
    for it in its:
        yield from it


def test_to_dtype_only_floating_and_identity_kept():
    e, t = _run_backward(E), _run_backward(T)
    ids = [id(p) for p in e.parameters()]
    assert e.to(ember.float64) is e
    t.to(torch.float64)
    assert _dtypes(e) == _dtypes(t)
    assert [id(p) for p in e.parameters()] == ids  # Parameters keep their identity
    assert str(e.inp.steps.dtype) == "torch.int64"
    # grads follow the parameters
    assert [(k, str(p.grad.dtype) if p.grad is not None else None) for k, p in e.named_parameters()] == \
           [(k, str(p.grad.dtype) if p.grad is not None else None) for k, p in t.named_parameters()]
    assert e.inp.weight.grad is not None
    same_named(e.state_dict().items(), t.state_dict().items())
    # every spelling of to()
    for lib, m in ((ember, e), (torch, t)):
        m.to(dtype=lib.float32)
        m.to("cpu", lib.float64)
        m.to(lib.ones(1, dtype=lib.float32))
        m.to(device="cpu")
        m.to(lib.float64, False)
    assert _dtypes(e) == _dtypes(t)
    for name in ("float", "double", "half", "float", "cpu", "share_memory"):
        assert getattr(e, name)() is e
        getattr(t, name)()
        assert _dtypes(e) == _dtypes(t), name


def test_type_casts_everything():
    e, t = both(lambda ns: ns.Lin(2, 2))
    assert e.type(ember.float64) is e
    t.type(torch.float64)
    assert _dtypes(e) == _dtypes(t)
    assert str(e.steps.dtype) == "torch.float64"
    e.type("torch.FloatTensor")
    t.type("torch.FloatTensor")
    assert _dtypes(e) == _dtypes(t)


def test_to_errors():
    def ns(lib):
        return E if lib is ember else T

    check_error(lambda lib: ns(lib).Net().to(lib.int64))
    check_error(lambda lib: ns(lib).Net().to(dtype=lib.bool))
    check_error(lambda lib: ns(lib).Net().to("cuda"))
    check_error(lambda lib: ns(lib).Net().cuda())
    check_error(lambda lib: ns(lib).Net().to("nodevice"))
    # no tensors: nothing to move, so no error (as in torch)
    for ns_ in (E, T):
        m = ns_.Empty()
        assert m.to("cuda") is m and m.cuda() is m


def test_to_complex_warns():
    for ns in (E, T):
        with pytest.warns(UserWarning, match="Complex modules are a new feature"):
            ns.Empty().to(ns.lib.complex64)


# ---------------------------------------------------------------------------- forward hooks
def test_forward_hooks_change_inputs_and_outputs():
    results = []
    for ns in (E, T):
        lib = ns.lib
        m = ns.Lin(2, 3)
        log = []

        def pre(mod, args):
            log.append(("pre", len(args)))
            return args[0] * 2  # a single value stands for (value,)

        def pre_kw(mod, args, kwargs):
            log.append(("pre_kw", sorted(kwargs)))
            return (args[0] + 1,), kwargs

        def fwd(mod, args, out):
            log.append(("fwd", type(args).__name__))
            return out * 10

        def fwd_kw(mod, args, kwargs, out):
            log.append(("fwd_kw", sorted(kwargs)))

        def first(mod, args, out):
            log.append("first")

        handles = [m.register_forward_pre_hook(pre), m.register_forward_pre_hook(pre_kw, with_kwargs=True),
                   m.register_forward_hook(fwd), m.register_forward_hook(fwd_kw, with_kwargs=True),
                   m.register_forward_hook(first, prepend=True)]
        out1 = m(x_in(lib, 4, 2, requires_grad=False))
        for h in handles[:3]:
            h.remove()
        out2 = m(x_in(lib, 4, 2, requires_grad=False))
        with m.register_forward_hook(lambda mod, a, o: o + 100):
            out3 = m(x_in(lib, 4, 2, requires_grad=False))
        out4 = m(x_in(lib, 4, 2, requires_grad=False))
        results.append((out1, out2, out3, out4, log, len(m._forward_hooks), len(m._forward_hooks_with_kwargs)))
    for a, b in zip(results[0][:4], results[1][:4]):
        assert_same(a, b)
    assert results[0][4:] == results[1][4:]


def test_forward_pre_hook_with_kwargs_bad_return():
    def fn(lib):
        m = (E if lib is ember else T).Lin(2, 2)
        m.register_forward_pre_hook(lambda mod, a, k: 5, with_kwargs=True)
        m(lib.ones(2))
    check_error(fn)


def test_forward_hook_always_call():
    logs = []
    for ns in (E, T):
        log = []
        m = ns.Lin(2, 3)
        m.register_forward_hook(lambda mod, a, o: log.append(("always", o)), always_call=True)
        m.register_forward_hook(lambda mod, a, o: log.append("normal"))
        with pytest.raises(RuntimeError):
            m(ns.lib.ones(5))  # shape mismatch inside forward
        m(ns.lib.ones(2))
        logs.append([x if isinstance(x, str) else (x[0], x[1] is None) for x in log])
    assert logs[0] == logs[1]


def test_hooks_with_kwargs_forward():
    outs = []
    for ns in (E, T):
        lib = ns.lib
        m = ns.Multi()
        m.register_forward_pre_hook(lambda mod, a, kw: (a, {**kw, "y": kw["y"] * 3}), with_kwargs=True)
        out = m(lib.ones(3), 2.0, y=lib.ones(3))
        outs.append(out)
    assert_same(outs[0][0], outs[1][0])
    assert_same(outs[0][1], outs[1][1])


# ---------------------------------------------------------------------------- backward hooks
def _grads(gs):
    return tuple(None if g is None else g.detach() for g in gs)


def _compare_grad_logs(le, lt):
    assert len(le) == len(lt)
    for (ne, ge), (nt, gt) in zip(le, lt):
        assert ne == nt
        assert len(ge) == len(gt), ne
        for a, b in zip(ge, gt):
            assert (a is None) == (b is None), ne
            if a is not None:
                assert_same(a, b, check_grad_fn=False, what=ne)


def test_full_backward_hook_grad_tuples():
    logs, xgrads, wgrads = [], [], []
    for ns in (E, T):
        lib = ns.lib
        m = ns.Multi()
        log = []
        m.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", _grads(go))))
        m.register_full_backward_hook(
            lambda mod, gi, go: log.extend([("gi", _grads(gi)), ("go", _grads(go))]))
        x = x_in(lib, 3)
        y = x_in(lib, 3) * 1  # non-leaf input
        a, b = m(x, 3.0, y)
        (a.sum() * 2 + b * 5).backward()
        logs.append(log)
        xgrads.append(x.grad)
        wgrads.append(m.w.grad)
    _compare_grad_logs(*logs)
    assert [n for n, _ in logs[0]] == ["pre", "gi", "go"]
    assert logs[0][1][1][1] is None  # the non-tensor argument's slot
    assert_same(xgrads[0], xgrads[1], check_grad_fn=False)
    assert_same(wgrads[0], wgrads[1], check_grad_fn=False)


def test_backward_hooks_replace_grads():
    results = []
    for ns in (E, T):
        lib = ns.lib
        m = ns.Lin(2, 3)
        log = []
        m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0] + 1,))
        h = m.register_full_backward_hook(lambda mod, gi, go: log.append(_grads(gi)), prepend=True)
        x = x_in(lib, 4, 2)
        m(x).sum().backward()
        h.remove()
        x2 = x_in(lib, 4, 2)
        m(x2).pow(2).sum().backward()
        results.append((x.grad, x2.grad, m.weight.grad, log))
    for a, b in zip(results[0][:3], results[1][:3]):
        assert_same(a, b, check_grad_fn=False)
    _compare_grad_logs([("gi", g) for g in results[0][3]], [("gi", g) for g in results[1][3]])


def test_backward_hook_output_only_and_removed_hooks():
    """No input requires grad: torch fires the hook from the output side with grad_input=(None,) and warns."""
    logs = []
    for ns in (E, T):
        lib = ns.lib
        m = ns.Lin(2, 3)
        log = []
        m.register_full_backward_hook(lambda mod, gi, go: log.append(("h", _grads(gi) + _grads(go))))
        with pytest.warns(UserWarning, match="Full backward hook is firing when gradients are computed"):
            m(x_in(lib, 4, 2, requires_grad=False)).sum().backward()
        logs.append(log)
    _compare_grad_logs(*logs)
    # removing the hook removes it
    for ns in (E, T):
        m = ns.Lin(2, 3)
        hit = []
        m.register_full_backward_hook(lambda *a: hit.append(1)).remove()
        m.register_full_backward_pre_hook(lambda *a: hit.append(1)).remove()
        m(x_in(ns.lib, 4, 2)).sum().backward()
        assert hit == [] and not m._backward_hooks and not m._backward_pre_hooks


def test_backward_hook_errors():
    def ns(lib):
        return E if lib is ember else T

    def wrong_count(lib):
        m = ns(lib).Lin(2, 3)
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
        m(x_in(lib, 4, 2)).sum().backward()

    def wrong_pre_count(lib):
        m = ns(lib).Lin(2, 3)
        m.register_full_backward_pre_hook(lambda mod, go: ())
        m(x_in(lib, 4, 2)).sum().backward()

    def mix(lib):
        m = ns(lib).Lin(2, 3)
        m.register_full_backward_hook(lambda *a: None)
        m.register_backward_hook(lambda *a: None)

    check_error(wrong_count)
    check_error(wrong_pre_count)
    check_error(mix)


def test_hook_through_nested_modules_in_sequential():
    logs = []
    for ns in (E, T):
        lib = ns.lib
        seq = lib.nn.Sequential(ns.Lin(2, 3), ns.Norm(), ns.Lin(3, 2))
        log = []
        for i, mod in enumerate(seq):
            mod.register_full_backward_hook(lambda mod, gi, go, i=i: log.append((f"m{i}", _grads(gi) + _grads(go))))
            mod.register_forward_hook(lambda mod, a, o, i=i: log.append((f"f{i}", (o.detach(),))))
        seq(x_in(lib, 5, 2)).sum().backward()
        logs.append(log)
    _compare_grad_logs(*logs)


def test_no_hooks_when_grad_disabled():
    for ns in (E, T):
        m = ns.Lin(2, 3)
        hit = []
        m.register_full_backward_hook(lambda *a: hit.append(1))
        with ns.lib.no_grad():
            out = m(x_in(ns.lib, 4, 2))
        assert out.grad_fn is None and hit == []


def test_backward_hook_grad_fn_names():
    names = []
    for ns in (E, T):
        m = ns.Lin(2, 3)
        m.register_full_backward_hook(lambda *a: None)
        out = m(x_in(ns.lib, 4, 2))
        names.append(out.grad_fn.name())
    assert names[0] == names[1] == "BackwardHookFunctionBackward"


# ---------------------------------------------------------------------------- repr
def test_repr_nested():
    e, t = both(lambda ns: ns.Net())
    assert repr(e) == repr(t)
    assert str(e) == str(t)
    for ns in (E, T):
        assert repr(ns.Empty()) == "Empty()"
        assert repr(ns.nn.Module()) == "Module()"

    def with_child(ns):
        n = ns.Norm()
        n.child = ns.Lin(1, 1)
        n.deep = ns.nn.Sequential(ns.Norm(), ns.nn.Sequential(ns.Empty()))
        return repr(n)
    assert with_child(E) == with_child(T)


# ---------------------------------------------------------------------------- copy and pickle
def test_deepcopy_and_pickle():
    e = _run_backward(E)
    t = _run_backward(T)
    hook_log = []
    e.register_forward_hook(lambda *a: hook_log.append(1))
    for ce, ct in ((copy.deepcopy(e), copy.deepcopy(t)), (pickle.loads(pickle.dumps(PNorm())), None)):
        if ct is None:
            assert type(ce) is PNorm and list(ce.state_dict()) == ["scale", "mean"]
            assert ce._non_persistent_buffers_set == {"count"} and ce.training is False
            continue
        same_named(ce.state_dict().items(), ct.state_dict().items())
        # a deep copy has its own tensors, the sharing structure kept, and (like torch) no grads
        assert ce.tied is ce.body[0].weight and ce.heads[1] is ce.inp
        assert not np.shares_memory(ce.alpha._data, e.alpha._data)
        assert [p.grad is None for p in ce.parameters()] == [p.grad is None for p in ct.parameters()]
        assert repr(ce) == repr(ct)
        ce(x_in(ember, 1, 2))
        assert hook_log == [1]


class PNorm(ember.nn.Module):
    """Module-level (picklable) module."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = ember.nn.Parameter(ember.ones(3))
        self.register_buffer("mean", ember.zeros(3))
        self.register_buffer("count", ember.tensor(0), persistent=False)
        self.eval()

    def forward(self, x):
        return x * self.scale


class PNet(ember.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = PNorm()
        self.seq = ember.nn.Sequential(self.a, PNorm())
        self.tied = self.a.scale


def test_module_pickle_round_trip():
    m = PNet()
    m2 = pickle.loads(pickle.dumps(m))
    same_named(m2.state_dict().items(), m.state_dict().items())
    assert m2.tied is m2.a.scale and m2.seq[0] is m2.a
    assert isinstance(m2.tied, ember.nn.Parameter) and m2.tied.requires_grad
    assert repr(m2) == repr(m)


def test_setstate_fills_missing_dicts():
    for ns in (E, T):
        m = ns.Lin(1, 1)
        state = m.__getstate__()
        for k in ("_forward_pre_hooks_with_kwargs", "_backward_pre_hooks", "_non_persistent_buffers_set",
                  "_is_full_backward_hook", "_state_dict_pre_hooks"):
            state.pop(k)
        m2 = ns.Lin.__new__(ns.Lin)
        m2.__setstate__(state)
        assert m2._non_persistent_buffers_set == set() and m2._is_full_backward_hook is None
        m2(ns.lib.ones(1))


def test_init_attributes_match_torch():
    e, t = E.nn.Module(), T.nn.Module()
    assert list(e.__dict__) == [k for k in t.__dict__ if k != "_compiled_call_impl"]
    assert E.nn.Module._version == T.nn.Module._version == 1
    assert E.nn.Module.dump_patches is False
    assert e.__getstate__().keys() == {k for k in t.__getstate__() if k != "_compiled_call_impl"}


def _bw_scenarios(lib):
    """Module called twice in one graph, a tuple output with a non-tensor and an unused tensor, an old-style hook."""
    nn = lib.nn
    log = []

    class Tanh(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(lib.arange(6.0).reshape(2, 3) / 5)

        def forward(self, x, flag=None):
            return (x @ self.w.t()).tanh()

    class Pair(nn.Module):
        def forward(self, x):
            return x * 2, "label", x.sum()

    m = Tanh()
    m.register_full_backward_hook(lambda mod, gi, go: log.append(("twice", _grads(gi) + _grads(go))))
    x = x_in(lib, 4, 3)
    m(m(x, flag=True) @ lib.ones(2, 3)).sum().backward()
    log.append(("x", (x.grad, m.w.grad)))

    p = Pair()
    p.register_full_backward_pre_hook(lambda mod, go: log.append(("pair_pre", _grads(go))))
    p.register_full_backward_hook(lambda mod, gi, go: log.append(("pair", _grads(gi) + _grads(go))))
    x = x_in(lib, 2)
    a, label, _unused = p(x)
    assert label == "label"
    (a.sum() * 3).backward()
    log.append(("x2", (x.grad,)))

    old = Tanh()
    old.register_backward_hook(lambda mod, gi, go: log.append(("old", _grads(gi) + _grads(go))))
    x = x_in(lib, 4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old(x).sum().backward()
    return log


def test_backward_hooks_repeated_calls_tuple_outputs_and_old_style():
    le, lt = _bw_scenarios(ember), _bw_scenarios(torch)
    _compare_grad_logs(le, lt)
    assert [n for n, _ in le] == ["twice", "twice", "x", "pair_pre", "pair", "x2", "old"]


def _global_hooks_run(lib):
    """Global (all-module) hooks: run before the module's own, and registration hooks may swap values."""
    mm = lib.nn.modules.module
    ns = E if lib is ember else T
    log = []
    handles = [
        mm.register_module_forward_pre_hook(lambda m, a: log.append(("gpre", type(m).__name__))),
        mm.register_module_forward_hook(lambda m, a, o: log.append(("gfwd", type(m).__name__))),
        mm.register_module_forward_hook(lambda m, a, kw, o: log.append(("gkw", sorted(kw))), with_kwargs=True),
        mm.register_module_full_backward_pre_hook(lambda m, go: log.append(("gbpre", type(m).__name__))),
        mm.register_module_full_backward_hook(lambda m, gi, go: log.append(("gbw", type(m).__name__, _grads(gi)))),
        mm.register_module_parameter_registration_hook(lambda m, n, p: log.append(("preg", n))),
        mm.register_module_buffer_registration_hook(lambda m, n, b: log.append(("breg", n))),
        mm.register_module_module_registration_hook(lambda m, n, c: log.append(("mreg", n))),
    ]
    try:
        seq = lib.nn.Sequential(ns.Lin(2, 2))
        seq.register_forward_pre_hook(lambda m, a: log.append(("own_pre", type(m).__name__)))
        seq(x_in(lib, 3, 2)).sum().backward()
        with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
            mm.register_module_backward_hook(lambda *a: None)
    finally:
        for h in handles:
            h.remove()
        mm._global_is_full_backward_hook = None
    # removed: nothing more is logged
    n = len(log)
    lib.nn.Sequential(ns.Lin(2, 2))(x_in(lib, 3, 2)).sum().backward()
    assert len(log) == n
    return [(name, *rest[:-1], *_grads(rest[-1])) if name == "gbw" else (name, *rest) for name, *rest in log]


def test_global_module_hooks():
    le, lt = _global_hooks_run(ember), _global_hooks_run(torch)
    assert [x[:2] for x in le] == [x[:2] for x in lt]
    for a, b in zip(le, lt):
        if a[0] == "gbw":
            _compare_grad_logs([("gbw", a[2:])], [("gbw", b[2:])])
