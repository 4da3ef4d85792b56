"""Prefect flows and the `compliance` command line. Importing this package points Prefect at the
data folder (its own state lives in COMPLIANCE_HOME/prefect) unless the user configured Prefect."""

import contextlib as _contextlib
import os as _os
import warnings as _warnings
from pathlib import Path as _Path

_home = _Path(_os.environ.get("COMPLIANCE_HOME") or _Path.home() / ".compliance").expanduser()
if "PREFECT_HOME" not in _os.environ:
    _os.environ["PREFECT_HOME"] = str(_home / "prefect")
    try:  # Prefect makes its folder but not the data folder above it: a first run on a new machine needs both
        (_home / "prefect").mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # an unwritable data folder is reported by the command that needs it, in its own words
# Prefect derives this path from its home only sometimes; otherwise its temporary server warns that it cannot
# write ~/.prefect/memo_store.toml and registers its blocks again at every start (slower).
_os.environ.setdefault("PREFECT_MEMO_STORE_PATH", str(_Path(_os.environ["PREFECT_HOME"]) / "memo_store.toml"))
_os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
_os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
_os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
_os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
_os.environ.setdefault("OMP_THREAD_LIMIT", "1")
# Prefect's own models trip a pydantic warning that means nothing to staff: here, and in the temporary
# server's process (which gets this environment).
_warnings.filterwarnings("ignore", message="The 'deprecated' attribute")
_os.environ.setdefault("PYTHONWARNINGS", "ignore:The 'deprecated' attribute")


def temporary_server_settings() -> _contextlib.AbstractContextManager[object]:
    """Settings for a flow called directly on Prefect's temporary server: no flow-run heartbeats. They let a
    Prefect server notice a crashed run from a deployment; here nobody watches them, yet their thread sleeps
    in whole seconds and Prefect waits for it, so every run ended up to a second late (1.05 s of a flow
    run that does nothing). Against a configured server (PREFECT_API_URL) nothing changes."""
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if PREFECT_API_URL.value():
        return _contextlib.nullcontext()
    start_temporary_server()
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


class _SubprocessDyingWithParent:
    """The `subprocess` module as Prefect's server module sees it while it starts its temporary server: the
    same, except that the server process is asked to die with this one (a parent-death signal)."""

    def __getattr__(self, name: str) -> object:
        import subprocess

        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args: object, **kwargs: object) -> object:
        import subprocess

        from extractors.pagetext import die_with_parent

        kwargs.setdefault("preexec_fn", die_with_parent)
        return subprocess.Popen(*args, **kwargs)  # type: ignore[call-overload]


def start_temporary_server() -> None:
    """Start Prefect's temporary server now, from the main thread, so that it dies with this process: left to
    itself Prefect starts it from whichever thread first needs it, and after a kill -9 of `compliance` it
    was still running 21 minutes later. Linux only (parent-death signal); elsewhere Prefect starts it as usual
    (it still stops it at a normal exit). Against a configured server (PREFECT_API_URL) nothing is started."""
    import sys
    import threading

    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_ALLOW_EPHEMERAL_MODE

    if PREFECT_API_URL.value() or not PREFECT_SERVER_ALLOW_EPHEMERAL_MODE.value():
        return
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return  # the parent-death signal follows the thread that starts the server: only the main one lasts
    from prefect.server.api import server as prefect_server

    instance = prefect_server.SubprocessASGIServer()
    if instance.running:
        return
    original = prefect_server.subprocess
    prefect_server.subprocess = _SubprocessDyingWithParent()  # type: ignore[assignment]
    try:
        instance.start()
    finally:
        prefect_server.subprocess = original
