"""The .gitignore rules behind preupload's ``shouldIgnore``."""

import pytest

from aicommons.api.hf.gitignore import is_ignored, parse_gitignore

RULES = parse_gitignore("""
# comments and blank lines are skipped

*.log
!keep.log
build/
/top-only.txt
docs/**/draft-*.md
cache/**
file[0-9].tmp
\\#hash.txt
""")


@pytest.mark.parametrize("path,ignored", [
    ("a.log", True), ("deep/down/b.log", True), ("keep.log", False), ("sub/keep.log", False),
    ("build/out.bin", True), ("src/build/out.bin", True), ("build", False),
    ("top-only.txt", True), ("sub/top-only.txt", False),
    ("docs/draft-1.md", True), ("docs/a/b/draft-2.md", True), ("docs/final.md", False),
    ("cache/x/y", True), ("file3.tmp", True), ("fileA.tmp", False), ("#hash.txt", True),
    ("model.safetensors", False),
])
def test_rules(path, ignored):
    assert is_ignored(RULES, path) is ignored


def test_no_rules_ignore_nothing():
    assert not is_ignored(parse_gitignore(""), "anything.log")
