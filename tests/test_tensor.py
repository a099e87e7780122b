"""Differential tests of the Tensor object itself (ember/_tensor.py): metadata, conversions, Python protocols,
copying and autograd flags, against torch."""
from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
from _compare import assert_same, check_error

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool", "complex64",
          "complex128"]


def both(f):
    """(ember result, torch result) of f(lib)."""
    return f(ember), f(torch)


def eq(f):
    """f(lib) gives equal plain-Python results in ember and torch."""
    e, t = both(f)
    assert e == t, f"ember {e!r} != torch {t!r}"
    return e


def arr(lib, shape=(2, 3), dtype="float32"):
    return lib.from_numpy((np.arange(int(np.prod(shape))) % 7).reshape(shape).astype(getattr(ember, dtype).np_dtype))


def scalar_warnings(f):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        f()
    return [str(x.message) for x in w]


# --- shape, size, dim, numel ---------------------------------------------------------------------

SHAPES = [(), (0,), (3,), (2, 3), (2, 0, 4), (1, 1, 1), (2, 3, 4, 5)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_shape_metadata(shape):
    def f(L):
        x = L.zeros(shape)
        return (repr(x.shape), repr(x.size()), x.dim(), x.ndim, x.ndimension(), x.numel(), x.nelement(),
                L.numel(x), type(x.shape).__name__, tuple(x.shape) == shape, isinstance(x.shape, tuple))
    eq(f)


@pytest.mark.parametrize("shape", [s for s in SHAPES if s], ids=str)
def test_size_of_each_dim(shape):
    for d in range(-len(shape), len(shape)):
        eq(lambda L: (L.zeros(shape).size(d), L.zeros(shape).size(dim=d), L.zeros(shape).shape[d]))


@pytest.mark.parametrize("shape,dim", [((2, 3), 2), ((2, 3), -3), ((4,), 1), ((4,), -2), ((2, 3), 100)], ids=str)
def test_size_dim_out_of_range(shape, dim):
    check_error(lambda L: L.zeros(shape).size(dim))
    check_error(lambda L: L.zeros(shape).stride(dim))


@pytest.mark.parametrize("dim", [0, -1])
def test_size_of_0d_tensor_message(dim):
    check_error(lambda L: L.tensor(1.0).size(dim))


def test_size_of_0d_tensor_error_type():
    for dim in (0, -1, 1):
        check_error(lambda L: L.tensor(1.0).size(dim), match_message=False)
        check_error(lambda L: L.tensor(1.0).stride(dim), match_message=False)


def test_size_bad_dim_type():
    check_error(lambda L: L.zeros(2).size("a"))


# --- dtype, element size, bytes, dtype predicates ---------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_metadata(dtype):
    def f(L):
        x = L.zeros(2, 3, dtype=getattr(L, dtype))
        return (repr(x.dtype), x.element_size(), x.itemsize, x.nbytes, x[:, :1].nbytes, x.is_floating_point(),
                x.is_complex(), x.is_signed(), L.is_floating_point(x), L.is_complex(x), x.type(), x.type(x.dtype).type(),
                repr(x.device), str(x.device), x.device.type, x.is_cuda, x.is_cpu, x.get_device())
    eq(f)


def test_is_tensor():
    eq(lambda L: (L.is_tensor(L.ones(1)), L.is_tensor(np.ones(1)), L.is_tensor([1]), L.is_tensor(1.0),
                  isinstance(L.ones(1), L.Tensor), L.is_tensor(L.nn.Parameter(L.ones(1)))))


@pytest.mark.parametrize("fn", ["numel", "is_floating_point", "is_complex"])
def test_tensor_predicates_reject_non_tensors(fn):
    check_error(lambda L: getattr(L, fn)([1.0]))


@pytest.mark.parametrize("target", ["float64", "int32", "bool", "complex64"])
def test_type_conversion(target):
    names = {"float64": "torch.DoubleTensor", "int32": "torch.IntTensor", "bool": "torch.BoolTensor",
             "complex64": "torch.ComplexFloatTensor"}
    e, t = both(lambda L: arr(L).type(getattr(L, target)))
    assert_same(e, t, check_grad_fn=False)
    e, t = both(lambda L: arr(L).type(names[target]))
    assert_same(e, t, check_grad_fn=False)
    eq(lambda L: (lambda x: x.type(x.dtype) is x)(arr(L)))
    check_error(lambda L: arr(L).type("torch.NotATensor"))


def test_type_bad_argument():
    check_error(lambda L: arr(L).type(3))


# --- strides, contiguity, storage offset ---------------------------------------------------------------

VIEWS = {
    "contig": lambda x: x, "t": lambda x: x.t(), "row": lambda x: x[1], "col": lambda x: x[:, 1],
    "slice": lambda x: x[1:, ::2], "step_rows": lambda x: x[::2], "one_row": lambda x: x[::4],
    "expand": lambda x: x[:, :1].expand(4, 3), "unsqueeze": lambda x: x.unsqueeze(1), "narrow": lambda x: x.narrow(1, 1, 2),
    "perm3": lambda x: x.reshape(2, 2, 3).permute(2, 0, 1), "elem": lambda x: x[1, 2], "diag": lambda x: x.diagonal(),
    "view": lambda x: x.view(3, 4), "flat_t": lambda x: x.t()[1:],
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_strides_contiguity_offset(name):
    def f(L):
        v = VIEWS[name](L.arange(12.0).reshape(4, 3))
        return v.stride(), [v.stride(d) for d in range(v.dim())], v.is_contiguous(), v.storage_offset(), repr(v.shape)
    if name == "elem":
        e, t = both(f)
        assert e[:3] == t[:3]
        return
    eq(f)


def test_element_index_is_a_view():
    eq(lambda L: L.arange(12.0).reshape(4, 3)[1, 2].storage_offset())
    eq(lambda L: (lambda x: (x[1].add_(10), x.tolist())[1])(L.arange(3.0)))


def test_empty_and_0d_strides():
    eq(lambda L: (L.zeros(0).stride(), L.zeros(2, 0, 3).stride(), L.tensor(1.0).stride(), L.zeros(0, 3).is_contiguous()))
    eq(lambda L: L.tensor(1.0).expand(3).stride())


EMPTY_VIEWS = {
    "t": lambda L: L.zeros(0, 3).t(),
    "T": lambda L: L.zeros(0, 3).T,
    "mT": lambda L: L.zeros(2, 0, 3).mT,
    "permute": lambda L: L.zeros(2, 0, 4).permute(2, 0, 1),
    "transpose": lambda L: L.zeros(2, 0, 4).transpose(0, 2),
    "permute_of_permute": lambda L: L.zeros(2, 3, 0).permute(2, 0, 1).transpose(1, 2),
    "select": lambda L: L.zeros(2, 0, 4).select(2, 1),
    "index": lambda L: L.zeros(2, 0, 4)[1],
    "t_select": lambda L: L.zeros(3, 2, 0).transpose(0, 2)[:, 1],
    "step_slice": lambda L: L.zeros(0, 6)[:, 1::2],
    "expand": lambda L: L.zeros(0, 3).t().expand(2, 3, 0),
    "expand_to_empty": lambda L: L.ones(1, 3).expand(0, 3),
    "reshape_same": lambda L: L.zeros(0, 3).t().reshape(3, 0),
    "view": lambda L: L.zeros(0, 3).view(3, 0),
    "flatten": lambda L: L.zeros(0, 3).t().flatten(),
    "squeeze": lambda L: L.zeros(1, 0, 3).transpose(0, 2).squeeze(),
    "contiguous": lambda L: L.zeros(0, 3).t().contiguous(),
    "detach": lambda L: L.zeros(0, 3).t().detach(),
    "requires_grad": lambda L: L.zeros(0, 3, requires_grad=True).t(),
    "in_place": lambda L: L.zeros(0, 3).t().mul_(2),
    "tensor": lambda L: L.tensor([[]]).t(),
    "empty": lambda L: L.empty(0, 2, 3).permute(1, 2, 0),
    "ones": lambda L: L.ones(3, 0).t(),
    "full": lambda L: L.full((0, 2), 1.0).t(),
    "int_arange": lambda L: L.arange(0).reshape(0, 1).t(),
    "diagonal": lambda L: L.zeros(0, 3).diagonal(),
    "unbind": lambda L: L.zeros(2, 0, 3).unbind(0)[1],
    "chunk": lambda L: L.zeros(0, 4).chunk(2, 1)[1],
}


@pytest.mark.parametrize("name", EMPTY_VIEWS)
def test_empty_view_strides(name):
    """An empty tensor keeps the strides (and offset) its view op gives it, as in torch."""
    def f(L):
        v = EMPTY_VIEWS[name](L)
        return v.stride(), v.storage_offset(), v.is_contiguous(), repr(v.shape), [v.stride(d) for d in range(v.dim())]
    eq(f)


@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0), (2, 0, 4), (0, 0), (1, 0, 1, 2)], ids=str)
def test_empty_tensor_strides(shape):
    eq(lambda L: (L.zeros(shape).stride(), L.empty(shape, dtype=L.int64).stride(), L.ones(shape).storage_offset()))


@pytest.mark.parametrize("case", ["slice", "past_end", "narrow", "split", "step", "2d_cols", "transposed"])
def test_empty_slice_offset(case):
    views = {"slice": lambda L: L.arange(4.0)[2:2], "past_end": lambda L: L.arange(8.0)[9:],
             "narrow": lambda L: L.arange(8.0).narrow(0, 3, 0), "split": lambda L: L.arange(6.0).split([2, 0, 4])[1],
             "step": lambda L: L.arange(8.0)[2:2:2], "2d_cols": lambda L: L.arange(12.0).reshape(3, 4)[:, 2:2],
             "transposed": lambda L: L.arange(12.0).reshape(3, 4).t()[1:1]}
    eq(lambda L: (views[case](L).storage_offset(), views[case](L).stride()))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_property_views(shape, data):
    n = len(shape)
    perm = data.draw(st.permutations(range(n)))
    starts = [data.draw(st.integers(0, shape[p] - 1)) for p in perm]  # never empty: see test_empty_slice_offset
    steps = [data.draw(st.integers(1, 3)) for _ in shape]

    def f(L):
        x = L.arange(float(np.prod(shape))).reshape(shape).permute(*perm)
        v = x[tuple(slice(a, None, b) for a, b in zip(starts, steps))]
        p, (cx, cv) = pickle.loads(pickle.dumps(v)), copy.deepcopy([x, v])
        return (v.stride(), v.is_contiguous(), v.storage_offset(), repr(v.shape), v.numel(), v.nbytes, v.tolist(),
                v.contiguous().stride(), v.contiguous().is_contiguous(), p.stride(), p.storage_offset(), p.tolist(),
                cv.stride(), cv.storage_offset(), cv.data_ptr() - cx.data_ptr() == v.data_ptr() - x.data_ptr())
    eq(f)


# --- item, tolist, numpy, __array__ ------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_item_and_tolist(dtype):
    def f(L):
        x = arr(L, (2, 3), dtype) * (1 if dtype == "bool" else 1)
        x0 = x[1, 2] if dtype != "float16" else L.tensor(0.1, dtype=L.float16)
        out = (x.tolist(), x[0].tolist(), x0.tolist(), x0.item(), type(x0.item()).__name__,
               x.reshape(-1)[:1].item(), L.zeros(0, 2, dtype=getattr(L, dtype)).tolist(),
               L.zeros(2, 0, dtype=getattr(L, dtype)).tolist())
        return out
    eq(f)


def test_item_values_are_exact():
    eq(lambda L: (L.tensor(0.1).item(), L.tensor(0.1, dtype=L.float64).item(), L.tensor(1 + 2j).item(),
                  L.tensor(2 ** 62).item(), L.tensor(-1, dtype=L.int8).item(), L.tensor(True).item()))


@pytest.mark.parametrize("shape", [(2,), (0,), (1, 2), (3, 0)], ids=str)
def test_item_errors(shape):
    check_error(lambda L: L.zeros(shape).item())


def test_item_with_requires_grad_does_not_warn():
    for L in (ember, torch):
        assert scalar_warnings(lambda: L.tensor(1.5, requires_grad=True).item()) == []


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_shares_memory(dtype):
    for L in (ember, torch):
        x = L.zeros(3, dtype=getattr(L, dtype))
        a = x.numpy()
        assert a.dtype == getattr(ember, dtype).np_dtype
        a[0] = 1
        assert x[0].item() == 1
        x[1] = 1
        assert a[1] == 1


def test_numpy_of_views_and_requires_grad():
    eq(lambda L: (lambda a: (a.shape, a.strides, a.tolist()))(L.arange(6.0).reshape(2, 3).t().numpy()))
    check_error(lambda L: L.ones(2, requires_grad=True).numpy())
    check_error(lambda L: (L.ones(2, requires_grad=True) * 2).numpy())
    for L in (ember, torch):
        x = L.zeros(2, requires_grad=True)
        a = x.numpy(force=True)
        a[0] = 5
        assert x[0].item() == 5
        assert x.detach().numpy()[0] == 5


def test_array_protocol():
    for L in (ember, torch):
        x = L.zeros(3)
        a = np.asarray(x)
        a[0] = 4
        assert x[0].item() == 4  # np.asarray shares
        b = np.array(x)
        b[1] = 4
        assert x[1].item() == 0  # np.array copies
        c = np.asarray(x, dtype=np.float64)
        assert c.dtype == np.float64 and c.tolist() == [4.0, 0.0, 0.0]
        assert np.asarray(L.tensor(2.5)).shape == ()
        assert np.asarray(L.ones(2, dtype=L.int16), dtype=np.int32).dtype == np.int32
    check_error(lambda L: np.asarray(L.ones(2, requires_grad=True)))
    eq(lambda L: (np.add(L.ones(2).numpy(), 1).tolist(), float(np.sum(np.asarray(L.arange(4.0))))))


# --- Python protocols -----------------------------------------------------------------------------------

def test_len_and_iter():
    eq(lambda L: (len(L.zeros(4, 2)), len(L.zeros(0)), [r.tolist() for r in L.arange(6).reshape(3, 2)],
                  [repr(r) for r in L.tensor([1, 2])], list(iter(L.zeros(0)))))
    check_error(lambda L: len(L.tensor(1.0)))
    check_error(lambda L: iter(L.tensor(1.0)))


def test_iter_yields_views():
    def f(L):
        x = L.zeros(2, 2)
        rows = list(x)
        for r in rows:
            r.add_(1)
        return x.tolist(), [r._version for r in rows], x._version
    eq(f)
    eq(lambda L: [r.grad_fn.name() for r in L.ones(2, 2, requires_grad=True)])


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)], ids=str)
@pytest.mark.parametrize("value", [0.0, 1.5, float("nan"), -0.0])
def test_bool_of_single_element(shape, value):
    eq(lambda L: bool(L.full(shape, value)))
    eq(lambda L: bool(L.full(shape, value).to(L.int64)))


@pytest.mark.parametrize("shape", [(2,), (0,), (2, 2)], ids=str)
def test_bool_ambiguous(shape):
    check_error(lambda L: bool(L.zeros(shape)))
    check_error(lambda L: L.zeros(shape) if L.zeros(shape) else None)


@pytest.mark.parametrize("dtype", DTYPES)
def test_scalar_conversions(dtype):
    def f(L):
        x = L.tensor(-2.7 if dtype not in ("uint8", "bool") else 3, dtype=getattr(L, dtype))
        out = [int(x) if dtype not in ("complex64", "complex128") else None,
               float(x) if dtype not in ("complex64", "complex128") else None, complex(x)]
        if dtype in ("int64", "int32", "int16", "int8", "uint8", "bool"):
            out += [x.__index__(), [10, 20, 30, 40][x if dtype != "int8" and dtype != "int16" else L.tensor(1)],
                    hex(x) if dtype != "bool" else None, list(range(4))[x:]]
        return out
    eq(f)


@pytest.mark.parametrize("fn", [float, int, complex])
@pytest.mark.parametrize("shape", [(2,), (0,), (1, 2)], ids=str)
def test_scalar_conversion_errors(fn, shape):
    check_error(lambda L: fn(L.zeros(shape)))


def test_index_errors():
    check_error(lambda L: [1, 2, 3][L.tensor(1.0)])
    check_error(lambda L: [1, 2, 3][L.tensor([1, 1])])
    check_error(lambda L: L.tensor(1.5).__index__())
    check_error(lambda L: int(L.tensor(float("nan"))))
    check_error(lambda L: int(L.tensor(float("inf"))))


@pytest.mark.parametrize("fn", [float, int])
def test_real_conversion_of_complex(fn):
    check_error(lambda L: fn(L.tensor(1 + 2j)))


def test_scalar_conversion_of_requires_grad_warns():
    for conv in (float, int, lambda t: f"{t:.1f}", lambda t: t.tolist()):
        e = scalar_warnings(lambda: conv(ember.tensor(1.5, requires_grad=True)))
        t = scalar_warnings(lambda: conv(torch.tensor(1.5, requires_grad=True)))
        assert [m.split("\n")[0] for m in e] == [m.split("\n")[0] for m in t]


@pytest.mark.parametrize("spec", [".2f", ".3e", ">8", "", "g", "+.1f"])
def test_format_0d(spec):
    eq(lambda L: format(L.tensor(2.5), spec))
    eq(lambda L: format(L.tensor(2.5, dtype=L.float64), spec))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eq(lambda L: format(L.tensor(2.5, requires_grad=True), spec))
        eq(lambda L: format(L.tensor(2.0, requires_grad=True) * 2, spec))
    if "e" not in spec and "f" not in spec and "g" not in spec:
        eq(lambda L: format(L.tensor(3), spec))
        eq(lambda L: format(L.tensor(True), spec))


def test_format_other():
    eq(lambda L: (f"{L.tensor([2.5, 1.0])}", f"{L.tensor(1 + 2j):.1f}", f"{L.tensor(2.5)!s}", f"{L.tensor(2.5)!r:>20}",
                  "{}".format(L.ones(2, dtype=L.int64)), f"{L.zeros(0)}"))
    check_error(lambda L: f"{L.tensor([2.5, 1.0]):.2f}")
    check_error(lambda L: f"{L.tensor([2.5]):.2f}")


def test_hash_dict_key_and_membership():
    for L in (ember, torch):
        a, b = L.ones(1), L.ones(1)
        assert hash(a) == id(a) and hash(a) != hash(b)
        d = {a: 1, b: 2}
        assert len(d) == 2 and d[a] == 1 and d[b] == 2
        assert a in {a} and b not in {a}
        t = L.tensor([1.0, 2.0])
        assert t in [t]  # identity first
        assert L.tensor(1.0) in [L.tensor(2.0), L.tensor(1.0)]  # then ==, a one-element bool
        assert L.tensor(1.0) not in [L.tensor(2.0)]
    check_error(lambda L: L.tensor([1.0, 2.0]) in [L.tensor([1.0, 2.0])])


REPRS = {
    "0d": lambda L: L.tensor(2.5), "int": lambda L: L.tensor([1, 2], dtype=L.int32), "empty": lambda L: L.zeros(0, 3),
    "bool": lambda L: L.tensor([True, False]), "complex": lambda L: L.tensor([1 + 2j]),
    "f64": lambda L: L.tensor([1.5], dtype=L.float64), "rg": lambda L: L.tensor([1.0, 2.0], requires_grad=True),
    "grad_fn": lambda L: L.tensor([1.0, 2.0], requires_grad=True) * 2, "2d": lambda L: L.arange(6.0).reshape(2, 3),
    "int64": lambda L: L.arange(3), "f16": lambda L: L.tensor([0.1, 1000.0], dtype=L.float16),
    "neg": lambda L: L.tensor([-1.0, 2.5e-5]), "uint8": lambda L: L.tensor([255], dtype=L.uint8),
    "0d_int": lambda L: L.tensor(7), "empty_int": lambda L: L.zeros(0, dtype=L.int64),
}


@pytest.mark.parametrize("name", sorted(REPRS))
def test_repr_small(name):
    eq(lambda L: (repr(REPRS[name](L)), str(REPRS[name](L))))


# --- copying, pickling, clone, detach, data ------------------------------------------------------------

def test_deepcopy_leaf_with_grad():
    def f(L):
        x = L.tensor([1.5, 2.0], requires_grad=True)
        x.grad = L.ones(2)
        c = copy.deepcopy(x)
        g = c.grad.tolist()
        with L.no_grad():
            c.add_(1)
        return (repr(c), c.is_leaf, c.requires_grad, g, x.tolist(), c is x)
    eq(f)
    eq(lambda L: (lambda t: (lambda c: c[0] is c[1])(copy.deepcopy([t, t])))(L.ones(2)))
    eq(lambda L: repr(copy.deepcopy(L.arange(4, dtype=L.int16))))
    eq(lambda L: repr(copy.deepcopy(L.nn.Parameter(L.ones(2)))))


def test_deepcopy_copies_the_grad():
    def f(L):
        x = L.tensor([1.5, 2.0], requires_grad=True)
        x.grad = L.ones(2)
        c = copy.deepcopy(x)
        c.grad.add_(1)
        return c.grad is x.grad, x.grad.tolist()
    eq(f)


def test_deepcopy_non_leaf_error():
    check_error(lambda L: copy.deepcopy(L.ones(2, requires_grad=True) * 2))


def test_deepcopy_keeps_views_together():
    eq(lambda L: (lambda b: (lambda c: (c[1].add_(1), c[0].tolist())[1])(copy.deepcopy([b, b[0]])))(L.zeros(2, 2)))


def _layout(t):
    return t.stride(), t.storage_offset(), repr(t.shape), t.tolist(), t._version, t._base is None


COPIED_VIEWS = {
    "transposed": lambda b: b.t(),
    "row": lambda b: b[1],
    "offset_step": lambda b: b[1:, ::2],
    "view_of_view": lambda b: b[1:].t()[1:],
    "column": lambda b: b[:, 2],
    "expanded": lambda b: b[:, 1:2].expand(3, 5),
    "flat": lambda b: b.view(-1)[3:9],
    "empty_dim": lambda b: b[1:, :0],  # (an empty slice after its start: see test_empty_slice_offset)
}


@pytest.mark.parametrize("name", COPIED_VIEWS)
def test_deepcopy_of_views(name):
    """A copied view keeps its strides and offset over one copied storage, shared with the other copies of the
    same deepcopy (torch copies each storage once, through the memo), and no longer with the original."""
    def f(L):
        b = L.arange(12.0).reshape(3, 4)
        v = COPIED_VIEWS[name](b)
        cb, cv, cv2 = copy.deepcopy([b, v, COPIED_VIEWS[name](b)])
        alone = copy.deepcopy(v)
        cb.add_(100)
        return _layout(cv), _layout(cv2), _layout(alone), b.tolist(), _layout(cb), cv is cv2
    eq(f)


def test_deepcopy_views_of_an_offset_view():
    def f(L):
        x = L.arange(10.0)[2:]
        a, b2 = copy.deepcopy([x[1:4], x[3:]])
        a.mul_(-1)
        return _layout(a), _layout(b2)
    eq(f)


@pytest.mark.parametrize("dtype", DTYPES)
def test_deepcopy_view_dtypes(dtype):
    def f(L):
        b = arr(L, (3, 4), dtype)
        cb, ct = copy.deepcopy([b, b.t()])
        return repr(ct), ct.stride(), cb.data_ptr() == ct.data_ptr(), ct.dtype == b.dtype
    eq(f)


def test_deepcopy_requires_grad_views_and_attrs():
    def f(L):
        x = L.arange(6.0).reshape(2, 3).requires_grad_()
        x.grad = L.ones(2, 3).t().contiguous().t()
        x.note = {"k": [1]}
        cx, cn = copy.deepcopy([x, x.note])
        return (cx.requires_grad, cx.is_leaf, cx.grad.stride(), cx.grad.tolist(), cx.note, cx.note is cn,
                cx.note is x.note, cx._version, cx.grad_fn)
    eq(f)


def test_deepcopy_module_with_shared_buffers():
    """Buffers that view one another stay together; parameters are cloned (torch's Parameter.__deepcopy__),
    and a parameter tied into two modules stays one parameter."""
    def f(L):
        m = L.nn.Module()
        m.register_buffer("table", L.arange(6.0).reshape(2, 3))
        m.register_buffer("row", m.table[1])
        lin = L.nn.Linear(3, 3)
        m.a, m.b = lin, L.nn.Sequential(lin)
        c = copy.deepcopy(m)
        c.table.add_(10)
        return (c.row.tolist(), m.row.tolist(), c.row.storage_offset(), c.a.weight is c.b[0].weight,
                c.a.weight is lin.weight, c.a.weight.requires_grad, repr(c.table.dtype))
    eq(f)


def test_deepcopy_parameter_and_view_of_its_data():
    def f(L):
        p = L.nn.Parameter(L.zeros(2, 3))
        cp, cv = copy.deepcopy([p, p.data[1]])
        cv.add_(1)
        return cp.tolist(), cv.tolist(), type(cp).__name__
    eq(f)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pickle_round_trip(dtype):
    def f(L):
        x = arr(L, (2, 3), dtype)
        y = pickle.loads(pickle.dumps(x))
        return repr(y), repr(y.dtype), y.requires_grad, y.is_leaf, y.tolist() == x.tolist()
    eq(f)


def test_pickle_requires_grad_and_0d():
    def f(L):
        x = L.tensor([1.5, 2.0], requires_grad=True)
        x.grad = L.ones(2)
        y = pickle.loads(pickle.dumps(x))
        z = pickle.loads(pickle.dumps(L.tensor(True)))
        return repr(y), y.requires_grad, y.is_leaf, y.grad, repr(z)
    eq(f)


def test_pickle_keeps_strides():
    eq(lambda L: pickle.loads(pickle.dumps(L.arange(6.0).reshape(2, 3).t())).stride())


@pytest.mark.parametrize("protocol", [2, 4, 5])
@pytest.mark.parametrize("name", COPIED_VIEWS)
def test_pickle_of_views(name, protocol):
    """Each pickled tensor carries its whole storage, offset and strides; two views pickled together come back
    with storages of their own (unlike deepcopy)."""
    def f(L):
        b = L.arange(12.0).reshape(3, 4)
        v = COPIED_VIEWS[name](b)
        pv, pb = pickle.loads(pickle.dumps([v, b], protocol=protocol))
        pb.add_(100)
        return _layout(pv), _layout(pb)
    eq(f)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pickle_of_a_view_keeps_layout_and_dtype(dtype):
    def f(L):
        v = arr(L, (3, 4), dtype)[1:, 1::2].t()
        y = pickle.loads(pickle.dumps(v))
        return repr(y), y.stride(), y.storage_offset(), y._version
    eq(f)


def test_pickle_requires_grad_non_leaf_and_attributes():
    def f(L):
        x = L.arange(6.0).reshape(2, 3).requires_grad_()
        x.grad = L.ones(2, 3)
        x.note = [1, "a"]
        y = pickle.loads(pickle.dumps(x.t()))
        z = pickle.loads(pickle.dumps(x * 2))  # a non-leaf comes back a leaf that requires grad
        w = pickle.loads(pickle.dumps(x))
        return (y.stride(), y.requires_grad, y.is_leaf, z.requires_grad, z.is_leaf, z.grad_fn, w.grad, w.note,
                getattr(y, "note", None), w._version)
    eq(f)


def test_copy_copy_shares_the_storage():
    """copy.copy goes through __reduce_ex__ without pickling: torch's copy shares the storage, keeps the layout."""
    def f(L):
        x = L.arange(6.0).reshape(2, 3)
        y = copy.copy(x.t()[1:])
        y.add_(1)
        x.requires_grad_()
        z = copy.copy(x)
        return x.tolist(), _layout(y), z.requires_grad, z.is_leaf, z._version
    eq(f)


def test_pickle_of_empty_tensors():
    def f(L):
        xs = [L.zeros(0, 3).t(), L.zeros(2, 0, 4).permute(2, 0, 1), L.arange(6.0).reshape(2, 3)[1:, :0], L.tensor([])]
        return [(y.stride(), y.storage_offset(), repr(y.shape)) for y in pickle.loads(pickle.dumps(xs))]
    eq(f)


def test_clone():
    def f(L):
        x = L.ones(2, requires_grad=True)
        c = x.clone()
        y = L.arange(6.0).reshape(2, 3).t()
        cy = y.clone()
        cy.add_(1)
        return (c.grad_fn.name(), c.is_leaf, c.requires_grad, y.tolist(), cy.tolist(), y._version, cy._version,
                L.ones(2).clone().is_leaf, L.clone(y).tolist())
    eq(f)


def test_clone_preserves_strides():
    eq(lambda L: L.arange(6.0).reshape(2, 3).t().clone().stride())


def test_detach_shares_memory_and_version():
    def f(L):
        x = L.zeros(2, requires_grad=True)
        d = x.detach()
        d.add_(1)
        return (x.tolist(), x._version, d._version, d.requires_grad, d.is_leaf, d.grad_fn,
                (x * 2).detach().is_leaf, (x * 2).detach().requires_grad)
    eq(f)


def test_data_shares_memory_without_version():
    def f(L):
        x = L.zeros(2, requires_grad=True)
        d = x.data
        d.add_(1)
        return x.tolist(), x._version, d.requires_grad, d.is_leaf, (x * 2).data.grad_fn
    eq(f)


def test_assign_data():
    def f(L):
        x = L.ones(2, requires_grad=True)
        x.data = L.zeros(3)
        y = L.ones(2)
        y.data = L.arange(3)
        return repr(x), x.requires_grad, x.is_leaf, repr(y)
    eq(f)


def test_assign_data_errors():
    check_error(lambda L: setattr(L.ones(2, requires_grad=True), "data", L.zeros(2, dtype=L.int64)))
    check_error(lambda L: setattr(L.ones(2), "data", [1.0]))


# --- autograd flags ----------------------------------------------------------------------------------

def test_requires_grad_and_is_leaf():
    def f(L):
        a = L.ones(2)
        b = L.ones(2, requires_grad=True)
        c = b * 2
        with L.no_grad():
            d = b * 2
        return [(t.requires_grad, t.is_leaf, t.grad_fn is None) for t in (a, b, c, d, c.detach(), a * b)]
    eq(f)


def test_requires_grad_():
    def f(L):
        x = L.ones(2)
        r = x.requires_grad_()
        r2 = x.requires_grad_(False)
        y = L.ones(2, dtype=L.complex64).requires_grad_()
        z = L.ones(2, requires_grad=True) * 2
        return r is x, r2 is x, x.requires_grad, y.requires_grad, z.requires_grad_() is z, z.requires_grad
    eq(f)
    check_error(lambda L: L.ones(2, dtype=L.int64).requires_grad_())
    check_error(lambda L: L.ones(2, dtype=L.bool).requires_grad_())
    check_error(lambda L: (L.ones(2, requires_grad=True) * 2).requires_grad_(False))
    check_error(lambda L: setattr(L.ones(2, requires_grad=True) * 2, "requires_grad", False))
    eq(lambda L: (lambda x: (setattr(x, "requires_grad", True), x.requires_grad)[1])(L.ones(2)))


def test_requires_grad_setter_on_int_message():
    check_error(lambda L: setattr(L.ones(2, dtype=L.int64), "requires_grad", True))


def test_requires_grad_setter_true_on_non_leaf():
    check_error(lambda L: setattr(L.ones(2, requires_grad=True) * 2, "requires_grad", True))


def test_grad_fn_is_read_only():
    check_error(lambda L: setattr(L.ones(2), "grad_fn", None), match_message=False)


def test_read_only_metadata():
    for name, value in [("is_leaf", True), ("shape", (2,)), ("dtype", ember.float64), ("ndim", 1)]:
        check_error(lambda L: setattr(L.ones(2), name, value), match_message=False)


def test_retains_grad():
    def f(L):
        x = L.ones(2, requires_grad=True)
        y = x * 2
        before = (x.retains_grad, y.retains_grad)
        x.retain_grad()  # no-op on a leaf
        y.retain_grad()
        y.retain_grad()
        (y * y).sum().backward()
        return before, x.retains_grad, y.retains_grad, y.grad.tolist(), x.grad.tolist()
    eq(f)
    check_error(lambda L: L.ones(2).retain_grad())


def test_grad_setter():
    def f(L):
        x = L.ones(2, requires_grad=True)
        x.grad = L.full((2,), 3.0)
        g1 = x.grad.tolist()
        x.grad = None
        y = L.ones(2, dtype=L.int64)
        y.grad = L.ones(2, dtype=L.int64)  # allowed, whatever requires_grad
        x.grad = L.ones(4)[::2]
        del x.grad
        return g1, x.grad, y.grad.tolist()
    eq(f)


@pytest.mark.parametrize("value", ["shape", "dtype", "type"])
def test_grad_setter_errors(value):
    bad = {"shape": lambda L: L.ones(3), "dtype": lambda L: L.ones(2, dtype=L.float64), "type": lambda L: 3}[value]
    check_error(lambda L: setattr(L.ones(2, requires_grad=True), "grad", bad(L)))


def test_non_leaf_grad_access_warns():
    for L in (ember, torch):
        with pytest.warns(UserWarning, match="The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"):
            assert (L.ones(2, requires_grad=True) * 2).grad is None


def test_non_leaf_grad_warning_text():
    e = scalar_warnings(lambda: (ember.ones(2, requires_grad=True) * 2).grad)
    t = scalar_warnings(lambda: (torch.ones(2, requires_grad=True) * 2).grad)
    assert e == t


def test_detach_in_place():
    eq(lambda L: (lambda y: (y.detach_() is y, y.requires_grad, y.is_leaf, y.grad_fn))(L.ones(2, requires_grad=True) * 2))
    e, t = check_error(lambda L: (L.ones(2, requires_grad=True) * 1)[0].detach_(), match_message=False)
    assert str(t).startswith(str(e))


def test_version_counter():
    def f(L):
        x = L.zeros(2, 2)
        v = [x._version]
        x.add_(1)
        v.append(x._version)
        x[0] = 5.0
        v.append(x._version)
        x[1].mul_(2)
        v.append(x._version)
        L.add(L.ones(2, 2), 1, out=x)
        v.append(x._version)
        y = x.view(4)
        y.zero_()
        v += [x._version, y._version, x.clone()._version, x.detach()._version]
        return v
    eq(f)


# --- torch.Tensor(...) and default dtype -------------------------------------------------------------

def test_legacy_constructor_in_metadata_terms():
    eq(lambda L: (repr(L.Tensor()), repr(L.Tensor(2, 0)), L.Tensor([1, 2]).is_leaf, L.Tensor([1, 2]).requires_grad,
                  type(L.Tensor([1])).__name__, L.Tensor(3).dtype == L.get_default_dtype()))
    for L in (ember, torch):
        s = L.ones(2)
        t = L.Tensor(s)
        t.add_(1)
        assert s.tolist() == [2.0, 2.0]  # an alias of a float tensor


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=4), st.sampled_from(DTYPES))
def test_property_metadata(shape, dtype):
    def f(L):
        x = L.zeros(shape, dtype=getattr(L, dtype))
        return (repr(x.shape), x.dim(), x.numel(), x.element_size(), x.nbytes, x.stride(), x.is_contiguous(),
                x.storage_offset(), x.tolist(), repr(x.dtype), x.is_floating_point(), x.is_complex(), x.is_signed(),
                len(x) if shape else None)
    eq(f)


@pytest.mark.parametrize("dtype, value", [("uint8", -129), ("uint8", 256), ("int8", 1.0), ("int32", float("nan")),
                                          ("float16", 70000.0), ("float16", float("inf")), ("complex64", 1e300),
                                          ("bool", 2.5), ("int64", 2 ** 63), ("float32", 3)])
def test_fill_checks_the_python_number(dtype, value):
    # c10's checked conversion: out-of-range numbers raise, negative ints wrap into unsigned types, inf is a float
    def f(L):
        return L.zeros(2, dtype=getattr(L, dtype)).fill_(value).tolist()
    try:
        expected = f(torch)
    except RuntimeError:
        check_error(f)
    else:
        assert f(ember) == expected


@pytest.mark.parametrize("case", [
    lambda L, t: np.float32(1.5) + t, lambda L, t: np.float64(2.0) * t, lambda L, t: np.int64(3) - t,
    lambda L, t: np.float64(2.0) / t, lambda L, t: np.float64(2.0) ** t, lambda L, t: np.int64(7) // t,
    lambda L, t: np.int64(7) % t, lambda L, t: np.exp(t), lambda L, t: np.greater(np.ones(2), t),
    lambda L, t: np.add(np.ones(2), t), lambda L, t: t + np.array([1.0, 2.0]),
])
def test_numpy_operands_defer_to_the_tensor(case):
    # __array_priority__ and __array_wrap__ as torch's: NumPy scalars and functions give tensors back
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's own __array_wrap__ has NumPy's old signature
        t, e = case(torch, torch.tensor([1.0, 2.0])), case(ember, ember.tensor([1.0, 2.0]))
    assert isinstance(e, ember.Tensor) and str(e.dtype) == str(t.dtype) and e.tolist() == t.tolist()


@pytest.mark.parametrize("case", [lambda L, t: np.array([1.0, 2.0]) + t, lambda L, t: np.array(2.0) * t,
                                  lambda L, t: np.ones((2, 2)) @ t])
def test_ndarray_on_the_left_is_a_type_error(case):
    for lib in (torch, ember):
        with pytest.raises(TypeError):
            case(lib, lib.tensor([1.0, 2.0]))


def test_requires_grad_takes_a_python_bool_only():
    import numpy as _np
    for v in (0, None, _np.bool_(True), 1.0):
        errs = []
        for L in (ember, torch):
            try:
                L.ones(1).requires_grad_(v)
            except TypeError as e:
                errs.append(str(e))
        assert len(errs) == 2 and errs[0] == errs[1]
