"""Tests here only add repos and read, so each module shares one hub, its users and a server (``live``)
instead of paying for new ones in every test."""

from __future__ import annotations

import pytest


@pytest.fixture
def hub(live):
    return live.hub


@pytest.fixture
def server(live):
    return live.server


@pytest.fixture
def alice(live):
    return live.alice


@pytest.fixture
def bob(live):
    return live.bob
