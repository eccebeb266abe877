"""The ASGI application a server process runs, built from the environment (one per worker process)."""

from aicommons.api.app import create_app
from aicommons.features import configure_hub
from aicommons.hub import Hub


def app_from_env():
    return create_app(configure_hub(Hub.open()))
