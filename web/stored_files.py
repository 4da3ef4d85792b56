"""Opening a file the desk serves (an original, a page image) only from its own store in the data folder.

A stored path comes from the database; whatever it says, the desk opens nothing but a regular file under
`originals/` or `pages/`: no absolute path, no "..", no symbolic link anywhere below the store (each folder
and the file are opened with O_NOFOLLOW, one below the other), no FIFO or device. The file is served from the
descriptor that was checked, so it cannot be swapped between the check and the read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import quote

from fastapi.responses import StreamingResponse

ORIGINALS = "originals"
PAGE_IMAGES = "pages"
CHUNK = 1 << 16


class NotStored(Exception):
    """The path does not name a regular file inside the store."""


def open_stored(home: Path, store: str, rel: str | None) -> tuple[int, int]:
    """A read-only descriptor of the file and its size; NotStored for anything else."""
    if not rel or "\x00" in rel or "\\" in rel:
        raise NotStored(rel)
    path = PurePosixPath(rel)
    parts = path.parts
    if path.is_absolute() or len(parts) < 2 or parts[0] != store or any(p in (".", "..") for p in parts):
        raise NotStored(rel)
    nofollow = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        dir_fd = os.open(home / store, os.O_RDONLY | os.O_DIRECTORY)  # the store itself may be a mount or link
    except OSError:
        raise NotStored(rel) from None
    try:
        for part in parts[1:-1]:
            nxt = os.open(part, nofollow | os.O_DIRECTORY, dir_fd=dir_fd)
            os.close(dir_fd)
            dir_fd = nxt
        fd = os.open(parts[-1], nofollow | os.O_NONBLOCK, dir_fd=dir_fd)  # NONBLOCK: a FIFO does not hang us
    except OSError:
        raise NotStored(rel) from None
    finally:
        os.close(dir_fd)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise NotStored(rel)
    os.set_blocking(fd, True)
    return fd, st.st_size


def read_stored(home: Path, store: str, rel: str | None) -> bytes:
    fd, _ = open_stored(home, store, rel)
    with os.fdopen(fd, "rb") as f:
        return f.read()


def _chunks(f: BinaryIO) -> Iterator[bytes]:
    with f:
        while chunk := f.read(CHUNK):
            yield chunk


def stored_response(
    home: Path, store: str, rel: str | None, media_type: str, filename: str | None = None,
    headers: dict[str, str] | None = None,
) -> StreamingResponse:
    """The stored file as a response (inline, under its original name when given)."""
    fd, size = open_stored(home, store, rel)  # the file object closes when the response is done or dropped
    h = {"Content-Length": str(size), **(headers or {})}
    if filename:
        quoted = quote(filename)
        h["Content-Disposition"] = (f"inline; filename*=utf-8''{quoted}" if quoted != filename
                                    else f'inline; filename="{filename}"')
    return StreamingResponse(_chunks(os.fdopen(fd, "rb")), media_type=media_type, headers=h)
