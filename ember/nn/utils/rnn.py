"""Variable-length sequences (torch/nn/utils/rnn.py): padding, and packing for the recurrent layers.

A packed batch stores only the real time steps, time-major: ``data`` holds, for t = 0, 1, ..., the
``batch_sizes[t]`` sequences still running at step t (longest first), so a batch of lengths 3, 2, 1
gives rows a0 b0 c0 a1 b1 a2 and batch_sizes [3, 2, 1].
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple, Optional

from ... import _creation
from ..._creation.from_data import as_tensor
from ..._ops.shape import cat, stack
from ..._ops.sorting import sort
from ..._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor]
    unsorted_indices: Optional[Tensor]


class PackedSequence(PackedSequence_):
    """(data, batch_sizes, sorted_indices, unsorted_indices), made by ``pack_padded_sequence`` or
    ``pack_sequence``; every recurrent layer accepts one. The indices record how the batch was sorted
    by decreasing length (None when it came sorted)."""

    def __new__(cls, data: Tensor, batch_sizes: Optional[Tensor] = None, sorted_indices: Optional[Tensor] = None,
                unsorted_indices: Optional[Tensor] = None) -> "PackedSequence":
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes), ...)
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> "PackedSequence":
        """Convert ``data`` (batch_sizes stay int64 on the CPU); ``self`` when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = (lambda t: None if t is None else t.to(data.device))
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cpu(self, *args: Any, **kwargs: Any) -> "PackedSequence":
        return self.to(*args, device="cpu", **kwargs)

    def double(self) -> "PackedSequence":
        return self.to(dtype=_dtype("float64"))

    def float(self) -> "PackedSequence":
        return self.to(dtype=_dtype("float32"))

    def half(self) -> "PackedSequence":
        return self.to(dtype=_dtype("float16"))

    def long(self) -> "PackedSequence":
        return self.to(dtype=_dtype("int64"))

    def int(self) -> "PackedSequence":
        return self.to(dtype=_dtype("int32"))

    def short(self) -> "PackedSequence":
        return self.to(dtype=_dtype("int16"))

    def char(self) -> "PackedSequence":
        return self.to(dtype=_dtype("int8"))

    def byte(self) -> "PackedSequence":
        return self.to(dtype=_dtype("uint8"))

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return self.data.is_pinned()


def _dtype(name: str):
    from ... import _dtype as D
    return getattr(D, name)


def invert_permutation(permutation: Optional[Tensor]) -> Optional[Tensor]:
    """The inverse permutation: out[permutation[i]] = i."""
    if permutation is None:
        return None
    out = _creation.empty_like(permutation)
    return out.scatter_(0, permutation, _creation.arange(0, permutation.numel(), device=permutation.device))


def pack_padded_sequence(input: Tensor, lengths: Tensor | list[int], batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded (T, B, *) — (B, T, *) with batch_first — batch whose sequence b has lengths[b] steps.

    With enforce_sorted=False the batch is first sorted by decreasing length (sorted_indices records how).
    """
    if not isinstance(lengths, Tensor):
        lengths = as_tensor(lengths, dtype=_dtype("int64"), device="cpu")
    else:
        lengths = lengths.to(dtype=_dtype("int64"))
    sorted_indices = None
    if not enforce_sorted:
        lengths, sorted_indices = sort(lengths, descending=True)
        sorted_indices = sorted_indices.to(input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    data, batch_sizes = _pack(input, lengths.tolist(), batch_first)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def _pack(input: Tensor, lengths: list[int], batch_first: bool) -> tuple[Tensor, Tensor]:
    # torch's kernel checks, in its order
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if batch_first:
        input = input.transpose(0, 1)
    batch_size = input.size(1)
    if len(lengths) != batch_size:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
                           f"(batch_size={batch_size})")
    if lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if any(a < b for a, b in zip(lengths, lengths[1:])):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                           "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                           "sidestep this requirement if you do not need ONNX exportability.")
    # batch_sizes[t] = how many sequences are longer than t
    batch_sizes = [sum(1 for n in lengths if n > t) for t in range(lengths[0])]
    data = cat([input[t, :bs] for t, bs in enumerate(batch_sizes)])
    return data, as_tensor(batch_sizes, dtype=_dtype("int64"))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: Optional[int] = None) -> tuple[Tensor, Tensor]:
    """Undo packing: the padded (T, B, *) batch (T = total_length if given) in the original batch order,
    and each sequence's length (int64)."""
    batch_sizes = sequence.batch_sizes.tolist()
    max_seq_length = len(batch_sizes)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {max_seq_length}")
        max_seq_length = total_length
    data = sequence.data
    max_batch = batch_sizes[0]
    trailing = tuple(data.shape[1:])

    def padding(*shape: int) -> Tensor:
        return _creation.full(shape, padding_value, dtype=data.dtype, device=data.device)

    steps, offset = [], 0
    for bs in batch_sizes:
        steps.append(cat([data[offset:offset + bs], padding(max_batch - bs, *trailing)]))
        offset += bs
    steps += [padding(max_batch, *trailing)] * (max_seq_length - len(batch_sizes))
    padded = stack(steps)
    lengths = as_tensor([sum(1 for bs in batch_sizes if bs > b) for b in range(max_batch)], dtype=_dtype("int64"))
    if batch_first:
        padded = padded.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        return (padded.index_select(0 if batch_first else 1, sequence.unsorted_indices),
                lengths[sequence.unsorted_indices.cpu()])
    return padded, lengths


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


def pack_sequence(sequences: list[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) sequences: ``pad_sequence`` then ``pack_padded_sequence``."""
    lengths = as_tensor([seq.size(0) for seq in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Undo ``pack_sequence``: the list of sequences, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
