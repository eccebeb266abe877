"""Collaboration and access: discussions and pull requests, reports, gated repos, likes, collections,
webhooks, repo settings and moves. Plain functions over the hub; the HTTP routes and pages adapt them."""


def install(hub) -> None:
    """Number pull requests opened by commits, record commits to them, gate downloads, deliver webhooks."""
    from aicommons.community import gating, pulls, webhooks

    pulls.install(hub)
    if gating.download_rule not in hub.download_checks:
        hub.download_checks.append(gating.download_rule)
    hub.jobs.handler(webhooks.DELIVER_JOB)(webhooks.deliver)
    if webhooks.on_repo_change not in hub.repo_hooks:
        hub.repo_hooks.append(webhooks.on_repo_change)
