"""Licence verdicts and BOMs for repos stored on a running hub, over HTTP and the CLI."""

import json
import subprocess
import sys

import httpx
import pytest

from aicommons.repos.commit import AddFile, commit
from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature

AUTHOR = Signature("alice", "alice@example.org")


def card(**meta) -> bytes:
    lines = ["---"]
    for key, value in meta.items():
        lines.append(f"{key}: {json.dumps(value)}")
    return ("\n".join(lines) + "\n---\n# Model\n").encode()


def publish(hub, who, repo_id, files, private=False, repo_type=RepoType.MODEL):
    repo = create_repo(hub, who, repo_type, repo_id, private=private)
    commit(hub, repo, [AddFile(path, content) for path, content in files.items()], author=AUTHOR, message="add")
    return repo


@pytest.fixture
def chain(hub, alice):
    """A three-level chain base -> finetune -> adapter, with a non-commercial dataset under the fine-tune."""
    who = alice.principal(hub)
    publish(hub, who, "alice/nc-data", {"README.md": card(license="cc-by-nc-4.0")}, repo_type=RepoType.DATASET)
    publish(hub, who, "alice/base", {"README.md": card(license="apache-2.0"), "LICENSE": b"Apache License\nVersion 2.0"})
    publish(hub, who, "alice/tuned", {"README.md": card(license="mit", base_model="alice/base",
                                                       datasets=["alice/nc-data"])})
    publish(hub, who, "alice/adapter", {"README.md": card(license="mit", base_model="alice/tuned"),
                                        "adapter_config.json": json.dumps({
                                            "peft_type": "LORA", "base_model_name_or_path": "alice/tuned", "r": 8,
                                            "lora_alpha": 16, "target_modules": ["c_attn"]}).encode()})
    return who


def get(server, path, token=None, **params):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.get(server.url + path, params=params, headers=headers, timeout=30)


def test_verdict_walks_lineage_and_training_data(server, chain):
    answer = get(server, "/api/models/alice/adapter/license", use=["commercial", "research"])
    assert answer.status_code == 200
    body = answer.json()
    commercial = body["uses"]["commercial"]
    assert commercial["status"] != "allowed"  # the non-commercial data two levels up still counts
    assert any(r["repo"] == "alice/nc-data" and r["source"]["url"] for r in commercial["reasons"])
    assert all(r["clause"] for r in commercial["reasons"])  # every reason names its clause
    upstream = {u["repo"]: u["relation"] for u in body["upstream"]}
    assert upstream["alice/tuned"] == ["adapter"] and upstream["alice/base"] == ["adapter", "finetune"]
    assert any(c["kind"] == "relicensed" for c in body["conflicts"])
    # no weights were pushed, so the Model Openness Framework gives no class and says what is missing
    mof = body["openness"]["mof"]
    absent = {c["id"] for c in mof["components"] if c["presence"] == "absent"}
    assert mof["class"] is None and "model-parameters" in absent


def test_private_ancestor_shapes_the_verdict_without_being_named(server, hub, alice, bob):
    who = alice.principal(hub)
    publish(hub, who, "alice/secret-base", {"README.md": card(license="llama3")}, private=True)
    publish(hub, who, "alice/public-child", {"README.md": card(license="apache-2.0", base_model="alice/secret-base")})
    as_bob = get(server, "/api/models/alice/public-child/license", token=bob.token, use=["commercial"])
    assert as_bob.status_code == 200
    assert "secret-base" not in as_bob.text
    assert as_bob.json()["uses"]["commercial"]["status"] != "allowed"
    assert "private" in as_bob.text
    as_alice = get(server, "/api/models/alice/public-child/license", token=alice.token)
    assert "alice/secret-base" in as_alice.text
    assert get(server, "/api/models/alice/secret-base/license", token=bob.token).status_code == 404
    assert get(server, "/api/models/alice/secret-base/bom").status_code == 404


def test_boms_and_bad_input(server, chain):
    cdx = get(server, "/api/models/alice/tuned/bom", format="cyclonedx").json()
    assert cdx["bomFormat"] == "CycloneDX" and cdx["specVersion"] == "1.6"
    spdx = get(server, "/api/models/alice/tuned/bom", format="spdx").json()
    assert "@context" in spdx
    bad_use = get(server, "/api/models/alice/tuned/license", use="sell-to-aliens")
    assert bad_use.status_code == 400 and "sell-to-aliens" in bad_use.json()["error"]
    assert get(server, "/api/models/alice/tuned/bom", format="xml").status_code == 422
    assert get(server, "/api/models/alice/nope/license").status_code == 404


def test_cli_license_and_bom(hub, chain, tmp_path):
    run = lambda *args: subprocess.run([sys.executable, "-m", "aicommons", *args, "--data-dir",
                                        str(tmp_path / "data")], capture_output=True, text=True, timeout=120)
    verdict = run("license", "alice/tuned", "--use", "commercial", "--json")
    assert verdict.returncode == 0, verdict.stderr
    assert json.loads(verdict.stdout)["uses"]["commercial"]["status"] in ("not-allowed", "needs-review")
    bom = run("bom", "alice/tuned", "--format", "spdx")
    assert bom.returncode == 0 and "@context" in json.loads(bom.stdout)
    assert run("license", "alice/missing").returncode == 2
