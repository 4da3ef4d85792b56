"""Queries of the review desk (web/): accounts, the exception queue, documents, waivers and the audit trail.

Like repository.py, this is one of the few modules that knows SQL; the web pages get rows and plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, selectinload

from storage.models import (
    DocumentRow,
    FieldRow,
    FindingRow,
    LoginAttemptRow,
    NoticeRow,
    OrganizationRow,
    PageTextRow,
    RequestRow,
    ReviewActionRow,
    SegmentRow,
    SweepRunRow,
    UserRow,
    WaiverRow,
    WebSessionRow,
    utcnow,
)

# ---------------------------------------------------------------- accounts


def user_by_name(s: Session, username: str) -> UserRow | None:
    return s.scalar(select(UserRow).where(func.lower(UserRow.username) == username.strip().lower()))


def user_by_id(s: Session, user_id: int) -> UserRow | None:
    return s.get(UserRow, user_id)


def add_user(
    s: Session, username: str, password_hash: str, role: str, display_name: str = "", email: str | None = None
) -> UserRow:
    row = UserRow(
        username=username.strip(), password_hash=password_hash, role=role, display_name=display_name.strip(),
        email=(email or "").strip() or None, active=True,
    )
    s.add(row)
    s.flush()
    return row


def list_users(s: Session) -> list[UserRow]:
    return list(s.scalars(select(UserRow).order_by(UserRow.username)))


def record_login_attempt(s: Session, username: str, remote: str | None, success: bool) -> None:
    s.add(LoginAttemptRow(username=username.strip().lower()[:120], remote=(remote or "")[:64], success=success,
                          at=utcnow()))


def failed_logins_since(s: Session, since: datetime, username: str | None = None, remote: str | None = None) -> int:
    """Failed attempts since a moment, for one account name or one remote address."""
    q = select(func.count()).select_from(LoginAttemptRow).where(
        LoginAttemptRow.success.is_(False), LoginAttemptRow.at >= since
    )
    if username is not None:
        q = q.where(LoginAttemptRow.username == username.strip().lower())
    if remote is not None:
        q = q.where(LoginAttemptRow.remote == remote)
    return int(s.scalar(q) or 0)


def last_success(s: Session, username: str) -> datetime | None:
    return s.scalar(
        select(func.max(LoginAttemptRow.at)).where(
            LoginAttemptRow.username == username.strip().lower(), LoginAttemptRow.success.is_(True)
        )
    )


# ---------------------------------------------------------------- sessions


def session_by_token_hash(s: Session, token_hash: str) -> WebSessionRow | None:
    """The unexpired session of a cookie's token (by its hash)."""
    return s.scalar(select(WebSessionRow).where(WebSessionRow.token_hash == token_hash,
                                                WebSessionRow.expires_at > utcnow()))


def add_session(
    s: Session, token_hash: str, user_id: int | None, data: dict[str, Any], expires_at: datetime
) -> WebSessionRow:
    row = WebSessionRow(token_hash=token_hash, user_id=user_id, data=data, created_at=utcnow(), expires_at=expires_at)
    s.add(row)
    s.flush()
    return row


def delete_session(s: Session, token_hash: str) -> None:
    s.execute(delete(WebSessionRow).where(WebSessionRow.token_hash == token_hash))


def end_sessions_of(s: Session, user_id: int) -> int:
    """Sign an account out everywhere (new password, account disabled); how many sessions ended."""
    return int(s.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id)).rowcount or 0)


def purge_expired_sessions(s: Session) -> None:
    s.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= utcnow()))


def sessions_of(s: Session, user_id: int) -> list[WebSessionRow]:
    return list(s.scalars(select(WebSessionRow).where(WebSessionRow.user_id == user_id)))


# ---------------------------------------------------------------- the queue


@dataclass
class QueueFilters:
    school: str = ""
    category: str = ""
    code: str = ""
    first_from: date | None = None
    first_to: date | None = None
    verdict: str = "flagged"  # flagged | compliant | all
    search: str = ""


@dataclass
class QueueItem:
    request: RequestRow
    org: OrganizationRow
    open_findings: list[FindingRow] = field(default_factory=list)  # not covered by a waiver
    waived_findings: list[FindingRow] = field(default_factory=list)

    @property
    def blocking(self) -> int:
        return sum(f.severity == "block" for f in self.open_findings)


def queue(s: Session, f: QueueFilters) -> list[QueueItem]:
    """Requests (flagged by default) with their organizations and findings, soonest first use first."""
    q = (
        select(RequestRow, OrganizationRow)
        .join(OrganizationRow, OrganizationRow.org_id == RequestRow.org_id)
        .options(selectinload(RequestRow.findings))
    )
    if f.verdict in ("flagged", "compliant"):
        q = q.where(RequestRow.verdict == f.verdict)
    if f.school:
        q = q.where(RequestRow.school == f.school)
    if f.category:
        q = q.where(OrganizationRow.category == f.category)
    if f.first_from:
        q = q.where(RequestRow.first_use >= f.first_from)
    if f.first_to:
        q = q.where(RequestRow.first_use <= f.first_to)
    if f.code:
        q = q.where(RequestRow.request_id.in_(select(FindingRow.request_id).where(FindingRow.code == f.code)))
    if f.search:
        like = f"%{f.search.strip().lower()}%"
        q = q.where(
            func.lower(RequestRow.request_id).like(like) | func.lower(OrganizationRow.name).like(like)
            | func.lower(OrganizationRow.org_id).like(like)
        )
    q = q.order_by(RequestRow.first_use.is_(None), RequestRow.first_use, RequestRow.request_id)
    out = []
    for req, org in s.execute(q):
        item = QueueItem(req, org)
        for fd in sorted(req.findings, key=lambda x: (x.severity != "block", x.code, x.subject or "")):
            (item.waived_findings if fd.waiver_id else item.open_findings).append(fd)
        out.append(item)
    return out


def queue_choices(s: Session) -> dict[str, list[str]]:
    """Values offered by the queue's filters."""
    return {
        "schools": sorted(x for x in s.scalars(select(RequestRow.school).distinct()) if x),
        "categories": sorted(x for x in s.scalars(select(OrganizationRow.category).distinct()) if x),
        "codes": sorted(x for x in s.scalars(select(FindingRow.code).distinct()) if x),
    }


def verdict_counts(s: Session) -> dict[str, int]:
    return {str(k): v for k, v in s.execute(select(RequestRow.verdict, func.count()).group_by(RequestRow.verdict))}


# ---------------------------------------------------------------- requests and organizations


def request_row(s: Session, request_id: str) -> RequestRow | None:
    return s.scalar(
        select(RequestRow).where(RequestRow.request_id == request_id).options(selectinload(RequestRow.findings))
    )


def organization_row(s: Session, org_id: str) -> OrganizationRow | None:
    return s.scalar(select(OrganizationRow).where(OrganizationRow.org_id == org_id))


def organization_rows(s: Session) -> list[OrganizationRow]:
    return list(s.scalars(select(OrganizationRow).order_by(OrganizationRow.name)))


def requests_of(s: Session, org_id: str) -> list[RequestRow]:
    return list(
        s.scalars(
            select(RequestRow).where(RequestRow.org_id == org_id).options(selectinload(RequestRow.findings))
            .order_by(RequestRow.first_use, RequestRow.request_id)
        )
    )


def request_ids_of(s: Session, org_ids: Iterable[str]) -> list[str]:
    ids = [o for o in org_ids if o]
    if not ids:
        return []
    return list(s.scalars(select(RequestRow.request_id).where(RequestRow.org_id.in_(ids))))


def segments_of(s: Session, org_id: str) -> list[SegmentRow]:
    """The organization's documents (segments), newest file first."""
    return list(
        s.scalars(
            select(SegmentRow).join(DocumentRow).where(SegmentRow.org_id == org_id)
            .options(selectinload(SegmentRow.fields), selectinload(SegmentRow.document))
            .order_by(DocumentRow.received_at.desc(), DocumentRow.id.desc(), SegmentRow.first_page)
        )
    )


def segments_by_id(s: Session, segment_ids: Iterable[int]) -> dict[int, SegmentRow]:
    ids = [i for i in set(segment_ids) if i is not None]
    if not ids:
        return {}
    rows = s.scalars(
        select(SegmentRow).where(SegmentRow.id.in_(ids))
        .options(selectinload(SegmentRow.fields), selectinload(SegmentRow.document))
    )
    return {r.id: r for r in rows}


# ---------------------------------------------------------------- documents


def document_row(s: Session, document_id: int) -> DocumentRow | None:
    return s.scalar(
        select(DocumentRow).where(DocumentRow.id == document_id)
        .options(selectinload(DocumentRow.segments).selectinload(SegmentRow.fields))
    )


def content_segments(s: Session, docs: Iterable[DocumentRow]) -> dict[int, list[SegmentRow]]:
    """The documents found in each file, by the file's id. A file with none of its own (a duplicate, kept
    without reading it again) gets those of every other file with the same content, so what may be shown of
    it (background checks) follows the content, not the row."""
    docs = list(docs)
    out = {d.id: list(d.segments) for d in docs}
    bare = {d.sha256 for d in docs if not d.segments}
    if bare:
        by_sha: dict[str, list[SegmentRow]] = {}
        rows = s.scalars(select(SegmentRow).join(DocumentRow).where(DocumentRow.sha256.in_(bare))
                         .options(selectinload(SegmentRow.document)))
        for seg in rows:
            by_sha.setdefault(seg.document.sha256, []).append(seg)
        for d in docs:
            if not d.segments:
                out[d.id] = [seg for seg in by_sha.get(d.sha256, []) if seg.document_id != d.id]
    return out


@dataclass
class PageInfo:
    page_no: int
    width: float
    height: float
    source: str
    mean_conf: float
    image_path: str | None
    rotation: int = 0  # how the page was turned upright and straightened before it was read (OCR)
    skew: float = 0.0


def page_infos(s: Session, sha256: str) -> list[PageInfo]:
    rows = s.scalars(select(PageTextRow).where(PageTextRow.sha256 == sha256).order_by(PageTextRow.page_no))
    return [
        PageInfo(r.page_no, float(r.page.get("width") or 612), float(r.page.get("height") or 792), r.source,
                 r.mean_conf, r.image_path, int(r.page.get("rotation") or 0), float(r.page.get("skew") or 0.0))
        for r in rows
    ]


def document_by_path(s: Session, relative_path: str) -> DocumentRow | None:
    return s.scalar(
        select(DocumentRow).where(DocumentRow.relative_path == relative_path)
        .options(selectinload(DocumentRow.segments)).order_by(DocumentRow.id.desc()).limit(1)
    )


def field_row(s: Session, field_id: int) -> FieldRow | None:
    return s.scalar(
        select(FieldRow).where(FieldRow.id == field_id)
        .options(selectinload(FieldRow.segment).selectinload(SegmentRow.document))
    )


def segment_row(s: Session, segment_id: int) -> SegmentRow | None:
    return s.scalar(
        select(SegmentRow).where(SegmentRow.id == segment_id).options(selectinload(SegmentRow.document))
    )


def tray(s: Session) -> tuple[list[DocumentRow], list[SegmentRow]]:
    """Files nobody could read, and documents found in files that are not tied to an organization."""
    files = list(
        s.scalars(
            select(DocumentRow).where(DocumentRow.status.in_(("unreadable", "rejected")))
            .order_by(DocumentRow.received_at.desc())
        )
    )
    segments = list(
        s.scalars(
            select(SegmentRow).join(DocumentRow)
            .where(SegmentRow.status.in_(("unlinked", "unclassified")), DocumentRow.status == "processed")
            .options(selectinload(SegmentRow.document), selectinload(SegmentRow.fields))
            .order_by(SegmentRow.status, DocumentRow.received_at.desc())
        )
    )
    aside = set_aside_keys(s)  # what a reviewer dealt with leaves the tray
    return [d for d in files if file_key(d) not in aside], [g for g in segments if segment_key(g) not in aside]


def link_segment(s: Session, segment: SegmentRow, org_id: str, actor: str) -> None:
    segment.org_id = org_id
    segment.status = "processed"
    segment.reason = None
    segment.link_method = "manual"
    segment.link_confidence = 1.0
    segment.link_evidence = f"linked by hand by {actor}"


def recent_documents(s: Session, limit: int = 50) -> list[DocumentRow]:
    return list(
        s.scalars(
            select(DocumentRow).options(selectinload(DocumentRow.segments))
            .order_by(DocumentRow.received_at.desc(), DocumentRow.id.desc()).limit(limit)
        )
    )


# ---------------------------------------------------------------- waivers, notices, sweeps, audit


def add_waiver(s: Session, **values: Any) -> WaiverRow:
    row = WaiverRow(**values)
    s.add(row)
    s.flush()
    return row


def waiver_row(s: Session, waiver_id: int) -> WaiverRow | None:
    return s.get(WaiverRow, waiver_id)


def waivers_of(s: Session, request_id: str) -> list[WaiverRow]:
    return list(s.scalars(select(WaiverRow).where(WaiverRow.request_id == request_id).order_by(WaiverRow.id.desc())))


def waivers_by_id(s: Session, waiver_ids: Iterable[int | None]) -> dict[int, WaiverRow]:
    ids = [i for i in set(waiver_ids) if i]
    if not ids:
        return {}
    return {w.id: w for w in s.scalars(select(WaiverRow).where(WaiverRow.id.in_(ids)))}


def notices_of(s: Session, request_id: str) -> list[NoticeRow]:
    return list(s.scalars(select(NoticeRow).where(NoticeRow.request_id == request_id).order_by(NoticeRow.id.desc())))


def notice_by_key(s: Session, key: str) -> NoticeRow | None:
    return s.scalar(select(NoticeRow).where(NoticeRow.dedupe_key == key))


def sweep_runs(s: Session, limit: int = 60) -> list[SweepRunRow]:
    return list(s.scalars(select(SweepRunRow).order_by(SweepRunRow.id.desc()).limit(limit)))


def audit_trail(
    s: Session, actor: str = "", subject_type: str = "", subject_id: str = "", limit: int = 300
) -> list[ReviewActionRow]:
    q = select(ReviewActionRow)
    if actor:
        q = q.where(ReviewActionRow.actor == actor)
    if subject_type:
        q = q.where(ReviewActionRow.subject_type == subject_type)
    if subject_id:
        q = q.where(ReviewActionRow.subject_id == subject_id)
    return list(s.scalars(q.order_by(ReviewActionRow.id.desc()).limit(limit)))


def actions_about(s: Session, pairs: Iterable[tuple[str, str]], limit: int = 100) -> list[ReviewActionRow]:
    """The audit entries of several subjects (a request, its documents...), newest first."""
    conds = [(ReviewActionRow.subject_type == t) & (ReviewActionRow.subject_id == i) for t, i in pairs]
    if not conds:
        return []
    q = select(ReviewActionRow)
    cond = conds[0]
    for c in conds[1:]:
        cond = cond | c
    return list(s.scalars(q.where(cond).order_by(ReviewActionRow.id.desc()).limit(limit)))


# ---------------------------------------------------------------- emptying the tray

SET_ASIDE = "set_aside"  # the review action that takes a document or file out of the tray


def set_aside_keys(s: Session) -> set[str]:
    """What reviewers set aside ('not a compliance document', 'file dealt with'): 'segment:DOC:PAGE' and
    'file:DOC' keys. Kept by file and first page, so a reading of the file again keeps the decision."""
    return set(s.scalars(select(ReviewActionRow.subject_id).where(ReviewActionRow.action == SET_ASIDE)))


def segment_key(seg: SegmentRow) -> str:
    return f"segment:{seg.document_id}:{seg.first_page}"


def file_key(doc: DocumentRow) -> str:
    return f"file:{doc.id}"


def reread_segment(s: Session, seg: SegmentRow, doc_type: str, type_evidence: str, fields: dict[str, Any],
                   needs_review: list[str], link: dict[str, Any]) -> None:
    """A document read again as the kind a reviewer named: its kind, fields (from FieldValue objects) and
    link replace the machine's reading of it; the file's other documents stay as they were."""
    seg.doc_type = doc_type
    seg.type_confidence = 1.0
    seg.type_evidence = type_evidence
    seg.needs_review = list(needs_review)
    for key, value in link.items():
        setattr(seg, key, value)
    seg.fields.clear()
    s.flush()
    for name, fv in fields.items():
        ev = fv.evidence
        value = fv.value.isoformat() if isinstance(fv.value, (date, datetime)) else fv.value
        seg.fields.append(FieldRow(
            name=name, value=value, page=ev.page if ev else None, bbox=list(ev.bbox) if ev and ev.bbox else None,
            words=ev.words if ev else None, confidence=ev.confidence if ev else None,
            method=ev.method if ev else None,
        ))


# ---------------------------------------------------------------- finding documents

DOCUMENTS_PER_PAGE = 50


def _fts_query(q: str) -> str:
    """The words typed, each as an FTS5 phrase (so quotes, stars or AND in them are words, not syntax)."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in q.split())


def _sync_sqlite_fts(s: Session) -> None:
    """SQLite FTS5 index of the page text, brought up to date with the pages stored since its last use
    (rowid = page_texts.id; a page stored again gets a new id, and the join drops the old one)."""
    s.execute(text("CREATE VIRTUAL TABLE IF NOT EXISTS page_text_fts USING fts5(body, tokenize='unicode61')"))
    last = s.scalar(text("SELECT coalesce(max(rowid), 0) FROM page_text_fts")) or 0
    rows = s.execute(select(PageTextRow.id, PageTextRow.page).where(PageTextRow.id > last)
                     .order_by(PageTextRow.id)).all()
    if rows:
        s.execute(text("INSERT INTO page_text_fts(rowid, body) VALUES (:id, :body)"),
                  [{"id": i, "body": " ".join(str(w[0]) for w in (page or {}).get("words", []))} for i, page in rows])
        s.commit()


def files_with_text(s: Session, q: str) -> set[str]:
    """The files (by content hash) whose page text holds every word of q: PostgreSQL's full-text search on
    PostgreSQL, SQLite's FTS5 otherwise."""
    if not q.split():
        return set()
    if s.get_bind().dialect.name == "postgresql":
        found = s.scalars(text(
            "SELECT DISTINCT sha256 FROM page_texts WHERE to_tsvector('simple', coalesce(("
            "SELECT string_agg(w->>0, ' ') FROM json_array_elements(page->'words') AS w), '')) "
            "@@ plainto_tsquery('simple', :q)"), {"q": q})
        return set(found)
    _sync_sqlite_fts(s)
    found = s.scalars(text("SELECT DISTINCT p.sha256 FROM page_text_fts f JOIN page_texts p ON p.id = f.rowid "
                           "WHERE page_text_fts MATCH :q"), {"q": _fts_query(q)})
    return set(found)


def find_documents(
    s: Session, q: str = "", status: str = "", kind: str = "", page: int = 1, per_page: int = DOCUMENTS_PER_PAGE,
    hidden_kinds: Iterable[str] = (),
) -> tuple[list[DocumentRow], int]:
    """A page of the files received (newest first) with the total: filtered by status and by the kind of
    document found in them ('none': nothing recognised), searched by file name and page text. Files holding
    a kind the person may not see are left out of a text search (their words would tell what they say)."""
    query = select(DocumentRow)
    if status:
        query = query.where(DocumentRow.status == status)
    if kind == "none":
        query = query.where(~DocumentRow.segments.any(SegmentRow.doc_type.is_not(None)))
    elif kind:
        query = query.where(DocumentRow.segments.any(SegmentRow.doc_type == kind))
    q = q.strip()
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        shas = files_with_text(s, q)
        query = query.where(DocumentRow.original_name.ilike(like) | DocumentRow.relative_path.ilike(like)
                            | DocumentRow.sha256.in_(shas))
        hidden = list(hidden_kinds)
        if hidden:
            query = query.where(~DocumentRow.segments.any(SegmentRow.doc_type.in_(hidden)))
    total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(s.scalars(query.options(selectinload(DocumentRow.segments))
                          .order_by(DocumentRow.received_at.desc(), DocumentRow.id.desc())
                          .offset(max(page - 1, 0) * per_page).limit(per_page)))
    return rows, total


def places(s: Session) -> dict[str, list[str]]:
    """The schools and facilities of the requests on file, offered as lists on the request form."""
    return {
        "schools": sorted(x for x in s.scalars(select(RequestRow.school).distinct()) if x),
        "facilities": sorted(x for x in s.scalars(select(RequestRow.facility).distinct()) if x),
    }
