"""`compliance doctor`: check the set-up and say what to fix.

Each check is a plain function returning a Check; nothing is changed (the database is not migrated here).
"""

from __future__ import annotations

import os
import re
import shutil
import smtplib
import ssl
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.service_settings import ServiceSettings


@dataclass
class Check:
    name: str
    status: str  # ok | warn | fail
    detail: str
    fix: str = ""


def check_tesseract() -> list[Check]:
    exe = shutil.which("tesseract")
    if not exe:
        return [Check("Tesseract OCR", "fail", "the tesseract program is not on the PATH",
                      "install it: `apt-get install tesseract-ocr tesseract-ocr-eng` (Debian/Ubuntu)")]
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
        version = (out.stdout or out.stderr).splitlines()[0].strip()
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30).stdout.split()
    except (OSError, subprocess.SubprocessError, IndexError) as e:
        return [Check("Tesseract OCR", "fail", f"{exe} does not run: {e}", "reinstall tesseract-ocr")]
    m = re.search(r"(\d+)\.(\d+)", version)
    checks = []
    if m and int(m.group(1)) < 4:
        checks.append(Check("Tesseract OCR", "fail", f"{version} at {exe} is too old (the LSTM engine needs 4+)",
                            "install Tesseract 4 or later"))
    else:
        checks.append(Check("Tesseract OCR", "ok", f"{version} at {exe}"))
    if "eng" not in langs:
        checks.append(Check("Tesseract English data", "fail", "the 'eng' language is not installed",
                            "`apt-get install tesseract-ocr-eng`"))
    return checks


def check_database(db_url: str | None) -> list[Check]:
    from sqlalchemy import text

    from storage.db import make_engine, schema_is_current
    from storage.settings import database_url

    url = database_url(db_url)
    shown = url.split("@")[-1] if "@" in url else url
    try:
        engine = make_engine(url)
        with engine.connect() as c:
            c.execute(text("SELECT 1"))
    except Exception as e:
        return [Check("database", "fail", f"cannot reach {shown}: {type(e).__name__}: {str(e).splitlines()[0]}",
                      "check COMPLIANCE_DATABASE_URL (or --db), that the server runs and the password is right")]
    try:
        current = schema_is_current(engine)
    except Exception as e:
        return [Check("database", "fail", f"{shown} answers but its schema cannot be read: {e}",
                      "check the database user's rights")]
    finally:
        engine.dispose()
    if not current:
        return [Check("database", "warn", f"{shown} is reachable but not migrated to the latest schema",
                      "run any compliance command against it (e.g. `compliance status`): it migrates on open")]
    return [Check("database", "ok", f"{shown} reachable, schema up to date")]


def _writable(folder: Path) -> str | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".doctor-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"ok")
        probe.unlink()
        return None
    except OSError as e:
        return str(e)


def check_folders(settings: ServiceSettings) -> list[Check]:
    folders = {"data folder": settings.home, "watch folder": settings.watch_folder,
               "failed folder": settings.watch_folder / "failed", "originals store": settings.home / "originals"}
    if not settings.sends_mail:
        folders["dry-run outbox"] = settings.outbox
    out = []
    for label, folder in folders.items():
        problem = _writable(folder)
        if problem:
            out.append(Check(label, "fail", f"{folder} is not writable: {problem}",
                             f"create it and give the service's user write access (chown/chmod {folder})"))
        else:
            out.append(Check(label, "ok", f"{folder} writable"))
    return out


def check_smtp(settings: ServiceSettings) -> list[Check]:
    c = settings.smtp
    if not c.host:
        return [Check("SMTP", "warn", f"no mail server configured: notices are written to {settings.outbox}",
                      "set [smtp] host (and port, user, password, from) in config.toml or COMPLIANCE_SMTP_HOST")]
    if settings.notices.dry_run:
        return [Check("SMTP", "warn", f"dry-run is on: notices are written to {settings.outbox}, not sent",
                      "set [notices] dry_run = false to send")]
    try:
        if c.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.port, timeout=10, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=10)
            if c.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if c.user:
            smtp.login(c.user, c.password)
        code, _ = smtp.noop()
        smtp.quit()
    except (OSError, smtplib.SMTPException) as e:
        return [Check("SMTP", "fail", f"{c.host}:{c.port} ({c.security}): {type(e).__name__}: {e}",
                      "check [smtp] host, port, security, user and password; and that this machine may reach it")]
    return [Check("SMTP", "ok" if code == 250 else "warn", f"{c.host}:{c.port} answers ({c.security})"
                  + (f", logged in as {c.user}" if c.user else ""))]


def check_schedule(settings: ServiceSettings) -> list[Check]:
    out = []
    try:
        ZoneInfo(settings.sweep.timezone)
        tz_ok = True
    except Exception:
        tz_ok = False
        out.append(Check("time zone", "fail", f"'{settings.sweep.timezone}' is not a time zone",
                         "use a name like America/Denver in [sweep] timezone"))
    try:
        from prefect.schedules import validate_cron_string

        validate_cron_string(settings.sweep.cron)
        if tz_ok:
            out.append(Check("nightly sweep", "ok", f"cron '{settings.sweep.cron}' in {settings.sweep.timezone}"))
    except Exception as e:
        out.append(Check("nightly sweep", "fail", f"cron '{settings.sweep.cron}' is not valid: {e}",
                         "write five fields, e.g. '0 2 * * *' for 02:00 every day"))
    if not settings.notices.staff:
        out.append(Check("staff digest", "warn", "no staff recipients: the daily digest goes to nobody",
                         "set [notices] staff = ['office@district.example'] or COMPLIANCE_NOTICES_STAFF"))
    return out


def check_prefect() -> list[Check]:
    from flows.service import _prefect_command, healthy

    api = os.environ.get("PREFECT_API_URL")
    if api:
        if healthy(api, timeout=5):
            return [Check("Prefect server", "ok", f"{api} answers")]
        return [Check("Prefect server", "fail", f"PREFECT_API_URL={api} does not answer",
                      "start the district's Prefect server, or unset PREFECT_API_URL to let the service run its own")]
    exe = _prefect_command()[0]
    if not (Path(exe).exists() or shutil.which(exe)):
        return [Check("Prefect server", "fail", "the prefect command is missing", "reinstall: ./run (set-up)")]
    return [Check("Prefect server", "ok", "no PREFECT_API_URL: `compliance serve` starts a local server on SQLite")]


def run_checks(settings: ServiceSettings, db_url: str | None, smtp: bool = True) -> list[Check]:
    checks = [Check("settings", "fail", p, "fix config.toml or the environment variable") for p in settings.problems]
    checks += check_tesseract()
    checks += check_database(db_url)
    checks += check_folders(settings)
    if smtp:
        checks += check_smtp(settings)
    checks += check_schedule(settings)
    checks += check_prefect()
    return checks
