"""Models are loaded without running code from them: skops files only with trusted types,
sentence-transformers modules only from the package itself, and hub copies without pickles."""

import json
import os
import shutil

import numpy as np
import pytest

from aicommons.errors import InvalidInput
from aicommons.evaluation.runners import hub_folder, local_folder, open_model
from aicommons.evaluation.runners.options import RunOptions
from .eval_models import push_folder


def test_a_skops_file_with_an_untrusted_type_is_refused(tmp_path):
    import skops.io
    from sklearn.preprocessing import FunctionTransformer

    skops.io.dump(FunctionTransformer(os.system).fit(np.ones((2, 2))), tmp_path / "model.skops")
    with pytest.raises(InvalidInput, match="not trusted: posix.system"):
        open_model(local_folder(tmp_path), "tabular", RunOptions())


def test_allowlisted_data_types_load(tmp_path, iris_skops):
    model = open_model(local_folder(iris_skops), "tabular", RunOptions())  # a forest holds sklearn Tree objects
    assert type(model.estimator).__name__ == "RandomForestClassifier"
    with pytest.raises(InvalidInput, match="expects 4 features"):
        model.predict([[1.0, 2.0]], ["a", "b"])


def test_foreign_sentence_transformers_modules_are_refused(tmp_path, minilm):
    folder = tmp_path / "model"
    shutil.copytree(minilm, folder)
    modules = json.loads((folder / "modules.json").read_text())
    modules[0]["type"] = "evil_package.Backdoor"
    (folder / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(InvalidInput, match="'evil_package.Backdoor'"):
        open_model(local_folder(folder), "embedder", RunOptions())


def test_hub_copies_keep_data_files_only(hub, alice, tmp_path, tiny_gpt2):
    folder = tmp_path / "model"
    shutil.copytree(tiny_gpt2, folder)
    (folder / "pytorch_model.bin").write_bytes(b"pickle bytes")
    (folder / "modeling_custom.py").write_text("import os\n")
    repo, oid = push_folder(hub, alice, "alice/tiny", folder)
    copied = hub_folder(hub, repo, oid)
    names = {p.name for p in copied.path.iterdir()}
    assert "model.safetensors" in names and "config.json" in names
    assert not names & {"pytorch_model.bin", "modeling_custom.py", ".gitattributes"}
    assert copied.key == f"commit:{oid}" and hub_folder(hub, repo, oid).path == copied.path
