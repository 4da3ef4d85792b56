"""The ingestion stages as plain functions. Prefect flows (flows/ingest.py) only call these in order.

watch folder -> stored original -> page text -> documents (segments, type, fields) -> organization link
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import re
import stat
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from extractors.budget import Budget
from extractors.documents import has_usable_text, read_documents_with_images
from extractors.filetypes import Limits, RejectedFile, check_file
from extractors.linking import hints_from_path, link_document
from extractors.model import PageText
from extractors.pagetext import TEMP_PREFIX, PageResult, page_jobs, page_pool, read_files, reset_page_pool
from extractors.reasons import plain_reason
from storage import repository as repo
from storage.db import database
from storage.originals import FileGrew, sha256_of_file, store_original_from
from storage.settings import Paths

FAILED_DIR = "failed"
COPY_NAME = re.compile(r"(\s-\s?copy|\scopy|\s\(\d+\))$", re.I)
IGNORED_NAMES = re.compile(r"^(\.|~\$|Thumbs\.db$|desktop\.ini$)|\.(part|partial|crdownload|tmp)$", re.I)
FINAL = ("processed", "duplicate", "rejected", "unreadable")  # a file may leave the folder only in these
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
NAME_MAX = 255  # bytes in one file name on the usual file systems
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # a newline in a name would break a reason note's lines


T = TypeVar("T")


@dataclass
class IngestOptions:
    keep: bool = True  # leave the folder untouched (corpora); else processed files leave it
    path_prefix: str = ""  # stored paths read "<prefix>/<relative path>" (e.g. "inbox")
    limits: Limits = field(default_factory=Limits.from_env)
    workers: int | None = None


@dataclass
class Received:
    """One watch-folder entry after the receive stage.

    `path` is what the readers open: the stored original once there is one (the folder's file is never
    opened by a library, so a file swapped in the folder after it was checked is never read); `entry` is
    the entry in the watch folder, the only thing settle moves or deletes."""

    path: Path
    relative_path: str  # as stored and shown: bytes of a name that are not UTF-8 read as U+FFFD
    document_id: int | None
    sha256: str | None
    status: str  # unchanged | duplicate | rejected | received | left (stays in the folder) | gone
    reason: str | None = None
    media_type: str | None = None
    entry: Path | None = None
    seen_as: tuple[int, int] | None = None  # (size, mtime_ns) of the entry when received
    resumed: bool = False  # a document an earlier, interrupted run stored but did not finish

    @property
    def folder_entry(self) -> Path:
        return self.entry or self.path


@dataclass
class IngestSummary:
    files_seen: int = 0
    new: int = 0
    resumed: int = 0
    left: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    unreadable: int = 0
    processed: int = 0
    documents_found: int = 0
    pages_ocr: int = 0
    pages_text_layer: int = 0
    pages_from_cache: int = 0
    seconds: float = 0.0
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (path, status, reason)

    def add(self, other: IngestSummary) -> None:
        for name in (
            "files_seen", "new", "resumed", "left", "unchanged", "duplicates", "rejected", "unreadable", "processed",
            "documents_found", "pages_ocr", "pages_text_layer", "pages_from_cache",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problems.extend(other.problems)


ProgressListener = Callable[[str, int], None]  # (what happened, how many units)
_listeners: list[ProgressListener] = []


def add_progress_listener(fn: ProgressListener) -> None:
    _listeners.append(fn)


def clear_progress_listeners() -> None:
    _listeners.clear()


def _progress(what: str, n: int = 1) -> None:
    for fn in _listeners:
        fn(what, n)


# ------------------------------------------------------------------ discover


def discover(folder: Path) -> list[Path]:
    """Every entry under the watch folder (sub-folders too), except failed/ and temporary files.

    Nothing is followed: a symbolic link (to a file or a folder), a FIFO, a socket or a device is listed as
    it is, so that receive refuses it with a reason; a linked folder is never walked into."""
    out: list[Path] = []

    def walk(d: str, top: bool) -> None:
        try:
            with os.scandir(d) as it:
                entries = list(it)
        except OSError:  # a sub-folder removed or unreadable meanwhile: its files are found next time
            return
        for e in entries:
            if IGNORED_NAMES.search(e.name) or (top and e.name == FAILED_DIR):
                continue
            try:
                is_dir = e.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                walk(e.path, False)
            else:
                out.append(Path(e.path))

    walk(str(folder), True)
    # a copy ('x - Copy.pdf', 'x (1).pdf') is read after its original, so the copy is the duplicate
    return sorted(out, key=lambda p: (bool(COPY_NAME.search(p.stem)), str(p)))


def readable(name: str) -> str:
    """A file name as text that can be stored and printed: bytes that are not UTF-8 become U+FFFD (the real
    name, with its bytes, stays in the Path used to move the file)."""
    return _CONTROL.sub("\ufffd", os.fsencode(name).decode("utf-8", "replace"))


def relative_name(folder: Path, path: Path, prefix: str) -> str:
    rel = readable(path.relative_to(folder).as_posix())
    return f"{prefix.strip('/')}/{rel}" if prefix else rel


def kind_refusal(mode: int, nlink: int) -> str | None:
    """Why an entry of the watch folder is not read as a document, or None for a plain file."""
    if stat.S_ISLNK(mode):
        return ("a shortcut (symbolic link) to something elsewhere: only files placed in the watch folder"
                " itself are read; copy the file itself into the folder")
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO), not a document file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a document file"
    if stat.S_ISBLK(mode) or stat.S_ISCHR(mode):
        return "a device, not a document file"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    if nlink > 1:
        return ("a hard link: the same file is also stored elsewhere on this computer, so it is not read"
                " through the watch folder; copy the file itself into the folder")
    return None


def open_in_folder(folder: Path, path: Path) -> int:
    """Open an entry for reading without following any link on the way (each sub-folder and the file itself
    are opened with O_NOFOLLOW) and without blocking (a FIFO swapped in is opened, seen and refused)."""
    parts = path.relative_to(folder).parts
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    directory = getattr(os, "O_DIRECTORY", 0)
    fd = os.open(folder, os.O_RDONLY | directory)
    try:
        for part in parts[:-1]:
            sub = os.open(part, os.O_RDONLY | directory | nofollow, dir_fd=fd)
            os.close(fd)
            fd = sub
        return os.open(parts[-1], os.O_RDONLY | nofollow | getattr(os, "O_NONBLOCK", 0), dir_fd=fd)
    finally:
        os.close(fd)


def receive(db_url: str | None, folder: Path, files: list[Path], opts: IngestOptions) -> list[Received]:
    """Check each entry, hash it, keep its original, and note duplicates and files that cannot be read.

    Each file is its own unit: its row is committed before the next file, and whatever goes wrong on one
    file (a library crash, MemoryError, a vanished file) becomes that file's status and plain reason."""
    db = database(db_url)
    paths = Paths.default()
    out: list[Received] = []
    with db.session() as s:
        seen = repo.seen_keys(s)
        for path in files:
            rel = relative_name(folder, path, opts.path_prefix)
            try:
                r = _receive_one(s, folder, path, rel, seen, opts, paths)
                s.commit()
            except Exception as e:  # a bug or a library crash on this one file: refused with the reason
                s.rollback()
                seen = repo.seen_keys(s)
                r = _refuse_after_error(s, path, rel, f"the file could not be received: {plain_reason(e)}")
            out.append(r)
            _progress("received")
    return out


def _receive_one(s, folder: Path, path: Path, rel: str, seen: set, opts: IngestOptions, paths: Paths) -> Received:  # type: ignore[no-untyped-def]
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return Received(path, rel, None, None, "gone", "the file was removed from the folder before it was read")
    seen_as = (st.st_size, st.st_mtime_ns)
    refusal = kind_refusal(st.st_mode, st.st_nlink)
    if refusal is not None:
        return _refuse(s, path, rel, refusal, seen_as)
    if st.st_size == 0:  # refused before anything else: an empty file is never a duplicate of another
        return _refuse(s, path, rel, "zero-byte file: the file is empty", seen_as, sha256=EMPTY_SHA256)
    if st.st_size > opts.limits.max_bytes:  # refused before hashing: a 20 GB file costs no reading
        return _refuse(s, path, rel, _too_large(st.st_size, opts.limits), seen_as, size=st.st_size)
    try:
        fd = open_in_folder(folder, path)
    except OSError as e:
        if e.errno == errno.ENOENT:
            return Received(path, rel, None, None, "gone", "the file was removed from the folder before it was read")
        if e.errno in (errno.ELOOP, errno.ENOTDIR):  # swapped for a link after it was checked
            return _refuse(s, path, rel, kind_refusal(stat.S_IFLNK, 1) or "", seen_as)
        return _refuse(s, path, rel, f"the file cannot be opened: {plain_reason(e)}", seen_as)
    with os.fdopen(fd, "rb") as f:
        fst = os.fstat(fd)
        if (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino):
            return _left(path, rel, "the file was replaced while it was being checked", seen_as)
        refusal = kind_refusal(fst.st_mode, fst.st_nlink)
        if refusal is not None:
            return _refuse(s, path, rel, refusal, seen_as)
        if fst.st_size > opts.limits.max_bytes:
            return _refuse(s, path, rel, _too_large(fst.st_size, opts.limits), seen_as, size=fst.st_size)
        try:
            sha = sha256_of_file(f, opts.limits.max_bytes)
        except FileGrew:
            return _left(path, rel, "the file is still being written (it grew while it was read)", seen_as)
        suffix = re.sub(r"[^A-Za-z0-9.]", "", readable(path.suffix))[:12]
        if (rel, sha) in seen:
            return _resume(s, paths, f, path, rel, sha, suffix, seen_as)
        try:
            stored_file = store_original_from(paths.originals, f, sha, suffix)
        except FileGrew:
            return _left(path, rel, "the file changed while it was being copied", seen_as)
    seen.add((rel, sha))
    stored = str(stored_file.relative_to(paths.home))
    common = dict(
        sha256=sha, original_name=readable(path.name), relative_path=rel, size_bytes=fst.st_size, stored_path=stored,
        received_at=datetime.now(UTC),
    )
    where = dict(entry=path, seen_as=seen_as)
    original = repo.find_original(s, sha)
    if original is not None:
        reason = f"same content as '{original.relative_path}', already on file"
        row = repo.add_document(s, status="duplicate", reason=reason, duplicate_of=original.id,
                                media_type=original.media_type, page_count=original.page_count, **common)
        return Received(stored_file, rel, row.id, sha, "duplicate", reason, original.media_type, **where)
    try:
        media_type, n_pages = check_file(stored_file, opts.limits)  # the stored copy: ours, unchangeable
    except RejectedFile as e:
        row = repo.add_document(s, status="rejected", reason=str(e), **common)
        return Received(stored_file, rel, row.id, sha, "rejected", str(e), **where)
    row = repo.add_document(s, status="received", media_type=media_type, page_count=n_pages, **common)
    return Received(stored_file, rel, row.id, sha, "received", None, media_type, **where)


def _too_large(size: int, limits: Limits) -> str:
    mb = 1024 * 1024  # COMPLIANCE_MAX_FILE_MB counts these: the limit is said as it was set
    return (f"file is too large ({size / mb:,.1f} MB; the limit is {limits.max_bytes / mb:,.0f} MB,"
            " set by COMPLIANCE_MAX_FILE_MB)")


def _resume(s, paths: Paths, f, path: Path, rel: str, sha: str, suffix: str, seen_as: tuple[int, int]) -> Received:  # type: ignore[no-untyped-def]
    """The same file (same place, same bytes) was received before. When an interrupted run left its document
    'received' (pages not read, or read but not understood), carry on from there; else it is unchanged."""
    row = repo.find_seen(s, rel, sha)
    assert row is not None
    where = dict(entry=path, seen_as=seen_as)
    if row.status != "received":
        return Received(path, rel, row.id, sha, "unchanged", row.reason, row.media_type, **where)
    stored = store_original_from(paths.originals, f, sha, suffix)  # kept, or copied again if it went missing
    if row.stored_path is None:
        row.stored_path = str(stored.relative_to(paths.home))
    return Received(stored, rel, row.id, sha, "received", None, row.media_type, resumed=True, **where)


def _left(path: Path, rel: str, reason: str, seen_as: tuple[int, int] | None) -> Received:
    """Not received this time: the file stays in the folder and is read on a later run."""
    return Received(path, rel, None, None, "left", f"{reason}; it stays in the folder and is read next time",
                    entry=path, seen_as=seen_as)


def _refuse(s, path: Path, rel: str, reason: str, seen_as: tuple[int, int] | None, sha256: str = "",  # type: ignore[no-untyped-def]
            size: int = 0) -> Received:
    """A rejected document for an entry refused before (or instead of) reading it. Nothing of the entry is
    read, copied or stored (for a link: not its target). The same refusal of the same entry is not
    recorded twice."""
    row = repo.find_refused(s, rel, sha256, reason)
    if row is not None:
        return Received(path, rel, row.id, sha256, "unchanged", reason, entry=path, seen_as=seen_as)
    row = repo.add_document(s, status="rejected", reason=reason, sha256=sha256, original_name=readable(path.name),
                            relative_path=rel, size_bytes=size, stored_path=None, received_at=datetime.now(UTC))
    return Received(path, rel, row.id, sha256, "rejected", reason, entry=path, seen_as=seen_as)


def _refuse_after_error(s, path: Path, rel: str, reason: str) -> Received:  # type: ignore[no-untyped-def]
    try:
        st = os.lstat(path)
        r = _refuse(s, path, rel, reason, (st.st_size, st.st_mtime_ns))
        s.commit()
        return r
    except Exception as e:  # the database itself failed: nothing is recorded, so the file stays
        s.rollback()
        return _left(path, rel, f"it could not be recorded ({plain_reason(e)})", None)


def refuse(db_url: str | None, folder: Path, path: Path, reason: str, prefix: str = "") -> Received:
    """Record an entry as rejected with a reason (the service, for a file that failed every attempt)."""
    with database(db_url).session() as s:
        return _refuse_after_error(s, path, relative_name(folder, path, prefix), reason)


# ------------------------------------------------------------------ page text


PageReader = Callable[[list[Received]], Iterator[tuple[Received, list[PageResult] | None, str | None]]]


def read_text(
    db_url: str | None, received: list[Received], opts: IngestOptions, reader: PageReader | None = None
) -> IngestSummary:
    """Page text for every new file: from the cache by content hash, else text layer or OCR.
    Pages of all files in the batch are read in parallel across the cores (a pool of worker processes),
    or by `reader` (e.g. Prefect tasks on a Dask cluster). Each file is stored and committed as soon as it
    is read (its page images saved, its pages in the page cache), so a run stopped later keeps it."""
    summary = IngestSummary()
    todo = plan_reading(db_url, received, summary)
    if not todo:
        return summary
    paths = Paths.default()
    db = database(db_url)
    stored: set[str] = set()
    for r, pages, err in (reader or local_reader(opts.workers))(todo):
        assert r.sha256
        with db.session() as s:
            if err is not None or pages is None:
                _mark(s, r, "rejected", err or "no page of the file could be read")
                summary.rejected += 1
                summary.problems.append((r.relative_path, "rejected", r.reason or ""))
            elif r.sha256 not in stored:
                texts, image_paths = save_page_images(paths, r.sha256, pages)
                repo.store_pages(s, r.sha256, texts, image_paths)
                stored.add(r.sha256)
                for pr in pages:
                    if pr.text.source == "ocr":
                        summary.pages_ocr += 1
                    else:
                        summary.pages_text_layer += 1
            s.commit()
    return summary


def plan_reading(db_url: str | None, received: list[Received], summary: IngestSummary) -> list[Received]:
    """The received files whose pages must be read (not in the page cache); undecodable ones are rejected."""
    todo = [r for r in received if r.status == "received"]
    if not todo:
        return []
    out = []
    with database(db_url).session() as s:
        cached = repo.cached_page_counts(s, [r.sha256 for r in todo if r.sha256])
        for r in todo:
            assert r.sha256 and r.media_type
            if r.sha256 in cached:
                summary.pages_from_cache += cached[r.sha256]
                _progress("page", cached[r.sha256])
                continue
            try:
                for _ in page_jobs(r.path, r.media_type):  # opens the file: is it decodable?
                    pass
            except Exception as e:  # a file that passed the checks but cannot be decoded (MemoryError too)
                _mark(s, r, "rejected", plain_reason(e))
                continue
            out.append(r)
        s.commit()
    return out


def local_reader(workers: int | None = None, budget: Budget | None = None) -> PageReader:
    """Read the pages of all files at once on this machine's process pool, each file within its budget
    (COMPLIANCE_MAX_…); yield each file when its last page is read, or with the reason it could not be,
    so it is stored while other pages are still being OCR'd."""

    def read(todo: list[Received]) -> Iterator[tuple[Received, list[PageResult] | None, str | None]]:
        groups: dict[str | None, list[Received]] = {}
        for r in todo:  # one reading per content
            groups.setdefault(r.sha256, []).append(r)
        files = list(groups.values())
        readings = read_files([(g[0].path, g[0].media_type or "") for g in files], workers, budget,
                              on_page=lambda _: _progress("page"))
        for i, pages, err in readings:
            for r in files[i]:
                yield r, pages, err

    return read


def read_file_pages(data: bytes, suffix: str, media_type: str) -> tuple[list[PageResult] | None, str | None]:
    """Read every page of one file given as bytes, in this process (one core), within its budget. The unit
    of work sent to other machines: it needs neither the database nor a shared file system."""
    fd, name = tempfile.mkstemp(suffix=suffix[:12], prefix=f"{TEMP_PREFIX}{os.getpid()}-read-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        for _, pages, err in read_files([(Path(name), media_type)], workers=1):
            return pages, err
        return None, "no page of the file could be read"
    except Exception as e:
        return None, plain_reason(e)
    finally:
        os.unlink(name)


def save_page_images(paths: Paths, sha256: str, pages: list[PageResult]) -> tuple[list[PageText], dict[int, str]]:
    """Write each page's preview image (the evidence shown to people) beside the originals store."""
    image_paths = {}
    for pr in pages:
        rel_img = Path("pages") / sha256[:2] / sha256 / f"{pr.text.page_no}.png"
        (paths.home / rel_img).parent.mkdir(parents=True, exist_ok=True)
        pr.preview.save(paths.home / rel_img, compress_level=1)  # fast; level 6 is 3-5x slower, 15% smaller
        image_paths[pr.text.page_no] = str(rel_img)
    return [pr.text for pr in pages], image_paths


def _mark(s, r: Received, status: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    doc = s.get(repo.DocumentRow, r.document_id)
    doc.status = status
    doc.reason = reason
    r.status = status
    r.reason = reason


# ------------------------------------------------------------------ documents and links


def understand(db_url: str | None, document_ids: list[int], workers: int | None = None) -> IngestSummary:
    """Split each file into documents, classify them, read their fields and link them.

    Reading the fields (with its second OCR readings of doubtful values) runs on the page readers'
    process pool, a few files ahead of the main process, which links and stores them in order."""
    db = database(db_url)
    paths = Paths.default()
    summary = IngestSummary()
    with db.session() as s:
        orgs = repo.load_organizations(s)
        requests = repo.load_requests(s)
        request_orgs = {r.request_id: r.org_id for r in requests}
        org_ids = {o.org_id for o in orgs}
        docs = []
        for doc_id in document_ids:
            doc = s.get(repo.DocumentRow, doc_id)
            if doc is None or doc.status in ("rejected", "duplicate"):
                continue
            docs.append(doc)
        jobs = (_reading_job(s, paths, doc, summary) for doc in docs)
        for doc, (extracted, error) in zip(docs, run_jobs_ahead(jobs, workers), strict=True):
            if error is None and extracted is not None:
                try:
                    hints = hints_from_path(doc.relative_path, org_ids, request_orgs)
                    linked = [_link(ex, hints, orgs, requests) for ex in extracted]
                except Exception as e:  # a linking bug on this file: it is reported, the batch goes on
                    error = plain_reason(e, of_bytes=False)
            if error is not None:
                _unreadable(doc, f"its documents could not be read: {error}", summary)
            if extracted is None or error is not None:
                _progress("understood")
                continue
            repo.replace_segments(s, doc, linked)
            doc.status = "processed"
            doc.reason = None
            doc.processed_at = datetime.now(UTC)
            summary.processed += 1
            summary.documents_found += sum(1 for ld in linked if ld.extracted.doc_type)
            for ld in linked:
                if ld.status != "processed":
                    summary.problems.append((f"{doc.relative_path} p{ld.extracted.pages}", ld.status, ld.reason or ""))
            _progress("understood")
        s.commit()
    return summary


def _reading_job(s, paths: Paths, doc, summary: IngestSummary) -> Callable[[], list] | None:  # type: ignore[no-untyped-def]
    """The job that reads a stored file's documents, or None when its pages hold no usable text (the
    document is marked unreadable here)."""
    pages = repo.cached_pages(s, doc.sha256) or []
    if not pages or not has_usable_text(pages):
        _unreadable(doc, "no usable text after OCR: the page is blank or is a photo without a document"
                    if pages else "no pages could be read", summary)
        return None
    images = {no: paths.home / rel for no, rel in repo.page_image_paths(s, doc.sha256).items()}
    return functools.partial(read_documents_with_images, pages, images)


def _unreadable(doc, reason: str, summary: IngestSummary) -> None:  # type: ignore[no-untyped-def]
    doc.status = "unreadable"
    doc.reason = reason
    doc.segments.clear()
    summary.unreadable += 1
    summary.problems.append((doc.relative_path, doc.status, doc.reason))


def run_jobs_ahead(
    jobs: Iterator[Callable[[], T] | None], workers: int | None = None
) -> Iterator[tuple[T | None, str | None]]:
    """(result, None) or (None, what went wrong) for each job in order, computed on the process pool a
    window ahead of the consumer ((None, None) for a None job). Bounded, so that a reprocess of a large
    database never holds all its pages; one failing job does not stop the others, and a reader that dies
    (its pool broken) costs only the job it was on: the others are sent again to a new pool."""
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        for job in jobs:
            yield _outcome(job)
        return
    pool = page_pool(workers)
    window: deque[list] = deque()  # [job, its future, times sent again, the pool it was sent to]

    def rebuild() -> None:
        """A new pool after a reader died; the other jobs in flight on the old one are sent again."""
        nonlocal pool
        old = pool
        if getattr(old, "_broken", False):
            reset_page_pool(old)
        pool = page_pool(workers)
        for entry in window:
            job, fut, tries, sent_to = entry
            if fut is None or sent_to is not old or (fut.done() and fut.exception() is None):
                continue
            entry[1:] = [pool.submit(job), tries + 1, pool]

    def take() -> tuple[T | None, str | None]:
        job, fut, tries, _ = window.popleft()
        while fut is not None:
            try:
                return fut.result(), None
            except BrokenProcessPool as e:  # this job, or another one in flight, killed a reader
                if tries >= 2:
                    return None, plain_reason(e)
                rebuild()
                fut, tries = pool.submit(job), tries + 1
            except Exception as e:  # a reader's bug: that file is reported, the batch goes on
                return None, plain_reason(e, of_bytes=False)
        return None, None

    for job in jobs:
        if job is None:
            window.append([None, None, 0, pool])
        else:
            try:
                window.append([job, pool.submit(job), 0, pool])
            except BrokenProcessPool:
                rebuild()
                window.append([job, pool.submit(job), 0, pool])
        if len(window) > 3 * workers:
            yield take()
    while window:
        yield take()


def _outcome(job: Callable[[], T] | None) -> tuple[T | None, str | None]:
    if job is None:
        return None, None
    try:
        return job(), None
    except Exception as e:  # a reader's bug: that file is reported, the batch goes on
        return None, plain_reason(e, of_bytes=False)


def _link(ex, hints, orgs, requests) -> repo.LinkedDocument:  # type: ignore[no-untyped-def]
    if ex.doc_type is None:
        return repo.LinkedDocument(ex, "unclassified", f"not one of the compliance document kinds ({ex.type_evidence})",
                                   None, None, None, None, [])
    link = link_document(ex.doc_type, ex.plain_fields(), hints, orgs, requests)
    if link.org_id is None:
        reason = (f"could belong to several organizations ({', '.join(link.candidates)}); a person must choose"
                  if link.candidates else "names no organization in the registry")
        return repo.LinkedDocument(ex, "unlinked", f"{reason} — {link.evidence}", None, link.method,
                                   link.confidence, link.evidence, list(link.candidates))
    return repo.LinkedDocument(ex, "processed", None, link.org_id, link.method, link.confidence, link.evidence,
                               list(link.candidates))


def reprocess(db_url: str | None, opts: IngestOptions | None = None) -> IngestSummary:
    """Run the reading stages again on stored page text (no OCR), after an extractor improves. Documents an
    interrupted run left 'received' are finished first, from their stored originals (their files may have
    left the watch folder already)."""
    opts = opts or IngestOptions()
    with database(db_url).session() as s:
        ids = [d.id for d in repo.all_documents(s) if d.status in ("processed", "unreadable")]
    summary = finish_stored(db_url, opts)
    summary.add(understand(db_url, ids, opts.workers))
    return summary


def finish_stored(db_url: str | None, opts: IngestOptions) -> IngestSummary:
    """Read and understand the documents left 'received' whose original is in the store."""
    paths = Paths.default()
    with database(db_url).session() as s:
        todo = [Received(paths.home / d.stored_path, d.relative_path, d.id, d.sha256, "received", None,
                         d.media_type, resumed=True)
                for d in repo.stuck_documents(s) if d.stored_path and (paths.home / d.stored_path).is_file()]
    if not todo:
        return IngestSummary()
    summary = read_text(db_url, todo, opts)
    summary.add(understand(db_url, [r.document_id for r in todo if r.status == "received" and r.document_id],
                           opts.workers))
    summary.resumed += len(todo)
    return summary


# ------------------------------------------------------------------ settle the watch folder


def settle(
    db_url: str | None, folder: Path, received: list[Received], opts: IngestOptions
) -> list[tuple[str, str, str]]:
    """Without --keep: read files leave the watch folder; failed ones go to failed/ with a reason file.

    A file leaves the folder only when its document's outcome is committed in the database (processed,
    duplicate of a processed file, rejected, unreadable) and the entry is still the one that was received;
    everything else stays to be read next time. Returns (file, 'left in the folder', why) for those."""
    if opts.keep:
        return []
    paths = Paths.default()
    with database(db_url).session() as s:
        states = repo.settle_states(s, [r.document_id for r in received if r.document_id])
        for r in received:
            state = states.get(r.document_id or -1)
            if state is None:
                if r.status not in ("left", "gone"):  # no committed outcome: it stays
                    r.status = "left"
                continue
            status, reason = state.status, state.reason
            if status == "duplicate" and state.original_status in ("rejected", "unreadable"):
                status = "rejected"
                reason = f"same content as '{state.original_path}', which was not read: {state.original_reason}"
                repo.set_status(s, state.id, status, reason)
            elif status == "duplicate" and state.original_status != "processed":
                status = "waiting"  # its original is not finished yet: settled on a later run
            elif status in ("processed", "duplicate") and not _in_store(paths, state.stored_path):
                status = "waiting"  # never delete a file whose copy is not in the store
            elif status not in FINAL:
                status = "waiting"  # 'received': its reading is not finished
            r.status, r.reason = status, reason
        s.commit()
    notes: list[tuple[str, str, str]] = []
    for r in received:
        if r.status == "gone":
            continue
        try:
            if not _unchanged_entry(r):
                if os.path.lexists(r.folder_entry):
                    notes.append((r.relative_path, "left in the folder",
                                  "the file changed after it was received; it is read again next time"))
                continue
            if r.status in ("rejected", "unreadable"):
                move_to_failed(folder, r)
            elif r.status in ("processed", "duplicate"):
                os.unlink(r.folder_entry)
            else:
                notes.append((r.relative_path, "left in the folder", _left_reason(r)))
        except OSError as e:  # moved by someone else, or failed/ cannot be written: it stays, said so
            notes.append((r.relative_path, "left in the folder", f"it could not be moved: {plain_reason(e)}"))
    return notes


def _in_store(paths: Paths, stored_path: str | None) -> bool:
    return bool(stored_path) and (paths.home / str(stored_path)).is_file()


def _left_reason(r: Received) -> str:
    if r.status == "left" and r.reason:
        return r.reason
    return "its reading is not finished; it stays in the folder and is read next time"


def _unchanged_entry(r: Received) -> bool:
    """The entry in the folder is still the one received (same size and time): never settle a newer file."""
    try:
        st = os.lstat(r.folder_entry)
    except FileNotFoundError:
        return False
    return r.seen_as is None or r.seen_as == (st.st_size, st.st_mtime_ns)


def reason_file_name(name: str) -> str:
    """The name of a failed file's reason note: NAME.reason.txt, shortened (with a hash of the full name, so
    it stays unique) when that would be longer than a file name may be."""
    full = f"{name}.reason.txt"
    if len(os.fsencode(full)) <= NAME_MAX:
        return full
    tag = hashlib.sha256(os.fsencode(name)).hexdigest()[:10]
    return f"{_fit(name, NAME_MAX - len(tag) - 13)}-{tag}.reason.txt"


def _fit(name: str, max_bytes: int) -> str:
    """The longest start of a name that fits in max_bytes (never splits a character or an escaped byte)."""
    raw = os.fsencode(name)[:max_bytes]
    return os.fsdecode(raw.decode("utf-8", "ignore").encode("utf-8"))


def move_to_failed(folder: Path, r: Received) -> Path:
    """Move the entry itself (a link is moved as a link, its target untouched) to failed/, its sub-folders
    kept, after writing its reason note (so a file in failed/ always has its note)."""
    entry = r.folder_entry
    dest_dir = _real_dir(folder / FAILED_DIR)
    for part in entry.relative_to(folder).parts[:-1]:
        dest_dir = _real_dir(dest_dir / part)
    name = entry.name
    if os.path.lexists(dest_dir / name):
        stem, suffix = os.path.splitext(name)
        tail = f"-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}{suffix[:20]}"
        name = _fit(stem, NAME_MAX - len(os.fsencode(tail)) - len(".reason.txt") - 12) + tail
    dest = dest_dir / name
    (dest_dir / reason_file_name(name)).write_text(
        f"{r.relative_path}\nstatus: {r.status}\nreason: {r.reason or 'no reason was recorded'}\n", encoding="utf-8"
    )
    os.rename(entry, dest)
    return dest


def _real_dir(d: Path) -> Path:
    """A folder inside failed/, made if needed; a link there is refused (files never move out through it)."""
    try:
        st = os.lstat(d)
    except FileNotFoundError:
        os.mkdir(d)
        return d
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, f"'{readable(d.name)}' in failed/ is not a plain folder")
    return d
