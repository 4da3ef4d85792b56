"""Read a certificate of liability insurance (ACORD 25 and look-alikes) the way a clerk does.

The clerk finds the printed labels (INSURED, INSURER A :, COMMERCIAL GENERAL LIABILITY, EACH
OCCURRENCE, POLICY EFF, DESCRIPTION OF OPERATIONS, CERTIFICATE HOLDER ...), works out the row bands
of the coverage grid and the columns from the header labels, and reads the values there. Nothing here
depends on the coordinates of one edition: every position is taken from labels found on the page.
Certificates that are not ACORD grids are read from "Label: value" text as a fallback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import pairwise

from PIL import Image
from rapidfuzz import fuzz

from extractors.layout import bbox, evidence, find_phrase, norm_token, text_of, trim_specks
from extractors.model import Evidence, FieldValue, PageText, Word
from extractors.normalize import MONTH_RE, clean_spaces, find_dates, fix_ocr_digits, repair_month_digit
from extractors.pagetext import PREVIEW_DPI
from extractors.reread import read_strip as _reread

# Names under which Albuquerque Public Schools may be named additional insured when the policy file cannot be
# read (the policy file's additional_insured_names are the ones used: see policy_aps_names()).
APS_NAMES: tuple[str, ...] = (
    "Albuquerque Public Schools",
    "APS",
    "Board of Education of the Albuquerque Public Schools",
    "Albuquerque Municipal School District No. 12",
)


@lru_cache(maxsize=1)
def policy_aps_names() -> tuple[str, ...]:
    """Who counts as APS for the additional-insured rule: the policy file's additional_insured_names."""
    from validators.policy import PolicyError, load_policy

    try:
        return tuple(load_policy().additional_insured_names)
    except (PolicyError, OSError):
        return APS_NAMES

FIELDS: tuple[str, ...] = (
    "insured_name",
    "insured_address",
    "insurer_name",
    "am_best_rating",
    "gl_policy_number",
    "gl_effective",
    "gl_expiration",
    "gl_each_occurrence",
    "gl_aggregate",
    "coverage_trigger",
    "umbrella_each_occurrence",
    "umbrella_effective",
    "umbrella_expiration",
    "additional_insured_aps",
    "certificate_holder",
    "description",
    "issue_date",
)

ImageGetter = Callable[[int], Image.Image | None]
Box = tuple[float, float, float, float]

_PX = PREVIEW_DPI / 72  # preview pixels per PDF point
_ROMAN = r"(?:XV|XIV|XIII|XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I)"
_GRADE = r"(?:A\+\+|A\+|A-|A|B\+\+|B\+|B-|B|C\+\+|C\+|C-|C|D|E|F|S)"
_RATING_RE = re.compile(
    rf"(?<![A-Za-z0-9])(?P<g>{_GRADE})(?![A-Za-z0-9])\s*[,;:.]?\s*"
    r"(?:\(?\s*(?:FSC|FSC:|Class|Size|Financial Size Category)\s*[:\-]?\s*)?"
    rf"\(?\s*(?P<r>{_ROMAN})\b\)?",
    re.I,
)
_BEST_RE = re.compile(r"(?i)(?:a\.?\s*m[.,]?\s*best|\bbest'?s\b|\bam\s*best\b|\bbest\s+rat|rated\s+by\s+a\.?\s*m)")
_CHECK_TEXT = re.compile(r"^[\[\(|]?\s*[xXkK%&×✓✔☒■]\s*[\]\)|lI1]?$")


# ----------------------------------------------------------------------------- small geometry
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


# ----------------------------------------------------------------------------- values
def _money(words: Sequence[Word]) -> int | None:
    """Whole dollars from the words of one limits cell ('$ 1,000,000', '1,000, 000', 'l,OOO,OOO')."""
    s = "".join(w.text for w in words).replace(";", ",")
    # a cell's rule lines and brackets read as '|' or ']' at its ends are not digits
    s = re.sub(r"(?<=\d{3})[|\]\[)!]+\s*$", "", s.strip())
    s = fix_ocr_digits(s.replace("$", " ").replace("S", " ").strip())
    s = re.sub(r"(?<=\d)[oO]", "0", s)
    m = re.search(r"\d[\d,.]*\d|\d", s.replace(" ", ""))
    if not m:
        return None
    txt = m.group(0)
    txt = re.sub(r"\.\d\d$", "", txt) if re.search(r",\d{3}\.\d\d$", txt) else txt
    digits = re.sub(r"[,.]", "", txt)
    if not digits.isdigit():
        return None
    v = int(digits)
    return v if v >= 100 else None


def _date_text(text: str) -> str:
    """Split dates OCR glued across a rule line ('10/13/2026|10/13/2027') before digit repair."""
    t = re.sub(r"(?<=\d{4})[|/\\]+", " ", text)  # also before the next cell's label: '07/01/2027|PERSONAL'
    t = re.sub(r"(?<=\d)\|(?=\d)", " ", t)
    return repair_month_digit(fix_ocr_digits(t.strip("|/ []")))


def _word_dates(words: Sequence[Word]) -> list[tuple[date, Word]]:
    out = []
    for w in sorted(words, key=lambda w: w.x0):
        for d, _s, _e in find_dates(_date_text(w.text)):
            out.append((d, w))
    return out


def _dates_in(words: Sequence[Word]) -> list[tuple[date, list[Word]]]:
    """Dates printed in a set of words (row by row, left to right), tolerant of OCR-split tokens."""
    found: list[tuple[date, list[Word]]] = []
    for row in _rows(words):
        single = _word_dates(row)
        if single:
            found += [(d, [w]) for d, w in single]
            continue
        text = " ".join(w.text for w in row)
        for d, _s, _e in find_dates(_date_text(text)):
            found.append((d, row))
    return found


def _ocr_rating_text(text: str) -> str:
    """Undo OCR slips inside a rating: 'At+' -> 'A++', 'At' -> 'A+', 'XIll' / 'Xj]' -> 'XII',
    'AX' -> 'A X', '(TX)' -> '(IX)', 'XiIll' -> 'XIII' (no roman numeral has four I's)."""
    t = re.sub(r"\b([ABC])t(\+?)(?=\W|$)", lambda m: m.group(1) + "+" + m.group(2), text)
    t = re.sub(r"\b([ABC])e(?=\s+\(?[XVIxv][XVIxvil1|tT]{0,3}\b)", r"\1+", t)  # a blurred '+' read as 'e'

    t = re.sub(r"\b([ABC](?:\+\+|\+|-)?)(?=[XV][XVI]{0,3}\b)", r"\1 ", t)
    t = re.sub(r"(?<=[(\s])[Tt](?=[XV]\b)", "I", t)

    def roman(m: re.Match[str]) -> str:
        r = re.sub(r"[l1|j\]!itT]", "I", m.group(0)).upper()
        return re.sub(r"I{4,}", "III", r)

    return re.sub(r"(?<![A-Za-z])[XVIxvi][XVIxvil1|j\]!tT]*(?![A-Za-z])", roman, t)


def _rating(text: str) -> tuple[str | None, int, int]:
    """An A.M. Best rating ('A+ XV', 'A, FSC IX', 'A- (VIII)') in text; returns value and span."""
    t = _ocr_rating_text(text.replace("—", "-").replace("–", "-"))
    for m in _RATING_RE.finditer(t):
        grade = m.group("g").upper()
        roman = m.group("r").upper()
        return f"{grade} {roman}", m.start(), m.end()
    return None, -1, -1


def _second_look_rating(
    img: Image.Image | None, rating: str, words: Sequence[Word], page: PageText | None = None
) -> tuple[str, str]:
    """Read a doubtful size class again from the page image. Small print loses a thin stroke ('XII' read
    as 'Xi'); a second reading of the strip that sees more strokes of the same grade's class is believed,
    never one that sees fewer."""
    grade, _, roman = rating.partition(" ")
    tail = [w for w in words if _RATING_TAIL.search(w.text)]
    if img is None or not tail or min(w.conf for w in tail) >= 85:
        return rating, ""
    x0, y0, x1, y1 = bbox(list(words)) or (0, 0, 0, 0)
    # a little room on the right for a stroke the first reading left out, never into the next word
    last = max(tail, key=lambda w: w.x1)
    after = [w.x0 for w in (page.words if page else []) if w.line == last.line and w.x0 > last.x1 - 0.5]
    right = min([x1 + 7, *(x - 1 for x in after)])
    best = roman
    for pad in (1, 3):
        again = _reread(img, (x0 - pad, y0 - pad, right, y1 + pad), 7)
        r, _s, _e = _rating(_BEST_RE.sub(" ", " ".join(w.text for w in again)))
        g2, _, roman2 = (r or "").partition(" ")
        if g2 == grade and roman2.startswith(best) and len(roman2) > len(best):
            best = roman2
    return (f"{grade} {best}", " (size class read again)") if best != roman else (rating, "")


def _rating_strip(words: Sequence[Word]) -> list[Word]:
    """The grade and size-class words of a rating printed in a sentence ('... rated A- (VIII) by ...')."""
    tails = [w for w in words if _RATING_TAIL.search(w.text)]
    if not tails:
        return []
    t = tails[-1]
    left = [w for w in words if w.line == t.line and w.x1 <= t.x0 + 1 and t.x0 - w.x1 < 4 * t.height]
    return ([max(left, key=lambda w: w.x1)] if left else []) + [t]


_RATING_TAIL = re.compile(r"^\(?[XVIxvil1|tT]{1,4}\)?[.,;]?$")


def _fuzzy_contains(text: str, name: str, threshold: float = 88) -> bool:
    """Is the name written in the text, allowing OCR slips? Short acronyms must match exactly."""
    if len(name) <= 4 and name.isupper():
        return re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", text) is not None
    a, b = _norm(text), _norm(name)
    if not a or not b:
        return False
    if b in a:
        return True
    return len(a) >= len(b) * 0.8 and fuzz.partial_ratio(b, a) >= threshold


def _norm(s: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", s.lower().replace("&", " and ")).split())


# ----------------------------------------------------------------------------- second reading


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
    page: PageText, img: Image.Image | None, words: list[Word], x0: float | None = None, x1: float | None = None
) -> list[list[Word]] | None:
    """The lines of a doubtful stretch of text read again on their own, when clearly surer.

    The strip is cut a little taller than the words (OCR's boxes of garbled words are loose) and read
    as a block; the lines whose centres fall inside the original words' height are the value. One
    garbled OCR line that really covered two printed lines comes back as two."""
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
    if _mean_conf(flat) >= _mean_conf(old) + 8 and min(w.conf for w in flat) >= 40:
        return again
    return None


def _better_reading(
    page: PageText, img: Image.Image | None, words: list[Word], x0: float | None = None, x1: float | None = None
) -> list[Word]:
    """The words of a doubtful one-line value, read again when the second reading is clearly surer."""
    got = _reread_lines(page, img, words, x0, x1)
    if not got:
        return _voted(page, img, words, x0, x1)
    cy = _median_cy(words)
    return min(got, key=lambda ln: abs(_median_cy(ln) - cy))


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


# ----------------------------------------------------------------------------- checkboxes
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


# ----------------------------------------------------------------------------- main page and grid
_MAIN_LABELS = (
    "CERTIFICATE OF LIABILITY INSURANCE",
    "COVERAGES",
    "INSURER A",
    "EACH OCCURRENCE",
    "COMMERCIAL GENERAL LIABILITY",
    "CERTIFICATE HOLDER",
    "DESCRIPTION OF OPERATIONS",
    "POLICY NUMBER",
    "GENERAL AGGREGATE",
    "INSURED",
)


def _main_page_index(pages: Sequence[PageText]) -> int:
    best, best_score = 0, -1.0
    for i, p in enumerate(pages):
        score = sum(1 for lab in _MAIN_LABELS if find_phrase(p, lab, 80))
        score -= 3 if find_phrase(p, "THIS ENDORSEMENT CHANGES THE POLICY", 80) else 0
        score -= 3 if find_phrase(p, "THIS ENDORSEMENT MODIFIES", 80) else 0
        if score > best_score:
            best, best_score = i, score
    return best


@dataclass(slots=True)
class _Grid:
    page: PageText
    words: list[Word]
    gl_top: float | None = None
    gl_bottom: float | None = None
    um_top: float | None = None
    um_bottom: float | None = None
    limits_x: float | None = None  # left edge of the limits labels
    type_x1: float | None = None  # right edge of the type-of-insurance column
    type_x0: float | None = None  # left edge of the type-of-insurance column
    pol_left: float | None = None
    eff_cx: float | None = None
    exp_cx: float | None = None
    occ_labels: list[_Label] | None = None
    gl_label: _Label | None = None
    um_label: _Label | None = None


def _grid(page: PageText) -> _Grid:
    words = [w for w in page.words if not _is_noise(w)]
    g = _Grid(page, words)
    occ = [lab for lab in _find(page, "EACH OCCURRENCE", 80) if lab.x0 > page.width * 0.35]
    g.occ_labels = occ
    gl = _find(page, "COMMERCIAL GENERAL LIABILITY", 80) or _find(page, "GENERAL LIABILITY", 85)
    gl = [lab for lab in gl if lab.x0 < page.width * 0.4]
    auto = [lab for lab in _find(page, "AUTOMOBILE LIABILITY", 80) if lab.x0 < page.width * 0.4]
    um = [lab for lab in _find(page, "UMBRELLA LIAB", 78) if lab.x0 < page.width * 0.45]
    exc = [lab for lab in _find(page, "EXCESS LIAB", 78) if lab.x0 < page.width * 0.45]
    wc = [lab for lab in _find(page, "WORKERS COMPENSATION", 80) if lab.x0 < page.width * 0.45]
    desc = _find(page, "DESCRIPTION OF OPERATIONS", 80)
    if occ:
        g.limits_x = min(lab.x0 for lab in occ)
    gl_lab = gl[0] if gl else None
    if gl_lab is None and occ:
        gl_lab = None
    g.gl_label = gl_lab
    if gl_lab is not None:
        g.gl_top = gl_lab.y0 - 3
        # 2010 edition: a 'GENERAL LIABILITY' heading (and the policy line) sits just above the CGL box
        above = [
            lab
            for lab in _find(page, "GENERAL LIABILITY", 85) + occ[:1]
            if (0 < gl_lab.y0 - lab.y0 <= 25 and lab.x0 < page.width * 0.4) or lab in occ[:1]
        ]
        above = [lab for lab in above if 0 < gl_lab.y0 - lab.y0 <= 25]
        if above:
            g.gl_top = min(lab.y0 for lab in above) - 3
        g.type_x0 = gl_lab.x0 - 14
        g.type_x1 = gl_lab.x1
    elif occ:
        g.gl_top = occ[0].y0 - 3
    if g.gl_top is not None:
        nxt = [lab.y0 for lab in auto + um + exc + wc + desc if lab.y0 > g.gl_top + 15]
        if not auto:
            nxt += [lab.y0 - 14 for lab in _find(page, "COMBINED SINGLE LIMIT", 80) if lab.y0 > g.gl_top + 15]
        nxt += [lab.y0 - 3 for lab in occ if lab.y0 > g.gl_top + 30]
        g.gl_bottom = min(nxt) - 2 if nxt else g.gl_top + 80
    # umbrella band: umbrella/excess label, else the second EACH OCCURRENCE in the limits column
    um_lab = (um + exc)[0] if (um or exc) else None
    if um and exc:
        um_lab = min(um[0], exc[0], key=lambda lab: lab.y0)
    g.um_label = um_lab
    later_occ = [lab for lab in occ if g.gl_bottom is not None and lab.y0 > g.gl_bottom - 1]
    if um_lab is not None:
        g.um_top = um_lab.y0 - 3
        if later_occ and abs(later_occ[0].y0 - um_lab.y0) < 25:
            g.um_top = min(g.um_top, later_occ[0].y0 - 3)
    elif later_occ:
        g.um_top = later_occ[0].y0 - 3
    if g.um_top is not None:
        nxt = [lab.y0 for lab in wc + desc if lab.y0 > g.um_top + 12]
        nxt += [lab.y0 - 4 for lab in _find(page, "PER STATUTE", 80) if lab.y0 > g.um_top + 12]
        g.um_bottom = min(nxt) - 2 if nxt else g.um_top + 36
    # columns from the header labels
    hdr_top = (g.gl_top or page.height) - 45
    hdr_region = (0, hdr_top, page.width, (g.gl_top or page.height) + 2)
    pol = _find(page, "POLICY NUMBER", 80, hdr_region) or [
        _Label([w]) for w in _find_token(page, ["policynumber"], 80, hdr_region)
    ]
    addl = _find(page, "ADDL", 75, hdr_region) + _find(page, "INSD", 75, hdr_region)
    subr = _find(page, "SUBR", 75, hdr_region) + _find(page, "WVD", 75, hdr_region)
    eff = _find(page, "POLICY EFF", 80, hdr_region)
    exp = _find(page, "POLICY EXP", 80, hdr_region)
    if pol:
        g.pol_left = pol[0].x0 - 0.5 * (pol[0].x1 - pol[0].x0)
    if subr:
        g.pol_left = max(lab.x1 for lab in subr) + 1.5
    elif addl and not pol:
        g.pol_left = max(lab.x0 for lab in addl) - 2
    if eff:
        g.eff_cx = (eff[0].x0 + eff[0].x1) / 2
    if exp:
        g.exp_cx = (exp[0].x0 + exp[0].x1) / 2
    if g.type_x1 is None and pol:
        g.type_x1 = pol[0].x0 - 40
    return g


def _band_words(g: _Grid, top: float, bottom: float) -> list[Word]:
    return _dedupe_overlaps([w for w in g.words if top <= w.cy <= bottom])


def _limit_value(g: _Grid, label_phrase: str, top: float, bottom: float) -> tuple[int | None, list[Word], str]:
    """The amount printed right of a limits label inside a band."""
    page = g.page
    cands = [lab for lab in _find(page, label_phrase, 80, (page.width * 0.35, top, page.width, bottom))]
    if not cands:
        return None, [], ""
    lab = cands[0]
    row = _same_row(_band_words(g, top - 4, bottom + 4), lab.cy, lab.h, lab.x1 + 1, page.width)
    row = [w for w in row if re.search(r"\d", w.text)]
    v = _money(row)
    return v, row, f"label '{label_phrase}' -> same row, limits column"


def _policy_dates(g: _Grid, band: list[Word]) -> tuple[list[tuple[date, list[Word]]], float]:
    """Effective and expiration dates in a band (left of the limits column), assigned by column."""
    x_hi = (g.limits_x or g.page.width * 0.68) - 2
    x_lo = g.pol_left if g.pol_left is not None else (g.type_x1 or 0)
    cand = [w for w in band if x_lo - 5 <= w.cx <= x_hi or (w.x0 < x_hi and w.x1 > x_lo and "/" in w.text)]
    dates = _dates_in(cand)
    return dates, x_hi


def _pick_eff_exp(g: _Grid, dates: list[tuple[date, list[Word]]]) -> tuple[tuple[date, list[Word]] | None, ...]:
    if not dates:
        return None, None
    # keep the row that holds the most dates (the policy row), then order by column
    rows: dict[int, list[tuple[date, list[Word]]]] = {}
    for d in dates:
        key = round(d[1][0].cy / 4)
        rows.setdefault(key, []).append(d)
    best = max(rows.values(), key=lambda r: (len(r) >= 2, -min(x[1][0].cy for x in r)))
    if len(best) < 2:
        best = sorted(dates, key=lambda d: (d[1][0].cy, d[1][0].x0))[:2]
    eff = exp = None
    if g.eff_cx is not None and g.exp_cx is not None and len(best) >= 2 and best[0][1][0] is not best[1][1][0]:
        eff = min(best, key=lambda d: abs((d[1][0].x0 + d[1][0].x1) / 2 - g.eff_cx))
        rest = [d for d in best if d is not eff]
        exp = min(rest, key=lambda d: abs((d[1][0].x0 + d[1][0].x1) / 2 - g.exp_cx)) if rest else None
    else:
        ordered = best  # already left-to-right (and in-string order for glued tokens)
        eff = ordered[0]
        exp = ordered[1] if len(ordered) > 1 else None
    if eff and exp and exp[0] < eff[0]:
        eff, exp = exp, eff
    return eff, exp


_YN = re.compile(r"^[|\[\]()YyNnXx¥:;,._\-]{1,3}$|^N/?A$")


def _policy_number(g: _Grid, band: list[Word], eff_words: list[Word] | None) -> tuple[str | None, list[Word]]:
    if not eff_words:
        return None, []
    ref = eff_words[0]
    x_lo = g.pol_left if g.pol_left is not None else (g.type_x1 or 0) + 5
    row = _same_row(band, ref.cy, ref.height, x_lo - 3, ref.x0 - 0.5)
    row = [w for w in row if w.x1 <= ref.x0 + 1 and w is not ref]
    while row and _YN.match(row[0].text.strip()):
        row = row[1:]
    while row and _YN.match(row[-1].text.strip()):
        row = row[:-1]
    if not row:
        # the number may sit on its own row inside the band
        cand = [w for w in band if x_lo - 3 <= w.cx <= ref.x0 - 1 and re.search(r"\d", w.text) and len(w.text) >= 4]
        if not cand:
            return None, []
        ref2 = min(cand, key=lambda w: abs(w.cy - ref.cy))
        row = _same_row(band, ref2.cy, ref2.height, x_lo - 3, ref.x0 - 0.5)
        row = [w for w in row if not _YN.match(w.text.strip())]
    # the number's words stand close together; a stray mark further left (ADDL/SUBR column) is not part
    while (
        len(row) > 1
        and row[1].x0 - row[0].x1 > 12
        and (not re.search(r"\d", row[0].text) or len(row[0].text.strip()) <= 1)
    ):
        row = row[1:]
    text = clean_spaces(" ".join(w.text for w in row)).strip("|[]() ")
    text = re.sub(r"^[YNX¥][/|\\]\s*", "", text)
    text = re.sub(r"\s*\|\s*", " ", text)
    if not re.search(r"\d", text) or len(re.sub(r"\W", "", text)) < 4:
        return None, []
    return text, row


def _insr_letter(g: _Grid, band: list[Word], ref: Word | None) -> tuple[str | None, list[Word]]:
    x_hi = (g.type_x0 + 12) if g.type_x0 is not None else g.page.width * 0.1
    cands = []
    for w in band:
        if w.x1 > x_hi + 2:
            continue
        t = re.sub(r"[^A-Za-z]", "", w.text)
        if len(t) == 1 and t.upper() in "ABCDEF" and len(w.text.strip()) <= 3:
            cands.append(w)
    if not cands:
        return None, []
    w = min(cands, key=lambda w: abs(w.cy - ref.cy) if ref else w.cy)
    return re.sub(r"[^A-Za-z]", "", w.text).upper(), [w]


# ----------------------------------------------------------------------------- insurers
@dataclass(slots=True)
class _Insurer:
    letter: str
    name: str | None
    rating: str | None
    words: list[Word]
    rating_words: list[Word]


_LETTER_OCR = {"8": "B", "0": "D", "O": "D", "€": "E", "£": "E", "P": "F"}


def _read_letter(text: str) -> str | None:
    t = re.sub(r"[:;.,=>}\]\[|]", "", text.strip())
    if len(t) != 1:
        return None
    t = _LETTER_OCR.get(t, t).upper()
    return t if t in "ABCDEF" else None


def _insurers(page: PageText, img: Image.Image | None = None) -> dict[str, _Insurer]:
    """The INSURER A : ... F : list with names and any rating printed on the same row.

    The labels stand in one column, one row each, A to F from the top; when OCR garbles a letter
    it is recovered from the row's position in that column."""
    seeds = []
    for w in page.words:
        t = norm_token(w.text)
        if w.x0 < page.width * 0.3 or w.cy > page.height * 0.5 or not 6 <= len(t) <= 9:
            continue
        if t in ("insured", "insurers") or fuzz.ratio(t[:7], "insurer") < 80:
            continue
        seeds.append(w)
    if not seeds:
        return {}
    xs = sorted(w.x0 for w in seeds)
    col_x = xs[len(xs) // 2]
    seeds = [w for w in seeds if abs(w.x0 - col_x) <= 10]
    hdr = [w for w in page.words if norm_token(w.text).startswith("afford") and w.cy < page.height * 0.5]
    y_top = max(hdr[0].y1 if hdr else 0, min(w.y0 for w in seeds) - 14)
    y_bot = max(w.y1 for w in seeds) + 14
    cov = [w for w in page.words if norm_token(w.text) == "coverages" and y_top < w.cy]
    if cov:
        y_bot = min(y_bot, cov[0].y0)
    col = [w for w in page.words if abs(w.x0 - col_x) <= 9 and y_top <= w.cy <= y_bot and not _is_noise(w)]
    col = [w for w in col if norm_token(w.text) not in ("insurers", "insurer(s)")]
    heads: list[Word] = []
    for w in sorted(col, key=lambda w: w.cy):
        if heads and abs(heads[-1].cy - w.cy) < 5:
            continue
        heads.append(w)
    if not heads:
        return {}
    # read letters where they are legible
    rows: list[tuple[Word, str | None, float]] = []
    for w in heads:
        t = norm_token(w.text)
        letter = None
        right = w.x1
        if len(t) == 8 and fuzz.ratio(t[:7], "insurer") >= 80:
            letter = _read_letter(w.text.strip(" :;")[-1])
        if letter is None:
            near = sorted(
                (x for x in page.words if -1 <= x.x0 - w.x1 <= 14 and abs(x.cy - w.cy) <= 0.9 * max(w.height, 6)),
                key=lambda x: x.x0,
            )
            for x in near[:2]:
                got = _read_letter(x.text)
                if got:
                    letter, right = got, x.x1
                    break
                if re.fullmatch(r"[:;=>}]", x.text.strip()):
                    right = x.x1
        rows.append((w, letter, right))
    pitch = None
    read = [(w.cy, "ABCDEF".index(letter)) for w, letter, _ in rows if letter]
    pairs = [((b[0] - a[0]) / (b[1] - a[1])) for a, b in pairwise(read) if b[1] > a[1]]
    pairs = [p for p in pairs if 7 <= p <= 30]
    if pairs:
        pitch = sorted(pairs)[len(pairs) // 2]
    elif len(rows) > 1:
        diffs = sorted(b[0].cy - a[0].cy for a, b in pairwise(rows))
        pitch = diffs[len(diffs) // 2]
    if pitch and read:
        offs = sorted(cy - i * pitch for cy, i in read)
        cy_a = offs[len(offs) // 2]
    else:
        cy_a = rows[0][0].cy
    naic = _find(page, "NAIC", 80)
    naic_x = min((lab.x0 for lab in naic), default=page.width) - 6
    out: dict[str, _Insurer] = {}
    for i, (w, letter, right) in enumerate(rows):
        if pitch:
            k = round((w.cy - cy_a) / pitch)
            pos_letter = "ABCDEF"[k] if 0 <= k < 6 else None
            letter = pos_letter or letter
        elif letter is None:
            letter = "ABCDEF"[i] if i < 6 else None
        if letter is None:
            continue
        top = (rows[i - 1][0].cy + w.cy) / 2 if i else w.y0 - 4
        bottom = (rows[i + 1][0].cy + w.cy) / 2 if i + 1 < len(rows) else w.y1 + 4
        if pitch:
            top, bottom = max(top, w.cy - 0.55 * pitch), min(bottom, w.cy + 0.55 * pitch)
        row = _dedupe_overlaps(
            [
                x
                for x in page.words
                if x.x0 >= right - 0.5
                and x.x1 <= naic_x + 8
                and top <= x.cy <= bottom
                and x.x0 < naic_x
                and not _is_noise(x)
                and x is not w
            ]
        )
        row = [x for x in row if not re.fullmatch(r"[A-Fa-f8]?\s*[:;=>}]", x.text.strip())]
        row = sorted(row, key=lambda x: x.x0)
        row_main = [x for x in row if abs(x.cy - w.cy) <= 0.75 * max(w.height, 6)] or row
        if len(re.sub(r"[^A-Za-z]", "", "".join(x.text for x in row_main))) >= 4:  # a name, not a speck
            again = _better_reading(page, img, row_main, right, naic_x)
            if again is not row_main:
                again = [x for x in again if x.x0 >= right - 2 and not re.fullmatch(r"[A-Fa-f8]?\s*[:;=>}|]", x.text)]
                row = row_main = again or row_main
        text = " ".join(x.text for x in row_main)
        rating_text = " ".join(x.text for x in row)
        name, rating, r_words = _split_name_rating(text, text, row_main)
        if rating is None:
            _n, rating, r_words = _split_name_rating(text, rating_text, row)
        name_words = [x for x in row_main if x not in r_words]
        out.setdefault(letter, _Insurer(letter, name, rating, name_words, r_words))
    return out


def _split_name_rating(text: str, full: str, row: list[Word]) -> tuple[str | None, str | None, list[Word]]:
    m = _BEST_RE.search(text)
    name = text[: m.start()] if m else text
    name = re.sub(r"\s*\b\d{4,6}\b\s*$", "", name)
    name = re.sub(r"^[A-F]\s*[:;]\s*(?=[A-Za-z])", "", clean_spaces(name))  # the row's letter glued on: 'A:FEDERATED'
    name = clean_spaces(name).strip(" ,;:-|")
    rating = None
    r_words: list[Word] = []
    mm = _BEST_RE.search(full)
    if mm:
        rating, _s, _e = _rating(full[mm.end() :])
        start_x = None
        pos = 0
        for x in row:
            pos = full.find(x.text, pos)
            if pos >= mm.start() and start_x is None:
                start_x = x.x0
            pos += len(x.text)
        r_words = [x for x in row if start_x is not None and x.x0 >= start_x]
    return (name or None), rating, r_words


# ----------------------------------------------------------------------------- blocks
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
        canc = [c for phrase in ("IF ANY POLICY LISTED ABOVE", "SHOULD ANY OF THE ABOVE DESCRIBED POLICIES")
                for c in _find(page, phrase, 80) if lab.y0 - 20 < c.cy < lab.y1 + 40 and c.x0 > lab.x0 + 40]
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
    rows = [r for r in rows if not re.search(r"^\(?\s*(?:attach\s+)?acord\s*101|remarks\s+schedule",
                                             " ".join(w.text for w in r), re.I)]
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
        nxt = [w for w in pool if id(w) not in chosen and 0 <= w.x0 - r.x1 <= 2.5 * r.height
               and abs(w.cy - r.cy) <= 0.45 * r.height]
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
    read word is read again on its own from the page image ('anzre026', '1111272026' and 'tamer2026' each
    come back as a clean MM/DD/YYYY)."""
    printed = _word_dates(words)
    if printed:
        return printed[0][0], printed[0][1], ""
    if img is None or page.source != "ocr":
        return None
    for w in sorted(words, key=lambda w: w.x0):
        if w.conf >= 70 or sum(c.isalnum() for c in w.text) < 6:
            continue
        pad = 0.35 * w.height
        again = " ".join(x.text for x in _reread(img, (w.x0 - pad, w.y0 - pad, w.x1 + pad, w.y1 + pad), 7))
        found = find_dates(_date_text(again))
        if found:
            return found[0][0], w, f"; read again from the page image: '{again}'"
    return None


# ----------------------------------------------------------------------------- additional insured
_AI_RE = re.compile(r"(?i)addition?al\s*insur\w*|addl\.?\s*insured|\bA/?I\b(?=\s)")
_ABBREV = {
    "no",
    "inc",
    "co",
    "corp",
    "ltd",
    "st",
    "dr",
    "mr",
    "ms",
    "mrs",
    "jr",
    "sr",
    "a.m",
    "m",
    "nos",
    "dist",
}


def _sentences(text: str) -> list[str]:
    """Split description text into statements, keeping 'District No. 12' and 'Co.' whole."""
    out, start = [], 0
    for m in re.finditer(r"[.;!?]\s+(?=[A-Z(])", text):
        prev = re.findall(r"[A-Za-z.]+$", text[start : m.start()])
        if prev and prev[0].lower().strip(".") in _ABBREV:
            continue
        if re.search(r"\b[A-Z]$", text[start : m.start()]):  # initials like 'A.M.'
            continue
        out.append(text[start : m.start() + 1].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def _names_aps(text: str, names: Sequence[str]) -> bool:
    return any(_fuzzy_contains(text, n) for n in names)


_AI_LIMITATION = re.compile(r"(?i)\b(?:but\s+not|except\s+(?:for|as|with\s+respect|in\s+respect|where))\b.*$")
_AI_DENIED = re.compile(
    r"(?i)\b(?:not|no(?!\.?\s*\d)|never|none|cannot|isn'?t|aren'?t|won'?t|excluded|excluding|except|other\s+than"
    r"|pending|requested|request(?:ed)?\s+to|to\s+be\s+(?:added|named|included)|will\s+be\s+(?:added|named|included)"
    r"|if\s+required|upon\s+request|n/a)(?![\w/])"
)


def _ai_denied(sentence: str) -> bool:
    """'APS is not named as additional insured', 'additional insured status does not apply to APS',
    'additional insureds: all holders other than APS', 'APS requested additional insured status; endorsement
    pending': the words say the opposite. A limitation after the statement ('but not with respect to autos')
    leaves it standing."""
    return bool(_AI_DENIED.search(_AI_LIMITATION.sub("", sentence)))


def _ai_statement(text: str, names: Sequence[str], holder_is_aps: bool) -> tuple[bool, str]:
    # clause by clause: 'APS is an additional insured; waiver of subrogation is not provided' states it
    for s in (c for sentence in _sentences(text) for c in re.split(r";\s+", sentence)):
        if not _AI_RE.search(s) or _ai_denied(s):
            continue
        if _names_aps(s, names):
            return True, s
        if holder_is_aps and re.search(r"(?i)certificate\s*holder", s):
            return True, s
    return False, ""


def _endorsement_names_aps(page: PageText, names: Sequence[str]) -> tuple[bool, list[Word]]:
    """An additional-insured endorsement whose schedule names APS (not as the named insured)."""
    text = page.text
    if not _AI_RE.search(text):
        return False, []
    for row in _rows([w for w in page.words if not _is_noise(w)]):
        t = " ".join(w.text for w in row)
        if re.search(r"(?i)named\s+insured|^\s*insured\s*:", t):
            continue
        if _names_aps(t, names):
            return True, row
    return False, []


def _without_label(words: list[Word], label: str) -> list[Word]:
    """Drop the box's own label when OCR ran it into the value ('INSURED ALAMEDA …', 'RSURED …')."""
    first = norm_token(words[0].text) if words else ""
    if len(words) >= 2 and (
        fuzz.ratio(first, label) >= 90 or (first.endswith(label[-4:]) and fuzz.ratio(first, label) >= 70)
    ):
        return words[1:]
    return words


# ----------------------------------------------------------------------------- rating elsewhere
_GRADE_AFTER_BEST = re.compile(rf"^\W*(?:rating\W*)?(?P<g>{_GRADE})(?![A-Za-z0-9+])", re.I)


def _rating_in_text(text: str, insurer: str | None, others: Sequence[str]) -> tuple[str | None, str, bool]:
    """A rating stated in prose ('Carrier rated A- VII by A.M. Best', 'AM BEST: A (X)'),
    counted only when it is not tied to an insurer other than the GL insurer. The last item says
    whether the whole rating was read: where OCR garbled the size class ('AM BEST: A- Vu') the grade
    right after the label is still a rating shown on the page, kept alone for a person to confirm."""
    partial: tuple[str, str] | None = None
    for s in _sentences(text):
        m = _BEST_RE.search(s)
        if not m:
            continue
        names_other = [o for o in others if o and _fuzzy_contains(s, o, 90)]
        names_gl = bool(insurer and _fuzzy_contains(s, insurer, 88))
        if names_other and not names_gl:
            continue
        r, _a, _b = _rating(_BEST_RE.sub(" ", s))
        if r:
            return r, s, True
        g = _GRADE_AFTER_BEST.match(_ocr_rating_text(s[m.end():]))
        if g and partial is None:
            partial = (g.group("g").upper(), s)
    if partial:
        return partial[0], partial[1], False
    return None, "", False


# ----------------------------------------------------------------------------- plain-text fallback
_LABELED = {
    "insured_name": r"(?:named\s+)?insured(?:'s)?(?:\s+name)?",
    "insurer_name": r"(?:insurer|insurance\s+company|carrier|underwriter)",
    "gl_policy_number": r"policy\s*(?:number|no\.?|#)",
    "gl_each_occurrence": r"each\s+occurrence(?:\s+limit)?",
    "gl_aggregate": r"general\s+aggregate(?:\s+limit)?",
    "certificate_holder": r"certificate\s+holder",
    "issue_date": r"(?:date\s+issued|issue\s+date|date\s+of\s+issue)",
    "gl_effective": r"(?:effective\s+date|policy\s+effective|eff(?:ective)?\.?\s+date)",
    "gl_expiration": r"(?:expiration\s+date|policy\s+expiration|expires?|exp\.?\s+date)",
}


def _plain_text_fields(page: PageText) -> dict[str, FieldValue]:
    """'Label: value' reading for certificates that are not ACORD grids."""
    out: dict[str, FieldValue] = {}
    lines = page.lines()
    for key, pat in _LABELED.items():
        rx = re.compile(rf"(?i)\b{pat}\s*[:\-]\s*(.+)")
        for line in lines:
            t = " ".join(w.text for w in line)
            m = rx.search(t)
            if not m:
                continue
            val = m.group(1).strip()
            vw = [w for w in line if t.find(w.text) >= m.start(1)] or line
            v: object
            if key in ("gl_each_occurrence", "gl_aggregate"):
                v = _money(vw)
            elif key in ("issue_date", "gl_effective", "gl_expiration"):
                ds = find_dates(fix_ocr_digits(val))
                v = ds[0][0] if ds else None
            else:
                v = clean_spaces(re.split(r"\s{2,}|\s+(?=[A-Z][a-z]+\s*:)", val)[0]) or None
            if v is not None:
                out[key] = _fv(v, page, vw, f"plain text label /{pat}/", 0.7)
                break
    for line in lines:
        t = " ".join(w.text for w in line)
        m = re.search(r"(?i)policy\s+period\s*[:\-]?\s*(.+)", t)
        if m:
            ds = find_dates(fix_ocr_digits(m.group(1)))
            if len(ds) >= 2:
                out.setdefault("gl_effective", _fv(ds[0][0], page, line, "plain text 'Policy Period'", 0.7))
                out.setdefault("gl_expiration", _fv(ds[1][0], page, line, "plain text 'Policy Period'", 0.7))
    return out


# ----------------------------------------------------------------------------- sideways pages
_TOP_WORDS = {"certificate", "date", "producer", "this", "important", "contact", "insurers"}
_BOTTOM_WORDS = {"form", "holder", "cancellation", "authorized", "representative", "acord"}


def _upright(page: PageText, image: Image.Image | None) -> tuple[PageText, Image.Image | None]:
    """A page whose words all run vertically was read sideways: turn words (and preview) upright."""
    long = [w for w in page.words if len(w.text) >= 4]
    if len(long) < 20 or sum(w.height > 1.5 * (w.x1 - w.x0) for w in long) < 0.7 * len(long):
        return page, image
    W, H = page.width, page.height
    variants = []
    for turn in (90, 270):
        ws = []
        for w in page.words:
            if turn == 90:  # top of the text at the right edge
                ws.append(Word(w.text, w.y0, W - w.x1, w.y1, W - w.x0, w.conf, 0))
            else:
                ws.append(Word(w.text, H - w.y1, w.x0, H - w.y0, w.x1, w.conf, 0))
        top = [norm_token(w.text) for w in ws if w.cy < W * 0.3]
        score = sum(t in _TOP_WORDS for t in top) - sum(t in _BOTTOM_WORDS for t in top)
        variants.append((score, turn, ws))
    score, turn, ws = max(variants, key=lambda v: v[0])
    lines = _rows(ws)
    relined = [Word(w.text, w.x0, w.y0, w.x1, w.y1, w.conf, i) for i, row in enumerate(lines) for w in row]
    new = PageText(
        page.page_no,
        H,
        W,
        page.source,
        relined,
        (page.rotation + turn) % 360,
        page.skew,
        page.dpi,
        page.mean_conf,
    )
    if image is not None:
        image = image.transpose(Image.Transpose.ROTATE_90 if turn == 90 else Image.Transpose.ROTATE_270)
    return new, image


# ----------------------------------------------------------------------------- public
def extract_coi(
    pages: list[PageText],
    images: ImageGetter | None = None,
    *,
    aps_names: Sequence[str] | None = None,
) -> dict[str, FieldValue]:
    """Every COI field (value + evidence) read from the pages of one certificate."""
    names = tuple(aps_names) if aps_names else policy_aps_names()
    out: dict[str, FieldValue] = {f: _none() for f in FIELDS}
    if not pages:
        return out
    raw_pages = pages
    pages = [_upright(p, None)[0] for p in pages]
    mi = _main_page_index(pages)
    page = pages[mi]
    img = None
    if images is not None:
        try:
            img = images(page.page_no)
        except Exception:  # a missing preview must not stop the reading
            img = None
    if img is not None and page is not raw_pages[mi]:
        # the preview shows the page as read; turn it the way the words were turned here
        img = _upright(raw_pages[mi], img)[1]

    # --- issue date
    d, ws, how = _issue_date(page, img)
    if d:
        out["issue_date"] = _fv(d, page, ws, how)

    # --- insurers and insured
    ins = _insurers(page, img)
    insurer_x = min((x.words[0].x0 for x in ins.values() if x.words), default=None)
    ins_labels = [
        w
        for w in page.words
        if norm_token(w.text).startswith("insurer") and w.x0 > page.width * 0.3 and w.cy < page.height * 0.5
    ]
    if ins_labels:
        insurer_x = min(w.x0 for w in ins_labels)
    rows, how = _insured_block(page, insurer_x)
    if rows:
        # the box's own label when OCR garbled it ('RSURED') stands alone on the first row
        if len(rows[0]) == 1 and fuzz.ratio(norm_token(rows[0][0].text), "insured") >= 60:
            rows = rows[1:]
        rows = _reread_rows(page, img, rows)
    if rows:
        name_words, addr_rows = _split_insured(rows)
        name_words = trim_specks(_without_label(name_words, "insured"))
        if name_words:
            out["insured_name"] = _fv(clean_spaces(text_of(name_words)), page, name_words, how)
        if addr_rows:
            addr = ", ".join(clean_spaces(text_of(r)).strip(" ,") for r in addr_rows)
            addr = re.sub(r",\s*,", ",", addr)
            out["insured_address"] = _fv(addr, page, [w for r in addr_rows for w in r], how)

    # --- coverage grid
    g = _grid(page)
    gl_letter = None
    if g.gl_top is not None and g.gl_bottom is not None:
        band = _band_words(g, g.gl_top, g.gl_bottom)
        v, ws, how = _limit_value(g, "EACH OCCURRENCE", g.gl_top, g.gl_bottom)
        if v:
            out["gl_each_occurrence"] = _fv(v, page, ws, how)
        v, ws, how = _limit_value(g, "GENERAL AGGREGATE", g.gl_top, g.gl_bottom + 4)
        if v:
            out["gl_aggregate"] = _fv(v, page, ws, how)
        dates, _x = _policy_dates(g, band)
        eff, exp = _pick_eff_exp(g, dates)
        if eff:
            out["gl_effective"] = _fv(eff[0], page, eff[1], "GL row band, POLICY EFF column")
        if exp:
            out["gl_expiration"] = _fv(exp[0], page, exp[1], "GL row band, POLICY EXP column")
        pn, ws = _policy_number(g, band, eff[1] if eff else None)
        if pn:
            out["gl_policy_number"] = _fv(pn, page, ws, "GL row band, POLICY NUMBER column")
        gl_letter, _lw = _insr_letter(g, band, eff[1][0] if eff else None)
        out["coverage_trigger"] = _trigger(page, img, g, band)
    # --- umbrella
    if g.um_top is not None and g.um_bottom is not None:
        band = _band_words(g, g.um_top, g.um_bottom)
        v, ws, how = _limit_value(g, "EACH OCCURRENCE", g.um_top, g.um_bottom)
        if v:
            out["umbrella_each_occurrence"] = _fv(v, page, ws, "umbrella band: " + how)
        dates, _x = _policy_dates(g, band)
        eff, exp = _pick_eff_exp(g, dates)
        if eff and (v or exp):
            out["umbrella_effective"] = _fv(eff[0], page, eff[1], "umbrella row band, POLICY EFF column")
        if exp and (v or eff):
            out["umbrella_expiration"] = _fv(exp[0], page, exp[1], "umbrella row band, POLICY EXP column")

    # --- GL insurer and its rating
    gl_ins: _Insurer | None = None
    if gl_letter and gl_letter in ins:
        gl_ins = ins[gl_letter]
        how_ins = f"INSR LTR '{gl_letter}' on the GL row -> INSURER {gl_letter}"
        rel = 0.9
    elif ins:
        named = [x for x in ins.values() if x.name]
        if named:
            gl_ins = ins.get("A") if ins.get("A") and ins["A"].name else named[0]
            how_ins = f"GL letter not read; assumed INSURER {gl_ins.letter}"
            rel = 0.5
    if gl_ins is not None and gl_ins.name:
        out["insurer_name"] = _fv(gl_ins.name, page, gl_ins.words, how_ins, rel)

    # --- description, holder, additional insured
    desc, dws = _description(page, img)
    if desc is not None:
        out["description"] = _fv(desc, page, dws, "label 'DESCRIPTION OF OPERATIONS' -> block below")
    holder, hws = _holder(page)
    if holder:
        out["certificate_holder"] = _fv(holder, page, hws, "label 'CERTIFICATE HOLDER' -> first line of the box")

    # rating: insurer row first, then prose (description, other pages)
    if gl_ins is not None and gl_ins.rating:
        r_words = gl_ins.rating_words or gl_ins.words
        rating, how = _second_look_rating(img, gl_ins.rating, r_words, page)
        out["am_best_rating"] = _fv(rating, page, r_words, f"rating printed with INSURER {gl_ins.letter}{how}")
    else:
        others = [x.name for x in ins.values() if x is not gl_ins and x.name]
        gl_name = gl_ins.name if gl_ins else None
        texts = [(page, desc or "", dws)] + [
            (p, p.text.replace("\n", " "), p.words) for i, p in enumerate(pages) if i != mi
        ]
        for p, t, ws in texts:
            r, s, whole = _rating_in_text(t, gl_name, others)
            if r:
                how = "A.M. Best statement in text" + ("" if whole else " (size class unreadable: grade only)")
                s_words = _words_for(ws, s)
                if whole and p is page:
                    r, again = _second_look_rating(img, r, _rating_strip(s_words), page)
                    how += again
                out["am_best_rating"] = _fv(r, p, s_words, how, 0.8 if whole else 0.4)
                break

    holder_is_aps = bool(holder and _names_aps(holder, names))
    ai = False
    ai_ev: FieldValue | None = None
    if desc:
        ok, s = _ai_statement(desc, names, holder_is_aps)
        if ok:
            ai = True
            ai_ev = _fv(True, page, _words_for(dws, s), "description names APS as additional insured")
    if not ai:
        for i, p in enumerate(pages):
            if i == mi:
                continue
            ok, ws = _endorsement_names_aps(p, names)
            if ok:
                ai = True
                ai_ev = _fv(True, p, ws, "additional insured endorsement schedule names APS")
                break
            ok, s = _ai_statement(p.text.replace("\n", " "), names, holder_is_aps)
            if ok:
                ai = True
                ai_ev = _fv(True, p, _words_for(p.words, s), "remarks page names APS as additional insured")
                break
    out["additional_insured_aps"] = (
        ai_ev
        if ai and ai_ev
        else FieldValue(False, Evidence(page.page_no, None, "", 0.6, "no statement naming APS as additional insured"))
    )

    # --- not an ACORD grid: read 'Label: value' text
    if g.gl_top is None or out["insured_name"].value is None:
        for k, fvv in _plain_text_fields(page).items():
            if out[k].value is None:
                out[k] = fvv

    # --- any other layout: labels, a coverage table in any column order, sentences
    out = _with_any_layout(out, page, pages, mi, names)
    return out


def _is_acord_grid(page: PageText) -> bool:
    """An ACORD 25 (any edition): its name printed on the form, or its 'INSURER(S) AFFORDING COVERAGE' box."""
    toks = [norm_token(w.text) for w in page.words]
    if any(t.startswith("acord") for t in toks):
        return True
    return bool(find_phrase(page, "INSURER(S) AFFORDING COVERAGE", 90))


_COVERAGE_FIELDS = ("insurer_name", "gl_policy_number", "gl_effective", "gl_expiration", "gl_each_occurrence",
                    "gl_aggregate", "coverage_trigger")
# fields a non-ACORD reading may take from the grid reader's generic parts (blocks found by their labels)
_GRID_SAFE_ON_OTHER_LAYOUTS = ("insured_name", "insured_address", "issue_date", "certificate_holder")


def _with_any_layout(
    out: dict[str, FieldValue], page: PageText, pages: list[PageText], mi: int, names: Sequence[str]
) -> dict[str, FieldValue]:
    """Merge the layout-independent reading with the ACORD grid reading.

    On an ACORD 25 the grid reading stands and the other only fills what it left unread; on any other
    layout the layout-independent reading stands, and of the grid reading only label-found blocks are
    kept where it found nothing (the grid's column positions mean nothing on another form)."""
    from extractors import coi_layouts

    got = coi_layouts.read_page(page, names)
    # the grid reading stands where the form is an ACORD 25, or where it reads more of the coverage
    # (an ACORD photo whose form name and box titles OCR lost)
    grid_count = sum(out[k].value is not None for k in _COVERAGE_FIELDS)
    any_count = sum(got.fields.get(k) is not None and got.fields[k].value is not None for k in _COVERAGE_FIELDS)
    acord = _is_acord_grid(page) or (grid_count > any_count and grid_count >= 3)
    merged = dict(out)
    for k in FIELDS:
        if k == "additional_insured_aps":
            continue
        mine = got.fields.get(k)
        if acord:
            if out[k].value is None and mine is not None and mine.value is not None:
                merged[k] = mine
            continue
        if mine is not None and (mine.value is not None or k not in _GRID_SAFE_ON_OTHER_LAYOUTS
                                 or out[k].value is None):
            merged[k] = mine
        elif k not in _GRID_SAFE_ON_OTHER_LAYOUTS:
            merged[k] = _none()
    for k in ("gl_each_occurrence", "gl_effective", "gl_expiration", "insurer_name", "coverage_trigger",
              "am_best_rating", "insured_name"):
        if merged[k].value is None and merged[k].evidence is None:
            merged[k] = FieldValue(None, Evidence(page.page_no, None, "", 0.0, _NOT_FOUND[k]))
    if not acord:
        if merged["am_best_rating"].value is None:
            _rating_from_text(merged, page, pages, mi, None)
        merged["additional_insured_aps"] = _additional_insured(
            merged, page, pages, mi, names, got.fields.get("additional_insured_aps")
        )
    return merged


_NOT_FOUND = {
    "gl_each_occurrence": "GL each-occurrence limit not found: no limits table or sentence recognised",
    "gl_effective": "GL policy dates not found: no policy period recognised on the GL coverage",
    "gl_expiration": "GL policy dates not found: no policy period recognised on the GL coverage",
    "insurer_name": "GL insurer not found: no insurer list, carrier column or 'issued by' sentence recognised",
    "coverage_trigger": "occurrence or claims-made not found: no box, mark or words recognised on the GL coverage",
    "am_best_rating": "A.M. Best rating not found on the certificate",
    "insured_name": "named insured not found: no insured label or sentence recognised",
}


def _rating_from_text(
    out: dict[str, FieldValue], page: PageText, pages: list[PageText], mi: int, img: Image.Image | None
) -> None:
    """A rating stated in remarks or on another page, tied to the GL insurer (or to no other insurer)."""
    gl_name = out["insurer_name"].value
    desc = out["description"].value or ""
    texts = [(page, str(desc), [])] + [(p, p.text.replace("\n", " "), p.words) for i, p in enumerate(pages) if i != mi]
    for p, t, ws in texts:
        r, s, whole = _rating_in_text(t, str(gl_name) if gl_name else None, [])
        if r:
            how = "A.M. Best statement in text" + ("" if whole else " (size class unreadable: grade only)")
            out["am_best_rating"] = _fv(r, p, _words_for(ws or page.words, s), how, 0.8 if whole else 0.4)
            return


def _additional_insured(
    out: dict[str, FieldValue], page: PageText, pages: list[PageText], mi: int, names: Sequence[str],
    stated: FieldValue | None,
) -> FieldValue:
    """APS named as additional insured: in the remarks or the letter, or in an endorsement's schedule."""
    if stated is not None and stated.value is True:
        return stated
    holder = out["certificate_holder"].value
    holder_is_aps = bool(holder and _names_aps(str(holder), names))
    for i, p in enumerate(pages):
        if i == mi:
            continue
        ok, ws = _endorsement_names_aps(p, names)
        if ok:
            return _fv(True, p, ws, "additional insured endorsement schedule names APS")
        ok, s = _ai_statement(p.text.replace("\n", " "), names, holder_is_aps)
        if ok:
            return _fv(True, p, _words_for(p.words, s), "remarks page names APS as additional insured")
    return FieldValue(False, Evidence(page.page_no, None, "", 0.6, "no statement naming APS as additional insured"))


def _words_for(words: Sequence[Word], sentence: str) -> list[Word]:
    toks = set(re.findall(r"\w+", sentence.lower()))
    got = [w for w in words if set(re.findall(r"\w+", w.text.lower())) & toks]
    return got[:60] or list(words)[:1]


def _trigger(page: PageText, img: Image.Image | None, g: _Grid, band: list[Word]) -> FieldValue:
    """Which box is ticked on the GL row: CLAIMS-MADE or OCCUR (None when neither)."""
    x_hi = g.pol_left if g.pol_left is not None else page.width * 0.4
    region = (0.0, g.gl_top or 0.0, x_hi, g.gl_bottom or page.height)
    cm = [w for w in _find_token(page, ["claimsmade", "claimsmane", "ctamsmave"], 62, region)]
    oc = [w for w in _find_token(page, ["occur"], 75, region) if len(norm_token(w.text)) <= 7]
    results: list[tuple[str, bool | None, float | None, Word]] = []
    for key, ws in (("claims_made", cm), ("occurrence", oc)):
        if not ws:
            continue
        w = ws[0]
        checked, ink = _checked(page, img, w)
        results.append((key, checked, ink, w))
    if not results:
        return _none()
    inks = [r for r in results if r[2] is not None]
    if len(inks) == 2:
        a, b = inks
        if a[1] and b[1]:
            pick = a if a[2] >= b[2] else b  # both look inked: the darker one
            return _fv(pick[0], page, [pick[3]], "checkbox ink left of label (both inked)", 0.5)
    ticked = [r for r in results if r[1]]
    if len(ticked) == 1:
        r = ticked[0]
        how = "checkbox ink left of label" if r[2] is not None else "check mark read as text left of label"
        return _fv(r[0], page, [r[3]], how, 0.9)
    if not ticked and all(r[1] is False for r in results):
        return FieldValue(None, evidence(page, [r[3] for r in results], "neither box ticked", 0.8))
    return FieldValue(None, evidence(page, [r[3] for r in results], "trigger boxes unclear", 0.3))
