"""Misuse: each case must raise torch's exception type with torch's message."""
import numpy as np
import pytest

from _compare import check_error

F = lambda lib, *shape: lib.ones(*shape)  # noqa: E731


def _view_noncontig(lib):
    lib.zeros(2, 3).t().view(6)


def _backward_twice(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _modified_saved(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    y.sum().backward()


def _nonscalar_backward(lib):
    (lib.tensor([1.0, 2.0], requires_grad=True) * 2).backward()


def _no_grad_backward(lib):
    lib.tensor([1.0]).sum().backward()


def _set_requires_grad_nonleaf(lib):
    y = lib.tensor([1.0], requires_grad=True) * 2
    y.requires_grad = False


def _grad_wrong_shape(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    x.grad = lib.zeros(3)


CASES = {
    # shapes and broadcasting
    "add broadcast": lambda lib: F(lib, 2, 3) + F(lib, 4, 3),
    "mul broadcast": lambda lib: F(lib, 3) * F(lib, 4),
    "inplace grows": lambda lib: F(lib, 3).add_(F(lib, 2, 3)),
    "matmul 2d": lambda lib: F(lib, 2, 3) @ F(lib, 4, 5),
    "matmul 1d": lambda lib: F(lib, 3) @ F(lib, 4),
    "matmul mv": lambda lib: F(lib, 2, 3) @ F(lib, 4),
    "matmul vm": lambda lib: F(lib, 3) @ F(lib, 4, 5),
    "matmul batch": lambda lib: F(lib, 2, 2, 3) @ F(lib, 3, 3, 5),
    "matmul 0d": lambda lib: lib.tensor(1.0) @ F(lib, 3),
    "matmul dtype": lambda lib: F(lib, 2, 3) @ lib.ones(3, 4, dtype=lib.float64),
    "mm vector": lambda lib: lib.mm(F(lib, 3), F(lib, 3, 3)),
    "bmm 2d": lambda lib: lib.bmm(F(lib, 3, 4), F(lib, 3, 4, 6)),
    "view noncontiguous": _view_noncontig,
    "view bad size": lambda lib: F(lib, 2, 3).view(4, 5),
    "view two -1": lambda lib: F(lib, 2, 3).view(-1, -1),
    "reshape bad size": lambda lib: F(lib, 6).reshape(4, -1),
    "stack unequal": lambda lib: lib.stack([F(lib, 2), F(lib, 3)]),
    "cat dims": lambda lib: lib.cat([F(lib, 2, 3), F(lib, 2, 4)], 0),
    "cat empty list": lambda lib: lib.cat([]),
    "expand bad": lambda lib: F(lib, 3).expand(2, 4),
    "permute wrong count": lambda lib: F(lib, 2, 3).permute(0),
    "transpose dim": lambda lib: F(lib, 2, 3).transpose(0, 2),
    "squeeze dim": lambda lib: F(lib, 2, 3).squeeze(3),
    "sum dim range": lambda lib: F(lib, 3).sum(2),
    "sum dup dims": lambda lib: F(lib, 2, 3).sum((0, 0)),
    "t on 3d": lambda lib: F(lib, 2, 3, 4).t(),
    "split sizes": lambda lib: F(lib, 5).split([2, 2]),
    "chunk zero": lambda lib: F(lib, 4).chunk(0),
    # indexing
    "index int": lambda lib: F(lib, 3)[5],
    "index negative": lambda lib: F(lib, 3)[-4],
    "index too many": lambda lib: F(lib, 3)[0, 0],
    "index list oob": lambda lib: F(lib, 3)[[0, 7]],
    "index float tensor": lambda lib: F(lib, 3)[lib.tensor([0.0])],
    "gather float index": lambda lib: F(lib, 3).gather(0, lib.tensor([0.0])),
    "grad wrong dtype": lambda lib: setattr(lib.ones(2, requires_grad=True), "grad", lib.ones(2, dtype=lib.float64)),
    "masked_fill mask dtype": lambda lib: F(lib, 3).masked_fill(lib.tensor([1, 0, 1]), 0.0),
    "index_select oob": lambda lib: F(lib, 3).index_select(0, lib.tensor([3])),
    "setitem shape": lambda lib: F(lib, 3).__setitem__(slice(None), F(lib, 2)),
    # autograd
    "backward twice": _backward_twice,
    "modified saved tensor": _modified_saved,
    "non-scalar backward": _nonscalar_backward,
    "backward without grad": _no_grad_backward,
    "inplace on leaf": lambda lib: lib.tensor([1.0], requires_grad=True).add_(1),
    "inplace relu on leaf": lambda lib: lib.tensor([1.0], requires_grad=True).relu_(),
    "int requires_grad": lambda lib: lib.tensor([1, 2], requires_grad=True),
    "int requires_grad_": lambda lib: lib.tensor([1, 2]).requires_grad_(),
    "zeros int requires_grad": lambda lib: lib.zeros(2, dtype=lib.long, requires_grad=True),
    "requires_grad on nonleaf": _set_requires_grad_nonleaf,
    "grad wrong shape": _grad_wrong_shape,
    "unused input": lambda lib: lib.autograd.grad((lib.tensor([1.0], requires_grad=True) * 2).sum(),
                                                  [lib.tensor([1.0], requires_grad=True)]),
    # conversions
    "numpy requires grad": lambda lib: lib.tensor([1.0], requires_grad=True).numpy(),
    "item many": lambda lib: F(lib, 2).item(),
    "item empty": lambda lib: F(lib, 0).item(),
    "bool ambiguous": lambda lib: bool(F(lib, 2)),
    "bool empty": lambda lib: bool(F(lib, 0)),
    "len 0-d": lambda lib: len(lib.tensor(1.0)),
    "iter 0-d": lambda lib: iter(lib.tensor(1.0)),
    "float many": lambda lib: float(F(lib, 2)),
    "index float": lambda lib: [1, 2][lib.tensor(1.0)],
    # dtypes
    "mean int": lambda lib: lib.tensor([1, 2]).mean(),
    "add_ float to int": lambda lib: lib.tensor([1, 2]).add_(1.5),
    "sub bools": lambda lib: lib.tensor([True]) - lib.tensor([False]),
    "neg bool": lambda lib: -lib.tensor([True]),
    "int negative pow": lambda lib: lib.tensor([2]) ** -1,
    "dot dtypes": lambda lib: lib.dot(F(lib, 3), lib.ones(3, dtype=lib.long)),
    "set_default_dtype int": lambda lib: lib.set_default_dtype(lib.int64),
    # creation
    "ragged": lambda lib: lib.tensor([[1, 2], [3]]),
    "string data": lambda lib: lib.tensor("abc"),
    "negative size": lambda lib: lib.zeros(-1),
    "arange zero step": lambda lib: lib.arange(0, 1, 0),
    "arange sign": lambda lib: lib.arange(0, 10, -1),
    "linspace negative steps": lambda lib: lib.linspace(0, 1, -1),
    "cuda device": lambda lib: lib.zeros(2, device="cuda"),
    "to cuda": lambda lib: F(lib, 2).to("cuda"),
    "max empty": lambda lib: F(lib, 0).max(),
    "argmax empty": lambda lib: F(lib, 0).argmax(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_misuse_raises_torch_error(name):
    check_error(CASES[name])


def test_enough_cases():
    assert len(CASES) >= 40
