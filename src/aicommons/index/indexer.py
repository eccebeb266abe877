"""Index a commit: its card fields, file facts, self-reported scores and lineage edges, in one transaction.

Runs after every commit (a post-commit hook) and on demand for commits made before the index existed.
A commit at the head of the main branch also becomes what search, facets and the lineage graph show.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from aicommons.cards.frontmatter import CardSyntaxError, parse_front_matter, split_front_matter
from aicommons.cards.metadata import CardMetadata, read_metadata
from aicommons.hub import CommitEvent, Hub
from aicommons.index.facts import FileFacts, collect_facts, file_tensors
from aicommons.index.tables import (EvalClaim, IndexedCommit, IndexHead, IndexValue, LineageEdge,
                                    SafetensorsFile, SearchDoc)
from aicommons.lineage.relations import EdgeSpec, derive_edges
from aicommons.lineage.verify import verify
from aicommons.repos import revisions
from aicommons.repos.objects import utcnow
from aicommons.repos.reading import snapshot
from aicommons.storage.tables import CommitRow, Ref, Repo

log = logging.getLogger(__name__)
CARD_PATH = "README.md"
MAX_CARD_BYTES = 10 * 1024 * 1024
MAX_SEARCH_BODY_CHARS = 200_000
MAIN_REF = f"refs/heads/{revisions.DEFAULT_BRANCH}"
INLINE_SCAN_BYTES = 256 * 1024 * 1024


def on_commit(hub: Hub, event: CommitEvent) -> None:
    """The post-commit hook: index now, or, when the commit brings more new safetensors bytes than are worth
    hashing inside a commit request, queue a job that does it."""
    from aicommons.index import INDEX_JOB

    with hub.db.read() as session:
        repo = session.get(Repo, event.repo_pk)
    if repo is None:
        return
    is_head = event.ref == MAIN_REF
    if _unscanned_bytes(hub, repo, event.commit_oid) > INLINE_SCAN_BYTES:
        hub.jobs.enqueue(INDEX_JOB, {"repo_pk": repo.id, "commit_oid": event.commit_oid, "is_head": is_head},
                         dedupe_key=f"{INDEX_JOB}:{repo.id}:{event.commit_oid}")
    else:
        index_commit(hub, repo, event.commit_oid, is_head=is_head)


def run_index_job(hub: Hub, payload: dict, progress) -> dict:
    with hub.db.read() as session:
        repo = session.get(Repo, payload["repo_pk"])
    if repo is None:
        return {"skipped": "repo deleted"}
    with hub.db.read() as session:
        still_head = revisions.head(session, repo.id, MAIN_REF) == payload["commit_oid"]
    index_commit(hub, repo, payload["commit_oid"], is_head=payload["is_head"] and still_head)
    progress(1.0, "indexed")
    return {"commit_oid": payload["commit_oid"]}


def _unscanned_bytes(hub: Hub, repo: Repo, commit_oid: str) -> int:
    files = snapshot(hub, repo, commit_oid).files
    sizes = {e.sha256: e.size for p, e in files.items() if p.lower().endswith(".safetensors")}
    if not sizes:
        return 0
    with hub.db.read() as session:
        scanned = set(session.scalars(select(SafetensorsFile.sha256).where(SafetensorsFile.sha256.in_(list(sizes)))))
    return sum(size for sha, size in sizes.items() if sha not in scanned)


def ensure_indexed(hub: Hub, repo: Repo, commit_oid: str) -> IndexedCommit:
    """The commit's index row, indexing it first when it was made before the index existed."""
    with hub.db.read() as session:
        row = session.get(IndexedCommit, (repo.id, commit_oid))
    if row is not None:
        return row
    with hub.db.read() as session:
        head = revisions.head(session, repo.id, MAIN_REF)
    return index_commit(hub, repo, commit_oid, is_head=head == commit_oid)


def index_commit(hub: Hub, repo: Repo, commit_oid: str, *, is_head: bool) -> IndexedCommit:
    snap = snapshot(hub, repo, commit_oid)
    card_text, meta, warnings, card_error = _read_card(hub, repo, snap.files)
    facts = collect_facts(hub, snap.files) if repo.type == "model" else FileFacts()
    edges = derive_edges(meta, facts) if repo.type == "model" else []
    row = IndexedCommit(
        repo_id=repo.id, commit_oid=commit_oid, indexed_at=utcnow(), has_card=card_text is not None,
        card_error=card_error, license=meta.license or (meta.licenses[0] if meta.licenses else None),
        license_name=meta.license_name, license_link=meta.license_link, pipeline_tag=meta.pipeline_tag,
        library_name=meta.library_name, base_model_relation=meta.base_model_relation,
        new_version=meta.new_version, pretty_name=meta.pretty_name, card=meta.to_dict(), card_warnings=warnings,
        facts=facts.to_dict(), architecture=facts.architectures[0] if facts.architectures else None,
        model_type=facts.model_type, parameters=facts.parameters, weights_digest=facts.weights_digest,
    )
    with hub.db.write() as session:
        session.execute(delete(IndexedCommit).where(IndexedCommit.repo_id == repo.id,
                                                    IndexedCommit.commit_oid == commit_oid))
        session.flush()
        session.add(row)
        session.flush()
        session.add_all(IndexValue(repo_id=repo.id, commit_oid=commit_oid, kind=kind, value=value)
                        for kind, value in _values(meta, facts))
        session.add_all(_claims(repo.id, commit_oid, meta))
        previous = _previous_edges(session, repo, commit_oid, facts)
        for edge in edges:
            session.add(_edge_row(hub, session, repo, commit_oid, edge, facts, previous))
        if is_head:
            _make_head(session, repo, commit_oid, meta, card_text)
    if is_head and repo.type == "model":
        settle_waiting_edges(hub, repo)
    return row


def _read_card(hub: Hub, repo: Repo, files: dict) -> tuple[str | None, CardMetadata, list[dict], str | None]:
    entry = files.get(CARD_PATH)
    if entry is None or entry.size > MAX_CARD_BYTES:
        return None, CardMetadata(), [], None
    text = hub.blobs.read(entry.sha256).decode("utf-8", "replace")
    try:
        data = parse_front_matter(text)
    except CardSyntaxError as error:
        return text, CardMetadata(), [], str(error)
    meta, problems = read_metadata(data, repo.type)
    errors = [f"{p.field}: {p.message}" for p in problems if p.is_error]
    return text, meta, [p.as_dict() for p in problems if not p.is_error], "; ".join(errors) or None


def _values(meta: CardMetadata, facts: FileFacts) -> set[tuple[str, str]]:
    """(kind, value) pairs of every many-valued fact: what facets count and filters match."""
    from aicommons.cards.vocabulary import language

    pairs = {("license", v) for v in meta.licenses}
    pairs |= {("language", lang.code) for v in meta.languages if (lang := language(v))}
    pairs |= {("tag", v) for v in meta.tags}
    pairs |= {("dataset", v) for v in meta.datasets}
    pairs |= {("base_model", v) for v in meta.base_models}
    pairs |= {("task_category", v) for v in meta.task_categories}
    pairs |= {("size_category", v) for v in meta.size_categories}
    pairs |= {("weight_format", v) for v in facts.weight_formats}
    pairs |= {("architecture", v) for v in facts.architectures}
    return {(kind, value[:300]) for kind, value in pairs}


def _claims(repo_pk: int, commit_oid: str, meta: CardMetadata) -> list[EvalClaim]:
    out = []
    for result in meta.eval_results:
        value = result.metric_value
        numeric = float(value) if isinstance(value, (int, float)) else _number(value)
        out.append(EvalClaim(repo_id=repo_pk, commit_oid=commit_oid, task_type=result.task_type[:100],
                             dataset_type=result.dataset_type[:200], dataset_name=result.dataset_name[:300],
                             dataset_split=(result.dataset_split or None), metric_type=result.metric_type[:100],
                             metric_name=result.metric_name, value=numeric, value_text=str(value)[:200],
                             verified=result.verified))
    return out


def _number(text: str) -> float | None:
    try:
        return float(text.strip().rstrip("%"))
    except ValueError:
        return None


def _edge_row(hub: Hub, session: Session, repo: Repo, commit_oid: str, edge: EdgeSpec, facts: FileFacts,
              previous: dict[str, LineageEdge]) -> LineageEdge:
    """An edge, with the base commit it was built from: inherited from the parent commit's edge while the
    weights stay the same (a card edit is no rebuild), else the base's head now."""
    row = LineageEdge(repo_id=repo.id, commit_oid=commit_oid, base=edge.base, base_namespace=edge.base_namespace,
                      base_name=edge.base_name, relation=edge.relation, evidence=edge.evidence,
                      evidence_source=edge.evidence_source, base_source=edge.base_source, verification_detail={})
    earlier = previous.get(edge.base)
    if earlier is not None and earlier.base_commit_oid:
        row.base_commit_oid = earlier.base_commit_oid
        row.verification, row.verification_detail = earlier.verification, earlier.verification_detail
        return row
    base_repo = _model_repo(session, edge.base_namespace, edge.base_name)
    base_head = session.get(IndexHead, base_repo.id) if base_repo is not None else None
    if base_head is not None:
        _verify_edge(hub, session, row, base_repo.id, base_head.commit_oid, facts)
    return row


def _previous_edges(session: Session, repo: Repo, commit_oid: str, facts: FileFacts) -> dict[str, LineageEdge]:
    """The parent commit's edges by base, when the parent had the same weight files."""
    commit = session.get(CommitRow, (repo.id, commit_oid))
    if commit is None or not commit.parents:
        return {}
    parent = session.get(IndexedCommit, (repo.id, commit.parents[0]))
    if parent is None or parent.facts.get("weight_files") != facts.weight_files:
        return {}
    rows = session.scalars(select(LineageEdge).where(LineageEdge.repo_id == repo.id,
                                                     LineageEdge.commit_oid == parent.commit_oid))
    return {row.base: row for row in rows}


def _verify_edge(hub: Hub, session: Session, row: LineageEdge, base_pk: int, base_commit: str,
                 facts: FileFacts) -> None:
    base = session.get(IndexedCommit, (base_pk, base_commit))
    base_facts = FileFacts.from_dict(base.facts) if base is not None else FileFacts()
    result = verify(file_tensors(hub, list(facts.safetensors.values())),
                    file_tensors(hub, list(base_facts.safetensors.values())), row.relation)
    row.base_commit_oid = base_commit
    row.verification = result.status
    row.verification_detail = result.detail


def _model_repo(session: Session, namespace: str, name: str) -> Repo | None:
    if not namespace:
        return None
    return session.scalar(select(Repo).where(Repo.type == "model", Repo.namespace == namespace, Repo.name == name))


def _make_head(session: Session, repo: Repo, commit_oid: str, meta: CardMetadata, card_text: str | None) -> None:
    head = session.get(IndexHead, repo.id)
    if head is None:
        session.add(IndexHead(repo_id=repo.id, commit_oid=commit_oid))
    else:
        head.commit_oid = commit_oid
    _, body = split_front_matter(card_text or "")
    words = [repo.namespace, repo.name, repo.name.replace("-", " ").replace("_", " ")]
    text = "\n".join([meta.pretty_name or "", " ".join(meta.tags), body])[:MAX_SEARCH_BODY_CHARS]
    doc = session.get(SearchDoc, repo.id)
    if doc is None:
        session.add(SearchDoc(repo_id=repo.id, name=" ".join(words), body=text))
    else:
        doc.name, doc.body = " ".join(words), text


def settle_waiting_edges(hub: Hub, base: Repo) -> None:
    """Edges of current heads that name this repo, indexed before it existed or while it had no weights (so
    nothing could have been built from it yet), get its head as their base commit, and their verification."""
    with hub.db.write() as session:
        head = session.get(IndexHead, base.id)
        current = session.get(IndexedCommit, (base.id, head.commit_oid))
        if not current.facts.get("weight_files") and session.scalar(
                select(LineageEdge.repo_id).where(LineageEdge.base_namespace == base.namespace,
                                                  LineageEdge.base_name == base.name,
                                                  LineageEdge.base_commit_oid.is_not(None)).limit(1)) is not None:
            return  # a weightless head settles only edges that never had a base commit, below
        edges = session.scalars(
            select(LineageEdge).join(IndexHead, (IndexHead.repo_id == LineageEdge.repo_id)
                                     & (IndexHead.commit_oid == LineageEdge.commit_oid))
            .where(LineageEdge.base_namespace == base.namespace, LineageEdge.base_name == base.name,
                   or_(LineageEdge.base_commit_oid.is_(None), LineageEdge.base_commit_oid != head.commit_oid))
        ).all()
        weightless = {}
        for edge in edges:
            if edge.base_commit_oid is not None and edge.base_commit_oid not in weightless:
                built = session.get(IndexedCommit, (base.id, edge.base_commit_oid))
                weightless[edge.base_commit_oid] = built is not None and not built.facts.get("weight_files")
            if edge.base_commit_oid is None or weightless[edge.base_commit_oid]:
                derivative = session.get(IndexedCommit, (edge.repo_id, edge.commit_oid))
                _verify_edge(hub, session, edge, base.id, head.commit_oid, FileFacts.from_dict(derivative.facts))


def reindex_heads(hub: Hub) -> int:
    """Index the head of every repo's main branch (after an upgrade, or to repair the index); oldest first,
    so bases are indexed before what derives from them."""
    with hub.db.read() as session:
        repos = session.scalars(select(Repo).order_by(Repo.created_at, Repo.id)).all()
        heads = {ref.repo_id: ref.commit_oid for ref in session.scalars(select(Ref).where(Ref.name == MAIN_REF))}
    for repo in repos:
        if repo.id in heads:
            index_commit(hub, repo, heads[repo.id], is_head=True)
    return len(repos)
