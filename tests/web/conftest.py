"""Fixtures for the pages: an HTTP client on the app (the shared chromium is in tests/conftest.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from aicommons.api.app import create_app

@pytest.fixture
def client(hub) -> TestClient:
    with TestClient(create_app(hub)) as test_client:
        yield test_client
