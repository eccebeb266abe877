"""The controlled vocabularies a card refers to: licence ids, language codes and task ids (data files in data/)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).with_name("data")

# values the Hub accepts in `language` besides ISO 639 codes
SPECIAL_LANGUAGES = {"multilingual": "Multilingual", "code": "Programming code"}
# a BCP 47 tag: a primary language subtag, then optional script / region / variant subtags
_LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3})((?:[-_][A-Za-z0-9]{1,8})*)$")


@dataclass(frozen=True)
class Language:
    code: str  # the code used on this hub: ISO 639-1 when the language has one, else ISO 639-3
    name: str
    iso639_1: str | None
    iso639_3: str | None


@cache
def hub_licenses() -> dict[str, str]:
    """Licence id -> full name, as listed by the Hub."""
    with open(DATA / "hub_licenses.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["licenses"]


@cache
def task_ids() -> frozenset[str]:
    with open(DATA / "pipeline_tags.yaml", encoding="utf-8") as handle:
        return frozenset(yaml.safe_load(handle)["tasks"])


@cache
def _language_table() -> dict[str, Language]:
    """Every ISO 639 code (1, 2B, 3, 5) -> its language, keyed lower-case."""
    by_code: dict[str, Language] = {}
    with open(DATA / "languages.tsv", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or not line.strip():
                continue
            code, alpha_3, alpha_2, name, _standard = line.rstrip("\n").split("\t")
            language = Language(alpha_2 or alpha_3, name, alpha_2 or None, alpha_3)
            by_code[code] = language
            if alpha_2:
                by_code[alpha_2] = language
    for code, name in SPECIAL_LANGUAGES.items():
        by_code[code] = Language(code, name, None, None)
    return by_code


def language(tag: str) -> Language | None:
    """The language a card's language value names (`fr`, `fra`, `fre`, `pt-BR`, `zh_Hans`), or None if unknown."""
    table = _language_table()
    value = tag.strip().lower()
    if value in SPECIAL_LANGUAGES:
        return table[value]
    match = _LANGUAGE_TAG.match(value)
    return table.get(match.group(1)) if match else None


def common_languages() -> list[Language]:
    """The languages with an ISO 639-1 code: the set the languages page always lists, used or not."""
    seen = {}
    for entry in _language_table().values():
        if entry.iso639_1:
            seen.setdefault(entry.code, entry)
    return sorted(seen.values(), key=lambda entry: entry.name)
