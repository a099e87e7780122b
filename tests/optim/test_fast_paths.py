"""The chunked float32 update paths (ember.optim._functional, adam._adam32, sgd._sgd32, rmsprop._rmsprop32,
adagrad._adagrad32) against torch.

Bit-exact trajectories on what the small-shape tests in test_<algo>.py don't reach: params spanning several chunks
(full chunks and a tail), transposed and mismatched grad layouts, and hand-made operands whose float64 sum lands
on a float32 midpoint, so the midpoint repair decides the result. Also checks that those layouts take the chunked
path rather than the whole-array fallback.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
import ember.optim as eoptim
from ember.optim import _functional, adagrad, adam, rmsprop, sgd
from test_optimizer import assert_params_equal, torch_sqrt  # noqa: F401  (fixture)

N = 2 * _functional.CHUNK + 1234  # two full chunks and a tail
LAYOUTS = ["C", "F", "F-grad", "strided-grad"]
CASES = [("SGD", dict(lr=0.01)), ("SGD", dict(lr=0.01, momentum=0.9, weight_decay=1e-4)),
         ("SGD", dict(lr=0.01, momentum=0.9, dampening=0.1, nesterov=False)),
         ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-2)),
         ("Adam", dict(lr=1e-3)), ("Adam", dict(lr=1e-2, weight_decay=0.1, amsgrad=True)),
         ("Adam", dict(lr=1e-2, betas=(0.3, 0.9), maximize=True)), ("AdamW", dict(lr=1e-3)),
         ("AdamW", dict(lr=1e-2, amsgrad=True)),
         ("RMSprop", dict(lr=1e-3)), ("RMSprop", dict(lr=1e-2, alpha=0.3, eps=1e-6, weight_decay=0.1)),
         ("RMSprop", dict(lr=1e-2, centered=True)), ("RMSprop", dict(lr=1e-2, momentum=0.9, maximize=True)),
         ("RMSprop", dict(lr=1e-2, alpha=0.6, centered=True, momentum=0.5, weight_decay=1e-2)),
         ("Adagrad", dict(lr=1e-2)), ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
         ("Adagrad", dict(lr=0.05, initial_accumulator_value=0.5, eps=1e-6, maximize=True))]
# the whole-array fallbacks each chunked path replaces
FALLBACKS = ((adam, ["_adam_any"]), (sgd, ["_add", "_k_add_"]), (rmsprop, ["_rmsprop_any"]),
             (adagrad, ["_adagrad_any"]))


def _param_array(rng: np.random.Generator, layout: str) -> np.ndarray:
    a = (rng.standard_normal((N // 4, 4)) * 0.05).astype(np.float32)
    return np.asfortranarray(a) if layout == "F" else a


def _grad_array(rng: np.random.Generator, shape: tuple, layout: str) -> np.ndarray:
    g = (rng.standard_normal(shape) * 10.0 ** rng.integers(-4, 1, shape)).astype(np.float32)
    g.ravel()[::11] = 0
    if layout in ("F", "F-grad"):
        return np.asfortranarray(g)  # a transposed matmul's grad
    if layout == "strided-grad":
        return np.repeat(g, 2, axis=1)[:, ::2]  # neither C- nor F-contiguous
    return g


def _run(name: str, kwargs: dict, layout: str, steps: int = 4) -> None:
    rng = np.random.default_rng(7)
    a = _param_array(rng, layout)
    ep = ember.nn.Parameter(ember.from_numpy(np.array(a, copy=True, order="K")))
    tp = torch.nn.Parameter(torch.from_numpy(np.array(a, copy=True, order="K")))
    e_opt, t_opt = getattr(eoptim, name)([ep], **kwargs), getattr(torch.optim, name)([tp], **kwargs)
    for k in range(steps):
        g = _grad_array(rng, a.shape, layout)
        ep.grad, tp.grad = ember.from_numpy(g), torch.from_numpy(g.copy(order="K"))
        e_opt.step()
        t_opt.step()
        assert_params_equal([ep], [tp], f"{name}({kwargs}) {layout} step {k + 1}")
        for key, tv in t_opt.state[tp].items():
            assert np.array_equal(e_opt.state[ep][key]._data, tv.numpy()), (key, k)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name,kwargs", CASES, ids=str)
def test_chunked_trajectory_bit_exact(name, kwargs, layout, torch_sqrt):
    _run(name, kwargs, layout)


@pytest.mark.parametrize("layout", ["F", "F-grad", "strided-grad"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=str)
def test_transposed_grads_take_the_chunked_path(name, kwargs, layout, monkeypatch):
    rng = np.random.default_rng(3)
    p = ember.nn.Parameter(ember.from_numpy(_param_array(rng, layout)))
    opt = getattr(eoptim, name)([p], **kwargs)
    p.grad = ember.from_numpy(_grad_array(rng, tuple(p.shape), layout))
    opt.step()  # the first step makes SGD's momentum buffer op by op, as torch's clone does

    def fail(*args, **kwargs):
        raise AssertionError("whole-array fallback used")

    for module, names in FALLBACKS:
        for n in names:
            monkeypatch.setattr(module, n, fail)
    p.grad = ember.from_numpy(_grad_array(rng, tuple(p.shape), layout))
    opt.step()


def test_matching_layouts_are_not_copied(monkeypatch):
    """Same-strided F-ordered operands run on flat views; only a mismatched layout is copied."""
    copies = []
    real = _functional.same_layout

    def spy(a, like):
        out = real(a, like)
        copies.append(out is not a)
        return out

    monkeypatch.setattr(_functional, "same_layout", spy)
    rng = np.random.default_rng(0)
    x = np.asfortranarray(rng.standard_normal((300, 70)).astype(np.float32))
    y = np.asfortranarray(rng.standard_normal((300, 70)).astype(np.float32))
    t = torch.from_numpy(x.copy(order="K")).addcmul_(torch.from_numpy(y), torch.from_numpy(y), value=0.3)
    eoptim.optimizer._k_addcmul_(x, y, y, 0.3)
    assert np.array_equal(x, t.numpy()) and copies and not any(copies)
    eoptim.optimizer._k_add_(x, np.ascontiguousarray(y), -0.7)
    t.add_(torch.from_numpy(np.ascontiguousarray(y)), alpha=-0.7)
    assert np.array_equal(x, t.numpy()) and copies.count(True) == 1


# --- exact float32 midpoints: the float64 sum rounds onto a tie the exact sum misses --------------------------------
# fma(a, b, c) with c = 1 + 2**-23 (odd last bit) and a*b = 2**-24 * (1 - 2**-46): the exact sum lies just below the
# midpoint 1 + 3*2**-24, the float64 sum is that midpoint, and rounding it half-to-even would give 1 + 2**-22.
ODD = np.float32(1 + 2 ** -23)


def _with_midpoints(base: np.ndarray, value: float, every: int = 97) -> np.ndarray:
    out = base.copy()
    out.ravel()[::every] = value
    return out


def test_fma32_chunk_repairs_midpoints():
    n = 1000
    a = _with_midpoints(np.ones(n, np.float32) * 0.5, 2 ** -12 * (1 + 2 ** -23))
    b = np.float32(2 ** -12 * (1 - 2 ** -23))
    c = _with_midpoints(np.full(n, 3, np.float32), ODD)
    out = np.empty(n, np.float32)
    _functional.fma32_chunk(out, a, np.array(b, np.float64), c, _functional.scratch().head(n)[0])
    expected = torch.from_numpy(c).add(torch.from_numpy(a), alpha=float(b)).numpy()
    assert np.array_equal(out, expected)
    assert out[0] == ODD  # the repaired element
    assert expected[0] != np.float32(np.float64(a[0]) * np.float64(b) + np.float64(c[0]))  # plain double rounding


def test_sgd_step_repairs_midpoints(torch_sqrt):
    lr = 2 ** -12 * (1 - 2 ** -23)  # p = -lr * g = -2**-24 * (1 - 2**-46) against x = -(1 + 2**-23)
    rng = np.random.default_rng(1)
    x = _with_midpoints(rng.standard_normal(N).astype(np.float32), -ODD)
    g = _with_midpoints(rng.standard_normal(N).astype(np.float32), 2 ** -12 * (1 + 2 ** -23))
    ep, tp = ember.nn.Parameter(ember.from_numpy(x.copy())), torch.nn.Parameter(torch.from_numpy(x.copy()))
    ep.grad, tp.grad = ember.from_numpy(g.copy()), torch.from_numpy(g.copy())
    eoptim.SGD([ep], lr=lr).step()
    torch.optim.SGD([tp], lr=lr).step()
    assert_params_equal([ep], [tp], "SGD midpoints")
    assert ep._data[0] == -ODD


def test_adam_second_moment_repairs_midpoints(torch_sqrt):
    """v = fma(RN(val*g), g, RN(v*beta2)) with beta2 = 2**-22: RN(val*g) * g = 2**-24 * (1 - 2**-46) and
    RN(v*beta2) = 1 + 2**-23 where v = 2**22 + 0.5 and g = 2**-12 * (1 + 2**-23)."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(N).astype(np.float32)
    g = _with_midpoints(rng.standard_normal(N).astype(np.float32), 2 ** -12 * (1 + 2 ** -23))
    v0 = _with_midpoints(np.abs(rng.standard_normal(N)).astype(np.float32), 2 ** 22 + 0.5)
    kwargs = dict(lr=1e-3, betas=(0.9, 2 ** -22))
    ep, tp = ember.nn.Parameter(ember.from_numpy(x.copy())), torch.nn.Parameter(torch.from_numpy(x.copy()))
    e_opt, t_opt = eoptim.Adam([ep], **kwargs), torch.optim.Adam([tp], **kwargs)
    for opt, p, lib in ((e_opt, ep, ember), (t_opt, tp, torch)):
        p.grad = lib.from_numpy(np.zeros(N, np.float32))
        opt.step()  # makes the state; zero grads leave it at zero
        opt.state[p]["exp_avg_sq"].copy_(lib.from_numpy(v0.copy()))
        p.grad = lib.from_numpy(g.copy())
        opt.step()
    e_v, t_v = e_opt.state[ep]["exp_avg_sq"]._data, t_opt.state[tp]["exp_avg_sq"].numpy()
    assert np.array_equal(e_v, t_v) and e_v[0] == ODD
    assert_params_equal([ep], [tp], "Adam midpoints")


# --- small params gathered into one update (adam._adam_small) -------------------------------------------------------
SMALL_SHAPES = [(), (1,), (7,), (128,), (3, 5), (1000,), (1024,), (2, 2, 2)] * 5  # > PACK elements: several batches


@pytest.mark.parametrize("name,kwargs", [("Adam", dict(lr=1e-2)), ("AdamW", dict(lr=1e-2, amsgrad=True)),
                                         ("Adam", dict(lr=1e-2, weight_decay=0.1, maximize=True)),
                                         ("RMSprop", dict(lr=1e-2)),
                                         ("RMSprop", dict(lr=1e-2, centered=True, momentum=0.5, weight_decay=0.1)),
                                         ("Adagrad", dict(lr=0.1)),
                                         ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, maximize=True))],
                         ids=str)
def test_small_params_packed_bit_exact(name, kwargs, monkeypatch, torch_sqrt):
    """Every param small: one packed update per batch (and step count), none through the per-param step."""
    module = {"Adam": adam, "AdamW": adam, "RMSprop": rmsprop, "Adagrad": adagrad}[name]
    step_fn = {"Adam": "adam_step", "AdamW": "adam_step", "RMSprop": "rmsprop_step", "Adagrad": "adagrad_step"}[name]
    monkeypatch.setattr(module, step_fn, lambda *a, **k: (_ for _ in ()).throw(AssertionError("not packed")))
    rng = np.random.default_rng(4)
    arrays = [np.asarray(rng.standard_normal(s)).astype(np.float32) for s in SMALL_SHAPES]
    e = [ember.nn.Parameter(ember.from_numpy(a.copy())) for a in arrays]
    t = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays]
    e_opt, t_opt = getattr(eoptim, name)(e, **kwargs), getattr(torch.optim, name)(t, **kwargs)
    for k in range(6):
        for i, (ep, tp) in enumerate(zip(e, t)):
            # some params skip some steps, so their step counts (and bias corrections) differ within a batch
            if (i + k) % 4 == 0:
                ep.grad = tp.grad = None
                continue
            g = np.asarray(rng.standard_normal(tp.shape) * 10.0 ** rng.integers(-3, 1)).astype(np.float32)
            ep.grad, tp.grad = ember.from_numpy(g.copy()), torch.from_numpy(g.copy())
        e_opt.step()
        t_opt.step()
        assert_params_equal(e, t, f"{name}({kwargs}) step {k + 1}")
        for ep, tp in zip(e, t):
            for key, tv in t_opt.state[tp].items():
                assert np.array_equal(e_opt.state[ep][key]._data, tv.numpy()), (key, k)


@pytest.mark.parametrize("beta1", [0.75, 0.3], ids=["lerp-near", "lerp-far"])
@pytest.mark.parametrize("weight_decay,decoupled", [(0.0, False), (0.5, False), (0.01, True)])
def test_adam32_matches_op_by_op_kernels_on_midpoints(beta1, weight_decay, decoupled):
    """Integer-valued moments and grads with beta1 = 0.75 or 0.3 put about one lerp in ten on a float32 midpoint
    (the chunked path recomputes their products for the repair); the op-by-op path is checked against torch
    in tests/optim/test_optimizer.py::test_kernels_bitwise_like_torch_ops."""
    rng = np.random.default_rng(8)
    n = N

    def ints():
        return (rng.integers(-2 ** 20, 2 ** 20, n) * 0.5 ** rng.integers(0, 24, n)).astype(np.float32)

    x, m, v = rng.standard_normal(n).astype(np.float32), ints(), np.abs(ints())
    ref = [a.copy() for a in (x, m, v)]
    for step in range(1, 4):
        g = ints()
        args = adam._coefs(step, 1e-3, None, beta1, 0.75, weight_decay, np.float32) + (1e-8, weight_decay, decoupled)
        adam._adam32(x, m, v, None, g, *args)
        adam._adam_any(*ref, None, g, *args)
        for got, want in zip((x, m, v), ref):
            assert np.array_equal(got, want), step


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.1)),
                                         ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True))], ids=str)
def test_state_owns_its_memory_when_grads_are_zeroed_in_place(name, kwargs, torch_sqrt):
    """zero_grad(set_to_none=False) and in-place grad writes must not reach the optimizer state (the momentum
    buffer starts as a copy of the grad, never a view of it)."""
    rng = np.random.default_rng(9)
    a = rng.standard_normal((40, 3)).astype(np.float32)
    ep, tp = ember.nn.Parameter(ember.from_numpy(a.copy())), torch.nn.Parameter(torch.from_numpy(a.copy()))
    e_opt, t_opt = getattr(eoptim, name)([ep], **kwargs), getattr(torch.optim, name)([tp], **kwargs)
    for k in range(4):
        e_opt.zero_grad(set_to_none=False)
        t_opt.zero_grad(set_to_none=False)
        g = rng.standard_normal(a.shape).astype(np.float32)
        for p, lib in ((ep, ember), (tp, torch)):
            if p.grad is None:
                p.grad = lib.from_numpy(g.copy())
            else:
                p.grad.add_(lib.from_numpy(g.copy()))  # accumulate into the zeroed grad, as backward does
        e_opt.step()
        t_opt.step()
        assert_params_equal([ep], [tp], f"{name} step {k + 1}")


def test_duplicate_small_param_updated_twice_like_torch(torch_sqrt):
    """[c, a, a] where c is a step ahead: a's two updates must still run in order (torch warns on duplicates)."""
    a0, c0 = np.linspace(-1, 1, 12, dtype=np.float32), np.linspace(2, 3, 5, dtype=np.float32)
    e = [ember.nn.Parameter(ember.from_numpy(v.copy())) for v in (c0, a0)]
    t = [torch.nn.Parameter(torch.from_numpy(v.copy())) for v in (c0, a0)]
    with pytest.warns(UserWarning):
        e_opt = eoptim.AdamW([e[0], e[1], e[1]], lr=0.1)
    with pytest.warns(UserWarning):
        t_opt = torch.optim.AdamW([t[0], t[1], t[1]], lr=0.1)
    for k in range(3):
        for (ep, tp), v in zip(zip(e, t), (c0, a0)):
            ep.grad, tp.grad = ember.from_numpy(v * (k + 1)), torch.from_numpy(v * (k + 1))
        if k == 0:
            e[1].grad = t[1].grad = None  # c takes a step alone first
        e_opt.step()
        t_opt.step()
        assert_params_equal(e, t, f"step {k + 1}")


def _ints(rng: np.random.Generator, n: int) -> np.ndarray:
    """Integers times powers of two: products and sums of these land on float32 midpoints often."""
    return (rng.integers(-2 ** 20, 2 ** 20, n) * 0.5 ** rng.integers(0, 24, n)).astype(np.float32)


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt")  # v - ga*ga < 0 by rounding: NaN, as in torch
@pytest.mark.parametrize("alpha", [0.75, 0.3, 0.0], ids=["lerp-near", "lerp-far", "alpha0"])
@pytest.mark.parametrize("centered,momentum,weight_decay", [(False, 0, 0), (True, 0, 0.5), (False, 0.5, 0),
                                                            (True, 0.75, 1.0)])
def test_rmsprop32_matches_op_by_op_kernels_on_midpoints(alpha, centered, momentum, weight_decay):
    """The chunked RMSprop against its op-by-op kernels (each checked against torch's ops elsewhere) on operands
    that hit float32 midpoints, for every branch of the update; alpha = 0 makes addcmul's value 1."""
    rng = np.random.default_rng(11)
    x, v, ga, buf = rng.standard_normal(N).astype(np.float32), np.abs(_ints(rng, N)), _ints(rng, N), _ints(rng, N)
    v += ga * ga  # keeps the centered variance v - ga*ga mostly non-negative
    ref = [a.copy() for a in (x, v, ga, buf)]
    for step in range(3):
        g = _ints(rng, N)
        args = (1e-3, alpha, 1e-8, weight_decay, momentum)
        rmsprop._rmsprop32(x, g, v, ga if centered else None, buf if momentum else None, *args)
        rmsprop._rmsprop_any(ref[0], g, ref[1], ref[2] if centered else None, ref[3] if momentum else None, *args)
        for got, want in zip((x, v, ga, buf), ref):
            assert np.array_equal(got, want, equal_nan=True), step


@pytest.mark.parametrize("clr,weight_decay", [(1e-2, 0), (-1.0, 0.5), (0.3, 1.0)])
def test_adagrad32_matches_op_by_op_kernels_on_midpoints(clr, weight_decay):
    """clr = -1 makes addcdiv's value 1 (the product is skipped)."""
    rng = np.random.default_rng(12)
    x, s = rng.standard_normal(N).astype(np.float32), np.abs(_ints(rng, N))
    ref = [x.copy(), s.copy()]
    for step in range(3):
        g = _ints(rng, N)
        adagrad._adagrad32(x, g, s, clr, weight_decay, 1e-10)
        adagrad._adagrad_any(ref[0], g, ref[1], clr, weight_decay, 1e-10)
        assert np.array_equal(x, ref[0]) and np.array_equal(s, ref[1]), step
