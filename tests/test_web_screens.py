"""The desk at the two screen sizes staff use (1366×900 laptops, 1024×768 older monitors and projectors), in real
Chromium: no page scrolls sideways, the field panel is not cut off, the page viewer zooms and pans, and the
documents tray can be emptied. Screenshots go to test-artifacts/ and are looked at by the tests (their width is
the window's: nothing sticks out)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.test_web_e2e import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, browser, compliance_home, desk, server  # noqa: F401
from tests.web_data import PASSWORD, DeskData

SIZES = [(1366, 900), (1024, 768)]


def open_signed_in(browser, server: str, size: tuple[int, int], path: str):  # type: ignore[no-untyped-def]  # noqa: F811
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(server + path)
    page.fill("input[name=username]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def looked_at(page, name: str, size: tuple[int, int]) -> Path:  # type: ignore[no-untyped-def]
    """A full-page screenshot, checked: a rendered page exactly as wide as the window."""
    from PIL import Image

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"screen-{size[0]}x{size[1]}-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    with Image.open(io.BytesIO(path.read_bytes())) as im:
        assert im.width == size[0], f"{name} is {im.width} px wide at {size[0]}: something sticks out"
        assert len(set(im.convert("L").resize((64, 64)).getdata())) > 8  # not a blank page
    return path


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def coi_document_id(desk: DeskData) -> int:  # noqa: F811
    from storage import repository as repo
    from storage.db import database

    with database(desk.db_url).session() as s:
        return next(d.id for d in repo.all_documents(s) if d.relative_path == "inbox/COI 2026.pdf")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pages_fit_the_screen_and_the_viewer_zooms(browser, server: str, desk: DeskData, size) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page = open_signed_in(browser, server, size, "/queue")
    for name, path in (("queue", "/queue"), ("request", "/requests/AC11-2026-0176"), ("tray", "/tray"),
                       ("documents", "/documents")):
        page.goto(server + path)
        assert no_sideways_scroll(page), path
        looked_at(page, name, size)

    page.goto(server + f"/documents/{coi_document_id(desk)}")
    assert no_sideways_scroll(page)
    panel = page.locator(".fields-panel").bounding_box()
    assert panel and panel["x"] >= 0 and panel["x"] + panel["width"] <= size[0] + 1  # the field panel is whole
    last_row = page.locator(".fields-panel tr.field-row").last
    last_row.scroll_into_view_if_needed()
    assert last_row.is_visible()
    looked_at(page, "document", size)

    viewer = page.locator(".viewer").first
    img = viewer.locator(".sheet img")
    before = img.evaluate("i => i.getBoundingClientRect().width")
    viewer.locator("[data-zoom=in]").click()
    viewer.locator("[data-zoom=in]").click()
    page.wait_for_function("() => { const i = document.querySelector('.viewer .sheet img'); "
                           "return i.src.includes('zoom.webp') && i.complete && i.naturalWidth > 1000; }")
    assert viewer.locator(".zoom-level").inner_text() == "200%"
    after = img.evaluate("i => i.getBoundingClientRect().width")
    assert after == pytest.approx(before * 2, rel=0.02)
    assert img.evaluate("i => i.naturalWidth") == round(612 * 200 / 72)  # the 200 dpi image, not the preview
    port = viewer.locator(".viewport")
    assert port.evaluate("p => p.scrollWidth > p.clientWidth")  # the page can be moved in its frame…
    assert no_sideways_scroll(page)  # …while the desk's page itself stays put
    box = viewer.locator("a.box").first.bounding_box()
    assert box and box["width"] > 4  # the evidence boxes grew with the page
    start = port.evaluate("p => p.scrollLeft")
    frame = port.bounding_box()
    page.mouse.move(frame["x"] + frame["width"] / 2, frame["y"] + 80)
    page.mouse.down()
    page.mouse.move(frame["x"] + frame["width"] / 2 - 150, frame["y"] + 80, steps=5)
    page.mouse.up()
    assert port.evaluate("p => p.scrollLeft") > start  # dragging pans
    looked_at(page, "document-zoomed", size)
    viewer.locator("[data-zoom=fit]").click()
    assert viewer.locator(".zoom-level").inner_text() == "100%"
    page.close()


def test_the_tray_empties_in_the_browser(browser, server: str, desk: DeskData) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    size = SIZES[1]
    page = open_signed_in(browser, server, size, "/tray")
    rows = page.locator("section.card").first.locator("tbody tr")
    assert rows.count() == 2
    # the cover letter: not a compliance document
    cover = rows.filter(has_text="cover letter 2026.pdf")
    cover.locator("summary", has_text="Not a compliance document").click()
    cover.locator(".aside-form input[name=reason]").fill("a cover letter, nothing to check")
    cover.locator(".aside-form button").click()
    expect(page.locator(".flash-ok")).to_contain_text("It has left the tray")
    # the certificate naming no registered organization: it belongs to one the reviewer knows
    coi = page.locator("section.card").first.locator("tbody tr").filter(has_text="COI 2026.pdf")
    coi.locator(".link-form select[name=org_id]").select_option(index=1)
    coi.locator(".link-form button").click()
    expect(page.locator(".flash-ok")).to_contain_text("Document linked to")
    expect(page.locator("section.card").first.locator("td.empty")).to_have_text("Nothing waiting.")
    assert no_sideways_scroll(page)
    looked_at(page, "tray-after", size)
    page.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_sign_in_band_is_drawn_once(browser, server: str, size) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The dark band is at the top only: below the card the page is the desk's light background."""
    from PIL import Image

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(server + "/login")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"screen-{size[0]}x{size[1]}-login.png"
    page.screenshot(path=str(path))
    with Image.open(path) as im:
        rgb = im.convert("RGB")
        top = rgb.getpixel((10, 100))
        below = [rgb.getpixel((10, y)) for y in range(240, size[1], 10)]
    assert sum(top) < 200 and all(sum(px) > 600 for px in below), (top, [px for px in below if sum(px) <= 600][:3])
    page.close()
