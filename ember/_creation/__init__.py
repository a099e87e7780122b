"""Tensor factories: ``tensor``, ``zeros``, ``arange``... (random ones live in ``ember._random_ops``).

By job: ``from_data`` (``tensor``, ``as_tensor``, ``asarray``, ``from_numpy``; ``nested_data`` reads nested
Python data as torch does), ``filled`` (``zeros``, ``ones``, ``empty``, ``full``, the ``*_like`` forms,
``scalar_tensor``, ``eye``), ``ranges`` (``arange``, ``range``, ``linspace``, ``logspace``) and ``tensor_new``
(``torch.Tensor(...)`` and ``Tensor.new_*``); ``args`` parses what they share. The names below are
re-exported so that ``ember._creation.<name>`` keeps working for the modules that import it.
"""
from __future__ import annotations

from .filled import (empty, empty_like, empty_strided, eye, full, full_like, ones, ones_like, scalar_tensor, zeros,
                     zeros_like)
from .from_data import as_tensor, asarray, from_numpy, tensor
from .ranges import arange, linspace, logspace, range
from .tensor_new import _legacy_new, new_empty, new_full, new_ones, new_tensor, new_zeros  # noqa: F401 (for _tensor)

__all__ = [
    "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
    "full_like", "empty_like", "arange", "range", "linspace", "logspace", "eye", "scalar_tensor", "empty_strided",
]
