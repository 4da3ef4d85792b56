"""Boxes found by their labels: insured, certificate holder, description of operations, issue date."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from PIL import Image
from rapidfuzz import fuzz

from extractors.coi.geometry import _dedupe_overlaps, _find, _in_box, _Label, _same_row, _text_rows
from extractors.coi.values import _date_text, _word_dates
from extractors.layout import norm_token
from extractors.model import PageText, Word
from extractors.normalize import DATE_SHAPE, MONTH_RE, clean_spaces, find_dates, fix_ocr_digits
from extractors.reread import read_strip as _reread


def _insured_block(page: PageText, insurer_x: float | None) -> tuple[list[list[Word]], str]:
    cov = [w for w in page.words if norm_token(w.text) == "coverages" and w.x0 < page.width * 0.25]
    y_end = cov[0].y0 - 1 if cov else page.height * 0.35
    labs = [
        _Label([w])
        for w in page.words
        if norm_token(w.text) == "insured"
        and w.text.isupper()
        and w.x0 < page.width * 0.3
        and w.y0 < y_end
        and not [x for x in page.words if 0 < x.x0 - w.x1 < 60 and abs(x.cy - w.cy) < 3]
    ]
    x_hi = (insurer_x - 3) if insurer_x else page.width * 0.48
    if labs:
        lab = labs[0]
        y0, x0, how = lab.y1 - 1, lab.x0 - 6, "label 'INSURED' -> block below"
        same = _same_row(page.words, lab.cy, lab.h, lab.x1 + 2, x_hi)
        if same:
            y0 = lab.y0 - 1
    else:
        hdr = _find(page, "INSURER(S) AFFORDING COVERAGE", 75)
        if not hdr:
            return [], ""
        y0, x0, how = hdr[0].y0, 0.0, "left of the insurers list (INSURED label not read)"
    words = [w for w in _in_box(page, x0, y0, x_hi, y_end) if not (labs and w in labs[0].words)]
    words = [w for w in words if norm_token(w.text) not in ("insured",) or w.x0 > (labs[0].x1 if labs else 0)]
    return _text_rows(_dedupe_overlaps(words)), how


_ADDR_START = re.compile(r"^[^A-Za-z0-9]{0,2}(?:\d+[A-Za-z]?\b|P\.?\s?O\.?\s+Box|PO\s+Box|Suite|Ste\.?|One|Two)", re.I)


_CITY_ZIP = re.compile(r",?\s*[A-Z]{2}\.?\s+\d{5}(?:-\d{4})?\s*$")


def _split_insured(rows: list[list[Word]]) -> tuple[list[Word], list[list[Word]]]:
    # an agency's customer code or account number printed in the block is not part of the name
    while rows and re.fullmatch(r"[A-Z]{2,8}-?\d{1,5}|[\d\-\s#]+", " ".join(w.text for w in rows[0]).strip()):
        rows = rows[1:]
    texts = [" ".join(w.text for w in r) for r in rows]
    first_addr = None
    for i, t in enumerate(texts):
        if i == 0:
            continue
        if _ADDR_START.match(fix_ocr_digits(t)) or _CITY_ZIP.search(t):
            first_addr = i
            break
    if first_addr is None:
        first_addr = 1 if len(rows) > 1 else len(rows)
    name_rows = rows[:first_addr]
    addr_rows = rows[first_addr:]
    if addr_rows:
        # a label fragment ('INSURED', 'SURED') printed left of the block's text margin is not the name
        margin = min(r[0].x0 for r in addr_rows)
        name_rows = [[w for w in r if w.x1 > margin - 2 or w.x0 >= margin - 6] for r in name_rows]
        name_rows = [r for r in name_rows if r]
    # stop at the first line after the city/state/zip line
    for i, t in enumerate(" ".join(w.text for w in r) for r in addr_rows):
        if _CITY_ZIP.search(t):
            addr_rows = addr_rows[: i + 1]
            break
    return [w for r in name_rows for w in r], addr_rows


def _holder(page: PageText) -> tuple[str | None, list[Word]]:
    labs = [lab for lab in _find(page, "CERTIFICATE HOLDER", 85) if _starts_row(page, lab)]
    labs = [lab for lab in labs if lab.y0 > page.height * 0.4] or labs
    if not labs:
        return None, []
    lab = labs[-1]
    canc = [c for c in _find(page, "CANCELLATION", 85) if abs(c.cy - lab.cy) < 20 and c.x0 > lab.x1]
    if not canc:  # the cancellation box's label unread: its printed clause starts the box all the same
        canc = [
            c
            for phrase in ("IF ANY POLICY LISTED ABOVE", "SHOULD ANY OF THE ABOVE DESCRIBED POLICIES")
            for c in _find(page, phrase, 80)
            if lab.y0 - 20 < c.cy < lab.y1 + 40 and c.x0 > lab.x0 + 40
        ]
    x_hi = min(c.x0 for c in canc) - 3 if canc else page.width * 0.5
    y_lo = lab.y1 - 1
    words = _in_box(page, max(lab.x0 - 8, 0), y_lo, x_hi, min(lab.y1 + 110, page.height))
    words = [w for w in words if w not in lab.words]
    rows = [r for r in _text_rows(_dedupe_overlaps(words)) if re.search(r"[A-Za-z]{2}", " ".join(w.text for w in r))]
    if not rows:
        return None, []
    first = rows[0]
    text = clean_spaces(" ".join(w.text for w in first)).strip(" -|,;:")
    return (text or None), first


_DESC_LABEL = {
    "description",
    "of",
    "operations",
    "locations",
    "vehicles",
    "attach",
    "acord",
    "101",
    "additional",
    "remarks",
    "schedule",
    "if",
    "more",
    "space",
    "is",
    "required",
    "may",
    "be",
    "attached",
    "room",
    "needed",
    "a",
}


def _starts_row(page: PageText, lab: _Label) -> bool:
    """A box label opens its row; the same words inside running text have words before them."""
    if norm_token(lab.words[0].text) in ("the", "a", "an", "under", "of"):
        return False
    return not [
        w
        for w in page.words
        if w.x1 < lab.x0 - 1
        and abs(w.cy - lab.cy) < 3
        and w.x0 > lab.x0 - 120
        and len(norm_token(w.text)) >= 2
        and w.conf >= 50
    ]


def _is_label_row(row: Sequence[Word]) -> bool:
    toks = [norm_token(w.text) for w in row if norm_token(w.text)]
    return bool(toks) and sum(t in _DESC_LABEL for t in toks) >= 0.7 * len(toks)


def _description(page: PageText, img: Image.Image | None = None) -> tuple[str | None, list[Word]]:
    labs = _find(page, "DESCRIPTION OF OPERATIONS", 80)
    # the box label starts its row; 'describe under DESCRIPTION OF OPERATIONS below' does not
    labs = [lab for lab in labs if not [w for w in page.words if w.x1 < lab.x0 - 1 and abs(w.cy - lab.cy) < 3]] or labs
    labs = [
        lab for lab in labs if not _find(page, "OPERATIONS below", 85, (lab.x0, lab.y0 - 2, page.width, lab.y1 + 2))
    ]
    if not labs:
        return None, []
    lab = labs[-1]
    hold = [h for h in _find(page, "CERTIFICATE HOLDER", 85) if h.y0 > lab.y1 and _starts_row(page, h)]
    y_hi = hold[0].y0 - 2 if hold else min(lab.y1 + 120, page.height)
    words = [w for w in _in_box(page, 0, lab.y1 + 0.5, page.width, y_hi) if w.cy > lab.y1 + 1]
    words = _continued_lines(page, words, lab.y0, y_hi)
    words = [w for w in words if w.conf >= 30 or w.conf == 0 or _day_of_a_date(w, words)]
    rows = _text_rows(_dedupe_overlaps(words))
    rows = [r for r in rows if not (r[0].y0 < lab.y1 + 14 and _is_label_row(r))]
    # the form's own instruction row ('(ACORD 101, Additional Remarks Schedule, may be attached ...)'), not a
    # description line that happens to begin 'attached endorsement ...'
    rows = [
        r
        for r in rows
        if not re.search(r"^\(?\s*(?:attach\s+)?acord\s*101|remarks\s+schedule", " ".join(w.text for w in r), re.I)
    ]
    # a lone stray character row is scan noise
    rows = [r for r in rows if len(" ".join(w.text for w in r).strip()) > 2]
    text = clean_spaces(" ".join(" ".join(w.text for w in r) for r in rows))
    return text, [w for r in rows for w in r]


def _continued_lines(page: PageText, words: list[Word], y_lo: float, y_hi: float) -> list[Word]:
    """Words that carry on a line of the block to its right, even where a tilted photo lifts the end
    of the line above the block's top edge: a person follows the line, not the box."""
    chosen = set(map(id, words))
    pool = [w for w in page.words if id(w) not in chosen and y_lo <= w.cy <= y_hi]
    out = list(words)
    frontier = list(words)
    while frontier:
        r = frontier.pop()
        nxt = [
            w
            for w in pool
            if id(w) not in chosen and 0 <= w.x0 - r.x1 <= 2.5 * r.height and abs(w.cy - r.cy) <= 0.45 * r.height
        ]
        if nxt:
            w = min(nxt, key=lambda w: w.x0)
            chosen.add(id(w))
            out.append(w)
            frontier.append(w)
    return out


_MONTH_WORD = re.compile(rf"(?i)^{MONTH_RE}$")


def _day_of_a_date(w: Word, words: Sequence[Word]) -> bool:
    """A doubtful day number right after a month name ('April 2, 2027'): OCR is often unsure of a
    lone digit, yet dropping it as a speck loses the date an activity is named by."""
    if not re.fullmatch(r"\d{1,2},?", w.text):
        return False
    before = [x for x in words if x.line == w.line and x.x1 <= w.x0 + 1 and w.x0 - x.x1 < 3 * w.height]
    return bool(before) and bool(_MONTH_WORD.match(max(before, key=lambda x: x.x1).text))


def _issue_date(page: PageText, img: Image.Image | None = None) -> tuple[date | None, list[Word], str]:
    top = page.height * 0.2
    for w in page.words:
        if w.cy > top:
            continue
        if norm_token(w.text) in ("date", "oate", "dale") or fuzz.ratio(norm_token(w.text), "date") >= 75:
            nxt = [x for x in page.words if 0 <= x.x0 - w.x1 <= 12 and abs(x.cy - w.cy) < 4]
            if not nxt or not re.match(r"^[({]?\s*M", nxt[0].text.strip(), re.I):
                continue
            x0, x1 = w.x0 - 40, nxt[0].x1 + 40
            below = [x for x in page.words if x0 <= x.cx <= x1 and w.y1 < x.cy <= w.y1 + 30]
            got = _box_date(page, img, below)
            if got:
                d, word, again = got
                return d, [word], "label 'DATE (MM/DD/YYYY)' -> box below" + again
    head = [w for w in page.words if w.cy <= page.height * 0.12 and w.cx > page.width * 0.5]
    got = _box_date(page, img, head)
    if got:
        d, word, again = got
        return d, [word], "first date at the top right" + again
    return None, [], ""


def _box_date(page: PageText, img: Image.Image | None, words: Sequence[Word]) -> tuple[date, Word, str] | None:
    """The first date printed in a date box, with a note on how it was read. When none reads, each weakly
    read word, and each date-shaped word that is no date ('11/99/2026'), is read again on its own from the
    page image ('anzre026', '1111272026' and 'tamer2026' each come back as a clean MM/DD/YYYY)."""
    printed = _word_dates(words)
    if printed:
        return printed[0][0], printed[0][1], ""
    if img is None or page.source != "ocr":
        return None
    for w in sorted(words, key=lambda w: w.x0):
        if (w.conf >= 70 and not DATE_SHAPE.search(w.text)) or sum(c.isalnum() for c in w.text) < 6:
            continue
        pad = 0.35 * w.height
        again = " ".join(x.text for x in _reread(img, (w.x0 - pad, w.y0 - pad, w.x1 + pad, w.y1 + pad), 7))
        found = find_dates(_date_text(again))
        if found:
            return found[0][0], w, f"; read again from the page image: '{again}'"
    return None
