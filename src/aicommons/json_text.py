"""JSON from repo files (config.json, shard indexes and the like), which are user content: missing, malformed
or of the wrong shape, they count as absent rather than failing a page or a report."""

from __future__ import annotations

import json


def json_object(text: str | None) -> dict | None:
    """The JSON object in `text`; None when there is no text, it is not JSON, or it is not an object."""
    if text is None:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None
