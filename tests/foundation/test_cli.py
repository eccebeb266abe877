"""The admin CLI, run as a real process on a data directory."""

import subprocess
import sys

from aicommons.accounts.service import principal_for_token, verify_password
from aicommons.hub import Hub
from aicommons.settings import Settings


def aicommons(data_dir, *args, input=None):
    return subprocess.run([sys.executable, "-m", "aicommons", *args, "--data-dir", str(data_dir)], input=input,
                          capture_output=True, text=True, timeout=120)


def test_users_orgs_and_tokens(tmp_path):
    data = tmp_path / "data"
    assert aicommons(data, "users", "create", "alice", "--admin", "--password-stdin",
                     input="a long password\n").returncode == 0
    assert aicommons(data, "users", "create", "bob").returncode == 0
    assert aicommons(data, "orgs", "create", "acme", "--owner", "alice").returncode == 0
    assert aicommons(data, "orgs", "add-member", "acme", "bob", "--role", "write").returncode == 0
    made = aicommons(data, "tokens", "create", "bob", "--role", "read", "--name", "laptop")
    assert made.returncode == 0
    token = made.stdout.strip()
    assert token.startswith("aic_") and "\n" not in token  # only the token on stdout

    hub = Hub.open(Settings.from_env(data))
    with hub.db.read() as session:
        assert verify_password(session, "alice", "a long password").is_admin
        principal = principal_for_token(session, token)
    assert principal.name == "bob" and principal.token_role == "read"
    assert list(principal.org_roles.values()) == ["write"]
    hub.close()


def test_errors_are_clear_and_exit_non_zero(tmp_path):
    data = tmp_path / "data"
    aicommons(data, "users", "create", "alice")
    again = aicommons(data, "users", "create", "alice")
    assert again.returncode == 1 and "already taken" in again.stderr
    missing = aicommons(data, "orgs", "add-member", "nope", "alice")
    assert missing.returncode == 1 and "nope" in missing.stderr
    role = aicommons(data, "tokens", "create", "alice", "--role", "admin")
    assert role.returncode == 1 and "role" in role.stderr
