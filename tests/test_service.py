"""The real service in subprocesses: slow copies read once whole, SIGKILL mid-batch and restart, two services on
one folder, and the nightly sweep's cron schedule registered in Prefect (and left active when the service stops).

Most services here use one Prefect server started for this module (the 'district's server' set-up, through
PREFECT_API_URL); one test lets `compliance serve` start and supervise its own local server, the default.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from flows.registry import import_registry
from flows.service import LocalServer, start_local_server
from storage import repository as repo
from storage.db import database
from tests.conftest import DEV, INBOX, REPO

FILES = ["COI.pdf", "COI_Sunport_Youth_Lacrosse_League.pdf", "501c3.pdf", "Document (5).pdf",
         "COI_Eisenhower_Middle_Parent_Teacher_Organization.pdf", "determination letter.pdf", "notes.txt"]


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """A Prefect server on SQLite for the module, like a district's own server."""
    home = tmp_path_factory.mktemp("prefect-server")
    old = os.environ.get("PREFECT_HOME")
    os.environ["PREFECT_HOME"] = str(home)
    try:
        server = start_local_server(port=None)
    finally:
        if old is not None:
            os.environ["PREFECT_HOME"] = old
    yield server
    server.stop()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Service:
    """`compliance serve` in a subprocess with its own environment."""

    def __init__(self, home: Path, env: dict[str, str], name: str) -> None:
        self.log = home / f"{name}.log"
        # `python -m flows.cli` from the repository: the same command as the installed `compliance` script
        self.process = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", "-v"], env=env, cwd=REPO,
                                        stdout=self.log.open("ab"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_watching(self, timeout: float = 90) -> None:
        wait_for(lambda: "watching" in self.output(), timeout, lambda: self.output())

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait(10)


def wait_for(cond: Callable[[], object], timeout: float, why: Callable[[], str] = lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s\n{why()[-4000:]}")


def registry_as_of_today(folder: Path) -> Path:
    """The dev registry with every request date moved by as many days as today is past the corpus's as-of
    date: the service checks as of the real today, and the corpus's requests must still lie ahead of it."""
    corpus_as_of = date.fromisoformat(json.loads((DEV / "truth" / "documents.json").read_text())["as_of"])
    shift = timedelta(days=max(0, (date.today() - corpus_as_of).days))
    moved = lambda d: (date.fromisoformat(d) + shift).isoformat()  # noqa: E731
    registry = json.loads((DEV / "registry.json").read_text())
    for req in registry["requests"]:
        req["use_dates"] = [moved(d) for d in req["use_dates"]]
        req["kitchen_dates"] = [moved(d) for d in req.get("kitchen_dates") or []]
        if req.get("submitted_on"):
            req["submitted_on"] = moved(req["submitted_on"])
    path = folder / "registry.json"
    path.write_text(json.dumps(registry))
    return path


@pytest.fixture()
def service_home(compliance_home: Path, tmp_path: Path) -> dict:
    db_url = f"sqlite:///{compliance_home / 'compliance.db'}"
    import_registry(db_url, registry_as_of_today(tmp_path))
    watch = compliance_home / "watch"
    watch.mkdir()
    env = {**os.environ, "COMPLIANCE_HOME": str(compliance_home), "COMPLIANCE_WATCH_STABLE_SECONDS": "1.5",
           "COMPLIANCE_WATCH_POLL_SECONDS": "0.3", "COMPLIANCE_WATCH_BATCH_SIZE": "2",
           "COMPLIANCE_WATCH_CLAIM_TIMEOUT_SECONDS": "60", "COMPLIANCE_NOTICES_DRY_RUN": "true"}
    yield {"db": db_url, "watch": watch, "env": env, "home": compliance_home}
    database.cache_clear()


def documents(db_url: str) -> dict[str, list[tuple[str, str]]]:
    with database(db_url).session() as s:
        out: dict[str, list[tuple[str, str]]] = {}
        for d in repo.all_documents(s):
            out.setdefault(d.relative_path, []).append((d.status, d.sha256))
        return out


def claims(db_url: str) -> list[tuple[str, str]]:
    with database(db_url).session() as s:
        from sqlalchemy import select

        from storage.models import FileClaimRow

        return [(c.path, c.status) for c in s.scalars(select(FileClaimRow).order_by(FileClaimRow.id))]


def all_settled(watch: Path, n: int, db_url: str) -> bool:
    left = [p for p in watch.iterdir() if p.name != "failed"]
    finished = [c for c in claims(db_url) if c[1] in ("done", "failed")]
    return not left and len(finished) >= n


def assert_each_once(db_url: str, watch: Path, names: list[str]) -> None:
    docs = documents(db_url)
    assert sorted(docs) == sorted(names)
    for name in names:
        assert len(docs[name]) == 1, (name, docs[name])  # read exactly once
        assert docs[name][0] == ("rejected" if name == "notes.txt" else "processed", sha(INBOX / name))
    cl = claims(db_url)
    assert sorted(p for p, _ in cl) == sorted(names) and len(cl) == len(names)  # one claim per file
    assert (watch / "failed" / "notes.txt").exists() and (watch / "failed" / "notes.txt.reason.txt").exists()
    assert sorted(p.name for p in watch.iterdir()) == ["failed"]


def test_slow_copy_is_read_once_whole(service_home: dict, prefect_server: LocalServer) -> None:
    env = {**service_home["env"], "PREFECT_API_URL": prefect_server.api_url}
    svc = Service(service_home["home"], env, "slow")
    try:
        svc.wait_watching()
        data = (INBOX / "COI.pdf").read_bytes()
        dest = service_home["watch"] / "COI.pdf"
        with dest.open("wb") as f:  # like a scanner writing over a slow share: 10 pieces over ~3 s
            step = len(data) // 10 + 1
            for i in range(0, len(data), step):
                f.write(data[i : i + step])
                f.flush()
                time.sleep(0.3)
        wait_for(lambda: all_settled(service_home["watch"], 1, service_home["db"]), 60, svc.output)
    finally:
        assert svc.stop() in (0, -signal.SIGTERM, 130, 143)
    docs = documents(service_home["db"])
    assert docs == {"COI.pdf": [("processed", sha(INBOX / "COI.pdf"))]}
    assert claims(service_home["db"]) == [("COI.pdf", "done")]
    with database(service_home["db"]).session() as s:
        doc = repo.all_documents(s)[0]
        assert [seg.doc_type for seg in doc.segments] == ["coi"] and doc.segments[0].org_id
        stored = service_home["home"] / doc.stored_path
        assert sha(stored) == sha(INBOX / "COI.pdf")  # the whole file, byte for byte
        # its organization's requests were re-checked at once
        assert any(r.checked_at is not None for r in repo.request_rows(s) if r.org_id == doc.segments[0].org_id)


def test_sigkill_mid_batch_and_restart_processes_every_file_once(service_home: dict,
                                                                  prefect_server: LocalServer) -> None:
    watch, db = service_home["watch"], service_home["db"]
    for name in FILES:  # files that arrived while the service was down are processed at start
        shutil.copy2(INBOX / name, watch / name)
    env = {**service_home["env"], "PREFECT_API_URL": prefect_server.api_url}
    first = Service(service_home["home"], env, "first")
    wait_for(lambda: any(st == "claimed" for _, st in claims(db)), 90, first.output)
    first.kill()  # mid-batch: at least one claim is held, not finished
    held = [c for c in claims(db) if c[1] == "claimed"]
    assert held, "the kill came too late to be mid-batch"
    second = Service(service_home["home"], env, "second")
    try:
        wait_for(lambda: all_settled(watch, len(FILES), db), 120, second.output)
    finally:
        second.stop()
    assert_each_once(db, watch, FILES)


def test_two_services_on_one_folder_process_each_file_once(service_home: dict, prefect_server: LocalServer) -> None:
    watch, db = service_home["watch"], service_home["db"]
    env = {**service_home["env"], "PREFECT_API_URL": prefect_server.api_url, "COMPLIANCE_WATCH_BATCH_SIZE": "1"}
    a = Service(service_home["home"], env, "a")
    b = Service(service_home["home"], env, "b")
    try:
        a.wait_watching()
        b.wait_watching()
        for name in FILES:
            shutil.copy2(INBOX / name, watch / name)
        wait_for(lambda: all_settled(watch, len(FILES), db), 120, lambda: a.output() + b.output())
    finally:
        a.stop()
        b.stop()
    assert_each_once(db, watch, FILES)
    # stopping the services did not pause the nightly schedule
    deployment = read_deployment(prefect_server.api_url)
    assert not deployment.paused and all(s.active for s in deployment.schedules)


def processes_marked(marker: str) -> list[int]:
    """Processes (of any parent) whose environment holds the marker: the service's and all its children's."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and int(d.name) != os.getpid():
            try:
                if marker.encode() in (d / "environ").read_bytes():
                    out.append(int(d.name))
            except OSError:
                continue
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux's")
def test_sigkill_of_the_service_leaves_nothing_behind(service_home: dict, tmp_path: Path) -> None:
    """kill -9 of `compliance serve` mid-batch takes its own Prefect server and its page readers with it: nothing
    holds the port or both cores afterwards."""
    marker = f"COMPLIANCE_TEST_MARK={os.getpid()}-{time.monotonic_ns()}"
    env = {**service_home["env"], "PREFECT_HOME": str(tmp_path / "prefect"), "COMPLIANCE_PREFECT_PORT": "0",
           marker.split("=")[0]: marker.split("=")[1]}
    env.pop("PREFECT_API_URL", None)
    for name in FILES:
        shutil.copy2(INBOX / name, service_home["watch"] / name)
    svc = Service(service_home["home"], env, "killed")
    state = tmp_path / "prefect" / "compliance-server.json"
    wait_for(lambda: state.exists() and any(st == "claimed" for _, st in claims(service_home["db"])), 150,
             svc.output)
    server_pid = json.loads(state.read_text())["pid"]
    assert server_pid in processes_marked(marker)
    svc.kill()
    wait_for(lambda: not processes_marked(marker), 20, lambda: f"left running: {processes_marked(marker)}")


def read_deployment(api_url: str, name: str = "nightly-sweep/nightly-sweep"):  # type: ignore[no-untyped-def]
    """The deployment as the Prefect server has it (raises when it is not registered yet)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    async def read():  # type: ignore[no-untyped-def]
        async with get_client() as client:
            return await client.read_deployment_by_name(name)

    with temporary_settings({PREFECT_API_URL: api_url}):
        return asyncio.run(read())


def test_embedded_server_and_cron_schedule(service_home: dict, tmp_path: Path) -> None:
    """On the embedded default the service starts its own Prefect server (the scheduler does not run on
    Prefect's temporary server) and registers the nightly sweep with the configured cron and time zone."""
    env = {**service_home["env"], "PREFECT_HOME": str(tmp_path / "prefect"), "COMPLIANCE_PREFECT_PORT": "0",
           "COMPLIANCE_SWEEP_CRON": "30 3 * * *", "COMPLIANCE_SWEEP_TIMEZONE": "America/Denver"}
    env.pop("PREFECT_API_URL", None)
    svc = Service(service_home["home"], env, "embedded")
    state = tmp_path / "prefect" / "compliance-server.json"
    try:
        wait_for(state.exists, 120, svc.output)
        import json

        api_url = json.loads(state.read_text())["api_url"]
        deadline = time.monotonic() + 60
        while True:
            try:
                deployment = read_deployment(api_url)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        [schedule] = deployment.schedules
        assert schedule.schedule.cron == "30 3 * * *" and schedule.schedule.timezone == "America/Denver"
        assert schedule.active and not deployment.paused
        assert deployment.entrypoint == "flows.sweep.nightly_sweep_flow"
        ingest = read_deployment(api_url, "ingest-watch-folder/watch-folder")
        assert ingest.parameters["folder"] == str(service_home["watch"])
    finally:
        assert svc.stop() in (0, -signal.SIGTERM, 130, 143)
    assert not state.exists()  # it stopped the server it started
