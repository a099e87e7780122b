"""torch.distributions.Dirichlet, sampled with torch's CPU sampler and reparameterization gradient."""
from __future__ import annotations

import numpy as np

import ember
import ember.nn.functional as F
from ember import Size, Tensor

from . import constraints
from .exp_family import ExponentialFamily
from ._dirichlet_grad import dirichlet_grad_array
from ._gamma_sampling import sample_dirichlet_array
from ember.autograd.function import _NumpyFunction

__all__ = ["Dirichlet"]


class _Dirichlet(_NumpyFunction):
    """x ~ Dirichlet(concentration) (aten ``_sample_dirichlet``) with aten's ``_dirichlet_grad`` backward."""

    _backward_name = "_DirichletBackward"

    @staticmethod
    def forward(ctx, concentration: np.ndarray) -> np.ndarray:
        x = sample_dirichlet_array(concentration)
        ctx.save_for_backward(x, concentration)
        return x

    @staticmethod
    def backward(ctx, grad_output: np.ndarray) -> np.ndarray:
        x, concentration = ctx.saved_tensors
        total = np.broadcast_to(ember.from_numpy(concentration).sum(-1, True).numpy(), concentration.shape)
        grad = dirichlet_grad_array(x, concentration, total)
        return grad * (grad_output - (x * grad_output).sum(-1, keepdims=True))


class Dirichlet(ExponentialFamily):
    """p(x) = prod x_i**(a_i - 1) Gamma(sum a) / prod Gamma(a_i) on the simplex."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(Size(tuple(batch_shape) + tuple(self.event_shape)))
        super(Dirichlet, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=()) -> Tensor:
        return _Dirichlet.apply(self.concentration.expand(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (ember.xlogy(self.concentration - 1.0, value).sum(-1) + ember.lgamma(self.concentration.sum(-1))
                - ember.lgamma(self.concentration).sum(-1))

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self) -> Tensor:
        concentrationm1 = (self.concentration - 1).clamp(min=0.0)
        mode = concentrationm1 / concentrationm1.sum(-1, True)
        # all concentrations below 1: the mass piles on a vertex (the largest one)
        mask = (self.concentration < 1).all(dim=-1)
        mode[mask] = F.one_hot(mode[mask].argmax(dim=-1), concentrationm1.shape[-1]).to(mode)
        return mode

    @property
    def variance(self) -> Tensor:
        con0 = self.concentration.sum(-1, True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self):
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (ember.lgamma(self.concentration).sum(-1) - ember.lgamma(a0) - (k - a0) * ember.digamma(a0)
                - ((self.concentration - 1.0) * ember.digamma(self.concentration)).sum(-1))

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.concentration,)

    def _log_normalizer(self, x):
        return x.lgamma().sum(-1) - ember.lgamma(x.sum(-1))
