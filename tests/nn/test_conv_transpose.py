"""conv_transpose1d/2d against torch: values, grads of input/weight/bias, the node, and torch's errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error, check_op

CASES = [
    # (input shape, weight shape (C_in, C_out/groups, *k), bias, kwargs)
    ((2, 4, 5, 5), (4, 2, 3, 3), True, {}),
    ((2, 4, 5, 5), (4, 2, 3, 3), True, dict(stride=2, padding=1, output_padding=1)),
    ((1, 4, 5, 6), (4, 3, 2, 3), True, dict(stride=(2, 1), padding=(0, 1), dilation=(1, 2), groups=2)),
    ((4, 5, 5), (4, 2, 3, 3), False, {}),                                       # unbatched
    ((2, 3, 7), (3, 2, 4), True, dict(stride=3, padding=2, output_padding=1, dilation=2)),
    ((3, 8, 7, 7), (8, 4, 4, 4), True, dict(stride=2, padding=1)),              # DCGAN's upsampling block
    ((2, 6, 3, 3), (6, 1, 3, 3), False, dict(groups=6, stride=2, output_padding=(1, 0))),
    ((40, 2, 6, 6), (2, 3, 3, 3), True, dict(padding=1)),                        # many samples: several chunks
]


def _fn(lib, nd):
    return lib.nn.functional.conv_transpose1d if nd == 1 else lib.nn.functional.conv_transpose2d


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_values_and_grads(case, dtype):
    xs, ws, has_bias, kw = case
    rng = np.random.default_rng(0)
    nd = len(ws) - 2
    arrs = [rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)]
    if has_bias:
        arrs.append(rng.standard_normal(ws[1] * kw.get("groups", 1)).astype(dtype))
    # float32 weight grads: ember sums the batch in float64, torch in float32
    tol = dict(rtol=1e-5, atol=1e-5, grad_rtol=1e-4, grad_atol=1e-4) if dtype == np.float32 else {}
    check_op(lambda lib, x, w, b=None: _fn(lib, nd)(x, w, b, **kw), arrs, **tol)


@pytest.mark.parametrize("needs", [(True, False), (False, True)])
def test_partial_grads(needs):
    rng = np.random.default_rng(1)
    arrs = [(rng.standard_normal((2, 3, 4, 4)), needs[0]), (rng.standard_normal((3, 2, 3, 3)), needs[1])]
    check_op(lambda lib, x, w: _fn(lib, 2)(x, w, stride=2), arrs)


ERRORS = [
    ((1, 3, 5, 5), (4, 2, 3, 3), None, {}),                                     # channel mismatch
    ((1, 4, 5, 5), (4, 2, 3, 3), None, dict(stride=2, output_padding=2)),      # output padding too large
    ((1, 4, 5, 5), (4, 2, 3, 3), (3,), {}),                                     # bias size
    ((1, 4, 1, 1), (4, 2, 3, 3), None, dict(padding=2)),                        # output too small
    ((1, 4, 5, 5), (4, 2, 3, 3), None, dict(groups=3)),
    ((1, 4, 5, 5), (4, 2, 3, 3), None, dict(padding=-1)),
    ((1, 4, 5, 5), (4, 2, 3, 3), None, dict(stride=0)),
    ((1, 4, 5, 5, 5), (4, 2, 3, 3), None, {}),
    ((1, 4, 5, 5), (4, 2, 3, 3), None, dict(padding="same")),
]


@pytest.mark.parametrize("case", ERRORS, ids=str)
def test_errors(case):
    xs, ws, bs, kw = case

    def fn(lib):
        b = None if bs is None else lib.zeros(*bs)
        return lib.nn.functional.conv_transpose2d(lib.zeros(*xs), lib.zeros(*ws), b, **kw)
    check_error(fn)


def test_is_the_adjoint_of_conv2d():
    # <conv2d(y, W), x> == <y, conv_transpose2d(x, W)>: the defining property, in float64
    rng = np.random.default_rng(2)
    y = ember.tensor(rng.standard_normal((2, 3, 9, 9)))
    w = ember.tensor(rng.standard_normal((5, 3, 3, 3)))
    x = ember.tensor(rng.standard_normal((2, 5, 5, 5)))
    lhs = (ember.nn.functional.conv2d(y, w, stride=2, padding=1) * x).sum().item()
    rhs = (y * ember.nn.functional.conv_transpose2d(x, w, stride=2, padding=1)).sum().item()
    assert abs(lhs - rhs) < 1e-10 * max(1.0, abs(lhs))


MODULES = [
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2, bias=False, dilation=2)),
    ("ConvTranspose2d", (3, 5, (2, 4)), {}),
    ("ConvTranspose1d", (2, 3, 4), dict(stride=3, padding=1)),
]


@pytest.mark.parametrize("name,args,kw", MODULES, ids=str)
def test_module_init_repr_and_forward(name, args, kw):
    mods = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        mods.append(getattr(lib.nn, name)(*args, **kw))
    e, t = mods
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    for pe, pt in zip(e.parameters(), t.parameters()):
        assert np.array_equal(pe.detach().numpy(), pt.detach().numpy())  # torch's initial weights, bit for bit
    x = np.random.default_rng(3).standard_normal((2, args[0]) + (5,) * (1 if name.endswith("1d") else 2))
    check_op(lambda lib, x: (e if lib is ember else t)(x.float()), [x], rtol=1e-5, atol=1e-5)


def test_module_output_size_and_padding_mode():
    for lib in (ember, torch):
        m = lib.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)
        x = lib.ones(1, 4, 5, 5)
        assert tuple(m(x, output_size=[10, 10]).shape) == (1, 2, 10, 10)
        assert tuple(m(x, output_size=[1, 2, 9, 9]).shape) == (1, 2, 9, 9)
        with pytest.raises(ValueError, match=r"requested an output size of \[12, 12\], but valid sizes range from "
                                             r"\[9, 9\] to \[10, 10\] \(for an input of torch.Size\(\[5, 5\]\)\)"):
            m(x, output_size=[12, 12])
        with pytest.raises(ValueError, match="ConvTranspose2D: for 4D input, output_size must have 2 or 4 elements"):
            m(x, output_size=[1, 2, 3])
        with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
            lib.nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect")


def test_dcgan_generator_block_trains_like_torch():
    # DCGAN's generator: ConvTranspose2d + BatchNorm2d + ReLU, then Tanh; same seed, same losses
    losses = {}
    for lib in (torch, ember):
        nn = lib.nn
        lib.manual_seed(0)
        g = nn.Sequential(nn.ConvTranspose2d(8, 16, 4, 1, 0, bias=False), nn.BatchNorm2d(16), nn.ReLU(True),
                          nn.ConvTranspose2d(16, 1, 4, 2, 1, bias=False), nn.Tanh())
        opt = lib.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        z = lib.randn(4, 8, 1, 1)
        losses[lib] = []
        for _ in range(3):
            opt.zero_grad()
            loss = (g(z) ** 2).mean()
            loss.backward()
            opt.step()
            losses[lib].append(loss.item())
    np.testing.assert_allclose(losses[ember], losses[torch], rtol=1e-5)
