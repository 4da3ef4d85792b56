"""`compliance`: the command line staff use. Every command explains itself in --help."""

from __future__ import annotations

import csv
import html
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

app = typer.Typer(
    help="Check the compliance paperwork of groups renting school facilities (APS AC-11 requests).\n\n"
    "Typical day: `compliance registry import registry.json`, `compliance ingest WATCH_FOLDER`, "
    "`compliance check`, `compliance status`. Or all at once on a corpus: `compliance run CORPUS`.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
registry_app = typer.Typer(
    help="Organizations and facility-use requests (the registry staff keep).", no_args_is_help=True
)
irs_app = typer.Typer(help="IRS data: the automatic-revocation list and Publication 78.", no_args_is_help=True)
app.add_typer(registry_app, name="registry")
app.add_typer(irs_app, name="irs")
console = Console(width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (e.g. postgresql://user:pw@host/db). Default: $COMPLIANCE_DATABASE_URL, "
                 "else SQLite in the data folder ($COMPLIANCE_HOME, default ~/.compliance)."),
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Check as of this date (YYYY-MM-DD). Default: today.")
]


def _as_of(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"[red]--as-of '{value}' is not a date; write it as YYYY-MM-DD.[/red]")
        raise typer.Exit(2) from None


def _fail(message: str) -> None:
    err.print(f"[red]{message}[/red]")
    raise typer.Exit(2)


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


def _progress_bar(total_files: int):  # type: ignore[no-untyped-def]
    from flows import stages

    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=False,
    )
    files = progress.add_task("receiving files", total=total_files)
    pages = progress.add_task("reading pages", total=None)
    docs = progress.add_task("reading documents", total=None)

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
            p.add_row(escape(path), status, escape(reason))
        console.print(p)


def _ingest(folder: Path, keep: bool, db: str | None, prefix: str, use_prefect: bool):  # type: ignore[no-untyped-def]
    from flows.ingest import ingest_folder
    from flows.stages import IngestOptions, discover

    if not folder.is_dir():
        _fail(f"{folder} is not a folder.")
    n = len(discover(folder))
    opts = IngestOptions(keep=keep, path_prefix=prefix)
    with _progress_bar(n):
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
) -> None:
    """Check every request against the policy as of a date, and store the findings."""
    from flows.checks import check_requests

    summary = check_requests(db, _as_of(as_of), policy)
    console.print(
        f"Checked {summary.checked} requests as of {summary.as_of}: [red]{summary.flagged} flagged[/red], "
        f"[green]{summary.compliant} compliant[/green]."
    )


@app.command()
def export(
    file: Annotated[Path, typer.Argument(help="Where to write results.json.")],
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Write the results.json export of what is stored (documents, fields, findings, verdicts)."""
    from flows.export import build_export

    data = build_export(db, _as_of(as_of))
    file.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    console.print(f"Wrote {file} ({len(data['documents'])} documents, {len(data['requests'])} requests).")


@app.command()
def run(
    corpus: Annotated[
        Path, typer.Argument(help="A corpus folder: registry.json, inbox/, optional irs/revocations.txt.")
    ],
    as_of: AsOfOption = None,
    export_file: Annotated[Path | None, typer.Option("--export", help="Write results.json here.")] = None,
    db: DbOption = None,
    prefect: Annotated[bool, typer.Option(help="Run ingestion as a Prefect flow.")] = True,
) -> None:
    """The whole job on a corpus: import its registry and IRS list, ingest its inbox without touching it,
    check every request, and write the export. Without --db, each corpus gets its own database in the
    data folder, so corpora never mix."""
    from flows.checks import check_requests
    from flows.export import build_export
    from flows.registry import corpus_database_url, import_irs, import_registry

    registry = corpus / "registry.json"
    inbox = corpus / "inbox"
    if not registry.exists() or not inbox.is_dir():
        _fail(f"{corpus} is not a corpus folder: it needs registry.json and inbox/.")
    day = _as_of(as_of)
    db = db or corpus_database_url(corpus)
    console.print(f"Database: {db}")
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
        for d in repo.all_documents(s):
            if d.status in ("rejected", "unreadable"):
                problems.append((d.relative_path, "", d.status, d.reason or ""))
            for seg in d.segments:
                if seg.status in ("unclassified", "unlinked"):
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
    t = Table(title=f"Flagged requests ({len(rows)}), soonest first use first", show_lines=True)
    for col in ("request", "first use", "organization", "school", "findings"):
        t.add_column(col, overflow="fold")
    for r in rows[:limit] if limit else rows:
        findings = sorted(r.findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.code))
        text = "\n".join(
            f"[{'red' if f.severity == 'block' else 'yellow'}]{f.code}[/]: {escape(f.message)}" for f in findings
        )
        t.add_row(r.request_id, str(r.first_use or ""), escape(orgs.get(r.org_id, r.org_id)), escape(r.school), text)
    console.print(t)
    if limit and len(rows) > limit:
        console.print(f"… and {len(rows) - limit} more: run `compliance status` to see all.")
    stuck = sum(1 for row in problems if row[2] == "received")
    if stuck:
        console.print(f"{stuck} documents are stuck part-way (a run stopped before finishing them); they are"
                      " listed below as 'received'.")
    if problems:
        p = Table(title=f"Documents needing a person ({len(problems)})")
        for col in ("file", "pages", "status", "reason"):
            p.add_column(col, overflow="fold")
        for row in problems:
            p.add_row(*map(escape, row))
        console.print(p)


@app.command()
def status(db: DbOption = None) -> None:
    """Show flagged requests with their findings (soonest first use first) and documents needing a person."""
    _print_status(db)


@app.command()
def report(
    file: Annotated[Path, typer.Argument(help="Where to write the report: .csv or .html.")],
    db: DbOption = None,
) -> None:
    """Write the flagged requests and their findings, and the documents needing a person, as a CSV or HTML
    report to send on."""
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
        def table(head: tuple[str, ...], recs: list[tuple[str, ...]]) -> str:
            cells = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in rec) + "</tr>\n" for rec in recs)
            return "<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + f"</tr>\n{cells}</table>"

        file.write_text(
            "<!doctype html><meta charset=utf-8><title>Flagged facility-use requests</title>"
            "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:4px;vertical-align:top}"
            "table{border-collapse:collapse}</style><h1>Flagged facility-use requests</h1>"
            f"<p>{len(rows)} requests flagged.</p>" + table(header, records)
            + f"<h2>Documents needing a person</h2><p>{len(problems)} documents.</p>"
            + table(("file", "pages", "status", "reason"), problems),
            encoding="utf-8",
        )
    else:
        _fail("The report file must end in .csv or .html.")
    console.print(f"Wrote {file} ({len(records)} findings on {len(rows)} flagged requests; "
                  f"{len(problems)} documents needing a person).")


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
