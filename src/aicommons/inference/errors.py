"""Why a model cannot be run, or not now."""

from __future__ import annotations

from aicommons.errors import Conflict, HubError


class NotLoadable(Conflict):
    """The hub will not load this model: a file is not marked safe, or no weights are in a format it loads."""


class Overloaded(HubError):
    """Every worker is busy and the queue is full; the client should retry after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(HubError):
    """Inference is not possible on this hub (its machine-learning packages are not installed)."""
