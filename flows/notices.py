"""Notices as plain data: what to tell an organization or the staff, and the key that makes it go out once.

- deficiency: to the organization's contact, the exact changes required for one request. Its key holds
  the request and the set of blocking findings, so a request is told once per distinct set of problems.
- renewal: before a document an upcoming request needs expires (at each configured number of days).
- digest: to staff, once a day: new flags, upcoming first uses with open flags, expiring documents and
  anything that failed (files, notices).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import Any

from storage.records import FacilityRequest, Finding, Organization

DOCUMENT_NAMES = {
    "coi": "certificate of liability insurance",
    "nonprofit_letter": "IRS 501(c) determination letter",
    "business_license": "City of Albuquerque business license",
    "health_permit": "temporary health permit",
    "background_check": "APS background-check clearance",
    "cpr_certificate": "CPR certification card",
}

# What the organization does about each finding: the change required, in plain words.
FIXES = {
    "REQUEST_SHORT_NOTICE": "Submit future requests at least the required number of days before the first use.",
    "REQUEST_NEXT_SCHOOL_YEAR": "Submit a separate request for use dates in the next school year once it opens.",
    "KITCHEN_SHORT_NOTICE": "Kitchen use needs more notice: move the kitchen date or ask the school for an exception.",
    "COI_MISSING": "Send a certificate of liability insurance covering the use dates.",
    "NONPROFIT_LETTER_MISSING": "Send your IRS 501(c) determination letter.",
    "BUSINESS_LICENSE_MISSING": "Send your current City of Albuquerque business license.",
    "HEALTH_PERMIT_MISSING": "Send a temporary health permit covering every kitchen date.",
    "BACKGROUND_CHECK_MISSING": "Send the APS fingerprint background-check clearance for this person, or remove "
    "them from the request.",
    "COI_LIMIT_BELOW_MINIMUM": "Ask your insurance agent for general liability of at least the required amount per "
    "occurrence (an umbrella policy covering the use dates counts).",
    "COI_ADDITIONAL_INSURED_MISSING": "Ask your insurance agent to name Albuquerque Public Schools as additional "
    "insured on the certificate.",
    "COI_EXPIRED": "Send a certificate for the current policy period.",
    "COI_DOES_NOT_COVER_USE_DATES": "Send a certificate whose policy period covers every use date.",
    "COI_MISSING_AM_BEST": "Ask your insurance agent for a certificate that shows the insurer's A.M. Best rating.",
    "COI_MISSING_COVERAGE_TRIGGER": "Ask your insurance agent to mark 'occurrence' or 'claims-made' for general "
    "liability.",
    "COI_MISSING_ACTIVITY": "Ask your insurance agent to describe this activity and its dates in the description of "
    "operations.",
    "COI_INSURED_NAME_MISMATCH": "The insured must be your organization as registered (or a registered DBA): send a "
    "matching certificate or update your registration.",
    "COI_HOLDER_NOT_APS": "Ask for Albuquerque Public Schools as the certificate holder.",
    "NONPROFIT_NOT_501C": "Send the IRS letter that states your exemption under section 501(c).",
    "NONPROFIT_EIN_MISMATCH": "Send the IRS letter for the EIN on file, or correct the EIN in your registration.",
    "NONPROFIT_NAME_MISMATCH": "Send the IRS letter in your organization's registered name, or update your "
    "registration.",
    "NONPROFIT_REVOKED": "Your exemption was automatically revoked by the IRS: send proof of reinstatement.",
    "BUSINESS_LICENSE_EXPIRED": "Renew your City of Albuquerque business license and send the new one.",
    "BUSINESS_LICENSE_LAPSES": "Renew your business license before it expires and send the new one.",
    "BUSINESS_LICENSE_NOT_ABQ": "Send a business license issued by the City of Albuquerque.",
    "BUSINESS_LICENSE_NAME_MISMATCH": "Send a business license in your registered name, or update your registration.",
    "HEALTH_PERMIT_ISSUER_INVALID": "Send a permit from Bernalillo County or City of Albuquerque Environmental Health.",
    "HEALTH_PERMIT_DATES": "Send a health permit valid on every kitchen date.",
    "BACKGROUND_CHECK_NOT_CLEARED": "This person may not work with students until cleared: send the clearance, or "
    "remove them from the request.",
    "BACKGROUND_CHECK_EXPIRED": "Renew this person's clearance to cover the last use date, or remove them.",
    "DEPOSIT_NOT_RECEIVED": "Pay the deposit with the AC-11 by check or money order (cash is not accepted).",
    "ACCOUNT_PAST_DUE": "Pay the past-due balance of your account; the school can rent again once it is current.",
    "CPR_MISSING": "Send a current CPR card (American Red Cross, American Heart Association or similar) for this "
    "person, or remove them from the request.",
    "CPR_EXPIRED": "Send this person's renewed CPR card valid through the last use date, or remove them.",
    "KITCHEN_APPLICATION_MISSING": "Submit the Application for Use of School Kitchen to Food and Nutrition "
    "Services for approval at least two weeks before the first kitchen date.",
}

# The kind of document a finding is about, from its code's prefix (for naming the document in a notice).
CODE_KINDS = (("COI_", "coi"), ("NONPROFIT_", "nonprofit_letter"), ("BUSINESS_LICENSE_", "business_license"),
              ("HEALTH_PERMIT_", "health_permit"), ("BACKGROUND_CHECK_", "background_check"),
              ("CPR_", "cpr_certificate"))


@dataclass(frozen=True)
class SentDocument:
    """A stored file as its sender knows it: the name they gave it and the day it came in (district time)."""

    file_name: str
    received: date | None = None


def sent_documents(files: Mapping[str, tuple[str, Any]]) -> dict[str, SentDocument]:
    """SentDocument by stored path, from storage's (file name, received time) pairs."""
    from flows.localtime import district_zone, to_local

    zone = district_zone()
    return {path: SentDocument(name, to_local(received, zone).date() if received else None)
            for path, (name, received) in files.items()}


def _day(d: date) -> str:
    return d.strftime("%B %-d, %Y")


def document_as_sent(path: str, kind: str | None, known: Mapping[str, SentDocument] | None) -> str:
    """'your certificate of liability insurance “COI 2026.pdf”, received November 20, 2026': never the path
    it is filed under (a folder of the district's, meaningless to the sender)."""
    sent = (known or {}).get(path) or SentDocument(PurePosixPath(path).name)
    what = f"your {DOCUMENT_NAMES[kind]} " if kind in DOCUMENT_NAMES else "the document "
    return f"{what}“{sent.file_name}”" + (f", received {_day(sent.received)}" if sent.received else "")


_PATH = re.compile(r"(?<![\w“/])((?:[\w.\-]+/)+)([\w\-]+(?: [\w\-]+)*\.[A-Za-z0-9]{2,5})\b")


def without_paths(text: str, known: Mapping[str, SentDocument] | None = None) -> str:
    """A message with every stored path replaced by the file's own name (a finding may name the document it
    judged by its path)."""
    for path, sent in sorted((known or {}).items(), key=lambda kv: -len(kv[0])):
        if path in text:
            text = text.replace(path, f"“{sent.file_name}”")
    return _PATH.sub(lambda m: f"“{m.group(2)}”", text)


def finding_kind(code: str) -> str | None:
    return next((kind for prefix, kind in CODE_KINDS if code.startswith(prefix)), None)


EXPIRY_FIELDS = {"coi": "gl_expiration", "business_license": "expiration_date", "background_check": "expiration_date",
                 "cpr_certificate": "valid_through"}


@dataclass
class Notice:
    kind: str  # deficiency | renewal | digest
    dedupe_key: str
    recipient: str
    subject: str
    body: str
    org_id: str | None = None
    request_id: str | None = None


@dataclass
class Expiring:
    """A document on file that expires before a remaining use date of an open request."""

    org_id: str
    doc_type: str
    document: str
    segment_id: int | None
    expires: date
    days_left: int
    requests: list[str] = field(default_factory=list)
    person: str | None = None


def _short_hash(parts: list[str]) -> str:
    return hashlib.sha1("\n".join(sorted(parts)).encode()).hexdigest()[:16]


def _use_dates(req: FacilityRequest) -> str:
    dates = sorted(req.use_dates)
    if len(dates) <= 6:
        return ", ".join(d.isoformat() for d in dates)
    return f"{dates[0].isoformat()} to {dates[-1].isoformat()} ({len(dates)} dates)"


def deficiency_notice(
    req: FacilityRequest, org: Organization, findings: list[Finding], district: str,
    documents: Mapping[str, SentDocument] | None = None,
) -> Notice | None:
    """The exact changes required before the request can go ahead; None when nothing blocks it
    or nobody can be written to. `documents` names the files on file as their sender knows them."""
    blocking = [f for f in findings if f.severity == "block" and f.waiver_id is None]
    if not blocking or not org.contact_email:
        return None
    key = "deficiency:" + req.request_id + ":" + _short_hash([f"{f.code}|{f.subject or ''}" for f in blocking])
    lines = [
        f"Hello {org.name},",
        "",
        f"Your facility-use request {req.request_id} ({req.activity or 'facility use'} at {req.school or 'the school'}"
        f"{', ' + req.facility if req.facility else ''}; use dates {_use_dates(req)}) cannot be approved yet.",
        "",
        "The exact changes required:",
        "",
    ]
    for i, f in enumerate(blocking, 1):
        lines.append(f"{i}. {without_paths(f.message, documents)}")
        fix = FIXES.get(f.code)
        if fix:
            lines.append(f"   What to do: {fix}")
        if f.document:
            named = document_as_sent(f.document, finding_kind(f.code), documents)
            lines.append(f"   We looked at {named}" + (f", page {f.page}" if f.page else "") + ".")
        lines.append("")
    warnings = [f for f in findings if f.severity != "block" and f.waiver_id is None]
    if warnings:
        lines.append("Also worth fixing (these do not hold up the request):")
        lines += [f"- {without_paths(f.message, documents)}" for f in warnings]
        lines.append("")
    lines += [
        "Reply to this message with the corrected documents attached, or send them to the school.",
        "",
        f"{district}, facility-use compliance",
    ]
    subject = f"Action needed: facility-use request {req.request_id} — {len(blocking)} item" + (
        "s" if len(blocking) != 1 else "") + " to fix"
    return Notice("deficiency", key, org.contact_email, subject, "\n".join(lines), org.org_id, req.request_id)


def renewal_notice(item: Expiring, org: Organization, threshold: int, district: str,
                   documents: Mapping[str, SentDocument] | None = None) -> Notice | None:
    """A reminder that a document an upcoming request needs expires in `item.days_left` days."""
    if not org.contact_email:
        return None
    what = DOCUMENT_NAMES.get(item.doc_type, item.doc_type)
    if item.person:
        what += f" for {item.person}"
    key = f"renewal:{item.org_id}:{item.doc_type}:{item.person or ''}:{item.segment_id}:{item.expires}:{threshold}"
    when = "today" if item.days_left == 0 else f"in {item.days_left} day" + ("s" if item.days_left != 1 else "")
    body = "\n".join([
        f"Hello {org.name},",
        "",
        f"Your {what} on file ({document_as_sent(item.document, None, documents).removeprefix('the document ')}) "
        f"expires on {_day(item.expires)}, {when}.",
        f"It is needed for use dates after that in your request{'s' if len(item.requests) > 1 else ''} "
        f"{', '.join(item.requests)}.",
        "",
        "Please send the renewed document before it expires so your use of the facility is not interrupted.",
        "",
        f"{district}, facility-use compliance",
    ])
    subject = f"Reminder: your {what} expires on {item.expires.isoformat()}"
    return Notice("renewal", key, org.contact_email, subject, body, org.org_id, None)


def reminder_threshold(days_left: int, reminder_days: list[int]) -> int | None:
    """The reminder due now: the smallest configured day count not below the days left."""
    due = [d for d in reminder_days if 0 <= days_left <= d]
    return min(due) if due else None


@dataclass
class DigestContent:
    as_of: date
    checked: int
    newly_flagged: list[tuple[str, str, list[str]]]  # (request, organization, finding messages)
    newly_compliant: list[str]
    upcoming_flagged: list[tuple[date, str, str, int]]  # (first use, request, organization, blocking count)
    expiring: list[Expiring]
    failures: list[str]  # files that failed, notices that could not be sent
    org_names: dict[str, str] = field(default_factory=dict)


def digest_notices(content: DigestContent, recipients: list[str], district: str) -> list[Notice]:
    """One daily digest for each staff recipient."""
    c = content
    lines = [f"Facility-use compliance, {c.as_of.isoformat()}: {c.checked} open requests checked.", ""]
    lines.append(f"New flags ({len(c.newly_flagged)}):")
    for rid, org, messages in c.newly_flagged[:200]:
        lines.append(f"- {rid} ({org})")
        lines += [f"    {m}" for m in messages[:8]]
    if len(c.newly_flagged) > 200:
        lines.append(f"  … and {len(c.newly_flagged) - 200} more (run `compliance status`).")
    lines += ["", f"Now compliant ({len(c.newly_compliant)}): {', '.join(c.newly_compliant[:100]) or 'none'}", ""]
    lines.append(f"Upcoming first uses with open flags ({len(c.upcoming_flagged)}):")
    for first, rid, org, n in c.upcoming_flagged[:200]:
        lines.append(f"- {first.isoformat()}  {rid} ({org}): {n} problem{'s' if n != 1 else ''}")
    lines += ["", f"Documents expiring before a remaining use date ({len(c.expiring)}):"]
    for e in c.expiring[:200]:
        who = f" for {e.person}" if e.person else ""
        lines.append(f"- {e.expires.isoformat()} ({e.days_left} days)  {DOCUMENT_NAMES.get(e.doc_type, e.doc_type)}"
                     f"{who}, {c.org_names.get(e.org_id, e.org_id)}: {', '.join(e.requests[:5])}")
    if c.failures:
        lines += ["", f"NEEDS ATTENTION — failures ({len(c.failures)}):"]
        lines += [f"- {f}" for f in c.failures[:200]]
    lines += ["", f"{district}, facility-use compliance"]
    subject = (f"Compliance digest {c.as_of.isoformat()}: {len(c.newly_flagged)} new flags, "
               f"{len(c.upcoming_flagged)} upcoming with open flags" + (", FAILURES" if c.failures else ""))
    body = "\n".join(lines)
    return [Notice("digest", f"digest:{c.as_of.isoformat()}:{r}", r, subject, body) for r in recipients]


def as_record(n: Notice) -> dict[str, Any]:
    return {"kind": n.kind, "dedupe_key": n.dedupe_key, "recipient": n.recipient, "subject": n.subject,
            "body": n.body, "org_id": n.org_id, "request_id": n.request_id}
