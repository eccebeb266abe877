"""The public API (scan_bytes / scan_file / scan_path, rules_version) and the `aicommons scan` command."""

import json
import pickle

import typer
from typer.testing import CliRunner

from aicommons.cli.scan import scan
from aicommons.security import ScanResult, Verdict, rules, rules_version, scan_file, scan_path

from .crafted import Evil, rce, zip_bytes


def make_tree(root):
    (root / "weights").mkdir(parents=True)
    (root / "weights" / "model.bin").write_bytes(pickle.dumps({"w": [1.0, 2.0]}))
    (root / "weights" / "deep").mkdir()
    (root / "weights" / "deep" / "readme.txt").write_bytes(b"just text\n")
    (root / "renamed.txt").write_bytes(pickle.dumps(Evil()))  # the name says text, the content is a pickle
    (root / "custom.pkl").write_bytes(rce("mypkg.layers", "Block"))
    return root


def test_scan_path_walks_folders_in_name_order_and_decides_by_content(tmp_path):
    results = scan_path(make_tree(tmp_path / "repo"))
    assert all(isinstance(r, ScanResult) for r in results)
    assert [(r.path.rsplit("repo/", 1)[1], r.verdict) for r in results] == [
        ("custom.pkl", Verdict.SUSPICIOUS), ("renamed.txt", Verdict.DANGEROUS),
        ("weights/deep/readme.txt", Verdict.SAFE), ("weights/model.bin", Verdict.SAFE)]


def test_scan_file_streams_large_files_through_a_memory_map(tmp_path):
    big = tmp_path / "big.bin"
    padding = b"\x00" * (3 << 20)
    big.write_bytes(zip_bytes({"a/data/0": padding, "a/data.pkl": pickle.dumps(Evil(), protocol=2)}))
    result = scan_file(big)
    assert result.verdict is Verdict.DANGEROUS
    assert result.findings[0].member == "a/data.pkl"


def test_unreadable_file_is_invalid(tmp_path):
    result = scan_file(tmp_path / "missing.bin")
    assert result.verdict is Verdict.INVALID
    assert result.findings[0].rule_id == "scanner.unreadable"


def test_rules_version_hashes_the_rules_files(monkeypatch):
    version = rules_version()
    assert len(version) == 16 and version == rules_version()
    original = rules._rules_text()
    monkeypatch.setattr(rules, "_rules_text", lambda: {**original, "formats.yaml": original["formats.yaml"] + b"\n"})
    rules_version.cache_clear()
    try:
        assert rules_version() != version
    finally:
        monkeypatch.undo()
        rules_version.cache_clear()
    assert rules_version() == version


def cli():
    app = typer.Typer()
    app.command("scan")(scan)
    app.command("noop")(lambda: None)  # a second command keeps "scan" as a named subcommand, as in the real app
    return app


def test_cli_json_output_and_exit_code(tmp_path):
    root = make_tree(tmp_path / "repo")
    result = CliRunner().invoke(cli(), ["scan", str(root), "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert {item["path"].rsplit("/", 1)[1]: item["verdict"] for item in report} == {
        "custom.pkl": "suspicious", "renamed.txt": "dangerous", "readme.txt": "safe", "model.bin": "safe"}
    dangerous = next(item for item in report if item["verdict"] == "dangerous")
    assert set(dangerous) >= {"path", "verdict", "findings"}
    assert {"rule_id", "severity", "message", "name", "member", "offset"} <= set(dangerous["findings"][0])


def test_cli_exit_zero_when_nothing_is_dangerous_or_invalid(tmp_path):
    root = tmp_path / "ok"
    root.mkdir()
    (root / "a.pkl").write_bytes(rce("mypkg", "Model"))  # suspicious only
    result = CliRunner().invoke(cli(), ["scan", str(root)])
    assert result.exit_code == 0, result.output
    assert "suspicious" in result.stdout and "mypkg.Model" in result.stdout


def test_cli_table_lists_findings_and_fails_on_invalid(tmp_path):
    bad = tmp_path / "broken.pkl"
    bad.write_bytes(b"\x80\x04\x95garbage")
    result = CliRunner().invoke(cli(), ["scan", str(bad)])
    assert result.exit_code == 1
    assert "invalid" in result.stdout and "pickle.parse-error" in result.stdout


def test_cli_rejects_missing_paths(tmp_path):
    result = CliRunner().invoke(cli(), ["scan", str(tmp_path / "nope")])
    assert result.exit_code == 2


def test_every_sniffed_kind_has_a_handler():
    from aicommons.security.scanner import _HANDLERS
    from aicommons.security.sniff import KINDS

    assert set(_HANDLERS) == KINDS
