"""A second reading of one strip of a page, from the page image kept as evidence.

Whole-page OCR garbles a line now and then (a rule line above it, speckles, a faint stamp, small print); read
alone and enlarged, the same strip usually comes out clean. Readers use it where a value is doubtful."""

from __future__ import annotations

import pytesseract
from PIL import Image, ImageOps

from extractors.model import Word
from extractors.pagetext import PREVIEW_DPI, tesseract_data

Box = tuple[float, float, float, float]  # PDF points: x0, y0, x1, y1

_PX = PREVIEW_DPI / 72  # preview pixels per PDF point
# second readings of the last few page images, found by the image itself (never by id(), which a new image
# can reuse once the old one is gone); readers often ask for the same strip twice
_CACHE: list[tuple[Image.Image, dict[tuple[tuple[int, int, int, int], int], list[Word]]]] = []
_CACHED_IMAGES = 4


def read_strip(img: Image.Image | None, box: Box, psm: int = 7) -> list[Word]:
    """The words of the box read again from the page preview, enlarged; coordinates in PDF points.
    No image or no OCR engine: no second reading (the first one stands)."""
    if img is None:
        return []
    x0, y0 = max(0, int(box[0] * _PX)), max(0, int(box[1] * _PX))
    x1, y1 = min(img.width, int(box[2] * _PX + 1)), min(img.height, int(box[3] * _PX + 1))
    if x1 - x0 < 6 or y1 - y0 < 4:
        return []
    key = ((x0, y0, x1, y1), psm)
    readings = next((r for im, r in _CACHE if im is img), None)
    if readings is None:
        readings = {}
        _CACHE.insert(0, (img, readings))
        del _CACHE[_CACHED_IMAGES:]
    if key in readings:
        return readings[key]
    k, pad = 3, 24
    crop = ImageOps.autocontrast(img.crop((x0, y0, x1, y1)).convert("L"), cutoff=1)
    crop = ImageOps.expand(crop.resize((crop.width * k, crop.height * k), Image.LANCZOS), pad, fill=255)
    try:
        data = tesseract_data(crop, f"--psm {psm} --dpi 300")
    except (pytesseract.TesseractError, OSError):
        return []
    out = []
    for i, text in enumerate(data.get("text", [])):
        text = (text or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        lx, ty = (data["left"][i] - pad) / k + x0, (data["top"][i] - pad) / k + y0
        rx, by = lx + data["width"][i] / k, ty + data["height"][i] / k
        line = 900_000 + data["block_num"][i] * 10_000 + data["par_num"][i] * 100 + data["line_num"][i]
        out.append(Word(text, lx / _PX, ty / _PX, rx / _PX, by / _PX, conf, line))
    readings[key] = out
    return out
