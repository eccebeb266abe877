"""Collaboration and access: discussions and pull requests, reports, gated repos, likes, collections,
webhooks, repo settings and moves. Plain functions over the hub; the HTTP routes and pages adapt them."""


def install(hub) -> None:
    """Number pull requests opened by commits, record commits to them, and deliver webhooks."""
    from aicommons.community import pulls, webhooks

    pulls.install(hub)
    hub.jobs.handler(webhooks.DELIVER_JOB)(webhooks.deliver)
