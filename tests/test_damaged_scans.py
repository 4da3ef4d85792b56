"""Damaged scans and what OCR makes of them: specks, word boxes run together, misspelt coverage names,
labels lost to faint print. Each test reads a real file (a PDF drawn here or a TIFF image) with real
Tesseract, as the pipeline reads any file."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.business_license import extract_business_license
from extractors.coi import extract_coi
from extractors.documents import REVIEW_CONFIDENCE, read_documents, read_documents_with_images
from extractors.filetypes import Limits, check_file
from extractors.model import PageText, Word
from extractors.nonprofit_letter import extract_nonprofit_letter
from extractors.normalize import zero_repaired_dates
from extractors.pagetext import PageResult, _unswallowed, read_pages
from tests.test_coi_layouts import _certificate, _values
from tests.test_paper_layouts import _pages
from validators.policy import load_policy


def test_a_fax_strewn_with_specks_is_read_after_the_specks_are_removed(tmp_path: Path) -> None:
    """Thousands of dots of a few pixels: page layout analysis takes the page for noise and reads almost
    nothing. The page is read again from a copy with the specks removed and its words come out."""
    width, height = 2550, 1650
    img = _drawn_page((width, height), 34, (150, 150, 90), [
        "MEMORANDUM OF INSURANCE",
        "Named Insured: Paradise Hills Escape Rooms",
        "91428 Harper Ville SW, Albuquerque, NM 87120",
        "Commercial General Liability  Claims-made form",
        "Caballo Lake Specialty Insurance Co.  NMG2839402  09/13/2026 - 09/13/2027",
    ])
    ink = np.asarray(img).copy()
    rng = random.Random(7)
    for _ in range(6000 * width * height // 1_000_000):
        x, y, s = rng.randrange(width - 3), rng.randrange(height - 3), rng.choice((1, 2, 2, 3))
        ink[y : y + s, x : x + s] = 0
    path = tmp_path / "fax.tif"
    Image.fromarray(ink).save(path, dpi=(300, 300))

    media_type, _ = check_file(path, Limits())
    text = read_pages(path, media_type)[0].text.text
    assert "Paradise Hills Escape Rooms" in text
    assert "Caballo Lake" in text and "NMG2839402" in text and "09/13/2026" in text
    assert "Harper Ville" in text


def test_a_word_boxed_over_the_words_after_it_ends_where_they_begin() -> None:
    """Tesseract boxed 'Albuquerque' across 'Public Schools'; a doubtful speck read inside a box is left
    for the overlap check (it must not cut a good word short)."""
    words = [
        Word("Albuquerque", 66.2, 124.1, 190.3, 134.9, 96.0, 6),
        Word("Public", 125.8, 123.1, 152.9, 136.1, 96.0, 7),
        Word("Schools", 158.2, 124.1, 190.3, 134.9, 80.0, 7),
        Word("Municipal", 117.6, 300.0, 154.6, 308.0, 95.0, 9),
        Word("alninal", 132.7, 300.0, 154.6, 303.4, 0.0, 9),
    ]
    fixed = _unswallowed(words)
    assert fixed[0].x1 < fixed[1].x0  # Albuquerque now ends before Public
    assert [w.text for w in sorted(fixed[:3], key=lambda w: w.x0)] == ["Albuquerque", "Public", "Schools"]
    assert fixed[3] == words[3]  # Municipal keeps its box: 'alninal' is not a word worth making room for


def test_memorandum_with_a_misspelt_umbrella_row_and_a_holder_box_without_its_label(tmp_path: Path) -> None:
    """OCR misspelt the umbrella row's name ('Umbrela Liabilty') and the GL limit's ('Each Ocurrence'), and lost
    the 'ISSUED TO' label: the GL row ends where the umbrella row begins (its values, its 'Occurrence form' are
    the umbrella's), and the box addressed to APS is still the holder."""

    def draw(put: Callable[..., None]) -> None:
        put(30, 30, "MEMORANDUM OF INSURANCE", 13, True)
        put(430, 30, "Date:")
        put(470, 30, "November 13, 2026")
        put(30, 70, "NAMED INSURED", bold=True)
        put(36, 84, "Sierra Vista Robotics Club")
        put(36, 95, "2210 Tramway Loop NE")
        put(36, 106, "Albuquerque, NM 87120")
        put(326, 84, "Albuquerque Public Schools")
        put(326, 95, "Attn: Risk Management")
        put(326, 106, "6400 Uptown Blvd NE")
        put(326, 117, "Albuquerque, NM 87110")
        put(30, 150, "Coverage", bold=True)
        put(140, 150, "Limits", bold=True)
        put(290, 150, "Carrier & Rating", bold=True)
        put(445, 150, "Policy No.", bold=True)
        put(515, 150, "Term", bold=True)
        put(30, 168, "Commercial General")
        put(30, 179, "Liability")
        put(30, 190, "Claims-made form")
        put(140, 168, "$1,000,000 Each Ocurrence")
        put(140, 179, "$2,000,000 General Aggregate")
        put(290, 168, "Manzano Peak Casualty Co.")
        put(290, 179, "A.M. Best A- VIII")
        put(445, 168, "MPC4471902")
        put(505, 168, "09/13/2026 - 09/13/2027", 7)
        put(30, 210, "Umbrela Liabilty")
        put(30, 221, "Occurrence form")
        put(140, 210, "$1,000,000 Each Occurrence")
        put(290, 210, "Jemez Valley Fire & Casualty Co.")
        put(445, 210, "JVF5520731")
        put(505, 210, "06/13/2026 - 06/13/2027", 7)
        put(30, 260, "REMARKS / SPECIAL PROVISIONS", bold=True)
        put(30, 272, "Robotics showcase, Highland High School, 14-Apr-2027. APS is an additional insured.")

    f = _certificate(tmp_path, "memo_damaged", draw)
    v = _values(f)
    assert v["gl_policy_number"] == "MPC4471902"
    assert (v["gl_effective"], v["gl_expiration"]) == (date(2026, 9, 13), date(2027, 9, 13))
    assert v["coverage_trigger"] == "claims_made"  # the umbrella's 'Occurrence form' is not the GL's
    assert v["gl_each_occurrence"] == 1_000_000
    assert v["insurer_name"] == "Manzano Peak Casualty Co."
    assert v["certificate_holder"] == "Albuquerque Public Schools"
    assert "label unread" in f["certificate_holder"].evidence.method


def _ocr_line(y: float, *cells: tuple[float, str], h: float = 8.0) -> list[Word]:
    """Words of one OCR'd line: each cell (x, text) split into words about 5.2 points a letter wide."""
    out = []
    for x, text in cells:
        for t in text.split():
            out.append(Word(t, x, y, x + 5.2 * len(t), y + h, 93.0, int(y)))
            x += 5.2 * len(t) + 2.5
    return out


def test_acord_rows_named_left_of_their_header_and_a_period_read_on_one_line() -> None:
    """A scanned ACORD-style grid as OCR read it: the coverage names set flush left of the centred
    'TYPE OF INSURANCE', the expiration header garbled ('POLK YEXP'), the GL row's expiry read a line lower.
    The auto row is its own row, so the GL period is the GL row's two dates, not its start and the auto's."""
    words = [
        *_ocr_line(248, (27, "LTR"), (87, "TYPE OF INSURANCE"), (214, "POLICY NUMBER"), (282, "POUCY EFF"),
                   (336, "POLK YEXP"), (434, "LIMITS")),
        *_ocr_line(271, (29, "A"), (43, "COMMERCIAL GENERAL LIABILITY"), (193, "GLO 595-66424-16"),
                   (289, "10/12/2025"), (434, "$2,000,000 EACH OCCURRENCE")),
        *_ocr_line(254, (338, "(MMIDDIYYYY}")),
        *_ocr_line(282, (50, "X OCCUR"), (338, "10/12/2026"), (434, "$3,000,000 GENERAL AGGREGATE")),
        *_ocr_line(293, (434, "$100,000 DAMAGE TO RENTED PREMISES")),
        *_ocr_line(304, (434, "$10,000 MEDICAL EXPENSE")),
        *_ocr_line(315, (434, "$2,000,000 PERSONAL & ADV INJURY")),
        *_ocr_line(326, (434, "$3,000,000 PRODUCTS - COMP/OP AGG")),
        *_ocr_line(338, (50, "OTHER:")),
        *_ocr_line(351, (43, "AUTOMOBILE"), (434, "$500,000 COMBINED SINGLE LIMIT")),
        *_ocr_line(362, (43, "LIABILITY")),
        *_ocr_line(372, (29, "A"), (193, "GLO 290-04802-95"), (289, "10/12/2024"), (338, "10/12/2025")),
    ]
    page = PageText(1, 612, 792, "ocr", [
        *_ocr_line(40, (30, "CERTIFICATE OF LIABILITY INSURANCE")),
        *_ocr_line(70, (30, "INSURED")), *_ocr_line(82, (36, "Sierra Vista Robotics Club Inc.")),
        *_ocr_line(93, (36, "2210 Tramway Loop NE, Albuquerque, NM 87122")),
        *words,
    ])
    from extractors.coi import extract_coi

    v = {k: f.value for k, f in extract_coi([page]).items()}
    assert v["gl_policy_number"] == "GLO 595-66424-16"
    assert (v["gl_effective"], v["gl_expiration"]) == (date(2025, 10, 12), date(2026, 10, 12))


@pytest.mark.parametrize(
    ("carrier", "insurer"),
    [
        ("Manzano Peak Casualty Co. MPC4471902", "Manzano Peak Casualty Co."),
        ("MANZANO PEAK CASUALTY CO MPC4471902", "MANZANO PEAK CASUALTY CO"),  # 'CO' is no policy prefix
    ],
)
def test_a_block_under_a_label_that_lost_its_first_word_and_a_policy_number_run_into_the_carrier_cell(
    carrier: str, insurer: str
) -> None:
    """A fax read 'NAMED INSURED' as a weak 'ane' and 'INSURED': the label now sits indented from its block,
    whose lines begin left of it. The policy column's header went unread, so the number, read on the line of
    the dates, ran into the carrier's cell as well: the carrier's name ends where the number begins."""
    weak_ane = Word("ane", 30.7, 70, 46.3, 78, 41.0, 70)
    page = PageText(1, 612, 792, "ocr", [
        *_ocr_line(30, (30, "MEMORANDUM OF INSURANCE")),
        weak_ane, *_ocr_line(70, (57.6, "INSURED"), (330, "ISSUED TO")),
        *_ocr_line(82, (40.3, "Sierra Vista Robotics Club"), (326, "Albuquerque Public Schools")),
        *_ocr_line(93, (40.8, "2210 Tramway Loop NE"), (326, "6400 Uptown Blvd NE")),
        *_ocr_line(104, (40.8, "Albuquerque, NM 87122"), (326, "Albuquerque, NM 87110")),
        *_ocr_line(150, (30, "Coverage"), (150, "Limits"), (300, "Carrier & Rating"), (500, "Term")),
        *_ocr_line(168, (30, "Commercial General"), (150, "$1,000,000 Each Occurrence"),
                   (300, carrier), (492, "09/13/2026 09/13/2027")),
        *_ocr_line(179, (30, "Liability"), (150, "$2,000,000 General Aggregate")),
        *_ocr_line(190, (30, "Occurrence form")),
    ])
    v = {k: f.value for k, f in extract_coi([page]).items()}
    assert v["insured_name"] == "Sierra Vista Robotics Club"
    assert v["insured_address"] == "2210 Tramway Loop NE, Albuquerque, NM 87122"
    assert v["gl_policy_number"] == "MPC4471902"
    assert v["insurer_name"] == insurer


def test_two_address_blocks_read_as_one_run_give_the_holder_from_where_apss_name_begins() -> None:
    """No holder label was read, and the insured's name and APS's ran together on one line. The holder block
    begins where APS's whole name begins, not at the insured's 'Albuquerque …'."""
    page = PageText(1, 612, 792, "ocr", [
        *_ocr_line(30, (30, "MEMORANDUM OF INSURANCE")),
        *_ocr_line(70, (30, "INSURED")),
        *_ocr_line(82, (36, "Albuquerque Youth Soccer League"), (206, "Albuquerque Public Schools")),
        *_ocr_line(93, (36, "2210 Tramway Loop NE"), (206, "6400 Uptown Blvd NE")),
        *_ocr_line(104, (36, "Albuquerque, NM 87122"), (206, "Albuquerque, NM 87110")),
    ])
    assert extract_coi([page])["certificate_holder"].value == "Albuquerque Public Schools"


# a registration card as a fax leaves it: its REG, ISSUED and EXP captions gone
_CARD = [
    (40, 60, "CITY OF ALBUQUERQUE", 14),
    (40, 80, "BUSINESS REGISTRATION CARD", 9),
    (40, 124, "Sun Valley Movement Co.", 12),
    (40, 180, "1-Nov-2025", 11),
    (200, 180, "31-Oct-2026", 11),
]


def test_a_license_card_whose_labels_were_lost_shows_its_term_and_number(tmp_path: Path) -> None:
    """REG, ISSUED and EXP in faint small print did not survive the fax: the card still shows one
    licence-shaped number and two dates a year apart. They are read for a person to confirm; the fax
    banner's date is the day of sending, not the licence's."""
    items = [
        (20, 14, "NOV-05-2026 13:37 FROM: SUN VALLEY MOVEMENT CO.   P.2/3", 7),
        *_CARD,
        (80, 104, "BUS6052268", 11),
    ]
    fields = extract_business_license(_pages(tmp_path, "card", items))
    v = {k: f.value for k, f in fields.items()}
    assert v["license_number"] == "BUS6052268"
    assert (v["issue_date"], v["expiration_date"]) == (date(2025, 11, 1), date(2026, 10, 31))
    assert fields["expiration_date"].evidence.confidence < REVIEW_CONFIDENCE  # a person confirms it
    assert "labels unreadable" in fields["expiration_date"].evidence.method


def test_a_card_with_three_unlabelled_dates_is_left_unread(tmp_path: Path) -> None:
    items = [*_CARD, (40, 200, "15-Jan-2026", 11)]
    v = {k: f.value for k, f in extract_business_license(_pages(tmp_path, "card3", items)).items()}
    assert v["issue_date"] is None and v["expiration_date"] is None  # which is which is not known


def test_a_letters_form_990_list_is_not_taken_for_the_title_of_a_form_990(tmp_path: Path) -> None:
    """'Form 990 / 990-EZ / 990-N required: Yes' of a determination letter, its 'required' read onto another
    line: the list of forms is the letter's, not the title of a return."""
    items = [
        (40, 40, "Department of the Treasury", 10),
        (40, 52, "Internal Revenue Service", 10),
        (40, 64, "Tax Exempt and Government Entities", 9),
        (40, 76, "P.O. Box 2508, Cincinnati, OH 45201", 9),
        (380, 40, "Date: March 20, 2026", 9),
        (380, 60, "Employer ID number: 33-3674263", 9),
        (380, 80, "Form 990 / 990-EZ / 990-N", 9),
        (380, 92, "required: Yes", 9),
        (40, 130, "Juan Tabo Kids Lacrosse Alliance Inc.", 10),
        (40, 142, "82560 Jared Shore SE", 10),
        (40, 154, "Albuquerque, NM 87104", 10),
        (40, 190, "Dear Applicant:", 10),
        (40, 210, "We're pleased to let you know that we've determined you're exempt from federal income tax", 10),
        (40, 222, "under Internal Revenue Code (IRC) Section 501(c)(3). Donors can deduct contributions", 10),
        (40, 234, "they make to you under IRC Section 170.", 10),
    ]
    docs = read_documents(_pages(tmp_path, "letter", items))
    assert [d.doc_type for d in docs] == ["nonprofit_letter"]
    assert docs[0].fields["ein"].value == "33-3674263"


def _slashed_zero_text(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font: ImageFont.FreeTypeFont
) -> None:
    """Text as an e-mail or terminal font prints it: every zero crossed by a slash."""
    x, y = xy
    for ch in text:
        draw.text((x, y), ch, font=font, fill=0)
        left, top, right, bottom = draw.textbbox((x, y), ch, font=font)
        if ch == "0":
            draw.line((right - 2, top + 1, left + 2, bottom - 1), fill=0, width=3)
        x += draw.textlength(ch, font=font)


def test_a_clearance_printed_with_slashed_zeros_shows_its_dates_for_a_person_to_confirm(tmp_path: Path) -> None:
    """OCR reads a slashed zero as 8 (or 6): '10/05/28' comes out '18/85/28', which is no date. With the
    zeros put back the page's reading and the strip's second reading agree, and the dates are read for a
    person to confirm; a date that does read is never changed."""
    img = _drawn_page((1700, 2200), 36, (120, 150, 70), [
        "From: APS HR Background Services <hr-clearances@aps.example.edu>",
        "Subject: Fingerprint clearance",
        "The fingerprint-based background check for the person below is complete.",
        "Applicant:          Elena Atencio",
        "Organization:       Rocha & Roach Tutoring, Inc.",
        "Status:             ELIGIBLE",
        "Clearance date:     10/05/26",
        "Eligible through:   10/05/28",
    ], _slashed_zero_text)
    path = tmp_path / "clearance.png"
    img.save(path, dpi=(200, 200))

    media_type, _ = check_file(path, Limits())
    results = read_pages(path, media_type)
    images = {}
    for r in results:
        images[r.text.page_no] = tmp_path / f"page{r.text.page_no}.png"
        r.preview.save(images[r.text.page_no])
    [doc] = read_documents_with_images([r.text for r in results], images)
    assert doc.doc_type == "background_check"
    f = doc.fields
    assert (f["clearance_date"].value, f["expiration_date"].value) == (date(2026, 10, 5), date(2028, 10, 5))
    assert "zeros OCR took" in f["expiration_date"].evidence.method
    assert f["expiration_date"].evidence.confidence < REVIEW_CONFIDENCE
    assert "expiration_date" in doc.needs_review


def test_zeros_are_put_back_only_where_a_date_cannot_be_as_read() -> None:
    assert zero_repaired_dates("Eligible through 16/05/28") == [date(2028, 10, 5)]
    assert zero_repaired_dates("18/65/2028") == [date(2028, 10, 5)]
    assert zero_repaired_dates("10/05/28") == []  # a date as read stays as read
    assert zero_repaired_dates("13/02/2026") == []  # no 6, 8 or 9 to put right
    assert zero_repaired_dates("00/13/2026") == []  # a month 00 has no 6, 8 or 9 to put right


def _drawn_page(
    size: tuple[int, int],
    font_size: int,
    at: tuple[int, int, int],
    lines: list[str],
    write: Callable[..., None] | None = None,
) -> Image.Image:
    """A white page with one text line per entry, from (x, top) every `step` pixels: at = (x, top, step)."""
    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=font_size)
    x, top, step = at
    for i, text in enumerate(lines):
        if write is None:
            draw.text((x, top + i * step), text, font=font, fill=0)
        else:
            write(draw, (x, top + i * step), text, font)
    return img


def _scan(path: Path, height: float, items: list[tuple[float, float, str, float]]) -> PageResult:
    """A letter-wide page scanned at 300 dpi, `height` points tall (each item (x, y, text, size) in points),
    saved to `path` and read as the pipeline reads any file."""
    px = 300 / 72
    img = Image.new("L", (round(612 * px), round(height * px)), 255)
    draw = ImageDraw.Draw(img)
    for x, y, text, size in items:
        draw.text((x * px, y * px), text, font=ImageFont.load_default(size=round(size * px)), fill=0)
    img.save(path, dpi=(300, 300))
    media_type, _ = check_file(path, Limits())
    return read_pages(path, media_type)[0]


def _memorandum_scan(tmp_path: Path, holder: str) -> PageResult:
    """The top of a memorandum of insurance: the insured's block at the left, the block it is issued to at the
    right (its name, street and 'City, ST ZIP'), and a GL coverage line below."""
    return _scan(tmp_path / "memo.tif", 400, [
        (30, 30, "MEMORANDUM OF INSURANCE", 9),
        (30, 70, "NAMED INSURED", 9), (320, 70, "ISSUED TO", 9),
        (36, 84, "Sierra Vista Robotics Club", 8.5), (326, 84, holder, 8.5),
        (36, 96, "2210 Tramway Loop NE", 8.5), (326, 96, "6400 Uptown Blvd NE", 8.5),
        (36, 108, "Albuquerque, NM 87120", 8.5), (326, 108, "Albuquerque, NM 87110", 8.5),
        (30, 150, "Commercial General Liability  Manzano Peak Casualty Co.  MPC4471902", 8.5),
        (30, 162, "$1,000,000 Each Occurrence   09/13/2026 - 09/13/2027   Occurrence form", 8.5),
    ])


def _as_a_fax_read_it(page: PageText, misread: dict[str, tuple[str, float]], x_from: float = 0) -> PageText:
    """The page's words with some of those right of x_from garbled (text, confidence) as a fax's first
    reading garbles them."""
    words = [
        Word(misread[w.text][0], w.x0, w.y0, w.x1, w.y1, misread[w.text][1], w.line)
        if w.x0 >= x_from and w.text in misread
        else w
        for w in page.words
    ]
    return PageText(page.page_no, page.width, page.height, page.source, words, dpi=page.dpi)


def test_a_holder_block_whose_label_and_name_a_fax_garbled_is_read_again_before_it_is_judged(tmp_path: Path) -> None:
    """The fax lost the 'IS' of 'ISSUED TO' and garbled the holder's name ('Boad of Education of the Alhuqucrque
    Public Schools'), which names APS to no rule. Read again from the page image, the name line is APS's."""
    read = _memorandum_scan(tmp_path, "Board of Education of the Albuquerque Public Schools")
    assert "Board of Education of the Albuquerque Public Schools" in read.text.text  # drawn clean, read clean
    faxed = _as_a_fax_read_it(
        read.text, {"ISSUED": ("SUED", 24.0), "Board": ("Boad", 0.0), "Albuquerque": ("Alhuqucrque", 6.0)}, 300
    )
    got = extract_coi([faxed], {1: read.preview}.get)
    holder = got["certificate_holder"]
    assert holder.value == "Board of Education of the Albuquerque Public Schools"
    assert holder.evidence is not None and "read again" in holder.evidence.method

    # without the page image the first reading stands, and it names APS to no rule
    assert not load_policy(None).is_aps(extract_coi([faxed])["certificate_holder"].value, "holder")


def test_a_garbled_holder_block_read_again_as_another_district_is_not_taken_for_aps(tmp_path: Path) -> None:
    """The same garbled fax, but the block is issued to another district: the second reading names it, and a
    block that does not name APS is not taken for the holder by its place alone."""
    read = _memorandum_scan(tmp_path, "Board of Education of the Bernalillo Public Schools")
    faxed = _as_a_fax_read_it(
        read.text, {"ISSUED": ("SUED", 24.0), "Board": ("Boad", 0.0), "Bernalillo": ("Alhuqucrque", 6.0)}, 300
    )
    assert extract_coi([faxed], {1: read.preview}.get)["certificate_holder"].value is None


def _letter_scan(tmp_path: Path) -> PageResult:
    """The head of an IRS determination letter: its 'Employer ID number:' label and the EIN under it."""
    return _scan(tmp_path / "letter.tif", 300, [
        (50, 40, "Internal Revenue Service", 10),
        (50, 80, "Date: February 6, 2023", 10),
        (50, 110, "Employer ID number:", 10),
        (50, 124, "84-2917365", 10),
        (300, 110, "NORTH VALLEY READING CIRCLE", 10),
        (50, 170, "Dear Applicant: we determined that you are exempt under section 501(c)(3).", 10),
    ])


def test_a_weakly_read_labelled_ein_that_a_second_reading_does_not_confirm_stays_unread(tmp_path: Path) -> None:
    """OCR read the EIN under its label at low confidence with an 8 for a 3 (another organization's EIN):
    read again from the page image it comes out otherwise, so it is left unread for a person, never
    reported as a mismatch the letter does not show. A weak reading a second reading confirms stands."""
    read = _letter_scan(tmp_path)
    assert "84-2917365" in read.text.text  # drawn clean, read clean
    images = {1: read.preview}.get

    misread = extract_nonprofit_letter([_as_a_fax_read_it(read.text, {"84-2917365": ("84-2917865", 32.0)})], images)
    assert misread["ein"].value is None

    confirmed = extract_nonprofit_letter([_as_a_fax_read_it(read.text, {"84-2917365": ("84-2917365", 32.0)})], images)
    assert confirmed["ein"].value == "84-2917365"
    assert confirmed["ein"].evidence is not None and "confirmed" in confirmed["ein"].evidence.method
