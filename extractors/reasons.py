"""What went wrong with a file, in words a school-district staff member understands: the one place where a
library's error (pdfminer, pdfium, qpdf, Pillow, Tesseract, the file system, the database) becomes the
reason staff see. A reason never holds a library's exception text, an exception's name or a server path:
those mean nothing to staff, and a path tells a viewer where the server keeps its files.
"""

from __future__ import annotations

import errno
import logging
import re

from extractors.budget import Budget, OverBudget, OverTime, crash_reason, memory_reason, time_reason

log = logging.getLogger("compliance.reasons")


class Refusal(Exception):
    """An error whose message is already a reason for staff (a file refused by a check, a budget)."""


DAMAGED = "ask the sender for a new copy"

# What a library's complaint means (first match wins); the complaint itself is never shown.
_MEANINGS = (
    (re.compile(r"password|encrypt|security handler", re.I),
     "the file is password-protected (encrypted); ask the sender for an unlocked copy"),
    (re.compile(r"failed to load page|page.*(not found|missing)|no page", re.I),
     f"one of the PDF's pages is damaged and cannot be opened; {DAMAGED}"),
    (re.compile(r"data format error|/root|syntax|xref|trailer|startxref|eof marker|content stream", re.I),
     f"the PDF's internal structure is damaged; {DAMAGED}"),
    (re.compile(r"cannot identify image file|unknown image|not a (tiff|png|jpeg)|unidentified", re.I),
     f"the image data is damaged or in a form that cannot be read; {DAMAGED}"),
    (re.compile(r"truncated|premature end|incomplete|not enough data|buffer is not large enough|unexpected eof",
                re.I), f"the file is cut short (truncated) or damaged; {DAMAGED}"),
    (re.compile(r"dimension|tile|stripoffsets|bits per sample|unsupported|image size", re.I),
     f"the image's description of itself is damaged; {DAMAGED}"),
    (re.compile(r"decompress|zlib|inflate|decod|codec", re.I), f"the file's compressed data is damaged; {DAMAGED}"),
)

# What an operating-system error means when it is about this computer, not the file's content.
_SYSTEM = {
    errno.ENOENT: "the file was removed or moved away while it was being read",
    errno.EACCES: "the service is not allowed to read or move it (file permissions)",
    errno.EPERM: "the service is not allowed to read or move it (file permissions)",
    errno.ENOSPC: "the disk of the data folder is full",
    errno.EDQUOT: "the disk quota of the data folder is used up",
    errno.EROFS: "the folder is read-only",
    errno.EIO: "the disk could not be read (an input/output error)",
    errno.ENAMETOOLONG: "its name is too long for the folder it must go to",
    errno.ENOTDIR: "something in failed/ that should be a folder is not one",
    errno.EEXIST: "a file of the same name is already there",
    errno.EBUSY: "the file is in use by another program",
}

_ABSOLUTE_PATH = re.compile(  # quoted paths (spaces allowed), then bare ones; /Name alone is a PDF name, kept
    r"'(?:[A-Za-z]:)?[/\\][^'/\\]+[/\\][^']*'"
    r'|"(?:[A-Za-z]:)?[/\\][^"/\\]+[/\\][^"]*"'
    r"""|(?<![\w.])(?:[A-Za-z]:)?[/\\][^\s'",;)/\\]+[/\\][^\s'",;)]*"""
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # NUL cannot even be stored in PostgreSQL text


def without_paths(text: str) -> str:
    """A reason with any server path replaced by 'the file' and control characters by '?'."""
    text = _CONTROL.sub("?", _ABSOLUTE_PATH.sub("the file", text))
    return " ".join(text.split()).encode("utf-8", "replace").decode("utf-8")


def plain_reason(exc: BaseException, budget: Budget | None = None, of_bytes: bool = True) -> str:
    """Why a file could not be received, read, recorded or moved, for staff: which limit it hit (and the
    setting that raises it), what is damaged, or what on this computer failed. Never the library's words.

    of_bytes=False: the error did not come from a library reading the file's bytes (the documents of pages
    already read, say), so it is not called damage but a failure of the program."""
    from concurrent.futures.process import BrokenProcessPool

    budget = budget or Budget.from_env()
    name = type(exc).__name__
    module = type(exc).__module__ or ""
    message = f"{exc} {exc.__cause__ or ''}"
    if isinstance(exc, OverTime):
        return time_reason(budget, page_only=True)
    if isinstance(exc, (OverBudget, Refusal)):
        return without_paths(str(exc))
    if isinstance(exc, MemoryError):
        return memory_reason(budget)
    if isinstance(exc, BrokenProcessPool):
        return crash_reason(budget)
    if name == "TesseractNotFoundError":
        return "Tesseract, the text recognizer, is not installed on this computer: run `compliance doctor`"
    if name == "TesseractError":
        if re.search(r"too large|memory|alloc", str(exc), re.I):
            return (f"a page is too large for the text recognizer (or needs more than {budget.reader_mb} MB of "
                    "memory): over the limit; raise COMPLIANCE_MAX_READER_MB, or ask the sender for a smaller scan")
        return f"the text recognizer (Tesseract) failed on a page of this file; {DAMAGED}"
    if module.startswith("sqlalchemy") or name in ("OperationalError", "DatabaseError", "IntegrityError"):
        return "the database could not be reached or refused the change; it is tried again on the next run"
    if isinstance(exc, OSError) and exc.errno in _SYSTEM:
        return _SYSTEM[exc.errno]
    if not of_bytes:
        return _unexpected(exc)
    words = next((w for rx, w in _MEANINGS if rx.search(message)), None)
    if words:
        return words
    if module.startswith(("pdfminer", "pdfplumber")):
        return f"the PDF's text cannot be read: its structure is damaged; {DAMAGED}"
    if module.startswith("pypdfium2") or name == "PdfiumError":
        return f"a page of the PDF cannot be drawn: the file is damaged; {DAMAGED}"
    if module.startswith("pikepdf"):
        return f"the PDF is damaged beyond repair; {DAMAGED}"
    if module.startswith("PIL") or name in ("UnidentifiedImageError", "DecompressionBombError"):
        return f"the image cannot be decoded: it is damaged or of an unsupported kind; {DAMAGED}"
    if isinstance(exc, (OSError, ValueError, TypeError, KeyError, IndexError, EOFError, SyntaxError, AssertionError,
                        UnicodeError, OverflowError, ZeroDivisionError, RecursionError)):
        return f"the file is damaged: its content cannot be decoded; {DAMAGED}"
    return _unexpected(exc)


def _unexpected(exc: BaseException) -> str:
    """A failure of the program itself: the details go to the log (for IT), the reason says whom to tell."""
    log.warning("unexpected error on a file: %s: %s", type(exc).__name__, without_paths(str(exc))[:300])
    return ("the program failed on this file unexpectedly: tell the IT staff (the log says more); if the file "
            f"is damaged, {DAMAGED}")
