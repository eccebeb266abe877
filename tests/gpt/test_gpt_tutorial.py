"""Every command in docs/gpt-tutorial.md runs, at toy scale, so the tutorial cannot rot.

Commands come from the ```console blocks (lines starting with "$ "). Toy scale: `train` gets a
depth-1 model, 3 steps and a small made-up corpus instead of the standard library; `generate`
gets 8 tokens. Data paths the tutorial names are created as small corpora. Commands that talk
to the hub (they name `alice/...` repos) run against the real hub server on loopback.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import aicommons
from aicommons.cli.main import app

from .gpt_corpus import make_corpus

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "gpt-tutorial.md"
SRC = Path(aicommons.__file__).resolve().parents[1]
HUB_OWNER = "alice/"

pytestmark = pytest.mark.slow


def tutorial_commands() -> list[list[str]]:
    blocks = re.findall(r"```console\n(.*?)```", TUTORIAL.read_text(), flags=re.S)
    return [shlex.split(line[2:]) for block in blocks for line in block.splitlines() if line.startswith("$ ")]


def needs_hub(command: list[str]) -> bool:
    return any(arg.startswith(HUB_OWNER) for arg in command)


def toy_scale(args: list[str], corpus: Path) -> list[str]:
    """The same command with a toy model and budget."""
    args = list(args)
    if args[0] == "train":
        if "--data" not in args:
            args += ["--data", str(corpus)]
        if "--init-from" not in args:
            args += ["--depth", "1"]
        args += ["--max-steps", "3", "--no-progress"]
    elif args[0] == "generate":
        args += ["--max-new-tokens", "8"]
    return args


def run_tutorial(workdir: Path, env: dict[str, str], with_hub: bool) -> int:
    corpus = make_corpus(workdir / "toy-corpus", files=20)
    make_corpus(workdir / "notes", files=8, seed=1)
    papers = make_corpus(workdir / "papers", files=4, seed=2)
    for path in papers.iterdir():
        path.rename(path.with_suffix(".txt"))
    runner, ran = CliRunner(), 0
    for command in tutorial_commands():
        if needs_hub(command) and not with_hub:
            continue
        if command[0] == "export":
            name, _, value = command[1].partition("=")
            env.setdefault(name, value)  # the hub under test decides endpoint and token
            continue
        if command[0] == "aicommons":
            result = runner.invoke(app, toy_scale(command[1:], corpus), env=env)
            assert result.exit_code == 0, f"{shlex.join(command)}\n{result.output}"
        elif command[:2] == ["torchrun", "--nproc-per-node"]:
            assert command[3:6] == ["-m", "aicommons", "train"]
            launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", *command[1:5]]
            child_env = {**os.environ, **env, "PYTHONPATH": str(SRC)}
            done = subprocess.run(
                [*launcher, *toy_scale(command[5:], corpus)],
                cwd=workdir,
                env=child_env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert done.returncode == 0, f"{shlex.join(command)}\n{done.stdout}\n{done.stderr}"
        else:
            pytest.fail(f"the tutorial runs {command[0]!r}, which this test does not know how to run")
        ran += 1
    return ran


def test_tutorial_commands_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"AICOMMONS_CACHE": str(tmp_path / "cache")}
    ran = run_tutorial(tmp_path, env, with_hub=False)
    assert ran == sum(1 for c in tutorial_commands() if not needs_hub(c) and c[0] != "export")
    assert (tmp_path / "out" / "tiny" / "model" / "model.safetensors").is_file()
    assert (tmp_path / "out" / "ddp" / "model" / "training_provenance.json").is_file()


@pytest.mark.skipif(
    importlib.util.find_spec("aicommons.api.hf") is None,
    reason="the hub's HF-protocol server (aicommons.api.hf) is not in this checkout yet",
)
def test_tutorial_hub_commands_run(tmp_path, monkeypatch, server, alice):
    monkeypatch.chdir(tmp_path)
    env = {
        "AICOMMONS_CACHE": str(tmp_path / "cache"),
        "HF_ENDPOINT": server.url,
        "HF_TOKEN": alice.token,
        "HF_HOME": str(tmp_path / "hf-home"),
    }
    run_tutorial(tmp_path, env, with_hub=True)
    from huggingface_hub import HfApi

    api = HfApi(endpoint=server.url, token=alice.token)
    assert {"alice/stdlib-tiny", "alice/notes-tiny"} <= {m.id for m in api.list_models(author="alice")}
