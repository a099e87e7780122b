"""Corpus loading and the character vocabulary for ``ember train``/``ember sample``."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

__all__ = ["DEFAULT_CORPUS", "DataError", "CharVocab", "load_corpus", "unigram_entropy", "unigram_cross_entropy"]

# the name stored in checkpoints for the built-in corpus
DEFAULT_CORPUS = "pydoc_data.topics"


class DataError(Exception):
    """A corpus that cannot be used; the message is meant for the user as it is."""


def default_corpus() -> str:
    """Python's own reference documentation (``help('topics')``), which ships inside every CPython.

    The topics are joined in sorted order so the text is the same on every run.
    """
    from pydoc_data.topics import topics

    return "\n\n".join(topics[name].strip("\n") for name in sorted(topics)) + "\n"


def load_corpus(path: str | None) -> str:
    """The text of ``path`` (UTF-8), or the default corpus when ``path`` is None."""
    if path is None or path == DEFAULT_CORPUS:
        return default_corpus()
    file = Path(path)
    if not file.exists():
        raise DataError(f"data file not found: {path}")
    if file.is_dir():
        raise DataError(f"data path is a directory, not a text file: {path}")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DataError(f"data file is not UTF-8 text: {path} (byte {err.start}: {err.reason})") from None
    except OSError as err:
        raise DataError(f"cannot read data file {path}: {err.strerror}") from None
    if not text:
        raise DataError(f"data file is empty: {path}")
    return text


class CharVocab:
    """A character-level vocabulary: token id i is the i-th character of ``chars``."""

    def __init__(self, chars: str) -> None:
        self.chars = chars
        self.stoi = {ch: i for i, ch in enumerate(chars)}

    @classmethod
    def from_text(cls, text: str) -> CharVocab:
        """Every distinct character of ``text``, sorted by code point."""
        return cls("".join(sorted(set(text))))

    def __len__(self) -> int:
        return len(self.chars)

    def unknown(self, text: str) -> list[str]:
        """The distinct characters of ``text`` that are not in the vocabulary, in order of appearance."""
        return list(dict.fromkeys(ch for ch in text if ch not in self.stoi))

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; raises :class:`DataError` naming any unknown characters."""
        missing = self.unknown(text)
        if missing:
            shown = ", ".join(repr(ch) for ch in missing[:10])
            raise DataError(f"characters not in the model's vocabulary: {shown}")
        return [self.stoi[ch] for ch in text]

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.chars[i] for i in ids)


def unigram_entropy(ids: list[int]) -> float:
    r"""Entropy in nats of the character frequencies of ``ids``: :math:`-\sum_c p_c \log p_c`."""
    n = len(ids)
    return -sum(k / n * math.log(k / n) for k in Counter(ids).values())


def unigram_cross_entropy(train_ids: list[int], val_ids: list[int], vocab_size: int) -> float:
    r"""Loss in nats of the best context-free model: character frequencies counted on ``train_ids``.

    :math:`-\frac1N \sum_{t} \log p(x_t)` over ``val_ids``, with add-one smoothing so that a character
    unseen in training costs a finite amount. A model that learned anything must beat this.
    """
    counts = Counter(train_ids)
    total = len(train_ids) + vocab_size
    log_p = {i: math.log((counts[i] + 1) / total) for i in range(vocab_size)}
    return -sum(log_p[i] for i in val_ids) / len(val_ids)
