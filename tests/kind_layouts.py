# ruff: noqa: E501  (rows of the drawn tables are kept as one string each, as they are printed)
"""Documents of every kind in several layout families, and their look-alikes, drawn with reportlab.

Each document is a list of pages; a page is a list of (x, y, text, size) rows from the top-left, in
points, drawn on a page of the given size. The layouts follow real families — an ACORD-style grid, a
carrier's own certificate with its columns in another order, an evidence-of-coverage letter in prose,
IRS letters of three eras, city / state / tax-registration licenses, county / city / letter permits,
clearance letters, cards, e-mails and badges — and the papers that are mistaken for them. Every name,
number and address is made up.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

Row = tuple[float, float, str, float]
CARD = (252.0, 162.0)  # a wallet card / badge, in points


def _rows(x: float, y: float, lines: list[str], size: float = 10, lead: float | None = None) -> list[Row]:
    step = lead or size * 1.45
    return [(x, y + i * step, t, size) for i, t in enumerate(lines)]


def write_pdf(dest: Path, pages: list[list[Row]], size: tuple[float, float] = letter, font: str = "Helvetica") -> Path:
    buf = BytesIO()
    c = Canvas(buf, pagesize=size)
    for rows in pages:
        for x, y, text, fs in rows:
            c.setFont(font, fs)
            c.drawString(x, size[1] - y, text)
        c.showPage()
    c.save()
    dest.write_bytes(buf.getvalue())
    return dest


# ------------------------------------------------------------------ certificates of insurance


def coi_grid() -> list[list[Row]]:
    """ACORD-25-style grid: producer / insured / insurers blocks, coverage rows with limits."""
    r = [(150, 40, "CERTIFICATE OF LIABILITY INSURANCE", 14), (470, 40, "DATE 03/02/2026", 8)]
    r += _rows(40, 70, ["THIS CERTIFICATE IS ISSUED AS A MATTER OF INFORMATION ONLY AND CONFERS NO RIGHTS UPON THE",
                        "CERTIFICATE HOLDER. THIS CERTIFICATE DOES NOT AFFIRMATIVELY OR NEGATIVELY AMEND, EXTEND OR ALTER"], 7)
    r += _rows(40, 110, ["PRODUCER", "Juniper Point Insurance Agency", "410 Vista Road, Cedar Falls, IA 50613"], 8)
    r += _rows(320, 110, ["INSURER(S) AFFORDING COVERAGE            NAIC #", "INSURER A: Hollow Creek Casualty Co   21457"], 8)
    r += _rows(40, 160, ["INSURED", "Lantern Hill Chess Society", "88 Orchard Lane, Cedar Falls, IA 50613"], 8)
    r += _rows(40, 220, ["TYPE OF INSURANCE      POLICY NUMBER    POLICY EFF   POLICY EXP   LIMITS",
                         "A COMMERCIAL GENERAL LIABILITY  HCL-4471902   04/01/2026  04/01/2027  EACH OCCURRENCE $1,000,000",
                         "  OCCUR                                                            GENERAL AGGREGATE $2,000,000",
                         "                                                                   MED EXP $5,000"], 8)
    r += _rows(40, 300, ["DESCRIPTION OF OPERATIONS / LOCATIONS / VEHICLES",
                         "Chess tournament, school gymnasium, May 9, 2026. The school district is an additional insured."], 8)
    r += _rows(40, 350, ["CERTIFICATE HOLDER", "Board of Education", "6400 Uptown Blvd NE"], 8)
    r += _rows(320, 350, ["CANCELLATION", "SHOULD ANY OF THE ABOVE DESCRIBED POLICIES BE CANCELLED BEFORE THE",
                          "AUTHORIZED REPRESENTATIVE"], 7)
    r += [(40, 740, "ACORD 25 (2016/03)  The ACORD name and logo are registered marks of ACORD", 6)]
    return [r]


def coi_carrier_columns() -> list[list[Row]]:
    """A carrier's own certificate: coverage table in the order Coverage | Limits | Carrier | Policy | Term."""
    r = [(40, 40, "Meadowlark Mutual Insurance Company", 13), (40, 60, "Certificate of Insurance", 16)]
    r += _rows(40, 95, ["Issued: February 12, 2026", "Named Insured: Copper Valley Youth Orchestra",
                        "1201 Piñon Street, Silver Flats, NM 87001"], 9)
    r += _rows(40, 160, ["Coverage           Limits                          Carrier                Policy        Term",
                         "General Liability  $1,000,000 per occurrence       Meadowlark Mutual      ML-GL-58820   01/15/2026 - 01/15/2027",
                         "                   $2,000,000 aggregate",
                         "Umbrella           $1,000,000 each occurrence      Meadowlark Mutual      ML-UX-11203   01/15/2026 - 01/15/2027"], 8)
    r += _rows(40, 250, ["Coverage is written on an occurrence basis. Carrier rated A+ XV by A.M. Best.",
                         "Certificate holder: Albuquerque Public Schools, additional insured for the event premises.",
                         "This certificate does not amend, extend or alter the coverage afforded by the policies."], 9)
    return [r]


def coi_prose_letter() -> list[list[Row]]:
    """An agent's evidence-of-coverage letter stating everything in sentences."""
    r = [(40, 40, "Bramble & Finch Insurance Services", 12), (40, 58, "22 Market Square, Tulsa, OK 74103", 9)]
    r += _rows(40, 100, ["March 3, 2026", "", "To whom it may concern:", "", "Re: Evidence of liability coverage"], 10)
    r += _rows(40, 190, [
        "This letter confirms that Riverbend Robotics Club is covered under policy GL-3381-776 issued by",
        "Sandstone Indemnity Company, rated A by A.M. Best, from March 1, 2026 to March 1, 2027, with limits",
        "of $1,000,000 each occurrence and $2,000,000 general aggregate, written on an occurrence basis.",
        "The school district is named as an additional insured for the robotics meets held on its premises.",
        "", "Sincerely,", "Dana Whitcomb, Agent"], 10)
    return [r]


def coi_memorandum() -> list[list[Row]]:
    """An untitled memorandum of insurance: only its statement and its limits say what it is."""
    r = _rows(40, 40, ["Pinecrest Brokerage LLC, 9 Harbor Way, Duluth, MN 55802"], 9)
    r += _rows(40, 70, ["This memorandum summarizes the insurance shown below as in force on the date above.",
                        "Insured: Northgate Folk Dance Circle"], 9)
    r += _rows(40, 120, ["Carrier                      Policy          Term                       Limits",
                         "Stillwater Casualty Co       SWC 220781      06/01/2026 - 06/01/2027    $1,000,000 Each Occurrence",
                         "                                                                        $2,000,000 Aggregate"], 8)
    r += _rows(40, 200, ["Remarks: the district is an additional insured for the premises used by the named insured."], 9)
    return [r]


# ------------------------------------------------------------------ IRS letters


def irs_modern() -> list[list[Row]]:
    r = _rows(40, 40, ["Department of the Treasury", "Internal Revenue Service", "Tax Exempt and Government Entities",
                       "P.O. Box 2508", "Cincinnati, OH 45201"], 10)
    r += _rows(360, 40, ["Date:", "August 4, 2025", "Employer ID number:", "92-4417305", "Person to contact:",
                         "Customer Service"], 9)
    r += _rows(40, 170, ["HAWTHORN FAMILY FOOD SHELF", "500 Elm Ave", "Fargo, ND 58102"], 10)
    r += _rows(40, 240, ["Dear Applicant:", "",
                         "We're pleased to tell you we determined you're exempt from federal income tax under Internal",
                         "Revenue Code (IRC) Section 501(c)(3). Donors can deduct contributions they make to you under",
                         "IRC Section 170. Please keep this letter for your permanent records.",
                         "", "Letter 947 (Rev. 2-2020)"], 10)
    return [r]


def irs_affirmation() -> list[list[Row]]:
    r = _rows(40, 40, ["INTERNAL REVENUE SERVICE", "P. O. BOX 2508", "CINCINNATI, OH 45201"], 10)
    r += _rows(360, 40, ["DEPARTMENT OF THE TREASURY", "Date: 11/17/2025", "Employer Identification Number:",
                         "81-2290364"], 9)
    r += _rows(40, 150, ["WILLOW BEND CIVIC LEAGUE", "17 Quarry Rd", "Bangor, ME 04401"], 10)
    r += _rows(40, 220, ["Dear Sir or Madam:", "",
                         "This is in response to your request for an affirmation of your tax-exempt status. Our records",
                         "show that you were recognized as exempt from federal income tax in June 2004 as an",
                         "organization described in section 501(c)(4) of the Internal Revenue Code, and that this",
                         "determination remains in effect.", "", "Letter 4168C"], 10)
    return [r]


def irs_typewritten() -> list[list[Row]]:
    r = _rows(40, 40, ["INTERNAL REVENUE SERVICE", "DISTRICT DIRECTOR", "P. O. BOX 2508", "CINCINNATI, OH 45201"], 10)
    r += _rows(380, 40, ["DEPARTMENT OF THE TREASURY", "Date:  MAY 14 1996", "Employer Identification Number:",
                         "31-1099452", "Case Number: 319155004"], 9)
    r += _rows(40, 160, ["OAK HOLLOW GARDEN CLUB", "C/O MARGARET REESE", "4 POND ST", "KEENE, NH 03431"], 10)
    r += _rows(40, 240, ["Dear Applicant:", "",
                         "Based on information supplied, and assuming your operations will be as stated in your",
                         "application for recognition of exemption, we have determined you are exempt from federal",
                         "income tax under section 501(a) of the Internal Revenue Code as an organization described",
                         "in section 501(c)(3)."], 10)
    return [r]


def cp575() -> list[list[Row]]:
    """An EIN assignment notice: an IRS letter, but about the number only."""
    r = _rows(40, 40, ["Department of the Treasury", "Internal Revenue Service", "Cincinnati OH 45999-0023"], 10)
    r += _rows(360, 40, ["Date of this notice: 09-22-2025", "Employer Identification Number:", "85-3317046",
                         "Form: SS-4", "Number of this notice: CP 575 E"], 9)
    r += _rows(40, 140, ["BIRCHWOOD YOUTH DEBATE LEAGUE", "210 Cedar Ct", "Provo, UT 84601"], 10)
    r += _rows(40, 220, ["WE ASSIGNED YOU AN EMPLOYER IDENTIFICATION NUMBER", "",
                         "Thank you for applying for an Employer Identification Number (EIN). We assigned you EIN",
                         "85-3317046. This EIN will identify you, your business accounts, tax returns, and documents.",
                         "If you want your organization to be recognized as tax-exempt under section 501(c)(3), you",
                         "must file Form 1023. Keep this notice in your permanent records."], 10)
    return [r]


def letter_147c() -> list[list[Row]]:
    """An EIN verification letter that names the organization's subsection without stating an exemption."""
    r = _rows(40, 40, ["Department of the Treasury", "Internal Revenue Service", "Ogden UT 84201"], 10)
    r += _rows(380, 40, ["Letter 147C", "Date: 10/06/2025", "Employer Identification Number:", "47-5521983"], 9)
    r += _rows(40, 140, ["MAPLE RUN ARTS COLLECTIVE", "9 Spring St", "Elko, NV 89801"], 10)
    r += _rows(40, 210, ["Dear Taxpayer:", "",
                         "Thank you for your inquiry of October 1, 2025. Your Employer Identification Number (EIN) is",
                         "47-5521983. Our records show the organization filed as a 501(c)(3) applicant. Please use",
                         "your EIN and full name on all federal tax forms and correspondence."], 10)
    return [r]


def form_990n() -> list[list[Row]]:
    r = _rows(40, 40, ["Form 990-N   Electronic Notice (e-Postcard) for Tax-Exempt Organizations",
                       "Department of the Treasury  Internal Revenue Service        OMB No. 1545-2085"], 10)
    r += _rows(40, 100, ["Tax year: 2024", "Employer Identification Number: 66-1023847",
                         "Legal name: Sunfield Neighbors Council", "Gross receipts normally $50,000 or less: Yes",
                         "Principal officer: Lee Ortiz", "Submission date: 05/11/2025"], 10)
    return [r]


def charity_registration() -> list[list[Row]]:
    r = _rows(120, 40, ["OFFICE OF THE ATTORNEY GENERAL", "CHARITABLE ORGANIZATION REGISTRATION"], 13)
    r += _rows(40, 110, ["Registrant: Elmwood Pantry Partners", "Registration No.: CH-44021",
                         "Effective: 01/01/2026     Expires: 12/31/2026",
                         "This registration permits charitable solicitation in the state. It is not an IRS",
                         "determination of exempt status under section 501(c)(3)."], 10)
    return [r]


# ------------------------------------------------------------------ business licenses


def license_city() -> list[list[Row]]:
    r = _rows(200, 40, ["CITY OF SANTA ROSITA", "BUSINESS LICENSE"], 16)
    r += _rows(40, 120, ["This certifies that", "Quill & Compass Tutoring LLC",
                         "is licensed to conduct business at 55 Mesa Verde Dr, Santa Rosita",
                         "License No.: BL-2026-04417", "Issue Date: 01/05/2026", "Expires: 12/31/2026",
                         "Post in a conspicuous place.  City Clerk"], 11)
    return [r]


def license_state_card() -> list[list[Row]]:
    r = _rows(12, 18, ["STATE OF NEVADA", "STATE BUSINESS LICENSE"], 9)
    r += _rows(12, 52, ["Licensee: Red Mesa Photo Booths LLC", "License #: NV20251833071",
                        "Valid through: 10/31/2026", "Secretary of State - Business Licensing"], 7)
    return [r]


def license_tax_registration() -> list[list[Row]]:
    r = _rows(40, 40, ["Office of the Treasurer and Tax Collector", "BUSINESS TAX REGISTRATION CERTIFICATE"], 14)
    r += _rows(40, 110, ["Business Name: Starling Step Dance Studio", "DBA: Starling Step",
                         "Account Number: 1077834", "Business Location: 300 Pine St Suite 4",
                         "Registration Date: 07/01/2025", "Expiration Date: 06/30/2026",
                         "This certificate must be posted in a conspicuous place. Not transferable."], 11)
    return [r]


def license_receipt() -> list[list[Row]]:
    r = _rows(40, 40, ["Business Licensing Service", "Filing Receipt"], 14)
    r += _rows(40, 100, ["Thank you for filing. Confirmation number: 0088213",
                         "Applied for: City endorsement", "Filing date: 02/02/2026",
                         "Payment method: card    Grand total: $90.00",
                         "You will receive your business license in the mail."], 10)
    return [r]


# ------------------------------------------------------------------ temporary food permits


def permit_county() -> list[list[Row]]:
    r = _rows(100, 40, ["LARIMER BASIN COUNTY ENVIRONMENTAL HEALTH", "TEMPORARY FOOD ESTABLISHMENT PERMIT"], 14)
    r += _rows(40, 110, ["Permit No.: TFE-26-0193", "Permittee: Harvest Moon Tamale Collective",
                         "Event: Spring Arts Fair", "Location: Lincoln Middle School",
                         "Valid From: 04/18/2026   Valid Through: 04/19/2026", "Fee Paid: $45.00",
                         "This permit must be posted at the booth."], 11)
    return [r]


def permit_city_card() -> list[list[Row]]:
    r = _rows(12, 18, ["City of Rio Claro Health Department", "SPECIAL EVENT FOOD PERMIT"], 9)
    r += _rows(12, 52, ["Permit ID: SE-8812", "Vendor: Sweet Yucca Bakery",
                        "Event dates: 05/02/2026 - 05/03/2026", "Inspector: R. Vigil"], 7)
    return [r]


def permit_letter() -> list[list[Row]]:
    r = _rows(40, 40, ["Department of Health", "Consumer Health Protection - Food Safety Program"], 11)
    r += _rows(40, 100, ["March 20, 2026", "", "Mesa Verde Parent Boosters", "12 School Rd", "", "Dear Permit Holder:",
                         "Your temporary food event permit number TF 2026-311 for the Fall Carnival is approved.",
                         "This permit is valid from April 10, 2026 through April 12, 2026 at the event location.",
                         "Sincerely, Environmental Health Specialist"], 10)
    return [r]


def permit_application_blank() -> list[list[Row]]:
    r = _rows(100, 40, ["TEMPORARY FOOD PERMIT APPLICATION"], 14)
    r += _rows(40, 90, ["Please print. Applications must be submitted 14 days before the event.",
                        "Applicant name: ______________________", "Event name: ______________________",
                        "Event dates: ____________", "Signature of applicant: ______________"], 10)
    return [r]


# ------------------------------------------------------------------ clearances


def clearance_hr_letter() -> list[list[Row]]:
    r = _rows(40, 40, ["Sierra Vista Unified School District", "Human Resources - Fingerprinting Office"], 12)
    r += _rows(40, 100, ["February 9, 2026", "", "RE: Volunteer background check", "",
                         "This letter confirms that Marisol Quintana has been cleared through the district's",
                         "fingerprint-based criminal history background check and is eligible to volunteer.",
                         "This clearance expires on February 9, 2028.", "", "Fingerprinting Office"], 10)
    return [r]


def clearance_dps_card() -> list[list[Row]]:
    r = _rows(12, 18, ["DEPARTMENT OF PUBLIC SAFETY", "FINGERPRINT CLEARANCE CARD"], 9)
    r += _rows(12, 52, ["Name: HOLLOWAY, GRANT T", "Card No.: 1903-4471", "Status: CLEARED",
                        "Expires: 08/31/2031"], 8)
    return [r]


def clearance_vendor_email() -> list[list[Row]]:
    r = _rows(40, 40, ["From: results@clearpath-screening.example", "To: volunteer.office@example.org",
                       "Sent: Tuesday, January 13, 2026 9:41 AM", "Subject: Screening results - Theo Marchetti"], 9)
    r += _rows(40, 120, ["Background Screening Results", "", "Candidate: Theo Marchetti",
                         "Package: Volunteer - national criminal database", "Result: Eligible",
                         "Completed: 01/13/2026", "Re-screen due: 01/13/2028"], 10)
    return [r]


def clearance_badge() -> list[list[Row]]:
    r = _rows(12, 18, ["Cedar Point Public Schools", "VOLUNTEER BADGE"], 10)
    r += _rows(12, 60, ["JUNE ABERNATHY", "Background check: approved", "Valid until 06/30/2027"], 9)
    return [r]


def clearance_consent_form() -> list[list[Row]]:
    r = _rows(60, 40, ["BACKGROUND CHECK DISCLOSURE AND AUTHORIZATION"], 14)
    r += _rows(40, 90, ["I hereby authorize the district and its screening vendor to obtain a criminal background",
                        "report about me. Full name: ____________________  Date of birth: __________",
                        "Signature: ____________________  Date: __________"], 10)
    return [r]


def clearance_blank_form() -> list[list[Row]]:
    r = _rows(100, 40, ["VOLUNTEER CLEARANCE NOTICE"], 14)
    r += _rows(40, 90, ["Name: ____________________________", "Clearance date: ______________",
                        "Status:  [ ] Cleared   [ ] Not cleared", "Expires: ______________",
                        "Background Check Unit"], 11)
    return [r]


def license_blank_form() -> list[list[Row]]:
    r = _rows(200, 40, ["CITY OF SANTA ROSITA", "BUSINESS LICENSE"], 16)
    r += _rows(40, 120, ["This certifies that ______________________________",
                         "is licensed to conduct business at ______________________",
                         "License No.: __________", "Issue Date: __________", "Expires: __________",
                         "Post in a conspicuous place."], 11)
    return [r]


# ------------------------------------------------------------------ insurance look-alikes


def auto_id_card() -> list[list[Row]]:
    r = _rows(12, 18, ["AUTOMOBILE INSURANCE IDENTIFICATION CARD"], 8)
    r += _rows(12, 40, ["Company: Prairie Wind Auto Insurance Co", "Policy Number: PW 0072231",
                        "Effective: 02/01/2026  Expires: 08/01/2026", "2019 Ford Transit  VIN 1FTBW2CM7KKA00112",
                        "Keep this card in the insured vehicle."], 7)
    return [r]


def acord27_property() -> list[list[Row]]:
    r = [(160, 40, "EVIDENCE OF PROPERTY INSURANCE", 14), (470, 40, "DATE 01/20/2026", 8)]
    r += _rows(40, 80, ["THIS EVIDENCE OF PROPERTY INSURANCE IS GIVEN AS A MATTER OF INFORMATION ONLY",
                        "AGENCY: Tall Pines Agency        COMPANY: Granite State Property Mutual",
                        "NAMED INSURED: Brookside Community Hall", "POLICY NUMBER: GSP-7731  EFFECTIVE 01/01/2026  EXPIRATION 01/01/2027",
                        "LOCATION / DESCRIPTION: 14 Mill St, building and contents",
                        "COVERAGE / PERILS / FORMS: Special causes of loss   AMOUNT OF INSURANCE $850,000  DEDUCTIBLE $2,500",
                        "ADDITIONAL INTEREST: MORTGAGEE / LOSS PAYEE  First Valley Bank",
                        "ACORD 27 (2016/03)"], 8)
    return [r]


def coi_blank_carrier() -> list[list[Row]]:
    r = [(40, 40, "Meadowlark Mutual Insurance Company", 13), (40, 60, "Certificate of Insurance", 16)]
    r += _rows(40, 95, ["Issued:", "Named Insured:", "Address:"], 9)
    r += _rows(40, 160, ["Coverage           Limits           Carrier           Policy        Term",
                         "General Liability  per occurrence", "                   aggregate",
                         "Certificate holder:", "Authorized representative:"], 8)
    return [r]


# ------------------------------------------------------------------ more wordings and look-alikes


def clearance_vendor_approval() -> list[list[Row]]:
    """A screening vendor's approval notice: no 'background' or 'fingerprint' anywhere."""
    return [_rows(40, 40, ["Sterling Ridge Volunteers", "Volunteer Approval Notice", "", "Your screening is complete.",
                           "Volunteer: Priya Nandakumar", "Organization: Eastside Little League", "Status: Approved",
                           "Date: 02/14/2026", "Approval valid for two years."], 11)]


def clearance_not_eligible() -> list[list[Row]]:
    return [_rows(40, 40, ["Mesa Unified School District", "Office of Human Resources", "", "November 3, 2025", "",
                           "Dear Ms. Carter,",
                           "The district has completed the review of your criminal history record. Based on the results you are",
                           "not eligible to volunteer in district schools at this time.", "", "Human Resources"], 10)]


def parks_event_permit() -> list[list[Row]]:
    """A parks department's special event permit: a permit, but not a food permit of a health authority."""
    return [_rows(40, 40, ["CITY PARKS AND RECREATION", "SPECIAL EVENT PERMIT", "Permit No.: SE-2026-118",
                           "Permittee: Riverside Runners Club", "Event: 5K Fun Run", "Valid: 03/28/2026",
                           "Conditions: no amplified sound"], 11)]


def irs_application_ack() -> list[list[Row]]:
    """The IRS acknowledging an exemption application: it names 501(c)(3) and decides nothing."""
    return [_rows(40, 40, ["Department of the Treasury", "Internal Revenue Service", "Date: 06/01/2025",
                           "We received your Form 1023, Application for Recognition of Exemption Under Section 501(c)(3).",
                           "We will contact you when we complete our review. Employer ID number: 66-4410233"], 10)]


def cp575_old() -> list[list[Row]]:
    """An older, all-capitals CP 575 layout."""
    return [_rows(40, 40, ["DEPARTMENT OF THE TREASURY", "INTERNAL REVENUE SERVICE", "CINCINNATI OH 45999", "",
                           "Date of this notice: 03-14-2003", "Employer Identification Number: 22-3301447", "Form: SS-4",
                           "Number of this notice: CP 575 A", "", "WE ASSIGNED YOU AN EMPLOYER IDENTIFICATION NUMBER",
                           "Thank you for applying for an Employer Identification Number (EIN). We assigned you EIN",
                           "22-3301447. If you want to be recognized as exempt under section 501(c)(3), file Form 1023."], 10)]


def form_w9() -> list[list[Row]]:
    return [_rows(40, 40, ["Form W-9 (Rev. March 2024)", "Request for Taxpayer Identification Number and Certification",
                           "Department of the Treasury Internal Revenue Service", "Name: Westside Soccer Boosters",
                           "Exempt payee code: 5", "Employer identification number 45-2234110",
                           "Under penalties of perjury, I certify that"], 10)]


def license_untitled_card() -> list[list[Row]]:
    """A license card that never says 'business license': licensee, number, expiry, display instruction."""
    return [_rows(12, 18, ["City of Las Palomas  2026", "Licensee: Tin Roof Comedy LLC", "Lic #: 2026-00871",
                           "Location: 12 Main St", "Expires 12/31/2026", "Display at business location"], 8)]


def permit_untitled_card() -> list[list[Row]]:
    return [_rows(12, 18, ["Bernal County Environmental Health", "Temporary Food Service - APPROVED",
                           "Operator: Happy Tamale Stand", "Event: Harvest Festival", "Dates: 10/10/2026 - 10/11/2026",
                           "No. 26-T-0411"], 8)]


def irs_penalty_notice() -> list[list[Row]]:
    """An IRS notice about a late return: it names 501(c)(3), and states no exemption."""
    return [_rows(40, 40, ["Department of the Treasury", "Internal Revenue Service", "Ogden UT 84201-0039", "",
                           "Notice CP162", "Tax period: December 31, 2024", "Notice date: 05/19/2025",
                           "Employer ID number: 81-1187723", "", "Amount due: $440.00",
                           "We charged you a penalty for filing your Form 990 late.", "Pay the amount due by June 9, 2025.",
                           "Exempt organizations described in section 501(c)(3) with gross receipts must file."], 10)]


def acord24_property() -> list[list[Row]]:
    return [_rows(40, 40, ["CERTIFICATE OF PROPERTY INSURANCE", "DATE 02/02/2026", "PRODUCER: Oak Agency",
                           "INSURED: Beacon Hall LLC", "INSURER A: Granite Property Mutual  NAIC 11223",
                           "COVERAGES: PROPERTY  BUILDING  PERSONAL PROPERTY  BUSINESS INCOME",
                           "POLICY NUMBER GP-33  EFF 01/01/2026  EXP 01/01/2027  BUILDING $1,200,000  DEDUCTIBLE $5,000",
                           "CERTIFICATE HOLDER: First Bank  MORTGAGEE", "ACORD 24 (2016/03)"], 9)]


def screening_invoice() -> list[list[Row]]:
    return [_rows(40, 40, ["ClearPath Screening", "INVOICE", "Invoice #: 22817", "Date: 01/31/2026",
                           "Bill to: Eastside Little League", "Volunteer background checks (12) ........ $180.00",
                           "Amount due: $180.00", "Payment due within 30 days"], 10)]


def coi_cover_email() -> list[list[Row]]:
    """An agent's e-mail that sends a certificate: it names the certificate, it is not one."""
    return [_rows(40, 40, ["From: agent@example-agency.com", "To: facilities@example.org",
                           "Subject: Certificate of insurance for Eastside Little League",
                           "Hello, please find attached the certificate of liability insurance you requested for the spring season.",
                           "Let me know if you need anything else.", "Thanks, Jordan"], 10)]


def permit_blank_form() -> list[list[Row]]:
    return [_rows(100, 40, ["TEMPORARY FOOD ESTABLISHMENT PERMIT", "County Environmental Health"], 14)
            + _rows(40, 100, ["Permit No.: ____________", "Permittee: ______________________", "Event: ______________________",
                              "Valid From: __________  Valid Through: __________", "Issued by: ______________"], 11)]


def clearance_blank_card() -> list[list[Row]]:
    return [_rows(12, 18, ["DEPARTMENT OF PUBLIC SAFETY", "FINGERPRINT CLEARANCE CARD"], 9)
            + _rows(12, 52, ["Name:", "Card No.:", "Status:", "Expires:"], 8)]


def clearance_badge_undated() -> list[list[Row]]:
    """A badge that states its result but prints no date: filled in, not a blank form."""
    return [_rows(12, 18, ["Cedar Point Public Schools", "VOLUNTEER BADGE"], 10)
            + _rows(12, 60, ["JUNE ABERNATHY", "Background check: approved", "Status: cleared"], 9)]


def insurance_quote() -> list[list[Row]]:
    """A broker's quote: carrier, limits and a policy period of coverage not bought yet."""
    return [_rows(40, 40, ["Summit Line Brokerage", "General Liability Insurance Quote", "Prepared for: Northgate Folk Dance Circle",
                           "Carrier: Stillwater Casualty Co (A.M. Best A)", "Proposed term: 06/01/2026 - 06/01/2027",
                           "Limits: $1,000,000 each occurrence / $2,000,000 general aggregate", "Total premium: $612.00",
                           "This is not a binder. Coverage is subject to underwriting approval."], 10)]


def fire_tent_permit() -> list[list[Row]]:
    """A fire marshal's event permit: permit number, permittee, dates — and no food or health authority."""
    return [_rows(40, 40, ["CITY FIRE MARSHAL'S OFFICE", "TEMPORARY TENT / EVENT PERMIT", "Permit No.: FM-26-0042",
                           "Permittee: Spring Arts Fair Committee", "Event: Spring Arts Fair",
                           "Valid From: 04/18/2026  Valid Through: 04/19/2026",
                           "Conditions: fire extinguisher within 75 feet of cooking"], 11)]


def sellers_permit() -> list[list[Row]]:
    return [_rows(40, 40, ["STATE DEPARTMENT OF TAX AND FEE ADMINISTRATION", "SELLER'S PERMIT", "Account number: 102-338811",
                           "Business name: Sweet Yucca Bakery", "Start date: 03/01/2025",
                           "This permit is valid until revoked. Post in a conspicuous place."], 11)]


def form_1099() -> list[list[Row]]:
    return [_rows(40, 40, ["Form 1099-MISC  Miscellaneous Information", "Department of the Treasury - Internal Revenue Service",
                           "OMB No. 1545-0115", "PAYER'S TIN 45-2234110", "RECIPIENT'S TIN ***-**-1234", "Rents $1,200.00",
                           "For calendar year 2025"], 10)]


def clearance_hr_email() -> list[list[Row]]:
    """A fingerprinting office's e-mail telling the volunteer the result."""
    return [_rows(40, 40, ["From: Fingerprinting Office <fingerprinting@district.example.org>", "To: maria.lopez@example.com",
                           "Sent: Monday, March 2, 2026 10:14 AM", "Subject: Background check complete", "",
                           "Hi Maria,", "Your background check is complete and you are cleared to volunteer with Eastside Little League.",
                           "Your clearance is valid through March 2, 2028.", "Let me know if you have questions.", "Thanks,",
                           "Fingerprinting Office"], 10)]
