"""Samplers vs torch: identical index sequences, lengths, RNG consumption and errors."""
from __future__ import annotations

import pytest

from _data_compare import raises_like, run_both


@pytest.mark.parametrize("seed", [0, 1, 2024])
@pytest.mark.parametrize("n", [1, 2, 31, 100])
@pytest.mark.parametrize("replacement,num_samples", [(False, None), (False, 1), (False, 250), (True, None),
                                                     (True, 32), (True, 33), (True, 100)])
def test_random_sampler(seed, n, replacement, num_samples):
    def draw(lib):
        s = lib.utils.data.RandomSampler(range(n), replacement=replacement, num_samples=num_samples)
        return [list(s), list(s)], len(s)
    run_both(draw, seed)


@pytest.mark.parametrize("seed", [0, 77])
def test_random_sampler_with_generator(seed):
    def draw(lib):
        g = lib.Generator().manual_seed(seed)
        s = lib.utils.data.RandomSampler(range(9), generator=g)
        r = lib.utils.data.RandomSampler(range(9), replacement=True, num_samples=40, generator=g)
        return list(s), list(r), g.get_state()
    run_both(draw, seed)


def test_random_sampler_draws_lazily():
    def draw(lib):
        it = iter(lib.utils.data.RandomSampler(range(6)))
        before = lib.rand(1)  # nothing drawn yet: iter() alone does not touch the generator
        return before, next(it), lib.rand(1)
    run_both(draw, 5)


def test_random_sampler_follows_dataset_size():
    def draw(lib):
        data = list(range(4))
        s = lib.utils.data.RandomSampler(data)
        first = list(s)
        data.extend([4, 5])
        return first, list(s), len(s)
    run_both(draw, 3)


@pytest.mark.parametrize("seed", [0, 9])
def test_subset_random_sampler(seed):
    def draw(lib):
        s = lib.utils.data.SubsetRandomSampler([10, 20, 30, 40, 50, 60, 70])
        g = lib.Generator().manual_seed(seed)
        sg = lib.utils.data.SubsetRandomSampler(range(5, 12), generator=g)
        return list(s), list(s), list(sg), len(s)
    run_both(draw, seed)


@pytest.mark.parametrize("seed", [0, 3, 31])
@pytest.mark.parametrize("weights,num_samples,replacement", [
    ([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5, True),
    ([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5, False),
    ([1, 0, 2], 1, True),
    ([1, 1, 1, 1], 4, False),
    ([0.5] * 40, 100, True),
])
def test_weighted_random_sampler(seed, weights, num_samples, replacement):
    def draw(lib):
        s = lib.utils.data.WeightedRandomSampler(weights, num_samples, replacement=replacement)
        g = lib.Generator().manual_seed(seed)
        sg = lib.utils.data.WeightedRandomSampler(weights, num_samples, replacement=replacement, generator=g)
        return list(s), list(s), list(sg), len(s), s.weights
    run_both(draw, seed)


@pytest.mark.parametrize("n", [0, 1, 9, 10, 11])
@pytest.mark.parametrize("batch_size", [1, 3, 10])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler(n, batch_size, drop_last):
    def draw(lib):
        d = lib.utils.data
        s = d.BatchSampler(d.SequentialSampler(range(n)), batch_size, drop_last)
        return list(s), len(s)
    run_both(draw)


@pytest.mark.parametrize("seed", [0, 4])
def test_batch_sampler_over_random_sampler(seed):
    def draw(lib):
        d = lib.utils.data
        s = d.BatchSampler(d.RandomSampler(range(23)), 4, True)
        return list(s), list(s), lib.rand(2)
    run_both(draw, seed)


def test_sequential_sampler():
    run_both(lambda lib: (list(lib.utils.data.SequentialSampler("abcd")), len(lib.utils.data.SequentialSampler([]))))


def test_sampler_base_has_no_len():
    for lib in (__import__("ember"), __import__("torch")):
        s = lib.utils.data.Sampler()
        with pytest.raises(TypeError):
            len(s)
        with pytest.raises(NotImplementedError):
            iter(s)


ERRORS = {
    "random bad replacement": lambda d: d.RandomSampler(range(3), replacement=1),
    "random zero samples": lambda d: d.RandomSampler(range(3), num_samples=0),
    "random float samples": lambda d: d.RandomSampler(range(3), num_samples=2.0),
    "random empty data": lambda d: d.RandomSampler([]),
    "weighted zero samples": lambda d: d.WeightedRandomSampler([1.0], 0),
    "weighted bool samples": lambda d: d.WeightedRandomSampler([1.0], True),
    "weighted bad replacement": lambda d: d.WeightedRandomSampler([1.0], 1, replacement=0),
    "weighted 2d": lambda d: d.WeightedRandomSampler([[1.0, 2.0]], 1),
    "batch zero": lambda d: d.BatchSampler(range(3), 0, False),
    "batch bool": lambda d: d.BatchSampler(range(3), True, False),
    "batch float": lambda d: d.BatchSampler(range(3), 2.0, False),
    "batch drop_last int": lambda d: d.BatchSampler(range(3), 2, 0),
    "weighted too many": lambda d: list(d.WeightedRandomSampler([1.0, 2.0], 3, replacement=False)),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors(case):
    raises_like(lambda lib: ERRORS[case](lib.utils.data))
