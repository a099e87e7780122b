"""Names model code imports from torch.nn.modules.* submodules, checked against torch."""
from __future__ import annotations

import importlib
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember


@pytest.mark.parametrize("module, names", [
    ("nn.modules.utils", ["_single", "_pair", "_triple", "_quadruple", "_ntuple", "_reverse_repeat_tuple",
                          "consume_prefix_in_state_dict_if_present"]),
    ("nn.modules.linear", ["NonDynamicallyQuantizableLinear", "Identity"]),
    ("nn.modules.pooling", ["_AvgPoolNd", "_MaxPoolNd", "_AdaptiveAvgPoolNd"]),
    ("nn.modules.batchnorm", ["_BatchNorm", "_NormBase"]),
    ("nn.modules.conv", ["_ConvNd"]),
    ("nn.modules.padding", ["_ConstantPadNd", "_ReflectionPadNd", "_ReplicationPadNd", "_CircularPadNd"]),
])
def test_submodule_names_exist(module: str, names: list[str]) -> None:
    mod = importlib.import_module(f"ember.{module}")
    assert [n for n in names if not hasattr(mod, n)] == []


@pytest.mark.parametrize("value", [3, (1, 2), [4], "ab", range(3)])
def test_ntuple_helpers_match_torch(value) -> None:
    from torch.nn.modules import utils as tu

    from ember.nn.modules import utils as eu
    for name in ("_single", "_pair", "_triple", "_quadruple"):
        assert getattr(eu, name)(value) == getattr(tu, name)(value)
        assert getattr(eu, name).__name__ == getattr(tu, name).__name__
    assert eu._reverse_repeat_tuple((1, 2, 3), 2) == tu._reverse_repeat_tuple((1, 2, 3), 2)


def test_avg_pools_share_torch_base_class() -> None:
    from ember.nn.modules.pooling import _AvgPoolNd
    assert isinstance(ember.nn.AvgPool1d(2), _AvgPoolNd) and isinstance(ember.nn.AvgPool2d(2), _AvgPoolNd)
    assert repr(ember.nn.AvgPool2d(3, 1, 1)) == repr(torch.nn.AvgPool2d(3, 1, 1))


def test_consume_prefix_in_state_dict_if_present_matches_torch() -> None:
    from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present as t_consume

    from ember.nn.modules.utils import consume_prefix_in_state_dict_if_present as e_consume

    def wrapped(lib):
        # a DataParallel-style checkpoint: every key (and metadata key) under "module."
        sd = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU()).state_dict()
        out = OrderedDict(("module." + k, v) for k, v in sd.items())
        out._metadata = OrderedDict([("", {}), ("module", {"version": 1}), ("module.0", {"version": 1}),
                                     ("other", {})])
        return out
    t_sd, e_sd = wrapped(torch), wrapped(ember)
    t_consume(t_sd, "module.")
    e_consume(e_sd, "module.")
    assert list(e_sd) == list(t_sd)
    assert list(e_sd._metadata.items()) == list(t_sd._metadata.items())


@pytest.mark.parametrize("name, shape", [("InstanceNorm1d", (3, 5)), ("InstanceNorm2d", (3, 2, 4)),
                                         ("InstanceNorm3d", (3, 2, 2, 2))])
def test_instance_norm_private_helpers_match_torch(name: str, shape) -> None:
    # torch's forward goes through these two, and subclasses in model code override them
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    e_mod, t_mod = getattr(ember.nn, name)(3), getattr(torch.nn, name)(3)
    assert e_mod._get_no_batch_dim() == t_mod._get_no_batch_dim()
    e_out = e_mod._handle_no_batch_input(ember.from_numpy(x.copy()))
    t_out = t_mod._handle_no_batch_input(torch.from_numpy(x.copy()))
    np.testing.assert_allclose(e_out.numpy(), t_out.numpy(), rtol=1e-5, atol=1e-6)
