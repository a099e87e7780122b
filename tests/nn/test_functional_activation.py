import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import check_error, check_op
from nn._cases import DTYPES, F, randn

CASES = {
    "gelu": lambda L, x: F(L).gelu(x),
    "gelu_tanh": lambda L, x: F(L).gelu(x, approximate="tanh"),
    "silu": lambda L, x: F(L).silu(x),
    "relu": lambda L, x: F(L).relu(x),
    "relu6": lambda L, x: F(L).relu6(x * 4),
    "leaky_relu": lambda L, x: F(L).leaky_relu(x, 0.2),
    "elu": lambda L, x: F(L).elu(x, 0.7),
    "celu": lambda L, x: F(L).celu(x, 1.3),
    "selu": lambda L, x: F(L).selu(x),
    "softplus": lambda L, x: F(L).softplus(x, beta=2.0, threshold=3.0),
    "hardtanh": lambda L, x: F(L).hardtanh(x, -0.5, 0.7),
    "hardswish": lambda L, x: F(L).hardswish(x * 4),
    "hardsigmoid": lambda L, x: F(L).hardsigmoid(x * 4),
    "mish": lambda L, x: F(L).mish(x),
    "logsigmoid": lambda L, x: F(L).logsigmoid(x * 3),
    "sigmoid": lambda L, x: F(L).sigmoid(x),
    "tanh": lambda L, x: F(L).tanh(x),
    "softmax": lambda L, x: F(L).softmax(x, dim=-1),
    "log_softmax": lambda L, x: F(L).log_softmax(x, dim=1),
    "softmin": lambda L, x: F(L).softmin(x, dim=0),
    "glu": lambda L, x: F(L).glu(x, dim=-1),
    "threshold": lambda L, x: F(L).threshold(x, 0.1, -2.0),
    "normalize": lambda L, x: F(L).normalize(x, p=2.0, dim=-1),
    "softsign": lambda L, x: F(L).softsign(x),
    "tanhshrink": lambda L, x: F(L).tanhshrink(x),
    "hardshrink": lambda L, x: F(L).hardshrink(x, 0.4),
    "softshrink": lambda L, x: F(L).softshrink(x, 0.4),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CASES))
def test_activation(name, dtype):
    check_op(CASES[name], [randn(3, 5, 8, dtype=dtype, scale=2.0)])


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_gelu_large_and_extreme(approximate, dtype):
    x = randn(64, 1000, dtype=dtype, scale=3.0)
    x[0, :6] = [0.0, -0.0, 30.0, -30.0, 1e-30, -9.0]
    check_op(lambda L, x: F(L).gelu(x, approximate=approximate), [x])


def test_inplace_variants():
    for name in ["relu", "leaky_relu", "elu", "silu", "hardtanh", "relu6", "selu"]:
        check_op(lambda L, x: getattr(F(L), name)(x * 1, inplace=True), [randn(4, 5, dtype=np.float64)])


@pytest.mark.parametrize("name", ["gelu", "silu", "leaky_relu", "elu", "celu", "selu", "softplus", "hardswish",
                                  "hardsigmoid", "mish", "logsigmoid", "glu", "hardshrink", "softshrink"])
def test_int_input_errors(name):
    check_error(lambda L: getattr(F(L), name)(L.tensor([1, -2])))


def test_int_ok():
    check_op(lambda L, x: F(L).relu6(x), [np.array([1, -2, 9])])
    check_op(lambda L, x: F(L).hardtanh(x), [np.array([1, -2, 9])])
    check_op(lambda L, x: F(L).threshold(x, 0, 5), [np.array([1, -2, 9])])


def test_errors():
    check_error(lambda L: F(L).gelu(L.randn(2), approximate="x"))
    check_error(lambda L: F(L).glu(L.randn(3)))
    check_error(lambda L: F(L).glu(L.randn(2, 3), dim=1))
    check_error(lambda L: F(L).glu(L.randn(())))
    check_error(lambda L: F(L).hardtanh(L.randn(2), 1.0, -1.0))
    check_error(lambda L: F(L).leaky_relu(L.randn(2, requires_grad=True), inplace=True))


def test_softmax_implicit_dim_warning():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        ember.nn.functional.softmax(ember.randn(2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        ember.nn.functional.softmin(ember.randn(2, 3))


def test_softmax_dtype():
    check_op(lambda L, x: F(L).softmax(x, 1, dtype=L.float64), [randn(2, 3)])
    check_op(lambda L, x: F(L).log_softmax(x, -1, dtype=L.float64), [randn(2, 3)])


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_float32_kernel_dense(approximate):
    """The float32 kernels (_gelu_f32.py) on a dense grid: within torch's tolerance everywhere, and within a few
    float32 ulps of the exact value where that is not a cancellation (tools/gelu_f32_accuracy.py checks all floats)."""
    from ember._ops.nn._gelu_f32 import gelu_f32

    def erfc(v):  # float64 reference: torch's (libm's) erfc; scipy is not a test dependency
        return torch.special.erfc(torch.from_numpy(v)).numpy()
    x = np.concatenate([np.linspace(-12, 12, 400_001, dtype=np.float32),
                        np.float32(2.0) ** np.arange(-126, 4, dtype=np.float32) * np.float32(1.37),
                        -np.float32(2.0) ** np.arange(-126, 4, dtype=np.float32)])
    y, d = gelu_f32(x, approximate == "tanh", True)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    yt = torch.nn.functional.gelu(xt, approximate=approximate)
    yt.backward(torch.ones_like(yt))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(d, xt.grad.numpy(), rtol=2e-6, atol=2e-6)
    if approximate == "none":
        x64 = x.astype(np.float64)
        ref = 0.5 * x64 * erfc(-x64 / np.sqrt(2))
        err = np.abs(y - ref)
        ulps = err / np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
        normal = np.abs(ref) >= 2.0 ** -126
        # the rounding of x^2 inside exp(-x^2/2) grows with x^2: ~9 ulps at |x| = 3, ~64 at 12 (torch: ~1e7 there)
        assert ulps[normal & (np.abs(x) <= 3)].max() <= 12
        assert ulps[normal].max() <= 80
        assert err.max() <= 2.5e-7
        refd = 0.5 * erfc(-x64 / np.sqrt(2)) + x64 * np.exp(-0.5 * x64 * x64) / np.sqrt(2 * np.pi)
        assert np.abs(d - refd).max() <= 3e-7


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("shape", [(1,), (64,), (65,), (32768,), (3, 32768 + 5), (5, 70000)])
def test_gelu_sizes_and_layouts(approximate, shape):
    # tiny (math.erf) path, one float32 block, several blocks with a ragged tail
    check_op(lambda L, x: F(L).gelu(x, approximate=approximate), [randn(*shape, scale=3.0)])


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_non_contiguous(approximate):
    base = randn(300, 400, scale=3.0)
    check_op(lambda L, x: F(L).gelu(x[::2, 3:].t(), approximate=approximate), [base])
    check_op(lambda L, x: F(L).gelu(x.t()[::3], approximate=approximate), [randn(5, 7, scale=3.0)])


def test_gelu_special_values():
    for approximate in ("none", "tanh"):
        for dt in (np.float32, np.float64):
            for n in (4, 100):  # tiny path and float32 kernel
                x = np.zeros(n, dt)
                x[:4] = [0.0, -0.0, 80.0, -80.0]
                check_op(lambda L, x: F(L).gelu(x, approximate=approximate), [x])


def test_gelu_float32_kernel_edge_values():
    # the exact float32 kernel: signed zeros (its sign-bit XOR), NaN and infinities (NaN, as torch), subnormals,
    # and the far negative tail where y underflows; a block boundary falls inside the array
    from ember._ops.nn._gelu_f32 import _BLOCK
    x = randn(_BLOCK + 50, scale=3.0)
    edge = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1e-45, -1e-45, 1e-38, -1e-38, 14.0, -14.0, -13.3, 9.0,
                     -9.0], np.float32)
    x[_BLOCK - 7:_BLOCK + 7] = edge
    check_op(lambda L, x: F(L).gelu(x), [x])
    xe = ember.tensor(edge, requires_grad=True)
    ember.nn.functional.gelu(xe).sum().backward()
    assert xe.grad.numpy()[0] == xe.grad.numpy()[1] == 0.5  # y'(+-0) = 1/2


@pytest.mark.parametrize("n", [3, 100])
def test_gelu_inf_no_warning(n):
    # the NumPy kernels' inf * 0 = nan must not warn (torch is silent); the float32 kernel's values are torch's
    # (NaN for both infinities; torch's float32 gelu(+inf) is NaN, its float64 one inf, and the float64 tiny
    # path here gives inf for float32 too)
    x = np.zeros(n, np.float32)
    x[:3] = [np.inf, -np.inf, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xe = ember.tensor(x, requires_grad=True)
        ember.nn.functional.gelu(xe).sum().backward()
    if n > 64:
        check_op(lambda L, x: F(L).gelu(x), [x])


@pytest.mark.parametrize("fn", ["gelu", "glu"])
@pytest.mark.parametrize("n", [4, 100])
def test_input_modified_in_place_is_an_error(fn, n):
    # GeluBackward0/GluBackward0 save their input; ember's backward reads what forward kept (gelu's derivative,
    # glu's half views), but a change of the input in place must still fail backward (messages differ in the
    # producer: torch names the tensor's grad_fn after the in-place op, ember the one at save time)
    def run(lib):
        x = lib.ones(n, requires_grad=True)
        y = x * 1
        z = getattr(lib.nn.functional, fn)(y)
        y.add_(1)
        z.sum().backward()
    check_error(run, match_message=False)
