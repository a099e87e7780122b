"""DataLoader vs torch: the same batches in the same order, and the same RNG consumption."""
from __future__ import annotations

import itertools
import random
import warnings
from collections import namedtuple

import numpy as np
import pytest
import torch

import ember
from _data_compare import raises_like, run_both, same, same_rng_state, seed_both

Pair = namedtuple("Pair", ["x", "label"])


def _tensor_dataset(lib, n: int):
    x = lib.from_numpy(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    y = lib.from_numpy(np.arange(n, dtype=np.int64) * 10)
    return lib.utils.data.TensorDataset(x, y)


@pytest.mark.parametrize("seed", [0, 7, 1234])
@pytest.mark.parametrize("n", [1, 10, 33])
@pytest.mark.parametrize("batch_size", [1, 4, 10])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_tensor_dataset_batches_and_rng(seed, n, batch_size, shuffle, drop_last):
    def load(lib):
        # a draw before and after proves the loader left the stream where torch leaves it
        lib.rand(2)
        out = list(lib.utils.data.DataLoader(_tensor_dataset(lib, n), batch_size=batch_size, shuffle=shuffle,
                                             drop_last=drop_last))
        return out, lib.rand(3)
    run_both(load, seed)


@pytest.mark.parametrize("seed", [1, 99])
def test_generator_argument(seed):
    def load(lib):
        g = lib.Generator().manual_seed(seed + 5)
        loader = lib.utils.data.DataLoader(_tensor_dataset(lib, 13), batch_size=5, shuffle=True, generator=g)
        epochs = [list(loader) for _ in range(3)]
        return epochs, lib.randint(0, 1000, (4,), generator=g)
    run_both(load, seed)


@pytest.mark.parametrize("seed", [0, 3])
def test_epochs_and_partial_iteration(seed):
    def load(lib):
        loader = lib.utils.data.DataLoader(list(range(17)), batch_size=4, shuffle=True)
        first = list(loader)
        it = iter(loader)
        partial = [next(it), next(it)]  # abandoned: the trailing randperm is never drawn
        second = list(loader)
        return first, partial, second
    run_both(load, seed)


def test_iterator_creation_draws_base_seed():
    def load(lib):
        loader = lib.utils.data.DataLoader(list(range(5)))
        iter(loader)  # draws the base seed even with no worker
        iter(loader)
        return lib.rand(2)
    run_both(load, 11)


@pytest.mark.parametrize("replacement,num_samples", [(False, None), (False, 25), (False, 7), (True, None),
                                                     (True, 70), (True, 5)])
@pytest.mark.parametrize("seed", [0, 42])
def test_random_sampler_in_loader(replacement, num_samples, seed):
    def load(lib):
        ds = _tensor_dataset(lib, 11)
        sampler = lib.utils.data.RandomSampler(ds, replacement=replacement, num_samples=num_samples)
        loader = lib.utils.data.DataLoader(ds, batch_size=3, sampler=sampler)
        return list(loader), len(loader)
    run_both(load, seed)


@pytest.mark.parametrize("seed", [0, 5])
def test_custom_samplers_and_batch_sampler(seed):
    def load(lib):
        d = lib.utils.data
        ds = _tensor_dataset(lib, 12)
        g = lib.Generator().manual_seed(seed)
        weighted = d.DataLoader(ds, batch_size=4, sampler=d.WeightedRandomSampler([1.0, 2, 0, 4] * 3, 10))
        subset = d.DataLoader(ds, batch_size=2, sampler=d.SubsetRandomSampler([1, 3, 5, 7, 11], generator=g))
        batches = d.BatchSampler(d.RandomSampler(ds), batch_size=5, drop_last=False)
        by_batch = d.DataLoader(ds, batch_sampler=batches)
        plain_list = d.DataLoader(ds, sampler=[3, 1, 2], batch_size=2)  # any iterable is a sampler
        return list(weighted), list(subset), list(by_batch), len(by_batch), list(plain_list)
    run_both(load, seed)


def test_batch_size_none_uses_default_convert():
    def load(lib):
        ds = [np.arange(3, dtype=np.int32), (np.float64(1.5), "a"), {"k": np.ones(2, np.float32)}, 7]
        loader = lib.utils.data.DataLoader(ds, batch_size=None, shuffle=True)
        return list(loader), len(loader)
    run_both(load, 2)


def test_collate_fn_and_structured_samples():
    class Structured:
        def __init__(self, lib):
            self.lib = lib

        def __len__(self):
            return 6

        def __getitem__(self, i):
            return {"x": self.lib.full((2,), float(i)), "meta": Pair(i, f"s{i}"), "f": i / 2, "flag": i % 2 == 0}

    def load(lib):
        d = lib.utils.data
        default = list(d.DataLoader(Structured(lib), batch_size=4, shuffle=True))
        custom = list(d.DataLoader(Structured(lib), batch_size=4, collate_fn=lambda b: [s["f"] for s in b]))
        return default, custom
    run_both(load, 8)


class _Stream:
    """An IterableDataset for both libraries, with an optional __len__."""

    @staticmethod
    def make(lib, n: int, with_len: bool = False):
        class Stream(lib.utils.data.IterableDataset):
            def __iter__(self):
                for i in range(n):
                    yield lib.tensor([i, i * i]), float(i)

        class SizedStream(Stream):
            def __len__(self):
                return n

        return SizedStream() if with_len else Stream()


@pytest.mark.parametrize("n", [0, 1, 7, 9])
@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (None, False)])
def test_iterable_dataset(n, batch_size, drop_last):
    def load(lib):
        loader = lib.utils.data.DataLoader(_Stream.make(lib, n, with_len=True), batch_size=batch_size,
                                           drop_last=drop_last)
        return list(loader), len(loader)
    run_both(load, 4)


def test_iterable_dataset_len_warning():
    def load(lib):
        class Liar(lib.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(4))

            def __len__(self):
                return 2

        loader = lib.utils.data.DataLoader(Liar())
        assert len(loader) == 2
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = list(loader)
        return out, [str(x.message).split(" was reported")[1] for x in w]
    run_both(load)


def test_chain_dataset_in_loader():
    def load(lib):
        chained = _Stream.make(lib, 3) + _Stream.make(lib, 2)
        return list(lib.utils.data.DataLoader(chained, batch_size=2))
    run_both(load)


def test_len():
    for lib in (ember, torch):
        d = lib.utils.data
        assert len(d.DataLoader(list(range(10)), batch_size=3)) == 4
        assert len(d.DataLoader(list(range(10)), batch_size=3, drop_last=True)) == 3
        assert len(d.DataLoader(list(range(10)), batch_size=None)) == 10


ERROR_CASES = {
    "negative workers": lambda d, ds: d.DataLoader(ds, num_workers=-1),
    "negative timeout": lambda d, ds: d.DataLoader(ds, timeout=-1),
    "prefetch without workers": lambda d, ds: d.DataLoader(ds, prefetch_factor=2),
    "persistent without workers": lambda d, ds: d.DataLoader(ds, persistent_workers=True),
    "sampler with shuffle": lambda d, ds: d.DataLoader(ds, sampler=[0, 1], shuffle=True),
    "batch_sampler with batch_size": lambda d, ds: d.DataLoader(ds, batch_sampler=[[0]], batch_size=2),
    "batch_sampler with shuffle": lambda d, ds: d.DataLoader(ds, batch_sampler=[[0]], shuffle=True),
    "batch_sampler with sampler": lambda d, ds: d.DataLoader(ds, batch_sampler=[[0]], sampler=[0]),
    "batch_sampler with drop_last": lambda d, ds: d.DataLoader(ds, batch_sampler=[[0]], drop_last=True),
    "no batching with drop_last": lambda d, ds: d.DataLoader(ds, batch_size=None, drop_last=True),
    "bad batch_size": lambda d, ds: d.DataLoader(ds, batch_size=0),
    "bad drop_last": lambda d, ds: d.DataLoader(ds, batch_size=2, drop_last=1),
    "context without workers": lambda d, ds: d.DataLoader(ds, multiprocessing_context="fork"),
    "set after init": lambda d, ds: setattr(d.DataLoader(ds), "batch_size", 3),
    "shuffle empty": lambda d, ds: d.DataLoader([], shuffle=True),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_argument_errors(case):
    raises_like(lambda lib: ERROR_CASES[case](lib.utils.data, list(range(4))))


@pytest.mark.parametrize("kw", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_iterable_dataset_errors(kw):
    raises_like(lambda lib: lib.utils.data.DataLoader(_Stream.make(lib, 3), **kw))


def test_pin_memory_warns_without_accelerator():
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match="no accelerator is found"):
            list(lib.utils.data.DataLoader([1, 2], pin_memory=True))


def _run_workers(load, seed: int = 0):
    """Like run_both, for loaders with workers: torch forks real processes, ember warns and emulates them."""
    seed_both(seed)
    t_out = load(torch)
    with pytest.warns(UserWarning, match="no worker processes"):
        e_out = load(ember)
    same(e_out, t_out)
    same_rng_state()


class _Augmented:
    """A map-style dataset whose samples use torch's, NumPy's and Python's global RNGs and the worker info."""

    @staticmethod
    def make(lib, n: int):
        class Augmented(lib.utils.data.Dataset):
            def __len__(self):
                return n

            def __getitem__(self, i):
                info = lib.utils.data.get_worker_info()
                noise = lib.rand(2) + float(np.random.rand()) + random.random()
                return i, noise, -1 if info is None else info.id, getattr(self, "tag", "")

        return Augmented()


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
@pytest.mark.parametrize("num_workers,persistent", [(1, False), (2, False), (2, True), (3, True)])
def test_workers_map_style_with_random_augmentation(num_workers, persistent):
    def load(lib):
        def init(worker_id):
            info = lib.utils.data.get_worker_info()
            info.dataset.tag = f"w{worker_id}/{info.num_workers}"  # per-worker copy, as in a forked worker
            lib.rand(worker_id + 1)  # consumes the worker's stream, not the main one
        ds = _Augmented.make(lib, 11)
        loader = lib.utils.data.DataLoader(ds, batch_size=2, shuffle=True, num_workers=num_workers,
                                           worker_init_fn=init, persistent_workers=persistent)
        epochs = [list(loader) for _ in range(2)]
        it = iter(loader)
        partial = next(it)  # abandoned epoch: with persistent workers its leftover tasks still run
        return epochs, partial, list(loader), getattr(ds, "tag", None), lib.rand(1)
    _run_workers(load, num_workers)


@pytest.mark.filterwarnings("ignore:This DataLoader will create")  # 3 workers on a 2-CPU machine
@pytest.mark.parametrize("batch_size,drop_last", [(2, False), (2, True), (None, False)])
@pytest.mark.parametrize("sharded", [False, True])
def test_workers_iterable_dataset(batch_size, drop_last, sharded):
    def load(lib):
        class Stream(lib.utils.data.IterableDataset):
            def __iter__(self):
                info = lib.utils.data.get_worker_info()
                wid, nw = (0, 1) if info is None else (info.id, info.num_workers)
                # uneven shards: the workers run out at different times
                stop = 7 + 2 * wid if not sharded else 9
                for i in range(wid if sharded else 0, stop, nw if sharded else 1):
                    yield i, lib.randint(0, 100, (1,))
        loader = lib.utils.data.DataLoader(Stream(), batch_size=batch_size, drop_last=drop_last, num_workers=3,
                                           prefetch_factor=1)
        return list(loader), list(loader)
    _run_workers(load, 5)


def test_get_worker_info_in_main_process():
    for lib in (ember, torch):
        assert lib.utils.data.get_worker_info() is None


def test_single_process_timeout_assertion():
    raises_like(lambda lib: iter(lib.utils.data.DataLoader([1, 2], timeout=1.0)))


def test_unchanged_torch_script():
    """The issue's contract: the same script, imported as torch, prints the same batches."""
    def script(torch_like):
        from importlib import import_module
        data = import_module(torch_like.__name__ + ".utils.data")
        torch_like.manual_seed(0)
        x = torch_like.randn(20, 4)
        y = torch_like.randint(0, 3, (20,))
        train, val = data.random_split(data.TensorDataset(x, y), [0.75, 0.25])
        out = []
        for epoch in range(2):
            for xb, yb in data.DataLoader(train, batch_size=6, shuffle=True, drop_last=epoch == 1):
                out.append((xb.sum(1), yb))
        out.extend(itertools.islice(data.DataLoader(val, batch_size=2), 2))
        return out
    run_both(script)


@pytest.mark.parametrize("num_workers", [0, 2])
def test_main_rng_use_between_batches(num_workers):
    """A training loop drawing (dropout, noise) between batches sees the sampler's draws at torch's moments."""
    def load(lib):
        # with the global generator passed in, the sampler's trailing randperm lands in the global stream
        loader = lib.utils.data.DataLoader(list(range(9)), batch_size=2, shuffle=True, num_workers=num_workers,
                                           generator=lib.default_generator)
        return [(batch, lib.rand(1)) for _ in range(2) for batch in loader]

    if num_workers:
        _run_workers(load, 21)
    else:
        run_both(load, 21)


def test_worker_init_fn_seeding_recipe():
    """torch's documented recipe: seed NumPy from torch.initial_seed() in worker_init_fn."""
    def load(lib):
        class Draws(lib.utils.data.Dataset):
            def __len__(self):
                return 6

            def __getitem__(self, i):
                return lib.initial_seed(), int(np.random.randint(1000))

        def init(worker_id):
            np.random.seed(lib.initial_seed() % 2**32)

        loader = lib.utils.data.DataLoader(Draws(), batch_size=2, num_workers=2, worker_init_fn=init)
        return list(loader), lib.initial_seed()
    _run_workers(load, 3)


@pytest.mark.parametrize("bad", ["key", "value", "init"])
def test_worker_exceptions_like_torch(bad):
    def load(lib):
        class Faulty(lib.utils.data.Dataset):
            def __len__(self):
                return 4

            def __getitem__(self, i):
                if bad == "key" and i == 2:
                    raise KeyError(f"missing {i}")
                if bad == "value" and i == 3:
                    raise ValueError("bad sample")
                return i

        def init(worker_id):
            if bad == "init" and worker_id == 1:
                raise RuntimeError("init failed")

        try:
            list(lib.utils.data.DataLoader(Faulty(), batch_size=1, num_workers=2, worker_init_fn=init))
        except Exception as exc:  # noqa: BLE001
            lines = str(exc).splitlines()
            return type(exc).__name__, lines[:2], lines[-1]
        return None
    _run_workers(load)
