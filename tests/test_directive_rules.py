"""The rest of the directive on stored data: rental fees, deposits, Category 3 permits, past-due accounts,
kitchen applications (and, in test_cpr.py, CPR cards).

A registry file is imported into a real database (SQLite and PostgreSQL), `compliance check`'s flow and the
nightly sweep check it, and the export and the stored rows are read back: the same path staff use.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from flows.checks import check_requests
from flows.export import build_export
from flows.registry import import_registry
from flows.service_settings import ServiceSettings
from flows.sweep import check_open_requests
from storage import repository as repo
from storage.db import Database, alembic_config, database
from storage.registry_file import read_registry
from validators.policy import load_policy

AS_OF = date(2026, 12, 1)
DEV = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev"


def org(org_id: str, category: str, **extra: object) -> dict:
    return {"org_id": org_id, "name": f"Test Group {org_id}", "dba": [], "category": category,
            "government": False, "ein": None, "address": "1 Main St", "contact_email": "x@example.org", **extra}


def req(rid: str, org_id: str, dates: list[str], start: str, end: str, facility: str = "gymnasium",
        **extra: object) -> dict:
    return {"request_id": rid, "org_id": org_id, "school": "Test High School", "facility": facility,
            "activity": "Practice", "use_dates": dates, "start_time": start, "end_time": end,
            "submitted_on": "2026-11-01", "community_school": False, "uses_kitchen": False, "kitchen_dates": [],
            "serves_students": False, "personnel": [], **extra}


ONE_DAY = ["2027-01-16"]
# Category 5 gymnasium EXAMPLE rates: 56 (up to 2 h), 88 (2-4 h), 120 (4-6 h); over 6 h +30 per 2 h or part.
BOUNDARIES = {
    "R-2H": ("09:00", "11:00", 56),
    "R-2H1": ("09:00", "11:01", 88),
    "R-4H": ("09:00", "13:00", 88),
    "R-6H": ("09:00", "15:00", 120),
    "R-6H1": ("09:00", "15:01", 150),
    "R-8H": ("09:00", "17:00", 150),
    "R-10H30": ("08:00", "18:30", 210),
}
SIX_B_DATES = ["2027-01-12", "2027-01-14", "2027-01-19", "2027-02-02", "2027-02-04"]  # 5 x $72 = $360


def registry() -> dict:
    orgs = [
        org("ORG-FIVE", "5"),
        org("ORG-SIXB", "6b"),
        org("ORG-CAT3", "3", cat3_permit={"issued": "2026-08-01", "expires": "2027-01-31", "fee_paid": 50}),
        org("ORG-CAT3-SHORT", "3", cat3_permit={"issued": "2026-08-01", "expires": "2027-07-31", "fee_paid": 50}),
        org("ORG-OWES", "4", past_due_balance=125.40),
        org("ORG-PTA", "2"),
    ]
    requests = [req(rid, "ORG-FIVE", ONE_DAY, a, b) for rid, (a, b, _) in BOUNDARIES.items()]
    six_b = dict(start="15:00", end="17:00")
    requests += [
        req("R-6B-NONE", "ORG-SIXB", SIX_B_DATES, **six_b, deposit_received=None),
        req("R-6B-LOW", "ORG-SIXB", SIX_B_DATES, **six_b,
            deposit_received={"amount": 50, "date": "2026-11-02", "instrument": "check", "number": "1043"}),
        req("R-6B-CASH", "ORG-SIXB", SIX_B_DATES, **six_b,
            deposit_received={"amount": 200, "date": "2026-11-02", "instrument": "cash"}),
        req("R-6B-PAID", "ORG-SIXB", SIX_B_DATES, **six_b,
            deposit_received={"amount": 72, "date": "2026-11-02", "instrument": "money_order", "number": "88-1"}),
        req("R-6B-UNTRACKED", "ORG-SIXB", SIX_B_DATES, **six_b),  # an older registry row: no deposit key
        req("R-FIVE-NOTIME", "ORG-FIVE", ONE_DAY, "", "", deposit_received=None),
        req("R-CAT3-SOME", "ORG-CAT3", ["2027-01-20", "2027-02-03"], "09:00", "11:00", facility="classroom"),
        req("R-CAT3-ALL", "ORG-CAT3", ["2027-01-09", "2027-01-23"], "09:00", "11:00", facility="classroom"),
        req("R-CAT3-SHORTFEE", "ORG-CAT3-SHORT", ["2027-01-20"], "09:00", "11:00", facility="classroom"),
        req("R-OWES", "ORG-OWES", ONE_DAY, "18:00", "20:00", facility="athletic field"),
        req("R-COMMUNITY", "ORG-FIVE", ONE_DAY, "09:00", "15:00", community_school=True, deposit_received=None),
        req("R-KITCHEN-NONE", "ORG-PTA", ["2027-01-16"], "10:00", "13:00", facility="kitchen", uses_kitchen=True,
            kitchen_dates=["2027-01-16"], kitchen_application_approved_on=None),
        req("R-KITCHEN-LATE", "ORG-PTA", ["2027-01-16"], "10:00", "13:00", facility="kitchen", uses_kitchen=True,
            kitchen_dates=["2027-01-16"], kitchen_application_approved_on="2027-01-06"),
        req("R-KITCHEN-OK", "ORG-PTA", ["2027-01-16"], "10:00", "13:00", facility="kitchen", uses_kitchen=True,
            kitchen_dates=["2027-01-16"], kitchen_application_approved_on="2027-01-02"),
        req("R-KITCHEN-UNTRACKED", "ORG-PTA", ["2027-01-16"], "10:00", "13:00", facility="kitchen",
            uses_kitchen=True, kitchen_dates=["2027-01-16"]),
    ]
    return {"organizations": orgs, "requests": requests}


@pytest.fixture
def checked(db_url: str, tmp_path: Path) -> dict:
    """The registry imported and checked; the export by request id."""
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(registry()), encoding="utf-8")
    imported = import_registry(db_url, path)
    assert imported.errors == []
    check_requests(db_url, AS_OF)
    export = build_export(db_url, AS_OF)
    return {"db_url": db_url, "path": path, "by_id": {r["request_id"]: r for r in export["requests"]}}


def codes(r: dict) -> list[str]:
    return sorted(f["code"] for f in r["findings"])


def test_fee_at_the_hour_boundaries(checked: dict) -> None:
    by_id = checked["by_id"]
    for rid, (start, end, amount) in BOUNDARIES.items():
        fee = by_id[rid]["fee"]
        assert fee["per_date"] == {"2027-01-16": amount}, (rid, start, end)
        assert fee["total"] == amount and fee["waived_because"] is None
        assert fee["example_rates"] is True and fee["facility_types"] == ["gymnasium"]
    # 10 h 30 min: over the $200 line, a deposit of half is owed, but this older-style row keeps no deposit
    # record, so it is shown and not judged
    assert by_id["R-10H30"]["fee"]["deposit_due"] == 105
    assert "DEPOSIT_NOT_RECEIVED" not in codes(by_id["R-10H30"])
    assert by_id["R-8H"]["fee"]["deposit_due"] == 0


def test_deposit_of_a_regular_commercial_user_is_half_the_last_month(checked: dict) -> None:
    by_id = checked["by_id"]
    fee = by_id["R-6B-NONE"]["fee"]
    assert fee["total"] == 360 and fee["deposit_due"] == 72  # February: 2 x $72, half of it
    assert "last month" in fee["deposit_basis"] and "February 2027" in fee["deposit_basis"]
    for rid, words in (("R-6B-NONE", "no deposit is recorded"), ("R-6B-LOW", "$50, less than"),
                       ("R-6B-CASH", "cash, which is not accepted")):
        found = [f for f in by_id[rid]["findings"] if f["code"] == "DEPOSIT_NOT_RECEIVED"]
        assert len(found) == 1 and found[0]["severity"] == "block", rid
        assert words in found[0]["message"] and "$72" in found[0]["message"], found[0]["message"]
        assert by_id[rid]["verdict"] == "flagged"
    for rid in ("R-6B-PAID", "R-6B-UNTRACKED"):
        assert "DEPOSIT_NOT_RECEIVED" not in codes(by_id[rid]), rid


def test_fee_that_cannot_be_worked_out_blocks_a_tracked_deposit(checked: dict) -> None:
    r = checked["by_id"]["R-FIVE-NOTIME"]
    assert r["fee"]["total"] is None and "no start and end time" in r["fee"]["problem"]
    [f] = [f for f in r["findings"] if f["code"] == "DEPOSIT_NOT_RECEIVED"]
    assert "could not be worked out" in f["message"] and "{" not in f["message"]


def test_category_3_permit_covering_some_use_dates(checked: dict) -> None:
    by_id = checked["by_id"]
    some = by_id["R-CAT3-SOME"]["fee"]
    assert some["per_date"] == {"2027-01-20": 0, "2027-02-03": 20} and some["total"] == 20
    assert some["waived_because"] is None
    assert some["cat3_permit"]["covered"] == ["2027-01-20"] and some["cat3_permit"]["not_covered"] == ["2027-02-03"]
    assert some["cat3_permit"]["covers_all_use_dates"] is False
    every = by_id["R-CAT3-ALL"]["fee"]
    assert every["waived_because"] == "category 3 permit" and every["total"] == 0
    # a 12-month permit paid at the 6-month price is not honoured: the schedule's fee applies
    short = by_id["R-CAT3-SHORTFEE"]["fee"]
    assert short["total"] == 20 and short["cat3_permit"]["honoured"] is False
    assert "short of $100" in short["cat3_permit"]["problem"]


def test_free_categories_and_community_school(checked: dict) -> None:
    by_id = checked["by_id"]
    assert by_id["R-KITCHEN-OK"]["fee"]["waived_because"] == "category 2"
    community = by_id["R-COMMUNITY"]["fee"]
    assert community["waived_because"] == "community school" and community["total"] == 0
    assert community["per_date"] == {"2027-01-16": 0}
    assert "DEPOSIT_NOT_RECEIVED" not in codes(by_id["R-COMMUNITY"])


def test_past_due_organization_may_not_rent(checked: dict) -> None:
    r = checked["by_id"]["R-OWES"]
    [f] = [f for f in r["findings"] if f["code"] == "ACCOUNT_PAST_DUE"]
    assert f["severity"] == "block" and r["verdict"] == "flagged"
    assert "$126" in f["message"] and "Test Group ORG-OWES" in f["message"]  # cents owed round up
    assert r["fee"]["facility_types"] == ["field"] and r["fee"]["total"] == 40


def test_kitchen_request_without_its_application(checked: dict) -> None:
    by_id = checked["by_id"]
    [none] = [f for f in by_id["R-KITCHEN-NONE"]["findings"] if f["code"] == "KITCHEN_APPLICATION_MISSING"]
    assert "no approval is recorded" in none["message"] and "2027-01-02" in none["message"]
    [late] = [f for f in by_id["R-KITCHEN-LATE"]["findings"] if f["code"] == "KITCHEN_APPLICATION_MISSING"]
    assert "approved on 2027-01-06, too late" in late["message"]
    assert "KITCHEN_APPLICATION_MISSING" not in codes(by_id["R-KITCHEN-OK"])
    assert "KITCHEN_APPLICATION_MISSING" not in codes(by_id["R-KITCHEN-UNTRACKED"])


def test_nightly_sweep_raises_the_same_findings_and_fee(checked: dict, tmp_path: Path) -> None:
    db_url = checked["db_url"]
    with database(db_url).session() as s:  # forget the check's results, so the sweep must write them
        s.execute(text("DELETE FROM findings"))
        s.execute(text("UPDATE facility_requests SET fee = NULL, verdict = NULL"))
        s.commit()
    check_open_requests(db_url, AS_OF, ServiceSettings(home=tmp_path))
    swept = {r["request_id"]: r for r in build_export(db_url, AS_OF)["requests"]}
    for rid, r in checked["by_id"].items():
        assert swept[rid]["verdict"] == r["verdict"], rid
        assert codes(swept[rid]) == codes(r), rid
        assert swept[rid]["fee"] == r["fee"], rid


def test_a_registry_without_a_key_keeps_what_is_stored(checked: dict, tmp_path: Path) -> None:
    """Staff editing a request on the desk, or an older registry export, does not wipe a recorded deposit."""
    db_url = checked["db_url"]
    data = registry()
    for r in data["requests"]:
        r.pop("deposit_received", None)
    for o in data["organizations"]:
        o.pop("past_due_balance", None)
    older = tmp_path / "older.json"
    older.write_text(json.dumps(data), encoding="utf-8")
    assert import_registry(db_url, older).errors == []
    with database(db_url).session() as s:
        reqs = {r.request_id: r for r in repo.load_requests(s)}
        orgs = {o.org_id: o for o in repo.load_organizations(s)}
    assert reqs["R-6B-LOW"].deposit_received is not None and reqs["R-6B-LOW"].deposit_received.amount == 50
    assert "deposit_received" in reqs["R-6B-NONE"].recorded
    assert orgs["ORG-OWES"].past_due_balance == 126


def test_csv_registry_with_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text(
        "org_id,name,category,past_due_balance,cat3_permit_issued,cat3_permit_expires,cat3_permit_fee_paid,"
        "request_id,use_dates,start_time,end_time,facility,regular_use,deposit_amount,deposit_date,"
        "deposit_instrument,deposit_number,cpr_required,kitchen_application_approved_on\n"
        "ORG-1,Scouts,3,,2026-08-01,2027-01-31,50,,,,,,,,,,,,\n"
        "ORG-1,,,,,,,AC11-1,2027-01-16;2027-01-23,09:00,11:00,gym,yes,150,2026-11-12,Money Order,1043,true,\n",
        encoding="utf-8",
    )
    parsed = read_registry(path)
    assert parsed.errors == []
    [o] = parsed.organizations
    assert o.cat3_permit is not None and o.cat3_permit.fee_paid == 50 and o.past_due_balance == 0
    [r] = parsed.requests
    assert r.regular_use and r.cpr_required and r.kitchen_application_approved_on is None
    assert r.deposit_received is not None and r.deposit_received.instrument == "money_order"
    assert r.deposit_received.amount == 150 and r.deposit_received.number == "1043"
    assert "kitchen_application_approved_on" in r.recorded  # the column is kept: an empty cell means none


def test_bad_new_values_are_refused_with_the_field(tmp_path: Path) -> None:
    data = {"organizations": [org("ORG-1", "5", past_due_balance="lots")],
            "requests": [req("R-1", "ORG-1", ONE_DAY, "09:00", "11:00",
                             deposit_received={"amount": 100, "instrument": "credit card"})]}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    errors = {e.field: e.message for e in read_registry(path).errors}
    assert "not an amount of dollars" in errors["past_due_balance"]
    assert "not check, money_order or cash" in errors["deposit_received.instrument"]


def test_existing_database_and_dev_registry_keep_loading(tmp_path: Path) -> None:
    """A database made before migration 0004, with a request in it, upgrades and checks; the dev registry loads
    unchanged and its requests get a fee and none of the new findings."""
    from alembic import command

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0003")
    old = Database(url, migrate_schema=False)
    with old.engine.begin() as c:
        c.execute(text("INSERT INTO organizations (org_id, name, dba, category, government, updated_at) "
                       "VALUES ('ORG-OLD', 'Old Group', '[]', '6a', 0, '2026-01-01')"))
        c.execute(text(
            "INSERT INTO facility_requests (request_id, org_id, school, facility, activity, use_dates, "
            "community_school, uses_kitchen, kitchen_dates, serves_students, personnel, updated_at) VALUES "
            "('R-OLD', 'ORG-OLD', 'S', 'classroom', 'A', '[\"2027-01-16\"]', 0, 0, '[]', 0, '[]', '2026-01-01')"))
    old.dispose()
    database.cache_clear()
    assert import_registry(url, DEV / "registry.json").errors == []
    check_requests(url, AS_OF)
    export = build_export(url, AS_OF)
    new_codes = {"DEPOSIT_NOT_RECEIVED", "ACCOUNT_PAST_DUE", "CPR_MISSING", "CPR_EXPIRED",
                 "KITCHEN_APPLICATION_MISSING"}
    for r in export["requests"]:
        assert not new_codes & set(codes(r)), r["request_id"]
        assert r["fee"] is not None
    old_row = next(r for r in export["requests"] if r["request_id"] == "R-OLD")
    assert old_row["fee"]["total"] is None and "no start and end time" in old_row["fee"]["problem"]
    dev = [r for r in export["requests"] if r["request_id"] != "R-OLD"]
    assert all(r["fee"]["total"] is not None for r in dev)  # every dev facility is in the example schedule
    database.cache_clear()


def test_policy_refuses_a_rate_table_missing_a_category(tmp_path: Path) -> None:
    from validators.policy import DEFAULT_POLICY_PATH, PolicyError

    text_ = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    old = '      "6b": {up_to_2h: 44, up_to_4h: 68, up_to_6h: 96}\n'
    assert old in text_
    bad = tmp_path / "p.yaml"
    bad.write_text(text_.replace(old, ""), encoding="utf-8")
    with pytest.raises(PolicyError) as e:
        load_policy(bad)
    assert any(p.startswith("fees.rates.library: no rates for categories 6b") for p in e.value.problems)


def test_request_and_organization_pages_show_fee_deposit_permit_and_balance(checked: dict, tmp_path: Path) -> None:
    import re

    from fastapi.testclient import TestClient

    from web.app import create_app
    from web.auth import create_user

    create_user(checked["db_url"], "rita", "correct horse battery", "reviewer", display_name="Rita Test")
    client = TestClient(create_app(checked["db_url"], home=tmp_path, as_of=AS_OF))
    login = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": "rita", "password": "correct horse battery", "next": "/queue",
                                    "csrf_token": token})
    assert r.status_code == 200
    page = client.get("/requests/R-6B-LOW").text
    fee = page[page.index('id="fee"'):]
    fee = fee[: fee.index("</section>")]
    assert "$360" in fee and "Deposit owed with the AC-11: <b>$72</b>" in fee
    assert "Recorded: $50 by check no. 1043" in fee and "EXAMPLE rates" in fee
    assert "DEPOSIT_NOT_RECEIVED" in page
    some = client.get("/requests/R-CAT3-SOME").text
    assert "covers 1 of 2 use dates; not 2027-02-03" in some
    assert "No fee: community school." in client.get("/requests/R-COMMUNITY").text
    assert "not approved" in client.get("/requests/R-KITCHEN-NONE").text
    assert "Balance past due: $126" in client.get("/organizations/ORG-OWES").text
    summary = client.get("/requests/R-6B-LOW/summary").text
    assert "$360 (2027-01-12: $72;" in summary and "deposit owed $72" in summary


CLASSROOM_3 = '      "3":  {up_to_2h: 20, up_to_4h: 32, up_to_6h: 44}\n'
BROKEN = [
    ("    share: 0.5\n", "    share: 1.5\n", "fees.deposit.share"),
    (CLASSROOM_3, CLASSROOM_3.replace("20", "-20", 1), "fees.rates.classroom.3.up_to_2h"),
    ('  free_categories: ["1", "2"]', '  free_categories: ["1", "9"]', "fees.free_categories: unknown category '9'"),
    ("    refused_instruments: [cash]\n", "    refused_instruments: [credit_card]\n",
     "fees.deposit.refused_instruments"),
    ("  min_days_before: 14\n", "  min_days_befor: 14\n", "kitchen_application.min_days_befor: unknown key"),
]


@pytest.mark.parametrize(("old", "new", "problem"), BROKEN)
def test_policy_refuses_broken_fee_settings(old: str, new: str, problem: str, tmp_path: Path) -> None:
    from validators.policy import DEFAULT_POLICY_PATH, PolicyError

    text_ = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    assert old in text_, old
    bad = tmp_path / "p.yaml"
    bad.write_text(text_.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PolicyError) as e:
        load_policy(bad)
    assert any(p.startswith(problem) for p in e.value.problems), e.value.problems
