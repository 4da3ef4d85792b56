"""Data for the review-desk tests: a few born-digital dev files (no OCR) ingested with the dev registry and
checked, plus staff accounts of each role. Shared by tests/test_web.py and tests/test_web_e2e.py."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import DEV

AS_OF = date(2026, 11, 20)
INBOX = DEV / "inbox"
# One organization's papers (certificate, IRS letter, two background-check clearances), a cover letter that
# is none of the five kinds, and a certificate whose organization is left out of the registry (unlinked).
FILES = [
    "COI 2026.pdf",
    "Document (5).pdf",
    "Sandia Junior Soccer Club background Sandoval.pdf",
    "Document (3).pdf",
    "cover letter 2026.pdf",
    "AC11-2026-0180/COI 2026.pdf",
]
LEFT_OUT_ORG = "ORG-0015"  # registered later through the desk, to test linking by hand
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(c, username: str):  # type: ignore[no-untyped-def]
    """Sign a desk test client in as one of the desk's users; it lands on the queue."""
    page = c.get("/login")
    r = c.post("/login", data={"username": username, "password": PASSWORD, "next": "/queue",
                               "csrf_token": CSRF.search(page.text).group(1)})
    assert r.status_code == 200 and r.url.path == "/queue", r.text[:500]
    return c
USERS = {"vera": "viewer", "rita": "reviewer", "adam": "administrator"}


@dataclass
class DeskData:
    home: Path
    db_url: str
    left_out_org: dict
    left_out_requests: list[dict]


def build_desk_data(home: Path) -> DeskData:
    """Import the dev registry (less one organization), ingest FILES, check as of AS_OF, add the accounts."""
    from flows.checks import check_requests
    from flows.ingest import run_batches
    from flows.registry import import_registry
    from flows.stages import IngestOptions
    from storage.db import database
    from web.auth import create_user

    home.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{home / 'desk.db'}"
    database.cache_clear()
    registry = json.loads((DEV / "registry.json").read_text(encoding="utf-8"))
    left_org = next(o for o in registry["organizations"] if o["org_id"] == LEFT_OUT_ORG)
    left_reqs = [r for r in registry["requests"] if r["org_id"] == LEFT_OUT_ORG]
    registry["organizations"].remove(left_org)
    registry["requests"] = [r for r in registry["requests"] if r["org_id"] != LEFT_OUT_ORG]
    reg_file = home / "registry.json"
    reg_file.write_text(json.dumps(registry), encoding="utf-8")
    import_registry(db_url, reg_file)
    run_batches(db_url, INBOX, [INBOX / f for f in FILES], IngestOptions(keep=True, path_prefix="inbox"),
                use_prefect_tasks=False)
    check_requests(db_url, AS_OF)
    for name, role in USERS.items():
        create_user(db_url, name, PASSWORD, role, display_name=name.capitalize() + " Test")
    return DeskData(home, db_url, left_org, left_reqs)


def desk_in_new_home(tmp_path_factory: pytest.TempPathFactory, name: str) -> DeskData:
    """build_desk_data in a fresh data folder of its own (COMPLIANCE_HOME pointed there while it builds)."""
    home = tmp_path_factory.mktemp(name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COMPLIANCE_HOME", str(home))
        return build_desk_data(home)


def work_in_desk_home(desk: DeskData, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A test works in the desk's data folder (page images, outbox, uploads), with no database URL or mail
    server of the environment."""
    monkeypatch.setenv("COMPLIANCE_HOME", str(desk.home))
    for key in ("COMPLIANCE_DATABASE_URL", "COMPLIANCE_SMTP_HOST", "COMPLIANCE_NOTICES_DRY_RUN"):
        monkeypatch.delenv(key, raising=False)
    return desk.home
