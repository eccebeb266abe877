"""``aicommons push`` and ``aicommons pull`` through the real client."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from aicommons.cli.main import app


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env=env)


def test_push_creates_the_repo_and_pull_gets_it_back(hf, tmp_path):
    folder = tmp_path / "model"
    (folder / "sub").mkdir(parents=True)
    (folder / "config.json").write_text('{"a": 1}')
    (folder / "sub" / "weights.bin").write_bytes(b"\0" * 4096)
    env = {"AICOMMONS_ENDPOINT": hf.endpoint, "AICOMMONS_TOKEN": hf.token, "HF_TOKEN": ""}

    pushed = run("push", str(folder), "alice/cli-model", "--private", "-m", "first push", env=env)
    assert pushed.exit_code == 0, pushed.output
    info = hf.api.model_info("alice/cli-model", files_metadata=True)
    assert info.private and {s.rfilename for s in info.siblings} == {".gitattributes", "config.json", "sub/weights.bin"}
    assert hf.api.list_repo_commits("alice/cli-model")[0].title == "first push"

    (folder / "config.json").write_text('{"a": 2}')
    branch = run("push", str(folder), "alice/cli-model", "--revision", "dev", "--endpoint", hf.endpoint,
                 "--token", hf.token)
    assert branch.exit_code == 0, branch.output

    target = tmp_path / "pulled"
    pulled = run("pull", "alice/cli-model", "--revision", "dev", "--local-dir", str(target), env=env)
    assert pulled.exit_code == 0, pulled.output
    assert (target / "config.json").read_text() == '{"a": 2}'
    assert (target / "sub" / "weights.bin").read_bytes() == b"\0" * 4096
    main = run("pull", "alice/cli-model", "--local-dir", str(tmp_path / "main"), env=env)
    assert main.exit_code == 0 and (tmp_path / "main" / "config.json").read_text() == '{"a": 1}'


def test_dataset_push_and_clear_errors(hf, tmp_path):
    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "train.csv").write_text("a,b\n1,2\n")
    env = {"AICOMMONS_ENDPOINT": hf.endpoint, "AICOMMONS_TOKEN": hf.token, "HF_TOKEN": ""}
    assert run("push", str(folder), "alice/cli-data", "--repo-type", "dataset", env=env).exit_code == 0
    assert hf.api.list_repo_files("alice/cli-data", repo_type="dataset") == [".gitattributes", "train.csv"]

    missing = run("pull", "alice/nothing", "--local-dir", str(tmp_path / "x"), env=env)
    assert missing.exit_code == 1 and "not found" in missing.output.lower()
    anonymous = run("push", str(folder), "alice/other", env={**env, "AICOMMONS_TOKEN": ""})
    assert anonymous.exit_code == 1 and "token" in anonymous.output.lower()
    assert not Path(tmp_path / "x").exists()
