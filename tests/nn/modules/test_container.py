"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict against torch.

Each test runs the same code with ``lib`` = ember and torch and compares what
comes out: reprs, child names, parameter names and values, results, errors.
"""
from __future__ import annotations

from collections import OrderedDict
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn

import ember
import ember.nn
from _compare import assert_same, check_error


def make(lib) -> SimpleNamespace:
    nn = lib.nn

    class Scale(nn.Module):
        """y = x * w + b, with a visible extra_repr."""

        def __init__(self, n: int, k: float = 1.0) -> None:
            super().__init__()
            self.k = k
            self.w = nn.Parameter(lib.arange(n, dtype=lib.float32) / 4 + k)
            self.b = nn.Parameter(lib.zeros(n) + k / 10)

        def forward(self, x):
            return x * self.w + self.b

        def extra_repr(self) -> str:
            return f"n={self.w.shape[0]}, k={self.k}"

    class Act(nn.Module):
        def forward(self, x):
            return x.tanh()

    return SimpleNamespace(Scale=Scale, Act=Act, nn=nn, lib=lib)


NS = {ember: make(ember), torch: make(torch)}
E, T = NS[ember], NS[torch]


def run(fn):
    """``fn(ns)`` in both libraries."""
    return fn(E), fn(T)


def names(m) -> list[str]:
    return [k for k, _ in m.named_parameters()]


def same_params(a, b) -> None:
    ea, tb = list(a.named_parameters()), list(b.named_parameters())
    assert [k for k, _ in ea] == [k for k, _ in tb]
    for (k, x), (_, y) in zip(ea, tb):
        assert type(x).__name__ == type(y).__name__ == "Parameter", k
        assert_same(x, y, check_grad_fn=False, what=k)


def x_of(lib, n=3):
    arr = np.linspace(-1, 1, 2 * n, dtype=np.float32).reshape(2, n)
    return (ember.from_numpy(arr.copy()) if lib is ember else torch.from_numpy(arr.copy())).requires_grad_()


def same_state(a, b) -> None:
    assert repr(a) == repr(b)
    same_params(a, b)
    assert list(a.state_dict()) == list(b.state_dict())


# ---------------------------------------------------------------------------- Sequential
def test_sequential_build_forward_backward():
    e, t = run(lambda ns: ns.nn.Sequential(ns.Scale(3), ns.Act(), ns.Scale(3, 2.0)))
    same_state(e, t)
    xe, xt = x_of(ember), x_of(torch)
    ye, yt = e(xe), t(xt)
    assert_same(ye, yt)
    ye.sum().backward()
    yt.sum().backward()
    assert_same(xe.grad, xt.grad, check_grad_fn=False)
    for (k, p), (_, q) in zip(e.named_parameters(), t.named_parameters()):
        assert_same(p.grad, q.grad, check_grad_fn=False, what=k)
    # an empty Sequential is the identity
    for ns in (E, T):
        x = x_of(ns.lib)
        assert ns.nn.Sequential()(x) is x


def test_sequential_from_ordered_dict_and_slicing():
    def build(ns):
        return ns.nn.Sequential(OrderedDict([("first", ns.Scale(3)), ("act", ns.Act()), ("last", ns.Scale(3, 3.0))]))
    e, t = run(build)
    same_state(e, t)
    for a, b in ((e[1:], t[1:]), (e[::2], t[::2]), (e[-1:], t[-1:]), (e[5:], t[5:])):
        assert type(a).__name__ == "Sequential"
        same_state(a, b)
    assert e[0] is e.first and e[-1] is e.last
    assert [type(m).__name__ for m in e] == [type(m).__name__ for m in t]
    assert len(e) == len(t) == 3


def test_sequential_mutation():
    def ops(ns):
        s = ns.nn.Sequential(ns.Scale(3, 1.0), ns.Act())
        log = []
        assert s.append(ns.Scale(3, 2.0)) is s
        assert s.insert(1, ns.Scale(3, 3.0)) is s
        s.insert(-1, ns.Scale(3, 4.0))
        s.insert(len(s), ns.Act())
        assert s.extend([ns.Scale(3, 5.0), ns.Act()]) is s
        log.append(repr(s))
        s[0] = ns.Scale(3, 6.0)
        s[-2] = ns.Scale(3, 7.0)
        log.append(repr(s))
        popped = s.pop(1)
        log.append((repr(popped), repr(s), list(s._modules)))
        del s[0]
        del s[1:3]
        log.append((repr(s), list(s._modules)))
        del s[::2]
        log.append((repr(s), names(s)))
        return log
    le, lt = run(ops)
    assert le == lt


def test_sequential_delete_renumbers_named_keys():
    def ops(ns):
        s = ns.nn.Sequential(OrderedDict([("a", ns.Act()), ("b", ns.Scale(2)), ("c", ns.Act())]))
        del s[0]
        return list(s._modules), repr(s)
    assert run(ops)[0] == run(ops)[1]


def test_sequential_add_mul():
    def ops(ns):
        a = ns.nn.Sequential(ns.Scale(2, 1.0), ns.Act())
        b = ns.nn.Sequential(ns.Scale(2, 2.0))
        c = a + b
        out = [repr(c), names(c), c[0] is a[0]]
        a += b
        out += [repr(a), names(a)]
        d = b * 3
        out += [repr(d), names(d), d[0] is d[2], len(list(d.parameters()))]
        e = 2 * b
        out += [repr(e)]
        b *= 2
        out += [repr(b), names(b)]
        return out
    assert run(ops)[0] == run(ops)[1]


def test_sequential_errors():
    def ns(lib):
        return NS[lib]

    def seq(lib):
        return ns(lib).nn.Sequential(ns(lib).Scale(2), ns(lib).Act())

    cases = [
        lambda lib: seq(lib)[2],
        lambda lib: seq(lib)[-3],
        lambda lib: seq(lib)["a"],
        lambda lib: seq(lib).__setitem__(5, ns(lib).Act()),
        lambda lib: seq(lib).__delitem__(2),
        lambda lib: seq(lib).pop(9),
        lambda lib: seq(lib).insert(3, ns(lib).Act()),
        lambda lib: seq(lib).insert(-3, ns(lib).Act()),
        lambda lib: seq(lib) + ns(lib).nn.ModuleList(),
        lambda lib: seq(lib).__iadd__([ns(lib).Act()]),
        lambda lib: seq(lib) * 0,
        lambda lib: seq(lib) * 1.5,
        lambda lib: seq(lib).__imul__(-1),
        lambda lib: seq(lib).append(3),
        lambda lib: ns(lib).nn.Sequential(3),
        lambda lib: ns(lib).nn.Sequential(ns(lib).Scale(2))(lib.ones(3)),
    ]
    for fn in cases:
        check_error(fn)

    def insert_non_module(lib):
        seq(lib).insert(0, 3)
    check_error(insert_non_module)


def test_sequential_dir_hides_indices():
    for ns in (E, T):
        s = ns.nn.Sequential(ns.Act(), ns.Act())
        assert "0" not in dir(s) and "forward" in dir(s) and "append" in dir(s)


# ---------------------------------------------------------------------------- ModuleList
def test_module_list_basic_and_repr_collapsing():
    def build(ns):
        s1 = ns.Scale(2)
        return ns.nn.ModuleList([ns.Act(), ns.Act(), ns.Scale(2), ns.Scale(2), ns.Scale(2, 3.0), s1, s1,
                                 ns.nn.Sequential(ns.Act()), ns.nn.Sequential(ns.Act())])
    e, t = run(build)
    same_state(e, t)
    assert "(0-1): 2 x Act()" in repr(e)
    assert len(e) == len(t) == 9
    for idx in (0, -1, 4):
        assert repr(e[idx]) == repr(t[idx])
    for sl in (slice(1, 4), slice(None, None, 2), slice(-2, None)):
        a, b = e[sl], t[sl]
        assert type(a).__name__ == "ModuleList"
        same_state(a, b)
    assert [type(m).__name__ for m in e] == [type(m).__name__ for m in t]
    assert repr(E.nn.ModuleList()) == repr(T.nn.ModuleList()) == "ModuleList()"
    # a ModuleList is not callable
    check_error(lambda lib: NS[lib].nn.ModuleList([NS[lib].Act()])(lib.ones(1)))


def test_module_list_mutation():
    def ops(ns):
        ml = ns.nn.ModuleList()
        out = []
        assert ml.append(ns.Scale(2, 1.0)) is ml
        assert ml.extend([ns.Act(), ns.Scale(2, 2.0)]) is ml
        ml.insert(1, ns.Scale(2, 3.0))
        ml.insert(0, ns.Act())
        ml += [ns.Scale(2, 4.0)]
        out.append((repr(ml), names(ml)))
        ml[1] = ns.Scale(2, 5.0)
        ml[-1] = ns.Act()
        out.append((repr(ml), names(ml)))
        out.append(repr(ml.pop(2)))
        del ml[0]
        del ml[::2]
        out.append((repr(ml), list(ml._modules), names(ml)))
        both = ml + [ns.Act()]
        out.append((type(both).__name__, repr(both)))
        return out
    assert run(ops)[0] == run(ops)[1]


def test_module_list_errors():
    def ml(lib):
        return NS[lib].nn.ModuleList([NS[lib].Act(), NS[lib].Act()])

    cases = [
        lambda lib: ml(lib)[2],
        lambda lib: ml(lib)[-3],
        lambda lib: ml(lib)["x"],
        lambda lib: ml(lib).__setitem__(2, NS[lib].Act()),
        lambda lib: ml(lib).__delitem__(-5),
        lambda lib: ml(lib).extend(3),
        lambda lib: ml(lib).append(3),
        lambda lib: NS[lib].nn.ModuleList(5),
        lambda lib: NS[lib].nn.ModuleList([NS[lib].Act(), 3]),
    ]
    for fn in cases:
        check_error(fn)


# ---------------------------------------------------------------------------- ModuleDict
def test_module_dict():
    def ops(ns):
        md = ns.nn.ModuleDict({"z": ns.Scale(2, 1.0), "a": ns.Act()})  # a plain dict keeps insertion order
        out = [repr(md), names(md), list(md), list(md.keys()), len(md), "a" in md, "q" in md]
        md["m"] = ns.Scale(2, 2.0)
        md.update([("p", ns.Act()), ("z", ns.Scale(2, 3.0))])
        md.update(OrderedDict([("o", ns.Act())]))
        md.update(ns.nn.ModuleDict({"n": ns.Act()}))
        out += [repr(md), names(md), [type(v).__name__ for v in md.values()], [k for k, _ in md.items()]]
        out.append(repr(md.pop("m")))
        del md["a"]
        out += [list(md), repr(md["z"])]
        md.clear()
        out += [repr(md), len(md)]
        return out
    assert run(ops)[0] == run(ops)[1]


def test_module_dict_errors():
    def md(lib):
        return NS[lib].nn.ModuleDict({"a": NS[lib].Act()})

    cases = [
        lambda lib: md(lib)["missing"],
        lambda lib: md(lib).__delitem__("missing"),
        lambda lib: md(lib).update(3),
        lambda lib: md(lib).update([3]),
        lambda lib: md(lib).update([("a", NS[lib].Act(), 1)]),
        lambda lib: md(lib).__setitem__("x.y", NS[lib].Act()),
        lambda lib: md(lib).__setitem__("b", 3),
        lambda lib: md(lib).__setitem__("training", NS[lib].Act()),
        lambda lib: md(lib)(lib.ones(1)),
    ]
    for fn in cases:
        check_error(fn)


# ---------------------------------------------------------------------------- ParameterList
def test_parameter_list():
    def ops(ns):
        lib = ns.lib
        pl = ns.nn.ParameterList([ns.nn.Parameter(lib.ones(2, 3)), lib.zeros(3, dtype=lib.float64), 5, "s"])
        out = [repr(pl), names(pl), len(pl), type(pl[1]).__name__, pl[1].requires_grad, pl[2], pl[-1]]
        pl.append(lib.ones(1))
        pl.extend([ns.nn.Parameter(lib.ones(2), requires_grad=False)])
        pl += [lib.ones(2, 2, 2)]
        pl[0] = lib.full((1,), 3.0)
        sub = pl[1:6:2]
        out += [repr(pl), names(pl), repr(sub), names(sub), type(sub).__name__]
        out += [[type(p).__name__ for p in pl], list(pl.state_dict())]
        out += [repr(ns.nn.ParameterList()), len(ns.nn.ParameterList())]
        return out
    e, t = run(ops)
    assert e == t
    assert "(0): Parameter containing: [torch.float32 of size 1]" in e[7]
    # the values themselves
    a = E.nn.ParameterList([ember.arange(3.0), ember.ones(2, 2)])
    b = T.nn.ParameterList([torch.arange(3.0), torch.ones(2, 2)])
    same_params(a, b)


def test_parameter_list_shares_memory_with_given_tensor():
    for ns in (E, T):
        x = ns.lib.zeros(3)
        pl = ns.nn.ParameterList([x])
        with ns.lib.no_grad():
            pl[0].add_(1)
        assert x.tolist() == [1.0, 1.0, 1.0]


def test_parameter_list_errors():
    def pl(lib):
        return NS[lib].nn.ParameterList([lib.ones(1)])

    cases = [
        lambda lib: pl(lib)[1],
        lambda lib: pl(lib)[-2],
        lambda lib: pl(lib).__setitem__(3, lib.ones(1)),
        lambda lib: pl(lib).extend(lib.ones(3)),
        lambda lib: pl(lib).extend(3),
        lambda lib: pl(lib)(),
        lambda lib: pl(lib).append(lib.ones(2, dtype=lib.int64)),
    ]
    for fn in cases:
        check_error(fn)


# ---------------------------------------------------------------------------- ParameterDict
def test_parameter_dict():
    def ops(ns):
        lib = ns.lib
        # a plain dict is taken in sorted order, an OrderedDict in its own order
        pd = ns.nn.ParameterDict({"z": lib.ones(2), "a": ns.nn.Parameter(lib.zeros(2, 3)), "m": 3})
        od = ns.nn.ParameterDict(OrderedDict([("z", lib.ones(1)), ("a", lib.ones(1))]))
        pairs = ns.nn.ParameterDict([("q", lib.ones(1, dtype=lib.float64)), ("b", lib.ones(1))])
        out = [repr(pd), names(pd), list(pd), list(od), list(pairs), repr(pairs), len(pd), "a" in pd, "x" in pd]
        pd["new"] = lib.ones(4)
        out += [type(pd["new"]).__name__, pd.get("nope", 7), pd.get("m"), pd.setdefault("s", lib.ones(1)).shape]
        out += [list(pd.keys()), [type(v).__name__ for v in pd.values()], [k for k, _ in pd.items()]]
        out += [list(reversed(pd)), repr(pd.pop("z")), list(pd)]
        k, v = pd.popitem()
        out += [k, type(v).__name__, list(pd)]
        c = pd.copy()
        out += [type(c).__name__, list(c), c["a"] is pd["a"]]
        merged = od | pairs
        od |= pairs
        out += [list(merged), list(od), list(pd.fromkeys(["x", "y"], lib.ones(1)))]
        del pd["a"]
        out += [list(pd), names(pd), list(pd.state_dict())]
        pd.clear()
        out += [len(pd), repr(pd)]
        return out
    e, t = run(ops)
    assert e == t
    assert "(a): Parameter containing: [torch.FloatTensor of size 2x3]" in e[0]


def test_parameter_dict_errors():
    def pd(lib):
        return NS[lib].nn.ParameterDict({"a": lib.ones(1)})

    cases = [
        lambda lib: pd(lib)["missing"],
        lambda lib: pd(lib)[3],
        lambda lib: pd(lib).__setitem__(3, lib.ones(1)),
        lambda lib: pd(lib).__delitem__("missing"),
        lambda lib: pd(lib).update(3),
        lambda lib: pd(lib).update([3]),
        lambda lib: pd(lib).update([("a",)]),
        lambda lib: pd(lib)(lib.ones(1)),
        lambda lib: pd(lib).pop("missing"),
        lambda lib: NS[lib].nn.ParameterDict().popitem(),
    ]
    for fn in cases:
        check_error(fn)


# ---------------------------------------------------------------------------- nesting
def test_nested_containers_repr_and_state_dict():
    def build(ns):
        nn = ns.nn
        return nn.Sequential(
            nn.ModuleDict({"enc": nn.Sequential(ns.Scale(2), ns.Act()), "dec": nn.ModuleList([ns.Scale(2)] * 3)}),
            nn.ParameterList([ns.lib.ones(2)]),
            nn.ParameterDict({"g": ns.lib.ones(1)}),
            nn.Sequential(),
            nn.ModuleList(),
        )
    e, t = run(build)
    same_state(e, t)
    se, st = e.state_dict(), t.state_dict()
    assert list(se) == list(st) and se._metadata == st._metadata
    for k in se:
        assert_same(se[k], st[k], check_grad_fn=False, what=k)
    assert [k for k, _ in e.named_modules()] == [k for k, _ in t.named_modules()]
    assert [k for k, _ in e.named_modules(remove_duplicate=False)] == \
           [k for k, _ in t.named_modules(remove_duplicate=False)]
    e2, t2 = run(build)
    assert repr(e2.load_state_dict(se)) == repr(t2.load_state_dict(st))
