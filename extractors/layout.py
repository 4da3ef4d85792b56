"""Reading a page as a person does: find a printed label, then look right of it or below it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from rapidfuzz import fuzz

from extractors.model import Evidence, PageText, Word

Span = list[Word]  # consecutive words on one line


@lru_cache(maxsize=1 << 16)  # the same few thousand tokens are compared over and over
def norm_token(text: str) -> str:
    return re.sub(r"[^a-z0-9$&#]", "", text.lower())


def text_of(words: Iterable[Word]) -> str:
    return " ".join(w.text for w in words)


def bbox(words: Sequence[Word]) -> tuple[float, float, float, float] | None:
    if not words:
        return None
    return (min(w.x0 for w in words), min(w.y0 for w in words), max(w.x1 for w in words), max(w.y1 for w in words))


def mean_conf(words: Sequence[Word]) -> float:
    return sum(w.conf for w in words) / len(words) / 100 if words else 0.0


def evidence(page: PageText, words: Sequence[Word], method: str, reliability: float = 1.0) -> Evidence:
    """Evidence for a value: page, box, words, and OCR confidence times the method's reliability."""
    return Evidence(page.page_no, bbox(words), text_of(words), round(mean_conf(words) * reliability, 3), method)


def find_phrase(page: PageText, phrase: str, min_score: float = 85) -> list[Span]:
    """Every place a phrase is printed on the page, tolerant of OCR slips and punctuation."""
    target = [t for t in (norm_token(p) for p in phrase.split()) if t]
    if not target:
        return []
    joined_target = "".join(target)
    hits: list[Span] = []
    for line in page.lines():
        toks = [norm_token(w.text) for w in line]
        n = len(target)
        for i in range(len(line)):
            for k in (n - 1, n, n + 1):
                if k < 1 or i + k > len(line):
                    continue
                cand = "".join(toks[i : i + k])
                if not cand or (cand[0] != joined_target[0] and len(joined_target) < 5):
                    continue
                score = 100.0 if cand == joined_target else fuzz.ratio(cand, joined_target, score_cutoff=min_score)
                if score >= min_score:
                    hits.append(line[i : i + k])
                    break
    return _dedupe(hits)


def _dedupe(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for s in spans:
        if not any(set(map(id, s)) & set(map(id, o)) for o in out):
            out.append(s)
    return out


def words_in_box(page: PageText, x0: float, y0: float, x1: float, y1: float, center: bool = True) -> list[Word]:
    """Words inside a box (by centre point, or wholly inside), in reading order."""
    if center:
        inside = [w for w in page.words if x0 <= w.cx <= x1 and y0 <= w.cy <= y1]
    else:
        inside = [w for w in page.words if w.x0 >= x0 and w.x1 <= x1 and w.y0 >= y0 and w.y1 <= y1]
    return sorted(inside, key=lambda w: (w.line, w.x0))


def right_of(page: PageText, span: Span, max_dx: float = 250, slack: float = 0.6) -> list[Word]:
    """Words on the same row to the right of a label, up to a wide gap."""
    b = bbox(span)
    assert b
    h = b[3] - b[1]
    cy = (b[1] + b[3]) / 2
    row = sorted(
        (w for w in page.words
         if w.x0 >= b[2] - 1 and abs(w.cy - cy) <= slack * max(h, w.height) and w.x0 - b[2] <= max_dx),
        key=lambda w: w.x0,
    )
    return row


def below(
    page: PageText, span: Span, max_dy: float = 60, width: float | None = None, left_slack: float = 10
) -> list[Word]:
    """Words in the block under a label: starting at the label's left edge, within max_dy."""
    b = bbox(span)
    assert b
    x1 = b[0] + (width if width is not None else max(b[2] - b[0], 150))
    return [w for w in words_in_box(page, b[0] - left_slack, b[3] + 0.5, x1, b[3] + max_dy)]


def split_rows(words: Sequence[Word]) -> list[list[Word]]:
    """Group words by visual row (same line index), in order."""
    rows: dict[int, list[Word]] = {}
    for w in words:
        rows.setdefault(w.line, []).append(w)
    return [sorted(r, key=lambda w: w.x0) for _, r in sorted(rows.items(), key=lambda kv: min(w.y0 for w in kv[1]))]


def trim_specks(words: Sequence[Word]) -> list[Word]:
    """Drop unsure scraps at the edges of a value (a speck read as 'sa', '7' or 'J' before a name).
    A word at the edge goes only when it is short, OCR doubted it, and real words remain."""

    def speck(w: Word) -> bool:
        t = w.text.strip(".,:;'\"‘’“”|")
        return (
            (w.conf < 40 and len(t) <= 3)
            or (not any(c.isalpha() for c in t) and w.conf < 75 and len(t) <= 2)
            or (len(t) <= 2 and w.conf < 60)
        )

    out = list(words)
    while len(out) >= 2 and speck(out[0]):
        out.pop(0)
    while len(out) >= 2 and speck(out[-1]) and len(out[-1].text.strip(".")) <= 1 and out[-1].conf < 40:
        out.pop()
    return out
