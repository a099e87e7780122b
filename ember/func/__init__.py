"""``ember.func``: torch.func's function transforms on ember's autograd.

``grad``/``vjp``/``jacrev``/``jacfwd``/``hessian`` differentiate with ``autograd.grad(create_graph=True)``, so
they compose; ``vmap`` calls the function once per batch element and stacks the results (see ``_vmap``);
``functional_call`` runs a module with given parameters and buffers.
"""
from __future__ import annotations

from ._functional_call import functional_call, stack_module_state
from ._functionalize import functionalize
from ._grad import grad, grad_and_value, hessian, jacfwd, jacrev, vjp
from ._vmap import vmap

__all__ = ["grad", "grad_and_value", "vmap", "functionalize", "hessian", "jacfwd", "jacrev", "vjp",
           "functional_call", "stack_module_state"]
