"""Page classification and document splitting on real files read through the real read_pages (OCR)."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.classify import Segment, classify_page, segment_pages
from extractors.filetypes import Limits, check_file
from extractors.model import PageText
from extractors.pagetext import read_pages
from tests.conftest import INBOX, REAL

FILES = {
    "packet": INBOX / "Scan_20261119_173630.pdf",  # scanned: COI, COI (renewal), IRS letter
    "fax": INBOX / "fax_20261116_1131.tif",  # 3-page fax TIFF: cover sheet, COI, COI
    "coi_endorsement": INBOX / "Document (7).pdf",  # COI + additional-insured endorsement page
    "cover_letter": INBOX / "cover letter 2026.pdf",
    "ac11": INBOX / "AC-11.pdf",
    "altech": REAL / "coi_acord25_2016_altech_flooring-express_packet13p_filled.pdf",
    "food_application": REAL / "foodpermit_kcmo_temporary_food_permit_application_blank.pdf",
    "wa_receipt": REAL / "bizlicense_wa_bls_hroc_filing_receipt.pdf",
    "wa_license": REAL / "bizlicense_wa_bls_hroc_2025.pdf",
    "irs_old_scan": REAL / "irs501c3_old_fpca_lowres_scan.pdf",
    "blank_acord": REAL / "acord25_2016-03_blank_acroform.pdf",
}


def _read(path: Path) -> list[PageText]:
    media_type, _ = check_file(path, Limits())
    return [r.text for r in read_pages(path, media_type)]


@pytest.fixture(scope="module")
def pages() -> dict[str, list[PageText]]:
    """Every file read once (OCR where there is no text layer)."""
    return {name: _read(path) for name, path in FILES.items()}


def split(segs: list[Segment]) -> list[tuple[list[int], str | None]]:
    return [(s.pages, s.doc_type) for s in segs]


def test_every_page_in_exactly_one_segment(pages: dict[str, list[PageText]]) -> None:
    for name, pts in pages.items():
        seen = [p for s in segment_pages(pts) for p in s.pages]
        assert sorted(seen) == [p.page_no for p in pts], name


def test_scanned_packet_splits_into_two_certificates_and_a_letter(pages: dict[str, list[PageText]]) -> None:
    segs = segment_pages(pages["packet"])
    assert split(segs) == [([1], "coi"), ([2], "coi"), ([3], "nonprofit_letter")]
    assert "CERTIFICATE OF LIABILITY INSURANCE" in segs[0].evidence
    assert all(s.confidence >= 0.8 for s in segs)


def test_fax_cover_sheet_is_its_own_none_segment(pages: dict[str, list[PageText]]) -> None:
    segs = segment_pages(pages["fax"])
    assert split(segs) == [([1], None), ([2], "coi"), ([3], "coi")]
    assert "fax cover" in segs[0].evidence


def test_endorsement_page_stays_with_its_certificate(pages: dict[str, list[PageText]]) -> None:
    kind, conf, evidence, cont = classify_page(pages["coi_endorsement"][1])
    assert (kind, cont) == ("coi", True)
    assert conf >= 0.8
    assert "ENDORSEMENT" in evidence
    assert split(segment_pages(pages["coi_endorsement"])) == [([1, 2], "coi")]


def test_cover_letter_and_facility_application_are_not_documents(pages: dict[str, list[PageText]]) -> None:
    # the cover letter names all the documents it encloses; it is none of them
    assert split(segment_pages(pages["cover_letter"])) == [([1], None)]
    assert split(segment_pages(pages["ac11"])) == [([1], None)]


def test_real_coi_packet_endorsements_then_auto_pages(pages: dict[str, list[PageText]]) -> None:
    segs = segment_pages(pages["altech"])
    assert split(segs) == [(list(range(1, 12)), "coi"), ([12, 13], None)]
    assert "auto" in segs[1].evidence


def test_food_permit_application_is_not_a_permit(pages: dict[str, list[PageText]]) -> None:
    segs = segment_pages(pages["food_application"])
    assert all(s.doc_type is None for s in segs)
    assert "APPLICATION" in segs[0].evidence


def test_filing_receipt_is_not_a_license_but_the_license_is(pages: dict[str, list[PageText]]) -> None:
    assert split(segment_pages(pages["wa_receipt"])) == [([1], None)]
    assert split(segment_pages(pages["wa_license"])) == [([1, 2], "business_license")]


def test_low_resolution_irs_letter_keeps_its_second_page(pages: dict[str, list[PageText]]) -> None:
    assert split(segment_pages(pages["irs_old_scan"])) == [([1, 2], "nonprofit_letter")]


def test_blank_acord_form_is_not_a_certificate(pages: dict[str, list[PageText]]) -> None:
    segs = segment_pages(pages["blank_acord"])
    assert split(segs) == [([1], None)]
    assert "blank" in segs[0].evidence
