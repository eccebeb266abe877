"""Users, organisations, memberships and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from aicommons.accounts.principal import ROLE_RANK, Principal
from aicommons.errors import Conflict, InvalidInput, NotFound
from aicommons.repos.names import check_name
from aicommons.repos.objects import utcnow
from aicommons.storage.tables import Account, ApiToken, Membership

TOKEN_PREFIX = "aic_"
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


def hash_token(token: str) -> str:
    # tokens carry 256 random bits, so a fast hash is enough and lets us look them up by hash
    return hashlib.sha256(token.encode()).hexdigest()


def get_account(session: Session, name: str) -> Account | None:
    return session.scalar(select(Account).where(Account.name == name))


def require_account(session: Session, name: str, kind: str | None = None) -> Account:
    account = get_account(session, name)
    if account is None or (kind and account.kind != kind):
        raise NotFound(f"No {kind or 'user or organisation'} named {name!r}")
    return account


def _new_account(session: Session, name: str, kind: str, **fields) -> Account:
    check_name(name, "name")
    if get_account(session, name) is not None:
        raise Conflict(f"The name {name!r} is already taken")
    account = Account(name=name, kind=kind, created_at=utcnow(), **fields)
    session.add(account)
    session.flush()
    return account


def create_user(session: Session, name: str, password: str | None = None, *, email: str | None = None,
                is_admin: bool = False, fullname: str = "") -> Account:
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password", f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    password_hash = _hasher.hash(password) if password is not None else None
    return _new_account(session, name, "user", password_hash=password_hash, email=email, is_admin=is_admin,
                        fullname=fullname)


def set_password(session: Session, user: Account, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password", f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = _hasher.hash(password)


def create_org(session: Session, name: str, owner: Account, fullname: str = "") -> Account:
    org = _new_account(session, name, "org", fullname=fullname)
    session.add(Membership(org_id=org.id, user_id=owner.id, role="admin"))
    return org


def set_member(session: Session, org: Account, user: Account, role: str) -> None:
    if role not in ROLE_RANK:
        raise InvalidInput("role", f"unknown role {role!r}; use read, write or admin")
    if org.kind != "org" or user.kind != "user":
        raise InvalidInput("member", "members are users added to organisations")
    membership = session.get(Membership, (org.id, user.id))
    if membership is None:
        session.add(Membership(org_id=org.id, user_id=user.id, role=role))
    else:
        membership.role = role


def remove_member(session: Session, org: Account, user: Account) -> None:
    membership = session.get(Membership, (org.id, user.id))
    if membership is None:
        raise NotFound(f"{user.name} is not a member of {org.name}")
    session.delete(membership)


def verify_password(session: Session, name: str, password: str) -> Account | None:
    user = get_account(session, name)
    if user is None or user.kind != "user" or not user.password_hash:
        _hasher.hash(password)  # same work either way, so timing does not reveal which names exist
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def create_token(session: Session, user: Account, role: str = "write", name: str = "token") -> tuple[str, ApiToken]:
    """Returns the token itself (shown once, never stored) and its stored record."""
    if role not in ("read", "write"):
        raise InvalidInput("role", f"unknown token role {role!r}; use read or write")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name[:100] or "token", role=role, token_hash=hash_token(token),
                   created_at=utcnow())
    session.add(row)
    session.flush()
    return token, row


def revoke_token(session: Session, user: Account, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("No such token")
    session.delete(row)


def principal_for_user(session: Session, user: Account, token: ApiToken | None = None) -> Principal:
    rows = session.execute(
        select(Membership.org_id, Membership.role, Account.name)
        .join(Account, Account.id == Membership.org_id)
        .where(Membership.user_id == user.id)
    ).all()
    return Principal(
        user_id=user.id,
        name=user.name,
        is_admin=user.is_admin,
        token_role=token.role if token else "write",
        token_name=token.name if token else None,
        org_roles={org_id: role for org_id, role, _ in rows},
        org_names={org_id: org_name for org_id, _, org_name in rows},
    )


def principal_for_token(session: Session, token: str) -> Principal | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None:
        return None
    return principal_for_user(session, row.user, row)
