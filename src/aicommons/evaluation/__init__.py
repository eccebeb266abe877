"""Evaluations run by the hub: tasks as data, runners for three kinds of model, signed records that
anyone can verify, claims compared with the card's model-index, and leaderboards per task."""

# Raised whenever a change to runners, prompts or scoring can change a result: it is part of every
# record and every cache key.
HARNESS_VERSION = "1"


def register(hub) -> None:
    """Register the evaluation job handler (called from aicommons.features.configure_hub)."""
    from aicommons.evaluation.service import register_jobs

    register_jobs(hub)
