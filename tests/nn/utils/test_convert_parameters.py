"""parameters_to_vector / vector_to_parameters vs torch.nn.utils."""
from __future__ import annotations

import numpy as np

import ember
import ember.nn.utils as enu
import torch
import torch.nn.utils as tnu
from _compare import check_error


def _params(lib):
    rng = np.random.default_rng(0)
    return [lib.nn.Parameter((torch.from_numpy if lib is torch else ember.from_numpy)(
        np.asarray(rng.standard_normal(s), np.float32))) for s in [(3, 2), (4,), ()]]


def test_parameters_to_vector():
    e, t = enu.parameters_to_vector(_params(ember)), tnu.parameters_to_vector(_params(torch))
    assert np.array_equal(e.detach().numpy(), t.detach().numpy())
    assert e.grad_fn.name() == t.grad_fn.name()
    e.sum().backward()  # differentiable: grads flow back to every parameter


def test_vector_to_parameters_shares_memory():
    vec = np.arange(11, dtype=np.float32)
    ep, tp = _params(ember), _params(torch)
    ev = ember.from_numpy(vec.copy())
    enu.vector_to_parameters(ev, ep)
    tnu.vector_to_parameters(torch.from_numpy(vec.copy()), tp)
    for a, b in zip(ep, tp):
        assert tuple(a.shape) == tuple(b.shape)
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    ev[0] = 100.0  # parameters now view the vector, as in torch
    assert ep[0].detach().numpy()[0, 0] == 100.0


def test_vector_to_parameters_type_error():
    check_error(lambda lib: (enu if lib is ember else tnu).vector_to_parameters([1.0], _params(lib)))
