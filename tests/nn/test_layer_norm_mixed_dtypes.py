"""layer_norm with weight/bias of another dtype than the input, against torch's CPU rules: a float16 input with
float32 weight/bias is a "mixed" call (float16 output, float32 weight/bias grads); every other mismatch raises
torch's error, in torch's order (dtype rule, shapes, kernel dispatch). Also the element types normalized_shape
accepts."""
import itertools

import numpy as np
import pytest
import torch

import ember
from _compare import check_error, check_op
from nn._cases import F, randn

DTS = [np.float16, np.float32, np.float64, np.int64]


@pytest.fixture
def one_torch_thread():
    # torch sums float16 weight/bias grads per thread in float16 buffers: its values depend on the thread count;
    # ember reproduces one thread
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _arr(shape, dt, seed):
    a = randn(*shape, seed=seed)
    return (a * 3).astype(dt) if np.dtype(dt).kind == "i" else a.astype(dt)


def _torch_outcome(xd, wd, bd):
    x = torch.from_numpy(_arr((2, 4), xd, 0))
    w = None if wd is None else torch.from_numpy(_arr((4,), wd, 1))
    b = None if bd is None else torch.from_numpy(_arr((4,), bd, 2))
    try:
        torch.nn.functional.layer_norm(x, (4,), w, b)
    except Exception:  # noqa: BLE001
        return False
    return True


@pytest.mark.parametrize("xd,wd,bd", list(itertools.product(DTS, DTS + [None], DTS + [None])))
def test_dtype_combinations(xd, wd, bd, one_torch_thread):
    args = [(_arr((2, 4), xd, 0), np.dtype(xd).kind == "f")]
    if wd is not None:
        args.append((_arr((4,), wd, 1), np.dtype(wd).kind == "f"))
    if bd is not None:
        args.append((_arr((4,), bd, 2), np.dtype(bd).kind == "f"))

    def fn(L, x, *wb):
        it = iter(wb)
        return F(L).layer_norm(x, (4,), next(it) if wd is not None else None, next(it) if bd is not None else None)
    if not _torch_outcome(xd, wd, bd):
        check_error(lambda L: fn(L, *[L.tensor(a) for a, _ in args]))
    elif xd == np.float16 and wd is None and bd == np.float32:
        # torch's forward accepts this; its backward picks the float16 kernel by the (absent) weight and fails
        check_op(fn, [(a, False) for a, _ in args])
        e, t = [], []
        for L, out in ((torch, t), (ember, e)):
            x, b = (L.tensor(a, requires_grad=True) for a, _ in args)
            try:
                F(L).layer_norm(x, (4,), None, b).sum().backward()
            except RuntimeError as err:
                out.append(str(err))
        assert e == t and len(t) == 1
    else:
        check_op(fn, args)


@pytest.mark.parametrize("shape", [(3, 8), (5, 40), (300, 64)])  # few rows; whole-array steps; row blocks
@pytest.mark.parametrize("affine", ["both", "weight"])
def test_float16_input_float32_params(shape, affine, one_torch_thread):
    n = shape[-1]
    ins = [randn(*shape, dtype=np.float16, scale=2.0), randn(n, seed=1)] + ([randn(n, seed=2)] if affine == "both"
                                                                              else [])
    e, t = check_op(lambda L, x, *wb: F(L).layer_norm(x, (n,), *wb), ins)
    assert str(e.dtype) == str(t.dtype) == "torch.float16"


def test_float16_errors_before_shapes():
    # the dtype rule comes before the shape checks, the kernel's bias check after them
    check_error(lambda L: F(L).layer_norm(L.ones(2, 4, dtype=L.float16), (4,), L.ones(3, dtype=L.float64)))
    check_error(lambda L: F(L).layer_norm(L.ones(2, 3), (4,), L.ones(4, dtype=L.float64)))
    check_error(lambda L: F(L).layer_norm(L.ones(2, 4), (), L.ones((), dtype=L.float64)))
    check_error(lambda L: F(L).layer_norm(L.ones(2, 4), (4,), L.ones(4), L.ones(3, dtype=L.float64)))
    check_error(lambda L: F(L).layer_norm(L.ones(2, 4, dtype=L.int64), (4,), L.ones(4, dtype=L.int64), L.ones(4)))
    check_error(lambda L: F(L).layer_norm(L.ones(2, 4, dtype=L.complex64), (4,)))


@pytest.mark.parametrize("fn", ["layer_norm", "rms_norm"])
def test_normalized_shape_elements(fn):
    check_error(lambda L: getattr(F(L), fn)(L.ones(2, 4), [4.0]))
    check_error(lambda L: getattr(F(L), fn)(L.ones(2, 4), (True,)))
    check_op(lambda L, x: getattr(F(L), fn)(x, (np.int64(4),)), [randn(2, 4)])
