"""Commands of the review desk: `compliance web` and `compliance users add|list|set-password|disable`.
Registered on the main app by flows/cli.py."""

from __future__ import annotations

import sys
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console(width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL. Default: $COMPLIANCE_DATABASE_URL, else SQLite in the data folder."),
]


def web(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: DbOption = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Check as of this date (YYYY-MM-DD) instead of "
                                              "today, e.g. to review a corpus.")] = None,
    https_only: Annotated[bool, typer.Option("--https-only", help="Send the session cookie over HTTPS only "
                                             "(behind a TLS proxy).")] = False,
) -> None:
    """Run the review desk: the exception queue in a browser, for staff with an account
    (`compliance users add`)."""
    import uvicorn

    from web.app import create_app

    day = None
    if as_of:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            err.print(f"[red]--as-of '{as_of}' is not a date; write it as YYYY-MM-DD.[/red]")
            raise typer.Exit(2) from None
    app = create_app(db, as_of=day, https_only=https_only)
    err.print(f"Review desk on http://{host}:{port}/ (Ctrl-C stops it).")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)


users_app = typer.Typer(help="Staff accounts of the review desk.", no_args_is_help=True)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="The sign-in name (one word).")],
    role: Annotated[str, typer.Option(help="viewer (looks), reviewer (acts; sees background checks) or "
                                      "administrator (also the audit trail and accounts).")] = "reviewer",
    name: Annotated[str, typer.Option("--name", help="Full name shown on the pages.")] = "",
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard "
                                                 "input instead of asking.")] = False,
    db: DbOption = None,
) -> None:
    """Add a staff account; the password is asked for (twice) and stored as an Argon2id hash."""
    from web.auth import AccountError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        create_user(db, username, password, role, name, email)
    except AccountError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Added {role} '{username}'.")


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """List the staff accounts."""
    from storage import web_repo
    from storage.db import database

    t = Table(title="Staff accounts")
    for col in ("user", "name", "role", "e-mail", "active", "last sign-in"):
        t.add_column(col)
    with database(db).session() as s:
        for u in web_repo.list_users(s):
            last = web_repo.last_success(s, u.username)
            t.add_row(u.username, u.display_name, u.role, u.email or "", "yes" if u.active else "no",
                      last.strftime("%Y-%m-%d %H:%M") if last else "never")
    console.print(t)


@users_app.command("set-password")
def users_set_password(
    username: Annotated[str, typer.Argument(help="The sign-in name.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    db: DbOption = None,
) -> None:
    """Give an account a new password."""
    from storage.db import database
    from web.auth import AccountError, hash_password

    password = sys.stdin.readline().rstrip("\n") if password_stdin else typer.prompt(
        "New password", hide_input=True, confirmation_prompt=True)
    try:
        hashed = hash_password(password)
    except AccountError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    with database(db).session() as s:
        row = _user_or_exit(s, username)
        row.password_hash = hashed
        s.commit()
    console.print(f"Password of '{username}' changed.")


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument(help="The sign-in name.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable the account again instead.")] = False,
    db: DbOption = None,
) -> None:
    """Disable an account (it can no longer sign in; its actions stay in the audit trail)."""
    from storage.db import database

    with database(db).session() as s:
        row = _user_or_exit(s, username)
        row.active = enable
        s.commit()
    console.print(f"'{username}' {'enabled' if enable else 'disabled'}.")


def _user_or_exit(s, username: str):  # type: ignore[no-untyped-def]
    """The account's row, or a clear message and exit status 2 when there is no such user."""
    from storage import web_repo

    row = web_repo.user_by_name(s, username)
    if row is None:
        err.print(f"[red]no user '{escape(username)}'[/red]")
        raise typer.Exit(2)
    return row


def register(app: typer.Typer) -> None:
    """Add the review desk's commands to the `compliance` command line."""
    app.command("web")(web)
    app.add_typer(users_app, name="users")
