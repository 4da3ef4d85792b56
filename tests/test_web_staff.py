"""The review desk as staff meet it (FastAPI TestClient on real dev files): error pages in the desk's own
style, never raw JSON or a server's traceback; times in the district's time zone."""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.web_data import AS_OF, PASSWORD, DeskData, desk_in_new_home, work_in_desk_home

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> DeskData:
    return desk_in_new_home(tmp_path_factory, "desk-staff-home")


@pytest.fixture(autouse=True)
def compliance_home(desk: DeskData, monkeypatch: pytest.MonkeyPatch) -> Path:
    return work_in_desk_home(desk, monkeypatch)


def signed_in(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    c = TestClient(app, raise_server_exceptions=False)
    page = c.get("/login")
    r = c.post("/login", data={"username": username, "password": PASSWORD, "next": "/queue",
                               "csrf_token": CSRF.search(page.text).group(1)})
    assert r.status_code == 200 and r.url.path == "/queue"
    return c


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
        local = doc.received_at.replace(tzinfo=doc.received_at.tzinfo or UTC).astimezone(ZoneInfo(zone))
        shown = local.strftime("%b %-d, %Y %-I:%M %p ") + name
        assert f"received {shown}" in page.text, (zone, shown)
