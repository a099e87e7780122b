"""embedding, one_hot, dropout, pad, attention, distances."""
import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error, check_op
from nn._cases import DTYPES, F, randn


@pytest.mark.parametrize("dtype", DTYPES)
def test_embedding(dtype):
    idx = np.array([[1, 2, 1], [0, 9, 1]])
    w = randn(10, 4, dtype=dtype)
    check_op(lambda L, w, i: F(L).embedding(i, w), [w, idx])
    check_op(lambda L, w, i: F(L).embedding(i, w, padding_idx=1), [w, idx])
    check_op(lambda L, w, i: F(L).embedding(i, w, padding_idx=-1, scale_grad_by_freq=True), [w, idx])


def test_embedding_max_norm():
    for lib in (torch, ember):
        pass
    w = randn(10, 4, scale=3)
    tw, ew = torch.from_numpy(w.copy()), ember.from_numpy(w.copy())
    assert_same(F(ember).embedding(ember.tensor([1, 3]), ew, max_norm=1.0),
                F(torch).embedding(torch.tensor([1, 3]), tw, max_norm=1.0))
    np.testing.assert_allclose(ew.numpy(), tw.numpy(), rtol=1e-6)


def test_embedding_errors():
    check_error(lambda L: F(L).embedding(L.tensor([1.0]), L.randn(3, 2)))
    check_error(lambda L: F(L).embedding(L.tensor([3]), L.randn(3, 2)))
    check_error(lambda L: F(L).embedding(L.tensor([-1]), L.randn(3, 2)))
    check_error(lambda L: F(L).embedding(L.tensor([1]), L.randn(3, 2), padding_idx=5), match_message=False)


def test_one_hot():
    check_op(lambda L, t: F(L).one_hot(t), [np.array([1, 3, 0])])
    check_op(lambda L, t: F(L).one_hot(t, 5), [np.array([[1, 3], [0, 2]])])
    check_error(lambda L: F(L).one_hot(L.tensor([1, 3]), 2))
    check_error(lambda L: F(L).one_hot(L.tensor([-1])))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_dropout_bit_exact(dtype, p):
    x = randn(4, 7, 9, dtype=dtype)
    for fn in ("dropout", "dropout2d", "dropout1d"):
        xx = x[0] if fn == "dropout1d" else x
        torch.manual_seed(5)
        ember.manual_seed(5)
        check_op(lambda L, a: getattr(F(L), fn)(a, p) if fn != "dropout2d" else F(L).dropout2d(a[None], p), [xx],
                 rtol=0, atol=0, grad_rtol=0, grad_atol=0)
    torch.manual_seed(6)
    ember.manual_seed(6)
    check_op(lambda L, a: F(L).alpha_dropout(a, p, True), [x])


def test_dropout_eval_and_errors():
    x = ember.randn(3)
    assert F(ember).dropout(x, 0.5, training=False) is x
    assert F(ember).dropout(x, 0.0) is x
    check_error(lambda L: F(L).dropout(L.randn(3), 1.5))
    check_error(lambda L: F(L).dropout(L.randn(3), -0.1))
    check_error(lambda L: F(L).dropout(L.tensor([1, 2]), 0.5))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad(mode):
    x = randn(2, 3, 5, 6, dtype=np.float64)
    for pads, xx in [((1, 2), x[0]), ((2, 1, 1, 0), x)]:
        check_op(lambda L, a: F(L).pad(a, pads, mode=mode), [xx], check_grad_fn=mode != "circular")
    if mode != "constant":
        check_error(lambda L: F(L).pad(L.randn(2, 3, 4, 5), (1, 2), mode=mode))
    if mode == "constant":
        check_op(lambda L, a: F(L).pad(a, (-1, 2, 0, 1), value=3.5), [x])


@pytest.mark.parametrize("shape,pads", [((0,), (-1, 1)), ((3,), (-4, 2)), ((3,), (2, -5)), ((3,), (-2, -2)),
                                        ((2, 3), (1, 1, -3, -1)), ((2, 3), (-1, -1, -3, 1))])
def test_pad_constant_crop_past_the_input(shape, pads):
    # torch narrows by the negative pads first: its narrow error, even where the output size is not negative
    check_error(lambda L: F(L).pad(L.ones(shape), pads))


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
@pytest.mark.parametrize("shape,pads", [((2, 3), (-1, -2)), ((2, 3), (-2, -2)), ((1, 3, 3), (-2, -2, -2, -2)),
                                        ((1, 3, 3), (-2, -1, -2, -1)), ((1, 3, 3), (0, 0, -2, -2)),
                                        ((2, 1, 2), (0, 0, -1, -1)), ((1, 1, 3, 3, 3), (-2, -2, -2, -2, -2, -2)),
                                        ((1, 1, 3, 3, 3), (0, 0, -2, -2, -2, -2))])
def test_pad_reflect_replicate_size_errors(mode, shape, pads):
    # the kernels' own checks: 'too small' when every padded size is below 1, else the allocation's error for a
    # negative size (found by fuzz_nn)
    check_error(lambda L: F(L).pad(L.ones(shape), pads, mode=mode))


@pytest.mark.parametrize("shape,pads", [((1, 3, 3), (0, 0, 3, 0)), ((1, 1, 3, 3, 3), (0, 0, 3, 0, 3, 0)),
                                        ((1, 1, 3, 3, 3), (0, 0, 0, 0, 3, 0))])
def test_pad_reflect_names_the_argument_of_its_dim(shape, pads):
    check_error(lambda L: F(L).pad(L.ones(shape), pads, mode="reflect"))  # W is argument #4, H #6, D #8


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
@pytest.mark.parametrize("shape,pads", [((3, 0), (1, 1)), ((0, 3), (1, 1)), ((2, 0, 3), (1, 1)),
                                        ((3, 1, 0), (0, 0, 2, 2)), ((1, 1, 0, 2, 2), (1, 1, 1, 1, 1, 1))])
def test_pad_reflect_replicate_empty_dims(mode, shape, pads):
    # only an empty batch is taken, and this check comes before the pad-size ones (found by fuzz_nn)
    check_error(lambda L: F(L).pad(L.ones(shape), pads, mode=mode))
    check_op(lambda L, a: F(L).pad(a, (1, 1), mode=mode), [randn(0, 2, 3, dtype=np.float64)], check_grad_fn=False)


def test_pad_circular_limits():
    x = randn(1, 3, 2, dtype=np.float64)
    for pads in [(2, 2), (0, -2), (-1, 0), (0, -1), (1, 1, 3, 3), (1, 1, 0, -1)]:
        check_op(lambda L, a: F(L).pad(a, pads, mode="circular"), [x], check_grad_fn=False)
    for pads in [(3, 0), (-1, 3), (-3, 0), (-2, -1), (1, 1, 4, 0)]:
        check_error(lambda L: F(L).pad(L.zeros(1, 3, 2), pads, mode="circular"))


@pytest.mark.parametrize("shape,pads", [((1, 1, 3), (-1, 1)), ((1, 1, 3), (1, -1)), ((2, 3, 4), (-1, 1)),
                                        ((2, 3, 5), (2, -1)), ((1, 2, 3, 4), (-1, 2, 1, -1)),
                                        ((1, 1, 3, 4, 5), (1, -2, -1, 1, 0, 2))])
def test_pad_circular_crop_and_wrap(shape, pads):
    # a crop on one side and a pad on the other: torch crops first, then wraps the cropped output (pad (-1, 1) of
    # [0, 1, 2] is [1, 2, 1]); found by fuzz_nn
    check_op(lambda L, a: F(L).pad(a, pads, mode="circular"), [randn(*shape, dtype=np.float64)],
             check_grad_fn=False)


def test_pad_circular_overlapping_wrap():
    # the wrap's source and target overlap: torch's copy_ refuses it where both slices are dense (only size-1 dims
    # before the padded one); elsewhere torch reads memory it has not written, which is not compared
    check_error(lambda L: F(L).pad(L.zeros(1, 1, 3), (-2, 2), mode="circular"))
    check_error(lambda L: F(L).pad(L.zeros(1, 1, 3, 2), (0, 0, 2, -2), mode="circular"))


@pytest.mark.parametrize("dtype", DTYPES)
def test_sdpa(dtype):
    q, k, v = (randn(2, 3, 5, 8, dtype=dtype, seed=s) for s in range(3))
    # 4-D input: torch's and ember's fused CPU flash node (one ScaledDotProductFlashAttentionForCpuBackward0);
    # 3-D input: the math path in both. More in tests/nn/test_attention.py.
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else {}
    check_op(lambda L, q, k, v: F(L).scaled_dot_product_attention(q, k, v), [q, k, v], **tol)
    check_op(lambda L, q, k, v: F(L).scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3), [q, k, v],
             **tol)
    check_op(lambda L, q, k, v: F(L).scaled_dot_product_attention(q, k, v, is_causal=True), [q[0], k[0], v[0]])
    mask = np.random.default_rng(0).random((5, 5)) > 0.3
    check_op(lambda L, q, k, v, m: F(L).scaled_dot_product_attention(q, k, v, attn_mask=m), [q, k, v, mask], **tol)
    fm = randn(5, 5, dtype=dtype, seed=9)
    check_op(lambda L, q, k, v, m: F(L).scaled_dot_product_attention(q, k, v, attn_mask=m), [q, k, v, (fm, False)],
             **tol)


def test_sdpa_dropout_rng():
    q, k, v = (randn(2, 5, 8, seed=s) for s in range(3))
    torch.manual_seed(3)
    ember.manual_seed(3)
    check_op(lambda L, q, k, v: F(L).scaled_dot_product_attention(q, k, v, dropout_p=0.4), [q, k, v])


def test_distances():
    a, b = randn(4, 6, dtype=np.float64), randn(4, 6, dtype=np.float64, seed=1)
    check_op(lambda L, a, b: F(L).cosine_similarity(a, b), [a, b], check_grad_fn=False)
    check_op(lambda L, a, b: F(L).pairwise_distance(a, b), [a, b], check_grad_fn=False)


@pytest.mark.parametrize("shapes", [((2, 4), (4, 1, 3)), ((4, 3, 4), (2, 2))])
def test_cosine_similarity_shapes_that_do_not_broadcast(shapes):
    # torch's broadcast RuntimeError, not NumPy's ValueError (found by fuzz_nn)
    check_error(lambda L: F(L).cosine_similarity(L.ones(shapes[0]), L.ones(shapes[1])))


@pytest.mark.parametrize("n", [4, 256, 257, 3000])
def test_embedding_backward_paths(n):
    # np.add.at for up to 256 looked-up rows, sort + reduceat above; repeated indices and a padding row in both
    idx = np.random.default_rng(n).integers(0, 20, (n,))
    idx[:3] = [5, 5, 0]
    w = randn(20, 7)
    tol = dict(grad_rtol=2e-5, grad_atol=2e-5) if n > 1000 else {}  # ~150 float32 rows per index, summed in order
    check_op(lambda L, w, i: F(L).embedding(i, w), [w, idx], **tol)
    check_op(lambda L, w, i: F(L).embedding(i, w, padding_idx=5), [w, idx], **tol)


def test_gumbel_softmax_draws_and_straight_through():
    x0 = np.random.default_rng(0).standard_normal((3, 6)).astype(np.float32)
    res = []
    for L in (torch, ember):
        L.manual_seed(3)
        x = L.tensor(x0, requires_grad=True)
        soft = L.nn.functional.gumbel_softmax(x, tau=0.5)
        hard = L.nn.functional.gumbel_softmax(x, hard=True, dim=0)
        (soft.sum() + (hard * L.arange(6.0)).sum()).backward()
        res.append((soft.detach().numpy(), hard.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-5, atol=1e-6)  # the same Gumbel noise
    assert np.array_equal(res[1][1], res[0][1])
    np.testing.assert_allclose(res[1][2], res[0][2], rtol=1e-4, atol=1e-5)
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        ember.nn.functional.gumbel_softmax(ember.zeros(3), eps=1e-5)


@pytest.mark.parametrize("shape", [(2, 5, 3, 4), (5, 3, 4), (2, 4, 6)])
def test_local_response_norm(shape):
    x = np.random.default_rng(1).standard_normal(shape)
    check_op(lambda L, x: L.nn.functional.local_response_norm(x, 3, alpha=1e-2, beta=0.7, k=2.0), [x])
    check_error(lambda L: L.nn.functional.local_response_norm(L.zeros(3, 4), 2))
