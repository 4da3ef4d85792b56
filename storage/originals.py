"""The content-addressed store of received files: each original kept once, byte-for-byte."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def store_original(store: Path, source: Path, sha256: str) -> Path:
    """Copy the file into the store under its hash (atomic rename; an existing copy is kept)."""
    suffix = source.suffix.lower()[:12]
    dest = store / sha256[:2] / f"{sha256}{suffix}"
    if dest.exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".incoming-")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        if sha256_of(Path(tmp)) != sha256:
            raise OSError(f"{source} changed while it was being copied")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest
