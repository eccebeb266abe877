"""Conflicts a repo shows as it stands: LICENSE file, names, notices."""

import pytest

from aicommons.licenses import verdict
from aicommons.licenses.results import Status

LLAMA31_TITLE = "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\nLlama 3.1 Version Release Date: July 23, 2024"
LLAMA31_NOTICE = ("Llama 3.1 is licensed under the Llama 3.1 Community License, "
                  "Copyright \u00a9 Meta Platforms, Inc. All Rights Reserved.")


def kinds(result):
    return {c.kind for c in result.conflicts}


def test_card_licence_disagreeing_with_the_license_file_is_flagged_and_both_apply(repo):
    result = verdict(repo("me/model", "mit", license_file=LLAMA31_TITLE), ["redistribute"])
    mismatch = next(c for c in result.conflicts if c.kind == "license-file-mismatch")
    assert mismatch.severity == "error" and "llama3.1" in mismatch.message and "mit" in mismatch.message
    assert "llama3.1/notice-file" in result.uses["redistribute"].obligations
    assert result.declared_evidence == ("card license", "LICENSE file disagrees")


def test_agreeing_license_file_is_no_conflict(repo):
    text = "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy ..."
    result = verdict(repo("me/model", "mit", license_file=text))
    assert "license-file-mismatch" not in kinds(result) and "license-copy" not in kinds(result)


def test_card_other_is_settled_by_the_license_file(repo):
    result = verdict(repo("me/model", "other", license_file="Gemma Terms of Use\n..."), ["commercial"])
    assert result.declared == "gemma" and "license-file-mismatch" not in kinds(result)


def test_no_card_licence_falls_back_to_the_license_file(repo):
    result = verdict(repo("me/model", None, license_file=LLAMA31_TITLE), ["research"])
    assert result.declared == "llama3.1" and result.declared_evidence == ("LICENSE file",)


@pytest.mark.parametrize("name, prefix_ok", [
    ("Llama-3.1-8B-sql", True), ("llama3.1-tuned", True), ("cool-model", False), ("MyLlama-3.1", False),
])
def test_llama_31_derivative_name_must_begin_with_llama(repo, name, prefix_ok):
    base = repo("meta-llama/Llama-3.1-8B", "llama3.1")
    result = verdict(repo(f"me/{name}", "llama3.1", parents=[(base, "finetune")]))
    naming = [c for c in result.conflicts if c.kind == "naming-prefix"]
    assert bool(naming) is not prefix_ok
    if naming:
        assert naming[0].severity == "error" and naming[0].clause == "llama3.1/naming-prefix"
        assert naming[0].source.section == "1.b.i"


def test_llama_3_prefix_is_llama_3(repo):
    base = repo("meta-llama/Meta-Llama-3-8B", "llama3")
    good = verdict(repo("me/Llama-3-8B-chat", "llama3", parents=[(base, "finetune")]))
    bad = verdict(repo("me/Llama-2-ish", "llama3", parents=[(base, "finetune")]))
    assert "naming-prefix" not in kinds(good) and "naming-prefix" in kinds(bad)


def test_the_original_llama_repo_is_not_held_to_the_derivative_rules(repo):
    result = verdict(repo("meta-llama/Meta-Llama-3.1-8B", "llama3.1", license_file=LLAMA31_TITLE,
                          notice=LLAMA31_NOTICE))
    assert result.conflicts == []


def test_built_with_llama_and_notice_file_are_checked(repo):
    base = repo("meta-llama/Llama-3.1-8B", "llama3.1")
    missing = verdict(repo("me/Llama-3.1-tuned", "llama3.1", parents=[(base, "finetune")]))
    assert {"display-text", "notice-file", "license-copy"} <= kinds(missing)
    complete = verdict(repo("me/Llama-3.1-tuned", "llama3.1", parents=[(base, "finetune")],
                            text="# Llama 3.1 tuned\nBuilt with Llama.", license_file=LLAMA31_TITLE,
                            notice=LLAMA31_NOTICE))
    assert complete.conflicts == []


def test_wrong_notice_line_is_reported(repo):
    base = repo("google/gemma-2-9b", "gemma")
    result = verdict(repo("me/gemma-tuned", "gemma", parents=[(base, "finetune")], notice="Thanks to everyone."))
    notice = next(c for c in result.conflicts if c.kind == "notice-file")
    assert "lacks the required notice line" in notice.message


def test_relicensing_a_non_commercial_base_is_an_error(repo):
    base = repo("org/base", "cc-by-nc-4.0")
    result = verdict(repo("me/model", "apache-2.0", parents=[(base, "finetune")]), ["commercial"])
    conflict = next(c for c in result.conflicts if c.kind == "relicensed")
    assert conflict.severity == "error" and "commercial" in conflict.message
    assert result.uses["commercial"].status is Status.NOT_ALLOWED


def test_keeping_the_upstream_licence_is_no_relicensing(repo):
    base = repo("org/base", "cc-by-nc-4.0")
    result = verdict(repo("me/model", "cc-by-nc-4.0", parents=[(base, "finetune")]))
    assert "relicensed" not in kinds(result)


def test_every_reason_names_its_source_clause(repo):
    base = repo("meta-llama/Llama-3.1-8B", "llama3.1")
    data = repo("data/d", "odbl", repo_type="dataset")
    other = repo("org/x", "other")
    merged = repo("me/m", "apache-2.0 OR mit", parents=[(base, "merge"), (other, "merge")], datasets=[data])
    result = verdict(merged)
    for use, v in result.uses.items():
        assert v.reasons
        for r in v.reasons:
            assert r.clause and (r.clause.startswith("rule/") or r.clause.split("/")[0] == r.license), r
            assert r.source.url or r.source.section, r
