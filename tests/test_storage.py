"""Storage on a real SQLite file and a real PostgreSQL: migrations, registry upserts, documents, checks."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect

from extractors.model import Evidence, ExtractedDocument, FieldValue, PageText, Word
from flows.registry import import_registry
from storage import repository as repo
from storage.db import Database, database, schema_is_current
from storage.records import Finding
from storage.registry_file import read_registry
from tests.conftest import DEV


def test_migrations_create_every_table(db_url: str) -> None:
    db = Database(db_url)
    assert schema_is_current(db.engine)
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "organizations", "facility_requests", "documents", "page_texts", "document_segments", "segment_fields",
        "findings", "review_actions", "sweep_runs", "irs_revocations", "irs_pub78", "alembic_version",
    } <= tables
    Database(db_url)  # opening again is a no-op
    db.dispose()


def test_registry_import_is_idempotent(db_url: str) -> None:
    first = import_registry(db_url, DEV / "registry.json")
    registry = json.loads((DEV / "registry.json").read_text())
    assert first.organizations["created"] == len(registry["organizations"])
    assert first.requests["created"] == len(registry["requests"])
    assert not first.errors
    again = import_registry(db_url, DEV / "registry.json")
    assert again.organizations == {"unchanged": len(registry["organizations"])}
    assert again.requests == {"unchanged": len(registry["requests"])}
    with database(db_url).session() as s:
        orgs = repo.load_organizations(s)
        reqs = repo.load_requests(s)
    assert len(orgs) == len(registry["organizations"])
    first_req = registry["requests"][0]
    stored = next(r for r in reqs if r.request_id == first_req["request_id"])
    assert [d.isoformat() for d in stored.use_dates] == sorted(first_req["use_dates"])
    assert stored.personnel == first_req["personnel"]


def test_registry_change_is_an_update(db_url: str, tmp_path: Path) -> None:
    registry = json.loads((DEV / "registry.json").read_text())
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(registry))
    import_registry(db_url, path)
    registry["organizations"][0]["contact_email"] = "new-contact@example.org"
    path.write_text(json.dumps(registry))
    result = import_registry(db_url, path)
    assert result.organizations["updated"] == 1
    with database(db_url).session() as s:
        org = next(o for o in repo.load_organizations(s) if o.org_id == registry["organizations"][0]["org_id"])
    assert org.contact_email == "new-contact@example.org"


def test_malformed_rows_are_reported_with_line_and_field(tmp_path: Path) -> None:
    registry = json.loads((DEV / "registry.json").read_text())
    registry["organizations"][2]["category"] = "9"
    registry["requests"][1]["use_dates"] = ["next tuesday"]
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(registry, indent=1))
    parsed = read_registry(path)
    assert len(parsed.organizations) == len(registry["organizations"]) - 1
    assert len(parsed.requests) == len(registry["requests"]) - 1
    by_field = {e.field: e for e in parsed.errors}
    assert "category" in by_field and "organizations[2]" in by_field["category"].where
    assert "line" in by_field["category"].where
    assert "use_dates" in by_field and "next tuesday" in by_field["use_dates"].message
    line = int(by_field["category"].where.split("line ")[1].rstrip(")"))
    assert registry["organizations"][2]["org_id"] in path.read_text().splitlines()[line - 1]


def test_registry_csv_import_reports_line(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "registry.csv"
    path.write_text(
        "org_id,name,dba,category,government,ein,request_id,use_dates,submitted_on,personnel\n"
        "ORG-1,Sample Robotics Club,SRC;Robo Club,3,false,85-1234567,,,,\n"
        "ORG-2,Broken Category Org,,12,false,,,,,\n"
        "ORG-1,,,,,,REQ-1,2027-01-09;2027-01-16,2026-12-01,Ana Ruiz;Bo Li\n"
    )
    parsed = read_registry(path)
    assert [o.org_id for o in parsed.organizations] == ["ORG-1"]
    assert parsed.organizations[0].dba == ["SRC", "Robo Club"]
    assert parsed.requests[0].use_dates == [date(2027, 1, 9), date(2027, 1, 16)]
    assert parsed.requests[0].personnel == ["Ana Ruiz", "Bo Li"]
    assert [(e.where, e.field) for e in parsed.errors] == [("line 3", "category")]
    result = import_registry(db_url, path)
    assert result.organizations["created"] == 1 and result.requests["created"] == 1


def test_documents_segments_fields_and_findings_round_trip(db_url: str) -> None:
    import_registry(db_url, DEV / "registry.json")
    registry = json.loads((DEV / "registry.json").read_text())
    org_id = registry["organizations"][0]["org_id"]
    request_id = next(r["request_id"] for r in registry["requests"] if r["org_id"] == org_id)
    page = PageText(1, 612, 792, "ocr", [Word("EACH", 10, 10, 30, 20, 91.0, 0)], dpi=300, mean_conf=91.0)
    with database(db_url).session() as s:
        doc = repo.add_document(
            s, sha256="ab" * 32, original_name="x.pdf", relative_path="inbox/x.pdf", status="processed",
            media_type="application/pdf", page_count=1,
        )
        repo.store_pages(s, doc.sha256, [page], {1: "pages/ab/x/1.png"})
        ex = ExtractedDocument([1], "coi", 0.95, "title")
        ex.fields = {
            "gl_each_occurrence": FieldValue(1_000_000, Evidence(1, (1, 2, 3, 4), "$1,000,000", 0.9, "limits")),
            "gl_expiration": FieldValue(date(2027, 7, 5), Evidence(1, None, "07/05/2027", 0.8, "column")),
        }
        linked = repo.LinkedDocument(ex, "processed", None, org_id, "name", 0.9, "insured name", [])
        repo.replace_segments(s, doc, [linked])
        s.commit()
    with database(db_url).session() as s:
        assert repo.cached_pages(s, "ab" * 32)[0].words[0].text == "EACH"
        on_file = repo.documents_on_file(s)
        assert len(on_file) == 1
        assert on_file[0].fields["gl_expiration"] == date(2027, 7, 5)
        assert on_file[0].fields["gl_each_occurrence"] == 1_000_000
        assert on_file[0].evidence["gl_each_occurrence"]["words"] == "$1,000,000"
        finding = Finding("COI_EXPIRED", "block", "expired", document="inbox/x.pdf", page=1)
        assert repo.save_check(s, request_id, date(2026, 11, 20), "flagged", [finding]) is None
        assert repo.save_check(s, request_id, date(2026, 11, 20), "flagged", [finding]) == "flagged"
        repo.record_action(s, "staff", "waive", "finding", "1", reason="verified by phone")
        s.commit()
        row = next(r for r in repo.request_rows(s) if r.request_id == request_id)
        assert [f.code for f in row.findings] == ["COI_EXPIRED"]


def test_a_stored_time_reads_back_as_the_same_moment_with_its_zone(db_url: str) -> None:
    """Stored in UTC whatever zone it was given in; read back aware (SQLite keeps no zone, PostgreSQL does)."""
    from datetime import UTC, datetime, timedelta, timezone

    from sqlalchemy import select

    from storage.models import UserRow

    db = Database(db_url)
    denver = timezone(timedelta(hours=-7))
    given = datetime(2026, 11, 20, 9, 5, 30, 123456, tzinfo=denver)
    with db.session() as s:
        s.add(UserRow(username="kim", password_hash="x", role="viewer", created_at=given))
        s.commit()
    with db.session() as s:
        back = s.execute(select(UserRow.created_at).where(UserRow.username == "kim")).scalar_one()
        later = s.execute(select(UserRow.username).where(UserRow.created_at > given - timedelta(seconds=1))).all()
    assert back == given and back.tzinfo is not None and back.utcoffset() == timedelta(0)
    assert back.hour == 16 and back.tzinfo == UTC
    assert later == [("kim",)]  # a comparison with an aware time works on both
    with pytest.raises(Exception, match="needs its time zone"), db.session() as s:
        s.add(UserRow(username="lee", password_hash="x", role="viewer", created_at=datetime(2026, 1, 1)))
        s.commit()
    db.dispose()


def test_migration_0005_gives_naive_postgres_times_their_zone_and_goes_down(tmp_path: Path) -> None:
    """A PostgreSQL database whose times were kept without a zone (values in UTC) upgrades to timestamp with time
    zone, each value read as UTC; the migration goes down and up again on SQLite and PostgreSQL."""
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import text

    from storage.db import alembic_config
    from tests.conftest import fresh_postgres_database

    sqlite_url = f"sqlite:///{tmp_path / 't.db'}"
    Database(sqlite_url).dispose()
    command.downgrade(alembic_config(sqlite_url), "0004")
    command.upgrade(alembic_config(sqlite_url), "head")
    assert schema_is_current(Database(sqlite_url, migrate_schema=False).engine)
    database.cache_clear()

    url, drop = fresh_postgres_database()
    try:
        command.upgrade(alembic_config(url), "0004")
        old = Database(url, migrate_schema=False)
        with old.engine.begin() as c:
            c.execute(text("SET TIME ZONE 'America/New_York'"))  # the server's zone must not shift the values
            c.execute(text('ALTER TABLE users ALTER COLUMN created_at TYPE timestamp without time zone'))
            c.execute(text("INSERT INTO users (username, display_name, password_hash, role, active, created_at) "
                           "VALUES ('kim', '', 'x', 'viewer', true, '2026-11-20 16:05:00')"))
        old.dispose()
        command.upgrade(alembic_config(url), "head")
        db = Database(url)
        kinds = {r.column_name: r.data_type for r in db.engine.connect().execute(text(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'users'"))}
        assert kinds["created_at"] == "timestamp with time zone"
        with db.session() as s:
            back = s.execute(text("SELECT created_at FROM users WHERE username = 'kim'")).scalar_one()
        assert back == datetime(2026, 11, 20, 16, 5, tzinfo=UTC)
        command.downgrade(alembic_config(url), "0004")
        command.upgrade(alembic_config(url), "head")
        assert schema_is_current(db.engine)
        db.dispose()
    finally:
        drop()
