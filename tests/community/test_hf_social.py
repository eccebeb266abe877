"""Likes, collections, users and organisations through the real huggingface_hub client (cases 21-23)."""

from __future__ import annotations

import pytest
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from tests.community.client import api, http, publish
from tests.conftest import make_org


def test_likes(server, alice, bob):
    hf, as_bob = api(server, alice), api(server, bob)
    publish(hf, "alice/public", {"a.txt": b"a"})
    publish(hf, "alice/secret", {"a.txt": b"a"}, private=True)
    with http(server, alice) as client:  # no like() in the client: pages and older clients POST
        assert client.post("/api/models/alice/public/like").json() == {"likes": 1}
        client.post("/api/models/alice/secret/like")
    with http(server, bob) as client:
        client.post("/api/models/alice/public/like")
        assert client.post("/api/models/alice/secret/like").status_code == 404
    assert hf.model_info("alice/public").likes == 2
    liked = hf.list_liked_repos()  # the caller's own likes, by default
    assert (liked.user, liked.models, liked.datasets) == ("alice", ["alice/secret", "alice/public"], [])
    assert as_bob.list_liked_repos("alice").models == ["alice/public"]  # others do not see the private one
    likers = list(hf.list_repo_likers("alice/public"))
    assert {(u.username, u.fullname) for u in likers} == {("alice", "alice"), ("bob", "bob")}
    assert all(u.avatar_url == "" for u in likers)
    as_bob.unlike("alice/public")
    assert as_bob.list_liked_repos().models == [] and hf.model_info("alice/public").likes == 1
    with pytest.raises(RepositoryNotFoundError):
        as_bob.unlike("alice/missing")


def test_collections(server, alice, bob):
    hf, as_bob = api(server, alice), api(server, bob)
    publish(hf, "alice/one", {"a.txt": b"a"})
    publish(hf, "alice/two", {"a.txt": b"a"})
    publish(hf, "alice/data", {"a.csv": b"x\n"}, repo_type="dataset")
    made = hf.create_collection("Small models", description="Tiny and fast")
    assert made.slug.startswith("alice/small-models-") and made.items == [] and made.owner["name"] == "alice"
    with pytest.raises(HfHubHTTPError) as duplicate:
        hf.create_collection("Small models")
    assert duplicate.value.response.status_code == 409
    assert hf.create_collection("Small models", exists_ok=True).slug == made.slug

    hf.add_collection_item(made.slug, "alice/one", "model", note="The first")
    hf.add_collection_item(made.slug, "alice/two", "model")
    view = hf.add_collection_item(made.slug, "alice/data", "dataset")
    assert [(i.item_id, i.item_type, i.position) for i in view.items] == [
        ("alice/one", "model", 0), ("alice/two", "model", 1), ("alice/data", "dataset", 2)]
    assert view.items[0].note == "The first"
    with pytest.raises(HfHubHTTPError) as again:
        hf.add_collection_item(made.slug, "alice/one", "model")
    assert again.value.response.status_code == 409
    hf.add_collection_item(made.slug, "alice/one", "model", exists_ok=True)
    with pytest.raises(HfHubHTTPError) as unknown:
        hf.add_collection_item(made.slug, "alice/none", "model")
    assert unknown.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError) as not_owner:
        as_bob.add_collection_item(made.slug, "alice/one", "model", exists_ok=True)
    assert not_owner.value.response.status_code == 403

    hf.update_collection_item(made.slug, view.items[0].item_object_id, note="Now last", position=2)
    items = hf.get_collection(made.slug).items
    assert [(i.item_id, i.note) for i in items] == [("alice/two", None), ("alice/data", None),
                                                   ("alice/one", "Now last")]
    hf.delete_collection_item(made.slug, items[1].item_object_id)
    hf.delete_collection_item(made.slug, items[1].item_object_id, missing_ok=True)
    assert [i.item_id for i in hf.get_collection(made.slug).items] == ["alice/two", "alice/one"]

    renamed = hf.update_collection_metadata(made.slug, title="Tiny models", private=True)
    assert renamed.slug != made.slug and renamed.slug.endswith(made.slug.rsplit("-", 1)[1]) and renamed.private
    assert hf.get_collection(made.slug).slug == renamed.slug  # the old slug still resolves
    with pytest.raises(HfHubHTTPError) as hidden:
        as_bob.get_collection(renamed.slug)
    assert hidden.value.response.status_code == 404
    public = hf.create_collection("Public picks")
    hf.add_collection_item(public.slug, "alice/one", "model")
    listed = list(as_bob.list_collections(owner="alice"))
    assert [c.slug for c in listed] == [public.slug] and listed[0].position == 0
    assert [c.slug for c in hf.list_collections(item="models/alice/one")] == [public.slug, renamed.slug]
    with http(server) as anonymous:
        assert all("position" not in c for c in anonymous.get("/api/collections").json())
    hf.delete_collection(renamed.slug)
    hf.delete_collection(renamed.slug, missing_ok=True)
    with pytest.raises(HfHubHTTPError) as gone:
        hf.get_collection(renamed.slug)
    assert gone.value.response.status_code == 404


def test_users_and_organisations(server, alice, bob):
    make_org(server.hub, "lab", "alice", {"bob": "write"})
    hf = api(server, alice)
    publish(hf, "lab/model", {"a.txt": b"a"})
    publish(hf, "lab/hidden", {"a.txt": b"a"}, private=True)
    publish(hf, "alice/data", {"a.csv": b"x\n"}, repo_type="dataset")
    user = api(server, bob).get_user_overview("alice")
    assert (user.username, user.num_datasets, user.num_models) == ("alice", 1, 0)
    assert [org.name for org in user.orgs] == ["lab"]
    org = hf.get_organization_overview("lab")
    assert (org.name, org.num_models, org.num_users) == ("lab", 2, 2)
    with http(server) as anonymous:
        assert anonymous.get("/api/organizations/lab/overview").json()["numModels"] == 1
    assert sorted(m.username for m in hf.list_organization_members("lab")) == ["alice", "bob"]
    assert list(hf.list_user_followers("alice")) == [] and list(hf.list_organization_followers("lab")) == []
    with pytest.raises(HfHubHTTPError) as unknown:
        hf.get_user_overview("nobody")
    assert unknown.value.response.status_code == 404
