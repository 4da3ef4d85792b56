"""Read the IRS lists the rules check letters against: automatic revocations and Publication 78.

Both are pipe-delimited extracts that the IRS publishes (and that a district may trim). A malformed
row is reported with its line number and skipped, so one bad line never hides the rest of the list.

Automatic-revocation list columns: EIN | legal name | DBA | address | city | state | ZIP | country |
exemption type | revocation date | revocation posting date | reinstatement date (dates as 08-JUL-2018).
Publication 78 data columns: EIN | name | city | state | country | deductibility codes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from storage.records import Revocation

log = logging.getLogger(__name__)

REVOCATION_COLUMNS = 12
PUB78_COLUMNS = 6


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that could not be read: where it is, why, and what it said."""

    line_no: int
    reason: str
    text: str

    def __str__(self) -> str:
        return f"line {self.line_no}: {self.reason}: {self.text[:120]!r}"


def normalize_ein(text: str) -> str | None:
    """NN-NNNNNNN from '201333537', '20-1333537' or ' 20 1333537 '; None unless 9 digits."""
    digits = re.sub(r"[\s-]", "", text or "")
    if not re.fullmatch(r"\d{9}", digits):
        return None
    return f"{digits[:2]}-{digits[2:]}"


def parse_irs_date(text: str) -> date | None:
    """'08-JUL-2018' (the IRS form), also ISO and MM/DD/YYYY; None for an empty cell.

    Raises ValueError for a cell that is not empty and not a date.
    """
    s = (text or "").strip()
    if not s:
        return None
    for fmt in ("%d-%b-%Y", "%d-%b-%y", "%Y-%m-%d", "%m/%d/%Y", "%d-%B-%Y"):
        try:
            return datetime.strptime(s.title() if "%b" in fmt or "%B" in fmt else s, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {s!r}")


def _rows(lines: Iterable[str]) -> Iterable[tuple[int, str, list[str]]]:
    for n, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        yield n, line, [c.strip() for c in line.split("|")]


def _is_header(cells: list[str]) -> bool:
    return bool(cells) and cells[0].strip().upper() in ("EIN", "EMPLOYER IDENTIFICATION NUMBER")


def _report(errors: list[RowError], err: RowError) -> None:
    log.warning("IRS list %s", err)
    errors.append(err)


def parse_revocations(lines: Iterable[str]) -> tuple[list[Revocation], list[RowError]]:
    """Revocation records, reinstated ones included (their reinstatement_date is set), and the rows
    that could not be read (each logged, skipped, and returned with its line number)."""
    out: list[Revocation] = []
    errors: list[RowError] = []
    for n, line, cells in _rows(lines):
        if _is_header(cells):
            continue
        # The IRS file has 12 columns; tolerate a trailing empty cell and a missing empty last one.
        while len(cells) > REVOCATION_COLUMNS and cells[-1] == "":
            cells.pop()
        if len(cells) == REVOCATION_COLUMNS - 1:
            cells.append("")
        if len(cells) != REVOCATION_COLUMNS:
            _report(errors, RowError(n, f"expected {REVOCATION_COLUMNS} columns, found {len(cells)}", line))
            continue
        ein = normalize_ein(cells[0])
        if ein is None:
            _report(errors, RowError(n, f"EIN {cells[0]!r} is not 9 digits", line))
            continue
        try:
            revoked = parse_irs_date(cells[9])
            reinstated = parse_irs_date(cells[11])
            parse_irs_date(cells[10])  # posting date: checked, not kept
        except ValueError as e:
            _report(errors, RowError(n, str(e), line))
            continue
        if revoked is None:
            _report(errors, RowError(n, "no revocation date", line))
            continue
        out.append(
            Revocation(ein=ein, legal_name=cells[1], revocation_date=revoked, reinstatement_date=reinstated)
        )
    return out, errors


def revocation_index(revocations: Iterable[Revocation]) -> dict[str, Revocation]:
    """EIN -> its latest revocation (a later revocation outweighs an earlier reinstatement)."""
    index: dict[str, Revocation] = {}
    for r in revocations:
        cur = index.get(r.ein)
        if cur is None or (r.revocation_date or date.min) >= (cur.revocation_date or date.min):
            index[r.ein] = r
    return index


def load_revocations(path: Path | str, errors: list[RowError] | None = None) -> dict[str, Revocation]:
    """The revocation list of a file, indexed by EIN (NN-NNNNNNN); bad rows go to `errors`."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        revocations, bad = parse_revocations(fh)
    if errors is not None:
        errors.extend(bad)
    return revocation_index(revocations)


def parse_pub78(lines: Iterable[str]) -> tuple[dict[str, tuple[str, str | None]], list[RowError]]:
    """EIN (NN-NNNNNNN) -> (organization name, deductibility codes or None) for every well-formed
    Publication 78 row, and the rows that could not be read."""
    out: dict[str, tuple[str, str | None]] = {}
    errors: list[RowError] = []
    for n, line, cells in _rows(lines):
        if _is_header(cells):
            continue
        while len(cells) > PUB78_COLUMNS and cells[-1] == "":
            cells.pop()
        if len(cells) < PUB78_COLUMNS - 1 or len(cells) > PUB78_COLUMNS:
            _report(errors, RowError(n, f"expected {PUB78_COLUMNS} columns, found {len(cells)}", line))
            continue
        ein = normalize_ein(cells[0])
        if ein is None:
            _report(errors, RowError(n, f"EIN {cells[0]!r} is not 9 digits", line))
            continue
        if not cells[1]:
            _report(errors, RowError(n, "no organization name", line))
            continue
        codes = cells[5] if len(cells) == PUB78_COLUMNS and cells[5] else None
        out[ein] = (cells[1], codes)
    return out, errors


def load_pub78(path: Path | str, errors: list[RowError] | None = None) -> dict[str, tuple[str, str | None]]:
    """Publication 78 data of a file: EIN -> (name, deductibility codes); bad rows go to `errors`."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        listed, bad = parse_pub78(fh)
    if errors is not None:
        errors.extend(bad)
    return listed
