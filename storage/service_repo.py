"""SQL of the long-lived service: watch-folder claims, notices, sweep runs and bulk checks.

Claims and notices rely on unique keys, so two processes (or a restart) agree through the database
on who does a piece of work: whoever inserts the row first owns it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import (
    DocumentRow,
    FieldRow,
    FileClaimRow,
    FindingRow,
    NoticeRow,
    OrganizationRow,
    RequestRow,
    SegmentRow,
    SweepRunRow,
    utcnow,
)
from storage.records import DocumentOnFile, FacilityRequest, Finding, Organization
from storage.repository import to_request

CHUNK = 500  # ids per IN (...) list; SQLite allows a few thousand bound values

# ---------------------------------------------------------------- watch-folder claims


@dataclass(frozen=True)
class Claim:
    id: int
    path: str
    size: int
    mtime_ns: int
    claimed_by: str
    heartbeat_at: datetime
    status: str  # claimed | done | failed
    finished_at: datetime | None
    document_id: int | None


def _claim(row: Any) -> Claim:
    return Claim(row.id, row.path, row.size, row.mtime_ns, row.claimed_by, row.heartbeat_at, row.status,
                 row.finished_at, row.document_id)


def claims_for(s: Session, keys: Iterable[tuple[str, int, int]]) -> dict[tuple[str, int, int], Claim]:
    """Existing claims on these (path, size, mtime_ns) versions of files."""
    keys = list(keys)
    out: dict[tuple[str, int, int], Claim] = {}
    paths = sorted({k[0] for k in keys})
    wanted = set(keys)
    for i in range(0, len(paths), CHUNK):
        for row in s.execute(select(FileClaimRow).where(FileClaimRow.path.in_(paths[i : i + CHUNK]))).scalars():
            key = (row.path, row.size, row.mtime_ns)
            if key in wanted:
                out[key] = _claim(row)
    return out


def try_claim(s: Session, path: str, size: int, mtime_ns: int, worker: str) -> int | None:
    """Claim one version of a file; None when another process already has it. Commits."""
    try:
        result = s.execute(
            insert(FileClaimRow).values(path=path, size=size, mtime_ns=mtime_ns, claimed_by=worker,
                                        claimed_at=utcnow(), heartbeat_at=utcnow(), status="claimed")
        )
        s.commit()
        return int(result.inserted_primary_key[0])
    except IntegrityError:
        s.rollback()
        return None


def take_over(s: Session, claim: Claim, worker: str) -> bool:
    """Take over a claim whose holder died: only if nobody changed it since it was read. Commits."""
    result = s.execute(
        update(FileClaimRow)
        .where(FileClaimRow.id == claim.id, FileClaimRow.status == "claimed",
               FileClaimRow.claimed_by == claim.claimed_by, FileClaimRow.heartbeat_at == claim.heartbeat_at)
        .values(claimed_by=worker, heartbeat_at=utcnow())
    )
    s.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def beat(s: Session, claim_ids: Sequence[int], worker: str) -> None:
    """Tell the others the claims are still being worked on. Commits."""
    if claim_ids:
        s.execute(update(FileClaimRow).where(FileClaimRow.id.in_(list(claim_ids)),
                                             FileClaimRow.claimed_by == worker).values(heartbeat_at=utcnow()))
        s.commit()


def finish_claim(s: Session, claim_id: int, status: str, document_id: int | None) -> None:
    s.execute(update(FileClaimRow).where(FileClaimRow.id == claim_id)
              .values(status=status, document_id=document_id, finished_at=utcnow(), heartbeat_at=utcnow()))


def release_claim(s: Session, claim_id: int, worker: str) -> None:
    """Give a claim back (its processing failed): the next pass of any service claims the file again. Commits."""
    s.execute(delete(FileClaimRow).where(FileClaimRow.id == claim_id, FileClaimRow.claimed_by == worker,
                                         FileClaimRow.status == "claimed"))
    s.commit()


def give_back_claim(s: Session, claim_id: int) -> None:
    """Drop an unfinished claim inside the caller's transaction (its file stays to be claimed again)."""
    s.execute(delete(FileClaimRow).where(FileClaimRow.id == claim_id, FileClaimRow.status == "claimed"))


def claim_counts(s: Session) -> dict[str, int]:
    return dict(s.execute(select(FileClaimRow.status, func.count()).group_by(FileClaimRow.status)).all())


def stale_claims(s: Session, older_than: datetime) -> list[Claim]:
    rows = s.execute(select(FileClaimRow).where(FileClaimRow.status == "claimed",
                                                FileClaimRow.heartbeat_at < older_than)).scalars()
    return [_claim(r) for r in rows]


# ---------------------------------------------------------------- documents of a batch


def document_state(s: Session, document_id: int) -> tuple[str, str | None, str] | None:
    """(status, reason, relative_path) of a stored document."""
    row = s.execute(select(DocumentRow.status, DocumentRow.reason, DocumentRow.relative_path)
                    .where(DocumentRow.id == document_id)).first()
    return (row[0], row[1], row[2]) if row else None


def org_ids_of_documents(s: Session, document_ids: Sequence[int]) -> set[str]:
    """Organizations the documents were linked to (also through duplicates of them)."""
    ids = set(document_ids)
    if not ids:
        return set()
    originals = s.scalars(select(DocumentRow.duplicate_of).where(DocumentRow.id.in_(ids),
                                                                 DocumentRow.duplicate_of.is_not(None)))
    ids |= {i for i in originals if i}
    return {o for o in s.scalars(select(SegmentRow.org_id).where(SegmentRow.document_id.in_(ids),
                                                                 SegmentRow.org_id.is_not(None)))}


def open_request_ids(s: Session, as_of: date, org_ids: Iterable[str] | None = None) -> list[str]:
    """Requests with a use date on or after `as_of` (optionally only of some organizations)."""
    q = select(RequestRow.request_id).where(RequestRow.last_use >= as_of)
    if org_ids is not None:
        q = q.where(RequestRow.org_id.in_(list(org_ids)))
    return list(s.scalars(q.order_by(RequestRow.request_id)))


# ---------------------------------------------------------------- checks in bulk (the nightly sweep)


FINDING_COLUMNS = ("code", "severity", "subject", "message", "document", "segment_id", "page", "waiver_id")


def open_requests(s: Session, as_of: date) -> list[tuple[FacilityRequest, str | None]]:
    """Every request with a use date on or after `as_of`, with its stored verdict; one query."""
    skip = {"id", "first_use", "last_use", "checked_as_of", "checked_at", "updated_at", "fee"}  # not needed
    cols = [c for c in RequestRow.__table__.columns if c.name not in skip]
    rows = s.execute(select(*cols).where(RequestRow.last_use >= as_of).order_by(RequestRow.request_id))
    return [(to_request(r), r.verdict) for r in rows]  # type: ignore[arg-type]


def stored_findings(s: Session, as_of: date) -> dict[str, list[tuple]]:
    """Current findings of the open requests as comparable tuples (FINDING_COLUMNS order)."""
    q = (
        select(FindingRow.request_id, *(getattr(FindingRow, c) for c in FINDING_COLUMNS))
        .join(RequestRow, RequestRow.request_id == FindingRow.request_id)
        .where(RequestRow.last_use >= as_of)
        .order_by(FindingRow.id)
    )
    out: dict[str, list[tuple]] = {}
    for row in s.execute(q):
        out.setdefault(row[0], []).append(tuple(row[1:]))
    return out


def stored_fees(s: Session, as_of: date) -> dict[str, dict[str, Any] | None]:
    """The fee stored by the latest check of each open request."""
    q = select(RequestRow.request_id, RequestRow.fee).where(RequestRow.last_use >= as_of)
    return {rid: fee for rid, fee in s.execute(q)}


def documents_on_file_fast(s: Session) -> list[DocumentOnFile]:
    """The same records as repository.documents_on_file, in two plain queries (no ORM objects), for sweeps
    over many organizations; a reviewer's correction wins over the reading."""
    from storage.repository import _plain_value

    segs = s.execute(
        select(SegmentRow.id, SegmentRow.pages, SegmentRow.doc_type, SegmentRow.org_id, DocumentRow.relative_path)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .where(SegmentRow.status == "processed", SegmentRow.org_id.is_not(None), DocumentRow.status == "processed")
        .order_by(SegmentRow.id)
    ).all()
    out: dict[int, DocumentOnFile] = {
        sid: DocumentOnFile(document=path, pages=list(pages or []), doc_type=doc_type or "", org_id=org_id,
                            fields={}, evidence={}, segment_id=sid)
        for sid, pages, doc_type, org_id, path in segs
    }
    q = select(FieldRow.segment_id, FieldRow.name, FieldRow.value, FieldRow.corrected_value, FieldRow.page,
               FieldRow.bbox, FieldRow.words, FieldRow.confidence).order_by(FieldRow.id)
    for sid, name, value, corrected, page, bbox, words, confidence in s.execute(q):
        d = out.get(sid)
        if d is None:
            continue
        d.fields[name] = _plain_value(name, corrected if corrected is not None else value)
        d.evidence[name] = {"page": page, "bbox": bbox, "words": words, "confidence": confidence}
    return list(out.values())


def finding_tuple(f: Finding) -> tuple:
    return tuple(getattr(f, c) for c in FINDING_COLUMNS)


def save_checks(
    s: Session, as_of: date, checked: Sequence[str], changed: dict[str, tuple[str, list[Finding]]],
    fees: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Store a sweep's results in bulk: every checked request gets the new as-of date; requests whose
    findings or verdict changed get their findings replaced, those whose fee changed their fee. Does not commit."""
    now = utcnow()
    ids = list(checked)
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        s.execute(update(RequestRow).where(RequestRow.request_id.in_(part)).values(checked_as_of=as_of, checked_at=now),
                  execution_options={"synchronize_session": False})
        s.execute(update(FindingRow).where(FindingRow.request_id.in_(part)).values(as_of=as_of),
                  execution_options={"synchronize_session": False})
    changed_ids = list(changed)
    for i in range(0, len(changed_ids), CHUNK):
        s.execute(delete(FindingRow).where(FindingRow.request_id.in_(changed_ids[i : i + CHUNK])),
                  execution_options={"synchronize_session": False})
    if changed:
        table = RequestRow.__table__
        s.connection().execute(
            table.update().where(table.c.request_id == bindparam("rid")).values(verdict=bindparam("v")),
            [{"rid": rid, "v": v} for rid, (v, _) in changed.items()],
        )
        rows = [
            {"request_id": rid, "as_of": as_of, "created_at": now, **dict(zip(FINDING_COLUMNS, finding_tuple(f),
                                                                             strict=True))}
            for rid, (_, findings) in changed.items() for f in findings
        ]
        if rows:
            s.connection().execute(insert(FindingRow), rows)
    if fees:
        table = RequestRow.__table__
        s.connection().execute(
            table.update().where(table.c.request_id == bindparam("rid")).values(fee=bindparam("fee")),
            [{"rid": rid, "fee": fee} for rid, fee in fees.items()],
        )


def flagged_request_ids(s: Session) -> set[str]:
    return set(s.scalars(select(RequestRow.request_id).where(RequestRow.verdict == "flagged")))


# ---------------------------------------------------------------- sweep runs


def last_sweep_run(s: Session) -> SweepRunRow | None:
    return s.scalar(select(SweepRunRow).where(SweepRunRow.finished_at.is_not(None))
                    .order_by(SweepRunRow.finished_at.desc(), SweepRunRow.id.desc()).limit(1))


def start_sweep_run(s: Session, as_of: date) -> int:
    row = SweepRunRow(as_of=as_of, started_at=utcnow(), details={})
    s.add(row)
    s.commit()
    return row.id


def finish_sweep_run(s: Session, run_id: int, **values: Any) -> None:
    row = s.get(SweepRunRow, run_id)
    assert row is not None
    for k, v in values.items():
        setattr(row, k, v)
    row.finished_at = utcnow()


def sweep_runs(s: Session, limit: int = 20) -> list[SweepRunRow]:
    return list(s.scalars(select(SweepRunRow).order_by(SweepRunRow.id.desc()).limit(limit)))


# ---------------------------------------------------------------- notices


def reserve_notice(s: Session, **values: Any) -> int | None:
    """Record a notice before it is sent; None when one with the same key exists. Commits."""
    try:
        result = s.execute(insert(NoticeRow).values(status="pending", created_at=utcnow(), **values))
        s.commit()
        return int(result.inserted_primary_key[0])
    except IntegrityError:
        s.rollback()
        return None


def reserve_notices(s: Session, records: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Record many new notices before they are sent, in one transaction; returns their ids by key. If another
    process recorded one of them meanwhile, falls back to one at a time (the others are skipped). Commits."""
    if not records:
        return {}
    now = utcnow()
    try:
        s.execute(insert(NoticeRow), [{**r, "status": "pending", "created_at": now} for r in records])
        s.commit()
    except IntegrityError:
        s.rollback()
        out = {}
        for r in records:
            notice_id = reserve_notice(s, **r)
            if notice_id is not None:
                out[r["dedupe_key"]] = notice_id
        return out
    keys = [r["dedupe_key"] for r in records]
    out = {}
    for i in range(0, len(keys), CHUNK):
        out.update(dict(s.execute(select(NoticeRow.dedupe_key, NoticeRow.id)
                                  .where(NoticeRow.dedupe_key.in_(keys[i : i + CHUNK]))).all()))
    return out


def mark_notices(s: Session, notice_ids: Sequence[int], status: str) -> None:
    """Mark many notices at once (dry-run files written). Commits."""
    now = utcnow()
    for i in range(0, len(notice_ids), CHUNK):
        s.execute(update(NoticeRow).where(NoticeRow.id.in_(list(notice_ids[i : i + CHUNK])))
                  .values(status=status, error=None, sent_at=now))
    s.commit()


def known_notice_keys(s: Session, keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    out: set[str] = set()
    for i in range(0, len(keys), CHUNK):
        out |= set(s.scalars(select(NoticeRow.dedupe_key).where(NoticeRow.dedupe_key.in_(keys[i : i + CHUNK]))))
    return out


def mark_notice(s: Session, notice_id: int, status: str, error: str | None = None) -> None:
    """sent | dry_run | failed. Commits, so a sent notice is never sent again."""
    s.execute(update(NoticeRow).where(NoticeRow.id == notice_id).values(
        status=status, error=error, sent_at=utcnow() if status in ("sent", "dry_run") else None))
    s.commit()


def claim_retry(s: Session, notice_id: int, status: str) -> bool:
    """Take a failed (or abandoned pending) notice for another try; False if someone else did. Commits."""
    result = s.execute(update(NoticeRow).where(NoticeRow.id == notice_id, NoticeRow.status == status)
                       .values(status="pending", created_at=utcnow()))
    s.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def notices_to_retry(s: Session, pending_before: datetime) -> list[NoticeRow]:
    """Failed notices, and pending ones abandoned by a process that stopped before sending."""
    return list(s.scalars(select(NoticeRow).where(
        (NoticeRow.status == "failed") | ((NoticeRow.status == "pending") & (NoticeRow.created_at < pending_before))
    ).order_by(NoticeRow.id)))


def list_notices(s: Session, limit: int = 50, status: str | None = None) -> list[NoticeRow]:
    q = select(NoticeRow).order_by(NoticeRow.id.desc()).limit(limit)
    if status:
        q = q.where(NoticeRow.status == status)
    return list(s.scalars(q))


def notice_counts(s: Session) -> dict[tuple[str, str], int]:
    rows = s.execute(select(NoticeRow.kind, NoticeRow.status, func.count()).group_by(NoticeRow.kind, NoticeRow.status))
    return {(k, st): n for k, st, n in rows}


def organizations_by_id(s: Session, org_ids: Iterable[str] | None = None) -> dict[str, Organization]:
    from storage.repository import to_organization

    q = select(OrganizationRow)
    if org_ids is not None:
        q = q.where(OrganizationRow.org_id.in_(list(org_ids)))
    return {r.org_id: to_organization(r) for r in s.scalars(q)}


def current_findings(s: Session, request_ids: Iterable[str]) -> dict[str, list[FindingRow]]:
    ids = list(request_ids)
    out: dict[str, list[FindingRow]] = {}
    for i in range(0, len(ids), CHUNK):
        for f in s.scalars(select(FindingRow).where(FindingRow.request_id.in_(ids[i : i + CHUNK]))
                           .order_by(FindingRow.id)):
            out.setdefault(f.request_id, []).append(f)
    return out


# ---------------------------------------------------------------- bulk loading (large registries, benchmarks)


def bulk_add_registry(s: Session, orgs: Sequence[Organization], requests: Sequence[FacilityRequest]) -> None:
    """Insert many new organizations and requests at once (no upsert: the ids must be new)."""
    from storage.repository import _org_values, _request_values

    now = utcnow()
    for i in range(0, len(orgs), 5000):
        s.execute(insert(OrganizationRow), [{"org_id": o.org_id, "updated_at": now, **_org_values(o)}
                                            for o in orgs[i : i + 5000]])
    for i in range(0, len(requests), 5000):
        s.execute(insert(RequestRow), [{"request_id": r.request_id, "updated_at": now, **_request_values(r)}
                                       for r in requests[i : i + 5000]])


def failures_since(s: Session, since: datetime | None) -> list[str]:
    """Watch-folder files that failed and notices not sent, since a moment (all when None), for staff."""
    out = []
    q = (select(FileClaimRow.path, DocumentRow.status, DocumentRow.reason)
         .join(DocumentRow, DocumentRow.id == FileClaimRow.document_id, isouter=True)
         .where(FileClaimRow.status == "failed").order_by(FileClaimRow.id))
    if since is not None:
        q = q.where(FileClaimRow.finished_at >= since)
    for path, status, reason in s.execute(q):
        out.append(f"file {path}: {status or 'failed'} — {reason or 'see the failed/ folder'} (moved to failed/)")
    nq = select(NoticeRow.recipient, NoticeRow.subject, NoticeRow.error).where(NoticeRow.status == "failed")
    for recipient, subject, error in s.execute(nq.order_by(NoticeRow.id)):
        out.append(f"notice to {recipient} not sent ({subject}): {error}")
    return out


def days_ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)
