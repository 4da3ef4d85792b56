"""Where things live: the data folder (COMPLIANCE_HOME) and the database URL."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def compliance_home() -> Path:
    """The data folder: $COMPLIANCE_HOME, else ~/.compliance. Holds the SQLite database,
    the originals store, page images and Prefect's own state."""
    home = Path(os.environ.get("COMPLIANCE_HOME") or Path.home() / ".compliance").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home


def database_url(override: str | None = None) -> str:
    """--db URL, else $COMPLIANCE_DATABASE_URL, else SQLite in the data folder."""
    url = override or os.environ.get("COMPLIANCE_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{compliance_home() / 'compliance.db'}"


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
