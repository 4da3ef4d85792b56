"""`compliance ingest` killed with SIGKILL at random moments, then run again to completion: every file is read
exactly once or is in failed/ beside its reason, nothing leaves the watch folder unread, and nothing of a killed
run (its page readers, Tesseract) is left running."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from flows import stages
from storage import repository as repo
from storage.db import database
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "samples"))

from fuzz_files import sample_seeds

KILLS = 5


def make_inbox(watch: Path, work: Path) -> dict[str, str]:
    """About 70 files from the project's samples: distinct copies of born-digital PDFs (bytes added after their
    end-of-file marker), small pictures of a page, an empty file, a note and a cut-off PDF. Returns name -> hash."""
    seeds = sample_seeds(work)
    out: dict[str, bytes] = {}
    pdfs = [(k, v) for k, v in sorted(seeds.items()) if k.endswith(".pdf")]
    for i in range(64):
        name, data = pdfs[i % len(pdfs)]
        out[f"{'sub/' if i % 5 == 0 else ''}{i:02d} {name}"] = data + f"\n% copy {i}\n".encode()
    for k, v in seeds.items():
        if not k.endswith(".pdf"):
            out[f"photo {k}"] = v
    out["empty.pdf"] = b""
    out["note.txt"] = b"the certificate follows by mail\n"
    out["cut.pdf"] = pdfs[0][1][: len(pdfs[0][1]) // 2]
    for rel, data in out.items():
        (watch / rel).parent.mkdir(parents=True, exist_ok=True)
        (watch / rel).write_bytes(data)
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in out.items()}


def state(db: str, watch: Path) -> str:
    """What a killed run left: documents by status, files still in the folder (for the failure message)."""
    from collections import Counter

    try:
        with database(db).session() as s:
            counts = Counter(d.status for d in repo.all_documents(s))
    except Exception:  # killed before it made its database
        counts = Counter()
    database.cache_clear()
    return f"{dict(counts)}, {in_folder(watch)} files in the folder"


def in_folder(watch: Path) -> int:
    return sum(1 for p in watch.rglob("*") if p.is_file() and "failed" not in p.relative_to(watch).parts)


def processes_with(token: str) -> list[tuple[int, str]]:
    """Processes started by a run (they inherit its environment, where the token is)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if token.encode() not in f.read():
                    continue
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                if f.read().rsplit(")", 1)[-1].split()[0] == "Z":
                    continue  # a zombie: dead, waiting for its parent
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                found.append((int(entry), f.read().replace(b"\0", b" ").decode(errors="replace")[:120]))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find left-over processes")
def test_killed_runs_lose_nothing_and_the_next_run_finishes(tmp_path: Path) -> None:
    home, watch = tmp_path / "home", tmp_path / "watch"
    home.mkdir()
    watch.mkdir()
    expected = make_inbox(watch, tmp_path / "seeds")
    db = f"sqlite:///{home / 'c.db'}"
    seed = int(os.environ.get("COMPLIANCE_KILL_SEED") or random.randrange(10**6))
    rng = random.Random(seed)
    cmd = [sys.executable, "-m", "flows.cli", "ingest", str(watch), "--no-prefect", "--db", db]
    env = {**os.environ, "COMPLIANCE_HOME": str(home), "PYTHONPATH": str(REPO), "OMP_THREAD_LIMIT": "1",
           "COMPLIANCE_INGEST_BATCH_SIZE": "6"}
    orphans: list[tuple[float, list[tuple[int, str]]]] = []
    kills = []
    for _ in range(KILLS):
        token = f"kill-test-{uuid.uuid4().hex}"
        before = in_folder(watch)
        started = time.monotonic()
        p = subprocess.Popen(cmd, env={**env, "COMPLIANCE_KILL_TEST_TOKEN": token}, cwd=REPO,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # a random moment once the run is at work (its first batch settled), so each kill lands mid-run
        while in_folder(watch) == before and p.poll() is None and time.monotonic() - started < 60:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 2.5))
        delay = time.monotonic() - started
        finished = p.poll() is not None
        p.send_signal(signal.SIGKILL)
        p.wait(30)
        kills.append((round(delay, 1), "finished before" if finished else "killed", state(db, watch)))
        deadline = time.monotonic() + 10
        while (left := processes_with(token)) and time.monotonic() < deadline:
            time.sleep(0.2)
        if left:
            orphans.append((delay, left))
            for pid, _ in left:  # ours (they carry our token): stop them so the next run starts clean
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
    why = f"seed {seed}, kills {kills}"
    final = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, timeout=600)
    assert final.returncode == 0, (why, final.stderr.decode(errors="replace")[-3000:])

    with database(db).session() as s:
        docs: dict[str, list] = {}
        for d in repo.all_documents(s):
            docs.setdefault(d.relative_path, []).append((d.status, d.reason, d.sha256, d.stored_path))
    database.cache_clear()
    assert sorted(docs) == sorted(expected), why
    for rel, digest in expected.items():
        assert len(docs[rel]) == 1, (why, rel, docs[rel])  # read exactly once
        status, reason, sha, stored = docs[rel][0]
        still_there = os.path.lexists(watch / rel)
        failed = watch / "failed" / rel
        assert not still_there, (why, rel, status, reason)  # nothing left behind after a whole run
        if status in ("rejected", "unreadable"):
            assert failed.exists(), (why, rel, status, reason)
            note = (failed.parent / stages.reason_file_name(failed.name)).read_text()
            assert f"reason: {reason}" in note and reason
        else:  # deleted from the folder only once read and stored
            assert status in ("processed", "duplicate"), (why, rel, status, reason)
            assert not failed.exists() and sha == digest, (why, rel)
            assert hashlib.sha256((home / stored).read_bytes()).hexdigest() == digest, (why, rel)
    assert docs["empty.pdf"][0][0] == "rejected" and (watch / "failed" / "empty.pdf").exists(), why

    # Left-over processes of killed runs: they must die with the CLI (the page readers' parent-death signal,
    # the `reader` work). When only this fails, the rest above held.
    assert any(k[1] == "killed" for k in kills), why
    assert not orphans, f"ORPHANS of killed runs (page readers / Tesseract left running): {orphans} ({why})"


def test_processes_with_finds_a_child_by_its_token() -> None:
    """The left-over check above can fail: it finds a process that carries the run's token."""
    token = f"kill-test-{uuid.uuid4().hex}"
    child = subprocess.Popen(["sleep", "30"], env={**os.environ, "COMPLIANCE_KILL_TEST_TOKEN": token})
    try:
        time.sleep(0.2)
        assert [pid for pid, _ in processes_with(token)] == [child.pid]
    finally:
        child.kill()
        child.wait()
    assert processes_with(token) == []
