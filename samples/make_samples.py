"""Make the built-in sample corpus: a registry, an inbox of invented documents, and its ground truth.

`python samples/make_samples.py DEST` writes, in the shared corpus layout, DEST/registry.json, DEST/inbox/,
DEST/irs/revocations.txt and DEST/truth/{documents,verdicts}.json, so that `./run demo` can run the whole
pipeline on it and shared/tools/score.py can score the run. Every organization, person, insurer and number
is made up. Documents are drawn with reportlab as agencies print them; some are then "printed and scanned"
(rendered to an image, speckled, tilted, turned, faxed, photographed) so the demo exercises OCR as well as
text layers. The same seed always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

AS_OF = date(2026, 10, 19)
W, H = letter
Draw = Callable[[Canvas], None]
FIXED_TIME = time.struct_time((2026, 10, 16, 9, 30, 0, 4, 289, 0))  # for Pillow's PDF dates: same bytes each run

APS_HOLDER = ["Albuquerque Public Schools", "Attn: Facility Use Office", "P.O. Box 31870", "Albuquerque, NM 87190"]

# ----------------------------------------------------------------------------------------------- registry
ORGS: list[dict[str, Any]] = [
    {
        "org_id": "ORG-S01",
        "name": "Cibola Peak Youth Robotics, Inc.",
        "dba": [],
        "category": "3",
        "government": False,
        "ein": "86-2231947",
        "address": "8812 Candelaria Rd NE, Albuquerque, NM 87112",
        "contact_email": "coach@cibolapeakrobotics.example.org",
    },
    {
        "org_id": "ORG-S02",
        "name": "Tijeras Canyon Quilters Guild",
        "dba": [],
        "category": "5",
        "government": False,
        "ein": "85-4412093",
        "address": "140 Zamora Ln SE, Albuquerque, NM 87123",
        "contact_email": "guild@tijerasquilters.example.org",
    },
    {
        "org_id": "ORG-S03",
        "name": "Volcano Cliffs Martial Arts LLC",
        "dba": ["Cliffside Karate Academy"],
        "category": "6a",
        "government": False,
        "ein": None,
        "address": "5120 Unser Blvd NW Ste 4, Albuquerque, NM 87120",
        "contact_email": "sensei@cliffsidekarate.example.com",
    },
    {
        "org_id": "ORG-S04",
        "name": "Westgate Heights Neighbors Association",
        "dba": [],
        "category": "4",
        "government": False,
        "ein": None,
        "address": "9301 Ladera Vista Dr SW, Albuquerque, NM 87121",
        "contact_email": "board@westgateneighbors.example.org",
    },
    {
        "org_id": "ORG-S05",
        "name": "Piedra Lisa Trail Runners Club",
        "dba": [],
        "category": "5",
        "government": False,
        "ein": None,
        "address": "2245 Wyoming Blvd NE, Albuquerque, NM 87112",
        "contact_email": "run@piedralisatrail.example.org",
    },
    {
        "org_id": "ORG-S06",
        "name": "Embudo Canyon Community Pantry, Inc.",
        "dba": [],
        "category": "4",
        "government": False,
        "ein": None,
        "address": "711 Chelwood Park Blvd NE, Albuquerque, NM 87112",
        "contact_email": "volunteer@embudopantry.example.org",
    },
]


def _req(
    rid: str,
    org: str,
    school: str,
    facility: str,
    activity: str,
    dates: list[str],
    times: tuple[str, str],
    submitted: str,
    *,
    community: bool = False,
    kitchen: list[str] | None = None,
    personnel: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "request_id": rid,
        "org_id": org,
        "school": school,
        "facility": facility,
        "activity": activity,
        "use_dates": dates,
        "start_time": times[0],
        "end_time": times[1],
        "submitted_on": submitted,
        "community_school": community,
        "uses_kitchen": bool(kitchen),
        "kitchen_dates": kitchen or [],
        "serves_students": bool(personnel),
        "personnel": personnel or [],
    }


REQUESTS: list[dict[str, Any]] = [
    _req(
        "AC11-2026-5001",
        "ORG-S01",
        "Hoover Middle School",
        "science lab",
        "After-school robotics build nights",
        ["2026-11-05", "2026-11-12"],
        ("15:30", "17:30"),
        "2026-10-02",
        personnel=["Lorenzo P. Archuleta", "Hannah Begay"],
    ),
    _req(
        "AC11-2026-5002",
        "ORG-S01",
        "Madison Middle School",
        "cafeteria",
        "Regional robotics scrimmage",
        ["2026-12-05"],
        ("08:00", "16:00"),
        "2026-10-09",
        personnel=["Lorenzo P. Archuleta", "Wendell Tsosie"],
    ),
    _req(
        "AC11-2026-5003",
        "ORG-S02",
        "Sandia High School",
        "library",
        "Community quilt show",
        ["2026-11-14"],
        ("09:00", "15:00"),
        "2026-10-05",
    ),
    _req(
        "AC11-2026-5004",
        "ORG-S03",
        "Taft Middle School",
        "gymnasium",
        "Youth karate belt testing",
        ["2026-11-21", "2026-12-19"],
        ("10:00", "13:00"),
        "2026-10-07",
    ),
    _req(
        "AC11-2026-5005",
        "ORG-S04",
        "Apache Elementary School",
        "multipurpose room",
        "Neighborhood association meeting (community school)",
        ["2026-10-22"],
        ("18:30", "20:30"),
        "2026-10-16",
        community=True,
    ),
    _req(
        "AC11-2026-5006",
        "ORG-S05",
        "Eldorado High School",
        "track",
        "Fall 5K fun run",
        ["2026-11-07"],
        ("07:00", "11:00"),
        "2026-10-01",
    ),
    _req(
        "AC11-2026-5007",
        "ORG-S06",
        "Grant Middle School",
        "cafeteria and kitchen",
        "Holiday meal distribution",
        ["2026-12-12", "2026-12-19"],
        ("10:00", "14:00"),
        "2026-10-08",
        kitchen=["2026-12-12", "2026-12-19"],
    ),
    _req(
        "AC11-2026-5008",
        "ORG-S06",
        "Grant Middle School",
        "gymnasium",
        "Winter coat giveaway",
        ["2026-11-28"],
        ("09:00", "12:00"),
        "2026-10-08",
    ),
]

# EIN|NAME|ICO|STREET|CITY|ST|ZIP|COUNTRY|SUBSECTION|EXEMPTION DATE|REVOCATION DATE|REINSTATEMENT DATE
REVOCATIONS = [
    "862231947|CIBOLA PEAK YOUTH ROBOTICS INC||8812 CANDELARIA RD NE|ALBUQUERQUE|NM|87112|US|03|"
    "14-MAR-2016|15-MAY-2021|02-SEP-2022",
    "854412093|TIJERAS CANYON QUILTERS GUILD||140 ZAMORA LN SE|ALBUQUERQUE|NM|87123|US|03|09-JUN-2017|15-NOV-2024|",
    "879904512|MONTEZUMA RIDGE BOOSTERS||38 PINO CT|GALLUP|NM|87301|US|03|12-APR-2011|15-MAY-2019|",
]


# ----------------------------------------------------------------------------------------------- drawing
def us(d: date) -> str:
    return d.strftime("%m/%d/%Y")


def long_date(d: date) -> str:
    return f"{d.strftime('%B')} {d.day}, {d.year}"


def wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def top(y: float) -> float:
    """Page coordinates measured from the top edge, as forms are designed."""
    return H - y


def text(c: Canvas, x: float, y: float, s: str, font: str = "Helvetica", size: float = 9) -> None:
    c.setFont(font, size)
    c.drawString(x, top(y), s)


def label(c: Canvas, x: float, y: float, s: str, size: float = 6) -> None:
    text(c, x, y, s, "Helvetica-Bold", size)


def box(c: Canvas, x0: float, y0: float, x1: float, y1: float, width: float = 0.6) -> None:
    c.setLineWidth(width)
    c.rect(x0, top(y1), x1 - x0, y1 - y0)


def hline(c: Canvas, x0: float, x1: float, y: float, width: float = 0.5) -> None:
    c.setLineWidth(width)
    c.line(x0, top(y), x1, top(y))


def vline(c: Canvas, x: float, y0: float, y1: float, width: float = 0.5) -> None:
    c.setLineWidth(width)
    c.line(x, top(y0), x, top(y1))


def checkbox(c: Canvas, x: float, y: float, checked: bool, caption: str) -> None:
    """A small square, crossed when ticked, with its caption to the right (y = baseline of the caption)."""
    c.setLineWidth(0.6)
    c.rect(x, top(y) - 1, 7, 7)
    if checked:
        c.setFont("Helvetica-Bold", 8)
        c.drawString(x + 1, top(y), "X")
    label(c, x + 10, y, caption, 6.5)


def limit_label(c: Canvas, y: float, name: str) -> None:
    """A limit's caption in the narrow LIMITS column, on two lines when it does not fit on one."""
    if c.stringWidth(name, "Helvetica-Bold", 5.4) <= 76:
        label(c, 455, y, name, 5.4)
        return
    words = name.split()
    for cut in range(len(words) - 1, 0, -1):
        if c.stringWidth(" ".join(words[:cut]), "Helvetica-Bold", 5.4) <= 76:
            break
    label(c, 455, y - 3.5, " ".join(words[:cut]), 5.4)
    label(c, 455, y + 2.5, " ".join(words[cut:]), 5.4)


@dataclass
class Coi:
    """What one certificate of insurance prints."""

    insured: list[str]
    insurer: str
    naic: str
    rating: str
    policy: str
    eff: date
    exp: date
    each: int
    agg: int
    description: str
    issued: date
    cert_no: str
    producer: list[str]
    contact: tuple[str, str, str]
    trigger: str = "occurrence"
    addl_insd: bool = True
    rating_in_insurer_box: bool = False
    umbrella: tuple[str, date, date, int] | None = None
    holder: list[str] = field(default_factory=lambda: list(APS_HOLDER))
    signer: str = "Authorized Agent"

    def fields(self, aps_ai: bool) -> dict[str, Any]:
        return {
            "insured_name": self.insured[0],
            "insured_address": ", ".join(self.insured[1:]),
            "insurer_name": self.insurer,
            "am_best_rating": self.rating,
            "gl_policy_number": self.policy,
            "gl_effective": self.eff.isoformat(),
            "gl_expiration": self.exp.isoformat(),
            "gl_each_occurrence": self.each,
            "gl_aggregate": self.agg,
            "coverage_trigger": self.trigger,
            "umbrella_each_occurrence": self.umbrella[3] if self.umbrella else None,
            "umbrella_effective": self.umbrella[1].isoformat() if self.umbrella else None,
            "umbrella_expiration": self.umbrella[2].isoformat() if self.umbrella else None,
            "additional_insured_aps": aps_ai,
            "certificate_holder": self.holder[0],
            "description": self.description,
            "issue_date": self.issued.isoformat(),
        }


def draw_coi(c: Canvas, k: Coi) -> None:
    """An ACORD-25-style certificate: header, producer/insurer block, coverage grid, remarks, holder."""
    L, R = 28, 584
    text(c, 150, 44, "CERTIFICATE OF LIABILITY INSURANCE", "Helvetica-Bold", 15)
    box(c, 488, 26, R, 50)
    label(c, 494, 34, "DATE (MM/DD/YYYY)")
    text(c, 505, 46, us(k.issued), "Helvetica", 9)
    disclaimer = (
        "THIS CERTIFICATE IS ISSUED AS A MATTER OF INFORMATION ONLY AND CONFERS NO RIGHTS UPON THE CERTIFICATE "
        "HOLDER. THIS CERTIFICATE DOES NOT AFFIRMATIVELY OR NEGATIVELY AMEND, EXTEND OR ALTER THE COVERAGE AFFORDED "
        "BY THE POLICIES BELOW. THIS CERTIFICATE OF INSURANCE DOES NOT CONSTITUTE A CONTRACT BETWEEN THE ISSUING "
        "INSURER(S), AUTHORIZED REPRESENTATIVE OR PRODUCER, AND THE CERTIFICATE HOLDER."
    )
    box(c, L, 56, R, 92)
    for i, line in enumerate(wrap(disclaimer, 150)):
        text(c, L + 4, 64 + i * 7.5, line, "Helvetica", 5.6)
    # producer / contact / insurers / insured
    box(c, L, 92, R, 222)
    vline(c, 306, 92, 222)
    label(c, L + 4, 100, "PRODUCER")
    for i, line in enumerate(k.producer):
        text(c, L + 10, 112 + i * 11, line)
    label(c, 310, 100, "CONTACT")
    label(c, 310, 107, "NAME:")
    text(c, 345, 106, k.contact[0], size=8)
    hline(c, 306, R, 111)
    label(c, 310, 119, "PHONE (A/C, No, Ext):")
    text(c, 385, 119, k.contact[1], size=8)
    label(c, 480, 119, "FAX (A/C, No):")
    hline(c, 306, R, 123)
    label(c, 310, 131, "E-MAIL ADDRESS:")
    text(c, 370, 131, k.contact[2], size=8)
    hline(c, 306, R, 135)
    label(c, 380, 143, "INSURER(S) AFFORDING COVERAGE")
    label(c, 545, 143, "NAIC #")
    hline(c, 306, R, 147)
    vline(c, 538, 135, 222)
    insurer = f"{k.insurer} (A.M. Best {k.rating})" if k.rating_in_insurer_box else k.insurer
    label(c, 310, 156, "INSURER A :")
    text(c, 352, 156, insurer, size=7.5 if k.rating_in_insurer_box else 8)
    text(c, 545, 156, k.naic, size=8)
    for i, letter_ in enumerate("BCDEF"):
        hline(c, 306, R, 160 + i * 12.4, 0.3)
        label(c, 310, 168 + i * 12.4, f"INSURER {letter_} :")
    hline(c, L, 306, 150)
    label(c, L + 4, 158, "INSURED")
    size = 9.0
    while max(c.stringWidth(line, "Helvetica", size) for line in k.insured) > 262 and size > 6.5:
        size -= 0.5  # a long insured name is printed smaller rather than run into the insurers column
    for i, line in enumerate(k.insured):
        text(c, L + 12, 170 + i * 11, line, size=size)
    # coverages
    box(c, L, 222, R, 250)
    label(c, L + 4, 231, "COVERAGES", 7.5)
    label(c, 150, 231, "CERTIFICATE NUMBER:", 6.5)
    text(c, 228, 231, k.cert_no, size=7.5)
    label(c, 420, 231, "REVISION NUMBER:", 6.5)
    note = (
        "THIS IS TO CERTIFY THAT THE POLICIES OF INSURANCE LISTED BELOW HAVE BEEN ISSUED TO THE INSURED NAMED ABOVE "
        "FOR THE POLICY PERIOD INDICATED, NOTWITHSTANDING ANY REQUIREMENT, TERM OR CONDITION OF ANY CONTRACT."
    )
    for i, line in enumerate(wrap(note, 150)):
        text(c, L + 4, 239 + i * 7, line, "Helvetica", 5.6)
    cols = [L, 50, 196, 222, 248, 340, 396, 452, R]
    box(c, L, 250, R, 270)
    for x in cols[1:-1]:
        vline(c, x, 250, 560)
    for x, y, s in (
        (31, 258, "INSR"),
        (31, 265, "LTR"),
        (85, 262, "TYPE OF INSURANCE"),
        (200, 258, "ADDL"),
        (200, 265, "INSD"),
        (225, 258, "SUBR"),
        (225, 265, "WVD"),
        (268, 262, "POLICY NUMBER"),
        (350, 258, "POLICY EFF"),
        (346, 265, "(MM/DD/YYYY)"),
        (406, 258, "POLICY EXP"),
        (402, 265, "(MM/DD/YYYY)"),
        (505, 262, "LIMITS"),
    ):
        label(c, x, y, s)
    # general liability row
    box(c, L, 270, R, 360)
    text(c, 36, 282, "A", "Helvetica", 9)
    checkbox(c, 54, 282, True, "COMMERCIAL GENERAL LIABILITY")
    checkbox(c, 64, 296, k.trigger == "claims_made", "CLAIMS-MADE")
    checkbox(c, 130, 296, k.trigger == "occurrence", "OCCUR")
    label(c, 54, 322, "GEN'L AGGREGATE LIMIT APPLIES PER:")
    checkbox(c, 56, 334, True, "POLICY")
    checkbox(c, 100, 334, False, "PRO-JECT")
    checkbox(c, 150, 334, False, "LOC")
    if k.addl_insd:
        text(c, 206, 282, "X", "Helvetica-Bold", 9)
    text(c, 252, 282, k.policy, size=8.5)
    text(c, 345, 282, us(k.eff), size=8.5)
    text(c, 401, 282, us(k.exp), size=8.5)
    gl_limits = [
        ("EACH OCCURRENCE", k.each),
        ("DAMAGE TO RENTED PREMISES (Ea occurrence)", 100_000),
        ("MED EXP (Any one person)", 5_000),
        ("PERSONAL & ADV INJURY", k.each),
        ("GENERAL AGGREGATE", k.agg),
        ("PRODUCTS - COMP/OP AGG", k.agg),
    ]
    for i, (name, amount) in enumerate(gl_limits):
        y = 270 + (i + 1) * 15
        limit_label(c, y - 4, name)
        text(c, 536, y - 4, f"$ {amount:,}", size=7.5)
        if i < 5:
            hline(c, 452, R, y, 0.3)
    vline(c, 532, 270, 560, 0.3)
    # automobile row
    box(c, L, 360, R, 420)
    label(c, 54, 370, "AUTOMOBILE LIABILITY")
    for i, (x, cap) in enumerate(((56, "ANY AUTO"), (56, "OWNED AUTOS ONLY"), (56, "HIRED AUTOS ONLY"))):
        checkbox(c, x, 383 + i * 12, False, cap)
    for i, name in enumerate(
        (
            "COMBINED SINGLE LIMIT (Ea accident)",
            "BODILY INJURY (Per person)",
            "BODILY INJURY (Per accident)",
            "PROPERTY DAMAGE (Per accident)",
        )
    ):
        limit_label(c, 370 + i * 15, name)
        text(c, 536, 370 + i * 15, "$", size=7.5)
    # umbrella row
    box(c, L, 420, R, 460)
    checkbox(c, 54, 431, k.umbrella is not None, "UMBRELLA LIAB")
    checkbox(c, 130, 431, k.umbrella is not None, "OCCUR")
    checkbox(c, 54, 445, False, "EXCESS LIAB")
    checkbox(c, 130, 445, False, "CLAIMS-MADE")
    limit_label(c, 431, "EACH OCCURRENCE")
    limit_label(c, 449, "AGGREGATE")
    text(c, 536, 431, f"$ {k.umbrella[3]:,}" if k.umbrella else "$", size=7.5)
    text(c, 536, 449, f"$ {k.umbrella[3]:,}" if k.umbrella else "$", size=7.5)
    if k.umbrella:
        text(c, 36, 431, "A", "Helvetica", 9)
        text(c, 252, 431, k.umbrella[0], size=8.5)
        text(c, 345, 431, us(k.umbrella[1]), size=8.5)
        text(c, 401, 431, us(k.umbrella[2]), size=8.5)
    # workers compensation row
    box(c, L, 460, R, 560)
    label(c, 54, 470, "WORKERS COMPENSATION")
    label(c, 54, 478, "AND EMPLOYERS' LIABILITY")
    label(c, 54, 490, "ANY PROPRIETOR/PARTNER/EXECUTIVE", 5.4)
    label(c, 54, 497, "OFFICER/MEMBER EXCLUDED?", 5.4)
    label(c, 180, 497, "N / A", 6)
    for i, name in enumerate(
        ("PER STATUTE", "E.L. EACH ACCIDENT", "E.L. DISEASE - EA EMPLOYEE", "E.L. DISEASE - POLICY LIMIT")
    ):
        limit_label(c, 470 + i * 15, name)
    # description of operations
    box(c, L, 560, R, 650)
    label(
        c,
        L + 4,
        568,
        "DESCRIPTION OF OPERATIONS / LOCATIONS / VEHICLES  (ACORD 101, Additional Remarks Schedule, "
        "may be attached if more space is required)",
        5.8,
    )
    for i, line in enumerate(wrap(k.description, 112)):
        text(c, L + 6, 582 + i * 11, line, size=8.5)
    # certificate holder / cancellation
    box(c, L, 650, R, 740)
    vline(c, 306, 650, 740)
    label(c, L + 4, 659, "CERTIFICATE HOLDER", 7)
    for i, line in enumerate(k.holder):
        text(c, L + 40, 676 + i * 11, line)
    label(c, 310, 659, "CANCELLATION", 7)
    cancel = (
        "SHOULD ANY OF THE ABOVE DESCRIBED POLICIES BE CANCELLED BEFORE THE EXPIRATION DATE THEREOF, NOTICE WILL "
        "BE DELIVERED IN ACCORDANCE WITH THE POLICY PROVISIONS."
    )
    for i, line in enumerate(wrap(cancel, 70)):
        text(c, 312, 670 + i * 7.5, line, "Helvetica", 5.8)
    hline(c, 306, R, 700, 0.3)
    label(c, 310, 708, "AUTHORIZED REPRESENTATIVE")
    text(c, 330, 728, k.signer, "Times-Italic", 13)
    text(c, L, 752, "ACORD 25 (2016/03)", "Helvetica-Bold", 7)
    text(c, 230, 752, "The ACORD name and logo are registered marks of ACORD", "Helvetica", 6)


def draw_endorsement(c: Canvas, policy: str, insured: str, named: str) -> None:
    """An additional-insured endorsement page in the style of the ISO CG 20 26 form."""
    text(c, 50, 50, f"POLICY NUMBER: {policy}", size=9)
    text(c, 400, 50, "COMMERCIAL GENERAL LIABILITY", "Helvetica-Bold", 9)
    text(c, 460, 62, "CG 20 26 12 19", size=9)
    text(c, 120, 92, "THIS ENDORSEMENT CHANGES THE POLICY. PLEASE READ IT CAREFULLY.", "Helvetica-Bold", 10)
    text(c, 130, 120, "ADDITIONAL INSURED - DESIGNATED", "Helvetica-Bold", 14)
    text(c, 175, 138, "PERSON OR ORGANIZATION", "Helvetica-Bold", 14)
    text(c, 50, 166, "This endorsement modifies insurance provided under the following:", size=10)
    text(c, 110, 182, "COMMERCIAL GENERAL LIABILITY COVERAGE PART", size=10)
    text(c, 280, 214, "SCHEDULE", "Helvetica-Bold", 11)
    box(c, 50, 222, 562, 320)
    text(c, 58, 238, "Named Insured:", "Helvetica-Bold", 10)
    text(c, 150, 238, insured, size=10)
    text(c, 58, 258, "Name Of Additional Insured Person(s) Or Organization(s):", "Helvetica-Bold", 10)
    text(c, 58, 276, named, size=10)
    text(
        c,
        58,
        304,
        "Information required to complete this Schedule, if not shown above, will be shown in the Declarations.",
        size=8,
    )
    body = (
        "A. Section II - Who Is An Insured is amended to include as an additional insured the person(s) or "
        'organization(s) shown in the Schedule, but only with respect to liability for "bodily injury", '
        '"property damage" or "personal and advertising injury" caused, in whole or in part, by your acts or '
        "omissions or the acts or omissions of those acting on your behalf in the performance of your ongoing "
        "operations or in connection with your premises owned by or rented to you. "
        "B. With respect to the insurance afforded to these additional insureds, the most we will pay on behalf of "
        "the additional insured is the amount of insurance required by the contract or agreement, or available "
        "under the applicable Limits of Insurance shown in the Declarations, whichever is less."
    )
    for i, line in enumerate(wrap(body, 100)):
        text(c, 50, 346 + i * 14, line, size=9.5)
    text(c, 50, 750, "CG 20 26 12 19", size=8)
    text(c, 250, 750, "Includes copyrighted material, used with permission.", size=7)
    text(c, 520, 750, "Page 1 of 1", size=8)


@dataclass
class IrsLetter:
    name: str
    address: list[str]
    ein: str
    dated: date
    effective: date
    dln: str
    contact_id: str


def draw_irs_letter(c: Canvas, k: IrsLetter) -> None:
    """A favorable determination letter (Letter 947 layout): header block, facts column, body."""
    c.setLineWidth(1.2)
    c.circle(72, top(62), 20)
    text(c, 61, 66, "IRS", "Helvetica-Bold", 10)
    text(c, 100, 52, "Department of the Treasury", "Helvetica-Bold", 9)
    text(c, 100, 64, "Internal Revenue Service", "Helvetica-Bold", 9)
    text(c, 100, 76, "Tax Exempt and Government Entities", size=8.5)
    text(c, 100, 100, "P.O. Box 2508", size=9.5)
    text(c, 100, 112, "Cincinnati, OH 45201", size=9.5)
    text(c, 100, 160, k.name.upper(), size=9.5)
    for i, line in enumerate(k.address):
        text(c, 100, 172 + i * 12, line.upper(), size=9.5)
    facts = [
        ("Date:", long_date(k.dated)),
        ("Employer ID number:", k.ein),
        ("Person to contact:", ""),
        ("   Name:", "Customer Service"),
        ("   ID number:", k.contact_id),
        ("   Telephone:", "877-829-5500"),
        ("Accounting period ending:", "December 31"),
        ("Public charity status:", "170(b)(1)(A)(vi)"),
        ("Form 990 / 990-EZ / 990-N required:", "Yes"),
        ("Effective date of exemption:", long_date(k.effective)),
        ("Contribution deductibility:", "Yes"),
        ("Addendum applies:", "No"),
        ("DLN:", k.dln),
    ]
    for i, (lab, val) in enumerate(facts):
        text(c, 360, 100 + i * 12, lab, size=8.5)
        text(c, 360 + 6 + c.stringWidth(lab, "Helvetica", 8.5), 100 + i * 12, val, size=8.5)
    text(c, 100, 280, "Dear Applicant:", size=10)
    paras = [
        "We're pleased to tell you we determined you're exempt from federal income tax under Internal Revenue Code "
        "(IRC) Section 501(c)(3). Donors can deduct contributions they make to you under IRC Section 170. You're also "
        "qualified to receive tax deductible bequests, devises, transfers or gifts under Section 2055, 2106, or 2522. "
        "This letter could help resolve questions on your exempt status. Please keep it for your records.",
        "Organizations exempt under IRC Section 501(c)(3) are further classified as either public charities or "
        "private foundations. We determined you're a public charity under the IRC Section listed at the top of this "
        "letter.",
        "If we indicated at the top of this letter that you're required to file Form 990/990-EZ/990-N, our records "
        "show you're required to file an annual information return (Form 990 or Form 990-EZ) or electronic notice "
        "(Form 990-N, the e-Postcard). If you don't file a required return or notice for three consecutive years, "
        "your exempt status will be automatically revoked.",
        "For more information about your responsibilities as an exempt organization, go to www.irs.gov/charities.",
    ]
    y = 302
    for p in paras:
        for line in wrap(p, 96):
            text(c, 100, y, line, size=9.5)
            y += 13
        y += 8
    text(c, 100, y + 10, "Sincerely,", size=10)
    text(c, 100, y + 36, "Director, Exempt Organizations", size=10)
    text(c, 100, y + 48, "Rulings and Agreements", size=10)
    text(c, 100, 750, "Letter 947 (Rev. 2-2020)", size=8)
    text(c, 100, 760, "Catalog Number 35152P", size=8)


def draw_business_license(
    c: Canvas, name: str, dba: str, location: str, number: str, issued: date, expires: date
) -> None:
    """A City of Albuquerque business registration certificate, framed for posting."""
    c.setLineWidth(3)
    c.rect(36, 170, W - 72, H - 220)
    c.setLineWidth(0.8)
    c.rect(42, 176, W - 84, H - 232)
    c.setFont("Helvetica-Bold", 20)
    c.drawCentredString(W / 2, top(95), "CITY OF ALBUQUERQUE")
    c.setFont("Helvetica", 11)
    c.drawCentredString(W / 2, top(113), "Department of Finance and Administrative Services - Treasury Division")
    c.setFont("Helvetica-Bold", 16)
    c.drawCentredString(W / 2, top(150), "BUSINESS REGISTRATION CERTIFICATE")
    c.setFont("Helvetica", 9)
    c.drawCentredString(
        W / 2, top(166), "This certificate must be posted in a conspicuous place at the business location"
    )
    rows = [
        ("Business Name:", name),
        ("Doing Business As:", dba),
        ("Business Location:", location),
        ("License Number:", number),
        ("Business Type:", "Recreational instruction (NAICS 611620)"),
        ("Issue Date:", us(issued)),
        ("Expiration Date:", us(expires)),
    ]
    for i, (lab, val) in enumerate(rows):
        y = 215 + i * 30
        text(c, 90, y, lab, "Helvetica-Bold", 11)
        text(c, 230, y, val, "Helvetica", 11)
        hline(c, 226, 530, y + 4, 0.4)
    notes = (
        "Registration with the City of Albuquerque does not constitute approval of zoning, building, fire or "
        "health requirements. This certificate is not transferable and is valid only for the business and "
        "location named above."
    )
    for i, line in enumerate(wrap(notes, 100)):
        text(c, 90, 450 + i * 12, line, size=8.5)
    text(c, 90, 540, "City Treasurer", "Times-Italic", 14)
    hline(c, 90, 260, 546)
    text(c, 90, 556, "Issued by the City of Albuquerque", size=8)


def draw_health_permit(
    c: Canvas, permittee: str, number: str, event: str, location: str, start: date, end: date, issued: date
) -> None:
    """A Bernalillo County temporary food establishment permit."""
    c.setFillGray(0.15)
    c.rect(36, top(96), W - 72, 60, fill=1, stroke=0)
    c.setFillGray(1)
    c.setFont("Helvetica-Bold", 18)
    c.drawCentredString(W / 2, top(64), "BERNALILLO COUNTY")
    c.setFont("Helvetica", 11)
    c.drawCentredString(W / 2, top(84), "Office of Environmental Health - Food Safety Program")
    c.setFillGray(0)
    c.setFont("Helvetica-Bold", 15)
    c.drawCentredString(W / 2, top(130), "TEMPORARY FOOD ESTABLISHMENT PERMIT")
    c.setFont("Helvetica", 9)
    c.drawCentredString(
        W / 2, top(146), "Issued under the Bernalillo County Food Service and Food Processing Ordinance"
    )
    text(c, 380, 176, "Permit No.", "Helvetica-Bold", 10)
    text(c, 444, 176, number, "Courier-Bold", 11)
    rows = [
        ("Permittee", permittee),
        ("Event Name", event),
        ("Event Location", location),
        ("Valid From", us(start)),
        ("Valid Through", us(end)),
        ("Date Issued", us(issued)),
    ]
    box(c, 60, 192, 552, 192 + 26 * len(rows))
    for i, (lab, val) in enumerate(rows):
        y = 192 + i * 26
        if i:
            hline(c, 60, 552, y)
        text(c, 68, y + 17, lab, "Helvetica-Bold", 10)
        text(c, 190, y + 17, val, "Courier", 11)
    vline(c, 182, 192, 192 + 26 * len(rows))
    conditions = [
        "CONDITIONS: This permit is valid only for the event, location and dates shown above.",
        "Potentially hazardous foods must be held at 41 F or below or 135 F or above.",
        "A handwashing station with warm water, soap and paper towels must be set up before food is handled.",
        "This permit must be displayed where the public can see it and is not transferable.",
    ]
    for i, line in enumerate(conditions):
        text(c, 60, 380 + i * 14, line, size=8.5)
    text(c, 60, 470, "Environmental Health Specialist", "Helvetica", 9)
    text(c, 60, 456, "R. Quintanilla, REHS", "Times-Italic", 13)
    hline(c, 60, 240, 460)


@dataclass
class Clearance:
    person: str
    org: str
    status: str  # "cleared" | "pending"
    letter_date: date
    cleared: date | None = None
    expires: date | None = None
    ref: str = ""


def draw_clearance(c: Canvas, k: Clearance) -> None:
    """An APS Human Resources letter reporting a fingerprint background check."""
    text(c, 60, 60, "Albuquerque Public Schools", "Times-Bold", 18)
    text(c, 60, 76, "Human Resources - Background Check Office", "Times-Roman", 11)
    hline(c, 60, 552, 86, 1.2)
    text(c, 60, 120, long_date(k.letter_date), "Times-Roman", 11)
    text(c, 60, 150, "RE: Fingerprint Background Check - Community Partner / Volunteer", "Times-Bold", 11)
    rows = [
        ("Name:", k.person),
        ("Organization:", k.org),
        ("Reference No.:", k.ref),
        ("Status:", "CLEARED" if k.status == "cleared" else "PENDING"),
    ]
    if k.status == "cleared" and k.cleared and k.expires:
        rows += [("Clearance Date:", us(k.cleared)), ("Clearance Expires:", us(k.expires))]
    for i, (lab, val) in enumerate(rows):
        text(c, 80, 184 + i * 18, lab, "Times-Bold", 11)
        text(c, 200, 184 + i * 18, val, "Times-Roman", 11)
    if k.status == "cleared":
        body = (
            "The person named above has completed the APS fingerprint background check and is cleared to work "
            "or volunteer with APS students at school sites, for the activities of the organization named "
            "above, until the expiration date shown. A new check is required after that date."
        )
    else:
        body = (
            "Fingerprints for the person named above were received, but the results from the New Mexico "
            "Department of Public Safety and the FBI have not been returned. The person may not work or "
            "volunteer with APS students until a clearance letter is issued."
        )
    y = 184 + len(rows) * 18 + 24
    for line in wrap(body, 90):
        text(c, 60, y, line, "Times-Roman", 11)
        y += 15
    text(c, 60, y + 30, "Background Check Office", "Times-Roman", 11)
    text(c, 60, y + 44, "Albuquerque Public Schools Human Resources", "Times-Roman", 11)


def draw_fax_cover(c: Canvas, sender: str, phone: str, pages: int, sent: date, note: str) -> None:
    text(c, 60, 90, "FAX", "Helvetica-Bold", 44)
    text(c, 60, 112, "TRANSMITTAL", "Helvetica", 14)
    rows = [
        ("TO:", "APS Facility Use Office"),
        ("FAX:", "(505) 555-0147"),
        ("FROM:", sender),
        ("PHONE:", phone),
        ("DATE:", us(sent)),
        ("PAGES:", f"{pages} (including cover)"),
        ("RE:", note),
    ]
    for i, (lab, val) in enumerate(rows):
        text(c, 60, 170 + i * 26, lab, "Helvetica-Bold", 12)
        text(c, 140, 170 + i * 26, val, "Helvetica", 12)
        hline(c, 136, 540, 174 + i * 26, 0.4)
    text(c, 60, 400, "CONFIDENTIALITY NOTICE: The documents accompanying this transmission may contain", size=8)
    text(c, 60, 410, "confidential information intended only for the recipient named above.", size=8)


# ----------------------------------------------------------------------------------------------- rendering
def pdf_bytes(*pages: Draw) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=letter, invariant=1)
    c.setTitle("")
    for draw in pages:
        draw(c)
        c.showPage()
    c.save()
    return buf.getvalue()


def render(data: bytes, dpi: int, gray: bool = True) -> list[Image.Image]:
    doc = pdfium.PdfDocument(data)
    try:
        out = []
        for page in doc:
            im = page.render(scale=dpi / 72, grayscale=gray).to_pil()
            out.append(im.convert("L" if gray else "RGB"))
        return out
    finally:
        doc.close()


def scanned(im: Image.Image, rng: np.random.Generator, tilt: float, speckles: int = 900) -> Image.Image:
    """A printed-and-scanned look: faint toner noise, dust specks, slight blur, a small tilt."""
    a = np.asarray(im, dtype=np.int16)
    a = a - (rng.random(a.shape) < 0.004) * 90  # sparse toner noise on the page
    ys, xs = rng.integers(0, a.shape[0], speckles), rng.integers(0, a.shape[1], speckles)
    a[ys, xs] = rng.integers(0, 110, speckles)
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L").filter(ImageFilter.GaussianBlur(0.5))
    return out.rotate(tilt, resample=Image.Resampling.BILINEAR, fillcolor=250)


def save_image_pdf(images: list[Image.Image], dest: Path, dpi: int) -> None:
    """An image-only PDF, as a scanner writes it (no text layer)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    first, rest = images[0], images[1:]
    first.save(
        dest,
        "PDF",
        resolution=float(dpi),
        save_all=True,
        append_images=rest,
        quality=70,
        title="",
        creationDate=FIXED_TIME,
        modDate=FIXED_TIME,
    )


def photo(im: Image.Image, rng: np.random.Generator, tilt: float) -> Image.Image:
    """A phone photo of a page lying on a desk: uneven light, warm tint, page edges, tilt, sensor noise."""
    page = im.convert("RGB")
    pw, ph = page.size
    canvas = Image.new("RGB", (pw + 160, ph + 200), (92, 74, 58))
    canvas.paste(page, (80, 90))
    canvas = canvas.rotate(tilt, resample=Image.Resampling.BILINEAR, fillcolor=(92, 74, 58))
    a = np.asarray(canvas, dtype=np.float32)
    h, w = a.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    light = 1.0 - 0.22 * (((xx / w) - 0.35) ** 2 + ((yy / h) - 0.3) ** 2)
    a = a * light[..., None] * np.array([1.0, 0.97, 0.9], dtype=np.float32)
    a += rng.normal(0, 4, a.shape)
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")
    return out.filter(ImageFilter.GaussianBlur(0.6))


def fax_frames(data: bytes, rng: np.random.Generator) -> list[Image.Image]:
    """Fax pages: 204 x 196 dpi, thresholded to black and white, with a few line dropouts."""
    frames = []
    for im in render(data, 204):
        im = im.resize((im.width, round(im.height * 196 / 204)), Image.Resampling.BILINEAR)
        a = np.asarray(im).copy()
        for y in rng.integers(0, a.shape[0], 6):
            a[y, :] = np.maximum(a[y, :], 200)
        bw = Image.fromarray(a, "L").point(lambda v: 255 if v > 160 else 0).convert("1")
        frames.append(bw)
    return frames


# ----------------------------------------------------------------------------------------------- the corpus
PRODUCER_1 = ["Mesa Ridge Insurance Agency", "4420 Montgomery Blvd NE Ste 210", "Albuquerque, NM 87109"]
PRODUCER_2 = ["Turquoise Sky Risk Partners LLC", "88 Camino Entrada", "Santa Fe, NM 87507"]


def _org(org_id: str) -> dict[str, Any]:
    return next(o for o in ORGS if o["org_id"] == org_id)


def _addr(org_id: str) -> list[str]:
    street, city, rest = (p.strip() for p in _org(org_id)["address"].split(",", 2))
    return [street, f"{city}, {rest}"]


@dataclass
class Builder:
    """Writes files into the inbox and keeps the truth about each one."""

    root: Path
    rng: np.random.Generator
    documents: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)

    def path(self, rel: str) -> Path:
        p = self.root / "inbox" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def doc(
        self,
        rel: str,
        pages: list[int],
        doc_type: str | None,
        org_id: str | None,
        fields: dict[str, Any],
        status: str = "processed",
        reason: str | None = None,
        **extra: Any,
    ) -> None:
        self.documents.append(
            {
                "path": f"inbox/{rel}",
                "status": status,
                "doc_type": doc_type,
                "org_id": org_id,
                "pages": pages,
                "fields": fields,
                "reason": reason,
                **extra,
            }
        )

    def file(self, rel: str, mode: str) -> None:
        p = self.path(rel)
        data = p.read_bytes()
        self.files.append(
            {"path": f"inbox/{rel}", "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "mode": mode}
        )


def _build_inbox(b: Builder) -> None:
    rng = b.rng
    robotics, quilters, karate, neighbors, runners, pantry = (o["name"] for o in ORGS)

    # 1. robotics club: born-digital certificate + additional-insured endorsement page (compliant)
    coi1 = Coi(
        insured=[robotics, *_addr("ORG-S01")],
        insurer="Sangre de Cristo Mutual Insurance Company",
        naic="31877",
        rating="A XII",
        policy="SCM-GL-4471208",
        eff=date(2026, 8, 15),
        exp=date(2027, 8, 15),
        each=1_000_000,
        agg=2_000_000,
        issued=date(2026, 9, 28),
        cert_no="CPR-26-0193",
        producer=PRODUCER_1,
        contact=("Dolores Vigil", "(505) 555-0182", "certs@mesaridge.example.com"),
        description="Robotics build nights at Hoover Middle School science lab, 11/05/2026 and 11/12/2026; "
        "robotics scrimmage at Madison Middle School cafeteria 12/05/2026. Additional insured status per "
        "attached endorsement CG 20 26. Insurer rated A XII by A.M. Best.",
        signer="D. Vigil",
    )
    rel = "ORG-S01/COI_CibolaPeakRobotics_2026.pdf"
    b.path(rel).write_bytes(
        pdf_bytes(
            lambda c: draw_coi(c, coi1),
            lambda c: draw_endorsement(
                c, coi1.policy, robotics, "Albuquerque Public Schools, its board, employees and volunteers"
            ),
        )
    )
    b.file(rel, "text_pdf")
    b.doc(rel, [1, 2], "coi", "ORG-S01", coi1.fields(True))

    # 2. robotics club: determination letter, scanned (EIN reinstated after a revocation)
    irs1 = IrsLetter(
        robotics, _addr("ORG-S01"), "86-2231947", date(2016, 6, 3), date(2016, 3, 14), "17053162327016", "31954"
    )
    rel = "scan_0107.pdf"
    save_image_pdf([scanned(render(pdf_bytes(lambda c: draw_irs_letter(c, irs1)), 200)[0], rng, 1.3)], b.path(rel), 200)
    b.file(rel, "scan_pdf")
    b.doc(
        rel,
        [1],
        "nonprofit_letter",
        "ORG-S01",
        {"org_name": robotics, "ein": "86-2231947", "subsection": "501(c)(3)", "letter_date": "2016-06-03"},
    )

    # 3. robotics club: clearance letters — born-digital (Archuleta), fax with cover (Begay cleared, Tsosie pending)
    arch = Clearance(
        "Lorenzo P. Archuleta",
        robotics,
        "cleared",
        date(2026, 8, 20),
        date(2026, 8, 18),
        date(2028, 8, 18),
        "BGC-26-11873",
    )
    rel = "AC11-2026-5001/Archuleta clearance.pdf"
    b.path(rel).write_bytes(pdf_bytes(lambda c: draw_clearance(c, arch)))
    b.file(rel, "text_pdf")
    b.doc(rel, [1], "background_check", "ORG-S01", _bg_fields(arch))
    begay = Clearance(
        "Begay, Hannah", robotics, "cleared", date(2026, 9, 2), date(2026, 9, 1), date(2028, 9, 1), "BGC-26-12240"
    )
    tsosie = Clearance("Wendell Tsosie", robotics, "pending", date(2026, 10, 6), ref="BGC-26-13517")
    fax = pdf_bytes(
        lambda c: draw_fax_cover(
            c, "Cibola Peak Youth Robotics", "(505) 555-0164", 3, date(2026, 10, 9), "Background checks for our mentors"
        ),
        lambda c: draw_clearance(c, begay),
        lambda c: draw_clearance(c, tsosie),
    )
    rel = "FAX_1009_1442.tif"
    frames = fax_frames(fax, rng)
    frames[0].save(b.path(rel), save_all=True, append_images=frames[1:], compression="group4", dpi=(204, 196))
    b.file(rel, "tiff_fax")
    b.doc(rel, [1], None, None, {}, status="unclassified", reason="fax cover sheet")
    b.doc(rel, [2], "background_check", "ORG-S01", _bg_fields(begay))
    b.doc(rel, [3], "background_check", "ORG-S01", _bg_fields(tsosie))

    # 4. quilters guild: certificate with no additional-insured statement (ADDL INSD box left empty)
    coi2 = Coi(
        insured=[quilters.upper(), *(s.upper() for s in _addr("ORG-S02"))],
        insurer="Llano Estacado Casualty Company",
        naic="24418",
        rating="A- VIII",
        policy="LEC 2290417-03",
        eff=date(2026, 5, 1),
        exp=date(2027, 5, 1),
        each=1_000_000,
        agg=2_000_000,
        issued=date(2026, 10, 2),
        cert_no="2026-7781",
        producer=PRODUCER_2,
        contact=("Service Center", "(505) 555-0119", "service@turquoisesky.example.com"),
        description="Community quilt show, Sandia High School library, November 14, 2026.",
        addl_insd=False,
        rating_in_insurer_box=True,
        signer="M. Ortega-Baca",
    )
    rel = "ORG-S02/Quilters Guild insurance.pdf"
    b.path(rel).write_bytes(pdf_bytes(lambda c: draw_coi(c, coi2)))
    b.file(rel, "text_pdf")
    b.doc(rel, [1], "coi", "ORG-S02", coi2.fields(False))

    # 5. quilters guild: determination letter, born-digital (EIN on the revocation list), and an exact copy
    irs2 = IrsLetter(
        quilters, _addr("ORG-S02"), "85-4412093", date(2017, 8, 22), date(2017, 6, 9), "17053234519027", "31266"
    )
    rel = "IRS letter.pdf"
    b.path(rel).write_bytes(pdf_bytes(lambda c: draw_irs_letter(c, irs2)))
    b.file(rel, "text_pdf")
    b.doc(
        rel,
        [1],
        "nonprofit_letter",
        "ORG-S02",
        {"org_name": quilters, "ein": "85-4412093", "subsection": "501(c)(3)", "letter_date": "2017-08-22"},
    )
    rel = "IRS letter (1).pdf"
    shutil.copyfile(b.path("IRS letter.pdf"), b.path(rel))
    b.file(rel, "copy")
    b.doc(
        rel,
        [1],
        None,
        None,
        {},
        status="duplicate",
        reason="same bytes as another file in the inbox",
        duplicate_of="inbox/IRS letter.pdf",
    )

    # 6. martial arts school (6a): scanned certificate with a $500,000 limit, issued to "X dba Y"
    coi3 = Coi(
        insured=[f"{karate} dba Cliffside Karate Academy", *_addr("ORG-S03")],
        insurer="High Plains Specialty Insurance Co.",
        naic="41209",
        rating="B++ VI",
        policy="HPS-0086731",
        eff=date(2026, 7, 1),
        exp=date(2027, 7, 1),
        each=500_000,
        agg=1_000_000,
        issued=date(2026, 10, 6),
        cert_no="HPS-COI-5512",
        producer=PRODUCER_1,
        contact=("Dolores Vigil", "(505) 555-0182", "certs@mesaridge.example.com"),
        description="Youth karate belt testing at Taft Middle School gymnasium on 11/21/2026 and 12/19/2026. "
        "Albuquerque Public Schools is included as additional insured as respects general liability. "
        "A.M. Best rating B++ VI.",
        signer="D. Vigil",
    )
    rel = "Volcano Cliffs Martial Arts COI.pdf"
    save_image_pdf([scanned(render(pdf_bytes(lambda c: draw_coi(c, coi3)), 200)[0], rng, -1.6)], b.path(rel), 200)
    b.file(rel, "scan_pdf")
    b.doc(rel, [1], "coi", "ORG-S03", coi3.fields(True))

    # 7. martial arts school: City of Albuquerque business registration, as a PNG
    lic = pdf_bytes(
        lambda c: draw_business_license(
            c,
            karate,
            "Cliffside Karate Academy",
            "5120 Unser Blvd NW Ste 4, Albuquerque, NM 87120",
            "BR-2026-071354",
            date(2026, 7, 1),
            date(2027, 6, 30),
        )
    )
    rel = "ORG-S03/business license.png"
    render(lic, 150)[0].save(b.path(rel), optimize=True)
    b.file(rel, "png")
    b.doc(
        rel,
        [1],
        "business_license",
        "ORG-S03",
        {
            "business_name": karate,
            "license_number": "BR-2026-071354",
            "issuer": "City of Albuquerque",
            "issue_date": "2026-07-01",
            "expiration_date": "2027-06-30",
        },
    )

    # 8. neighbors association: determination letter scanned sideways (page turned 90 degrees)
    irs3 = IrsLetter(
        neighbors, _addr("ORG-S04"), "88-0617352", date(2019, 2, 11), date(2018, 10, 30), "26053440118289", "31502"
    )
    rel = "Doc_20261015_0841.pdf"
    im = scanned(render(pdf_bytes(lambda c: draw_irs_letter(c, irs3)), 200)[0], rng, 0.8)
    save_image_pdf([im.rotate(90, expand=True, fillcolor=250)], b.path(rel), 200)
    b.file(rel, "scan_pdf_rotated")
    b.doc(
        rel,
        [1],
        "nonprofit_letter",
        "ORG-S04",
        {"org_name": neighbors, "ein": "88-0617352", "subsection": "501(c)(3)", "letter_date": "2019-02-11"},
    )

    # 9. trail runners: last season's certificate, born-digital (expired), and a scanned letter
    coi4 = Coi(
        insured=[runners, *_addr("ORG-S05")],
        insurer="Rio Puerco Indemnity Corporation",
        naic="19306",
        rating="A+ XV",
        policy="RPI 77-310562",
        eff=date(2025, 10, 1),
        exp=date(2026, 10, 1),
        each=1_000_000,
        agg=3_000_000,
        issued=date(2025, 9, 24),
        cert_no="25-04417",
        producer=PRODUCER_2,
        contact=("Service Center", "(505) 555-0119", "service@turquoisesky.example.com"),
        description="Fall 5K fun run, Eldorado High School track, 11/07/2026. The Board of Education of the "
        "Albuquerque Public Schools is an additional insured with respect to general liability. "
        "Rio Puerco Indemnity Corporation: A.M. Best A+ XV.",
        umbrella=("RPX 77-310563", date(2025, 10, 1), date(2026, 10, 1), 2_000_000),
        signer="M. Ortega-Baca",
    )
    rel = "AC11-2026-5006/COI 2025-2026.pdf"
    b.path(rel).write_bytes(pdf_bytes(lambda c: draw_coi(c, coi4)))
    b.file(rel, "text_pdf")
    b.doc(rel, [1], "coi", "ORG-S05", coi4.fields(True))
    irs4 = IrsLetter(
        runners, _addr("ORG-S05"), "87-3395014", date(2021, 4, 19), date(2020, 12, 2), "26053573007311", "31740"
    )
    rel = "scan_0111.pdf"
    save_image_pdf(
        [scanned(render(pdf_bytes(lambda c: draw_irs_letter(c, irs4)), 200)[0], rng, -1.1)], b.path(rel), 200
    )
    b.file(rel, "scan_pdf")
    b.doc(
        rel,
        [1],
        "nonprofit_letter",
        "ORG-S05",
        {"org_name": runners, "ein": "87-3395014", "subsection": "501(c)(3)", "letter_date": "2021-04-19"},
    )

    # 10. pantry: food permit photographed (covers the first kitchen date only), scanned certificate, letter
    rel = "AC11-2026-5007/IMG_20261012_103355.jpg"
    permit = pdf_bytes(
        lambda c: draw_health_permit(
            c,
            pantry,
            "TFE-26-3318",
            "Holiday meal distribution",
            "Grant Middle School kitchen",
            date(2026, 12, 12),
            date(2026, 12, 13),
            date(2026, 10, 9),
        )
    )
    photo(render(permit, 150)[0], rng, 2.4).save(b.path(rel), quality=82, optimize=True)
    b.file(rel, "jpeg_photo")
    b.doc(
        rel,
        [1],
        "health_permit",
        "ORG-S06",
        {
            "permittee": pantry,
            "permit_number": "TFE-26-3318",
            "issuer": "Bernalillo County Office of Environmental Health",
            "event_name": "Holiday meal distribution",
            "valid_from": "2026-12-12",
            "valid_to": "2026-12-13",
        },
    )
    coi5 = Coi(
        insured=[pantry, *_addr("ORG-S06")],
        insurer="Sangre de Cristo Mutual Insurance Company",
        naic="31877",
        rating="A XII",
        policy="SCM-GL-4480551",
        eff=date(2026, 9, 1),
        exp=date(2027, 9, 1),
        each=1_000_000,
        agg=2_000_000,
        issued=date(2026, 10, 7),
        cert_no="CPR-26-0241",
        producer=PRODUCER_1,
        contact=("Dolores Vigil", "(505) 555-0182", "certs@mesaridge.example.com"),
        description="Grant Middle School: holiday meal distribution (cafeteria and kitchen) 12/12/2026 and "
        "12/19/2026; winter coat giveaway (gymnasium) 11/28/2026. Albuquerque Public Schools is named as "
        "additional insured. Insurer A.M. Best rating A XII.",
        signer="D. Vigil",
    )
    rel = "scan_0114.pdf"
    save_image_pdf([scanned(render(pdf_bytes(lambda c: draw_coi(c, coi5)), 200)[0], rng, 1.8)], b.path(rel), 200)
    b.file(rel, "scan_pdf")
    b.doc(rel, [1], "coi", "ORG-S06", coi5.fields(True))
    irs5 = IrsLetter(
        pantry, _addr("ORG-S06"), "83-1650478", date(2012, 11, 5), date(2012, 7, 17), "17053310317042", "31159"
    )
    rel = "Embudo Canyon Community Pantry 501c3.pdf"
    b.path(rel).write_bytes(pdf_bytes(lambda c: draw_irs_letter(c, irs5)))
    b.file(rel, "text_pdf")
    b.doc(
        rel,
        [1],
        "nonprofit_letter",
        "ORG-S06",
        {"org_name": pantry, "ein": "83-1650478", "subsection": "501(c)(3)", "letter_date": "2012-11-05"},
    )

    # 11. not documents: empty file, a note, a truncated PDF, a blank scanned page
    rel = "scan_0098.pdf"
    b.path(rel).write_bytes(b"")
    b.file(rel, "empty")
    b.doc(rel, [], None, None, {}, status="rejected", reason="zero-byte file")
    rel = "notes for front desk.txt"
    b.path(rel).write_text(
        "Quilters guild called 10/14 - new insurance coming next week.\n"
        "Robotics: still waiting on W. Tsosie's fingerprints.\n",
        encoding="utf-8",
    )
    b.file(rel, "text")
    b.doc(rel, [], None, None, {}, status="rejected", reason="unsupported file type (.txt)")
    rel = "scan_0099.pdf"
    whole = pdf_bytes(lambda c: draw_coi(c, coi5))
    b.path(rel).write_bytes(whole[: len(whole) * 55 // 100])
    b.file(rel, "truncated")
    b.doc(rel, [], None, None, {}, status="rejected", reason="corrupt PDF (truncated)")
    rel = "scan_0112.pdf"
    blank = Image.new("L", (1700, 2200), 247)
    ImageDraw.Draw(blank).rectangle((0, 0, 1699, 14), fill=205)  # the scanner lid's shadow along one edge
    save_image_pdf([scanned(blank, rng, 0.4, speckles=400)], b.path(rel), 200)
    b.file(rel, "blank_scan")
    b.doc(rel, [1], None, None, {}, status="unreadable", reason="blank page: no text after OCR")


def _bg_fields(k: Clearance) -> dict[str, Any]:
    return {
        "person_name": k.person,
        "status": k.status,
        "clearance_date": k.cleared.isoformat() if k.cleared else None,
        "expiration_date": k.expires.isoformat() if k.expires else None,
    }


def _finding(
    code: str, message: str, document: str | None = None, subject: str | None = None, severity: str = "block"
) -> dict[str, Any]:
    return {"code": code, "severity": severity, "subject": subject, "document": document, "message": message}


def _verdicts() -> list[dict[str, Any]]:
    """Expected findings per request, following shared/spec/requirements.md."""
    found = {
        "AC11-2026-5001": [],
        "AC11-2026-5002": [
            _finding(
                "BACKGROUND_CHECK_NOT_CLEARED",
                "clearance status for Wendell Tsosie is pending",
                "inbox/FAX_1009_1442.tif",
                "Wendell Tsosie",
            )
        ],
        "AC11-2026-5003": [
            _finding(
                "COI_ADDITIONAL_INSURED_MISSING",
                "APS is not named as additional insured",
                "inbox/ORG-S02/Quilters Guild insurance.pdf",
            ),
            _finding("NONPROFIT_REVOKED", "EIN 85-4412093 is on the auto-revocation list", "inbox/IRS letter.pdf"),
        ],
        "AC11-2026-5004": [
            _finding(
                "COI_LIMIT_BELOW_MINIMUM",
                "each-occurrence limit $500,000 (GL $500,000) is below $1,000,000",
                "inbox/Volcano Cliffs Martial Arts COI.pdf",
            )
        ],
        "AC11-2026-5005": [
            _finding(
                "REQUEST_SHORT_NOTICE", "submitted 2026-10-16 for first use 2026-10-22: under 10 days", severity="warn"
            )
        ],
        "AC11-2026-5006": [
            _finding("COI_EXPIRED", "general liability expired 2026-10-01", "inbox/AC11-2026-5006/COI 2025-2026.pdf")
        ],
        "AC11-2026-5007": [
            _finding(
                "HEALTH_PERMIT_DATES",
                "permit 2026-12-12..2026-12-13 does not cover kitchen dates 2026-12-12..2026-12-19",
                "inbox/AC11-2026-5007/IMG_20261012_103355.jpg",
            )
        ],
        "AC11-2026-5008": [],
    }
    out = []
    for r in REQUESTS:
        fs = found[r["request_id"]]
        verdict = "flagged" if any(f["severity"] == "block" for f in fs) else "compliant"
        out.append({"request_id": r["request_id"], "org_id": r["org_id"], "verdict": verdict, "findings": fs})
    return out


def make_sample_corpus(dest: Path, seed: int = 7) -> Path:
    """Write the sample corpus into dest (replacing an earlier one there) and return dest."""
    dest = Path(dest)
    for sub in ("inbox", "truth", "irs"):
        shutil.rmtree(dest / sub, ignore_errors=True)
    dest.mkdir(parents=True, exist_ok=True)
    b = Builder(dest, np.random.default_rng(seed))
    _build_inbox(b)
    (dest / "registry.json").write_text(
        json.dumps({"organizations": ORGS, "requests": REQUESTS}, indent=2) + "\n", encoding="utf-8"
    )
    (dest / "irs").mkdir(exist_ok=True)
    (dest / "irs" / "revocations.txt").write_text("\n".join(REVOCATIONS) + "\n", encoding="utf-8")
    (dest / "truth").mkdir(exist_ok=True)
    head = {"corpus": "sample", "seed": seed, "as_of": AS_OF.isoformat()}
    (dest / "truth" / "documents.json").write_text(
        json.dumps({**head, "documents": b.documents, "files": b.files}, indent=1) + "\n", encoding="utf-8"
    )
    (dest / "truth" / "verdicts.json").write_text(
        json.dumps({**head, "requests": _verdicts()}, indent=1) + "\n", encoding="utf-8"
    )
    return dest


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python samples/make_samples.py DEST")
    out = make_sample_corpus(Path(sys.argv[1]))
    print(f"Sample corpus written to {out} (as of {AS_OF.isoformat()}).")
