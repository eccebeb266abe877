"""Community pages: discussions and pull requests, reports, gated access, likes, collections, webhooks.

``install()`` adds the templates and notices; ``routes.router`` holds the pages (included by the web
router before the account pages, whose ``/{name}`` would otherwise take ``/collections`` and ``/reports``);
``panels.register()`` adds the repo page's side panels.
"""

from __future__ import annotations

from pathlib import Path

NOTICES = {
    "discussion-opened": "Discussion opened.",
    "proposed": "Pull request opened: the maintainers can review and merge it.",
    "report-opened": "Report sent to the maintainers.",
    "commented": "Comment added.",
    "status-changed": "Status changed.",
    "merged": "Pull request merged.",
    "comment-hidden": "Comment hidden.",
    "access-requested": "Access requested.",
    "access-granted": "You have access to this repo's files.",
    "access-updated": "Access updated.",
    "community-settings": "Community settings saved.",
    "collection-saved": "Collection saved.",
    "collection-deleted": "Collection deleted.",
    "webhook-saved": "Webhook saved.",
    "webhook-deleted": "Webhook deleted.",
    "moved": "Repository moved.",
}


def install() -> None:
    from aicommons.web import templates
    from aicommons.web.community import panels

    folder = Path(__file__).with_name("templates")
    if not any(getattr(loader, "searchpath", None) == [str(folder)] for loader in templates.ENV.loader.loaders):
        templates.add_template_dir(folder)
    templates.NOTICES.update(NOTICES)
    panels.register()
