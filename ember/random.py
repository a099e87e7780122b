"""``torch.random``: the global generator's seed and state."""
from __future__ import annotations

from ._rng.generator import Generator, default_generator

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "default_generator",
           "Generator", "fork_rng"]


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (as ``torch.manual_seed``); returns it."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    """Seed the default generator from the OS and return the 64-bit seed."""
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state: a 5056-element uint8 tensor in torch's layout."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)


class fork_rng:
    """Context manager that restores the default generator's state on exit (CPU only)."""

    def __init__(self, devices=None, enabled: bool = True, **kwargs) -> None:
        self.enabled = enabled

    def __enter__(self) -> None:
        if self.enabled:
            self._state = get_rng_state()

    def __exit__(self, *exc) -> None:
        if self.enabled:
            set_rng_state(self._state)
