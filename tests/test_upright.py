"""Pages the right way up before they are judged: a phone photo of a license lying sideways or upside
down is turned upright by the page reader, then classified and read like any other. Made at test time:
a license drawn with reportlab, rasterized, turned, given a little perspective and noise, saved as JPEG."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageFilter
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from extractors.documents import read_documents
from extractors.filetypes import Limits, check_file
from extractors.model import PageText, Word
from extractors.pagetext import read_pages


def _license_pdf(path: Path) -> None:
    c = canvas.Canvas(str(path), pagesize=letter)
    h = letter[1]

    def put(x: float, y: float, text: str, size: float = 12, bold: bool = False) -> None:
        c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        c.drawString(x, h - y, text)

    put(70, 90, "CITY OF ALBUQUERQUE", 20, True)
    put(70, 120, "BUSINESS REGISTRATION CERTIFICATE", 15, True)
    put(70, 170, "Business Name:", 13)
    put(220, 170, "Piedra Lisa Pottery Studio LLC", 13)
    put(70, 200, "Registration No.:", 13)
    put(220, 200, "BUS4410873", 13)
    put(70, 230, "Business Address:", 13)
    put(220, 230, "1410 Central Ave SW, Albuquerque, NM 87104", 13)
    put(70, 260, "Issue Date:", 13)
    put(220, 260, "02/15/2026", 13)
    put(70, 290, "Expiration Date:", 13)
    put(220, 290, "02/14/2027", 13)
    put(70, 340, "This certificate shows that the business named above is registered with the City", 11)
    put(70, 356, "of Albuquerque. Post it at the place of business.", 11)
    c.showPage()
    c.save()


def _phone_photo(pdf: Path, out: Path, turn: int) -> None:
    """Rasterize the page, turn it, tilt it a little in perspective, add sensor noise, save as a JPEG."""
    page = pdfium.PdfDocument(str(pdf))[0]
    img = page.render(scale=200 / 72).to_pil().convert("RGB")
    w, hgt = img.size
    # a hand-held shot: the far edge a little narrower than the near one
    d = 0.03 * w
    img = img.transform((w, hgt), Image.Transform.PERSPECTIVE, _coeffs(
        [(d, 0), (w - d, 0), (w, hgt), (0, hgt)], [(0, 0), (w, 0), (w, hgt), (0, hgt)]
    ), Image.BICUBIC, fillcolor=(235, 232, 225))
    img = img.rotate(turn, expand=True, fillcolor=(235, 232, 225))
    rng = random.Random(13)
    px = img.load()
    for _ in range(img.width * img.height // 200):
        x, y = rng.randrange(img.width), rng.randrange(img.height)
        v = rng.randrange(120, 255)
        px[x, y] = (v, v, v)
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    img.save(out, "JPEG", quality=80, dpi=(200, 200))


def _coeffs(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> list[float]:
    """Coefficients PIL's perspective transform wants, mapping dst corners to src corners."""
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for p in src for c in p], dtype=float)
    return list(np.linalg.solve(a, b))


@pytest.mark.parametrize("turn", [90, 270, 180])
def test_a_sideways_phone_photo_of_a_license_is_turned_upright_classified_and_read(
    tmp_path: Path, turn: int
) -> None:
    pdf = tmp_path / "license.pdf"
    _license_pdf(pdf)
    photo = tmp_path / f"IMG_{turn}.jpg"
    _phone_photo(pdf, photo, turn)
    media_type, _n = check_file(photo, Limits())
    res = read_pages(photo, media_type)
    assert res[0].text.rotation in (90, 180, 270)
    docs = read_documents([r.text for r in res], {r.text.page_no: r.preview for r in res}.get)
    assert [d.doc_type for d in docs] == ["business_license"]
    f = {k: v.value for k, v in docs[0].fields.items()}
    assert f["business_name"] == "Piedra Lisa Pottery Studio LLC"
    assert f["license_number"] == "BUS4410873"
    assert f["expiration_date"] == date(2027, 2, 14)


def _read_sideways(page: PageText, turn: int) -> PageText:
    """The page's words as read with the page lying a quarter turn off (every word's box runs vertically)."""
    sw, sh = page.height, page.width  # the sideways page is as wide as the upright one is tall
    ws = []
    for w in page.words:
        if turn == 90:
            ws.append(Word(w.text, sw - w.y1, w.x0, sw - w.y0, w.x1, w.conf, 0))
        else:
            ws.append(Word(w.text, w.y0, sh - w.x1, w.y1, sh - w.x0, w.conf, 0))
    return replace(page, width=sw, height=sh, words=ws, source="ocr")


@pytest.mark.parametrize("turn", [90, 270])
def test_a_page_read_sideways_is_turned_upright_before_it_is_classified(tmp_path: Path, turn: int) -> None:
    # a stored reading (or a text layer drawn turned) whose words all run vertically: classification and the
    # license reader must see it the right way up, whichever quarter turn it lies
    pdf = tmp_path / "license.pdf"
    _license_pdf(pdf)
    media_type, _n = check_file(pdf, Limits())
    upright = read_pages(pdf, media_type)[0].text
    sideways = _read_sideways(upright, turn)
    assert all(w.height > w.x1 - w.x0 for w in sideways.words if len(w.text) >= 4)
    docs = read_documents([sideways], None)
    assert [d.doc_type for d in docs] == ["business_license"]
    f = {k: v.value for k, v in docs[0].fields.items()}
    assert f["business_name"] == "Piedra Lisa Pottery Studio LLC"
    assert f["license_number"] == "BUS4410873"
    assert f["expiration_date"] == date(2027, 2, 14)
