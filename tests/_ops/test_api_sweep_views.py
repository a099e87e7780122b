"""Complex views (view_as_real/complex, real/imag, complex, polar, conj family), the *_scatter ops, diagflat and
the *_copy view copies against torch: values, memory sharing, grads (torch's complex convention), nodes, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error, check_op

RNG = np.random.default_rng(31)


def r(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def c(*shape, dtype=np.complex128):
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(dtype)


def _grad_vs_torch(fn, arrays, upstream):
    """fn(lib, *tensors) -> out; compare out and the grads of all inputs under the same upstream grad."""
    res = []
    for lib in (torch, ember):
        ts = [lib.from_numpy(a.copy()).requires_grad_() for a in arrays]
        out = fn(lib, *ts)
        out.backward(lib.from_numpy(upstream.copy()))
        res.append((out, [t.grad.resolve_conj() for t in ts]))  # (torch's conj grads carry the conj bit)
    (eo, eg), (to, tg) = res[1], res[0]
    assert_same(eo, to)
    for a, b in zip(eg, tg):
        assert_same(a, b, check_grad_fn=False)


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
def test_view_as_real_and_parts(dtype):
    z = c(3, 2, dtype=dtype)
    real_dt = np.float64 if dtype == np.complex128 else np.float32
    _grad_vs_torch(lambda lib, x: lib.view_as_real(x), [z], r(3, 2, 2, dtype=real_dt))
    _grad_vs_torch(lambda lib, x: lib.view_as_real(x.t()), [z], r(2, 3, 2, dtype=real_dt))
    _grad_vs_torch(lambda lib, x: lib.real(x), [z], r(3, 2, dtype=real_dt))
    _grad_vs_torch(lambda lib, x: lib.imag(x), [z], r(3, 2, dtype=real_dt))
    _grad_vs_torch(lambda lib, x: x.real * 2 + x.imag, [z], r(3, 2, dtype=real_dt))


def test_views_share_memory():
    for lib in (torch, ember):
        z = lib.zeros(3, dtype=lib.complex128)
        v = lib.view_as_real(z)
        v[1, 1] = 5.0
        assert z[1].item() == 5j and v._base is z
        x = lib.zeros(2, 2)
        w = lib.view_as_complex(x)
        w[0] = 1 + 2j
        assert x[0].tolist() == [1.0, 2.0]
        z.real[2] = 7.0
        z.imag = lib.ones(3, dtype=lib.float64)
        assert z.tolist() == [1j, 1j, 7 + 1j]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_view_as_complex_complex_polar(dtype):
    cdt = np.complex128 if dtype == np.float64 else np.complex64
    _grad_vs_torch(lambda lib, x: lib.view_as_complex(x), [r(3, 2, dtype=dtype)], c(3, dtype=cdt))
    _grad_vs_torch(lambda lib, a, b: lib.complex(a, b), [r(3, 1, dtype=dtype), r(4, dtype=dtype)], c(3, 4, dtype=cdt))
    _grad_vs_torch(lambda lib, a, b: lib.polar(a, b), [np.abs(r(4, dtype=dtype)), r(4, dtype=dtype)], c(4, dtype=cdt))


def test_conj_family():
    z = c(2, 3)
    _grad_vs_torch(lambda lib, x: lib.conj(x).resolve_conj(), [z], c(2, 3))
    for lib in (torch, ember):
        assert lib.conj(lib.from_numpy(z.copy()).requires_grad_()).grad_fn.name() == "ConjBackward0"
    _grad_vs_torch(lambda lib, x: lib.conj_physical(x), [z], c(2, 3))
    _grad_vs_torch(lambda lib, x: x.conj().resolve_conj(), [z], c(2, 3))
    for lib in (torch, ember):
        x = lib.from_numpy(z.copy())
        assert x.conj().is_conj() and not x.is_conj() and not x.conj().resolve_conj().is_conj()
        assert not lib.is_neg(x) and lib.resolve_neg(x) is x and lib.is_conj(x.conj())
        y = lib.ones(3)
        assert lib.conj(y) is y and lib.real(y) is y and y.resolve_conj() is y and lib.conj_physical(y) is y
        w = lib.from_numpy(z.copy())
        assert w.conj_physical_() is w
        np.testing.assert_array_equal(w.numpy(), z.conj())
    assert_same(ember.isreal(ember.tensor([1, 1j, 2 + 0j])), torch.isreal(torch.tensor([1, 1j, 2 + 0j])))
    assert_same(ember.isreal(ember.ones(2)), torch.isreal(torch.ones(2)))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.imag(lib.ones(2)),
    lambda lib: lib.view_as_real(lib.ones(2)),
    lambda lib: lib.view_as_complex(lib.ones(2, 3)),
    lambda lib: lib.view_as_complex(lib.ones(2, 2).t()),
    lambda lib: lib.view_as_complex(lib.ones(2, 2, dtype=lib.long)),
    lambda lib: lib.view_as_complex(lib.tensor(1.0)),
    lambda lib: lib.view_as_complex(lib.ones(3, 4)[:, 1:3]),
    lambda lib: lib.complex(lib.ones(2), lib.ones(2, dtype=lib.float64)),
    lambda lib: lib.complex(lib.ones(2, dtype=lib.long), lib.ones(2, dtype=lib.long)),
    lambda lib: lib.complex(lib.ones(2), lib.ones(3)),
    lambda lib: lib.polar(lib.ones(2), lib.ones(2, dtype=lib.float64)),
], ids=range(11))
def test_complex_errors(fn):
    check_error(fn)


SCATTERS = [
    ("select", lambda lib, x, s: lib.select_scatter(x, s, 1, -1), [r(2, 3, 4), r(2, 4)]),
    ("select0", lambda lib, x, s: x.select_scatter(s, 0, 1), [r(3, 4), r(4)]),
    ("slice", lambda lib, x, s: lib.slice_scatter(x, s, -1, 1, None, 2), [r(2, 3, 4), r(2, 3, 2)]),
    ("slice_default", lambda lib, x, s: lib.slice_scatter(x, s), [r(3, 2), r(3, 2)]),
    ("slice_neg", lambda lib, x, s: x.slice_scatter(s, 0, -2), [r(5, 2), r(2, 2)]),
    ("slice_end", lambda lib, x, s: lib.slice_scatter(x, s, 1, 0, 100, 3), [r(2, 7), r(2, 3)]),
    ("diagonal", lambda lib, x, s: lib.diagonal_scatter(x, s), [r(3, 4), r(3)]),
    ("diagonal_off", lambda lib, x, s: lib.diagonal_scatter(x, s, 1, 0, 2), [r(2, 3, 4), r(3, 2)]),
    ("diagonal_neg", lambda lib, x, s: lib.diagonal_scatter(x, s, -1, 2, 0), [r(2, 3, 4), r(3, 2)]),
    ("diagonal_pos", lambda lib, x, s: x.diagonal_scatter(s, 2), [r(3, 4), r(2)]),
    ("diagflat", lambda lib, x: lib.diagflat(x), [r(3)]),
    ("diagflat_2d", lambda lib, x: x.diagflat(-1), [r(2, 2)]),
    ("diagflat_pos", lambda lib, x: lib.diagflat(x, 2), [r(3).astype(np.float32)]),
]


@pytest.mark.parametrize("name,fn,inputs", SCATTERS, ids=[s[0] for s in SCATTERS])
def test_scatters(name, fn, inputs):
    check_op(fn, inputs)


def test_scatter_dtypes():
    for fn in (lambda lib: lib.select_scatter(lib.zeros(2, 2), lib.ones(2, dtype=lib.float64), 0, 0),
               lambda lib: lib.slice_scatter(lib.zeros(3, 4), lib.ones(3, 4, dtype=lib.long)),
               lambda lib: lib.diagonal_scatter(lib.zeros(3, 3, dtype=lib.long), lib.ones(3)),
               lambda lib: lib.diagflat(lib.tensor([[1, 2], [3, 4]]), -1)):
        assert_same(fn(ember), fn(torch))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.select_scatter(lib.zeros(3, 4), lib.ones(3), 0, 1),
    lambda lib: lib.select_scatter(lib.zeros(3, 4), lib.ones(4), 0, 5),
    lambda lib: lib.slice_scatter(lib.zeros(3, 4), lib.ones(3, 3), 1, 0, 4, 2),
    lambda lib: lib.slice_scatter(lib.zeros(3, 4), lib.ones(3, 2), 1, step=0),
    lambda lib: lib.diagonal_scatter(lib.zeros(3, 4), lib.ones(4)),
    lambda lib: lib.diagonal_scatter(lib.zeros(3, 4), lib.ones(3), 0, 0, 0),
], ids=range(6))
def test_scatter_errors(fn):
    check_error(fn)


COPIES = [
    ("alias_copy", lambda lib, x: lib.alias_copy(x)),
    ("diagonal_copy", lambda lib, x: lib.diagonal_copy(x, 1, 2, 0)),
    ("permute_copy", lambda lib, x: lib.permute_copy(x, (2, 0, 1))),
    ("select_copy", lambda lib, x: lib.select_copy(x, 1, -1)),
    ("slice_copy", lambda lib, x: lib.slice_copy(x, 2, 1, None, 2)),
    ("slice_copy_full", lambda lib, x: lib.slice_copy(x, 1)),
    ("slice_copy_neg", lambda lib, x: lib.slice_copy(x, -1, -3, -1)),
    ("slice_copy_empty", lambda lib, x: lib.slice_copy(x, 0, 5, 9)),
    ("split_copy", lambda lib, x: lib.split_copy(x, 3, 2)),
    ("split_with_sizes_copy", lambda lib, x: lib.split_with_sizes_copy(x, [1, 3], 2)),
    ("squeeze_copy", lambda lib, x: lib.squeeze_copy(x[:, :1], 1)),
    ("squeeze_copy_all", lambda lib, x: lib.squeeze_copy(x[:1])),
    ("t_copy", lambda lib, x: lib.t_copy(x[0])),
    ("transpose_copy", lambda lib, x: lib.transpose_copy(x, 0, 2)),
    ("unbind_copy", lambda lib, x: lib.unbind_copy(x, 1)),
    ("unfold_copy", lambda lib, x: lib.unfold_copy(x, 2, 2, 1)),
    ("unsqueeze_copy", lambda lib, x: lib.unsqueeze_copy(x, -1)),
    ("view_as_real_copy", lambda lib, x: lib.view_as_real_copy(lib.complex(x, x * 2))),
    ("view_copy", lambda lib, x: lib.view_copy(x, (4, 6))),
    ("view_copy_dtype", lambda lib, x: lib.view_copy(x, lib.float64)),
    ("expand_copy", lambda lib, x: lib.expand_copy(x, (2, 2, 3, 4))),
    ("expand_copy_list", lambda lib, x: lib.expand_copy(x[:, :1], [-1, 3, -1])),
    ("split_with_sizes", lambda lib, x: lib.split_with_sizes(x, [2, 2], -1)),
    ("split_with_sizes_method", lambda lib, x: x.split_with_sizes([1, 2], 1)),
    ("unsafe_split", lambda lib, x: lib.unsafe_split(x, 3, 2)),
    ("unsafe_split_method", lambda lib, x: x.unsafe_split(1)),
    ("unsafe_split_with_sizes", lambda lib, x: lib.unsafe_split_with_sizes(x, [1, 3], 2)),
    ("unsafe_chunk", lambda lib, x: x.unsafe_chunk(2, 2)),
]


@pytest.mark.parametrize("name,fn", COPIES, ids=[c[0] for c in COPIES])
def test_view_copies(name, fn):
    e_out, t_out = check_op(fn, [r(2, 3, 4)])
    for e, t in zip(e_out if isinstance(e_out, tuple) else (e_out,), t_out if isinstance(t_out, tuple) else (t_out,)):
        assert e.is_contiguous() == t.is_contiguous()
        assert (e._base is not None) == (t._base is not None)


def test_copies_do_not_share_memory():
    for lib in (torch, ember):
        x = lib.zeros(2, 3)
        y = lib.transpose_copy(x, 0, 1)
        y[0, 0] = 1
        assert x[0, 0].item() == 0
        d = lib.detach_copy(x)
        d[0, 0] = 2
        assert x[0, 0].item() == 0 and not d.requires_grad
        w = lib.view_as_complex_copy(lib.ones(2, 2))
        assert w.tolist() == [1 + 1j, 1 + 1j]


@pytest.mark.parametrize("fn", [
    lambda lib: lib.view_as_complex_copy(lib.ones(2, 2, requires_grad=True)),
    lambda lib: lib.split_with_sizes(lib.ones(4), [1, 2]),
    lambda lib: lib.slice_copy(lib.ones(4), 0, 0, 2, 0),
    lambda lib: lib.permute_copy(lib.ones(2, 3), (0,)),
], ids=range(4))
def test_copy_errors(fn):
    check_error(fn, match_message=False)
