"""The rule that no file is loaded unless the security scanner marked its content safe.

``scan_verdict`` is the one place that asks the scanner; everything that loads a file goes through
``check_loadable``. A verdict depends only on the content and the scanner's rules, so it is kept per
(sha256, rules version): a blob is scanned once per server process, the first time a model needs it, and
again whenever the rules change. A file without a verdict (None) is refused like a dangerous one.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections import OrderedDict

from aicommons.hub import Hub
from aicommons.inference.errors import NotLoadable
from aicommons.security import rules_version, scan_file

SAFE = "safe"
VERDICTS_KEPT = 100_000

_verdicts: OrderedDict[tuple[str, str], str] = OrderedDict()
_lock = threading.Lock()


def scan_verdict(hub: Hub, sha256: str) -> str | None:
    """The scanner's verdict on a blob (safe | suspicious | dangerous | invalid); None when it cannot be read."""
    key = (sha256, rules_version())
    with _lock:
        if key in _verdicts:
            _verdicts.move_to_end(key)
            return _verdicts[key]
    if not hub.blobs.exists(sha256):
        return None
    verdict = _scan(hub, sha256)
    with _lock:
        _verdicts[key] = verdict
        while len(_verdicts) > VERDICTS_KEPT:
            _verdicts.popitem(last=False)
    return verdict


def _scan(hub: Hub, sha256: str) -> str:
    local = hub.blobs.local_path(sha256)
    if local is not None:
        return scan_file(local).verdict.value
    with tempfile.NamedTemporaryFile(dir=hub.blobs.tmp_dir, prefix="scan-") as copy:  # a remote store
        with hub.blobs.open(sha256) as source:
            shutil.copyfileobj(source, copy, 1024 * 1024)
        copy.flush()
        return scan_file(copy.name).verdict.value


def is_safe_to_load(hub: Hub, sha256: str) -> bool:
    return scan_verdict(hub, sha256) == SAFE


def check_loadable(hub: Hub, files: dict[str, str]) -> None:
    """Raise NotLoadable naming every file (path -> sha256) the scanner did not mark safe, with its verdict."""
    refused = []
    for path, sha256 in sorted(files.items()):
        verdict = scan_verdict(hub, sha256)
        if verdict != SAFE:
            refused.append(f"{path} ({verdict or 'not scanned'})")
    if refused:
        raise NotLoadable("The hub loads only files its security scanner marked safe; refused: " + ", ".join(refused))
