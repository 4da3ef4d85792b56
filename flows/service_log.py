"""How the service's log reads: INFO by default, one plain line per batch (not a Python dict), times with their
offset. Routine lines are INFO; WARNING is kept for what someone should look at."""

from __future__ import annotations

import logging
from typing import Any

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S%z"


def configure(verbose: bool = False) -> None:
    """The service's logging: INFO (DEBUG with --verbose); third-party libraries only from WARNING."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format=LOG_FORMAT, datefmt=DATE_FORMAT,
                        force=True)
    for noisy in ("httpx", "httpcore", "alembic", "prefect", "watchdog", "asyncio", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def batch_line(files: int, result: dict[str, Any]) -> str:
    """One batch of the watch folder in a line staff and administrators read:
    'batch: 20 files (19 read, 1 to failed/), 17 documents found, 6 pages by OCR, 12 requests re-checked,
    newly flagged: AC11-2026-0101'."""
    done, failed = int(result.get("done", files)), int(result.get("failed", 0))
    parts = [f"batch: {_plural(files, 'file')} ({done} read" + (f", {failed} to failed/)" if failed else ")")]
    if "documents_found" in result:
        parts.append(_plural(int(result["documents_found"]), "document") + " found")
    if result.get("pages_ocr"):
        parts.append(_plural(int(result["pages_ocr"]), "page") + " by OCR")
    if "rechecked" in result:
        parts.append(_plural(int(result["rechecked"]), "request") + " re-checked")
    flagged = list(result.get("newly_flagged") or [])
    if flagged:
        shown = ", ".join(map(str, flagged[:5])) + (f" and {len(flagged) - 5} more" if len(flagged) > 5 else "")
        parts.append(f"newly flagged: {shown}")
    return ", ".join(parts)
