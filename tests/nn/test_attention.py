"""scaled_dot_product_attention against torch: the fused flash node where torch fuses, the math path elsewhere.

torch 2.13 on CPU runs ScaledDotProductFlashAttentionForCpu for 4-D q/k/v with unit last-dim stride, no dropout,
a 2-D/4-D mask that needs no grad, equal batch/heads (or GQA); its blocked online softmax differs from a plain
softmax by a few float32 ulps, hence the float32 tolerances here.
"""
import numpy as np
import pytest
import torch

import ember
from _compare import check_error, check_op
from nn._cases import DTYPES, F, randn

FLASH = "ScaledDotProductFlashAttentionForCpuBackward0"
TOL = {np.float32: dict(rtol=1e-5, atol=1e-6, grad_rtol=1e-5, grad_atol=1e-5),
       np.float64: dict(rtol=1e-12, atol=1e-12)}


def sdpa(**kw):
    return lambda L, q, k, v: F(L).scaled_dot_product_attention(q, k, v, **kw)


def sdpa_mask(**kw):
    return lambda L, q, k, v, m: F(L).scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)


def qkv(B=2, H=3, L=5, S=5, E=8, Hk=None, Ev=None, dtype=np.float32):
    Hk = H if Hk is None else Hk
    return (randn(B, H, L, E, dtype=dtype, seed=1), randn(B, Hk, S, E, dtype=dtype, seed=2),
            randn(B, Hk, S, E if Ev is None else Ev, dtype=dtype, seed=3))


def grad_fn_name(t):
    return None if t.grad_fn is None else t.grad_fn.name()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", [
    dict(), dict(is_causal=True), dict(scale=0.3), dict(scale=-0.7),
    dict(shape=dict(L=3, S=7), is_causal=True), dict(shape=dict(L=7, S=3), is_causal=True),
    dict(shape=dict(B=1, H=1, L=1, S=1, E=1)), dict(shape=dict(E=40)),
    dict(shape=dict(H=6, Hk=2), enable_gqa=True), dict(shape=dict(H=6, Hk=2), enable_gqa=True, is_causal=True),
    dict(shape=dict(H=4, Hk=1, L=3, S=6), enable_gqa=True, is_causal=True),
    dict(shape=dict(H=2, Hk=2), enable_gqa=True),
], ids=lambda c: str(c))
def test_fused_no_mask(dtype, case):
    case = dict(case)
    q, k, v = qkv(dtype=dtype, **case.pop("shape", {}))
    check_op(sdpa(**case), [q, k, v], **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mshape", [(5, 7), (1, 7), (5, 1), (2, 1, 1, 7), (1, 3, 5, 7), (2, 3, 5, 7), (1, 1, 1, 1)])
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_fused_masks(dtype, mshape, kind):
    q, k, v = qkv(L=5, S=7, dtype=dtype)
    rng = np.random.default_rng(4)
    m = rng.random(mshape) > 0.3 if kind == "bool" else randn(*mshape, dtype=dtype, seed=5)
    if kind == "bool":
        m.reshape(-1)[0] = True  # the (1, 1, 1, 1) mask must not mask everything
    check_op(sdpa_mask(), [q, k, v, (m, False)] if kind == "float" else [q, k, v, m], **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_fused_mask_with_causal_and_gqa(dtype):
    # in the fused path is_causal and a mask combine (the math path raises instead, see test_errors)
    q, k, v = qkv(H=6, Hk=2, L=5, S=6, dtype=dtype)
    bm = np.random.default_rng(6).random((5, 6)) > 0.4
    fm = randn(2, 6, 5, 6, dtype=dtype, seed=7)
    check_op(sdpa_mask(is_causal=True, enable_gqa=True), [q, k, v, bm], **TOL[dtype])
    check_op(sdpa_mask(is_causal=True, enable_gqa=True), [q, k, v, (fm, False)], **TOL[dtype])
    check_op(sdpa_mask(enable_gqa=True), [q, k, v, (fm[:, :1], False)], **TOL[dtype])
    check_op(sdpa_mask(enable_gqa=True, scale=0.2), [q, k, v, bm[None, None]], **TOL[dtype])


def test_causal_with_negative_scale():
    # torch's flash kernel gives nan on every row with a causally masked key when scale < 0 (it masks before
    # scaling); ember gives the finite result torch gives for the same mask passed as a bool attn_mask
    q, k, v = (ember.from_numpy(x) for x in qkv())
    e = F(ember).scaled_dot_product_attention(q, k, v, is_causal=True, scale=-0.7)
    tm = torch.ones(5, 5, dtype=torch.bool).tril()
    t = F(torch).scaled_dot_product_attention(*(torch.from_numpy(x.numpy()) for x in (q, k, v)), attn_mask=tm,
                                              scale=-0.7)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5, atol=1e-6)


def test_float32_mask_on_float64():
    q, k, v = qkv(dtype=np.float64)
    check_op(sdpa_mask(), [q, k, v, (randn(5, 5, seed=8), False)], **TOL[np.float64])


@pytest.mark.parametrize("dtype", DTYPES)
def test_fully_masked_rows_give_zeros(dtype):
    q, k, v = qkv(dtype=dtype)
    bm = np.ones((5, 5), bool)
    bm[2] = False
    fm = np.zeros((2, 3, 5, 5), dtype)
    fm[1, 2, 0] = -np.inf
    for m, rg in ((bm, None), (fm, False)):
        e, t = check_op(sdpa_mask(), [q, k, v, (m, rg) if rg is not None else m], **TOL[dtype])
        assert not np.isnan(e.detach().numpy()).any()
    e, _ = check_op(sdpa_mask(is_causal=True), [q, k, v, bm], **TOL[dtype])
    assert not e.detach().numpy()[:, :, 2].any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_non_contiguous_inputs(dtype):
    # GPT's layout: heads split from (B, L, H, E), then transposed; and an expanded (stride 0) batch
    q, k, v = (randn(2, 5, 3, 8, dtype=dtype, seed=s) for s in range(3))
    check_op(lambda L, q, k, v: F(L).scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2),
                                                                   v.transpose(1, 2), is_causal=True),
             [q, k, v], **TOL[dtype])
    q1 = randn(1, 3, 5, 8, dtype=dtype)
    check_op(lambda L, q, k, v: F(L).scaled_dot_product_attention(q.expand(2, 3, 5, 8), k, v),
             [q1, *qkv(dtype=dtype)[1:]], **TOL[dtype])


def test_gpt_size_float32():
    # GPT-sized attention, heads split from (B, T, 3C) as in ember/models/gpt.py; float32 error vs a float64
    # reference is ~1e-6 for both libraries at this size
    x = randn(32, 64, 3 * 128, seed=11)

    def fn(L, x):
        q, k, v = (t.view(32, 64, 4, 32).transpose(1, 2) for t in x.split(128, dim=2))
        return F(L).scaled_dot_product_attention(q, k, v, is_causal=True)
    check_op(fn, [x], rtol=1e-5, atol=1e-5)


def _name(fn):
    # ember names the leaf accumulator plainly; torch's C++ name carries its namespace
    return None if fn is None else fn.name().replace("torch::autograd::", "")


def _edges(t):
    return [(_name(n), nr) for n, nr in t.grad_fn.next_functions]


def test_graph_matches_torch():
    q, k, v = qkv()
    for rg in [(True, True, True), (False, False, True), (True, False, False)]:
        outs = []
        for lib in (torch, ember):
            a = [lib.tensor(x, requires_grad=r) for x, r in zip((q, k, v), rg)]
            a[0] = a[0] * 1 if rg[0] else a[0]  # a non-leaf edge too
            outs.append(F(lib).scaled_dot_product_attention(*a, is_causal=True))
        t, e = outs
        assert grad_fn_name(e) == grad_fn_name(t) == FLASH
        assert _edges(e) == _edges(t)
    for lib in (torch, ember):  # a float mask never gets an edge from the fused node
        a = [lib.tensor(x, requires_grad=True) for x in (q, k, v)]
        o = F(lib).scaled_dot_product_attention(*a, attn_mask=lib.zeros(5, 5))
        assert len(o.grad_fn.next_functions) == 3
        assert F(lib).scaled_dot_product_attention(*(x.detach() for x in a)).grad_fn is None
        with lib.no_grad():
            assert F(lib).scaled_dot_product_attention(*a).grad_fn is None


def test_inplace_modified_input_is_an_error():
    q, k, v = qkv()
    for lib in (torch, ember):
        a = [lib.tensor(x, requires_grad=True) for x in (q, k, v)]
        kk = a[1] * 1
        o = F(lib).scaled_dot_product_attention(a[0], kk, a[2])
        kk.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            o.sum().backward()


@pytest.mark.parametrize("dtype", DTYPES)
def test_math_path_fallbacks(dtype):
    """Where torch leaves the flash kernel, ember composes the math path too (grad_fn UnsafeViewBackward0)."""
    q, k, v = qkv(dtype=dtype)
    tol = TOL[dtype]
    cases = [
        (sdpa(is_causal=True), [q[0], k[0], v[0]]),                                    # 3-D
        (sdpa(), [q[None], k[None], v[None]]),                                          # 5-D
        (lambda L, q, k, v: F(L).scaled_dot_product_attention(q.transpose(-1, -2), k, v),
         [np.ascontiguousarray(q.swapaxes(-1, -2)), k, v]),                             # last-dim stride != 1
        (sdpa(), [q, k[:1], v[:1]]),                                                    # batch broadcast
        (sdpa(), [q, k, randn(2, 3, 5, 6, dtype=dtype)]),                               # Ev != E
        (sdpa(enable_gqa=True), [randn(2, 6, 5, 8, dtype=dtype), k[:, :2], v[:, :1]]),  # k, v heads differ
        (sdpa(), [randn(2, 3, 5, 0, dtype=dtype), randn(2, 3, 5, 0, dtype=dtype), v]),  # E == 0
        (sdpa_mask(), [q, k, v, randn(3, 5, 5, dtype=dtype)]),                          # 3-D mask, needs grad
        (sdpa_mask(), [q, k, v, randn(5, 5, dtype=dtype)]),                             # mask needs grad
        (sdpa_mask(), [(q, False), (k, False), (v, False), randn(5, 5, dtype=dtype)]),  # only the mask does
        (sdpa_mask(), [q, k, v, (randn(1, 5, 5, dtype=dtype), False)]),                 # 3-D mask
    ]
    for fn, args in cases:
        e, t = check_op(fn, args, **tol)
        assert grad_fn_name(t) == "UnsafeViewBackward0"


def test_dropout_falls_back_to_math_path():
    q, k, v = qkv()
    torch.manual_seed(3)
    ember.manual_seed(3)
    e, t = check_op(sdpa(dropout_p=0.4), [q, k, v])
    assert grad_fn_name(t) == "UnsafeViewBackward0"


@pytest.mark.parametrize("shapes", [
    [(2, 3, 0, 8), (2, 3, 5, 8), (2, 3, 5, 8)],   # L = 0
    [(2, 3, 5, 8), (2, 3, 0, 8), (2, 3, 0, 8)],   # S = 0
    [(0, 3, 5, 8), (0, 3, 5, 8), (0, 3, 5, 8)],   # B = 0
    [(2, 3, 5, 8), (2, 3, 5, 8), (2, 3, 5, 0)],   # Ev = 0
    [(5, 8), (0, 8), (0, 8)],                     # 2-D
    [(3, 5, 8), (1, 0, 8), (1, 0, 8)],            # broadcast, S = 0
])
def test_empty_inputs(shapes):
    """Nothing to attend to or output: torch returns zeros + (q.sum() + k.sum() + v.sum()) * 0."""
    args = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    e, t = check_op(sdpa(), args)

    def chain(fn):
        return None if fn is None else (_name(fn), [chain(n) for n, _ in fn.next_functions])
    assert chain(e.grad_fn) == chain(t.grad_fn)
    assert grad_fn_name(t) == "AddBackward0"
    check_op(sdpa(), [args[0], (args[1], False), (args[2], False)])


def test_errors():
    def call(*shapes, dtypes=None, mask=None, **kw):
        def fn(L):
            dts = [getattr(L, d) for d in dtypes or ["float32"] * 3]
            a = [L.randn(*s, dtype=d) if d.is_floating_point else L.ones(*s, dtype=d) for s, d in zip(shapes, dts)]
            m = mask(L) if mask else None
            return F(L).scaled_dot_product_attention(*a, attn_mask=m, **kw)
        return fn
    s4, s3 = (2, 3, 5, 8), (3, 5, 8)
    check_error(call(s4, s4, s4, dtypes=["float32", "float64", "float32"]))
    check_error(call((8,), (8,), (8,)))
    check_error(call(s4, s4, s4, mask=lambda L: L.randn(5, 5, dtype=L.float64)))
    check_error(call(s4, s4, s4, mask=lambda L: L.ones(5, 5, dtype=L.int64)))
    check_error(call(s4, s4, s4, mask=lambda L: L.randn(5)))                # IndexError from the flash checks
    check_error(call(s4, s4, s4, mask=lambda L: L.tensor(0.5)))
    check_error(call(s4, (2, 2, 5, 8), (2, 2, 5, 8), enable_gqa=True))      # 3 heads over 2
    check_error(call(s3, (2, 5, 8), (2, 5, 8), enable_gqa=True))
    check_error(call(s4, s4, s4, dropout_p=-0.1))
    check_error(call(s4, s4, s4, dropout_p=1.5))
    check_error(call(s3, s3, s3, mask=lambda L: L.randn(5, 5), is_causal=True))
    check_error(call(s4, s4, s4, mask=lambda L: L.ones(5, 4, dtype=L.bool), is_causal=True))
    check_error(call(s4, s4, s4, mask=lambda L: L.randn(1, 1, 4, 5)))       # broadcast error, math path
    check_error(call(s4, s4, s4, mask=lambda L: L.randn(2, 2, 5, 5)))
    check_error(call(s4, s4, s4, dtypes=["int64"] * 3))
    check_error(call(s3, s3, s3, dtypes=["int64"] * 3))


def test_key_value_length_mismatch_raises():
    # torch's flash kernel does not check S for v against k (it returns garbage); ember takes the math path,
    # whose matmul raises as torch's math path does for 3-D inputs
    q, k, _ = qkv()
    v = randn(2, 3, 6, 8)
    with pytest.raises(RuntimeError):
        F(ember).scaled_dot_product_attention(*(ember.from_numpy(x) for x in (q, k, v)))
    check_error(lambda L: F(L).scaled_dot_product_attention(*(L.from_numpy(x[0]) for x in (q, k, v))),
                match_message=False)


def test_float16():
    q, k, v = qkv(dtype=np.float16)
    e, t = check_op(sdpa(is_causal=True), [q, k, v], rtol=2e-3, atol=2e-3)
    assert grad_fn_name(e) == FLASH
