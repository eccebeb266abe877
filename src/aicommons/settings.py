"""Runtime settings, read once from the environment.

Embedded by default (SQLite and a local folder under the data directory); the same code runs on
PostgreSQL and an S3-compatible store when ``AICOMMONS_DATABASE_URL`` / ``AICOMMONS_STORAGE_URL`` say so.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    storage_url: str
    public_url: str | None = None
    jobs_mode: str = "thread"  # "thread": the server runs jobs itself; "external": `aicommons worker` does
    max_regular_file_bytes: int = 50 * 1024 * 1024
    max_file_bytes: int = 500 * 1024**3
    secret_key: bytes = field(default=b"", repr=False)
    # send clients straight to the object store (a presigned URL) for large files, when it offers one
    download_redirects: bool = True
    # let webhooks post to loopback and private networks (receivers beside the hub); off: no request forgery
    webhook_private_targets: bool = False

    @classmethod
    def from_env(cls, data_dir: str | os.PathLike | None = None, **overrides) -> "Settings":
        root = Path(data_dir or os.environ.get("AICOMMONS_DATA_DIR") or "data").resolve()
        values = dict(
            data_dir=root,
            database_url=os.environ.get("AICOMMONS_DATABASE_URL") or f"sqlite:///{root / 'hub.sqlite3'}",
            storage_url=os.environ.get("AICOMMONS_STORAGE_URL") or (root / "blobs").as_uri(),
            public_url=os.environ.get("AICOMMONS_PUBLIC_URL"),
            download_redirects=os.environ.get("AICOMMONS_DOWNLOAD_REDIRECTS", "1") not in ("0", "false", "no"),
            jobs_mode=os.environ.get("AICOMMONS_JOBS", "thread"),
            webhook_private_targets=os.environ.get("AICOMMONS_WEBHOOK_PRIVATE_TARGETS", "0") in ("1", "true", "yes"),
        )
        values.update(overrides)
        settings = cls(**values)
        return settings if settings.secret_key else _with_secret(settings)


def _with_secret(settings: Settings) -> Settings:
    """The signing key lives in the data directory so that every process of one hub shares it."""
    explicit = os.environ.get("AICOMMONS_SECRET_KEY")
    if explicit:
        key = explicit.encode()
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path = settings.data_dir / "secret.key"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(secrets.token_bytes(32))
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, path)  # first writer wins when several processes start at once
            except FileExistsError:
                pass
            tmp.unlink(missing_ok=True)
        key = path.read_bytes()
    return Settings(**{**settings.__dict__, "secret_key": key})
