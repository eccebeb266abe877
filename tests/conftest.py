"""Fixtures shared by every test area: a hub on a temporary data directory, users and a live server."""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from aicommons.accounts.service import create_org, create_token, create_user, principal_for_user, set_member
from aicommons.api.app import create_app
from aicommons.features import configure_hub
from aicommons.hub import Hub
from aicommons.settings import Settings

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    hub = configure_hub(Hub.open(Settings.from_env(tmp_path / "data")))
    yield hub
    hub.close()


@dataclass
class TestUser:
    name: str
    password: str
    token: str  # a write token
    read_token: str

    def principal(self, hub: Hub):
        from aicommons.accounts.service import require_account

        with hub.db.read() as session:
            return principal_for_user(session, require_account(session, self.name, "user"))


def make_user(hub: Hub, name: str, *, admin: bool = False) -> TestUser:
    password = f"{name}-password"
    with hub.db.write() as session:
        user = create_user(session, name, password, email=f"{name}@example.org", is_admin=admin)
        write, _ = create_token(session, user, "write", "test-write")
        read, _ = create_token(session, user, "read", "test-read")
    return TestUser(name, password, write, read)


def make_org(hub: Hub, name: str, owner: str, members: dict[str, str] | None = None) -> None:
    from aicommons.accounts.service import require_account

    with hub.db.write() as session:
        org = create_org(session, name, require_account(session, owner, "user"))
        for user, role in (members or {}).items():
            set_member(session, org, require_account(session, user, "user"), role)


@pytest.fixture
def alice(hub) -> TestUser:
    return make_user(hub, "alice")


@pytest.fixture
def bob(hub) -> TestUser:
    return make_user(hub, "bob")


class LiveServer:
    """The real app served by uvicorn on 127.0.0.1, in a thread of the test process."""

    def __init__(self, hub: Hub):
        self.hub = hub
        self.app = create_app(hub)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                timeout_keep_alive=30)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def server(hub) -> LiveServer:
    live = LiveServer(hub).start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def postgres():
    from tests.services import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server():
    from tests.services import S3Server

    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def scaled_hub(tmp_path, postgres, s3_server, monkeypatch, request):
    """A hub on PostgreSQL and an S3 bucket: the distributed configuration."""
    name = "t_" + request.node.name.lower().translate(str.maketrans("[]-.", "____"))[:50]
    for key, value in s3_server.environment().items():
        monkeypatch.setenv(key, value)
    s3_server.create_bucket(name.replace("_", "-"))
    hub = configure_hub(Hub.open(Settings.from_env(tmp_path / "data", database_url=postgres.create_database(name),
                                                   storage_url=f"s3://{name.replace('_', '-')}/hub")))
    yield hub
    hub.close()


# One chromium for the whole session, shared by every area's browser tests (Playwright allows one sync driver).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (scripts/setup.sh --test installs it)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()
