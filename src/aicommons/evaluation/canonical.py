"""Canonical JSON: the exact bytes that are hashed and signed (sorted keys, no spaces, UTF-8).

Python writes floats as the shortest text that reads back to the same value, so a record parsed and
written again gives the same bytes. Non-finite numbers are refused: they have no JSON form.
"""

from __future__ import annotations

import hashlib
import json


def dumps(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def sha256(value) -> str:
    return hashlib.sha256(dumps(value)).hexdigest()
