"""Evaluation speed and agreement: this hub's runner against lm-evaluation-harness, side by side.

The same model (a GPT-2-layout causal LM made here, random weights, safetensors) is scored on the
same rows: a perplexity task (``stdlib-text``: rolling log-likelihood, bits per byte) and a
multiple-choice task (``stdlib-next-line``: acc, acc_norm). lm-eval reads the rows from local JSON
Lines files written from the hub's dataset repos, through custom task YAMLs, with
``HF_DATASETS_OFFLINE=1``. lm-eval is installed from PyPI into a temporary virtualenv that sees this
interpreter's packages (torch and transformers are reused, not reinstalled).

Both sides use the same device, number format, batch size and thread count, and each time covers a
whole evaluation call (model loading, data reading, scoring). Scores must agree to 1e-4 relative;
the target is this runner at least 1.5x faster.

    python bench/bench_eval.py [--batch-size 16] [--layers 4] [--width 256] [--vocab 8192]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
from pathlib import Path

TOLERANCE = 1e-4
TARGET = 1.5
METRICS = {"stdlib-text": ["bits_per_byte", "byte_perplexity", "word_perplexity"],
           "stdlib-next-line": ["acc", "acc_norm"]}

LM_EVAL_TASKS = {
    "stdlib-text": """
        task: bench_stdlib_text
        dataset_path: json
        dataset_kwargs: {{data_files: {{test: "{data}"}}}}
        test_split: test
        output_type: loglikelihood_rolling
        doc_to_text: ""
        doc_to_target: text
        metric_list:
          - {{metric: word_perplexity}}
          - {{metric: byte_perplexity}}
          - {{metric: bits_per_byte}}
        metadata: {{version: 1}}
    """,
    "stdlib-next-line": """
        task: bench_stdlib_next_line
        dataset_path: json
        dataset_kwargs: {{data_files: {{test: "{data}"}}}}
        test_split: test
        output_type: multiple_choice
        doc_to_text: context
        doc_to_choice: choices
        doc_to_target: label
        target_delimiter: ""
        metric_list:
          - {{metric: acc}}
          - {{metric: acc_norm}}
        metadata: {{version: 1}}
    """,
}

# runs inside the lm-eval virtualenv: one simple_evaluate call per task, timed around the call
LM_EVAL_DRIVER = """
import json, sys, time
import torch
torch.set_num_threads(int(sys.argv[4]))
import lm_eval
from lm_eval.tasks import TaskManager
manager = TaskManager(include_path=sys.argv[2])
out = {"version": lm_eval.__version__ if hasattr(lm_eval, "__version__") else "?"}
for task in sys.argv[3].split(","):
    start = time.perf_counter()
    results = lm_eval.simple_evaluate(model="hf", model_args=f"pretrained={sys.argv[1]},dtype=float32",
                                      tasks=[task], batch_size=int(sys.argv[5]), device="cpu",
                                      task_manager=manager, num_fewshot=0)
    seconds = time.perf_counter() - start
    scores = {k.split(",")[0]: v for k, v in results["results"][task].items() if k.endswith(",none")}
    out[task] = {"seconds": seconds, "scores": scores}
print("LM_EVAL_RESULT " + json.dumps(out))
"""


def lm_eval_python(venv: Path) -> Path:
    """A virtualenv with lm-eval that also sees this interpreter's packages (a .pth file adds them)."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        Path(site, "shared-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    check = subprocess.run([str(python), "-c", "import lm_eval, accelerate"], capture_output=True)
    if check.returncode != 0:
        print("installing lm-eval from PyPI into", venv, flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "lm-eval[hf]"], check=True)
    return python


def export_rows(hub, task, folder: Path) -> Path:
    from aicommons.evaluation.datasets import load_split

    split = load_split(hub, task, task.split)
    path = folder / f"{task.name}.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in split.rows), encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--vocab", type=int, default=8192)
    parser.add_argument("--positions", type=int, default=512)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "aicommons-bench-lm-eval",
                        help="where lm-eval is installed (kept between runs)")
    args = parser.parse_args()

    import torch

    from aicommons.evaluation.demo_models import make_causal_lm
    from aicommons.evaluation.runners import local_folder
    from aicommons.evaluation.runners.options import RunOptions
    from aicommons.evaluation.runs import evaluate
    from aicommons.evaluation.spec import get_task
    from aicommons.hub import Hub
    from aicommons.settings import Settings

    torch.set_num_threads(args.threads)
    python = lm_eval_python(args.venv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = make_causal_lm(work / "model", "gpt2", positions=args.positions, width=args.width, layers=args.layers,
                               heads=max(1, args.width // 64), vocab_size=args.vocab, tokenizer_files=10)
        hub = Hub.open(Settings.from_env(work / "hub"))
        tasks = [get_task(name) for name in METRICS]
        task_dir = work / "lm_eval_tasks"
        task_dir.mkdir()
        for task in tasks:
            yaml_text = textwrap.dedent(LM_EVAL_TASKS[task.name]).format(data=export_rows(hub, task, work))
            (task_dir / f"{task.name}.yaml").write_text(yaml_text)

        ours = {}
        for task in tasks:
            start = time.perf_counter()
            record = evaluate(hub, task, local_folder(model), RunOptions(batch_size=args.batch_size))
            ours[task.name] = {"seconds": time.perf_counter() - start, "scores": record["metrics"],
                               "samples": len(record["samples"])}
        hub.close()

        env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
               "HF_DATASETS_CACHE": str(work / "hf-datasets")}
        names = ",".join("bench_" + task.name.replace("-", "_") for task in tasks)
        done = subprocess.run([str(python), "-c", LM_EVAL_DRIVER, str(model), str(task_dir), names, str(args.threads),
                               str(args.batch_size)], env=env, capture_output=True, text=True)
        line = next((l for l in done.stdout.splitlines() if l.startswith("LM_EVAL_RESULT ")), None)
        if done.returncode != 0 or line is None:
            print(done.stdout[-3000:], done.stderr[-6000:], sep="\n")
            print("lm-eval run failed")
            return 2
        theirs = json.loads(line.removeprefix("LM_EVAL_RESULT "))

    return report(args, ours, theirs, tasks)


def report(args, ours: dict, theirs: dict, tasks) -> int:
    print(f"\nmodel: GPT-2 layout, {args.layers} layers, width {args.width}, vocab {args.vocab}, context "
          f"{args.positions}; batch size {args.batch_size}; {args.threads} threads; lm-eval {theirs.get('version')}")
    print(f"{'task':18} {'metric':16} {'aicommons':>16} {'lm-eval':>16} {'rel diff':>10}")
    agree = True
    for task in tasks:
        mine, other = ours[task.name], theirs["bench_" + task.name.replace("-", "_")]
        for metric in METRICS[task.name]:
            a, b = mine["scores"][metric], other["scores"][metric]
            diff = abs(a - b) / max(abs(b), 1e-12)
            agree &= diff <= TOLERANCE
            print(f"{task.name:18} {metric:16} {a:16.8g} {b:16.8g} {diff:10.2e}")
    print(f"\n{'task':18} {'samples':>8} {'aicommons s':>12} {'lm-eval s':>12} {'speed-up':>9}")
    total_ours = total_theirs = 0.0
    for task in tasks:
        mine, other = ours[task.name], theirs["bench_" + task.name.replace("-", "_")]
        total_ours += mine["seconds"]
        total_theirs += other["seconds"]
        print(f"{task.name:18} {mine['samples']:8} {mine['seconds']:12.2f} {other['seconds']:12.2f} "
              f"{other['seconds'] / mine['seconds']:8.2f}x")
    ratio = total_theirs / total_ours
    print(f"{'both':18} {'':8} {total_ours:12.2f} {total_theirs:12.2f} {ratio:8.2f}x")
    print(f"\nscores agree to {TOLERANCE:g} relative: {'yes' if agree else 'NO'}; "
          f"speed-up {ratio:.2f}x (target {TARGET}x): {'met' if ratio >= TARGET else 'NOT met'}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
