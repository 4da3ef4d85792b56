"""`compliance`: the command line staff use. Every command explains itself in --help."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from flows.cli_common import (
    ComplianceApp,
    DbOption,
    announce_database,
    as_of_option,
    fail,
    out_console,
    say_if_empty,
    writable_file,
)

app = ComplianceApp(
    help="Check the compliance paperwork of groups renting school facilities (APS AC-11 requests).\n\n"
    "Typical day: `compliance registry import registry.json`, `compliance ingest WATCH_FOLDER`, "
    "`compliance check`, `compliance status`. Or all at once on a corpus: `compliance run CORPUS`.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            console.print(f"compliance {version('aps-compliance')}")
        except PackageNotFoundError:
            console.print("compliance (not installed as a package)")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_show_version,
                                          help="Print the version and exit.")] = False,
) -> None:
    pass


registry_app = typer.Typer(rich_markup_mode="markdown",
    help="Organizations and facility-use requests (the registry staff keep).", no_args_is_help=True
)
irs_app = typer.Typer(rich_markup_mode="markdown", no_args_is_help=True,
                      help="IRS data: the automatic-revocation list and Publication 78.")
app.add_typer(registry_app, name="registry")
app.add_typer(irs_app, name="irs")
console = out_console()
err = Console(stderr=True, soft_wrap=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on standard output (for "
                                           "scripts); messages for people go to standard error.")]
FailOnFlaggedOption = Annotated[bool, typer.Option("--fail-on-flagged", help="Exit with code 1 when a request is "
                                                   "flagged (for scripts and schedulers).")]
AsOfOption = as_of_option("Check as of this date (YYYY-MM-DD). Default: today.")


def _as_of(value: date | None) -> date:
    return value or date.today()


_fail = fail


# ------------------------------------------------------------------ registry


@registry_app.command("import")
def registry_import(
    file: Annotated[Path, typer.Argument(help="registry.json, or a CSV export with the same columns.")],
    db: DbOption = None,
) -> None:
    """Load organizations and requests; re-importing the same file changes nothing."""
    from flows.registry import import_registry

    if not file.exists():
        _fail(f"{file} does not exist.")
    result = import_registry(db, file)
    _print_registry_result(result)
    if result.errors:
        raise typer.Exit(1)


def _print_registry_result(result) -> None:  # type: ignore[no-untyped-def]
    t = Table(title="Registry import", show_header=True)
    t.add_column("")
    for col in ("created", "updated", "unchanged"):
        t.add_column(col, justify="right")
    t.add_row("organizations", *(str(result.organizations.get(k, 0)) for k in ("created", "updated", "unchanged")))
    t.add_row("requests", *(str(result.requests.get(k, 0)) for k in ("created", "updated", "unchanged")))
    console.print(t)
    for e in result.errors:
        err.print(f"[yellow]skipped: {e}[/yellow]")


# ------------------------------------------------------------------ IRS


@irs_app.command("import")
def irs_import(
    file: Annotated[Path, typer.Argument(help="IRS automatic-revocation list (pipe-delimited) or Pub 78 data file.")],
    pub78: Annotated[bool, typer.Option("--pub78", help="The file is Publication 78 data (EIN|name|city|…).")] = False,
    db: DbOption = None,
) -> None:
    """Load the IRS automatic-revocation list (reinstated organizations are not revoked) or Pub 78."""
    from flows.registry import import_irs

    if not file.exists():
        _fail(f"{file} does not exist.")
    loaded, errors = import_irs(db, file, pub78)
    console.print(f"Loaded {loaded} {'Publication 78' if pub78 else 'revocation'} rows from {file}.")
    for e in errors[:50]:
        err.print(f"[yellow]skipped: {e}[/yellow]")


# ------------------------------------------------------------------ ingest


def _page_total(files: list[Path]) -> int:
    """How many pages the files hold (a PDF's page count, a TIFF's frames), for the progress bar's total; a file
    that will be rejected counts none."""
    from extractors.filetypes import Limits, check_file

    limits = Limits.from_env()
    total = 0
    for path in files:
        try:
            total += check_file(path, limits)[1]
        except Exception:  # rejected later, with its reason; it has no pages to read
            continue
    return total


class _Progress(Progress):
    """The ingest bars; on leaving, each bar shows its work done (a duplicate file has no pages to read, so
    the totals counted up front can be a little high)."""

    def stop(self) -> None:
        for task in self.tasks:
            if task.total is not None and task.completed < task.total:
                self.update(task.id, total=task.completed)
        super().stop()


def _progress_bar(files_found: list[Path]):  # type: ignore[no-untyped-def]
    from rich.progress import TimeRemainingColumn

    from flows import stages

    progress = _Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("left"), TimeRemainingColumn(), console=err, transient=False,
    )
    files = progress.add_task("receiving files", total=len(files_found))
    pages = progress.add_task("reading pages", total=_page_total(files_found))
    docs = progress.add_task("reading documents", total=len(files_found))

    def listener(what: str, n: int) -> None:
        if what == "received":
            progress.advance(files, n)
        elif what == "page":
            progress.advance(pages, n)
        elif what == "understood":
            progress.advance(docs, n)

    stages.clear_progress_listeners()
    stages.add_progress_listener(listener)
    return progress


def _words(status: str) -> str:
    """A status as staff say it (the desk's words)."""
    from web.present import status_words

    return status_words(status)


def _reason_words(reason: str) -> str:
    """A reason in staff words first; the reader's own account is for the desk's Details fold and --json."""
    from web.present import staff_reason

    return staff_reason(reason)["main"] or reason


def _print_ingest_summary(summary) -> None:  # type: ignore[no-untyped-def]
    t = Table(title="Ingest summary")
    t.add_column("")
    t.add_column("count", justify="right")
    for label, value in (
        ("files seen", summary.files_seen), ("new files", summary.new),
        ("finished from an interrupted run", summary.resumed),
        ("left in the folder for next time", summary.left),
        ("already on file (unchanged)", summary.unchanged), ("duplicates", summary.duplicates),
        ("rejected", summary.rejected), ("unreadable", summary.unreadable),
        ("files read", summary.processed), ("compliance documents found", summary.documents_found),
        ("pages read by OCR", summary.pages_ocr), ("pages from text layer", summary.pages_text_layer),
        ("pages from cache", summary.pages_from_cache), ("time", f"{summary.seconds:.1f} s"),
    ):
        t.add_row(label, str(value))
    console.print(t)
    if summary.problems:
        p = Table(title="Needs a person", show_lines=False)
        p.add_column("file")
        p.add_column("status")
        p.add_column("reason", overflow="fold")
        for path, status, reason in summary.problems:
            p.add_row(escape(path), _words(status), escape(_reason_words(reason)))
        console.print(p)


def _ingest(folder: Path, keep: bool, db: str | None, prefix: str, use_prefect: bool):  # type: ignore[no-untyped-def]
    from flows.ingest import ingest_folder
    from flows.stages import IngestOptions, discover

    if not folder.is_dir():
        _fail(f"{folder} is not a folder.")
    found = discover(folder)
    opts = IngestOptions(keep=keep, path_prefix=prefix)
    with _progress_bar(found):
        return ingest_folder(folder, opts, db, use_prefect=use_prefect)


@app.command()
def ingest(
    folder: Annotated[Path, typer.Argument(help="The watch folder (sub-folders are read too).")],
    keep: Annotated[bool, typer.Option("--keep", help="Leave the folder untouched (for corpora and tests).")] = False,
    db: DbOption = None,
    prefect: Annotated[bool, typer.Option(help="Run as a Prefect flow (visible in a Prefect server).")] = True,
) -> None:
    """Ingest every file in a folder once: store originals, read pages (OCR), find and read documents.

    Without --keep, read files leave the folder (only once their outcome is stored) and failed ones move to
    FOLDER/failed/ beside a note saying why.

    Links, pipes, devices and hard links are refused and moved to failed/ as they are (never followed).

    A run that was stopped is finished by the next one; `compliance status` lists what it left."""
    summary = _ingest(folder, keep, db, "", prefect)
    _print_ingest_summary(summary)


@app.command()
def reprocess(db: DbOption = None) -> None:
    """Read the stored documents again from their stored page text (no OCR), after an extractor update."""
    from flows.stages import reprocess as run_reprocess

    summary = run_reprocess(db)
    if summary.resumed:
        console.print(f"Finished {summary.resumed} files an interrupted run had left unread (stored originals).")
    console.print(f"Re-read {summary.processed} files; {summary.documents_found} compliance documents found.")


# ------------------------------------------------------------------ check, export, status


@app.command()
def check(
    as_of: AsOfOption = None,
    db: DbOption = None,
    policy: Annotated[Path | None, typer.Option(help="A policy file (YAML) instead of the APS default.")] = None,
    as_json: JsonOption = False,
    fail_on_flagged: FailOnFlaggedOption = False,
) -> None:
    """Check every request against the policy as of a date, and store the findings. Exits 0 whatever the
    verdicts, unless --fail-on-flagged."""
    from flows.checks import check_requests

    if policy is not None and not policy.is_file():
        _fail(f"The policy file {policy} does not exist: check the name, or leave out --policy for the APS policy.")
    if policy is not None:
        from validators.policy import load_policy

        load_policy(policy)  # a policy that cannot be used is told before anything is checked
    day = _as_of(as_of)
    say_if_empty(db)
    summary = check_requests(db, day, policy)
    if as_json:
        from flows.cli_json import emit
        from storage.settings import shown_url

        emit({"database": shown_url(db or ""), "as_of": summary.as_of.isoformat(), "checked": summary.checked,
              "flagged": summary.flagged, "compliant": summary.compliant,
              "newly_flagged": list(summary.newly_flagged), "newly_compliant": list(summary.newly_compliant)})
    else:
        console.print(
            f"Checked {summary.checked} requests as of {summary.as_of}: [red]{summary.flagged} flagged[/red], "
            f"[green]{summary.compliant} compliant[/green]."
        )
    if fail_on_flagged and summary.flagged:
        raise typer.Exit(1)


@app.command()
def export(
    file: Annotated[Path, typer.Argument(help="Where to write results.json; - writes it to standard output.")],
    as_of: AsOfOption = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print what was written (file, counts) as JSON on "
                                          "standard output.")] = False,
) -> None:
    """Write the results.json export of what is stored (documents, fields, findings, verdicts)."""
    from flows.export import build_export

    to_stdout = str(file) == "-"
    if to_stdout and as_json:
        _fail("With - the export itself is the JSON on standard output: leave out --json.")
    if not to_stdout:
        writable_file(file, "results file")
    day = _as_of(as_of)
    say_if_empty(db)
    data = build_export(db, day)
    text = json.dumps(data, indent=1, default=str)
    if to_stdout:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        err.print(f"Wrote the export ({len(data['documents'])} documents, {len(data['requests'])} requests).")
        return
    file.write_text(text, encoding="utf-8")
    if as_json:
        from flows.cli_json import emit
        from storage.settings import shown_url

        emit({"database": shown_url(db or ""), "as_of": day.isoformat(), "file": str(file.resolve()),
              "documents": len(data["documents"]), "requests": len(data["requests"])})
    else:
        console.print(f"Wrote {file} ({len(data['documents'])} documents, {len(data['requests'])} requests).")


@app.command()
def run(
    corpus: Annotated[
        Path, typer.Argument(help="A corpus folder: registry.json, inbox/, optional irs/revocations.txt.")
    ],
    as_of: AsOfOption = None,
    export_file: Annotated[Path | None, typer.Option("--export", help="Write results.json here.")] = None,
    db: Annotated[str | None, typer.Option("--db", help="The database (a file path or a URL). Default: one "
                                           "database per corpus in the data folder.")] = None,
    prefect: Annotated[bool, typer.Option(help="Run ingestion as a Prefect flow.")] = True,
) -> None:
    """The whole job on a corpus: import its registry and IRS list, ingest its inbox without touching it,
    check every request, and write the export. Without --db, each corpus gets its own database in the
    data folder, so corpora never mix. Its database becomes the current one: `status`, `report`, `web` and
    `users` that follow work on it (`compliance use` shows or changes it)."""
    from flows.checks import check_requests
    from flows.export import build_export
    from flows.registry import corpus_database_url, import_irs, import_registry
    from storage.settings import DatabaseChoiceError, as_database_url, record_current_database

    registry = corpus / "registry.json"
    inbox = corpus / "inbox"
    if not registry.exists() or not inbox.is_dir():
        _fail(f"{corpus} is not a corpus folder: it needs registry.json and inbox/.")
    day = _as_of(as_of)
    if export_file:
        writable_file(export_file, "results file")
    try:
        db = as_database_url(db) if db else corpus_database_url(corpus)
    except DatabaseChoiceError as e:
        _fail(str(e))
    record_current_database(db)
    announce_database(db, "this corpus's; now the current database")
    _print_registry_result(import_registry(db, registry))
    revocations = corpus / "irs" / "revocations.txt"
    if revocations.exists():
        loaded, _ = import_irs(db, revocations, False)
        console.print(f"IRS revocation list: {loaded} rows.")
    summary = _ingest(inbox, True, db, "inbox", prefect)
    _print_ingest_summary(summary)
    checked = check_requests(db, day)
    console.print(
        f"Checked {checked.checked} requests as of {day}: [red]{checked.flagged} flagged[/red], "
        f"[green]{checked.compliant} compliant[/green]."
    )
    if export_file:
        data = build_export(db, day)
        export_file.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
        console.print(f"Wrote {export_file}.")
    _print_status(db, limit=25)


SEVERITY_ORDER = {"block": 0, "warn": 1}


def _status_rows(db: str | None):  # type: ignore[no-untyped-def]
    from storage import repository as repo
    from storage.db import database

    with database(db).session() as s:
        rows = [r for r in repo.request_rows(s) if r.verdict == "flagged"]
        rows.sort(key=lambda r: (r.first_use or date.max, r.request_id))
        orgs = {o.org_id: o.name for o in repo.load_organizations(s)}
        problems = []
        stuck = repo.stuck_documents(s)
        pages = repo.cached_page_counts(s, [d.sha256 for d in stuck])
        for d in stuck:
            problems.append((d.relative_path, "", "received", stuck_reason(pages.get(d.sha256, 0), d.page_count)))
        from storage import web_repo

        aside = web_repo.set_aside_keys(s)  # what a reviewer dealt with in the desk's tray
        for d in repo.all_documents(s):
            if d.status in ("rejected", "unreadable") and web_repo.file_key(d) not in aside:
                problems.append((d.relative_path, "", d.status, d.reason or ""))
            for seg in d.segments:
                if seg.status in ("unclassified", "unlinked") and web_repo.segment_key(seg) not in aside:
                    pages = f"p{','.join(map(str, seg.pages))}"
                    problems.append((d.relative_path, pages, seg.status, seg.reason or ""))
        return rows, orgs, problems


def stuck_reason(pages_read: int, page_count: int) -> str:
    """A plain line for a document a run stored but did not finish."""
    if pages_read == 0:
        stage = "received, but none of its pages were read"
    elif page_count and pages_read < page_count:
        stage = f"received, {pages_read} of its {page_count} pages read"
    else:
        stage = "its pages were read, but not its documents"
    return (f"not finished: {stage} (a run stopped). Run `compliance ingest` on its folder again, or"
            " `compliance reprocess` to finish it from the stored original")


def _print_status(db: str | None, limit: int | None = None) -> None:
    rows, orgs, problems = _status_rows(db)
    _print_flagged(rows, orgs, limit)
    if limit and len(rows) > limit:
        console.print(f"… and {len(rows) - limit} more: run `compliance status` to see all.")
    stuck = sum(1 for row in problems if row[2] == "received")
    if stuck:
        console.print(f"{stuck} documents are stuck part-way (a run stopped before finishing them); they are"
                      " listed below as 'received, not finished'.")
    if problems:
        p = Table(title=f"Documents needing a person ({len(problems)})")
        for col in ("file", "pages", "status", "reason"):
            p.add_column(col, overflow="fold")
        for row in problems:
            p.add_row(*map(escape, (*row[:2], _words(row[2]), _reason_words(row[3]))))
        console.print(p)


def _finding_lines(r) -> list[str]:  # type: ignore[no-untyped-def]
    """A request's findings as staff read them: what must be fixed first, the message in words."""
    findings = sorted(r.findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.code))
    return [f"[{'red' if f.severity == 'block' else 'yellow'}]{'must fix' if f.severity == 'block' else 'check'}"
            f"[/]: {escape(f.message)}" for f in findings]


def _print_flagged(rows, orgs, limit: int | None) -> None:  # type: ignore[no-untyped-def]
    """The flagged requests: a table on a wide terminal, one block per request on a narrow one (80 columns),
    where a five-column table leaves the findings a dozen characters."""
    shown = rows[:limit] if limit else rows
    title = f"Flagged requests ({len(rows)}), soonest first use first"
    if console.width >= 110:
        t = Table(title=title, show_lines=True)
        for col in ("request", "first use", "organization", "school", "findings"):
            t.add_column(col, overflow="fold")
        for r in shown:
            t.add_row(r.request_id, str(r.first_use or ""), escape(orgs.get(r.org_id, r.org_id)), escape(r.school),
                      "\n".join(_finding_lines(r)))
        console.print(t)
        return
    from rich.padding import Padding

    console.print(f"[bold]{title}[/bold]")
    for r in shown:
        console.print(f"\n[bold]{r.request_id}[/bold] · first use {r.first_use or 'not given'}")
        where = f"{escape(orgs.get(r.org_id, r.org_id))} · {escape(r.school)}"
        console.print(Padding(where, (0, 0, 0, 2), expand=False))
        for line in _finding_lines(r):
            console.print(Padding(line, (0, 0, 0, 4), expand=False))


@app.command()
def status(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show flagged requests with their findings (soonest first use first) and documents needing a person."""
    if say_if_empty(db) and not as_json:
        return
    if as_json:
        _emit_status(db)
        return
    _print_status(db)


def _emit_status(db: str | None) -> None:
    """status --json: the same rows as the table, as data."""
    from flows.cli_json import emit
    from storage.settings import shown_url

    rows, orgs, problems = _status_rows(db)
    emit({
        "database": shown_url(db or ""),
        "flagged": [{
            "request_id": r.request_id, "first_use": r.first_use.isoformat() if r.first_use else None,
            "organization": orgs.get(r.org_id, r.org_id), "school": r.school or "",
            "findings": [{"severity": f.severity, "code": f.code, "subject": f.subject, "message": f.message,
                          "document": f.document} for f in sorted(
                              r.findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.code))],
        } for r in rows],
        "needing_a_person": [{"file": path, "pages": [int(p) for p in pages.lstrip("p").split(",") if p.isdigit()],
                              "status": st, "reason": reason} for path, pages, st, reason, *_ in problems],
    })


@app.command()
def report(
    file: Annotated[Path, typer.Argument(help="Where to write the report: .csv or .html.")],
    db: DbOption = None,
) -> None:
    """Write the flagged requests and their findings, and the documents needing a person, as a CSV or HTML
    report to send on."""
    if file.suffix.lower() not in (".csv", ".html", ".htm"):
        _fail("The report file must end in .csv or .html.")
    writable_file(file, "report")
    say_if_empty(db)
    from datetime import UTC, datetime

    from flows.localtime import local_text

    made = local_text(datetime.now(UTC))  # in the district's time zone, saying which
    rows, orgs, problems = _status_rows(db)
    records = [
        (r.request_id, str(r.first_use or ""), orgs.get(r.org_id, r.org_id), r.school, f.severity, f.code,
         f.subject or "", f.message, f.document or "")
        for r in rows for f in r.findings
    ]
    header = ("request", "first use", "organization", "school", "severity", "code", "subject", "message", "document")
    # In the CSV a document needing a person is a row of its own: no request, its status as the code.
    needing = [("", "", "", "", "review", st, pages, reason, path) for path, pages, st, reason in problems]
    if file.suffix.lower() == ".csv":
        from storage.spreadsheet import safe_row  # a formula-like cell opens as plain text

        with file.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(safe_row(rec) for rec in records + needing)
    elif file.suffix.lower() in (".html", ".htm"):
        from storage.settings import shown_url
        from web.app import make_templates

        page = make_templates().env.get_template("report.html").render(  # the desk's templates and words
            rows=[r for r in rows if r.findings], orgs=orgs, problems=problems, made=made,
            database=shown_url(db or ""))
        file.write_text(page, encoding="utf-8")
    else:
        _fail("The report file must end in .csv or .html.")
    console.print(f"Wrote {file} ({len(records)} findings on {len(rows)} flagged requests; "
                  f"{len(problems)} documents needing a person).")


@app.command()
def use(
    db: Annotated[str | None, typer.Argument(help="The database to work on from now on: a file path (SQLite) or a "
                                             "URL. Leave out to see the current one.", show_default=False)] = None,
    default: Annotated[bool, typer.Option("--default", help="Go back to compliance.db in the data folder.")] = False,
) -> None:
    """Show or change the current database: the one every command (and the review desk) works on when no
    --db is given. `compliance run` and any --db change it too."""
    import os

    from storage.settings import (
        DatabaseChoiceError,
        as_database_url,
        compliance_home,
        database_choice,
        record_current_database,
        shown_url,
    )

    if db and default:
        _fail("Give a database or --default, not both.")
    try:
        if db or default:
            record_current_database(as_database_url(db) if db else None)
        url, source = database_choice()
    except DatabaseChoiceError as e:
        _fail(str(e))
    console.print(f"Current database: {escape(shown_url(url))} ({source})")
    if (db or default) and os.environ.get("COMPLIANCE_DATABASE_URL"):
        err.print("[yellow]$COMPLIANCE_DATABASE_URL is set and wins over `compliance use`: unset it to use the "
                  "database chosen here.[/yellow]")
    home = compliance_home()
    known = sorted([home / "compliance.db", *(home / "corpora").glob("*.db")])
    others = [p for p in known if p.exists() and f"sqlite:///{p}" != url]
    if others and not (db or default):
        console.print("Other databases in the data folder:")
        for p in others:
            console.print(f"  {escape(str(p))}")


# Commands of other parts of the project register themselves here (one line each).
# -- service commands (serve, sweep, notices, doctor) --
from flows.cli_service import register as _register_service; _register_service(app)  # noqa: E402, E702, I001
# -- review desk commands (web, users) --
from web.cli import register as _register_web; _register_web(app)  # noqa: E402, E702, I001
# -- benchmark / scale-out commands --


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
