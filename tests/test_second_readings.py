"""Second readings of doubtful values from the page image, made at test time.

Each test draws a real document, reads it through read_pages (which keeps the page image), and hands the
reader a first reading in which one value is garbled the way whole-page OCR garbles it ('10/05/28' read
as '16/05/28': no 16th month). The page image is real; the reader must read the strip again and get the
printed value, and without an image leave it unread rather than guess. Names and numbers are made up."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from extractors.background_check import extract_background_check
from extractors.business_license import extract_business_license
from extractors.filetypes import Limits, check_file
from extractors.model import PageText
from extractors.pagetext import read_pages


def _read(tmp_path: Path, name: str, lines: list[tuple[float, float, str, float]]) -> tuple[PageText, object]:
    path = tmp_path / f"{name}.pdf"
    c = canvas.Canvas(str(path), pagesize=letter)
    for x, y, text, size in lines:
        c.setFont("Helvetica", size)
        c.drawString(x, letter[1] - y, text)
    c.showPage()
    c.save()
    media_type, _n = check_file(path, Limits())
    res = read_pages(path, media_type)
    return res[0].text, res[0].preview


def _garbled(page: PageText, printed: str, misread: str) -> PageText:
    """The page as OCR read it: the same words, one of them misread."""
    words = [replace(w, text=misread) if w.text == printed else w for w in page.words]
    assert words != page.words
    return replace(page, words=words, source="ocr")


def test_a_clearance_date_with_an_impossible_month_is_read_again(tmp_path: Path) -> None:
    page, image = _read(tmp_path, "clearance", [
        (60, 60, "From: District Background Services", 10),
        (60, 80, "Subject: Fingerprint clearance", 10),
        (60, 120, "The fingerprint-based background check for the person below is complete.", 10),
        (60, 150, "Applicant:", 10), (160, 150, "Dana Whitfield", 10),
        (60, 170, "Status:", 10), (160, 170, "ELIGIBLE", 10),
        (60, 190, "Clearance date:", 10), (160, 190, "10/05/26", 12),
        (60, 210, "Eligible through:", 10), (160, 210, "10/05/28", 12),
    ])
    first = _garbled(page, "10/05/28", "16/05/28")
    assert extract_background_check([first], None)["expiration_date"].value is None  # never guessed
    got = extract_background_check([first], {page.page_no: image}.get)
    assert got["expiration_date"].value == date(2028, 10, 5)
    assert got["clearance_date"].value == date(2026, 10, 5)


def test_a_license_expiry_with_an_impossible_month_is_read_again(tmp_path: Path) -> None:
    page, image = _read(tmp_path, "license", [
        (60, 60, "CITY OF ALBUQUERQUE", 14),
        (60, 80, "BUSINESS REGISTRATION CERTIFICATE", 11),
        (60, 120, "Business Name:", 10), (170, 120, "Paseo Paper Arts LLC", 10),
        (60, 140, "Registration No.:", 10), (170, 140, "BUS7730145", 10),
        (60, 160, "Issue Date:", 10), (170, 160, "03/02/2026", 12),
        (60, 180, "Expiration Date:", 10), (170, 180, "03/01/2027", 12),
    ])
    first = _garbled(page, "03/01/2027", "18/01/2O27")  # a 0 read as 8, another as O
    assert extract_business_license([first], None)["expiration_date"].value is None
    got = extract_business_license([first], {page.page_no: image}.get)
    assert got["expiration_date"].value == date(2027, 3, 1)
    assert got["issue_date"].value == date(2026, 3, 2)


def test_a_poorly_read_license_card_is_read_again_whole(tmp_path: Path) -> None:
    # a faxed wallet card whose whole first reading is poor (low confidence, the name and dates garbled):
    # the page is read again from its image and the values that reading finds fill what the first lost
    page, image = _read(tmp_path, "card", [
        (60, 60, "CITY OF ALBUQUERQUE", 14),
        (60, 80, "BUSINESS REGISTRATION CARD", 11),
        (60, 110, "Registration No.:", 10), (170, 110, "BUS5510297", 10),
        (60, 140, "Tramway Tile Works LLC", 14),
        (60, 160, "88 Candelaria Rd NE, Albuquerque, NM 87107", 10),
        (60, 190, "Issued:", 10), (170, 190, "04/01/2026", 12),
        (60, 210, "Expires:", 10), (170, 210, "03/31/2027", 12),
    ])
    lost = {"Tramway", "Tile", "Works", "LLC"}  # the name's strokes broken up: OCR read nothing there
    garble = {"04/01/2026": "O4/Ol/", "03/31/2027": "0/3l/2"}
    words = [replace(w, text=garble.get(w.text, w.text), conf=40.0) for w in page.words if w.text not in lost]
    first = replace(page, words=words, source="ocr", mean_conf=40.0)
    before = extract_business_license([first], None)
    assert before["business_name"].value is None and before["expiration_date"].value is None
    got = extract_business_license([first], {page.page_no: image}.get)
    assert got["business_name"].value == "Tramway Tile Works LLC"
    assert got["expiration_date"].value == date(2027, 3, 31)
    assert "read again" in (got["expiration_date"].evidence.method or "")


def test_a_letter_date_of_which_ocr_kept_only_the_month_is_read_again(tmp_path: Path) -> None:
    from extractors.nonprofit_letter import extract_nonprofit_letter

    page, image = _read(tmp_path, "irs_letter", [
        (60, 50, "Internal Revenue Service", 12),
        (60, 66, "P.O. Box 2508, Cincinnati, OH 45201", 10),
        (60, 110, "March 14, 2024", 11),
        (60, 140, "Juniper Hills Music Society", 10),
        (60, 152, "44 Rio Bravo Blvd SW", 10),
        (60, 164, "Albuquerque, NM 87105", 10),
        (360, 110, "Employer ID number: 85-4410296", 10),
        (60, 210, "Dear Applicant:", 10),
        (60, 230, "We're pleased to tell you we determined you're exempt from federal income tax under", 10),
        (60, 243, "Internal Revenue Code (IRC) Section 501(c)(3).", 10),
    ])
    lost = [w for w in page.words if w.text not in ("14,", "2024")]  # a faint scan: only the month was read
    first = replace(page, words=lost, source="ocr")
    assert extract_nonprofit_letter([first], None)["letter_date"].value is None
    got = extract_nonprofit_letter([first], {page.page_no: image}.get)
    assert got["letter_date"].value == date(2024, 3, 14)
