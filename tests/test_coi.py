"""Certificate of liability insurance reader, on real files read through the real read_pages (OCR)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from extractors.coi import FIELDS, extract_coi
from extractors.filetypes import Limits, check_file
from extractors.pagetext import read_pages

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEV = SHARED / "corpus" / "dev" / "inbox"
REAL = SHARED / "real-samples"


def _pages(path: Path) -> tuple[list, dict]:
    media_type, _n = check_file(path, Limits())
    res = read_pages(path, media_type)
    return [r.text for r in res], {r.text.page_no: r.preview for r in res}


def _read(path: Path) -> dict:
    pages, previews = _pages(path)
    return extract_coi(pages, previews.get)


@pytest.fixture(scope="module")
def born_digital_pages() -> tuple[list, dict]:
    return _pages(DEV / "COI.pdf")


@pytest.fixture(scope="module")
def born_digital(born_digital_pages: tuple[list, dict]) -> dict:
    pages, previews = born_digital_pages
    return extract_coi(pages, previews.get)


@pytest.fixture(scope="module")
def scanned() -> dict:
    return _read(DEV / "Scan_20261110_115411.pdf")


@pytest.fixture(scope="module")
def jazz() -> dict:
    return _read(REAL / "coi_acord25_2010_kc_american-jazz-museum_filled.pdf")


@pytest.fixture(scope="module")
def sainz() -> dict:
    return _read(REAL / "coi_acord25_coiauditor_sainz_scanned.pdf")


def test_every_field_is_returned(born_digital: dict) -> None:
    assert set(born_digital) == set(FIELDS)


def test_born_digital_dev_certificate(born_digital: dict) -> None:
    f = {k: v.value for k, v in born_digital.items()}
    assert f["insured_name"] == "KENNEDY MIDDLE DADS CLUB"
    assert f["insurer_name"] == "Pinon Assurance Company"
    assert f["am_best_rating"] == "A IX"
    assert f["gl_policy_number"] == "76-CPP-358162"
    assert f["gl_effective"] == date(2026, 8, 3)
    assert f["gl_expiration"] == date(2027, 8, 3)
    assert f["gl_each_occurrence"] == 2_000_000
    assert f["gl_aggregate"] == 4_000_000
    assert f["coverage_trigger"] == "claims_made"  # vector check mark, read from the preview
    assert f["umbrella_each_occurrence"] is None
    assert f["additional_insured_aps"] is True
    assert f["certificate_holder"] == "Albuquerque Public Schools"
    assert f["issue_date"] == date(2026, 11, 6)
    assert born_digital["gl_each_occurrence"].evidence.page == 1


def test_scanned_dev_certificate(scanned: dict) -> None:
    f = {k: v.value for k, v in scanned.items()}
    assert f["insured_name"] == "SUNPORT BALLET FOLKLORICO, INC."
    assert f["gl_policy_number"] == "BKS58178007"
    assert (f["gl_effective"], f["gl_expiration"]) == (date(2026, 10, 13), date(2027, 10, 13))
    assert f["gl_each_occurrence"] == 1_000_000
    assert f["coverage_trigger"] == "occurrence"
    assert f["umbrella_each_occurrence"] == 5_000_000
    assert f["am_best_rating"] == "A IX"
    assert f["additional_insured_aps"] is True
    assert f["issue_date"] == date(2026, 11, 3)


def test_real_2010_certificate(jazz: dict) -> None:
    f = {k: v.value for k, v in jazz.items()}
    assert f["insured_name"] == "American Jazz Museum, Inc."
    assert f["insurer_name"] == "West Bend Mutual Ins Co"
    assert f["gl_policy_number"] == "NS62123306"
    assert (f["gl_effective"], f["gl_expiration"]) == (date(2014, 8, 10), date(2015, 8, 10))
    assert f["gl_each_occurrence"] == 1_000_000
    assert f["gl_aggregate"] == 2_000_000
    assert f["coverage_trigger"] == "occurrence"
    assert f["certificate_holder"].startswith("City of Kansas City")
    assert f["additional_insured_aps"] is False  # the City is additional insured, not APS
    assert f["issue_date"] == date(2015, 6, 11)


def test_real_scanned_certificate(sainz: dict) -> None:
    f = {k: v.value for k, v in sainz.items()}
    assert "Sainz Construction" in f["insured_name"]
    assert f["gl_policy_number"] == "03540988"
    assert (f["gl_effective"], f["gl_expiration"]) == (date(2024, 1, 28), date(2025, 1, 28))
    assert f["gl_each_occurrence"] == 1_000_000
    assert f["gl_aggregate"] == 2_000_000
    assert f["additional_insured_aps"] is False
    # OCR reads 'occur' in small letters with a box of their x-height; the X in the box beside it is seen
    assert f["coverage_trigger"] == "occurrence"


def test_aps_names_are_a_parameter(born_digital_pages: tuple[list, dict]) -> None:
    pages, previews = born_digital_pages
    other = extract_coi(pages, previews.get, aps_names=["Santa Fe Public Schools"])
    assert other["additional_insured_aps"].value is False
    # without previews the check marks (vector graphics) cannot be seen: no guess
    blind = extract_coi(pages)
    assert blind["coverage_trigger"].value is None
    assert blind["gl_each_occurrence"].value == 2_000_000


def test_policy_dates_glued_across_a_rule_line() -> None:
    # the fax's second page: OCR read the effective and expiration cells as one token across the column
    # rule, with the expiration's leading 0 as a 9 ('07/05/2026|97/05/2027]|')
    pages, previews = _pages(DEV / "fax_20261116_1131.tif")
    f = extract_coi([pages[1]], previews.get)
    assert (f["gl_effective"].value, f["gl_expiration"].value) == (date(2026, 7, 5), date(2027, 7, 5))


def test_rating_with_unreadable_size_class_keeps_the_grade_for_a_person() -> None:
    # 'AM BEST: A- Vu': the grade is shown; the size class is garbled. The rating counts as shown,
    # with a confidence low enough that the document goes to a person.
    f = _read(DEV / "AC11-2026-0184" / "SCAN0188.PDF")
    assert f["am_best_rating"].value == "A-"
    assert f["am_best_rating"].evidence.confidence < 0.5
    assert "AM BEST" in f["am_best_rating"].evidence.words.upper()


def test_size_class_that_lost_a_stroke_is_read_again() -> None:
    # page OCR read the insurer row's 'A+ XII' as 'At Xi'; the strip read again from the page image shows
    # every stroke
    f = _read(DEV / "IMG20261118_133851.tif")
    assert f["am_best_rating"].value == "A+ XII"
    assert "read again" in f["am_best_rating"].evidence.method


def test_insurer_letter_glued_to_the_name_is_not_part_of_it() -> None:
    # the real scanned certificate prints 'A:FEDERATED MUTUAL INSURANCE COMPANY' on the INSURER A row
    f = _read(REAL / "coi_acord25_coiauditor_31w_2023_scanned_color.pdf")
    assert f["insurer_name"].value == "FEDERATED MUTUAL INSURANCE COMPANY"


def test_a_denied_additional_insured_statement_is_not_taken_for_one(born_digital_pages: tuple[list, dict]) -> None:
    # the certificate page alone (its endorsement page would name APS on its own), as printed and with the
    # statement turned into its opposite: 'APS is not an additional insured ...'
    pages, previews = born_digital_pages
    first = pages[0]
    assert extract_coi([first], previews.get)["additional_insured_aps"].value is True
    words = list(first.words)
    i = next(i for i, w in enumerate(words) if w.text == "APS" and words[i + 1].text == "is")
    words[i + 1] = dataclasses.replace(words[i + 1], text="is not")
    denied = dataclasses.replace(first, words=words)
    assert extract_coi([denied], previews.get)["additional_insured_aps"].value is False


def test_garbled_lines_are_read_again() -> None:
    # page OCR garbled the street line of the insured block and misread the INSURED label;
    # the strip read again from the preview gives the address, and the label stays out of the name
    f = _read(DEV / "20261120110212.pdf")
    assert f["insured_name"].value == "Sandia Public Library District"
    assert f["insured_address"].value.startswith("19878 Horton Lakes SW")
    assert f["gl_policy_number"].value == "NMP-5661077"  # no stray mark from the ADDL column
    assert 0.5 < f["insured_address"].evidence.confidence <= 1.0


@pytest.mark.parametrize("name", ["20261116092346.pdf", "ORG-0036/FAX00557.TIF"])
def test_garbled_issue_date_is_read_again_from_the_page_image(name: str) -> None:
    # page OCR read the DATE (MM/DD/YYYY) box as 'anzre026' and, on a fax, as '1111272026'
    f = _read(DEV / name)
    assert f["issue_date"].value == date(2026, 11, 12)
    assert "read again" in f["issue_date"].evidence.method
