"""Dates as the Hub writes them: ISO-8601 in UTC with milliseconds and a ``Z``."""

from __future__ import annotations

from datetime import datetime, timezone


def iso_date(value: datetime) -> str:
    # SQLite hands back naive datetimes; every stored time is UTC
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
