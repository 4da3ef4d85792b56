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


# ---------------------------------------------------------------- layouts of every kind, and look-alikes

LAYOUTS: dict[str, tuple[str, ...]] = {
    "coi": ("coi_grid", "coi_carrier_columns", "coi_prose_letter", "coi_memorandum"),
    "nonprofit_letter": ("irs_modern", "irs_affirmation", "irs_typewritten"),
    "business_license": ("license_city", "license_state_card", "license_tax_registration", "license_untitled_card"),
    "health_permit": ("permit_county", "permit_city_card", "permit_letter", "permit_untitled_card"),
    "background_check": (
        "clearance_hr_letter", "clearance_dps_card", "clearance_vendor_email", "clearance_badge",
        "clearance_vendor_approval", "clearance_not_eligible", "clearance_badge_undated",
        "clearance_hr_email",
    ),
}
LOOK_ALIKES: dict[str, str] = {  # drawing -> what the evidence calls it
    "auto_id_card": "auto insurance",
    "acord27_property": "property insurance",
    "form_990n": "irs form",
    "charity_registration": "charity registration",
    "license_receipt": "receipt",
    "permit_application_blank": "application",
    "clearance_consent_form": "consent form",
    "form_w9": "irs form",
    "parks_event_permit": "unknown",
    "irs_penalty_notice": "irs notice",
    "acord24_property": "property insurance",
    "screening_invoice": "invoice",
    "coi_cover_email": "cover letter",
    "insurance_quote": "insurance quote",
    "fire_tent_permit": "names no food or a health authority",
    "sellers_permit": "sales tax permit",
    "form_1099": "irs form",
}
BLANK_FORMS = (
    "coi_blank_carrier", "license_blank_form", "clearance_blank_form", "permit_blank_form", "clearance_blank_card",
)
NOT_DETERMINATIONS = ("cp575", "cp575_old", "letter_147c", "irs_application_ack")  # IRS letters, no exemption
CARDS = {
    "license_state_card", "permit_city_card", "clearance_dps_card", "clearance_badge", "auto_id_card",
    "license_untitled_card", "permit_untitled_card", "clearance_blank_card", "clearance_badge_undated",
}


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[PageText]]:
    """Every drawing of tests/kind_layouts.py written as a PDF and read back through read_pages."""
    from tests import kind_layouts as K

    folder = tmp_path_factory.mktemp("layouts")
    names = {n for ns in LAYOUTS.values() for n in ns} | set(LOOK_ALIKES) | set(BLANK_FORMS) | set(NOT_DETERMINATIONS)
    out = {}
    for name in sorted(names):
        size = K.CARD if name in CARDS else K.letter
        out[name] = _read(K.write_pdf(folder / f"{name}.pdf", getattr(K, name)(), size))
    return out


@pytest.mark.parametrize("kind", sorted(LAYOUTS))
def test_each_kind_is_recognised_in_every_layout_family(drawn: dict[str, list[PageText]], kind: str) -> None:
    assert len(LAYOUTS[kind]) >= 3
    for name in LAYOUTS[kind]:
        segs = segment_pages(drawn[name])
        assert split(segs) == [([1], kind)], (name, segs[0].evidence)
        assert segs[0].confidence >= 0.6, (name, segs[0].evidence)


def test_untitled_memorandum_is_a_certificate_by_its_content(drawn: dict[str, list[PageText]]) -> None:
    # no title at all: the limits printed by their limit words say what it is
    seg = segment_pages(drawn["coi_memorandum"])[0]
    assert seg.doc_type == "coi" and "limit amounts" in seg.evidence


@pytest.mark.parametrize("name", sorted(LOOK_ALIKES))
def test_look_alikes_are_not_documents_on_file(drawn: dict[str, list[PageText]], name: str) -> None:
    segs = segment_pages(drawn[name])
    assert split(segs) == [([1], None)], segs[0].evidence
    assert LOOK_ALIKES[name] in segs[0].evidence


@pytest.mark.parametrize("name", BLANK_FORMS)
def test_blank_forms_of_the_kinds_are_not_documents_on_file(drawn: dict[str, list[PageText]], name: str) -> None:
    segs = segment_pages(drawn[name])
    assert split(segs) == [([1], None)]
    assert "blank" in segs[0].evidence and "nothing filled in" in segs[0].evidence


@pytest.mark.parametrize("name", NOT_DETERMINATIONS)
def test_irs_letters_about_the_ein_state_no_exemption(drawn: dict[str, list[PageText]], name: str) -> None:
    # typed as the IRS letter they are (the rules then report 'not a 501(c) letter'), never with a subsection,
    # even when the letter names section 501(c)(3) while not stating an exemption
    from extractors.documents import read_documents

    docs = read_documents(drawn[name])
    assert [(d.pages, d.doc_type) for d in docs] == [([1], "nonprofit_letter")]
    assert docs[0].fields["subsection"].value is None
    assert docs[0].fields["ein"].value is not None
    assert "not a determination letter" in docs[0].type_evidence


def test_determination_letters_keep_their_subsection(drawn: dict[str, list[PageText]]) -> None:
    from extractors.documents import read_documents

    for name, sub in (("irs_modern", "501(c)(3)"), ("irs_affirmation", "501(c)(4)"), ("irs_typewritten", "501(c)(3)")):
        (doc,) = read_documents(drawn[name])
        assert doc.fields["subsection"].value == sub, name
        assert "not a determination" not in doc.type_evidence


REAL_FILLED = (
    "coi_acord25_2010_colorvibe_filled.pdf",
    "coi_acord25_2010_kc_american-jazz-museum_filled.pdf",
    "coi_acord25_2010_kc_borda_port-authority_filled.pdf",
    "coi_acord25_coiauditor_hernandez_digital.pdf",
    "coi_acord25_coiauditor_sg-siding_digital.pdf",
)


def test_real_blank_forms_are_not_documents_but_real_certificates_and_letters_are() -> None:
    for name in ("acord25_2025-12_blank_hawksoft.pdf", "acord25_2016-03_blank_acroform.pdf"):
        segs = segment_pages(_read(REAL / name))
        assert split(segs) == [([1], None)], name
        assert "blank" in segs[0].evidence, name
    for name in REAL_FILLED:
        assert split(segment_pages(_read(REAL / name))) == [([1], "coi")], name
    assert split(segment_pages(_read(REAL / "irs501c3_2022_suas_digital.pdf"))) == [([1], "nonprofit_letter")]


def test_every_kind_is_described_once() -> None:
    from extractors.documents import DECISION_CRITICAL
    from extractors.kinds import DESCRIPTIONS, KIND_BY_NAME
    from extractors.model import DOC_TYPES, FIELDS_BY_TYPE

    assert set(DESCRIPTIONS) == set(DOC_TYPES) == set(DECISION_CRITICAL)
    for name, d in DESCRIPTIONS.items():
        assert d.fields == FIELDS_BY_TYPE[name]
        assert set(d.decision_critical) <= set(d.fields) and set(d.value_types) == set(d.fields)
        assert set(d.labels) <= set(d.fields)
        assert d.confused_with and all(c in KIND_BY_NAME for c in d.confused_with), name
        assert name in KIND_BY_NAME


def test_a_packet_of_drawn_documents_splits_into_each_one(tmp_path: Path) -> None:
    # two untitled clearance letters in a row are two clearances (each states its own result); a letter's
    # page 2 stays with it; a W-9 between documents is none of them
    from tests import kind_layouts as K

    page2 = K._rows(40, 40, ["Page 2", "", "Please keep this letter in your permanent records.", "Letter 947"], 10)
    pages = [
        *K.coi_carrier_columns(), *K.irs_modern(), page2, *K.clearance_not_eligible(), *K.clearance_not_eligible(),
        *K.form_w9(), *K.permit_letter(), *K.clearance_vendor_approval(),
    ]
    segs = segment_pages(_read(K.write_pdf(tmp_path / "packet.pdf", pages)))
    assert split(segs) == [
        ([1], "coi"), ([2, 3], "nonprofit_letter"), ([4], "background_check"), ([5], "background_check"),
        ([6], None), ([7], "health_permit"), ([8], "background_check"),
    ]


def test_scanned_untitled_documents_are_recognised_by_their_content(tmp_path: Path) -> None:
    # the same drawings printed and scanned (image only, read by OCR): content cues survive OCR
    import pypdfium2 as pdfium
    from PIL import ImageFilter

    from tests import kind_layouts as K

    for name, kind in (("coi_memorandum", "coi"), ("clearance_vendor_approval", "background_check")):
        pdf = pdfium.PdfDocument(K.write_pdf(tmp_path / f"{name}.pdf", getattr(K, name)()).read_bytes())
        im = pdf[0].render(scale=200 / 72, grayscale=True).to_pil().convert("L")
        pdf.close()
        im = im.filter(ImageFilter.GaussianBlur(0.6)).rotate(1.0, fillcolor=255)
        scan = tmp_path / f"{name}_scan.pdf"
        im.save(scan, "PDF", resolution=200.0)
        pages = _read(scan)
        assert pages[0].source == "ocr"
        assert split(segment_pages(pages)) == [([1], kind)], name


def test_certificate_coverage_table_running_on_to_page_two_stays_one_document(tmp_path: Path) -> None:
    from tests import kind_layouts as K

    more = K._rows(40, 40, [
        "Coverage           Limits                          Carrier                Policy        Term",
        "Liquor Liability   $1,000,000 each occurrence    Meadowlark Mutual    ML-LL-58821   01/15/2026 - 01/15/2027",
        "Workers Comp       Statutory / $500,000 each accident Meadowlark Mutual ML-WC-58822  01/15/2026 - 01/15/2027",
    ], 8)
    pages = _read(K.write_pdf(tmp_path / "two_page_cert.pdf", [*K.coi_carrier_columns(), more]))
    assert split(segment_pages(pages)) == [([1, 2], "coi")]
