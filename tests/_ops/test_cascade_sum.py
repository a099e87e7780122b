"""ember._ops._cascade_sum: float32/float64 sums in torch's order of additions, compared bit for bit."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from ember._ops._cascade_sum import cascade_sum_all, cascade_sum_rows, torch_sum

SIZES = [*range(1, 40), 63, 64, 65, 127, 128, 129, 511, 512, 513, 1000, 2000, 4097, 10007, 32767, 32768, 40000,
         2 ** 20 + 3]


@pytest.fixture
def one_thread():
    """torch splits sums of 32768+ elements across its threads (ember follows ember.get_num_threads(), 1 by
    default): compare like with like."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_whole_sums_bit_exact(dtype, one_thread):
    rng = np.random.default_rng(0)
    for n in SIZES:
        x = (rng.standard_normal(n) * 50 + 3).astype(dtype)
        assert cascade_sum_all(x) == torch.from_numpy(x).sum().numpy(), n


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_two_threads_split_like_torch(dtype):
    # from 32768 elements torch sums one contiguous range per thread, then adds the per-thread sums
    rng = np.random.default_rng(1)
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        for n in (32767, 32768, 65537, 300001):
            x = (rng.standard_normal(n) * 50).astype(dtype)
            assert cascade_sum_all(x, 2) == torch.from_numpy(x).sum().numpy(), n
    finally:
        torch.set_num_threads(old)


@pytest.mark.parametrize("shape", [(3, 5), (7, 100), (64, 256), (5, 1000), (2, 3, 40)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_and_layouts(shape, dtype):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(shape) * 10).astype(dtype)
    t = torch.from_numpy(x)
    assert np.array_equal(cascade_sum_rows(x.reshape(-1, shape[-1])).reshape(shape[:-1]), t.sum(-1).numpy())
    assert np.array_equal(torch_sum(x, (x.ndim - 1,), True), t.sum(-1, keepdim=True).numpy())
    xf = np.asfortranarray(x)  # a dense non-C layout: torch sums it in memory order
    assert torch_sum(xf, None, False) == torch.from_numpy(xf).sum().numpy()
    assert torch_sum(x[..., ::2], None, False) is None  # not dense: left to the caller


def test_signed_zeros_and_specials():
    for x in ([-0.0] * 5, [-0.0] * 20, [np.inf, 1.0, -np.inf], [np.nan, 1.0] * 9, [3e38, 3e38, -3e38] * 7):
        for dt in (np.float32, np.float64):
            a = np.array(x, dt)
            got, want = cascade_sum_all(a), torch.from_numpy(a).sum().numpy()
            assert np.array_equal(got, want, equal_nan=True) and np.signbit(got) == np.signbit(want), x


@pytest.mark.parametrize("loss", ["mse_loss", "smooth_l1_loss", "huber_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_losses_print_torch_digits(loss, reduction):
    # a loss printed with .item() each step (tutorials do) must show torch's digits
    rng = np.random.default_rng(3)
    for n in (7, 100, 2000):
        x, y = (rng.standard_normal((2, n)) * 3).astype(np.float32)
        got = getattr(ember.nn.functional, loss)(ember.tensor(x), ember.tensor(y), reduction=reduction).item()
        want = getattr(torch.nn.functional, loss)(torch.tensor(x), torch.tensor(y), reduction=reduction).item()
        assert got == want, (loss, n)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tensor_sum_and_mean_print_torch_digits(dtype, one_thread):
    rng = np.random.default_rng(4)
    for shape in [(1,), (7,), (2000,), (3, 40), (5, 2, 33)]:
        x = (rng.standard_normal(shape) * 7).astype(dtype)
        e, t = ember.tensor(x), torch.tensor(x)
        assert e.sum().item() == t.sum().item() and e.mean().item() == t.mean().item()
        assert np.array_equal(e.sum(-1).numpy(), t.sum(-1).numpy())
        assert np.array_equal(e.mean(-1, keepdim=True).numpy(), t.mean(-1, keepdim=True).numpy())
        assert np.array_equal(e.sum(dim=tuple(range(len(shape)))).numpy(), t.sum(dim=tuple(range(len(shape)))).numpy())
    z = ember.tensor([-0.0]).sum()
    assert not np.signbit(z.numpy()) and not np.signbit(torch.tensor([-0.0]).sum().numpy())


def test_row_sums_are_contiguous():
    e = ember.tensor(np.ones((4, 9), np.float32)).sum(-1)
    assert e.stride() == (1,) and e.is_contiguous()
