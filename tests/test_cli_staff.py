"""The command line as a new staff member meets it, run as the real `compliance` command in subprocesses:
one current database across commands, and every mistake told in one line with exit code 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEV, INBOX

REPO = Path(__file__).resolve().parents[1]


def compliance(home: Path, *args: str, stdin: str | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `compliance ARGS` as staff do, in its own data folder."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "COMPLIANCE_"))}
    environ.update({"COMPLIANCE_HOME": str(home), "PYTHONPATH": str(REPO), "COLUMNS": "100", **(env or {})})
    environ["PREFECT_HOME"] = str(home / "prefect")
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], env=environ, capture_output=True,
                          text=True, timeout=300, cwd=home.parent, input=stdin)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """The dev registry and one born-digital certificate (no OCR): a corpus that runs in seconds."""
    corpus = tmp_path / "corpus"
    (corpus / "inbox").mkdir(parents=True)
    shutil.copy2(DEV / "registry.json", corpus / "registry.json")
    shutil.copy2(INBOX / "COI.pdf", corpus / "inbox" / "COI.pdf")
    return corpus


def test_run_makes_its_database_current_for_the_commands_that_follow(tmp_path: Path, small_corpus: Path) -> None:
    home = tmp_path / "home"
    done = compliance(home, "run", str(small_corpus), "--as-of", "2026-11-20", "--no-prefect")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "now the current database" in done.stderr
    # every bar has its total and an estimate; nothing of Prefect's between them
    bars = [line for line in done.stderr.splitlines() if line.startswith(("receiving", "reading"))]
    assert len(bars) == 3 and all("/?" not in b and " left " in b for b in bars), bars
    assert "reading pages" in bars[1] and "2/2" in bars[1]
    assert "Prefect" not in done.stderr and "telemetry" not in done.stderr
    corpus_db = next((home / "corpora").glob("*.db"))

    status = compliance(home, "status")
    assert status.returncode == 0
    assert f"Database: sqlite:///{corpus_db}" in status.stderr  # one line names the database
    assert "empty" not in status.stderr and "Flagged requests (0)" not in status.stdout

    added = compliance(home, "users", "add", "maria", "--password-stdin", stdin="a long pass phrase\n")
    assert added.returncode == 0, added.stderr
    assert str(corpus_db) in added.stderr
    listed = compliance(home, "users", "list", "--db", str(corpus_db))  # a path works like the URL
    assert "maria" in listed.stdout

    # the desk opened with no --db works on the same database: maria signs in
    from fastapi.testclient import TestClient

    from storage.db import database
    from web.app import create_app

    os.environ["COMPLIANCE_HOME"] = str(home)  # conftest's monkeypatch restores it
    database.cache_clear()
    client = TestClient(create_app(None, home=home))
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed = client.post("/login", data={"username": "maria", "password": "a long pass phrase",
                                         "csrf_token": token}, follow_redirects=False)
    assert signed.status_code == 303 and "/login" not in signed.headers["location"]

    # another database, chosen with `use`, is empty and says so
    other = tmp_path / "other.db"
    assert compliance(home, "use", str(other)).returncode == 0
    empty = compliance(home, "status")
    assert empty.returncode == 0 and "This database is empty" in empty.stderr
    assert "compliance run CORPUS" in empty.stderr
    copied = compliance(home, "users", "copy", "--from", str(corpus_db))
    assert copied.returncode == 0 and "Copied 1 account(s): maria" in copied.stdout
    assert "maria" in compliance(home, "users", "list").stdout
    back = compliance(home, "use", "--default")
    assert f"sqlite:///{home / 'compliance.db'}" in back.stdout


MISTAKES = [
    # (arguments, words the one line must hold)
    (["status", "--db", "/no/such/folder/file.db"], "does not exist"),
    (["status", "--db", "mysql://u@h/db"], "is not a database this program uses"),
    (["status", "--db", "postgresql://u:pw@127.0.0.1:1/none"], "cannot be opened"),
    (["report", "{tmp}/missing/flagged.csv"], "does not exist"),
    (["report", "{tmp}/flagged.txt"], ".csv or .html"),
    (["export", "{tmp}"], "is a folder"),
    (["check", "--policy", "missing.yaml"], "policy file missing.yaml does not exist"),
    (["check", "--policy", "{tmp}/bad.yaml"], "cannot be used"),
    (["check", "--as-of", "20/11/2026"], "YYYY-MM-DD"),
    (["web", "--port", "99999"], "--port"),
    (["notices", "--status", "sent2"], "sent2"),
    (["ingest", "{tmp}/nowhere"], "is not a folder"),
    (["run", "{tmp}"], "not a corpus folder"),
    (["no-such-command"], "No such command"),
    (["registry", "import", "{tmp}/nothing.json"], "does not exist"),
]


def test_every_mistake_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (tmp_path / "bad.yaml").write_text("policy: [unclosed\n", encoding="utf-8")
    for args, words in MISTAKES:
        args = [a.replace("{tmp}", str(tmp_path)) for a in args]
        done = compliance(home, *args)
        said = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("Database:")]
        assert done.returncode == 2, (args, done.stderr)
        assert len(said) == 1, (args, done.stderr)
        assert words in said[0], (args, said)
        assert "Traceback" not in done.stderr + done.stdout


# ------------------------------------------------------------------ scripting


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder where `compliance run` read the small corpus (its database is the current one) and a
    sweep wrote its notices (no mail server: the dry-run folder)."""
    base = tmp_path_factory.mktemp("scripted")
    corpus = base / "corpus"
    (corpus / "inbox").mkdir(parents=True)
    shutil.copy2(DEV / "registry.json", corpus / "registry.json")
    shutil.copy2(INBOX / "COI.pdf", corpus / "inbox" / "COI.pdf")
    shutil.copy2(INBOX / "cover letter 2026.pdf", corpus / "inbox" / "cover letter 2026.pdf")  # for the tray
    home = base / "home"
    done = compliance(home, "run", str(corpus), "--as-of", "2026-11-20", "--no-prefect")
    assert done.returncode == 0, done.stderr[-2000:]
    return home


def json_of(done: subprocess.CompletedProcess[str], schema: str) -> dict:
    """Standard output is one JSON document that keeps to the command's published schema."""
    import json

    import jsonschema

    from flows.cli_json import SCHEMAS

    data = json.loads(done.stdout)
    jsonschema.validate(data, SCHEMAS[schema])
    return data


def test_json_output_keeps_to_its_schema(ran: Path, tmp_path: Path) -> None:
    status = json_of(compliance(ran, "status", "--json"), "status")
    assert status["flagged"] and all(r["findings"] for r in status["flagged"])
    firsts = [r["first_use"] for r in status["flagged"] if r["first_use"]]
    assert firsts == sorted(firsts)  # soonest first use first, as the table

    check = json_of(compliance(ran, "check", "--as-of", "2026-11-20", "--json"), "check")
    assert check["checked"] == check["flagged"] + check["compliant"] and check["flagged"] == len(status["flagged"])

    sweep = json_of(compliance(ran, "sweep", "--as-of", "2026-11-20", "--json"), "sweep")
    assert sweep["notices_dry_run"] > 0 and sweep["notices_failed"] == 0
    notices = json_of(compliance(ran, "notices", "--json", "--limit", "500"), "notices")
    assert len(notices["notices"]) == sweep["notices_dry_run"]
    assert all(n["status"] == "dry_run" and n["created_at"].endswith(("-07:00", "-06:00")) for n in notices["notices"])
    only = json_of(compliance(ran, "notices", "--json", "--status", "failed"), "notices")
    assert only["notices"] == []

    exported = json_of(compliance(ran, "export", str(tmp_path / "r.json"), "--as-of", "2026-11-20", "--json"),
                       "export")
    assert exported["file"] == str(tmp_path / "r.json") and exported["requests"] == check["checked"]


def test_dash_is_standard_output_and_flags_fail_only_when_asked(ran: Path, tmp_path: Path) -> None:
    import json

    piped = compliance(ran, "export", "-", "--as-of", "2026-11-20")
    assert piped.returncode == 0 and json.loads(piped.stdout)["as_of"] == "2026-11-20"
    assert not (ran.parent / "-").exists() and "Wrote the export" in piped.stderr

    assert compliance(ran, "check", "--as-of", "2026-11-20").returncode == 0  # flagged requests, still 0
    assert compliance(ran, "check", "--as-of", "2026-11-20", "--fail-on-flagged").returncode == 1
    assert compliance(ran, "sweep", "--as-of", "2026-11-20", "--no-notices", "--fail-on-flagged").returncode == 1

    version = compliance(ran, "--version")
    assert version.returncode == 0 and version.stdout.startswith("compliance ")


def test_status_and_help_read_well_at_80_columns(ran: Path) -> None:
    status = compliance(ran, "status", env={"COLUMNS": "80"})
    lines = status.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    # each finding starts its own line, indented under its request, with the words first (not a code)
    findings = [line for line in lines if line.startswith("    must fix: ") or line.startswith("    check: ")]
    assert findings and not any("COI_" in line or "_MISSING" in line for line in findings)

    serve = compliance(ran, "serve", "--help", env={"COLUMNS": "80"})
    text = " ".join(line.strip(" │╭╮╰╯─") for line in serve.stdout.splitlines())
    assert all(len(line) <= 80 for line in serve.stdout.splitlines())
    # a paragraph is wrapped as a whole (it broke where the docstring's lines broke), and [watch] stays text
    assert "its UI shows schedules, runs" in " ".join(text.split())
    assert "[watch] folder" in text


# ------------------------------------------------------------------ progress, logs, settings


def test_config_show_names_every_setting_and_its_source(tmp_path: Path) -> None:
    import json

    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('[sweep]\ntimezone = "America/Chicago"\n[smtp]\npassword = "hush"\n')
    done = compliance(home, "config", "show", "--json", env={"COMPLIANCE_SMTP_HOST": "mail.example.org"})
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    by_key = {(r["section"], r["key"]): r for r in shown["settings"]}
    assert by_key[("sweep", "timezone")] == {"section": "sweep", "key": "timezone", "value": "America/Chicago",
                                             "source": str(home / "config.toml")}
    assert by_key[("smtp", "host")]["source"] == "$COMPLIANCE_SMTP_HOST"
    assert by_key[("watch", "batch_size")] == {"section": "watch", "key": "batch_size", "value": 20,
                                               "source": "default"}
    assert "hush" not in done.stdout and shown["config_file_exists"] is True
    table = compliance(home, "config", "show", env={"COLUMNS": "120"})
    assert "[sweep] timezone" in table.stdout and "America/Chicago" in table.stdout


def test_prefect_usage_statistics_are_off_in_command_line_runs(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in ("DO_NOT_TRACK", "CI")}
    environ.update({"PYTHONPATH": str(REPO), "COMPLIANCE_HOME": str(tmp_path)})
    code = ("import flows.cli, os; from prefect._internal.analytics.enabled import is_telemetry_enabled; "
            "print(os.environ.get('DO_NOT_TRACK'), is_telemetry_enabled())")
    done = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["1", "False"], done.stderr


def test_a_batch_is_one_readable_log_line() -> None:
    from flows.service_log import batch_line

    line = batch_line(3, {"files": 3, "done": 2, "failed": 1, "documents_found": 2, "pages_ocr": 4,
                          "rechecked": 5, "newly_flagged": ["AC11-2026-0101"]})
    assert line == ("batch: 3 files (2 read, 1 to failed/), 2 documents found, 4 pages by OCR, 5 requests "
                    "re-checked, newly flagged: AC11-2026-0101")
    assert "{" not in batch_line(1, {"files": 1, "done": 1, "failed": 0, "documents_found": 1, "rechecked": 0})


def test_web_writes_an_access_log(tmp_path: Path) -> None:
    """The real `compliance web`: one line per request on standard error, with the path and the status."""
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    home = tmp_path / "home"
    home.mkdir()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "COMPLIANCE_"))}
    environ.update({"COMPLIANCE_HOME": str(home), "PYTHONPATH": str(REPO)})
    server = subprocess.Popen([sys.executable, "-m", "flows.cli", "web", "--port", str(port)], env=environ,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    assert r.status == 200
                break
            except OSError:
                time.sleep(0.1)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    access = [line for line in stderr.splitlines() if '"GET /login HTTP/1.1" 200' in line]
    assert access and "127.0.0.1" in access[0], stderr[-2000:]


def test_the_html_report_is_the_desks_page_in_local_time(ran: Path, tmp_path: Path) -> None:
    import re

    out = tmp_path / "flagged.html"
    done = compliance(ran, "report", str(out))
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "Flagged facility-use requests" in page
    assert re.search(r"Made \w{3} \d{1,2}, \d{4} \d{1,2}:\d{2} [AP]M M[SD]T", page)  # the district's time, said
    first = page.index("<tbody>")
    assert page.index("Must be fixed", first) < page.index("Check</span>", first)  # what blocks comes first
    assert "COI_MISSING" not in page and "Insurance certificate missing" in page


def test_settings_are_read_by_pydantic_settings_with_the_environment_on_top(tmp_path: Path) -> None:
    from flows.service_settings import load_settings

    (tmp_path / "config.toml").write_text('[smtp]\nfrom = "file@x.org"\nport = "many"\n[notices]\n'
                                          'reminder_days = [10, 5]\n[watch]\nspeed = 3\n')
    s = load_settings(tmp_path, {"COMPLIANCE_SMTP_FROM": "env@x.org", "COMPLIANCE_NOTICES_STAFF": "a@x.org; b@x.org",
                                 "COMPLIANCE_WATCH_EVENTS": "off", "FROM": "not-ours@x.org"})
    assert s.smtp.sender == "env@x.org" and s.smtp.port == 25  # a value that cannot be used keeps the default
    assert s.notices.staff == ["a@x.org", "b@x.org"] and s.notices.reminder_days == [10, 5]
    assert s.watch.events is False
    assert any("[smtp] port = 'many'" in p and "using 25" in p for p in s.problems)
    assert any("[watch] speed is not a setting" in p for p in s.problems)
    assert load_settings(tmp_path, {}).smtp.sender == "file@x.org"


def test_status_leaves_out_what_a_reviewer_set_aside(ran: Path) -> None:
    """A document set aside in the desk's tray (not a compliance document) is no longer 'needing a person'."""
    import json

    from storage import web_repo
    from storage.db import database
    from web.desk import set_aside

    url = (ran / "current-database").read_text().strip()
    before = json.loads(compliance(ran, "status", "--json").stdout)["needing_a_person"]
    with database(url).session() as s:
        segments = web_repo.tray(s)[1]
    seg = next(g for g in segments if g.document.original_name == "cover letter 2026.pdf")
    set_aside(url, "rita", "segment", seg.id, "not ours to check")
    after = json.loads(compliance(ran, "status", "--json").stdout)["needing_a_person"]
    assert len(after) == len(before) - 1
    database.cache_clear()
