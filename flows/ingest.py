"""The ingestion flow: batches of files through the stages, one Prefect task per stage and batch.

Pages are read on this machine's process pool by default. With COMPLIANCE_TASK_RUNNER=dask (a Dask
LocalCluster) or =dask://HOST:8786 (an existing Dask scheduler), each file's pages are read by a Prefect
task on a prefect-dask DaskTaskRunner instead, so OCR fans out over the cluster's workers; everything
that touches the database stays in the flow.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from extractors.reasons import plain_reason
from flows import stages, temporary_server_settings
from flows.stages import IngestOptions, IngestSummary

F = TypeVar("F", bound=Callable[..., Any])
BATCH_SIZE = 40  # files per batch; COMPLIANCE_INGEST_BATCH_SIZE changes it
log = logging.getLogger("compliance.ingest")


def _as_task(fn: F, retries: int = 0) -> F:
    return task(fn, name=fn.__name__, retries=retries, retry_delay_seconds=2, cache_policy=NO_CACHE)  # type: ignore[return-value]


receive_task = _as_task(stages.receive, retries=2)  # transient file-system errors
read_text_task = _as_task(stages.read_text, retries=1)
understand_task = _as_task(stages.understand, retries=1)
settle_task = _as_task(stages.settle, retries=2)
read_file_task = _as_task(stages.read_file_pages, retries=1)


def task_runner_from_env() -> Any | None:
    """The Prefect task runner chosen by COMPLIANCE_TASK_RUNNER, or None for the default (this machine).

    - unset, "" or "local": pages are read by a pool of processes on this machine;
    - "dask": a Dask LocalCluster of COMPLIANCE_DASK_WORKERS worker processes (default: one per core);
    - "dask://HOST:PORT" or "tcp://HOST:PORT": the Dask scheduler of an existing cluster."""
    spec = os.environ.get("COMPLIANCE_TASK_RUNNER", "").strip()
    if spec in ("", "local", "default"):
        return None
    if not spec.startswith(("dask", "tcp://", "tls://")):
        raise ValueError(f"COMPLIANCE_TASK_RUNNER={spec!r}: use 'local', 'dask' or 'dask://HOST:PORT'")
    from prefect_dask import DaskTaskRunner

    if spec == "dask":
        workers = int(os.environ.get("COMPLIANCE_DASK_WORKERS") or os.cpu_count() or 1)
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                            "dashboard_address": None}
        )
    address = spec.replace("dask://", "tcp://", 1)
    return DaskTaskRunner(address=address)


def task_reader(todo: list[stages.Received]) -> Iterator[tuple[stages.Received, list[Any] | None, str | None]]:
    """Read each file's pages as a Prefect task on the flow's task runner (a Dask cluster). The task gets
    the file's bytes, so workers on other machines need no shared folder."""
    from prefect.futures import as_completed

    futures = {}
    for r in todo:
        fut = read_file_task.submit(r.path.read_bytes(), r.path.suffix.lower(), r.media_type or "")  # stored copy
        futures[fut] = r
    for fut in as_completed(list(futures)):
        r = futures[fut]
        try:
            pages, err = fut.result()
        except Exception as e:  # the task itself failed (worker lost, ...) after its retries
            pages, err = None, plain_reason(e)
        stages._progress("page", len(pages or []))
        yield r, pages, err


@dataclass(frozen=True)
class Steps:
    """The stage functions a batch runs through: plain functions, or the same wrapped as Prefect tasks."""

    receive: Callable[..., list[stages.Received]]
    read_text: Callable[..., IngestSummary]
    understand: Callable[..., IngestSummary]
    settle: Callable[..., list[tuple[str, str, str]]]


def steps(use_prefect_tasks: bool, fan_out: bool = False) -> Steps:
    """Inside a flow, each stage is a Prefect task; with fan_out, each file's page reading is a task of its
    own on the flow's task runner (Dask)."""
    if not use_prefect_tasks:
        return Steps(stages.receive, stages.read_text, stages.understand, stages.settle)
    read_text: Callable[..., IngestSummary] = read_text_task
    if fan_out:
        def read_text(db_url, received, opts):  # type: ignore[no-untyped-def]
            return stages.read_text(db_url, received, opts, reader=task_reader)
    return Steps(receive_task, read_text, understand_task, settle_task)


BeforeSettle = Callable[[list[stages.Received], IngestSummary], None]


def run_batch(
    db_url: str | None, folder: Path, files: list[Path], opts: IngestOptions, how: Steps,
    before_settle: BeforeSettle | None = None,
) -> tuple[list[stages.Received], IngestSummary]:
    """One batch of watch-folder files through the stages: the one driver of `compliance ingest`, `run`, the
    Prefect flows and the service (which re-checks requests and finishes its claims in before_settle).

    Receive picks up where an interrupted run stopped (a document left 'received' is read, or only
    understood when its pages are stored); settle moves a file only once its outcome is committed."""
    summary = IngestSummary()
    received = how.receive(db_url, folder, files, opts)
    for r in received:
        if r.resumed:
            summary.resumed += 1
        elif r.status == "unchanged":
            summary.unchanged += 1
        elif r.status in ("left", "gone"):
            summary.left += r.status == "left"
            summary.problems.append((r.relative_path, "left in the folder", r.reason or ""))
        else:
            summary.new += 1
            if r.status == "duplicate":
                summary.duplicates += 1
            elif r.status == "rejected":
                summary.rejected += 1
                summary.problems.append((r.relative_path, r.status, r.reason or ""))
    if any(r.status == "received" for r in received):  # a batch of files seen before costs no more tasks
        summary.add(how.read_text(db_url, received, opts))
        ids = [r.document_id for r in received if r.status == "received" and r.document_id]
        if ids:
            summary.add(how.understand(db_url, ids, opts.workers))
    if before_settle is not None:
        before_settle(received, summary)
    for note in how.settle(db_url, folder, received, opts) or []:
        if note not in summary.problems:
            summary.problems.append(note)
    return received, summary


def run_batches(
    db_url: str | None, folder: Path, files: list[Path], opts: IngestOptions, use_prefect_tasks: bool,
    fan_out: bool = False,
) -> IngestSummary:
    """Run the files through run_batch, batch by batch. A batch that fails as a whole (the database went
    away, a bug) is run again file by file, so one file cannot hold up the others; a file that fails on its
    own stays in the folder, reported, and is tried again on the next run."""
    how = steps(use_prefect_tasks, fan_out)
    started = time.perf_counter()
    total = IngestSummary(files_seen=len(files))
    size = max(1, int(os.environ.get("COMPLIANCE_INGEST_BATCH_SIZE") or BATCH_SIZE))
    for i in range(0, len(files), size):
        _run_safely(db_url, folder, files[i : i + size], opts, how, total)
    total.seconds = time.perf_counter() - started
    return total


def _run_safely(
    db_url: str | None, folder: Path, batch: list[Path], opts: IngestOptions, how: Steps, total: IngestSummary
) -> None:
    try:
        total.add(run_batch(db_url, folder, batch, opts, how)[1])
        return
    except Exception as e:
        log.warning("a batch of %d files failed (%s); running its files one by one", len(batch), e)
        error = e
    if len(batch) > 1:
        for one in batch:
            _run_safely(db_url, folder, [one], opts, how, total)
        return
    rel = stages.relative_name(folder, batch[0], opts.path_prefix)
    total.left += 1
    why = plain_reason(error, of_bytes=False)
    total.problems.append((rel, "left in the folder", f"it could not be processed this time ({why});"
                           " it stays in the folder and is tried again on the next run"))


@flow(name="ingest-folder", log_prints=False)
def ingest_folder_flow(
    folder: str, keep: bool = True, db_url: str | None = None, path_prefix: str = "", fan_out: bool = False
) -> dict:
    """Ingest every file under a watch folder once (Prefect flow; runs on an ephemeral server if none)."""
    opts = IngestOptions(keep=keep, path_prefix=path_prefix)
    root = Path(folder)
    summary = run_batches(db_url, root, stages.discover(root), opts, use_prefect_tasks=True, fan_out=fan_out)
    return summary.__dict__


def ingest_folder(
    folder: Path, opts: IngestOptions, db_url: str | None = None, use_prefect: bool = True
) -> IngestSummary:
    """Entry point for the CLI and tests: through the Prefect flow, or the same stages directly."""
    if use_prefect:
        runner = task_runner_from_env()
        flow_fn = ingest_folder_flow if runner is None else ingest_folder_flow.with_options(task_runner=runner)
        with temporary_server_settings():
            result = flow_fn(str(folder), opts.keep, db_url, opts.path_prefix, fan_out=runner is not None)
        return IngestSummary(**result)
    return run_batches(db_url, folder, stages.discover(folder), opts, use_prefect_tasks=False)
