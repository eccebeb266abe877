"""Access-control matrix: every route of the app (API and pages, read from its route table) tried by six
callers against a public and a private model and dataset.

What must hold:
- a private repo is invisible to outsiders: they get exactly what a repo that does not exist gets (404 for
  reads, never 403), and its name appears in no response body beyond the echo of their own request;
- everyone who may read a repo reads it; routes that need write (or admin) access refuse callers without it;
- writes are refused to read tokens and to members whose role is read;
- a new route fails this test until it is either repo-scoped (and so tried here) or listed in NOT_REPO_SCOPED.

Writes are sent with empty bodies and only by callers who must be refused, so nothing is changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from aicommons.api.app import create_app
from aicommons.community.discussions import create_discussion
from aicommons.evaluation.service import JOB_KIND as EVALUATION_JOB
from aicommons.repos.manage import find_repo
from aicommons.repos.names import RepoType
from tests.conftest import make_org, make_user

from .hub_content import push

try:  # FastAPI >= 0.130 nests included routers; iter_route_contexts flattens them
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI keeps a flat list
    def iter_route_contexts(routes):
        return routes

SAFE = {"GET", "HEAD"}

# Routes that name no repo: each is tried by every caller with these parameters, and no private repo name may
# show in what outsiders get. (method, path) -> example path parameters.
NOT_REPO_SCOPED: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/openapi.json"): {}, ("GET", "/docs"): {}, ("GET", "/docs/oauth2-redirect"): {}, ("GET", "/redoc"): {},
    ("GET", "/healthz"): {},
    ("GET", "/api/languages"): {},
    ("GET", "/api/whoami-v2"): {},
    ("POST", "/api/validate-yaml"): {},
    ("GET", "/api/agent-harnesses"): {},
    ("GET", "/api/{kind:repokind}"): {"kind": "models"},  # listings and search
    ("GET", "/api/{kind:repokind}/{name}"): {"kind": "models", "name": "acme"},  # legacy ids without namespace
    ("POST", "/api/repos/create"): {},
    ("DELETE", "/api/repos/delete"): {},
    # Xet CAS: addressed by content hash, authorised by a repo-scoped Xet token (tried above)
    ("POST", "/xet/v1/xorbs/{prefix}/{xorb_hash}"): {"prefix": "default", "xorb_hash": "0" * 64},
    ("POST", "/xet/v1/shards"): {},
    ("GET", "/xet/v1/chunks/{prefix}/{chunk_hash}"): {"prefix": "default-merkledb", "chunk_hash": "0" * 64},
    ("GET", "/xet/v1/reconstructions/{file_hash}"): {"file_hash": "0" * 64},
    ("GET", "/xet/v2/reconstructions/{file_hash}"): {"file_hash": "0" * 64},
    ("GET", "/xet/fetch/{xorb_hash}"): {"xorb_hash": "0" * 64},
    ("POST", "/xet/v1/telemetry"): {}, ("POST", "/v1/telemetry"): {},
    ("GET", "/{name}/resolve/{rest:path}"): {"name": "acme", "rest": "main/README.md"},
    ("HEAD", "/{name}/resolve/{rest:path}"): {"name": "acme", "rest": "main/README.md"},
    ("GET", "/-/pygments.css"): {},
    ("GET", "/"): {}, ("GET", "/models"): {}, ("GET", "/datasets"): {}, ("GET", "/languages"): {},
    ("GET", "/login"): {}, ("POST", "/login"): {}, ("POST", "/logout"): {},
    ("GET", "/settings/tokens"): {}, ("POST", "/settings/tokens"): {},
    ("POST", "/settings/tokens/{token_id}/revoke"): {"token_id": "1"},
    ("GET", "/new"): {}, ("POST", "/new"): {},
    ("GET", "/{name}"): {"name": "acme"},  # an account's page lists its repos
    # evaluations: records, tasks and leaderboards rank only the models the caller may see
    ("GET", "/api/evaluations/{record_id}"): {"record_id": "1"},
    ("GET", "/api/leaderboards/{task}"): {"task": "iris"}, ("GET", "/leaderboards/{task}"): {"task": "iris"},
    ("GET", "/leaderboards"): {}, ("GET", "/api/eval-tasks"): {}, ("GET", "/api/evaluation-key"): {},
    # OpenAI-compatible inference and monitoring: models listed and counted only where readable
    ("GET", "/v1/models"): {}, ("GET", "/v1/models/{model:path}"): {"model": "acme/none"},
    ("POST", "/v1/completions"): {}, ("POST", "/v1/chat/completions"): {},
    ("GET", "/metrics"): {}, ("GET", "/api/inference/stats"): {}, ("GET", "/-/inference"): {},
    # community: accounts, collections, webhooks and the report queue belong to the caller, not to a repo
    ("GET", "/api/reports"): {}, ("GET", "/reports"): {}, ("POST", "/api/repos/move"): {},
    ("GET", "/api/users/{user}/likes"): {"user": "alice"}, ("GET", "/api/users/{user}/overview"): {"user": "alice"},
    ("GET", "/api/users/{user}/following"): {"user": "alice"}, ("GET", "/api/users/{user}/followers"): {"user": "alice"},
    ("GET", "/api/organizations/{org}/overview"): {"org": "acme"}, ("GET", "/api/organizations/{org}/members"): {"org": "acme"},
    ("GET", "/api/organizations/{org}/followers"): {"org": "acme"},
    ("GET", "/api/collections"): {}, ("POST", "/api/collections"): {},
    **{(m, "/api/collections/{owner}/{slug}"): {"owner": "alice", "slug": "none"} for m in ("GET", "PATCH", "DELETE")},
    ("POST", "/api/collections/{owner}/{slug}/items"): {"owner": "alice", "slug": "none"},
    **{(m, "/api/collections/{owner}/{slug}/items/{item_id}"): {"owner": "alice", "slug": "none", "item_id": "1"}
       for m in ("PATCH", "DELETE")},
    ("GET", "/collections/{owner}/{slug}"): {"owner": "alice", "slug": "none"},
    ("GET", "/collections/new"): {}, ("POST", "/collections/new"): {},
    ("POST", "/collections/{owner}/{slug}/edit"): {"owner": "alice", "slug": "none"},
    ("POST", "/collections/{owner}/{slug}/items/{item_id}"): {"owner": "alice", "slug": "none", "item_id": "1"},
    ("POST", "/collections/{owner}/{slug}/delete"): {"owner": "alice", "slug": "none"},
    ("GET", "/api/settings/webhooks"): {}, ("POST", "/api/settings/webhooks"): {},
    **{(m, "/api/settings/webhooks/{webhook_id}"): {"webhook_id": "1"} for m in ("GET", "POST", "DELETE")},
    ("POST", "/api/settings/webhooks/{webhook_id}/enable"): {"webhook_id": "1"},
    ("POST", "/api/settings/webhooks/{webhook_id}/disable"): {"webhook_id": "1"},
    ("GET", "/api/settings/webhooks/{webhook_id}/deliveries"): {"webhook_id": "1"},
    ("GET", "/settings/webhooks"): {}, ("POST", "/settings/webhooks"): {},
    ("GET", "/settings/webhooks/{webhook_id}"): {"webhook_id": "1"},
    ("POST", "/settings/webhooks/{webhook_id}/toggle"): {"webhook_id": "1"},
    ("POST", "/settings/webhooks/{webhook_id}/delete"): {"webhook_id": "1"},
}
MOUNTS = {"/-/static"}  # static assets

# Repo-scoped routes that read although not GET, and GET routes that need more than read access.
# (sent with an empty body, so these only have to get past the access check: see _refused_access)
READS_BY_POST = {"/api/models/{namespace}/{name}/infer",  # running a model needs only read access
                 "/api/{kind:repokind}/{namespace}/{name}/paths-info/{rest:path}",
                 "/{namespace}/{name}.git/info/lfs/objects/batch",
                 "/datasets/{namespace}/{name}.git/info/lfs/objects/batch",
                 "/api/{kind}/{namespace}/{name}/lfs-files/duplicate",  # reads the path's repo, writes the body's
                 "/{namespace}/{name}.git/info/lfs/objects/verify",  # is an object held by this (readable) repo?
                 "/datasets/{namespace}/{name}.git/info/lfs/objects/verify"}
NEEDS_WRITE = re.compile(r"/xet-write-token/|/user-access-request/|/settings/access$")
# upload and card-edit pages: writers commit, other signed-in readers open a pull request
NEEDS_SIGN_IN = re.compile(r"/(upload|edit)/|/discussions/new$|/report$|/collect$")
PROPOSALS = re.compile(r"/(upload|edit)/")  # they end in a commit or a pull request: never with a read token
NEEDS_ADMIN = re.compile(r"/settings$")
# community writes (discussions, comments, reports, likes, access requests) check their own rules after
# reading the body; here they must only keep private repos hidden, leak nothing and never fail with a 5xx
PARTICIPATION = re.compile(r"/discussions|/reports$|/report$|/like$|/ask-access$|/user-access-request")


@dataclass(frozen=True)
class Caller:
    name: str
    headers: dict
    reads_private: bool
    writes: bool
    admin: bool

    @property
    def outsider(self) -> bool:
        return not self.reads_private


@dataclass
class RepoCase:
    type: RepoType
    repo_id: str
    private: bool
    commit: str
    job: int = 0  # an evaluation job of this model, for the job-status route
    discussion: int = 0  # a discussion opened by the owner, for the discussion routes

    @property
    def namespace(self) -> str:
        return self.repo_id.split("/")[0]

    @property
    def name(self) -> str:
        return self.repo_id.split("/")[1]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from aicommons.features import configure_hub
    from aicommons.hub import Hub
    from aicommons.settings import Settings

    hub = configure_hub(Hub.open(Settings.from_env(tmp_path_factory.mktemp("matrix") / "data")))
    alice, bob, carol, dave = (make_user(hub, n) for n in ("alice", "bob", "carol", "dave"))
    make_org(hub, "acme", "alice", {"carol": "write", "dave": "read"})
    repos = []
    for repo_type in (RepoType.MODEL, RepoType.DATASET):
        for private, label in ((False, "open"), (True, "hidden")):
            repo_id = f"acme/{label}-{repo_type.value}-q7z"
            repo, oid = push(hub, alice, repo_id, {"README.md": b"# card\n", "config.json": b"{}"},
                             private=private, repo_type=repo_type)
            repos.append(RepoCase(repo_type, repo_id, private, oid))
    hub.jobs.drain()
    for case in repos:  # queued, never run: the app's job thread is not started without its lifespan
        repo = find_repo(hub, case.type, case.repo_id)
        case.job = hub.jobs.enqueue(EVALUATION_JOB, {"repo": repo.id}) if case.type is RepoType.MODEL else 0
        case.discussion = create_discussion(hub, alice.principal(hub), repo, "A question").number
    bearer = lambda token: {"Authorization": f"Bearer {token}"}  # noqa: E731
    callers = [
        Caller("anonymous", {}, False, False, False),
        Caller("another user", bearer(bob.token), False, False, False),
        Caller("read token", bearer(alice.read_token), True, False, False),
        Caller("write token", bearer(carol.token), True, True, False),
        Caller("org member (read role)", bearer(dave.token), True, False, False),
        Caller("owner", bearer(alice.token), True, True, True),
    ]
    client = TestClient(create_app(hub), follow_redirects=False)
    yield hub, client, repos, callers
    hub.close()


def flat_routes(app) -> list[tuple[str, str]]:
    out = []
    for context in iter_route_contexts(app.routes):
        route = getattr(context, "original_route", context)
        if context.path in MOUNTS:
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD" or "GET" not in route.methods:
                out.append((method, context.path))
    return out


def is_repo_scoped(path: str) -> bool:
    return "{namespace}" in path and "{name}" in path


def applies_to(path: str, repo_type: RepoType) -> bool:
    if "{kind" in path:
        return True
    is_dataset = path.startswith(("/datasets/", "/api/datasets/"))
    return is_dataset == (repo_type is RepoType.DATASET)


def fill(path: str, params: dict[str, str]) -> str:
    def value(match):
        key = match.group(1).split(":")[0]
        return params[key]

    return re.sub(r"\{([^}]+)\}", value, path)


def repo_params(path: str, case: RepoCase) -> dict[str, str]:
    file_route = re.search(r"/(resolve|blob)/", path) is not None
    return {"namespace": case.namespace, "name": case.name, "kind": f"{case.type.value}s",
            "rest": "main/README.md" if file_route else "main", "rev": "main/README.md" if file_route else "main",
            "revision": "main", "oid": case.commit if path.endswith("/commit/{oid}") else "0" * 64, "part": "1",
            "job_id": str(case.job), "num": str(case.discussion), "number": str(case.discussion),
            "comment_id": "1", "status": "pending", "user": "bob"}


def request(client, method: str, url: str, caller: Caller):
    kwargs = {"headers": {**caller.headers, "Accept": "text/html,application/json"}}
    if method not in SAFE:  # query parameters some uploads require, so that the access check is reached
        kwargs["content"] = b"{}"
        kwargs["params"] = {"size": "1", "part_size": "1"}
        kwargs["headers"]["Content-Type"] = "application/json"
    return client.request(method, url, **kwargs)


def ghost_of(case: RepoCase) -> RepoCase:
    return RepoCase(case.type, case.repo_id.replace("hidden", "absent"), True, case.commit)


def test_every_route_is_repo_scoped_or_listed(world):
    _hub, client, _repos, _callers = world
    routes = flat_routes(client.app)
    unlisted = [r for r in routes if not is_repo_scoped(r[1]) and r not in NOT_REPO_SCOPED]
    assert not unlisted, f"routes neither repo-scoped nor in NOT_REPO_SCOPED: {unlisted}"
    stale = [r for r in NOT_REPO_SCOPED if r not in routes]
    assert not stale, f"NOT_REPO_SCOPED lists routes the app no longer has: {stale}"
    assert sum(is_repo_scoped(p) for _m, p in routes) > 40  # the table really is the app's


def test_access_matrix(world):
    hub, client, repos, callers = world
    private_names = [case.repo_id for case in repos if case.private]
    problems: list[str] = []
    tried = 0
    for method, path in flat_routes(client.app):
        if not is_repo_scoped(path):
            continue
        reads = method in SAFE or path in READS_BY_POST
        for case in repos:
            if not applies_to(path, case.type):
                continue
            url = fill(path, repo_params(path, case))
            for caller in callers:
                if not reads and caller.writes:
                    continue  # writes by callers who may write would change the repos
                tried += 1
                answer = request(client, method, url, caller)
                where = f"{caller.name}: {method} {url} -> {answer.status_code}"
                if answer.status_code >= 500:
                    problems.append(f"{where} (server error)")
                    continue
                if case.private and caller.outsider:
                    ghost = request(client, method, fill(path, repo_params(path, ghost_of(case))), caller)
                    if answer.status_code != ghost.status_code:
                        problems.append(f"{where}, but {ghost.status_code} for a repo that does not exist")
                    signing_in = answer.status_code == 401 or _to_login(answer)
                    if method in SAFE and answer.status_code != 404 and not (signing_in and _needs_more(path)):
                        problems.append(f"{where}: a private repo must be 404 to outsiders")
                    if answer.text.count(case.repo_id) != ghost.text.count(ghost_of(case).repo_id):
                        problems.append(f"{where}: the body names the private repo beyond the request's echo")
                    continue
                problems.extend(_leaks(where, answer, caller, private_names, echo=case.repo_id))
                expected = _expected(method, path, caller, reads)
                if expected == "ok" and not answer.status_code < 400:
                    problems.append(f"{where}: expected success ({answer.text[:150]})")
                if expected == "allowed" and _refused_access(answer, caller):
                    problems.append(f"{where}: expected to pass the access check ({answer.text[:150]})")
                if expected == "refused" and answer.status_code not in (401, 403) and not _to_login(answer):
                    problems.append(f"{where}: expected 401/403 ({answer.text[:150]})")
    for (method, path), params in NOT_REPO_SCOPED.items():
        for caller in callers:
            if method not in SAFE and caller.writes:
                continue
            tried += 1
            answer = request(client, method, fill(path, params), caller)
            where = f"{caller.name}: {method} {fill(path, params)} -> {answer.status_code}"
            if answer.status_code >= 500:
                problems.append(f"{where} (server error)")
            problems.extend(_leaks(where, answer, caller, private_names))
    assert tried > 500
    assert not problems, "\n".join(problems)


def _refused_access(answer, caller: Caller) -> bool:
    """403, a 404 for the repo itself, or 401 to a caller who did sign in."""
    status = answer.status_code
    return (status == 403 or (status == 404 and answer.headers.get("x-error-code") == "RepoNotFound")
            or (status == 401 and caller.name != "anonymous"))


def _needs_more(path: str) -> bool:
    return bool(NEEDS_ADMIN.search(path) or NEEDS_WRITE.search(path) or NEEDS_SIGN_IN.search(path))


def _expected(method: str, path: str, caller: Caller, reads: bool) -> str:
    if method not in SAFE and PARTICIPATION.search(path):
        return "participation"
    if not reads:
        return "refused"
    if method not in SAFE:
        return "allowed"
    if NEEDS_ADMIN.search(path):
        return "ok" if caller.admin else "refused"
    if NEEDS_WRITE.search(path):  # allowed, not ok: e.g. a repo that is not gated has no access requests
        return "allowed" if caller.writes else "refused"
    if NEEDS_SIGN_IN.search(path):
        refused = caller.name == "anonymous" or (caller.name == "read token" and PROPOSALS.search(path))
        return "refused" if refused else "ok"
    return "ok"


def _to_login(answer) -> bool:
    """Pages send anonymous visitors to sign in instead of answering 401."""
    return answer.status_code in (302, 303, 307) and "/login" in answer.headers.get("location", "")


def _leaks(where: str, answer, caller: Caller, private_names: list[str], echo: str | None = None) -> list[str]:
    if not caller.outsider:
        return []
    return [f"{where}: the body names private repo {name}" for name in private_names
            if name != echo and name in answer.text]


def test_matrix_notices_a_leak(world):
    """The matrix's own check catches a private name in a body (a test that cannot fail is a defect)."""
    _hub, _client, repos, callers = world
    hidden = next(case for case in repos if case.private)

    class Leaky:
        text = f"see also {hidden.repo_id}"

    assert _leaks("x", Leaky, callers[1], [hidden.repo_id])
    assert not _leaks("x", Leaky, callers[5], [hidden.repo_id])
