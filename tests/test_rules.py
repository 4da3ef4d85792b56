"""The rules stage on the dev corpus's own document extractions (truth fields) and registry.

Each finding code is raised for the request the dev corpus plants it on, and disappears when the
one condition behind it is repaired on the same document (its compliant twin). The whole corpus is
also checked against truth/verdicts.json, and blanking any field a blocking check needs must flag.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from storage.records import DocumentOnFile, FacilityRequest, Finding, Organization, Revocation
from validators.irs import load_revocations
from validators.policy import FINDING_CODES, load_policy
from validators.rules import (
    activity_dates_named,
    check_request,
    coi_limit,
    same_person,
    states_aps_additional_insured,
    verdict,
)

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev"
# Codes of registry records the dev corpus does not keep (fees, accounts, CPR, kitchen applications): their
# rules are tested on stored data of their own in tests/test_directive_rules.py.
REGISTRY_RECORD_CODES = {"DEPOSIT_NOT_RECEIVED", "ACCOUNT_PAST_DUE", "CPR_MISSING", "CPR_EXPIRED",
                         "KITCHEN_APPLICATION_MISSING"}
DEV_CODES = tuple(c for c in FINDING_CODES if c not in REGISTRY_RECORD_CODES)
DATE_FIELDS = {
    "gl_effective",
    "gl_expiration",
    "umbrella_effective",
    "umbrella_expiration",
    "issue_date",
    "letter_date",
    "expiration_date",
    "valid_from",
    "valid_to",
    "clearance_date",
}


@dataclasses.dataclass
class Corpus:
    orgs: dict[str, Organization]
    requests: dict[str, FacilityRequest]
    docs: list[DocumentOnFile]
    truth: dict[str, dict]
    as_of: date
    revoked: dict[str, Revocation]


def _request(r: dict) -> FacilityRequest:
    r = dict(r)
    r["use_dates"] = [date.fromisoformat(d) for d in r["use_dates"]]
    r["kitchen_dates"] = [date.fromisoformat(d) for d in r["kitchen_dates"]]
    r["submitted_on"] = date.fromisoformat(r["submitted_on"]) if r.get("submitted_on") else None
    return FacilityRequest(**r)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    reg = json.loads((DEV / "registry.json").read_text())
    docs = []
    for i, d in enumerate(json.loads((DEV / "truth" / "documents.json").read_text())["documents"]):
        if d["status"] != "processed":
            continue
        fields = {k: (date.fromisoformat(v) if k in DATE_FIELDS and v else v) for k, v in d["fields"].items()}
        docs.append(
            DocumentOnFile(
                document=d["path"],
                pages=d["pages"],
                doc_type=d["doc_type"],
                org_id=d["org_id"],
                fields=fields,
                segment_id=i,
            )
        )
    verdicts = json.loads((DEV / "truth" / "verdicts.json").read_text())
    return Corpus(
        orgs={o["org_id"]: Organization(**o) for o in reg["organizations"]},
        requests={r["request_id"]: _request(r) for r in reg["requests"]},
        docs=docs,
        truth={r["request_id"]: r for r in verdicts["requests"]},
        as_of=date.fromisoformat(verdicts["as_of"]),
        revoked=load_revocations(DEV / "irs" / "revocations.txt"),
    )


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def run(
    c: Corpus, policy, rid: str, *, request=None, org=None, docs=None, revoked="default"
) -> list[Finding]:
    req = request or c.requests[rid]
    return check_request(
        req,
        org or c.orgs[req.org_id],
        c.docs if docs is None else docs,
        policy,
        c.as_of,
        c.revoked if revoked == "default" else revoked,
    )


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


# ----------------------------------------------------------------------------- whole corpus


def test_truth_inputs_give_truth_verdicts_and_findings(corpus, policy):
    """On truth extractions every verdict and every (code, subject) pair matches truth."""
    for rid, t in corpus.truth.items():
        found = run(corpus, policy, rid)
        assert verdict(found) == t["verdict"], rid
        want = sorted((f["code"], f["subject"] or "") for f in t["findings"])
        assert sorted((f.code, f.subject or "") for f in found) == want, rid
        for f in found:
            assert f.message and "{" not in f.message
            assert f.severity == policy.rule(f.code).severity


def test_every_code_is_planted_somewhere(corpus):
    planted = {f["code"] for t in corpus.truth.values() for f in t["findings"]}
    assert planted == set(DEV_CODES)


# ----------------------------------------------------------------------------- each code and its twin


def _shift(d: date, days: int) -> date:
    return d + timedelta(days=days)


def _fix_doc(field_values: Callable[[FacilityRequest, Organization, DocumentOnFile], dict]):
    """A repair that changes fields of the document the finding names."""

    def repair(c: Corpus, req: FacilityRequest, org: Organization, f: Finding):
        docs = []
        for d in c.docs:
            if d.document == f.document and f.page in d.pages:
                d = copy.deepcopy(d)
                d.fields.update(field_values(req, org, d))
            docs.append(d)
        return req, org, docs, c.revoked

    return repair


def _fix_request(**changes: Callable[[FacilityRequest], object]):
    def repair(c: Corpus, req: FacilityRequest, org: Organization, f: Finding):
        return dataclasses.replace(req, **{k: fn(req) for k, fn in changes.items()}), org, c.docs, c.revoked

    return repair


def _fix_org(**changes: object):
    def repair(c: Corpus, req: FacilityRequest, org: Organization, f: Finding):
        return req, dataclasses.replace(org, **changes), c.docs, c.revoked

    return repair


def _covering(req: FacilityRequest, *_: object) -> dict:
    return {"gl_effective": _shift(min(req.use_dates), -30), "gl_expiration": _shift(max(req.use_dates), 30)}


def _fix_license_dates(req, *_):
    return {"expiration_date": _shift(max(req.use_dates), 30)}


def _reinstated(c: Corpus, req, org, f: Finding):
    revoked = {
        ein: dataclasses.replace(r, reinstatement_date=date(2024, 1, 1)) for ein, r in c.revoked.items()
    }
    return req, org, c.docs, revoked


def _add_person_clearance(c: Corpus, req, org, f: Finding):
    return (
        dataclasses.replace(req, personnel=[p for p in req.personnel if p != f.subject]),
        org,
        c.docs,
        c.revoked,
    )


REPAIRS = {
    "REQUEST_SHORT_NOTICE": _fix_request(submitted_on=lambda r: _shift(min(r.use_dates), -30)),
    "REQUEST_NEXT_SCHOOL_YEAR": _fix_request(
        submitted_on=lambda r: date(
            max(r.use_dates).year if max(r.use_dates).month >= 7 else max(r.use_dates).year - 1, 7, 1
        )
    ),
    "KITCHEN_SHORT_NOTICE": _fix_request(submitted_on=lambda r: _shift(min(r.kitchen_dates), -20)),
    "COI_MISSING": _fix_request(community_school=lambda r: True),  # community school: no COI needed
    "NONPROFIT_LETTER_MISSING": _fix_org(government=True),  # category 4 agency: no letter needed
    "BUSINESS_LICENSE_MISSING": _fix_org(category="1"),
    "HEALTH_PERMIT_MISSING": _fix_request(uses_kitchen=lambda r: False, kitchen_dates=lambda r: []),
    "BACKGROUND_CHECK_MISSING": _add_person_clearance,
    "COI_LIMIT_BELOW_MINIMUM": _fix_doc(lambda r, o, d: {"gl_each_occurrence": 1_000_000}),
    "COI_ADDITIONAL_INSURED_MISSING": _fix_doc(lambda r, o, d: {"additional_insured_aps": True}),
    "COI_EXPIRED": _fix_doc(_covering),
    "COI_DOES_NOT_COVER_USE_DATES": _fix_doc(_covering),
    "COI_MISSING_AM_BEST": _fix_doc(lambda r, o, d: {"am_best_rating": "A- VIII"}),
    "COI_MISSING_COVERAGE_TRIGGER": _fix_doc(lambda r, o, d: {"coverage_trigger": "occurrence"}),
    "COI_MISSING_ACTIVITY": _fix_doc(
        lambda r, o, d: {"description": f"{r.activity} at {r.school}, {min(r.use_dates):%B %-d, %Y}."}
    ),
    "COI_INSURED_NAME_MISMATCH": _fix_doc(lambda r, o, d: {"insured_name": o.name.upper()}),
    "COI_HOLDER_NOT_APS": _fix_doc(lambda r, o, d: {"certificate_holder": "Albuquerque Public Schools"}),
    "NONPROFIT_NOT_501C": _fix_doc(lambda r, o, d: {"subsection": "501(c)(3)"}),
    "NONPROFIT_EIN_MISMATCH": _fix_doc(lambda r, o, d: {"ein": o.ein}),
    "NONPROFIT_NAME_MISMATCH": _fix_doc(lambda r, o, d: {"org_name": o.name}),
    "NONPROFIT_REVOKED": _reinstated,
    "BUSINESS_LICENSE_EXPIRED": _fix_doc(_fix_license_dates),
    "BUSINESS_LICENSE_LAPSES": _fix_doc(_fix_license_dates),
    "BUSINESS_LICENSE_NOT_ABQ": _fix_doc(lambda r, o, d: {"issuer": "City of Albuquerque"}),
    "BUSINESS_LICENSE_NAME_MISMATCH": _fix_doc(lambda r, o, d: {"business_name": o.name}),
    "HEALTH_PERMIT_ISSUER_INVALID": _fix_doc(
        lambda r, o, d: {"issuer": "Bernalillo County Office of Environmental Health"}
    ),
    "HEALTH_PERMIT_DATES": _fix_doc(
        lambda r, o, d: {"valid_from": min(r.kitchen_dates), "valid_to": max(r.kitchen_dates)}
    ),
    "BACKGROUND_CHECK_NOT_CLEARED": _fix_doc(
        lambda r, o, d: {"status": "cleared", "expiration_date": _shift(max(r.use_dates), 365)}
    ),
    "BACKGROUND_CHECK_EXPIRED": _fix_doc(lambda r, o, d: {"expiration_date": _shift(max(r.use_dates), 365)}),
}


def test_repairs_cover_every_code():
    assert set(REPAIRS) == set(DEV_CODES)


@pytest.mark.parametrize("code", DEV_CODES)
def test_code_raised_on_planted_document_and_not_on_its_twin(code, corpus, policy):
    rid = next(
        rid for rid, t in sorted(corpus.truth.items()) if any(f["code"] == code for f in t["findings"])
    )
    expected = next(f for f in corpus.truth[rid]["findings"] if f["code"] == code)
    found = run(corpus, policy, rid)
    mine = [f for f in found if f.code == code]
    assert mine, f"{code} not raised for {rid}"
    f = mine[0]
    assert f.subject == expected["subject"]
    assert f.document == expected["document"]
    assert f.severity == policy.rule(code).severity

    req, org, docs, revoked = REPAIRS[code](
        corpus, corpus.requests[rid], corpus.orgs[corpus.requests[rid].org_id], f
    )
    twin = check_request(req, org, docs, policy, corpus.as_of, revoked)
    assert code not in codes(twin) or (
        f.subject and f.subject not in {x.subject for x in twin if x.code == code}
    )


# ----------------------------------------------------------------------------- specific behaviour


def _docs_of(c: Corpus, org_id: str, kind: str) -> list[DocumentOnFile]:
    return [d for d in c.docs if d.org_id == org_id and d.doc_type == kind]


def _request_with(c: Corpus, variant_doc: Callable[[DocumentOnFile], bool]) -> tuple[str, DocumentOnFile]:
    for rid, req in sorted(c.requests.items()):
        for d in c.docs:
            if d.org_id == req.org_id and variant_doc(d):
                return rid, d
    raise AssertionError("no such document in the dev corpus")


def test_renewal_is_judged_over_expired_certificate_and_message_says_which(corpus, policy):
    """An org with an expired certificate and its renewal is judged on the renewal."""
    rid = next(
        rid
        for rid, r in sorted(corpus.requests.items())
        if len(_docs_of(corpus, r.org_id, "coi")) > 1
        and any(d.fields["gl_expiration"] < corpus.as_of for d in _docs_of(corpus, r.org_id, "coi"))
        and corpus.truth[rid]["verdict"] == "compliant"
    )
    assert verdict(run(corpus, policy, rid)) == "compliant"
    # break the renewal's activity line: now the renewal is still judged (it covers the dates) and named
    req = corpus.requests[rid]
    renewal = max(_docs_of(corpus, req.org_id, "coi"), key=lambda d: d.fields["gl_expiration"])
    broken = copy.deepcopy(renewal)
    broken.fields["am_best_rating"] = None
    docs = [broken if d is renewal else d for d in corpus.docs]
    found = [f for f in run(corpus, policy, rid, docs=docs) if f.code.startswith("COI_")]
    assert codes(found) == {"COI_MISSING_AM_BEST"}
    assert f"judged {renewal.document}" in found[0].message and "best of 2" in found[0].message


def test_certificate_per_event_is_chosen_by_the_dates_it_names(corpus, policy):
    """Two certificates of one org, one per event: each request is judged on its own event's."""
    for rid, req in sorted(corpus.requests.items()):
        cois = _docs_of(corpus, req.org_id, "coi")
        if len(cois) == 2 and corpus.truth[rid]["verdict"] == "compliant":
            named = [len(activity_dates_named(d.fields["description"], req.use_dates)) for d in cois]
            if sorted(named)[0] == 0 and sorted(named)[1] > 0:
                assert "COI_MISSING_ACTIVITY" not in codes(run(corpus, policy, rid))
                only_other = [d for d, n in zip(cois, named, strict=True) if n == 0]
                docs = [d for d in corpus.docs if d not in cois] + only_other
                assert "COI_MISSING_ACTIVITY" in codes(run(corpus, policy, rid, docs=docs))
                return
    pytest.fail("no per-event certificate pair in the dev corpus")


def test_activity_dates_named():
    use = [date(2027, 1, 16), date(2027, 1, 23)]
    assert activity_dates_named("Volleyball on Saturdays 01/16/2027 - 02/06/2027.", use) == use
    assert activity_dates_named("Games Jan 9, 2027 through Jan 20, 2027", use) == [date(2027, 1, 16)]
    assert activity_dates_named("Event on January 23, 2027 at the gym", use) == [date(2027, 1, 23)]
    assert activity_dates_named("Saturdays Jan 16 - Feb 6", use) == [date(2027, 1, 16)]
    assert activity_dates_named("Evidence of coverage for volleyball league games.", use) == []
    assert activity_dates_named("Fall carnival on 09/02/2027.", use) == []  # another event's date
    assert activity_dates_named("", use) == []
    # the year printed once, after the last date, as people write it
    assert activity_dates_named("Saturdays Jan 9 through Mar 27, 2027", use) == use
    assert activity_dates_named("League nights Jan. 16-23, 2027", use) == use
    assert activity_dates_named("Use dates 1/16, 1/23 and 3/6/2027", use) == use
    assert activity_dates_named("Winter season Dec 5 through Jan 20, 2027", use) == [date(2027, 1, 16)]
    assert activity_dates_named("Saturdays Jan 9 through Mar 27, 2028", use) == []  # another year


def test_umbrella_counts_only_when_its_period_covers_every_use_date(corpus, policy):
    gl_low = next(
        d
        for d in corpus.docs
        if d.doc_type == "coi"
        and d.fields["umbrella_each_occurrence"]
        and d.fields["gl_each_occurrence"] < 1_000_000
    )
    f = gl_low.fields
    inside = [f["umbrella_effective"] + timedelta(days=1), f["umbrella_expiration"] - timedelta(days=1)]
    total, gl, _ = coi_limit(gl_low, inside, policy)
    assert total == f["gl_each_occurrence"] + f["umbrella_each_occurrence"]
    past = [inside[0], f["umbrella_expiration"] + timedelta(days=1)]
    total, gl, note = coi_limit(gl_low, past, policy)
    assert total == gl == f["gl_each_occurrence"] and "not counted" in note


def test_limit_message_reads_for_staff(corpus, policy):
    rid = next(
        rid
        for rid, t in sorted(corpus.truth.items())
        if any(f["code"] == "COI_LIMIT_BELOW_MINIMUM" for f in t["findings"])
    )
    msg = next(f.message for f in run(corpus, policy, rid) if f.code == "COI_LIMIT_BELOW_MINIMUM")
    assert "APS requires $1,000,000 per occurrence (certificate p.1)" in msg
    assert msg.startswith("General-liability limit is $")


def test_certificate_holder_named_additional_insured(policy):
    text = "The certificate holder is named as additional insured with respect to general liability."
    assert states_aps_additional_insured(text, "Albuquerque Municipal School District No. 12", policy)
    assert not states_aps_additional_insured(text, "Mark Twain Elementary School", policy)
    assert not states_aps_additional_insured(
        "City of Albuquerque is included as Additional Insured when required by written contract.",
        "APS",
        policy,
    )
    assert not states_aps_additional_insured("Blanket additional insured per policy form.", "APS", policy)
    assert states_aps_additional_insured("Additional Insured: APS (general liability).", None, policy)


def test_unknown_fields_never_pass_blocking_checks(corpus, policy):
    """Blank each field of each document in turn: no flagged request may turn compliant, and a
    compliant request's judged certificate with its limit, dates, rating, trigger or insured
    unknown must flag."""
    for rid, t in sorted(corpus.truth.items()):
        req = corpus.requests[rid]
        mine = [d for d in corpus.docs if d.org_id == req.org_id]
        for d in mine:
            for field, value in d.fields.items():
                if value in (None, ""):
                    continue
                blank = copy.deepcopy(d)
                blank.fields[field] = None
                docs = [blank if x is d else x for x in corpus.docs]
                v = verdict(run(corpus, policy, rid, docs=docs))
                assert not (t["verdict"] == "flagged" and v == "compliant"), (rid, d.document, field)
    rid = next(
        rid
        for rid, t in sorted(corpus.truth.items())
        if t["verdict"] == "compliant"
        and len(_docs_of(corpus, corpus.requests[rid].org_id, "coi")) == 1
        and not corpus.requests[rid].community_school
    )
    coi = _docs_of(corpus, corpus.requests[rid].org_id, "coi")[0]
    expect = {
        "gl_each_occurrence": "COI_LIMIT_BELOW_MINIMUM",
        "gl_expiration": "COI_DOES_NOT_COVER_USE_DATES",
        "gl_effective": "COI_DOES_NOT_COVER_USE_DATES",
        "am_best_rating": "COI_MISSING_AM_BEST",
        "coverage_trigger": "COI_MISSING_COVERAGE_TRIGGER",
        "description": "COI_MISSING_ACTIVITY",
        "insured_name": "COI_INSURED_NAME_MISMATCH",
    }
    for field, code in expect.items():
        blank = copy.deepcopy(coi)
        blank.fields[field] = None
        found = run(corpus, policy, rid, docs=[blank if x is coi else x for x in corpus.docs])
        assert code in codes(found) and verdict(found) == "flagged", field


def _compliant_request_with_one_letter(corpus: Corpus) -> tuple[str, DocumentOnFile]:
    rid = next(
        rid
        for rid, t in sorted(corpus.truth.items())
        if t["verdict"] == "compliant"
        and len(_docs_of(corpus, corpus.requests[rid].org_id, "nonprofit_letter")) == 1
    )
    return rid, _docs_of(corpus, corpus.requests[rid].org_id, "nonprofit_letter")[0]


def test_unread_letter_ein_blocks(corpus, policy):
    rid, letter = _compliant_request_with_one_letter(corpus)
    blank = copy.deepcopy(letter)
    blank.fields["ein"] = None
    found = run(corpus, policy, rid, docs=[blank if x is letter else x for x in corpus.docs])
    assert "NONPROFIT_EIN_MISMATCH" in codes(found)
    [ein] = [f for f in found if f.code == "NONPROFIT_EIN_MISMATCH"]
    assert "could not be read" in ein.message and "does not match" not in ein.message


def test_determination_letter_is_judged_over_an_ein_notice_beside_it(corpus, policy):
    """An EIN assignment notice filed beside the 501(c) letter never hides it, even when the letter's EIN
    could not be read: the finding is then about the EIN, on the letter."""
    rid, letter = _compliant_request_with_one_letter(corpus)
    notice = copy.deepcopy(letter)
    notice.document, notice.segment_id, notice.fields["subsection"] = "EIN notice.pdf", 10_000, None
    notice.fields["letter_date"] = corpus.as_of  # newer than the letter
    assert "NONPROFIT_NOT_501C" not in codes(run(corpus, policy, rid, docs=[*corpus.docs, notice]))
    unread = copy.deepcopy(letter)
    unread.fields["ein"] = None
    docs = [unread if x is letter else x for x in corpus.docs] + [notice]
    found = [f for f in run(corpus, policy, rid, docs=docs) if f.code.startswith("NONPROFIT_")]
    assert codes(found) == {"NONPROFIT_EIN_MISMATCH"} and f"judged {letter.document}" in found[0].message


def test_reinstated_ein_is_not_revoked(corpus, policy):
    reinstated = {ein for ein, r in corpus.revoked.items() if r.reinstatement_date}
    rid = next(rid for rid, r in sorted(corpus.requests.items()) if corpus.orgs[r.org_id].ein in reinstated)
    assert "NONPROFIT_REVOKED" not in codes(run(corpus, policy, rid))
    assert "NONPROFIT_REVOKED" in codes(
        run(
            corpus,
            policy,
            rid,
            revoked={
                ein: dataclasses.replace(r, reinstatement_date=None) for ein, r in corpus.revoked.items()
            },
        )
    )


def test_government_agency_needs_no_letter_but_a_certificate(corpus, policy):
    rid = next(rid for rid, r in sorted(corpus.requests.items()) if corpus.orgs[r.org_id].government)
    assert verdict(run(corpus, policy, rid)) == "compliant"
    found = run(corpus, policy, rid, docs=[d for d in corpus.docs if d.doc_type != "coi"])
    assert codes(found) == {"COI_MISSING"}


def test_background_check_names_in_either_order(corpus):
    assert same_person("O'Brien, Kevin A.", "Kevin A. O'Brien")
    assert same_person("NEZ, AMANDA L", "Amanda L. Nez")
    assert same_person("Nicole Jesse Lovato", "Nicole J. Lovato")
    assert not same_person("Patricia Walker", "Shaun R. Walker")


def test_school_year_and_notice_boundaries(corpus, policy):
    rid = next(
        rid
        for rid, t in sorted(corpus.truth.items())
        if t["verdict"] == "compliant"
        and not corpus.requests[rid].uses_kitchen
        and corpus.orgs[corpus.requests[rid].org_id].category == "1"
    )
    base = corpus.requests[rid]
    sub = date(2026, 11, 1)
    june30 = dataclasses.replace(base, submitted_on=sub, use_dates=[date(2027, 6, 30)])
    july1 = dataclasses.replace(base, submitted_on=sub, use_dates=[date(2027, 6, 30), date(2027, 7, 1)])
    assert "REQUEST_NEXT_SCHOOL_YEAR" not in codes(run(corpus, policy, rid, request=june30))
    assert "REQUEST_NEXT_SCHOOL_YEAR" in codes(run(corpus, policy, rid, request=july1))
    ten = dataclasses.replace(base, submitted_on=sub, use_dates=[sub + timedelta(days=10)])
    nine = dataclasses.replace(base, submitted_on=sub, use_dates=[sub + timedelta(days=9)])
    assert "REQUEST_SHORT_NOTICE" not in codes(run(corpus, policy, rid, request=ten))
    assert "REQUEST_SHORT_NOTICE" in codes(run(corpus, policy, rid, request=nine))
    k14 = dataclasses.replace(
        ten, uses_kitchen=True, use_dates=[sub + timedelta(days=14)], kitchen_dates=[sub + timedelta(days=14)]
    )
    k13 = dataclasses.replace(
        k14, use_dates=[sub + timedelta(days=13)], kitchen_dates=[sub + timedelta(days=13)]
    )
    assert "KITCHEN_SHORT_NOTICE" not in codes(run(corpus, policy, rid, request=k14))
    assert "KITCHEN_SHORT_NOTICE" in codes(run(corpus, policy, rid, request=k13))


def test_verdict():
    assert verdict([]) == "compliant"
    assert verdict([Finding("BUSINESS_LICENSE_LAPSES", "warn", "m")]) == "compliant"
    assert verdict([Finding("COI_MISSING", "block", "m"), Finding("X", "warn", "m")]) == "flagged"
    waived = Finding("COI_MISSING", "block", "m")
    waived.waiver_id = 7
    assert verdict([waived, Finding("X", "warn", "m")]) == "compliant"
