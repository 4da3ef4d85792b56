"""CPR / First Aid cards: the sixth kind, read by configuration of the shared label -> value core, linked by
the person named, and judged by CPR_MISSING / CPR_EXPIRED when the principal asks for CPR proof.

Cards are drawn with reportlab (names, dates and numbers made up here), kept as PDFs with a text layer or
rendered to page images read by the real Tesseract, then read through the normal page path; the end-to-end
test ingests them into a real database (SQLite and PostgreSQL) and checks the request.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from extractors.documents import EXTRACTORS, read_documents
from extractors.filetypes import Limits, check_file
from extractors.kinds import DESCRIPTIONS
from extractors.model import PageText
from extractors.pagetext import read_pages
from flows.checks import check_requests
from flows.export import build_export
from flows.ingest import ingest_folder
from flows.registry import import_registry
from flows.stages import IngestOptions

Item = tuple[float, float, str, float]
WALLET = (360.0, 250.0)


def draw(path: Path, items: list[Item], size: tuple[float, float] = letter) -> Path:
    c = canvas.Canvas(str(path), pagesize=size)
    for x, y, text, font in items:
        c.setFont("Helvetica-Bold" if font >= 13 else "Helvetica", font)
        c.drawString(x, size[1] - y, text)
    c.save()
    return path


def scanned(pdf: Path, dpi: int = 200) -> Path:
    """The card as a scanner gives it: a grey page image, no text layer."""
    image = pdfium.PdfDocument(str(pdf))[0].render(scale=dpi / 72).to_pil().convert("L")
    out = pdf.with_suffix(".png")
    image.save(out)
    return out


def pages_of(path: Path) -> list[PageText]:
    media_type, _ = check_file(path, Limits())
    return [r.text for r in read_pages(path, media_type)]


def heart_card(name: str, issued: str, renewal: str) -> list[Item]:
    """An American Heart Association style wallet card: name over its caption, 'Recommended Renewal Date'."""
    return [
        (30, 40, "American Heart Association", 15),
        (30, 62, "BLS Provider", 13),
        (30, 92, name, 12),
        (30, 104, "Name", 8),
        (30, 130, "This card certifies that the above individual has successfully completed", 7),
        (30, 140, "the cognitive and skills evaluations of the Basic Life Support (CPR and AED) Program.", 7),
        (30, 168, f"Issue Date: {issued}", 10),
        (30, 184, f"Recommended Renewal Date: {renewal}", 10),
        (30, 204, "Training Center: Mesa Verde Lifesaving Center", 9),
        (30, 218, "Instructor Name: Paul Ortega", 9),
    ]


def red_cross_certificate(name: str, completed: str) -> list[Item]:
    """An American Red Cross style certificate: the person in a sentence, 'Valid for 2 years'."""
    return [
        (200, 70, "American Red Cross", 20),
        (170, 110, "Certificate of Completion", 16),
        (110, 150, "This is to certify that", 12),
        (110, 176, name, 16),
        (110, 200, "has successfully completed the requirements for", 12),
        (110, 220, "Adult and Pediatric First Aid/CPR/AED", 14),
        (110, 252, f"Date Completed: {completed}", 12),
        (110, 270, "Valid for 2 years", 12),
        (110, 288, "Certificate ID: 01C7XK2", 12),
    ]


def safety_council_card(name: str, issued: str, expires: str) -> list[Item]:
    return [
        (30, 40, "NATIONAL SAFETY COUNCIL", 14),
        (30, 60, "First Aid, CPR & AED", 12),
        (30, 90, f"Participant: {name}", 10),
        (30, 108, f"Course Completion Date: {issued}", 10),
        (30, 126, f"Expiration Date: {expires}", 10),
        (30, 150, "Instructor: Dana Whitfield", 9),
    ]


def values(path: Path) -> tuple[str | None, dict]:
    [doc] = read_documents(pages_of(path))
    return doc.doc_type, {k: v.value for k, v in doc.fields.items()}


def test_cpr_kind_is_described_and_read_by_configuration():
    d = DESCRIPTIONS["cpr_certificate"]
    assert d.fields == ("person_name", "issuer", "issue_date", "valid_through")
    assert d.reader is not None and "valid_through" in d.decision_critical
    assert EXTRACTORS["cpr_certificate"].__module__ == "extractors.configured"


def test_heart_association_card_read_from_a_scanned_image(tmp_path: Path):
    pdf = draw(tmp_path / "card.pdf", heart_card("Nadia R. Okafor", "03/14/2026", "03/2028"), WALLET)
    image = scanned(pdf)
    assert pages_of(image)[0].source == "ocr"
    doc_type, f = values(image)
    assert doc_type == "cpr_certificate"
    assert f["person_name"] == "Nadia R. Okafor"
    assert f["issuer"] == "American Heart Association"
    assert f["issue_date"] == date(2026, 3, 14)
    assert f["valid_through"] == date(2028, 3, 31)  # a month and year: its last day


def test_red_cross_certificate_read_from_a_pdf(tmp_path: Path):
    pdf = draw(tmp_path / "certificate.pdf", red_cross_certificate("Tomas Villanueva-Reyes", "August 9, 2025"))
    assert pages_of(pdf)[0].source == "text_layer"
    doc_type, f = values(pdf)
    assert doc_type == "cpr_certificate"
    assert f == {"person_name": "Tomas Villanueva-Reyes", "issuer": "American Red Cross",
                 "issue_date": date(2025, 8, 9), "valid_through": date(2027, 8, 9)}  # valid for 2 years


def test_safety_council_card_with_labels(tmp_path: Path):
    pdf = draw(tmp_path / "nsc.pdf", safety_council_card("Lena Marquez", "May 2, 2026", "May 2, 2028"), WALLET)
    doc_type, f = values(pdf)
    assert doc_type == "cpr_certificate"
    assert f["person_name"] == "Lena Marquez" and f["issuer"] == "National Safety Council"
    assert (f["issue_date"], f["valid_through"]) == (date(2026, 5, 2), date(2028, 5, 2))


LAYOUTS = {
    # ASHI wallet card: acronym beside the full name, 'Certification Date' is the course date
    "ashi": ([(30, 36, "ASHI", 18), (90, 36, "American Safety & Health Institute", 10),
              (30, 60, "CPR AED - Adult, Child and Infant", 11), (30, 90, "Name: PATEL, ANIKA", 10),
              (30, 106, "Certification Date: 1/15/2026", 10), (30, 122, "Expiration Date: 1/31/2028", 10),
              (30, 150, "Instructor: R. Gomez   Training Center: Rio Abajo Safety", 8)],
             {"person_name": "PATEL, ANIKA", "issuer": "American Safety & Health Institute",
              "issue_date": date(2026, 1, 15), "valid_through": date(2028, 1, 31)}),
    # Heartsaver eCard: captions under their values, side by side
    "ecard": ([(30, 36, "American Heart Association", 14), (30, 56, "Heartsaver First Aid CPR AED", 12),
               (30, 86, "JORDAN LEE HARRIS", 12), (30, 98, "Student", 7), (30, 130, "04/22/2026", 11),
               (170, 130, "04/2028", 11), (30, 142, "Issue Date", 7), (170, 142, "Recommended Renewal Date", 7),
               (30, 170, "eCard Code: 215403987655", 8)],
              {"person_name": "JORDAN LEE HARRIS", "issuer": "American Heart Association",
               "issue_date": date(2026, 4, 22), "valid_through": date(2028, 4, 30)}),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_card_layouts_scanned_at_150_dpi(name: str, tmp_path: Path):
    items, expected = LAYOUTS[name]
    doc_type, f = values(scanned(draw(tmp_path / f"{name}.pdf", items, WALLET), dpi=150))
    assert doc_type == "cpr_certificate" and f == expected


def test_class_registration_is_not_a_card(tmp_path: Path):
    pdf = draw(tmp_path / "registration.pdf", [
        (60, 60, "CPR / First Aid Class Registration Confirmation", 15),
        (60, 90, "You are registered for: Adult and Pediatric First Aid/CPR/AED", 11),
        (60, 108, "Student Name: Lena Marquez", 11),
        (60, 126, "Class Date: June 6, 2026   9:00 AM - 3:00 PM", 11),
        (60, 144, "Please arrive 15 minutes early. What to bring: a photo ID.", 11),
        (60, 162, "Amount Paid: $95.00", 11),
    ])
    doc_type, _ = values(pdf)
    assert doc_type is None


def test_a_card_that_cannot_be_tied_to_its_dates_is_left_unread(tmp_path: Path):
    """Dates that contradict each other (renewal before issue) are both left for a person, never guessed."""
    pdf = draw(tmp_path / "odd.pdf", heart_card("Nadia R. Okafor", "03/14/2026", "01/2025"), WALLET)
    _, f = values(pdf)
    assert f["issue_date"] is None and f["valid_through"] is None


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A watch folder with three instructors' cards (no folder or file-name hints) and a registry."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    scanned(draw(tmp_path / "okafor.pdf", heart_card("Nadia R. Okafor", "03/14/2026", "03/2028"), WALLET)).rename(
        inbox / "scan0001.png")
    draw(inbox / "scan0002.pdf", red_cross_certificate("Tomas Villanueva-Reyes", "August 9, 2024"))
    registry = {
        "organizations": [{"org_id": "ORG-SWIM", "name": "Duke City Swim Club", "dba": [], "category": "1",
                           "government": False, "ein": None, "address": "1 Pool Rd", "contact_email": None}],
        "requests": [{
            "request_id": "AC11-CPR-1", "org_id": "ORG-SWIM", "school": "Valley High School",
            "facility": "gymnasium", "activity": "Lifeguard clinic", "use_dates": ["2026-12-12", "2027-02-20"],
            "start_time": "09:00", "end_time": "11:00", "submitted_on": "2026-11-01", "community_school": False,
            "uses_kitchen": False, "kitchen_dates": [], "serves_students": False, "cpr_required": True,
            "personnel": ["Nadia Okafor", "Villanueva-Reyes, Tomas", "Grace Ettinger"],
        }],
    }
    (tmp_path / "registry.json").write_text(json.dumps(registry), encoding="utf-8")
    return tmp_path


def test_cpr_findings_on_ingested_cards(corpus: Path, db_url: str):
    assert import_registry(db_url, corpus / "registry.json").errors == []
    ingest_folder(corpus / "inbox", IngestOptions(keep=True), db_url, use_prefect=False)
    as_of = date(2026, 12, 1)
    check_requests(db_url, as_of)
    export = build_export(db_url, as_of)
    docs = {d["path"]: d for d in export["documents"]}
    card = next(d for p, d in docs.items() if p.endswith("scan0001.png"))
    assert card["doc_type"] == "cpr_certificate" and card["org_id"] == "ORG-SWIM"  # linked by the person
    assert card["fields"]["valid_through"] == "2028-03-31"
    cert = next(d for p, d in docs.items() if p.endswith("scan0002.pdf"))
    assert cert["org_id"] == "ORG-SWIM" and cert["fields"]["valid_through"] == "2026-08-09"
    [r] = export["requests"]
    found = sorted((f["code"], f["subject"]) for f in r["findings"])
    assert found == [("CPR_EXPIRED", "Villanueva-Reyes, Tomas"), ("CPR_MISSING", "Grace Ettinger")]
    expired = next(f for f in r["findings"] if f["code"] == "CPR_EXPIRED")
    assert "2026-08-09" in expired["message"] and "2027-02-20" in expired["message"]
    assert expired["document"].endswith("scan0002.pdf") and r["verdict"] == "flagged"
    assert r["fee"]["waived_because"] == "category 1"


def test_request_page_shows_each_persons_cpr_card(corpus: Path, tmp_path: Path):
    import re

    from fastapi.testclient import TestClient

    from web.app import create_app
    from web.auth import create_user

    db_url = f"sqlite:///{tmp_path / 'desk.db'}"
    import_registry(db_url, corpus / "registry.json")
    ingest_folder(corpus / "inbox", IngestOptions(keep=True), db_url, use_prefect=False)
    check_requests(db_url, date(2026, 12, 1))
    create_user(db_url, "rita", "correct horse battery", "reviewer", display_name="Rita Test")
    client = TestClient(create_app(db_url, home=tmp_path, as_of=date(2026, 12, 1)))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "rita", "password": "correct horse battery", "next": "/queue",
                                "csrf_token": token})
    page = client.get("/requests/AC11-CPR-1").text
    people = page[page.index("<dt>Personnel</dt>"):]
    people = people[: people.index("</dd>")]
    assert people.count("no current CPR card") == 2
    assert re.search(r"Nadia Okafor <span class=\"badge s-processed\">CPR card", people)
    assert "CPR / First Aid card" in page  # the kind named on the documents on file
