"""Shared fixtures: the shared corpus folder, fresh data folders, and databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEV = SHARED / "corpus" / "dev"
INBOX = DEV / "inbox"
REAL = SHARED / "real-samples"

# Prefect keeps its own state (the temporary server's database) in one folder for the whole run.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="compliance-prefect-"))


@pytest.fixture(autouse=True)
def compliance_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data folder, so nothing leaks into ~/.compliance."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("COMPLIANCE_HOME", str(home))
    monkeypatch.delenv("COMPLIANCE_DATABASE_URL", raising=False)
    return home


def postgres_admin_url() -> str | None:
    url = os.environ.get("COMPLIANCE_TEST_POSTGRES_URL")
    if not url and os.environ.get("CI"):
        raise RuntimeError("CI must provide PostgreSQL: COMPLIANCE_TEST_POSTGRES_URL is not set (run ./run test)")
    return url


def fresh_postgres_database() -> tuple[str, callable]:
    """Create an empty PostgreSQL database for one test; return its URL and a function that drops it."""
    from sqlalchemy import create_engine, text

    admin = postgres_admin_url()
    if admin is None:
        pytest.skip("no PostgreSQL server (set COMPLIANCE_TEST_POSTGRES_URL, or run ./run test)")
    name = f"compliance_test_{uuid.uuid4().hex[:10]}"
    admin_url = admin.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    base = admin.rsplit("/", 1)[0]

    def drop() -> None:
        from storage.db import database

        database.cache_clear()
        with engine.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return f"{base}/{name}", drop


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    from storage.db import database

    database.cache_clear()
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        database.cache_clear()
        return
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()
