"""Page speed with hundreds of repos: each page's latency beside the anchor, the same server sending a static file.

A hub on a temporary data directory gets --repos model repos (cards with tasks, licences and languages, made
through the one commit path) and a few datasets; the real app then runs under uvicorn on loopback, and one
keep-alive client fetches each page --requests times after a warm-up. The anchor is the stylesheet served by
the same process (one HTTP round trip through the same stack, no database), so the ratio says what a page adds.

    python bench/bench_pages.py [--repos 500] [--requests 40]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from aicommons.accounts.service import create_user, principal_for_user  # noqa: E402
from aicommons.api.app import create_app  # noqa: E402
from aicommons.features import configure_hub  # noqa: E402
from aicommons.hub import Hub  # noqa: E402
from aicommons.repos import manage  # noqa: E402
from aicommons.repos.commit import AddFile, commit  # noqa: E402
from aicommons.repos.names import RepoType  # noqa: E402
from aicommons.repos.objects import Signature  # noqa: E402
from aicommons.settings import Settings  # noqa: E402
from aicommons.web.templates import static_url  # noqa: E402

TASKS = ("text-generation", "text-classification", "translation", "summarization", "fill-mask")
LICENSES = ("mit", "apache-2.0", "cc-by-4.0", "openrail")
LANGUAGES = ("en", "fr", "de", "sw", "ja")
AUTHOR = Signature("bench", "bench@example.org")


def seed(hub: Hub, repos: int) -> None:
    with hub.db.write() as session:
        user = create_user(session, "bench", "bench-password")
        principal = principal_for_user(session, user)
    for index in range(repos):
        repo = manage.create_repo(hub, principal, RepoType.MODEL, f"bench/model-{index:04d}")
        card = (f"---\npipeline_tag: {TASKS[index % len(TASKS)]}\nlicense: {LICENSES[index % len(LICENSES)]}\n"
                f"language: [{LANGUAGES[index % len(LANGUAGES)]}]\nlibrary_name: transformers\n---\n"
                f"# Model {index}\n\nA benchmark model.\n")
        commit(hub, repo, [AddFile("README.md", card.encode()), AddFile("config.json", b'{"n_layer": 2}\n')],
               author=AUTHOR, message="Add card and config")
    for index in range(max(repos // 20, 1)):
        manage.create_repo(hub, principal, RepoType.DATASET, f"bench/data-{index:03d}")


def serve(hub: Hub) -> tuple[uvicorn.Server, str]:
    config = uvicorn.Config(create_app(hub), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


def timed(client: httpx.Client, path: str, requests: int) -> list[float]:
    for _ in range(3):
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, path
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", type=int, default=500)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        hub = configure_hub(Hub.open(Settings.from_env(Path(tmp) / "data")))
        started = time.perf_counter()
        seed(hub, args.repos)
        print(f"seeded {args.repos} model repos in {time.perf_counter() - started:.1f} s")
        server, url = serve(hub)
        pages = {
            "anchor: static stylesheet": static_url("hub.css"),
            "home": "/",
            "model list (facets)": "/models",
            "model list, 2 filters": "/models?task=text-generation&license=mit",
            "model list, text search": "/models?search=benchmark+model-01",
            "model list, page 10": "/models?sort=name&p=10",
            "dataset list": "/datasets",
            "user page": "/bench",
            "repo card": "/bench/model-0001",
            "repo files": "/bench/model-0001/tree/main",
            "repo history": "/bench/model-0001/commits/main",
        }
        with httpx.Client(base_url=url) as client:
            results = {name: timed(client, path, args.requests) for name, path in pages.items()}
        server.should_exit = True
        hub.close()

    anchor = statistics.median(results["anchor: static stylesheet"])
    print(f"\n{'page':32} {'median ms':>10} {'p95 ms':>9} {'x anchor':>9}")
    for name, times in results.items():
        ordered = sorted(times)
        median = statistics.median(ordered)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        print(f"{name:32} {median * 1000:10.2f} {p95 * 1000:9.2f} {median / anchor:9.1f}")


if __name__ == "__main__":
    main()
