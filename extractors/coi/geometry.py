"""Small geometry of a certificate page: label boxes, visual rows, words in a box, ghost words OCR read twice."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from extractors.layout import bbox, evidence, find_phrase, norm_token
from extractors.model import FieldValue, PageText, Word
from extractors.pagetext import PREVIEW_DPI

Box = tuple[float, float, float, float]


_PX = PREVIEW_DPI / 72  # preview pixels per PDF point


@dataclass(slots=True)
class _Label:
    words: list[Word]

    @property
    def box(self) -> Box:
        b = bbox(self.words)
        assert b
        return b

    @property
    def x0(self) -> float:
        return self.box[0]

    @property
    def y0(self) -> float:
        return self.box[1]

    @property
    def x1(self) -> float:
        return self.box[2]

    @property
    def y1(self) -> float:
        return self.box[3]

    @property
    def cy(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    @property
    def h(self) -> float:
        return max(self.box[3] - self.box[1], 4.0)


def _is_noise(w: Word) -> bool:
    """OCR specks and rule-line fragments: no letter or digit, or a lone low-confidence mark."""
    t = w.text.strip()
    if not re.search(r"[A-Za-z0-9]", t):
        return t not in ("$", "&")
    return len(t) == 1 and w.conf < 45 and not t.isdigit()


def _dedupe_overlaps(words: Sequence[Word]) -> list[Word]:
    """Drop ghost words an OCR pass reads twice on the same spot (bold or shaky scans)."""
    kept: list[Word] = []
    for w in sorted(words, key=lambda w: -w.conf):
        width = max(w.x1 - w.x0, 1.0)
        clash = False
        for k in kept:
            ov = min(w.x1, k.x1) - max(w.x0, k.x0)
            vy = min(w.y1, k.y1) - max(w.y0, k.y0)
            if ov > 0.4 * width and vy > 0.3 * min(w.height, k.height) and _similar(w.text, k.text):
                clash = True
                break
        if not clash:
            kept.append(w)
    # a blurred or doubled photo gives a ghost of a word's first letters glued before it ('Pi Pinon')
    ghosts = set()
    for a in kept:
        ta = norm_token(a.text)
        if not 1 <= len(ta) <= 2 or not a.text[:1].isalpha():
            continue
        for b in kept:
            tb = norm_token(b.text)
            if (
                b is not a
                and len(tb) > len(ta) + 2
                and -1.5 <= b.x0 - a.x1 <= 1.0
                and abs(b.cy - a.cy) < 0.5 * max(a.height, b.height)
                and tb[0] == ta[0]
            ):
                ghosts.add(id(a))
                break
    kept = [w for w in kept if id(w) not in ghosts]
    return sorted(kept, key=lambda w: (w.line, w.x0))


def _similar(a: str, b: str) -> bool:
    na, nb = norm_token(a), norm_token(b)
    if not na or not nb:
        return True
    return na in nb or nb in na or fuzz.ratio(na, nb) >= 60


def _rows(words: Sequence[Word], tol: float | None = None) -> list[list[Word]]:
    """Group words into visual rows by their vertical centre (line indices split rows on forms)."""
    ws = sorted(words, key=lambda w: w.cy)
    if not ws:
        return []
    if tol is None:
        hs = sorted(w.height for w in ws)
        tol = max(2.0, 0.45 * hs[len(hs) // 2])
    rows: list[list[Word]] = []
    for w in ws:
        if rows and abs(w.cy - sum(x.cy for x in rows[-1]) / len(rows[-1])) <= tol:
            rows[-1].append(w)
        else:
            rows.append([w])
    return [sorted(r, key=lambda w: w.x0) for r in rows]


def _text_rows(words: Sequence[Word]) -> list[list[Word]]:
    """Rows of running text: the reader's own lines, pieces on one visual row joined left to right."""
    groups: dict[int, list[Word]] = {}
    for w in words:
        groups.setdefault(w.line, []).append(w)
    lines = sorted((sorted(g, key=lambda w: w.x0) for g in groups.values()), key=lambda g: _median_cy(g))
    rows: list[list[Word]] = []
    for g in lines:
        if rows:
            last = rows[-1]
            tol = 0.5 * max(sorted(w.height for w in last)[len(last) // 2], 4.0)
            overlap = any(min(a.x1, b.x1) - max(a.x0, b.x0) > 1 for a in last for b in g)
            if abs(_median_cy(last) - _median_cy(g)) <= tol and not overlap:
                rows[-1] = sorted(last + g, key=lambda w: w.x0)
                continue
        rows.append(g)
    return rows


def _median_cy(ws: Sequence[Word]) -> float:
    cys = sorted(w.cy for w in ws)
    return cys[len(cys) // 2]


def _in_box(page: PageText, x0: float, y0: float, x1: float, y1: float) -> list[Word]:
    return [w for w in page.words if x0 <= w.cx <= x1 and y0 <= w.cy <= y1 and not _is_noise(w)]


def _find(page: PageText, phrase: str, min_score: float = 82, region: Box | None = None) -> list[_Label]:
    """Every place a label is printed (fuzzy), optionally inside a region, top to bottom."""
    out = []
    for span in find_phrase(page, phrase, min_score):
        lab = _Label(list(span))
        if region and not (region[0] <= (lab.x0 + lab.x1) / 2 <= region[2] and region[1] <= lab.cy <= region[3]):
            continue
        out.append(lab)
    return sorted(out, key=lambda lab: (lab.y0, lab.x0))


def _find_token(page: PageText, targets: Sequence[str], min_score: float, region: Box | None = None) -> list[Word]:
    """Single words that look like one of the targets (labels OCR has mangled into one token)."""
    out = []
    for w in page.words:
        t = norm_token(w.text)
        if len(t) < 3:
            continue
        if region and not (region[0] <= w.cx <= region[2] and region[1] <= w.cy <= region[3]):
            continue
        if any(t == g or fuzz.ratio(t, g) >= min_score for g in targets):
            out.append(w)
    return sorted(out, key=lambda w: (w.y0, w.x0))


def _same_row(page_words: Sequence[Word], ref_cy: float, ref_h: float, x0: float, x1: float) -> list[Word]:
    return sorted(
        (w for w in page_words if x0 <= w.cx <= x1 and abs(w.cy - ref_cy) <= 0.6 * max(ref_h, w.height)),
        key=lambda w: w.x0,
    )


def _fv(
    value: object, page: PageText | None, words: Sequence[Word], method: str, reliability: float = 0.9
) -> FieldValue:
    if page is None or not words:
        return FieldValue(value, None)
    return FieldValue(value, evidence(page, list(words), method, reliability))


def _none() -> FieldValue:
    return FieldValue(None, None)
