"""Built-in data sets: made offline, deterministically, from held-out standard library files and
scikit-learn's bundled tables, and stored on the hub as tagged dataset repos."""

import pytest

from aicommons.evaluation import builtin
from aicommons.evaluation.builtin import stdlib, tabular
from aicommons.evaluation.datasets import load_split
from aicommons.evaluation.spec import get_task
from aicommons.repos.manage import find_repo
from aicommons.repos.names import RepoType


@pytest.mark.slow
def test_generation_is_deterministic_and_test_rows_come_from_held_out_files():
    stdlib.functions.cache_clear()
    first = stdlib.next_line_rows(True, 40, with_choices=True)
    stdlib.functions.cache_clear()
    assert stdlib.next_line_rows(True, 40, with_choices=True) == first
    assert all(stdlib.is_held_out(row["id"].split(":")[0]) for row in first)
    assert not any(stdlib.is_held_out(row["id"].split(":")[0]) for row in stdlib.next_line_rows(False, 20, True))
    for row in first:
        assert row["choices"][row["label"]] == row["next_line"]
        assert len(set(row["choices"])) == 4
        indents = {len(c) - len(c.lstrip(" ")) for c in row["choices"]}
        assert len(indents) == 1  # distractors keep the answer's indentation


def test_similarity_scores_and_retrieval_pairs():
    rows = stdlib.similarity_rows(True, 30)
    assert sorted({row["score"] for row in rows}) == [0.0, 0.5, 1.0]
    assert len(rows) % 3 == 0
    search = stdlib.retrieval_rows(True, 30)
    assert len({row["document"] for row in search}) == len(search)
    function = stdlib.Function("k", "p.py", "HTTPServer.handle_oneRequest", (), None)
    assert stdlib.name_phrase(function) == "httpserver handle one request"


def test_tabular_split_rule():
    features, splits = tabular.rows("iris")
    assert features == ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]
    assert (len(splits["train"]), len(splits["test"])) == (120, 30)
    assert [row["id"] for row in splits["test"]][:3] == [4, 9, 14]
    assert {row["target"] for row in splits["test"]} == {"setosa", "versicolor", "virginica"}


def test_install_makes_a_tagged_dataset_repo_once(hub):
    task = get_task("iris")
    commit = builtin.install(hub, "iris")
    assert builtin.install(hub, "iris") == commit
    repo = find_repo(hub, RepoType.DATASET, "aicommons/iris")
    assert repo is not None and not repo.private
    split = load_split(hub, task, "test")
    assert split.commit == commit and split.path == "data/test.jsonl" and len(split.rows) == 30


def test_first_use_installs_the_data(hub):
    split = load_split(hub, get_task("stdlib-text"), "test")
    assert len(split.rows) == 64 and split.revision == "v1"
    assert all(300 <= len(row["text"]) <= 3000 for row in split.rows)
