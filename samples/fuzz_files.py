"""Damaged, odd and hostile watch-folder entries made from the project's own samples, for the ingest fuzz
test (tests/test_fuzz_ingest.py) and its longer run (bench/fuzz_ingest.py).

    from fuzz_files import sample_seeds, make_fuzz_folder
    seeds = sample_seeds(work_dir)                       # real PDFs and small images of the sample corpus
    made = make_fuzz_folder(folder, outside, seeds, n=250, seed=1)

Mutations of real files: byte flips, truncations, a page object deleted, bytes after %%EOF, broken
cross-reference offsets, a chunk cut out of the middle, a chunk repeated, header damage. Odd entries:
names that are not UTF-8, very long names, sub-folders, a zero-byte file, an unsupported type; hostile
entries: a link named 'scan key.pdf' to a secret file outside, a link to /etc/passwd, a link to a folder
outside, a dangling link, a FIFO, a hard link to a file outside. Deterministic for a given seed.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SECRET = b"-----BEGIN SECRET KEY-----\nnot-a-document-0123456789\n-----END SECRET KEY-----\n"


@dataclass(frozen=True)
class Made:
    """One entry put in the watch folder."""

    rel: bytes  # path inside the folder, as bytes (names may not be UTF-8)
    kind: str  # file | empty | symlink | dirlink | dangling | fifo | hardlink
    how: str  # the mutation or the special case
    sha256: str | None  # of the bytes written (regular files only)

    @property
    def shown(self) -> str:
        """The path as the project stores and prints it (bytes that are not UTF-8 read as U+FFFD)."""
        return self.rel.decode("utf-8", "replace")


def sample_seeds(work: Path) -> dict[str, bytes]:
    """Real files to mutate: the sample corpus's born-digital PDFs (text layer, cheap to read) and small
    PNG, JPEG and TIFF pictures of one of its pages (cheap to OCR)."""
    import pdfplumber
    import pypdfium2 as pdfium

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import make_samples

    corpus = make_samples.make_sample_corpus(work / "sample-corpus")
    seeds: dict[str, bytes] = {}
    for p in sorted((corpus / "inbox").rglob("*.pdf")):
        data = p.read_bytes()
        try:
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                if len(pdf.pages[0].extract_words()) < 20:
                    continue
        except Exception:
            continue
        if hashlib.sha256(data).hexdigest() not in {hashlib.sha256(v).hexdigest() for v in seeds.values()}:
            seeds[re.sub(r"[^A-Za-z0-9]+", "_", p.stem)[:24] + ".pdf"] = data
    first = next(iter(seeds.values()))
    doc = pdfium.PdfDocument(first)
    try:
        page = doc[0].render(scale=60 / 72, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()
    for fmt, ext in (("PNG", "png"), ("JPEG", "jpg"), ("TIFF", "tif")):
        buf = io.BytesIO()
        page.save(buf, fmt, dpi=(60, 60))
        seeds[f"page.{ext}"] = buf.getvalue()
    return seeds


# ------------------------------------------------------------------ mutations of real bytes

Mutation = Callable[[bytes, random.Random], bytes]


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 2, 5, 20, 100))):
        b[rng.randrange(len(b))] ^= rng.randrange(1, 256)
    return bytes(b)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, max(2, len(data) - 1))]


def drop_page_object(data: bytes, rng: random.Random) -> bytes:
    """Delete the object of one page (its 'N 0 obj ... endobj' text), leaving the references to it."""
    pages = [m for m in re.finditer(rb"\d+ 0 obj\s*<<(?:(?!endobj).)*?/Type\s*/Page(?!s)(?:(?!endobj).)*?endobj",
                                    data, re.S)]
    if not pages:
        return truncate(data, rng)
    m = rng.choice(pages)
    return data[: m.start()] + data[m.end():]


def after_eof(data: bytes, rng: random.Random) -> bytes:
    noise = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
    junk = rng.choice((b"\r\n", b"\x00" * rng.randrange(1, 5000), noise, b"%%EOF\n" * 3, b"<html>footer</html>"))
    return data + junk


def bad_xref(data: bytes, rng: random.Random) -> bytes:
    """Shift the offsets of the cross-reference table (viewers and pdfium repair this)."""
    def shift(m: re.Match[bytes]) -> bytes:
        return b"%010d" % max(0, int(m.group(1)) + rng.randrange(-40, 40)) + m.group(2)

    return re.sub(rb"(\d{10})( \d{5} n)", shift, data)


def cut_middle(data: bytes, rng: random.Random) -> bytes:
    a = rng.randrange(len(data))
    return data[:a] + data[a + rng.randrange(1, max(2, len(data) // 4)):]


def repeat_chunk(data: bytes, rng: random.Random) -> bytes:
    a = rng.randrange(len(data))
    chunk = data[a : a + rng.randrange(1, 4000)]
    return data[:a] + chunk * rng.randrange(2, 6) + data[a:]


def damage_header(data: bytes, rng: random.Random) -> bytes:
    n = rng.randrange(1, 16)
    return bytes(rng.randrange(256) for _ in range(n)) + data[n:]


def zero_block(data: bytes, rng: random.Random) -> bytes:
    a = rng.randrange(len(data))
    n = min(len(data) - a, rng.randrange(1, 2000))
    return data[:a] + b"\x00" * n + data[a + n:]


MUTATIONS: dict[str, Mutation] = {
    "flip": flip_bytes, "truncate": truncate, "drop-page": drop_page_object, "after-eof": after_eof,
    "bad-xref": bad_xref, "cut": cut_middle, "repeat": repeat_chunk, "header": damage_header, "zeros": zero_block,
}
PDF_ONLY = {"drop-page", "bad-xref"}


# ------------------------------------------------------------------ the folder


def _name(i: int, how: str, seed_name: str, rng: random.Random) -> bytes:
    base = f"{i:04d} {how} {seed_name}".encode()
    roll = rng.random()
    if roll < 0.06:  # not UTF-8 (Latin-1 bytes from an old scanner, a stray byte)
        return base.replace(b" ", b" \xe9t\xff ", 1)
    if roll < 0.10:  # long: near the 255-byte limit of one name
        stem, ext = os.path.splitext(base)
        return stem + b"-" + b"long" * ((240 - len(base)) // 4) + ext
    if roll < 0.18:
        return b"sub/" + base
    if roll < 0.22:
        return f"ORG-{i % 7:04d}/scan {i:04d}".encode() + os.path.splitext(base)[1]
    return base


def make_fuzz_folder(folder: Path, outside: Path, seeds: dict[str, bytes], n: int, seed: int = 1,
                     specials: bool = True) -> list[Made]:
    """Fill `folder` with n entries (about n - 9 mutated files and 9 special entries), and `outside` with the
    secret file and folder that the hostile links point at. Returns what was made."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    made: list[Made] = []
    names = sorted(seeds)
    special = _specials(folder, outside, seeds) if specials else []
    for i in range(max(0, n - len(special))):
        seed_name = names[i % len(names)]
        data = seeds[seed_name]
        choices = [m for m in MUTATIONS if seed_name.endswith(".pdf") or m not in PDF_ONLY]
        how = choices[rng.randrange(len(choices))]
        out = MUTATIONS[how](data, rng) or data[:1]
        rel = _name(i, how, seed_name, rng)
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), rel)))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(out)
        made.append(Made(rel, "file", how, hashlib.sha256(out).hexdigest()))
    return made + special


def _specials(folder: Path, outside: Path, seeds: dict[str, bytes]) -> list[Made]:
    secret = outside / "web_secret.key"
    secret.write_bytes(SECRET)
    linked_dir = outside / "shared-folder"
    linked_dir.mkdir(exist_ok=True)
    first_pdf = next(v for k, v in sorted(seeds.items()) if k.endswith(".pdf"))
    (linked_dir / "inside the linked folder.pdf").write_bytes(first_pdf)
    hard_target = outside / "hard target.pdf"
    hard_target.write_bytes(first_pdf + b"\n% hard link copy\n")
    out: list[Made] = []

    def add(rel: str, kind: str, make: Callable[[Path], None], sha: str | None = None) -> None:
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        make(p)
        out.append(Made(rel.encode(), kind, rel, sha))

    add("scan key.pdf", "symlink", lambda p: p.symlink_to(secret))
    add("passwd.pdf", "symlink", lambda p: p.symlink_to("/etc/passwd"))
    add("linked folder", "dirlink", lambda p: p.symlink_to(linked_dir, target_is_directory=True))
    add("gone.pdf", "dangling", lambda p: p.symlink_to(outside / "no such file.pdf"))
    add("scanner pipe.pdf", "fifo", lambda p: os.mkfifo(p))
    add("hard link.pdf", "hardlink", lambda p: os.link(hard_target, p))
    add("empty scan.pdf", "empty", lambda p: p.write_bytes(b""), hashlib.sha256(b"").hexdigest())
    add("sub/empty too.pdf", "empty", lambda p: p.write_bytes(b""), hashlib.sha256(b"").hexdigest())
    note = b"Please find the insurance attached. Thanks!\n"
    add("note.txt", "file", lambda p: p.write_bytes(note), hashlib.sha256(note).hexdigest())
    return out
