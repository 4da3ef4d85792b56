"""The content-addressed store of received files: each original kept once, byte-for-byte."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


class FileGrew(OSError):
    """The file was longer than it said when it was checked: it is still being written."""


def sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return sha256_of_file(f)


def sha256_of_file(f: BinaryIO, max_bytes: int | None = None) -> str:
    """The hash of an open file from its start; FileGrew when it holds more than max_bytes (checked size
    first, so a huge file is never read through)."""
    f.seek(0)
    h = hashlib.sha256()
    n = 0
    for chunk in iter(lambda: f.read(CHUNK), b""):
        n += len(chunk)
        if max_bytes is not None and n > max_bytes:
            raise FileGrew("the file grew while it was being read")
        h.update(chunk)
    return h.hexdigest()


def stored_name(sha256: str, suffix: str) -> str:
    return f"{sha256}{suffix.lower()[:12]}"


def store_original(store: Path, source: Path, sha256: str) -> Path:
    """Copy the file into the store under its hash (atomic rename; an existing copy is kept)."""
    with source.open("rb") as f:
        return store_original_from(store, f, sha256, source.suffix)


def store_original_from(store: Path, f: BinaryIO, sha256: str, suffix: str) -> Path:
    """Copy an open file into the store under its hash, checking the copy has that hash (the same open
    file that was hashed is copied, so a file swapped on disk meanwhile cannot slip in)."""
    dest = store / sha256[:2] / stored_name(sha256, suffix)
    if dest.exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".incoming-")
    try:
        h = hashlib.sha256()
        f.seek(0)
        with os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                h.update(chunk)
                out.write(chunk)
        if h.hexdigest() != sha256:
            raise FileGrew("the file changed while it was being copied")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest
