"""DataLoader "workers" run in the main process, each inside its own random state.

torch's worker ``w`` starts with ``random.seed(s)``, ``torch.manual_seed(s)`` (``s = base_seed + w``) and
NumPy's global RNG seeded from ``_generate_state(base_seed, w)``, then calls ``worker_init_fn(w)`` and
fetches its tasks in order. ``_InProcessWorker`` keeps those three states and swaps them in around every
piece of worker code, so random augmentations and ``get_worker_info()`` give what torch's worker
processes give, while the main process's generators are left exactly as torch leaves them.
"""
from __future__ import annotations

import collections
import contextlib
import copy
import random
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...._rng.generator import Generator, default_generator

__all__ = ["WorkerInfo", "get_worker_info"]


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker."""

    id: int
    num_workers: int
    seed: int
    dataset: Any
    rng: Any = None
    worker_method: str | None = "multiprocessing"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The current worker's ``WorkerInfo``; ``None`` in the main process (outside worker code)."""
    return _worker_info


_MASK32 = 0xFFFFFFFF


def _generate_state(base_seed: int, worker_id: int) -> list[int]:
    """The four 32-bit words torch seeds a worker's NumPy RNG with (NumPy's SeedSequence hash, one round)."""
    hash_mult = 0x931E8875
    const = 0x43B0D7E5

    def hashmix(value: int) -> int:
        nonlocal const
        value = (value ^ const) & _MASK32
        const = (const * hash_mult) & _MASK32
        value = (value * const) & _MASK32
        return value ^ (value >> 16)

    def mix(x: int, y: int) -> int:
        r = (0xCA01F9DD * x - 0x4973F715 * y) & _MASK32
        return r ^ (r >> 16)

    pool = [hashmix(v) for v in (worker_id, base_seed & _MASK32, base_seed >> 32, 0)]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    out, const_b = [], 0x8B51F9DD
    for value in pool:
        value ^= const_b
        const_b = (const_b * 0x58F38DED) & _MASK32
        value = (value * const_b) & _MASK32
        out.append(value ^ (value >> 16))
    return out


class _IterableDatasetStopIteration:
    """A worker's answer once its copy of an iterable dataset is exhausted."""


class _KeyErrorMessage(str):
    """Keeps the traceback's line breaks when a KeyError prints its message (KeyError reprs its argument)."""

    def __repr__(self) -> str:
        return self


class _RaisedInWorker:
    """An exception from worker code, re-raised when the main process reaches that batch.

    As torch's ``ExceptionWrapper``: the same exception type, with a message naming the worker and
    carrying the original traceback.
    """

    def __init__(self, exc: BaseException, worker_id: int) -> None:
        self.exc_type = type(exc)
        original = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.msg = f"Caught {self.exc_type.__name__} in DataLoader worker process {worker_id}.\nOriginal {original}"

    def reraise(self) -> None:
        msg = _KeyErrorMessage(self.msg) if self.exc_type is KeyError else self.msg
        try:
            exc = self.exc_type(msg)
        except Exception:  # noqa: BLE001 - a type that cannot take one message argument
            raise RuntimeError(msg) from None
        raise exc


class _InProcessWorker:
    """One emulated worker: its dataset copy, random states, fetcher and queue of pending tasks."""

    def __init__(self, worker_id: int, num_workers: int, base_seed: int, dataset: Any,
                 make_fetcher: Callable[[Any], Any], init_fn: Callable[[int], None] | None) -> None:
        seed = base_seed + worker_id
        # a shallow copy stands in for the forked copy: attributes set by worker_init_fn stay per worker,
        # while large tensors are shared instead of duplicated
        try:
            dataset = copy.copy(dataset)
        except Exception:  # noqa: BLE001 - an uncopyable dataset is shared as is
            pass
        self.info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        self._torch_state = Generator().manual_seed(seed).get_state()
        self._random_state = random.Random(seed).getstate()
        self._numpy_state = np.random.RandomState(_generate_state(base_seed, worker_id)).get_state()
        self._make_fetcher = make_fetcher
        self.tasks: collections.deque[tuple[int, Any]] = collections.deque()
        self.results: dict[int, Any] = {}
        self._iteration_end = False
        self._fetcher = None
        self._pending_error: _RaisedInWorker | None = None
        with self.active():
            try:
                if init_fn is not None:
                    init_fn(worker_id)
                self._fetcher = make_fetcher(dataset)
            except Exception as exc:  # noqa: BLE001 - torch reports it with the worker's first batch
                self._pending_error = _RaisedInWorker(exc, worker_id)

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Run the body as this worker: its RNG states and worker info in, the main process's restored after."""
        global _worker_info
        saved = (default_generator.get_state(), random.getstate(), np.random.get_state(), _worker_info)
        default_generator.set_state(self._torch_state)
        random.setstate(self._random_state)
        np.random.set_state(self._numpy_state)
        _worker_info = self.info
        try:
            yield
        finally:
            self._torch_state = default_generator.get_state()
            self._random_state = random.getstate()
            self._numpy_state = np.random.get_state()
            default_generator.set_state(saved[0])
            random.setstate(saved[1])
            np.random.set_state(saved[2])
            _worker_info = saved[3]

    def _process_one(self) -> None:
        task_idx, index = self.tasks.popleft()
        if self._iteration_end:
            return  # torch's worker ignores tasks after its stream ended: nothing is sent back
        if self._pending_error is not None:
            self.results[task_idx], self._pending_error = self._pending_error, None
            return
        with self.active():
            try:
                self.results[task_idx] = self._fetcher.fetch(index)
            except StopIteration:
                if not self._fetcher.is_iterable:
                    raise
                self.results[task_idx] = _IterableDatasetStopIteration()
                self._iteration_end = True
            except Exception as exc:  # noqa: BLE001 - re-raised in order by the main loop
                self.results[task_idx] = _RaisedInWorker(exc, self.info.id)

    def result(self, task_idx: int) -> Any:
        """The answer to task ``task_idx``, running this worker's queued tasks up to it (in order)."""
        while task_idx not in self.results and self.tasks:
            self._process_one()
        return self.results.pop(task_idx, _IterableDatasetStopIteration())

    def resume(self) -> None:
        """A new epoch with persistent workers: finish leftover tasks (their draws count), then a new fetcher."""
        while self.tasks:
            self._process_one()
        self.results.clear()
        self._iteration_end = False
        with self.active():
            self._fetcher = self._make_fetcher(self.info.dataset)
