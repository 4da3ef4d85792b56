"""Plain records of the registry and of documents on file, passed between stages (no SQL here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(slots=True, frozen=True)
class Cat3Permit:
    """A Category 3 group's annual permit ($50 up to 6 months, $100 for 6-12 months; one covers every school)."""

    issued: date
    expires: date
    fee_paid: int | None = None


@dataclass(slots=True, frozen=True)
class Deposit:
    """A deposit received with the AC-11: instrument is check, money_order or cash (cash is not accepted)."""

    amount: int | None
    received_on: date | None
    instrument: str
    number: str | None = None


@dataclass(slots=True)
class Organization:
    org_id: str
    name: str
    dba: list[str] = field(default_factory=list)
    category: str = "5"  # "1".."5", "6a", "6b"
    government: bool = False
    ein: str | None = None
    address: str | None = None
    contact_email: str | None = None
    past_due_balance: int = 0  # dollars owed past due (billing); any amount blocks new rentals
    cat3_permit: Cat3Permit | None = None
    # the optional registry keys the registry gave for this row (a key left out says nothing)
    recorded: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [self.name, *self.dba]


@dataclass(slots=True)
class FacilityRequest:
    """An AC-11 facility-use request."""

    request_id: str
    org_id: str
    school: str = ""
    facility: str = ""
    activity: str = ""
    use_dates: list[date] = field(default_factory=list)
    start_time: str | None = None
    end_time: str | None = None
    submitted_on: date | None = None
    community_school: bool = False
    uses_kitchen: bool = False
    kitchen_dates: list[date] = field(default_factory=list)
    serves_students: bool = False
    personnel: list[str] = field(default_factory=list)
    facility_type: str | None = None  # a key of the policy's rate schedule; None: worked out from `facility`
    regular_use: bool = False  # 6b: twice a week or more for the school year
    deposit_received: Deposit | None = None
    cpr_required: bool = False  # the principal asks for CPR cards of the listed personnel
    kitchen_application_approved_on: date | None = None  # Food and Nutrition Services approval
    # the optional registry keys the registry gave for this row (a key left out says nothing)
    recorded: tuple[str, ...] = ()


@dataclass(slots=True)
class DocumentOnFile:
    """A classified, linked document segment as the rules see it."""

    document: str  # path of the file relative to the corpus / watch folder, for messages
    pages: list[int]
    doc_type: str
    org_id: str | None
    fields: dict[str, Any]  # plain values: dates as datetime.date, money as int
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)  # field -> {page, bbox, words, confidence}
    segment_id: int | None = None


@dataclass(slots=True)
class Revocation:
    ein: str  # NN-NNNNNNN
    legal_name: str
    revocation_date: date | None
    reinstatement_date: date | None


@dataclass(slots=True)
class Finding:
    code: str
    severity: str  # "block" | "warn"
    message: str
    subject: str | None = None
    document: str | None = None
    page: int | None = None
    segment_id: int | None = None
    waiver_id: int | None = None  # a reviewer resolved or waived it; it no longer flags the request


@dataclass(slots=True)
class Waiver:
    waiver_id: int
    request_id: str
    code: str
    subject: str | None
    kind: str  # resolved | waived
    reason: str
    expires_on: date | None
