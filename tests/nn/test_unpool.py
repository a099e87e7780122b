"""max_unpool1d/2d/3d and nn.MaxUnpool1d/2d/3d against torch: values, grads, nodes, output_size rules, reprs,
errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error, check_op


def _t(lib, a):
    return lib.from_numpy(np.ascontiguousarray(a).copy())


def _pooled(nd: int, shape, kw, dtype, seed=0):
    """A max pool's (values, indices) from torch, as NumPy arrays (the natural input of an unpool)."""
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    pool = getattr(torch.nn.functional, f"max_pool{nd}d")
    out, idx = pool(torch.from_numpy(x), return_indices=True, **kw)
    return out.numpy(), idx.numpy()


CASES = [
    (2, (2, 3, 6, 6), dict(kernel_size=2), {}),
    (2, (2, 3, 7, 7), dict(kernel_size=3, stride=2, padding=1), {}),
    (2, (2, 3, 7, 7), dict(kernel_size=3, stride=2, padding=1), dict(output_size=(7, 7))),
    (2, (2, 3, 5, 6), dict(kernel_size=2), dict(output_size=[2, 3, 5, 6])),    # N, C given too
    (2, (3, 6, 4), dict(kernel_size=(2, 1), stride=(2, 1)), {}),               # unbatched
    (1, (2, 3, 9), dict(kernel_size=2), {}),
    (1, (2, 3, 9), dict(kernel_size=2), dict(output_size=[9])),
    (1, (3, 8), dict(kernel_size=3, stride=1, padding=1), {}),                 # unbatched, overlapping windows
    (3, (2, 2, 4, 6, 6), dict(kernel_size=2), {}),
    (3, (2, 2, 4, 5, 6), dict(kernel_size=2), dict(output_size=(4, 5, 6))),
    (3, (1, 2, 5, 5, 5), dict(kernel_size=3, stride=2, padding=1), dict(output_size=(5, 5, 5))),
    (3, (2, 4, 4, 4), dict(kernel_size=(2, 1, 2)), {}),                        # unbatched
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("nd,shape,kw,extra", CASES)
def test_max_unpool(nd, shape, kw, extra, dtype):
    y, idx = _pooled(nd, shape, kw, dtype)
    check_op(lambda lib, y, i: getattr(lib.nn.functional, f"max_unpool{nd}d")(y, i, **kw, **extra), [y, idx])


def test_max_unpool_nodes():
    y1, i1 = _pooled(1, (2, 3, 8), dict(kernel_size=2), np.float64)
    y2, i2 = _pooled(2, (1, 2, 4, 4), dict(kernel_size=2), np.float32)
    y3, i3 = _pooled(3, (1, 1, 2, 2, 2), dict(kernel_size=2), np.float32)
    for lib in (ember, torch):
        F = lib.nn.functional
        out = F.max_unpool1d(_t(lib, y1).requires_grad_(), _t(lib, i1), 2)
        unpool = out.grad_fn.next_functions[0][0]
        # torch's composition: unsqueeze(-1) -> the 2-D node (indices are no input of it) -> squeeze(-1)
        assert out.grad_fn.name() == "SqueezeBackward1"
        assert unpool.name() == "MaxUnpool2DBackward0" and len(unpool.next_functions) == 1
        assert unpool.next_functions[0][0].name() == "UnsqueezeBackward0"
        out = F.max_unpool2d(_t(lib, y2).requires_grad_(), _t(lib, i2), 2)
        assert out.grad_fn.name() == "MaxUnpool2DBackward0" and len(out.grad_fn.next_functions) == 1
        out = F.max_unpool3d(_t(lib, y3).requires_grad_(), _t(lib, i3), 2)
        assert out.grad_fn.name() == "MaxUnpool3DBackward0" and len(out.grad_fn.next_functions) == 1


def test_max_unpool_repeated_and_given_indices():
    # indices not from a pool: repeats (the later value wins, every input gathers its position's grad)
    y = np.arange(1.0, 9.0).reshape(1, 2, 2, 2)
    idx = np.array([[[[0, 0], [5, 5]], [[15, 3], [3, 0]]]], np.int64)
    check_op(lambda lib, y, i: lib.nn.functional.max_unpool2d(y, i, 2), [y, idx])
    # an empty batch, and an output of size 0 (no index can be valid, torch checks none)
    check_op(lambda lib, y, i: lib.nn.functional.max_unpool2d(y, i, 2), [y[:0], idx[:0] + 100])
    check_op(lambda lib, y, i: lib.nn.functional.max_unpool2d(y, i, 1, padding=1), [y, idx], grad=False)
    check_op(lambda lib, y, i: lib.nn.functional.max_unpool3d(y, i, 1, padding=1), [y, idx],
             grad=False)

    def backward_of_empty(lib):  # torch's gather from the empty output planes fails
        yt = _t(lib, y).requires_grad_()
        lib.nn.functional.max_unpool2d(yt, _t(lib, idx), 1, padding=1).sum().backward()
    check_error(backward_of_empty)


def _err(fn_name, y, idx, *args, **kw):
    return check_error(lambda lib: getattr(lib.nn.functional, fn_name)(_t(lib, y), _t(lib, idx), *args, **kw))


def test_max_unpool_errors():
    y, idx = _pooled(2, (2, 3, 4, 4), dict(kernel_size=2), np.float32)
    _err("max_unpool2d", y, idx, 2, output_size=(6, 5))                    # outside one stride of the default
    _err("max_unpool2d", y, idx, 2, output_size=(5,))                      # wrong length
    _err("max_unpool2d", y, idx, 2, output_size=5)                         # not a sequence
    _err("max_unpool2d", y, idx, 2, output_size=[4.0, 4])                  # not ints
    _err("max_unpool2d", y, idx, 2, output_size=(4, 4.5))
    _err("max_unpool1d", y[0], idx[0], 2, output_size=[4.5])
    _err("max_unpool2d", y, idx, 1, padding=3)                             # negative size
    bad = idx.copy()
    bad[1, 2, 1, 0] = 16
    _err("max_unpool2d", y, bad, 2)                                        # index past the plane
    bad[1, 2, 1, 0] = -3
    _err("max_unpool2d", y, bad, 2)
    _err("max_unpool2d", y, idx[:, :, :1], 2)                              # shapes differ
    _err("max_unpool2d", y, idx.astype(np.int32), 2)                       # index dtype
    _err("max_unpool2d", y, idx.astype(np.float32), 2)
    _err("max_unpool2d", y[0, 0], idx[0, 0], 2)                            # rank
    _err("max_unpool2d", y[None], idx[None], 2)
    _err("max_unpool2d", y[:, :0], idx[:, :0], 2)                          # empty channel dim
    _err("max_unpool2d", y.astype(np.int64), idx, 2)                       # value dtype
    _err("max_unpool2d", y, idx, (2, 2, 2))                                # a 3-long kernel for 2-D
    y1, i1 = _pooled(1, (2, 3, 8), dict(kernel_size=2), np.float64)
    _err("max_unpool1d", y1[0, 0], i1[0, 0], 2)
    _err("max_unpool1d", y1, i1, 2, output_size=(10,))
    _err("max_unpool1d", y1, i1 + 100 * (i1 == 7), 2)
    y3, i3 = _pooled(3, (2, 3, 4, 4, 4), dict(kernel_size=2), np.float32)
    _err("max_unpool3d", y3[0, 0], i3[0, 0], 2)
    _err("max_unpool3d", y3[0, 0], i3[0, 0].astype(np.int32), 2)           # dtype is checked first
    _err("max_unpool3d", y3, i3[:1], 2)
    _err("max_unpool3d", y3[:, :0], i3[:, :0], 2)
    _err("max_unpool3d", y3, i3, 2, stride=(1, 0, 1))
    _err("max_unpool3d", y3, i3, 2, stride=0)
    _err("max_unpool3d", y3, i3, 2, output_size=(4, 4.0, 4))
    _err("max_unpool3d", y3, i3, 2, output_size=(4.0, 4, 4))
    _err("max_unpool3d", y3.astype(np.int64), i3, 2)
    bad3 = i3.copy()
    bad3[0, 1, 1, 1, 1] = 64
    _err("max_unpool3d", y3, bad3, 2)


def test_max_unpool_modules():
    for name, args in (("MaxUnpool1d", (2,)), ("MaxUnpool2d", (2, 1, 1)), ("MaxUnpool3d", ((2, 3, 1),)),
                       ("MaxUnpool2d", ((3, 2),)), ("MaxUnpool1d", (3, None, 1))):
        e, t = getattr(ember.nn, name)(*args), getattr(torch.nn, name)(*args)
        assert repr(e) == repr(t)
        assert (e.kernel_size, e.stride, e.padding) == (t.kernel_size, t.stride, t.padding)
    y, idx = _pooled(2, (1, 2, 5, 5), dict(kernel_size=3, stride=2), np.float64)
    check_op(lambda lib, y, i: lib.nn.MaxUnpool2d(3, 2)(y, i, output_size=[1, 2, 5, 5]), [y, idx])
    check_op(lambda lib, y, i: lib.nn.MaxUnpool2d(3, 2)(y, i), [y, idx])
    y1, i1 = _pooled(1, (2, 3, 7), dict(kernel_size=2), np.float32)
    check_op(lambda lib, y, i: lib.nn.MaxUnpool1d(2)(y, i, [7]), [y1, i1])
    y3, i3 = _pooled(3, (1, 2, 4, 4, 4), dict(kernel_size=2), np.float32)
    check_op(lambda lib, y, i: lib.nn.MaxUnpool3d(2)(y, i), [y3, i3])


def test_exports():
    # this helper's functional names and layers, where torch has them
    for name in ("max_unpool1d", "max_unpool2d", "max_unpool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d",
                 "multi_margin_loss", "multilabel_margin_loss", "channel_shuffle", "pdist"):
        assert name in ember.nn.functional.__all__ and hasattr(torch.nn.functional, name)
    layers = [(n, "pooling") for n in ("MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "LPPool1d", "LPPool2d", "LPPool3d")]
    layers += [("MultiMarginLoss", "loss"), ("MultiLabelMarginLoss", "loss"), ("ChannelShuffle", "channelshuffle")]
    for name, mod in layers:
        ours = getattr(ember.nn.modules, mod)
        assert name in ember.nn.modules.__all__ and getattr(ember.nn, name) is getattr(ours, name)
        assert name in getattr(torch.nn.modules, mod).__all__ and name in ours.__all__


def test_max_unpool_half():
    y, idx = _pooled(2, (2, 3, 6, 6), dict(kernel_size=2), np.float32)
    check_op(lambda lib, y, i: lib.nn.functional.max_unpool2d(y, i, 2), [y.astype(np.float16), idx], rtol=0, atol=0)
    y3, i3 = _pooled(3, (1, 2, 4, 4, 4), dict(kernel_size=2), np.float32)
    check_op(lambda lib, y, i: lib.nn.functional.max_unpool3d(y, i, 2), [y3.astype(np.float16), i3], rtol=0, atol=0)
