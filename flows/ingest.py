"""The ingestion flow: batches of files through the stages, one Prefect task per stage and batch."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import stages
from flows.stages import IngestOptions, IngestSummary

F = TypeVar("F", bound=Callable[..., Any])
BATCH_SIZE = 40


def _as_task(fn: F, retries: int = 0) -> F:
    return task(fn, name=fn.__name__, retries=retries, retry_delay_seconds=2, cache_policy=NO_CACHE)  # type: ignore[return-value]


receive_task = _as_task(stages.receive, retries=2)  # transient file-system errors
read_text_task = _as_task(stages.read_text, retries=1)
understand_task = _as_task(stages.understand, retries=1)
settle_task = _as_task(stages.settle, retries=2)


def run_batches(
    db_url: str | None, folder: Path, files: list[Path], opts: IngestOptions, use_prefect_tasks: bool
) -> IngestSummary:
    """Run the stages over the files, batch by batch. Inside a flow, each stage is a Prefect task."""
    receive, read_text, understand, settle = (
        (receive_task, read_text_task, understand_task, settle_task)
        if use_prefect_tasks
        else (stages.receive, stages.read_text, stages.understand, stages.settle)
    )
    started = time.perf_counter()
    total = IngestSummary(files_seen=len(files))
    for i in range(0, len(files), BATCH_SIZE):
        batch = files[i : i + BATCH_SIZE]
        received = receive(db_url, folder, batch, opts)
        for r in received:
            total.new += r.status != "unchanged"
            if r.status == "unchanged":
                total.unchanged += 1
            elif r.status == "duplicate":
                total.duplicates += 1
            elif r.status == "rejected":
                total.rejected += 1
                total.problems.append((r.relative_path, r.status, r.reason or ""))
        total.add(read_text(db_url, received, opts))
        ids = [r.document_id for r in received if r.status == "received" and r.document_id]
        total.add(understand(db_url, ids))
        settle(db_url, folder, received, opts)
    total.seconds = time.perf_counter() - started
    return total


@flow(name="ingest-folder", log_prints=False)
def ingest_folder_flow(folder: str, keep: bool = True, db_url: str | None = None, path_prefix: str = "") -> dict:
    """Ingest every file under a watch folder once (Prefect flow; runs on an ephemeral server if none)."""
    opts = IngestOptions(keep=keep, path_prefix=path_prefix)
    root = Path(folder)
    summary = run_batches(db_url, root, stages.discover(root), opts, use_prefect_tasks=True)
    return summary.__dict__


def ingest_folder(
    folder: Path, opts: IngestOptions, db_url: str | None = None, use_prefect: bool = True
) -> IngestSummary:
    """Entry point for the CLI and tests: through the Prefect flow, or the same stages directly."""
    if use_prefect:
        result = ingest_folder_flow(str(folder), opts.keep, db_url, opts.path_prefix)
        return IngestSummary(**result)
    return run_batches(db_url, folder, stages.discover(folder), opts, use_prefect_tasks=False)
