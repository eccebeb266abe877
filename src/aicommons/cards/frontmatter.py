"""Model and dataset cards: README.md with YAML front matter, as on the Hugging Face Hub."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml
from yaml.constructor import ConstructorError

from aicommons.cards.metadata import read_metadata

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)?^---[ \t]*$\r?\n?", re.S | re.M)


class CardLoader(yaml.SafeLoader):
    """YAML as the Hub reads it (YAML 1.2 core schema): `no`, `on`, `1:30` and `2024-01-01` stay strings,
    so `language: [no]` means Norwegian and dates survive as text; a key given twice is an error."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise ConstructorError("while reading a mapping", node.start_mark, f"duplicate key {key!r}",
                                       key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


CardLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                           "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     "-+0123456789."),
):
    CardLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


class CardSyntaxError(ValueError):
    """The front matter is not YAML, or not a mapping; ``line`` counts from the top of README.md."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass
class ValidationReport:
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def split_front_matter(text: str) -> tuple[str | None, str]:
    """The raw YAML block (None when the card has none) and the Markdown body."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text
    return match.group(1), text[match.end():]


def parse_front_matter(text: str) -> dict:
    """The card's metadata; raises CardSyntaxError (a ValueError) when the block is not a YAML mapping."""
    raw, _ = split_front_matter(text)
    if raw is None or not raw.strip():
        return {}
    try:
        data = yaml.load(raw, Loader=CardLoader)  # noqa: S506 - CardLoader is a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None  # +1 for 1-based, +1 for the opening '---'
        problem = getattr(error, "problem", None) or str(error)
        where = f" at line {line}" if line else ""
        raise CardSyntaxError(f"Invalid YAML in the card's front matter{where}: {problem}", line) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CardSyntaxError("the YAML front matter must be a mapping of keys to values")
    return data


def validate_card(text: str, repo_type: str) -> ValidationReport:
    """Check a card as the Hub does: YAML syntax and the types of known fields are errors (a commit with them
    is rejected); unknown licence ids, language codes and task ids are warnings. Each problem names its field."""
    report = ValidationReport()
    try:
        data = parse_front_matter(text)
    except CardSyntaxError as error:
        report.errors.append({"field": "yaml", "message": str(error)})
        return report
    _, problems = read_metadata(data, repo_type)
    for problem in problems:
        (report.errors if problem.is_error else report.warnings).append(problem.as_dict())
    return report
