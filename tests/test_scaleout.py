"""Scale-out for real on one machine: the ingestion flow with OCR fanned out over a Dask LocalCluster of two
worker processes (prefect-dask's task runner), storing into PostgreSQL, gives exactly what the embedded
default gives (SQLite, pages read on this machine's process pool)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from flows.ingest import ingest_folder, task_runner_from_env
from flows.registry import import_registry
from flows.stages import IngestOptions
from storage import repository as repo
from storage.db import database
from tests.conftest import DEV, INBOX, fresh_postgres_database

SCANS = ["CCF11072026_0098.pdf", "AC11-2026-0181/SCAN0139.PDF", "FAX00722.TIF", "ORG-0036/FAX00557.TIF"]


def snapshot(db_url: str) -> dict[str, Any]:
    """Everything the ingestion stored, without ids and timestamps: documents, segments, fields, page text."""
    out: dict[str, Any] = {}
    with database(db_url).session() as s:
        for d in repo.all_documents(s):
            out[d.relative_path] = {
                "document": (d.sha256, d.status, d.reason, d.media_type, d.page_count, d.size_bytes),
                "segments": [
                    (
                        seg.pages, seg.doc_type, seg.type_confidence, seg.type_evidence, seg.status, seg.reason,
                        seg.org_id, seg.link_method, seg.link_confidence, seg.link_evidence, seg.link_candidates,
                        seg.needs_review,
                        sorted((f.name, repr(f.value), f.page, f.bbox, f.words, f.confidence, f.method)
                               for f in seg.fields),
                    )
                    for seg in sorted(d.segments, key=lambda seg: seg.first_page)
                ],
                "pages": [p.to_dict() for p in repo.cached_pages(s, d.sha256) or []],
                "images": sorted(repo.page_image_paths(s, d.sha256).values()),
            }
    return out


@pytest.fixture()
def watch(tmp_path: Path) -> Path:
    folder = tmp_path / "watch"
    for name in SCANS:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(INBOX / name, folder / name)
    return folder


def test_task_runner_is_chosen_by_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect_dask import DaskTaskRunner

    monkeypatch.delenv("COMPLIANCE_TASK_RUNNER", raising=False)
    assert task_runner_from_env() is None
    monkeypatch.setenv("COMPLIANCE_TASK_RUNNER", "dask://scheduler.example:8786")
    runner = task_runner_from_env()
    assert isinstance(runner, DaskTaskRunner) and runner.address == "tcp://scheduler.example:8786"
    monkeypatch.setenv("COMPLIANCE_TASK_RUNNER", "dask")
    monkeypatch.setenv("COMPLIANCE_DASK_WORKERS", "3")
    runner = task_runner_from_env()
    assert runner.address is None and runner.cluster_kwargs["n_workers"] == 3
    monkeypatch.setenv("COMPLIANCE_TASK_RUNNER", "celery")
    with pytest.raises(ValueError, match="COMPLIANCE_TASK_RUNNER"):
        task_runner_from_env()


def test_dask_cluster_and_postgresql_store_what_the_embedded_default_stores(
    watch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compliance_home: Path
) -> None:
    # the embedded default: SQLite, pages read by this machine's process pool
    monkeypatch.delenv("COMPLIANCE_TASK_RUNNER", raising=False)
    sqlite_url = f"sqlite:///{tmp_path / 'embedded.db'}"
    import_registry(sqlite_url, DEV / "registry.json")
    embedded = ingest_folder(watch, IngestOptions(keep=True), sqlite_url, use_prefect=True)
    assert embedded.new == len(SCANS) and embedded.pages_ocr >= len(SCANS)

    # the scaled-out run: another data folder, PostgreSQL, OCR as Prefect tasks on 2 Dask worker processes
    pg_url, drop = fresh_postgres_database()
    try:
        home = tmp_path / "scaled-home"
        monkeypatch.setenv("COMPLIANCE_HOME", str(home))
        monkeypatch.setenv("COMPLIANCE_TASK_RUNNER", "dask")
        monkeypatch.setenv("COMPLIANCE_DASK_WORKERS", "2")
        import_registry(pg_url, DEV / "registry.json")
        scaled = ingest_folder(watch, IngestOptions(keep=True), pg_url, use_prefect=True)
        assert scaled.new == embedded.new and scaled.pages_ocr == embedded.pages_ocr
        assert scaled.processed == embedded.processed and scaled.documents_found == embedded.documents_found

        got, want = snapshot(pg_url), snapshot(sqlite_url)
        assert sorted(got) == sorted(want) == sorted(SCANS)
        for name in SCANS:
            assert got[name]["document"] == want[name]["document"], name
            assert got[name]["pages"] == want[name]["pages"], name
            assert got[name]["segments"] == want[name]["segments"], name
            assert got[name]["images"] == want[name]["images"], name
            for rel in got[name]["images"]:  # the flow saved the page images the workers sent back
                assert (home / rel).read_bytes() == (compliance_home / rel).read_bytes()
        assert any(seg[1] for doc in got.values() for seg in doc["segments"])  # documents were classified
        assert any(seg[6] for doc in got.values() for seg in doc["segments"])  # and linked

        # the task runs are in Prefect: one page-reading task per file, run on the cluster
        from prefect.client.orchestration import get_client

        async def read_task_names() -> list[str]:
            async with get_client() as client:
                return [t.name for t in await client.read_task_runs()]

        import asyncio

        names = asyncio.run(read_task_names())
        assert sum(n.startswith("read_file_pages") for n in names) >= len(SCANS)
    finally:
        drop()
