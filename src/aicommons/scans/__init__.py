"""Security scanning in the hub: every pushed blob is scanned once per rules version, after the commit, by a
``security.scan`` job; results are cached by (sha256, rules version) and shown per file and per revision;
downloading a dangerous file needs an explicit opt-in. The scanner itself is ``aicommons.security``."""

from __future__ import annotations


def register(hub) -> None:
    from aicommons.scans.download_rule import refuse_dangerous
    from aicommons.scans.results import SCAN_JOB, on_commit, run_scan_job

    if on_commit not in hub.post_commit_hooks:
        hub.on_commit(on_commit)
    if refuse_dangerous not in hub.download_checks:
        hub.download_checks.append(refuse_dangerous)
    hub.jobs.handler(SCAN_JOB)(run_scan_job)
