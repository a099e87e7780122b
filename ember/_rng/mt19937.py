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
    """A 32-bit Mersenne Twister whose stream equals torch's ``at::mt19937`` for the same state."""

    __slots__ = ("_bits", "_ints", "_fresh_next")

    def __init__(self, seed32: int = 5489) -> None:
        self._bits = np.random.MT19937(0)
        self._ints = np.random.Generator(self._bits)
        self.seed(seed32)

    def seed(self, seed32: int) -> None:
        self._set(init_genrand(seed32), _N)
        self._fresh_next = True

    def _set(self, key: np.ndarray, pos: int) -> None:
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}

    # -- draws ------------------------------------------------------------------------------------
    def words(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit words (``at::mt19937::operator()``) as a uint32 array."""
        self._fresh_next = False
        if n <= _SMALL:
            return self._bits.random_raw(n).astype(np.uint32)
        # For the full 2**32 range NumPy returns the raw words without any transformation.
        return self._ints.integers(0, 1 << 32, size=n, dtype=np.uint32)

    def words64(self, n: int) -> np.ndarray:
        """The next ``n`` words widened to uint64 (cheaper than ``words`` when 64-bit math follows)."""
        self._fresh_next = False
        return self._bits.random_raw(n)

    def words_list(self, n: int) -> list[int]:
        """The next ``n`` words as a Python list (the cheapest form for a few scalar draws)."""
        self._fresh_next = False
        return self._bits.random_raw(n).tolist()

    def random64(self, n: int) -> np.ndarray:
        """``n`` draws of ``random64()``: two words each, the first one is the high half (a fresh array)."""
        self._fresh_next = False
        if _FAST64 and n >= _SMALL64:
            return self._ints.integers(0, 1 << 64, size=n, dtype=np.uint64)
        w = self._bits.random_raw(2 * n)
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
        st = self._bits.state["state"]
        pos = int(st["pos"])
        nxt = 0 if (self._fresh_next and pos == _N) else pos
        return np.asarray(st["key"], dtype=np.uint32).copy(), _N + 1 - pos, nxt

    def set_words_state(self, key: np.ndarray, left: int, nxt: int) -> None:
        pos = _N + 1 - left
        self._set(np.asarray(key, dtype=np.uint32), pos)
        self._fresh_next = pos == _N and nxt == 0
