"""Page text from real files: text layer vs OCR, rotation, multi-page fax TIFF, photos."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from extractors.filetypes import Limits, RejectedFile, check_file
from extractors.pagetext import PageResult, read_pages
from tests.conftest import DEV, INBOX, REAL

TRUTH = json.loads((DEV / "truth" / "documents.json").read_text())


def truth_docs(path: str) -> list[dict]:
    return [d for d in TRUTH["documents"] if d["path"] == f"inbox/{path}"]


def read(path: Path) -> list[PageResult]:
    media_type, _ = check_file(path, Limits())
    return read_pages(path, media_type)


def squash(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


@pytest.fixture(scope="module")
def born_digital() -> list[PageResult]:
    return read(INBOX / "COI.pdf")


def test_text_layer_is_used_when_real(born_digital: list[PageResult]) -> None:
    page = born_digital[0].text
    assert page.source == "text_layer"
    assert "CERTIFICATE OF LIABILITY INSURANCE" in page.text
    assert all(w.conf == 100 for w in page.words)
    assert 600 < page.width < 625 and 780 < page.height < 800  # letter size, in points
    assert born_digital[0].preview.size[0] == pytest.approx(page.width * 100 / 72, abs=2)


@pytest.mark.parametrize("name", ["Scan_20261110_115411.pdf", "CCF11162026_0119.pdf"])
def test_scanned_certificate_is_ocrd_with_policy_number_and_limit(name: str) -> None:
    pages = read(INBOX / name)
    assert all(p.text.source == "ocr" for p in pages)
    coi = next(d for d in truth_docs(name) if d["doc_type"] == "coi")
    text = squash(" ".join(pages[n - 1].text.text for n in coi["pages"]))
    assert squash(coi["fields"]["gl_policy_number"]) in text
    assert f"{coi['fields']['gl_each_occurrence']:,}".replace(",", "") in text
    words = pages[0].text.words
    assert words and all(0 <= w.conf <= 100 for w in words)
    assert all(w.x0 < w.x1 and w.y0 < w.y1 for w in words)


@pytest.mark.parametrize(
    "name, turned",
    [("Scan_20261120_164054.pdf", 90), ("CCF11172026_0152.pdf", 180), ("ORG-0009/Scan_20261120_075124.pdf", 270)],
)
def test_rotated_scans_are_turned_upright(name: str, turned: int) -> None:
    page = read(INBOX / name)[0].text
    assert page.rotation == turned
    assert page.mean_conf > 75
    first_lines = " ".join(" ".join(w.text for w in line) for line in page.lines()[:6]).upper()
    assert re.search(r"TREASURY|ALBUQUERQUE|BERNALILLO|INTERNAL REVENUE", first_lines)


def test_multi_page_fax_tiff_reads_every_page_with_square_pixels() -> None:
    pages = read(INBOX / "FAX00963.TIF")
    assert [p.text.page_no for p in pages] == [1, 2, 3, 4, 5]
    assert all(p.text.source == "ocr" for p in pages)
    assert "FAX" in pages[0].text.text.upper()
    # 204x196 dpi fax pixels are stretched square: every page is letter-sized (portrait or landscape)
    for p in pages:
        short, long = sorted((p.text.width, p.text.height))
        assert short == pytest.approx(612, abs=3) and long == pytest.approx(792, abs=3)


def test_photo_is_deskewed() -> None:
    page = read(INBOX / "image2.jpeg")[0].text
    assert abs(page.skew) > 1  # the photo was taken at an angle
    title = next(line for line in page.lines() if "CERTIFICATE" in " ".join(w.text for w in line).upper())
    ys = [w.cy for w in title]
    assert max(ys) - min(ys) < 4  # after deskew the title's words sit on one row


def test_real_scanned_irs_letter_is_readable() -> None:
    page = read(REAL / "irs501c3_2025_hroc_scanned.pdf")[0].text
    assert page.source == "ocr"
    assert "39-3295288" in page.text
    assert "501(c)(3)" in page.text.replace(" ", "")


@pytest.mark.parametrize(
    "name, reason",
    [
        ("scan0005.pdf", "zero-byte"),
        ("20261106095759.pdf", "corrupt PDF"),
        ("Insurance docs (secured).pdf", "password-protected"),
        ("Cover letter.docx", "unsupported file type (.docx)"),
        ("notes.txt", "unsupported file type (.txt)"),
    ],
)
def test_junk_files_are_rejected_with_a_specific_reason(name: str, reason: str) -> None:
    with pytest.raises(RejectedFile, match=re.escape(reason)):
        check_file(INBOX / name, Limits())


def test_size_and_pixel_limits(tmp_path: Path) -> None:
    from PIL import Image

    with pytest.raises(RejectedFile, match="too large"):
        check_file(INBOX / "COI.pdf", Limits(max_bytes=1000))
    bomb = tmp_path / "bomb.png"
    Image.new("1", (12000, 12000)).save(bomb)
    with pytest.raises(RejectedFile, match="decompression bomb"):
        check_file(bomb, Limits(max_pixels=50_000_000))


def test_second_readings_belong_to_their_own_page_image(tmp_path: Path) -> None:
    """A strip read again from one page image is never handed back for another page's image at the same
    place: a page reader opens page images by the hundred, and a freed image's id() is reused."""
    from PIL import Image, ImageDraw, ImageFont

    from extractors.documents import page_image_loader
    from extractors.reread import read_strip

    font = ImageFont.load_default(size=36)
    for word in ["HARBOR", "MEADOW", "CANYON", "ORCHARD"]:
        img = Image.new("L", (850, 1100), 255)
        ImageDraw.Draw(img).text((100, 100), word, fill=0, font=font)
        img.save(tmp_path / f"{word}.png")
        images = page_image_loader({1: tmp_path / f"{word}.png"})  # one document's page images
        words = read_strip(images(1), (60, 60, 300, 120))  # PDF points: the preview is 100 dpi
        assert [w.text for w in words] == [word]
