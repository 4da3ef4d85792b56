"""Page images for reading the evidence up close: each page at 200 dpi, made from the stored original on first
request and kept as WebP beside the other page images (pages/zoom/). The page is turned and straightened as
it was for reading, so the evidence boxes (kept in page coordinates) fall on the same words at any size."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageSequence

ZOOM_DPI = 200
ZOOM_FOLDER = "zoom"
WEBP_QUALITY = 70  # small print stays legible; a letter page is about 100-250 KB


def zoom_name(sha256: str, page_no: int) -> str:
    """The zoom image's place inside the page-image store."""
    return f"{ZOOM_FOLDER}/{sha256[:2]}/{sha256}-{page_no}.webp"


def _page_of_original(original: bytes, media_type: str, page_no: int, dpi: float) -> Image.Image:
    if media_type == "application/pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(original)
        try:
            return pdf[page_no - 1].render(scale=dpi / 72).to_pil().convert("L")
        finally:
            pdf.close()
    with Image.open(io.BytesIO(original)) as im:
        for n, frame in enumerate(ImageSequence.Iterator(im)):
            if n == page_no - 1:
                return frame.convert("L")
    raise IndexError(f"no page {page_no}")


def make_zoom_image(original: bytes, media_type: str, page_no: int, width: float, height: float,
                    rotation: int = 0, skew: float = 0.0) -> bytes:
    """The page at ZOOM_DPI as WebP: turned upright (rotation, clockwise degrees) and straightened (skew, as
    for reading), then sized to the page's width and height in points, the frame its evidence boxes use."""
    page = _page_of_original(original, media_type, page_no, ZOOM_DPI)
    if rotation:
        page = page.rotate(-rotation, expand=True, fillcolor=255)
    if abs(skew) >= 0.2:
        page = page.rotate(skew, resample=Image.BICUBIC, fillcolor=255)
    size = (max(1, round(width * ZOOM_DPI / 72)), max(1, round(height * ZOOM_DPI / 72)))
    if page.size != size:
        page = page.resize(size, Image.LANCZOS)
    out = io.BytesIO()
    page.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def keep(home: Path, rel: str, data: bytes) -> None:
    """Keep a made zoom image in the page-image store (written whole, then moved into place)."""
    path = home / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
