"""Reading the registry that staff keep: registry.json, or a CSV export of the same columns."""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from storage.records import Cat3Permit, Deposit, FacilityRequest, Organization

CATEGORIES = {"1", "2", "3", "4", "5", "6a", "6b"}
# Optional keys (shared spec, corpus-and-export.md). A registry that leaves a key out says nothing about it:
# loading it keeps what is stored, and a rule that needs the record is not judged on it (see README).
ORGANIZATION_OPTIONAL = ("past_due_balance", "cat3_permit")
REQUEST_OPTIONAL = ("facility_type", "regular_use", "deposit_received", "cpr_required",
                    "kitchen_application_approved_on")
# The same records as flat CSV columns (a spreadsheet has no nested objects).
CSV_OBJECTS = {
    "cat3_permit": {"cat3_permit_issued": "issued", "cat3_permit_expires": "expires",
                    "cat3_permit_fee_paid": "fee_paid"},
    "deposit_received": {"deposit_amount": "amount", "deposit_date": "date", "deposit_instrument": "instrument",
                         "deposit_number": "number"},
}
INSTRUMENTS = {"check": "check", "cheque": "check", "money order": "money_order", "cash": "cash",
               "cashier s check": "check", "cashiers check": "check", "certified check": "check"}


@dataclass
class RowError:
    where: str  # "line 12" or "organizations[3]"
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}, field '{self.field}': {self.message}"


@dataclass
class RegistryFile:
    organizations: list[Organization] = field(default_factory=list)
    requests: list[FacilityRequest] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class BadRow(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def read_registry(path: Path) -> RegistryFile:
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    return _read_json(path)


def _read_json(path: Path) -> RegistryFile:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return RegistryFile(errors=[RowError(f"line {e.lineno}", "-", f"not valid JSON: {e.msg}")])
    out = RegistryFile()
    if not isinstance(data, dict):
        out.errors.append(RowError("top level", "-", "expected an object with 'organizations' and 'requests'"))
        return out
    lines = _json_item_lines(text)
    for kind, parse, target in (
        ("organizations", parse_organization, out.organizations),
        ("requests", parse_request, out.requests),
    ):
        for i, item in enumerate(data.get(kind) or []):
            where = f"{kind}[{i}]" + (f" (line {lines[kind][i]})" if i < len(lines.get(kind, [])) else "")
            try:
                target.append(parse(item))  # type: ignore[operator]
            except BadRow as e:
                out.errors.append(RowError(where, e.field, e.message))
    return out


def _json_item_lines(text: str) -> dict[str, list[int]]:
    """Line numbers where each item of the two arrays starts, so errors can point at a line."""
    out: dict[str, list[int]] = {"organizations": [], "requests": []}
    for kind, key in (("organizations", '"org_id"'), ("requests", '"request_id"')):
        start = text.find(f'"{kind}"')
        if start < 0:
            continue
        for m in re.finditer(re.escape(key), text[start:]):
            pos = start + m.start()
            if kind == "organizations":
                req = text.find('"requests"')
                if start < req < pos:
                    break
            out[kind].append(text.count("\n", 0, pos) + 1)
    return out


def _read_csv(path: Path) -> RegistryFile:
    """One CSV holding both kinds: rows with a request_id are requests, the others organizations.
    List columns (dba, use_dates, kitchen_dates, personnel) are separated by ';'."""
    out = RegistryFile()
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        columns = {c.strip() for c in reader.fieldnames or [] if c}
        for row in reader:
            line = reader.line_num
            item: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
            for key, parts in CSV_OBJECTS.items():
                if columns & set(parts):  # the column is kept: an empty cell records that there is none
                    given = {sub: item.pop(col) for col, sub in parts.items() if col in item}
                    item[key] = given or None
            for key in (*ORGANIZATION_OPTIONAL, *REQUEST_OPTIONAL):
                if key in columns and key not in item:
                    item[key] = None
            for key in ("dba", "use_dates", "kitchen_dates", "personnel"):
                if key in item:
                    item[key] = [p.strip() for p in str(item[key]).split(";") if p.strip()]
            for key in ("government", "community_school", "uses_kitchen", "serves_students", "regular_use",
                        "cpr_required"):
                if item.get(key) is not None:
                    item[key] = str(item[key]).strip().lower() in ("1", "true", "yes", "y")
            try:
                if item.get("request_id"):
                    out.requests.append(parse_request(item))
                else:
                    out.organizations.append(parse_organization(item))
            except BadRow as e:
                out.errors.append(RowError(f"line {line}", e.field, e.message))
    return out


def _required_str(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadRow(key, "is required and must be text")
    return value.strip()


def _date(value: Any, key: str) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadRow(key, f"'{value}' is not a date (YYYY-MM-DD)") from None


def _bool(item: dict[str, Any], key: str) -> bool:
    value = item.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise BadRow(key, f"'{value}' must be true or false")
    return value


def _str_list(item: dict[str, Any], key: str) -> list[str]:
    value = item.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRow(key, "must be a list of text values")
    return [v.strip() for v in value if v.strip()]


def _money(value: Any, key: str) -> int:
    """Whole dollars, rounded up (a balance of $0.40 is still owed)."""
    if isinstance(value, bool):
        raise BadRow(key, f"'{value}' is not an amount of dollars")
    if isinstance(value, (int, float)):
        amount = float(value)
    else:
        text = re.sub(r"[,$\s]", "", str(value))
        try:
            amount = float(text)
        except ValueError:
            raise BadRow(key, f"'{value}' is not an amount of dollars") from None
    if amount < 0 or math.isnan(amount) or math.isinf(amount):
        raise BadRow(key, f"'{value}' must be zero or more dollars")
    return math.ceil(round(amount, 2))


def _object(item: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = item.get(key)
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise BadRow(key, "must be an object (or null when there is none)")
    return value


def _cat3_permit(item: dict[str, Any]) -> Cat3Permit | None:
    value = _object(item, "cat3_permit")
    if value is None:
        return None
    if not value.get("issued") or not value.get("expires"):
        raise BadRow("cat3_permit", "needs both 'issued' and 'expires' dates")
    issued, expires = _date(value["issued"], "cat3_permit.issued"), _date(value["expires"], "cat3_permit.expires")
    if expires < issued:
        raise BadRow("cat3_permit", f"expires {expires} before it was issued {issued}")
    fee = value.get("fee_paid")
    return Cat3Permit(issued, expires, _money(fee, "cat3_permit.fee_paid") if fee not in (None, "") else None)


def _deposit(item: dict[str, Any]) -> Deposit | None:
    value = _object(item, "deposit_received")
    if value is None:
        return None
    raw = str(value.get("instrument") or "").strip()
    instrument = INSTRUMENTS.get(re.sub(r"[^a-z]+", " ", raw.lower()).strip())
    if instrument is None:
        raise BadRow("deposit_received.instrument",
                     f"'{raw}' is not check, money_order or cash" if raw else "is required (check or money_order)")
    amount = value.get("amount")
    received = value.get("date")
    number = value.get("number")
    return Deposit(
        amount=_money(amount, "deposit_received.amount") if amount not in (None, "") else None,
        received_on=_date(received, "deposit_received.date") if received else None,
        instrument=instrument, number=(str(number).strip() or None) if number not in (None, "") else None,
    )


def _recorded(item: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(k for k in keys if k in item)


def parse_organization(item: dict[str, Any]) -> Organization:
    if not isinstance(item, dict):
        raise BadRow("-", "each organization must be an object")
    org_id = _required_str(item, "org_id")
    name = _required_str(item, "name")
    category = str(item.get("category", "")).strip().lower()
    if category not in CATEGORIES:
        raise BadRow("category", f"'{item.get('category')}' is not a priority-of-use category (1-5, 6a, 6b)")
    ein = item.get("ein")
    if ein not in (None, ""):
        ein = str(ein).strip()
        digits = re.sub(r"\D", "", ein)
        if len(digits) != 9:
            raise BadRow("ein", f"'{ein}' is not an EIN (NN-NNNNNNN)")
        ein = f"{digits[:2]}-{digits[2:]}"
    else:
        ein = None
    return Organization(
        org_id=org_id, name=name, dba=_str_list(item, "dba"), category=category,
        government=_bool(item, "government"), ein=ein, address=item.get("address") or None,
        contact_email=item.get("contact_email") or None,
        past_due_balance=_money(item["past_due_balance"], "past_due_balance")
        if item.get("past_due_balance") not in (None, "") else 0,
        cat3_permit=_cat3_permit(item), recorded=_recorded(item, ORGANIZATION_OPTIONAL),
    )


def parse_request(item: dict[str, Any]) -> FacilityRequest:
    if not isinstance(item, dict):
        raise BadRow("-", "each request must be an object")
    use_dates = [_date(d, "use_dates") for d in _str_list(item, "use_dates")]
    if not use_dates:
        raise BadRow("use_dates", "at least one use date is required")
    kitchen = [_date(d, "kitchen_dates") for d in _str_list(item, "kitchen_dates")]
    submitted = item.get("submitted_on")
    approved = item.get("kitchen_application_approved_on")
    facility_type = item.get("facility_type")
    if facility_type is not None and not isinstance(facility_type, str):
        raise BadRow("facility_type", "must be text (a facility type of the rate schedule, e.g. gymnasium)")
    return FacilityRequest(
        request_id=_required_str(item, "request_id"), org_id=_required_str(item, "org_id"),
        school=str(item.get("school") or ""), facility=str(item.get("facility") or ""),
        activity=str(item.get("activity") or ""), use_dates=sorted(use_dates),
        start_time=item.get("start_time"), end_time=item.get("end_time"),
        submitted_on=_date(submitted, "submitted_on") if submitted else None,
        community_school=_bool(item, "community_school"), uses_kitchen=_bool(item, "uses_kitchen"),
        kitchen_dates=sorted(kitchen), serves_students=_bool(item, "serves_students"),
        personnel=_str_list(item, "personnel"),
        facility_type=(facility_type or "").strip().lower() or None, regular_use=_bool(item, "regular_use"),
        deposit_received=_deposit(item), cpr_required=_bool(item, "cpr_required"),
        kitchen_application_approved_on=_date(approved, "kitchen_application_approved_on") if approved else None,
        recorded=_recorded(item, REQUEST_OPTIONAL),
    )
