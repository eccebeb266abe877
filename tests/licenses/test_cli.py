import json

import typer
from typer.testing import CliRunner

from aicommons.cli.licenses import make_license_commands
from aicommons.licenses import Card, ParentEdge, Relation, RepoSubject
from aicommons.licenses.graph import SubjectNotFound

BASE = RepoSubject("meta-llama/Llama-3.1-8B", card=Card.from_metadata({"license": "llama3.1"}))
MODEL = RepoSubject("me/cool-model", revision="a" * 40, card=Card.from_metadata({"license": "mit"}),
                    parents=(ParentEdge(BASE, Relation.FINETUNE),))


class Source:
    closed = 0

    def subject(self, repo_id, revision=None, repo_type="model"):
        if repo_id != MODEL.repo_id:
            raise SubjectNotFound(f"model {repo_id!r} not found")
        return MODEL

    def close(self):
        Source.closed += 1


def app():
    application = typer.Typer()
    license_cmd, bom_cmd = make_license_commands(lambda data_dir: Source())
    application.command("license")(license_cmd)
    application.command("bom")(bom_cmd)
    return application


runner = CliRunner()


def test_license_json_for_chosen_uses():
    result = runner.invoke(app(), ["license", "me/cool-model", "--use", "commercial", "--use", "research", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data["uses"]) == ["commercial", "research"]
    assert data["uses"]["commercial"]["status"] == "allowed-with-obligations"
    assert any(c["kind"] == "naming-prefix" for c in data["conflicts"])
    assert Source.closed >= 1


def test_license_table_names_verdicts_obligations_and_conflicts():
    result = runner.invoke(app(), ["license", "me/cool-model"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for text in ("train-on-outputs", "allowed-with-obligations", "Obligations to meet", "Conflicts",
                 "naming-prefix", "meta-llama/Llama-3.1-8B"):
        assert text in result.output


def test_bad_use_and_missing_repo_exit_with_a_clear_error():
    bad_use = runner.invoke(app(), ["license", "me/cool-model", "--use", "resale"])
    assert bad_use.exit_code == 2 and "unknown use 'resale'" in bad_use.output
    missing = runner.invoke(app(), ["license", "nobody/none"])
    assert missing.exit_code == 2 and "not found" in missing.output


def test_bom_in_both_formats():
    cdx = runner.invoke(app(), ["bom", "me/cool-model", "--format", "cyclonedx"])
    assert cdx.exit_code == 0 and json.loads(cdx.output)["specVersion"] == "1.6"
    spdx = runner.invoke(app(), ["bom", "me/cool-model", "--format", "spdx"])
    assert spdx.exit_code == 0 and json.loads(spdx.output)["@context"].endswith("3.0.1/spdx-context.jsonld")
    wrong = runner.invoke(app(), ["bom", "me/cool-model", "--format", "xml"])
    assert wrong.exit_code == 2
