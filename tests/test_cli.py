"""The command line as staff use it: help that explains itself, clear errors, the export's shape."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import DEV, INBOX

runner = CliRunner()


def test_help_explains_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "registry", "check", "status", "export", "run", "report", "reprocess", "irs"):
        assert command in result.output
    ingest_help = runner.invoke(app, ["ingest", "--help"]).output
    assert "--keep" in ingest_help and "failed/" in ingest_help


def test_registry_import_reports_bad_rows_and_loads_the_rest(tmp_path: Path) -> None:
    registry = json.loads((DEV / "registry.json").read_text())
    registry["organizations"][0]["ein"] = "12-34"
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(registry, indent=1))
    db = f"sqlite:///{tmp_path / 'c.db'}"
    result = runner.invoke(app, ["registry", "import", str(path), "--db", db])
    assert result.exit_code == 1
    assert "field 'ein'" in result.output and "organizations[0]" in result.output
    assert str(len(registry["organizations"]) - 1) in result.output


def test_clear_errors_for_wrong_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path)])
    assert result.exit_code == 2 and "not a corpus folder" in result.output
    result = runner.invoke(app, ["check", "--as-of", "20/11/2026", "--db", f"sqlite:///{tmp_path / 'c.db'}"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    result = runner.invoke(app, ["ingest", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "is not a folder" in result.output


def test_ingest_check_export_status_on_born_digital_files(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    watch = tmp_path / "watch"
    watch.mkdir()
    for name in ("COI.pdf", "COI_Eisenhower_Middle_Parent_Teacher_Organization.pdf", "notes.txt"):
        shutil.copy2(INBOX / name, watch / name)
    assert runner.invoke(app, ["registry", "import", str(DEV / "registry.json"), "--db", db]).exit_code == 0
    assert runner.invoke(app, ["irs", "import", str(DEV / "irs" / "revocations.txt"), "--db", db]).exit_code == 0
    result = runner.invoke(app, ["ingest", str(watch), "--keep", "--no-prefect", "--db", db])
    assert result.exit_code == 0, result.output
    assert "Ingest summary" in result.output and "rejected" in result.output
    assert runner.invoke(app, ["check", "--as-of", "2026-11-20", "--db", db]).exit_code == 0
    out = tmp_path / "results.json"
    assert runner.invoke(app, ["export", str(out), "--as-of", "2026-11-20", "--db", db]).exit_code == 0
    data = json.loads(out.read_text())
    assert data["as_of"] == "2026-11-20"
    statuses = {"processed", "unreadable", "unclassified", "unlinked", "duplicate", "rejected"}
    for d in data["documents"]:
        assert d["status"] in statuses
        assert set(d) >= {"path", "status", "doc_type", "org_id", "pages", "fields", "reason"}
    coi = next(d for d in data["documents"] if d["path"] == "COI.pdf")
    assert coi["doc_type"] == "coi" and coi["pages"] == [1, 2] and coi["org_id"]
    assert coi["fields"]["gl_each_occurrence"] == 2_000_000
    for r in data["requests"]:
        assert r["verdict"] in ("flagged", "compliant")
        for f in r["findings"]:
            assert f["severity"] in ("block", "warn") and f["message"]
    status = runner.invoke(app, ["status", "--db", db])
    assert "Flagged requests" in status.output and "notes.txt" in status.output
    csv_file = tmp_path / "flagged.csv"
    assert runner.invoke(app, ["report", str(csv_file), "--db", db]).exit_code == 0
    assert csv_file.read_text().startswith("request,first use,organization")
    needing = [row for row in csv.reader(csv_file.open()) if row[4] == "review"]
    assert any(row[8] == "notes.txt" and row[5] == "rejected" and row[7] for row in needing)


def test_first_run_with_a_data_folder_that_does_not_exist_yet(tmp_path: Path) -> None:
    """A new machine: the data folder (and Prefect's state inside it) is made by the first command."""
    import os
    import subprocess
    import sys

    inbox = tmp_path / "scans"
    inbox.mkdir()
    shutil.copy2(INBOX / "COI.pdf", inbox / "COI.pdf")
    home = tmp_path / "not" / "yet" / "here"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["COMPLIANCE_HOME"] = str(home)
    done = subprocess.run([sys.executable, "-m", "flows.cli", "ingest", "--keep", str(inbox)], env=env,
                          capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "unable to open database file" not in done.stderr
    assert (home / "compliance.db").exists() and (home / "prefect").is_dir()
    assert (inbox / "COI.pdf").exists()  # --keep leaves the folder as it was
