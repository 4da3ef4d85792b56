"""What one file may cost to read: time, memory, pixels to render, drawing instructions to parse.

A file that would cost more is refused before its pages are read (an estimate from its page sizes and
content streams) or stopped while they are read (the page readers enforce the time and memory), with a
reason that says which limit it hit and which setting raises it. Without limits one crafted file of a few
kilobytes could hold both cores for minutes and several gigabytes of memory, and stop everyone's run.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

OCR_DPI = 300
BYTES_PER_PIXEL = 12  # a page being OCR'd: the 8-bit image, its float copies (flattening, deskew), Tesseract's own


class OverBudget(Exception):
    """Reading the file would cost more than a limit allows; the message says which and how to raise it."""


class OverTime(OverBudget):
    """A page reader ran past its time limit (raised inside the reader by its alarm)."""


@dataclass(frozen=True)
class Budget:
    file_seconds: float = 900.0  # reading time of one file, summed over its pages
    page_seconds: float = 300.0  # one page
    reader_mb: int = 2048  # memory of one page reader process, beyond what it starts with
    render_megapixels: float = 2500.0  # pages x page area at the OCR resolution, for one file
    content_mb: float = 8.0  # drawing instructions (content stream) of one page, decompressed

    @classmethod
    def from_env(cls) -> Budget:
        """Budgets from COMPLIANCE_MAX_FILE_SECONDS, COMPLIANCE_MAX_PAGE_SECONDS, COMPLIANCE_MAX_READER_MB,
        COMPLIANCE_MAX_RENDER_MEGAPIXELS and COMPLIANCE_MAX_CONTENT_MB (0 or unset: the default)."""
        d = cls()

        def num(name: str, default: float) -> float:
            raw = os.environ.get(name, "").strip()
            try:
                value = float(raw) if raw else default
            except ValueError:
                return default
            return value if value > 0 else default

        return cls(
            file_seconds=num("COMPLIANCE_MAX_FILE_SECONDS", d.file_seconds),
            page_seconds=num("COMPLIANCE_MAX_PAGE_SECONDS", d.page_seconds),
            reader_mb=int(num("COMPLIANCE_MAX_READER_MB", d.reader_mb)),
            render_megapixels=num("COMPLIANCE_MAX_RENDER_MEGAPIXELS", d.render_megapixels),
            content_mb=num("COMPLIANCE_MAX_CONTENT_MB", d.content_mb),
        )

    def page_limit(self) -> float:
        """Seconds one page may take: a page never gets more than its whole file."""
        return min(self.page_seconds, self.file_seconds)


def _size(mb: float) -> str:
    return f"{mb / 1024:.1f} GB" if mb >= 1024 else f"{mb:.0f} MB"


def _minutes(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} second{'s' if round(seconds) != 1 else ''}"


def memory_reason(budget: Budget, needed_mb: float | None = None) -> str:
    if needed_mb is None:
        return (f"the file needs more than {_size(budget.reader_mb)} of memory to read: over the limit; "
                "raise COMPLIANCE_MAX_READER_MB to read it")
    return (f"the file needs about {_size(needed_mb)} of memory to read, more than the limit of "
            f"{_size(budget.reader_mb)}; raise COMPLIANCE_MAX_READER_MB to read it")


def time_reason(budget: Budget, page_only: bool = False) -> str:
    if page_only and budget.page_seconds < budget.file_seconds:
        return (f"a page took more than {_minutes(budget.page_seconds)} to read: over the limit; "
                "raise COMPLIANCE_MAX_PAGE_SECONDS to read it")
    return (f"the file takes more than {_minutes(budget.file_seconds)} to read: over the limit; "
            "raise COMPLIANCE_MAX_FILE_SECONDS to read it")


def crash_reason(budget: Budget) -> str:
    return (f"the page reader stopped while reading this file (it needs more than {_size(budget.reader_mb)} of "
            "memory, or the file is damaged in a way that crashes the reader); raise COMPLIANCE_MAX_READER_MB "
            "to try again, or ask the sender for a new copy")


def pixels_needed(width_pt: float, height_pt: float, dpi: float = OCR_DPI) -> float:
    """Pixels of a page rendered at `dpi` (PDF sizes are in points, 72 to the inch)."""
    return abs(width_pt * height_pt) / (72 * 72) * dpi * dpi


def check_page_sizes(sizes: list[tuple[float, float]], budget: Budget) -> None:
    """Refuse a file whose pages cost too much to render and OCR: one page over the memory of a reader, or
    all of them together over the pixels a file may have."""
    pixels = [pixels_needed(w, h) for w, h in sizes]
    if not pixels:
        return
    biggest = max(pixels)
    needed_mb = biggest * BYTES_PER_PIXEL / 1024 / 1024
    if needed_mb > budget.reader_mb:
        page = pixels.index(biggest) + 1
        w, h = sizes[page - 1]
        raise OverBudget(f"{memory_reason(budget, needed_mb)} (page {page} is {w / 72:.0f} x {h / 72:.0f} inches)")
    total = sum(pixels) / 1e6
    if total > budget.render_megapixels:
        raise OverBudget(
            f"the file has {len(pixels)} pages holding {total:,.0f} megapixels to read at {OCR_DPI} dpi, more than "
            f"the limit of {budget.render_megapixels:,.0f}; raise COMPLIANCE_MAX_RENDER_MEGAPIXELS to read it"
        )


def check_image_size(width: int, height: int, dpi: float, budget: Budget) -> None:
    """An image page is OCR'd at its own resolution, scaled up (at most 3x) when it is below 220 dpi."""
    scale = min(300 / dpi, 3.0) if dpi < 220 else 1.0
    check_page_sizes([(width * scale * 72 / OCR_DPI, height * scale * 72 / OCR_DPI)], budget)


def check_pdf_content(path: Path | bytes, budget: Budget) -> None:
    """Refuse a PDF whose pages hold more drawing instructions than a reader can parse in its memory and
    time (a page of a million text operators takes gigabytes). Streams are measured decompressed, but never
    decompressed further than the limit."""
    import pikepdf

    limit = int(budget.content_mb * 1024 * 1024)
    try:
        pdf = pikepdf.open(path) if isinstance(path, Path) else pikepdf.open(_bytes_io(path))
    except Exception:  # qpdf cannot open it: the readers will say why (or read what pdfium renders)
        return
    with pdf:
        for number, page in enumerate(pdf.pages, start=1):
            try:
                contents = page.obj.get("/Contents")
                streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
                size = sum(_decoded_size(s, limit + 1) for s in streams if isinstance(s, pikepdf.Stream))
            except Exception:  # a broken content stream is the readers' business, not a budget's
                continue
            if size > limit:
                raise OverBudget(
                    f"page {number} holds more than {_size(budget.content_mb)} of drawing instructions, over the "
                    "limit (it would take too long and too much memory to read); raise COMPLIANCE_MAX_CONTENT_MB "
                    "to read it"
                )


def _bytes_io(data: bytes):  # type: ignore[no-untyped-def]
    import io

    return io.BytesIO(data)


def _decoded_size(stream, cap: int) -> int:  # type: ignore[no-untyped-def]
    """The stream's decompressed length, counted up to `cap` (a small stream may inflate to gigabytes)."""
    import pikepdf

    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else ([str(filters)] if filters else [])
    raw = stream.read_raw_bytes()
    if names == ["/FlateDecode"]:
        inflater = zlib.decompressobj()
        total, chunk = 0, raw
        while chunk and total < cap:
            out = inflater.decompress(chunk, 1 << 20)
            total += len(out)
            chunk = inflater.unconsumed_tail
        return total
    if not names:
        return len(raw)
    return len(raw) * 4  # other filters: a plausible ratio, without decoding
