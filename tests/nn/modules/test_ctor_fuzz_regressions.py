"""Constructor mismatches found by tools/fuzz/fuzz_ctor.py, each checked against torch directly."""
from __future__ import annotations

import warnings

import pytest
import torch

import ember


def outcome(lib, build):
    """(error type, message) or ("ok", repr), plus the generator's next draw: same seed, same everything."""
    lib.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = ("ok", repr(build(lib)))
        except Exception as e:  # noqa: BLE001 - the exception is what is compared
            result = (type(e).__name__, str(e))
    return result, lib.rand(2, dtype=lib.float64).tolist()


def same(build) -> None:
    assert outcome(ember, build) == outcome(torch, build)


@pytest.mark.parametrize("name, call", [
    ("ReLU", lambda m: m(bogus=1)), ("SiLU", lambda m: m(False, None)), ("Mish", lambda m: m(inplace=1, x=2)),
    ("Hardswish", lambda m: m(bogus=1)), ("Hardsigmoid", lambda m: m(1, 2)), ("SELU", lambda m: m(bogus=1)),
    ("ELU", lambda m: m(1.0, False, 3)), ("CELU", lambda m: m(bogus=1)), ("Hardshrink", lambda m: m(0.5, lambd=1)),
    ("Softshrink", lambda m: m(bogus=1)), ("Softmax", lambda m: m(0, dim=1)), ("Softmin", lambda m: m(0, None)),
    ("LogSoftmax", lambda m: m(bogus=1)), ("Conv1d", lambda m: m(2, 2, 3, bogus=1)),
    ("Conv2d", lambda m: m(2, 2, 3, 1, 0, 1, 1, True, "zeros", None, None, None)),
    ("BatchNorm1d", lambda m: m(3, bogus=1)), ("BatchNorm3d", lambda m: m(3, eps=1, momentum=2, num_features=3)),
])
def test_argument_errors_name_the_class_torch_names(name: str, call) -> None:
    # Python's own TypeError names the __init__ that rejected the call: torch defines one per class here
    same(lambda L: call(getattr(L.nn, name)))


@pytest.mark.parametrize("cls", ["Conv1d", "Conv2d"])
def test_conv_without_inputs_still_draws_its_bias(cls: str) -> None:
    # in_channels=0: fan_in 0, and torch 2.13 initialises the bias as U(0, 0), which advances the generator
    same(lambda L: getattr(L.nn, cls)(0, 3, 2))
    same(lambda L: getattr(L.nn, cls)(0, 3, 2, bias=False))


@pytest.mark.parametrize("kernel, padding", [(2, "SAME"), ((2, 1), 0), (3, [1]), ("ab", 0)])
def test_avg_pool1d_turns_any_iterable_into_a_tuple(kernel, padding) -> None:
    same(lambda L: L.nn.AvgPool1d(kernel, padding=padding))
    same(lambda L: vars(L.nn.AvgPool1d(kernel, padding=padding))["padding"])


@pytest.mark.parametrize("kernel, dilation", [((3,), (2,)), ((3, 1), (1, 2)), (3, 2)])
def test_conv_same_padding_pairs_as_torch(kernel, dilation) -> None:
    def build(L):
        m = L.nn.Conv2d(1, 1, kernel, padding="same", dilation=dilation)
        return tuple(m._reversed_padding_repeated_twice), m.kernel_size
    same(build)


def test_conv_accepts_any_iterable_as_kernel_size() -> None:
    same(lambda L: L.nn.Conv1d(1, 1, range(2, 3)).kernel_size)
    same(lambda L: L.nn.Conv2d(1, 1, L.Size([2, 3])).kernel_size)


def test_orthogonal_half_fails_after_the_draw() -> None:
    same(lambda L: L.nn.init.orthogonal_(L.empty(3, 4, dtype=L.float16)))


def test_trunc_normal_half_is_silent() -> None:
    # uniform draws of exactly 0 happen in float16; their log is -inf with no NumPy warning in the way
    t = ember.zeros((2, 2, 3, 3), dtype=ember.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        ember.nn.init.trunc_normal_(t, 3.0, 0.01, generator=ember.Generator().manual_seed(0))
    e = t.tolist()
    t2 = torch.zeros((2, 2, 3, 3), dtype=torch.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.nn.init.trunc_normal_(t2, 3.0, 0.01, generator=torch.Generator().manual_seed(0))
    assert e == t2.tolist()


@pytest.mark.parametrize("shape, dims", [((3, 3, 2, 2), (0, -1)), ((4, 3), (0, 1))])
def test_orthogonal_writes_through_a_view(shape, dims) -> None:
    # torch copies Q in through tensor.view_as(Q): strides that allow no such view are an error, others work
    def build(L):
        t = L.zeros(shape).transpose(*dims)
        return L.nn.init.orthogonal_(t).shape
    same(build)


@pytest.mark.parametrize("build, missing", [
    (lambda L: L.nn.Conv1d(1, 1, 1, padding_mode="circular"), "padding_mode"),
    (lambda L: L.nn.Softmax(1), "dim"), (lambda L: L.nn.Softmin(0), "dim"), (lambda L: L.nn.LogSoftmax(1), "dim"),
    (lambda L: L.nn.MultiheadAttention(4, 2, kdim=3), "_qkv_same_embed_dim"),
    (lambda L: L.nn.TransformerEncoderLayer(4, 2, 8, activation="gelu"), "activation"),
    (lambda L: L.nn.TransformerDecoderLayer(4, 2, 8, activation="gelu"), "activation"),
])
def test_unpickling_an_old_module_fills_the_missing_setting(build, missing: str) -> None:
    def revive(L):
        m = build(L)
        state = dict(vars(m))
        del state[missing]
        old = type(m).__new__(type(m))
        old.__setstate__(state)
        value = getattr(old, missing)
        return getattr(value, "__name__", value)
    same(revive)


def test_trunc_normal_far_mean_warning_points_into_the_library() -> None:
    # torch warns from a helper, so the warning's location is its init.py (shown once per process), not the caller
    for lib in (torch, ember):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.init.trunc_normal_(lib.zeros(3), mean=10.0)
        assert [w.filename.endswith("init.py") for w in caught] == [True], lib.__name__


def test_private_trunc_normal_helper_exists_as_in_torch() -> None:
    # some model code imports torch.nn.init._no_grad_trunc_normal_ directly
    same(lambda L: L.nn.init._no_grad_trunc_normal_(L.empty(4, 5), 0.5, 2.0, -1.0, 1.0).tolist())


@pytest.mark.parametrize("name, padding", [("ConvTranspose1d", "same"), ("ConvTranspose2d", "valid")])
def test_conv_transpose_tuples_a_padding_string_as_torch(name: str, padding: str) -> None:
    # torch's transposed convs have no padding strings: the string is tupled char by char, 'same' with stride too
    same(lambda L: getattr(L.nn, name)(2, 2, 3, stride=2, padding=padding))
    same(lambda L: getattr(L.nn, name)(2, 2, 3, padding=padding)._reversed_padding_repeated_twice)
