"""libstdc++'s unstable sorting algorithms, step for step, on a list of indices.

torch's CPU ``sort(stable=False)``, ``topk`` and ``median(dim)`` run ``std::sort``,
``std::partial_sort`` and ``std::nth_element`` (GCC's libstdc++ builds), and
``kthvalue`` runs aten's own ``quick_select_template``. Their results are unique
except for the order of equal elements; to give ties the same order as torch, ember
replays those algorithms here. ``a`` is a list of positions, ``key`` their integer
ranks (so NaN handling and -0.0 == 0.0 are settled before we get here), and ``a[i]``
sorts before ``a[j]`` when ``key[a[i]] < key[a[j]]``. Callers only come here for rows
that contain ties; tie-free rows take NumPy's vectorised path, which gives the same answer.
"""
from __future__ import annotations

_THRESHOLD = 16  # libstdc++ _S_threshold


def _lg(n: int) -> int:
    return n.bit_length() - 1


def _move_median_to_first(a, key, result, x, y, z) -> None:
    kx, ky, kz = key[a[x]], key[a[y]], key[a[z]]
    if kx < ky:
        if ky < kz:
            m = y
        elif kx < kz:
            m = z
        else:
            m = x
    elif kx < kz:
        m = x
    elif ky < kz:
        m = z
    else:
        m = y
    a[result], a[m] = a[m], a[result]


def _unguarded_partition(a, key, first: int, last: int, pivot: int) -> int:
    kp = key[a[pivot]]
    while True:
        while key[a[first]] < kp:
            first += 1
        last -= 1
        while kp < key[a[last]]:
            last -= 1
        if not first < last:
            return first
        a[first], a[last] = a[last], a[first]
        first += 1


def _partition_pivot(a, key, first: int, last: int) -> int:
    mid = first + (last - first) // 2
    _move_median_to_first(a, key, first, first + 1, mid, last - 1)
    return _unguarded_partition(a, key, first + 1, last, first)


def _unguarded_linear_insert(a, key, last: int) -> None:
    val = a[last]
    kv = key[val]
    nxt = last - 1
    while kv < key[a[nxt]]:
        a[last] = a[nxt]
        last = nxt
        nxt -= 1
    a[last] = val


def _insertion_sort(a, key, first: int, last: int) -> None:
    if first == last:
        return
    for i in range(first + 1, last):
        if key[a[i]] < key[a[first]]:
            val = a[i]
            a[first + 1:i + 1] = a[first:i]
            a[first] = val
        else:
            _unguarded_linear_insert(a, key, i)


def _adjust_heap(a, key, first: int, hole: int, length: int, value) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if key[a[first + child]] < key[a[first + child - 1]]:
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if length & 1 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    # __push_heap
    kv = key[value]
    parent = (hole - 1) // 2
    while hole > top and key[a[first + parent]] < kv:
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = value


def _make_heap(a, key, first: int, last: int) -> None:
    length = last - first
    if length < 2:
        return
    parent = (length - 2) // 2
    while True:
        _adjust_heap(a, key, first, parent, length, a[first + parent])
        if parent == 0:
            return
        parent -= 1


def _pop_heap(a, key, first: int, last: int, result: int) -> None:
    value = a[result]
    a[result] = a[first]
    _adjust_heap(a, key, first, 0, last - first, value)


def _heap_select(a, key, first: int, middle: int, last: int) -> None:
    _make_heap(a, key, first, middle)
    for i in range(middle, last):
        if key[a[i]] < key[a[first]]:
            _pop_heap(a, key, first, middle, i)


def _sort_heap(a, key, first: int, last: int) -> None:
    while last - first > 1:
        last -= 1
        _pop_heap(a, key, first, last, last)


def partial_sort(a, key, first: int, middle: int, last: int) -> None:
    """std::partial_sort: the smallest ``middle - first`` elements, sorted, at the front."""
    _heap_select(a, key, first, middle, last)
    _sort_heap(a, key, first, middle)


def _introsort_loop(a, key, first: int, last: int, depth: int) -> None:
    while last - first > _THRESHOLD:
        if depth == 0:
            partial_sort(a, key, first, last, last)
            return
        depth -= 1
        cut = _partition_pivot(a, key, first, last)
        _introsort_loop(a, key, cut, last, depth)
        last = cut


def sort(a, key, first: int = 0, last: int | None = None) -> None:
    """std::sort on ``a[first:last]``."""
    last = len(a) if last is None else last
    if first == last:
        return
    _introsort_loop(a, key, first, last, _lg(last - first) * 2)
    if last - first > _THRESHOLD:
        _insertion_sort(a, key, first, first + _THRESHOLD)
        for i in range(first + _THRESHOLD, last):
            _unguarded_linear_insert(a, key, i)
    else:
        _insertion_sort(a, key, first, last)


def nth_element(a, key, nth: int, first: int = 0, last: int | None = None) -> None:
    """std::nth_element: ``a[nth]`` is what a full sort would put there, smaller ones before it."""
    last = len(a) if last is None else last
    if first == last or nth == last:
        return
    depth = _lg(last - first) * 2
    while last - first > 3:
        if depth == 0:
            _heap_select(a, key, first, nth + 1, last)
            a[first], a[nth] = a[nth], a[first]
            return
        depth -= 1
        cut = _partition_pivot(a, key, first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, key, first, last)


def quick_select(a, key, k: int) -> None:
    """aten's quick_select_template (Sorting.cpp, used by kthvalue): puts the k-th smallest at ``a[k]``."""
    lo, hi = 0, len(a) - 1
    while True:
        if hi <= lo:
            return
        if hi == lo + 1:
            if key[a[lo]] > key[a[hi]]:
                a[lo], a[hi] = a[hi], a[lo]
            return
        p = lo + (hi - lo) // 2
        a[p], a[lo + 1] = a[lo + 1], a[p]
        if key[a[lo + 1]] > key[a[hi]]:
            a[lo + 1], a[hi] = a[hi], a[lo + 1]
        if key[a[lo]] > key[a[hi]]:
            a[lo], a[hi] = a[hi], a[lo]
        if key[a[lo + 1]] > key[a[lo]]:
            a[lo + 1], a[lo] = a[lo], a[lo + 1]
        i, j = lo + 1, hi
        piv = key[a[lo]]
        while True:
            i += 1
            while piv > key[a[i]]:
                i += 1
            j -= 1
            while key[a[j]] > piv:
                j -= 1
            if j < i:
                break
            a[i], a[j] = a[j], a[i]
        a[lo], a[j] = a[j], a[lo]
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
