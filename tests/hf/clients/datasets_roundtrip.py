"""Run by test_ecosystem with HF_ENDPOINT/HF_TOKEN/HF_HOME set: datasets loads a CSV and a Parquet repo
from the hub, and pushes a dataset of its own (preupload, LFS, commit with parentCommit)."""

import json
import sys

from datasets import Dataset, load_dataset

csv_repo, parquet_repo, pushed_repo = sys.argv[1:4]
rows = {
    "csv": load_dataset(csv_repo, split="train").to_list(),
    "parquet": load_dataset(parquet_repo, split="train").to_list(),
}
Dataset.from_dict({"x": [1, 2, 3], "y": ["a", "b", "c"]}).push_to_hub(pushed_repo)
rows["pushed"] = load_dataset(pushed_repo, split="train").to_list()
print(json.dumps(rows))
