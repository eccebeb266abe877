"""The pages over HTTP: reading a repo, changing it through forms, privacy, errors and panels."""

from __future__ import annotations

import re

import pytest
from web_helpers import add_org, make_repo, post_form, sign_in

from aicommons.repos import manage, reading
from aicommons.repos.names import RepoType
from aicommons.web.panels import register_panel, unregister_panel

CARD = "---\nlicense: mit\npipeline_tag: text-generation\nbase_model: acme/base\n---\n# Tiny\n\nA **tiny** model.\n"


@pytest.fixture
def tiny(hub, alice):
    return make_repo(hub, alice, "alice/tiny", card=CARD, files={
        "config.json": b'{"layers": 2}\n', "src/train.py": b"import torch\nprint('train')\n",
        "weights.safetensors": b"\x00\x01binary" * 64})


def test_repo_tabs_show_card_files_file_history_and_diff(client, tiny, hub):
    card = client.get("/alice/tiny")
    assert card.status_code == 200
    assert "<strong>tiny</strong>" in card.text and 'href="/models?license=mit"' in card.text
    assert 'href="/acme/base"' in card.text  # base model linked, front matter shown as metadata
    assert "pipeline_tag:" not in card.text

    files = client.get("/alice/tiny/tree/main").text
    assert 'href="/alice/tiny/tree/main/src"' in files and 'href="/alice/tiny/blob/main/config.json"' in files
    assert 'href="/alice/tiny/resolve/main/weights.safetensors?download=true"' in files
    assert re.search(r"weights\.safetensors.*?badge lfs", files, re.S)

    code = client.get("/alice/tiny/blob/main/src/train.py").text
    assert '<span class="kn">import</span>' in code
    binary = client.get("/alice/tiny/blob/main/weights.safetensors").text
    assert "stored with Git LFS" in binary and "\\x00" not in binary

    history = client.get("/alice/tiny/commits/main").text
    assert "Add files" in history and "Add .gitattributes" in history and "initial commit" in history
    head = reading.snapshot(hub, tiny, "main").commit_oid
    diff = client.get(f"/alice/tiny/commit/{head}").text
    assert "+{&#34;layers&#34;: 2}" not in diff  # lines are shown escaped, with their mark apart
    assert 'class="add"' in diff and "print(&#39;train&#39;)" in diff and "Stored with LFS" in diff


def test_branch_names_with_slashes_and_tags_switch_the_view(client, tiny, hub):
    manage.create_branch(hub, tiny, "feature/x")
    manage.create_tag(hub, tiny, "v1.0")
    assert client.get("/alice/tiny/blob/feature/x/src/train.py").status_code == 200
    tree = client.get("/alice/tiny/tree/feature/x/src").text
    assert 'href="/alice/tiny/tree/v1.0/src"' in tree  # the switcher keeps the folder
    assert client.get("/alice/tiny/tree/v1.0").status_code == 200
    assert client.get("/alice/tiny/tree/nope/src").status_code == 404


def test_upload_and_card_edit_commit_through_the_one_write_path(client, tiny, hub, alice):
    sign_in(client, alice)
    response = post_form(client, "/alice/tiny/upload/main", "/alice/tiny/upload/main",
                         {"folder": "data", "summary": "Add the data", "description": "from the browser"},
                         files=[("files", ("a.csv", b"x,y\n1,2\n", "text/csv")),
                                ("files", ("model.bin", b"\x00" * 100, "application/octet-stream"))])
    assert response.status_code == 303 and response.headers["location"] == "/alice/tiny/tree/main/data?notice=uploaded"
    snap = reading.snapshot(hub, tiny, "main")
    assert snap.files["data/a.csv"].lfs is False and snap.files["data/model.bin"].lfs is True
    info = reading.commit_info(hub, tiny, snap.commit_oid)
    assert info.message == "Add the data\n\nfrom the browser" and info.author_name == "alice"

    edit = client.get("/alice/tiny/edit/main").text
    parent = re.search(r'name="parent" value="([0-9a-f]{40})"', edit).group(1)
    response = post_form(client, "/alice/tiny/edit/main", "/alice/tiny/edit/main",
                         {"content": "---\r\nlicense: apache-2.0\r\n---\r\n# Renamed\r\n", "parent": parent})
    assert response.status_code == 303
    snap = reading.snapshot(hub, tiny, "main")
    assert reading.read_text(hub, snap, "README.md") == "---\nlicense: apache-2.0\n---\n# Renamed\n"
    assert reading.commit_info(hub, tiny, snap.commit_oid).message == "Update README.md"

    edit_url = "/alice/tiny/edit/main"
    stale = post_form(client, edit_url, edit_url, {"content": "# lost?", "parent": parent})
    assert stale.status_code == 409 and "while you were editing" in stale.text and "# lost?" in stale.text
    broken = post_form(client, edit_url, edit_url, {"content": "---\na: [\n---\n"})
    assert broken.status_code == 400 and "Invalid YAML" in broken.text
    assert reading.snapshot(hub, tiny, "main").commit_oid == snap.commit_oid  # nothing committed


def test_only_writers_see_and_use_the_changing_forms(client, tiny, bob, hub):
    assert "Edit card" not in client.get("/alice/tiny").text
    sign_in(client, bob)
    assert "Edit card" not in client.get("/alice/tiny").text and "Settings" not in client.get("/alice/tiny").text
    assert client.get("/alice/tiny/settings").status_code == 403
    # others propose: the upload form opens a pull request instead of committing to main
    assert "Open a pull request against" in client.get("/alice/tiny/upload/main").text
    assert client.get("/alice/tiny/upload/refs%2Fpr%2F9").status_code == 403
    proposed = post_form(client, "/", "/alice/tiny/upload/main", {}, files=[("files", ("x.txt", b"x", "text/plain"))])
    assert proposed.status_code == 303 and proposed.headers["location"].startswith("/alice/tiny/discussions/1")
    assert "x.txt" not in reading.snapshot(hub, tiny, "main").files
    assert "x.txt" in reading.snapshot(hub, tiny, "refs/pr/1").files


def test_new_repo_settings_visibility_and_delete(client, alice, hub):
    add_org(hub, "acme", "alice")
    sign_in(client, alice)
    assert '<option >acme</option>' in client.get("/new").text
    response = post_form(client, "/new", "/new", {"owner": "acme", "name": "vision", "repo_type": "dataset",
                                                   "visibility": "private", "license": "cc-by-4.0"})
    assert response.status_code == 303 and response.headers["location"] == "/datasets/acme/vision?notice=created"
    repo = manage.find_repo(hub, RepoType.DATASET, "acme/vision")
    card = reading.read_text(hub, reading.snapshot(hub, repo, "main"), "README.md")
    assert repo.private and "license: cc-by-4.0" in card
    again = post_form(client, "/new", "/new", {"owner": "acme", "name": "vision", "repo_type": "dataset"})
    assert again.status_code == 409 and "already created" in again.text
    bad = post_form(client, "/new", "/new", {"owner": "alice", "name": "no spaces please"})
    assert bad.status_code == 400 and "invalid name" in bad.text

    settings = "/datasets/acme/vision/settings"
    assert post_form(client, settings, settings + "/visibility", {"visibility": "public"}).status_code == 303
    assert not manage.find_repo(hub, RepoType.DATASET, "acme/vision").private
    refused = post_form(client, settings, settings + "/delete", {"confirm": "acme/wrong"})
    assert refused.status_code == 400 and manage.find_repo(hub, RepoType.DATASET, "acme/vision") is not None
    done = post_form(client, settings, settings + "/delete", {"confirm": "acme/vision"})
    assert done.status_code == 303 and done.headers["location"] == "/acme?notice=deleted"
    assert manage.find_repo(hub, RepoType.DATASET, "acme/vision") is None


def test_tokens_are_shown_once_and_can_be_revoked(client, alice, hub):
    sign_in(client, alice)
    response = post_form(client, "/settings/tokens", "/settings/tokens", {"name": "laptop", "role": "write"})
    token = re.search(r'id="new-token" class="mono" value="(aic_[^"]+)"', response.text).group(1)
    assert response.headers["cache-control"] == "no-store"
    assert token not in client.get("/settings/tokens").text
    assert client.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = client.get("/settings/tokens").text
    token_id = re.search(r'/settings/tokens/(\d+)/revoke"(?:(?!</form>).)*Revoke token laptop', listing, re.S).group(1)
    assert post_form(client, "/settings/tokens", f"/settings/tokens/{token_id}/revoke", {}).status_code == 303
    assert "Revoke token laptop" not in client.get("/settings/tokens").text
    assert client.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert post_form(client, "/settings/tokens", "/settings/tokens", {"name": "", "role": "write"}).status_code == 400
    assert post_form(client, "/settings/tokens", "/settings/tokens", {"name": "x", "role": "admin"}).status_code == 400


def test_private_repos_are_invisible_to_outsiders_everywhere(client, hub, alice, bob):
    add_org(hub, "acme", "alice", {"bob": "read"})
    secret = make_repo(hub, alice, "alice/secret", private=True, card=CARD, files={"a.txt": b"a"})
    make_repo(hub, alice, "acme/shared", private=True)
    head = reading.snapshot(hub, secret, "main").commit_oid
    pages = ["/alice/secret", "/alice/secret/tree/main", "/alice/secret/blob/main/a.txt", "/alice/secret/commits/main",
             f"/alice/secret/commit/{head}", "/alice/secret/card/main", "/alice/secret/settings"]
    for user in (None, bob):
        if user:
            sign_in(client, user)
        for url in pages:
            response = client.get(url, follow_redirects=False)
            missing = client.get(url.replace("secret", "never-made"), follow_redirects=False)
            # exactly what a repo that does not exist gets: 404, or the sign-in redirect for settings
            expected = 303 if url.endswith("settings") and not user else 404
            assert response.status_code == missing.status_code == expected
            assert "secret" not in response.text.replace(url, "")
        for url in ("/", "/models", "/models?search=secret", "/alice", "/models?author=alice&license=mit"):
            assert "alice/</span>secret" not in client.get(url).text, url
        assert 'class="total">0<' in client.get("/models?author=alice").text
    assert "acme/</span>shared" in client.get("/acme").text  # bob is a member of acme
    sign_in(client, alice)
    assert client.get("/alice/secret").status_code == 200
    assert "alice/</span>secret" in client.get("/models").text


def test_errors_are_friendly_pages_for_browsers_and_json_for_programs(client, alice):
    page = client.get("/no/such/thing/at/all", headers={"accept": "text/html"})
    assert page.status_code == 404 and "<h1>Page not found</h1>" in page.text
    assert client.get("/no/such/thing/at/all").json() == {"detail": "Not Found"}
    assert client.get("/nobody/nothing").status_code == 404
    assert client.get("/nobody").status_code == 404
    redirect = client.get("/settings/tokens", follow_redirects=False)
    assert redirect.headers["location"] == "/login?next=%2Fsettings%2Ftokens"
    response = client.get("/models")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_panels_plug_into_the_repo_page(client, tiny):
    seen = []

    def lineage(hub, principal, snapshot):
        seen.append((snapshot.repo.repo_id, principal.anonymous))
        return "<b>escaped</b> base: acme/base"

    register_panel("lineage", "Lineage", lineage)
    register_panel("try-it", "Try it", lambda hub, principal, snapshot: None)
    register_panel("broken", "Broken", lambda hub, principal, snapshot: 1 / 0)
    try:
        page = client.get("/alice/tiny")
    finally:
        for name in ("lineage", "try-it", "broken"):
            unregister_panel(name)
    assert page.status_code == 200 and seen == [("alice/tiny", True)]
    assert 'data-panel="lineage"' in page.text and "&lt;b&gt;escaped&lt;/b&gt;" in page.text
    assert 'data-panel="try-it"' not in page.text and 'data-panel="broken"' not in page.text
    assert 'data-panel="lineage"' not in client.get("/alice/tiny").text


def test_every_asset_comes_from_the_hub_itself(client):
    page = client.get("/").text
    assets = re.findall(r'<(?:link|script)[^>]+(?:href|src)="([^"]+)"', page)
    assert len(assets) == 4 and all(url.startswith("/-/") for url in assets)  # no CDN: hubs often run offline
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200 and response.content
        if "?v=" in url:
            assert "immutable" in response.headers["cache-control"]
