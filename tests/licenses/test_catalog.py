from importlib import metadata

import pytest

from aicommons.licenses.catalog import AllOf, AnyOf, Scope, Term, load_catalog

catalog = load_catalog()

# The licences the trust reference lists, by hub id: each must be in the data.
REFERENCE_IDS = [
    "mit", "apache-2.0", "bsd-2-clause", "bsd-3-clause", "isc", "unlicense", "cc0-1.0",
    "gpl-2.0", "gpl-3.0", "lgpl-3.0", "agpl-3.0", "mpl-2.0",
    "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-4.0",
    "odc-by", "odbl", "cdla-permissive-2.0", "cdla-sharing-1.0",
    "openrail", "openrail++", "creativeml-openrail-m", "bigscience-openrail-m", "bigscience-bloom-rail-1.0",
    "llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4",
    "gemma", "deepseek", "tongyi-qianwen", "qwen-research", "mrl", "other", "unknown",
]


def test_catalogue_holds_every_reference_licence():
    assert set(REFERENCE_IDS) <= set(catalog.licenses)
    assert len(catalog.licenses) >= 35


@pytest.mark.parametrize("lid", sorted(catalog.licenses))
def test_every_clause_is_sourced_and_well_formed(lid):
    lic = catalog.licenses[lid]
    assert lic.clauses, f"{lid} has no clauses"
    for clause in lic.clauses:
        assert clause.source.url, f"{clause.full_id} has no source"
        assert clause.summary.strip()
        if clause.kind == "permission":
            assert clause.uses and not clause.effect
        else:
            assert clause.effect and not clause.uses


@pytest.mark.parametrize("lid", sorted(catalog.licenses))
def test_every_licence_settles_every_use_in_its_own_position(lid):
    """Each use is either granted or met by a clause that explains why not (nothing silent)."""
    lic = catalog.licenses[lid]
    for use in catalog.uses:
        granted = lic.grant(use, Scope.SELF) is not None
        explained = any(use in c.effect and Scope.SELF in c.scope for c in lic.clauses)
        assert granted or explained, f"{lid} says nothing about {use}"


def test_obligation_kinds_are_split_out():
    types = {c.type for lic in catalog.licenses.values() for c in lic.clauses}
    for kind in ("attribution", "notice-file", "naming-prefix", "share-alike", "non-commercial", "no-derivatives",
                 "acceptable-use", "user-threshold", "regional-exclusion", "research-only", "license-copy",
                 "use-restrictions-pass-on", "display-notice"):
        assert kind in types
    assert catalog.licenses["llama3.1"].clauses  # sanity
    mau = next(c for c in catalog.licenses["llama3.1"].clauses if c.type == "user-threshold")
    assert mau.threshold["monthly_active_users"] == 700_000_000
    eu = next(c for c in catalog.licenses["llama3.2"].clauses if c.type == "regional-exclusion")
    assert eu.when == "multimodal" and "USE_POLICY" in eu.source.url


@pytest.mark.parametrize("written, expected", [
    ("apache-2.0", "apache-2.0"), ("Apache-2.0", "apache-2.0"), ("Apache 2.0", "apache-2.0"),
    ("apache license, version 2.0", "apache-2.0"), ("MIT", "mit"), ("CC-BY-NC-4.0", "cc-by-nc-4.0"),
    ("cc by nc 4.0", "cc-by-nc-4.0"), ("llama3.1", "llama3.1"), ("llama3_1", "llama3.1"), ("Llama-3.1", "llama3.1"),
    ("llama2", "llama2"), ("GPL-3.0-or-later", "gpl-3.0"), ("AGPL-3.0-only", "agpl-3.0"),
    ("deepseek-license", "deepseek"), ("qwen", "tongyi-qianwen"), ("qwen-research", "qwen-research"),
    ("MRL", "mrl"), ("openrail++", "openrail++"), ("CDLA-Permissive-2.0", "cdla-permissive-2.0"),
    ("ODbL-1.0", "odbl"), ("CC0-1.0", "cc0-1.0"), ("gemma", "gemma"),
])
def test_aliases_resolve(written, expected):
    assert catalog.resolve(written).id == expected


def test_unrecognised_names_resolve_to_nothing():
    assert catalog.resolve("my-own-terms") is None
    assert catalog.resolve("") is None
    term = catalog.parse("my-own-terms")
    assert isinstance(term, Term) and term.license.id == "unknown" and term.written == "my-own-terms"


def test_spdx_expressions_are_parsed():
    either = catalog.parse("MIT OR Apache-2.0")
    assert isinstance(either, AnyOf) and [t.license.id for t in either.parts] == ["mit", "apache-2.0"]
    both = catalog.parse("(mit AND llama3.1) OR cc-by-nc-4.0")
    assert isinstance(both, AnyOf) and isinstance(both.parts[0], AllOf)
    with_exception = catalog.parse("GPL-2.0-only WITH Classpath-exception-2.0")
    assert with_exception.license.id == "gpl-2.0" and with_exception.exception == "Classpath-exception-2.0"
    assert catalog.parse("MIT AND (").license.id == "unknown"


@pytest.mark.parametrize("text, expected", [
    ("LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\nLlama 3.1 Version Release Date: July 23, 2024", "llama3.1"),
    ("META LLAMA 3 COMMUNITY LICENSE AGREEMENT", "llama3"),
    ("**Llama 3.2** Community License Agreement", "llama3.2"),
    ("Gemma Terms of Use\n\nLast modified: ...", "gemma"),
    ("Creative Commons Attribution-NonCommercial 4.0 International Public License", "cc-by-nc-4.0"),
    ("Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International", "cc-by-nc-sa-4.0"),
    ("Creative Commons Attribution 4.0 International", "cc-by-4.0"),
    ("GNU LESSER GENERAL PUBLIC LICENSE\n   Version 3, 29 June 2007\n ... GNU General Public License", "lgpl-3.0"),
    ("GNU GENERAL PUBLIC LICENSE\n   Version 3, 29 June 2007", "gpl-3.0"),
    ("Community Data License Agreement \u2013 Permissive \u2013 Version 2.0", "cdla-permissive-2.0"),
    ("Mistral AI Research License\n...", "mrl"),
    ("Just some words about the model.", None),
])
def test_license_text_is_identified_by_its_distinctive_phrases(text, expected):
    found = catalog.identify_text(text)
    assert (found.id if found else None) == expected


def test_a_real_apache_licence_file_is_identified():
    """The Apache text a dependency ships (cryptography) reads as Apache-2.0."""
    files = [f for f in metadata.files("cryptography") or () if f.name == "LICENSE.APACHE"]
    if not files:
        pytest.skip("cryptography ships no LICENSE.APACHE in this version")
    assert catalog.identify_text(files[0].read_text()).id == "apache-2.0"
