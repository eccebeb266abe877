"""Scan results as the API and pages show them: per file of a revision, a repo-level summary, and the Hub's
``securityFileStatus`` shape for tree listings.

``securityFileStatus.status`` mapping (documented in docs/security.md):

==============  =================  =====================================================================
our status      HF status          why
==============  =================  =====================================================================
safe            safe               no code, or only allowlisted globals
suspicious      suspicious         imports globals outside the allowlist: needs trust
invalid         suspicious         malformed or not verifiable within limits: cannot be called safe
dangerous       unsafe             a known code-execution technique; downloads refused without opt-in
pending         unscanned          scan queued, no result yet
unscanned       unscanned          no result and no job (older than the scanner, or the scan failed)
==============  =================  =====================================================================
"""

from __future__ import annotations

from collections import Counter

from aicommons.hub import Hub
from aicommons.repos.reading import Snapshot
from aicommons.scans.results import PENDING, UNSCANNED, FileScan, file_scans
from aicommons.security import Verdict, rules_version

HF_STATUS = {"safe": "safe", "suspicious": "suspicious", "invalid": "suspicious", "dangerous": "unsafe",
             PENDING: "unscanned", UNSCANNED: "unscanned"}
PICKLE_SAFETY = {"dangerous": "dangerous", "suspicious": "suspicious"}
ORDER = [v.value for v in Verdict] + [PENDING, UNSCANNED]


def revision_report(hub: Hub, snap: Snapshot) -> dict:
    """Every file of the revision with its scan, and a summary: the worst verdict among scanned files, counts
    by status, and whether every file has a current result."""
    scans = file_scans(hub, {entry.sha256 for entry in snap.files.values()})
    files = []
    for path, entry in sorted(snap.files.items()):
        scan = scans[entry.sha256]
        files.append({"path": path, "sha256": entry.sha256, "size": entry.size, **scan.to_dict()})
    counts = Counter(item["status"] for item in files)
    scanned = [Verdict(item["status"]) for item in files if item["status"] not in (PENDING, UNSCANNED)]
    complete = not counts[PENDING] and not counts[UNSCANNED] and not any(item["stale"] for item in files)
    summary = {
        "verdict": Verdict.worst(scanned).value if scanned else None,
        "complete": complete,
        "counts": {status: counts[status] for status in ORDER if counts[status]},
        "files": len(files),
        "rules_version": rules_version(),
    }
    return {"repo": snap.repo.repo_id, "type": snap.repo.type, "commit": snap.commit_oid, "summary": summary,
            "files": files}


def security_file_status(scan: FileScan) -> dict:
    """The Hub's shape (huggingface_hub reads status, avScan and pickleImportScan), plus our verdict."""
    imports = [{"module": name.rpartition(".")[0], "name": name.rpartition(".")[2],
                "safety": PICKLE_SAFETY.get(f["severity"], "innocuous")}
               for f in scan.findings if f["rule_id"].startswith("pickle.") and (name := f.get("name"))]
    pickle_scan = None
    if imports or (scan.format and any(k in scan.format for k in ("pickle", "pytorch", "joblib"))):
        worst = max((i["safety"] for i in imports), key=["innocuous", "suspicious", "dangerous"].index,
                    default="innocuous")
        pickle_scan = {"highestSafetyLevel": worst, "imports": imports}
    return {"status": HF_STATUS[scan.status], "verdict": scan.status, "rulesVersion": scan.rules_version,
            "avScan": None, "pickleImportScan": pickle_scan}


def add_security_status(hub: Hub, snap: Snapshot, items: list[dict]) -> None:
    """Set ``securityFileStatus`` on the file entries of a tree or paths-info answer."""
    paths = [item["path"] for item in items if item["type"] == "file"]
    scans = file_scans(hub, {snap.files[p].sha256 for p in paths if p in snap.files})
    for item in items:
        entry = snap.files.get(item["path"]) if item["type"] == "file" else None
        if entry is not None:
            item["securityFileStatus"] = security_file_status(scans[entry.sha256])
