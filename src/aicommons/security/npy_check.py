"""numpy .npy headers (numpy/lib/format.py): magic, version, a Python-literal dict {descr, fortran_order, shape}.
Object arrays store a pickle after the header (np.load with allow_pickle=True unpickles it)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from math import prod

MAX_HEADER = 1 << 20
_KEYS = {"descr", "fortran_order", "shape"}
# The exact form numpy.save writes for simple dtypes; anything else goes through ast.literal_eval.
_STANDARD = re.compile(r"\{'descr': '([<>|=]?[a-zA-Z]\d*)', 'fortran_order': (True|False), "
                       r"'shape': \(((?:\d+, )*\d*,?)\), \} *\n?")


class NpyError(Exception):
    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message, self.offset = message, offset


@dataclass(frozen=True)
class NpyHeader:
    data_offset: int
    has_object: bool
    nbytes: int  # size of the array data (for non-object arrays)


def header_length(prefix: bytes) -> int:
    """Bytes taken by magic + header, from the first 12 bytes."""
    if len(prefix) < 10:
        raise NpyError("file ends inside the .npy preamble")
    major = prefix[6]
    if major == 1:
        return 10 + int.from_bytes(prefix[8:10], "little")
    if major in (2, 3):
        if len(prefix) < 12:
            raise NpyError("file ends inside the .npy preamble")
        return 12 + int.from_bytes(prefix[8:12], "little")
    raise NpyError(f"unknown .npy format version {major}.{prefix[7]}", 6)


def parse_header(head: bytes) -> NpyHeader:
    """`head` must hold at least header_length(head) bytes."""
    end = header_length(head)
    start = 10 if head[6] == 1 else 12
    if end - start > MAX_HEADER:
        raise NpyError(f"header of {end - start} bytes exceeds {MAX_HEADER}", 8)
    if len(head) < end:
        raise NpyError("file ends inside the .npy header", len(head))
    try:
        text = head[start:end].decode("utf-8" if head[6] == 3 else "latin-1")
        standard = _STANDARD.fullmatch(text)
        if standard:
            dims = standard.group(3).replace(",", " ").split()
            header = {"descr": standard.group(1), "fortran_order": standard.group(2) == "True",
                      "shape": tuple(int(d) for d in dims)}
        else:
            header = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError, UnicodeDecodeError):
        raise NpyError("header is not a Python literal", start) from None
    if not isinstance(header, dict) or set(header) != _KEYS:
        raise NpyError("header must be a dict with exactly descr, fortran_order and shape", start)
    shape = header["shape"]
    if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape):
        raise NpyError("shape must be a tuple of non-negative integers", start)
    if not isinstance(header["fortran_order"], bool):
        raise NpyError("fortran_order must be a boolean", start)
    has_object, itemsize = _dtype_layout(header["descr"], start)
    return NpyHeader(end, has_object, prod(shape) * itemsize)


_SIMPLE_DESCR = re.compile(r"[<>|=]?([?bBhHiIlLqQuefdgFDGcSUVaOmMp])(\d*)(\[\w+\])?")


def _dtype_layout(descr, at: int) -> tuple[bool, int]:
    """(has_object, itemsize) of a .npy descr: plain type strings directly, structured ones through numpy."""
    if isinstance(descr, str):
        match = _SIMPLE_DESCR.fullmatch(descr)
        if match and match.group(2) and match.group(1) not in "OU":
            return False, int(match.group(2))
        if match and match.group(1) == "O":
            return True, 8
        if match and match.group(1) == "U" and match.group(2):
            return False, 4 * int(match.group(2))
    from numpy.lib.format import descr_to_dtype  # numpy only for the descrs above it cannot size

    try:
        dtype = descr_to_dtype(descr)
    except (TypeError, ValueError) as exc:
        raise NpyError(f"invalid descr: {exc}", at) from None
    return bool(dtype.hasobject), dtype.itemsize
