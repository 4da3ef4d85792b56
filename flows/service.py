"""`compliance serve`: the long-lived service. It watches the folder and serves the Prefect deployments
(the ingestion flow and the nightly sweep on its cron schedule).

Prefect's scheduler does not run on its temporary (ephemeral) server, so without PREFECT_API_URL the
service starts a local Prefect server on SQLite (state in COMPLIANCE_HOME/prefect) and keeps it running;
a second service on the same data folder uses that server. With PREFECT_API_URL set, the district's own
server is used. Stopping the service leaves the schedule active (Prefect would pause it by default).

Nothing here imports Prefect before the API address is settled: Prefect reads its settings on import.
"""

from __future__ import annotations

import _thread
import functools
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flows.service_settings import ServiceSettings

log = logging.getLogger("compliance.service")
STATE_FILE = "compliance-server.json"
DEFAULT_PORT = 4200


def prefect_home() -> Path:
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=timeout) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent(die_with_parent: Callable[[], None]) -> None:  # pragma: no cover - in the child before exec
    """The server goes when the service goes, even on SIGKILL, so no orphan holds the port (the page readers'
    parent-death signal); in a session of its own, so Ctrl-C reaches the service, which stops the server."""
    die_with_parent()
    os.setsid()


@dataclass
class LocalServer:
    """A `prefect server start` on SQLite that this service started (or found running for this data folder)."""

    api_url: str
    port: int
    process: subprocess.Popen | None  # None: another service owns it
    log_path: Path

    @property
    def owned(self) -> bool:
        return self.process is not None

    def alive(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            return False
        return healthy(self.api_url)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        state = prefect_home() / STATE_FILE
        try:
            if json.loads(state.read_text()).get("pid") == self.process.pid:
                state.unlink()
        except (OSError, ValueError):
            pass


def _prefect_command() -> list[str]:
    exe = Path(sys.executable).with_name("prefect")
    return [str(exe)] if exe.exists() else [shutil.which("prefect") or "prefect"]


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes on this machine (released when the process dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock
            yield
            return
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def start_local_server(port: int | None = None, timeout: float = 180.0) -> LocalServer:
    """Reuse this data folder's running local server, or start one and wait until it answers. A lock file
    makes two services starting together share one server."""
    home = prefect_home()
    with _file_lock(home / "compliance-server.lock"):
        return _start_local_server(home, port, timeout)


def _start_local_server(home: Path, port: int | None, timeout: float) -> LocalServer:
    state = home / STATE_FILE
    try:
        known = json.loads(state.read_text())
        if healthy(known["api_url"]):
            return LocalServer(known["api_url"], int(known["port"]), None, home / "server.log")
    except (OSError, ValueError, KeyError):
        pass
    port = port or int(os.environ.get("COMPLIANCE_PREFECT_PORT") or DEFAULT_PORT)
    if port <= 0 or not _port_free(port):
        port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log_path = home / "server.log"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port)}
    env.pop("PREFECT_API_URL", None)
    from extractors.pagetext import die_with_parent  # resolved here: the child only calls it before exec

    out = log_path.open("ab")
    process = subprocess.Popen(
        [*_prefect_command(), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
        preexec_fn=functools.partial(_die_with_parent, die_with_parent),
    )
    out.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the local Prefect server stopped at start (see {log_path}):\n{tail}")
        if healthy(api_url):
            tmp = state.with_suffix(".tmp")
            tmp.write_text(json.dumps({"api_url": api_url, "port": port, "pid": process.pid}))
            tmp.replace(state)
            return LocalServer(api_url, port, process, log_path)
        time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"the local Prefect server did not answer within {timeout:.0f} s (see {log_path})")


def supervise_server(server: LocalServer, stop: threading.Event, check_seconds: float = 5.0) -> None:
    """Restart the local server when it dies (or, if another service owned it, start our own)."""
    failures = 0
    while not stop.wait(check_seconds):
        if server.alive():
            failures = 0
            continue
        failures += 1
        if failures < 2:  # one missed health check may be a busy server
            continue
        log.error("the local Prefect server at %s stopped; starting it again", server.api_url)
        try:
            fresh = start_local_server(server.port)
        except Exception as e:
            log.error("could not restart the Prefect server: %s", e)
            continue
        server.process, server.api_url, server.port = fresh.process, fresh.api_url, fresh.port
        failures = 0


# ------------------------------------------------------------------ the deployments


def deployments(settings: ServiceSettings, folder: Path, db_url: str | None) -> list:
    """The ingestion flow (run it from the UI to catch up by hand) and the nightly sweep on its schedule."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from flows.sweep import nightly_sweep_flow
    from flows.watch import watch_folder_flow

    params = {"db_url": db_url} if db_url else {}
    ingest = watch_folder_flow.to_deployment(
        name="watch-folder", parameters={"folder": str(folder), **params}, entrypoint_type=EntrypointType.MODULE_PATH,
        description="Ingest what is in the watch folder now (the service also does this by itself within a "
        "minute of a file arriving).", tags=["compliance"],
    )
    sweep = nightly_sweep_flow.to_deployment(
        name="nightly-sweep", schedules=[Cron(settings.sweep.cron, timezone=settings.sweep.timezone)],
        parameters=params, entrypoint_type=EntrypointType.MODULE_PATH,
        description="Re-check every open request as of today, flag what lapsed, send the notices.",
        tags=["compliance"],
    )
    return [ingest, sweep]


def run_service(settings: ServiceSettings, folder: Path, db_url: str | None, use_prefect: bool = True) -> None:
    """Run until SIGINT/SIGTERM: local Prefect server (if needed), watcher thread, Prefect serve()."""
    from storage.db import database

    with _file_lock(settings.home / ".service-start.lock"):  # services starting together migrate one at a time
        database(db_url)  # migrate before anything runs
    folder.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    server: LocalServer | None = None

    leaving = threading.Event()

    def interrupt_until_leaving() -> None:
        # A KeyboardInterrupt raised while the main thread runs a weakref callback or a finalizer is
        # swallowed ("Exception ignored in ..."), and the service would run on: ask again until it leaves.
        while not leaving.wait(1.0):
            _thread.interrupt_main()

    def on_term(signum, frame):  # type: ignore[no-untyped-def]
        if not stop.is_set():
            stop.set()
            threading.Thread(target=interrupt_until_leaving, name="stop-request", daemon=True).start()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)  # Prefect's runner replaces it while it serves (and exits cleanly)
    warnings.filterwarnings("ignore", message="coroutine 'Runner.astop' was never awaited")
    if use_prefect and not os.environ.get("PREFECT_API_URL"):
        server = start_local_server()
        os.environ["PREFECT_API_URL"] = server.api_url
        log.info("local Prefect server at %s (UI: %s)", server.api_url, server.api_url.removesuffix("/api"))
        threading.Thread(target=supervise_server, args=(server, stop), name="prefect-server", daemon=True).start()

    from flows.watch import Watcher

    watcher = Watcher(folder, db_url, settings, use_prefect=use_prefect)
    watch_thread = threading.Thread(target=watcher.run, args=(stop,), name="watch-folder", daemon=True)
    watch_thread.start()
    log.info("watching %s as %s", folder, watcher.me)
    try:
        if use_prefect:
            from prefect import serve

            serve(*deployments(settings, folder, db_url), pause_on_shutdown=False, print_starting_message=False)
        else:
            while not stop.wait(3600):
                pass
    except KeyboardInterrupt:
        pass
    finally:
        leaving.set()
        stop.set()
        watch_thread.join(timeout=60)
        if server is not None:
            server.stop()
