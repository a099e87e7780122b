"""The MT19937 engine as torch's CPU generator drives it (aten/src/ATen/core/MT19937RNGEngine.h).

torch seeds the engine with ``init_genrand(seed & 0xffffffff)`` and then reads 32-bit words; NumPy's
``MT19937`` bit generator runs the very same recurrence and tempering, so the engine here only puts
torch's seed into NumPy's state and reads words from it. A 64-bit draw (``random64``) takes two words,
the FIRST of them as the high half.

The state maps one to one: torch's ``state`` words are NumPy's ``key`` and ``pos = 625 - left``.
torch's ``next`` index equals ``pos`` except right after seeding, where torch keeps ``next = 0`` while
NumPy says ``pos = 624``; both twist on the next draw, and the engine remembers which one to report so
that a state taken from torch comes back byte for byte.
"""
from __future__ import annotations

import numpy as np

__all__ = ["MT19937Engine", "init_genrand"]

_N = 624
# Below this many words NumPy's ``random_raw`` is cheaper per call than ``Generator.integers`` (which
# costs ~5 us of argument handling per call but then runs a tighter loop).
_SMALL = 256
_SMALL64 = 1024
_M53 = np.uint64((1 << 53) - 1)
_2M53 = 2.0 ** -53


def _next64_matches_random64() -> bool:
    """Whether ``Generator.integers(0, 2**64, dtype=uint64)`` returns torch's ``random64()``.

    For the full 64-bit range NumPy returns the bit generator's ``next_uint64`` untransformed, and for
    MT19937 that is two words with the FIRST one as the high half -- torch's order. The C code leaves
    the order of the two calls to the compiler, so it is checked once here (on a private generator).
    """
    a, b = np.random.MT19937(12345), np.random.MT19937(12345)
    got = np.random.Generator(a).integers(0, 1 << 64, size=3, dtype=np.uint64)
    w = b.random_raw(6)
    return bool(np.array_equal(got, (w[0::2] << np.uint64(32)) | w[1::2])) and a.random_raw(1)[0] == b.random_raw(1)[0]


_FAST64 = _next64_matches_random64()


def init_genrand(seed32: int) -> np.ndarray:
    """The 624-word key that ``init_genrand`` (Matsumoto & Nishimura's seeding) builds from a 32-bit seed."""
    key = [0] * _N
    s = seed32 & 0xFFFFFFFF
    key[0] = s
    for j in range(1, _N):
        s = (1812433253 * (s ^ (s >> 30)) + j) & 0xFFFFFFFF
        key[j] = s
    return np.array(key, dtype=np.uint32)


class MT19937Engine:
    """A 32-bit Mersenne Twister whose stream equals torch's ``at::mt19937`` for the same state.

    Prefetch: ``prefetch`` may draw words ahead of use (for precomputed serial normals, see
    ``sampling.small_normals``). Those words stay the next words of the stream: every draw takes them
    first, and the reported state is the one before them, advanced by the number already taken.
    """

    __slots__ = ("_bits", "_ints", "_fresh_next", "_pend", "_pos", "_snap", "pairs", "streak")

    def __init__(self, seed32: int = 5489) -> None:
        self._bits = np.random.MT19937(0)
        self._ints = np.random.Generator(self._bits)
        self._pend = None
        self.streak = 0  # consecutive small serial-normal draws (see sampling.small_normals)
        self.seed(seed32)

    def seed(self, seed32: int) -> None:
        self._set(init_genrand(seed32), _N)
        self._fresh_next = True

    def _set(self, key: np.ndarray, pos: int) -> None:
        self._drop()
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}

    # -- prefetched words ---------------------------------------------------------------------------
    def _drop(self) -> None:
        self._pend = None  # uint64 words drawn ahead, not yet used
        self._pos = 0  # how many of them are used
        self._snap = None  # the bit generator's state before they were drawn
        self.pairs = None  # optional: values derived from them by the caller of ``prefetch``

    def prefetch(self, n: int) -> np.ndarray:
        """Draw ``n`` words ahead (only when nothing is pending); returns them (uint64)."""
        assert self._pend is None
        self._snap = self._bits.state
        self._pend = self._bits.random_raw(n)
        self._pos = 0
        return self._pend

    def take(self, n: int) -> None:
        """Mark ``n`` pending words as used (the caller read them from ``_pend`` itself)."""
        self._pos += n
        if self._pos >= self._pend.size:
            self._drop()

    def _raw(self, n: int) -> np.ndarray:
        """The next ``n`` words (uint64), pending ones first."""
        self._fresh_next = False
        self.streak = 0
        if self._pend is None:
            return self._bits.random_raw(n)
        k = min(n, self._pend.size - self._pos)
        head = self._pend[self._pos:self._pos + k]
        self.take(k)
        return head.copy() if k == n else np.concatenate([head, self._bits.random_raw(n - k)])

    # -- draws ------------------------------------------------------------------------------------
    def words(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit words (``at::mt19937::operator()``) as a uint32 array."""
        self._fresh_next = False
        self.streak = 0
        if n <= _SMALL or self._pend is not None:
            return self._raw(n).astype(np.uint32)
        # For the full 2**32 range NumPy returns the raw words without any transformation.
        return self._ints.integers(0, 1 << 32, size=n, dtype=np.uint32)

    def words64(self, n: int) -> np.ndarray:
        """The next ``n`` words widened to uint64 (cheaper than ``words`` when 64-bit math follows)."""
        return self._raw(n)

    def words_list(self, n: int) -> list[int]:
        """The next ``n`` words as a Python list (the cheapest form for a few scalar draws)."""
        if self._pend is None:
            self._fresh_next = False
            self.streak = 0
            return self._bits.random_raw(n).tolist()
        return self._raw(n).tolist()

    def random64(self, n: int) -> np.ndarray:
        """``n`` draws of ``random64()``: two words each, the first one is the high half (a fresh array)."""
        self._fresh_next = False
        self.streak = 0
        if _FAST64 and n >= _SMALL64 and self._pend is None:
            return self._ints.integers(0, 1 << 64, size=n, dtype=np.uint64)
        w = self._raw(2 * n)
        hi = w[0::2]
        hi <<= np.uint64(32)
        hi |= w[1::2]
        return hi

    def u53(self, n: int) -> np.ndarray:
        """``n`` integers ``random64() & (2**53 - 1)`` (uint64): torch's 53-bit uniform is this times 2**-53."""
        r = self.random64(n)
        r &= _M53
        return r

    def uniform53(self, n: int) -> np.ndarray:
        """``n`` doubles ``(random64() & (2**53 - 1)) * 2**-53``: torch's ``uniform_real<double>(0, 1)``."""
        # exact: at most 53 significant bits, scaled by a power of two
        return np.multiply(self.u53(n), _2M53, dtype=np.float64)

    # -- state ------------------------------------------------------------------------------------
    def get_words_state(self) -> tuple[np.ndarray, int, int]:
        """(624 state words, torch's ``left``, torch's ``next``)."""
        if self._pend is not None:  # the state before the pending words, advanced past the used ones
            tmp = np.random.MT19937(0)
            tmp.state = self._snap
            tmp.random_raw(self._pos)
            st = tmp.state["state"]
        else:
            st = self._bits.state["state"]
        pos = int(st["pos"])
        nxt = 0 if (self._fresh_next and pos == _N) else pos
        return np.asarray(st["key"], dtype=np.uint32).copy(), _N + 1 - pos, nxt

    def set_words_state(self, key: np.ndarray, left: int, nxt: int) -> None:
        pos = _N + 1 - left
        self._set(np.asarray(key, dtype=np.uint32), pos)
        self._fresh_next = pos == _N and nxt == 0
