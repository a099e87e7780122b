"""``Generator``: torch's CPU generator (aten/src/ATen/CPUGeneratorImpl.cpp) on top of ``MT19937Engine``.

It holds the 64-bit seed (only its low 32 bits reach the engine), the engine, and the cached second
Box-Muller sample of the serial normal path. ``get_state``/``set_state`` use torch's 5056-byte layout,
so a state taken from torch continues torch's stream here, and back.
"""
from __future__ import annotations

import os

import numpy as np

from .mt19937 import MT19937Engine

__all__ = ["Generator", "default_generator", "STATE_DTYPE", "DEFAULT_SEED"]

DEFAULT_SEED = 67280421310721  # c10::detail::default_rng_seed_val

# CPUGeneratorImplState: the legacy THGeneratorState followed by the float normal cache; see the module doc.
STATE_DTYPE = np.dtype({
    "names": ["seed", "left", "seeded", "next", "state", "normal_x", "normal_y", "normal_rho",
              "normal_is_valid", "next_float_normal", "float_normal_valid"],
    "formats": ["<u8", "<i4", "<i4", "<u8", ("<u8", 624), "<f8", "<f8", "<f8", "<i4", "<f4", "u1"],
    "offsets": [0, 8, 12, 16, 24, 5016, 5024, 5032, 5040, 5048, 5052],
    "itemsize": 5056,
})


def _seed_as_uint64(seed) -> int:
    # torch accepts any Python int in [-2**63, 2**64) and keeps it modulo 2**64.
    if isinstance(seed, bool) or not isinstance(seed, int):
        if hasattr(seed, "__index__"):
            seed = seed.__index__()
        else:
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    if not -(1 << 63) <= seed < (1 << 64):
        raise ValueError("Overflow when unpacking long long")
    return seed & 0xFFFFFFFFFFFFFFFF


def nondeterministic_seed() -> int:
    """A fresh 64-bit seed from the OS, as torch's ``getNonDeterministicRandom``."""
    return int.from_bytes(os.urandom(8), "little")


class Generator:
    """A CPU random-number generator with torch's seeding, stream and state layout."""

    __slots__ = ("_engine", "_seed", "next_double_normal", "next_float_normal", "_device")

    def __init__(self, device="cpu") -> None:
        from .._device import check_device, device as _dev
        check_device(device)
        self._device = _dev("cpu")
        self._engine = MT19937Engine()
        self._set_seed(DEFAULT_SEED)

    @property
    def device(self):
        return self._device

    def _set_seed(self, seed: int) -> None:
        self._seed = seed
        self._engine.seed(seed & 0xFFFFFFFF)
        self.next_double_normal: float | None = None
        self.next_float_normal: float | None = None

    def manual_seed(self, seed: int) -> Generator:
        """Seed with ``seed`` (kept modulo 2**64; the engine sees its low 32 bits). Returns ``self``."""
        self._set_seed(_seed_as_uint64(seed))
        return self

    def seed(self) -> int:
        """Seed from the OS and return the seed."""
        s = nondeterministic_seed()
        self._set_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        """The state as a 5056-element uint8 tensor in torch's layout."""
        from .._tensor import Tensor
        return Tensor._make(self._state_bytes())

    def _state_bytes(self) -> np.ndarray:
        rec = np.zeros(1, dtype=STATE_DTYPE)
        key, left, nxt = self._engine.get_words_state()
        rec["seed"] = self._seed
        rec["left"] = left
        rec["seeded"] = 1
        rec["next"] = nxt
        rec["state"][0] = key
        if self.next_double_normal is not None:
            rec["normal_y"] = self.next_double_normal
            rec["normal_is_valid"] = 1
        if self.next_float_normal is not None:
            rec["next_float_normal"] = self.next_float_normal
            rec["float_normal_valid"] = 1
        return rec.view(np.uint8).copy()

    def set_state(self, new_state) -> Generator:
        """Load a state produced by ``get_state`` here or in torch. Returns ``self``."""
        from .._tensor import Tensor
        if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = np.ascontiguousarray(new_state._data).reshape(-1)
        if raw.size != STATE_DTYPE.itemsize:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_DTYPE.itemsize} "
                               f"but found the input RNG state size to be {raw.size}")
        rec = raw.view(STATE_DTYPE)[0]
        left = int(rec["left"])
        if not 1 <= left <= 624:
            raise RuntimeError("The legacy_pod.left should be in the range [1, 624]")
        self._seed = int(rec["seed"])
        self._engine.set_words_state(rec["state"].astype(np.uint32), left, int(rec["next"]))
        self.next_double_normal = float(rec["normal_y"]) if rec["normal_is_valid"] else None
        self.next_float_normal = float(rec["next_float_normal"]) if rec["float_normal_valid"] else None
        return self

    def __repr__(self) -> str:
        return f"<ember.Generator object at {hex(id(self))}>"


# torch seeds its global CPU generator non-deterministically at start-up.
default_generator = Generator()
default_generator.seed()
