"""What a verdict says, as JSON-ready dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from .catalog import Source

DISCLAIMER = ("Automated reading of declared licences and lineage; not legal advice. "
              "Items marked needs-review need a person to read the licence texts.")


class Status(str, Enum):
    """A verdict for one use, ordered from best to worst."""

    ALLOWED = "allowed"
    ALLOWED_WITH_OBLIGATIONS = "allowed-with-obligations"
    NEEDS_REVIEW = "needs-review"
    NOT_ALLOWED = "not-allowed"

    @property
    def rank(self) -> int:
        return list(Status).index(self)


@dataclass(frozen=True)
class Reason:
    """Why a use got its status: which repo, licence and clause (or engine rule) said so."""

    use: str
    effect: str  # grant | obligation | review | forbid | note
    repo: str
    relation: tuple[str, ...]
    license: str
    clause: str
    summary: str
    source: Source
    rule: str | None = None
    uncertain: bool = False

    def to_dict(self) -> dict:
        return {"use": self.use, "effect": self.effect, "repo": self.repo, "relation": list(self.relation),
                "license": self.license, "clause": self.clause, "summary": self.summary,
                "source": self.source.to_dict(), "rule": self.rule, "uncertain": self.uncertain}


@dataclass
class Obligation:
    """One thing to do, deduplicated across uses and repos."""

    id: str
    license: str
    type: str
    summary: str
    source: Source
    uses: list[str] = field(default_factory=list)
    required_by: list[str] = field(default_factory=list)
    uncertain: bool = False

    def to_dict(self) -> dict:
        return {"id": self.id, "license": self.license, "type": self.type, "summary": self.summary,
                "source": self.source.to_dict(), "uses": self.uses, "required_by": self.required_by,
                "uncertain": self.uncertain}


@dataclass(frozen=True)
class Conflict:
    kind: str  # relicensed | license-file-mismatch | naming-prefix | display-text | notice-file | license-copy | ...
    severity: str  # error | warning
    message: str
    repo: str
    license: str | None = None
    clause: str | None = None
    source: Source | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "severity": self.severity, "message": self.message, "repo": self.repo,
                "license": self.license, "clause": self.clause,
                "source": self.source.to_dict() if self.source else None}


@dataclass
class UseVerdict:
    use: str
    status: Status
    reasons: list[Reason]
    obligations: list[str]

    def to_dict(self) -> dict:
        return {"status": self.status.value, "reasons": [r.to_dict() for r in self.reasons],
                "obligations": self.obligations}


@dataclass(frozen=True)
class UpstreamEntry:
    repo: str
    relation: tuple[str, ...]
    scope: str
    license: str
    evidence: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"repo": self.repo, "relation": list(self.relation), "scope": self.scope, "license": self.license,
                "evidence": list(self.evidence)}


@dataclass
class Verdict:
    repo_id: str
    repo_type: str
    revision: str | None
    declared: str
    declared_evidence: tuple[str, ...]
    uses: dict[str, UseVerdict]
    obligations: list[Obligation]
    conflicts: list[Conflict]
    upstream: list[UpstreamEntry]

    @property
    def status(self) -> Status:
        """The worst status over the uses asked about."""
        return max((u.status for u in self.uses.values()), key=lambda s: s.rank, default=Status.NEEDS_REVIEW)

    def to_dict(self) -> dict:
        return {
            "repo_id": self.repo_id,
            "repo_type": self.repo_type,
            "revision": self.revision,
            "declared": {"license": self.declared, "evidence": list(self.declared_evidence)},
            "status": self.status.value,
            "uses": {use: v.to_dict() for use, v in self.uses.items()},
            "obligations": [o.to_dict() for o in self.obligations],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "upstream": [u.to_dict() for u in self.upstream],
            "disclaimer": DISCLAIMER,
        }
