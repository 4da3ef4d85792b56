"""Certificates of layouts the reader was not shaped on, made at test time and read through read_pages.

Each family is one way certificates are laid out in the wild: a grid like the ACORD 25 but with its own
labels and columns, a memorandum whose coverage table lists its columns in another order, a carrier's own
certificate of 'Label: value' lines, and a prose evidence-of-coverage letter. Names and numbers are made up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from extractors.coi import extract_coi
from extractors.filetypes import Limits, check_file
from extractors.pagetext import read_pages

Draw = Callable[[Callable[..., None]], None]


def _certificate(tmp_path: Path, name: str, draw: Draw) -> dict:
    """Draw a one-page certificate (text placed from the top of the page) and read it like any file."""
    path = tmp_path / f"{name}.pdf"
    c = canvas.Canvas(str(path), pagesize=letter)
    height = letter[1]

    def put(x: float, y: float, text: str, size: float = 8.5, bold: bool = False) -> None:
        c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        c.drawString(x, height - y, text)

    draw(put)
    c.showPage()
    c.save()
    media_type, _n = check_file(path, Limits())
    res = read_pages(path, media_type)
    return extract_coi([r.text for r in res], {r.text.page_no: r.preview for r in res}.get)


def _values(got: dict) -> dict:
    return {k: v.value for k, v in got.items()}


def test_grid_with_its_own_labels_and_the_auto_row_first(tmp_path: Path) -> None:
    def draw(put: Callable[..., None]) -> None:
        put(30, 30, "CERTIFICATE OF INSURANCE", 13, True)
        put(470, 22, "DATE ISSUED")
        put(470, 34, "02/10/2026")
        put(30, 70, "INSURED", bold=True)
        put(36, 82, "Quail Run Chess Society")
        put(36, 93, "12 Mesa Verde Dr NE")
        put(36, 104, "Albuquerque, NM 87112")
        put(320, 70, "PRODUCER", bold=True)
        put(326, 82, "Turquoise Trail Agency")
        put(326, 93, "9 Camino Real, Santa Fe, NM 87501")
        put(30, 130, "INSURER A  Juniper Ridge Casualty Co.  (A.M. Best A+ XV)")
        put(30, 142, "INSURER B  Malpais Auto Insurance Company")
        put(30, 175, "LTR", bold=True)
        put(60, 175, "TYPE OF INSURANCE", bold=True)
        put(210, 175, "POLICY NUMBER", bold=True)
        put(300, 175, "EFFECTIVE", bold=True)
        put(360, 175, "EXPIRATION", bold=True)
        put(440, 175, "LIMITS", bold=True)
        put(34, 195, "B")
        put(60, 195, "AUTOMOBILE LIABILITY")
        put(210, 195, "AU-55120")
        put(300, 195, "01/01/2026")
        put(360, 195, "01/01/2027")
        put(440, 195, "COMBINED SINGLE LIMIT  $500,000")
        put(34, 225, "A")
        put(60, 225, "COMMERCIAL GENERAL LIABILITY")
        put(66, 237, "X  OCCUR")
        put(120, 237, "CLAIMS-MADE")
        put(210, 225, "JRC 4471-09")
        put(300, 225, "03/15/2026")
        put(360, 225, "03/15/2027")
        put(440, 225, "EACH OCCURRENCE  $1,000,000")
        put(440, 237, "GENERAL AGGREGATE  $3,000,000")
        put(30, 280, "REMARKS", bold=True)
        put(30, 292, "Chess club at Lavaland Elementary, Tuesdays 03/17/2026 to 05/19/2026. Albuquerque Public Schools")
        put(30, 303, "is named as an additional insured with respect to general liability.")
        put(320, 340, "CERTIFICATE HOLDER", bold=True)
        put(326, 352, "Albuquerque Public Schools")
        put(326, 363, "6400 Uptown Blvd NE, Albuquerque, NM 87110")

    f = _values(_certificate(tmp_path, "grid", draw))
    assert f["insured_name"] == "Quail Run Chess Society"
    assert f["insured_address"] == "12 Mesa Verde Dr NE, Albuquerque, NM 87112"
    assert f["gl_policy_number"] == "JRC 4471-09"  # the GL row, not the auto row above it
    assert (f["gl_effective"], f["gl_expiration"]) == (date(2026, 3, 15), date(2027, 3, 15))
    assert f["gl_each_occurrence"] == 1_000_000
    assert f["gl_aggregate"] == 3_000_000
    assert f["insurer_name"] == "Juniper Ridge Casualty Co."  # INSURER A, the GL row's letter
    assert f["am_best_rating"] == "A+ XV"
    assert f["coverage_trigger"] == "occurrence"  # 'X OCCUR' typed into the box
    assert f["certificate_holder"] == "Albuquerque Public Schools"  # the holder, not the insured
    assert f["additional_insured_aps"] is True
    assert f["issue_date"] == date(2026, 2, 10)


def test_memorandum_with_its_columns_in_another_order(tmp_path: Path) -> None:
    def draw(put: Callable[..., None]) -> None:
        put(30, 30, "MEMORANDUM OF INSURANCE", 13, True)
        put(420, 30, "Date:")
        put(470, 30, "5 Jan 2026")
        put(30, 70, "Named Insured", bold=True)
        put(36, 82, "Sandia Foothills Robotics Club")
        put(36, 93, "77 Tramway Blvd NE")
        put(36, 104, "Albuquerque, NM 87122")
        put(320, 70, "Prepared For", bold=True)
        put(326, 82, "Albuquerque Public Schools")
        put(326, 93, "PO Box 25704, Albuquerque, NM 87125")
        put(30, 140, "Carrier", bold=True)
        put(170, 140, "Policy Number", bold=True)
        put(260, 140, "Policy Period", bold=True)
        put(380, 140, "Coverage", bold=True)
        put(480, 140, "Limits", bold=True)
        put(30, 158, "Cibola Mutual Insurance")
        put(30, 168, "AM Best A- (VIII)")
        put(170, 158, "WC-778812")
        put(260, 158, "02/01/2026 - 02/01/2027")
        put(380, 158, "Workers Compensation")
        put(480, 158, "$1,000,000 Each Accident")
        put(30, 192, "Bosque Fire & Casualty Co.")
        put(30, 202, "A.M. Best: A (XI)")
        put(170, 192, "BFC-2026-0415")
        put(260, 192, "01/20/2026 - 01/20/2027")
        put(380, 192, "General Liability")
        put(380, 202, "Claims-made form")
        put(480, 192, "$2,000,000 Each Occurrence")
        put(480, 202, "$4,000,000 General Aggregate")
        put(30, 245, "REMARKS / SPECIAL PROVISIONS", bold=True)
        put(30, 257, "Robotics practice at Eldorado High School. APS is an additional insured.")
        put(30, 300, "Cancellation: notice will be given as the policy provisions require.")

    f = _values(_certificate(tmp_path, "memo", draw))
    assert f["insured_name"] == "Sandia Foothills Robotics Club"
    assert f["insurer_name"] == "Bosque Fire & Casualty Co."  # the GL row's carrier, not the WC row's
    assert f["am_best_rating"] == "A XI"
    assert f["gl_policy_number"] == "BFC-2026-0415"
    assert (f["gl_effective"], f["gl_expiration"]) == (date(2026, 1, 20), date(2027, 1, 20))
    assert f["gl_each_occurrence"] == 2_000_000
    assert f["gl_aggregate"] == 4_000_000
    assert f["coverage_trigger"] == "claims_made"
    assert f["certificate_holder"] == "Albuquerque Public Schools"
    assert f["additional_insured_aps"] is True
    assert f["issue_date"] == date(2026, 1, 5)
    assert "Eldorado High School" in f["description"]


def test_carriers_own_certificate_of_labelled_lines(tmp_path: Path) -> None:
    def draw(put: Callable[..., None]) -> None:
        put(30, 30, "Placitas Indemnity Company", 13, True)
        put(30, 46, "Certificate of General Liability Insurance")
        put(30, 80, "Policyholder:")
        put(130, 80, "Rio Grande Youth Orchestra")
        put(130, 91, "410 Gold Ave SW, Albuquerque, NM 87102")
        put(30, 110, "Certificate Holder:")
        put(130, 110, "Albuquerque Public Schools")
        put(30, 140, "GENERAL LIABILITY", bold=True)
        put(30, 155, "Policy Number:")
        put(130, 155, "PIC-GL-889201")
        put(30, 167, "Policy Period:")
        put(130, 167, "April 1, 2026 to April 1, 2027")
        put(30, 179, "Each Occurrence Limit:")
        put(130, 179, "$1,000,000")
        put(30, 191, "General Aggregate Limit:")
        put(130, 191, "$2,000,000")
        put(30, 203, "Coverage Form:")
        put(130, 203, "Occurrence")
        put(30, 215, "A.M. Best Rating:")
        put(130, 215, "A- (VIII)")
        put(30, 245, "AUTOMOBILE LIABILITY", bold=True)
        put(30, 260, "Policy Number:")
        put(130, 260, "PIC-AU-11")
        put(30, 272, "Policy Period:")
        put(130, 272, "June 1, 2026 to June 1, 2027")
        put(30, 284, "Each Occurrence Limit:")
        put(130, 284, "$300,000")
        put(30, 320, "Signature of authorized representative")

    f = _values(_certificate(tmp_path, "carrier", draw))
    assert f["insured_name"] == "Rio Grande Youth Orchestra"
    assert f["gl_policy_number"] == "PIC-GL-889201"  # the general liability section, not the auto one
    assert (f["gl_effective"], f["gl_expiration"]) == (date(2026, 4, 1), date(2027, 4, 1))
    assert f["gl_each_occurrence"] == 1_000_000
    assert f["gl_aggregate"] == 2_000_000
    assert f["coverage_trigger"] == "occurrence"
    assert f["am_best_rating"] == "A- VIII"
    assert f["certificate_holder"] == "Albuquerque Public Schools"


def test_prose_evidence_of_coverage_letter(tmp_path: Path) -> None:
    lines = [
        "This letter confirms that Petroglyph Astronomy Club, 58 Unser Blvd NW, Albuquerque, NM 87120, is covered",
        "under commercial general liability policy GL-123 issued by Jemez Mountain Insurance Company, rated A by",
        "A.M. Best, from March 1, 2026 to March 1, 2027, with limits of $1,000,000 each occurrence and",
        "$2,000,000 general aggregate, written on an occurrence basis.",
        "",
        "Automobile liability is insured under policy AUTO-9 with a combined single limit of $500,000 each accident.",
        "",
        "Albuquerque Public Schools is an additional insured with respect to general liability.",
    ]

    def draw(put: Callable[..., None]) -> None:
        put(60, 40, "Jemez Mountain Insurance Company", 13, True)
        put(60, 90, "February 2, 2026")
        put(60, 115, "Albuquerque Public Schools")
        put(60, 127, "Attn: Risk Management")
        put(60, 139, "6400 Uptown Blvd NE, Albuquerque, NM 87110")
        put(60, 165, "Re: Evidence of Liability Coverage")
        put(60, 185, "Dear Sir or Madam:")
        for i, text in enumerate(lines):
            put(60, 205 + 13 * i, text, 9)
        put(60, 340, "Sincerely,")

    got = _certificate(tmp_path, "letter", draw)
    f = _values(got)
    assert f["insured_name"] == "Petroglyph Astronomy Club"
    assert f["insured_address"] == "58 Unser Blvd NW, Albuquerque, NM 87120"
    assert f["insurer_name"] == "Jemez Mountain Insurance Company"
    assert f["am_best_rating"] == "A"
    assert f["gl_policy_number"] == "GL-123"  # not the automobile policy
    assert (f["gl_effective"], f["gl_expiration"]) == (date(2026, 3, 1), date(2027, 3, 1))
    assert f["gl_each_occurrence"] == 1_000_000
    assert f["gl_aggregate"] == 2_000_000
    assert f["coverage_trigger"] == "occurrence"
    assert f["certificate_holder"] == "Albuquerque Public Schools"
    assert f["additional_insured_aps"] is True
    assert f["issue_date"] == date(2026, 2, 2)
    assert "$1,000,000" in got["gl_each_occurrence"].evidence.words  # the evidence holds the words read


def test_a_letter_without_limits_is_left_unread_with_a_reason(tmp_path: Path) -> None:
    def draw(put: Callable[..., None]) -> None:
        put(60, 40, "Jemez Mountain Insurance Company", 13, True)
        put(60, 90, "February 2, 2026")
        put(60, 115, "Albuquerque Public Schools")
        put(60, 165, "Re: Evidence of Coverage")
        put(60, 185, "Dear Sir or Madam:")
        put(60, 205, "This letter confirms that Petroglyph Astronomy Club is covered under a general liability", 9)
        put(60, 218, "policy. Please contact our office for the details of the coverage.", 9)
        put(60, 231, "We appreciate your business and thank you for choosing us.", 9)
        put(60, 260, "Sincerely,")

    got = _certificate(tmp_path, "letter_no_limits", draw)
    occ = got["gl_each_occurrence"]
    assert occ.value is None
    assert occ.evidence is not None and occ.evidence.method.startswith("GL each-occurrence limit not found")
    assert got["gl_expiration"].value is None and "not" in got["gl_expiration"].evidence.method
    assert got["insured_name"].value == "Petroglyph Astronomy Club"


def test_who_counts_as_aps_comes_from_the_policy_file(tmp_path: Path) -> None:
    # 'Albuquerque Municipal School District Number 12' is one of the policy file's additional_insured_names
    def draw(put: Callable[..., None]) -> None:
        put(60, 40, "Jemez Mountain Insurance Company", 13, True)
        put(60, 90, "February 2, 2026")
        put(60, 115, "Albuquerque Public Schools")
        put(60, 165, "Re: Evidence of Coverage")
        put(60, 185, "Dear Sir or Madam:")
        put(60, 205, "This letter confirms that Petroglyph Astronomy Club is covered under general liability", 9)
        put(60, 218, "policy GL-77 issued by Jemez Mountain Insurance Company. Albuquerque Municipal School", 9)
        put(60, 231, "District Number 12 is an additional insured with respect to general liability.", 9)
        put(60, 260, "Sincerely,")

    path_pages = _certificate(tmp_path, "policy_names", draw)
    assert path_pages["additional_insured_aps"].value is True
    assert path_pages["gl_policy_number"].value == "GL-77"


def test_remarks_after_a_speck_at_the_edge_end_the_table_and_give_the_rating(tmp_path: Path) -> None:
    # a photo's edge read as letters in front of the remarks header ('OQ REMARKS ...') must still end the
    # coverage table; the rating stated only in the remarks, in the agencies' short form 'AMB', is read
    def draw(put: Callable[..., None]) -> None:
        put(30, 30, "MEMORANDUM OF INSURANCE", 13, True)
        put(420, 30, "Date:")
        put(470, 30, "11/02/2026")
        put(30, 70, "NAMED INSURED", bold=True)
        put(36, 82, "Manzano Youth Fencing Club")
        put(36, 93, "5 Juan Tabo Blvd NE, Albuquerque, NM 87111")
        put(320, 70, "ISSUED TO", bold=True)
        put(326, 82, "Albuquerque Public Schools")
        put(30, 140, "Coverage", bold=True)
        put(150, 140, "Limits", bold=True)
        put(290, 140, "Carrier & Rating", bold=True)
        put(410, 140, "Policy No.", bold=True)
        put(480, 140, "Term", bold=True)
        put(30, 158, "General Liability")
        put(150, 158, "$1,000,000 Each Occurrence")
        put(150, 170, "$2,000,000 General Aggregate")
        put(30, 170, "Occurrence form")
        put(290, 158, "Galisteo Basin Insurance Co.")
        put(410, 158, "GB-551203")
        put(470, 158, "03/01/2026 03/01/2027")
        put(6, 190, "OQ")
        put(30, 190, "REMARKS / SPECIAL PROVISIONS", bold=True)
        put(30, 202, "Event covered - fencing lessons; Highland High School, gymnasium; Saturdays.")
        put(30, 213, "Albuquerque Public Schools is an additional insured. AMB rating A XII.")
        put(30, 230, "Cancellation: notice will be given as the policy provisions require.")

    f = _values(_certificate(tmp_path, "memo_speck", draw))
    assert f["gl_each_occurrence"] == 1_000_000
    assert "Highland High School" in (f["description"] or "")
    assert f["am_best_rating"] == "A XII"
    assert f["additional_insured_aps"] is True


def test_ratings_with_their_closing_bracket_run_into_the_last_stroke() -> None:
    # OCR reads 'I)' at the end of '(A.M. Best A XII)' as one 'D'; 'AMB' is A.M. Best's own short form,
    # and 'AMB #' is its company number, never a rating
    from extractors.coi.any_layout import _rating_of

    assert _rating_of("Juniper Casualty Company (AM Best A XID 26614") == "A XII"
    assert _rating_of("AMB rating A+ Xil.") == "A+ XII"
    assert _rating_of("AMB # 12345") is None
    assert _rating_of("A.M. Best rating: A DEF") is None


def test_a_caption_the_first_reading_missed_is_read_again_from_the_page_image(tmp_path: Path) -> None:
    # a phone photo's OCR lost the small 'NAMED INSURED' caption above the insured's block (it did read
    # 'ISSUED TO' beside it); the page image is read again and the block is found by its caption, not guessed
    # by its position. The first reading is the page's own words without the caption; the image is real.
    from dataclasses import replace

    path = tmp_path / "memo_small_caption.pdf"
    c = canvas.Canvas(str(path), pagesize=letter)
    height = letter[1]

    def put(x: float, y: float, text: str, size: float = 9, bold: bool = False) -> None:
        c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        c.drawString(x, height - y, text)

    put(30, 30, "MEMORANDUM OF INSURANCE", 13, True)
    put(420, 30, "Date:")
    put(470, 30, "11/02/2026")
    put(30, 70, "NAMED INSURED", 7, True)
    put(36, 84, "Corrales Kite Makers Guild")
    put(36, 96, "18 Loma Larga Rd, Corrales, NM 87048")
    put(320, 70, "ISSUED TO", 7, True)
    put(326, 84, "Albuquerque Public Schools")
    put(326, 96, "6400 Uptown Blvd NE, Albuquerque, NM 87110")
    put(30, 140, "This memorandum summarizes the insurance shown below as in force on the date above.")
    c.showPage()
    c.save()
    media_type, _n = check_file(path, Limits())
    res = read_pages(path, media_type)
    first = res[0].text
    kept = [w for w in first.words if w.text not in ("NAMED", "INSURED")]
    ocr_page = replace(first, words=kept, source="ocr")
    without_image = extract_coi([ocr_page], None)
    assert without_image["insured_name"].value is None  # the caption is needed: no block is guessed
    got = extract_coi([ocr_page], {first.page_no: res[0].preview}.get)
    assert got["insured_name"].value == "Corrales Kite Makers Guild"
    assert got["certificate_holder"].value == "Albuquerque Public Schools"


def test_the_configured_policy_says_who_counts_as_aps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a district that runs the pipeline with its own policy file: its additional_insured_names decide whether
    # a certificate names the district as additional insured, at reading time as at checking time
    from extractors.documents import read_documents
    from validators.policy import DEFAULT_POLICY_PATH

    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    start = text.index("\nadditional_insured_names:") + 1
    end = text.index("\ncertificate_holder_names:") + 1
    custom = tmp_path / "district_policy.yaml"
    custom.write_text(
        text[:start] + "additional_insured_names: &aps_names\n  - Rio Puerco Unified School District\n" + text[end:],
        encoding="utf-8",
    )

    path = tmp_path / "letter.pdf"
    c = canvas.Canvas(str(path), pagesize=letter)
    lines = [
        (40, "Jemez Mountain Insurance Company", 13),
        (90, "February 2, 2026", 10),
        (115, "Rio Puerco Unified School District", 10),
        (165, "Re: Evidence of Coverage", 10),
        (185, "Dear Sir or Madam:", 10),
        (205, "This letter confirms that Petroglyph Astronomy Club is covered under general liability", 9),
        (218, "policy GL-7781 issued by Jemez Mountain Insurance Company, from March 1, 2026 to March 1,", 9),
        (231, "2027, with limits of $1,000,000 each occurrence. Rio Puerco Unified School District is an", 9),
        (244, "additional insured with respect to general liability.", 9),
        (270, "Sincerely,", 10),
    ]
    for y, line, size in lines:
        c.setFont("Helvetica", size)
        c.drawString(60, letter[1] - y, line)
    c.showPage()
    c.save()
    media_type, _n = check_file(path, Limits())
    pages = [r.text for r in read_pages(path, media_type)]

    monkeypatch.setenv("COMPLIANCE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COMPLIANCE_SWEEP_POLICY", raising=False)
    (default,) = read_documents(pages)
    assert default.fields["additional_insured_aps"].value is False  # the APS default does not know the name
    (given,) = read_documents(pages, None, ["Rio Puerco Unified School District"])
    assert given.fields["additional_insured_aps"].value is True
    monkeypatch.setenv("COMPLIANCE_SWEEP_POLICY", str(custom))
    (configured,) = read_documents(pages)
    assert configured.doc_type == "coi"
    assert configured.fields["additional_insured_aps"].value is True


def test_a_coverage_line_is_never_taken_for_a_letters_date_or_address(tmp_path: Path) -> None:
    # a memorandum whose table header was lost (so it reads as prose: 'we confirm'): the dates of a coverage
    # line (its term, beside an amount) are not the letter's date, and an amount's label is not the addressee
    def draw(put: Callable[..., None]) -> None:
        put(30, 30, "Sandia Crest Insurance Agency", 13, True)
        put(30, 44, "12 Tramway Loop NE, Albuquerque, NM 87122")
        put(150, 120, "$1,000,000 Each Occurrence")
        put(300, 120, "Galisteo Basin Insurance Co.")
        put(470, 126, "09/13/2027")
        put(150, 134, "$2,000,000 General Aggregate")
        put(150, 148, "$5,000 Medical Expense")
        put(30, 200, "We confirm that the coverage shown above is in force for the named insured", 9)
        put(30, 212, "Bosque Farms Chess Club, 9 Main St, Bosque Farms, NM 87068, for chess lessons.", 9)
        put(30, 240, "Sincerely,")

    f = _values(_certificate(tmp_path, "memo_no_header", draw))
    assert f["issue_date"] != date(2027, 9, 13)
    assert f["certificate_holder"] is None or "Aggregate" not in f["certificate_holder"]


def test_a_faint_l_read_as_an_exclamation_mark_in_names() -> None:
    from extractors.coi import _l_not_bang

    assert _l_not_bang("Albuquerque Municipal Schoo! District No. 12", True) == (
        "Albuquerque Municipal School District No. 12"
    )
    assert _l_not_bang("Great event! See you there", False) == "Great event! See you there"
    assert _l_not_bang("Schoo! gym, every Saturday", False) == "Schoo! gym, every Saturday"
    assert _l_not_bang("Wi!son Park", False) == "Wilson Park"
