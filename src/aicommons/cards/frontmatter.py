"""Model and dataset cards: README.md with YAML front matter, as on the Hugging Face Hub."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)?^---[ \t]*$\r?\n?", re.S | re.M)


@dataclass
class ValidationReport:
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)


def split_front_matter(text: str) -> tuple[str | None, str]:
    """The raw YAML block (None when the card has none) and the Markdown body."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text
    return match.group(1), text[match.end():]


def parse_front_matter(text: str) -> dict:
    """The card's metadata; raises yaml.YAMLError or ValueError when the block is not a mapping."""
    raw, _ = split_front_matter(text)
    if raw is None or not raw.strip():
        return {}
    data = yaml.safe_load(raw)
    if not isinstance(data, dict):
        raise ValueError("the YAML front matter must be a mapping of keys to values")
    return data


def validate_card(text: str, repo_type: str) -> ValidationReport:
    report = ValidationReport()
    try:
        parse_front_matter(text)
    except (yaml.YAMLError, ValueError) as error:
        report.errors.append({"field": "yaml", "message": f"Invalid YAML in the card's front matter: {error}"})
    return report
