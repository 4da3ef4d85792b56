"""The ingestion flow: batches of files through the stages, one Prefect task per stage and batch.

Pages are read on this machine's process pool by default. With COMPLIANCE_TASK_RUNNER=dask (a Dask
LocalCluster) or =dask://HOST:8786 (an existing Dask scheduler), each file's pages are read by a Prefect
task on a prefect-dask DaskTaskRunner instead, so OCR fans out over the cluster's workers; everything
that touches the database stays in the flow.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import stages, temporary_server_settings
from flows.stages import IngestOptions, IngestSummary

F = TypeVar("F", bound=Callable[..., Any])
BATCH_SIZE = 40


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
        fut = read_file_task.submit(r.path.read_bytes(), r.path.suffix.lower(), r.media_type or "")
        futures[fut] = r
    for fut in as_completed(list(futures)):
        r = futures[fut]
        try:
            pages, err = fut.result()
        except Exception as e:  # the task itself failed (worker lost, ...) after its retries
            pages, err = None, f"{type(e).__name__}: {e}"
        stages._progress("page", len(pages or []))
        yield r, pages, err


def run_batches(
    db_url: str | None, folder: Path, files: list[Path], opts: IngestOptions, use_prefect_tasks: bool,
    fan_out: bool = False,
) -> IngestSummary:
    """Run the stages over the files, batch by batch. Inside a flow, each stage is a Prefect task; with
    fan_out, each file's page reading is a task of its own on the flow's task runner (Dask)."""
    receive, read_text, understand, settle = (
        (receive_task, read_text_task, understand_task, settle_task)
        if use_prefect_tasks
        else (stages.receive, stages.read_text, stages.understand, stages.settle)
    )
    if fan_out:
        def read_text(db_url, received, opts):  # type: ignore[no-untyped-def]
            return stages.read_text(db_url, received, opts, reader=task_reader)
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
        if any(r.status == "received" for r in received):  # a batch of files seen before costs no more tasks
            total.add(read_text(db_url, received, opts))
            ids = [r.document_id for r in received if r.status == "received" and r.document_id]
            if ids:
                total.add(understand(db_url, ids, opts.workers))
        if not opts.keep:
            settle(db_url, folder, received, opts)
    total.seconds = time.perf_counter() - started
    return total


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
