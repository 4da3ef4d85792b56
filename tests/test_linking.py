"""Linking documents to organizations with the dev registry and values as the documents print them."""

from __future__ import annotations

import json
from datetime import date

import pytest

from extractors.linking import PathHints, hints_from_path, link_document
from storage.records import FacilityRequest, Organization
from tests.conftest import DEV

REG = json.loads((DEV / "registry.json").read_text())


def _request(r: dict) -> FacilityRequest:
    r = dict(r)
    r["use_dates"] = [date.fromisoformat(x) for x in r["use_dates"]]
    r["kitchen_dates"] = [date.fromisoformat(x) for x in r["kitchen_dates"]]
    r["submitted_on"] = date.fromisoformat(r["submitted_on"]) if r.get("submitted_on") else None
    return FacilityRequest(**r)


@pytest.fixture(scope="module")
def registry() -> tuple[list[Organization], list[FacilityRequest]]:
    return [Organization(**o) for o in REG["organizations"]], [_request(r) for r in REG["requests"]]


def hints(relpath: str, registry: tuple[list[Organization], list[FacilityRequest]]) -> PathHints:
    orgs, reqs = registry
    return hints_from_path(relpath, {o.org_id for o in orgs}, {r.request_id: r.org_id for r in reqs})


def test_hints_from_path(registry) -> None:
    assert hints("ORG-0024/Screenshot_20261114-075150.png", registry) == PathHints(
        "ORG-0024", None, "Screenshot_20261114-075150.png"
    )
    h = hints("inbox/AC11-2026-0191/scan0160.pdf", registry)
    assert (h.org_id, h.request_id, h.filename) == ("ORG-0004", "AC11-2026-0191", "scan0160.pdf")
    assert hints("COI 2026.pdf", registry) == PathHints(None, None, "COI 2026.pdf")
    assert hints("misc/notes/x.pdf", registry).org_id is None


def test_insured_printed_as_dba_links(registry) -> None:
    orgs, reqs = registry
    # as OCR read it from the renewal certificate in Scan_20261119_173630.pdf (page 2): "of AB Q"
    res = link_document(
        "coi",
        {"insured_name": "South Valley Adult Volleyball League of AB Q"},
        hints("Scan_20261119_173630.pdf", registry),
        orgs,
        reqs,
    )
    assert res.org_id == "ORG-0023"
    assert res.method in ("name", "name_fuzzy")
    res = link_document(
        "coi",
        {"insured_name": "Mesa del Sol Junior Mariachi Foundation DBA MDSJMF"},
        PathHints(None, None, "x.pdf"),
        orgs,
        reqs,
    )
    assert (res.org_id, res.method) == ("ORG-0043", "name")


def test_insured_of_no_registered_organization_stays_unlinked(registry) -> None:
    orgs, reqs = registry
    res = link_document(
        "coi", {"insured_name": "Lloyd HVAC LLC"}, hints("Scan_20261113_152720.pdf", registry), orgs, reqs
    )
    assert res.org_id is None and res.candidates == []
    assert "Lloyd HVAC" in res.evidence


def test_request_folder_decides_when_insured_is_unknown(registry) -> None:
    orgs, reqs = registry
    res = link_document(
        "coi",
        {"insured_name": "Sunport Sports Services"},
        hints("AC11-2026-0191/scan0160.pdf", registry),
        orgs,
        reqs,
    )
    assert (res.org_id, res.method) == ("ORG-0004", "folder")
    assert "AC11-2026-0191" in res.evidence and "Sunport Sports Services" in res.evidence


def test_letter_with_other_name_links_by_ein(registry) -> None:
    orgs, reqs = registry
    fields = {"org_name": "ALAMEDA SPORTS ASSOCIATION", "ein": "84-2860336", "subsection": "501(c)(3)"}
    res = link_document(
        "nonprofit_letter", fields, hints("doc6947420320261114071556.pdf", registry), orgs, reqs
    )
    assert (res.org_id, res.method) == ("ORG-0010", "ein")


def test_background_check_links_by_listed_person(registry) -> None:
    orgs, reqs = registry
    none = PathHints(None, None, "scan.pdf")
    assert link_document(
        "background_check", {"person_name": "Nicole Jesse Lovato"}, none, orgs, reqs
    ).org_id == ("ORG-0034")
    res = link_document("background_check", {"person_name": "O'BRIEN, KEVIN A"}, none, orgs, reqs)
    assert (res.org_id, res.method) == ("ORG-0043", "person")
    # an OCR slip in the surname still finds the one listed person
    res = link_document("background_check", {"person_name": "Wllker, Priya"}, none, orgs, reqs)
    assert (res.org_id, res.method) == ("ORG-0044", "person_fuzzy")
    res = link_document("background_check", {"person_name": "Isabel Jay Harris"}, none, orgs, reqs)
    assert res.org_id is None


def test_person_listed_by_two_organizations_is_ambiguous(registry) -> None:
    orgs, reqs = registry
    extra = FacilityRequest(request_id="AC11-TEST-0001", org_id="ORG-0040", personnel=["Rosa Roybal"])
    res = link_document(
        "background_check",
        {"person_name": "Rosa Roybal"},
        PathHints(None, None, "x.jpg"),
        orgs,
        [*reqs, extra],
    )
    assert res.org_id is None
    assert res.candidates == ["ORG-0010", "ORG-0040"]
    # the folder settles it
    h = hints("ORG-0040/x.jpg", (orgs, [*reqs, extra]))
    assert link_document(
        "background_check", {"person_name": "Rosa Roybal"}, h, orgs, [*reqs, extra]
    ).org_id == ("ORG-0040")


def test_document_of_another_organization_in_a_folder(registry) -> None:
    orgs, reqs = registry
    res = link_document(
        "background_check",
        {"person_name": "Kevin A. O'Brien"},
        hints("ORG-0024/scan.pdf", registry),
        orgs,
        reqs,
    )
    assert res.org_id == "ORG-0043"
    assert "although filed under" in res.evidence


def test_file_name_names_the_organization(registry) -> None:
    orgs, reqs = registry
    res = link_document(
        "background_check",
        {"person_name": "Someone Unlisted"},
        hints("background_Apodaca_TTJCC.pdf", registry),
        orgs,
        reqs,
    )
    assert (res.org_id, res.method) == ("ORG-0010", "filename")


def test_registered_name_inside_a_longer_read_links() -> None:
    # a reader that took in the address line after the name, or a label before it, still shows the name
    orgs = [
        Organization("ORG-A", "Lakeview Puppet Theater"),
        Organization("ORG-B", "Lakeview Puppet Theater Guild, Inc."),
        Organization("ORG-C", "Harbor Lights Youth Choir"),
    ]
    none = PathHints(None, None, "scan.pdf")
    res = link_document("coi", {"insured_name": "Harbor Lights Youth Choir 41 Dock St NW"}, none, orgs, [])
    assert (res.org_id, res.method) == ("ORG-C", "name_within")
    assert "Harbor Lights Youth Choir" in res.evidence
    res = link_document("coi", {"insured_name": "PROVIDING COVERAGE INSURED Harbor Lights Youth Choir"}, none, orgs, [])
    assert res.org_id == "ORG-C"
    # the longest registered name wins; the shorter one inside it is not a second candidate
    res = link_document("coi", {"insured_name": "Lakeview Puppet Theater Guild 9 Elm Rd"}, none, orgs, [])
    assert res.org_id == "ORG-B"
    # two different names in one read: ask a person
    res = link_document(
        "coi", {"insured_name": "Harbor Lights Youth Choir and Lakeview Puppet Theater"}, none, orgs, []
    )
    assert res.org_id is None and res.method == "ambiguous"
    # a short or one-word name is not trusted inside other words
    res = link_document("coi", {"insured_name": "Harbor Lights Marina"}, none, [Organization("ORG-D", "Harbor")], [])
    assert res.org_id is None
