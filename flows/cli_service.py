"""Commands of the long-lived service: serve, sweep, notices, doctor. Registered on the main app by cli.py."""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flows.cli_common import DbOption, LookDbOption, fail, out_console, parse_day

console = out_console()
err = Console(stderr=True, soft_wrap=True)



class NoticeStatus(StrEnum):
    """The states a notice is recorded in."""

    sent = "sent"
    dry_run = "dry_run"
    failed = "failed"
    pending = "pending"


def serve(
    folder: Annotated[Path | None, typer.Option(help="The watch folder. Default: [watch] folder in config.toml, "
                                                "else COMPLIANCE_HOME/watch.")] = None,
    db: DbOption = None,
    prefect: Annotated[bool, typer.Option(help="Serve the Prefect deployments (nightly sweep schedule) and run "
                                          "each batch as a Prefect flow. --no-prefect: only watch the folder (then run "
                                          "`compliance sweep` nightly from cron).")] = True,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also log the details (DEBUG); the log is at "
                                          "INFO otherwise, one line per batch.")] = False,
) -> None:
    """Run the service: watch the folder (files are read once whole, each exactly once, failures go to
    failed/ with a reason), and run the nightly sweep on its schedule with notices.

    Without PREFECT_API_URL a local Prefect server on SQLite is started and kept running (its UI shows
    schedules, runs, retries and failures); with it, the district's Prefect server is used. Stop with Ctrl-C
    or SIGTERM; the schedule stays active."""
    from flows import service_log
    from flows.service import run_service
    from flows.service_settings import load_settings

    service_log.configure(verbose)
    settings = load_settings()
    for p in settings.problems:
        err.print(f"[yellow]settings: {p}[/yellow]")
    root = folder or settings.watch_folder
    err.print(f"Watching {root}; nightly sweep '{settings.sweep.cron}' ({settings.sweep.timezone}).")
    run_service(settings, root, db, use_prefect=prefect)


def sweep(
    as_of: Annotated[date | None, typer.Option("--as-of", parser=parse_day, metavar="YYYY-MM-DD",
                                               help="Sweep as of this date (YYYY-MM-DD). Default: today "
                                              "in the district's time zone.")] = None,
    db: DbOption = None,
    notices: Annotated[bool, typer.Option(help="Send the notices that follow (--no-notices: only check).")] = True,
    policy: Annotated[Path | None, typer.Option(help="A policy file (YAML) instead of the configured one.")] = None,
    prefect: Annotated[bool, typer.Option(help="Run as a Prefect flow (visible in a Prefect server).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON on standard output.")] = False,
    fail_on_flagged: Annotated[bool, typer.Option("--fail-on-flagged", help="Exit with code 1 when a request is "
                                                  "flagged.")] = False,
) -> None:
    """Re-check every request with a use date still ahead, record the sweep, and send deficiency notices,
    renewal reminders and the staff digest (each notice once). Exits 1 when a notice could not be sent, or
    with --fail-on-flagged when a request is flagged."""
    from flows import temporary_server_settings
    from flows.service_settings import load_settings
    from flows.sweep import nightly_sweep_flow, summary_dict
    from flows.sweep import sweep as run_sweep

    day = as_of
    if policy is not None and not policy.is_file():
        fail(f"The policy file {policy} does not exist: check the name, or leave out --policy.")
    settings = load_settings()
    if policy:
        settings.sweep.policy = str(policy)
    if prefect:
        with temporary_server_settings():
            result = nightly_sweep_flow(day, db, str(policy) if policy else None)
    else:
        result = summary_dict(run_sweep(db, day, settings, send=notices))
    if as_json:
        from flows.cli_json import emit
        from storage.settings import shown_url

        emit({"database": shown_url(db or ""), **{k: result[k] for k in (
            "as_of", "checked", "flagged", "newly_flagged", "newly_compliant", "expiring_soon", "notices_sent",
            "notices_dry_run", "notices_failed", "seconds")}})
    else:
        _print_sweep(result)
    if result["notices_failed"]:
        err.print("[red]Some notices could not be sent; see `compliance notices --status failed`. They are "
                  "retried on the next sweep.[/red]")
        raise typer.Exit(1)
    if fail_on_flagged and result["flagged"]:
        raise typer.Exit(1)


def _print_sweep(result: dict) -> None:
    t = Table(title=f"Sweep as of {result['as_of']}")
    t.add_column("")
    t.add_column("count", justify="right")
    for label, key in (("open requests checked", "checked"), ("flagged", "flagged"),
                       ("newly flagged", "newly_flagged"), ("newly compliant", "newly_compliant"),
                       ("documents expiring soon", "expiring_soon"), ("notices sent", "notices_sent"),
                       ("notices written (dry run)", "notices_dry_run"), ("notices failed", "notices_failed")):
        t.add_row(label, str(result[key]))
    t.add_row("time", ", ".join(f"{k} {v:.1f} s" for k, v in result["seconds"].items()))
    console.print(t)


def notices(
    status: Annotated[NoticeStatus | None, typer.Option(help="Only the notices in this state.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1)] = 30,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the notices as JSON on standard output.")] = False,
) -> None:
    """The notices recorded (sent, written in dry-run mode, or failed with the reason)."""
    from storage import service_repo as srepo
    from storage.db import database

    with database(db).session() as s:
        rows = srepo.list_notices(s, limit=limit, status=status.value if status else None)
        counts = srepo.notice_counts(s)
    if as_json:
        from flows.cli_json import emit
        from flows.localtime import local_iso
        from storage.settings import shown_url

        emit({"database": shown_url(db or ""),
              "counts": [{"kind": k, "status": st, "count": n} for (k, st), n in sorted(counts.items())],
              "notices": [{"id": n.id, "kind": n.kind, "recipient": n.recipient, "request_id": n.request_id,
                           "org_id": n.org_id, "subject": n.subject, "status": n.status, "error": n.error,
                           "created_at": local_iso(n.created_at), "sent_at": local_iso(n.sent_at)} for n in rows]})
        return
    from flows.localtime import local_short

    t = Table(title=f"Notices ({', '.join(f'{k} {st}: {n}' for (k, st), n in sorted(counts.items())) or 'none'})")
    for col in ("when", "kind", "to", "request", "subject", "status"):
        t.add_column(col, overflow="fold")
    for n in rows:
        when = local_short(n.sent_at or n.created_at)
        state = n.status + (f": {n.error}" if n.error else "")
        t.add_row(when, n.kind, escape(n.recipient), n.request_id or "", escape(n.subject), state)
    console.print(t)


def doctor(
    db: LookDbOption = None,
    smtp: Annotated[bool, typer.Option(help="Also connect to the mail server.")] = True,
) -> None:
    """Check the set-up: Tesseract and its version, the database (reachable, migrated), folders writable,
    the mail server, the sweep schedule, Prefect. Says what to fix; exits 1 when something must be fixed."""
    from flows.doctor import run_checks
    from flows.service_settings import load_settings

    checks = run_checks(load_settings(), db, smtp=smtp)
    t = Table(title="compliance doctor")
    for col in ("", "check", "finding", "what to do"):
        t.add_column(col, overflow="fold")
    marks = {"ok": "[green]ok[/green]", "warn": "[yellow]warn[/yellow]", "fail": "[red]FAIL[/red]"}
    for c in checks:
        t.add_row(marks[c.status], escape(c.name), escape(c.detail), escape(c.fix))  # '[smtp] host' is text
    console.print(t)
    failed = [c for c in checks if c.status == "fail"]
    if failed:
        console.print(f"[red]{len(failed)} problem(s) to fix.[/red]")
        raise typer.Exit(1)
    console.print("[green]Ready.[/green]")


config_app = typer.Typer(rich_markup_mode="markdown", no_args_is_help=True,
                         help="The settings in force (config.toml and COMPLIANCE_* variables).")


@config_app.command("show")
def config_show(
    as_json: Annotated[bool, typer.Option("--json", help="Print the settings as JSON on standard output.")] = False,
) -> None:
    """Print every setting in force and where it came from: an environment variable, the configuration file,
    or the default. Also the data folder, the configuration file and the database."""
    import json
    import os

    from flows.service_settings import config_file, load_settings, settings_in_force
    from storage.settings import compliance_home, database_choice, shown_url

    home = compliance_home()
    config = config_file(home)
    url, db_source = database_choice()
    rows = settings_in_force(home)
    problems = load_settings(home).problems
    if as_json:
        sys.stdout.write(json.dumps({
            "data_folder": str(home), "config_file": str(config), "config_file_exists": config.exists(),
            "database": shown_url(url), "database_source": db_source, "problems": problems,
            "settings": [{"section": r.section, "key": r.key, "value": r.value, "source": r.source} for r in rows],
        }, indent=1, default=str) + "\n")
        return
    console.print(f"Data folder: {escape(str(home))} "
                  f"({'$COMPLIANCE_HOME' if os.environ.get('COMPLIANCE_HOME') else 'the default'})")
    console.print(f"Configuration file: {escape(str(config))}" + ("" if config.exists() else " (none: defaults)"))
    console.print(f"Database: {escape(shown_url(url))} ({db_source})")
    t = Table(title="Settings in force")
    for col in ("setting", "value", "from"):
        t.add_column(col, overflow="fold")
    settings = load_settings(home)
    meaning = {("watch", "folder"): str(settings.watch_folder), ("notices", "dry_run_folder"): str(settings.outbox),
               ("sweep", "policy"): "the APS policy"}
    for r in rows:
        shown = repr(r.value) if isinstance(r.value, str) else json.dumps(r.value)
        if r.value == "" and (r.section, r.key) in meaning:
            shown += f" ({meaning[(r.section, r.key)]})"
        t.add_row(escape(f"[{r.section}] {r.key}"), escape(shown), escape(r.source))
    console.print(t)
    for p in problems:
        err.print(f"[yellow]settings: {escape(p)}[/yellow]")


def register(app: typer.Typer) -> None:
    """Add the service commands to the `compliance` app."""
    app.add_typer(config_app, name="config")
    app.command()(serve)
    app.command()(sweep)
    app.command()(notices)
    app.command()(doctor)
