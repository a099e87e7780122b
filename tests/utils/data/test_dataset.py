"""Datasets and random_split vs torch: same samples, same splits for the same seed, same errors and warnings."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
from _data_compare import raises_like, run_both


def _xy(lib, n: int = 6):
    x = lib.from_numpy(np.arange(n * 2, dtype=np.float64).reshape(n, 2))
    y = lib.from_numpy(np.arange(n, dtype=np.int64))
    return x, y


def test_tensor_dataset():
    def build(lib):
        ds = lib.utils.data.TensorDataset(*_xy(lib))
        return len(ds), ds[0], ds[-1], ds[1:4], ds[[0, 5]]
    run_both(build)


@pytest.mark.parametrize("index", [6, -7])
def test_tensor_dataset_index_out_of_range(index):
    raises_like(lambda lib: lib.utils.data.TensorDataset(*_xy(lib))[index])


def test_tensor_dataset_iterates_and_records_select():
    def build(lib):
        x, y = _xy(lib, 3)
        ds = lib.utils.data.TensorDataset(x.requires_grad_(), y)
        row = ds[1][0]
        return row.grad_fn.name() if hasattr(row.grad_fn, "name") else type(row.grad_fn).__name__, list(ds)
    (e_name, _), (t_name, _) = run_both(build)
    assert e_name == t_name == "SelectBackward0"


def test_tensor_dataset_size_mismatch():
    raises_like(lambda lib: lib.utils.data.TensorDataset(lib.zeros(3, 2), lib.zeros(4)))


def test_concat_dataset_and_add():
    def build(lib):
        d = lib.utils.data
        a = d.TensorDataset(*_xy(lib, 3))
        b = d.TensorDataset(*_xy(lib, 4))
        cat = a + b + a
        return (type(cat).__name__, len(cat), cat.cumulative_sizes, [cat[i] for i in range(len(cat))], cat[-1],
                cat[-10])
    run_both(build)


@pytest.mark.parametrize("case", ["empty", "iterable", "index too negative"])
def test_concat_dataset_errors(case):
    def build(lib):
        d = lib.utils.data

        class Stream(d.IterableDataset):
            def __iter__(self):
                return iter([1])

        if case == "empty":
            return d.ConcatDataset([])
        if case == "iterable":
            return d.ConcatDataset([[1], Stream()])
        return d.ConcatDataset([[1, 2], [3]])[-4]
    raises_like(build)


def test_chain_dataset():
    def build(lib):
        d = lib.utils.data

        class Stream(d.IterableDataset):
            def __init__(self, items):
                self.items = items

            def __iter__(self):
                return iter(self.items)

            def __len__(self):
                return len(self.items)

        chained = Stream([1, 2]) + Stream([3])
        return type(chained).__name__, list(chained), len(chained), list(d.ChainDataset([Stream([4]), Stream([])]))
    run_both(build)


def test_chain_dataset_rejects_map_style():
    raises_like(lambda lib: list(lib.utils.data.ChainDataset([[1, 2]])))


def test_subset():
    def build(lib):
        d = lib.utils.data
        sub = d.Subset(d.TensorDataset(*_xy(lib)), [4, 0, 2])
        plain = d.Subset(list("abcdef"), [5, 1])
        return len(sub), sub[0], sub[-1], sub.__getitems__([2, 0]), plain.__getitems__([0, 1]), plain[1]
    run_both(build)


def test_subset_subclass_must_override_getitems():
    def build(lib):
        class Bad(lib.utils.data.Subset):
            def __getitem__(self, idx):
                return 0
        return Bad([1], [0])
    raises_like(build)


def test_stack_dataset():
    def build(lib):
        d = lib.utils.data
        x, y = _xy(lib, 4)
        tup = d.StackDataset(d.TensorDataset(x), list("abcd"))
        named = d.StackDataset(img=d.TensorDataset(y), text=list("wxyz"))
        return (len(tup), tup[1], tup.__getitems__([3, 0]), named[2], named.__getitems__([1, 2]),
                list(d.DataLoader(named, batch_size=3)))
    run_both(build)


@pytest.mark.parametrize("args,kwargs", [((), {}), (([1, 2], [1]), {}), (([1],), {"b": [2]}),
                                         ((), {"a": [1], "b": [1, 2]})])
def test_stack_dataset_errors(args, kwargs):
    raises_like(lambda lib: lib.utils.data.StackDataset(*args, **kwargs))


def test_dataset_base():
    raises_like(lambda lib: lib.utils.data.Dataset()[0])


@pytest.mark.parametrize("seed", [0, 1, 42, 31337])
@pytest.mark.parametrize("n,lengths", [(10, [3, 7]), (10, [10, 0]), (30, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]),
                                       (7, [0.1, 0.2, 0.7]), (5, [1.0]), (100, [0.7, 0.2, 0.1]),
                                       (3, [1 / 3] * 3)])
def test_random_split(seed, n, lengths):
    def split(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = lib.utils.data.random_split(range(n), lengths)
        return [list(p.indices) for p in parts], [list(p) for p in parts], lib.rand(1)
    run_both(split, seed)


def test_random_split_with_generator():
    def split(lib):
        g = lib.Generator().manual_seed(42)
        parts = lib.utils.data.random_split(lib.utils.data.TensorDataset(*_xy(lib, 9)), [0.4, 0.6], generator=g)
        return [p.indices for p in parts], [p[0] for p in parts], g.get_state()
    run_both(split, 5)


def test_random_split_zero_length_warning():
    messages = []
    for lib in (ember, __import__("torch")):
        with pytest.warns(UserWarning) as record:
            lib.utils.data.random_split(range(2), [0.1, 0.1, 0.8])
        messages.append([str(w.message) for w in record])
        assert record[0].filename == __file__  # stacklevel points at the caller
    assert messages[0] == messages[1]


@pytest.mark.parametrize("n,lengths", [(10, [3, 8]), (10, [0.5, 0.6]), (10, [-0.5, 1.5, 0.0]), (10, [1.2, -0.2])])
def test_random_split_errors(n, lengths):
    raises_like(lambda lib: lib.utils.data.random_split(range(n), lengths))
