"""The nightly sweep on a real business license: a still-running request flips to flagged once the license
lapses before a remaining use date, exactly one notice goes out over real SMTP, and each change is reported once."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.ingest import ingest_folder
from flows.registry import import_registry
from flows.service_settings import ServiceSettings
from flows.stages import IngestOptions
from flows.sweep import sweep
from storage import repository as repo
from storage import service_repo as srepo
from storage.db import database
from tests.conftest import DEV, INBOX
from tests.smtp_server import SmtpServer

LICENSE = "AC11-2026-0208/business_license_Watson_Fitness_Bootcamp.pdf"  # born-digital: no OCR needed


@pytest.fixture()
def licensed(tmp_path: Path) -> dict:
    """A database with the dev organizations, one business license read from its real file, and a request
    of the license holder that runs from before the license expires until after."""
    db_url = f"sqlite:///{tmp_path / 'c.db'}"
    registry = json.loads((DEV / "registry.json").read_text())
    reg_file = tmp_path / "registry.json"
    reg_file.write_text(json.dumps({"organizations": registry["organizations"], "requests": []}))
    assert not import_registry(db_url, reg_file).errors
    watch = tmp_path / "watch"
    watch.mkdir()
    shutil.copy2(INBOX / LICENSE, watch / Path(LICENSE).name)
    ingest_folder(watch, IngestOptions(keep=True), db_url, use_prefect=False)
    with database(db_url).session() as s:
        lic = next(d for d in repo.documents_on_file(s) if d.doc_type == "business_license")
    expires = lic.fields["expiration_date"]
    assert isinstance(expires, date)
    uses = [expires + timedelta(days=d) for d in (-8, -2, 8, 22)]
    # submitted a month ahead, but within the school year of the use dates (July 1 starts one)
    submitted = max(uses[0] - timedelta(days=30), date(uses[0].year if uses[0].month >= 7 else uses[0].year - 1, 7, 1))
    request = {
        "request_id": "AC11-TEST-0001", "org_id": lic.org_id, "school": "Test High School", "facility": "gym",
        "activity": "Weekly class", "use_dates": [d.isoformat() for d in uses],
        "start_time": "18:00", "end_time": "20:00", "submitted_on": submitted.isoformat(),
        "community_school": True,  # the joint-use agreement waives the insurance certificate: the license decides
        "uses_kitchen": False, "kitchen_dates": [], "serves_students": False, "personnel": [],
    }
    # the license is in the owner's own name: staff record that name as the organization's DBA
    org = next(o for o in registry["organizations"] if o["org_id"] == lic.org_id)
    org["dba"] = [*org["dba"], lic.fields["business_name"]]
    reg_file.write_text(json.dumps({"organizations": registry["organizations"], "requests": [request]}))
    assert not import_registry(db_url, reg_file).errors
    return {"db": db_url, "expires": expires, "request": request, "org": org, "tmp": tmp_path}


def smtp_settings(tmp: Path, port: int, staff: list[str] | None = None) -> ServiceSettings:
    s = ServiceSettings(home=tmp)
    s.smtp.host, s.smtp.port, s.smtp.per_minute = "127.0.0.1", port, 6000
    s.notices.staff = staff or []
    return s


def verdict_of(db_url: str, rid: str) -> str | None:
    with database(db_url).session() as s:
        return next(r.verdict for r in repo.request_rows(s) if r.request_id == rid)


def test_lapsed_license_flips_a_running_request_and_sends_one_notice(licensed: dict) -> None:
    db, exp, rid = licensed["db"], licensed["expires"], licensed["request"]["request_id"]
    with SmtpServer() as smtp:
        settings = smtp_settings(licensed["tmp"], smtp.port)
        before = sweep(db, exp - timedelta(days=40), settings)
        assert before.checked == 1 and before.flagged == 0 and verdict_of(db, rid) == "compliant"
        assert smtp.messages == []  # nothing to tell yet (the first reminder is due 30 days ahead)

        after = sweep(db, exp + timedelta(days=3), settings)
        assert after.checked == 1 and after.newly_flagged == [rid] and verdict_of(db, rid) == "flagged"
        assert after.notices.sent == 1 and len(smtp.messages) == 1
        msg = smtp.messages[0]
        assert msg["To"] == licensed["org"]["contact_email"] and rid in msg["Subject"]
        body = msg.get_payload(decode=True).decode()
        assert f"Business license expired on {exp.isoformat()}" in body and "What to do: Renew" in body

        again = sweep(db, exp + timedelta(days=3), settings)  # the same night again: nothing new to say
        assert again.newly_flagged == [] and again.notices.sent == 0 and len(smtp.messages) == 1
        later = sweep(db, exp + timedelta(days=30), settings)  # after the last use date: no longer open
        assert later.checked == 0 and len(smtp.messages) == 1

    with database(db).session() as s:
        runs = srepo.sweep_runs(s)
        assert [r.newly_flagged for r in reversed(runs)] == [0, 1, 0, 0]
        assert [r.requests_checked for r in reversed(runs)] == [1, 1, 1, 0]
        assert runs[-2].details["flagged"] == [rid]
        notices = srepo.list_notices(s)
        assert [(n.kind, n.status, n.request_id) for n in notices] == [("deficiency", "sent", rid)]


def test_digest_reports_each_new_flag_once_and_the_cli_sweep(licensed: dict) -> None:
    db, exp, rid = licensed["db"], licensed["expires"], licensed["request"]["request_id"]
    with SmtpServer() as smtp:
        settings = smtp_settings(licensed["tmp"], smtp.port, staff=["office@district.test"])
        sweep(db, exp - timedelta(days=10), settings)  # compliant; the license expires in 10 days
        first = {m["X-Compliance-Notice"].split(":")[0]: m for m in smtp.messages}
        assert set(first) == {"renewal", "digest"}
        reminder = first["renewal"].get_payload(decode=True).decode()
        assert f"expires on {exp.strftime('%B %-d, %Y')}, in 10 days" in reminder and rid in reminder
        digest = first["digest"].get_payload(decode=True).decode()
        assert "New flags (0)" in digest and "Documents expiring before a remaining use date (1)" in digest

        sweep(db, exp + timedelta(days=1), settings)
        new = smtp.messages[2:]
        assert sorted(m["X-Compliance-Notice"].split(":")[0] for m in new) == ["deficiency", "digest"]
        digest = next(m for m in new if m["To"] == "office@district.test").get_payload(decode=True).decode()
        assert "New flags (1)" in digest and rid in digest and "Business license expired" in digest
        assert "Upcoming first uses with open flags (1)" in digest

    # the command line: the next day's digest goes to the dry-run folder (no mail server configured)
    result = CliRunner().invoke(app, ["sweep", "--as-of", (exp + timedelta(days=2)).isoformat(), "--db", db],
                                env={"COMPLIANCE_NOTICES_STAFF": "office@district.test",
                                     "COMPLIANCE_NOTICES_DRY_RUN_FOLDER": str(licensed["tmp"] / "outbox")})
    assert result.exit_code == 0, result.output
    assert "newly flagged" in result.output
    written = sorted((licensed["tmp"] / "outbox").glob("*.eml"))
    assert len(written) == 1 and "digest" in written[0].name
    assert "New flags (0)" in written[0].read_text()
