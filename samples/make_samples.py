"""Make the built-in sample corpus: a small registry and an inbox of invented documents.

`python samples/make_samples.py DEST` writes DEST/registry.json, DEST/inbox/ and DEST/irs/. Every
name and number is made up. The documents are drawn with reportlab as agencies print them; some are
then "scanned" (rendered to an image, tilted, speckled) so the demo exercises OCR as well as text layers.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageFilter
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

AS_OF = date(2026, 11, 20)
W, H = letter

ORGS = [
    {
        "org_id": "ORG-S01",
        "name": "Piñon Valley Youth Chess League, Inc.",
        "dba": ["PVYCL"],
        "category": "3",
        "government": False,
        "ein": "86-4410275",
        "address": "410 Cedar Loop NE, Albuquerque, NM 87111",
        "contact_email": "board@pinonchess.example.org",
    },
    {
        "org_id": "ORG-S02",
        "name": "Mesa Verde Dance Collective",
        "dba": [],
        "category": "5",
        "government": False,
        "ein": None,
        "address": "77 Arroyo Way SW, Albuquerque, NM 87105",
        "contact_email": "info@mesaverdedance.example.org",
    },
    {
        "org_id": "ORG-S03",
        "name": "Blue Agave Fitness LLC",
        "dba": ["Agave Bootcamp"],
        "category": "6a",
        "government": False,
        "ein": None,
        "address": "1200 Juniper Dr NW, Albuquerque, NM 87120",
        "contact_email": "owner@blueagave.example.com",
    },
]
REQUESTS = [
    {
        "request_id": "AC11-S-0001",
        "org_id": "ORG-S01",
        "school": "Sierra Vista Elementary",
        "facility": "library",
        "activity": "Saturday chess club",
        "use_dates": ["2026-12-05", "2026-12-12"],
        "start_time": "09:00",
        "end_time": "12:00",
        "submitted_on": "2026-11-10",
        "community_school": False,
        "uses_kitchen": False,
        "kitchen_dates": [],
        "serves_students": True,
        "personnel": ["Rosa M. Quintana", "Daniel Yazzie"],
    },
    {
        "request_id": "AC11-S-0002",
        "org_id": "ORG-S02",
        "school": "Rio Bravo Middle School",
        "facility": "gymnasium",
        "activity": "Winter dance showcase with bake sale",
        "use_dates": ["2026-12-18"],
        "start_time": "17:00",
        "end_time": "21:00",
        "submitted_on": "2026-11-12",
        "community_school": False,
        "uses_kitchen": True,
        "kitchen_dates": ["2026-12-18"],
        "serves_students": False,
        "personnel": [],
    },
    {
        "request_id": "AC11-S-0003",
        "org_id": "ORG-S03",
        "school": "Loma Alta High School",
        "facility": "field",
        "activity": "Adult bootcamp",
        "use_dates": ["2027-01-09", "2027-01-16"],
        "start_time": "07:00",
        "end_time": "08:00",
        "submitted_on": "2026-11-18",
        "community_school": False,
        "uses_kitchen": False,
        "kitchen_dates": [],
        "serves_students": False,
        "personnel": [],
    },
]


def us(d: date) -> str:
    return d.strftime("%m/%d/%Y")


def certificate(
    c: Canvas,
    insured: str,
    address: str,
    insurer: str,
    rating: str,
    policy: str,
    eff: date,
    exp: date,
    each: int,
    agg: int,
    description: str,
) -> None:
    """An ACORD-25-style certificate: header, parties, coverage grid, description, holder."""
    c.setFont("Helvetica-Bold", 15)
    c.drawString(150, 750, "CERTIFICATE OF LIABILITY INSURANCE")
    c.setFont("Helvetica", 7)
    c.drawString(470, 760, "DATE (MM/DD/YYYY)")
    c.setFont("Courier", 10)
    c.drawString(480, 745, us(AS_OF - timedelta(days=12)))
    c.setFont("Helvetica-Bold", 7)
    c.drawString(40, 715, "PRODUCER")
    c.drawString(40, 665, "INSURED")
    c.drawString(310, 680, "INSURER A :")
    c.setFont("Courier", 10)
    c.drawString(50, 700, "High Desert Insurance Partners")
    c.drawString(50, 688, "300 Sage St, Santa Fe, NM 87501")
    c.drawString(60, 650, insured)
    c.drawString(60, 638, address)
    c.setFont("Courier", 9)
    c.drawString(355, 680, f"{insurer} AM Best: {rating}")
    c.setFont("Courier", 10)
    c.line(35, 620, 577, 620)
    c.setFont("Helvetica-Bold", 7)
    for x, label in (
        (40, "INSR LTR"),
        (80, "TYPE OF INSURANCE"),
        (225, "POLICY NUMBER"),
        (310, "POLICY EFF"),
        (375, "POLICY EXP"),
        (470, "LIMITS"),
    ):
        c.drawString(x, 608, label)
    c.line(35, 600, 577, 600)
    c.drawString(80, 585, "COMMERCIAL GENERAL LIABILITY")
    c.rect(80, 568, 7, 7)
    c.drawString(90, 569, "CLAIMS-MADE")
    c.rect(150, 568, 7, 7)
    c.drawString(160, 569, "OCCUR")
    c.line(150, 568, 157, 575)
    c.line(150, 575, 157, 568)
    c.drawString(440, 585, "EACH OCCURRENCE")
    c.drawString(440, 555, "GENERAL AGGREGATE")
    c.setFont("Courier", 10)
    c.drawString(45, 570, "A")
    c.drawString(215, 570, policy)
    c.drawString(305, 570, us(eff))
    c.drawString(370, 570, us(exp))
    c.drawString(525, 585, f"${each:,}")
    c.drawString(525, 555, f"${agg:,}")
    c.line(35, 540, 577, 540)
    c.setFont("Helvetica-Bold", 7)
    c.drawString(80, 525, "AUTOMOBILE LIABILITY")
    c.line(35, 480, 577, 480)
    c.drawString(40, 468, "DESCRIPTION OF OPERATIONS / LOCATIONS / VEHICLES")
    c.setFont("Courier", 9)
    y = 455
    for chunk in wrap(description, 88):
        c.drawString(45, y, chunk)
        y -= 12
    c.line(35, 380, 577, 380)
    c.setFont("Helvetica-Bold", 7)
    c.drawString(40, 368, "CERTIFICATE HOLDER")
    c.drawString(310, 368, "CANCELLATION")
    c.setFont("Courier", 10)
    c.drawString(60, 350, "Albuquerque Public Schools")
    c.drawString(60, 338, "6400 Uptown Blvd NE")
    c.drawString(60, 326, "Albuquerque, NM 87110")
    c.setFont("Helvetica", 7)
    c.drawString(40, 60, "ACORD 25 (2016/03)")


def wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def endorsement(c: Canvas) -> None:
    """A CG 20 26-style additional-insured endorsement page."""
    lines = [
        ("Helvetica", 9, "POLICY NUMBER: GL-5520194                         COMMERCIAL GENERAL LIABILITY"),
        ("Helvetica-Bold", 10, "THIS ENDORSEMENT CHANGES THE POLICY. PLEASE READ IT CAREFULLY."),
        ("Helvetica-Bold", 12, "ADDITIONAL INSURED - DESIGNATED PERSON OR ORGANIZATION"),
        ("Helvetica", 10, "This endorsement modifies insurance provided under the following:"),
        ("Helvetica", 10, "COMMERCIAL GENERAL LIABILITY COVERAGE PART"),
        ("Helvetica-Bold", 10, "SCHEDULE"),
        ("Helvetica", 10, "Name Of Additional Insured Person(s) Or Organization(s):"),
        ("Courier", 10, "Albuquerque Public Schools, 6400 Uptown Blvd NE, Albuquerque, NM 87110"),
        ("Helvetica", 10, "Section II - Who Is An Insured is amended to include as an additional insured the"),
        ("Helvetica", 10, "person(s) or organization(s) shown in the Schedule, but only with respect to liability"),
        ("Helvetica", 10, "for bodily injury, property damage or personal and advertising injury caused in whole"),
        ("Helvetica", 10, "or in part by your acts or omissions in the performance of your ongoing operations."),
        ("Helvetica", 8, "CG 20 26 04 13"),
    ]
    y = 740
    for font, size, text in lines:
        c.setFont(font, size)
        c.drawString(60, y, text)
        y -= 22


def irs_letter(c: Canvas, name: str, ein: str) -> None:
    c.setFont("Helvetica-Bold", 11)
    c.drawString(60, 740, "Internal Revenue Service")
    c.setFont("Helvetica", 10)
    c.drawString(60, 726, "Department of the Treasury")
    c.drawString(60, 712, "P.O. Box 2508, Cincinnati, OH 45201")
    c.drawString(360, 740, "Date: March 14, 2019")
    c.drawString(360, 720, "Employer Identification Number:")
    c.drawString(360, 706, ein)
    c.drawString(60, 670, name.upper())
    c.drawString(60, 656, "410 CEDAR LOOP NE")
    c.drawString(60, 642, "ALBUQUERQUE, NM 87111")
    c.drawString(60, 610, "Dear Applicant:")
    text = (
        "We're pleased to tell you we determined you're exempt from federal income tax under Internal "
        "Revenue Code (IRC) Section 501(c)(3). Donors can deduct contributions they make to you under "
        "IRC Section 170."
    )
    y = 590
    for chunk in wrap(text, 95):
        c.drawString(60, y, chunk)
        y -= 14


def health_permit(c: Canvas, permittee: str, valid_from: date, valid_to: date) -> None:
    c.setFont("Helvetica-Bold", 16)
    c.drawCentredString(W / 2, 740, "BERNALILLO COUNTY")
    c.setFont("Helvetica", 11)
    c.drawCentredString(W / 2, 724, "Office of Environmental Health")
    c.setFont("Helvetica-Bold", 14)
    c.drawCentredString(W / 2, 690, "TEMPORARY FOOD SERVICE PERMIT")
    rows = [
        ("Permit No.", "EH-TEMP-40117"),
        ("Permittee", permittee),
        ("Event", "Winter dance showcase"),
        ("Event Location", "Rio Bravo Middle School - kitchen"),
        ("Valid From", us(valid_from)),
        ("Valid Through", us(valid_to)),
    ]
    y = 650
    for label, value in rows:
        c.setFont("Helvetica-Bold", 10)
        c.drawString(80, y, label)
        c.setFont("Courier", 11)
        c.drawString(220, y, value)
        c.line(70, y - 10, 540, y - 10)
        y -= 32


def business_license(c: Canvas, name: str, expires: date) -> None:
    c.setFont("Helvetica-Bold", 16)
    c.drawCentredString(W / 2, 730, "CITY OF ALBUQUERQUE")
    c.setFont("Helvetica", 12)
    c.drawCentredString(W / 2, 710, "Business Registration Certificate")
    c.setFont("Helvetica", 11)
    for y, line in (
        (660, f"Business Name: {name}"),
        (640, "License Number: BR-2026-058812"),
        (620, f"Issue Date: {us(expires - timedelta(days=365))}"),
        (600, f"Expiration Date: {us(expires)}"),
    ):
        c.drawString(90, y, line)


def clearance(c: Canvas, person: str, status: str, expires: date) -> None:
    c.setFont("Helvetica-Bold", 14)
    c.drawString(60, 740, "ALBUQUERQUE PUBLIC SCHOOLS")
    c.setFont("Helvetica", 11)
    c.drawString(60, 724, "Human Resources - Background Check Unit")
    c.setFont("Helvetica-Bold", 12)
    c.drawString(60, 690, f"FINGERPRINT BACKGROUND CHECK: {status}")
    c.setFont("Helvetica", 11)
    for y, line in (
        (660, f"Name: {person}"),
        (640, f"Clearance Date: {us(expires - timedelta(days=730))}"),
        (620, f"Expiration Date: {us(expires)}"),
        (590, "This clearance allows the person named above to work with APS students."),
    ):
        c.drawString(60, y, line)


def pdf(path: Path, *pages: Callable[[Canvas], None]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    c = Canvas(str(path), pagesize=letter, invariant=1)
    for draw in pages:
        draw(c)
        c.showPage()
    c.save()
    return path


def scan(source: Path, dest: Path, rng: random.Random, tilt: float, turn: int = 0, as_tiff: bool = False) -> None:
    """Print and scan: render at 200 dpi, tilt, speckle, save image-only (PDF or fax TIFF)."""
    doc = pdfium.PdfDocument(str(source))
    pages = []
    for page in doc:
        im = page.render(scale=200 / 72, grayscale=True).to_pil().convert("L")
        im = im.rotate(tilt, resample=Image.BILINEAR, fillcolor=255)
        px = im.load()
        for _ in range(1500):
            px[rng.randrange(im.width), rng.randrange(im.height)] = rng.randrange(0, 120)
        im = im.filter(ImageFilter.GaussianBlur(0.4))
        if turn:
            im = im.rotate(turn, expand=True, fillcolor=255)
        pages.append(im)
    doc.close()
    dest.parent.mkdir(parents=True, exist_ok=True)
    if as_tiff:
        frames = [p.point(lambda v: 255 if v > 150 else 0).convert("1") for p in pages]
        frames[0].save(dest, save_all=True, append_images=frames[1:], compression="group4", dpi=(200, 200))
    else:
        c = Canvas(str(dest), invariant=1)  # invariant: the same seed makes the same bytes
        for im in pages:
            w, h = im.width * 72 / 200, im.height * 72 / 200
            c.setPageSize((w, h))
            c.drawImage(ImageReader(im), 0, 0, w, h)
            c.showPage()
        c.save()
    source.unlink()


def make_sample_corpus(dest: Path, seed: int = 7) -> Path:
    rng = random.Random(seed)
    inbox = dest / "inbox"
    work = dest / ".work"
    inbox.mkdir(parents=True, exist_ok=True)
    (dest / "registry.json").write_text(json.dumps({"organizations": ORGS, "requests": REQUESTS}, indent=1))
    (dest / "irs").mkdir(exist_ok=True)
    (dest / "irs" / "revocations.txt").write_text(
        "864410275|PINON VALLEY YOUTH CHESS LEAGUE INC||410 CEDAR LOOP NE|ALBUQUERQUE|NM|87111|US|03|"
        "15-MAY-2017|10-OCT-2017|02-FEB-2018\n"
    )
    chess, dance = ORGS[0]["name"], ORGS[1]["name"]
    # 1. born-digital certificate with an endorsement page naming APS (compliant)
    pdf(
        inbox / "ORG-S01" / "COI 2026.pdf",
        lambda c: certificate(
            c,
            chess,
            "410 Cedar Loop NE, Albuquerque, NM 87111",
            "Sandstone Mutual Ins Co",
            "A XI",
            "GL-5520194",
            date(2026, 8, 1),
            date(2027, 8, 1),
            1_000_000,
            2_000_000,
            "Saturday chess club at Sierra Vista Elementary library, 12/05/2026 and 12/12/2026. "
            "Albuquerque Public Schools is an additional insured per attached endorsement.",
        ),
        endorsement,
    )
    # 2. scanned IRS letter, tilted
    scan(pdf(work / "irs.pdf", lambda c: irs_letter(c, chess, "86-4410275")), inbox / "scan0042.pdf", rng, 1.4)
    # 3. background checks: one cleared (text layer), one pending (fax TIFF with two pages)
    pdf(
        inbox / "AC11-S-0001" / "background Quintana.pdf",
        lambda c: clearance(c, "Quintana, Rosa M.", "CLEARED", date(2028, 6, 30)),
    )
    scan(
        pdf(work / "bg.pdf", lambda c: clearance(c, "Daniel Yazzie", "PENDING", date(2028, 1, 31))),
        inbox / "FAX00031.TIF",
        rng,
        -0.8,
        as_tiff=True,
    )
    # 4. dance collective: a $500,000 certificate (scanned, page turned sideways) and a permit missing the date
    scan(
        pdf(
            work / "coi2.pdf",
            lambda c: certificate(
                c,
                dance,
                "77 Arroyo Way SW, Albuquerque, NM 87105",
                "Red Mesa Casualty Company",
                "A- VIII",
                "RMC 771 3345",
                date(2026, 9, 15),
                date(2027, 9, 15),
                500_000,
                1_000_000,
                "Winter dance showcase at Rio Bravo Middle School gym on 12/18/2026. "
                "Albuquerque Public Schools is additional insured.",
            ),
        ),
        inbox / "Mesa Verde Dance Collective COI.pdf",
        rng,
        0.6,
        turn=90,
    )
    pdf(
        inbox / "ORG-S02" / "food permit.pdf", lambda c: health_permit(c, dance, date(2026, 12, 10), date(2026, 12, 11))
    )
    # 5. the fitness business: an expired license photo and no certificate
    lic = pdf(work / "lic.pdf", lambda c: business_license(c, "Blue Agave Fitness LLC", date(2026, 10, 31)))
    im = pdfium.PdfDocument(str(lic))[0].render(scale=150 / 72, grayscale=True).to_pil().convert("RGB")
    im.rotate(-2, resample=Image.BILINEAR, fillcolor=(200, 200, 200)).save(inbox / "IMG_0412.jpg", quality=88)
    lic.unlink()
    # 6. things that are not documents
    (inbox / "notes.txt").write_text("call the chess league back about the second date\n")
    (inbox / "scan0000.pdf").write_bytes(b"")
    (inbox / "COI 2026 - Copy.pdf").write_bytes((inbox / "ORG-S01" / "COI 2026.pdf").read_bytes())
    work.rmdir()
    return dest


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python samples/make_samples.py DEST")
    out = make_sample_corpus(Path(sys.argv[1]))
    print(f"Sample corpus written to {out} (as of {AS_OF.isoformat()}).")
