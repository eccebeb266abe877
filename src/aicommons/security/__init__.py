"""Model-file security scanner: decides by content whether loading a file can run code.

Usable on its own (it imports nothing from the hub):

    from aicommons.security import scan_path, rules_version
    for result in scan_path("model_dir"):
        print(result.path, result.verdict.value, [f.rule_id for f in result.findings])

Verdicts: safe (no code, or only allowlisted globals), suspicious (imports other globals: needs trust),
invalid (malformed or not verifiable within the limits), dangerous (known code-execution technique).
Results depend only on the content and on rules_version(), so they can be cached by (sha256, rules_version()).
"""

from .findings import Finding, ScanResult, Severity, Verdict
from .rules import rules_version
from .scanner import ScanLimits, scan_bytes, scan_file, scan_path

__all__ = ["Finding", "ScanLimits", "ScanResult", "Severity", "Verdict", "rules_version", "scan_bytes", "scan_file",
           "scan_path"]
