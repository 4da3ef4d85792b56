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
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})
