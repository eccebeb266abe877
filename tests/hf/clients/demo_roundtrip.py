"""Run by test_demo with HF_ENDPOINT set: the demo model encodes sentences and the demo dataset loads."""

import json
import sys

import pyarrow.parquet as pq
from datasets import load_dataset
from huggingface_hub import hf_hub_download
from sentence_transformers import SentenceTransformer

model_id, dataset_id = sys.argv[1:3]
embeddings = SentenceTransformer(model_id, device="cpu").encode(["A hub for open models", "Open models, shared"])
csv_rows = load_dataset(dataset_id, split="train")
parquet_rows = pq.read_table(hf_hub_download(dataset_id, "parquet/iris.parquet", repo_type="dataset"))
print(json.dumps({"shape": list(embeddings.shape), "similarity": float(embeddings[0] @ embeddings[1]),
                  "rows": len(csv_rows), "same": csv_rows.to_list() == parquet_rows.to_pylist(),
                  "species": sorted(set(csv_rows["species"]))}))
