"""NAdam vs torch.optim.NAdam: 100-step trajectories for every option, state, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
import ember.optim  # noqa: F401
from _compare import check_error
from test_optimizer import check_steps_within_1ulp, check_trajectory, torch_sqrt  # noqa: F401  (fixture)

CASES = [
    dict(),
    dict(lr=0.01, betas=(0.8, 0.99), momentum_decay=0.01),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    dict(lr=0.02, eps=1e-3, maximize=True, foreach=False),
]


# every case in float32; float64 (whose kernels round alike) for a few, to keep the file fast
@pytest.mark.parametrize("kwargs,dtype", [(k, np.float32) for k in CASES] + [(k, np.float64) for k in CASES[-3:]],
                         ids=lambda v: np.dtype(v).name if isinstance(v, type) else str(v))
def test_trajectory_bit_exact(kwargs, dtype, torch_sqrt):
    check_trajectory("NAdam", kwargs, dtype)


def test_own_sqrt_within_1ulp_per_step():
    check_steps_within_1ulp("NAdam", dict(lr=0.01))


def test_foreach_flag_accepted_and_close():
    # deliberate difference: torch's foreach NAdam divides sqrt(v) by sqrt(1 - beta2**t) instead of taking
    # sqrt(v / (1 - beta2**t)); ember runs the single-tensor arithmetic for every foreach value (1-ulp steps)
    e_opt, t_opt, e_params, t_params = run_both("NAdam", dict(foreach=True), steps=20, check=False)
    assert e_opt.param_groups[0]["foreach"] is True
    for ep, tp in zip(e_params, t_params):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)


# --- helpers the other new optimizers' tests share (test_radam.py, test_adamax.py, ...) -------------------------

def run_both(name: str, kwargs: dict, steps: int = 3, check: bool = True, dtype=np.float32):
    """``steps`` updates in both libraries (bit-exact params after each when ``check``)."""
    if check:
        return check_trajectory(name, kwargs, dtype, steps=steps)
    from test_optimizer import make_params, set_grads
    e_params, t_params = make_params(dtype)
    e_opt = getattr(ember.optim, name)(e_params, **kwargs)
    t_opt = getattr(torch.optim, name)(t_params, **kwargs)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        set_grads(e_params, t_params, rng)
        e_opt.step()
        t_opt.step()
    return e_opt, t_opt, e_params, t_params


def _same_value(e, t, what):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), what
        assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape), what
        assert e.stride() == t.stride(), what
        np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy(), err_msg=what)
    else:
        assert type(e) is type(t) and e == t, f"{what}: {e!r} != {t!r}"


def check_state(name: str, kwargs: dict, keys: list[str], steps: int = 3, dtype=np.float32) -> None:
    """State keys, dtypes, values; state_dict() structure; load_state_dict() into a fresh optimizer continues
    the same trajectory as torch's."""
    e_opt, t_opt, e_params, t_params = run_both(name, kwargs, steps, dtype=dtype)
    for ep, tp in zip(e_params, t_params):
        assert list(e_opt.state[ep]) == list(t_opt.state[tp]) == keys
        for key in keys:
            _same_value(e_opt.state[ep][key], t_opt.state[tp][key], f"state {key}")
    esd, tsd = e_opt.state_dict(), t_opt.state_dict()
    assert esd["param_groups"] == tsd["param_groups"]
    assert list(esd["state"]) == list(tsd["state"])
    # a fresh optimizer loaded from the state dict continues bit-exactly
    from test_optimizer import assert_params_equal, set_grads
    e2 = getattr(ember.optim, name)(e_params, **kwargs)
    t2 = getattr(torch.optim, name)(t_params, **kwargs)
    e2.load_state_dict(esd)
    t2.load_state_dict(tsd)
    assert repr(e2) == repr(t2)
    for ep, tp in zip(e_params, t_params):  # loading casts every state tensor but ``step`` to the param's dtype
        for key in keys:
            _same_value(e2.state[ep][key], t2.state[tp][key], f"loaded state {key}")
    rng = np.random.default_rng(7)
    for k in range(3):
        set_grads(e_params, t_params, rng)
        e2.step()
        t2.step()
        assert_params_equal(e_params, t_params, f"{name} after load_state_dict, step {k + 1}")


def check_flag_errors(name: str, kwargs: dict | None = None) -> None:
    """capturable / differentiable / foreach combinations raise as torch's CPU step does, leaving the same state."""
    kwargs = kwargs or {}
    for flags in (dict(capturable=True), dict(capturable=True, foreach=True), dict(differentiable=True),
                  dict(differentiable=True, foreach=True)):
        opts = {}

        def make(lib, opts=opts, flags=flags):
            p = lib.nn.Parameter(lib.from_numpy(np.array([1.0, -2.0, 3.0], np.float32)) if lib is ember
                                 else lib.from_numpy(np.array([1.0, -2.0, 3.0], np.float32)))
            p.grad = lib.from_numpy(np.array([0.5, 0.25, -1.0], np.float32))
            opts[lib.__name__] = opt = getattr(lib.optim, name)([p], **kwargs, **flags)
            opts[lib.__name__ + "p"] = p
            opt.step()

        check_error(make)
        e_state, t_state = opts["ember"].state[opts["emberp"]], opts["torch"].state[opts["torchp"]]
        assert list(e_state) == list(t_state)
        for key in t_state:
            _same_value(e_state[key], t_state[key], f"{flags}: state {key}")
        np.testing.assert_array_equal(opts["emberp"].detach().numpy(), opts["torchp"].detach().numpy())


def check_repr_defaults(name: str, kwargs: dict | None = None) -> None:
    e = getattr(ember.optim, name)([ember.nn.Parameter(ember.zeros(2))], **(kwargs or {}))
    t = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))], **(kwargs or {}))
    assert repr(e) == repr(t)
    assert e.defaults == t.defaults and list(e.defaults) == list(t.defaults)


def check_tensor_lr(name: str, kwargs: dict, dtype=np.float32) -> None:
    """A 0-dim Tensor lr: torch's scalar arithmetic then rounds in the lr's dtype."""
    from test_optimizer import assert_params_equal, make_params, set_grads
    e_params, t_params = make_params(dtype)
    e_opt = getattr(ember.optim, name)(e_params, lr=ember.tensor(kwargs.pop("lr", 0.01)), **kwargs)
    t_opt = getattr(torch.optim, name)(t_params, lr=torch.tensor(e_opt.param_groups[0]["lr"].item()), **kwargs)
    rng = np.random.default_rng(1)
    for k in range(30):
        set_grads(e_params, t_params, rng)
        e_opt.step()
        t_opt.step()
        assert_params_equal(e_params, t_params, f"{name} tensor lr, step {k + 1}")


def test_state(torch_sqrt):
    check_state("NAdam", dict(lr=0.01, weight_decay=0.1), ["step", "mu_product", "exp_avg", "exp_avg_sq"])


def test_state_float64_params(torch_sqrt):
    check_state("NAdam", dict(lr=0.01), ["step", "mu_product", "exp_avg", "exp_avg_sq"], dtype=np.float64)


def test_state_float64_default_dtype(torch_sqrt):
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    check_state("NAdam", dict(lr=0.01), ["step", "mu_product", "exp_avg", "exp_avg_sq"])


@pytest.mark.parametrize("kwargs", [{}, dict(weight_decay=0.1, decoupled_weight_decay=True)], ids=str)
def test_flag_errors(kwargs, torch_sqrt):
    check_flag_errors("NAdam", kwargs)


@pytest.mark.parametrize("kwargs", [dict(lr=-1), dict(eps=-1.0), dict(betas=(1.0, 0.999)), dict(betas=(0.9, -0.1)),
                                    dict(weight_decay=-0.5), dict(momentum_decay=-1e-3)], ids=str)
def test_errors(kwargs):
    check_error(lambda lib: lib.optim.NAdam([lib.nn.Parameter(lib.zeros(2))], **kwargs))


def test_tensor_lr_errors():
    check_error(lambda lib: lib.optim.NAdam([lib.nn.Parameter(lib.zeros(2))], lr=lib.tensor([0.1, 0.2])))


def test_repr_and_defaults():
    check_repr_defaults("NAdam", dict(lr=0.01, decoupled_weight_decay=True))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_tensor_lr(dtype, torch_sqrt):
    check_tensor_lr("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), dtype)


def check_complex(name: str, kwargs: dict, steps: int = 30) -> None:
    """Complex params update through real views, as torch's view_as_real does; bit-exact."""
    from test_optimizer import assert_params_equal
    rng = np.random.default_rng(3)
    for dtype in (np.complex64, np.complex128):
        arrays = [np.asarray(rng.standard_normal(s) + 1j * rng.standard_normal(s)).astype(dtype)
                  for s in [(5, 3), (37,), ()]]
        e_params = [ember.nn.Parameter(ember.from_numpy(a.copy())) for a in arrays]
        t_params = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays]
        e_opt = getattr(ember.optim, name)(e_params, **kwargs)
        t_opt = getattr(torch.optim, name)(t_params, **kwargs)
        for k in range(steps):
            for ep, tp in zip(e_params, t_params):
                g = np.asarray((rng.standard_normal(tp.shape) + 1j * rng.standard_normal(tp.shape)) * 0.1)
                ep.grad = ember.from_numpy(g.astype(dtype))
                tp.grad = torch.from_numpy(g.astype(dtype))
            e_opt.step()
            t_opt.step()
            assert_params_equal(e_params, t_params, f"{name}({kwargs}) {np.dtype(dtype).name} step {k + 1}")
        for ep, tp in zip(e_params, t_params):
            for key, tv in t_opt.state[tp].items():
                _same_value(e_opt.state[ep][key], tv, f"state {key}")


@pytest.mark.parametrize("kwargs", [dict(weight_decay=0.1), dict(weight_decay=0.1, decoupled_weight_decay=True)],
                         ids=str)
def test_complex(kwargs, torch_sqrt):
    check_complex("NAdam", kwargs)
