"""The watch folder: pick up new and changed files once they are whole, claim them through the database,
and run them through the ingestion stages in batches (one Prefect flow run per batch).

- Files are found by scanning the folder every few seconds (works on network shares) and, where the
  platform gives file-system events, the scan also runs as soon as something changes.
- A file is read only after its size and modification time have not changed for `stable_seconds`.
- Each version of a file (path, size, mtime) is claimed by inserting a row with a unique key, so two
  services on one folder never read the same file twice. A claim's holder beats a heartbeat; a claim whose
  holder died (its process is gone, or it stopped beating) is taken over and the work resumes where it
  stopped: documents already stored are not read again.
- Processed files leave the folder; failed ones go to failed/ with a reason file.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from extractors.reasons import plain_reason
from flows import stages, temporary_server_settings
from flows.service_settings import ServiceSettings, load_settings
from flows.stages import IngestOptions, Received
from storage import service_repo as srepo
from storage.db import database
from storage.models import utcnow

log = logging.getLogger("compliance.watch")
MAX_ATTEMPTS = 3


def worker_id() -> str:
    """host:pid:random — the host and pid let a restarted service on the same machine see a dead holder."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def holder_is_dead(claimed_by: str, heartbeat_age: float, timeout: float) -> bool:
    """A claim's holder is gone when it stopped beating, or when it ran here and its process no longer exists."""
    if heartbeat_age > timeout:
        return True
    host, _, rest = claimed_by.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a zombie (killed, not yet reaped by its parent) is dead too
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] == "Z"
    except OSError:
        return False


# ------------------------------------------------------------------ one batch of claimed files


def affected_requests(db_url: str | None, document_ids: list[int], as_of: date) -> list[str]:
    with database(db_url).session() as s:
        orgs = srepo.org_ids_of_documents(s, document_ids)
        return srepo.open_request_ids(s, as_of, orgs) if orgs else []


def recheck(db_url: str | None, document_ids: list[int], as_of: date, policy: str | None) -> dict:
    """Re-check the open requests of the organizations the batch's documents belong to."""
    from flows.checks import check_requests

    ids = affected_requests(db_url, document_ids, as_of)
    if not ids:
        return {"checked": 0, "newly_flagged": [], "newly_compliant": []}
    summary = check_requests(db_url, as_of, Path(policy) if policy else None, request_ids=ids, open_only=True)
    return {"checked": summary.checked, "newly_flagged": summary.newly_flagged,
            "newly_compliant": summary.newly_compliant}


def finish_claims(db_url: str | None, claims: list[tuple[int, str]], received: list[Received]) -> dict[str, int]:
    """Mark each claim done (or failed, when its file was rejected or unreadable), before the file is moved.
    A file left in the folder without a document (it changed while read, it could not be stored) gives its
    claim back, so that a later pass reads it."""
    by_rel = {r.relative_path: r for r in received}
    counts = {"done": 0, "failed": 0, "released": 0}
    with database(db_url).session() as s:
        for claim_id, rel in claims:
            r = by_rel.get(rel)
            state = srepo.document_state(s, r.document_id) if r and r.document_id else None
            if r is not None and state is None and r.status in ("left", "gone"):
                if r.status == "left":
                    srepo.give_back_claim(s, claim_id)
                    counts["released"] += 1
                    continue
            failed = r is None or (state[0] if state else r.status) in ("rejected", "unreadable")
            srepo.finish_claim(s, claim_id, "failed" if failed else "done", r.document_id if r else None)
            counts["failed" if failed else "done"] += 1
        s.commit()
    return counts


def _steps(use_prefect: bool):  # type: ignore[no-untyped-def]
    from flows.ingest import steps

    return steps(use_prefect), (recheck_task if use_prefect else recheck), (
        finish_claims_task if use_prefect else finish_claims)


recheck_task = task(recheck, name="recheck", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5)
finish_claims_task = task(finish_claims, name="finish_claims", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)


def entries_of(folder: Path, rels: list[str]) -> list[Path]:
    """The folder entries of claimed paths. A claim holds a name as stored (bytes that are not UTF-8 read as
    U+FFFD), so such a name is found again among the folder's entries."""
    out: list[Path] = []
    others: dict[str, Path] | None = None
    for rel in rels:
        path = folder / rel
        if not os.path.lexists(path):
            if others is None:
                others = {stages.relative_name(folder, p, ""): p for p in stages.discover(folder)}
            path = others.get(rel, path)
        out.append(path)
    return out


def process_claimed(
    db_url: str | None, folder: Path, claims: list[tuple[int, str]], as_of: date | None = None,
    policy: str | None = None, do_recheck: bool = True, use_prefect: bool = False,
) -> dict:
    """Run claimed files through the one batch driver (flows.ingest.run_batch); before the files are settled,
    re-check the requests of their organizations and finish the claims."""
    from flows.ingest import run_batch

    how, recheck_fn, finish = _steps(use_prefect)
    checked: dict = {}
    counts: dict[str, int] = {}

    def before_settle(received: list[Received], summary: stages.IngestSummary) -> None:
        if do_recheck:
            doc_ids = [r.document_id for r in received if r.document_id]
            checked.update(recheck_fn(db_url, doc_ids, as_of or date.today(), policy))
        counts.update(finish(db_url, claims, received))

    files = entries_of(folder, [rel for _, rel in claims])
    _, summary = run_batch(db_url, folder, files, IngestOptions(keep=False), how, before_settle)
    return {"files": len(claims), **counts, "documents_found": summary.documents_found,
            "pages_ocr": summary.pages_ocr, "rechecked": checked.get("checked", 0),
            "newly_flagged": checked.get("newly_flagged", [])}


@flow(name="ingest-batch", log_prints=False)
def ingest_batch_flow(folder: str, claims: list[list], db_url: str | None = None, as_of: date | None = None,
                      policy: str | None = None, do_recheck: bool = True) -> dict:
    """One batch of claimed watch-folder files through the stages (one task per stage)."""
    return process_claimed(db_url, Path(folder), [(int(c), str(p)) for c, p in claims], as_of, policy,
                           do_recheck, use_prefect=True)


# ------------------------------------------------------------------ the watcher


@dataclass
class Seen:
    size: int
    mtime_ns: int
    since: float  # monotonic time the file was first seen with this size and mtime


@dataclass
class Watcher:
    """Scans the folder, waits for files to be whole, claims them and processes them in batches."""

    folder: Path
    db_url: str | None
    settings: ServiceSettings
    use_prefect: bool = True
    me: str = field(default_factory=worker_id)
    seen: dict[str, Seen] = field(default_factory=dict)
    active: list[int] = field(default_factory=list)  # claim ids being worked on (for the heartbeat)
    stats: dict[str, int] = field(default_factory=lambda: {"batches": 0, "files": 0, "failed": 0})
    wake: threading.Event = field(default_factory=threading.Event)
    attempts: dict[str, int] = field(default_factory=dict)  # failed tries of a file on its own

    def stable_files(self) -> list[tuple[str, int, int]]:
        """Files whose size and mtime have not changed for stable_seconds: (relative path, size, mtime_ns)."""
        now = time.monotonic()
        current: dict[str, Seen] = {}
        out = []
        for p in stages.discover(self.folder):
            try:
                st = os.lstat(p)  # a link is seen as itself (and refused), never followed
            except OSError:
                continue
            rel = stages.relative_name(self.folder, p, "")
            old = self.seen.get(rel)
            seen = old if old and (old.size, old.mtime_ns) == (st.st_size, st.st_mtime_ns) else Seen(
                st.st_size, st.st_mtime_ns, now)
            current[rel] = seen
            if now - seen.since >= self.settings.watch.stable_seconds:
                out.append((rel, st.st_size, st.st_mtime_ns))
        self.seen = current
        return out

    def claim(self, files: list[tuple[str, int, int]]) -> list[tuple[int, str]]:
        """Claim what nobody has; take over claims of dead holders; settle files finished but left behind."""
        mine: list[tuple[int, str]] = []
        timeout = self.settings.watch.claim_timeout_seconds
        with database(self.db_url).session() as s:
            existing = srepo.claims_for(s, files)
            for key in files:
                rel = key[0]
                c = existing.get(key)
                if c is None:
                    claim_id = srepo.try_claim(s, rel, key[1], key[2], self.me)
                    if claim_id is not None:
                        mine.append((claim_id, rel))
                    continue
                age = (utcnow() - c.heartbeat_at).total_seconds()
                dead = c.claimed_by != self.me and holder_is_dead(c.claimed_by, age, timeout)
                if c.status in ("done", "failed"):
                    if c.claimed_by == self.me or dead:  # finished, yet the same version is in the folder
                        self.settle_leftover(c)
                elif dead and srepo.take_over(s, c, self.me):
                    log.warning("took over %s from %s, which stopped", rel, c.claimed_by)
                    mine.append((c.id, rel))
        return mine

    def settle_leftover(self, c: srepo.Claim) -> None:
        """A file whose claim finished but which is still in the folder (its service stopped right before
        moving it): move it now, without reading it again."""
        path = entries_of(self.folder, [c.path])[0]
        if not os.path.lexists(path) or c.document_id is None:
            return
        with database(self.db_url).session() as s:
            state = srepo.document_state(s, c.document_id)
        if state is None:
            return
        status, reason, _ = state
        r = Received(path, c.path, c.document_id, "settled", status, reason, seen_as=(c.size, c.mtime_ns))
        try:
            stages.settle(self.db_url, self.folder, [r], IngestOptions(keep=False))
        except OSError as e:  # another service moved it first
            log.info("could not settle %s: %s", c.path, e)

    def beat_forever(self, stop: threading.Event) -> None:
        interval = max(1.0, self.settings.watch.claim_timeout_seconds / 4)
        while not stop.wait(interval):
            if self.active:
                try:
                    with database(self.db_url).session() as s:
                        srepo.beat(s, list(self.active), self.me)
                except Exception as e:  # the database is briefly busy: next beat
                    log.warning("heartbeat failed: %s", e)

    def run_batch(self, claims: list[tuple[int, str]]) -> dict:
        self.active = [c for c, _ in claims]
        try:
            policy = self.settings.sweep.policy or None
            as_of = _today(self.settings)
            if self.use_prefect:
                with temporary_server_settings():
                    result = ingest_batch_flow(str(self.folder), [[c, p] for c, p in claims], self.db_url, as_of,
                                               policy, self.settings.watch.recheck)
            else:
                result = process_claimed(self.db_url, self.folder, claims, as_of, policy, self.settings.watch.recheck)
        finally:
            self.active = []
        self.stats["batches"] += 1
        self.stats["files"] += result.get("files", 0)
        self.stats["failed"] += result.get("failed", 0)
        from flows.service_log import batch_line

        log.info("%s", batch_line(len(claims), result))
        return result

    def run_safely(self, claims: list[tuple[int, str]]) -> None:
        """Run a batch; when it fails, run its files one by one so one bad file cannot hold up the others. A file
        that fails on its own is released and tried again on the next passes; after MAX_ATTEMPTS it goes to
        failed/ with the error as its reason (and the staff digest lists it)."""
        try:
            self.run_batch(claims)
            return
        except Exception as e:
            log.exception("batch of %d files failed", len(claims))
            error = e
        if len(claims) > 1:
            for one in claims:
                self.run_safely([one])
            return
        claim_id, rel = claims[0]
        self.attempts[rel] = self.attempts.get(rel, 0) + 1
        with database(self.db_url).session() as s:
            if self.attempts[rel] < MAX_ATTEMPTS:
                srepo.release_claim(s, claim_id, self.me)
                return
            srepo.finish_claim(s, claim_id, "failed", None)
            s.commit()
        self.attempts.pop(rel, None)
        reason = f"the service could not process this file: {plain_reason(error, of_bytes=False)}"
        try:
            r = stages.refuse(self.db_url, self.folder, entries_of(self.folder, [rel])[0], reason)
            stages.settle(self.db_url, self.folder, [r], IngestOptions(keep=False))
        except OSError as e:
            log.error("could not move %s to failed/: %s", rel, e)

    def scan_and_process(self) -> int:
        """One pass: find stable files, claim them, process them in batches. Returns files processed."""
        files = self.stable_files()
        if not files:
            return 0
        claims = self.claim(files)
        size = max(1, self.settings.watch.batch_size)
        for i in range(0, len(claims), size):
            self.run_safely(claims[i : i + size])
        return len(claims)

    def start_events(self):  # type: ignore[no-untyped-def]
        """File-system events wake the scan at once; None where the platform has none (polling only)."""
        if not self.settings.watch.events:
            return None
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer

            wake = self.wake

            class Handler(FileSystemEventHandler):
                def on_any_event(self, event):  # type: ignore[no-untyped-def]
                    wake.set()

            observer = Observer()
            observer.schedule(Handler(), str(self.folder), recursive=True)
            observer.daemon = True
            observer.start()
            return observer
        except Exception as e:  # no inotify (network share, container limits): scanning still finds everything
            log.warning("no file-system events for %s (%s); polling every %.1f s", self.folder, e,
                        self.settings.watch.poll_seconds)
            return None

    def run(self, stop: threading.Event) -> None:
        """Watch until `stop` is set. Errors in one pass are logged and the next pass tries again."""
        self.folder.mkdir(parents=True, exist_ok=True)
        observer = self.start_events()
        beater = threading.Thread(target=self.beat_forever, args=(stop,), name="claim-heartbeat", daemon=True)
        beater.start()
        poll = max(0.1, self.settings.watch.poll_seconds)
        try:
            while not stop.is_set():
                try:
                    self.scan_and_process()
                except Exception:
                    log.exception("watch-folder pass failed; trying again")
                    stop.wait(min(30.0, poll * 5))
                # pending files are re-scanned at the poll interval until stable; events shorten the wait
                self.wake.wait(poll)
                self.wake.clear()
                if self.seen:  # let a just-written file settle instead of re-scanning on every event
                    stop.wait(min(poll, 0.5))
        finally:
            if observer is not None:
                observer.stop()


def _today(settings: ServiceSettings) -> date:
    from flows.sweep import district_today

    return district_today(settings)


# ------------------------------------------------------------------ the deployable ingestion flow


@flow(name="ingest-watch-folder", log_prints=False)
def watch_folder_flow(folder: str | None = None, db_url: str | None = None) -> dict:
    """Ingest what is in the watch folder now (files older than the stability time), claiming each file
    through the database like the service's watcher does. Run it from the Prefect UI to catch up by hand."""
    settings = load_settings()
    root = Path(folder) if folder else settings.watch_folder
    watcher = Watcher(root, db_url, settings, use_prefect=False)
    cutoff = time.time_ns() - int(settings.watch.stable_seconds * 1e9)
    files = [(rel, size, mtime) for rel, size, mtime in _all_files(root) if mtime <= cutoff]
    claims = watcher.claim(files)
    total = {"files": 0, "done": 0, "failed": 0}
    size = max(1, settings.watch.batch_size)
    for i in range(0, len(claims), size):
        part = claims[i : i + size]
        watcher.active = [c for c, _ in part]
        r = ingest_batch_flow(str(root), [[c, p] for c, p in part], db_url, _today(settings),
                              settings.sweep.policy or None, settings.watch.recheck)
        for k in total:
            total[k] += r.get(k, 0)
    return total


def _all_files(root: Path) -> list[tuple[str, int, int]]:
    out = []
    for p in stages.discover(root):
        try:
            st = os.lstat(p)
        except OSError:
            continue
        out.append((stages.relative_name(root, p, ""), st.st_size, st.st_mtime_ns))
    return out
