"""default_collate / default_convert vs torch: output types, dtypes, shapes, nesting and errors."""
from __future__ import annotations

from collections import OrderedDict, defaultdict, namedtuple

import numpy as np
import pytest

from _data_compare import raises_like, run_both

Point = namedtuple("Point", ["x", "y"])


def _t(lib, arr):
    return lib.from_numpy(np.asarray(arr).copy())


# each case builds a batch (a list of samples) for one library
COLLATE_CASES = {
    "ints": lambda lib: [0, 1, 2, 3],
    "floats": lambda lib: [0.5, 1.0, -2.25],
    "bools": lambda lib: [True, False, True],
    "strings": lambda lib: ["a", "b"],
    "bytes": lambda lib: [b"a", b"bc"],
    "tensors f32": lambda lib: [_t(lib, np.float32([1, 2])), _t(lib, np.float32([3, 4]))],
    "tensors 0-d int": lambda lib: [_t(lib, np.int64(3)), _t(lib, np.int64(4))],
    "tensors bool 2-d": lambda lib: [_t(lib, np.eye(2, dtype=bool))] * 3,
    "numpy arrays": lambda lib: [np.arange(3, dtype=np.int32), np.arange(3, 6, dtype=np.int32)],
    "numpy f16 arrays": lambda lib: [np.ones((2, 2), np.float16)] * 2,
    "numpy scalars f32": lambda lib: [np.float32(1.5), np.float32(2)],
    "numpy scalars i16": lambda lib: [np.int16(1), np.int16(-2)],
    "numpy scalars bool": lambda lib: [np.bool_(True), np.bool_(False)],
    "numpy 0-d arrays": lambda lib: [np.array(1.5), np.array(2.5)],
    "numpy scalars int64+f32": lambda lib: [np.int64(1), np.float32(2.5)],
    "numpy scalars f16+int64": lambda lib: [np.float16(1), np.int64(3)],
    "numpy scalars int8+uint8": lambda lib: [np.int8(1), np.uint8(200)],
    "numpy scalars f32+f64": lambda lib: [np.float32(1), np.float64(2)],
    "numpy scalar then Python numbers": lambda lib: [np.float16(1), 2, 3.5],
    "numpy scalar then 0-d array": lambda lib: [np.int32(1), np.array(2.5)],
    "int then float": lambda lib: [1, 2.5],  # dispatch on the first: torch.tensor gives the default dtype
    "float then int": lambda lib: [1.5, 2],
    "bool then int": lambda lib: [True, 2],
    "tuples": lambda lib: [(0, 1.0, "a"), (2, 3.0, "b")],
    "lists": lambda lib: [[0, 1], [2, 3]],
    "dicts": lambda lib: [{"A": 0, "B": 1.5}, {"A": 100, "B": 2.5}],
    "ordered dicts": lambda lib: [OrderedDict(b=1, a=2), OrderedDict(b=3, a=4)],
    "defaultdict": lambda lib: [defaultdict(int, k=1), defaultdict(int, k=2)],
    "namedtuples": lambda lib: [Point(0, 0.5), Point(1, 1.5)],
    "nested": lambda lib: [
        {"img": _t(lib, np.float32([[1, 2]])), "meta": (Point(1, "p"), [np.float64(2.0), {"z": [True]}])},
        {"img": _t(lib, np.float32([[3, 4]])), "meta": (Point(2, "q"), [np.float64(3.0), {"z": [False]}])},
    ],
    "tensor dataset rows": lambda lib: [(_t(lib, np.float32([i, i])), _t(lib, np.int64(i))) for i in range(4)],
}


@pytest.mark.parametrize("case", list(COLLATE_CASES))
def test_default_collate(case):
    run_both(lambda lib: lib.utils.data.default_collate(COLLATE_CASES[case](lib)))


CONVERT_CASES = {
    "int": lambda lib: 0,
    "numpy array": lambda lib: np.array([0, 1]),
    "numpy string array": lambda lib: np.array(["a", "b"]),
    "numpy scalar": lambda lib: np.float32(2.5),
    "numpy str_": lambda lib: np.str_("x"),
    "namedtuple": lambda lib: Point(np.array(0), np.array(1.0)),
    "tuple": lambda lib: (np.array([1]), "s"),
    "list": lambda lib: [np.array([0, 1]), np.array([2, 3])],
    "dict": lambda lib: {"a": np.ones(2), "b": [np.int64(3)]},
    "tensor": lambda lib: _t(lib, np.float32([1])),
    "string": lambda lib: "abc",
}


@pytest.mark.parametrize("case", list(CONVERT_CASES))
def test_default_convert(case):
    run_both(lambda lib: lib.utils.data.default_convert(CONVERT_CASES[case](lib)))


class Opaque:
    def __repr__(self):
        return "Opaque()"


ERROR_CASES = {
    "unequal list lengths": lambda lib: [[1, 2], [3]],
    "unequal tensor shapes": lambda lib: [_t(lib, np.zeros(3)), _t(lib, np.zeros(2))],
    "string numpy arrays": lambda lib: [np.array(["a"]), np.array(["b"])],
    "object numpy arrays": lambda lib: [np.array([None]), np.array([None])],
    "unsupported type": lambda lib: [Opaque(), Opaque()],
    "missing dict key": lambda lib: [{"a": 1}, {"b": 2}],
    "None": lambda lib: [None, None],
    # a NumPy scalar first: the whole column goes through as_tensor, with torch's errors (fuzz_data)
    "numpy scalars bool+uint8": lambda lib: [np.bool_(True), np.uint8(3)],
    "numpy scalar then tensor": lambda lib: [np.float32(0.5), lib.zeros(0, 2)],
    "numpy scalar then str": lambda lib: [np.float64(0.25), "xyz", (b"bc",)],
    "numpy scalar then array": lambda lib: [np.float64(1), np.array([1.0, 2.0])],
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_collate_errors(case):
    raises_like(lambda lib: lib.utils.data.default_collate(ERROR_CASES[case](lib)))


def test_collate_fn_map_extension():
    def run(lib):
        collate_mod = lib.utils.data._utils.collate

        def as_list(batch, *, collate_fn_map=None):
            return [float(x.sum()) for x in batch]

        custom = {lib.Tensor: as_list, int: collate_mod.collate_int_fn}
        rows = [(_t(lib, np.float32([1, 2])), 3), (_t(lib, np.float32([3, 4])), 5)]
        extended = dict(collate_mod.default_collate_fn_map)
        extended[Opaque] = lambda batch, *, collate_fn_map=None: len(batch)
        return (collate_mod.collate(rows, collate_fn_map=custom),
                collate_mod.collate([{"o": Opaque()}] * 3, collate_fn_map=extended))
    run_both(run)
