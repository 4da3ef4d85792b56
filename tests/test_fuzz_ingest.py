"""A few hundred damaged, odd and hostile files, made at test time from the project's own samples, through the real
`compliance ingest` (a subprocess, as staff run it): the run ends normally, every file ends in exactly one place
(read and stored, or in failed/ beside its reason), every document has a status and a specific reason, and every
stored original is byte-for-byte the file that was dropped. The longer run of the same generator:
bench/fuzz_ingest.py."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flows import stages
from storage import repository as repo
from storage.db import database
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "samples"))

from fuzz_files import SECRET, Made, make_fuzz_folder, sample_seeds

N_FILES = 200
STATUSES = {"processed", "duplicate", "rejected", "unreadable"}
RAW_EXCEPTION = re.compile(r"(^|[:(—]\s*)[A-Z][A-Za-z]+(Error|Exception|Warning)\b\s*:|Traceback|\(detail:")


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("fuzz")
    home, watch, outside = root / "home", root / "watch", root / "outside"
    home.mkdir()
    made = make_fuzz_folder(watch, outside, sample_seeds(root / "seeds"), n=N_FILES, seed=12)
    env = {**os.environ, "COMPLIANCE_HOME": str(home), "PYTHONPATH": str(REPO), "OMP_THREAD_LIMIT": "1"}
    db = f"sqlite:///{home / 'c.db'}"
    run = subprocess.run([sys.executable, "-m", "flows.cli", "ingest", str(watch), "--no-prefect", "--db", db],
                         env=env, cwd=REPO, capture_output=True, timeout=600)
    with database(db).session() as s:
        docs = {}
        for d in repo.all_documents(s):
            s.expunge(d)
            docs.setdefault(d.relative_path, []).append(d)
    database.cache_clear()
    return {"made": made, "run": run, "docs": docs, "watch": watch, "home": home, "root": root}


def place(watch: Path, m: Made) -> tuple[bool, bool]:
    """(still in the folder, in failed/ beside its reason note)."""
    entry = os.fsdecode(os.path.join(os.fsencode(watch), m.rel))
    failed = Path(os.fsdecode(os.path.join(os.fsencode(watch / "failed"), m.rel)))
    note = failed.parent / stages.reason_file_name(failed.name)
    return os.path.lexists(entry), os.path.lexists(failed) and note.is_file()


def test_the_run_ends_normally(fuzz: dict) -> None:
    run = fuzz["run"]
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-4000:]
    assert b"Traceback" not in run.stderr
    assert len(fuzz["made"]) == N_FILES


def test_every_file_ends_in_exactly_one_place(fuzz: dict) -> None:
    watch = fuzz["watch"]
    for m in fuzz["made"]:
        in_folder, in_failed = place(watch, m)
        docs = fuzz["docs"].get(m.shown, [])
        assert len(docs) == 1, (m, [(d.status, d.reason) for d in docs])  # received once, one status
        doc = docs[0]
        read = not in_folder and not in_failed and doc.status in ("processed", "duplicate")
        assert not in_folder, (m, doc.status, doc.reason)  # a whole run leaves nothing behind
        assert in_failed + read == 1, (m, in_failed, doc.status, doc.reason)
        if in_failed:
            assert doc.status in ("rejected", "unreadable"), (m, doc.status)
            failed = Path(os.fsdecode(os.path.join(os.fsencode(watch / "failed"), m.rel)))
            note = (failed.parent / stages.reason_file_name(failed.name)).read_text(encoding="utf-8")
            assert f"status: {doc.status}" in note and f"reason: {doc.reason}" in note


def test_every_document_has_a_status_and_a_specific_reason(fuzz: dict) -> None:
    root = str(fuzz["root"])
    for rel, docs in fuzz["docs"].items():
        for d in docs:
            assert d.status in STATUSES, (rel, d.status)
            if d.status != "processed":
                assert d.reason and len(d.reason) > 15, (rel, d.status, d.reason)
            assert root not in (d.reason or "") and "/tmp/" not in (d.reason or ""), (rel, d.reason)
    kinds = {m.kind: fuzz["docs"][m.shown][0].reason or "" for m in fuzz["made"] if m.kind != "file"}
    assert "symbolic link" in kinds["symlink"] and "symbolic link" in kinds["dirlink"]
    assert "symbolic link" in kinds["dangling"] and "pipe" in kinds["fifo"]
    assert "hard link" in kinds["hardlink"] and "zero-byte" in kinds["empty"]


def test_reasons_are_plain_words_not_exception_text(fuzz: dict) -> None:
    """Never a library's raw exception ('PdfminerException: …', 'TypeError: …'). The reasons of the page readers
    come from their own plain wording (the `reader` work on read_text)."""
    raw = sorted({(d.status, d.reason) for docs in fuzz["docs"].values() for d in docs
                  if RAW_EXCEPTION.search(d.reason or "")})
    assert not raw, raw[:10]


def test_originals_are_kept_byte_for_byte(fuzz: dict) -> None:
    home = fuzz["home"]
    stored_any = 0
    for m in fuzz["made"]:
        d = fuzz["docs"][m.shown][0]
        if m.kind not in ("file", "empty"):  # links, FIFO, hard link: nothing of them is read or stored
            assert d.stored_path is None and d.sha256 in ("", None), (m, d.stored_path)
            continue
        if d.stored_path:
            stored_any += 1
            data = (home / d.stored_path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == d.sha256 == m.sha256, m
    assert stored_any > N_FILES // 2
    for p in (home / "originals").rglob("*"):
        if p.is_file():
            assert SECRET not in p.read_bytes()
