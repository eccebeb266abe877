"""Who the pages write commits as."""

from __future__ import annotations

from aicommons.accounts.principal import Principal
from aicommons.accounts.service import get_account
from aicommons.hub import Hub
from aicommons.repos.objects import Signature


def signature_for(hub: Hub, principal: Principal) -> Signature:
    """The user's name and e-mail; users without an e-mail get a stable no-reply address on the hub."""
    with hub.db.read() as session:
        account = get_account(session, principal.name)
    email = account.email if account is not None and account.email else f"{principal.name}@users.noreply.aicommons"
    return Signature(principal.name, email)
