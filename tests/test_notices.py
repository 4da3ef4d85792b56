"""Notices: what they say, sent over a real SMTP server on loopback, rate-limited, recorded so each goes once,
failures recorded and retried, dry-run files; and the service settings they read."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from flows.mailer import send_notices
from flows.notices import Notice, deficiency_notice, reminder_threshold
from flows.service_settings import ServiceSettings, load_settings
from storage import service_repo as srepo
from storage.db import database
from storage.records import FacilityRequest, Finding, Organization
from tests.smtp_server import SmtpServer, free_port

ORG = Organization("ORG-T1", "Test Robotics Club Inc", [], "3", contact_email="club@example.org")
REQ = FacilityRequest("AC11-T-1", "ORG-T1", "Test Elementary", "gym", "Robotics practice",
                      [date(2027, 2, 6), date(2027, 2, 13)], submitted_on=date(2027, 1, 10))
BLOCK = Finding("COI_ADDITIONAL_INSURED_MISSING", "block",
                "The certificate does not name APS as additional insured (certificate p.1)",
                document="coi.pdf", page=1)
EXPIRED = Finding("COI_EXPIRED", "block", "General-liability coverage expired on 2027-01-01 (certificate p.1)")
WARN = Finding("COI_HOLDER_NOT_APS", "warn", "Certificate holder is 'Test Elementary', not APS (certificate p.1)")


def settings_for(tmp: Path, port: int = 25, host: str = "127.0.0.1", per_minute: float = 6000) -> ServiceSettings:
    s = ServiceSettings(home=tmp)
    s.smtp.host, s.smtp.port, s.smtp.per_minute, s.smtp.sender = host, port, per_minute, "compliance@district.test"
    return s


def notice(i: int) -> Notice:
    return Notice("renewal", f"test:{i}", f"org{i}@example.org", f"Reminder {i}", f"Body {i}", f"ORG-{i}")


def test_deficiency_notice_lists_exactly_what_to_fix() -> None:
    n = deficiency_notice(REQ, ORG, [BLOCK, EXPIRED, WARN], "Test District")
    assert n is not None and n.recipient == "club@example.org" and n.request_id == "AC11-T-1"
    assert "AC11-T-1" in n.subject and "2 items to fix" in n.subject
    lines = n.body.splitlines()
    assert "1. The certificate does not name APS as additional insured (certificate p.1)" in lines
    assert any(line.strip().startswith("What to do: Ask your insurance agent to name") for line in lines)
    assert "   We looked at your certificate of liability insurance “coi.pdf”, page 1." in lines
    assert "2. General-liability coverage expired on 2027-01-01 (certificate p.1)" in lines
    assert "- Certificate holder is 'Test Elementary', not APS (certificate p.1)" in lines  # a warning, listed apart
    assert "2027-02-06, 2027-02-13" in n.body
    # the key follows the set of problems, not their order; a new problem is a new notice
    assert deficiency_notice(REQ, ORG, [EXPIRED, BLOCK], "x").dedupe_key == n.dedupe_key
    assert deficiency_notice(REQ, ORG, [BLOCK], "x").dedupe_key != n.dedupe_key
    # nothing blocks, a waived block, or nobody to write to: no notice
    assert deficiency_notice(REQ, ORG, [WARN], "x") is None
    waived = Finding(BLOCK.code, "block", BLOCK.message, waiver_id=3)
    assert deficiency_notice(REQ, ORG, [waived], "x") is None
    assert deficiency_notice(REQ, Organization("ORG-T2", "No Mail Inc"), [BLOCK], "x") is None


def test_reminder_thresholds() -> None:
    days = [30, 14, 7]
    assert [reminder_threshold(d, days) for d in (45, 30, 20, 14, 8, 7, 0, -1)] == [None, 30, 30, 14, 14, 7, 7, None]


def test_smtp_notices_are_rate_limited_and_sent_once(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'n.db'}"
    with SmtpServer() as smtp:
        settings = settings_for(tmp_path, smtp.port, per_minute=600)  # one every 0.1 s
        started = time.monotonic()
        out = send_notices(db, [notice(i) for i in range(4)], settings)
        elapsed = time.monotonic() - started
        assert (out.sent, out.failed, out.already) == (4, 0, 0)
        assert elapsed >= 0.3  # four messages 0.1 s apart
        assert [m["To"] for m in smtp.messages] == [f"org{i}@example.org" for i in range(4)]
        assert smtp.messages[0]["From"] == "compliance@district.test"
        assert smtp.messages[0]["X-Compliance-Notice"] == "test:0"
        again = send_notices(db, [notice(i) for i in range(5)], settings)  # one new, four already sent
        assert (again.sent, again.already) == (1, 4) and len(smtp.messages) == 5
    with database(db).session() as s:
        assert srepo.notice_counts(s) == {("renewal", "sent"): 5}


def test_a_failed_notice_is_recorded_shown_and_retried(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'n.db'}"
    port = free_port()  # nothing listens there yet
    settings = settings_for(tmp_path, port)
    out = send_notices(db, [notice(1)], settings)
    assert (out.sent, out.failed) == (0, 1) and "refused" in out.errors[0].lower()
    with database(db).session() as s:
        [row] = srepo.list_notices(s)
        assert row.status == "failed" and row.error
        assert any("not sent" in f for f in srepo.failures_since(s, None))  # what the staff digest lists
    with SmtpServer(port) as smtp:
        retried = send_notices(db, [notice(1)], settings)  # the same notice again: retried, not duplicated
        assert (retried.sent, retried.failed) == (1, 0) and len(smtp.messages) == 1
    with database(db).session() as s:
        assert [(r.status, r.error) for r in srepo.list_notices(s)] == [("sent", None)]


def test_dry_run_writes_each_notice_once_to_the_folder(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'n.db'}"
    settings = settings_for(tmp_path, host="")  # no mail server: dry run
    settings.notices.dry_run_folder = str(tmp_path / "outbox")
    out = send_notices(db, [notice(i) for i in range(3)], settings)
    assert (out.dry_run, out.sent) == (3, 0)
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 3 and "Subject: Reminder 0" in files[0].read_text()
    assert send_notices(db, [notice(i) for i in range(3)], settings).already == 3
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3


def test_settings_from_config_file_and_environment(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        '[smtp]\nhost = "mail.district.example"\nport = 587\nsecurity = "starttls"\nfrom = "noreply@district.example"\n'
        '[notices]\nreminder_days = [21, 3]\nstaff = ["a@district.example", "b@district.example"]\n'
        '[sweep]\ncron = "15 1 * * *"\ntimezone = "America/Chicago"\n[watch]\nstable_seconds = 10\nbogus = 1\n'
    )
    s = load_settings(tmp_path, {"COMPLIANCE_SMTP_PORT": "2525", "COMPLIANCE_WATCH_EVENTS": "no",
                                 "COMPLIANCE_NOTICES_REMINDER_DAYS": "30,10", "COMPLIANCE_SMTP_PER_MINUTE": "lots"})
    assert (s.smtp.host, s.smtp.port, s.smtp.security, s.smtp.sender) == (
        "mail.district.example", 2525, "starttls", "noreply@district.example")
    assert s.notices.reminder_days == [30, 10] and s.notices.staff == ["a@district.example", "b@district.example"]
    assert (s.sweep.cron, s.sweep.timezone, s.watch.stable_seconds, s.watch.events) == (
        "15 1 * * *", "America/Chicago", 10.0, False)
    assert s.sends_mail and s.watch_folder == tmp_path / "watch"
    assert any("bogus" in p for p in s.problems) and any("per_minute" in p for p in s.problems)
    assert s.smtp.per_minute == 30.0  # a bad value keeps the default
