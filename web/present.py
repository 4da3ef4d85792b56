"""How values read on the desk's pages: dates, money, document kinds, field names, confidences."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

DOC_TYPE_NAMES = {
    "coi": "Certificate of liability insurance",
    "nonprofit_letter": "IRS 501(c) determination letter",
    "business_license": "City business license",
    "health_permit": "Temporary health permit",
    "background_check": "Background-check clearance",
    "cpr_certificate": "CPR / First Aid card",
}
CATEGORY_NAMES = {
    "1": "1 · APS educational programs", "2": "2 · School-related non-profits",
    "3": "3 · Non-profits serving school-age children", "4": "4 · Public-interest non-profits, agencies",
    "5": "5 · Recreational, religious, arts non-profits", "6a": "6a · Commercial, occasional use",
    "6b": "6b · Commercial, regular use",
}
FIELD_LABELS = {
    "insured_name": "Insured", "insured_address": "Insured address", "insurer_name": "Insurer",
    "am_best_rating": "A.M. Best rating", "gl_policy_number": "GL policy number",
    "gl_effective": "GL effective", "gl_expiration": "GL expiration", "gl_each_occurrence": "Each occurrence",
    "gl_aggregate": "General aggregate", "coverage_trigger": "Occurrence / claims-made",
    "umbrella_each_occurrence": "Umbrella each occurrence", "umbrella_effective": "Umbrella effective",
    "umbrella_expiration": "Umbrella expiration", "additional_insured_aps": "APS additional insured",
    "certificate_holder": "Certificate holder", "description": "Description of operations",
    "issue_date": "Issue date", "org_name": "Organization", "ein": "EIN", "subsection": "Subsection",
    "letter_date": "Letter date", "business_name": "Business name", "license_number": "License number",
    "issuer": "Issuer", "expiration_date": "Expiration date", "permittee": "Permittee",
    "permit_number": "Permit number", "event_name": "Event", "valid_from": "Valid from", "valid_to": "Valid to",
    "person_name": "Person", "status": "Status", "clearance_date": "Clearance date",
    "valid_through": "Valid through",
}
EXPIRY_FIELDS = ("gl_expiration", "umbrella_expiration", "expiration_date", "valid_to", "valid_through")
MONEY_FIELDS = {"gl_each_occurrence", "gl_aggregate", "umbrella_each_occurrence"}
LOW_CONFIDENCE = 0.75
LOCAL = ZoneInfo("America/Denver")


def fmt_date(v: Any) -> str:
    if v in (None, ""):
        return "—"
    if isinstance(v, datetime):
        return v.astimezone(LOCAL).strftime("%b %-d, %Y %-I:%M %p") if v.tzinfo else v.strftime("%b %-d, %Y %H:%M")
    if isinstance(v, date):
        return v.strftime("%b %-d, %Y")
    try:
        return date.fromisoformat(str(v)[:10]).strftime("%b %-d, %Y")
    except ValueError:
        return str(v)


def fmt_value(v: Any, name: str = "") -> str:
    """A field value as a person reads it."""
    if v is None or v == "":
        return "not shown"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if name in MONEY_FIELDS and isinstance(v, (int, float)):
        return f"${v:,.0f}"
    if name.endswith(("_date", "_effective", "_expiration", "_from", "_to")) or name in ("issue_date",):
        return fmt_date(v)
    return str(v)


def fmt_confidence(v: Any) -> str:
    return "—" if v is None else f"{round(float(v) * 100)}%"


def is_low(v: Any) -> bool:
    return v is not None and float(v) < LOW_CONFIDENCE


def doc_type_name(v: str | None) -> str:
    return DOC_TYPE_NAMES.get(v or "", "Not recognised")


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def days_until(d: Any, today: date) -> int | None:
    if isinstance(d, str):
        try:
            d = date.fromisoformat(d[:10])
        except ValueError:
            return None
    return (d - today).days if isinstance(d, date) else None


def pct(v: float, total: float) -> str:
    return f"{(v / total * 100) if total else 0:.3f}%"


CODE_WORDS = {"COI": "Insurance certificate", "AM": "A.M.", "APS": "APS", "ABQ": "Albuquerque", "501C": "501(c)"}


def code_words(code: str) -> str:
    """A finding code as words staff read: COI_EXPIRED -> 'Insurance certificate expired'."""
    words = [CODE_WORDS.get(w, w.lower()) for w in (code or "").split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


FILTERS = {
    "date": fmt_date, "value": fmt_value, "confidence": fmt_confidence, "low": is_low,
    "doctype": doc_type_name, "codeword": code_words, "label": field_label, "pct": pct,
}
GLOBALS = {"CATEGORY_NAMES": CATEGORY_NAMES, "DOC_TYPE_NAMES": DOC_TYPE_NAMES, "days_until": days_until,
           "EXPIRY_FIELDS": EXPIRY_FIELDS, "LOW_CONFIDENCE": LOW_CONFIDENCE}
