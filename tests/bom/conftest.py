from datetime import datetime, timezone

import pytest

from aicommons.licenses import Card, ExternalNode, HiddenNode, ParentEdge, Relation, RepoFile, RepoSubject

SECRET = "acme-secret/internal-model"


def _repo(repo_id, meta, repo_type="model", parents=(), datasets=(), files=(), **kw):
    return RepoSubject(repo_id, repo_type, revision=kw.pop("revision", None), card=Card.from_metadata(meta, "# Card"),
                       files=tuple(RepoFile(p, 10, h) for p, h in files),
                       parents=tuple(ParentEdge(n, Relation(r)) for n, r in parents), datasets=tuple(datasets),
                       last_modified=datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc), **kw)


@pytest.fixture
def subject():
    """A three-level lineage with a merge, a private and an off-hub ancestor, and three datasets."""
    root = _repo("meta-llama/Llama-3.1-8B", {"license": "llama3.1"}, revision="b" * 40)
    secret = _repo(SECRET, {"license": "cc-by-nc-4.0"}, parents=[(root, "finetune")])
    mid = _repo("org/mid", {"license": "apache-2.0"}, parents=[(root, "finetune")], revision="c" * 40)
    data = _repo("data/corpus", {"license": "cc-by-4.0", "task_categories": ["text-generation"]}, "dataset",
                 files=[("train.parquet", "d" * 64)], revision="e" * 40)
    custom = _repo("data/custom", {"license": "other", "license_name": "acme-data"}, "dataset")
    return _repo(
        "me/Llama-merge", {"license": "llama3.1 AND apache-2.0", "pipeline_tag": "text-generation",
                           "model-index": [{"name": "m", "results": [{"dataset": {"name": "wikitext"},
                                                                      "metrics": [{"type": "perplexity",
                                                                                   "value": 12.5}]}]}]},
        parents=[(mid, "merge"), (HiddenNode(secret), "merge"), (ExternalNode("elsewhere/base"), "merge")],
        datasets=[data, custom, ExternalNode("elsewhere/data", "dataset")],
        files=[("model.safetensors", "a" * 64), ("config.json", "f" * 64)],
        config={"architectures": ["LlamaForCausalLM"], "model_type": "llama"}, revision="1" * 40)


@pytest.fixture
def secret():
    """The private ancestor's id, which no BOM may contain."""
    return SECRET
