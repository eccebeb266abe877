"""What a scan reports: findings (what and where) and a per-file verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    """How far a file can be trusted, from best to worst."""

    SAFE = "safe"  # holds no code, or only allowlisted globals (loadable as weights)
    SUSPICIOUS = "suspicious"  # imports globals outside the allowlist: needs trust
    INVALID = "invalid"  # malformed, or could not be verified within the scan limits
    DANGEROUS = "dangerous"  # known code-execution technique

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def worst(cls, verdicts) -> Verdict:
        return max(verdicts, key=_RANK.__getitem__, default=cls.SAFE)


_RANK = {Verdict.SAFE: 0, Verdict.SUSPICIOUS: 1, Verdict.INVALID: 2, Verdict.DANGEROUS: 3}


class Severity(StrEnum):
    """A finding's weight; INFO never changes the verdict, the others map onto the verdict of the same name."""

    INFO = "info"
    SUSPICIOUS = "suspicious"
    INVALID = "invalid"
    DANGEROUS = "dangerous"

    @property
    def verdict(self) -> Verdict:
        return _VERDICT_OF[self]


@dataclass(slots=True)
class Finding:
    """One observation. ``member`` is the path inside archives ("a.zip::archive/data.pkl"), ``offset`` the byte
    offset inside that member (or the file when there is no member)."""

    rule_id: str
    severity: Severity
    message: str
    name: str | None = None  # the global, module or template construct concerned
    member: str | None = None
    offset: int | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


@dataclass(slots=True)
class ScanResult:
    path: str
    verdict: Verdict
    findings: list[Finding] = field(default_factory=list)
    format: str = "unknown"  # what the content was recognised as, outermost layer

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "verdict": self.verdict.value,
            "format": self.format,
            "findings": [f.to_dict() for f in self.findings],
        }


_VERDICT_OF = {Severity.INFO: Verdict.SAFE, Severity.SUSPICIOUS: Verdict.SUSPICIOUS, Severity.INVALID: Verdict.INVALID,
               Severity.DANGEROUS: Verdict.DANGEROUS}


def verdict_of(findings: list[Finding]) -> Verdict:
    if not findings:
        return Verdict.SAFE
    return Verdict.worst(_VERDICT_OF[f.severity] for f in findings)
