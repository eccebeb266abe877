"""The model card (README.md with YAML front matter), written from the provenance record
so the card and the record can never disagree."""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, ModelCardData

BUILTIN_DATASET_TYPE = "python-stdlib"


def _dataset_label(source: dict) -> tuple[str, str]:
    """(type, name) of a data source for the model-index: the hub id where there is one."""
    if source.get("repo_id"):
        return source["repo_id"], source["repo_id"]
    if source["kind"] == "builtin":
        return BUILTIN_DATASET_TYPE, f"Python standard library source ({source['revision']})"
    return "local", source["spec"]


def card_metadata(record: dict, license: str, model_name: str) -> ModelCardData:
    sources = record["data"]["sources"]
    result = record["result"]
    if len(sources) == 1:
        dataset_type, dataset_name = _dataset_label(sources[0])
        revision = sources[0].get("revision") if sources[0].get("repo_id") else None
    else:
        dataset_type, dataset_name, revision = "mixture", " + ".join(_dataset_label(s)[1] for s in sources), None
    evals = [
        EvalResult(
            task_type="text-generation",
            dataset_type=dataset_type,
            dataset_name=f"{dataset_name}, held-out split",
            dataset_split="validation",
            dataset_revision=revision,
            metric_type=metric,
            metric_name=label,
            metric_value=round(result[key], 4),
        )
        for metric, label, key in (
            ("loss", "validation loss (nats per token)", "val_loss"),
            ("bits_per_byte", "validation bits per byte", "val_bpb"),
        )
    ]
    base = record["base_model"]
    hub_base = base.get("repo_id") if base else None
    extra = {"base_model_relation": "finetune"} if hub_base else {}
    return ModelCardData(
        model_name=model_name,
        license=license,
        library_name="transformers",
        pipeline_tag="text-generation",
        tags=["aicommons-gpt", "llama", "text-generation"],
        datasets=[s["repo_id"] for s in sources if s.get("repo_id")] or None,
        base_model=hub_base,
        eval_results=evals,
        **extra,
    )


def _table(rows: list[tuple], header: tuple) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def render_card(record: dict, license: str, model_name: str, repo_id: str | None, loss_curve: str | None) -> str:
    model, train, result, hw = record["model_config"], record["train_config"], record["result"], record["hardware"]
    base, splits = record["base_model"], record["data"]["splits"]
    origin = "trained from scratch"
    if base:
        origin = f"fine-tuned from `{base.get('repo_id') or base['path']}`"
        if base.get("revision"):
            origin += f" at commit `{base['revision']}`"
    results = _table(
        [
            (
                f"{result['val_loss']:.4f}",
                f"{result['val_bpb']:.4f}",
                f"{result['tokens']:,}",
                result["steps"],
                _duration(result["wall_time_s"]),
            )
        ],
        ("validation loss (nats/token)", "validation bits per byte", "training tokens", "steps", "wall time"),
    )
    curve = f"\n![Loss curve]({loss_curve})\n" if loss_curve else ""
    data = _table(
        [
            (s["spec"], s["kind"], s.get("revision", ""), f"`{s['sha256'][:16]}…`", s["files"])
            for s in record["data"]["sources"]
        ],
        ("source", "kind", "revision", "content sha256", "files"),
    )
    split_lines = "\n".join(
        f"{label}: {splits[name]['documents']:,} documents, {splits[name]['tokens']:,} tokens, "
        f"{splits[name]['bytes']:,} bytes."
        for name, label in (("train", "Train split"), ("val", "Validation split"))
    )
    shape = _table(
        [
            (
                f"{result['parameters']:,}",
                model["num_hidden_layers"],
                model["hidden_size"],
                model["num_attention_heads"],
                model["intermediate_size"],
                model["vocab_size"],
                model["max_position_embeddings"],
            )
        ],
        ("parameters", "layers", "width", "heads", "MLP width", "vocabulary", "context"),
    )
    settings = _table(
        sorted((k, f"{v:.4g}" if isinstance(v, float) else v) for k, v in train.items() if v is not None),
        ("setting", "value"),
    )
    machine = _table(
        [
            (
                hw["device_name"],
                hw["processes"],
                hw["threads_per_process"],
                hw["precision"],
                _duration(result["wall_time_s"]),
            )
        ],
        ("device", "processes", "threads per process", "precision", "wall time"),
    )
    where = repo_id or "path/to/this/model"
    body = f"""
# {model_name}

A small decoder-only language model in the Llama architecture, {origin} with the compact
GPT of AI Commons (`aicommons train`). `transformers` loads it as `LlamaForCausalLM`.

## Results

{results}

Bits per byte divide the validation loss by the UTF-8 bytes the tokens stand for, so they
compare across tokenizers. The validation split is held out from the same data.
{curve}
## Training data

{data}

{split_lines}

## Model

{shape}

RMSNorm, rotary position embeddings, SwiGLU MLP, no biases, tied input and output embeddings;
byte-level BPE tokenizer trained with `tokenizers` (`<|endoftext|>` begins every document).

## Training configuration

{settings}

## Hardware

{machine}

## How to use

```python
from transformers import AutoModelForCausalLM, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("{where}")
model = AutoModelForCausalLM.from_pretrained("{where}")
inputs = tokenizer("def fibonacci(n):", return_tensors="pt")
print(tokenizer.decode(model.generate(**inputs, max_new_tokens=64)[0], skip_special_tokens=True))
```

or `aicommons generate {where} --prompt "def fibonacci(n):"`.

## Intended use and limitations

Made for learning how language models are trained, and as a baseline for experiments. It is a
very small model trained briefly: it imitates the surface form of its training data and will
produce wrong, repetitive or nonsensical text. Do not use it for decisions, facts, or code that
runs unreviewed. It has no safety tuning and reflects whatever its data contains.

## Provenance

`training_provenance.json` beside the weights records the code version (a hash of the
`aicommons.gpt` source, `{record["code"]["source_sha256"][:16]}…`), the data hashes and
revisions, every setting, the seed ({record["seed"]}), the base model commit and the sha256
of `model.safetensors` (`{record["weights"]["sha256"][:16]}…`).
"""
    metadata = card_metadata(record, license, model_name).to_yaml()
    return str(ModelCard(f"---\n{metadata}\n---\n{body}"))


def set_card_license(card_path: Path, license: str) -> None:
    card = ModelCard.load(card_path)
    card.data.license = license
    card.save(card_path)
