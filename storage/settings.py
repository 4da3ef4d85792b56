"""Where things live: the data folder (COMPLIANCE_HOME) and the database URL."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path


def compliance_home() -> Path:
    """The data folder: $COMPLIANCE_HOME, else ~/.compliance. Holds the SQLite database,
    the originals store, page images and Prefect's own state."""
    home = Path(os.environ.get("COMPLIANCE_HOME") or Path.home() / ".compliance").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home


CURRENT_FILE = "current-database"  # in the data folder: the database `compliance use` / `run` / --db chose
DEFAULT_DB = "compliance.db"


class DatabaseChoiceError(ValueError):
    """A --db value that names no database this program can open; the message says what to give instead."""


def as_database_url(value: str) -> str:
    """A --db value as a database URL: a URL stays as given, a file path is an SQLite database on that file
    (staff type paths; SQLAlchemy wants sqlite:///…)."""
    text = value.strip()
    if not text:
        raise DatabaseChoiceError("--db is empty: give a database file (e.g. ~/.compliance/compliance.db) "
                                  "or a postgresql://user:password@host/dbname URL.")
    if "://" not in text:
        path = Path(text).expanduser().resolve()
        if path.is_dir():
            raise DatabaseChoiceError(f"{path} is a folder: give a database file in it, e.g. {path / DEFAULT_DB}.")
        if not path.parent.is_dir():
            raise DatabaseChoiceError(f"The folder {path.parent} does not exist: create it, or give a database "
                                      "file in a folder that exists.")
        return f"sqlite:///{path}"
    scheme, rest = text.split("://", 1)
    base = scheme.split("+", 1)[0].lower()
    if base == "postgres":  # the spelling Heroku and libpq use
        return "postgresql://" + rest
    if base == "postgresql":
        return text
    if base == "sqlite":
        file = rest[1:] if rest.startswith("/") else rest
        if file and file != ":memory:" and not Path(file).expanduser().parent.is_dir():
            raise DatabaseChoiceError(f"The folder {Path(file).parent} does not exist: create it, or give a "
                                      "database file in a folder that exists.")
        return text
    raise DatabaseChoiceError(f"'{scheme}://' is not a database this program uses: give a database file "
                              "(SQLite) or a postgresql://user:password@host/dbname URL.")


def default_database_url() -> str:
    return f"sqlite:///{compliance_home() / DEFAULT_DB}"


def recorded_database() -> str | None:
    """The database made current by `compliance use`, `compliance run` or --db, if any."""
    file = compliance_home() / CURRENT_FILE
    try:
        url = file.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return url or None


def record_current_database(url: str | None) -> None:
    """Make a database the current one for the commands that follow (None: back to the default).
    The file may hold a PostgreSQL password, so only its owner can read it."""
    file = compliance_home() / CURRENT_FILE
    if url is None:
        file.unlink(missing_ok=True)
        return
    file.touch(mode=0o600, exist_ok=True)
    file.write_text(as_database_url(url) + "\n", encoding="utf-8")


def database_choice(override: str | None = None) -> tuple[str, str]:
    """The database in force and why: --db, else $COMPLIANCE_DATABASE_URL, else the current one recorded in
    the data folder, else SQLite in the data folder."""
    if override:
        return as_database_url(override), "--db"
    env = os.environ.get("COMPLIANCE_DATABASE_URL")
    if env:
        return as_database_url(env), "$COMPLIANCE_DATABASE_URL"
    recorded = recorded_database()
    if recorded:
        return recorded, "the current one"
    return default_database_url(), "the default"


def database_url(override: str | None = None) -> str:
    """--db (a URL or a file path), else $COMPLIANCE_DATABASE_URL, else the current database, else SQLite in
    the data folder."""
    return database_choice(override)[0]


def shown_url(url: str) -> str:
    """A database URL as it may be printed: without its password."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


@dataclass(frozen=True)
class Paths:
    home: Path

    @property
    def originals(self) -> Path:
        return self.home / "originals"

    @property
    def page_images(self) -> Path:
        return self.home / "pages"

    @classmethod
    def default(cls) -> Paths:
        return cls(compliance_home())
