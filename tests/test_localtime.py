"""Stored times mean the same moment on SQLite and PostgreSQL, and read in the district's time zone with the
offset in the export (scripts) and its abbreviation on pages and in reports (people)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import INBOX


def test_stored_times_read_back_as_the_same_moment_in_local_time(db_url: str, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.export import build_export
    from flows.ingest import run_batches
    from flows.stages import IngestOptions

    monkeypatch.setenv("COMPLIANCE_SWEEP_TIMEZONE", "America/Denver")
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy2(INBOX / "COI.pdf", folder / "COI.pdf")
    before = datetime.now(UTC).replace(microsecond=0)
    run_batches(db_url, folder, [folder / "COI.pdf"], IngestOptions(keep=True), use_prefect_tasks=False)
    data = build_export(db_url, before.date())
    received = datetime.fromisoformat(data["documents"][0]["received_at"])
    assert received.utcoffset() == timedelta(hours=-7) or received.utcoffset() == timedelta(hours=-6)
    assert before - timedelta(seconds=1) <= received <= datetime.now(UTC) + timedelta(seconds=1)
    exported = datetime.fromisoformat(data["exported_at"])
    assert exported.utcoffset() == received.utcoffset()


def test_local_text_says_its_zone() -> None:
    from zoneinfo import ZoneInfo

    from flows.localtime import local_iso, local_text

    moment = datetime(2026, 7, 4, 18, 30, tzinfo=UTC)  # as storage gives it back on SQLite and PostgreSQL
    assert local_text(moment, ZoneInfo("America/Denver")) == "Jul 4, 2026 12:30 PM MDT"
    assert local_iso(moment, ZoneInfo("America/Denver")) == "2026-07-04T12:30:00-06:00"
    assert local_text(moment, ZoneInfo("America/New_York")) == "Jul 4, 2026 2:30 PM EDT"
    with pytest.raises(ValueError):  # a time without its zone is not guessed to be UTC or this machine's
        local_text(datetime(2026, 7, 4, 18, 30), ZoneInfo("America/Denver"))
