"""The four paper readers (IRS letters, business licenses, food permits, clearances) on layout families
made here with reportlab: letters, cards, receipts and table-style forms of other issuers and wordings,
read through the same page-text path as any inbox file. Names and numbers are made up for these tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from extractors.background_check import extract_background_check
from extractors.business_license import extract_business_license
from extractors.filetypes import Limits, check_file
from extractors.health_permit import extract_health_permit
from extractors.labelvalue import date_range, month_year
from extractors.model import PageText
from extractors.nonprofit_letter import extract_nonprofit_letter
from extractors.pagetext import read_pages

Item = tuple[float, float, str] | tuple[float, float, str, float]


def _pages(tmp_path: Path, name: str, items: list[Item], size: tuple[float, float] = letter) -> list[PageText]:
    """A one-page PDF with each text drawn at (x, y from the top), read back as the pipeline reads it."""
    path = tmp_path / f"{name}.pdf"
    c = canvas.Canvas(str(path), pagesize=size)
    for it in items:
        x, y, text = it[0], it[1], it[2]
        c.setFont("Helvetica", it[3] if len(it) > 3 else 10)  # type: ignore[misc]
        c.drawString(x, size[1] - y, text)
    c.save()
    media_type, _ = check_file(path, Limits())
    return [r.text for r in read_pages(path, media_type)]


def _values(fields: dict) -> dict:
    return {k: v.value for k, v in fields.items()}


def _lines(x: float, y: float, lines: list[str], step: float = 13, size: float = 10) -> list[Item]:
    return [(x, y + i * step, t, size) for i, t in enumerate(lines)]


# ----------------------------------------------------------------------------- typed parsing
def test_month_year_and_ranges_are_read_as_people_read_them():
    assert month_year("Expires: Jun 2028", end=True) == date(2028, 6, 30)
    assert month_year("EXP 02/2028", end=True) == date(2028, 2, 29)
    assert month_year("Valid from Mar 2027", end=False) == date(2027, 3, 1)
    period = (date(2026, 7, 1), date(2027, 6, 30))
    assert date_range("valid for the period July 1, 2026 through June 30, 2027") == period
    assert date_range("Event dates: April 23-24, 2027") == (date(2027, 4, 23), date(2027, 4, 24))
    assert date_range("07/01/26 to 06/30/27") == (date(2026, 7, 1), date(2027, 6, 30))
    assert date_range("06/30/27 to 07/01/26") is None  # a period never ends before it starts


# ----------------------------------------------------------------------------- IRS letters
def test_older_letter_947_style_typed_letter(tmp_path):
    """Older determination letter: addressee on the left, labels in a right column, exemption in a sentence."""
    items = [
        (60, 60, "INTERNAL REVENUE SERVICE", 11),
        (60, 74, "DISTRICT DIRECTOR"),
        (60, 88, "P. O. BOX 2508"),
        (60, 102, "CINCINNATI, OH 45201"),
        (340, 60, "DEPARTMENT OF THE TREASURY", 11),
        (60, 130, "Date:  MAR 14 1998"),
        (340, 130, "Employer Identification Number:"),
        (340, 144, "74-3519260"),
        (340, 162, "Person to Contact:"),
        (340, 176, "J. WILLOUGHBY"),
        *_lines(60, 170, ["ORCHARD VALLEY FRIENDS OF THE LIBRARY", "1417 QUINCE ST", "ALBUQUERQUE, NM 87110"]),
        (60, 240, "Dear Applicant:"),
        *_lines(60, 262, [
            "Based on information supplied, and assuming your operations will be as stated in your",
            "application for recognition of exemption, we have determined you are exempt from federal",
            "income tax under section 501(a) of the Internal Revenue Code as an organization described",
            "in section 501(c)(3).",
        ]),
    ]
    v = _values(extract_nonprofit_letter(_pages(tmp_path, "l947", items)))
    assert v["org_name"] == "ORCHARD VALLEY FRIENDS OF THE LIBRARY"
    assert v["ein"] == "74-3519260"
    assert v["subsection"] == "501(c)(3)"
    assert v["letter_date"] == date(1998, 3, 14)


def test_letter_5436_layout_with_the_addressee_beside_the_irs_column(tmp_path):
    """Newer layout: the IRS's own address and the labels in the left column, the addressee to its right."""
    items = [
        *_lines(230, 62, ["JUNIPER HOLLOW ROWING SOCIETY", "88 LANTERN BEND NW", "ALBUQUERQUE, NM 87114"]),
        *_lines(46, 78, ["Department of the Treasury", "Internal Revenue Service", "Tax Exempt and Government Entities",
                         "P.O. Box 2508", "Cincinnati, OH 45201"], step=11, size=8),
        (46, 150, "Date:", 8),
        (46, 160, "June 2, 2024", 8),
        (46, 175, "Employer ID number:", 8),
        (46, 185, "61-4402917", 8),
        (230, 188, "Dear Applicant:"),
        *_lines(230, 208, [
            "We're pleased to let you know that, based on the information you gave us,",
            "we've recognized your organization as exempt from federal income tax under",
            "Internal Revenue Code (IRC) Section 501(c)(7), effective on the date shown.",
        ], size=9),
        (46, 240, "Exempt under IRC Section:", 8),
        (46, 250, "501(c)(7)", 8),
    ]
    v = _values(extract_nonprofit_letter(_pages(tmp_path, "l5436", items)))
    assert v["org_name"] == "JUNIPER HOLLOW ROWING SOCIETY"
    assert v["ein"] == "61-4402917"
    assert v["subsection"] == "501(c)(7)"
    assert v["letter_date"] == date(2024, 6, 2)


def test_affirmation_letter_4168(tmp_path):
    items = [
        (60, 50, "Department of the Treasury  Internal Revenue Service", 11),
        (60, 64, "P.O. Box 2508, Cincinnati OH 45201"),
        (360, 100, "In reply refer to: 0248"),
        (360, 114, "Date: 10/02/2025"),
        (360, 128, "EIN: 85-1163044"),
        *_lines(60, 120, ["TEMPLE HILL CHILDREN'S CHOIR", "% MARISOL PEREA", "4100 MESA VERDE AVE NE",
                          "ALBUQUERQUE NM 87110-7725"]),
        (60, 200, "Dear Taxpayer:"),
        *_lines(60, 220, [
            "This letter is in response to your request for a copy of your determination letter.",
            "Our records indicate that a determination letter was issued in May 2011 that recognized you",
            "as exempt from federal income tax. Our records also indicate that you're currently exempt",
            "under Internal Revenue Code Section 501(c)(3).",
        ]),
        (60, 300, "Letter 4168 (Rev. 2-2016)", 8),
    ]
    v = _values(extract_nonprofit_letter(_pages(tmp_path, "l4168", items)))
    assert v["org_name"] == "TEMPLE HILL CHILDREN'S CHOIR"
    assert v["ein"] == "85-1163044"
    assert v["subsection"] == "501(c)(3)"
    assert v["letter_date"] == date(2025, 10, 2)


def test_ein_notice_advice_about_501c3_is_no_exemption(tmp_path):
    items = [
        (60, 50, "Department of the Treasury  Internal Revenue Service   Notice CP575G"),
        (360, 80, "Notice date  May 12, 2021"),
        (360, 94, "Employer ID number  46-2290117"),
        *_lines(60, 120, ["LARKSPUR TRAIL RUNNERS", "902 CANYON RIM DR SE", "ALBUQUERQUE, NM 87123"]),
        (60, 180, "About tax-exempt status"),
        *_lines(60, 196, [
            "Getting an EIN does not make an organization tax-exempt. To be recognized as exempt under section",
            "501(c)(3), file Form 1023 or Form 1023-EZ; most other 501(c) subsections file Form 1024.",
        ], size=9),
    ]
    v = _values(extract_nonprofit_letter(_pages(tmp_path, "cp575", items)))
    assert v["ein"] == "46-2290117"
    assert v["subsection"] is None


# ----------------------------------------------------------------------------- business licenses
def test_license_certificate_with_its_period_in_a_sentence(tmp_path):
    items = [
        (200, 60, "TOWN OF PLACITAS", 14),
        (180, 80, "Clerk's Office - Business Licensing"),
        (190, 110, "BUSINESS LICENSE CERTIFICATE", 13),
        (190, 134, "License Number  TL-2026-00418"),
        (190, 160, "This certifies that"),
        (190, 176, "Cottonwood Kiln Pottery Studio LLC", 12),
        (190, 192, "doing business at 77 Arroyo Seco Rd, Placitas, NM 87043"),
        (60, 220, "is licensed to conduct the business activity shown. Valid for the period July 1, 2026 through"),
        (60, 234, "June 30, 2027. Renewal notices are mailed by May 15."),
    ]
    f = extract_business_license(_pages(tmp_path, "lic_cert", items))
    v = _values(f)
    assert v["business_name"] == "Cottonwood Kiln Pottery Studio LLC"
    assert v["license_number"] == "TL-2026-00418"
    assert v["issuer"].lower() == "town of placitas"
    assert v["issue_date"] == date(2026, 7, 1)
    assert v["expiration_date"] == date(2027, 6, 30)
    assert "period" in f["expiration_date"].evidence.method


def test_license_wallet_card_with_a_header_row_and_cells(tmp_path):
    size = (300, 190)
    items = [
        (14, 20, "BUSINESS LICENSE CARD", 11),
        (14, 38, "LIC #"),
        (60, 38, "553-0927-BL"),
        (14, 62, "Blue Heron Mobile Tutoring", 11),
        (14, 76, "2201 Lomas Blvd NE, Albuquerque, NM 87106", 8),
        (14, 104, "ISSUED", 8),
        (120, 104, "EXP", 8),
        (120, 118, "02/28/28"),  # drawn before the issue date: cells, not reading order, decide
        (14, 118, "03/01/27"),
        (14, 150, "This card shows that the business named above is registered with the City of Socorro.", 6),
        (14, 160, "Renew before the expiration date on the front.", 6),
    ]
    v = _values(extract_business_license(_pages(tmp_path, "lic_card", items, size)))
    assert v["business_name"] == "Blue Heron Mobile Tutoring"
    assert v["license_number"] == "553-0927-BL"
    assert v["issuer"].lower() == "city of socorro"
    assert v["issue_date"] == date(2027, 3, 1)
    assert v["expiration_date"] == date(2028, 2, 28)


def test_license_table_form_where_a_renewal_date_is_not_the_expiry(tmp_path):
    items = [
        (60, 50, "STATE OF COLORADO", 13),
        (60, 66, "Department of Revenue - Business Licensing Section"),
        (60, 100, "Business Name:"),
        (160, 100, "Mesa Lantern Games Cooperative"),
        (60, 130, "License No."),
        (200, 130, "Issue Date"),
        (320, 130, "Expiration Date"),
        (60, 146, "CO-88102-44"),
        (200, 146, "Jan 15, 2026"),
        (320, 146, "Jan 14, 2028"),
        (60, 180, "Renewal Date:"),
        (160, 180, "12/15/2027"),
    ]
    v = _values(extract_business_license(_pages(tmp_path, "lic_table", items)))
    assert v["business_name"] == "Mesa Lantern Games Cooperative"
    assert v["license_number"] == "CO-88102-44"
    assert v["issue_date"] == date(2026, 1, 15)
    assert v["expiration_date"] == date(2028, 1, 14)


def test_license_with_only_a_renew_by_date_has_no_expiry(tmp_path):
    items = [
        (60, 50, "CITY OF RIO RANCHO", 13),
        (60, 80, "Business Registration"),
        (60, 100, "Registration #: RR-40913"),
        (60, 116, "Business: Sandhill Crane Bakery"),
        (60, 132, "Issued: 09/01/2026"),
        (60, 148, "Renew by: 08/01/2027"),
    ]
    v = _values(extract_business_license(_pages(tmp_path, "lic_renew", items)))
    assert v["license_number"] == "RR-40913"
    assert v["issue_date"] == date(2026, 9, 1)
    assert v["expiration_date"] is None


# ----------------------------------------------------------------------------- food permits
def test_permit_form_with_an_event_dates_table(tmp_path):
    items = [
        (50, 50, "SANDOVAL COUNTY", 13),
        (420, 50, "PERMIT NO.", 7),
        (480, 64, "TF-55120"),
        (50, 68, "Office of Environmental Health", 9),
        (140, 110, "TEMPORARY FOOD ESTABLISHMENT - EVENT PERMIT", 12),
        (50, 146, "Permit holder", 9),
        (160, 146, "Piñon Ridge Parent Group"),
        (50, 166, "Event", 9),
        (160, 166, "Winter chili supper"),
        (50, 186, "Event site", 9),
        (160, 186, "Bosque Farms Elementary School"),
        (50, 216, "Event dates", 9),
        (95, 232, "Day", 9),
        (170, 232, "Date", 9),
        (260, 232, "Hours of operation", 9),
        (400, 232, "Booth / area", 9),
        (95, 248, "Friday"), (170, 248, "02/05/2027"), (260, 248, "5:00 PM - 8:00 PM"), (400, 248, "Gym"),
        (95, 262, "Saturday"), (170, 262, "02/06/2027"), (260, 262, "11:00 AM - 2:00 PM"), (400, 262, "Gym"),
        (60, 300, "This permit is valid only on the event dates listed above and only at the event site.", 8),
    ]
    v = _values(extract_health_permit(_pages(tmp_path, "permit_form", items)))
    assert v["permittee"] == "Piñon Ridge Parent Group"
    assert v["permit_number"] == "TF-55120"
    assert v["issuer"] == "Sandoval County Office of Environmental Health"
    assert v["event_name"] == "Winter chili supper"
    assert v["valid_from"] == date(2027, 2, 5)
    assert v["valid_to"] == date(2027, 2, 6)


def test_permit_receipt_with_a_name_wrapped_over_two_lines(tmp_path):
    size = (300, 500)
    items = [
        (60, 30, "TOWN OF BERNALILLO FIRE DEPARTMENT", 9),
        (110, 42, "FOOD SAFETY", 9),
        (60, 54, "120 CAMINO DEL PUEBLO", 8),
        (20, 100, "PERMIT #", 8), (110, 100, "FS-7741", 8),
        (20, 116, "PERMITTEE", 8), (110, 116, "HIGH DESERT YOUTH CHESS", 8),
        (110, 126, "FEDERATION, INC.", 8),
        (20, 142, "EVENT", 8), (110, 142, "SPRING TOURNAMENT SNACK BAR", 8),
        (20, 158, "VALID FROM", 8), (110, 158, "14-MAR-2027", 8),
        (20, 170, "VALID TO", 8), (110, 170, "15-MAR-2027", 8),
        (20, 200, "THIS RECEIPT IS YOUR PERMIT. VALID ONLY FOR THE DATES SHOWN.", 7),
    ]
    v = _values(extract_health_permit(_pages(tmp_path, "permit_receipt", items, size)))
    assert v["permittee"] == "HIGH DESERT YOUTH CHESS FEDERATION, INC."
    assert v["permit_number"] == "FS-7741"
    assert v["issuer"].upper() == "TOWN OF BERNALILLO FIRE DEPARTMENT FOOD SAFETY"
    assert v["event_name"] == "SPRING TOURNAMENT SNACK BAR"
    assert v["valid_from"] == date(2027, 3, 14)
    assert v["valid_to"] == date(2027, 3, 15)


def test_permit_letter_with_the_period_in_a_sentence(tmp_path):
    items = [
        (60, 50, "CITY OF SANTA FE", 13),
        (60, 66, "Environmental Health Division", 10),
        (60, 100, "Permit Number: SF-TFE-3391"),
        (60, 116, "Vendor: Cerrillos Road Scout Troop 12"),
        (60, 132, "Event Name: Fall harvest bake sale"),
        *_lines(60, 160, [
            "Your application for a temporary food establishment permit has been approved. The permit is",
            "valid from October 9, 2026 through October 10, 2026 at the location named in your application.",
        ]),
    ]
    v = _values(extract_health_permit(_pages(tmp_path, "permit_letter", items)))
    assert v["permittee"] == "Cerrillos Road Scout Troop 12"
    assert v["permit_number"] == "SF-TFE-3391"
    assert v["issuer"] == "City of Santa Fe Environmental Health Division"
    assert v["event_name"] == "Fall harvest bake sale"
    assert v["valid_from"] == date(2026, 10, 9)
    assert v["valid_to"] == date(2026, 10, 10)


# ----------------------------------------------------------------------------- clearances
def test_clearance_email_with_eligible_through(tmp_path):
    items = [
        (60, 50, "From:"), (140, 50, "District HR Background Services <hr@district.example.edu>"),
        (60, 64, "Sent:"), (140, 64, "Tuesday, March 3, 2026 9:12 AM"),
        (60, 78, "Subject:"), (140, 78, "Fingerprint clearance"),
        (60, 110, "The fingerprint-based background check for the person below is complete."),
        (60, 134, "Applicant:"), (170, 134, "Quintana, Rosalind M."),
        (60, 150, "Organization:"), (170, 150, "Tramway Youth Orchestra"),
        (60, 166, "Status:"), (170, 166, "ELIGIBLE"),
        (60, 182, "Clearance date:"), (170, 182, "03/02/26"),
        (60, 198, "Eligible through:"), (170, 198, "03/02/28"),
    ]
    v = _values(extract_background_check(_pages(tmp_path, "bg_mail", items)))
    assert v["person_name"] == "Quintana, Rosalind M."
    assert v["status"] == "cleared"
    assert v["clearance_date"] == date(2026, 3, 2)
    assert v["expiration_date"] == date(2028, 3, 2)


def test_clearance_card_valid_through_the_month_shown(tmp_path):
    size = (250, 160)
    items = [
        (14, 20, "SCHOOL DISTRICT", 9),
        (14, 34, "Volunteer Clearance Card", 9),
        (14, 58, "Arviso, Delbert J.", 12),
        (14, 78, "FINGERPRINT CLEARANCE", 8),
        (14, 94, "Issued: 7-Sep-2026", 8),
        (14, 106, "Expires: Sep 2028", 8),
        (14, 130, "Valid through the last day of the month shown.", 6),
    ]
    v = _values(extract_background_check(_pages(tmp_path, "bg_card", items, size)))
    assert v["person_name"] == "Arviso, Delbert J."
    assert v["status"] == "cleared"
    assert v["clearance_date"] == date(2026, 9, 7)
    assert v["expiration_date"] == date(2028, 9, 30)


def test_clearance_letter_with_dates_in_sentences(tmp_path):
    items = [
        (60, 50, "Office of Human Resources - Background Check Unit", 11),
        (60, 80, "April 6, 2026"),
        (60, 110, "To whom it may concern:"),
        *_lines(60, 130, [
            "This letter confirms that Teodoro Baca has been cleared to work with students in district",
            "partner programs. The fingerprint check was completed on April 2, 2026. This clearance",
            "expires on April 30, 2028. Please renew by March 1, 2028.",
        ]),
    ]
    v = _values(extract_background_check(_pages(tmp_path, "bg_letter", items)))
    assert v["person_name"] == "Teodoro Baca"
    assert v["status"] == "cleared"
    assert v["clearance_date"] == date(2026, 4, 2)
    assert v["expiration_date"] == date(2028, 4, 30)


@pytest.mark.parametrize("wording", ["Renewal Date: 05/01/2028", "Renew by 05/01/2028"])
def test_a_clearance_renewal_reminder_is_not_its_expiry(tmp_path, wording):
    items = [
        (60, 50, "Name: Lucinda Ortega-Vigil"),
        (60, 66, "Status: CLEARED"),
        (60, 82, "Date Cleared: 05/20/2026"),
        (60, 98, wording),
    ]
    v = _values(extract_background_check(_pages(tmp_path, "bg_renew", items)))
    assert v["status"] == "cleared"
    assert v["expiration_date"] is None


def test_a_clearance_notice_names_its_subject_not_its_signer(tmp_path):
    """No name label and no 'confirms that' sentence: the name by the status line is the person, the name
    under 'Sincerely,' with a job title under it is the signer."""
    items = [
        (60, 50, "Partner Programs - Volunteer Screening", 11),
        (60, 70, "Esperanza Q. Tafoya", 12),
        (60, 100, "Thank you for volunteering with our partner programs. Your results are shown below."),
        (60, 250, "FINGERPRINT CHECK: CLEARED"),
        (60, 264, "Cleared on 01/12/2027"),
        (60, 278, "Valid until 01/11/2029"),
        (60, 296, "Sincerely,"),
        (60, 312, "Harold W. Nez"),
        (60, 326, "Screening Coordinator"),
    ]
    v = _values(extract_background_check(_pages(tmp_path, "bg_signer", items)))
    assert v["person_name"] == "Esperanza Q. Tafoya"
    assert v["status"] == "cleared"
    assert v["clearance_date"] == date(2027, 1, 12)
    assert v["expiration_date"] == date(2029, 1, 11)


def test_clearance_results_table_reads_one_record_without_borrowing_another_rows_values(tmp_path):
    """A results table (Name | Status | Date Cleared | Expires): the first record is pending and has no
    dates; the cleared record under it must not lend it a status or dates (that would accept it)."""
    items = [
        (60, 50, "Background Check Results", 12),
        (60, 80, "Name"), (220, 80, "Status"), (320, 80, "Date Cleared"), (430, 80, "Expires"),
        (60, 96, "Rosalind Quintana"), (220, 96, "PENDING"),
        (60, 112, "Tomas Ulibarri"), (220, 112, "CLEARED"), (320, 112, "01/04/2027"), (430, 112, "01/03/2029"),
    ]
    v = _values(extract_background_check(_pages(tmp_path, "bg_table", items)))
    assert v == {"person_name": "Rosalind Quintana", "status": "pending", "clearance_date": None,
                 "expiration_date": None}


def test_license_valid_dash_range_on_one_line(tmp_path):
    items = [
        (60, 50, "CITY OF FARMINGTON", 13),
        (60, 70, "Business License"),
        (60, 100, "Licensee: Four Corners Dance Academy"),
        (60, 116, "License #: 2027-0051"),
        (60, 132, "Valid January 1, 2027 - December 31, 2027"),
    ]
    v = _values(extract_business_license(_pages(tmp_path, "lic_valid", items)))
    assert v["business_name"] == "Four Corners Dance Academy"
    assert v["license_number"] == "2027-0051"
    assert (v["issue_date"], v["expiration_date"]) == (date(2027, 1, 1), date(2027, 12, 31))


@pytest.mark.parametrize(
    ("result", "status"),
    [
        ("No disqualifying record found", "cleared"),
        ("Disqualifying record found", "not_cleared"),
        ("See attached letter", None),  # a result this reader cannot judge: left for a person
    ],
)
def test_a_clearance_result_in_words_and_one_that_cannot_be_judged(tmp_path, result, status):
    """A dated notice whose printed result is unknown must not pass as cleared because it has a date."""
    items = [
        (60, 80, "Volunteer: Imelda R. Chavez-Sisneros"),
        (60, 96, f"Determination: {result}"),
        (60, 112, "Date of Clearance: 11/02/2026"),
        (60, 128, "Clearance Expiration 11/01/2028"),
    ]
    v = _values(extract_background_check(_pages(tmp_path, "bg_result", items)))
    assert v["person_name"] == "Imelda R. Chavez-Sisneros"
    assert v["status"] == status
    assert v["clearance_date"] == date(2026, 11, 2)
    assert v["expiration_date"] == date(2028, 11, 1)


def test_typed_older_letter_with_case_number_and_our_letter_dated(tmp_path):
    """A typed older letter: a case number and an 'Our Letter Dated' month in the right column are neither
    the EIN nor the letter's date."""
    items = [
        (60, 50, "INTERNAL REVENUE SERVICE"), (60, 62, "DISTRICT DIRECTOR"), (60, 74, "1100 COMMERCE STREET"),
        (60, 86, "DALLAS, TX 75242"), (330, 50, "DEPARTMENT OF THE TREASURY"),
        (330, 100, "Date:  JUN 04 1987"), (330, 120, "Employer Identification Number:"), (330, 132, "85-0307711"),
        (330, 150, "Case Number: 756093112"), (330, 162, "Contact Person:"), (330, 174, "R. GARZA"),
        (330, 192, "Our Letter Dated:"), (330, 204, "March 1983"),
        (60, 140, "SOUTH VALLEY LITTLE LEAGUE INC"), (60, 152, "PO BOX 9112"), (60, 164, "ALBUQUERQUE NM 87119"),
        (60, 230, "Dear Applicant:"),
        *_lines(60, 250, [
            "Based on the information supplied, we have determined that you are exempt from Federal income",
            "tax under section 501(a) of the Internal Revenue Code as an organization described in section",
            "501(c)(3).",
        ]),
    ]
    v = _values(extract_nonprofit_letter(_pages(tmp_path, "typed", items)))
    assert v == {"org_name": "SOUTH VALLEY LITTLE LEAGUE INC", "ein": "85-0307711", "subsection": "501(c)(3)",
                 "letter_date": date(1987, 6, 4)}


def test_blank_permit_form_gives_no_captions_as_values(tmp_path):
    """A blank application: each caption's neighbour is another caption, never a permittee or an event."""
    items = [
        (60, 50, "TEMPORARY FOOD PERMIT APPLICATION", 12),
        (60, 90, "Vendor Name:"), (250, 90, "Vendor Phone"),
        (60, 110, "Event:"), (250, 110, "Inspection Start Time"),
        (60, 130, "Permit No.:"),
        (60, 150, "Valid From:"), (250, 150, "Valid To:"),
    ]
    v = _values(extract_health_permit(_pages(tmp_path, "blank_permit", items)))
    assert v["permittee"] is None and v["event_name"] is None
    assert v["valid_from"] is None and v["valid_to"] is None and v["permit_number"] is None


def test_captions_the_first_reading_missed_are_read_again_from_the_page_image():
    """A low-resolution photo whose small captions the whole-page OCR lost: the permit's values were read
    but no label; the reader reads the page image again, enlarged, finds the captions and reads by them."""
    from PIL import Image, ImageDraw, ImageFont

    from extractors.model import Word
    from extractors.pagetext import PREVIEW_DPI

    px = PREVIEW_DPI / 72
    w_pt, h_pt = 612, 400
    img = Image.new("L", (int(w_pt * px), int(h_pt * px)), 255)
    draw = ImageDraw.Draw(img)
    small = ImageFont.load_default(size=int(9 * px))
    big = ImageFont.load_default(size=int(12 * px))
    words: list[Word] = []
    line = 0

    def put(x: float, y: float, text: str, font, keep: bool) -> None:
        nonlocal line
        draw.text((x * px, y * px), text, font=font, fill=0)
        if keep:  # what the first reading got: the values, word by word, not the captions
            cx = x
            for t in text.split():
                b = draw.textbbox((cx * px, y * px), t, font=font)
                words.append(Word(t, b[0] / px, b[1] / px, b[2] / px, b[3] / px, 90.0, line))
                cx = b[2] / px + draw.textlength(" ", font=font) / px
            line += 1

    put(50, 40, "SIERRA COUNTY", big, True)
    put(50, 58, "Office of Environmental Health", small, True)
    for y, caption, value in [
        (120, "Permit holder", "Elephant Butte Rowing Club"),
        (145, "Event", "Lakeside pancake breakfast"),
        (170, "Permit No.", "SC-40221"),
        (195, "Valid From", "05/01/2027"),
        (220, "Valid To", "05/02/2027"),
    ]:
        put(50, y, caption, small, False)
        put(200, y, value, big, True)
    page = PageText(1, w_pt, h_pt, "ocr", words)
    assert extract_health_permit([page])["permittee"].value is None  # no caption read: nothing to read by
    v = _values(extract_health_permit([page], lambda _no: img))
    assert v["permittee"] == "Elephant Butte Rowing Club"
    assert v["event_name"] == "Lakeside pancake breakfast"
    assert v["permit_number"] == "SC-40221"
    assert (v["valid_from"], v["valid_to"]) == (date(2027, 5, 1), date(2027, 5, 2))


def test_a_permit_number_ocr_split_in_two_is_read_again_or_left_unread():
    """The first reading broke the number ('TFE-27-4' + '654'): the first piece alone is not the number.
    Read again from the page image it comes out whole; with no image it stays unread, never cut short."""
    from PIL import Image, ImageDraw, ImageFont

    from extractors.model import Word
    from extractors.pagetext import PREVIEW_DPI

    px = PREVIEW_DPI / 72
    img = Image.new("L", (int(612 * px), int(300 * px)), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=int(12 * px))
    draw.text((60 * px, 100 * px), "Permit No.", font=font, fill=0)
    draw.text((200 * px, 100 * px), "TFE-27-4651", font=font, fill=0)
    b = draw.textbbox((200 * px, 100 * px), "TFE-27-4651", font=font)
    x0, y0, x1, y1 = (v / px for v in b)
    cut = x0 + (x1 - x0) * 0.72
    label = draw.textbbox((60 * px, 100 * px), "Permit", font=font)
    words = [
        Word("Permit", label[0] / px, label[1] / px, label[2] / px, label[3] / px, 95.0, 0),
        Word("No.", label[2] / px + 4, label[1] / px, label[2] / px + 22, label[3] / px, 95.0, 0),
        Word("TFE-27-4", x0, y0, cut - 1, y1, 80.0, 1),
        Word("654", cut + 1, y0, x1, y1, 60.0, 1),
    ]
    page = PageText(1, 612, 300, "ocr", words)
    assert extract_health_permit([page])["permit_number"].value is None
    assert extract_health_permit([page], lambda _no: img)["permit_number"].value == "TFE-27-4651"


@pytest.mark.parametrize(
    "period",
    [
        "This license is effective July 1, 2026 through June 30, 2027 unless revoked.",
        "License Period: 07/01/2026 to 06/30/2027",
        "This license is valid through June 30, 2027. Issued July 1, 2026.",
    ],
)
def test_license_period_in_its_common_wordings(tmp_path, period):
    items = [
        (60, 50, "TOWN OF TAOS", 13),
        (60, 80, "Licensee: Rio Pueblo Weavers"),
        (60, 96, "License #: T-5512"),
        (60, 120, period),
    ]
    v = _values(extract_business_license(_pages(tmp_path, "lic_period", items)))
    assert (v["issue_date"], v["expiration_date"]) == (date(2026, 7, 1), date(2027, 6, 30))


def test_badge_with_a_card_style_valid_thru(tmp_path):
    size = (200, 300)
    items = [
        (20, 30, "VOLUNTEER", 16),
        (20, 200, "Katherine Begay-Tso", 11),
        (20, 216, "Background check: CLEARED", 8),
        (20, 230, "Valid Thru 06/28", 8),
    ]
    v = _values(extract_background_check(_pages(tmp_path, "badge", items, size)))
    assert v["person_name"] == "Katherine Begay-Tso"
    assert v["status"] == "cleared"
    assert v["expiration_date"] == date(2028, 6, 30)


# ----------------------------------------------------------------------------- the same layouts, photographed
def _photo_pages(tmp_path: Path, name: str, items: list[Item], size: tuple[float, float]) -> list[PageText]:
    """The layout drawn as a 200 dpi image and read by OCR, as a phone photo or fax of it would be."""
    from PIL import Image, ImageDraw, ImageFont

    k = 200 / 72
    img = Image.new("L", (int(size[0] * k), int(size[1] * k)), 255)
    draw = ImageDraw.Draw(img)
    for it in items:
        font = ImageFont.load_default(size=int((it[3] if len(it) > 3 else 10) * k))  # type: ignore[misc]
        draw.text((it[0] * k, it[1] * k), it[2], font=font, fill=0)
    path = tmp_path / f"{name}.png"
    img.save(path, dpi=(200, 200))
    media_type, _ = check_file(path, Limits())
    return [r.text for r in read_pages(path, media_type)]


def test_photographed_wallet_card_reads_its_header_cells(tmp_path):
    size = (300, 190)
    items = [
        (14, 14, "CITY OF SOCORRO", 11),
        (14, 30, "BUSINESS LICENSE CARD", 11),
        (14, 50, "LIC #", 9), (60, 50, "553-0927-BL", 10),
        (14, 72, "Blue Heron Mobile Tutoring", 11),
        (14, 88, "2201 Lomas Blvd NE, Socorro, NM 87801", 8),
        (14, 112, "ISSUED", 8), (150, 112, "EXP", 8),
        (14, 126, "03/01/27", 10), (150, 126, "02/28/28", 10),
    ]
    v = _values(extract_business_license(_photo_pages(tmp_path, "card_photo", items, size)))
    assert v["business_name"] == "Blue Heron Mobile Tutoring"
    assert v["license_number"] == "553-0927-BL"
    assert v["issuer"].lower() == "city of socorro"
    assert (v["issue_date"], v["expiration_date"]) == (date(2027, 3, 1), date(2028, 2, 28))


def test_photographed_clearance_card_with_a_month_year_expiry(tmp_path):
    size = (250, 160)
    items = [
        (14, 14, "SCHOOL DISTRICT", 9),
        (14, 28, "Volunteer Clearance Card", 9),
        (14, 50, "Arviso, Delbert J.", 12),
        (14, 72, "FINGERPRINT CLEARANCE", 8),
        (14, 88, "Issued: 7-Sep-2026", 9),
        (14, 102, "Expires: Sep 2028", 9),
    ]
    v = _values(extract_background_check(_photo_pages(tmp_path, "bg_card_photo", items, size)))
    assert v["person_name"] == "Arviso, Delbert J."
    assert v["status"] == "cleared"
    assert (v["clearance_date"], v["expiration_date"]) == (date(2026, 9, 7), date(2028, 9, 30))


def test_photographed_permit_receipt_with_a_wrapped_permittee(tmp_path):
    size = (300, 260)
    items = [
        (40, 20, "TOWN OF BERNALILLO FIRE DEPARTMENT", 9),
        (100, 34, "FOOD SAFETY", 9),
        (60, 48, "120 CAMINO DEL PUEBLO", 8),
        (20, 90, "PERMIT #", 8), (110, 90, "FS-7741", 9),
        (20, 108, "PERMITTEE", 8), (110, 108, "HIGH DESERT YOUTH CHESS", 9),
        (110, 120, "FEDERATION, INC.", 9),
        (20, 138, "EVENT", 8), (110, 138, "SPRING TOURNAMENT SNACK BAR", 9),
        (20, 156, "VALID FROM", 8), (110, 156, "14-MAR-2027", 9),
        (20, 170, "VALID TO", 8), (110, 170, "15-MAR-2027", 9),
    ]
    v = _values(extract_health_permit(_photo_pages(tmp_path, "receipt_photo", items, size)))
    assert v["permittee"] == "HIGH DESERT YOUTH CHESS FEDERATION, INC."
    assert v["permit_number"] == "FS-7741"
    assert v["event_name"] == "SPRING TOURNAMENT SNACK BAR"
    assert v["issuer"].upper() == "TOWN OF BERNALILLO FIRE DEPARTMENT FOOD SAFETY"
    assert (v["valid_from"], v["valid_to"]) == (date(2027, 3, 14), date(2027, 3, 15))


@pytest.mark.parametrize(
    ("first_reading", "conf", "ein"), [("81-7563287", 30.0, None), ("81-7583287", 30.0, "81-7583287")]
)
def test_an_unsure_ein_is_read_again_and_left_unread_when_readings_disagree(first_reading, conf, ein):
    """An EIN found only by its shape, OCR unsure of it: read again from the page image; a second reading
    that disagrees (8 read as 6) leaves it unread rather than one reading guessed."""
    from PIL import Image, ImageDraw, ImageFont

    from extractors.model import Word
    from extractors.pagetext import PREVIEW_DPI

    px = PREVIEW_DPI / 72
    img = Image.new("L", (int(612 * px), int(300 * px)), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=int(11 * px))
    draw.text((60 * px, 120 * px), "81-7583287", font=font, fill=0)
    b = [v / px for v in draw.textbbox((60 * px, 120 * px), "81-7583287", font=font)]
    page = PageText(1, 612, 300, "ocr", [Word(first_reading, b[0], b[1], b[2], b[3], conf, 0)])
    assert extract_nonprofit_letter([page], lambda _no: img)["ein"].value == ein
