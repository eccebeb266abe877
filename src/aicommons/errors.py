"""Typed domain errors. Adapters (HTTP, CLI, pages) map each to a status or an exit code."""


class HubError(Exception):
    """Base of every error the core raises on purpose."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(HubError):
    """Bad input from the caller; ``field`` names what was wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class NotFound(HubError):
    """Something the caller asked for does not exist, or the caller may not know that it exists."""


class RepoNotFound(NotFound):
    pass


class RevisionNotFound(NotFound):
    pass


class EntryNotFound(NotFound):
    def __init__(self, message: str, commit: str | None = None):
        super().__init__(message)
        self.commit = commit


class GatedRepo(HubError):
    """The repo is visible but its files need an access grant the caller does not have.

    ``authenticated`` tells an anonymous caller (who should sign in) from a signed-in one (who should ask)."""

    def __init__(self, message: str, authenticated: bool):
        super().__init__(message)
        self.authenticated = authenticated


class Conflict(HubError):
    """The request clashes with existing state (the repo or branch already exists)."""


class StaleParent(HubError):
    """The branch moved since the parent commit the writer based its change on."""


class Unauthorized(HubError):
    """No valid credentials were given where some are needed."""


class Forbidden(HubError):
    """Credentials are valid but do not allow this action on something the caller may see."""
