"""``ember.nn.utils.stateless``: call a module with other tensors standing in for its parameters and buffers.

``_reparametrize_module`` swaps the given tensors into the module's ``_parameters``/``_buffers`` (or plain
attributes), runs the body and swaps the originals back, also when the body raises. Gradients therefore flow
to the given tensors, which is what MAML-style meta-learning relies on. ``torch.func.functional_call`` is the
public entry point; ``functional_call`` here is its deprecated twin (torch warns with a FutureWarning).
"""
from __future__ import annotations

import contextlib
import warnings
from typing import TYPE_CHECKING, Any, Iterator

from ..._tensor import Tensor

if TYPE_CHECKING:
    from ..modules.module import Module

__all__ = ["functional_call"]

_MISSING: Any = object()  # marks "the module had no such attribute" so restoring deletes it again


def _swap_tensor(module: Module, name: str, tensor: Any) -> Any:
    """Put ``tensor`` (or remove the entry, for ``_MISSING``) at ``module.<name>``; return what was there."""
    from ..modules.module import Module
    if not isinstance(module, Module):
        raise TypeError(f"{module} is not an instance of torch.nn.Module")
    if tensor is not _MISSING and tensor is not None and not isinstance(tensor, Tensor):
        raise TypeError(f"{tensor} is not an instance of torch.Tensor")
    for registry in (module._parameters, module._buffers):
        if name in registry:
            orig = registry[name]
            if tensor is _MISSING:
                del registry[name]
            else:
                registry[name] = tensor  # a plain tensor may sit in _parameters for the call, as in torch
            return orig
    orig = getattr(module, name) if hasattr(module, name) else _MISSING
    if orig is not _MISSING and orig is not None and not isinstance(orig, Tensor):
        raise TypeError(f"attribute `{name}`: {orig} is not an instance of torch.Tensor")
    if tensor is not _MISSING:
        setattr(module, name, tensor)
    elif hasattr(module, name):
        delattr(module, name)
    return orig


def _submodule(root: Module, path: str, memo: dict) -> Module:
    from ..modules.module import Module
    if not path:
        return root
    if path not in memo:
        prefix, _, attr = path.rpartition(".")
        parent = _submodule(root, prefix, memo)
        try:
            sub = getattr(parent, attr)
        except AttributeError as ex:
            raise AttributeError(f"{parent._get_name()} has no attribute `{attr}`") from ex
        if not isinstance(sub, Module):
            raise TypeError(f"submodule `{path}`: {sub} is not an instance of torch.nn.Module")
        memo[path] = sub
    return memo[path]


def _swap_dict(module: Module, named: dict[str, Any]) -> dict[str, Any]:
    """Swap every ``dotted.name -> tensor``; on an error put back what was already swapped."""
    memo: dict = {}
    orig: dict[str, Any] = {}
    try:
        for name, tensor in named.items():
            prefix, _, attr = name.rpartition(".")
            orig[name] = _swap_tensor(_submodule(module, prefix, memo), attr, tensor)
    except Exception:
        for name, tensor in orig.items():
            prefix, _, attr = name.rpartition(".")
            _swap_tensor(_submodule(module, prefix, memo), attr, tensor)
        raise
    return orig


def _untie(module: Module, given: dict[str, Tensor]) -> dict[str, Tensor]:
    """Give every name of a tied tensor the value given for one of its names (torch's tie_weights=True)."""
    named: dict[str, Tensor] = {}
    named.update(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    names_of: dict[int, set[str]] = {}
    for name, t in named.items():
        names_of.setdefault(id(t), set()).add(name)
    tied = {name: names for names in names_of.values() if len(names) > 1 for name in names}
    given_tied = {name for name in given if name in tied}
    for name in given_tied:
        group = tied[name]
        if len(group & given_tied) > 1 and len({id(given[n]) for n in group if n in given}) != 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(group)}, "
                             "which are tied. Consider using tie_weights=False")
    untied = dict(given)
    for name in given_tied:
        for other in tied[name]:
            untied[other] = given[name]
    return untied


@contextlib.contextmanager
def _reparametrize_module(module: Module, parameters_and_buffers: dict[str, Tensor], tie_weights: bool = False,
                          strict: bool = False) -> Iterator[None]:
    untied = _untie(module, parameters_and_buffers) if tie_weights else parameters_and_buffers
    if strict:
        valid = {n for n, _ in module.named_parameters(remove_duplicate=False)}
        valid |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
        missing, unexpected = sorted(valid - set(untied)), sorted(set(untied) - valid)
        msgs = []
        if unexpected:
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(module._get_name(),
                                                                                  "\n\t".join(msgs)))
    orig: dict[str, Any] = {}
    try:
        orig = _swap_dict(module, untied)
        yield
    finally:
        now = _swap_dict(module, orig)
        # a forward that reassigns a buffer (self.b = self.b + 1) leaves the new value in the caller's dict
        parameters_and_buffers.update({k: now[k] for k in parameters_and_buffers if k in now})


def _functional_call(module: Module, parameters_and_buffers: dict[str, Tensor], args: Any = None,
                     kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True, strict: bool = False) -> Any:
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize_module(module, parameters_and_buffers, tie_weights=tie_weights, strict=strict):
        return module(*args, **kwargs)


def functional_call(module: Module, parameters_and_buffers: dict[str, Tensor], args: Any = None,
                    kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True, strict: bool = False) -> Any:
    """Deprecated alias of :func:`ember.func.functional_call` (one dict only), with torch's FutureWarning."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed "
                  "in a future version of PyTorch. Please use `torch.func.functional_call` instead which is a "
                  "drop-in replacement.", FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)
