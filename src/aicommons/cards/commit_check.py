"""The commit check that keeps invalid cards out: a commit whose README.md has metadata errors is rejected."""

from __future__ import annotations

from aicommons.cards.frontmatter import validate_card
from aicommons.errors import InvalidInput
from aicommons.repos.commit import AddBlob, AddFile, DeleteFile, DeleteFolder

CARD_PATH = "README.md"
MAX_CARD_BYTES = 10 * 1024 * 1024


class InvalidCard(InvalidInput):
    """A card's metadata has errors; ``problems`` lists each as {"field", "message"}."""

    def __init__(self, problems: list[dict]):
        listed = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        super().__init__("card", f"Invalid metadata in {CARD_PATH}: {listed}")
        self.problems = problems


def check_card(hub, repo, operations: list) -> None:
    """A `hub.commit_checks` validator: the README.md this commit writes must have valid metadata."""
    content = _new_card(hub, operations)
    if content is None:
        return
    if len(content) > MAX_CARD_BYTES:
        raise InvalidCard([{"field": CARD_PATH, "message": f"larger than {MAX_CARD_BYTES} bytes"}])
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidCard([{"field": CARD_PATH, "message": f"not UTF-8 text ({error.reason} at byte "
                                                          f"{error.start})"}]) from None
    report = validate_card(text, repo.type)
    if report.errors:
        raise InvalidCard(report.errors)


def _new_card(hub, operations: list) -> bytes | None:
    """The README.md content the commit ends with, when the commit writes one."""
    content = None
    for op in operations:
        if isinstance(op, AddFile) and op.path == CARD_PATH:
            content = op.content
        elif isinstance(op, AddBlob) and op.path == CARD_PATH:
            # a blob that was never uploaded fails the commit later; read one byte past the limit to see size
            content = b"".join(hub.blobs.iter_range(op.sha256, 0, MAX_CARD_BYTES)) \
                if hub.blobs.exists(op.sha256) else None
        elif isinstance(op, DeleteFile) and op.path == CARD_PATH or isinstance(op, DeleteFolder) and \
                not op.path.rstrip("/"):
            content = None
    return content
