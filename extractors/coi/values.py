"""Typed values printed on certificates: whole-dollar limits, policy dates, A.M. Best ratings, names in text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from PIL import Image
from rapidfuzz import fuzz

from extractors.coi.geometry import _rows
from extractors.layout import bbox
from extractors.model import PageText, Word
from extractors.normalize import find_dates, fix_ocr_digits, repair_month_digit
from extractors.reread import read_strip as _reread

_ROMAN = r"(?:XV|XIV|XIII|XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I)"


_GRADE = r"(?:A\+\+|A\+|A-|A|B\+\+|B\+|B-|B|C\+\+|C\+|C-|C|D|E|F|S)"


_RATING_RE = re.compile(
    rf"(?<![A-Za-z0-9])(?P<g>{_GRADE})(?![A-Za-z0-9])\s*[,;:.]?\s*"
    r"(?:\(?\s*(?:FSC|FSC:|Class|Size|Financial Size Category)\s*[:\-]?\s*)?"
    rf"\(?\s*(?P<r>{_ROMAN})\b\)?",
    re.I,
)


# 'A.M. Best', 'AM Best', "Best's", 'rated by A.M.', and the agencies' short form 'AMB' ('AMB rating A XII')
_BEST_RE = re.compile(
    r"(?i)(?:a\.?\s*m[.,]?\s*best|\bbest'?s\b|\bam\s*best\b|\bbest\s+rat|rated\s+by\s+a\.?\s*m|\bAMB\b(?!\s*#))"
)


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

    # a last stroke and the closing bracket after it run together into a 'D' ('(A XID' for '(A XII)')
    t = re.sub(r"(?<=[(\s])([ABC](?:\+\+|\+|-)?\s*,?\s*\(?[XV][XVIl1|]{0,2})D(?=\W|$)", r"\1I)", t)

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
