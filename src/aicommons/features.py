"""Assembling a working hub: each feature registers its commit checks, post-commit hooks and job
handlers here, once. The server, the ``aicommons worker`` command and the tests all call
``configure_hub``, so a job queued by one process can be run by any other."""

from aicommons.hub import Hub


def configure_hub(hub: Hub) -> Hub:
    # imported here: features import the core, and the core must import without them
    from aicommons import cards, community, evaluation, index, resources, scans, xet
    from aicommons.licenses import summary

    cards.install(hub)
    xet.register(hub)
    index.install(hub)  # before the licence summary: its job reads the lineage the index records
    summary.install(hub)
    evaluation.register(hub)
    resources.install(hub)
    scans.register(hub)
    community.install(hub)
    return hub
