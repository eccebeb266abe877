"""Schemathesis against the hub's OpenAPI document: generated requests to every operation, on a hub with
demo-like content, must never get a server error (5xx). Half of the generated repo names are replaced by real
ones (and revisions by real branches), so the requests reach past the lookups into the handlers."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from aicommons.api.app import create_app
from aicommons.repos.names import RepoType
from tests.conftest import make_user

from .hub_content import push, scanned_model

MAX_EXAMPLES = 10  # per operation: the run stays well under two minutes on two cores


@pytest.fixture(scope="module")
def hub_api(tmp_path_factory):
    from aicommons.features import configure_hub
    from aicommons.hub import Hub
    from aicommons.settings import Settings

    hub = configure_hub(Hub.open(Settings.from_env(tmp_path_factory.mktemp("schemathesis") / "data")))
    owner = make_user(hub, "demo")
    scanned_model(hub, owner, "demo/model")
    push(hub, owner, "demo/data", {"README.md": b"---\nlicense: mit\n---\n# data\n", "train.csv": b"a,b\n1,2\n"},
         repo_type=RepoType.DATASET)
    hub.jobs.drain()
    app = create_app(hub)
    app.state.schemathesis_headers = {"Authorization": f"Bearer {owner.token}"}
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    hub.close()


def aim_at_real_repos(case) -> None:
    """Swap in the demo repos for half of the generated cases (decided by the generated name, so reproducible)."""
    params = case.path_parameters or {}
    if "kind" in params:  # the schema cannot say which words the route's converter takes
        params["kind"] = "datasets" if len(str(params.get("name", ""))) % 3 == 0 else "models"
    if "name" not in params or len(str(params["name"])) % 2:
        return
    dataset = "/datasets" in case.operation.path or params.get("kind") == "datasets"
    params.update(namespace="demo", name="data" if dataset else "model")
    for key in ("rest", "revision", "rev"):
        if key in params:
            params[key] = "main/README.md" if "/resolve/" in case.operation.path else "main"


@pytest.mark.slow
def test_no_server_errors(hub_api):
    headers = hub_api.app.state.schemathesis_headers
    operations = [result.ok() for result in hub_api.get_all_operations()]
    assert len(operations) > 30
    failures = []
    for operation in operations:
        @given(operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
        def check(case):
            aim_at_real_repos(case)
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            check()
        except Exception as error:  # collect every operation's failure, not just the first
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)
