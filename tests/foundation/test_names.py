import pytest

from aicommons.errors import InvalidInput
from aicommons.repos.names import RepoType, check_path, check_ref_name, split_repo_id

BAD_PATHS = {
    "": "empty",
    "../etc/passwd": "'..'",
    "a/../../b": "'..'",
    "/abs": "absolute",
    "a\\b": "backslash",
    "a\0b": "control",
    "a\nb": "control",
    ".git/config": ".git",
    ".GIT/hooks/x": ".git",
    "a//b": "empty path segment",
    "a/./b": "'.'",
    "x" * 256: "segment is longer",
    "a/" * 600 + "b": "longer than 1024",
}


@pytest.mark.parametrize("path,why", BAD_PATHS.items())
def test_bad_paths_are_rejected_with_a_reason(path, why):
    with pytest.raises(InvalidInput) as error:
        check_path(path)
    assert error.value.field == "path"
    assert why in error.value.message


@pytest.mark.parametrize("path", ["README.md", "a/b/c.safetensors", ".gitattributes", "données/été.csv", "a.git/x"])
def test_good_paths_pass(path):
    assert check_path(path) == path


@pytest.mark.parametrize("repo_id", ["a/b", "org-1/model.v2", "A_b/C-d"])
def test_repo_ids(repo_id):
    assert "/".join(split_repo_id(repo_id)) == repo_id


@pytest.mark.parametrize("repo_id", ["noslash", "a/b/c", "a/-b", "a/b.", "a/b--c", "a/b..c", "a/x.git", "a/" + "x" * 97,
                                     "a/b c", "/b"])
def test_bad_repo_ids(repo_id):
    with pytest.raises(InvalidInput):
        split_repo_id(repo_id)


def test_ref_names():
    assert check_ref_name("feature/x") == "feature/x"
    for bad in ["", "a..b", "-x", "x.lock", "a b", "a~1", "0" * 40, "x/"]:
        with pytest.raises(InvalidInput):
            check_ref_name(bad)


def test_repo_types():
    assert RepoType.parse("datasets") is RepoType.DATASET
    assert RepoType.parse(None) is RepoType.MODEL
    assert RepoType.DATASET.url_prefix == "datasets/"
    with pytest.raises(InvalidInput):
        RepoType.parse("space")
