"""Where every page lives. Templates and routes build links only through these functions."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from aicommons.repos.names import RepoType


def repo_base(repo_type: str, repo_id: str) -> str:
    """Models at /{id}, datasets at /datasets/{id}, as on the Hugging Face Hub."""
    return "/" + RepoType(repo_type).url_prefix + quote(repo_id)


def _rev_path(rev: str, path: str = "") -> str:
    # a branch name may hold '/', which stays literal here; routes split revision from path by the refs
    joined = f"{rev}/{path}" if path else rev
    return quote(joined, safe="/")


def card_url(repo_type: str, repo_id: str, rev: str | None = None) -> str:
    base = repo_base(repo_type, repo_id)
    return base if not rev or rev == "main" else f"{base}/card/{_rev_path(rev)}"


def tree_url(repo_type: str, repo_id: str, rev: str, path: str = "") -> str:
    return f"{repo_base(repo_type, repo_id)}/tree/{_rev_path(rev, path)}"


def blob_url(repo_type: str, repo_id: str, rev: str, path: str) -> str:
    return f"{repo_base(repo_type, repo_id)}/blob/{_rev_path(rev, path)}"


def resolve_url(repo_type: str, repo_id: str, rev: str, path: str, download: bool = False) -> str:
    """The file download served by the Hugging Face protocol API; the revision is one encoded segment."""
    url = f"{repo_base(repo_type, repo_id)}/resolve/{quote(rev, safe='')}/{quote(path)}"
    return url + "?download=true" if download else url


def commits_url(repo_type: str, repo_id: str, rev: str, page: int = 1) -> str:
    url = f"{repo_base(repo_type, repo_id)}/commits/{_rev_path(rev)}"
    return url + (f"?p={page}" if page > 1 else "")


def commit_url(repo_type: str, repo_id: str, oid: str) -> str:
    return f"{repo_base(repo_type, repo_id)}/commit/{oid}"


def upload_url(repo_type: str, repo_id: str, rev: str = "main") -> str:
    return f"{repo_base(repo_type, repo_id)}/upload/{_rev_path(rev)}"


def edit_card_url(repo_type: str, repo_id: str, rev: str = "main") -> str:
    return f"{repo_base(repo_type, repo_id)}/edit/{_rev_path(rev)}"


def settings_url(repo_type: str, repo_id: str) -> str:
    return f"{repo_base(repo_type, repo_id)}/settings"


def list_url(repo_type: str, **params) -> str:
    """The model or dataset list, with search, facet and sort parameters (empty ones left out)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "") and not (k == "p" and v == 1)})
    return f"/{RepoType(repo_type).value}s" + (f"?{query}" if query else "")


def account_url(name: str) -> str:
    return "/" + quote(name)
