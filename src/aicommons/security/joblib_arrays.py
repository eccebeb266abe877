"""Where joblib's inline array blocks end, so the pickle walk can resume after them.

joblib's NumpyPickler writes each array as a NumpyArrayWrapper (pickled normally, ending with BUILD) followed by
the raw array bytes, which NumpyArrayWrapper.read_array reads straight from the file before unpickling resumes:
  - with a ``numpy_array_alignment_bytes`` attribute (joblib >= 1.2): one byte N, then N padding bytes;
  - then prod(shape) * dtype.itemsize bytes, or, for object dtypes, a complete nested pickle.
Scanners that stop at those bytes miss anything pickled after the first array (shared reference trust.md
section 5, "joblib raw array blocks").
"""

from __future__ import annotations

import re
from math import prod

JOBLIB_MODULES = frozenset({"joblib.numpy_pickle", "sklearn.externals.joblib.numpy_pickle"})

_DESCR = re.compile(r"[<>|=]?([a-zA-Z?])(\d*)")
_DTYPE_GLOBALS = frozenset({"numpy.dtype", "numpy.core.multiarray.dtype", "numpy._core.multiarray.dtype"})


class ArrayLayoutError(Exception):
    """The wrapper's state does not say how many bytes follow."""


def inline_array_span(state, buf, pos: int, end: int) -> tuple[bool, int]:
    """(has_object, n): whether a nested pickle follows (object arrays), else how many bytes to skip at pos."""
    if not hasattr(state, "get"):
        raise ArrayLayoutError("wrapper state is not a dict")
    shape = state.get("shape")
    if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape):
        raise ArrayLayoutError("shape is not a tuple of non-negative integers")
    has_object, itemsize = _dtype_layout(state.get("dtype"))
    if has_object:
        return True, 0
    span = prod(shape) * itemsize
    if state.get("numpy_array_alignment_bytes") is not None:
        if pos >= end:
            raise ArrayLayoutError("missing alignment byte")
        span += 1 + buf[pos]
    return False, span


def _dtype_layout(dtype) -> tuple[bool, int]:
    """(has_object, itemsize) of a numpy dtype pickled as numpy.dtype(descr, align, copy) plus a BUILD state."""
    func = getattr(dtype, "func", None)
    args = getattr(dtype, "args", None)
    if func is None or f"{func.module}.{func.name}" not in _DTYPE_GLOBALS or not args or type(args[0]) is not str:
        raise ArrayLayoutError("dtype is not a numpy dtype built from a type string")
    match = _DESCR.fullmatch(args[0])
    if match is None:
        raise ArrayLayoutError(f"unknown dtype string {args[0]!r}")
    kind, digits = match.groups()
    state = dtype.state
    elsize, flags = -1, 0
    if isinstance(state, tuple) and len(state) >= 8:
        elsize = state[5] if type(state[5]) is int else -1
        flags = state[7] if type(state[7]) is int else 0
    if kind == "O" or flags & 1:  # NPY_ITEM_HASOBJECT
        return True, 0
    if elsize > 0:  # flexible and structured types record their size in the state
        return False, elsize
    if not digits:
        raise ArrayLayoutError(f"dtype {args[0]!r} has no size")
    return False, int(digits) * (4 if kind == "U" else 1)
