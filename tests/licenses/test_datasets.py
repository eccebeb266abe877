"""Training-data licences: flagged conservatively, never hard-blocked."""

from aicommons.licenses import ExternalNode, HiddenNode, verdict
from aicommons.licenses.results import Status


def trained_on(repo, data_license, model_license="apache-2.0", **meta):
    data = repo("data/corpus", data_license, repo_type="dataset")
    return repo("me/model", model_license, datasets=[data], **meta)


def test_non_commercial_data_makes_commercial_use_a_review_item(repo):
    result = verdict(trained_on(repo, "cc-by-nc-4.0"), ["commercial", "research"])
    commercial = result.uses["commercial"]
    assert commercial.status is Status.NEEDS_REVIEW
    assert any(r.rule == "rule/training-data-unsettled" and r.repo == "data/corpus" for r in commercial.reasons)
    assert result.uses["research"].status is Status.ALLOWED
    conflict = next(c for c in result.conflicts if c.kind == "relicensed")
    assert conflict.severity == "warning" and "commercial" in conflict.message


def test_results_licences_pass_nothing_on(repo):
    for data_license in ("cdla-permissive-2.0", "cdla-sharing-1.0", "cc0-1.0"):
        result = verdict(trained_on(repo, data_license), ["commercial"])
        from_data = [r for r in result.uses["commercial"].reasons if r.repo == "data/corpus"]
        assert from_data and all(r.effect == "grant" for r in from_data), data_license


def test_open_database_licences_ask_for_a_produced_work_notice(repo):
    for data_license in ("odc-by", "odbl"):
        result = verdict(trained_on(repo, data_license), ["hosted-service"])
        assert f"{data_license}/produced-work-notice" in result.uses["hosted-service"].obligations


def test_share_alike_data_needs_review_unless_the_model_keeps_the_licence(repo):
    loose = verdict(trained_on(repo, "cc-by-sa-4.0"), ["redistribute"])
    kept = verdict(trained_on(repo, "cc-by-sa-4.0", model_license="cc-by-sa-4.0"), ["redistribute"])
    assert loose.uses["redistribute"].status is Status.NEEDS_REVIEW
    assert kept.uses["redistribute"].status is Status.ALLOWED_WITH_OBLIGATIONS


def test_dataset_without_a_licence_or_off_the_hub_needs_review(repo):
    for data in (repo("data/nolicence", None, repo_type="dataset"), ExternalNode("data/elsewhere", "dataset")):
        result = verdict(repo("me/model", "mit", datasets=[data]), ["research"])
        assert result.uses["research"].status is Status.NEEDS_REVIEW


def test_llama_generated_data_brings_the_naming_rule(repo):
    result = verdict(trained_on(repo, "llama3.1", model_license="apache-2.0"), ["redistribute"])
    assert "llama3.1/naming-prefix" in result.uses["redistribute"].obligations
    assert any(c.kind == "naming-prefix" for c in result.conflicts)


def test_an_ancestors_training_data_counts_too(repo):
    data = repo("data/corpus", "cc-by-nc-4.0", repo_type="dataset")
    base = repo("org/base", "apache-2.0", datasets=[data])
    result = verdict(repo("me/model", "apache-2.0", parents=[(base, "finetune")]), ["commercial"])
    assert result.uses["commercial"].status is Status.NEEDS_REVIEW
    assert any(r.relation == ("finetune", "trained-on") for r in result.uses["commercial"].reasons)


def test_private_dataset_is_not_named(repo):
    import json

    data = repo("acme/secret-corpus", "cc-by-nc-4.0", repo_type="dataset")
    result = verdict(repo("me/model", "mit", datasets=[HiddenNode(data)]), ["commercial"])
    assert result.uses["commercial"].status is Status.NEEDS_REVIEW
    assert "secret-corpus" not in json.dumps(result.to_dict())
