"""Structured transforms and the constraint registry vs torch: values, inverses, log|det J|, grads, shapes."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _dist_cases import lib_tensor

STRUCTURED = {
    # name: (factory(T, lib), input shape, has log_abs_det_jacobian)
    "reshape": (lambda T, lib: T.ReshapeTransform((2, 3), (3, 2)), (4, 2, 3), True),
    "stick_breaking": (lambda T, lib: T.StickBreakingTransform(), (4, 3), True),
    "corr_cholesky": (lambda T, lib: T.CorrCholeskyTransform(), (4, 6), True),
    "lower_cholesky": (lambda T, lib: T.LowerCholeskyTransform(), (2, 3, 3), False),
    "positive_definite": (lambda T, lib: T.PositiveDefiniteTransform(), (2, 3, 3), False),
    "cat": (lambda T, lib: T.CatTransform([T.ExpTransform(), T.identity_transform, T.SigmoidTransform()],
                                          dim=1, lengths=[1, 2, 1]), (3, 4), True),
    "stack": (lambda T, lib: T.StackTransform([T.ExpTransform(), T.TanhTransform()], dim=-1), (3, 2), True),
    "cdf": (lambda T, lib: T.CumulativeDistributionTransform(
        lib.distributions.Normal(lib.tensor(0.3, dtype=lib.float64), lib.tensor(1.7, dtype=lib.float64))),
        (5,), True),
}


@pytest.mark.parametrize("key", list(STRUCTURED))
def test_structured_transforms(key):
    factory, shape, has_ladj = STRUCTURED[key]
    x0 = np.random.default_rng(3).uniform(-0.9, 0.9, shape)
    res = {}
    for lib in (torch, ember):
        t = factory(lib.distributions.transforms, lib)
        x = lib_tensor(lib, x0, requires_grad=True)
        y = t(x)
        xi = t.inv(y)
        total = y.sum() + (t.log_abs_det_jacobian(x, y).sum() if has_ladj else 0)
        g, = lib.autograd.grad(total, [x])
        vals = [y, xi, g] + ([t.log_abs_det_jacobian(x, y)] if has_ladj else [])
        res[lib] = ([v.detach().numpy() for v in vals],
                    (tuple(t.forward_shape(torch.Size(shape))), tuple(t.inverse_shape(t.forward_shape(torch.Size(shape)))),
                     repr(t.domain), repr(t.codomain), t.bijective, t.inv.bijective))
    (tv, tm), (ev, em) = res[torch], res[ember]
    for a, b in zip(ev, tv):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert em == tm


def test_transform_shape_errors():
    for lib in (torch, ember):
        T = lib.distributions.transforms
        with pytest.raises(ValueError, match="different numbers of elements"):
            T.ReshapeTransform((2, 3), (4,))
        with pytest.raises(ValueError, match="Shape mismatch"):
            T.ReshapeTransform((2, 3), (6,)).forward_shape(torch.Size((3, 2)))
        with pytest.raises(ValueError, match="not a flattened lower-diagonal number"):
            T.CorrCholeskyTransform().forward_shape(torch.Size((4,)))
        with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
            T.ExpTransform(cache_size=3)


CONSTRAINTS = ["real", "positive", "nonnegative", "unit_interval", "simplex", "real_vector", "lower_cholesky",
               "positive_definite", "corr_cholesky", "interval", "greater_than", "less_than", "cat", "stack",
               "independent_positive"]


def _constraint(C, name):
    return {"interval": lambda: C.interval(-2.0, 3.0), "greater_than": lambda: C.greater_than(1.5),
            "less_than": lambda: C.less_than(-0.5), "cat": lambda: C.cat([C.positive, C.real], 1, [2, 2]),
            "stack": lambda: C.stack([C.positive, C.unit_interval], -1),
            "independent_positive": lambda: C.independent(C.positive, 1)}.get(name, lambda: getattr(C, name))()


_INPUT_SHAPE = {"lower_cholesky": (3, 3), "positive_definite": (3, 3), "corr_cholesky": (3,), "simplex": (3,),
                "cat": (2, 4), "stack": (3, 2), "real_vector": (2, 3), "independent_positive": (2, 3)}


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("cname", CONSTRAINTS)
def test_constraint_registry(registry, cname):
    x0 = np.random.default_rng(4).normal(size=_INPUT_SHAPE.get(cname, (4,)))
    res = {}
    for lib in (torch, ember):
        D = lib.distributions
        c = _constraint(D.constraints, cname)
        try:
            t = getattr(D, registry)(c)
        except NotImplementedError as exc:
            res[lib] = ("raises", str(exc))
            continue
        y = t(lib_tensor(lib, x0))
        res[lib] = (repr(t), y.numpy(), bool(c.check(y).all()))
    t, e = res[torch], res[ember]
    assert e[0] == t[0]
    if t[0] != "raises":
        np.testing.assert_allclose(e[1], t[1], rtol=1e-12, atol=1e-12)
        assert e[2] == t[2]
    else:
        assert e == t


def test_registry_register():
    for lib in (torch, ember):
        D = lib.distributions
        reg = D.constraint_registry.ConstraintRegistry()
        with pytest.raises(NotImplementedError, match="Cannot transform _Real constraints"):
            reg(D.constraints.real)
        reg.register(D.constraints.real, lambda c: D.transforms.ExpTransform())
        assert isinstance(reg(D.constraints.real), D.transforms.ExpTransform)
        with pytest.raises(TypeError, match="Expected constraint to be either a Constraint subclass or instance"):
            reg.register(3, lambda c: None)
