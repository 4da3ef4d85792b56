"""The ingestion stages as plain functions. Prefect flows (flows/ingest.py) only call these in order.

watch folder -> stored original -> page text -> documents (segments, type, fields) -> organization link
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from extractors.budget import Budget, plain_reason
from extractors.documents import has_usable_text, read_documents_with_images
from extractors.filetypes import Limits, RejectedFile, check_file
from extractors.linking import hints_from_path, link_document
from extractors.model import PageText
from extractors.pagetext import TEMP_PREFIX, PageResult, page_jobs, page_pool, read_files, reset_page_pool
from storage import repository as repo
from storage.db import database
from storage.originals import sha256_of, store_original
from storage.settings import Paths

FAILED_DIR = "failed"
COPY_NAME = re.compile(r"(\s-\s?copy|\scopy|\s\(\d+\))$", re.I)
IGNORED_NAMES = re.compile(r"^(\.|~\$|Thumbs\.db$|desktop\.ini$)|\.(part|partial|crdownload|tmp)$", re.I)


T = TypeVar("T")


@dataclass
class IngestOptions:
    keep: bool = True  # leave the folder untouched (corpora); else processed files leave it
    path_prefix: str = ""  # stored paths read "<prefix>/<relative path>" (e.g. "inbox")
    limits: Limits = field(default_factory=Limits.from_env)
    workers: int | None = None


@dataclass
class Received:
    path: Path
    relative_path: str
    document_id: int | None
    sha256: str | None
    status: str  # unchanged | duplicate | rejected | received
    reason: str | None = None
    media_type: str | None = None


@dataclass
class IngestSummary:
    files_seen: int = 0
    new: int = 0
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
            "files_seen", "new", "unchanged", "duplicates", "rejected", "unreadable", "processed",
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
    """Every file under the watch folder (sub-folders too), except failed/ and temporary files."""
    out = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if rel.parts and rel.parts[0] == FAILED_DIR:
            continue
        if p.is_file() and not any(IGNORED_NAMES.search(part) for part in rel.parts):
            out.append(p)
    # a copy ('x - Copy.pdf', 'x (1).pdf') is read after its original, so the copy is the duplicate
    return sorted(out, key=lambda p: (bool(COPY_NAME.search(p.stem)), str(p)))


def relative_name(folder: Path, path: Path, prefix: str) -> str:
    rel = path.relative_to(folder).as_posix()
    return f"{prefix.strip('/')}/{rel}" if prefix else rel


# ------------------------------------------------------------------ receive


def receive(db_url: str | None, folder: Path, files: list[Path], opts: IngestOptions) -> list[Received]:
    """Hash each file, keep its original, and note duplicates and files that cannot be read."""
    db = database(db_url)
    paths = Paths.default()
    out: list[Received] = []
    with db.session() as s:
        seen = repo.seen_keys(s)
        for path in files:
            rel = relative_name(folder, path, opts.path_prefix)
            try:
                out.append(_receive_one(s, path, rel, seen, opts, paths))
            except OSError as e:  # the file vanished or cannot be read: report, go on
                out.append(Received(path, rel, None, None, "rejected", f"cannot read the file: {e}"))
            _progress("received")
        s.commit()
    return out


def _receive_one(s, path: Path, rel: str, seen: set, opts: IngestOptions, paths: Paths) -> Received:  # type: ignore[no-untyped-def]
    sha = sha256_of(path)
    if (rel, sha) in seen:
        return Received(path, rel, None, sha, "unchanged")
    seen.add((rel, sha))
    size = path.stat().st_size
    stored = None
    if 0 < size <= opts.limits.max_bytes * 4:
        stored = str(store_original(paths.originals, path, sha).relative_to(paths.home))
    common = dict(
        sha256=sha, original_name=path.name, relative_path=rel, size_bytes=size, stored_path=stored,
        received_at=datetime.now(UTC),
    )
    original = repo.find_original(s, sha)
    if original is not None:
        reason = f"same content as '{original.relative_path}', already on file"
        row = repo.add_document(s, status="duplicate", reason=reason, duplicate_of=original.id,
                                media_type=original.media_type, page_count=original.page_count, **common)
        return Received(path, rel, row.id, sha, "duplicate", reason, original.media_type)
    try:
        media_type, n_pages = check_file(path, opts.limits)
    except RejectedFile as e:
        row = repo.add_document(s, status="rejected", reason=str(e), **common)
        return Received(path, rel, row.id, sha, "rejected", str(e))
    row = repo.add_document(s, status="received", media_type=media_type, page_count=n_pages, **common)
    return Received(path, rel, row.id, sha, "received", None, media_type)


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
            except Exception as e:  # a file that passed the checks but cannot be decoded
                _mark(s, r, "rejected", f"corrupt file: it cannot be decoded ({e})")
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
        readable = []
        for doc_id in document_ids:
            doc = s.get(repo.DocumentRow, doc_id)
            if doc is None or doc.status in ("rejected", "duplicate"):
                continue
            readable.append(doc)
        jobs = (_reading_job(s, paths, doc, summary) for doc in readable)
        for doc, (extracted, error) in zip(readable, run_jobs_ahead(jobs, workers), strict=True):
            if error is not None:
                _unreadable(doc, f"its documents could not be read: {error}", summary)
            if extracted is None:
                _progress("understood")
                continue
            hints = hints_from_path(doc.relative_path, org_ids, request_orgs)
            linked = [_link(ex, hints, orgs, requests) for ex in extracted]
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
                return None, plain_reason(e)
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
        return None, plain_reason(e)


def _link(ex, hints, orgs, requests) -> repo.LinkedDocument:  # type: ignore[no-untyped-def]
    if ex.doc_type is None:
        return repo.LinkedDocument(ex, "unclassified", f"not one of the five document kinds ({ex.type_evidence})",
                                   None, None, None, None, [])
    link = link_document(ex.doc_type, ex.plain_fields(), hints, orgs, requests)
    if link.org_id is None:
        reason = (f"could belong to several organizations ({', '.join(link.candidates)}); a person must choose"
                  if link.candidates else "names no organization in the registry")
        return repo.LinkedDocument(ex, "unlinked", f"{reason} — {link.evidence}", None, link.method,
                                   link.confidence, link.evidence, list(link.candidates))
    return repo.LinkedDocument(ex, "processed", None, link.org_id, link.method, link.confidence, link.evidence,
                               list(link.candidates))


def reprocess(db_url: str | None) -> IngestSummary:
    """Run the reading stages again on stored page text (no OCR), after an extractor improves."""
    db = database(db_url)
    with db.session() as s:
        ids = [d.id for d in repo.all_documents(s) if d.status in ("processed", "unreadable")]
    return understand(db_url, ids)


# ------------------------------------------------------------------ settle the watch folder


def settle(db_url: str | None, folder: Path, received: list[Received], opts: IngestOptions) -> None:
    """Without --keep: processed files leave the watch folder; failed ones go to failed/ with a reason."""
    if opts.keep:
        return
    failed = folder / FAILED_DIR
    with database(db_url).session() as s:
        for r in received:
            doc = s.get(repo.DocumentRow, r.document_id) if r.document_id else None
            if doc is not None:
                r.status, r.reason = doc.status, doc.reason
    for r in received:
        if not r.path.exists():
            continue
        if r.status in ("rejected", "unreadable"):
            dest = failed / r.path.relative_to(folder)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.exists():
                dest = dest.with_name(f"{dest.stem}-{int(time.time())}{dest.suffix}")
            shutil.move(str(r.path), dest)
            dest.with_name(dest.name + ".reason.txt").write_text(
                f"{r.relative_path}\nstatus: {r.status}\nreason: {r.reason}\n", encoding="utf-8"
            )
        elif r.sha256:
            r.path.unlink()
