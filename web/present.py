"""How values read on the desk's pages: dates, money, document kinds, field names, confidences."""

from __future__ import annotations

import re
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


def fmt_date(v: Any, zone: ZoneInfo | None = None) -> str:
    """A day as 'Nov 20, 2026'; a moment in the district's time zone, saying which: 'Nov 20, 2026 9:05 AM MST'
    (stored times come back from storage as UTC with their zone)."""
    from flows.localtime import local_text

    if v in (None, ""):
        return "—"
    if isinstance(v, datetime):
        return local_text(v, zone)
    if isinstance(v, date):
        return v.strftime("%b %-d, %Y")
    try:
        return date.fromisoformat(str(v)[:10]).strftime("%b %-d, %Y")
    except ValueError:
        return str(v)


def fmt_value(v: Any, name: str = "", zone: ZoneInfo | None = None) -> str:
    """A field value as a person reads it."""
    if v is None or v == "":
        return "not shown"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if name in MONEY_FIELDS and isinstance(v, (int, float)):
        return f"${v:,.0f}"
    if name.endswith(("_date", "_effective", "_expiration", "_from", "_to")) or name in ("issue_date",):
        return fmt_date(v, zone)
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


STATUS_WORDS = {
    "processed": "read", "received": "received, not finished", "unreadable": "cannot be read",
    "rejected": "not accepted", "duplicate": "a copy of a file on file", "unclassified": "not recognised",
    "unlinked": "no organization",
}
LINK_WORDS = {
    "name": "its name matches the registry", "name_fuzzy": "its name nearly matches the registry",
    "ein": "its EIN matches the registry", "person": "it names a person on the organization's requests",
    "folder": "the folder it was filed in", "folder+content": "the folder it was filed in and what it says",
    "filename": "its file name", "manual": "linked by hand", "upload": "uploaded for this organization",
}
# What the classifier's own label of a page means to staff ("p1 fax cover: title 'FAX'; ...").
PAGE_KINDS = {"fax cover": "a fax cover sheet", "cover letter": "a cover letter",
              "application": "a facility-use application form", "invoice": "an invoice", "receipt": "a receipt"}


def status_words(status: str | None) -> str:
    """A file's or document's status as staff say it."""
    return STATUS_WORDS.get(status or "", (status or "").replace("_", " "))


def link_words(method: str | None) -> str:
    """How a document was tied to its organization, in words (the method key stays in the details)."""
    return LINK_WORDS.get(method or "", "matched by the pipeline")


_FIELD_KEY = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
_QUOTED = re.compile(r"'([^']+)'")


def staff_reason(reason: str | None) -> dict[str, str]:
    """A reason in two parts: `main`, the words staff read first, and `details`, the reader's own account
    (labels it matched, error text) for the fold. 'not one of the compliance document kinds (p1 fax cover: title
    'FAX'; ...)' -> main 'Not one of the compliance documents: it looks like a fax cover sheet.'"""
    text = (reason or "").strip()
    if not text:
        return {"main": "", "details": ""}
    main, details = text, ""
    inner = re.match(r"(?P<head>[^()]*?)\s*\((?P<inner>.*)\)\s*\.?$", text)
    if inner:
        main, details = inner.group("head"), text
        kind = re.match(r"p\d+\s+([a-z ]+?)\s*(?::|$)", inner.group("inner"))
        if kind and kind.group(1) in PAGE_KINDS:
            main = f"{main}: it looks like {PAGE_KINDS[kind.group(1)]}"
    if re.match(r"not one of the \w+ document kinds", main):  # however many kinds the classifier knows
        main = re.sub(r"^not one of the \w+ document kinds", "not one of the compliance documents", main)
    if " — " in main:  # 'names no organization in the registry — document shows insured_name 'X'; ...'
        head, tail = main.split(" — ", 1)
        shown = tail.split(";", 1)[0].removeprefix("document shows ").strip()
        shown = re.sub(r"^person ", "the person ", shown)
        shown = _FIELD_KEY.sub(lambda m: field_label(m.group(0)).lower(), shown)
        shown = _QUOTED.sub(lambda m: f"“{m.group(1)}”", shown)
        main, details = f"{head}: it shows {shown}", text
    main = _FIELD_KEY.sub(lambda m: field_label(m.group(0)).lower(), main)
    main = main[:1].upper() + main[1:]
    if not main.endswith((".", "?", "!")):
        main += "."
    return {"main": main, "details": details if details != main else ""}


def superseded_by(segments: list[Any]) -> dict[int, Any]:
    """Documents replaced by a newer one of the same kind (for a clearance: of the same person) for the same
    organization: segment id -> the newest segment, so pages can say "replaced by …" beside the old one."""
    newest: dict[tuple[str, str], Any] = {}
    groups: dict[tuple[str, str], list[Any]] = {}
    for seg in segments:
        if not seg.doc_type or seg.status != "processed":
            continue
        person = ""
        if seg.doc_type == "background_check":
            person = next((str(f.corrected_value or f.value or "") for f in seg.fields if f.name == "person_name"), "")
            person = " ".join(person.lower().split())
        key = (seg.doc_type, person)
        groups.setdefault(key, []).append(seg)
    out: dict[int, Any] = {}
    for key, segs in groups.items():
        segs.sort(key=lambda g: (g.document.received_at, g.document_id, g.id))
        newest[key] = segs[-1]
        for older in segs[:-1]:
            if older.document_id != newest[key].document_id:
                out[older.id] = newest[key]
    return out


# A policy period that is "about a year" (leap years, a few days' grace either way).
YEAR_DAYS = (330, 400)
PERIODS = (("gl_effective", "gl_expiration"), ("umbrella_effective", "umbrella_expiration"))
# An end that must not come before its start, by kind of document.
ORDERED = {
    "coi": (("gl_effective", "gl_expiration"), ("umbrella_effective", "umbrella_expiration"),
            ("issue_date", "gl_expiration")),
    "business_license": (("issue_date", "expiration_date"),),
    "health_permit": (("valid_from", "valid_to"),),
    "background_check": (("clearance_date", "expiration_date"),),
}


def _as_day(v: Any) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v)[:10]) if v else None
    except ValueError:
        return None


def implausible(seg: Any) -> dict[str, str]:
    """Values that may be read with confidence yet do not look right, by field, with why: a limit that is not
    a round amount, a policy period other than about a year, an end before its start (or an expiry before
    the issue date). A person checks them against the page."""
    values = {f.name: (f.corrected_value if f.corrected_value is not None else f.value) for f in seg.fields}
    out: dict[str, str] = {}
    for name in MONEY_FIELDS:
        v = values.get(name)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 and v % 1000:
            out[name] = f"${v:,.0f} is not a round amount: check the digits"
    if seg.doc_type == "coi":
        for start, end in PERIODS:
            a, b = _as_day(values.get(start)), _as_day(values.get(end))
            if a and b and b > a and not YEAR_DAYS[0] <= (b - a).days <= YEAR_DAYS[1]:
                out[end] = f"a policy period of {(b - a).days} days; policies usually run a year"
    for start, end in ORDERED.get(seg.doc_type or "", ()):
        a, b = _as_day(values.get(start)), _as_day(values.get(end))
        if a and b and b < a:
            out[end] = f"{field_label(end)} is before {field_label(start).lower()}"
    return out


FILTERS = {
    "date": fmt_date, "value": fmt_value, "confidence": fmt_confidence, "low": is_low,
    "doctype": doc_type_name, "codeword": code_words, "label": field_label, "pct": pct,
    "status": status_words, "linkwords": link_words, "why": staff_reason, "implausible": implausible,
}


def filters_for(zone: ZoneInfo) -> dict[str, Any]:
    """The template filters, with times shown in the district's time zone (`[sweep] timezone`)."""
    return {**FILTERS, "date": lambda v: fmt_date(v, zone), "value": lambda v, name="": fmt_value(v, name, zone)}


GLOBALS = {"CATEGORY_NAMES": CATEGORY_NAMES, "DOC_TYPE_NAMES": DOC_TYPE_NAMES, "days_until": days_until,
           "EXPIRY_FIELDS": EXPIRY_FIELDS, "LOW_CONFIDENCE": LOW_CONFIDENCE}
