"""Loading the registry and the IRS lists into the database."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from storage import repository as repo
from storage.db import database
from storage.registry_file import read_registry
from storage.settings import compliance_home
from validators.irs import parse_pub78, parse_revocations


@dataclass
class RegistryImport:
    organizations: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def import_registry(db_url: str | None, path: Path) -> RegistryImport:
    parsed = read_registry(path)
    out = RegistryImport(errors=[str(e) for e in parsed.errors])
    with database(db_url).session() as s:
        out.organizations = repo.upsert_organizations(s, parsed.organizations)
        s.flush()
        out.requests, errors = repo.upsert_requests(s, parsed.requests)
        out.errors.extend(errors)
        s.commit()
    return out


def import_irs(db_url: str | None, path: Path, pub78: bool) -> tuple[int, list[str]]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    with database(db_url).session() as s:
        if pub78:
            listed, errors = parse_pub78(lines)
            n = repo.replace_pub78(s, listed)
        else:
            revocations, errors = parse_revocations(lines)
            n = repo.replace_revocations(s, revocations)
        s.commit()
    return n, [str(e) for e in errors]


def corpus_database_url(corpus: Path) -> str:
    """One SQLite database per corpus folder, inside the data folder."""
    key = hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:10]
    folder = compliance_home() / "corpora"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / f'{corpus.resolve().name}-{key}.db'}"
