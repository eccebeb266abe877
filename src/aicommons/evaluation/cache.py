"""Per-sample result cache: a model's output for a sample is computed once per (model commit, task
version, sample).

The key hashes the model key (commit id, or a digest of a local folder), the task name and version,
the evaluation harness version, the device and number format, inputs shared by all samples, and the
sample's own input, so a changed prompt, few-shot example or corpus is a different key. Batch size
is left out on purpose: it only moves floating-point rounding.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from aicommons.evaluation import HARNESS_VERSION, canonical
from aicommons.evaluation.tables import EvalSampleCache
from aicommons.repos.objects import utcnow

LOOKUP_CHUNK = 500


class SampleCache:
    def __init__(self, hub):
        self.hub = hub

    @staticmethod
    def key(model_key: str, task, options, shared: dict, sample_input: dict) -> str:
        return canonical.sha256({"model": model_key, "task": task.name, "version": task.version,
                                 "harness": HARNESS_VERSION, "device": options.device, "dtype": options.dtype,
                                 "shared": canonical.sha256(shared), "input": sample_input})

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        with self.hub.db.read() as session:
            for start in range(0, len(keys), LOOKUP_CHUNK):
                chunk = keys[start:start + LOOKUP_CHUNK]
                for row in session.scalars(select(EvalSampleCache).where(EvalSampleCache.key.in_(chunk))):
                    found[row.key] = row.output
        return found

    def put_many(self, outputs: dict[str, dict]) -> None:
        now = utcnow()
        existing = set(self.get_many(list(outputs)))
        try:
            with self.hub.db.write() as session:
                session.add_all(EvalSampleCache(key=key, output=output, created_at=now)
                                for key, output in outputs.items() if key not in existing)
        except IntegrityError:
            pass  # a concurrent run stored the same samples; theirs are equal
