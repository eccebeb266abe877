"""Evaluation data derived from this Python's standard library source, which every machine has.

How the data is made (deterministic for one CPython version; the dataset card records the version):

* Files: every ``.py`` under the stdlib folder outside ``site-packages``/``dist-packages``. A file
  is *held out* when the first 8 bytes of sha256(its path relative to the stdlib, POSIX
  separators), read big-endian, are below 2 % of 2**64: the compact GPT's default validation
  split, so a model trained on the built-in corpus has never seen the held-out files. Test splits
  come from all held-out files. Train splits (few-shot examples) come from the other files, taken in
  order of sha256(path) until they hold at least 2,000 functions (parsing all of them takes long).
* Functions: every ``def`` (methods included) that parses, in source order; a function's key is
  ``path:qualified.name``. Selections sort functions by sha256(key) and take the first N that
  qualify, so adding a file elsewhere does not reshuffle a split.
* Randomness (cut points, distractors, answer order) comes from ``random.Random(sha256(key))``.
"""

from __future__ import annotations

import ast
import hashlib
import platform
import random
import re
import sysconfig
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HELD_OUT_FRACTION = 0.02
MAX_CONTEXT_LINES = 12
CHOICES = 4
TRAIN_FUNCTIONS = 2000


@dataclass(frozen=True)
class Function:
    key: str
    path: str
    qualname: str
    lines: tuple[str, ...]  # dedented source lines
    docstring: str | None

    @property
    def rng(self) -> random.Random:
        return random.Random(hashlib.sha256(self.key.encode()).digest())

    @property
    def order(self) -> str:
        return hashlib.sha256(self.key.encode()).hexdigest()


def python_version() -> str:
    return platform.python_version()


def stdlib_root() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def is_held_out(relative_path: str) -> bool:
    digest = hashlib.sha256(relative_path.encode()).digest()
    return int.from_bytes(digest[:8], "big") < HELD_OUT_FRACTION * 2**64


@lru_cache(maxsize=1)
def _source_files() -> tuple[tuple[str, Path], ...]:
    root = stdlib_root()
    paths = (p for p in root.rglob("*.py") if not {"site-packages", "dist-packages"} & set(p.parts))
    return tuple(sorted((p.relative_to(root).as_posix(), p) for p in paths))


def _texts(held_out: bool):
    """(relative path, text) of the held-out files by path, or of the others by sha256(path)."""
    files = [(name, path) for name, path in _source_files() if is_held_out(name) == held_out]
    if not held_out:
        files.sort(key=lambda item: hashlib.sha256(item[0].encode()).digest())
    for name, path in files:
        try:
            yield name, path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue


@lru_cache(maxsize=2)
def functions(held_out: bool) -> tuple[Function, ...]:
    found = []
    for name, text in _texts(held_out):
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue  # test data files that are not valid Python on purpose
        found.extend(_functions_in(tree, name, text.splitlines()))
        if not held_out and len(found) >= TRAIN_FUNCTIONS:
            break
    return tuple(found)


def _functions_in(tree: ast.AST, path: str, lines: list[str]) -> list[Function]:
    out = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = prefix + child.name
                body = textwrap.dedent("\n".join(lines[child.lineno - 1:child.end_lineno])).splitlines()
                out.append(Function(f"{path}:{qualname}", path, qualname, tuple(body), ast.get_docstring(child)))
                visit(child, qualname + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")

    visit(tree, "")
    return out


def _by_order(held_out: bool) -> list[Function]:
    return sorted(functions(held_out), key=lambda f: f.order)


# next line: multiple choice and generation ------------------------------------------------------------

def _candidate_line(line: str) -> bool:
    stripped = line.strip()
    return 8 <= len(stripped) <= 100 and not stripped.startswith(("#", '"', "'", "@")) and stripped != "pass"


def _cut(function: Function, rng: random.Random) -> int | None:
    """A line index (after the def line) whose line is worth predicting, within the context limit."""
    options = [i for i in range(1, min(len(function.lines), MAX_CONTEXT_LINES + 1)) if _candidate_line(function.lines[i])]
    return rng.choice(options) if options else None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def next_line_rows(held_out: bool, count: int, with_choices: bool) -> list[dict]:
    """Rows of ``{id, context, next_line}`` (+ ``choices``, ``label``): a function cut after a line.

    Distractors are lines of other functions with the same indentation, so layout gives nothing away.
    """
    ordered = _by_order(held_out)
    pool: dict[int, list[str]] = {}
    for function in ordered:
        for line in function.lines[1:]:
            if _candidate_line(line):
                pool.setdefault(_indent(line), []).append(line)
    rows, seen = [], set()
    for function in ordered:
        rng = function.rng
        cut = _cut(function, rng)
        if cut is None:
            continue
        answer = function.lines[cut]
        context = "\n".join(function.lines[:cut]) + "\n"
        if (context, answer) in seen:
            continue
        row = {"id": function.key, "context": context, "next_line": answer}
        if with_choices:
            others = sorted({line for line in pool.get(_indent(answer), []) if line.strip() != answer.strip()})
            if len(others) < CHOICES - 1:
                continue
            choices = rng.sample(others, CHOICES - 1) + [answer]
            rng.shuffle(choices)
            row.update(choices=choices, label=choices.index(answer))
        seen.add((context, answer))
        rows.append(row)
        if len(rows) == count:
            break
    return rows


# held-out text for perplexity -------------------------------------------------------------------------

def text_rows(held_out: bool, count: int, min_chars: int = 300, max_chars: int = 3000) -> list[dict]:
    """Whole functions as documents, between ``min_chars`` and ``max_chars`` long."""
    rows = []
    for function in _by_order(held_out):
        text = "\n".join(function.lines) + "\n"
        if min_chars <= len(text) <= max_chars:
            rows.append({"id": function.key, "text": text})
            if len(rows) == count:
                break
    return rows


# docstrings and names: similarity and retrieval ------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def name_phrase(function: Function) -> str:
    """``Parser.parse_args`` -> ``parser parse args``: the qualified name as words."""
    words = []
    for part in function.qualname.split("."):
        words.extend(w for w in _CAMEL.sub("_", part).lower().split("_") if w)
    return " ".join(words)


def _summary(function: Function) -> str | None:
    if not function.docstring:
        return None
    first = function.docstring.strip().split("\n\n", 1)[0]
    summary = " ".join(first.split())
    return summary if 12 <= len(summary) <= 160 and "<locals>" not in function.qualname else None


def documented(held_out: bool, count: int) -> list[tuple[Function, str]]:
    """(function, docstring summary) with distinct summaries and name phrases, in selection order."""
    out, summaries, phrases = [], set(), set()
    for function in _by_order(held_out):
        summary = _summary(function)
        phrase = name_phrase(function)
        if summary and phrase and summary not in summaries and phrase not in phrases and not function.qualname.startswith("test"):
            summaries.add(summary)
            phrases.add(phrase)
            out.append((function, summary))
            if len(out) == count:
                break
    return out


def similarity_rows(held_out: bool, count: int) -> list[dict]:
    """Three pairs per documented function: its own name (1.0), a name from the same file (0.5) and a
    name from another file (0.0). Functions without a same-file neighbour are left out."""
    chosen = documented(held_out, count)
    by_file: dict[str, list[Function]] = {}
    for function, _ in chosen:
        by_file.setdefault(function.path, []).append(function)
    rows = []
    for function, summary in chosen:
        rng = function.rng
        neighbours = [f for f in by_file[function.path] if f is not function]
        strangers = [f for f, _ in chosen if f.path != function.path]
        if not neighbours or not strangers:
            continue
        for other, score in ((function, 1.0), (rng.choice(neighbours), 0.5), (rng.choice(strangers), 0.0)):
            rows.append({"id": f"{function.key}~{other.key}", "sentence1": summary,
                         "sentence2": name_phrase(other), "score": score})
    return rows


def retrieval_rows(held_out: bool, count: int) -> list[dict]:
    """A docstring summary as the query; the function's name phrase is the document to find."""
    return [{"id": function.key, "query": summary, "document": name_phrase(function)}
            for function, summary in documented(held_out, count)]
