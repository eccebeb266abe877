"""Downloads through the CAS (reconstructions and presigned ranges) and who may get which token."""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from aicommons.accounts.service import revoke_token
from aicommons.community.gating import grant_access
from aicommons.community.repo_settings import update_settings
from aicommons.repos.manage import create_repo, set_private
from aicommons.repos.names import RepoType
from aicommons.scans.results import scan_blob
from aicommons.storage.tables import Account, ApiToken
from aicommons.xet import hashing, tokens, xorb
from tests.security.hub_content import DANGEROUS_PICKLE
from tests.xet.builders import FileTerm, build_shard, build_xorb, file_block, file_hash_of, split, upload
from tests.xet.cas_client import Cas, cas_for, xet_token


@pytest.fixture
def uploaded(writer):
    """A file of three terms over two xorbs, registered for alice/model: (file hash, content)."""
    first = build_xorb(split(os.urandom(400_000), 40_000))
    second = build_xorb(split(b"".join(b"%08d," % i for i in range(40_000)), 30_000), xorb.SCHEME_LZ4)
    for built in (first, second):
        assert writer.post_xorb(built.hex, built.body).status_code == 200
    terms = [FileTerm(first, 2, 7), FileTerm(second, 0, 11), FileTerm(first, 0, 3)]
    assert writer.post_shard(build_shard([file_block(terms)])).status_code == 200
    return hashing.to_hex(file_hash_of(terms)), b"".join(t.data for t in terms)


def _rebuild(answer: dict, version: int, length: int) -> bytes:
    """What hf_xet does with a reconstruction: fetch each term's range without credentials, decode, trim."""
    out = bytearray()
    for term in answer["terms"]:
        if version == 1:
            fetch = next(f for f in answer["fetch_info"][term["hash"]]
                         if f["range"]["start"] <= term["range"]["start"] and term["range"]["end"] <= f["range"]["end"])
            url, first_chunk, (a, b) = fetch["url"], fetch["range"]["start"], (fetch["url_range"]["start"],
                                                                               fetch["url_range"]["end"])
        else:
            entry = next(e for e in answer["xorbs"][term["hash"]]
                         if e["ranges"][0]["chunks"]["start"] <= term["range"]["start"])
            url, first_chunk = entry["url"], entry["ranges"][0]["chunks"]["start"]
            a, b = entry["ranges"][0]["bytes"]["start"], entry["ranges"][0]["bytes"]["end"]
        got = httpx.get(url, headers={"Range": f"bytes={a}-{b}"})
        assert got.status_code == 206 and len(got.content) == b - a + 1
        chunks = list(xorb.iter_chunks(got.content))
        data = b"".join(chunks[term["range"]["start"] - first_chunk:term["range"]["end"] - first_chunk])
        assert len(data) == term["unpacked_length"]
        out += data
    start = answer["offset_into_first_range"]
    return bytes(out[start:start + length])


@pytest.mark.parametrize("version", [1, 2])
def test_reconstructions_rebuild_the_file_and_any_range(reader, uploaded, version):
    file_hash, content = uploaded
    whole = reader.reconstruction(file_hash, version, f"bytes=0-{len(content) - 1}")
    assert whole.status_code == 200
    assert _rebuild(whole.json(), version, len(content)) == content
    for start, end in [(1, 10), (150_000, 420_000), (len(content) - 5, len(content) + 100), (39_999, 40_000)]:
        part = reader.reconstruction(file_hash, version, f"bytes={start}-{end}")
        assert part.status_code == 200
        assert _rebuild(part.json(), version, min(end, len(content) - 1) - start + 1) == content[start:end + 1]
    assert reader.reconstruction(file_hash, version, f"bytes={len(content)}-{len(content) + 5}").status_code == 416


def test_presigned_ranges_check_signature_range_and_expiry(hub, reader, uploaded):
    file_hash, _ = uploaded
    fetch = reader.reconstruction(file_hash, 1).json()["fetch_info"]
    url = next(iter(fetch.values()))[0]["url"]
    query = parse_qs(urlparse(url).query)
    a, b = (int(x) for x in query["r"][0].split("-"))
    assert httpx.get(url, headers={"Range": f"bytes={a}-{a + 99}"}).status_code == 206
    assert httpx.get(url, headers={"Range": f"bytes={a}-{b + 1}"}).status_code == 416
    assert httpx.get(url.replace("sig=", "sig=x")).status_code == 403
    assert httpx.get(url.replace(f"r={a}-{b}", f"r=0-{b}")).status_code == 403
    xorb_hash = urlparse(url).path.rsplit("/", 1)[-1]
    expired = tokens.sign_fetch(hub.settings.secret_key, xorb_hash, a, b, lifetime=-1)
    assert httpx.get(url.split("?")[0] + "?" + expired).status_code == 403


def test_token_answers_carry_headers_and_json(server, alice, model):
    answer = xet_token(server, "alice/model", "read", alice.token)
    body = answer.json()
    assert answer.headers["X-Xet-Access-Token"] == body["accessToken"]
    assert answer.headers["X-Xet-Cas-Url"] == body["casUrl"] == f"{server.url}/xet"
    assert int(answer.headers["X-Xet-Token-Expiration"]) == body["exp"] > time.time() + 15 * 60


def test_write_tokens_need_write_access(server, hub, alice, bob, model):
    assert xet_token(server, "alice/model", "write", bob.token).status_code == 403
    assert xet_token(server, "alice/model", "write", alice.read_token).status_code == 403
    assert xet_token(server, "alice/model", "write", None).status_code == 401
    assert xet_token(server, "alice/model", "write", alice.token, query="?create_pr=1").status_code == 200
    assert xet_token(server, "alice/model", "read", bob.token).status_code == 200
    assert xet_token(server, "alice/nothing", "read", alice.token).headers["X-Error-Code"] == "RepoNotFound"
    missing_revision = httpx.get(f"{server.url}/api/models/alice/model/xet-read-token/nope",
                                 headers={"Authorization": f"Bearer {alice.token}"})
    assert missing_revision.headers["X-Error-Code"] == "RevisionNotFound"


def test_private_repos_stay_private(server, hub, alice, bob, model, uploaded):
    file_hash, _ = uploaded
    public_reader = cas_for(server, "alice/model", "read", bob.token)
    set_private(hub, model, True)
    for token in (bob.token, None):
        answer = xet_token(server, "alice/model", "read", token)
        assert answer.status_code == 404 and answer.headers["X-Error-Code"] == "RepoNotFound"
    # a token issued while the repo was public stops working once it is private
    assert public_reader.reconstruction(file_hash).status_code == 401


def test_gated_files_need_access_over_xet_too(server, hub, alice, bob, model, uploaded):
    file_hash, _ = uploaded
    issued_before_the_gate = cas_for(server, "alice/model", "read", bob.token)
    update_settings(hub, alice.principal(hub), model, gated="manual")
    for token, status in ((bob.token, 403), (None, 401)):
        answer = xet_token(server, "alice/model", "read", token)
        assert answer.status_code == status and answer.headers["X-Error-Code"] == "GatedRepo"
    refused = issued_before_the_gate.reconstruction(file_hash)
    assert refused.status_code == 403 and refused.headers["X-Error-Code"] == "GatedRepo"
    assert issued_before_the_gate.dedup(file_hash).status_code == 403
    assert cas_for(server, "alice/model", "read", alice.token).reconstruction(file_hash).status_code == 200
    grant_access(hub, alice.principal(hub), model, "bob")
    assert cas_for(server, "alice/model", "read", bob.token).reconstruction(file_hash).status_code == 200


def test_dangerous_files_are_not_served_over_xet(server, hub, model, reader):
    built = build_xorb([DANGEROUS_PICKLE])
    terms = [FileTerm(built, 0, 1)]
    scan_blob(hub, upload(hub, model, terms))
    refused = reader.reconstruction(hashing.to_hex(file_hash_of(terms)))
    assert refused.status_code == 403 and "rated dangerous" in refused.headers["X-Error-Message"]


def test_a_token_for_one_repo_cannot_read_another(server, hub, alice, bob, uploaded):
    file_hash, _ = uploaded
    create_repo(hub, bob.principal(hub), RepoType.MODEL, "bob/other")
    other = cas_for(server, "bob/other", "write", bob.token)
    assert other.reconstruction(file_hash).status_code == 404
    assert other.dedup(file_hash).status_code == 404


def test_bad_expired_and_revoked_tokens_are_refused(server, hub, alice, model, writer, uploaded):
    file_hash, _ = uploaded
    assert Cas(writer.base, "xet1.bogus.token").reconstruction(file_hash).status_code == 401
    assert Cas(writer.base, writer.token + "x").reconstruction(file_hash).status_code == 401
    assert httpx.get(f"{writer.base}/v1/reconstructions/{file_hash}").status_code == 401
    with hub.db.read() as session:
        principal = alice.principal(hub)
        token_id = session.query(ApiToken.id).filter(ApiToken.name == "test-write").scalar()
    expired, _ = tokens.issue(hub.settings.secret_key, model.id, tokens.READ, principal, token_id, lifetime=-1)
    assert Cas(writer.base, expired).reconstruction(file_hash).status_code == 401
    with hub.db.write() as session:
        revoke_token(session, session.query(Account).filter(Account.name == "alice").one(), token_id)
    assert writer.reconstruction(file_hash).status_code == 401


def test_dedup_answers_a_known_first_chunk_with_a_keyed_shard(writer, uploaded):
    from aicommons.xet.shard import FOOTER_SIZE, TAG

    file_hash, content = uploaded
    first_chunk = hashing.to_hex(hashing.chunk_hash(content[:40_000]))
    answer = writer.dedup(first_chunk)
    assert answer.status_code == 200
    body = answer.content
    assert body.startswith(TAG) and int.from_bytes(body[-8:], "little") == len(body) - FOOTER_SIZE
    assert hashing.chunk_hash(content[:40_000]) not in body  # chunk hashes travel keyed only
    assert writer.dedup("ab" * 32).status_code == 404


def test_unknown_probes_get_404_not_405(server, writer):
    for path in ("/xet/v1/xorb-grants/default/" + "0" * 64, "/xet/v2/shards"):
        assert httpx.post(server.url + path, headers={"Authorization": f"Bearer {writer.token}"}).status_code == 404
    assert httpx.post(server.url + "/v1/telemetry", content=b"{}").status_code == 204
