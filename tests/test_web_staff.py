"""The review desk as staff meet it (FastAPI TestClient on real dev files): error pages in the desk's own
style, never raw JSON or a server's traceback; times in the district's time zone."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.web_data import AS_OF, CSRF, DeskData, desk_in_new_home, sign_in, work_in_desk_home


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> DeskData:
    return desk_in_new_home(tmp_path_factory, "desk-staff-home")


@pytest.fixture(autouse=True)
def compliance_home(desk: DeskData, monkeypatch: pytest.MonkeyPatch) -> Path:
    return work_in_desk_home(desk, monkeypatch)


def signed_in(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    return sign_in(TestClient(app, raise_server_exceptions=False), username)


def desk_app(desk: DeskData):  # type: ignore[no-untyped-def]
    from web.app import create_app

    return create_app(desk.db_url, home=desk.home, as_of=AS_OF)


def is_desk_page(response) -> bool:  # type: ignore[no-untyped-def]
    """An HTML page of the desk (its style sheet and header), not JSON or a bare server message."""
    return (response.headers["content-type"].startswith("text/html") and "/static/desk.css" in response.text
            and "Traceback" not in response.text)


def test_error_pages_are_html_in_the_desks_style(desk: DeskData) -> None:
    app = desk_app(desk)
    c = signed_in(app, "rita")
    for path in ("/documents/abc", "/documents/999999", "/requests/NO-SUCH", "/no/such/page"):
        r = c.get(path)
        assert r.status_code == 404, path
        assert is_desk_page(r) and "Not found" in r.text and '"detail"' not in r.text, path
    forbidden = signed_in(app, "rita").get("/audit")
    assert forbidden.status_code == 403 and is_desk_page(forbidden) and "Not allowed" in forbidden.text


def test_a_failure_inside_the_desk_is_a_plain_page_not_a_traceback(desk: DeskData, tmp_path: Path) -> None:
    """The database loses a table under the running desk: the queue answers a 500 page in the desk's style."""
    import sqlite3

    from sqlalchemy import create_engine, text

    from storage.db import database

    broken = tmp_path / "broken.db"
    with sqlite3.connect(desk.db_url.removeprefix("sqlite:///")) as src, sqlite3.connect(broken) as dst:
        src.backup(dst)  # the whole database, with what is still in its write-ahead log
    url = f"sqlite:///{broken}"
    database.cache_clear()
    from web.app import create_app

    app = create_app(url, home=desk.home, as_of=AS_OF)
    c = signed_in(app, "rita")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        conn.execute(text("DROP TABLE findings"))
    engine.dispose()
    r = c.get("/queue")
    assert r.status_code == 500
    assert is_desk_page(r) and "Something went wrong" in r.text
    assert "OperationalError" not in r.text and "no such table" not in r.text
    database.cache_clear()


def test_desk_times_are_in_the_configured_time_zone(desk: DeskData, monkeypatch: pytest.MonkeyPatch) -> None:
    """One setting ([sweep] timezone) decides the zone of every time on the desk, and each time says its zone."""
    from storage import repository as repo
    from storage.db import database

    with database(desk.db_url).session() as s:
        doc = next(d for d in repo.all_documents(s) if d.status == "processed")
    for zone, name in (("America/Denver", "MST"), ("America/New_York", "EST")):
        monkeypatch.setenv("COMPLIANCE_SWEEP_TIMEZONE", zone)
        page = signed_in(desk_app(desk), "rita").get(f"/documents/{doc.id}")
        local = doc.received_at.astimezone(ZoneInfo(zone))
        shown = local.strftime("%b %-d, %Y %-I:%M %p ") + name
        assert f"received {shown}" in page.text, (zone, shown)


# ------------------------------------------------------------------ staff words


DETAILS = re.compile(r"<details class=\"why-details\">.*?</details>", re.S)
TAGS = re.compile(r"<[^>]+>")
CODE = re.compile(r"\b[A-Z]{2,}(?:_[A-Z0-9]+)+\b")


def visible_text(html: str) -> str:
    """What a person reads first: the page's text without tags, attributes, scripts or the folded details."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return " ".join(TAGS.sub(" ", DETAILS.sub(" ", html)).split())


def test_the_tray_says_why_in_words_with_the_readers_account_folded(desk: DeskData) -> None:
    c = signed_in(desk_app(desk), "rita")
    html = c.get("/tray").text
    shown = visible_text(html)
    assert "Not one of the compliance documents" in shown and "Names no organization in the registry" in shown
    for internal in ("title '", "text '", "insured_name", "org_name", "p1 ", "unclassified", "unlinked"):
        assert internal not in shown, internal
    folds = DETAILS.findall(html)
    assert folds and any("not one of the compliance document kinds (p" in f for f in folds)


def test_pages_show_findings_and_matches_in_words_not_codes(desk: DeskData) -> None:
    from storage import repository as repo
    from storage.db import database

    c = signed_in(desk_app(desk), "rita")
    with database(desk.db_url).session() as s:
        flagged = [r.request_id for r in repo.request_rows(s) if r.verdict == "flagged"][:5]
        linked = next(d.id for d in repo.all_documents(s) if any(seg.org_id for seg in d.segments))
    for rid in flagged:
        shown = visible_text(c.get(f"/requests/{rid}").text)
        assert not CODE.findall(shown), (rid, CODE.findall(shown))
    document = visible_text(c.get(f"/documents/{linked}").text)
    assert "found from" in document and "folder+content" not in document and not re.search(r"\(\w+, \d+%\)", document)


def test_notices_to_organizations_name_documents_as_their_sender_knows_them(desk: DeskData, tmp_path: Path) -> None:
    """The deficiency notice (desk preview and nightly sweep) and renewal reminders hold no path of the
    district's store: a document is named by its file name, the day it came in and its kind."""
    import sqlite3

    from flows.checks import check_requests
    from flows.service_settings import load_settings
    from flows.sweep import sweep
    from storage import repository as repo
    from storage.db import database
    from storage.models import NoticeRow
    from web.desk import deficiency_preview

    copy = tmp_path / "notices.db"
    with sqlite3.connect(desk.db_url.removeprefix("sqlite:///")) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    url = f"sqlite:///{copy}"
    database.cache_clear()
    with database(url).session() as s:  # a reviewer reads the certificate's limit as too low: a finding on it
        for d in repo.all_documents(s):
            for seg in d.segments:
                for f in seg.fields:
                    if f.name == "gl_each_occurrence" and d.relative_path == "inbox/COI 2026.pdf":
                        f.corrected_value = 100_000
        s.commit()
    check_requests(url, AS_OF)
    with database(url).session() as s:
        stored = {d.relative_path: d for d in repo.all_documents(s)}
        with_documents = [r.request_id for r in repo.request_rows(s)
                          if any(f.document and f.severity == "block" for f in r.findings)]
    assert with_documents
    notice, _ = deficiency_preview(url, with_documents[0])
    assert notice is not None and "We looked at your" in notice.body and "received" in notice.body
    assert any(f"“{d.original_name}”" in notice.body for d in stored.values())

    settings = load_settings()
    settings.notices.dry_run = True
    settings.notices.dry_run_folder = str(tmp_path / "outbox")
    sweep(url, AS_OF, settings, send=True)
    with database(url).session() as s:
        bodies = [n.body for n in s.query(NoticeRow).filter(NoticeRow.kind.in_(("deficiency", "renewal")))]
    assert bodies
    for body in bodies:
        for path in stored:
            if "/" in path:
                assert path not in body
        assert "inbox/" not in body and str(desk.home) not in body
    database.cache_clear()


def test_paths_in_a_message_become_file_names() -> None:
    from flows.notices import SentDocument, without_paths

    known = {"inbox/ORG-0027/CCF 2026.pdf": SentDocument("CCF 2026.pdf")}
    text = "Limit too low; judged inbox/ORG-0027/CCF 2026.pdf, the best of 2 on file; see scans/a/b/x 1.tif."
    assert without_paths(text, known) == ("Limit too low; judged “CCF 2026.pdf”, the best of 2 on file; "
                                          "see “x 1.tif”.")
    assert without_paths("Send it by 2026/12/01 or 11/20.") == "Send it by 2026/12/01 or 11/20."


# ------------------------------------------------------------------ after an action


def test_after_an_action_the_page_says_what_changed_and_a_refused_form_keeps_its_text(desk: DeskData) -> None:
    import html

    from storage import web_repo
    from storage.db import database

    c = signed_in(desk_app(desk), "rita")
    with database(desk.db_url).session() as s:
        finding = next(f for f in web_repo.request_row(s, "AC11-2026-0189").findings if f.waiver_id is None)
        fid = finding.id
    page = c.get("/requests/AC11-2026-0189").text
    token = CSRF.search(page).group(1)
    typed = "Called the club: the coach clearance is on its way"
    refused = c.post(f"/findings/{fid}/decide", data={
        "csrf_token": token, "kind": "waived", "reason": typed, "expires_on": "2000-01-01",
        "back": "/requests/AC11-2026-0189"})
    assert "Not saved: the expiry date has passed already" in refused.text
    assert html.escape(typed) in refused.text  # what was typed comes back, in the form that was refused
    assert re.search(rf'<details class="inline-form decide" open>\s*<summary[^>]*>[^<]*</summary>\s*'
                     rf'<form method="post" action="/findings/{fid}/decide"', refused.text)
    assert html.escape(typed) not in c.get("/requests/AC11-2026-0189").text  # once only

    done = c.post(f"/findings/{fid}/decide", data={
        "csrf_token": CSRF.search(refused.text).group(1), "kind": "waived", "reason": typed,
        "back": "/requests/AC11-2026-0189"})
    flash = re.search(r'class="flash flash-ok"[^>]*>(.*?)</div>', done.text, re.S).group(1)
    with database(desk.db_url).session() as s:
        row = web_repo.request_row(s, "AC11-2026-0189")
        still_open = [f for f in row.findings if f.waiver_id is None]
        verdict = row.verdict
    from web.present import code_words

    assert "Checked again: AC11-2026-0189" in flash
    assert f"cleared: {code_words(finding.code)}" in html.unescape(flash)
    if still_open:
        assert f"is still {verdict}" in flash
    else:
        assert "is now compliant (was flagged)" in flash


def test_a_replaced_document_is_marked_superseded() -> None:
    """The newest document of a kind (a clearance: of a person) is current; the older ones are replaced."""
    from datetime import datetime
    from types import SimpleNamespace as N

    from web.present import superseded_by

    def seg(i: int, kind: str, day: int, person: str | None = None) -> N:
        fields = [N(name="person_name", value=person, corrected_value=None)] if person else []
        return N(id=i, document_id=100 + i, doc_type=kind, status="processed", fields=fields,
                 document=N(received_at=datetime(2026, 11, day)))

    old, new = seg(1, "coi", 2), seg(2, "coi", 9)
    ana_old, ana_new, ben = seg(3, "background_check", 1, "Ana Ruiz"), seg(4, "background_check", 5, "ana  ruiz"), \
        seg(5, "background_check", 7, "Ben Ortiz")
    letter = seg(6, "nonprofit_letter", 3)
    replaced = superseded_by([new, old, ana_old, ana_new, ben, letter])
    assert replaced == {1: new, 3: ana_new}


# ------------------------------------------------------------------ a tray that empties


def copied_desk(desk: DeskData, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The desk on a copy of its database, for tests that change what later tests read."""
    import sqlite3

    from storage.db import database
    from web.app import create_app

    copy = tmp_path / "copy.db"
    with sqlite3.connect(desk.db_url.removeprefix("sqlite:///")) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    database.cache_clear()
    url = f"sqlite:///{copy}"
    return url, create_app(url, home=desk.home, as_of=AS_OF)


def test_every_item_of_the_tray_can_be_cleared(desk: DeskData, tmp_path: Path) -> None:
    from storage import web_repo
    from storage.db import database
    from storage.models import ReviewActionRow

    url, app = copied_desk(desk, tmp_path)
    c = signed_in(app, "rita")
    with database(url).session() as s:
        files, segments = web_repo.tray(s)
        cover = next(g for g in segments if g.doc_type is None)
        unlinked = next(g for g in segments if g.doc_type == "coi")
        org = web_repo.organization_rows(s)[0]
    assert len(segments) == 2 and not files

    tray = c.get("/tray").text
    # not a compliance document: a reason is required, then it leaves the tray
    refused = c.post(f"/segments/{cover.id}/set-aside", data={"csrf_token": CSRF.search(tray).group(1),
                                                             "reason": "", "back": "/tray"})
    assert "Not saved: say why" in refused.text
    done = c.post(f"/segments/{cover.id}/set-aside", data={"csrf_token": CSRF.search(refused.text).group(1),
                                                          "reason": "a cover letter, nothing to check"})
    assert "set aside as not a compliance document" in done.text and "It has left the tray" in done.text

    # this is a certificate of that organization: its fields are read again from the stored pages, and it is tied
    done = c.post(f"/segments/{unlinked.id}/reclassify", data={
        "csrf_token": CSRF.search(done.text).group(1), "doc_type": "coi", "org_id": org.org_id,
        "reason": "the club's new name", "back": "/tray"})
    assert "Read again as: Certificate of liability insurance; " in done.text and f"tied to {org.name}" in done.text
    with database(url).session() as s:
        seg = web_repo.segment_row(s, unlinked.id)
        assert seg.status == "processed" and seg.org_id == org.org_id and seg.link_method == "manual"
        assert sum(1 for f in seg.fields if f.value is not None) >= 5
        assert seg.type_evidence == "set by hand by rita"
        actions = {a.action for a in s.query(ReviewActionRow)}
        assert {"set_aside", "reclassify_document"} <= actions
        files, segments = web_repo.tray(s)
    assert not segments and not files
    assert "Nothing waiting." in c.get("/tray").text
    database.cache_clear()


def test_documents_page_pages_filters_and_searches_the_page_text(desk: DeskData) -> None:
    from storage import web_repo
    from storage.db import database

    c = signed_in(desk_app(desk), "rita")
    every = c.get("/documents").text
    assert "cover letter 2026.pdf" in every and "COI 2026.pdf" in every
    found = c.get("/documents", params={"q": "subrogation"}).text  # printed on certificates, not in their names
    assert "COI 2026.pdf" in found and "cover letter 2026.pdf" not in found
    assert "Nothing matches." in c.get("/documents", params={"q": 'zzqx "AND* OR'}).text  # words, not syntax
    none = c.get("/documents", params={"kind": "none"}).text
    assert "cover letter 2026.pdf" in none and "COI 2026.pdf" not in none
    with database(desk.db_url).session() as s:
        first, total = web_repo.find_documents(s, per_page=2)
        second, _ = web_repo.find_documents(s, page=2, per_page=2)
    assert len(first) == 2 and len(second) == 2 and not {d.id for d in first} & {d.id for d in second}
    assert total == len(desk_files()) and [d.received_at for d in first] == sorted(
        (d.received_at for d in first), reverse=True)


def desk_files() -> list[str]:
    from tests.web_data import FILES

    return FILES


def test_a_viewer_cannot_find_background_checks_by_their_words(desk: DeskData) -> None:
    page = signed_in(desk_app(desk), "rita").get("/documents", params={"q": "Sandoval"}).text
    assert "Sandia Junior Soccer Club background Sandoval.pdf" in page
    assert "Restricted document" in signed_in(desk_app(desk), "vera").get("/documents").text  # listed, not named
    viewer = signed_in(desk_app(desk), "vera").get("/documents", params={"q": "Sandoval"}).text
    assert "Restricted document" not in viewer and "Sandoval" not in visible_text(viewer)


def test_page_text_search_on_sqlite_and_postgresql(db_url: str, tmp_path: Path) -> None:
    import shutil

    from flows.ingest import run_batches
    from flows.stages import IngestOptions
    from storage import web_repo
    from storage.db import database
    from tests.conftest import INBOX

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy2(INBOX / "COI.pdf", folder / "COI.pdf")
    run_batches(db_url, folder, [folder / "COI.pdf"], IngestOptions(keep=True), use_prefect_tasks=False)
    with database(db_url).session() as s:
        assert len(web_repo.files_with_text(s, "certificate liability")) == 1
        assert web_repo.files_with_text(s, "zzqx") == set()
        docs, total = web_repo.find_documents(s, q="insurance")
        assert total == 1 and docs[0].relative_path == "COI.pdf"


def test_the_request_form_offers_the_schools_and_facilities_on_file(desk: DeskData) -> None:
    from storage import repository as repo
    from storage.db import database

    with database(desk.db_url).session() as s:
        schools = {r.school for r in repo.request_rows(s) if r.school}
    form = signed_in(desk_app(desk), "rita").get("/requests-new").text
    listed = set(re.findall(r'<datalist id="school-list">(.*?)</datalist>', form, re.S)[0].split('<option value="'))
    assert schools and {html_unescape(x.split('"')[0]) for x in listed if x} == schools
    assert 'list="school-list"' in form and 'list="facility-list"' in form


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


# ------------------------------------------------------------------ legible evidence


def test_a_page_zooms_to_200_dpi_in_the_frame_of_its_evidence_boxes(desk: DeskData) -> None:
    import io

    from PIL import Image

    from storage import repository as repo
    from storage import web_repo
    from storage.db import database
    from web.zoom import zoom_name

    with database(desk.db_url).session() as s:
        doc = next(d for d in repo.all_documents(s) if d.relative_path == "inbox/COI 2026.pdf")
        info = web_repo.page_infos(s, doc.sha256)[0]
    c = signed_in(desk_app(desk), "rita")
    r = c.get(f"/documents/{doc.id}/pages/1/zoom.webp")
    assert r.status_code == 200 and r.headers["content-type"] == "image/webp"
    image = Image.open(io.BytesIO(r.content))
    assert image.size == (round(info.width * 200 / 72), round(info.height * 200 / 72))
    kept = desk.home / "pages" / zoom_name(doc.sha256, 1)
    assert kept.is_file() and kept.stat().st_size == len(r.content) < 600_000  # made once, kept compact
    assert c.get(f"/documents/{doc.id}/pages/1/zoom.webp").content == r.content
    assert c.get(f"/documents/{doc.id}/pages/99/zoom.webp").status_code == 404
    page = c.get(f"/documents/{doc.id}").text
    assert f'data-zoom-src="/documents/{doc.id}/pages/1/zoom.webp"' in page and 'data-zoom="in"' in page


def test_a_background_check_page_does_not_zoom_for_a_viewer(desk: DeskData) -> None:
    from storage import repository as repo
    from storage.db import database

    with database(desk.db_url).session() as s:
        doc = next(d for d in repo.all_documents(s) if any(g.doc_type == "background_check" for g in d.segments))
    assert signed_in(desk_app(desk), "vera").get(f"/documents/{doc.id}/pages/1/zoom.webp").status_code == 403


def test_a_turned_and_straightened_scan_zooms_upright() -> None:
    """A page scanned sideways and a little askew is turned and straightened as for reading, so a mark at a
    place of the upright page is at the same place (in page percent) of the zoom image."""
    import io

    from PIL import Image, ImageDraw

    from web.zoom import make_zoom_image

    upright = Image.new("L", (850, 1100), 255)  # 8.5 x 11 in at 100 dpi
    ImageDraw.Draw(upright).rectangle((600, 150, 700, 250), fill=0)  # a mark near the top right
    scanned = upright.rotate(-1.5, resample=Image.BICUBIC, fillcolor=255).rotate(90, expand=True, fillcolor=255)
    raw = io.BytesIO()
    scanned.save(raw, "PNG")
    zoomed = Image.open(io.BytesIO(make_zoom_image(raw.getvalue(), "image/png", 1, 612, 792, rotation=90,
                                                   skew=1.5))).convert("L")
    assert zoomed.size == (1700, 2200)
    assert zoomed.getpixel((1300, 400)) < 60  # the middle of the mark: dark
    assert zoomed.getpixel((400, 400)) > 200 and zoomed.getpixel((1300, 1800)) > 200  # elsewhere: paper


def test_implausible_values_are_pointed_out() -> None:
    from datetime import date
    from types import SimpleNamespace as N

    from web.present import implausible

    def seg(kind: str, **values: object) -> N:
        return N(doc_type=kind, fields=[N(name=k, value=v, corrected_value=None) for k, v in values.items()])

    odd = implausible(seg("coi", gl_each_occurrence=1_000_050, gl_aggregate=2_000_000,
                          gl_effective=date(2026, 1, 1), gl_expiration=date(2026, 3, 1)))
    assert set(odd) == {"gl_each_occurrence", "gl_expiration"}
    assert "not a round amount" in odd["gl_each_occurrence"] and "59 days" in odd["gl_expiration"]
    assert implausible(seg("coi", gl_each_occurrence=1_000_000, gl_effective="2026-01-01",
                           gl_expiration="2027-01-01")) == {}
    later = implausible(seg("health_permit", valid_from="2026-10-18", valid_to="2026-10-16"))
    assert later == {"valid_to": "Valid to is before valid from"}
    assert "gl_expiration" in implausible(seg("coi", issue_date="2026-11-01", gl_effective="2025-10-01",
                                              gl_expiration="2026-09-30"))


def test_the_document_page_highlights_an_implausible_reading(desk: DeskData, tmp_path: Path) -> None:
    from storage import repository as repo
    from storage.db import database

    url, app = copied_desk(desk, tmp_path)
    with database(url).session() as s:
        doc = next(d for d in repo.all_documents(s) if d.relative_path == "inbox/COI 2026.pdf")
        field = next(f for seg in doc.segments for f in seg.fields if f.name == "gl_each_occurrence")
        field.corrected_value = 1_000_050
        fid, doc_id = field.id, doc.id
        s.commit()
    page = signed_in(app, "rita").get(f"/documents/{doc_id}").text
    assert re.search(rf'id="field-{fid}"[^>]*class="[^"]*implausible', page)
    assert "$1,000,050 is not a round amount" in page and "Does not look right: Each occurrence" in page
    database.cache_clear()
