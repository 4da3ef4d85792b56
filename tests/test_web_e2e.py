"""The review desk end to end in a real headless Chromium (Playwright driving the Debian `chromium`) against a
real uvicorn server: sign in, open a flagged request, look at the evidence, waive the finding with a reason, see
the request turn compliant. Screenshots of the queue, a request and a document page go to test-artifacts/."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web_data import AS_OF, PASSWORD, DeskData, desk_in_new_home, work_in_desk_home

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _need_browser() -> None:
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    if not Path(CHROMIUM).exists():
        missing.append("the Debian chromium package (apt-get install chromium)")
    if missing:
        if os.environ.get("CI"):
            raise RuntimeError("CI must provide " + " and ".join(missing))
        pytest.skip("needs " + " and ".join(missing))


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> DeskData:
    _need_browser()
    return desk_in_new_home(tmp_path_factory, "desk-e2e-home")


@pytest.fixture(autouse=True)
def compliance_home(desk: DeskData, monkeypatch: pytest.MonkeyPatch) -> Path:
    return work_in_desk_home(desk, monkeypatch)


@pytest.fixture(scope="module")
def server(desk: DeskData) -> Iterator[str]:
    """The desk on a real uvicorn server on 127.0.0.1, in a thread of this process."""
    import uvicorn

    from web.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COMPLIANCE_HOME", str(desk.home))
        app = create_app(desk.db_url, home=desk.home, as_of=AS_OF)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator:  # type: ignore[type-arg]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def sign_in(browser, server: str, username: str):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(server + "/requests/AC11-2026-0176")
    assert "/login" in page.url  # every page needs a login
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/requests/AC11-2026-0176")
    return page


def shot(page, name: str, full_page: bool = True) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"desk-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 20_000  # a rendered page, not a blank one
    return path


def test_review_a_flagged_request_and_waive_its_finding(browser, server: str, desk: DeskData) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = sign_in(browser, server, "rita")
    # the queue: flagged requests, soonest first use first
    page.click("text=Exception queue")
    expect(page.locator("h1")).to_have_text("Exception queue")
    firsts = page.locator("table.queue tbody tr td:first-child").all_inner_texts()
    assert len(firsts) > 10
    expect(page.locator("table.queue")).to_contain_text("AC11-2026-0176")
    shot(page, "queue", full_page=False)

    # open the flagged request
    page.click("a:text('AC11-2026-0176')")
    expect(page.locator("h1 .verdict")).to_have_text("flagged")
    finding = page.locator("article.finding").first
    expect(finding).to_contain_text("No APS background-check clearance on file for Ashley Lente")
    expect(page.locator("section.facts:not(#fee)")).to_contain_text("Sarah Sandoval")
    shot(page, "request-flagged")

    # look at the evidence: the certificate with a box over every field it was read from
    coi = page.locator("details.doc", has_text="Certificate of liability insurance")
    coi.locator("summary").click()
    expect(coi.locator("img.crop").first).to_be_visible()  # evidence cut out of the page, beside each reading
    coi.locator("text=Open the document with its evidence").click()
    expect(page.locator(".sheet img").first).to_be_visible()
    boxes = page.locator(".sheet .box")
    assert boxes.count() >= 10
    row = page.locator("tr.field-row", has_text="GL expiration")
    expect(row).to_contain_text("May 10, 2027")
    field_id = row.get_attribute("data-field")
    box = page.locator(f".box[data-field='{field_id}']")
    expect(box).to_be_visible()
    row.hover()
    expect(box).to_have_class(re.compile(r"\bhot\b"))  # the field's box lights up
    # the box sits over the words the reading came from: inside the page image
    img = page.locator("#page-1 .sheet img").bounding_box()
    b = box.bounding_box()
    assert img["x"] <= b["x"] and b["x"] + b["width"] <= img["x"] + img["width"] + 1
    assert img["y"] <= b["y"] and b["y"] + b["height"] <= img["y"] + img["height"] + 1
    shot(page, "document")

    # waive the finding with a reason: the request turns compliant at once
    page.go_back()
    page.click("summary:has-text('Resolve or waive')")
    page.fill("textarea[name=reason]", "Ashley Lente only keeps score from the stands; no contact with students")
    page.click("button:has-text('Waive')")
    expect(page.locator(".flash-ok")).to_contain_text("AC11-2026-0176 is now compliant")
    expect(page.locator("h1 .verdict")).to_have_text("compliant")
    expect(page.locator("article.finding").first).to_contain_text("Waived by rita")
    expect(page.locator("table.history")).to_contain_text("waive finding")
    shot(page, "request-waived")

    # the waiver is visible in the queue too: the request left the flagged list
    page.goto(server + "/queue?verdict=compliant")
    expect(page.locator("table.queue")).to_contain_text("AC11-2026-0176")
    page.close()

    # and an administrator finds the action in the audit trail
    admin = sign_in(browser, server, "adam")
    admin.goto(server + "/audit")
    first = admin.locator("table.grid tbody tr").first
    expect(first).to_contain_text("rita")
    expect(first).to_contain_text("waive finding")
    expect(first).to_contain_text("no contact with students")
    admin.close()


def test_a_viewer_sees_no_actions_and_no_background_checks(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = sign_in(browser, server, "vera")
    expect(page.locator(".who")).to_contain_text("viewer")
    assert page.locator("text=Resolve or waive").count() == 0
    assert page.locator("form[action='/upload']").count() == 0
    expect(page.locator("body")).to_contain_text("background-check clearances not shown to your role")
    page.goto(server + "/tray")
    assert page.locator("button:has-text('Link')").count() == 0
    page.close()
