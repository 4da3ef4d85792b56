"""The review desk against a hostile visitor: files outside the stores, paths in upload forms, duplicates of
background checks, sessions that must end, oversized bodies, forged client addresses, formulas in CSV
exports and the audit trail's audience. Real dev files read by the real pipeline, the real FastAPI app
(TestClient) and, where the server's own behaviour matters, a real uvicorn server on loopback."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import os
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web_data import AS_OF, CSRF, INBOX, PASSWORD, DeskData, desk_in_new_home, sign_in, work_in_desk_home

BACKGROUND = "Sandia Junior Soccer Club background Sandoval.pdf"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> DeskData:
    return desk_in_new_home(tmp_path_factory, "desk-security-home")


@pytest.fixture(autouse=True)
def compliance_home(desk: DeskData, monkeypatch: pytest.MonkeyPatch) -> Path:
    return work_in_desk_home(desk, monkeypatch)


def make_app(desk: DeskData, **kwargs):  # type: ignore[no-untyped-def]
    from web.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COMPLIANCE_HOME", str(desk.home))
        return create_app(desk.db_url, home=desk.home, as_of=AS_OF, **kwargs)


@pytest.fixture(scope="module")
def app(desk: DeskData):  # type: ignore[no-untyped-def]
    return make_app(desk)


def client_for(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    return sign_in(TestClient(app), username)


def token(c: TestClient, path: str = "/queue") -> str:
    return CSRF.search(c.get(path).text).group(1)


def cookie_of(c: TestClient) -> str:
    return c.cookies["desk_session"]


def replay(app, cookie: str) -> int:  # type: ignore[no-untyped-def]
    """The status of the queue for a browser that only has this cookie."""
    c = TestClient(app, cookies={"desk_session": cookie})
    return c.get("/queue", follow_redirects=False).status_code


def session(desk: DeskData):  # type: ignore[no-untyped-def]
    from storage.db import database

    return database(desk.db_url).session()


def document_at(desk: DeskData, relative_path: str):  # type: ignore[no-untyped-def]
    from storage.models import DocumentRow

    with session(desk) as s:
        return s.scalar(select(DocumentRow).where(DocumentRow.relative_path == relative_path))


def document_count(desk: DeskData) -> int:
    from storage.models import DocumentRow

    with session(desk) as s:
        return int(s.scalar(select(func.count()).select_from(DocumentRow)))


@contextmanager
def stored_path_set(desk: DeskData, document_id: int, stored: str | None = None,
                    image: str | None = None) -> Iterator[None]:
    """For the duration, the database says the document's original (or its first page's image) is elsewhere."""
    from storage.models import DocumentRow, PageTextRow

    with session(desk) as s:
        doc = s.get(DocumentRow, document_id)
        page = s.scalar(select(PageTextRow).where(PageTextRow.sha256 == doc.sha256, PageTextRow.page_no == 1))
        before = doc.stored_path, page.image_path
        if stored is not None:
            doc.stored_path = stored
        if image is not None:
            page.image_path = image
        s.commit()
    try:
        yield
    finally:
        with session(desk) as s:
            doc = s.get(DocumentRow, document_id)
            page = s.scalar(select(PageTextRow).where(PageTextRow.sha256 == doc.sha256, PageTextRow.page_no == 1))
            doc.stored_path, page.image_path = before
            s.commit()


@contextmanager
def served(config) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A real uvicorn server of this configuration, in a thread; its base URL."""
    import uvicorn

    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://{config.host}:{config.port}"
    finally:
        srv.should_exit = True
        thread.join(10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ files outside the stores


def test_only_regular_files_inside_the_stores_are_served(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    doc = document_at(desk, "inbox/COI 2026.pdf")
    reviewer = client_for(app, "rita")
    r = reviewer.get(f"/documents/{doc.id}/original")
    assert r.status_code == 200 and r.content == (INBOX / "COI 2026.pdf").read_bytes()
    assert reviewer.get(f"/documents/{doc.id}/pages/1.png").status_code == 200
    # a secret of the data folder, and links to it (and to a system file) planted in the stores
    secret = desk.home / "secret.key"
    secret.write_text("the desk's own secret", encoding="utf-8")
    (desk.home / "originals" / "zz").mkdir(exist_ok=True)
    (desk.home / "originals" / "zz" / "scan.pdf").symlink_to(secret)
    (desk.home / "originals" / "zz" / "passwd.pdf").symlink_to("/etc/passwd")
    (desk.home / "originals" / "home").symlink_to(desk.home, target_is_directory=True)
    (desk.home / "pages" / "zz").mkdir(exist_ok=True)
    (desk.home / "pages" / "zz" / "1.png").symlink_to(secret)
    os.mkfifo(desk.home / "originals" / "zz" / "fifo.pdf")
    refused = ["originals/zz/scan.pdf", "originals/zz/passwd.pdf", "originals/home/secret.key", "secret.key",
               "originals/../secret.key", "pages/zz/1.png", str(secret), "/etc/passwd", "originals/zz",
               "originals/zz/fifo.pdf"]
    for stored in refused:
        with stored_path_set(desk, doc.id, stored=stored):
            r = reviewer.get(f"/documents/{doc.id}/original")
            assert r.status_code == 404 and b"secret" not in r.content and b"root:" not in r.content, stored
    for image in ["pages/zz/1.png", "originals/zz/scan.pdf", "secret.key", "pages/../secret.key"]:
        with stored_path_set(desk, doc.id, image=image):
            assert reviewer.get(f"/documents/{doc.id}/pages/1.png").status_code == 404, image
    assert reviewer.get(f"/documents/{doc.id}/original").status_code == 200  # restored


# ------------------------------------------------------------------ uploads


def test_upload_targets_come_from_the_registry_not_the_form(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    data = (INBOX / "COI 2026.pdf").read_bytes()
    c = client_for(app, "rita")
    before = document_count(desk)
    tag = uuid.uuid4().hex
    outside = [Path("/tmp") / f"x-{tag}", Path("/tmp") / f"abs-{tag}"]
    for field, value in (("request_id", f"../../../../tmp/x-{tag}"), ("org_id", str(outside[1])),
                         ("request_id", "AC11-2099-9999"), ("org_id", "ORG-9999")):
        r = c.post("/upload", data={"csrf_token": token(c), field: value, "back": "/documents"},
                   files={"file": (f"upload-{tag}.pdf", data, "application/pdf")}, follow_redirects=False)
        assert r.status_code == 400 and "in the registry" in r.text, (field, value)
    assert not any(p.exists() for p in outside)
    assert document_count(desk) == before
    # a request of the registry: the file is filed under the request as the database has it
    r = c.post("/upload", data={"csrf_token": token(c), "request_id": "AC11-2026-0189", "back": "/documents"},
               files={"file": ("../../evil name.pdf", data, "application/pdf")})
    assert r.status_code == 200 and "copy of a document already on file" in r.text
    with session(desk) as s:
        from storage.models import DocumentRow

        row = s.scalar(select(DocumentRow).order_by(DocumentRow.id.desc()).limit(1))
        assert re.fullmatch(r"uploads/[0-9-]+/AC11-2026-0189/evil name\.pdf", row.relative_path)


# ------------------------------------------------------------------ duplicates of background checks


def test_a_duplicate_of_a_background_check_is_as_restricted_as_its_original(app, desk: DeskData,
                                                                            tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from flows.ingest import run_batches
    from flows.stages import IngestOptions

    folder = tmp_path / "copies"
    folder.mkdir()
    shutil.copyfile(INBOX / BACKGROUND, folder / "scan 0001.pdf")
    run_batches(desk.db_url, folder, [folder / "scan 0001.pdf"], IngestOptions(keep=True, path_prefix="copies"),
                use_prefect_tasks=False)
    dup = document_at(desk, "copies/scan 0001.pdf")
    assert dup.status == "duplicate" and dup.duplicate_of
    paths = [f"/documents/{dup.id}", f"/documents/{dup.id}/pages/1.png", f"/documents/{dup.id}/original"]
    viewer = client_for(app, "vera")
    for path in paths:
        r = viewer.get(path)
        assert r.status_code == 403 and "Background-check clearances are shown only" in r.text, path
    listing = viewer.get("/documents").text
    assert "scan 0001.pdf" not in listing and "Sandoval" not in listing
    reviewer = client_for(app, "rita")
    for path in paths:
        assert reviewer.get(path).status_code == 200, path
    assert "scan 0001.pdf" in reviewer.get("/documents").text


# ------------------------------------------------------------------ sessions


def test_signing_out_ends_the_session(app) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app, "rita")
    cookie = cookie_of(c)
    assert replay(app, cookie) == 200
    r = c.post("/logout", data={"csrf_token": token(c)}, follow_redirects=False)
    assert r.status_code == 303
    assert replay(app, cookie) == 303  # sent to the sign-in page


def test_a_new_password_or_disabling_ends_the_sessions(app, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from flows.cli import app as cli
    from web.auth import create_user

    create_user(desk.db_url, "pat", PASSWORD, "reviewer")
    create_user(desk.db_url, "dana", PASSWORD, "reviewer")
    runner = CliRunner()
    pat = [cookie_of(client_for(app, "pat")) for _ in range(2)]  # two browsers
    assert all(replay(app, k) == 200 for k in pat)
    r = runner.invoke(cli, ["users", "set-password", "pat", "--password-stdin", "--db", desk.db_url],
                      input="another long password\n")
    assert r.exit_code == 0 and "2 open session(s) signed out" in r.output, r.output
    assert all(replay(app, k) == 303 for k in pat)
    dana = cookie_of(client_for(app, "dana"))
    r = runner.invoke(cli, ["users", "disable", "dana", "--db", desk.db_url])
    assert r.exit_code == 0, r.output
    assert replay(app, dana) == 303
    runner.invoke(cli, ["users", "disable", "dana", "--enable", "--db", desk.db_url])
    assert replay(app, dana) == 303  # enabling the account again does not bring the old session back


def _decodes_to_json(text: str) -> bool:
    for part in [text, *text.split(".")]:
        for pad in ("", "=", "=="):
            try:
                json.loads(base64.urlsafe_b64decode(part + pad))
                return True
            except (binascii.Error, ValueError):
                continue
    return False


def test_the_cookie_is_opaque_and_flagged(desk: DeskData) -> None:
    from web.cli import cookie_secure

    plain = make_app(desk)
    c = TestClient(plain)
    page = c.get("/login")
    r = c.post("/login", data={"username": "rita", "password": PASSWORD, "csrf_token": CSRF.search(page.text)
                               .group(1)}, follow_redirects=False)
    set_cookie = r.headers["set-cookie"]
    value = cookie_of(c)
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Secure" not in set_cookie
    assert not _decodes_to_json(value) and token(c) not in value
    from storage.models import WebSessionRow

    with session(desk) as s:  # the database keeps only a hash of the token
        assert not s.scalar(select(func.count()).select_from(WebSessionRow).where(WebSessionRow.token_hash == value))
    secure = TestClient(make_app(desk, https_only=True), base_url="https://testserver")
    page = secure.get("/login")
    assert "Secure" in page.headers["set-cookie"]
    # the command line marks it Secure unless the desk listens on loopback only, or it is told otherwise
    assert cookie_secure("0.0.0.0", None) and cookie_secure("10.1.2.3", None) and cookie_secure("desk.aps", None)
    assert not cookie_secure("127.0.0.1", None) and not cookie_secure("::1", None)
    assert not cookie_secure("localhost", None)
    assert cookie_secure("127.0.0.1", True) and not cookie_secure("0.0.0.0", False)


# ------------------------------------------------------------------ real server: body size, client address


@pytest.fixture(scope="module")
def server(desk: DeskData) -> Iterator[str]:
    from web.cli import server_config

    with served(server_config(make_app(desk), "127.0.0.1", free_port())) as url:
        yield url


def _response_head(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return head


def test_an_oversized_sign_in_is_refused_before_it_is_read(server: str) -> None:
    host, port = server.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: desk\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 209715200\r\n\r\n" + b"a" * 65536)  # says 200 MB, sends 64 KB
        head = _response_head(sock, 10)
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    assert time.monotonic() - started < 5
    # without a length, the body is counted as it arrives
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: desk\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"a" * 65536
        try:
            for _ in range(64):  # up to 4 MB, the ceiling is 1 MB
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass
        head = _response_head(sock, 10)
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    # the upload has a ceiling of its own (the watch folder's file limit): 2 MB gets as far as the CSRF check
    import httpx

    r = httpx.post(server + "/upload", files={"file": ("big.pdf", b"%PDF-" + b"0" * 2_000_000)})
    assert r.status_code == 403 and "Form expired" in r.text


def _failed_sign_in_from(server: str, forwarded: str) -> None:
    import httpx

    with httpx.Client(base_url=server) as c:
        page = c.get("/login")
        r = c.post("/login", data={"username": "nobody-" + forwarded, "password": "wrong password",
                                   "csrf_token": CSRF.search(page.text).group(1)},
                   headers={"X-Forwarded-For": forwarded})
        assert r.status_code == 401


def _remote_of(desk: DeskData, username: str) -> str:
    from storage.models import LoginAttemptRow

    with session(desk) as s:
        return s.scalar(select(LoginAttemptRow.remote).where(LoginAttemptRow.username == username))


def test_x_forwarded_for_is_believed_only_from_configured_proxies(server: str, desk: DeskData) -> None:
    from web.cli import parse_proxies, server_config

    _failed_sign_in_from(server, "203.0.113.7")
    assert _remote_of(desk, "nobody-203.0.113.7") == "127.0.0.1"  # the connection's own address is counted
    proxied = server_config(make_app(desk), "127.0.0.1", free_port(), parse_proxies("127.0.0.1, 10.0.0.5"))
    with served(proxied) as url:
        _failed_sign_in_from(url, "203.0.113.8")
    assert _remote_of(desk, "nobody-203.0.113.8") == "203.0.113.8"


# ------------------------------------------------------------------ CSV exports, audit trail


def test_csv_cells_that_look_like_formulas_are_neutralised(app, desk: DeskData, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from flows.checks import check_requests
    from flows.cli import app as cli
    from flows.registry import import_registry

    formula = '=HYPERLINK("http://example.com/x","open")'
    org = {**desk.left_out_org, "org_id": "ORG-9001", "name": formula}
    req = {**desk.left_out_requests[0], "request_id": "AC11-2026-9001", "org_id": "ORG-9001"}
    reg = tmp_path / "registry.json"
    reg.write_text(json.dumps({"organizations": [org], "requests": [req]}), encoding="utf-8")
    import_registry(desk.db_url, reg)
    check_requests(desk.db_url, AS_OF, request_ids=["AC11-2026-9001"])
    c = client_for(app, "vera")
    rows = list(csv.DictReader(io.StringIO(c.get("/queue.csv?q=AC11-2026-9001").text)))
    assert rows and all(r["organization"] == "'" + formula for r in rows)
    out = tmp_path / "report.csv"
    r = CliRunner().invoke(cli, ["report", str(out), "--db", desk.db_url])
    assert r.exit_code == 0, r.output
    mine = [row for row in csv.DictReader(out.open(encoding="utf-8")) if row["request"] == "AC11-2026-9001"]
    assert mine and all(row["organization"] == "'" + formula for row in mine)
    from storage.spreadsheet import safe_cell

    assert [safe_cell(v) for v in ("+1", "-2", "@SUM(A1)", "\tx", "\rx", "2026-01-01", "a=b", 5)] == [
        "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "2026-01-01", "a=b", 5]


def test_the_audit_trail_is_for_administrators(app) -> None:  # type: ignore[no-untyped-def]
    reviewer = client_for(app, "rita")
    assert reviewer.get("/audit").status_code == 403
    assert 'href="/audit"' not in reviewer.get("/queue").text
    admin = client_for(app, "adam")
    assert admin.get("/audit").status_code == 200 and 'href="/audit"' in admin.get("/queue").text
