"""Marks in boxes: the ink inside a drawn square left of a label, or an 'X' the text layer or OCR gives."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PIL import Image

from extractors.coi.geometry import _PX, Box, _Label
from extractors.layout import text_of
from extractors.model import PageText, Word

_CHECK_TEXT = re.compile(r"^[\[\(|]?\s*[xXkK%&×✓✔☒■]\s*[\]\)|lI1]?$")


def _dark_grid(img: Image.Image, box: Box) -> tuple[list[list[bool]], int, int]:
    x0, y0, x1, y1 = (round(v * _PX) for v in box)
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, img.width), min(y1, img.height)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return [], 0, 0
    crop = img.crop((x0, y0, x1, y1)).convert("L")
    px = crop.load()
    w, h = crop.size
    return [[px[i, j] < 150 for i in range(w)] for j in range(h)], w, h


def _longest_run(col: Sequence[bool]) -> tuple[int, int, int]:
    best = (0, 0, 0)
    run_start = None
    for j, v in enumerate([*col, False]):
        if v and run_start is None:
            run_start = j
        elif not v and run_start is not None:
            if j - run_start > best[0]:
                best = (j - run_start, run_start, j - 1)
            run_start = None
    return best


def _box_ink_small(img: Image.Image, label: Word | _Label) -> float | None:
    """A box about the label's height close left of it (the common compact layout)."""
    h = max(label.y1 - label.y0, 5.0)
    cy = (label.y0 + label.y1) / 2
    grid, w, hh = _dark_grid(img, (label.x0 - 2.6 * h, cy - 1.0 * h, label.x0 - 0.3, cy + 1.0 * h))
    if not grid:
        return None
    cols = [sum(grid[j][i] for j in range(hh)) for i in range(w)]
    edges = [i for i, c in enumerate(cols) if c >= 0.33 * hh]
    if not edges:
        return None
    right = max(edges)
    span = [i for i in edges if 4 <= right - i <= 1.7 * h * _PX]
    if not span:
        return None
    left = min(span)
    width = right - left + 1
    hrows = [j for j in range(hh) if sum(grid[j][left : right + 1]) >= 0.6 * width]
    if len(hrows) < 2 or hrows[-1] - hrows[0] < 4:
        return None
    top, bottom = hrows[0], hrows[-1]
    ix0, ix1, iy0, iy1 = left + 2, right - 1, top + 2, bottom - 1
    if ix1 - ix0 < 2 or iy1 - iy0 < 2:
        return None
    dark = sum(grid[j][i] for j in range(iy0, iy1) for i in range(ix0, ix1))
    return dark / ((ix1 - ix0) * (iy1 - iy0))


def _box_ink(img: Image.Image, label: Word | _Label) -> float | None:
    """Share of dark pixels inside the small square printed left of a checkbox label.

    The square is found from its two vertical sides (long dark runs), whatever its size or gap."""
    h = max(label.y1 - label.y0, 5.0)
    cy = (label.y0 + label.y1) / 2
    x_end = label.x0 - 0.3
    text = getattr(label, "text", "")
    if re.match(r"^[\[(|CO0&%xX][A-Za-z]", text) and len(text) > 4:
        x_end = label.x0 + (label.x1 - label.x0) * 1.3 / len(text)  # OCR glued the box to the label
    grid, w, hh = _dark_grid(img, (label.x0 - 4.0 * h, cy - 1.8 * h, x_end, cy + 1.8 * h))
    if not grid:
        return None
    hpx = h * _PX
    runs = [_longest_run([grid[j][i] for j in range(hh)]) for i in range(w)]
    sides = [i for i in range(w) if 0.7 * hpx <= runs[i][0] <= 2.6 * hpx]
    if not sides:
        return None
    right = max(sides)
    left = top = bottom = -1
    for r in sorted(sides, reverse=True):
        cands = [i for i in sides if 0.6 * hpx <= r - i <= 2.6 * hpx and abs(runs[i][0] - runs[r][0]) <= 0.35 * hpx]
        for i in sorted(cands, reverse=True):
            t, b = max(runs[i][1], runs[r][1]), min(runs[i][2], runs[r][2])
            if 0.7 <= (r - i) / max(b - t, 1) <= 1.4:  # a square, not two rule lines
                left, right, top, bottom = i, r, t, b
                break
        if left >= 0:
            break
    if left < 0:
        return None
    ix0, ix1, iy0, iy1 = left + 3, right - 2, top + 3, bottom - 2
    if ix1 - ix0 < 2 or iy1 - iy0 < 2:
        return None
    dark = sum(grid[j][i] for j in range(iy0, iy1) for i in range(ix0, ix1))
    return dark / ((ix1 - ix0) * (iy1 - iy0))


def _text_mark(page: PageText, label: Word | _Label) -> bool | None:
    """A check mark the text layer or OCR gives as a word ('X', '[X]', '&]') just left of a label."""
    h = max(label.y1 - label.y0, 5.0)
    cy = (label.y0 + label.y1) / 2
    near = [
        w
        for w in page.words
        if w.x1 <= label.x0 + 1.5 and w.x0 >= label.x0 - 3.0 * h and abs(w.cy - cy) <= 0.7 * h and w is not label
    ]
    if not near:
        # OCR may glue the mark to the label ('XOCCUR', '&]occur')
        t = getattr(label, "text", None) or text_of(getattr(label, "words", []))
        m = re.match(r"^[\[\(]?[xX&%K][\]\)]?(?=[A-Za-z]{4})", t)
        return True if m else None
    t = near[-1].text.strip()
    if _CHECK_TEXT.match(t) or re.fullmatch(r"[\[\(|]?[xX&%K][\]\)lI|1]", t) or t in ("IX]", "[X", "X]"):
        return True
    if re.fullmatch(r"[\[\(]?[\]\)]?|[CLO0DU\[\]\(\)|]{1,3}", t):
        return False
    return None


def _checked(page: PageText, image: Image.Image | None, label: Word | _Label) -> tuple[bool | None, float | None]:
    ink = None
    if image is not None:
        ink = _box_ink_small(image, label)
        if ink is None:
            ink = _box_ink(image, label)
    if ink is not None and ink > 0.8:
        ink = None  # a solid block is a mis-found box (rule lines, glued OCR), not a tick
    mark = _text_mark(page, label)
    if mark and page.source == "text_layer":
        return True, ink  # an 'X' typed into the box by the issuing software
    if ink is not None:
        return ink >= 0.14, ink
    return mark, None
