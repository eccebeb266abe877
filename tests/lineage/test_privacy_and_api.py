"""Private repos never show in lineage, counts, duplicates or search for those who cannot see them; the HTTP
routes answer with the graph, its SVG and the languages summary."""

import httpx
import pytest

from aicommons.accounts.principal import ANONYMOUS
from aicommons.index.search import search_repos
from aicommons.lineage.graph import lineage_graph
from tests.lineage.lineage_models import card, finetune, gpt2_files, push


@pytest.fixture
def chain(hub, alice):
    """public base <- private fine-tune <- public quantization of it; and a private direct adapter."""
    base = push(hub, alice, "alice/base", {**gpt2_files(), "README.md": card(license="mit")})
    secret = push(hub, alice, "alice/secret-ft", {**finetune(gpt2_files()), "README.md": card(base_model="alice/base")},
                  private=True)
    leaf = push(hub, alice, "alice/public-leaf", {**finetune(finetune(gpt2_files())),
                                                  "README.md": card(base_model="alice/secret-ft")})
    return base, secret, leaf


def test_private_derivatives_are_not_shown_or_counted(hub, alice, bob, chain):
    base, _, _ = chain
    for viewer in (ANONYMOUS, bob.principal(hub)):
        graph = lineage_graph(hub, viewer, base)
        assert [n.id for n in graph.nodes] == ["alice/base"]  # nor what derives from the private one
        assert graph.counts()["descendants"] == {}
    owner = lineage_graph(hub, alice.principal(hub), base)
    assert {n.id for n in owner.nodes} == {"alice/base", "alice/secret-ft", "alice/public-leaf"}


def test_private_base_looks_like_a_base_not_on_this_hub(hub, alice, bob, chain):
    _, _, leaf = chain
    seen = lineage_graph(hub, bob.principal(hub), leaf)
    node = next(n for n in seen.nodes if n.id == "alice/secret-ft")
    assert node.kind == "external" and node.commit_oid is None and node.license is None
    edge = seen.edges[0]
    assert edge.verification is None and edge.built_from is None and edge.verification_detail is None
    assert "alice/base" not in {n.id for n in seen.nodes}  # the private repo's own card stays private
    outside = lineage_graph(hub, bob.principal(hub), push(hub, bob, "bob/x", {"README.md": card(base_model="bob/none")}))
    assert next(n for n in outside.nodes if n.id == "bob/none").kind == node.kind  # indistinguishable
    owner = lineage_graph(hub, alice.principal(hub), leaf)
    assert {n.id: n.kind for n in owner.nodes} == {"alice/public-leaf": "root", "alice/secret-ft": "model",
                                                   "alice/base": "model"}


def test_private_duplicates_and_search_stay_hidden(hub, alice, bob, chain):
    push(hub, alice, "alice/secret-copy", {**gpt2_files(), "README.md": card(body="llama secret")}, private=True)
    base = chain[0]
    assert lineage_graph(hub, bob.principal(hub), base).duplicates == []
    assert [d["repo_id"] for d in lineage_graph(hub, alice.principal(hub), base).duplicates] == ["alice/secret-copy"]
    assert search_repos(hub, ANONYMOUS, "secret").total == 0
    assert {r.repo_id for r in search_repos(hub, alice.principal(hub), "secret").items} == {"alice/secret-ft",
                                                                                              "alice/secret-copy"}


def test_lineage_routes(server, alice, bob, chain):
    hub = server.hub
    with httpx.Client(base_url=server.url) as client:
        answer = client.get("/api/models/alice/base/lineage")
        assert answer.status_code == 200 and answer.json()["nodes"][0]["id"] == "alice/base"
        assert client.get("/api/models/alice/secret-ft/lineage").status_code == 404
        owner = client.get("/api/models/alice/public-leaf/lineage", headers={"Authorization": f"Bearer {alice.token}"})
        edges = owner.json()["edges"]
        assert {(e["from"], e["to"], e["relation"]) for e in edges} == {
            ("alice/public-leaf", "alice/secret-ft", "finetune"), ("alice/secret-ft", "alice/base", "finetune")}
        first = next(e for e in edges if e["from"] == "alice/public-leaf")
        assert first["evidence"] == {"kind": "inferred", "from": "one base model and no adapter or quantization config",
                                     "base_from": "card base_model"}
        assert first["verification"] == "verified" and "verification_detail" in first
        old = client.get("/api/models/alice/base/lineage", params={"revision": "nope"})
        assert old.status_code == 404
        svg = client.get("/api/models/alice/base/lineage.svg", headers={"Authorization": f"Bearer {alice.token}"})
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert "alice/secret-ft" in svg.text and "Fine-tunes (1)" in svg.text
        public_svg = client.get("/api/models/alice/base/lineage.svg").text
        assert "secret" not in public_svg and "No model on this hub is built from this one yet." in public_svg
        report = client.get("/api/models/alice/public-leaf/card-report").json()
        assert report["warnings"] == [{"field": "base_model",
                                       "message": "alice/secret-ft is not a model on this hub (shown as an external base)"}]
        owners_report = client.get("/api/models/alice/public-leaf/card-report",
                                   headers={"Authorization": f"Bearer {alice.token}"}).json()
        assert owners_report["warnings"] == [] and owners_report["metadata"]["base_models"] == ["alice/secret-ft"]


def test_svg_escapes_names():
    from aicommons.lineage.graph import Edge, LineageGraph, Node
    from aicommons.lineage.svg import render_lineage_svg

    graph = LineageGraph("a/b", "0" * 40, [Node("a/b", "root", 0), Node("<script>", "external", -1)],
                         [Edge("a/b", "<script>", "finetune", {"kind": "declared"})])
    svg = render_lineage_svg(graph)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
