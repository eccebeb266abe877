"""The hub side of the trust layer: repos read from the store, as one requester may see them."""

from __future__ import annotations

import json

import yaml

from aicommons.accounts.access import can_read
from aicommons.accounts.principal import Principal
from aicommons.cards.frontmatter import parse_front_matter, split_front_matter
from aicommons.errors import NotFound
from aicommons.hub import Hub
from aicommons.licenses.graph import GraphBuilder, ParentRef, RepoSnapshot
from aicommons.licenses.inputs import Card, Relation, RepoFile, RepoSubject
from aicommons.licenses.resolution import is_license_file, is_notice_file
from aicommons.lineage import lineage_parents
from aicommons.repos.manage import find_repo
from aicommons.repos.reading import list_refs, read_text, snapshot

TEXT_LIMIT = 512 * 1024


class HubRepoLookup:
    """``RepoLookup`` over the hub's store. Repos the principal may not see come back invisible,
    so the graph builder hides them instead of naming them."""

    def __init__(self, hub: Hub, principal: Principal):
        self.hub = hub
        self.principal = principal

    def snapshot(self, repo_id: str, repo_type: str, revision: str | None) -> RepoSnapshot | None:
        repo = find_repo(self.hub, repo_type, repo_id) if repo_id.count("/") == 1 else None
        if repo is None:
            return None
        try:
            snap = snapshot(self.hub, repo, revision)
        except NotFound:
            snap = snapshot(self.hub, repo, None)  # an ancestor named at a revision it no longer has
        parents = None
        if repo.type == "model":  # the lineage index's edges: declared or inferred, at the commit built from
            parents = tuple(
                ParentRef(edge["base"], Relation(edge["relation"]), _evidence(edge), revision=edge["built_from"])
                for edge in lineage_parents(self.hub, repo, snap.commit_oid)
            )
        return RepoSnapshot(self._subject(snap, revision), visible=can_read(self.principal, repo), parent_refs=parents)

    def _subject(self, snap, revision: str | None) -> RepoSubject:
        text = read_text(self.hub, snap, "README.md", TEXT_LIMIT) or ""
        try:
            metadata = parse_front_matter(text)
        except (ValueError, yaml.YAMLError):  # a malformed card declares nothing we can rely on
            metadata = {}
        body = split_front_matter(text)[1]
        texts = lambda test: {p: read_text(self.hub, snap, p, TEXT_LIMIT) or "" for p in snap.files if test(p)}
        config = read_text(self.hub, snap, "config.json", TEXT_LIMIT)
        return RepoSubject(
            repo_id=snap.repo.repo_id,
            repo_type=snap.repo.type,
            revision=revision or snap.commit_oid,
            card=Card.from_metadata(metadata, body),
            files=tuple(RepoFile(path, entry.size, entry.sha256) for path, entry in sorted(snap.files.items())),
            license_texts=texts(is_license_file),
            notice_texts=texts(is_notice_file),
            refs=tuple(ref.name.split("/", 2)[-1] for ref in list_refs(self.hub, snap.repo)),
            author=snap.repo.namespace,
            last_modified=snap.repo.updated_at,
            config=_json_object(config),
        )


def subject_source(hub: Hub, principal: Principal) -> GraphBuilder:
    return GraphBuilder(HubRepoLookup(hub, principal))


def _evidence(edge: dict) -> str:
    return " ".join(filter(None, [edge["evidence"], edge["evidence_source"] and f"({edge['evidence_source']})"]))


def _json_object(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
