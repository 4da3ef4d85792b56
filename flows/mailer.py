"""Sending notices: over SMTP with a rate limit, or into the dry-run folder; each recorded once.

A notice is recorded (status pending) before it is sent, under its unique key, so two processes never send
the same notice and a sent one is never sent again. A failure is recorded with its reason and retried on the
next run; the staff digest lists it.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flows.notices import Notice, as_record
from flows.service_settings import ServiceSettings
from storage import service_repo as srepo
from storage.db import database

RESERVE_BATCH = 500
ABANDONED_AFTER_DAYS = 1 / 24  # a pending notice older than an hour was left by a process that stopped


@dataclass
class SendOutcome:
    sent: int = 0
    dry_run: int = 0
    failed: int = 0
    already: int = 0  # recorded before: not sent again
    errors: list[str] = field(default_factory=list)


class RateLimiter:
    """At most `per_minute` messages a minute, evenly spaced (shared by the threads of a process)."""

    def __init__(self, per_minute: float) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            delay = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
        if delay > 0:
            time.sleep(delay)


def build_message(n: Notice, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = n.recipient
    msg["Subject"] = n.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or "localhost")
    msg["X-Compliance-Notice"] = n.dedupe_key
    msg.set_content(n.body)
    return msg


class Mailer:
    """One SMTP connection reused for a run of notices, or the dry-run folder."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None
        self.limiter = RateLimiter(settings.smtp.per_minute)

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.smtp = None

    def _connect(self) -> smtplib.SMTP:
        c = self.settings.smtp
        if c.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout_seconds,
                                                 context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout_seconds)
            if c.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if c.user:
            smtp.login(c.user, c.password)
        return smtp

    def deliver(self, notice_id: int, n: Notice) -> str:
        """Send one message (or write it to the dry-run folder); returns 'sent' or 'dry_run'; raises on failure."""
        msg = build_message(n, self.settings.smtp.sender)
        if not self.settings.sends_mail:
            outbox = self.settings.outbox
            outbox.mkdir(parents=True, exist_ok=True)
            slug = re.sub(r"[^A-Za-z0-9._-]+", "_", n.request_id or n.org_id or n.recipient)[:60]
            path = outbox / f"{notice_id:06d}-{n.kind}-{slug}.eml"
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(bytes(msg))
            tmp.replace(path)
            return "dry_run"
        self.limiter.wait()
        for attempt in (1, 2):  # a server may drop an idle connection: reconnect once
            try:
                if self.smtp is None:
                    self.smtp = self._connect()
                self.smtp.send_message(msg)
                return "sent"
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                self.smtp = None
                if attempt == 2:
                    raise
        return "sent"  # pragma: no cover


def send_notices(db_url: str | None, notices: list[Notice], settings: ServiceSettings) -> SendOutcome:
    """Send each notice once: record it, send it, mark it; retry earlier failures first."""
    out = SendOutcome()
    db = database(db_url)
    with db.session() as s, Mailer(settings) as mailer:
        for row in srepo.notices_to_retry(s, srepo.days_ago(ABANDONED_AFTER_DAYS)):
            if not srepo.claim_retry(s, row.id, row.status):
                continue
            n = Notice(row.kind, row.dedupe_key, row.recipient, row.subject, row.body, row.org_id, row.request_id)
            _deliver_one(s, mailer, row.id, n, out)
        known = srepo.known_notice_keys(s, [n.dedupe_key for n in notices])
        fresh = [n for n in notices if n.dedupe_key not in known]
        out.already += len(notices) - len(fresh)
        if settings.sends_mail:
            for n in fresh:  # recorded one by one just before sending: only the message in flight when the
                # service is killed can be left pending (it is retried an hour later)
                notice_id = srepo.reserve_notice(s, **as_record(n))
                if notice_id is None:  # another process recorded it first
                    out.already += 1
                    continue
                _deliver_one(s, mailer, notice_id, n, out)
            return out
        for i in range(0, len(fresh), RESERVE_BATCH):
            part = fresh[i : i + RESERVE_BATCH]
            ids = srepo.reserve_notices(s, [as_record(n) for n in part])
            out.already += len(part) - len(ids)
            part = [n for n in part if n.dedupe_key in ids]
            written = []
            for n in part:  # dry run: a file per notice, named by its id (re-writing it after a crash is harmless)
                try:
                    mailer.deliver(ids[n.dedupe_key], n)
                    written.append(ids[n.dedupe_key])
                except OSError as e:
                    srepo.mark_notice(s, ids[n.dedupe_key], "failed", f"{type(e).__name__}: {e}")
                    out.failed += 1
                    out.errors.append(f"notice to {n.recipient} ({n.subject}): {e}")
            srepo.mark_notices(s, written, "dry_run")
            out.dry_run += len(written)
    return out


def _deliver_one(s, mailer: Mailer, notice_id: int, n: Notice, out: SendOutcome) -> None:  # type: ignore[no-untyped-def]
    try:
        status = mailer.deliver(notice_id, n)
    except (smtplib.SMTPException, OSError) as e:
        error = f"{type(e).__name__}: {e}"
        srepo.mark_notice(s, notice_id, "failed", error)
        out.failed += 1
        out.errors.append(f"notice to {n.recipient} ({n.subject}): {error}")
        mailer.close()
        return
    srepo.mark_notice(s, notice_id, status)
    if status == "sent":
        out.sent += 1
    else:
        out.dry_run += 1


def outbox_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml"))
