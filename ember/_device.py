"""``device``: ember runs on the CPU only; any other device is a clear error."""
from __future__ import annotations

__all__ = ["device", "check_device"]


class device:
    """A device spec; only ``'cpu'`` (optionally ``'cpu:0'``) exists in ember."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if hasattr(type, "__index__") and not isinstance(type, bool):
            _index_error(type.__index__())
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type.__class__.__name__})")
        name, colon, idx = type.partition(":")
        if colon:
            if not idx.isdigit() or (len(idx) > 1 and idx[0] == "0"):
                raise RuntimeError(f"Invalid device string: '{type}'")
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {type}")
            index = int(idx)
        known = {"cpu", "cuda", "mps", "meta", "xpu", "hip", "xla", "hpu", "mtia", "privateuseone", "ipu", "ve", "lazy", "vulkan"}
        if name not in known:
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, "
                f"vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device string: {type}"
            )
        self.type, self.index = name, index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        # like torch, a device never equals a string: compare with device('cpu') or str(d)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")


def _index_error(index: int):
    # a bare index names the current accelerator, which a CPU-only build lacks
    if index < 0:
        raise RuntimeError("Device index must not be negative")
    raise RuntimeError("Cannot access accelerator device when none is available.")


def check_device(dev) -> None:
    """Accept None/'cpu'/device('cpu'); raise a clear error for anything else."""
    if dev is None:
        return
    if hasattr(dev, "__index__") and not isinstance(dev, (bool, device)):
        _index_error(dev.__index__())
    d = dev if isinstance(dev, device) else device(dev)
    if d.type == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled")
    if d.type != "cpu":
        raise RuntimeError(f"ember runs on the CPU only; device '{d}' is not available")
