"""A pickle interpreter that builds data and never runs code from the file (``load(weights_only=True)``).

``pickle.Unpickler.find_class`` alone is not enough for that: its BUILD opcode
can set attributes on any object on the stack, including the shared objects a
restricted ``find_class`` hands out (``ember.float32``, classes), so a crafted
file could still change ember for the rest of the process.  This interpreter
executes each opcode itself and asks a policy (``ember._serialization._rebuild``)
before each one that reaches outside the data: GLOBAL resolves only allowed
names, REDUCE calls only allowed callables, BUILD and NEWOBJ act only on allowed
types; the opcodes no weights file needs (INST, OBJ, NEWOBJ_EX, EXT*,
out-of-band buffers) are refused.  The opcode names are those of ``pickle``.
"""
from __future__ import annotations

import _compat_pickle
import pickle
import struct
import sys
from typing import Any, BinaryIO, Callable, Protocol

__all__ = ["Policy", "WeightsOnlyUnpickler"]

_MARK = object()  # the stack sentinel MARK pushes


class Policy(Protocol):
    """What a weights-only load may do; each method raises ``pickle.UnpicklingError`` to refuse."""

    def find_global(self, module: str, name: str) -> Any: ...
    def may_call(self, func: Any) -> bool: ...
    def new_object(self, cls: Any, args: tuple) -> Any: ...
    def build(self, obj: Any, state: Any) -> None: ...


class WeightsOnlyUnpickler:
    """Unpickle from ``f`` under ``policy``; ``persistent_load`` resolves BINPERSID ids (the storages)."""

    def __init__(self, f: BinaryIO, policy: Policy, persistent_load: Callable[[Any], Any]) -> None:
        self._read = f.read
        self._readline = f.readline
        self._policy = policy
        self._persistent_load = persistent_load

    def _read_exact(self, n: int) -> bytes:
        if n > sys.maxsize:  # a damaged length no file can hold (read() would overflow)
            raise EOFError("pickle data was truncated")
        data = self._read(n)
        if len(data) != n:
            raise EOFError("pickle data was truncated")  # the type torch's interpreter gives most truncations
        return data

    def _pop_mark(self) -> list:
        stack = self._stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is _MARK:
                items = stack[i + 1:]
                del stack[i:]
                return items
        raise IndexError("pop from empty list")  # torch's interpreter: its stack of marks is empty

    def _global(self, module: str, name: str) -> Any:
        # the Python 2 spellings protocol 2 pickles use (__builtin__.xrange is range), mapped as torch maps them
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        return self._policy.find_global(module, name)

    def load(self) -> Any:
        self._stack: list = []
        self._memo: dict[int, Any] = {}
        stack, memo, read = self._stack, self._memo, self._read_exact
        unpack = struct.unpack
        while True:
            op = self._read(1)
            if not op:
                # torch's interpreter raises EOFError here too: an empty or truncated file
                raise EOFError("Ran out of input: the pickle ends before its STOP opcode (empty or truncated file)")
            if not isinstance(op, bytes):  # a text-mode file: torch's interpreter checks this too
                raise AssertionError(f"Expected bytes, got {type(op).__name__}")
            code = op[0]
            # --- framing and structure
            if code == 0x80:  # PROTO
                read(1)
            elif code == 0x95:  # FRAME (protocol 4): a length prefix, the data follows inline
                read(8)
            elif code == 0x2E:  # STOP: the top of the stack, as torch's interpreter (IndexError when empty)
                if stack and stack[-1] is _MARK:
                    raise pickle.UnpicklingError("malformed pickle: a MARK at STOP")
                return stack.pop()
            elif code == 0x28:  # MARK
                stack.append(_MARK)
            elif code == 0x30:  # POP
                stack.pop()
            elif code == 0x31:  # POP_MARK
                self._pop_mark()
            elif code == 0x32:  # DUP
                stack.append(stack[-1])
            # --- memo
            elif code == 0x71:  # BINPUT
                memo[read(1)[0]] = stack[-1]
            elif code == 0x72:  # LONG_BINPUT
                memo[unpack("<I", read(4))[0]] = stack[-1]
            elif code == 0x94:  # MEMOIZE
                memo[len(memo)] = stack[-1]
            elif code == 0x70:  # PUT
                memo[int(self._readline()[:-1])] = stack[-1]
            elif code in (0x68, 0x6A, 0x67):  # BINGET, LONG_BINGET, GET
                idx = read(1)[0] if code == 0x68 else unpack("<I", read(4))[0] if code == 0x6A \
                    else int(self._readline()[:-1])
                if idx not in memo:
                    raise KeyError(idx)  # what torch's interpreter raises: the pickle is corrupted
                stack.append(memo[idx])
            # --- scalars
            elif code == 0x4E:  # NONE
                stack.append(None)
            elif code == 0x88:  # NEWTRUE
                stack.append(True)
            elif code == 0x89:  # NEWFALSE
                stack.append(False)
            elif code == 0x4B:  # BININT1
                stack.append(read(1)[0])
            elif code == 0x4D:  # BININT2
                stack.append(unpack("<H", read(2))[0])
            elif code == 0x4A:  # BININT
                stack.append(unpack("<i", read(4))[0])
            elif code == 0x8A:  # LONG1
                stack.append(int.from_bytes(read(read(1)[0]), "little", signed=True))
            elif code == 0x8B:  # LONG4
                stack.append(int.from_bytes(read(unpack("<i", read(4))[0]), "little", signed=True))
            elif code == 0x49:  # INT (protocol 0; also spells True/False as 01/00)
                line = self._readline()[:-1]
                stack.append(True if line == b"01" else False if line == b"00" else int(line))
            elif code == 0x4C:  # LONG (protocol 0)
                stack.append(int(self._readline()[:-1].rstrip(b"L")))
            elif code == 0x47:  # BINFLOAT
                stack.append(unpack(">d", read(8))[0])
            elif code == 0x46:  # FLOAT (protocol 0)
                stack.append(float(self._readline()[:-1]))
            # --- strings and bytes
            elif code == 0x58:  # BINUNICODE
                stack.append(str(read(unpack("<I", read(4))[0]), "utf-8", "surrogatepass"))
            elif code == 0x8C:  # SHORT_BINUNICODE
                stack.append(str(read(read(1)[0]), "utf-8", "surrogatepass"))
            elif code == 0x8D:  # BINUNICODE8
                stack.append(str(read(unpack("<Q", read(8))[0]), "utf-8", "surrogatepass"))
            elif code == 0x42:  # BINBYTES
                stack.append(read(unpack("<I", read(4))[0]))
            elif code == 0x43:  # SHORT_BINBYTES
                stack.append(read(read(1)[0]))
            elif code == 0x8E:  # BINBYTES8
                stack.append(read(unpack("<Q", read(8))[0]))
            elif code == 0x96:  # BYTEARRAY8
                stack.append(bytearray(read(unpack("<Q", read(8))[0])))
            elif code in (0x54, 0x55):  # BINSTRING, SHORT_BINSTRING (Python 2 str): decoded as torch does, utf-8
                n = unpack("<i", read(4))[0] if code == 0x54 else read(1)[0]
                stack.append(read(n).decode("utf-8"))
            # --- containers
            elif code == 0x29:  # EMPTY_TUPLE
                stack.append(())
            elif code == 0x85:  # TUPLE1
                stack[-1] = (stack[-1],)
            elif code == 0x86:  # TUPLE2
                stack[-2:] = [tuple(stack[-2:])]
            elif code == 0x87:  # TUPLE3
                stack[-3:] = [tuple(stack[-3:])]
            elif code == 0x74:  # TUPLE
                stack.append(tuple(self._pop_mark()))
            elif code == 0x5D:  # EMPTY_LIST
                stack.append([])
            elif code == 0x6C:  # LIST
                stack.append(self._pop_mark())
            elif code == 0x61:  # APPEND
                value = stack.pop()
                _as(stack[-1], list, "APPEND").append(value)
            elif code == 0x65:  # APPENDS
                items = self._pop_mark()
                _as(stack[-1], list, "APPENDS").extend(items)
            elif code == 0x7D:  # EMPTY_DICT
                stack.append({})
            elif code == 0x64:  # DICT
                items = self._pop_mark()
                stack.append(dict(zip(items[::2], items[1::2])))
            elif code == 0x73:  # SETITEM
                value = stack.pop()
                key = stack.pop()
                _as(stack[-1], dict, "SETITEM")[key] = value
            elif code == 0x75:  # SETITEMS
                items = self._pop_mark()
                target = _as(stack[-1], dict, "SETITEMS")
                for i in range(0, len(items) - 1, 2):
                    target[items[i]] = items[i + 1]
            elif code == 0x8F:  # EMPTY_SET
                stack.append(set())
            elif code == 0x90:  # ADDITEMS
                items = self._pop_mark()
                _as(stack[-1], set, "ADDITEMS").update(items)
            elif code == 0x91:  # FROZENSET
                stack.append(frozenset(self._pop_mark()))
            # --- the opcodes that reach outside the data: each one checked
            elif code == 0x63:  # GLOBAL
                module = self._readline()[:-1].decode("utf-8")
                name = self._readline()[:-1].decode("utf-8")
                stack.append(self._global(module, name))
            elif code == 0x93:  # STACK_GLOBAL
                name = stack.pop()
                module = stack.pop()
                if not (isinstance(module, str) and isinstance(name, str)):
                    raise pickle.UnpicklingError("STACK_GLOBAL requires str")
                stack.append(self._global(module, name))
            elif code == 0x52:  # REDUCE
                args = stack.pop()
                func = stack[-1]
                if not isinstance(args, tuple) or not self._policy.may_call(func):
                    raise pickle.UnpicklingError(f"Trying to call reduce for unrecognized function {func!r}")
                stack[-1] = func(*args)
            elif code == 0x81:  # NEWOBJ: cls.__new__(cls, *args), how protocol 2 pickles plain class instances
                args = stack.pop()
                stack[-1] = self._policy.new_object(stack[-1], args)
            elif code == 0x62:  # BUILD
                state = stack.pop()
                self._policy.build(stack[-1], state)
            elif code == 0x51:  # BINPERSID
                stack[-1] = self._persistent_load(stack[-1])
            else:
                # INST, OBJ, NEWOBJ_EX, EXT1/2/4, NEXT_BUFFER, READONLY_BUFFER, STRING, UNICODE, PERSID (the
                # text form torch never writes and its interpreter refuses too), ...
                raise pickle.UnpicklingError(f"Unsupported operand {code}")  # torch's words


def _as(obj: Any, kind: type, opcode: str) -> Any:
    if not isinstance(obj, kind):
        raise pickle.UnpicklingError(f"{opcode} on a {type(obj).__name__}, which is not a {kind.__name__}")
    return obj

