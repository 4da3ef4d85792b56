"""Reading and writing the stored facts. The only module besides models.py that builds queries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from extractors.model import DATE_FIELDS, ExtractedDocument, PageText
from storage.models import (
    DocumentRow,
    FieldRow,
    FindingRow,
    OrganizationRow,
    PageTextRow,
    Pub78Row,
    RequestRow,
    ReviewActionRow,
    RevocationRow,
    SegmentRow,
    SweepRunRow,
    WaiverRow,
    utcnow,
)
from storage.records import (
    Cat3Permit,
    Deposit,
    DocumentOnFile,
    FacilityRequest,
    Finding,
    Organization,
    Revocation,
    Waiver,
)

# ---------------------------------------------------------------- registry


def permit_json(p: Cat3Permit | None) -> dict[str, Any] | None:
    return None if p is None else {"issued": p.issued.isoformat(), "expires": p.expires.isoformat(),
                                   "fee_paid": p.fee_paid}


def permit_record(v: dict[str, Any] | None) -> Cat3Permit | None:
    if not v:
        return None
    return Cat3Permit(date.fromisoformat(v["issued"]), date.fromisoformat(v["expires"]), v.get("fee_paid"))


def deposit_json(d: Deposit | None) -> dict[str, Any] | None:
    return None if d is None else {"amount": d.amount, "date": d.received_on.isoformat() if d.received_on else None,
                                   "instrument": d.instrument, "number": d.number}


def deposit_record(v: dict[str, Any] | None) -> Deposit | None:
    if not v:
        return None
    return Deposit(v.get("amount"), date.fromisoformat(v["date"]) if v.get("date") else None,
                   v.get("instrument") or "", v.get("number"))


def _optional(values: dict[str, Any], recorded: Sequence[str], optional: dict[str, Any]) -> dict[str, Any]:
    """Add the optional registry values the source gave; one it left out keeps what is stored."""
    values.update({k: v for k, v in optional.items() if k in recorded})
    values["registry_keys"] = sorted(recorded)
    return values


def _org_values(o: Organization) -> dict[str, Any]:
    return _optional(
        {
            "name": o.name, "dba": list(o.dba), "category": o.category, "government": o.government,
            "ein": o.ein, "address": o.address, "contact_email": o.contact_email,
        },
        o.recorded,
        {"past_due_balance": o.past_due_balance, "cat3_permit": permit_json(o.cat3_permit)},
    )


def _request_values(r: FacilityRequest) -> dict[str, Any]:
    values = {
        "org_id": r.org_id, "school": r.school, "facility": r.facility, "activity": r.activity,
        "use_dates": [d.isoformat() for d in r.use_dates],
        "first_use": min(r.use_dates) if r.use_dates else None,
        "last_use": max(r.use_dates) if r.use_dates else None,
        "start_time": r.start_time, "end_time": r.end_time, "submitted_on": r.submitted_on,
        "community_school": r.community_school, "uses_kitchen": r.uses_kitchen,
        "kitchen_dates": [d.isoformat() for d in r.kitchen_dates], "serves_students": r.serves_students,
        "personnel": list(r.personnel),
    }
    return _optional(values, r.recorded, {
        "facility_type": r.facility_type, "regular_use": r.regular_use,
        "deposit_received": deposit_json(r.deposit_received), "cpr_required": r.cpr_required,
        "kitchen_application_approved_on": r.kitchen_application_approved_on,
    })


def _upsert(s: Session, model: type, key: str, key_value: str, values: dict[str, Any]) -> str:
    row = s.scalar(select(model).where(getattr(model, key) == key_value))
    if row is None:
        s.add(model(**{key: key_value}, **values))
        return "created"
    if "registry_keys" in values:  # the optional keys ever given, so a later registry without them keeps them
        values["registry_keys"] = sorted(set(row.registry_keys or []) | set(values["registry_keys"]))
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for k, v in changed.items():
        setattr(row, k, v)
    return "updated" if changed else "unchanged"


def upsert_organizations(s: Session, orgs: Iterable[Organization]) -> Counter[str]:
    return Counter(_upsert(s, OrganizationRow, "org_id", o.org_id, _org_values(o)) for o in orgs)


def upsert_requests(s: Session, requests: Iterable[FacilityRequest]) -> tuple[Counter[str], list[str]]:
    """Upsert requests; a request naming an unknown organization is refused with a message."""
    known = set(s.scalars(select(OrganizationRow.org_id)))
    counts: Counter[str] = Counter()
    errors: list[str] = []
    for r in requests:
        if r.org_id not in known:
            errors.append(f"request {r.request_id}: organization '{r.org_id}' is not in the registry")
            continue
        counts[_upsert(s, RequestRow, "request_id", r.request_id, _request_values(r))] += 1
    return counts, errors


def to_organization(row: OrganizationRow) -> Organization:
    return Organization(
        org_id=row.org_id, name=row.name, dba=list(row.dba or []), category=row.category,
        government=row.government, ein=row.ein, address=row.address, contact_email=row.contact_email,
        past_due_balance=row.past_due_balance or 0, cat3_permit=permit_record(row.cat3_permit),
        recorded=tuple(row.registry_keys or ()),
    )


def to_request(row: RequestRow) -> FacilityRequest:
    return FacilityRequest(
        request_id=row.request_id, org_id=row.org_id, school=row.school, facility=row.facility,
        activity=row.activity, use_dates=[date.fromisoformat(d) for d in row.use_dates],
        start_time=row.start_time, end_time=row.end_time, submitted_on=row.submitted_on,
        community_school=row.community_school, uses_kitchen=row.uses_kitchen,
        kitchen_dates=[date.fromisoformat(d) for d in row.kitchen_dates],
        serves_students=row.serves_students, personnel=list(row.personnel),
        facility_type=row.facility_type, regular_use=bool(row.regular_use),
        deposit_received=deposit_record(row.deposit_received), cpr_required=bool(row.cpr_required),
        kitchen_application_approved_on=row.kitchen_application_approved_on,
        recorded=tuple(row.registry_keys or ()),
    )


def load_organizations(s: Session) -> list[Organization]:
    return [to_organization(r) for r in s.scalars(select(OrganizationRow).order_by(OrganizationRow.org_id))]


def load_requests(s: Session, open_on: date | None = None) -> list[FacilityRequest]:
    """All requests, or only those with a use date on or after `open_on`."""
    q = select(RequestRow).order_by(RequestRow.request_id)
    if open_on is not None:
        q = q.where(RequestRow.last_use >= open_on)
    return [to_request(r) for r in s.scalars(q)]


# ---------------------------------------------------------------- documents


def find_seen(s: Session, relative_path: str, sha256: str) -> DocumentRow | None:
    """The same file (same place, same bytes) received before: nothing to do again."""
    return s.scalar(
        select(DocumentRow).where(DocumentRow.relative_path == relative_path, DocumentRow.sha256 == sha256)
    )


def find_original(s: Session, sha256: str) -> DocumentRow | None:
    """The first stored document with this content, if any (for duplicate detection)."""
    return s.scalar(
        select(DocumentRow)
        .where(DocumentRow.sha256 == sha256, DocumentRow.status != "duplicate")
        .order_by(DocumentRow.id)
        .limit(1)
    )


def find_refused(s: Session, relative_path: str, sha256: str, reason: str) -> DocumentRow | None:
    """The same entry refused for the same reason before (an entry refused unread has no content hash)."""
    return s.scalar(
        select(DocumentRow)
        .where(DocumentRow.relative_path == relative_path, DocumentRow.sha256 == sha256,
               DocumentRow.status == "rejected", DocumentRow.reason == reason)
        .order_by(DocumentRow.id)
        .limit(1)
    )


@dataclass(frozen=True)
class SettleState:
    """What settling a file needs to know of its document (and of the original, for a duplicate)."""

    id: int
    status: str
    reason: str | None
    stored_path: str | None
    original_status: str | None
    original_reason: str | None
    original_path: str | None


def settle_states(s: Session, document_ids: Sequence[int]) -> dict[int, SettleState]:
    out: dict[int, SettleState] = {}
    ids = sorted(set(document_ids))
    for i in range(0, len(ids), 500):
        rows = s.scalars(select(DocumentRow).where(DocumentRow.id.in_(ids[i : i + 500]))).all()
        originals = {d.duplicate_of for d in rows if d.duplicate_of}
        orig = {o.id: o for o in s.scalars(select(DocumentRow).where(DocumentRow.id.in_(originals)))}
        for d in rows:
            o = orig.get(d.duplicate_of or -1)
            out[d.id] = SettleState(d.id, d.status, d.reason, d.stored_path, o.status if o else None,
                                    o.reason if o else None, o.relative_path if o else None)
    return out


def set_status(s: Session, document_id: int, status: str, reason: str | None) -> None:
    row = s.get(DocumentRow, document_id)
    if row is not None:
        row.status, row.reason = status, reason


def stuck_documents(s: Session) -> list[DocumentRow]:
    """Documents a run stored but did not finish (left 'received')."""
    return list(s.scalars(select(DocumentRow).where(DocumentRow.status == "received").order_by(DocumentRow.id)))


def seen_keys(s: Session) -> set[tuple[str, str]]:
    return {(p, h) for p, h in s.execute(select(DocumentRow.relative_path, DocumentRow.sha256))}


def add_document(s: Session, **values: Any) -> DocumentRow:
    row = DocumentRow(**values)
    s.add(row)
    s.flush()
    return row


def cached_pages(s: Session, sha256: str) -> list[PageText] | None:
    rows = s.scalars(select(PageTextRow).where(PageTextRow.sha256 == sha256).order_by(PageTextRow.page_no)).all()
    return [PageText.from_dict(r.page) for r in rows] or None


def cached_page_counts(s: Session, sha256s: Sequence[str]) -> dict[str, int]:
    """How many pages of each of these contents are in the page-text cache (one query for a batch)."""
    out: dict[str, int] = {}
    for i in range(0, len(sha256s), 500):
        q = (
            select(PageTextRow.sha256, func.count())
            .where(PageTextRow.sha256.in_(list(sha256s[i : i + 500])))
            .group_by(PageTextRow.sha256)
        )
        out.update({h: n for h, n in s.execute(q)})
    return out


def page_image_paths(s: Session, sha256: str) -> dict[int, str]:
    rows = s.execute(select(PageTextRow.page_no, PageTextRow.image_path).where(PageTextRow.sha256 == sha256))
    return {n: p for n, p in rows if p}


def store_pages(s: Session, sha256: str, pages: Sequence[PageText], image_paths: dict[int, str]) -> None:
    s.execute(delete(PageTextRow).where(PageTextRow.sha256 == sha256))
    for p in pages:
        s.add(
            PageTextRow(
                sha256=sha256, page_no=p.page_no, source=p.source, mean_conf=p.mean_conf,
                page=p.to_dict(), image_path=image_paths.get(p.page_no),
            )
        )


@dataclass
class LinkedDocument:
    """What the reading stages produced for one segment of a file."""

    extracted: ExtractedDocument
    status: str  # processed | unclassified | unlinked
    reason: str | None
    org_id: str | None
    link_method: str | None
    link_confidence: float | None
    link_evidence: str | None
    link_candidates: list[str]


def _json_value(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (date, datetime)) else v


def replace_segments(s: Session, document: DocumentRow, linked: Sequence[LinkedDocument]) -> None:
    """Store a file's segments and fields, replacing an earlier reading (keeps reviewers' corrections)."""
    corrections = {
        (seg.first_page, seg.doc_type, f.name): f.corrected_value
        for seg in document.segments
        for f in seg.fields
        if f.corrected_value is not None
    }
    document.segments.clear()
    s.flush()
    for ld in linked:
        ex = ld.extracted
        seg = SegmentRow(
            pages=list(ex.pages), first_page=min(ex.pages) if ex.pages else 0, doc_type=ex.doc_type,
            type_confidence=ex.type_confidence, type_evidence=ex.type_evidence, status=ld.status,
            reason=ld.reason, org_id=ld.org_id, link_method=ld.link_method,
            link_confidence=ld.link_confidence, link_evidence=ld.link_evidence,
            link_candidates=list(ld.link_candidates), needs_review=list(ex.needs_review),
        )
        for name, fv in ex.fields.items():
            ev = fv.evidence
            seg.fields.append(
                FieldRow(
                    name=name, value=_json_value(fv.value), page=ev.page if ev else None,
                    bbox=list(ev.bbox) if ev and ev.bbox else None, words=ev.words if ev else None,
                    confidence=ev.confidence if ev else None, method=ev.method if ev else None,
                    corrected_value=corrections.get((seg.first_page, ex.doc_type, name)),
                )
            )
        document.segments.append(seg)


def _plain_value(name: str, value: Any) -> Any:
    if name in DATE_FIELDS and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return value


def documents_on_file(s: Session, org_ids: Iterable[str] | None = None) -> list[DocumentOnFile]:
    """Linked, classified segments as plain records; a reviewer's correction wins over the reading."""
    q = (
        select(SegmentRow)
        .join(DocumentRow)
        .where(SegmentRow.status == "processed", SegmentRow.org_id.is_not(None), DocumentRow.status == "processed")
        .options(selectinload(SegmentRow.fields), selectinload(SegmentRow.document))
    )
    if org_ids is not None:
        q = q.where(SegmentRow.org_id.in_(list(org_ids)))
    out = []
    for seg in s.scalars(q):
        fields = {}
        evidence = {}
        for f in seg.fields:
            value = f.corrected_value if f.corrected_value is not None else f.value
            fields[f.name] = _plain_value(f.name, value)
            evidence[f.name] = {"page": f.page, "bbox": f.bbox, "words": f.words, "confidence": f.confidence}
        out.append(
            DocumentOnFile(
                document=seg.document.relative_path, pages=list(seg.pages), doc_type=seg.doc_type or "",
                org_id=seg.org_id, fields=fields, evidence=evidence, segment_id=seg.id,
            )
        )
    return out


def all_documents(s: Session) -> list[DocumentRow]:
    return list(
        s.scalars(
            select(DocumentRow)
            .options(selectinload(DocumentRow.segments).selectinload(SegmentRow.fields))
            .order_by(DocumentRow.relative_path, DocumentRow.id)
        )
    )


def document_counts(s: Session) -> dict[str, int]:
    return {k: v for k, v in s.execute(select(DocumentRow.status, func.count()).group_by(DocumentRow.status))}


# ---------------------------------------------------------------- checks


def save_check(
    s: Session, request_id: str, as_of: date, verdict: str, findings: Sequence[Finding],
    fee: dict[str, Any] | None = None,
) -> str | None:
    """Replace a request's current findings (and its fee); return its previous verdict."""
    row = s.scalar(select(RequestRow).where(RequestRow.request_id == request_id))
    if row is None:
        raise KeyError(request_id)
    previous = row.verdict
    row.findings.clear()
    for f in findings:
        row.findings.append(
            FindingRow(
                code=f.code, severity=f.severity, subject=f.subject, message=f.message, document=f.document,
                segment_id=f.segment_id, page=f.page, as_of=as_of, waiver_id=f.waiver_id,
            )
        )
    row.verdict = verdict
    row.fee = fee
    row.checked_as_of = as_of
    row.checked_at = utcnow()
    return previous


def active_waivers(s: Session, as_of: date) -> dict[str, list[Waiver]]:
    """Waivers not revoked and not expired on `as_of`, by request."""
    q = select(WaiverRow).where(
        WaiverRow.revoked_at.is_(None), (WaiverRow.expires_on.is_(None)) | (WaiverRow.expires_on >= as_of)
    )
    out: dict[str, list[Waiver]] = {}
    for w in s.scalars(q):
        out.setdefault(w.request_id, []).append(
            Waiver(w.id, w.request_id, w.code, w.subject, w.kind, w.reason, w.expires_on)
        )
    return out


def request_rows(s: Session) -> list[RequestRow]:
    return list(
        s.scalars(select(RequestRow).options(selectinload(RequestRow.findings)).order_by(RequestRow.request_id))
    )


def record_action(
    s: Session, actor: str, action: str, subject_type: str, subject_id: str, reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    s.add(
        ReviewActionRow(
            actor=actor, action=action, subject_type=subject_type, subject_id=subject_id, reason=reason,
            details=details or {},
        )
    )


def add_sweep_run(s: Session, **values: Any) -> SweepRunRow:
    row = SweepRunRow(**values)
    s.add(row)
    s.flush()
    return row


# ---------------------------------------------------------------- IRS data


def replace_revocations(s: Session, rows: Iterable[Revocation]) -> int:
    s.execute(delete(RevocationRow))
    n = 0
    seen: set[str] = set()
    for r in rows:
        if r.ein in seen:
            continue
        seen.add(r.ein)
        s.add(
            RevocationRow(
                ein=r.ein, legal_name=r.legal_name, revocation_date=r.revocation_date,
                reinstatement_date=r.reinstatement_date,
            )
        )
        n += 1
    return n


def load_revocations(s: Session) -> dict[str, Revocation]:
    return {
        r.ein: Revocation(r.ein, r.legal_name, r.revocation_date, r.reinstatement_date)
        for r in s.scalars(select(RevocationRow))
    }


def replace_pub78(s: Session, rows: dict[str, tuple[str, str | None]]) -> int:
    s.execute(delete(Pub78Row))
    for ein, (name, ded) in rows.items():
        s.add(Pub78Row(ein=ein, name=name, deductibility=ded))
    return len(rows)


def pub78_eins(s: Session) -> set[str]:
    return set(s.scalars(select(Pub78Row.ein)))


def holds_anything(s: Session) -> bool:
    """Whether a database holds any organization, request or document (an empty one is worth saying)."""
    return any(s.scalar(select(model.id).limit(1)) is not None for model in (OrganizationRow, RequestRow, DocumentRow))


def files_as_received(s: Session, paths: Iterable[str]) -> dict[str, tuple[str, datetime]]:
    """Each stored file's name as its sender gave it and when it came in, by its path in the store's
    listing (what a finding names): notices to organizations name documents this way, never by path."""
    wanted = sorted({p for p in paths if p})
    out: dict[str, tuple[str, datetime]] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        for path, name, received in s.execute(
            select(DocumentRow.relative_path, DocumentRow.original_name, DocumentRow.received_at)
            .where(DocumentRow.relative_path.in_(chunk))
        ):
            out.setdefault(path, (name, received))
    return out
