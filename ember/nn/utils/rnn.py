"""Padding of variable-length sequences (torch/nn/utils/rnn.py): ``pad_sequence``, ``unpad_sequence``."""
from __future__ import annotations

from collections.abc import Iterable

from ... import _creation
from ..._ops.shape import cat, stack
from ..._tensor import Tensor

__all__ = ["pad_sequence", "unpad_sequence"]


def _fit_to_slot(seq: Tensor, slot: tuple[int, ...]) -> Tensor:
    """Broadcast ``seq`` to ``slot`` as torch's copy into the padded tensor does (with copy_'s message)."""
    if tuple(seq.shape) == slot:
        return seq
    for k in range(1, min(seq.dim(), len(slot)) + 1):
        if seq.shape[-k] not in (1, slot[-k]):
            raise RuntimeError(f"The size of tensor a ({slot[-k]}) must match the size of tensor b ({seq.shape[-k]}) "
                               f"at non-singleton dimension {len(slot) - k}")
    return seq.expand(*slot)


def pad_sequence(sequences: Tensor | Iterable[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (L_i, *) into (T, B, *) — (B, T, *) with batch_first — where T = max L_i.

    Each sequence is padded with ``padding_value`` after its end (or before its start with
    ``padding_side="left"``). The result has the first sequence's dtype and trailing shape, and is
    differentiable with respect to every sequence.
    """
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    for i, seq in enumerate(sequences):
        if not isinstance(seq, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(seq).__name__}")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    first = sequences[0]
    if first.dim() == 0:
        raise RuntimeError("ArrayRef: invalid slice, N = 1; size = 0")  # torch slices the trailing dims off
    trailing = tuple(first.shape[1:])
    max_len = max(seq.size(0) for seq in sequences)
    padded = []
    for seq in sequences:
        # built with cat rather than copies into a filled tensor, so gradients flow back to every sequence
        seq = _fit_to_slot(seq.to(first.dtype), (seq.size(0), *trailing))
        pad = _creation.full((max_len - seq.size(0), *trailing), padding_value, dtype=first.dtype,
                             device=first.device)
        padded.append(cat([seq, pad] if padding_side == "right" else [pad, seq]))
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list[Tensor]:
    """Undo ``pad_sequence`` (right padding): sequence i is the first lengths[i] steps of batch entry i."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(length)] for seq, length in zip(padded_sequences, lengths)]
