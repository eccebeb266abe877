"""Who is asking: a signed-in user (through a password session or an API token) or nobody."""

from __future__ import annotations

from dataclasses import dataclass, field

ROLE_RANK = {"read": 1, "write": 2, "admin": 3}


@dataclass(frozen=True)
class Principal:
    user_id: int | None = None
    name: str | None = None
    is_admin: bool = False
    token_role: str = "write"  # "read" tokens never write, whatever the user may do
    token_name: str | None = None
    org_roles: dict[int, str] = field(default_factory=dict)  # org account id -> role
    org_names: dict[int, str] = field(default_factory=dict)

    @property
    def anonymous(self) -> bool:
        return self.user_id is None

    def role_on(self, owner_id: int) -> str | None:
        """The strongest role this user holds over an account's repos (before the token narrows it)."""
        if self.user_id is None:
            return None
        if self.is_admin or owner_id == self.user_id:
            return "admin"
        return self.org_roles.get(owner_id)

    def may_write_with_token(self) -> bool:
        return self.token_role == "write"


ANONYMOUS = Principal()
