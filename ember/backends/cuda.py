"""``torch.backends.cuda``: ember is never built with CUDA; the matmul flags are stored only."""
from __future__ import annotations

from .. import _config

__all__ = ["is_built", "matmul"]


def is_built() -> bool:
    return False


class cuBLASModule:
    """``torch.backends.cuda.matmul``: known flags only, like torch (an unknown name is an AttributeError)."""

    _FLAGS = ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction",
              "allow_fp16_accumulation")

    def __init__(self) -> None:
        object.__setattr__(self, "_values", {"allow_fp16_reduced_precision_reduction": True,
                                             "allow_bf16_reduced_precision_reduction": True,
                                             "allow_fp16_accumulation": False})

    def __getattr__(self, name: str):
        if name == "allow_tf32":
            # torch ties allow_tf32 to the float32 matmul precision ('highest' means no TF32)
            return _config.state.matmul_precision != "highest"
        if name in self._FLAGS:
            return self._values[name]
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name: str, value) -> None:
        if name == "allow_tf32":
            _config.state.matmul_precision = "high" if value else "highest"
        elif name in self._FLAGS:
            self._values[name] = value
        else:
            raise AttributeError(f"Unknown attribute {name}")


matmul = cuBLASModule()
