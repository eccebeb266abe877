"""Scanner rules, loaded from the YAML files in rules/ (facts as data), and the version string that names them.

A result computed under one rules version stays valid until a rules file or the engine revision changes, so a
hub caches scan results by (blob sha256, rules_version()).
"""

from __future__ import annotations

import _compat_pickle
import fnmatch
import hashlib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import yaml

from .findings import Severity

# Bump when a change to the scanning code (not the rules data) can change a verdict.
ENGINE_REVISION = "1"

NESTED_LOADER = "nested-loader"  # call role of globals whose bytes argument is a nested file

RULE_FILES = ("allowed_globals.yaml", "dangerous_globals.yaml", "template_injection.yaml", "formats.yaml")


def _rules_text() -> dict[str, bytes]:
    folder = resources.files(__package__) / "rules"
    return {name: (folder / name).read_bytes() for name in RULE_FILES}


@cache
def rules_version() -> str:
    """A short hash of the engine revision and every rules file; changes whenever a verdict may change."""
    digest = hashlib.sha256(f"engine:{ENGINE_REVISION}\n".encode())
    for name, text in sorted(_rules_text().items()):
        digest.update(f"{name}:{len(text)}\n".encode())
        digest.update(text)
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Rating:
    """How one imported global is rated: severity None means allowlisted."""

    severity: Severity | None
    rule_id: str = ""
    message: str = ""


ALLOWED = Rating(None)


@dataclass(frozen=True)
class Accessor:
    """A callable whose string argument(s) name an attribute: arg is an index, or None for every argument."""

    name: str
    arg: int | None


@dataclass(frozen=True)
class TemplatePattern:
    rule_id: str
    scope: str
    regex: re.Pattern
    severity: Severity
    message: str


class GlobalRules:
    """Rates the globals a pickle imports: allowlisted, dangerous, or suspicious (everything else)."""

    def __init__(self, allowed: dict, dangerous: dict):
        self.allowed = frozenset(
            f"{group['module']}.{name}" for group in allowed["groups"] for name in group["names"]
        )
        self.nested_loaders = frozenset(entry["name"] for entry in allowed.get("nested_loaders", ()))
        self.dangerous_modules = tuple(entry["module"] for entry in dangerous["modules"])
        exact, patterns = set(), []
        for entry in dangerous["functions"]:
            if "*" in entry["name"]:
                patterns.append(entry["name"])
            else:
                exact.add(entry["name"])
        self.dangerous_functions = frozenset(exact)
        self.dangerous_patterns = tuple(patterns)
        self.module_components = frozenset(dangerous["module_components"])
        self.attributes = frozenset(dangerous["attributes"])
        self.dunder_exceptions = frozenset(dangerous["dunder_exceptions"])
        self.accessors = {
            entry["name"]: Accessor(entry["name"], None if entry["arg"] == "all" else int(entry["arg"]))
            for entry in dangerous["accessors"]
        }
        self.lookup = lru_cache(maxsize=4096)(self._lookup)

    @staticmethod
    def canonical(module: str, name: str) -> tuple[str, str]:
        """Python 2 names as the unpickler maps them (fix_imports), so rules need only Python 3 names."""
        if (module, name) in _compat_pickle.NAME_MAPPING:
            return _compat_pickle.NAME_MAPPING[(module, name)]
        return _compat_pickle.IMPORT_MAPPING.get(module, module), name

    def is_special_attribute(self, attribute: str) -> bool:
        """A __dunder__ name (interpreter internals), other than the few that ordinary pickles use."""
        return (len(attribute) > 4 and attribute.startswith("__") and attribute.endswith("__")
                and attribute not in self.dunder_exceptions)

    def is_dangerous_attribute(self, attribute: str) -> bool:
        return attribute in self.attributes or self.is_special_attribute(attribute)

    def _lookup(self, module: str, name: str) -> tuple[Rating, object]:
        """classify() and call_role() together, for the pickle walker's hot path (memoised as lookup)."""
        return self.classify(module, name), self.call_role(module, name)

    def call_role(self, module: str, name: str):
        """How calls to this global are checked: its Accessor, NESTED_LOADER, or None."""
        module, name = self.canonical(module, name)
        full = f"{module}.{name}"
        if full in self.nested_loaders:
            return NESTED_LOADER
        return self.accessors.get(full)

    def classify(self, module: str, name: str) -> Rating:
        module, name = self.canonical(module, name)
        full = f"{module}.{name}"
        if full in self.allowed:
            return ALLOWED
        if full in self.nested_loaders:
            return ALLOWED  # checked where it is called: its bytes argument is scanned as a nested file
        if full in self.dangerous_functions or any(fnmatch.fnmatchcase(full, p) for p in self.dangerous_patterns):
            return Rating(Severity.DANGEROUS, "pickle.dangerous-global", f"imports {full}, a code-execution primitive")
        for prefix in self.dangerous_modules:
            if full == prefix or full.startswith(prefix + "."):
                return Rating(Severity.DANGEROUS, "pickle.dangerous-global",
                              f"imports {full} from {prefix}, a module that runs code or reaches files, "
                              "processes or the network")
        for part in name.split("."):
            if self.is_dangerous_attribute(part):
                return Rating(Severity.DANGEROUS, "pickle.dangerous-attribute",
                              f"imports {full}: '{part}' reaches interpreter internals or runs code")
        hit = next((part for part in full.split(".")[1:] if part in self.module_components), None)
        if hit is not None:
            return Rating(Severity.DANGEROUS, "pickle.dangerous-global",
                          f"imports {full}, which goes through the {hit} module")
        return Rating(Severity.SUSPICIOUS, "pickle.unknown-global",
                      f"imports {full}, which is not on the weights allowlist: loading runs its code")


@dataclass(frozen=True)
class Rules:
    globals: GlobalRules
    templates: tuple[TemplatePattern, ...]
    formats: dict
    version: str


@cache
def load_rules() -> Rules:
    texts = _rules_text()
    data = {name: yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) for name, text in texts.items()}
    templates = tuple(
        TemplatePattern(p["id"], p["scope"], re.compile(p["regex"]), Severity(p["severity"]), p["message"])
        for p in data["template_injection.yaml"]["patterns"]
    )
    return Rules(
        globals=GlobalRules(data["allowed_globals.yaml"], data["dangerous_globals.yaml"]),
        templates=templates,
        formats=data["formats.yaml"],
        version=rules_version(),
    )
