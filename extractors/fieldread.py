"""Shared reading moves for the one-page paper documents (IRS letters, licenses, permits, clearances).

A person reads these by finding a printed label and looking right of it or under it, by reading
the header to know who issued the paper, and by reading sentences for their meaning. The helpers
here do those moves on a PageText and wrap what they find as FieldValue with Evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from extractors import layout
from extractors.layout import trim_specks
from extractors.model import Evidence, FieldValue, PageText, Word
from extractors.normalize import clean_spaces, find_dates, fix_ocr_digits, repair_month_digit

UNKNOWN = FieldValue(None, None)

# How much each way of finding a value is trusted (multiplied by the OCR confidence).
REL_RIGHT = 0.95
REL_BELOW = 0.9
REL_ABOVE = 0.75
REL_SENTENCE = 0.85
REL_STRUCTURE = 0.8
REL_GUESS = 0.6


@dataclass
class Found:
    """A value read from a page, with the words it came from and how it was found."""

    value: object
    page: PageText
    words: list[Word]
    method: str
    reliability: float

    def field(self) -> FieldValue:
        return FieldValue(self.value, layout.evidence(self.page, self.words, self.method, self.reliability))


def field_of(found: Found | None) -> FieldValue:
    return found.field() if found else FieldValue(None, None)


def fixed_field(
    value: object, page: PageText, words: Sequence[Word], method: str, reliability: float
) -> FieldValue:
    return FieldValue(
        value,
        Evidence(
            page.page_no,
            layout.bbox(words),
            layout.text_of(words),
            round(layout.mean_conf(words) * reliability, 3) if words else reliability,
            method,
        ),
    )


# ----------------------------------------------------------------------------- labels
def _next_word(page: PageText, span: Sequence[Word]) -> Word | None:
    last = span[-1]
    h = max(last.height, 1.0)
    cands = [
        w
        for w in page.words
        if w.line == last.line
        and w.x0 >= last.x1 - 1
        and w is not last
        and w.x0 - last.x1 < 1.8 * h
        and w not in span
    ]
    return min(cands, key=lambda w: w.x0) if cands else None


def _prev_word(page: PageText, span: Sequence[Word]) -> Word | None:
    first = span[0]
    h = max(first.height, 1.0)
    cands = [
        w
        for w in page.words
        if w.line == first.line
        and w.x1 <= first.x0 + 1
        and w is not first
        and first.x0 - w.x1 < 1.8 * h
        and w not in span
    ]
    return max(cands, key=lambda w: w.x1) if cands else None


def find_phrase_best(page: PageText, phrase: str, min_score: float = 85) -> list[list[Word]]:
    """Like layout.find_phrase, but at each place keeps the window of words that matches best
    (so 'Registration No.:' is matched whole, not as 'Registration')."""
    from rapidfuzz import fuzz

    target = "".join(t for t in (layout.norm_token(p) for p in phrase.split()) if t)
    n = len([t for t in phrase.split() if layout.norm_token(t)])
    if not target:
        return []
    hits: list[list[Word]] = []
    for line in page.lines():
        toks = [layout.norm_token(w.text) for w in line]
        i = 0
        while i < len(line):
            if not toks[i]:
                i += 1
                continue
            best, best_k = 0.0, 0
            for k in (n, n + 1, n - 1):
                if k < 1 or i + k > len(line):
                    continue
                cand = "".join(toks[i : i + k])
                if not cand:
                    continue
                sc = 100.0 if cand == target else fuzz.ratio(cand, target, score_cutoff=min_score)
                if sc > best + 0.5:
                    best, best_k = sc, k
            if best >= min_score:
                hits.append(line[i : i + best_k])
                i += best_k
            else:
                i += 1
    return hits


_TAGS = {"no", "#", "number", "num", "nbr", "id"}


def find_labels(
    page: PageText,
    labels: Iterable[str],
    not_before: Iterable[str] = (),
    not_after: Iterable[str] = (),
    min_score: float = 85,
) -> list[tuple[str, list[Word]]]:
    """Every place one of the labels is printed, longest labels first, no word used twice.

    A label written with a trailing colon counts only where it is printed with one.
    not_before: words that, printed right after the match, show it is part of a longer label
    ('Event' in 'Event Location'); not_after: the same for a word printed right before it.
    """
    stop_next = {layout.norm_token(w) for w in not_before}
    stop_prev = {layout.norm_token(w) for w in not_after}
    used: set[int] = set()
    out: list[tuple[str, list[Word]]] = []
    for label in sorted(labels, key=len, reverse=True):
        single = len(label.split()) == 1
        score = max(min_score, 95) if single and len(label) > 5 else min_score if not single else 100
        target = "".join(layout.norm_token(t) for t in label.split())
        for span in find_phrase_best(page, label, score):
            if any(id(w) in used for w in span):
                continue
            got = "".join(layout.norm_token(w.text) for w in span)
            if len(got) < 0.85 * len(target):  # a word of the label is missing, not just misread
                continue
            if len(got) > 1.15 * len(target) + 1:  # the match swallowed a neighbouring word
                continue
            if label.endswith(":") and not re.search(r"[:;]$", span[-1].text):  # only as a label with a colon
                continue
            tag = layout.norm_token(label.split()[-1])
            if (
                len(label.split()) > 1
                and tag in _TAGS
                and len(span) < len(label.split())
                and not layout.norm_token(span[-1].text).endswith(tag)
            ):
                continue  # 'Business Registration' is a title; only 'Business Registration No.' labels a number
            nxt = _next_word(page, span)
            if (
                nxt is not None
                and layout.norm_token(nxt.text) in stop_next
                and not span[-1].text.endswith(":")
            ):
                continue
            prv = _prev_word(page, span)
            if prv is not None and layout.norm_token(prv.text) in stop_prev and not prv.text.endswith(":"):
                continue
            if prv is not None and _has_text(prv) and not re.search(r"[:;]$", span[-1].text):
                continue  # a label starts its run of text; this is a word inside a sentence
            if (
                prv is not None
                and nxt is not None
                and re.fullmatch(r"[—–\-&/+]", prv.text)
                and not re.search(r"[:;]$", span[-1].text)
            ):
                continue  # a word inside a title run ('ESTABLISHMENT — EVENT PERMIT'), not a label
            used.update(id(w) for w in span)
            out.append((label, span))
    return sorted(out, key=lambda t: (t[1][0].y0, t[1][0].x0))


def value_right(page: PageText, span: Sequence[Word], max_dx: float = 260) -> list[Word]:
    """Words printed on the label's row to its right, up to a wide gap or the next label."""
    row = layout.right_of(page, list(span), max_dx=page.width)
    if not row or row[0].x0 - span[-1].x1 > max_dx:
        return []
    h = max(sum(w.height for w in span) / len(span), 4.0)
    row = [w for w in row if w not in span and _has_text(w) and not _speck(w, h)]
    row = [w for w in row if not any(_read_twice(w, o) for o in row)]
    if not row:
        return []
    out = [row[0]]
    for w in row[1:]:
        if w.x0 - out[-1].x1 > max(3.0 * h, 24):
            break
        out.append(w)
    return cut_at_label(out)


_NAME_END = re.compile(r"(?i)\b(?:inc|llc|l\.l\.c|corp|corporation|co|ltd|lp|llp|pllc|foundation|nfp)\.?,?$")


def continued_lines(page: PageText, span: Sequence[Word], words: list[Word], max_more: int = 2) -> list[Word]:
    """A value that wraps onto the next line(s) of its column ('RIDGECREST JUNIOR ROBOTICS' over
    'ASSOCIATION, INC.'): lines starting at the value's left edge, close under it, with nothing in
    the label column to their left, no digits and no colon; a name already ending 'Inc.'/'LLC' is whole."""
    if not words:
        return words
    words = with_row_mates(page, words)
    words = [w for w in words if not any(_read_twice(w, o) for o in words)]
    out = list(words)
    label_x0 = min(w.x0 for w in span)
    for _ in range(max_more):
        if _NAME_END.search(clean_words_text(out)):
            break
        b = layout.bbox(out)
        assert b
        last = [w for w in out if w.y1 >= b[3] - 0.5 * max(w.height for w in out)]
        h = max(max(w.height for w in last), 5.0)
        x0 = min(w.x0 for w in out)
        bottom = max(w.y1 for w in last)
        ids = {id(w) for w in out} | {id(w) for w in span}
        nxt = [
            w
            for w in page.words
            if id(w) not in ids and w.y0 > bottom - 0.3 * h and w.y0 < bottom + 1.3 * h and _has_text(w)
        ]
        if not nxt:
            break
        first = min(nxt, key=lambda w: (w.y0, w.x0))
        line = sorted([w for w in nxt if abs(w.cy - first.cy) <= 0.5 * h], key=lambda w: w.x0)
        if (
            abs(line[0].x0 - x0) > 1.5 * h
            or any(w.x1 <= x0 - 2 and w.x0 >= label_x0 - 3 * h for w in line)
            or re.search(r"\d|:", layout.text_of(line))
            or len(line) > 6
        ):
            break
        out += line
    return out


def value_below(
    page: PageText, span: Sequence[Word], max_lines: float = 3.2, column: bool = True
) -> list[Word]:
    """The first line printed under the label and overlapping it horizontally."""
    b = layout.bbox(span)
    assert b
    h = max(b[3] - b[1], 6.0)
    x0, x1 = b[0] - 2 * h, max(b[2], b[0] + 60) + 2 * h
    under = [
        w
        for w in page.words
        if w.y0 >= b[1] + 0.6 * h
        and w.y0 <= b[3] + max_lines * h
        and w.x1 >= x0
        and w.x0 <= x1
        and w not in span
        and _has_text(w)
    ]
    if not under:
        return []
    first = min(under, key=lambda w: (w.y0, abs(w.x0 - b[0])))
    line = [w for w in page.words if w.line == first.line]
    if column:
        line = _chain_around(line, first, h)
    return cut_at_label(with_row_mates(page, line))


def value_above(page: PageText, span: Sequence[Word], max_lines: float = 2.5) -> list[Word]:
    """The line printed just over a caption (forms that put the caption under a filled-in line)."""
    b = layout.bbox(span)
    assert b
    h = max(b[3] - b[1], 6.0)
    x0, x1 = b[0] - 2 * h, max(b[2], b[0] + 60) + 2 * h
    over = [
        w
        for w in page.words
        if w.y1 <= b[1] + 0.4 * h
        and w.y1 >= b[1] - max_lines * h
        and w.x1 >= x0
        and w.x0 <= x1
        and w not in span
        and _has_text(w)
    ]
    if not over:
        return []
    last = max(over, key=lambda w: (w.y1, -abs(w.x0 - b[0])))
    line = [w for w in page.words if w.line == last.line]
    return cut_at_label(_chain_around(line, last, h))


def _has_text(w: Word) -> bool:
    return bool(re.search(r"[A-Za-z0-9&]", w.text))


def _speck(w: Word, text_height: float) -> bool:
    """A dot of dirt OCR took for a character: far smaller than any letter printed beside it."""
    return w.height < 0.4 * text_height and (w.x1 - w.x0) < 0.4 * text_height


def _read_twice(w: Word, other: Word) -> bool:
    """w is a second, shorter reading of part of another word (overlapping OCR lines): its box lies
    inside the other's and its text is the start or a piece of the other's."""
    if w is other or len(w.text) >= len(other.text):
        return False
    inside = w.x0 >= other.x0 - 1 and w.x1 <= other.x1 + 1 and w.y0 >= other.y0 - 1 and w.y1 <= other.y1 + 1
    return inside and w.text.lower() in other.text.lower()


def _chain_around(line: list[Word], seed: Word, h: float) -> list[Word]:
    """The run of words around seed without a column-sized gap."""
    line = sorted(line, key=lambda w: w.x0)
    i = line.index(seed)
    lo = hi = i
    gap = max(3.0 * h, 24)
    while lo > 0 and line[lo].x0 - line[lo - 1].x1 < gap:
        lo -= 1
    while hi < len(line) - 1 and line[hi + 1].x0 - line[hi].x1 < gap:
        hi += 1
    return line[lo : hi + 1]


def with_row_mates(page: PageText, line: list[Word]) -> list[Word]:
    """Add words OCR put on a line of their own though they sit on this line's baseline."""
    if not line:
        return line
    b = layout.bbox(line)
    assert b
    cys = sorted(w.cy for w in line)
    hs = sorted(w.height for w in line)
    cy, h = cys[len(cys) // 2], max(hs[len(hs) // 2], 4.0)
    ids = {id(w) for w in line}
    mates = [
        w
        for w in page.words
        if id(w) not in ids
        and abs(w.cy - cy) <= 0.35 * h
        and b[0] - 0.5 * h <= w.x0
        and w.x1 <= b[2] + 0.5 * h
        and _has_text(w)
    ]
    return sorted(line + mates, key=lambda w: w.x0) if mates else line


def cut_at_label(words: list[Word]) -> list[Word]:
    """Drop a following label ('Contact Person:') that shares the value's row: cut at the widest
    gap before the colon word, or where the label's Title-case words begin."""
    for i, w in enumerate(words):
        if i > 0 and w.text.endswith(":") and len(w.text) > 2:
            h = max(x.height for x in words)
            if i == len(words) - 1 and w.x0 - words[i - 1].x1 < 1.2 * h:
                break  # a colon OCR put after the value's last word ('LOS DURANES CHAMBER:'), no label after it
            j = i
            while j > 1 and _label_case(words[j - 1].text) and not _label_case(words[0].text):
                j -= 1
            if j == i and i > 1:
                gaps = [(words[k].x0 - words[k - 1].x1, k) for k in range(1, i + 1)]
                widest, k = max(gaps)
                h = max(w.height for w in words)
                if widest > 1.2 * h:
                    j = k
            return words[:j]
    return words


def _label_case(t: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][a-z]+[:.]?", t))


# ----------------------------------------------------------------------------- labelled values
Parser = Callable[[list[Word]], object]


def read_labelled(
    pages: Sequence[PageText],
    labels: Iterable[str],
    parse: Parser,
    name: str,
    not_before: Iterable[str] = (),
    not_after: Iterable[str] = (),
    directions: Sequence[str] = ("right", "below"),
    min_score: float = 85,
    wraps: bool = False,
) -> Found | None:
    """The first label on the pages whose neighbouring words parse as the wanted value.
    wraps: the value (a name) may run on over the next lines of its column."""
    labels = list(labels)
    for page in pages:
        hits = find_labels(page, labels, not_before, not_after, min_score)
        best: Found | None = None
        for _label, span in hits:
            for d in directions:
                if d == "right":
                    words, rel = value_right(page, span), REL_RIGHT
                elif d == "below":
                    words, rel = value_below(page, span), REL_BELOW
                else:
                    words, rel = value_above(page, span), REL_ABOVE
                if not words:
                    continue
                if wraps:
                    words = continued_lines(page, span, words)
                value = parse(words)
                if value is None or value == "":
                    continue
                f = Found(value, page, list(words), f"label '{layout.text_of(span)}' -> {d} ({name})", rel)
                if best is None or f.reliability > best.reliability:
                    best = f
                break
            if best is not None and best.reliability >= REL_RIGHT:
                break
        if best is not None:
            return best
    return None


# ----------------------------------------------------------------------------- value parsers
def repair_date_text(text: str) -> str:
    """OCR splits numeric dates ('05/0 1/2027') and reads a month's leading 0 as 6, 8 or 9; undo both.
    Underscores are the form's fill-in line under a typed date ('_DEC 15 2009'), not part of it."""
    text = text.replace("_", " ")
    text = re.sub(r"(\d)\s*/\s*(\d)", r"\1/\2", text)
    text = re.sub(r"(?<!\d)(\d{1,2}/\d)\s(\d/(?:19|20)\d\d)(?!\d)", r"\1\2", text)
    text = re.sub(r"(?<!\d)(\d)\s(\d/\d{1,2}/(?:19|20)\d\d)(?!\d)", r"\1\2", text)
    text = re.sub(r"(?<![\d,])(\d{1,2})\s*[,.]\s*[,.]?\s*((?:19|20)\d\d)(?!\d)", r"\1, \2", text)
    text = fix_ocr_digits(text)
    text = re.sub(r"(?<![\d/])[6-9](\d)(/\d{1,2}/\d\d)(?![\d/])", r"0\1\2", text)  # '97/06/27', two-digit year
    return repair_month_digit(text)


def dates_in(text: str) -> list[date]:
    return [d for d, _, _ in find_dates(repair_date_text(text)) if 1900 < d.year < 2100]


def parse_date_words(words: list[Word]) -> date | None:
    ds = dates_in(layout.text_of(words))
    return ds[0] if ds else None


_ID = re.compile(r"^[A-Z0-9#][A-Z0-9#\-/.]*$", re.I)


def _repair_id_token(t: str) -> str:
    """'TFE-27-—S641' -> 'TFE-27-5641': a dash OCR doubled into a dash run, and a letter read for a digit
    inside a group that is otherwise digits."""
    t = re.sub(r"[-—–]{2,}|[—–]", "-", t)
    groups = t.split("-")
    fixed = [fix_ocr_digits(g) if sum(c.isdigit() for c in g) >= max(2, len(g) - 1) else g for g in groups]
    return "-".join(fixed)


def parse_id_words(words: list[Word]) -> str | None:
    """An identifier: one or two tokens with digits in them, e.g. 'BR-2026-012345', 'TF 123456'."""
    toks = [_repair_id_token(w.text.strip(".,:;|_'\"‘’“”()[]")) for w in words]
    toks = [t.lstrip("#").lstrip(":") for t in toks]
    toks = [t for t in toks if t and t not in {"#", "No", "No.", "Number"}]
    out: list[str] = []
    for t in toks:
        if not _ID.match(t) or re.fullmatch(r"[a-z]+", t):
            if not out and not any(c.isdigit() for c in t):
                continue  # an OCR speck before the number
            break
        if out and not any(c.isdigit() for c in t) and any(c.isdigit() for c in "".join(out)):
            break
        out.append(t)
        if len(out) == 2 or (any(c.isdigit() for c in t) and len(t) >= 5):
            break
    value = "".join(out) if len(out) == 2 and len(out[0]) <= 4 else (out[0] if out else "")
    if sum(c.isdigit() for c in value) < 2 or dates_in(value):
        return None
    if any(
        sum(c.isalpha() for c in g) >= 5 and sum(c.isdigit() for c in g) <= 3 and any(c.islower() for c in g)
        for g in re.split(r"[-/.]", value)
    ):
        return None  # 'Reeusseei213': OCR letters for a number it could not read, not an identifier
    return value


_JUNK_EDGE = "\"'‘’“”`|_:;,~—–-=*•©®°!?[](){}<>\\/"


def clean_words_text(words: Sequence[Word]) -> str:
    """The printed text of a value, without OCR specks at the edges of words (a comma inside stays)."""
    words = trim_specks(words)
    toks = []
    for i, w in enumerate(words):
        t = w.text.strip(_JUNK_EDGE) if len(w.text) > 1 else w.text
        if re.search(r"[.,]*,[.,]*$", t):
            t = re.sub(r"[.,]*,[.,]*$", "," if i < len(words) - 1 else "", t)
        elif t and i < len(words) - 1 and re.search(r"[A-Za-z0-9.],[^A-Za-z0-9]*$", w.text):
            t = t.rstrip(",") + ","
        t = t.replace("‘", "").replace("“", "").replace("”", "")
        if t and re.search(r"[A-Za-z0-9&]", t):
            toks.append(t)
        elif t == "&":
            toks.append(t)
    text = clean_spaces(" ".join(toks))
    return text.strip(" ,;:-")


_CAPTION_WORDS = {
    "name", "names", "phone", "telephone", "address", "mailing", "date", "dates", "time", "times", "start", "end",
    "email", "e-mail", "signature", "number", "no", "city", "state", "zip", "code", "fax", "vendor", "event",
    "inspection", "type", "title", "contact", "owner", "location", "site", "license", "permit", "fee", "amount",
    "total", "hours", "of", "and", "or", "the", "person", "in", "charge", "print", "printed", "applicant",
    "business", "organization", "operator", "description", "category", "class", "county", "id", "#", "day",
    "days", "booth", "area", "menu", "items", "food", "source", "sources", "water", "supply", "restaurant",
    "facility", "establishment", "mobile", "unit", "if", "any", "other", "please", "specify",
}


def is_caption(text: str) -> bool:
    """Text made only of form-caption words ('VENDOR PHONE', 'Inspection Start Time'): on a blank or
    half-filled form the label's neighbour is another label, not a value."""
    toks = [re.sub(r"['’]s$", "", t.strip(".,:;#()/").lower()) for t in text.split()]
    toks = [t for t in toks if t]
    return bool(toks) and all(t in _CAPTION_WORDS for t in toks)


def parse_text_words(words: list[Word]) -> str | None:
    text = clean_words_text(words)
    if len(re.sub(r"[^A-Za-z]", "", text)) < 2:
        return None
    return text


# ----------------------------------------------------------------------------- names and headers
NAME_WORD = re.compile(
    r"^(?:[A-Z][a-z]*(?:['’\-]?[A-Z]?[a-z]+)*|[A-Z]+(?:['’\-][A-Z]+)*|de|del|la|van|von|da|di|le)\.?,?$"
)


def looks_like_person(text: str) -> bool:
    """2-5 name-like words ('Maria L. Sandoval', 'SANDOVAL, MARIA L'), no digits, no form words."""
    if not text or re.search(r"\d", text):
        return False
    toks = text.replace(",", ", ").split()
    if not 2 <= len(toks) <= 5:
        return False
    if not all(NAME_WORD.match(t) or t == "," for t in toks):
        return False
    alpha = [t for t in toks if len(t.strip(".,'’-")) >= 2]
    if len(alpha) < 2 and not (len(alpha) == 1 and "," in text):
        return False
    low = {t.lower().strip(".,:") for t in toks}
    return not (low & FORM_WORDS)


FORM_WORDS = {
    "school",
    "schools",
    "public",
    "community",
    "partner",
    "background",
    "check",
    "clearance",
    "cleared",
    "notice",
    "department",
    "office",
    "unit",
    "human",
    "resources",
    "status",
    "date",
    "expires",
    "expiration",
    "name",
    "organization",
    "role",
    "volunteer",
    "reference",
    "coordinator",
    "badge",
    "valid",
    "must",
    "worn",
    "visible",
    "campus",
    "fingerprint",
    "issued",
    "certificate",
    "city",
    "county",
    "state",
    "of",
    "the",
    "and",
    "pending",
    "approved",
    "denied",
    "district",
    "employee",
    "id",
    "inc",
    "llc",
    "program",
    "club",
    "services",
    "signature",
    "authorized",
    "official",
    "director",
    "permit",
    "license",
    "health",
    "division",
}

JURISDICTION = re.compile(
    r"\b(?:(?:City\s+and\s+County|City|Town|Village|County|State|Commonwealth|Borough|Township|Parish|Pueblo|"
    r"Nation)\s+of\s+(?:the\s+)?[A-Z][A-Za-z.'\-]*(?:\s+[A-Z][A-Za-z.'\-]*){0,3}"
    r"|[A-Z][A-Za-z.'\-]*(?:\s+[A-Z][A-Za-z.'\-]*){0,2}\s+(?:County|Parish|State))\b"
)
AGENCY_WORDS = re.compile(
    r"\b(?:Department|Dept|Office|Division|Services?|Agency|Bureau|Authority|Board|Commission|Health|Program|"
    r"Licensing|Revenue|Treasurer|Clerk|Section)\b",
    re.I,
)


def smart_case(text: str) -> str:
    """ALL-CAPS header text in title case ('CITY OF ALBUQUERQUE' -> 'City of Albuquerque')."""
    if text.upper() != text:
        return text
    small = {"of", "and", "the", "for", "de", "del"}
    words = text.lower().split()
    return " ".join(w if (i and w in small) else w[:1].upper() + w[1:] for i, w in enumerate(words))


def header_lines(page: PageText, frac: float = 0.3) -> list[list[Word]]:
    """Lines in the top part of the page, top to bottom, with their row mates."""
    limit = page.height * frac
    return [ln for ln in page.lines() if min(w.y0 for w in ln) < limit and any(_has_text(w) for w in ln)]


def find_jurisdiction(page: PageText, frac: float = 0.3) -> tuple[str, list[Word]] | None:
    """The government named in the page header ('CITY OF ALBUQUERQUE', 'Bernalillo County')."""
    for line in header_lines(page, frac):
        text = clean_words_text(line)
        cased = smart_case(text) if text.isupper() else text
        m = JURISDICTION.search(cased)
        if m and not re.search(r"(?i)\b(?:public\s+schools?|school\s+district)\b", text):
            return m.group(0).strip(), line
    return None


def line_text(line: Sequence[Word]) -> str:
    return clean_words_text(line)


def page_text_flat(page: PageText) -> str:
    return " ".join(" ".join(w.text for w in ln) for ln in page.lines())
