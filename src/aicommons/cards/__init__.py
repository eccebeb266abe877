"""Model and dataset cards: README.md with YAML front matter, read and checked as on the Hugging Face Hub."""


def install(hub) -> None:
    """Reject commits whose README.md metadata has errors (registers a `hub.commit_checks` validator)."""
    from aicommons.cards.commit_check import check_card

    if check_card not in hub.commit_checks:
        hub.commit_checks.append(check_card)
