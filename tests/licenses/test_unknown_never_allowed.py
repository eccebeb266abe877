"""An unknown, `other` or missing licence anywhere it matters never comes out allowed."""

import pytest

from aicommons.licenses import ExternalNode, HiddenNode, load_catalog, verdict
from aicommons.licenses.results import Status

catalog = load_catalog()
KNOWN = sorted(lid for lid, lic in catalog.licenses.items() if not lic.is_unresolved)
UNRESOLVED = [None, "other", "unknown", "some-custom-licence", "proprietary"]
RELATIONS = ["finetune", "adapter", "merge", "quantized"]
BAD = {Status.NEEDS_REVIEW, Status.NOT_ALLOWED}


def assert_never_allowed(result, context):
    for use, v in result.uses.items():
        assert v.status in BAD, f"{context}: {use} came out {v.status.value}"


@pytest.mark.parametrize("unresolved", UNRESOLVED)
def test_unresolved_subject_with_any_known_ancestor(repo, unresolved):
    for known in KNOWN:
        for relation in RELATIONS:
            base = repo("org/base", known)
            subject = repo("me/model", unresolved, parents=[(base, relation)])
            assert_never_allowed(verdict(subject), f"{unresolved} over {known} by {relation}")


@pytest.mark.parametrize("known", KNOWN)
def test_known_subject_with_unresolved_upstream_anywhere(repo, known):
    upstreams = [repo("org/base", u) for u in UNRESOLVED] + [ExternalNode("elsewhere/base")]
    for base in upstreams:
        for relation in RELATIONS:
            for node in (base, HiddenNode(base)) if not isinstance(base, ExternalNode) else (base,):
                subject = repo("me/model", known, parents=[(node, relation)])
                assert_never_allowed(verdict(subject), f"{known} over {base.repo_id} by {relation}")
        data = repo("data/x", None, repo_type="dataset") if not isinstance(base, ExternalNode) else \
            ExternalNode("data/x", "dataset")
        assert_never_allowed(verdict(repo("me/model", known, datasets=[data])), f"{known} trained on unknown")
    for unresolved in UNRESOLVED[1:]:
        assert_never_allowed(verdict(repo("me/model", f"{known} AND {unresolved}")), f"{known} AND {unresolved}")


def test_other_with_a_name_the_catalogue_lacks_stays_unknown(repo):
    subject = repo("me/model", "other", license_name="acme-community-licence", license_link="https://acme/licence")
    result = verdict(subject)
    assert_never_allowed(result, "other + unknown name")
    assert result.declared == "other"
    conflict = next(c for c in result.conflicts if c.kind == "missing-license")
    assert "acme-community-licence" in conflict.message
