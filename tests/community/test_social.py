"""Likes and collections in the core, and what private repos and collections hide from whom."""

from __future__ import annotations

import pytest

from aicommons.accounts.principal import ANONYMOUS
from aicommons.community import collections as c, likes
from aicommons.errors import Conflict, Forbidden, InvalidInput, NotFound
from aicommons.storage.tables import Repo
from tests.community.helpers import new_repo
from tests.conftest import make_org


def test_likes_count_and_hide_private_repos(hub, alice, bob):
    public = new_repo(hub, alice, "alice/public")
    secret = new_repo(hub, alice, "alice/secret", private=True)
    as_alice, as_bob = alice.principal(hub), bob.principal(hub)
    assert likes.like(hub, as_alice, public) and likes.like(hub, as_alice, secret)
    assert not likes.like(hub, as_alice, public)
    likes.like(hub, as_bob, public)
    with hub.db.read() as session:
        assert session.get(Repo, public.id).likes == 2
    assert [r.repo_id for r in likes.liked_repos(hub, as_alice, "alice")] == ["alice/secret", "alice/public"]
    assert [r.repo_id for r in likes.liked_repos(hub, as_bob, "alice")] == ["alice/public"]
    assert {liker.name for liker in likes.likers(hub, public)} == {"alice", "bob"}
    assert likes.unlike(hub, as_bob, public) and not likes.unlike(hub, as_bob, public)
    with hub.db.read() as session:
        assert session.get(Repo, public.id).likes == 1
    with pytest.raises(NotFound):
        likes.liked_repos(hub, as_bob, "nobody")


def test_collections(hub, alice, bob):
    new_repo(hub, alice, "alice/one")
    new_repo(hub, alice, "alice/two")
    new_repo(hub, alice, "alice/hidden", private=True)
    as_alice, as_bob = alice.principal(hub), bob.principal(hub)
    made = c.create_collection(hub, as_alice, "Favourite models!", description="The best")
    owner, _, rest = made.slug.partition("/")
    assert owner == "alice" and rest.startswith("favourite-models-") and rest.endswith(made.id) and made.items == ()
    with pytest.raises(c.CollectionExists) as exists:
        c.create_collection(hub, as_alice, "Favourite models!")
    assert exists.value.slug == made.slug

    c.add_item(hub, as_alice, made.slug, "model", "alice/one", note="first")
    c.add_item(hub, as_alice, made.slug, "model", "alice/two")
    view = c.add_item(hub, as_alice, made.slug, "model", "alice/hidden")
    assert [i.item_id for i in view.items] == ["alice/one", "alice/two", "alice/hidden"]
    assert [i.item_id for i in c.get_collection(hub, as_bob, made.slug).items] == ["alice/one", "alice/two"]
    with pytest.raises(Conflict):
        c.add_item(hub, as_alice, made.slug, "model", "alice/one")
    with pytest.raises(NotFound):
        c.add_item(hub, as_alice, made.slug, "model", "alice/none")
    with pytest.raises(InvalidInput):
        c.add_item(hub, as_alice, made.slug, "paper", "2401.00001")
    with pytest.raises(Forbidden):
        c.add_item(hub, as_bob, made.slug, "model", "alice/one")

    first = view.items[0]
    moved = c.update_item(hub, as_alice, made.slug, first.id, position=2, note="now last")
    assert [(i.item_id, i.position) for i in moved.items] == [("alice/two", 0), ("alice/hidden", 1), ("alice/one", 2)]
    assert moved.items[2].note == "now last"
    c.delete_item(hub, as_alice, made.slug, view.items[1].id)
    with pytest.raises(NotFound):
        c.delete_item(hub, as_alice, made.slug, view.items[1].id)

    renamed = c.update_collection(hub, as_alice, made.slug, title="Models I like", private=True)
    assert renamed.slug != made.slug and renamed.slug.endswith(made.id)
    assert c.get_collection(hub, as_alice, made.slug).slug == renamed.slug  # the old slug still finds it
    with pytest.raises(NotFound):  # private now
        c.get_collection(hub, as_bob, renamed.slug)
    assert c.list_collections(hub, as_bob, owners=["alice"]) == []
    assert [x.slug for x in c.list_collections(hub, as_alice, item="models/alice/one")] == [renamed.slug]
    assert c.list_collections(hub, as_alice, item="models/alice/two") == []
    c.delete_collection(hub, as_alice, renamed.slug)
    with pytest.raises(NotFound):
        c.get_collection(hub, as_alice, renamed.slug)


def test_organisation_collections_and_nesting(hub, alice, bob, carol):
    make_org(hub, "lab", "alice", {"bob": "write", "carol": "read"})
    new_repo(hub, alice, "lab/model")
    as_bob, as_carol = bob.principal(hub), carol.principal(hub)
    private = c.create_collection(hub, as_bob, "Internal", namespace="lab", private=True)
    public = c.create_collection(hub, as_bob, "Public picks", namespace="lab")
    c.add_item(hub, as_bob, private.slug, "model", "lab/model")
    c.add_item(hub, as_bob, public.slug, "collection", private.slug)
    assert c.get_collection(hub, as_carol, private.slug).items[0].item_id == "lab/model"  # members read it
    with pytest.raises(Forbidden):  # but read members do not change it
        c.update_collection(hub, as_carol, private.slug, title="Mine")
    assert c.get_collection(hub, ANONYMOUS, public.slug).items == ()  # the nested private one is hidden
    with pytest.raises(Forbidden):
        c.create_collection(hub, as_carol, "Nope", namespace="lab")
    updated = c.update_collection(hub, as_bob, public.slug, position=0)
    assert updated.position == 0
    assert (private.position, public.position) == (0, 1)
    assert c.get_collection(hub, as_bob, private.slug).position == 1
