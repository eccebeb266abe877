"""Collections: an account's ordered lists of repos (and of other collections), each item with a note.

A collection is public or private; a private one is seen only by its owner (a user, or an organisation's
members). Items the viewer may not see (a private repo, a private collection) are left out for them.
The slug is ``{owner}/{title-as-words}-{24 hex id}``: renaming changes the words, and any slug with the
right owner and id still finds the collection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from aicommons.accounts.access import can_read, may_manage_account
from aicommons.accounts.principal import Principal
from aicommons.accounts.service import get_account
from aicommons.community.common import new_object_id, require_writer
from aicommons.community.tables import Collection, CollectionItem
from aicommons.errors import Conflict, Forbidden, InvalidInput, NotFound
from aicommons.hub import Hub
from aicommons.repos.objects import utcnow
from aicommons.storage.tables import Account, Repo

MAX_TITLE = 60
MAX_DESCRIPTION = 1000
MAX_NOTE = 500
MAX_ITEMS = 1000
THEMES = ("default", "orange", "blue", "green", "purple", "pink", "indigo")
REPO_ITEM_TYPES = ("model", "dataset")
_SLUG_ID = re.compile(r"^(?P<owner>[^/]+)/(?:.*-)?(?P<oid>[0-9a-f]{24})$")


class CollectionExists(Conflict):
    def __init__(self, slug: str):
        super().__init__(f"A collection with this title already exists: {slug}")
        self.slug = slug


@dataclass(frozen=True)
class ItemView:
    id: str
    type: str  # model | dataset | collection
    item_id: str  # the repo id, or the slug of a collection
    position: int
    note: str | None
    private: bool
    updated_at: datetime | None  # repos: last change; collections: last update


@dataclass(frozen=True)
class CollectionView:
    id: str
    slug: str
    title: str
    owner: str
    owner_kind: str
    description: str
    private: bool
    theme: str
    position: int
    items: tuple[ItemView, ...]
    created_at: datetime
    updated_at: datetime


def slugify(title: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return words[:50].rstrip("-") or "collection"


def create_collection(hub: Hub, principal: Principal, title: str, namespace: str | None = None,
                      description: str = "", private: bool = False) -> CollectionView:
    require_writer(principal, "create a collection")
    title, description = _title(title), _description(description)
    now = utcnow()
    with hub.db.write() as session:
        owner = _managed_account(session, principal, namespace or principal.name)
        existing = session.scalar(select(Collection).where(Collection.owner_id == owner.id,
                                                           Collection.title == title))
        if existing is not None:
            raise CollectionExists(_slug(owner.name, existing))
        count = session.scalar(select(func.count()).select_from(Collection).where(Collection.owner_id == owner.id))
        collection = Collection(oid=new_object_id(), owner_id=owner.id, title=title, description=description,
                                private=bool(private), theme="default", position=count, created_at=now,
                                updated_at=now)
        session.add(collection)
        session.flush()
        return _view(session, principal, collection, owner)


def get_collection(hub: Hub, principal: Principal, slug: str) -> CollectionView:
    with hub.db.read() as session:
        collection, owner = _find(session, principal, slug)
        return _view(session, principal, collection, owner)


def list_collections(hub: Hub, principal: Principal, owners: list[str] | None = None, item: str | None = None,
                     sort: str = "lastModified", offset: int = 0, limit: int = 100) -> list[CollectionView]:
    """Collections the caller may see, by owner and/or containing an item (``models/ns/name``)."""
    if sort not in ("lastModified", "trending", "upvotes"):
        raise InvalidInput("sort", "sort must be lastModified, trending or upvotes")
    stmt = select(Collection, Account).join(Account, Account.id == Collection.owner_id)
    if owners:
        stmt = stmt.where(Account.name.in_(owners))
    if item:
        kind, _, item_id = item.partition("/")
        if kind.removesuffix("s") not in REPO_ITEM_TYPES:
            return []  # papers and spaces do not exist on this hub, so no collection holds one
        namespace, _, name = item_id.partition("/")
        holders = (select(CollectionItem.collection_id).join(Repo, Repo.id == CollectionItem.repo_id)
                   .where(Repo.type == kind.removesuffix("s"), Repo.namespace == namespace, Repo.name == name))
        stmt = stmt.where(Collection.id.in_(holders))
    stmt = stmt.order_by(Collection.updated_at.desc(), Collection.id.desc())
    out = []
    with hub.db.read() as session:
        for collection, owner in session.execute(stmt):
            if not _may_read(principal, collection):
                continue
            if offset:
                offset -= 1
                continue
            out.append(_view(session, principal, collection, owner))
            if len(out) >= limit:
                break
    return out


def update_collection(hub: Hub, principal: Principal, slug: str, *, title: str | None = None,
                      description: str | None = None, position: int | None = None, private: bool | None = None,
                      theme: str | None = None) -> CollectionView:
    with hub.db.write() as session:
        collection, owner = _editable(session, principal, slug)
        if title is not None:
            title = _title(title)
            clash = session.scalar(select(Collection.id).where(
                Collection.owner_id == owner.id, Collection.title == title, Collection.id != collection.id))
            if clash is not None:
                raise Conflict(f"{owner.name} already has a collection titled {title!r}")
            collection.title = title
        if description is not None:
            collection.description = _description(description)
        if private is not None:
            collection.private = _bool(private, "private")
        if theme is not None:
            if theme not in THEMES:
                raise InvalidInput("theme", f"theme must be one of {', '.join(THEMES)}")
            collection.theme = theme
        if position is not None:
            siblings = list(session.scalars(select(Collection).where(Collection.owner_id == owner.id)
                                            .order_by(Collection.position, Collection.id)))
            _move(siblings, collection, _int(position, "position"))
        collection.updated_at = utcnow()
        session.flush()
        return _view(session, principal, collection, owner)


def delete_collection(hub: Hub, principal: Principal, slug: str) -> None:
    with hub.db.write() as session:
        collection, _ = _editable(session, principal, slug)
        session.delete(collection)


def add_item(hub: Hub, principal: Principal, slug: str, item_type: str, item_id: str,
             note: str | None = None) -> CollectionView:
    note = _note(note)
    with hub.db.write() as session:
        collection, owner = _editable(session, principal, slug)
        item = CollectionItem(oid=new_object_id(), collection_id=collection.id, note=note, created_at=utcnow())
        if item_type in REPO_ITEM_TYPES:
            namespace, _, name = str(item_id).partition("/")
            repo = session.scalar(select(Repo).where(Repo.type == item_type, Repo.namespace == namespace,
                                                     Repo.name == name))
            if repo is None or not can_read(principal, repo):
                raise NotFound(f"No {item_type} named {item_id}")
            item.repo_id = repo.id
            duplicate = CollectionItem.repo_id == repo.id
        elif item_type == "collection":
            member, _ = _find(session, principal, str(item_id))
            if member.id == collection.id:
                raise InvalidInput("item", "a collection cannot contain itself")
            item.member_id = member.id
            duplicate = CollectionItem.member_id == member.id
        else:
            raise InvalidInput("item", f"this hub's collections hold models, datasets and collections, "
                                       f"not {item_type!r}")
        items = list(session.scalars(select(CollectionItem).where(CollectionItem.collection_id == collection.id)
                                     .order_by(CollectionItem.position, CollectionItem.id)))
        if session.scalar(select(CollectionItem.id).where(CollectionItem.collection_id == collection.id, duplicate)):
            raise Conflict(f"{item_id} is already in {slug}")
        if len(items) >= MAX_ITEMS:
            raise InvalidInput("item", f"a collection holds at most {MAX_ITEMS} items")
        item.position = len(items)
        session.add(item)
        collection.updated_at = utcnow()
        session.flush()
        return _view(session, principal, collection, owner)


def update_item(hub: Hub, principal: Principal, slug: str, item_oid: str, *, note: str | None = None,
                position: int | None = None) -> CollectionView:
    with hub.db.write() as session:
        collection, owner = _editable(session, principal, slug)
        items = list(session.scalars(select(CollectionItem).where(CollectionItem.collection_id == collection.id)
                                     .order_by(CollectionItem.position, CollectionItem.id)))
        item = next((i for i in items if i.oid == str(item_oid).lower()), None)
        if item is None:
            raise NotFound(f"Item {item_oid} not found in {slug}")
        if note is not None:
            item.note = _note(note)
        if position is not None:
            _move(items, item, _int(position, "position"))
        collection.updated_at = utcnow()
        session.flush()
        return _view(session, principal, collection, owner)


def delete_item(hub: Hub, principal: Principal, slug: str, item_oid: str) -> None:
    with hub.db.write() as session:
        collection, _ = _editable(session, principal, slug)
        items = list(session.scalars(select(CollectionItem).where(CollectionItem.collection_id == collection.id)
                                     .order_by(CollectionItem.position, CollectionItem.id)))
        item = next((i for i in items if i.oid == str(item_oid).lower()), None)
        if item is None:
            raise NotFound(f"Item {item_oid} not found in {slug}")
        session.delete(item)
        for index, rest in enumerate(i for i in items if i is not item):
            rest.position = index
        collection.updated_at = utcnow()


def _move(rows: list, row, position: int) -> None:
    """Put ``row`` at ``position`` among ``rows`` and renumber them 0, 1, ..."""
    rows.remove(row)
    rows.insert(max(0, min(position, len(rows))), row)
    for index, each in enumerate(rows):
        each.position = index


def _slug(owner: str, collection: Collection) -> str:
    return f"{owner}/{slugify(collection.title)}-{collection.oid}"


def _may_read(principal: Principal, collection: Collection) -> bool:
    return not collection.private or principal.role_on(collection.owner_id) is not None


def _find(session, principal: Principal, slug: str) -> tuple[Collection, Account]:
    match = _SLUG_ID.match(slug or "")
    found = session.execute(select(Collection, Account).join(Account, Account.id == Collection.owner_id)
                            .where(Collection.oid == match.group("oid"))).first() if match else None
    if found is None or found[1].name != match.group("owner") or not _may_read(principal, found[0]):
        raise NotFound(f"Collection {slug} not found")
    return found[0], found[1]


def _editable(session, principal: Principal, slug: str) -> tuple[Collection, Account]:
    require_writer(principal, "change a collection")
    collection, owner = _find(session, principal, slug)
    if not may_manage_account(principal, owner.id):
        raise Forbidden(f"Only {owner.name} may change {slug}")
    return collection, owner


def _managed_account(session, principal: Principal, name: str) -> Account:
    account = get_account(session, name)
    if account is None:
        raise NotFound(f"No user or organisation named {name!r}")
    if not may_manage_account(principal, account.id):
        raise Forbidden(f"You cannot create collections for {name}")
    return account


def _view(session, principal: Principal, collection: Collection, owner: Account) -> CollectionView:
    rows = session.execute(
        select(CollectionItem, Repo, Collection, Account)
        .outerjoin(Repo, Repo.id == CollectionItem.repo_id)
        .outerjoin(Collection, Collection.id == CollectionItem.member_id)
        .outerjoin(Account, Account.id == Collection.owner_id)
        .where(CollectionItem.collection_id == collection.id)
        .order_by(CollectionItem.position, CollectionItem.id)).all()
    items = []
    for item, repo, member, member_owner in rows:
        if repo is not None:
            if can_read(principal, repo):
                items.append(ItemView(item.oid, repo.type, repo.repo_id, item.position, item.note, repo.private,
                                      repo.updated_at))
        elif member is not None and _may_read(principal, member):
            items.append(ItemView(item.oid, "collection", _slug(member_owner.name, member), item.position, item.note,
                                  member.private, member.updated_at))
    return CollectionView(collection.oid, _slug(owner.name, collection), collection.title, owner.name, owner.kind,
                          collection.description or "", collection.private, collection.theme, collection.position,
                          tuple(items), collection.created_at, collection.updated_at)


def _title(title) -> str:
    title = title.strip() if isinstance(title, str) else ""
    if not 1 <= len(title) <= MAX_TITLE:
        raise InvalidInput("title", f"a collection title has 1 to {MAX_TITLE} characters")
    return title


def _description(description) -> str:
    if description is None:
        return ""
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise InvalidInput("description", f"a description is text of at most {MAX_DESCRIPTION} characters")
    return description.strip()


def _note(note) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise InvalidInput("note", f"a note is text of at most {MAX_NOTE} characters")
    return note.strip() or None


def _bool(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(field, f"'{field}' must be true or false")
    return value


def _int(value, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(field, f"'{field}' must be a non-negative integer")
    return value
