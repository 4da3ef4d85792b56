"""`compliance doctor` on a good set-up and on a broken one: it finds the problems and says what to fix."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app
from flows.doctor import run_checks
from flows.service_settings import load_settings
from storage.db import database
from tests.smtp_server import SmtpServer, free_port

runner = CliRunner()


def test_doctor_passes_on_a_good_setup(compliance_home: Path) -> None:
    db = f"sqlite:///{compliance_home / 'compliance.db'}"
    database(db)  # created and migrated
    with SmtpServer() as smtp:
        env = {"COMPLIANCE_SMTP_HOST": "127.0.0.1", "COMPLIANCE_SMTP_PORT": str(smtp.port),
               "COMPLIANCE_NOTICES_STAFF": "office@district.test"}
        result = runner.invoke(app, ["doctor", "--db", db], env=env)
    assert result.exit_code == 0, result.output
    assert "Ready." in result.output
    assert re.search(r"tesseract \d+\.\d+", result.output)
    assert "schema up to date" in result.output and f"127.0.0.1:{smtp.port} answers" in result.output


def test_doctor_names_each_problem_and_the_fix(compliance_home: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the watch folder should be")
    env = {"COMPLIANCE_SMTP_HOST": "127.0.0.1", "COMPLIANCE_SMTP_PORT": str(free_port()),
           "COMPLIANCE_WATCH_FOLDER": str(blocker / "watch"), "COMPLIANCE_SWEEP_TIMEZONE": "Mars/Olympus",
           "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}
    checks = run_checks(load_settings(compliance_home, env), "postgresql://nobody:pw@127.0.0.1:1/none")
    failed = {c.name: c for c in checks if c.status == "fail"}
    assert {"database", "watch folder", "SMTP", "time zone"} <= set(failed)
    assert "cannot reach" in failed["database"].detail and "COMPLIANCE_DATABASE_URL" in failed["database"].fix
    assert "not writable" in failed["watch folder"].detail
    assert "refused" in failed["SMTP"].detail.lower() and "[smtp]" in failed["SMTP"].fix
    assert "America/Denver" in failed["time zone"].fix
    assert all(c.fix for c in failed.values())
    # a database that exists but was never migrated
    fresh = f"sqlite:///{tmp_path / 'empty.db'}"
    result = runner.invoke(app, ["doctor", "--db", fresh, "--no-smtp"], env={"COMPLIANCE_NOTICES_STAFF": "a@b.test"})
    assert "not migrated" in result.output
    # the settings section a fix names is printed, not taken for markup and dropped
    result = runner.invoke(app, ["doctor", "--db", fresh, "--no-smtp"], env={"COLUMNS": "220"})
    assert "set [notices] staff" in result.output
    result = runner.invoke(app, ["doctor", "--db", "postgresql://nobody:pw@127.0.0.1:1/none", "--no-smtp"])
    assert result.exit_code == 1 and "FAIL" in result.output and "problem(s) to fix" in result.output
