"""Evaluation records: what was run, on what, with which settings, and every sample's result.

The fingerprint is sha256 over the concatenated sha256 digests of each sample's canonical JSON
(``{id, input, target, output}``, in order) followed by the digest of the inputs shared by all
samples. It changes when any prompt, answer or model output changes, like lm-evaluation-harness's
``task_hashes``. The signature (see signing.py) covers the whole record, fingerprint included.
"""

from __future__ import annotations

import hashlib
import math
import os
import platform

from aicommons import __version__
from aicommons.evaluation import HARNESS_VERSION, canonical

FORMAT = "aicommons-eval-record/1"


def entry(sample, output: dict) -> dict:
    return {"id": sample.id, "input": sample.input, "target": sample.target, "output": output}


def fingerprint(samples: list[dict], shared: dict) -> str:
    digest = hashlib.sha256()
    for sample in samples:
        digest.update(hashlib.sha256(canonical.dumps(sample)).digest())
    digest.update(hashlib.sha256(canonical.dumps(shared)).digest())
    return digest.hexdigest()


def finite(metrics: dict[str, float]) -> dict[str, float | None]:
    """NaN (a constant prediction's correlation, say) has no JSON form: it is recorded as null."""
    return {name: value if math.isfinite(value) else None for name, value in metrics.items()}


def hardware(device: str) -> dict:
    info = {"machine": platform.machine(), "system": platform.system(), "processor": platform.processor() or None,
            "cpu_count": os.cpu_count(), "python": platform.python_version(), "device": device}
    try:
        import torch

        info["torch"] = torch.__version__
        info["threads"] = torch.get_num_threads()
        if device.startswith("cuda") and torch.cuda.is_available():
            info["accelerator"] = torch.cuda.get_device_name(torch.device(device))
    except ImportError:
        pass
    return info


def harness() -> dict:
    return {"name": "aicommons", "version": __version__, "evaluation": HARNESS_VERSION}


def unsigned(record: dict) -> dict:
    return {key: value for key, value in record.items() if key != "signature"}
