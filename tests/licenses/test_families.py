"""Each licence family, read on a repo that declares it (no lineage)."""

import pytest

from aicommons.licenses import UnknownUse, verdict
from aicommons.licenses.results import Status

A, AO, NR, NA = (Status.ALLOWED, Status.ALLOWED_WITH_OBLIGATIONS, Status.NEEDS_REVIEW, Status.NOT_ALLOWED)


@pytest.mark.parametrize("license, use, status, clause", [
    # permissive
    ("mit", "research", A, "mit/grant"),
    ("mit", "commercial", AO, "mit/keep-notice"),
    ("apache-2.0", "redistribute", AO, "apache-2.0/license-copy"),
    ("apache-2.0", "hosted-service", A, "apache-2.0/grant"),
    ("bsd-3-clause", "commercial", AO, "bsd-3-clause/no-endorsement"),
    ("unlicense", "commercial", A, "unlicense/grant"),
    ("cc0-1.0", "redistribute", A, "cc0-1.0/grant"),
    # copyleft
    ("gpl-3.0", "redistribute", AO, "gpl-3.0/source"),
    ("agpl-3.0", "hosted-service", AO, "agpl-3.0/network-source"),
    ("mpl-2.0", "research", A, "mpl-2.0/grant"),
    # Creative Commons
    ("cc-by-4.0", "commercial", AO, "cc-by-4.0/attribution"),
    ("cc-by-sa-4.0", "redistribute", AO, "cc-by-sa-4.0/attribution"),
    ("cc-by-nc-4.0", "commercial", NA, "cc-by-nc-4.0/non-commercial"),
    ("cc-by-nc-4.0", "research", A, "cc-by-nc-4.0/grant"),
    ("cc-by-nc-sa-4.0", "commercial", NA, "cc-by-nc-sa-4.0/non-commercial"),
    ("cc-by-nd-4.0", "modify", AO, "cc-by-nd-4.0/no-derivatives"),
    ("cc-by-nc-nd-4.0", "commercial", NA, "cc-by-nc-nd-4.0/non-commercial"),
    # open data
    ("odc-by", "redistribute", AO, "odc-by/database-attribution"),
    ("odbl", "redistribute", AO, "odbl/share-alike-database"),
    ("cdla-permissive-2.0", "commercial", A, "cdla-permissive-2.0/grant"),
    # OpenRAIL
    ("openrail", "commercial", NR, "openrail/read-actual-text"),
    ("creativeml-openrail-m", "hosted-service", AO, "creativeml-openrail-m/pass-on-restrictions"),
    ("bigscience-openrail-m", "research", AO, "bigscience-openrail-m/use-restrictions"),
    ("openrail++", "train-on-outputs", AO, "openrail++/pass-on-restrictions"),
    ("bigscience-bloom-rail-1.0", "redistribute", AO, "bigscience-bloom-rail-1.0/license-copy"),
    # Llama
    ("llama2", "commercial", AO, "llama2/mau-threshold"),
    ("llama2", "train-on-outputs", NA, "llama2/no-improve-other-llm"),
    ("llama3", "train-on-outputs", NA, "llama3/no-improve-other-llm"),
    ("llama3.1", "train-on-outputs", AO, "llama3.1/naming-prefix"),
    ("llama3.3", "redistribute", AO, "llama3.3/notice-file"),
    ("llama4", "hosted-service", AO, "llama4/display-built-with"),
    # other model licences
    ("gemma", "train-on-outputs", AO, "gemma/outputs-are-derivatives"),
    ("gemma", "redistribute", AO, "gemma/notice-file"),
    ("deepseek", "commercial", NR, "deepseek/governing-law"),
    ("deepseek", "research", AO, "deepseek/use-restrictions"),
    ("qwen-research", "commercial", NA, "qwen-research/research-only"),
    ("mrl", "commercial", NA, "mrl/research-only"),
    ("mrl", "hosted-service", NA, "mrl/research-only"),
    ("mrl", "research", A, "mrl/grant"),
])
def test_family_verdicts(repo, license, use, status, clause):
    result = verdict(repo("org/model", license), [use])
    assert result.uses[use].status is status
    assert clause in {r.clause for r in result.uses[use].reasons}


def test_license_other_resolves_through_license_name(repo):
    """Cards name DeepSeek, Qwen and Mistral licences as `license: other` plus `license_name`."""
    for name, lid in [("deepseek", "deepseek"), ("tongyi-qianwen", "tongyi-qianwen"), ("qwen", "tongyi-qianwen"),
                      ("mrl", "mrl"), ("qwen-research", "qwen-research")]:
        result = verdict(repo("org/model", "other", license_name=name), ["research"])
        assert result.declared == lid


def test_qwen_commercial_carries_the_user_threshold(repo):
    result = verdict(repo("Qwen/Qwen-7B", "other", license_name="tongyi-qianwen"), ["commercial"])
    assert result.uses["commercial"].status is AO
    assert "tongyi-qianwen/mau-threshold" in result.uses["commercial"].obligations


def test_llama_eu_exclusion_applies_to_multimodal_models_only(repo):
    text = verdict(repo("meta-llama/Llama-3.2-1B", "llama3.2", pipeline_tag="text-generation"), ["commercial"])
    vision = verdict(repo("meta-llama/Llama-3.2-11B-Vision", "llama3.2", pipeline_tag="image-text-to-text"),
                     ["commercial"])
    assert "llama3.2/eu-multimodal" not in text.uses["commercial"].obligations
    assert "llama3.2/eu-multimodal" in vision.uses["commercial"].obligations


def test_or_expression_takes_the_most_favourable_choice(repo):
    result = verdict(repo("org/model", "cc-by-nc-4.0 OR mit"), ["commercial"])
    assert result.uses["commercial"].status is AO
    assert {r.license for r in result.uses["commercial"].reasons} == {"mit"}


def test_and_expression_takes_the_strictest(repo):
    result = verdict(repo("org/model", "mit AND cc-by-nc-4.0"), ["commercial"])
    assert result.uses["commercial"].status is NA


def test_a_licence_exception_is_noted_but_never_widens(repo):
    result = verdict(repo("org/model", "GPL-2.0-only WITH Classpath-exception-2.0"), ["redistribute"])
    reasons = result.uses["redistribute"].reasons
    assert any(r.clause == "rule/exception-ignored" for r in reasons)
    assert result.uses["redistribute"].status is AO


def test_obligations_are_deduplicated_across_uses(repo):
    result = verdict(repo("org/model", "llama3.1"))
    ids = [o.id for o in result.obligations]
    assert len(ids) == len(set(ids))
    aup = next(o for o in result.obligations if o.id == "llama3.1/acceptable-use")
    assert set(aup.uses) == set(result.uses) and aup.required_by == ["org/model"]


def test_unknown_use_is_rejected_with_the_valid_ids(repo):
    with pytest.raises(UnknownUse, match="expected one of: commercial, research"):
        verdict(repo("org/model", "mit"), ["resale"])


def test_verdict_is_json_ready(repo):
    import json

    data = json.loads(json.dumps(verdict(repo("org/model", "llama3.1")).to_dict()))
    assert set(data["uses"]) == {"commercial", "research", "redistribute", "modify", "hosted-service",
                                 "train-on-outputs"}
    assert data["uses"]["commercial"]["status"] == "allowed-with-obligations"
    assert data["disclaimer"]
