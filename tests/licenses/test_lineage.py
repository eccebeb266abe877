"""Terms travel down fine-tune, adapter, merge and quantized chains, three levels deep."""

import pytest

from aicommons.licenses import ExternalNode, HiddenNode, verdict
from aicommons.licenses.results import Status
from aicommons.licenses.walk import PRIVATE_LABEL


def chain(repo, root_license, relation, subject_license="mit"):
    """root (root_license) -> level1 -> level2 -> subject, each step by ``relation``."""
    root = repo("upstream/root", root_license)
    level1 = repo("upstream/level1", "apache-2.0", parents=[(root, relation)])
    level2 = repo("upstream/level2", "apache-2.0", parents=[(level1, relation)])
    return repo("me/subject", subject_license, parents=[(level2, relation)])


@pytest.mark.parametrize("relation", ["finetune", "adapter", "merge", "quantized"])
def test_non_commercial_root_reaches_three_levels_down(repo, relation):
    result = verdict(chain(repo, "cc-by-nc-4.0", relation), ["commercial", "research"])
    commercial = result.uses["commercial"]
    assert commercial.status is Status.NOT_ALLOWED
    deciding = [r for r in commercial.reasons if r.effect == "forbid"]
    assert deciding and deciding[0].repo == "upstream/root"
    assert deciding[0].relation == (relation,) * 3
    assert deciding[0].clause == "cc-by-nc-4.0/non-commercial" and deciding[0].source.url
    assert result.uses["research"].status is Status.ALLOWED_WITH_OBLIGATIONS or \
        result.uses["research"].status is Status.ALLOWED


@pytest.mark.parametrize("relation", ["finetune", "merge", "quantized"])
def test_llama_terms_reach_a_relicensed_descendant(repo, relation):
    result = verdict(chain(repo, "llama3.1", relation), ["redistribute"])
    assert result.uses["redistribute"].status is Status.ALLOWED_WITH_OBLIGATIONS
    assert "llama3.1/naming-prefix" in result.uses["redistribute"].obligations
    assert "llama3.1/notice-file" in result.uses["redistribute"].obligations
    relicensed = [c for c in result.conflicts if c.kind == "relicensed"]
    assert any(c.license == "llama3.1" and c.severity == "error" for c in relicensed)
    # the intermediate Apache repos are relicensed too, but the conflict reported is the subject's
    assert all(c.repo == "me/subject" for c in result.conflicts)


def test_adapter_base_terms_are_required_to_use_the_adapter(repo):
    result = verdict(chain(repo, "llama3.1", "adapter"), ["commercial"])
    reasons = [r for r in result.uses["commercial"].reasons if r.license == "llama3.1"]
    assert reasons and all(r.rule == "rule/adapter-needs-base" for r in reasons)


def test_no_derivatives_blocks_sharing_a_fine_tune_but_only_flags_an_adapter(repo):
    finetuned = verdict(chain(repo, "cc-by-nd-4.0", "finetune"), ["redistribute"])
    adapted = verdict(chain(repo, "cc-by-nd-4.0", "adapter"), ["redistribute"])
    assert finetuned.uses["redistribute"].status is Status.NOT_ALLOWED
    assert adapted.uses["redistribute"].status is Status.NEEDS_REVIEW
    assert any(r.rule == "rule/adapter-unsettled" for r in adapted.uses["redistribute"].reasons)


def test_quantized_copy_keeps_the_base_licence_even_when_it_declares_the_same(repo):
    base = repo("meta-llama/Llama-3.1-8B", "llama3.1")
    quant = repo("me/Llama-3.1-8B-GGUF", "llama3.1", parents=[(base, "quantized")],
                 text="Built with Llama", license_file="Llama 3.1 Community License Agreement",
                 notice="Llama 3.1 is licensed under the Llama 3.1 Community License")
    result = verdict(quant, ["redistribute"])
    assert result.uses["redistribute"].status is Status.ALLOWED_WITH_OBLIGATIONS
    assert result.conflicts == []


def test_merge_takes_the_union_of_its_parents(repo):
    a = repo("org/a", "mit")
    b = repo("org/b", "cc-by-nc-4.0")
    merged = repo("me/merged", "mit", parents=[(a, "merge"), (b, "merge")])
    result = verdict(merged, ["commercial", "research"])
    assert result.uses["commercial"].status is Status.NOT_ALLOWED
    assert {"org/a", "org/b"} <= {r.repo for r in result.uses["research"].reasons}


def test_merge_of_conflicting_pass_on_terms_needs_review(repo):
    llama = repo("meta-llama/Llama-3.1-8B", "llama3.1")
    gemma = repo("google/gemma-2-9b", "gemma")
    merged = repo("me/Llama-gemma-merge", "llama3.1", parents=[(llama, "merge"), (gemma, "merge")])
    result = verdict(merged, ["commercial", "research"])
    assert result.uses["commercial"].status is Status.NEEDS_REVIEW
    assert any(r.clause == "rule/merge-conflicting-terms" for r in result.uses["commercial"].reasons)
    assert result.uses["research"].status is Status.ALLOWED_WITH_OBLIGATIONS
    assert any(c.kind == "merge-conflicting-terms" for c in result.conflicts)


def test_shared_grandparent_in_a_merge_counts_once(repo):
    root = repo("org/root", "llama3.1")
    a = repo("org/a", "llama3.1", parents=[(root, "finetune")])
    b = repo("org/b", "llama3.1", parents=[(root, "finetune")])
    merged = repo("me/Llama-merge", "llama3.1", parents=[(a, "merge"), (b, "merge")])
    result = verdict(merged, ["research"])
    assert [u.repo for u in result.upstream].count("org/root") == 1
    assert not any(c.kind == "merge-conflicting-terms" for c in result.conflicts)


def test_cycles_in_lineage_data_terminate(repo):
    from dataclasses import replace

    from aicommons.licenses import ParentEdge, Relation

    a = repo("org/a", "mit")
    b = repo("org/b", "mit", parents=[(a, "finetune")])
    looped = replace(a, parents=(ParentEdge(b, Relation.FINETUNE),))
    result = verdict(looped, ["research"])
    assert result.uses["research"].status is Status.ALLOWED


def test_ancestor_outside_the_hub_needs_review(repo):
    subject = repo("me/model", "apache-2.0", parents=[(ExternalNode("elsewhere/base"), "finetune")])
    result = verdict(subject)
    for use, v in result.uses.items():
        assert v.status is Status.NEEDS_REVIEW, use
        assert any(r.repo == "elsewhere/base" and r.rule == "rule/not-on-hub" for r in v.reasons)
    assert any(c.kind == "unknown-upstream" for c in result.conflicts)


def test_private_ancestor_counts_without_being_named(repo):
    import json

    root = repo("public/root", "llama3.1")
    secret = repo("acme-secret/internal-ft", "cc-by-nc-4.0", parents=[(root, "finetune")])
    subject = repo("me/model", "mit", parents=[(HiddenNode(secret), "finetune")])
    result = verdict(subject, ["commercial"])
    commercial = result.uses["commercial"]
    assert commercial.status is Status.NOT_ALLOWED
    forbid = next(r for r in commercial.reasons if r.effect == "forbid")
    assert forbid.repo == PRIVATE_LABEL and forbid.license == "cc-by-nc-4.0"
    assert forbid.rule == "rule/private-upstream"
    dumped = json.dumps(result.to_dict())
    assert "acme-secret" not in dumped and "internal-ft" not in dumped
    # everything reached only through the private repo stays unnamed too
    assert "public/root" not in dumped
    assert any(c.kind == "relicensed" and PRIVATE_LABEL in c.message for c in result.conflicts)


def test_relicensed_adapter_is_a_warning_not_an_error(repo):
    base = repo("meta-llama/Llama-3.1-8B", "llama3.1")
    adapter = verdict(repo("me/Llama-lora", "apache-2.0", parents=[(base, "adapter")]), ["research"])
    finetune = verdict(repo("me/Llama-ft", "apache-2.0", parents=[(base, "finetune")]), ["research"])
    assert [c.severity for c in adapter.conflicts if c.kind == "relicensed"] == ["warning"]
    assert [c.severity for c in finetune.conflicts if c.kind == "relicensed"] == ["error"]
