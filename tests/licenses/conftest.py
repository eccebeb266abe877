"""Builders for in-memory repos: a card's front matter plus the files the checks read."""

from __future__ import annotations

import pytest

from aicommons.licenses import Card, ParentEdge, Relation, RepoSubject


def make(repo_id: str, license=None, *, repo_type: str = "model", parents=(), datasets=(), text: str = "",
         license_file: str | None = None, notice: str | None = None, **meta) -> RepoSubject:
    """A repo whose card declares ``license``; ``parents`` are (node, relation) pairs."""
    metadata = dict(meta)
    if license is not None:
        metadata["license"] = license
    return RepoSubject(
        repo_id=repo_id, repo_type=repo_type, revision="0" * 40,
        card=Card.from_metadata(metadata, text),
        license_texts={"LICENSE": license_file} if license_file is not None else {},
        notice_texts={"NOTICE": notice} if notice is not None else {},
        parents=tuple(ParentEdge(node, Relation(rel)) for node, rel in parents),
        datasets=tuple(datasets),
    )


@pytest.fixture
def repo():
    return make
