"""The label -> value core the letter, license, permit and clearance readers share.

A person reads a date or a name off any paper by the words printed with it, whatever the layout:
the label to its left or over it (also a row of headers with the values in the cells underneath),
or a sentence ('This license is valid through June 30, 2027'). This module holds the label
families those readers look for (one family stands for all the wordings issuers print) and the
moves that find values by them, each value wrapped with the words it came from.

Safe when unsure: every move returns None rather than a value it cannot tie to its label or cue.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from datetime import date
from itertools import pairwise

from PIL import Image

from extractors import layout
from extractors.fieldread import (
    REL_BELOW,
    REL_GUESS,
    REL_SENTENCE,
    Found,
    dates_in,
    find_labels,
    repair_date_text,
    value_right,
)
from extractors.model import FieldValue, PageText, Word
from extractors.normalize import DATE_SHAPE, MONTH_RE, find_dates, month_number, zero_repaired_dates
from extractors.reread import read_strip

# ----------------------------------------------------------------------------- label families
# The end of a period of validity, as licenses, permits, cards and letters print it.
EXPIRY_LABELS = [
    "Expiration Date",
    "Expiration",
    "Expires",
    "Expires On",
    "Expire Date",
    "Expiry Date",
    "Expiry",
    "Exp Date",
    "Exp",
    "Exp.",
    "Valid Through",
    "Valid Thru",
    "Valid Until",
    "Valid Till",
    "Valid To",
    "Good Through",
    "Good Thru",
    "Good Until",
    "End Date",
    "Eligible Through",
    "Eligible Until",
    "Eligible Thru",
    "Cleared Through",
    "Cleared Until",
    "Date of Expiration",
    "Expiration Date of License",
    "License Expires",
    "Permit Expires",
    "Card Expires",
    "Clearance Expires",
    "Not Valid After",
]
# A renewal date is not an expiry (a license is often renewed before it lapses): never read as one.
NOT_EXPIRY_WORDS = ["renewal", "renew", "renewed", "reminder", "notice", "fee", "late"]

# The start of a period of validity / the day a paper was issued.
ISSUE_LABELS = [
    "Date Issued",
    "Issue Date",
    "Issued",
    "Issued On",
    "Date of Issue",
    "Issuance Date",
    "Effective Date",
    "Effective",
    "Valid From",
    "Start Date",
    "Registration Date",
    "License Date",
    "Date Registered",
]

# Cue phrases of sentences: the date (or period) that follows is the end / start / whole period.
EXPIRY_CUE = re.compile(
    r"(?i)\b(?:(?:is|are|remains?|shall\s+be|will\s+be)\s+)?(?:valid|good|effective|in\s+effect|in\s+force|eligible|"
    r"cleared)\s+(?:through|thru|until|till|to)\b|\bexpires?(?:\s+on)?\b|\bexpiring(?:\s+on)?\b|"
    r"\bexpiration\s+(?:date\s+)?(?:of|is|on)?\b|\bnot\s+valid\s+after\b|\bends?\s+on\b"
)
ISSUE_CUE = re.compile(
    r"(?i)\b(?:issued|granted|approved|cleared|completed|effective|registered)\s+(?:on|as\s+of)\b|"
    r"\bdated\b|\beffective\b|\bissued\b|\bdate\s+of\s+issue\b"
)
PERIOD_CUE = re.compile(
    r"(?i)\b(?:valid|good|effective|in\s+effect)\s+(?:for\s+the\s+period|from|during|for)\b|\bfor\s+the\s+period\b|"
    r"\b(?:license|licensing|permit|registration|term|coverage)\s+(?:period|term|year)\b|\bperiod\s+of\b|\bfrom\b|"
    r"\bvalid\b|\bterm\b|\bperiod\b|\beffective\b|\bin\s+force\b|\bgood\b"
)
RANGE_SEP = r"\s*(?:-|–|—|to|through|thru|until|till)\s*"


# ----------------------------------------------------------------------------- typed dates
_MONTH_YEAR = re.compile(
    rf"(?i)(?<![\w/])(?P<m>{MONTH_RE})[\s,'‘’]*(?P<y>(?:19|20)\d\d)\b|(?<![\d/])(?P<mn>0?[1-9]|1[0-2])\s*[/-]\s*(?P<yn>(?:19|20)\d\d)(?![\d/])"
)


def month_year(text: str, end: bool) -> date | None:
    """'Jun 2028', "Dec '2026", '06/2028': a month with no day (cards valid 'through the month
    shown'). As an end of validity it means the month's last day; as a start, its first."""
    m = _MONTH_YEAR.search(repair_date_text(text))
    if not m:
        return None
    if m.group("m"):
        month = month_number(m.group("m").rstrip(".")[:3])
        year = int(m.group("y"))
    else:
        month, year = int(m.group("mn")), int(m.group("yn"))
    if not month or not 1900 < year < 2100:
        return None
    day = calendar.monthrange(year, month)[1] if end else 1
    return date(year, month, day)


_CARD_MMYY = re.compile(r"^\W*(0?[1-9]|1[0-2])\s*/\s*(\d\d)\W*$")


def parse_end_date(words: list[Word]) -> date | None:
    """An end of validity: a full date, else a month and year (its last day); a card's bare 'MM/YY'
    under an expiry label ('Valid Thru 06/28') is a month and year too."""
    text = layout.text_of(words)
    ds = dates_in(text)
    if ds:
        return ds[0]
    m = _CARD_MMYY.match(text)
    if m:
        year, month = 2000 + int(m.group(2)), int(m.group(1))
        return date(year, month, calendar.monthrange(year, month)[1])
    return month_year(text, end=True)


def parse_start_date(words: list[Word]) -> date | None:
    text = layout.text_of(words)
    ds = dates_in(text)
    return ds[0] if ds else None


_SHORT_RANGE = re.compile(
    rf"(?i)\b(?P<m>{MONTH_RE})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?{RANGE_SEP}(?:(?P<m2>{MONTH_RE})\s+)?"
    r"(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b"
)


def date_range(text: str) -> tuple[date, date] | None:
    """'March 1, 2026 through February 28, 2027', '04/23/2027 - 04/24/2027', 'April 23-24, 2027':
    two dates joined by a range word, the first not after the second."""
    fixed = repair_date_text(text)
    m = _SHORT_RANGE.search(fixed)
    if m:
        a = dates_in(f"{m.group('m')} {m.group('d1')}, {m.group('y')}")
        b = dates_in(f"{m.group('m2') or m.group('m')} {m.group('d2')}, {m.group('y')}")
        if a and b and a[0] <= b[0]:
            return a[0], b[0]
    found = [(d, s, e) for d, s, e in find_dates(fixed) if 1900 < d.year < 2100]
    for (d1, _, e1), (d2, s2, _) in pairwise(found):
        between = fixed[e1:s2]
        if re.fullmatch(RANGE_SEP, between) or re.fullmatch(r"\s*(?:and|&)\s*", between):
            if d1 <= d2:
                return d1, d2
    return None


# ----------------------------------------------------------------------------- sentences
def _flat(page: PageText) -> tuple[str, list[tuple[int, int, Word]]]:
    """The page as one running text (lines in reading order), with each word's character span."""
    text = ""
    spans: list[tuple[int, int, Word]] = []
    for line in page.lines():
        for w in line:
            spans.append((len(text), len(text) + len(w.text), w))
            text += w.text + " "
    return text, spans


def _words_between(spans: list[tuple[int, int, Word]], start: int, end: int) -> list[Word]:
    return [w for s, e, w in spans if s < end and e > start]


_ABBREV = re.compile(rf"(?i)(?:{MONTH_RE}|[a-z]|no|st|dr|mr|ms|mrs|inc|co)\.$")


def _sentence_head(text: str) -> str:
    """Text up to the end of its sentence (a '.' after 'Dec' or 'Inc' does not end one)."""
    for m in re.finditer(r"[.;](?=\s|$)", text):
        word = text[: m.end()].split()[-1] if text[: m.end()].split() else ""
        if m.group(0) == "." and _ABBREV.fullmatch(word.lstrip("(\"'")) is not None:
            continue
        return text[: m.start()]
    return text


def sentence_date(
    pages: Sequence[PageText],
    cue: re.Pattern[str],
    what: str,
    end: bool,
    reach: int = 45,
    refuse: re.Pattern[str] | None = None,
) -> Found | None:
    """The date printed right after a cue phrase in running text ('valid through June 30, 2027').
    The date must follow within `reach` characters without a sentence ending in between."""
    for page in pages:
        text, spans = _flat(page)
        for m in cue.finditer(text):
            before = text[max(0, m.start() - 30) : m.start()]
            if refuse is not None and (refuse.search(before) or refuse.search(m.group(0))):
                continue
            tail = text[m.end() : m.end() + reach]
            tail = _sentence_head(tail)
            fixed = repair_date_text(tail)
            ds = [(d, s) for d, s, _ in find_dates(fixed) if 1900 < d.year < 2100]
            value: date | None = None
            pos = 0
            if ds and ds[0][1] <= 20:
                value, pos = ds[0]
            elif end:
                my = _MONTH_YEAR.search(fixed)
                if my and my.start() <= 20:
                    value, pos = month_year(my.group(0), end=True), my.start()
            if value is None:
                continue
            words = _words_between(spans, m.start(), m.end() + pos + 20)
            return Found(value, page, words, f"sentence '{m.group(0).strip()} ...' ({what})", REL_SENTENCE)
    return None


def sentence_range(pages: Sequence[PageText], cue: re.Pattern[str], what: str) -> tuple[Found, Found] | None:
    """A period stated in running text: 'valid for the period March 1, 2026 through February 28, 2027',
    'License Period: 07/01/2026 to 06/30/2027'."""
    for page in pages:
        text, spans = _flat(page)
        for m in cue.finditer(text):
            tail = text[m.end() : m.end() + 70]
            rng = date_range(tail)
            if not rng:
                continue
            words = _words_between(spans, m.start(), m.end() + 70)
            words = [w for w in words if not re.fullmatch(r"\W*", w.text)]
            method = f"sentence '{m.group(0).strip()} ... to ...' ({what})"
            return (
                Found(rng[0], page, words, method + " start", REL_SENTENCE),
                Found(rng[1], page, words, method + " end", REL_SENTENCE),
            )
    return None


# ----------------------------------------------------------------------------- header rows
Parser = Callable[[list[Word]], object]


def header_cells(
    pages: Sequence[PageText],
    columns: dict[str, tuple[list[str], Parser]],
    min_columns: int = 2,
) -> dict[str, Found]:
    """A row of column headers ('ISSUED   EXP', 'License No.  Issue Date  Expires') with each value in
    the cell under its header. Labels count as a header row when at least `min_columns` of the
    wanted columns stand side by side on one row; each value is the first line under its header
    whose words lie within that header's column (between the neighbouring headers)."""
    for page in pages:
        hits: list[tuple[str, list[Word]]] = []
        for key, (labels, _) in columns.items():
            for _label, span in find_labels(page, labels):
                hits.append((key, span))
        if len(hits) < min_columns:
            continue
        # group the hits into rows by their vertical centre
        hits.sort(key=lambda h: layout.bbox(h[1])[1])  # type: ignore[index]
        rows: list[list[tuple[str, list[Word]]]] = []
        for key, span in hits:
            cy = sum(w.cy for w in span) / len(span)
            h = max(w.height for w in span)
            for row in rows:
                rcy = sum(w.cy for w in row[0][1]) / len(row[0][1])
                if abs(rcy - cy) <= 0.8 * h:
                    row.append((key, span))
                    break
            else:
                rows.append([(key, span)])
        for row in rows:
            keys = {k for k, _ in row}
            if len(keys) < min_columns or not _only_headers(page, row):
                continue
            row.sort(key=lambda h: h[1][0].x0)
            out: dict[str, Found] = {}
            for i, (key, span) in enumerate(row):
                if key in out:
                    continue
                b = layout.bbox(span)
                assert b
                h = max(b[3] - b[1], 6.0)
                left = (layout.bbox(row[i - 1][1])[2] if i else 0.0) + 1  # type: ignore[index]
                right = layout.bbox(row[i + 1][1])[0] - 1 if i + 1 < len(row) else page.width  # type: ignore[index]
                left = max(left, b[0] - 4 * h) if i else b[0] - 4 * h
                under = [
                    w
                    for w in page.words
                    if w.y0 > b[3] - 0.2 * h
                    and w.y0 < b[3] + 5 * h
                    and w.x0 >= left - 2
                    and w.x0 < right
                    and re.search(r"[A-Za-z0-9]", w.text)
                    and w not in span
                ]
                if not under:
                    continue
                first = min(under, key=lambda w: w.y0)
                cell = sorted(
                    [w for w in under if abs(w.cy - first.cy) <= 0.5 * max(first.height, 4)], key=lambda w: w.x0
                )
                value = columns[key][1](cell)
                if value is None or value == "":
                    continue
                out[key] = Found(
                    value, page, cell, f"cell under the header '{layout.text_of(span)}' ({key})", REL_BELOW
                )
            if len(out) >= 1:
                return out
    return {}


def _only_headers(page: PageText, row: list[tuple[str, list[Word]]]) -> bool:
    """A header row holds only its headers: no colon after them and no value printed between them
    (labels with their values beside them, 'Issued: 01/05/2027  Expires: ...', are not a header row)."""
    if any(re.search(r"[:;]$", sp[-1].text) for _, sp in row):
        return False
    in_row = {id(w) for _, sp in row for w in sp}
    h = max(w.height for _, sp in row for w in sp)
    cy = sum(w.cy for _, sp in row for w in sp) / sum(len(sp) for _, sp in row)
    return not any(
        abs(w.cy - cy) <= 0.5 * h and id(w) not in in_row and re.search(r"[A-Za-z0-9]", w.text) for w in page.words
    )


def row_under_header(
    pages: Sequence[PageText], columns: dict[str, tuple[list[str], Parser]], min_columns: int = 2
) -> dict[str, Found] | None:
    """A table (header row, then one row per record): the cells of the FIRST record under the header,
    every value from that one row, so one record's values are never mixed with another's. None when the
    page has no such header row; a dict (maybe missing keys) when it has one."""
    for page in pages:
        hits: list[tuple[str, list[Word]]] = []
        for key, (labels, _) in columns.items():
            hits += [(key, span) for _label, span in find_labels(page, labels)]
        for _key, span in hits:
            h = max(w.height for w in span)
            cy = sum(w.cy for w in span) / len(span)
            row = [(k, sp) for k, sp in hits if abs(sum(w.cy for w in sp) / len(sp) - cy) <= 0.8 * h]
            if len({k for k, _ in row}) < min_columns:
                continue
            if not _only_headers(page, row):
                continue
            row.sort(key=lambda t: t[1][0].x0)
            bottom = max(w.y1 for _, sp in row for w in sp)
            below = [w for w in page.words if w.y0 > bottom - 0.2 * h and re.search(r"[A-Za-z0-9]", w.text)]
            if not below:
                return {}
            first = min(below, key=lambda w: w.y0)
            if first.y0 - bottom > 4 * h:
                return {}
            line = [w for w in below if abs(w.cy - first.cy) <= 0.5 * max(first.height, 4.0)]
            out: dict[str, Found] = {}
            for i, (k, sp) in enumerate(row):
                left = sp[0].x0 - 2 * h if i == 0 else (row[i - 1][1][-1].x1 + sp[0].x0) / 2
                right = page.width if i + 1 == len(row) else (sp[-1].x1 + row[i + 1][1][0].x0) / 2
                cell = sorted([w for w in line if left <= w.cx < right], key=lambda w: w.x0)
                if not cell:
                    continue
                value = columns[k][1](cell)
                if value is not None and value != "":
                    out[k] = Found(value, page, cell, f"table row under the header '{layout.text_of(sp)}' ({k})",
                                   REL_BELOW)
            return out
    return None


def dates_under_header(page: PageText, span: Sequence[Word], stop_gap: float = 4.0) -> list[Found]:
    """Every date in the table column under a header ('Date', 'Event Date'): the rows of an event's dates.
    The column runs down from the header while its rows keep coming."""
    b = layout.bbox(span)
    assert b
    h = max(b[3] - b[1], 6.0)
    x0, x1 = b[0] - 3 * h, b[2] + 6 * h
    cands = sorted(
        (w for w in page.words if w.y0 > b[3] - 0.2 * h and x0 <= w.cx <= x1 and w not in span), key=lambda w: w.y0
    )
    found: list[Found] = []
    last_y = b[3]
    for w in cands:
        if w.y0 - last_y > stop_gap * h:
            break
        line = sorted([o for o in page.words if o.line == w.line and x0 <= o.cx <= x1], key=lambda o: o.x0)
        ds = dates_in(layout.text_of(line))
        if ds and not any(f.words == line for f in found):
            found.append(Found(ds[0], page, line, f"date column under '{layout.text_of(span)}'", REL_BELOW))
            last_y = w.y1
    return found


def ordered(start: Found | None, end: Found | None) -> tuple[Found | None, Found | None]:
    """A period starts before it ends: dates that contradict each other are both left for a person
    rather than one of them guessed."""
    if start is None or end is None:
        return start, end
    a, b = start.value, end.value
    if isinstance(a, date) and isinstance(b, date) and a > b:
        return None, None
    return start, end


# ----------------------------------------------------------------------------- small print read again
def with_small_print(page: PageText, image: Image.Image | None) -> PageText:
    """The page with words its first reading missed: captions printed too small or too faint for the
    whole-page OCR ('Permit holder', 'Event' beside their values on a low-resolution photo), read again
    from the page image enlarged. Words overlapping a word already read are not added twice."""
    if image is None or page.source != "ocr":
        return page
    again = read_strip(image, (0, 0, page.width, page.height), psm=11)
    if not again:
        return page

    def overlaps(a: Word, b: Word) -> bool:
        ix = min(a.x1, b.x1) - max(a.x0, b.x0)
        iy = min(a.y1, b.y1) - max(a.y0, b.y0)
        return ix > 0.3 * min(a.x1 - a.x0, b.x1 - b.x0) and iy > 0.3 * min(a.height, b.height)

    new = [w for w in again if re.search(r"[A-Za-z0-9]", w.text) and not any(overlaps(w, o) for o in page.words)]
    if not new:
        return page
    return PageText(
        page.page_no, page.width, page.height, page.source, [*page.words, *new],
        rotation=page.rotation, skew=page.skew, dpi=page.dpi, mean_conf=page.mean_conf,
    )


def reread_unlabelled(
    pages: list[PageText], images: Callable[[int], Image.Image | None] | None, labels: Sequence[str]
) -> list[PageText]:
    """Pages where none of a kind's labels was read get their small print read again (see with_small_print);
    pages that show their labels are left as they are."""
    if images is None:
        return pages
    out = []
    for page in pages:
        if page.source == "ocr" and not find_labels(page, labels):
            page = with_small_print(page, images(page.page_no))
        out.append(page)
    return out


def read_again_whole(page: PageText, image: Image.Image | None) -> PageText | None:
    """A page whose whole first reading is poor (a fax's broken strokes, a photo's blur: mean OCR confidence
    low) read again from the image, enlarged, as a second reading a reader may take values from where the
    first left them unread. None when the first reading is good or there is no image."""
    if image is None or page.source != "ocr" or page.mean_conf >= _POOR_PAGE:
        return None
    again = [w for w in read_strip(image, (0, 0, page.width, page.height), psm=3) if w.text.strip()]
    if _sure_words(again) < 5:
        return None
    conf = sum(w.conf for w in again) / len(again)
    return PageText(
        page.page_no, page.width, page.height, page.source, again,
        rotation=page.rotation, skew=page.skew, dpi=page.dpi, mean_conf=conf,
    )


def fill_from_second_reading(
    fields: dict[str, FieldValue],
    pages: list[PageText],
    images: Callable[[int], Image.Image | None] | None,
    read: Callable[[list[PageText]], dict[str, FieldValue]],
    wanted: Sequence[str],
) -> dict[str, FieldValue]:
    """Where the first reading of a poor page left wanted fields unread, the same reader reads the page's
    second, whole reading and fills only those fields (a value found there was read, not guessed)."""
    if images is None or all(fields.get(k) is not None and fields[k].value is not None for k in wanted):
        return fields
    again = [read_again_whole(p, images(p.page_no)) for p in pages]
    if not any(again):
        return fields
    second = read([a or p for a, p in zip(again, pages, strict=True)])
    out = dict(fields)
    for k in wanted:
        if (out.get(k) is None or out[k].value is None) and second.get(k) is not None and second[k].value is not None:
            fv = second[k]
            if fv.evidence is not None:
                fv.evidence.method += " (page read again from its image: the first reading was poor)"
            out[k] = fv
    return out


def _sure_words(words: Sequence[Word]) -> int:
    """Words OCR is sure of and that look like words or numbers (three letters or digits at least)."""
    return sum(1 for w in words if w.conf >= 80 and len(re.sub(r"[^A-Za-z0-9]", "", w.text)) >= 3)


_POOR_PAGE = 72.0  # mean OCR confidence below which a page's first reading is worth a second, whole


# ----------------------------------------------------------------------------- identifiers split by OCR
def _squash(text: str) -> str:
    return re.sub(r"\W", "", text).lower()


def complete_id(
    found: Found | None, parse: Parser, images: Callable[[int], Image.Image | None] | None
) -> Found | None:
    """An identifier OCR broke in two ('TPE-27-4 654'): the first piece alone is not the number. Its strip
    is read again from the page image, enlarged; if that reads as one identifier taking in the rest, it is
    the value; otherwise the number is left unread for a person rather than cut short."""
    if found is None or not found.words or not isinstance(found.value, str):
        return found
    page = found.page
    h = max(max(w.height for w in found.words), 6.0)
    cy = sum(w.cy for w in found.words) / len(found.words)
    row = sorted({id(w): w for w in [*found.words, *(w for w in page.words if abs(w.cy - cy) <= 0.7 * h)]}.values(),
                 key=lambda w: w.x0)
    key = _squash(found.value)
    ends = [i for i, w in enumerate(row) if _squash(w.text) and key.endswith(_squash(w.text))]
    if not ends or ends[0] + 1 >= len(row):
        return found
    end = ends[0]
    nxt = row[end + 1]
    if nxt.x0 - row[end].x1 >= 1.2 * h or not re.match(r"[\dOolISB]", nxt.text):
        return found  # nothing printed right against the number: it is whole
    start = end
    while start > 0 and _squash(row[start - 1].text) and _squash(row[start - 1].text) in key:
        start -= 1
    pieces = row[start : end + 2]
    box = layout.bbox(pieces)
    assert box
    img = images(page.page_no) if images else None
    want = len(_squash("".join(w.text for w in pieces))) - 1
    for psm in (6, 7):  # as a block, then as one line
        again = read_strip(img, (box[0] - 4, box[1] - 3, box[2] + 6, box[3] + 3), psm=psm)
        value = parse(sorted(again, key=lambda w: (w.line, w.x0))) if again else None
        if isinstance(value, str) and len(_squash(value)) >= want:
            method = found.method + ", its strip read again (OCR had split it)"
            return Found(value, page, pieces, method, found.reliability)
    return None


# ----------------------------------------------------------------------------- dates garbled by OCR


def reread_labelled_date(
    pages: Sequence[PageText],
    labels: Sequence[str],
    parse: Parser,
    name: str,
    images: Callable[[int], Image.Image | None] | None,
    not_after: Sequence[str] = (),
) -> Found | None:
    """A date beside its label that OCR garbled into no date at all ('16/05/28': there is no 16th month;
    a 0 read as 6). The value's strip is read again from the page image, enlarged; the date is believed
    only if that reading parses. Otherwise it stays unread and the document goes to a person."""
    if images is None:
        return None
    for page in pages:
        if page.source != "ocr":
            continue
        for _label, span in find_labels(page, labels, (), not_after):
            words = value_right(page, span)
            if not words or not DATE_SHAPE.search(repair_date_text(layout.text_of(words))) or parse(words) is not None:
                continue
            box = layout.bbox(words)
            img = images(page.page_no)
            if box is None or img is None:
                continue
            readings = [layout.text_of(words)]
            for psm in (7, 6):
                again = sorted(read_strip(img, (box[0] - 3, box[1] - 3, box[2] + 6, box[3] + 3), psm=psm),
                               key=lambda w: (w.line, w.x0))
                value = parse(again) if again else None
                if value is not None:
                    how = f"label '{layout.text_of(span)}' -> right ({name}), its strip read again (OCR garbled it)"
                    return Found(value, page, list(words), how, REL_BELOW)
                readings.append(layout.text_of(again))
            zeroed = _zero_repaired_agreeing(readings)
            if zeroed is not None:
                how = (f"label '{layout.text_of(span)}' -> right ({name}), read as "
                       + " and ".join(f"'{r}'" for r in dict.fromkeys(readings) if r)
                       + ": zeros OCR took for 6, 8 or 9 put back, both readings agree (for a person to confirm)")
                return Found(zeroed, page, list(words), how, REL_GUESS)
    return None


def _zero_repaired_agreeing(readings: Sequence[str]) -> date | None:
    """The date that the page's reading and a second reading of its strip both give once the zeros OCR took
    for 6, 8 or 9 are put back ('16/05/28' and '18/65/28' are both 10/05/28). One reading alone is a guess."""
    first = zero_repaired_dates(repair_date_text(readings[0])) if readings else []
    if not first:
        return None
    for other in readings[1:]:
        again = zero_repaired_dates(repair_date_text(other))
        if again and again[0] == first[0]:
            return first[0]
    return None
