"""Embedding retrieval: rank a corpus by cosine similarity to each query; recall@k and MRR.

The corpus is every distinct document of the split, in order of first appearance; a sample's target
is its document's index in that corpus, and its output the indices of the best ``depth`` documents.
"""

from __future__ import annotations

import numpy as np

from aicommons.errors import InvalidInput
from aicommons.evaluation.output_types import Prepared, Progress, Sample
from aicommons.evaluation.prompts import column, sample_id

MODEL_KIND = "embedder"


def build(task, rows: list[dict], fewshot_pool: list[dict]) -> Prepared:
    corpus: dict[str, int] = {}
    pending = []
    for index, row in enumerate(rows):
        sid = sample_id(row, index)
        where = f"{task.name} sample {sid}"
        query, document = column(row, task.query, where), column(row, task.document, where)
        if not (isinstance(query, str) and query and isinstance(document, str) and document):
            raise InvalidInput("dataset", f"{where}: {task.query!r} and {task.document!r} must be non-empty strings")
        pending.append((sid, query, corpus.setdefault(document, len(corpus))))
    samples = [Sample(sid, {"query": query}, target) for sid, query, target in pending]
    return Prepared(samples, {"corpus": list(corpus)})


def run(model, task, samples: list[Sample], shared: dict, progress: Progress) -> list[dict]:
    corpus = np.asarray(model.encode(shared["corpus"], lambda done, total: None))
    queries = np.asarray(model.encode([s.input["query"] for s in samples], progress))
    scores = queries @ corpus.T
    depth = min(task.depth, len(shared["corpus"]))
    # stable sort: equal scores keep corpus order, so rankings are reproducible
    ranked = np.argsort(-scores, axis=1, kind="stable")[:, :depth]
    return [{"ranking": [int(i) for i in row]} for row in ranked]
