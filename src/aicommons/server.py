"""The ASGI application a server process runs, built from the environment (one per worker process)."""

from aicommons.api.app import create_app
from aicommons.hub import Hub


def app_from_env():
    return create_app(Hub.open())
