"""`aicommons card init|check` and `aicommons index rebuild` through the main CLI app."""

from typer.testing import CliRunner

from aicommons.cards.frontmatter import validate_card
from aicommons.cli.main import app

runner = CliRunner()


def test_init_writes_templates_that_validate_cleanly(tmp_path):
    for repo_type in ("model", "dataset"):
        folder = tmp_path / repo_type
        folder.mkdir()
        result = runner.invoke(app, ["card", "init", "--type", repo_type, "--name", "alice/tiny", str(folder)])
        assert result.exit_code == 0, result.output
        text = (folder / "README.md").read_text()
        report = validate_card(text, repo_type)
        assert report.errors == [] and report.warnings == [] and "alice/tiny" in text
        assert runner.invoke(app, ["card", "check", "--type", repo_type, str(folder / "README.md")]).exit_code == 0
    again = runner.invoke(app, ["card", "init", str(tmp_path / "model")])
    assert again.exit_code == 1 and "exists" in again.output
    assert runner.invoke(app, ["card", "init", "--type", "space", str(tmp_path)]).exit_code == 2


def test_check_reports_errors_and_warnings(tmp_path):
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: [mit]\nlanguage: xx\n---\n")
    result = runner.invoke(app, ["card", "check", str(card)])
    assert result.exit_code == 1
    assert "license: must be a string" in result.output and "'xx' is not an ISO 639" in result.output


def test_index_rebuild(tmp_path):
    result = runner.invoke(app, ["index", "rebuild", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0 and "indexed 0 repos" in result.output
