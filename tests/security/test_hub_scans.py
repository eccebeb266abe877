"""Scans in the hub: one job per new blob after a commit, cached by (sha256, rules version), shown per file and
per revision, dangerous downloads refused without an explicit opt-in, and the rescan command."""

from __future__ import annotations

from huggingface_hub.hf_api import RepoFile
from sqlalchemy import func, select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from aicommons.api.app import create_app
from aicommons.cli.main import app as cli
from aicommons.jobs.tables import Job
from aicommons.repos.commit import AddFile, commit
from aicommons.repos.objects import Signature
from aicommons.scans.results import SCAN_JOB, file_scans
from aicommons.scans.tables import ScanRecord
from aicommons.security import rules_version

from .hub_content import DANGEROUS_PICKLE, SAFE_PICKLE, push, scanned_model


def scan_jobs(hub) -> int:
    with hub.db.read() as session:
        return session.scalar(select(func.count()).select_from(Job).where(Job.kind == SCAN_JOB))


def test_each_new_blob_is_queued_once_and_scanned_after_the_commit(hub, alice, bob):
    repo, oid = push(hub, alice, "alice/m", {"a.bin": SAFE_PICKLE, "b.bin": DANGEROUS_PICKLE})
    queued = scan_jobs(hub)
    assert queued >= 2  # the two files, plus .gitattributes from the repo's creation
    pending = file_scans(hub, [repo_sha(hub, repo, "b.bin")])
    assert [s.status for s in pending.values()] == ["pending"]
    hub.jobs.drain()
    # the same content pushed again (another repo, another path) is not scanned again
    push(hub, bob, "bob/copy", {"again.bin": DANGEROUS_PICKLE})
    commit(hub, repo, [AddFile("c.txt", b"new text\n")], author=Signature("alice", "a@example.org"), message="c")
    assert scan_jobs(hub) == queued + 1  # only c.txt
    hub.jobs.drain()
    scans = file_scans(hub, [repo_sha(hub, repo, p) for p in ("a.bin", "b.bin", "c.txt")])
    assert sorted(s.status for s in scans.values()) == ["dangerous", "safe", "safe"]
    assert all(s.rules_version == rules_version() and not s.stale for s in scans.values())


def repo_sha(hub, repo, path: str) -> str:
    from aicommons.repos.reading import snapshot

    return snapshot(hub, repo, "main").files[path].sha256


def test_scan_route_reports_files_and_summary_and_hides_private_repos(hub, alice, bob):
    scanned_model(hub, alice, "alice/private", private=True)
    client = TestClient(create_app(hub))
    owner = {"Authorization": f"Bearer {alice.token}"}
    answer = client.get("/api/models/alice/private/scan/main", headers=owner)
    assert answer.status_code == 200
    report = answer.json()
    statuses = {f["path"]: f["status"] for f in report["files"]}
    assert statuses == {".gitattributes": "safe", "README.md": "safe", "weights.bin": "safe",
                        "custom.pkl": "suspicious", "evil.bin": "dangerous"}
    evil = next(f for f in report["files"] if f["path"] == "evil.bin")
    assert any(f["name"] == "os.system" for f in evil["findings"])
    assert report["summary"]["verdict"] == "dangerous" and report["summary"]["complete"]
    assert report["summary"]["counts"] == {"safe": 3, "suspicious": 1, "dangerous": 1}
    for headers in ({}, {"Authorization": f"Bearer {bob.token}"}):
        hidden = client.get("/api/models/alice/private/scan/main", headers=headers)
        assert hidden.status_code == 404 and "alice/private" not in hidden.text.replace(
            "Repository alice/private not found", "")


def test_tree_listing_carries_security_file_status_when_expanded(hub, alice):
    scanned_model(hub, alice)
    client = TestClient(create_app(hub))
    plain = client.get("/api/models/alice/scanned/tree/main").json()
    assert all("securityFileStatus" not in item for item in plain)
    items = client.get("/api/models/alice/scanned/tree/main?expand=true").json()
    expanded = {item["path"]: item["securityFileStatus"] for item in items}
    as_client_sees_it = {f.path: f.security for f in (RepoFile(**item) for item in items)}
    assert as_client_sees_it["evil.bin"].status == "unsafe" and not as_client_sees_it["evil.bin"].safe
    assert as_client_sees_it["weights.bin"].safe
    assert expanded["evil.bin"]["status"] == "unsafe"
    assert expanded["evil.bin"]["pickleImportScan"]["highestSafetyLevel"] == "dangerous"
    assert {"module": "os", "name": "system", "safety": "dangerous"} in expanded["evil.bin"]["pickleImportScan"][
        "imports"]
    assert expanded["custom.pkl"]["status"] == "suspicious"
    assert expanded["weights.bin"] == {"status": "safe", "verdict": "safe", "rulesVersion": rules_version(),
                                       "avScan": None, "pickleImportScan": {"highestSafetyLevel": "innocuous",
                                                                           "imports": []}}
    assert expanded["README.md"]["pickleImportScan"] is None


def test_pending_files_are_unscanned_in_listings_and_still_served(hub, alice):
    push(hub, alice, "alice/fresh", {"evil.bin": DANGEROUS_PICKLE})  # no drain: the scan is queued
    client = TestClient(create_app(hub))
    listing = client.get("/api/models/alice/fresh/tree/main?expand=1").json()
    assert {i["path"]: i["securityFileStatus"]["status"] for i in listing}["evil.bin"] == "unscanned"
    report = client.get("/api/models/alice/fresh/scan/main").json()
    assert {f["path"]: f["status"] for f in report["files"]}["evil.bin"] == "pending"
    assert not report["summary"]["complete"]
    assert client.get("/alice/fresh/resolve/main/evil.bin").status_code == 200


def test_dangerous_downloads_need_an_explicit_opt_in(hub, alice):
    scanned_model(hub, alice)
    client = TestClient(create_app(hub))
    url = "/alice/scanned/resolve/main/evil.bin"
    for method in (client.get, client.head):
        refused = method(url)
        assert refused.status_code == 403
    message = client.get(url).json()["error"]
    assert "evil.bin" in message and "os.system" in message and "unsafe=accept" in message
    assert client.get(url + "?unsafe=accept").content == DANGEROUS_PICKLE
    assert client.get(url, headers={"X-AICommons-Accept-Unsafe": "1"}).content == DANGEROUS_PICKLE
    assert client.get("/alice/scanned/resolve/main/custom.pkl").status_code == 200  # suspicious: served


def test_rescan_updates_results_of_older_rules_and_unscanned_blobs(hub, alice):
    repo, _ = scanned_model(hub, alice)
    evil = repo_sha(hub, repo, "evil.bin")
    with hub.db.write() as session:  # as if scanned by older rules, and one blob never scanned
        session.query(ScanRecord).filter(ScanRecord.sha256 == evil).update({"rules_version": "old-rules"})
        session.query(ScanRecord).filter(ScanRecord.sha256 == repo_sha(hub, repo, "README.md")).delete()
    stale = file_scans(hub, [evil])[evil]
    assert stale.status == "dangerous" and stale.stale  # the old verdict still protects downloads
    result = CliRunner().invoke(cli, ["rescan", "--data-dir", str(hub.settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert "2 blobs rescanned" in result.output and "1 dangerous" in result.output
    fresh = file_scans(hub, [evil])[evil]
    assert fresh.rules_version == rules_version() and not fresh.stale
    again = CliRunner().invoke(cli, ["rescan", "--data-dir", str(hub.settings.data_dir)])
    assert "0 blobs rescanned" in again.output


def test_files_tab_badges_and_file_page_warns_before_the_download(hub, alice):
    scanned_model(hub, alice)
    client = TestClient(create_app(hub))
    files = client.get("/alice/scanned/tree/main").text
    assert 'data-scan="dangerous"' in files and 'data-scan="suspicious"' in files and 'data-scan="safe"' in files
    assert "/alice/scanned/resolve/main/evil.bin" not in files  # the dangerous file links to its warning
    page = client.get("/alice/scanned/blob/main/evil.bin").text
    assert "rated this file dangerous" in page and "<code>os.system</code>" in page
    assert "/alice/scanned/resolve/main/evil.bin?download=true&amp;unsafe=accept" in page
    assert "/alice/scanned/resolve/main/evil.bin?download=true\"" not in page
    card = client.get("/alice/scanned").text
    assert "Security scan" in card and 'href="/alice/scanned/blob/' in card and "1 dangerous" in card
