"""Second readings of doubtful lines from the page image (a strip read again, or a vote of three readings)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PIL import Image

from extractors.coi.geometry import _is_noise, _median_cy
from extractors.layout import bbox
from extractors.model import PageText, Word
from extractors.reread import read_strip as _reread


def _mean_conf(words: Sequence[Word]) -> float:
    return sum(w.conf for w in words) / len(words) if words else 0.0


def _weak(words: Sequence[Word], floor: float = 70) -> bool:
    """OCR doubted part of this value (a garbled or half-read word)."""
    real = [w for w in words if re.search(r"[A-Za-z0-9]", w.text)]
    return bool(real) and (min(w.conf for w in real) < floor or _mean_conf(real) < floor + 15)


def _line_height(page: PageText) -> float:
    """Height of a well-read line of running text on this page (the body font)."""
    hs = sorted(w.height for w in page.words if w.conf >= 85 and len(w.text) >= 3)
    return max(4.0, hs[len(hs) // 2]) if hs else 7.0


def _reread_lines(
    page: PageText,
    img: Image.Image | None,
    words: list[Word],
    x0: float | None = None,
    x1: float | None = None,
    floor: float = 40,
) -> list[list[Word]] | None:
    """The lines of a doubtful stretch of text read again on their own, when clearly surer.

    The strip is cut a little taller than the words (OCR's boxes of garbled words are loose) and read
    as a block; the lines whose centres fall inside the original words' height are the value. One
    garbled OCR line that really covered two printed lines comes back as two. Every word of the second
    reading must be read with at least `floor` confidence, unless the caller judges it by its content."""
    if img is None or page.source != "ocr" or not words or not _weak(words):
        return None
    b = bbox(words)
    assert b
    sure = [w for w in words if w.conf >= 80 and re.search(r"[A-Za-z0-9]", w.text)]
    if sure:  # the well-read words of the line give its height and place
        h = sorted(w.height for w in sure)[len(sure) // 2]
        y0, y1 = min(w.cy for w in sure) - 0.5 * h, max(w.cy for w in sure) + 0.5 * h
    else:
        h = min(_line_height(page), max(w.height for w in words))
        y0, y1 = b[1], b[3]
    if y1 - y0 < h:
        y0, y1 = (y0 + y1) / 2 - h / 2, (y0 + y1) / 2 + h / 2
    lines: dict[int, list[Word]] = {}
    box = ((x0 if x0 is not None else b[0]) - 3, y0 - 1.1 * h, (x1 if x1 is not None else b[2]) + 3, y1 + 1.1 * h)
    for w in _reread(img, box, 6):
        if not _is_noise(w):
            lines.setdefault(w.line, []).append(w)
    inside = [ln for ln in lines.values() if y0 - 0.2 * h <= _median_cy(ln) <= y1 + 0.2 * h]
    if not inside:
        return None
    again = [sorted(ln, key=lambda w: w.x0) for ln in sorted(inside, key=_median_cy)]
    flat = [w for ln in again for w in ln]
    old = [w for w in words if not _is_noise(w)]
    if _mean_conf(flat) >= _mean_conf(old) + 8 and min(w.conf for w in flat) >= floor:
        return again
    return None


def _better_reading(
    page: PageText, img: Image.Image | None, words: list[Word], x0: float | None = None, x1: float | None = None
) -> list[Word]:
    """The words of a doubtful one-line value, read again when the second reading is clearly surer, else
    settled word by word by a vote of three readings."""
    got = _reread_lines(page, img, words, x0, x1)
    return _nearest_line(got, words) if got else _voted(page, img, words, x0, x1)


def _line_read_again(page: PageText, img: Image.Image | None, words: list[Word]) -> list[Word]:
    """A doubtful line read once more on its own (one OCR call), kept when surer on the whole, however weakly
    one word of it reads: for a line the caller judges by what it names (APS or not), not word by word."""
    got = _reread_lines(page, img, words, floor=0)
    return _nearest_line(got, words) if got else words


def _nearest_line(lines: list[list[Word]], words: Sequence[Word]) -> list[Word]:
    """Of the lines a second reading gave, the one where the first reading's words stand."""
    cy = _median_cy(words)
    return min(lines, key=lambda ln: abs(_median_cy(ln) - cy))


def _voted(
    page: PageText, img: Image.Image | None, words: list[Word], x0: float | None = None, x1: float | None = None
) -> list[Word]:
    """Each doubtful word of a line settled by a vote of three readings (the page's and two cut-outs).

    A letter misread once ('Ranye', 'Compan') is outvoted when both second readings agree."""
    if img is None or page.source != "ocr" or not words:
        return words
    if min((w.conf for w in words if re.search(r"[A-Za-z0-9]", w.text)), default=100) >= 90:
        return words
    b = bbox(words)
    assert b
    h = sorted(w.height for w in words)[len(words) // 2]
    cy = _median_cy(words)
    xa, xb = (x0 if x0 is not None else b[0]) - 3, (x1 if x1 is not None else b[2]) + 3
    readings = []
    for (top, bottom), psm in (((cy - 0.75 * h, cy + 0.75 * h), 7), ((cy - 1.4 * h, cy + 1.4 * h), 6)):
        got = [w for w in _reread(img, (xa, top, xb, bottom), psm) if abs(w.cy - cy) <= 0.6 * h]
        readings.append(got)
    out = []
    for w in words:
        if w.conf >= 90:
            out.append(w)
            continue
        votes: dict[str, list[float]] = {w.text: [w.conf]}
        for rd in readings:
            m = [x for x in rd if min(x.x1, w.x1) - max(x.x0, w.x0) > 0.6 * min(w.x1 - w.x0, x.x1 - x.x0)]
            if len(m) == 1:
                votes.setdefault(m[0].text, []).append(m[0].conf)
        text, confs = max(votes.items(), key=lambda kv: (len(kv[1]), max(kv[1])))
        if text == w.text or len(confs) < 2:  # both second readings must agree to overrule the first
            out.append(w)
        else:
            out.append(Word(text, w.x0, w.y0, w.x1, w.y1, min(confs), w.line))
    return out


def _reread_rows(page: PageText, img: Image.Image | None, rows: list[list[Word]]) -> list[list[Word]]:
    """Rows of a text block, each doubtful row read again across the block's whole width.

    OCR lines that share one visual row (a garbled name split in pieces) are read as one row."""
    if img is None or page.source != "ocr" or not rows:
        return rows
    merged: list[list[Word]] = []
    for r in rows:
        if merged:
            last = merged[-1]
            h = max(4.0, sorted(w.height for w in last)[len(last) // 2])
            if abs(_median_cy(last) - _median_cy(r)) <= 0.5 * h and (_weak(last) or _weak(r)):
                merged[-1] = sorted(last + r, key=lambda w: w.x0)
                continue
        merged.append(r)
    bx0, bx1 = min(r[0].x0 for r in merged) - 4, max(r[-1].x1 for r in merged) + 4
    out: list[list[Word]] = []
    for r in merged:
        if len(re.sub(r"[^A-Za-z0-9]", "", "".join(w.text for w in r))) < 3:
            out.append(r)  # a speck, not a line worth reading again
            continue
        for again in _reread_lines(page, img, r, bx0, bx1) or [r]:
            # a strip read again may hold the neighbouring line: keep one reading of each line
            clash = [
                i
                for i, o in enumerate(out)
                if min(max(w.y1 for w in o), max(w.y1 for w in again))
                - max(min(w.y0 for w in o), min(w.y0 for w in again))
                > 0.5 * min(_line_height(page), o[0].height, again[0].height)
            ]
            if clash and _mean_conf(out[clash[0]]) >= _mean_conf(again):
                continue
            out = [o for i, o in enumerate(out) if i not in clash]
            out.append(again)
    return sorted(out, key=_median_cy)
