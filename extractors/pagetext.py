"""Page text: the words of every page, with boxes and confidences.

A PDF page with a real text layer is read with pdfplumber; anything else (scanned PDF pages,
JPEG/PNG photos, TIFF faxes) is rendered or decoded and read by Tesseract. Scans are turned
upright (Tesseract orientation detection) and small skew is removed from the word geometry,
so that later stages can reason about rows and columns the way a person does.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import functools
import io
import math
import multiprocessing
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one Tesseract thread per process: far faster here

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytesseract
from PIL import Image, ImageFilter, ImageOps, ImageSequence

from extractors import budget as budgets
from extractors.budget import Budget, OverBudget, OverTime
from extractors.filetypes import PDF, RejectedFile
from extractors.model import PageText, Word
from extractors.reasons import plain_reason

OCR_DPI = 300
PREVIEW_DPI = 100  # page images kept for checkbox reading and the review desk
_REAL_WORD = re.compile(r"[A-Za-z]{2,}")
_PDFIUM = threading.Lock()  # PDFium is not thread-safe; OCR runs outside this lock
# Images go to Tesseract as uncompressed PGM files in memory-backed /dev/shm when there is one: encoding a
# 300 dpi page as PNG (what pytesseract does) costs a quarter of the OCR time, PGM costs nothing.
_TMP_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
# Every temporary file of the readers is named compliance-<pid of its maker>-..., so that files left by a
# killed run are recognised (their maker is gone) and removed at the next start, without touching a
# concurrent run's files.
TEMP_PREFIX = "compliance-"
STALE_AFTER_SECONDS = 300


@dataclass
class PageResult:
    text: PageText
    preview: Image.Image  # upright, deskewed page image at PREVIEW_DPI


def read_pages(
    path: Path,
    media_type: str,
    workers: int | None = None,
    on_page: Callable[[PageResult], None] | None = None,
) -> list[PageResult]:
    """Read every page of a file; OCR pages run in parallel, one Tesseract thread each."""
    return run_page_jobs(list(page_jobs(path, media_type)), workers, on_page)


def run_page_jobs(
    jobs: list[Callable[[], PageResult]],
    workers: int | None = None,
    on_page: Callable[[PageResult], None] | None = None,
) -> list[PageResult]:
    """Run page readers across the machine's cores, results in the order of the jobs.

    Jobs that can be pickled (those of page_jobs) run in a pool of worker processes, so the Python
    work around OCR (rendering, deskew, parsing, text layers) is not serialized by the GIL; other
    callables run on threads (each Tesseract call is its own process either way)."""
    workers = workers or os.cpu_count() or 1
    if len(jobs) <= 1 or workers == 1:
        readings: Iterator[PageResult] = (job() for job in jobs)
    else:
        readings = (fut.result() for fut in submit_page_jobs(jobs, workers))
    results = []
    for page in readings:
        results.append(page)
        if on_page:
            on_page(page)
    return results


# ------------------------------------------------------------------ processes that die with their parent


def _load_prctl() -> Callable[[int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.prctl
        fn.argtypes = [ctypes.c_int, ctypes.c_ulong]
        fn.restype = ctypes.c_int
        return fn  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()  # resolved once: a forked child about to exec must not look anything up
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the thread that started it ends (a no-op elsewhere): a
    reader or a Tesseract run must not outlive a killed `compliance` command. Used as preexec_fn."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGKILL))


_FORKED_FROM_MAIN = True  # set in the parent just before each fork, read by the forked child


def _note_forking_thread() -> None:
    global _FORKED_FROM_MAIN
    _FORKED_FROM_MAIN = threading.current_thread() is threading.main_thread()


def _vm_size() -> int:
    """This process's address space in bytes (what RLIMIT_AS counts), 0 where /proc has no such line."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _marker_dir() -> str:
    return _TMP_DIR or tempfile.gettempdir()


def _marker_path(owner: int, worker: int) -> str:
    """The file a reader keeps while it reads a page: which page, since when (its mtime). When a reader dies,
    its marker tells the parent which page killed it; when a page runs too long, which reader to stop."""
    return os.path.join(_marker_dir(), f"{TEMP_PREFIX}{worker}-reader-of-{owner}.job")


_READER_MB = 0  # in a reader process: the memory a page job may take beyond what the reader holds


def _limit_memory(extra_mb: int) -> tuple[int, int] | None:
    """Limit this process's address space (RLIMIT_AS) to what it holds now plus `extra_mb`, for one page job;
    returns the limits to restore after it. Between jobs the reader is not limited, so that its own work
    (receiving the next job, sending a result) never fails on a memory limit the last page left it near."""
    if extra_mb <= 0:
        return None
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = _vm_size() + extra_mb * 1024 * 1024
        if limit <= extra_mb * 1024 * 1024 or (hard != resource.RLIM_INFINITY and limit > hard):
            return None
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        return soft, hard
    except (ImportError, ValueError, OSError):
        return None  # no resource limits here: the up-front estimates still apply


def _restore_memory(previous: tuple[int, int] | None) -> None:
    if previous is not None:
        import resource

        try:
            resource.setrlimit(resource.RLIMIT_AS, previous)
        except (ValueError, OSError):
            pass


def _cancel_path(owner: int, run: str, file_no: str) -> str:
    return os.path.join(_marker_dir(), f"{TEMP_PREFIX}{owner}-cancel-{run}-{file_no}")


def _init_reader(owner: int, reader_mb: int) -> None:
    """Start-up of a page reader process: die with the parent, note its memory budget for each page job,
    and turn the page alarm into an exception the page job reports."""
    if _FORKED_FROM_MAIN:  # the parent-death signal follows the forking *thread*: only the main one lives on
        die_with_parent()
    if os.getppid() != owner:  # the parent died while this reader was starting
        os._exit(1)

    def watch_parent() -> None:  # for readers forked from another thread, and systems without prctl
        while True:
            time.sleep(0.5)
            if os.getppid() != owner:
                os._exit(1)

    threading.Thread(target=watch_parent, name="reader-watch-parent", daemon=True).start()
    global _READER_MB
    _READER_MB = reader_mb

    def on_alarm(signum: int, frame: object) -> None:
        raise OverTime("page time limit")

    def on_term(signum: int, frame: object) -> None:  # the pool stops this reader because another one died
        try:
            os.unlink(_marker_path(owner, os.getpid()))
        except OSError:
            pass
        os._exit(128 + signum)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)


def _guarded(job: Callable[[], PageResult], seconds: float, token: str, budget: Budget) -> tuple[
        PageResult | None, str | None, float]:
    """Run one page job in a reader: (page, None, seconds taken) or (None, reason for staff, seconds).
    The alarm stops a page that runs past its time (Tesseract is killed with it); a MemoryError under the
    reader's memory limit becomes the memory reason, and the reader goes on with the next page."""
    owner = os.getppid()
    run, file_no, _ = token.split(":")
    if os.path.exists(_cancel_path(owner, run, file_no)):  # its file failed while this page waited
        return None, "cancelled", 0.0
    marker = _marker_path(owner, os.getpid())
    try:
        with open(marker, "w") as f:
            f.write(token)
    except OSError:
        marker = ""
    in_main = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    started = time.monotonic()
    previous = _limit_memory(_READER_MB)
    try:
        if in_main and seconds > 0:
            signal.setitimer(signal.ITIMER_REAL, seconds)
        return job(), None, time.monotonic() - started
    except OverTime:
        return None, budgets.time_reason(budget, page_only=True), time.monotonic() - started
    except Exception as e:  # one bad page (MemoryError too): its file is reported, the reader goes on
        return None, plain_reason(e, budget), time.monotonic() - started
    finally:
        if in_main and seconds > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)
        _restore_memory(previous)
        if marker:
            try:
                os.unlink(marker)
            except OSError:
                pass


# ------------------------------------------------------------------ the pool of page readers


_POOL: tuple[tuple[int, int], Executor] | None = None
_POOL_LOCK = threading.Lock()


def page_pool(workers: int | None = None) -> Executor:
    """The process-wide pool of page readers (one process per core, started once, reused by every
    batch). Workers are forked: they need nothing but this module, and unlike spawned ones they do not
    re-run the caller's main script. Each reader dies with this process and has a memory limit
    (COMPLIANCE_MAX_READER_MB); a pool broken by a reader that died is replaced by a new one."""
    global _POOL
    workers = workers or os.cpu_count() or 1
    key = (workers, Budget.from_env().reader_mb)
    with _POOL_LOCK:
        if _POOL is not None and _POOL[0] == key and not getattr(_POOL[1], "_broken", False):
            return _POOL[1]
        if _POOL is not None:
            _POOL[1].shutdown(wait=False, cancel_futures=True)
        remove_stale_temp_files()
        ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_reader,
                                   initargs=(os.getpid(), key[1]))
        _POOL = (key, pool)
        return pool


def reset_page_pool(broken: Executor | None = None) -> None:
    """Drop the pool (after one of its readers died or was stopped); the next page_pool() starts a new one.
    Given the broken pool, nothing is done if another caller has already replaced it."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or (broken is not None and _POOL[1] is not broken):
            return
        pool = _POOL[1]
        _POOL = None
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.kill()
        except (OSError, AttributeError, ValueError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)


def _pool_pids(pool: Executor) -> set[int]:
    return set(getattr(pool, "_processes", None) or {})


def submit_page_jobs(jobs: list[Callable[[], PageResult]], workers: int | None = None) -> list[Future]:
    """Start page jobs on the process pool (or threads for jobs that cannot be pickled); the caller
    collects each future as it completes."""
    if all(isinstance(job, functools.partial) for job in jobs):
        pool = page_pool(workers)
        return [pool.submit(job) for job in jobs]
    threads = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1)
    futures = [threads.submit(job) for job in jobs]
    threads.shutdown(wait=False)
    return futures


def _reset_after_fork() -> None:
    global _PDFIUM, _POOL, _POOL_LOCK
    _PDFIUM, _POOL_LOCK, _POOL = threading.Lock(), threading.Lock(), None  # a forked worker has no pool


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_note_forking_thread, after_in_child=_reset_after_fork)


@atexit.register
def _close_pool() -> None:
    if _POOL is not None:
        _POOL[1].shutdown(wait=False, cancel_futures=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running(pid: int) -> bool:
    """The process exists and has not ended (a dead reader not yet reaped by its pool is a zombie)."""
    return _pid_alive(pid) and not _is_zombie(pid)


_STALE_NAME = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-")
_CLEANED = False


def remove_stale_temp_files(
    min_age: float = STALE_AFTER_SECONDS, force: bool = False, pids: set[int] | None = None
) -> int:
    """Remove page images and reader markers left by killed runs (their maker's pid is gone and they are
    older than a few minutes, so a concurrent run, even one in another container, is not disturbed).
    Done once per process unless forced; `pids` narrows it to the makers given (this run's dead readers).
    Returns how many files were removed."""
    global _CLEANED
    if _CLEANED and not force:
        return 0
    _CLEANED = _CLEANED or pids is None
    removed = 0
    now = time.time()
    for folder in {d for d in (_TMP_DIR, tempfile.gettempdir()) if d}:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            m = _STALE_NAME.match(name)
            if not m or int(m.group(1)) == os.getpid() or (pids is not None and int(m.group(1)) not in pids):
                continue
            path = os.path.join(folder, name)
            try:
                st = os.lstat(path)
                if not os.path.isfile(path) or os.path.islink(path) or st.st_uid != os.getuid():
                    continue
                if now - st.st_mtime < min_age or _running(int(m.group(1))):
                    continue
                os.unlink(path)
                removed += 1
            except OSError:
                continue
    return removed


# ------------------------------------------------------------------ reading whole files within their budgets


@dataclass
class _FileState:
    jobs: list[Callable[[], PageResult]]
    pages: dict[int, PageResult] = field(default_factory=dict)
    seconds: float = 0.0
    done: bool = False


HARD_STOP_GRACE = 10.0  # seconds past a page's limit before its reader is killed (the alarm did not stop it)
MAX_BREAKS_WITHOUT_CULPRIT = 3


def check_budget(path: Path, media_type: str, budget: Budget) -> None:
    """The up-front estimate: raise OverBudget when the file's pages would need more pixels, memory or
    drawing instructions than its budget allows, before anything is rendered."""
    if media_type == PDF:
        sizes = []
        with _PDFIUM:
            try:
                doc = pdfium.PdfDocument(str(path))
            except pdfium.PdfiumError:
                return  # the readers say why the file cannot be opened
            try:
                for i in range(len(doc)):
                    try:
                        sizes.append(doc[i].get_size())
                    except pdfium.PdfiumError:
                        continue
            finally:
                doc.close()
        budgets.check_page_sizes(sizes, budget)
        budgets.check_pdf_content(Path(path), budget)
        return
    with Image.open(path) as im:
        for frame in range(getattr(im, "n_frames", 1)):
            im.seek(frame)
            raw = im.info.get("dpi")
            dpi = (float(raw[0]), float(raw[1])) if raw and len(raw) == 2 else None
            budgets.check_image_size(im.width, im.height, _plausible_dpi(im, dpi), budget)


def read_files(
    files: list[tuple[Path, str]], workers: int | None = None, budget: Budget | None = None,
    on_page: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, list[PageResult] | None, str | None]]:
    """Read the pages of many files at once on the readers' pool, within each file's budget. Yields
    (index of the file, its pages in order, None) as soon as a file's last page is read, or (index, None,
    reason for staff) as soon as it fails: over a budget, a page that cannot be read, a reader that died.
    A reader that dies (out of memory, a crash, killed for time) takes only its own file down: the pool is
    replaced and the other files' pages are read again."""
    budget = budget or Budget.from_env()
    workers = workers or os.cpu_count() or 1
    remove_stale_temp_files()
    state: dict[int, _FileState] = {}
    for i, (path, media_type) in enumerate(files):
        try:
            check_budget(Path(path), media_type, budget)
            jobs = list(page_jobs(Path(path), media_type))
        except Exception as e:  # over budget, or cannot be opened at all
            yield i, None, plain_reason(e, budget)
            continue
        if not jobs:
            yield i, None, "the file has no pages that can be read"
            continue
        state[i] = _FileState(jobs)
    if workers == 1 or not all(isinstance(j, functools.partial) for s in state.values() for j in s.jobs):
        yield from _read_in_process(state, budget, on_page)
        return
    yield from _read_on_pool(state, workers, budget, on_page)


def _read_in_process(
    state: dict[int, _FileState], budget: Budget, on_page: Callable[[int], None] | None
) -> Iterator[tuple[int, list[PageResult] | None, str | None]]:
    """One file after the other in this process (one core): the time budget holds between pages (and
    within one when this is the main thread); memory is not limited here, MemoryError is reported."""
    limit = budget.page_limit()
    for i, st in state.items():
        pages, reason = [], None
        for k, job in enumerate(st.jobs):
            page, reason, secs = _guarded_here(job, limit, budget)
            st.seconds += secs
            if on_page:
                on_page(i)
            if reason is None and st.seconds > budget.file_seconds and k + 1 < len(st.jobs):
                reason = budgets.time_reason(budget)
            if reason is not None:
                break
            pages.append(page)
        yield (i, None, reason) if reason is not None else (i, pages, None)  # type: ignore[misc]


def _guarded_here(job: Callable[[], PageResult], seconds: float, budget: Budget) -> tuple[
        PageResult | None, str | None, float]:
    in_main = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    old = None
    started = time.monotonic()
    try:
        if in_main:
            def on_alarm(signum: int, frame: object) -> None:
                raise OverTime("page time limit")

            old = signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, seconds)
        return job(), None, time.monotonic() - started
    except OverTime:
        return None, budgets.time_reason(budget, page_only=True), time.monotonic() - started
    except Exception as e:
        return None, plain_reason(e, budget), time.monotonic() - started
    finally:
        if in_main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old or signal.SIG_DFL)


def _read_on_pool(
    state: dict[int, _FileState], workers: int, budget: Budget, on_page: Callable[[int], None] | None
) -> Iterator[tuple[int, list[PageResult] | None, str | None]]:
    limit = budget.page_limit()
    owner = os.getpid()
    run = f"{time.monotonic_ns():x}"
    cancelled: list[str] = []
    try:
        yield from _schedule(state, workers, budget, on_page, limit, owner, run, cancelled)
    finally:
        for path in cancelled:
            try:
                os.unlink(path)
            except OSError:
                pass


def _schedule(
    state: dict[int, _FileState], workers: int, budget: Budget, on_page: Callable[[int], None] | None,
    limit: float, owner: int, run: str, cancelled: list[str],
) -> Iterator[tuple[int, list[PageResult] | None, str | None]]:
    pool = page_pool(workers)
    for pid, _, _ in list(_markers(owner)):  # left by readers of an earlier batch that died
        if not _running(pid):
            try:
                os.unlink(_marker_path(owner, pid))
            except OSError:
                pass
    futures: dict[Future, tuple[int, int]] = {}

    def submit(i: int, k: int) -> None:
        fut = pool.submit(_guarded, state[i].jobs[k], limit, f"{run}:{i}:{k}", budget)
        futures[fut] = (i, k)

    def fail(i: int, reason: str) -> tuple[int, None, str]:
        state[i].done = True
        for fut, (j, _) in list(futures.items()):
            if j == i and fut.cancel():
                del futures[fut]
        path = _cancel_path(owner, run, str(i))
        try:  # pages of the file already handed to a reader are skipped when it gets to them
            with open(path, "w"):
                pass
            cancelled.append(path)
        except OSError:
            pass
        return i, None, reason

    for i, st in state.items():
        for k in range(len(st.jobs)):
            submit(i, k)
    killed: dict[int, str] = {}  # reader pid -> token of the page it was stopped on (over time)
    breaks_without_culprit = 0
    readers: set[int] = set()  # every reader seen, for the clean-up of what dead ones leave
    while futures:
        done, _ = wait(list(futures), timeout=1.0, return_when=FIRST_COMPLETED)
        readers |= _pool_pids(pool)
        broken = False
        lost: list[tuple[int, int]] = []
        for fut in done:
            i, k = futures.pop(fut)
            if fut.cancelled():
                continue
            try:
                page, reason, secs = fut.result()
            except BrokenProcessPool:
                broken = True
                lost.append((i, k))
                continue
            except Exception as e:  # the job could not be sent or its result not returned
                page, reason, secs = None, plain_reason(e, budget), 0.0
            st = state[i]
            if st.done:
                continue
            st.seconds += secs
            if on_page:
                on_page(i)
            if reason is not None:
                yield fail(i, reason)
            elif st.seconds > budget.file_seconds and len(st.pages) + 1 < len(st.jobs):
                yield fail(i, budgets.time_reason(budget))
            else:
                st.pages[k] = page  # type: ignore[assignment]
                if len(st.pages) == len(st.jobs):
                    st.done = True
                    yield i, [st.pages[n] for n in range(len(st.jobs))], None
        if not broken:
            _stop_overdue_readers(pool, owner, limit, killed)
            continue
        # a reader died: every page in flight fails with the pool; find the page that killed it
        for fut in list(futures):
            lost.append(futures.pop(fut))
        culprits = _culprits(owner, killed)
        for token, why in culprits.items():
            if not token.startswith(f"{run}:"):
                continue
            i = int(token.split(":")[1])
            if i in state and not state[i].done:
                yield fail(i, budgets.time_reason(budget, page_only=True) if why == "time"
                           else budgets.crash_reason(budget))
        breaks_without_culprit = 0 if culprits else breaks_without_culprit + 1
        readers |= _pool_pids(pool)
        reset_page_pool(pool)
        remove_stale_temp_files(min_age=0, force=True, pids=readers)
        pool = page_pool(workers)
        for i, k in sorted(set(lost)):
            if state[i].done:
                continue
            if breaks_without_culprit >= MAX_BREAKS_WITHOUT_CULPRIT:
                yield fail(i, budgets.crash_reason(budget))
                continue
            if k not in state[i].pages:
                submit(i, k)


def _markers(owner: int) -> Iterator[tuple[int, str, float]]:
    """(reader pid, page token, seconds since it started the page) for each page being read for `owner`."""
    suffix = f"-reader-of-{owner}.job"
    folder = _marker_dir()
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not (name.startswith(TEMP_PREFIX) and name.endswith(suffix)):
            continue
        path = os.path.join(folder, name)
        try:
            pid = int(name[len(TEMP_PREFIX):-len(suffix)])
            with open(path) as f:
                token = f.read().strip()
            age = time.time() - os.stat(path).st_mtime
        except (OSError, ValueError):
            continue
        if token:
            yield pid, token, age


def _stop_overdue_readers(pool: Executor, owner: int, limit: float, killed: dict[int, str]) -> None:
    """Kill a reader whose page ran well past its time (stuck inside a library, where the alarm cannot
    reach it). Only the pool's own readers are ever signalled."""
    pids = _pool_pids(pool)
    for pid, token, age in _markers(owner):
        if pid in pids and pid not in killed and age > limit + HARD_STOP_GRACE:
            try:
                os.kill(pid, signal.SIGKILL)
                killed[pid] = token
            except OSError:
                pass


def _culprits(owner: int, killed: dict[int, str]) -> dict[str, str]:
    """Pages whose reader died while reading them: token -> "time" (stopped for time) or "crash"."""
    found: dict[str, str] = {}
    for pid, token, _ in list(_markers(owner)):
        if _running(pid):
            continue
        found[token] = "time" if killed.get(pid) == token else "crash"
        try:
            os.unlink(_marker_path(owner, pid))
        except OSError:
            pass
    return found


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return False


def page_jobs(path: Path, media_type: str) -> Iterator[Callable[[], PageResult]]:
    """One job per page. Each job is a picklable partial (it re-opens the file by path), so it can run
    in another process or on another machine with the file. A PDF that pdfplumber cannot open whole (wrong
    cross-reference offsets) is read from a copy repaired in memory by qpdf, or else from the pages that
    pdfium draws; the stored original is never altered."""
    try:
        if media_type == PDF:
            n, how = pdf_page_plan(Path(path))
        else:
            with Image.open(path) as im:
                n, how = getattr(im, "n_frames", 1), "image"
    except RejectedFile:
        raise
    except Exception as e:  # said in plain words: a library's message names server paths and internals
        raise RejectedFile(plain_reason(e)) from e
    for i in range(n):
        if how == "image":
            yield functools.partial(_read_image_frame, Path(path), i)
        else:
            yield functools.partial(_read_pdf_page, Path(path), i, how)


def pdf_page_plan(path: Path) -> tuple[int, str]:
    """(pages, how to read them): "direct" when pdfplumber sees every page pdfium sees, "repaired" when the
    copy qpdf repairs does, "drawn" (OCR of what pdfium renders) when only pdfium can read the pages."""
    with _PDFIUM:
        try:
            doc = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError:
            drawn = 0
        else:
            drawn = len(doc)
            doc.close()
    try:
        with pdfplumber.open(path) as pdf:
            n = len(pdf.pages)
        if n and n >= drawn:
            return n, "direct"
    except Exception:  # pdfminer gives up on a damaged cross-reference table; qpdf may not
        pass
    data = repaired_pdf(path)
    if data is not None:
        try:
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                n = len(pdf.pages)
            if n and n >= drawn:
                return n, "repaired"
        except Exception:
            pass
    if drawn:
        return drawn, "drawn"
    raise RejectedFile("corrupt PDF: no page of it can be read, even after repair")


_REPAIRED: dict[tuple[str, int, int], bytes] = {}


def repaired_pdf(path: Path) -> bytes | None:
    """The PDF rewritten by qpdf (which rebuilds a broken cross-reference table), in memory; None when qpdf
    cannot open it either. Kept for the last file asked, as its pages are read one after the other."""
    import pikepdf

    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key in _REPAIRED:
        return _REPAIRED[key]
    try:
        with pikepdf.open(path) as pdf:
            out = io.BytesIO()
            pdf.save(out)
    except Exception:  # qpdf cannot read it
        return None
    _REPAIRED.clear()
    _REPAIRED[key] = out.getvalue()
    return _REPAIRED[key]


def _read_image_frame(path: Path, index: int) -> PageResult:
    with Image.open(path) as im:
        for n, frame in enumerate(ImageSequence.Iterator(im)):
            if n == index:
                raw = frame.info.get("dpi") or im.info.get("dpi")
                dpi = (float(raw[0]), float(raw[1])) if raw and len(raw) == 2 else None
                page = _square_pixels(frame.copy(), dpi)
                break
        else:
            raise IndexError(f"no frame {index + 1} in {path.name}")
    return ocr_page(page, index + 1, _plausible_dpi(page, dpi))


def _read_pdf_page(path: Path, index: int, how: str = "direct") -> PageResult:
    source: Path | bytes = path
    if how == "repaired":
        source = repaired_pdf(path) or path
    words: list[Word] = []
    width = height = 0.0
    parsed = how != "drawn"
    if parsed:
        try:
            with pdfplumber.open(io.BytesIO(source) if isinstance(source, bytes) else source) as pdf:
                page = pdf.pages[index]
                words = _text_layer_words(page)
                width, height = float(page.width), float(page.height)
        except (MemoryError, OverBudget):
            raise
        except Exception:  # pdfminer cannot parse this page's drawing instructions: read the text pdfium
            parsed = False  # finds in them (else OCR what it draws), as a viewer shows the page
    with _PDFIUM:
        doc = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
        try:
            if not parsed and how != "drawn":
                words, (width, height) = _pdfium_words(doc[index]), doc[index].get_size()
            if _is_real_text(words):
                preview = doc[index].render(scale=PREVIEW_DPI / 72).to_pil().convert("L")
                text = PageText(index + 1, width, height, "text_layer", assign_lines(words))
                return PageResult(text, preview)
            image = doc[index].render(scale=OCR_DPI / 72, grayscale=True).to_pil()
        finally:
            doc.close()
    return ocr_page(image, index + 1, OCR_DPI)


def _pdfium_words(page: pdfium.PdfPage) -> list[Word]:
    """The words of a page's text layer as pdfium reads them (boxes from the top of the page, like
    pdfplumber's): for a page whose content pdfminer cannot parse. Caller holds _PDFIUM."""
    height = page.get_size()[1]
    textpage = page.get_textpage()
    words: list[Word] = []
    chars: list[tuple[str, tuple[float, float, float, float]]] = []

    def flush() -> None:
        if chars:
            words.append(Word("".join(c for c, _ in chars), min(b[0] for _, b in chars), height - max(b[3] for _, b in
                              chars), max(b[2] for _, b in chars), height - min(b[1] for _, b in chars), 100.0))
            chars.clear()

    try:
        for i in range(textpage.count_chars()):
            ch = textpage.get_text_range(i, 1)
            if not ch or ch.isspace():
                flush()
                continue
            chars.append((ch, textpage.get_charbox(i)))
        flush()
    finally:
        textpage.close()
    return words


def _text_layer_words(page: pdfplumber.page.Page) -> list[Word]:
    raw = page.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False, use_text_flow=False)
    out = []
    for w in raw:
        if w.get("upright", True) is False:
            continue
        out.append(Word(w["text"], float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]), 100.0))
    return out


def _is_real_text(words: list[Word]) -> bool:
    """A text layer is real when it holds enough readable words (not an empty or garbage layer)."""
    if len(words) < 8:
        return False
    chars = "".join(w.text for w in words)
    if chars.count("(cid:") * 5 > len(chars) / 10:
        return False
    readable = sum(1 for w in words if _REAL_WORD.search(w.text))
    return readable >= 8 and readable / len(words) > 0.3


def _square_pixels(im: Image.Image, dpi: tuple[float, float] | None) -> Image.Image:
    """Fax TIFFs have non-square pixels (204x196 dpi); stretch them so text is not distorted."""
    im = ImageOps.exif_transpose(im) or im
    if dpi and len(dpi) == 2 and dpi[0] and dpi[1] and abs(dpi[0] - dpi[1]) / max(dpi) > 0.03:
        xd, yd = float(dpi[0]), float(dpi[1])
        im = im.resize((im.width, round(im.height * xd / yd)))
    return im


def _plausible_dpi(im: Image.Image, dpi: tuple[float, float] | None) -> float:
    """Use the file's resolution if it fits a paper page; otherwise assume a letter-width page."""
    if dpi and dpi[0] and 90 <= float(dpi[0]) <= 1200:
        inches = im.width / float(dpi[0])
        if 3 <= inches <= 18:
            return float(dpi[0])
    return max(im.width, im.height * 8.5 / 11) / 8.5


def ocr_page(image: Image.Image, page_no: int, dpi: float) -> PageResult:
    """OCR one page image; fix 90/180/270 rotation and small skew."""
    gray = image.convert("L")
    scale = 1.0
    if dpi < 220:  # Tesseract reads small text best at ~300 dpi
        scale = min(300 / dpi, 3.0)
        gray = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.LANCZOS)
    eff_dpi = dpi * scale
    gray = flatten_background(gray)
    rotation = 0
    upright, words, conf, pre_skew = _ocr_straightened(gray, eff_dpi)
    vertical = _mostly_vertical(words)
    if vertical or _looks_unread(words, conf):
        best = (_upright_quality(words, conf), upright, words, conf, 0, pre_skew)
        osd = _detect_orientation(gray)
        order = [90, 270, 180] if vertical else [180, 90, 270]
        if osd:
            order = [osd] + [a for a in order if a != osd]
        for angle in order:
            turned, w2, c2, sk2 = _ocr_straightened(gray.rotate(-angle, expand=True, fillcolor=255), eff_dpi)
            q = _upright_quality(w2, c2)
            if q > best[0] and q >= 10:  # a blank or noisy page is left as it is
                best = (q, turned, w2, c2, angle, sk2)
            if q > 0 and c2 >= 75 and not _looks_unread(w2, c2):
                break
        _, upright, words, conf, rotation, pre_skew = best
    gray = upright
    if conf < _SPECKLED_BELOW_CONF and _speckled(gray):  # a page that read well needs no cleaning
        gray, words, conf = _read_despeckled(gray, words, conf, eff_dpi)
    if os.environ.get("COMPLIANCE_OCR_SECOND_READING", "1") != "0":  # a district may trade accuracy for speed
        words = _reread_weak_lines(gray, words, eff_dpi)
    conf = statistics.fmean(w.conf for w in words) if words else 0.0
    skew = _estimate_skew(words)
    width, height = gray.width * 72 / eff_dpi, gray.height * 72 / eff_dpi
    if abs(skew) >= 0.25:
        words = _rotate_words(words, -skew, width / 2, height / 2)
    preview = gray.resize((max(1, round(width * PREVIEW_DPI / 72)), max(1, round(height * PREVIEW_DPI / 72))))
    if abs(skew) >= 0.25:
        preview = preview.rotate(skew, resample=Image.BICUBIC, fillcolor=255)
    text = PageText(
        page_no, width, height, "ocr", assign_lines(words), rotation=rotation,
        skew=round(pre_skew + (skew if abs(skew) >= 0.25 else 0.0), 2),
        dpi=round(eff_dpi, 1), mean_conf=round(conf, 1),
    )
    return PageResult(text, preview)


# A fax or photocopy strewn with specks (dots of a few pixels with nothing near them, thousands per page)
# misleads Tesseract's page layout analysis into reading whole boxes as noise. Such a page is read again
# from cleaned copies, and the reading with more confident real words is kept. Only speckled pages: on a
# clean page any filter risks changing a value silently. The cleanings: specks removed as whole connected
# blobs smaller than a printed dot (strokes are left exactly as scanned, so a '1' cannot thin away), a
# larger blob size for coarser grain, and a 3-pixel median filter for grain that touches the type.
_SPECKS_PER_MEGAPIXEL = 1500
_SPECKLED_BELOW_CONF = 85.0
# blobs of fewer ink pixels are specks: grain the size of a period, and coarse fax grain; which cleaning
# suits a page is told by the reading it gives (a period or an i's dot may go with the specks)
_SPECK_AREAS_AT_300_DPI = (20, 40)


def _speckled(gray: Image.Image) -> bool:
    """Ink pixels with at most 4 inked among their 3x3 and 6 among their 9x9 neighbours are specks; counted with
    Pillow's box filters (8-bit, a page's worth of memory even at 600 dpi)."""
    ink = gray.point(lambda v: 255 if v < 128 else 0)
    near = np.asarray(ink.filter(ImageFilter.BoxBlur(1)))  # mean of 3x3: 4 of 9 inked is 113
    around = np.asarray(ink.filter(ImageFilter.BoxBlur(4)))  # mean of 9x9: 6 of 81 inked is 19
    specks = (np.asarray(ink) > 0) & (near <= 113) & (around <= 19)
    return int(specks.sum()) > _SPECKS_PER_MEGAPIXEL * ink.width * ink.height / 1e6


def without_specks(gray: Image.Image, min_area: int) -> Image.Image:
    """The page with every connected blob of ink smaller than `min_area` pixels turned white, and the paper
    (everything lighter than ink: grey grain, show-through) white too; the type itself is untouched."""
    from scipy import ndimage  # only speckled pages need it; importing it costs every command a third of a second

    page = np.asarray(gray)
    ink = page < 128
    blobs, _count = ndimage.label(ink, structure=np.ones((3, 3), dtype=bool))
    kept = np.bincount(blobs.ravel()) >= min_area
    kept[0] = False  # the paper, grey grain and all, becomes white
    return Image.fromarray(np.where(kept[blobs], page, 255).astype(np.uint8))


def _cleanings(gray: Image.Image, dpi: float) -> Iterator[Image.Image]:
    for area in _SPECK_AREAS_AT_300_DPI:
        yield without_specks(gray, max(2, round(area * (dpi / 300) ** 2)))
    yield gray.filter(ImageFilter.MedianFilter(3))


def _confident_words(words: list[Word]) -> int:
    return sum(1 for w in words if w.conf >= 80 and len(re.sub(r"[^A-Za-z]", "", w.text)) >= 3)


def _read_despeckled(
    gray: Image.Image, words: list[Word], conf: float, dpi: float
) -> tuple[Image.Image, list[Word], float]:
    """The best reading of a speckled page among the page and its cleaned copies (most confident real
    words); a copy must beat the page as scanned by a clear margin. The page image staff see is the
    cleaned one read (the specks were noise)."""
    as_scanned = _confident_words(words)
    best = (as_scanned, gray, words, conf)
    for copy in _cleanings(gray, dpi):
        w2, c2 = _tesseract_words(copy, dpi)
        score = _confident_words(w2)
        if score > as_scanned * 1.2 + 3 and score > best[0]:
            best = (score, copy, w2, c2)
    return best[1], best[2], best[3]


def _ocr_straightened(gray: Image.Image, dpi: float) -> tuple[Image.Image, list[Word], float, float]:
    """OCR a page after straightening small skew (Tesseract misreads lines that drift a degree)."""
    skew = detect_skew(gray)
    if abs(skew) >= 0.2:
        gray = gray.rotate(skew, resample=Image.BILINEAR, expand=False, fillcolor=255)
    words, conf = _tesseract_words(gray, dpi)
    return gray, words, conf, skew


def detect_skew(gray: Image.Image, max_degrees: float = 5.0) -> float:
    """Small-angle skew by projection profiles: the angle whose rotation makes the row sums of ink
    the most uneven (text lines sharp). Returns degrees for Image.rotate (counter-clockwise)."""
    small = gray.resize((max(1, gray.width * 700 // max(gray.size)), max(1, gray.height * 700 // max(gray.size))))
    ink = small.point(lambda v: 255 if v < 160 else 0)

    mx, my = ink.width // 8, ink.height // 8  # the page's inner part: scanner-bed edges mislead

    def sharpness(angle: float) -> float:
        turned = np.asarray(ink.rotate(angle, resample=Image.NEAREST), dtype=np.float32)
        rows = turned[my:-my, mx:-mx].sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    if np.asarray(ink).mean() < 0.5:  # blank page
        return 0.0
    coarse = max(np.arange(-max_degrees, max_degrees + 0.01, 0.5), key=sharpness)
    fine = max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=sharpness)
    return round(float(fine), 2)


def flatten_background(gray: Image.Image) -> Image.Image:
    """Even out the lighting of a photographed page (shadows, gradients) before OCR.
    Scans with a uniformly white background are left as they are."""
    small = gray.resize((max(1, gray.width // 8), max(1, gray.height // 8)))
    background = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(4))
    bg = np.asarray(background, dtype=np.float32)
    lo, hi = np.percentile(bg, [5, 95])
    if lo > 200 and hi - lo < 40:
        return gray
    full = np.asarray(background.resize(gray.size), dtype=np.float32) + 1
    page = np.asarray(gray, dtype=np.float32)
    return Image.fromarray(np.clip(page / full * 255, 0, 255).astype(np.uint8))


def _tesseract_words(gray: Image.Image, dpi: float, psm: int = 3) -> tuple[list[Word], float]:
    data = tesseract_data(gray, f"--psm {psm} --dpi {round(dpi)}")
    k = 72 / dpi
    words = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        x, y, w, h = data["left"][i], data["top"][i], data["width"][i], data["height"][i]
        line = data["block_num"][i] * 10_000 + data["par_num"][i] * 100 + data["line_num"][i]
        words.append(Word(text, x * k, y * k, (x + w) * k, (y + h) * k, conf, line))
    words = _unswallowed(words)
    conf = statistics.fmean(w.conf for w in words) if words else 0.0
    return words, conf


def _unswallowed(words: list[Word]) -> list[Word]:
    """Tesseract now and then boxes a word as if it ran on over the words after it on its row ('Albuquerque'
    boxed across 'Public Schools'), and the row's words then overlap and fall out of order. Such a box is
    made to end where the first word it swallowed begins; a doubtful word inside a box (a speck read as
    'alninal') is left to be dropped as an overlap later."""
    by_x = sorted(words, key=lambda w: w.x0)
    fixed: dict[int, Word] = {}
    for i, w in enumerate(by_x):
        ends = []
        for o in by_x[i + 1 :]:
            if o.x0 >= w.x1:
                break
            overlap = min(w.y1, o.y1) - max(w.y0, o.y0)
            if o.x0 > w.x0 + 1 and o.x1 <= w.x1 + 1 and overlap > 0.5 * min(w.height, o.height) and o.conf >= 60:
                ends.append(o.x0)
        if ends:
            x1 = min(ends) - 0.25 * w.height
            if x1 > w.x0 + 0.5 * w.height:
                fixed[id(w)] = Word(w.text, w.x0, w.y0, x1, w.y1, w.conf, w.line)
    return [fixed.get(id(w), w) for w in words] if fixed else words


def run_tesseract(image: Image.Image, args: list[str]) -> str:
    """The `tesseract` command on one image; returns what it prints. The image is handed over as an
    uncompressed PGM file (the same pixels pytesseract would send as PNG, without the encoding)."""
    fd, name = tempfile.mkstemp(suffix=".pgm", prefix=f"{TEMP_PREFIX}{os.getpid()}-ocr-", dir=_TMP_DIR)
    try:
        with os.fdopen(fd, "wb") as f:
            (image if image.mode == "L" else image.convert("L")).save(f, "PPM")
        proc = subprocess.run(
            [pytesseract.pytesseract.tesseract_cmd, name, "stdout", *args], capture_output=True, check=False,
            preexec_fn=die_with_parent if _PRCTL is not None else None,
        )
    except FileNotFoundError as e:
        raise pytesseract.TesseractNotFoundError() from e
    finally:
        if os.path.exists(name):
            os.unlink(name)
    if proc.returncode:
        raise pytesseract.TesseractError(proc.returncode, proc.stderr.decode("utf-8", "replace").strip())
    return proc.stdout.decode("utf-8", "replace")


def tesseract_data(image: Image.Image, config: str, lang: str = "eng") -> dict[str, list]:
    """Tesseract's word table (TSV) as columns, exactly like pytesseract.image_to_data(output_type=DICT):
    numbers as int (confidences truncated), text as str."""
    out = run_tesseract(image, ["-l", lang, *config.split(), "-c", "tessedit_create_tsv=1"])
    rows = [row.split("\t") for row in out.strip().split("\n")]
    if len(rows) < 2:
        return {}
    header = rows.pop(0)
    if len(rows[-1]) < len(header):
        rows[-1].append("")  # the last word's text may be empty and its cell missing
    text_col = len(header) - 1
    data: dict[str, list] = {h: [] for h in header}
    for row in rows:
        for i, head in enumerate(header):
            if i >= len(row):
                continue
            if i == text_col:
                data[head].append(row[i])
                continue
            try:
                data[head].append(int(float(row[i])))
            except ValueError:
                data[head].append(row[i])
    return data


WEAK_LINE_CONF = 65


def _reread_weak_lines(gray: Image.Image, words: list[Word], dpi: float) -> list[Word]:
    """Read again each run of words Tesseract was unsure of, cut out of the page with its ruling lines
    removed. Page layout analysis sometimes garbles a clean line (a rule above it, speckles); on its
    own the line reads well. All runs of a page are read in one Tesseract call, stacked in one image."""
    by_line: dict[int, list[Word]] = {}
    for w in words:
        by_line.setdefault(w.line, []).append(w)
    kept: list[Word] = []
    runs: list[list[Word]] = []
    for line_words in by_line.values():
        run: list[Word] = []
        for w in [*sorted(line_words, key=lambda w: w.x0), None]:
            if w is not None and w.conf < WEAK_LINE_CONF:
                run.append(w)
                continue
            if run:
                # letters or digits: a garbled EIN or policy number is as worth a second look as a word
                signs = sum(sum(c.isalnum() for c in x.text) for x in run)
                if signs >= 3:
                    runs.append(run)
                else:
                    kept.extend(run)
                run = []
            if w is not None:
                kept.append(w)
    if not runs:
        return words
    px = dpi / 72
    boxes = []
    for run in runs:
        x0, y0 = min(w.x0 for w in run) * px, min(w.y0 for w in run) * px
        x1, y1 = max(w.x1 for w in run) * px, max(w.y1 for w in run) * px
        pad = max(6.0, (y1 - y0) * 0.3)
        boxes.append((max(0, int(x0 - pad)), max(0, int(y0 - pad)), min(gray.width, int(x1 + pad)),
                      min(gray.height, int(y1 + pad))))
    gap = 40
    sheet = Image.new("L", (max(b[2] - b[0] for b in boxes) + 2 * gap,
                            sum(b[3] - b[1] + gap for b in boxes) + gap), 255)
    bands = []  # (top in sheet, box)
    y = gap
    for b, crop in zip(boxes, _without_rules(np.asarray(gray), boxes), strict=True):
        sheet.paste(ImageOps.autocontrast(crop, cutoff=1), (gap, y))
        bands.append((y, b))
        y += b[3] - b[1] + gap
    reread: list[Word] = []
    for run, again in zip(runs, _runs_read(sheet, bands, runs, dpi, gap), strict=True):
        old = statistics.fmean(w.conf for w in run)
        if again and statistics.fmean(w.conf for w in again) >= old + 15:
            reread.extend(again)
        else:
            kept.extend(run)
    # a cut-out may take in the edge of a confidently read neighbour: keep that word once
    fresh = [w for w in reread if not any(k.x0 - 1 <= w.cx <= k.x1 + 1 and k.y0 - 1 <= w.cy <= k.y1 + 1 for k in kept)]
    return kept + fresh


def _runs_read(
    sheet: Image.Image, bands: list[tuple[int, tuple[int, int, int, int]]], runs: list[list[Word]], dpi: float,
    gap: int,
) -> list[list[Word]]:
    """The words Tesseract reads on a sheet of stacked cut-outs, back in page coordinates, run by run."""
    px = dpi / 72
    read, _ = _tesseract_words(sheet, dpi, psm=6)
    found: list[list[Word]] = [[] for _ in runs]
    for w in read:
        cy = w.cy * px
        for i, (top, b) in enumerate(bands):
            if top - gap / 2 <= cy < top + (b[3] - b[1]) + gap / 2:
                dx, dy = (b[0] - gap) / px, (b[1] - top) / px
                found[i].append(Word(w.text, w.x0 + dx, w.y0 + dy, w.x1 + dx, w.y1 + dy, w.conf, runs[i][0].line))
                break
    return found


def remove_rules(gray: Image.Image, frac: float = 0.04) -> Image.Image:
    """The page with its long horizontal and vertical ruling lines (form grids) whited out: a word
    boxed in by rules is read far better without them."""
    return _without_rules(np.asarray(gray), [(0, 0, gray.width, gray.height)], frac)[0]


def _without_rules(a: np.ndarray, boxes: list[tuple[int, int, int, int]], frac: float = 0.04) -> list[Image.Image]:
    """remove_rules(page).crop(box) for each box, computed only around the boxes: a pixel's fate depends
    on the ink within one rule length of it, so a margin of that length gives the same pixels at a
    fraction of the cost of the whole 300 dpi page."""
    med = _median_u8(a)
    threshold = min(170, med - 45)
    h, w = a.shape
    along_rows, along_cols = max(20, int(w * frac)), max(20, int(h * frac))
    out = []
    for x0, y0, x1, y1 in boxes:
        crop = a[y0:y1, x0:x1].copy()
        crop[crop > med - 20] = 255  # paper is white
        cx0, cx1 = max(0, x0 - along_rows + 1), min(w, x1 + along_rows - 1)
        cover = _on_long_runs(a[y0:y1, cx0:cx1] < threshold, along_rows)
        crop[cover[:, x0 - cx0 : x1 - cx0]] = 255
        cy0, cy1 = max(0, y0 - along_cols + 1), min(h, y1 + along_cols - 1)
        cover = _on_long_runs((a[cy0:cy1, x0:x1] < threshold).T, along_cols).T
        crop[cover[y0 - cy0 : y1 - cy0, :]] = 255
        out.append(Image.fromarray(crop))
    return out


def _on_long_runs(ink: np.ndarray, length: int) -> np.ndarray:
    """Pixels that lie on a run of at least `length` ink pixels along their row."""
    csum = np.zeros((ink.shape[0], ink.shape[1] + 1), np.int32)
    np.cumsum(ink, axis=1, dtype=np.int32, out=csum[:, 1:])
    full = (csum[:, length:] - csum[:, :-length]) == length  # a window of `length` all ink
    mark = np.zeros((ink.shape[0], ink.shape[1] + 1), np.int32)
    mark[:, : full.shape[1]] += full
    mark[:, length : length + full.shape[1]] -= full
    return np.cumsum(mark, axis=1)[:, : ink.shape[1]] > 0


def _median_u8(a: np.ndarray) -> float:
    """np.median of an 8-bit image from its histogram (same value, far cheaper on a whole page)."""
    counts = np.cumsum(Image.fromarray(a).histogram())
    n = a.size
    lo = int(np.searchsorted(counts, (n - 1) // 2, side="right"))
    hi = int(np.searchsorted(counts, n // 2, side="right"))
    return (lo + hi) / 2


def _upright_quality(words: list[Word], conf: float) -> float:
    """How well a page reads; sideways text counts as unread because its layout is unusable."""
    return -1.0 if _mostly_vertical(words) else _quality(words, conf)


def _quality(words: list[Word], conf: float) -> float:
    return sum(1 for w in words if w.conf >= 60 and _REAL_WORD.search(w.text)) + conf / 100


# words that stand near the top of a page of any of the five kinds, and words that stand near its foot
_TOP_WORDS = {
    "certificate", "date", "producer", "this", "important", "contact", "insurers", "insured", "memorandum",
    "city", "county", "state", "department", "internal", "revenue", "service", "treasury", "business",
    "license", "registration", "permit", "temporary", "food", "clearance", "background", "from", "sent",
    "subject", "dear", "evidence", "insurance", "public", "schools", "albuquerque",
}
_BOTTOM_WORDS = {
    "form", "holder", "cancellation", "authorized", "representative", "acord", "sincerely", "signature",
    "page", "rev", "director", "thank", "conditions", "notice", "confidentiality",
}


def turn_sideways_page(page: PageText, image: Image.Image | None = None) -> tuple[PageText, Image.Image | None]:
    """A page whose words all run vertically was read sideways (a stored reading, or a text layer drawn
    turned): its words, and its preview with them, are turned upright before it is classified or read.
    Of the two quarter turns, the one that brings a page's usual top words to its top is taken."""
    long = [w for w in page.words if len(w.text) >= 4]
    if len(long) < 20 or sum(w.height > 1.5 * (w.x1 - w.x0) for w in long) < 0.7 * len(long):
        return page, image
    width, height = page.width, page.height
    variants = []
    for turn in (90, 270):
        ws = []
        for w in page.words:
            if turn == 90:  # top of the text at the right edge
                ws.append(Word(w.text, w.y0, width - w.x1, w.y1, width - w.x0, w.conf, 0))
            else:
                ws.append(Word(w.text, height - w.y1, w.x0, height - w.y0, w.x1, w.conf, 0))
        top = [re.sub(r"[^a-z]", "", w.text.lower()) for w in ws if w.cy < width * 0.3]
        score = sum(t in _TOP_WORDS for t in top) - sum(t in _BOTTOM_WORDS for t in top)
        variants.append((score, turn, ws))
    _score, turn, ws = max(variants, key=lambda v: v[0])
    new = PageText(
        page.page_no, height, width, page.source, assign_lines(ws), (page.rotation + turn) % 360,
        page.skew, page.dpi, page.mean_conf,
    )
    if image is not None:
        image = image.transpose(Image.Transpose.ROTATE_90 if turn == 90 else Image.Transpose.ROTATE_270)
    return new, image


def _mostly_vertical(words: list[Word]) -> bool:
    """Tesseract reads sideways text well, but then the layout is sideways too: turn the page."""
    long = [w for w in words if len(w.text) >= 4]
    return len(long) >= 10 and sum(1 for w in long if w.height > (w.x1 - w.x0)) > 0.5 * len(long)


def _looks_unread(words: list[Word], conf: float) -> bool:
    good = sum(1 for w in words if w.conf >= 60 and _REAL_WORD.search(w.text))
    if good >= 8 and conf >= 80:
        # a short page (a clearance card, a two-line letter) that reads this surely is upright: turned text
        # never comes out as confident real words, so the three other turns need not be tried
        return False
    return good < 25 or conf < 60


def _detect_orientation(gray: Image.Image) -> int:
    try:
        small = gray if gray.width <= 2000 else gray.resize((gray.width // 2, gray.height // 2))
        osd = run_tesseract(small, ["-l", "osd", "--psm", "0", "-c", "min_characters_to_try=10"])
    except pytesseract.TesseractError:
        return 0
    m = re.search(r"Rotate:\s*(\d+)", osd)
    conf = re.search(r"Orientation confidence:\s*([\d.]+)", osd)
    if not m or (conf and float(conf.group(1)) < 0.5):
        return 0
    return int(m.group(1)) % 360


def _estimate_skew(words: list[Word]) -> float:
    """Median slope of word baselines along text lines, in degrees (positive = clockwise)."""
    slopes: list[float] = []
    for line in _raw_rows(words):
        if len(line) < 3:
            continue
        xs = [w.cx for w in line]
        ys = [w.y1 for w in line]
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        var = sum((x - mx) ** 2 for x in xs)
        if var <= 0:
            continue
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var
        if abs(slope) < 0.15:
            slopes.append(slope)
    if len(slopes) < 3:
        return 0.0
    return math.degrees(math.atan(statistics.median(slopes)))


def _raw_rows(words: list[Word]) -> list[list[Word]]:
    """Chain words left to right into rows that may drift (skewed scans)."""
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.x0):
        best = None
        for row in rows:
            last = row[-1]
            gap = w.x0 - last.x1
            h = max(last.height, w.height, 1)
            if -h < gap < 3 * h and abs(w.cy - last.cy) < 0.45 * h:
                best = row
                break
        if best is None:
            rows.append([w])
        else:
            best.append(w)
    return rows


def _rotate_words(words: list[Word], degrees: float, cx: float, cy: float) -> list[Word]:
    a = math.radians(degrees)
    cos, sin = math.cos(a), math.sin(a)
    out = []
    for w in words:
        dx, dy = w.cx - cx, w.cy - cy
        nx, ny = cx + dx * cos - dy * sin, cy + dx * sin + dy * cos
        hw, hh = (w.x1 - w.x0) / 2, (w.y1 - w.y0) / 2
        out.append(Word(w.text, nx - hw, ny - hh, nx + hw, ny + hh, w.conf))
    return out


def assign_lines(words: list[Word]) -> list[Word]:
    """Group words into visual lines: same baseline, no wide gap. Number them in reading order."""
    ordered = sorted(words, key=lambda w: (round(w.cy, 0), w.x0))
    lines: list[list[Word]] = []
    for w in sorted(ordered, key=lambda w: w.x0):
        h = max(w.height, 1.0)
        placed = False
        for line in lines:
            last = line[-1]
            lh = max(last.height, 1.0)
            gap = w.x0 - last.x1
            same_row = abs(w.cy - last.cy) < 0.5 * min(h, lh) + 0.5
            if same_row and -0.5 * lh < gap < 2.2 * max(h, lh):
                line.append(w)
                placed = True
                break
        if not placed:
            lines.append([w])
    lines.sort(key=lambda ln: (round(min(w.y0 for w in ln) / 3), min(w.x0 for w in ln)))
    out: list[Word] = []
    for i, line in enumerate(lines):
        out.extend(Word(w.text, w.x0, w.y0, w.x1, w.y1, w.conf, i) for w in line)
    return out
