"""Commands of the review desk: `compliance web` and `compliance users add|list|set-password|disable`.
Registered on the main app by flows/cli.py."""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flows.cli_common import DbOption, fail, out_console, parse_day, say_if_empty

console = out_console()
err = Console(stderr=True, soft_wrap=True)



LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str) -> bool:
    """True when the desk listens on this machine only (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host.strip().lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cookie_secure(host: str, https_only: bool | None) -> bool:
    """Whether the session cookie is marked Secure: as told (--https-only / --allow-http), else on unless
    the desk listens on loopback only (where the browser reaches it over plain http://127.0.0.1)."""
    return (not is_loopback(host)) if https_only is None else https_only


def parse_proxies(text: str | None) -> list[str]:
    """The trusted proxies' addresses from "10.0.0.5, 10.0.0.6" (or networks like 10.0.0.0/24)."""
    return [p for p in (x.strip() for x in (text or "").replace(";", ",").split(",")) if p]


ACCESS_FORMAT = '%(asctime)s %(client_addr)s "%(request_line)s" %(status_code)s'


def log_config(access_log: bool) -> dict:
    """uvicorn's logging: its own messages from WARNING; with access_log, one line per request on standard
    error, with the time and its offset (uvicorn's default access line has no time)."""
    from uvicorn.config import LOGGING_CONFIG

    config = {**LOGGING_CONFIG, "formatters": {**LOGGING_CONFIG["formatters"]},
              "loggers": {k: dict(v) for k, v in LOGGING_CONFIG["loggers"].items()}}
    config["formatters"]["access"] = {"()": "uvicorn.logging.AccessFormatter", "fmt": ACCESS_FORMAT,
                                      "datefmt": "%Y-%m-%d %H:%M:%S%z", "use_colors": False}
    config["handlers"] = {**LOGGING_CONFIG["handlers"],
                          "access": {"formatter": "access", "class": "logging.StreamHandler",
                                     "stream": "ext://sys.stderr"}}
    config["loggers"]["uvicorn"]["level"] = "WARNING"
    config["loggers"]["uvicorn.access"]["level"] = "INFO" if access_log else "WARNING"
    return config


def server_config(app, host: str, port: int, trusted_proxies: list[str] | None = None,  # type: ignore[no-untyped-def]
                  access_log: bool = True):
    """uvicorn's configuration of the desk. X-Forwarded-For/-Proto are believed only from the listed proxies;
    with none (the default) the client address is the connection's own, so no one can choose the address
    the sign-in attempt limit counts. The access log has one line per request (method, path, status)."""
    import uvicorn

    proxies = list(trusted_proxies or [])
    return uvicorn.Config(app, host=host, port=port, log_config=log_config(access_log), access_log=access_log,
                          proxy_headers=bool(proxies), forwarded_allow_ips=",".join(proxies) if proxies else "",
                          server_header=False)


def port_problem(host: str, port: int) -> str | None:
    """Why the desk cannot listen on host:port (in use, not an address of this machine), in one line."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"'{host}' is not an address of this machine: use 127.0.0.1 (this machine only) or 0.0.0.0 (all)."
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return f"Port {port} is in use already (another desk?): stop it, or choose another with --port."
            if e.errno == errno.EACCES:
                return f"This account may not listen on port {port}: choose one above 1023 with --port."
            return f"Cannot listen on {host}:{port}: choose another --host or --port."
    return None


def web(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (1-65535).", min=1, max=65535)] = 8000,
    db: DbOption = None,
    as_of: Annotated[date | None, typer.Option("--as-of", parser=parse_day, metavar="YYYY-MM-DD",
                                               help="Check as of this date (YYYY-MM-DD) instead of "
                                              "today, e.g. to review a corpus.")] = None,
    https_only: Annotated[bool | None, typer.Option(
        "--https-only/--allow-http",
        help="--https-only: send the session cookie over HTTPS only (behind a TLS proxy). --allow-http: also "
             "over plain HTTP (an intranet without TLS). Default: HTTPS only unless --host is a loopback "
             "address.")] = None,
    trusted_proxies: Annotated[str | None, typer.Option(
        "--trusted-proxies", envvar="COMPLIANCE_WEB_TRUSTED_PROXIES",
        help="Addresses of reverse proxies (comma-separated) whose X-Forwarded-For header is believed. "
             "Default: none; the client address is the connection's.")] = None,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request (time, "
                                             "address, method, path, status) on standard error.")] = True,
) -> None:
    """Run the review desk: the exception queue in a browser, for staff with an account
    (`compliance users add`)."""
    import uvicorn

    from web.app import create_app

    day = as_of
    problem = port_problem(host, port)
    if problem:
        fail(problem)
    secure = cookie_secure(host, https_only)
    say_if_empty(db)
    app = create_app(db, as_of=day, https_only=secure)
    err.print(f"Review desk on http://{host}:{port}/ (Ctrl-C stops it).")
    if secure and https_only is None:
        err.print("The session cookie goes over HTTPS only: serve the desk behind a TLS proxy, or pass "
                  "--allow-http to sign in over plain HTTP.")
    uvicorn.Server(server_config(app, host, port, parse_proxies(trusted_proxies), access_log)).run()


users_app = typer.Typer(rich_markup_mode="markdown", help="Staff accounts of the review desk.", no_args_is_help=True)


class Role(StrEnum):
    """The roles of a desk account."""

    viewer = "viewer"
    reviewer = "reviewer"
    administrator = "administrator"


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="The sign-in name (one word).")],
    role: Annotated[Role, typer.Option(help="viewer (looks), reviewer (acts; sees background checks) or "
                                       "administrator (also the audit trail and accounts).")] = Role.reviewer,
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
        create_user(db, username, password, role.value, name, email)
    except AccountError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Added {role.value} '{username}'.")


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """List the staff accounts."""
    from flows.localtime import local_short
    from storage import web_repo
    from storage.db import database

    t = Table(title="Staff accounts")
    for col in ("user", "name", "role", "e-mail", "active", "last sign-in"):
        t.add_column(col)
    with database(db).session() as s:
        for u in web_repo.list_users(s):
            last = web_repo.last_success(s, u.username)
            t.add_row(u.username, u.display_name, u.role, u.email or "", "yes" if u.active else "no",
                      local_short(last) if last else "never")
    console.print(t)


@users_app.command("set-password")
def users_set_password(
    username: Annotated[str, typer.Argument(help="The sign-in name.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    db: DbOption = None,
) -> None:
    """Give an account a new password."""
    from web.auth import AccountError, set_password

    password = sys.stdin.readline().rstrip("\n") if password_stdin else typer.prompt(
        "New password", hide_input=True, confirmation_prompt=True)
    try:
        ended = set_password(db, username, password)
    except AccountError as e:
        err.print(f"[red]{escape(str(e))}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Password of '{escape(username)}' changed" + (f"; {ended} open session(s) signed out."
                                                                if ended else "."))


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument(help="The sign-in name.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable the account again instead.")] = False,
    db: DbOption = None,
) -> None:
    """Disable an account (it can no longer sign in and its open sessions end; its actions stay in the audit
    trail)."""
    from web.auth import AccountError, set_active

    try:
        ended = set_active(db, username, enable)
    except AccountError as e:
        err.print(f"[red]{escape(str(e))}[/red]")
        raise typer.Exit(2) from None
    console.print(f"'{escape(username)}' {'enabled' if enable else 'disabled'}"
                  + (f"; {ended} open session(s) signed out." if ended else "."))


@users_app.command("copy")
def users_copy(
    source: Annotated[str, typer.Option("--from", help="The database to copy the accounts from (a file path or a "
                                        "URL).", show_default=False)],
    db: DbOption = None,
) -> None:
    """Copy the staff accounts (with their passwords and roles) from another database into this one, so the
    same people can sign in to the desk on either. Accounts already here are left as they are."""
    from storage import web_repo
    from storage.db import database
    from storage.settings import DatabaseChoiceError, as_database_url

    try:
        source_url = as_database_url(source)
    except DatabaseChoiceError as e:
        fail(str(e))
    if source_url == db:
        fail("--from names the database the accounts would be copied into: give the other database.")
    with database(source_url).session() as s:
        accounts = [(u.username, u.password_hash, u.role, u.display_name, u.email, u.active)
                    for u in web_repo.list_users(s)]
    copied, kept = [], []
    with database(db).session() as s, s.begin():
        for username, password_hash, role, name, email, active in accounts:
            if web_repo.user_by_name(s, username):
                kept.append(username)
                continue
            web_repo.add_user(s, username, password_hash, role, name or "", email).active = active
            copied.append(username)
    console.print(f"Copied {len(copied)} account(s)" + (f": {escape(', '.join(copied))}" if copied else "")
                  + (f"; already here, left as they are: {escape(', '.join(kept))}." if kept else "."))


def register(app: typer.Typer) -> None:
    """Add the review desk's commands to the `compliance` command line."""
    app.command("web")(web)
    app.add_typer(users_app, name="users")
