"""Decide whether a received file is a document we can read, before any real work is done."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from extractors.reasons import Refusal, plain_reason, without_paths

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
SUPPORTED = (PDF, JPEG, PNG, TIFF)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 80_000_000  # per page image; guards against decompression bombs
    max_pages: int = 200

    @classmethod
    def from_env(cls) -> Limits:
        """Limits from COMPLIANCE_MAX_FILE_MB, COMPLIANCE_MAX_PIXELS and COMPLIANCE_MAX_PAGES."""
        import os

        d = cls()
        return cls(
            max_bytes=int(float(os.environ.get("COMPLIANCE_MAX_FILE_MB", d.max_bytes / 1024 / 1024)) * 1024 * 1024),
            max_pixels=int(os.environ.get("COMPLIANCE_MAX_PIXELS", d.max_pixels)),
            max_pages=int(os.environ.get("COMPLIANCE_MAX_PAGES", d.max_pages)),
        )


class RejectedFile(Refusal):
    """The file is not a document we can read; the message says why, for staff."""


def sniff_media_type(head: bytes, name: str) -> str | None:
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    return None


def check_file(path: Path, limits: Limits) -> tuple[str, int]:
    """Return (media type, page count) or raise RejectedFile with a specific reason. Every library call on
    the file's bytes runs inside this boundary: whatever a library raises on a damaged file (or a file
    too big for memory) becomes a RejectedFile in plain words, without server paths."""
    try:
        return _check_file(path, limits)
    except RejectedFile as e:
        raise RejectedFile(without_paths(str(e))) from e
    except MemoryError as e:
        raise RejectedFile(plain_reason(e)) from e
    except Exception as e:  # one bad file never stops the batch
        kind = "PDF" if _looks_like_pdf(path) else "file"
        raise RejectedFile(f"corrupt {kind}: it cannot be opened — {plain_reason(e)}") from e


def _looks_like_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return sniff_media_type(f.read(2048), path.name) == PDF
    except OSError:
        return False


def _check_file(path: Path, limits: Limits) -> tuple[str, int]:
    size = path.stat().st_size
    if size == 0:
        raise RejectedFile("zero-byte file: the file is empty")
    if size > limits.max_bytes:
        raise RejectedFile(
            f"file is too large ({size / 1024 / 1024:,.1f} MB; the limit is {limits.max_bytes / 1024 / 1024:,.0f} MB,"
            " set by COMPLIANCE_MAX_FILE_MB)"
        )
    with path.open("rb") as f:
        head = f.read(2048)
    media_type = sniff_media_type(head, path.name)
    if media_type is None and path.suffix.lower() in (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff"):
        raise RejectedFile(
            f"the file is named {path.suffix.lower()} but its content is not a PDF, JPEG, PNG or TIFF document:"
            " it is damaged, or another kind of file renamed; ask the sender for a new copy"
        )
    if media_type is None:
        ext = path.suffix.lower() or "no extension"
        raise RejectedFile(
            f"unsupported file type ({ext}): only PDF, JPEG, PNG and TIFF documents can be read"
        )
    if media_type == PDF:
        return media_type, _check_pdf(path, limits)
    return media_type, _check_image(path, limits)


def _check_pdf(path: Path, limits: Limits) -> int:
    import pypdfium2 as pdfium

    from extractors.pagetext import _PDFIUM

    with _PDFIUM:
        return _check_pdf_locked(path, limits, pdfium)


def _check_pdf_locked(path: Path, limits: Limits, pdfium) -> int:  # type: ignore[no-untyped-def]
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        msg = str(e).lower()
        if "password" in msg or "security" in msg:
            raise RejectedFile("password-protected (encrypted) PDF: ask the sender for an unlocked copy") from e
        from extractors.pagetext import repaired_pdf  # viewers open what qpdf can repair: so do we

        repaired = repaired_pdf(path)
        try:
            pdf = pdfium.PdfDocument(repaired) if repaired else None
        except pdfium.PdfiumError:
            pdf = None
        if pdf is None:
            raise RejectedFile(
                "corrupt PDF: it cannot be opened, even after repair; ask the sender for a new copy"
            ) from e
    try:
        n = len(pdf)
        if n == 0:
            raise RejectedFile("corrupt PDF: it has no pages")
        if n > limits.max_pages:
            raise RejectedFile(f"PDF has {n} pages; the limit is {limits.max_pages}")
        for i in range(n):
            w, h = pdf[i].get_size()
            if w * h / (72 * 72) * 300 * 300 > limits.max_pixels * 4:
                raise RejectedFile(f"page {i + 1} is implausibly large ({w / 72:.0f} x {h / 72:.0f} inches): the file"
                                   " is damaged or not a document; ask the sender for a new copy")
    finally:
        pdf.close()
    _check_pdf_complete(path)
    return n


def _check_pdf_complete(path: Path) -> None:
    """pdfium repairs truncated files silently, showing what is left: a PDF that does not end with its
    end-of-file marker (after its last objects) was cut short. Bytes after the marker (a mail gateway's
    padding, zeros, a signature block) are not corruption: viewers ignore them, and so do we."""
    import mmap

    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 2048))
        if b"%%EOF" in f.read():
            return
        f.seek(0)
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            last = max(data.rfind(b"%%EOF"), data.rfind(b"startxref"))
            # objects after the last marker: the file was cut in the middle of its last part (or of a
            # linearized file, whose first marker comes early)
            cut = last >= 0 and re.search(rb"\d+\s+\d+\s+obj\b|endobj|endstream", data[last + 5 :]) is not None
    if last < 0 or cut:
        raise RejectedFile("corrupt PDF: the file is truncated (no end-of-file marker)")


def _check_image(path: Path, limits: Limits) -> int:
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                n = getattr(im, "n_frames", 1)
                if n > limits.max_pages:
                    raise RejectedFile(f"image has {n} pages; the limit is {limits.max_pages}")
                for i in range(n):
                    im.seek(i)
                    if im.width * im.height > limits.max_pixels:
                        raise RejectedFile(
                            f"image page {i + 1} is {im.width}x{im.height} pixels, over the limit"
                            f" of {limits.max_pixels:,} (possible decompression bomb)"
                        )
                    im.load()
                return n
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise RejectedFile(f"image is too large in pixels (possible decompression bomb): over {limits.max_pixels:,}"
                           " pixels, the limit set by COMPLIANCE_MAX_PIXELS") from e
    except RejectedFile:
        raise
    except Exception as e:  # TypeError, struct.error, ... on a damaged image as well
        raise RejectedFile(f"corrupt or truncated image: {plain_reason(e)}") from e
    finally:
        Image.MAX_IMAGE_PIXELS = old
