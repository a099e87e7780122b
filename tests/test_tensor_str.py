"""Tensor printing: ``repr(ember_tensor)`` must equal ``repr(torch_tensor)`` byte for byte."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import ember
from ember import _tensor_str

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # pragma: no cover - hypothesis is optional
    given = None

_FLOATS = (np.float16, np.float32, np.float64)
_INTS = (np.int8, np.int16, np.int32, np.int64, np.uint8)
_ALL = _FLOATS + _INTS + (np.bool_,)

# Option sets every corpus tensor is printed under; {} is the default profile.
_OPTION_SETS = {
    "default": {},
    "sci_off": {"sci_mode": False},
    "sci_on": {"sci_mode": True},
    "precision2": {"precision": 2},
    "precision6": {"precision": 6},
    "linewidth40": {"linewidth": 40},
    "short": {"profile": "short"},
    "full": {"profile": "full"},
    "threshold20_edge2": {"threshold": 20, "edgeitems": 2},
    "edge0": {"threshold": 5, "edgeitems": 0},
}


@pytest.fixture(autouse=True)
def _restore_print_options():
    """Every test starts from and leaves behind the default options and dtype, in both libraries."""
    torch.set_printoptions(profile="default")
    ember.set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    ember.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)
    ember.set_default_dtype(ember.float32)


def _set_both(**options) -> None:
    torch.set_printoptions(**options)
    ember.set_printoptions(**options)


def _both(arr: np.ndarray, requires_grad: bool = False) -> tuple[torch.Tensor, ember.Tensor]:
    # torch rejects negative strides, so it gets a copy; ember keeps the (possibly strided) view
    return (torch.tensor(np.array(arr, order="C"), requires_grad=requires_grad),
            ember.Tensor._make(arr, requires_grad))


def _values(rng: np.random.Generator, kind: str, shape: tuple[int, ...]) -> np.ndarray:
    """Float64 values of one 'kind' of magnitude pattern."""
    n = math.prod(shape)
    if kind == "normal":
        v = rng.standard_normal(n)
    elif kind == "uniform01":
        v = rng.random(n)
    elif kind == "integral":
        v = rng.integers(-50, 50, n).astype(np.float64)
    elif kind == "big_integral":
        v = rng.integers(-10**6, 10**6, n).astype(np.float64) * 1000.0
    elif kind == "tiny":
        v = rng.standard_normal(n) * 1e-5
    elif kind == "huge":
        v = rng.standard_normal(n) * 1e8
    elif kind == "mixed":
        v = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 9, n)
    elif kind == "ratio":
        v = rng.choice([1.0, -2.5, 999.0, 1000.0, 1001.0, 0.125], n)
    elif kind == "specials":
        v = rng.choice([0.0, -0.0, np.nan, np.inf, -np.inf, 1.5, -3.0, 1e-6, 12345.678], n)
    elif kind == "only_specials":
        v = rng.choice([0.0, -0.0, np.nan, np.inf, -np.inf], n)
    elif kind == "halfway":
        # values near the precision-4 rounding boundary, where float32 widening matters
        v = rng.integers(-20000, 20000, n) / 10000.0 + 0.00005
    else:
        raise ValueError(kind)
    return np.asarray(v).reshape(shape)


def _cast(v: np.ndarray, dtype) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(v).astype(dtype)


def _int_values(rng: np.random.Generator, dtype, shape: tuple[int, ...]) -> np.ndarray:
    info = np.iinfo(dtype)
    pick = rng.integers(0, 3)
    if pick == 0:
        lo, hi = max(info.min, -100), min(info.max, 100)
    elif pick == 1:
        lo, hi = info.min, info.max
    else:
        lo, hi = 0, min(info.max, 9)
    return rng.integers(lo, hi, size=shape, endpoint=True, dtype=dtype)


def _corpus() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(20250101)
    cases: list[tuple[str, np.ndarray]] = []
    small_shapes = [(), (1,), (5,), (3, 4), (2, 3, 4), (2, 2, 2, 3), (1, 7), (12,), (4, 1, 3)]
    float_kinds = ["normal", "uniform01", "integral", "big_integral", "tiny", "huge", "mixed",
                   "ratio", "specials", "only_specials", "halfway"]
    for dtype in _FLOATS:
        for kind in float_kinds:
            for shape in small_shapes[: 5 + rng.integers(0, 5)]:
                cases.append((f"{np.dtype(dtype).name}-{kind}-{shape}", _cast(_values(rng, kind, shape), dtype)))
    for dtype in _INTS:
        for shape in small_shapes:
            cases.append((f"{np.dtype(dtype).name}-{shape}", _int_values(rng, dtype, shape)))
    for shape in small_shapes:
        cases.append((f"bool-{shape}", rng.random(shape) < 0.5))

    # large tensors: summarised under the default threshold of 1000
    large = [(1001,), (2000,), (40, 30), (3, 20, 20), (2, 3, 12, 15), (7, 200), (1, 1500)]
    for i, shape in enumerate(large):
        for dtype in (np.float32, np.float64, np.int64, np.int16, np.bool_, np.float16):
            if dtype is np.bool_:
                arr = rng.random(shape) < 0.3
            elif np.dtype(dtype).kind == "i":
                arr = _int_values(rng, dtype, shape)
            else:
                arr = _cast(_values(rng, ["normal", "mixed", "integral", "specials"][i % 4], shape), dtype)
            cases.append((f"large-{np.dtype(dtype).name}-{shape}", arr))

    # empty shapes, in every dtype
    for shape in [(0,), (0, 3), (2, 0, 4), (3, 0), (0, 0), (1, 0, 1, 1)]:
        for dtype in _ALL:
            cases.append((f"empty-{np.dtype(dtype).name}-{shape}", np.zeros(shape, dtype)))

    # hand-picked boundaries of the scientific/integer mode rules
    f32_boundaries = [
        [1.0, 1000.0], [1.0, 1000.0001], [1e8, 1.0], [1.0000001e8, 1.0], [1e-4, 0.5], [1.0001e-4, 0.5],
        [0.1, 0.2, 0.3], [1.00005, 2.00005, -0.00005], [0.5, 1.5, 2.5, 3.5], [1e10], [-1e10, 1.0],
        [123456789.0], [1e38, -1e-38], [6.1e-5, 65504.0], [float("nan")], [float("inf"), -1.0],
        [-0.0], [0.0, 1e-45], [9.99995, 99.99995], [1e7, 2e7, -3e7],
    ]
    for vals in f32_boundaries:
        for dtype in _FLOATS:
            cases.append((f"boundary-{np.dtype(dtype).name}-{vals}", _cast(np.array(vals), dtype)))
    for dtype in _FLOATS + _INTS:
        cases.append((f"scalar-{np.dtype(dtype).name}", _cast(np.array(-7), dtype)))
    cases.append(("scalar-nan", np.array(np.nan, np.float32)))
    cases.append(("scalar-negzero", np.array(-0.0)))
    cases.append(("scalar-true", np.array(True)))
    cases.append(("int64-extremes", np.array([np.iinfo(np.int64).min, 0, np.iinfo(np.int64).max])))
    # non-contiguous views
    base = rng.standard_normal((6, 8)).astype(np.float32)
    cases.append(("view-transpose", base.T))
    cases.append(("view-strided", base[::2, ::3]))
    cases.append(("view-reversed", base[::-1, 1]))
    # long rows that wrap at the line width
    cases.append(("wrap-row", rng.standard_normal((2, 30)).astype(np.float32)))
    cases.append(("wrap-ints", np.arange(-60, 60, dtype=np.int64)))
    return cases


_CORPUS = _corpus()


def test_corpus_size():
    assert len(_CORPUS) >= 300


@pytest.mark.parametrize("options", list(_OPTION_SETS.values()), ids=list(_OPTION_SETS))
def test_corpus_matches_torch(options):
    _set_both(**options)
    mismatches = []
    for name, arr in _CORPUS:
        t, e = _both(arr)
        if repr(e) != repr(t):
            mismatches.append(f"{name}:\n torch: {repr(t)!r}\n ember: {repr(e)!r}")
    assert not mismatches, f"{len(mismatches)} mismatches, first ones:\n" + "\n".join(mismatches[:5])


def test_str_equals_repr():
    t, e = _both(np.array([[1.5, -2.0], [3.25, 4.0]], np.float32))
    assert str(e) == str(t) == repr(t)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (4, 25), (0,), (0, 2), ()])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("linewidth", [80, 40, 20])
def test_requires_grad_suffix(shape, dtype, linewidth):
    _set_both(linewidth=linewidth)
    arr = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    t, e = _both(arr, requires_grad=True)
    assert repr(e) == repr(t)
    assert repr(ember.tensor(arr, requires_grad=True)) == repr(t)


class _GradFnStandIn:
    def __init__(self, name: str) -> None:
        self._name = name

    def name(self) -> str:
        return self._name


def _torch_with_grad_fn(arr: np.ndarray, name: str) -> torch.Tensor:
    """A torch tensor holding `arr` whose grad_fn is called `name`."""
    x = torch.tensor(arr, requires_grad=True)
    if name == "MulBackward0":
        return x * 1
    if name == "AddmmBackward0":
        # addmm with an identity matrix and zero bias leaves the values unchanged
        flat = x.reshape(1, -1) if x.dim() < 2 else x
        eye = torch.eye(flat.shape[1], dtype=x.dtype)
        return torch.addmm(torch.zeros((), dtype=x.dtype), flat, eye)
    raise ValueError(name)


@pytest.mark.parametrize("name", ["MulBackward0", "AddmmBackward0"])
@pytest.mark.parametrize("shape", [(4,), (2, 3), (3, 30)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grad_fn_suffix_stand_in(name, shape, dtype):
    arr = np.random.default_rng(2).standard_normal(shape).astype(dtype)
    t = _torch_with_grad_fn(arr, name)
    e = ember.Tensor._make(t.detach().numpy().copy(), True, _GradFnStandIn(name))
    assert repr(e) == repr(t)


def test_grad_fn_suffix_from_real_op():
    x_np = np.array([[1.0, -2.5, 3.0], [0.5, 1e-3, 7.0]], np.float64)
    ex = ember.tensor(x_np, requires_grad=True)
    ey = ex * 2
    ty = torch.tensor(x_np, requires_grad=True) * 2
    assert repr(ey) == repr(ty)


def test_suffix_wraps_to_new_line():
    # a full last line forces `dtype=` and `requires_grad=True` onto lines of their own
    arr = np.linspace(-1, 1, 14).reshape(2, 7)
    for linewidth in (30, 50, 60, 64, 70, 80, 95):
        _set_both(linewidth=linewidth)
        t, e = _both(arr, requires_grad=True)
        assert repr(e) == repr(t), linewidth


@pytest.mark.parametrize("default", ["float64", "float16"])
def test_default_dtype_changes_suffix(default):
    torch.set_default_dtype(getattr(torch, default))
    ember.set_default_dtype(getattr(ember, default))
    rng = np.random.default_rng(3)
    for dtype in _ALL + (np.complex64, np.complex128):
        for shape in [(3,), (0,), (2, 0), ()]:
            arr = _cast(rng.standard_normal(shape) * 3, dtype)
            t, e = _both(arr)
            assert repr(e) == repr(t), (dtype, shape)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("kind", ["normal", "integral", "mixed", "specials"])
def test_complex(dtype, kind):
    rng = np.random.default_rng(4)
    re, im = _values(rng, kind, (2, 3)), _values(rng, kind, (2, 3))
    with np.errstate(invalid="ignore"):  # nan/inf times 1j
        arr = _cast(re + 1j * im, dtype)
    for options in ({}, {"sci_mode": False}, {"precision": 2}):
        _set_both(**options)
        t, e = _both(arr)
        assert repr(e) == repr(t), options


def test_get_printoptions_and_profiles():
    for options in _OPTION_SETS.values():
        _set_both(**options)
        assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()
    ember.set_printoptions(profile="no-such-profile", precision=3)
    torch.set_printoptions(profile="no-such-profile", precision=3)
    assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()


def test_set_printoptions_resets_sci_mode():
    # torch quirk: any call without sci_mode puts it back to None
    _set_both(sci_mode=False)
    _set_both(precision=5)
    assert _tensor_str.get_printoptions()["sci_mode"] is None
    t, e = _both(np.array([1e-6, 1.0], np.float32))
    assert repr(e) == repr(t)


def test_printoptions_context_manager():
    arr = np.array([1e-6, 1.123456, 3.0])
    t, e = _both(arr)
    with _tensor_str.printoptions(precision=2, sci_mode=False), torch._tensor_str.printoptions(
            precision=2, sci_mode=False):
        assert repr(e) == repr(t) == "tensor([0.00, 1.12, 3.00], dtype=torch.float64)"
    assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()
    assert repr(e) == repr(t)


def test_public_surface():
    assert ember.set_printoptions is _tensor_str.set_printoptions
    assert hasattr(torch, "set_printoptions") and not hasattr(torch, "printoptions")


def test_tensor_contents():
    t, e = _both(np.zeros((2, 2), np.int32), requires_grad=False)
    assert e.__repr__(tensor_contents="[...]") == t.__repr__(tensor_contents="[...]")


def test_subclass_prefix():
    # a Tensor subclass prints its own class name in place of "tensor"
    class MyT(torch.Tensor):
        pass

    class MyE(ember.Tensor):  # same __name__ as the torch one below
        pass

    MyE.__name__ = "MyT"
    arr = np.array([[1.0, 2.5], [-3.0, 4.0]], np.float32)
    t = torch.Tensor._make_subclass(MyT, torch.tensor(arr), True)
    e = object.__new__(MyE)
    e._init_from(arr, True)
    assert repr(e) == repr(t)


def test_threshold_and_edgeitems_grid():
    arr = np.random.default_rng(5).standard_normal((9, 9, 9)).astype(np.float32)
    for threshold in (0, 10, 728, 729):
        for edgeitems in (0, 1, 4, 5):
            _set_both(threshold=threshold, edgeitems=edgeitems)
            t, e = _both(arr)
            assert repr(e) == repr(t), (threshold, edgeitems)


if given is not None:
    _dtypes = st.sampled_from(list(_ALL))

    @settings(max_examples=150, deadline=None, database=None)
    @given(
        arr=_dtypes.flatmap(lambda dt: hnp.arrays(
            dt, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6),
            elements=(hnp.from_dtype(np.dtype(dt), allow_subnormal=True)
                      if np.dtype(dt).kind == "f" else None))),
        precision=st.integers(0, 8),
        sci_mode=st.sampled_from([None, True, False]),
        linewidth=st.integers(10, 120),
    )
    def test_hypothesis_matches_torch(arr, precision, sci_mode, linewidth):
        _set_both(precision=precision, sci_mode=sci_mode, linewidth=linewidth)
        t, e = _both(arr)
        assert repr(e) == repr(t)


def _repr_or_error(tensor) -> str:
    try:
        return repr(tensor)
    except Exception as exc:  # the error is part of what must match
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("options", [
    {"edgeitems": -1, "threshold": 3}, {"edgeitems": -2, "threshold": 0}, {"edgeitems": 2.0, "threshold": 3},
    {"edgeitems": 0, "threshold": 3}, {"precision": -1}, {"precision": 2.0}, {"linewidth": -5},
    {"threshold": -1}, {"sci_mode": 0}, {"sci_mode": 1},
])
@pytest.mark.parametrize("shape", [(10,), (2, 5), (3, 4, 2), ()])
def test_unchecked_options_follow_torch(options, shape):
    # torch stores these settings unchecked; a negative edgeitems once sized the columns on the wrong values
    # (1-d) and printed instead of torch's "stack expects a non-empty TensorList" (>= 2-d)
    _set_both(**options)
    arr = np.arange(math.prod(shape), dtype=np.float32).reshape(shape) * 1.5
    t, e = _both(arr)
    assert _repr_or_error(e) == _repr_or_error(t)


def test_set_printoptions_without_arguments():
    _set_both(precision=2, threshold=5, edgeitems=1, linewidth=30, sci_mode=True)
    torch.set_printoptions()
    ember.set_printoptions()
    # only sci_mode goes back to its default
    assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()
    assert _tensor_str.get_printoptions()["sci_mode"] is None


@pytest.mark.parametrize("profile", ["nope", "FULL", "", 1])
def test_unknown_profile_is_ignored(profile):
    _set_both(precision=7, edgeitems=1)
    _set_both(profile=profile)
    assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()


def test_unknown_keyword_raises_like_torch():
    with pytest.raises(TypeError) as torch_err:
        torch.set_printoptions(bogus=1)
    with pytest.raises(TypeError) as ember_err:
        ember.set_printoptions(bogus=1)
    assert str(ember_err.value) == str(torch_err.value)


@pytest.mark.parametrize("code", [
    "y = x * 1; y[0] = 5",  # CopySlices, whose name() is namespaced
    "y = x * 1; v = y.view(-1); v[0] = 3",
    "y = x * 1; y[0].mul_(2)",
    "y = x * 2",
])
def test_grad_fn_name_without_namespace(code):
    reprs = []
    for lib in (torch, ember):
        scope = {"x": lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)}
        exec(code, scope)
        reprs.append(repr(scope["y"]))
    assert reprs[1] == reprs[0]
