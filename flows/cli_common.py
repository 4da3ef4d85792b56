"""What every `compliance` command shares: the --db option (a file path or a URL; the current database), the
line saying which database a command works on, and mistakes told in one line with exit code 2 instead of a
traceback (ComplianceApp)."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from storage.settings import (
    DatabaseChoiceError,
    compliance_home,
    database_choice,
    record_current_database,
    shown_url,
)

err = Console(stderr=True, soft_wrap=True, highlight=False)
# Prefect's usage statistics stay off in command-line runs: their notice printed between the progress bars.
os.environ.setdefault("DO_NOT_TRACK", "1")


def out_console() -> Console:
    """Standard output for people: the terminal's width; piped, the width $COLUMNS says, else 150 (a file or a
    pager, where wrapping at 80 would only cut the findings short)."""
    return Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 150)
USAGE = 2  # exit code of a mistake in what was asked (as click uses for a wrong option)


class UserMistake(Exception):
    """Something the person asked cannot be done as asked; the message says what to do instead."""


def fail(message: str) -> NoReturn:
    """End the command with one line saying what is wrong and what to do (exit code 2)."""
    err.print(f"[red]{escape(message)}[/red]")
    raise typer.Exit(USAGE)


_announced: set[str] = set()


def announce_database(url: str, source: str) -> None:
    """One line on standard error naming the database a command works on (once per command)."""
    if url in _announced:
        return
    _announced.add(url)
    err.print(f"[dim]Database: {escape(shown_url(url))} ({source})[/dim]")


def _chosen_database(value: str | None) -> tuple[str, str]:
    """(URL, where it came from) of --db or the current database; a value naming none ends the command."""
    try:
        return database_choice(value)
    except DatabaseChoiceError as e:
        fail(str(e))


def resolve_db(ctx: typer.Context, value: str | None) -> str | None:
    """--db as a URL. Given, it becomes the current database for the commands that follow; not given, the
    current one is used. A value that names no database ends the command with one line."""
    if ctx.resilient_parsing:
        return value
    url, source = _chosen_database(value)
    if value:
        from sqlalchemy.exc import OperationalError

        from storage.db import make_engine

        engine = make_engine(url)
        try:  # only a database that opens becomes the current one (opened, not migrated: `doctor` looks at that)
            with engine.connect():
                pass
        except OperationalError:
            fail(explain(OperationalError("", None, Exception()))[0])
        finally:
            engine.dispose()
        record_current_database(url)
        source = "--db; now the current database"
    announce_database(url, source)
    return url


def look_at_db(ctx: typer.Context, value: str | None) -> str | None:
    """--db of a command that examines a database (doctor): resolved like every --db, but not opened and not
    made current, so a database that does not open is that command's finding."""
    if ctx.resilient_parsing:
        return value
    url, source = _chosen_database(value)
    announce_database(url, source)
    return url


DB_HELP = ("The database: a file path (SQLite) or a URL such as postgresql://user:pw@host/db. Given once, it "
           "stays the current database for the commands that follow (see `compliance use`). Default: the "
           "current database, else $COMPLIANCE_DATABASE_URL, else compliance.db in the data folder.")
DbOption = Annotated[str | None, typer.Option("--db", help=DB_HELP, callback=resolve_db, show_default=False)]
LookDbOption = Annotated[str | None, typer.Option("--db", help="The database to check: a file path (SQLite) or a "
                                                  "URL. Default: the current database.", callback=look_at_db,
                                                  show_default=False)]


def parse_day(value: str | date) -> date:
    """A --as-of value: a day written YYYY-MM-DD (Typer hands the command a date)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date; write it as YYYY-MM-DD") from None


def as_of_option(help_text: str) -> Any:
    """The --as-of option of a command: a date parameter, checked before the command runs."""
    return Annotated[date | None, typer.Option("--as-of", parser=parse_day, metavar="YYYY-MM-DD", help=help_text,
                                               show_default=False)]


def say_if_empty(url: str | None) -> bool:
    """Tell the person when the database holds nothing yet, and how to fill it. True when empty."""
    from storage import repository as repo
    from storage.db import database

    with database(url).session() as s:
        if repo.holds_anything(s):
            return False
    err.print(
        "[yellow]This database is empty (no organizations, requests or documents). Fill it with `compliance run "
        "CORPUS`, or `compliance registry import registry.json` then `compliance ingest FOLDER`; or switch to "
        "another with `compliance use DB`.[/yellow]"
    )
    return True


def writable_file(path: Path, what: str = "file") -> Path:
    """A file the command is about to write: its folder must exist and it must not be a folder."""
    if path.is_dir():
        fail(f"{path} is a folder: give a {what} name, e.g. {path / 'results.json'}.")
    if not path.parent.is_dir():
        fail(f"The folder {path.parent} does not exist: create it first, or write the {what} somewhere else.")
    return path


def _log_unexpected(exc: BaseException) -> Path | None:
    """Keep the traceback of an unexpected failure for whoever looks after the system."""
    try:
        folder = compliance_home() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "errors.log"
        with log.open("a", encoding="utf-8") as f:
            f.write(f"--- {datetime.now().astimezone().isoformat(timespec='seconds')} {' '.join(sys.argv)}\n")
            f.write("".join(traceback.format_exception(exc)))
        return log
    except OSError:
        return None


def explain(exc: BaseException) -> tuple[str, int]:
    """The one line said for an error that ends a command, and its exit code."""
    from sqlalchemy.exc import OperationalError

    from validators.policy import PolicyError

    if isinstance(exc, typer.TyperException) and hasattr(exc, "format_message"):  # a wrong option or argument
        ctx = getattr(exc, "ctx", None)
        where = f" See `{ctx.command_path} --help`." if ctx is not None else ""
        return exc.format_message().replace("Value error, ", "").rstrip(".") + "." + where, USAGE
    if isinstance(exc, UserMistake | DatabaseChoiceError):
        return str(exc), USAGE
    if isinstance(exc, PolicyError):
        shown = "; ".join(exc.problems[:3]) + (f" (and {len(exc.problems) - 3} more)" if len(exc.problems) > 3 else "")
        return f"The policy file {exc.source} cannot be used: {shown}. Fix it, or leave out --policy.", USAGE
    if isinstance(exc, OperationalError):
        return ("The database cannot be opened or used. Check that its server is running and the URL (user, "
                "password, database name) is right; `compliance doctor` checks it."), USAGE
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"{exc.filename} does not exist: check the name and the folder.", USAGE
    if isinstance(exc, PermissionError) and exc.filename:
        return f"{exc.filename}: this account may not read or write it.", USAGE
    if isinstance(exc, IsADirectoryError) and exc.filename:
        return f"{exc.filename} is a folder: give a file name.", USAGE
    log = _log_unexpected(exc)
    where = f" The details are in {log}" if log else ""
    return (f"Something went wrong inside the program ({type(exc).__name__}).{where}; please pass them on to "
            "whoever looks after the system."), 1


class ComplianceApp(typer.Typer):
    """The `compliance` command: a Typer app whose every ending is one line a person reads, never a
    traceback (mistakes exit 2, unexpected failures 1 with the details kept in the data folder's logs/)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        command = typer.main.get_command(self)
        try:
            code = command.main(*args, standalone_mode=False, **kwargs)
        except typer.Exit as e:
            sys.exit(e.exit_code)
        except (typer.Abort, KeyboardInterrupt):
            err.print("Stopped.")
            sys.exit(130)
        except Exception as e:  # every other ending is told in one line
            logging.getLogger(__name__).debug("command failed", exc_info=e)
            message, code = explain(e)
            err.print(f"[red]{escape(message)}[/red]")
            sys.exit(code)
        sys.exit(code if isinstance(code, int) else 0)
