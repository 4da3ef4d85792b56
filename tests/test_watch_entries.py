"""What may be in a watch folder besides documents, through the real `compliance ingest`: links (to a secret file,
to /etc/passwd, to a folder), a FIFO, a hard link, a device, empty files, names that are not UTF-8, names near the
length limit, a 20 GB sparse file; and a run stopped part-way, finished by the next one."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows import stages
from flows.cli import app
from flows.stages import IngestOptions
from storage import repository as repo
from storage.db import database
from tests.conftest import INBOX, REPO

SECRET = b"-----BEGIN KEY-----\nsession-signing-secret-0123456789abcdef\n-----END KEY-----\n"
BAD_NAME = os.fsdecode(b"scan \xe9t\xe9 \xff.pdf")  # Latin-1 bytes from an old scanner: not UTF-8
LONG_NAME = "Certificate of insurance " + "x" * 221 + ".pdf"  # 250 bytes: fits, its '.reason.txt' would not


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def documents(db_url: str) -> dict[str, repo.DocumentRow]:
    with database(db_url).session() as s:
        out = {}
        for d in repo.all_documents(s):
            s.expunge(d)
            out[d.relative_path] = d
        return out


def stored_contents(home: Path) -> list[bytes]:
    return [p.read_bytes() for p in (home / "originals").rglob("*") if p.is_file()]


@pytest.fixture(scope="module")
def odd_folder(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One `compliance ingest` (a subprocess, as staff run it) over a folder of odd and hostile entries."""
    root = tmp_path_factory.mktemp("odd")
    home, watch, outside = root / "home", root / "watch", root / "outside"
    for d in (home, watch / "sub", outside / "shared"):
        d.mkdir(parents=True)
    (outside / "web_secret.key").write_bytes(SECRET)
    shutil.copy2(INBOX / "COI.pdf", outside / "shared" / "in the linked folder.pdf")
    shutil.copy2(INBOX / "501c3.pdf", outside / "hard.pdf")
    (watch / "scan key.pdf").symlink_to(outside / "web_secret.key")
    (watch / "passwd.pdf").symlink_to("/etc/passwd")
    (watch / "shared").symlink_to(outside / "shared", target_is_directory=True)
    (watch / "gone.pdf").symlink_to(outside / "no such file.pdf")
    os.mkfifo(watch / "scanner.pdf")
    os.link(outside / "hard.pdf", watch / "hard link.pdf")
    try:
        os.mknod(watch / "device.pdf", 0o600 | 0o020000, os.makedev(1, 3))  # like /dev/null
        device = True
    except (PermissionError, OSError):
        device = False
    (watch / "empty.pdf").write_bytes(b"")
    (watch / "sub" / "empty.pdf").write_bytes(b"")
    shutil.copy2(INBOX / "COI.pdf", watch / BAD_NAME)
    (watch / LONG_NAME).write_bytes(b"not a document, just a long name\n")
    with (watch / "huge.pdf").open("wb") as f:  # sparse: 20 GB long, nothing on disk
        f.truncate(20 * 1024**3)
    env = {**os.environ, "COMPLIANCE_HOME": str(home), "PYTHONPATH": str(REPO), "OMP_THREAD_LIMIT": "1"}
    db = f"sqlite:///{home / 'c.db'}"
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "flows.cli", "ingest", str(watch), "--no-prefect", "--db", db],
                         env=env, cwd=REPO, capture_output=True, timeout=300)
    return {"run": run, "seconds": time.monotonic() - started, "watch": watch, "home": home, "db": db,
            "outside": outside, "device": device, "env": env}


def test_the_run_goes_through_them_all(odd_folder: dict) -> None:
    run = odd_folder["run"]
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-3000:]
    out = run.stdout.decode()
    assert "scan key.pdf" in out and "symbolic link" in out
    assert odd_folder["seconds"] < 120  # the FIFO never blocked, the 20 GB file was not read through


def test_a_link_to_a_secret_file_is_not_ingested(odd_folder: dict) -> None:
    """A link named like a scan, pointing at the desk's signing key: its target is never read nor stored."""
    docs = documents(odd_folder["db"])
    link = docs["scan key.pdf"]
    assert link.status == "rejected" and "symbolic link" in (link.reason or "")
    assert link.stored_path is None and link.sha256 != sha(SECRET)
    for content in stored_contents(odd_folder["home"]):
        assert SECRET not in content and b"root:" not in content
    assert docs["passwd.pdf"].status == "rejected" and docs["passwd.pdf"].stored_path is None
    with database(odd_folder["db"]).session() as s:
        assert repo.cached_pages(s, sha(SECRET)) is None
    # the links moved to failed/ as links (beside their reason), their targets untouched
    failed = odd_folder["watch"] / "failed"
    for name in ("scan key.pdf", "passwd.pdf", "gone.pdf", "shared"):
        assert (failed / name).is_symlink(), name
        assert "symbolic link" in (failed / f"{name}.reason.txt").read_text()
    assert (odd_folder["outside"] / "web_secret.key").read_bytes() == SECRET
    assert (odd_folder["outside"] / "shared" / "in the linked folder.pdf").is_file()


def test_a_linked_folder_is_not_walked_into(odd_folder: dict) -> None:
    docs = documents(odd_folder["db"])
    assert not any("in the linked folder" in rel for rel in docs)
    assert docs["shared"].status == "rejected"


def test_fifo_hard_link_and_device_are_refused_with_reasons(odd_folder: dict) -> None:
    docs = documents(odd_folder["db"])
    failed = odd_folder["watch"] / "failed"
    expected = {"scanner.pdf": "pipe", "hard link.pdf": "hard link"}
    if odd_folder["device"]:
        expected["device.pdf"] = "device"
    for name, words in expected.items():
        assert docs[name].status == "rejected" and words in docs[name].reason, (name, docs[name].reason)
        assert docs[name].stored_path is None
        assert os.path.lexists(failed / name) and words in (failed / f"{name}.reason.txt").read_text()
    assert (odd_folder["outside"] / "hard.pdf").read_bytes() == (INBOX / "501c3.pdf").read_bytes()


def test_empty_files_land_in_failed_with_their_reason(odd_folder: dict) -> None:
    failed = odd_folder["watch"] / "failed"
    for rel in ("empty.pdf", "sub/empty.pdf"):
        assert (failed / rel).is_file() and (failed / rel).stat().st_size == 0
        assert "zero-byte" in (failed / f"{rel}.reason.txt").read_text()
        assert documents(odd_folder["db"])[rel].status == "rejected"


def test_a_name_that_is_not_utf8_is_read_and_shown(odd_folder: dict) -> None:
    shown = stages.readable(BAD_NAME)
    assert "\ufffd" in shown
    doc = documents(odd_folder["db"])[shown]
    assert doc.status == "duplicate" or doc.status == "processed"
    assert not os.path.lexists(odd_folder["watch"] / BAD_NAME)  # read, so it left the folder
    status = subprocess.run([sys.executable, "-m", "flows.cli", "status", "--db", odd_folder["db"]],
                            env=odd_folder["env"], cwd=REPO, capture_output=True, timeout=120)
    assert status.returncode == 0, status.stderr.decode(errors="replace")[-2000:]


def test_a_long_name_keeps_its_reason_file(odd_folder: dict) -> None:
    failed = odd_folder["watch"] / "failed"
    assert (failed / LONG_NAME).is_file()
    note = failed / stages.reason_file_name(LONG_NAME)
    assert len(os.fsencode(note.name)) <= 255 and note.name.endswith(".reason.txt")
    assert note.name != f"{LONG_NAME}.reason.txt"
    assert "not a PDF" in note.read_text() and LONG_NAME in note.read_text()


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    """The size is checked before hashing: a 20 GB (sparse) file is refused in well under a second."""
    watch = tmp_path / "w"
    watch.mkdir()
    with (watch / "huge.pdf").open("wb") as f:
        f.truncate(20 * 1024**3)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    started = time.monotonic()
    [r] = stages.receive(db, watch, stages.discover(watch), IngestOptions(keep=False))
    assert time.monotonic() - started < 2
    assert r.status == "rejected" and "too large" in (r.reason or "") and "COMPLIANCE_MAX_FILE_MB" in r.reason


def test_opening_never_follows_a_link_on_the_way(tmp_path: Path) -> None:
    """Checked by lstat, opened with O_NOFOLLOW at every step: a link swapped in after the check is caught."""
    watch, outside = tmp_path / "w", tmp_path / "outside"
    watch.mkdir()
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(SECRET)
    (watch / "a.pdf").symlink_to(outside / "secret.pdf")
    (watch / "sub").symlink_to(outside, target_is_directory=True)
    for path in (watch / "a.pdf", watch / "sub" / "secret.pdf"):
        with pytest.raises(OSError):
            os.close(stages.open_in_folder(watch, path))


def test_a_stopped_run_is_finished_by_the_next_and_nothing_leaves_unread(tmp_path: Path) -> None:
    """As if `compliance ingest` was killed after receiving (one file's pages read, not understood): the
    watch folder is settled without deleting unread files, `status` lists them, and the next run reads them."""
    watch = tmp_path / "w"
    watch.mkdir()
    names = ["COI.pdf", "501c3.pdf", "COI_Sunport_Youth_Lacrosse_League.pdf"]
    for name in names:
        shutil.copy2(INBOX / name, watch / name)
    (watch / "empty.pdf").write_bytes(b"")
    db = f"sqlite:///{tmp_path / 'c.db'}"
    opts = IngestOptions(keep=False, workers=1)
    received = stages.receive(db, watch, stages.discover(watch), opts)
    assert sorted(r.status for r in received) == ["received"] * 3 + ["rejected"]
    stages.read_text(db, [r for r in received if r.relative_path == "501c3.pdf"], opts)  # pages, no documents
    stages.settle(db, watch, received, opts)  # a settle at that point must not delete the unread files
    assert sorted(p.name for p in watch.iterdir()) == sorted([*names, "failed"])
    assert (watch / "failed" / "empty.pdf").exists() and (watch / "failed" / "empty.pdf.reason.txt").exists()

    runner = CliRunner()
    status = runner.invoke(app, ["status", "--db", db])
    assert status.exit_code == 0 and "stuck part-way" in status.output
    assert status.output.count("Not finished: ") == 3 and "documents" in status.output

    result = runner.invoke(app, ["ingest", str(watch), "--no-prefect", "--db", db])
    assert result.exit_code == 0, result.output
    assert "finished from an interrupted run" in result.output
    docs = documents(db)
    assert sorted(docs) == sorted([*names, "empty.pdf"])  # one document per file: read once
    for name in names:
        assert docs[name].status == "processed", (name, docs[name].status, docs[name].reason)
    assert sorted(p.name for p in watch.iterdir()) == ["failed"]
    assert "stuck part-way" not in runner.invoke(app, ["status", "--db", db]).output


def test_reprocess_finishes_documents_whose_files_already_left(tmp_path: Path, compliance_home: Path) -> None:
    """A document left 'received' whose file is gone from the folder (an older version deleted it unread) is
    read from its stored original by `compliance reprocess`."""
    watch = tmp_path / "w"
    watch.mkdir()
    shutil.copy2(INBOX / "COI.pdf", watch / "COI.pdf")
    db = f"sqlite:///{tmp_path / 'c.db'}"
    stages.receive(db, watch, stages.discover(watch), IngestOptions(keep=False))
    (watch / "COI.pdf").unlink()
    result = CliRunner().invoke(app, ["reprocess", "--db", db])
    assert result.exit_code == 0 and "Finished 1 files" in result.output, result.output
    assert documents(db)["COI.pdf"].status == "processed"


@pytest.mark.parametrize("target", ["secret", "/etc/passwd"])
def test_a_link_in_the_watch_folder_is_never_read_through(tmp_path: Path, compliance_home: Path, target: str) -> None:
    """Only links beside an ordinary document: on the code before this check the link's target was stored as an
    original (and the desk served it from /documents/{id}/original)."""
    watch = tmp_path / "w"
    watch.mkdir()
    secret = tmp_path / "web_secret.key"
    secret.write_bytes(SECRET)
    (watch / "scan key.pdf").symlink_to(secret if target == "secret" else Path(target))
    shutil.copy2(INBOX / "COI.pdf", watch / "COI.pdf")
    db = f"sqlite:///{tmp_path / 'c.db'}"
    result = CliRunner().invoke(app, ["ingest", str(watch), "--no-prefect", "--db", db])
    assert result.exit_code == 0, result.output
    target_bytes = SECRET if target == "secret" else Path(target).read_bytes()
    for content in stored_contents(compliance_home):
        assert content != target_bytes and SECRET not in content
    link = documents(db)["scan key.pdf"]
    assert link.status == "rejected" and link.stored_path is None and "symbolic link" in (link.reason or "")
    assert (watch / "failed" / "scan key.pdf").is_symlink() and secret.read_bytes() == SECRET


def test_odd_names_and_a_stopped_run_on_each_database(db_url: str, tmp_path: Path) -> None:
    """SQLite and PostgreSQL alike: names that are not UTF-8 or hold a line break are stored readable, and a
    run stopped after receiving is finished by the next."""
    watch = tmp_path / "w"
    watch.mkdir()
    shutil.copy2(INBOX / "COI.pdf", watch / BAD_NAME)
    (watch / "two\nlines.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00" * 300)  # a NUL in a library's complaint too
    received = stages.receive(db_url, watch, stages.discover(watch), IngestOptions(keep=False))
    assert sorted(r.status for r in received) == ["received", "rejected"]
    result = CliRunner().invoke(app, ["ingest", str(watch), "--no-prefect", "--db", db_url])
    assert result.exit_code == 0, result.output
    docs = documents(db_url)
    assert docs[stages.readable(BAD_NAME)].status == "processed"
    odd = docs["two\ufffdlines.pdf"]
    assert odd.status == "rejected" and odd.reason and "\x00" not in odd.reason
    assert (watch / "failed" / "two\nlines.pdf").is_file()
    assert "two\ufffdlines.pdf" in (watch / "failed" / "two\nlines.pdf.reason.txt").read_text()
    assert sorted(p.name for p in watch.iterdir()) == ["failed"]


def test_the_service_refuses_links_and_odd_names_through_the_same_driver(tmp_path: Path, compliance_home: Path) -> None:
    """The watch service's pass (claims around the one batch driver): a link is refused and moved as a link, a
    name that is not UTF-8 is claimed and read, and each claim is finished."""
    from flows.service_settings import ServiceSettings, WatchSettings
    from flows.watch import Watcher
    from storage import service_repo as srepo

    watch, outside = tmp_path / "w", tmp_path / "outside"
    watch.mkdir()
    outside.mkdir()
    (outside / "web_secret.key").write_bytes(SECRET)
    (watch / "scan key.pdf").symlink_to(outside / "web_secret.key")
    shutil.copy2(INBOX / "COI.pdf", watch / BAD_NAME)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    settings = ServiceSettings(compliance_home, watch=WatchSettings(stable_seconds=0, recheck=False))
    watcher = Watcher(watch, db, settings, use_prefect=False)
    watcher.stable_files()  # first sight: a file is read once it has been seen unchanged
    assert watcher.scan_and_process() == 2
    docs = documents(db)
    assert docs["scan key.pdf"].status == "rejected" and docs["scan key.pdf"].stored_path is None
    assert docs[stages.readable(BAD_NAME)].status == "processed"
    assert (watch / "failed" / "scan key.pdf").is_symlink() and sorted(p.name for p in watch.iterdir()) == ["failed"]
    for content in stored_contents(compliance_home):
        assert SECRET not in content
    with database(db).session() as s:
        assert srepo.claim_counts(s) == {"done": 1, "failed": 1}
