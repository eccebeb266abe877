"""The repo page's licence and lineage panels: a cached licence report against computing it on every view.

Run: python bench/bench_repo_panels.py [--depth 3] [--datasets 2] [--repeat 20]

The repos: a chain of fine-tunes `depth` levels deep, each declaring a licence and trained on `datasets`
datasets, all pushed through the commit path. Timed per view of the deepest model, as an anonymous visitor:
the anchor walks lineage and training data and grades openness each time (what the panel would do without
the cache); the hub's panel checks the upstream state in one query and reuses the report. The lineage panel
(graph, SVG, template) is timed too, since it is not cached.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from aicommons.accounts.principal import ANONYMOUS  # noqa: E402
from aicommons.accounts.service import create_user, principal_for_user  # noqa: E402
from aicommons.features import configure_hub  # noqa: E402
from aicommons.hub import Hub  # noqa: E402
from aicommons.licenses.hub_source import subject_source  # noqa: E402
from aicommons.licenses.verdict import verdict  # noqa: E402
from aicommons.openness import openness  # noqa: E402
from aicommons.repos import manage, reading  # noqa: E402
from aicommons.repos.commit import AddFile, commit  # noqa: E402
from aicommons.repos.names import RepoType  # noqa: E402
from aicommons.repos.objects import Signature  # noqa: E402
from aicommons.settings import Settings  # noqa: E402
from aicommons.web.license_panel import render_license  # noqa: E402
from aicommons.web.lineage_panel import render_lineage  # noqa: E402

AUTHOR = Signature("Bench", "bench@example.org")
LICENSES = ("apache-2.0", "mit", "cc-by-4.0", "bsd-3-clause")


def push(hub: Hub, owner, repo_id: str, meta: dict, repo_type=RepoType.MODEL):
    repo = manage.create_repo(hub, owner, repo_type, repo_id)
    text = "---\n" + yaml.safe_dump(meta) + "---\n# " + repo_id + "\n"
    commit(hub, repo, [AddFile("README.md", text.encode())], author=AUTHOR, message="card")
    return repo


def build(hub: Hub, depth: int, datasets: int):
    with hub.db.write() as session:
        owner = principal_for_user(session, create_user(session, "bench", "bench-password-1"))
    previous = None
    for level in range(depth + 1):
        names = []
        for index in range(datasets):
            name = f"bench/data-{level}-{index}"
            push(hub, owner, name, {"license": LICENSES[index % len(LICENSES)]}, RepoType.DATASET)
            names.append(name)
        meta = {"license": LICENSES[level % len(LICENSES)], "datasets": names}
        if previous:
            meta["base_model"] = previous
        previous = f"bench/model-{level}"
        repo = push(hub, owner, previous, meta)
    hub.jobs.drain()
    return repo


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--datasets", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        hub = configure_hub(Hub.open(Settings.from_env(Path(tmp) / "data")))
        repo = build(hub, args.depth, args.datasets)
        snap = reading.snapshot(hub, repo, None)

        def anchor():
            subject = subject_source(hub, ANONYMOUS).subject(repo.repo_id, snap.commit_oid)
            verdict(subject)
            openness(subject)

        render_license(hub, ANONYMOUS, snap)  # fill the cache, as the first view does
        uncached = timed(anchor, args.repeat)
        cached = timed(lambda: render_license(hub, ANONYMOUS, snap), args.repeat)
        lineage = timed(lambda: render_lineage(hub, ANONYMOUS, snap), args.repeat)
        hub.close()
    print(f"chain of {args.depth + 1} models, {args.datasets} datasets each; median of {args.repeat} views")
    print(f"licence report computed per view (anchor): {uncached * 1000:8.1f} ms")
    print(f"licence panel, cached report:               {cached * 1000:8.1f} ms   ratio {uncached / cached:6.1f}x faster")
    print(f"lineage panel (graph + SVG, not cached):    {lineage * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
