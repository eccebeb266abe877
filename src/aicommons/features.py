"""Assembling a working hub: each feature registers its commit checks, post-commit hooks and job
handlers here, once. The server, the ``aicommons worker`` command and the tests all call
``configure_hub``, so a job queued by one process can be run by any other."""

from aicommons.hub import Hub


def configure_hub(hub: Hub) -> Hub:
    from aicommons import cards, community, index

    cards.install(hub)
    index.install(hub)
    community.install(hub)
    return hub
