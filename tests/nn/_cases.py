"""Shared helpers for the functional tests: random inputs and a torch-vs-ember F caller."""
from __future__ import annotations

import numpy as np
import torch

import ember

DTYPES = [np.float32, np.float64]


def F(lib):
    return torch.nn.functional if lib is torch else ember.nn.functional


def randn(*shape, dtype=np.float32, seed=0, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)
