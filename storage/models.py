"""Database tables. Only storage/ knows SQL; other stages see plain records."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment stored as UTC and always read back with its zone (UTC), on SQLite and PostgreSQL alike.

    PostgreSQL keeps it as ``timestamp with time zone``; SQLite has no zones and keeps the UTC wall time, which
    this type gives back marked as UTC, so no caller ever sees a time without a zone. A time given without a
    zone is refused: whether it meant UTC or local time cannot be known.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a stored time needs its time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class OrganizationRow(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    dba: Mapped[list[Any]] = mapped_column(default=list)
    category: Mapped[str] = mapped_column(String(8))
    government: Mapped[bool] = mapped_column(Boolean, default=False)
    ein: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(300))
    past_due_balance: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cat3_permit: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # {issued, expires, fee_paid}
    registry_keys: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")  # optional keys ever given
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class RequestRow(Base):
    """An AC-11 facility-use request and its latest verdict."""

    __tablename__ = "facility_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.org_id"), index=True)
    school: Mapped[str] = mapped_column(String(300), default="")
    facility: Mapped[str] = mapped_column(String(300), default="")
    activity: Mapped[str] = mapped_column(Text, default="")
    use_dates: Mapped[list[Any]] = mapped_column(default=list)  # ISO dates
    first_use: Mapped[date | None] = mapped_column(Date, index=True)
    last_use: Mapped[date | None] = mapped_column(Date, index=True)
    start_time: Mapped[str | None] = mapped_column(String(16))
    end_time: Mapped[str | None] = mapped_column(String(16))
    submitted_on: Mapped[date | None] = mapped_column(Date)
    community_school: Mapped[bool] = mapped_column(Boolean, default=False)
    uses_kitchen: Mapped[bool] = mapped_column(Boolean, default=False)
    kitchen_dates: Mapped[list[Any]] = mapped_column(default=list)
    serves_students: Mapped[bool] = mapped_column(Boolean, default=False)
    personnel: Mapped[list[Any]] = mapped_column(default=list)
    facility_type: Mapped[str | None] = mapped_column(String(64))
    regular_use: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deposit_received: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    cpr_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    kitchen_application_approved_on: Mapped[date | None] = mapped_column(Date)
    registry_keys: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")  # optional keys ever given
    fee: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # of the latest check (rules.Fee)
    verdict: Mapped[str | None] = mapped_column(String(16), index=True)
    checked_as_of: Mapped[date | None] = mapped_column(Date)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    findings: Mapped[list[FindingRow]] = relationship(back_populates="request", cascade="all, delete-orphan")


class DocumentRow(Base):
    """One received file. The original is kept byte-for-byte in the content-addressed store."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String(500))
    relative_path: Mapped[str] = mapped_column(String(1000), index=True)
    media_type: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), index=True)  # received|processed|unreadable|…
    reason: Mapped[str | None] = mapped_column(Text)
    stored_path: Mapped[str | None] = mapped_column(String(500))
    hint_org_id: Mapped[str | None] = mapped_column(String(64))
    hint_request_id: Mapped[str | None] = mapped_column(String(64))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    segments: Mapped[list[SegmentRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="SegmentRow.first_page"
    )


class PageTextRow(Base):
    """Words of one page, cached by the file's content hash so a file is never OCR'd twice."""

    __tablename__ = "page_texts"
    __table_args__ = (UniqueConstraint("sha256", "page_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    page_no: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    mean_conf: Mapped[float] = mapped_column(Float, default=100.0)
    page: Mapped[dict[str, Any]] = mapped_column()  # PageText.to_dict()
    image_path: Mapped[str | None] = mapped_column(String(500))


class SegmentRow(Base):
    """One compliance document found inside a file: its pages, kind, organization and fields."""

    __tablename__ = "document_segments"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    pages: Mapped[list[Any]] = mapped_column()
    first_page: Mapped[int] = mapped_column(Integer)
    doc_type: Mapped[str | None] = mapped_column(String(32), index=True)
    type_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    type_evidence: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)  # processed|unclassified|unlinked
    reason: Mapped[str | None] = mapped_column(Text)
    org_id: Mapped[str | None] = mapped_column(String(64), index=True)
    link_method: Mapped[str | None] = mapped_column(String(64))
    link_confidence: Mapped[float | None] = mapped_column(Float)
    link_evidence: Mapped[str | None] = mapped_column(Text)
    link_candidates: Mapped[list[Any]] = mapped_column(default=list)
    needs_review: Mapped[list[Any]] = mapped_column(default=list)
    document: Mapped[DocumentRow] = relationship(back_populates="segments")
    fields: Mapped[list[FieldRow]] = relationship(back_populates="segment", cascade="all, delete-orphan")


class FieldRow(Base):
    __tablename__ = "segment_fields"
    __table_args__ = (UniqueConstraint("segment_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("document_segments.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON)  # machine reading; dates as ISO strings
    page: Mapped[int | None] = mapped_column(Integer)
    bbox: Mapped[list[Any] | None] = mapped_column()
    words: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str | None] = mapped_column(Text)
    corrected_value: Mapped[Any] = mapped_column(JSON, nullable=True)  # a reviewer's correction, kept beside
    segment: Mapped[SegmentRow] = relationship(back_populates="fields")


class FindingRow(Base):
    """A current finding of the latest check of a request."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("facility_requests.request_id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str | None] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    document: Mapped[str | None] = mapped_column(String(1000))
    segment_id: Mapped[int | None] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    waiver_id: Mapped[int | None] = mapped_column(Integer)  # set when a reviewer's waiver covers it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    request: Mapped[RequestRow] = relationship(back_populates="findings")


class ReviewActionRow(Base):
    """The audit trail: who did what, when and why."""

    __tablename__ = "review_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SweepRunRow(Base):
    __tablename__ = "sweep_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requests_checked: Mapped[int] = mapped_column(Integer, default=0)
    newly_flagged: Mapped[int] = mapped_column(Integer, default=0)
    newly_compliant: Mapped[int] = mapped_column(Integer, default=0)
    expiring_soon: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RevocationRow(Base):
    """IRS automatic-revocation list entry."""

    __tablename__ = "irs_revocations"
    ein: Mapped[str] = mapped_column(String(16), primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(300))
    revocation_date: Mapped[date | None] = mapped_column(Date)
    reinstatement_date: Mapped[date | None] = mapped_column(Date)


class Pub78Row(Base):
    """IRS Publication 78: organizations currently eligible for deductible contributions."""

    __tablename__ = "irs_pub78"
    ein: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    deductibility: Mapped[str | None] = mapped_column(String(32))


class WaiverRow(Base):
    """A reviewer's decision on a finding: resolved after manual verification, or waived with a reason.
    Matches findings by request, code and subject; the sweep respects it until it expires."""

    __tablename__ = "waivers"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("facility_requests.request_id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))  # resolved | waived
    reason: Mapped[str] = mapped_column(Text)
    expires_on: Mapped[date | None] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NoticeRow(Base):
    """Every notice the pipeline sent (or wrote, in dry-run mode); the key makes each one go out once."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # deficiency | renewal | digest
    recipient: Mapped[str] = mapped_column(String(300))
    org_id: Mapped[str | None] = mapped_column(String(64), index=True)
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending | sent | dry_run | failed
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FileClaimRow(Base):
    """Work claimed from the watch folder, so two services (or a restart) never read a file twice."""

    __tablename__ = "file_claims"
    __table_args__ = (UniqueConstraint("path", "size", "mtime_ns"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(1000))
    size: Mapped[int] = mapped_column(Integer)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    claimed_by: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), index=True)  # claimed | done | failed
    document_id: Mapped[int | None] = mapped_column(Integer)


class UserRow(Base):
    """A staff account of the review desk."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(300))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(32))  # viewer | reviewer | administrator
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebSessionRow(Base):
    """A signed-in (or about to sign in) browser of the review desk. The cookie holds only a random token;
    the row is found by the token's SHA-256, so a copy of the database opens no session. Deleting the rows
    of an account (sign-out, new password, disabled) ends its sessions at once."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # CSRF token, messages to show
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class LoginAttemptRow(Base):
    """Login attempts, for rate-limiting failed logins across processes."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), index=True)
    remote: Mapped[str | None] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
