"""``map_location``: where a loaded storage goes, decided as torch decides it on a machine with only a CPU.

torch tries its registered deserialisers in priority order (cpu, cuda, mps, meta, privateuse1, hpu, xpu,
mtia) on each storage's location tag, lazily, when the unpickler meets the storage: a file without
tensors loads under any ``map_location``. Only ``"cpu"`` (exactly that string) succeeds here; every other
tag fails with the error torch gives on a CPU-only build. One deliberate difference: torch can load onto
the ``meta`` device, ember has none.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from .._device import device

__all__ = ["restore_location"]

_NOT_ON_CPU = ("If you are running on a CPU-only machine, please use torch.load with "
               "map_location=torch.device('cpu') to map your storages to the CPU.")


def _is_backend(name: str, location: Any) -> bool:
    # torch's own test: the bare name, or the name followed by ':' or digits
    return location == name or bool(re.match(f"{name}(:|[0-9]+)", location))


def _unavailable(name: str, location: str) -> RuntimeError:
    device(location)  # an unparsable tag (e.g. 'cuda:x') fails on its spelling first, as in torch
    return RuntimeError(f"Attempting to deserialize object on a {name.upper()} device but "
                        f"torch.{name}.is_available() is False. {_NOT_ON_CPU}")


def _default_restore(storage: Any, location: Any) -> Any:
    if location == "cpu":
        return storage
    if isinstance(location, device):
        # re.match's own TypeError, named as torch's C type is named
        raise TypeError("expected string or bytes-like object, got 'torch.device'")
    if _is_backend("cuda", location):
        raise _unavailable("cuda", location)
    if location.startswith("mps"):
        raise RuntimeError("torch.UntypedStorage(): Storage device not recognized: mps")
    if location == "meta":
        raise RuntimeError("ember has no meta device: load with map_location='cpu'")
    for name in ("privateuseone", "hpu"):  # backends torch has no module for on a CPU-only build
        if _is_backend(name, location):
            raise RuntimeError(f"The {name.upper()} device module is not registered. {_NOT_ON_CPU}")
    for name in ("xpu", "mtia"):
        if _is_backend(name, location):
            raise _unavailable(name, location)
    raise RuntimeError(f"don't know how to restore data location of torch.storage.UntypedStorage "
                       f"(tagged with {location})")


def restore_location(storage: Any, location: str, map_location: Any, storage_type: type) -> Any:
    """The storage to use for one saved on ``location`` (its tag in the file), under ``map_location``."""
    if map_location is None:
        return _default_restore(storage, location)
    if isinstance(map_location, dict):
        return _default_restore(storage, map_location.get(location, location))
    if isinstance(map_location, (str, bytes)):
        return _default_restore(storage, map_location)
    if isinstance(map_location, device):
        return _default_restore(storage, str(map_location))
    result = _call(map_location, storage, location)
    if result is None:  # torch's convention: None means the default placement
        return _default_restore(storage, location)
    if not isinstance(result, storage_type):
        raise TypeError(f"map_location must return a storage (or None), but it returned a "
                        f"{type(result).__name__}")
    return result


def _call(fn: Callable[[Any, str], Any], storage: Any, location: str) -> Any:
    if not callable(fn):
        raise TypeError(f"'{type(fn).__name__}' object is not callable")
    return fn(storage, location)
