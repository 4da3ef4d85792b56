"""The review desk through its HTTP interface (FastAPI TestClient): sign-in, roles, CSRF, background-check
privacy, every action and its audit entry, re-checks, registry upkeep and exports. The data are real dev files
read by the real pipeline (born-digital, so no OCR)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web_data import AS_OF, CSRF, INBOX, PASSWORD, DeskData, desk_in_new_home, sign_in, work_in_desk_home


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> DeskData:
    return desk_in_new_home(tmp_path_factory, "desk-home")


@pytest.fixture(autouse=True)
def compliance_home(desk: DeskData, monkeypatch: pytest.MonkeyPatch) -> Path:
    return work_in_desk_home(desk, monkeypatch)


@pytest.fixture(scope="module")
def app(desk: DeskData):  # type: ignore[no-untyped-def]
    from web.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COMPLIANCE_HOME", str(desk.home))
        return create_app(desk.db_url, home=desk.home, as_of=AS_OF)


def client_for(app, username: str | None) -> TestClient:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    return sign_in(c, username) if username else c


def token(c: TestClient, path: str = "/queue") -> str:
    return CSRF.search(c.get(path).text).group(1)


def session(desk: DeskData):  # type: ignore[no-untyped-def]
    from storage.db import database

    return database(desk.db_url).session()


def request_row(desk: DeskData, request_id: str):  # type: ignore[no-untyped-def]
    from storage import web_repo

    with session(desk) as s:
        row = web_repo.request_row(s, request_id)
        return row, list(row.findings)


def audit(desk: DeskData, action: str) -> list:
    from storage.models import ReviewActionRow

    with session(desk) as s:
        return list(s.scalars(select(ReviewActionRow).where(ReviewActionRow.action == action)))


def segment_of(desk: DeskData, name: str, doc_type: str):  # type: ignore[no-untyped-def]
    from storage import repository as repo

    with session(desk) as s:
        for d in repo.all_documents(s):
            if d.relative_path == f"inbox/{name}":
                return next(seg for seg in d.segments if seg.doc_type == doc_type)
    raise AssertionError(name)


# ------------------------------------------------------------------ sign-in and access


PAGES = ["/", "/queue", "/queue.csv", "/requests/AC11-2026-0176", "/requests/AC11-2026-0176/summary",
         "/requests/AC11-2026-0176/notice", "/documents", "/documents/1", "/documents/1/pages/1.png",
         "/organizations", "/organizations/ORG-0037", "/tray", "/sweeps", "/audit", "/fields/1/evidence.png"]


def test_every_page_needs_a_login(app) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app, None)
    for path in PAGES:
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path


def test_passwords_are_argon2_hashes_and_wrong_ones_fail(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    from storage import web_repo

    with session(desk) as s:
        user = web_repo.user_by_name(s, "rita")
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    c = TestClient(app)
    r = c.post("/login", data={"username": "rita", "password": "not the password", "csrf_token": token(c, "/login")})
    assert r.status_code == 401 and "not right" in r.text


def test_failed_logins_are_rate_limited(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    from web.auth import MAX_FAILED_PER_USER, create_user

    create_user(desk.db_url, "lockme", PASSWORD, "viewer")
    c = TestClient(app)
    for _ in range(MAX_FAILED_PER_USER):
        r = c.post("/login", data={"username": "lockme", "password": "wrong password",
                                   "csrf_token": token(c, "/login")})
        assert r.status_code == 401 and "not right" in r.text
    # now even the right password is refused for a while
    r = c.post("/login", data={"username": "lockme", "password": PASSWORD, "csrf_token": token(c, "/login")})
    assert r.status_code == 401 and "Too many failed sign-in attempts" in r.text
    # other accounts are not locked out
    client_for(app, "vera")


def test_every_form_without_its_csrf_token_is_refused(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app, "adam")
    posts = [r for r in app.routes if "POST" in getattr(r, "methods", set())]
    assert len(posts) >= 12
    before = len(audit(desk, "waive_finding"))
    _, findings = request_row(desk, "AC11-2026-0189")
    for route in posts:
        path = (route.path.replace("{finding_id}", str(findings[0].id)).replace("{request_id}", "AC11-2026-0189")
                .replace("{org_id}", "ORG-0037").replace("{waiver_id}", "1").replace("{field_id}", "1")
                .replace("{segment_id}", "1").replace("{document_id}", "1"))
        for data in ({}, {"csrf_token": "forged-token"}):
            r = c.post(path, data={**data, "kind": "waived", "reason": "no token", "username": "adam",
                                   "password": PASSWORD}, follow_redirects=False)
            assert r.status_code == 403 and "Form expired" in r.text, path
    assert len(audit(desk, "waive_finding")) == before
    assert request_row(desk, "AC11-2026-0189")[0].verdict == "flagged"


def test_a_viewer_can_look_but_not_act(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app, "vera")
    page = c.get("/requests/AC11-2026-0189")
    assert page.status_code == 200 and "Background check missing" in page.text
    assert "Resolve or waive" not in page.text and 'action="/upload"' not in page.text
    _, findings = request_row(desk, "AC11-2026-0189")
    r = c.post(f"/findings/{findings[0].id}/decide",
               data={"csrf_token": token(c), "kind": "waived", "reason": "viewer tries"})
    assert r.status_code == 403 and "may look but not change" in r.text
    assert request_row(desk, "AC11-2026-0189")[1][0].waiver_id is None
    assert c.get("/organizations/new").status_code == 403
    assert c.get("/audit").status_code == 403
    r = c.post("/organizations", data={"csrf_token": token(c), "org_id": "ORG-9999", "name": "X", "category": "5"})
    assert r.status_code == 403


def test_background_checks_are_hidden_from_viewers(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    seg = segment_of(desk, "Sandia Junior Soccer Club background Sandoval.pdf", "background_check")
    field = next(f for f in seg.fields if f.name == "person_name")
    doc_pages = [f"/documents/{seg.document_id}", f"/documents/{seg.document_id}/pages/1.png",
                 f"/documents/{seg.document_id}/original", f"/fields/{field.id}/evidence.png"]
    viewer = client_for(app, "vera")
    for path in doc_pages:
        r = viewer.get(path)
        assert r.status_code == 403 and "Background-check clearances are shown only" in r.text, path
    page = viewer.get("/requests/AC11-2026-0176").text
    assert "Sandia Junior Soccer Club background Sandoval.pdf" not in page
    assert "2 background-check clearances not shown to your role" in page
    assert "Sandoval" not in viewer.get("/organizations/ORG-0037").text.split("Documents over time")[1]
    assert "Sandoval.pdf" not in viewer.get("/documents").text
    reviewer = client_for(app, "rita")
    for path in doc_pages:
        assert reviewer.get(path).status_code == 200, path
    page = reviewer.get(f"/documents/{seg.document_id}").text
    assert "Background-check clearance" in page and "Sandoval, Sarah" in page


def test_document_page_draws_the_evidence_of_every_field(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    seg = segment_of(desk, "COI 2026.pdf", "coi")
    c = client_for(app, "vera")
    page = c.get(f"/documents/{seg.document_id}").text
    with_boxes = [f for f in seg.fields if f.bbox and f.page]
    assert len(with_boxes) >= 10
    for f in with_boxes:
        assert 'class="box' in page and f'data-field="{f.id}"' in page
    assert "SANDIA JUNIOR SOCCER CLUB" in page and "$1,000,000" in page
    img = c.get(f"/documents/{seg.document_id}/pages/1.png")
    assert img.status_code == 200 and img.content[:8] == b"\x89PNG\r\n\x1a\n"
    crop = c.get(f"/fields/{with_boxes[0].id}/evidence.png")
    assert crop.status_code == 200 and crop.content[:4] == b"\x89PNG"


# ------------------------------------------------------------------ actions, re-checks and the audit trail


def test_waiving_a_finding_turns_the_request_compliant_until_the_waiver_expires(app, desk) -> None:  # type: ignore[no-untyped-def]
    from flows.checks import check_requests

    row, findings = request_row(desk, "AC11-2026-0176")
    assert row.verdict == "flagged" and [f.code for f in findings] == ["BACKGROUND_CHECK_MISSING"]
    c = client_for(app, "rita")
    r = c.post(f"/findings/{findings[0].id}/decide", data={
        "csrf_token": token(c), "kind": "waived", "reason": "Ashley Lente only helps on the parents' side line",
        "expires_on": "2027-01-31", "back": "/requests/AC11-2026-0176"})
    assert r.status_code == 200 and "AC11-2026-0176 is now compliant" in r.text
    row, findings = request_row(desk, "AC11-2026-0176")
    assert row.verdict == "compliant" and findings[0].waiver_id is not None
    assert "Waived" in r.text and "parents&#39; side line" in r.text
    # the waiver shows in the queue's export and the nightly re-check keeps it, until it expires
    rows = list(csv.DictReader(io.StringIO(c.get("/queue.csv?verdict=all&q=AC11-2026-0176").text)))
    assert rows[0]["decision"] == "waived" and rows[0]["decision expires"] == "2027-01-31"
    check_requests(desk.db_url, date(2027, 1, 31), request_ids=["AC11-2026-0176"])
    assert request_row(desk, "AC11-2026-0176")[0].verdict == "compliant"
    check_requests(desk.db_url, date(2027, 2, 1), request_ids=["AC11-2026-0176"])
    assert request_row(desk, "AC11-2026-0176")[0].verdict == "flagged"
    check_requests(desk.db_url, AS_OF, request_ids=["AC11-2026-0176"])
    entry = audit(desk, "waive_finding")[-1]
    assert entry.actor == "rita" and entry.subject_id == "AC11-2026-0176"
    assert entry.reason.startswith("Ashley Lente") and entry.details["code"] == "BACKGROUND_CHECK_MISSING"
    assert entry.details["expires_on"] == "2027-01-31"
    # withdrawing the decision flags the request again, and is recorded too
    r = c.post(f"/waivers/{entry.details['waiver_id']}/revoke",
               data={"csrf_token": token(c), "reason": "clearance after all needed",
                     "back": "/requests/AC11-2026-0176"})
    assert "AC11-2026-0176 is now flagged" in r.text
    assert audit(desk, "revoke_waiver")[-1].details["waiver_id"] == entry.details["waiver_id"]


def test_a_decision_needs_a_reason(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    _, findings = request_row(desk, "AC11-2026-0189")
    c = client_for(app, "rita")
    r = c.post(f"/findings/{findings[0].id}/decide", data={"csrf_token": token(c), "kind": "resolved",
                                                            "reason": " ", "back": "/requests/AC11-2026-0189"})
    assert "Not saved: say why" in r.text
    assert request_row(desk, "AC11-2026-0189")[1][0].waiver_id is None


def test_correcting_a_field_keeps_the_machine_reading_and_rechecks(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    seg = segment_of(desk, "COI 2026.pdf", "coi")
    field = next(f for f in seg.fields if f.name == "gl_expiration")
    assert field.value == "2027-05-10"
    c = client_for(app, "rita")
    r = c.post(f"/fields/{field.id}/correct", data={
        "csrf_token": token(c), "value": "01/15/2027", "reason": "year misread: the printed date is 01/15/2027",
        "back": f"/documents/{seg.document_id}"})
    assert r.status_code == 200 and "GL expiration corrected to 2027-01-15." in r.text
    assert "machine read: May 10, 2027" in r.text
    with session(desk) as s:
        from storage.models import FieldRow

        row = s.get(FieldRow, field.id)
        assert row.value == "2027-05-10" and row.corrected_value == "2027-01-15"
    codes = {f.code for f in request_row(desk, "AC11-2026-0176")[1]}
    assert "COI_DOES_NOT_COVER_USE_DATES" in codes
    entry = audit(desk, "correct_field")[-1]
    assert entry.actor == "rita" and entry.details["machine_value"] == "2027-05-10"
    assert entry.details["corrected_value"] == "2027-01-15" and entry.subject_id == str(seg.document_id)
    # back to the machine reading
    r = c.post(f"/fields/{field.id}/correct", data={"csrf_token": token(c), "clear": "1", "value": "",
                                                    "reason": "checked the original again"})
    assert "COI_DOES_NOT_COVER_USE_DATES" not in {f.code for f in request_row(desk, "AC11-2026-0176")[1]}
    assert audit(desk, "clear_correction")[-1].details["previous_correction"] == "2027-01-15"
    bad = c.post(f"/fields/{field.id}/correct", data={"csrf_token": token(c), "value": "someday", "reason": "x y z"})
    assert "is not a date" in bad.text


def test_registry_upkeep_and_linking_an_unlinked_document(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    org, req = desk.left_out_org, desk.left_out_requests[0]
    c = client_for(app, "rita")
    tray = c.get("/tray").text
    assert "Four Hills Baptist Fellowship" in tray and "names no organization in the registry" in tray
    form = {"csrf_token": token(c), "org_id": org["org_id"], "name": org["name"], "category": org["category"],
            "ein": "12-34", "address": org["address"], "contact_email": org["contact_email"]}
    r = c.post("/organizations", data=form)
    assert r.status_code == 400 and "is not an EIN" in r.text
    r = c.post("/organizations", data={**form, "ein": ""})
    assert r.status_code == 200 and r.url.path == f"/organizations/{org['org_id']}"
    again = c.post("/organizations", data={**form, "ein": ""})
    assert again.status_code == 400 and f"organization {org['org_id']} exists already" in again.text
    req_form = {
        "csrf_token": token(c), "request_id": req["request_id"], "org_id": org["org_id"], "school": req["school"],
        "facility": req["facility"], "activity": req["activity"], "use_dates": "\n".join(req["use_dates"]),
        "start_time": req["start_time"], "end_time": req["end_time"], "submitted_on": req["submitted_on"]}
    unknown = c.post("/requests/AC11-2099-0001/edit", data=req_form)
    assert unknown.status_code == 400 and "request AC11-2099-0001 is not in the registry" in unknown.text
    r = c.post("/requests-new", data=req_form)
    assert r.status_code == 200 and r.url.path == f"/requests/{req['request_id']}"
    row, findings = request_row(desk, req["request_id"])
    assert row.verdict == "flagged" and {"COI_MISSING", "NONPROFIT_LETTER_MISSING"} <= {f.code for f in findings}
    bad = c.post(f"/requests/{req['request_id']}/edit", data={"csrf_token": token(c), "org_id": org["org_id"],
                                                              "use_dates": "2027-02-30"})
    assert bad.status_code == 400 and "is not a date" in bad.text
    # link the certificate from the tray by hand: the request is checked again at once
    seg = segment_of(desk, "AC11-2026-0180/COI 2026.pdf", "coi")
    assert seg.status == "unlinked"
    r = c.post(f"/segments/{seg.id}/link", data={"csrf_token": token(c), "org_id": org["org_id"],
                                                  "reason": "insured name is the new registration"})
    assert r.status_code == 200 and "Document linked to Four Hills Baptist Fellowship" in r.text
    codes = {f.code for f in request_row(desk, req["request_id"])[1]}
    assert "COI_MISSING" not in codes and "NONPROFIT_LETTER_MISSING" in codes
    assert audit(desk, "create_organization")[-1].subject_id == org["org_id"]
    assert audit(desk, "create_request")[-1].details["changes"]["school"]["to"] == req["school"]
    assert audit(desk, "link_document")[-1].details["org_id"] == org["org_id"]
    # an edit records what changed
    c.post(f"/organizations/{org['org_id']}", data={**form, "ein": "", "dba": "Four Hills Fellowship",
                                                    "csrf_token": token(c), "reason": "DBA on their letterhead"})
    entry = audit(desk, "edit_organization")[-1]
    assert entry.details["changes"] == {"dba": {"from": [], "to": ["Four Hills Fellowship"]}}
    assert entry.reason == "DBA on their letterhead"


def test_uploading_a_document_reads_it_and_rechecks(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    name = "Ramos Fitness Bootcamp background Anderson.pdf"
    data = (INBOX / "ORG-0018" / name).read_bytes()
    c = client_for(app, "rita")
    r = c.post("/upload", data={"csrf_token": token(c), "org_id": "ORG-0018", "note": "sent by e-mail",
                                "back": "/organizations/ORG-0018"}, files={"file": (name, data, "application/pdf")})
    assert r.status_code == 200 and f"{name} received; found: background-check clearance" in r.text
    entry = audit(desk, "upload_document")[-1]
    assert entry.actor == "rita" and entry.reason == "sent by e-mail" and entry.details["org_id"] == "ORG-0018"
    from storage import web_repo

    with session(desk) as s:
        doc = web_repo.document_row(s, int(entry.subject_id))
        assert doc.relative_path.endswith(f"/ORG-0018/{name}") and doc.status == "processed"
        assert [(seg.doc_type, seg.org_id) for seg in doc.segments] == [("background_check", "ORG-0018")]
    again = c.post("/upload", data={"csrf_token": token(c), "org_id": "ORG-0018"},
                   files={"file": (name, data, "application/pdf")})
    assert "is a copy of a document already on file" in again.text


def test_deficiency_notice_preview_and_send(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app, "rita")
    page = c.get("/requests/AC11-2026-0189/notice").text
    assert "office@sandiajuniorsoccer.example.org" in page and "Emily Tafoya" in page
    r = c.post("/requests/AC11-2026-0189/notice", data={"csrf_token": token(c)})
    assert "was written to the outbox" in r.text
    entry = audit(desk, "send_notice")[-1]
    assert entry.subject_id == "AC11-2026-0189" and entry.details["status"] == "dry_run"
    assert list((desk.home / "outbox").glob("*.eml"))
    again = c.post("/requests/AC11-2026-0189/notice", data={"csrf_token": token(c)})
    assert "already" in again.text


def test_queue_filters_csv_and_printable_summary(app) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app, "vera")
    page = c.get("/queue?code=BACKGROUND_CHECK_MISSING&school=Eisenhower+Middle+School").text
    assert "AC11-2026-0189" in page and "AC11-2026-0176" not in page
    rows = list(csv.DictReader(io.StringIO(c.get("/queue.csv").text)))
    assert rows and all(r["verdict"] == "flagged" for r in rows)
    firsts = [r["first use"] for r in rows]
    assert firsts == sorted(firsts)
    assert any(r["request"] == "AC11-2026-0189" and r["code"] == "BACKGROUND_CHECK_MISSING" for r in rows)
    summary = c.get("/requests/AC11-2026-0189/summary").text
    assert "Compliance summary: AC11-2026-0189" in summary and "Sandia Junior Soccer Club" in summary
    assert "Background-check clearance" not in summary  # a viewer's copy lists no clearances


def test_audit_trail_page_lists_actions(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app, "adam")
    page = c.get("/audit?actor=rita").text
    assert "waive finding" in page and "correct field" in page and "upload document" in page


def test_users_command(desk: DeskData) -> None:
    from typer.testing import CliRunner

    from flows.cli import app as cli

    runner = CliRunner()
    r = runner.invoke(cli, ["users", "add", "carla", "--role", "reviewer", "--name", "Carla Test",
                            "--password-stdin", "--db", desk.db_url], input="a long enough password\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["users", "add", "shorty", "--password-stdin", "--db", desk.db_url], input="short\n")
    assert r.exit_code == 2 and "at least" in r.output
    r = runner.invoke(cli, ["users", "list", "--db", desk.db_url])
    assert "carla" in r.output and "reviewer" in r.output
    r = runner.invoke(cli, ["users", "disable", "carla", "--db", desk.db_url])
    assert r.exit_code == 0 and "'carla' disabled" in r.output
    unknown = ((["disable", "nobody"], None), (["set-password", "nobody", "--password-stdin"], "a long password\n"))
    for args, stdin in unknown:
        r = runner.invoke(cli, ["users", *args, "--db", desk.db_url], input=stdin)
        assert r.exit_code == 2 and "no user 'nobody'" in r.output, r.output
