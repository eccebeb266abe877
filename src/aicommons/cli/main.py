"""The ``aicommons`` command. Admin commands work directly on the data directory, also while a server runs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from aicommons.cli import cards as cli_cards
from aicommons.cli.demo import demo
from aicommons.cli.transfer import pull, push
from aicommons.errors import HubError

app = typer.Typer(help="AI Commons: a self-hostable hub for open AI models and datasets.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
orgs_app = typer.Typer(help="Manage organisations.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(orgs_app, name="orgs")
app.add_typer(tokens_app, name="tokens")
card_app = typer.Typer(help="Write and check model and dataset cards.", no_args_is_help=True)
index_app = typer.Typer(help="The metadata index behind search and lineage.", no_args_is_help=True)
app.add_typer(card_app, name="card")
app.add_typer(index_app, name="index")
card_app.command("init")(cli_cards.card_init)
card_app.command("check")(cli_cards.card_check)
index_app.command("rebuild")(cli_cards.index_rebuild)
app.command("push")(push)
app.command("pull")(pull)
app.command("demo")(demo)

err = Console(stderr=True)
DataDir = typer.Option(None, "--data-dir", envvar="AICOMMONS_DATA_DIR", help="Where the hub keeps its data.")


def open_hub(data_dir: Optional[Path]):
    from aicommons.hub import Hub
    from aicommons.settings import Settings

    return Hub.open(Settings.from_env(data_dir))


def fail(message: str, code: int = 1):
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    data_dir: Optional[Path] = DataDir,
    workers: int = typer.Option(1, help="Server processes (stateless; they share the data directory)."),
):
    """Run the hub's web server."""
    import os

    import uvicorn

    if data_dir:
        os.environ["AICOMMONS_DATA_DIR"] = str(data_dir.resolve())
    open_hub(data_dir).close()  # migrate once, before workers start
    err.print(f"AI Commons serving on http://{host}:{port}")
    uvicorn.run("aicommons.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="info", timeout_keep_alive=30)


@app.command()
def worker(data_dir: Optional[Path] = DataDir):
    """Run background jobs (scans, evaluations, deliveries) taken from the shared database."""
    from aicommons.features import configure_hub

    hub = configure_hub(open_hub(data_dir))
    err.print("AI Commons worker: waiting for jobs")
    try:
        hub.jobs.work_forever()
    except KeyboardInterrupt:
        pass


@app.command()
def fsck(data_dir: Optional[Path] = DataDir):
    """Re-hash every blob and check every commit, tree and ref; exits 1 when anything is corrupt."""
    from aicommons.repos.fsck import fsck as run_fsck

    hub = open_hub(data_dir)
    with err.status("checking") as status:
        report = run_fsck(hub, lambda message: status.update(f"checking {message}"))
    for problem in report.problems:
        err.print(f"[red]corrupt:[/red] {problem}")
    err.print(f"{report.blobs_checked} blobs, {report.commits_checked} commits, {report.refs_checked} refs checked: "
              + ("[green]no problems[/green]" if report.ok else f"[red]{len(report.problems)} problems[/red]"))
    raise typer.Exit(0 if report.ok else 1)


@users_app.command("create")
def users_create(
    name: str,
    admin: bool = typer.Option(False, "--admin", help="Make the user a hub administrator."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    email: Optional[str] = typer.Option(None, help="E-mail address."),
    data_dir: Optional[Path] = DataDir,
):
    """Create a user (with a password read from stdin, or none: token access only)."""
    from aicommons.accounts.service import create_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    hub = open_hub(data_dir)
    try:
        with hub.db.write() as session:
            create_user(session, name, password, email=email, is_admin=admin)
    except HubError as error:
        fail(error.message)
    err.print(f"created user {name}" + (" (admin)" if admin else ""))


@orgs_app.command("create")
def orgs_create(name: str, owner: str = typer.Option(..., help="User who becomes the organisation's admin."),
                data_dir: Optional[Path] = DataDir):
    """Create an organisation owned by a user."""
    from aicommons.accounts.service import create_org, require_account

    hub = open_hub(data_dir)
    try:
        with hub.db.write() as session:
            create_org(session, name, require_account(session, owner, "user"))
    except HubError as error:
        fail(error.message)
    err.print(f"created organisation {name} (admin: {owner})")


@orgs_app.command("add-member")
def orgs_add_member(org: str, user: str, role: str = typer.Option("read", help="read, write or admin."),
                    data_dir: Optional[Path] = DataDir):
    """Add a user to an organisation, or change their role."""
    from aicommons.accounts.service import require_account, set_member

    hub = open_hub(data_dir)
    try:
        with hub.db.write() as session:
            set_member(session, require_account(session, org, "org"), require_account(session, user, "user"), role)
    except HubError as error:
        fail(error.message)
    err.print(f"{user} is now {role} in {org}")


@tokens_app.command("create")
def tokens_create(user: str, role: str = typer.Option("write", help="read or write."),
                  name: str = typer.Option("cli", help="A label for the token."),
                  data_dir: Optional[Path] = DataDir):
    """Create an API token; prints only the token on stdout (it is shown once)."""
    from aicommons.accounts.service import create_token, require_account

    hub = open_hub(data_dir)
    try:
        with hub.db.write() as session:
            token, _ = create_token(session, require_account(session, user, "user"), role, name)
    except HubError as error:
        fail(error.message)
    print(token)


def _admin_subject_source(data_dir: Optional[Path]):
    """The CLI runs on the data directory itself, so it sees every repo, as an admin would."""
    from aicommons.accounts.principal import Principal
    from aicommons.licenses.hub_source import subject_source

    return subject_source(open_hub(data_dir), Principal(user_id=0, name="cli", is_admin=True))


def _register_feature_commands() -> None:
    from aicommons.cli.licenses import make_license_commands
    from aicommons.cli.resources import resources
    from aicommons.cli.scan import scan
    from aicommons.cli.storage import gc, storage  # they use DataDir and open_hub from here

    license_cmd, bom_cmd = make_license_commands(_admin_subject_source)
    app.command("license")(license_cmd)
    app.command("bom")(bom_cmd)
    app.command("storage")(storage)
    app.command("gc")(gc)
    app.command("resources")(resources)
    app.command("scan")(scan)

    from aicommons.cli.evaluation import eval_command, eval_data_app, verify_eval

    app.command("eval")(eval_command)
    app.command("verify-eval")(verify_eval)
    app.add_typer(eval_data_app, name="eval-data")


_register_feature_commands()

if __name__ == "__main__":
    app()
