"""IRS letters, business licenses, health permits and background checks read from real files
(born-digital and scanned files of the dev inbox, and real published IRS letters / a WA license)."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest

from extractors.background_check import extract_background_check
from extractors.business_license import extract_business_license
from extractors.filetypes import Limits, check_file
from extractors.health_permit import extract_health_permit
from extractors.model import PageText
from extractors.nonprofit_letter import extract_nonprofit_letter
from extractors.pagetext import read_pages

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
INBOX = SHARED / "corpus" / "dev" / "inbox"
REAL = SHARED / "real-samples"


@cache
def _pages(path: Path) -> list[PageText]:
    media_type, _ = check_file(path, Limits())
    return [r.text for r in read_pages(path, media_type)]


@pytest.fixture(scope="module")
def pages():
    def get(path: Path) -> list[PageText]:
        if not path.exists():
            pytest.skip(f"missing test file {path}")
        return _pages(path)

    return get


def _values(fields):
    return {k: v.value for k, v in fields.items()}


def _check_evidence(fields):
    for name, fv in fields.items():
        if fv.value is None:
            assert fv.evidence is None, name
        else:
            ev = fv.evidence
            assert ev is not None and ev.page >= 1 and ev.bbox is not None and ev.words, name
            assert 0 < ev.confidence <= 1 and ev.method, name


# ----------------------------------------------------------------------------- nonprofit letters
def test_irs_letter_born_digital(pages):
    f = extract_nonprofit_letter(pages(INBOX / "501c3_Los_Griegos_Young_Lacrosse_Club.pdf"))
    _check_evidence(f)
    v = _values(f)
    assert v["org_name"].upper() == "LOS GRIEGOS YOUNG LACROSSE CLUB"
    assert v["ein"] == "81-2406015"
    assert v["subsection"] == "501(c)(3)"
    assert v["letter_date"] == date(2013, 1, 19)


def test_irs_letter_scanned(pages):
    v = _values(extract_nonprofit_letter(pages(INBOX / "ORG-0026" / "Scan_20261120_071200.pdf")))
    assert v["org_name"] == "SANDIA ATHLETIC BOOSTER CLUB"
    assert v["ein"] == "83-1587923"
    assert v["subsection"] == "501(c)(3)"
    assert v["letter_date"] == date(2008, 4, 15)


def test_ein_notice_states_no_subsection(pages):
    v = _values(
        extract_nonprofit_letter(
            pages(INBOX / "ORG-0024" / "Atrisco Junior Chess Association NFP EIN letter.pdf")
        )
    )
    assert v["org_name"] == "ATRISCO JUNIOR CHESS ASSOCIATION NFP"
    assert v["ein"] == "46-2694479"
    assert v["subsection"] is None  # CP 575 only says what to do *if* you want 501(c)(3) status
    assert v["letter_date"] == date(2001, 5, 29)


def test_real_irs_letter_scanned_hroc(pages):
    f = extract_nonprofit_letter(pages(REAL / "irs501c3_2025_hroc_scanned.pdf"))
    _check_evidence(f)
    v = _values(f)
    assert v["org_name"].upper() == "HEALING ROOTS OUTREACH COLLECTIVE"
    assert v["ein"] == "39-3295288"
    assert v["subsection"] == "501(c)(3)"
    assert v["letter_date"] == date(2025, 11, 20)


def test_real_irs_letter_born_digital_suas(pages):
    v = _values(extract_nonprofit_letter(pages(REAL / "irs501c3_2022_suas_digital.pdf")))
    assert "SUAS VETERAN CRISIS QRF" in v["org_name"].upper()
    assert v["ein"] == "88-3249428"
    assert v["subsection"] == "501(c)(3)"
    assert v["letter_date"] == date(2022, 11, 3)


def test_real_irs_letter_two_pages_gbff(pages):
    """A real two-page letter whose pages are a bilevel image with a text layer."""
    f = extract_nonprofit_letter(pages(REAL / "irs501c3_2025_gbff_2p.pdf"))
    _check_evidence(f)
    v = _values(f)
    assert v["org_name"].upper() == "GLOBAL BRIGHT FUTURES FOUNDATION INC"
    assert v["ein"] == "41-2810962"
    assert v["subsection"] == "501(c)(3)"
    assert v["letter_date"] == date(2025, 12, 8)


def test_real_low_resolution_old_letter_leaves_unreadable_values_unread(pages):
    """~96 dpi scan of an older letter: its EIN and date print too blurred to read ('§2-2i87607'); they
    stay unread for a person rather than guessed, while the exemption sentence still reads."""
    v = _values(extract_nonprofit_letter(pages(REAL / "irs501c3_old_fpca_lowres_scan.pdf")))
    assert v["subsection"] == "501(c)(3)"
    assert v["ein"] is None or v["ein"].startswith("52-")


# ----------------------------------------------------------------------------- business licenses
def test_business_license_born_digital(pages):
    f = extract_business_license(pages(INBOX / "Business Registration.pdf"))
    _check_evidence(f)
    v = _values(f)
    assert v["business_name"] == "Rio Grande Craft Fairs LLC dba Ventana Ranch Academy"
    assert v["license_number"] == "CRS-6156805"
    assert v["issuer"].lower() == "city of las cruces"
    assert v["issue_date"] == date(2026, 9, 18)
    assert v["expiration_date"] == date(2027, 9, 17)


def test_business_license_scanned(pages):
    v = _values(extract_business_license(pages(INBOX / "CCF11172026_0152.pdf")))
    assert v["business_name"] == "Alameda Gymnastics Center, Inc."
    assert v["license_number"] == "BR-2025-058074"
    assert v["issuer"].lower() == "city of albuquerque"
    assert v["issue_date"] == date(2025, 11, 8)
    assert v["expiration_date"] == date(2026, 11, 7)


def test_real_wa_business_license(pages):
    v = _values(extract_business_license(pages(REAL / "bizlicense_wa_bls_hroc_2025.pdf")))
    assert v["business_name"].upper() == "HEALING ROOTS OUTREACH COLLECTIVE"
    assert v["license_number"] == "605944010"  # the UBI, not the location's 'Business ID # 001'
    assert v["issue_date"] == date(2025, 8, 15)
    assert v["expiration_date"] is None  # none printed


# ----------------------------------------------------------------------------- health permits
def test_health_permit_born_digital(pages):
    f = extract_health_permit(pages(INBOX / "ORG-0020" / "food_permit_Kennedy_Middle_Dads_Club.pdf"))
    _check_evidence(f)
    v = _values(f)
    assert v["permittee"] == "Kennedy Middle Dads Club"
    assert v["permit_number"] == "TF779584"
    assert v["issuer"].lower() == "city of albuquerque environmental health department"
    assert v["event_name"] == "Pancake breakfast fundraiser"
    assert v["valid_from"] == date(2026, 11, 28)
    assert v["valid_to"] == date(2026, 11, 29)


def test_health_permit_scanned(pages):
    v = _values(extract_health_permit(pages(INBOX / "Screenshot_20261118-112513.png")))
    assert v["permittee"] == "Mesa del Sol Junior Mariachi Foundation"
    assert v["permit_number"] == "EH-TEMP-31439"
    assert v["issuer"].lower() == "bernalillo county office of environmental health"
    assert v["event_name"] == "End-of-season team banquet"
    assert v["valid_from"] == date(2027, 3, 31)
    assert v["valid_to"] == date(2027, 4, 4)


# ----------------------------------------------------------------------------- background checks
def test_background_notice_born_digital(pages):
    f = extract_background_check(pages(INBOX / "AC11-2026-0215" / "Document (6).pdf"))
    _check_evidence(f)
    v = _values(f)
    assert v == {
        "person_name": "Francisco Miller",
        "status": "cleared",
        "clearance_date": date(2026, 2, 4),
        "expiration_date": date(2028, 2, 4),
    }


def test_background_badge_born_digital(pages):
    v = _values(extract_background_check(pages(INBOX / "Document (3).pdf")))
    assert v == {
        "person_name": "Dolores D. Candelaria",
        "status": "cleared",
        "clearance_date": date(2026, 10, 24),
        "expiration_date": date(2028, 10, 24),
    }


def test_background_badge_photo(pages):
    v = _values(extract_background_check(pages(INBOX / "IMG_20261120_092031.jpg")))
    assert v == {
        "person_name": "MAESTAS, DEBORAH L",
        "status": "cleared",
        "clearance_date": date(2026, 7, 15),
        "expiration_date": date(2028, 7, 15),
    }


def test_background_pending_photo(pages):
    v = _values(
        extract_background_check(
            pages(INBOX / "AC11-2026-0194" / "WhatsApp Image 2026-11-19 at 15.16.47.jpeg")
        )
    )
    assert v["person_name"] == "WALKER, SHAUN R"
    assert v["status"] == "pending"
    assert v["clearance_date"] is None  # 'Fingerprints received' is not a clearance
    assert v["expiration_date"] is None


def test_permit_number_with_a_doubled_dash_and_a_letter_for_a_digit(pages):
    # the scan's 'TFE-27-5641' comes out of OCR as 'TFE-27-—S641'
    f = extract_health_permit(pages(INBOX / "ORG-0009" / "Scan_20261120_075124.pdf"))
    _check_evidence(f)
    assert f["permit_number"].value == "TFE-27-5641"


def test_permittee_without_a_speck_of_dirt_or_a_word_read_twice(pages):
    # a dot of dirt before the name came out as '7'; on a fax, 'JTKLA' was also read a second time as 'J'
    speck = extract_health_permit(pages(INBOX / "ORG-0009" / "Scan_20261120_075124.pdf"))["permittee"]
    assert speck.value == "Juan Tabo Food Security Network"
    twice = extract_health_permit(pages(INBOX / "ORG-0021" / "FAX00299.TIF"))["permittee"]
    assert twice.value == "JTKLA"
    assert twice.evidence and twice.evidence.words == "JTKLA"


def test_letter_date_typed_on_a_fill_in_line(pages):
    # the scanned letter's 'Date: DEC 15 2009' comes out of OCR with the form's line as '_DEC 15 2009'
    f = extract_nonprofit_letter(pages(INBOX / "AC11-2026-0164" / "CCF11172026_0127.pdf"))
    assert f["letter_date"].value == date(2009, 12, 15)


def test_ein_that_page_ocr_garbled_is_read_again_from_the_page_image():
    # a phone photo of an IRS letter: page OCR read the EIN under its label as 'ee tae 47'
    path = INBOX / "ORG-0024" / "PXL_20261112_094949364.jpg"
    media_type, _ = check_file(path, Limits())
    res = read_pages(path, media_type)
    previews = {r.text.page_no: r.preview for r in res}
    f = extract_nonprofit_letter([r.text for r in res], previews.get)
    _check_evidence(f)
    assert f["ein"].value == "46-2694479"
    assert "read again" in f["ein"].evidence.method and f["ein"].evidence.confidence < 0.8
    assert extract_nonprofit_letter([r.text for r in res])["ein"].value is None  # without the image: not read
