"""IRS letters: determination letters (Letter 947/1045/5436...), EIN notices (CP 575), 527 notices.

Read as a person reads a letter: the addressee block (name, street, city/state/ZIP) above the
salutation, the 'Employer Identification Number:' label, the letter date at the top, and the
sentence that says under which section the organization is exempt. A letter that only assigns an
EIN, or acknowledges a section 527 political organization, states no 501(c) subsection.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from PIL import Image
from rapidfuzz import fuzz

from extractors.fieldread import (
    REL_BELOW,
    REL_GUESS,
    REL_SENTENCE,
    REL_STRUCTURE,
    Found,
    clean_words_text,
    dates_in,
    field_of,
    find_labels,
    parse_date_words,
    read_labelled,
    with_row_mates,
)
from extractors.model import FieldValue, PageText, Word
from extractors.normalize import MONTH_RE, fix_ocr_digits
from extractors.reread import read_strip

EIN_LABELS = [
    "Employer Identification Number",
    "Employer ID Number",
    "Employer Identification No",
    "EIN",
    "Federal Employer Identification Number",
    "Federal ID Number",
    "Federal Tax ID",
    "Tax ID Number",
    "Taxpayer Identification Number",
    "TIN",
    "FEIN",
    "Employer ID",
]
DATE_LABELS = [
    "Date",
    "Date of this notice",
    "Letter Date",
    "Notice Date",
    "Date of Letter",
    "Date Issued",
    "Issue Date",
]
_EIN = re.compile(r"(?<![\d-])(\d{2})\s?[-–—~.]?\s?(\d{7})(?![\d])")
_SUB = re.compile(
    r"(?<![\d])[5S9][0O][1Il]\s*\(?\s*[cCeo¢]\s*\)\s*(?:\(\s*(\d{1,2}|[Il])\s*\)?|(\d{1,2})\b)?"
)
_NEGATIVE = re.compile(
    r"(?i)\bif\s+you\s+(?:want|wish|intend|plan)|\bnot\s+a\s+determination|\bdoes\s+not\s+make|\bhaving\s+an\s+ein|"
    r"\buntil\s+we\s+issue|\bany\s+subsection|\bto\s+apply|\byou\s+must\s+file\s+form\s+1023|\bnot\s+exempt|"
    r"\bwhether\b|\bmay\s+(?:qualify|be\s+eligible)|\bno\s+longer\b|\brevoked\b|\bnot\s+(?:been\s+)?recogni[sz]ed|"
    # an EIN notice's advice on how to become exempt is not a finding that the organization is exempt
    r"\bto\s+be\s+recogni[sz]ed|\bfile\s+form\s+102[34]|\bgetting\s+an\s+ein|\bdoes\s+not\s+make|"
    r"\bto\s+(?:request|seek|obtain)\s+(?:recognition|exemption)|\bif\s+you\s+(?:are|were)\s+(?:applying|seeking)"
)
_POSITIVE = re.compile(r"(?i)exempt|recogni[sz]ed|described\s+in|qualif|section|code|subsection|status")
_CITY_ZIP = re.compile(r"[A-Za-z][A-Za-z .'\-]*,?\s+[A-Z]{2}[\s.,]+\d{5}(?:-\d{4})?\b")
_STREET = re.compile(
    r"(?i)^(?:\d+[A-Z]?\s|p\.?\s*o\.?\s*box|post\s+office|suite|ste\b|apt|c/o|attn|room|rm\b|one\s|%\s*\w|in\s+care\s+of)"
)
_IRS_BLOCK = re.compile(
    r"(?i)internal\s+revenue|treasury|\birs\b|tax\s+exempt\s+and\s+government|mail\s+stop|p\.?\s*o\.?\s*box\s+2508|"
    r"exempt\s+organizations|rulings\s+and\s+agreements"
)
_HEAD_LABEL = re.compile(
    r"(?i)^\W*(?:date|dln|re|subject|ein|employer\s+id\w*|person\s+to\s+contact|contact\s+person|telephone|phone|"
    r"fax|letter|reference|ref|form|in\s+reply\s+refer\s+to|caller\s+id|taxpayer)\b[^:]{0,20}:"
)
_SALUTATION = re.compile(r"(?i)^[‘'\"_.]*dear\b")


def _parse_ein_words(words: list[Word]) -> str | None:
    m = _EIN.search(fix_ocr_digits(" ".join(w.text for w in words)))
    return f"{m.group(1)}-{m.group(2)}" if m else None


def _ein(pages: Sequence[PageText], images: Callable[[int], Image.Image | None] | None = None) -> Found | None:
    found = read_labelled(pages, EIN_LABELS, _parse_ein_words, "EIN", not_before=["assignment"])
    if found:
        # a labelled EIN OCR was unsure of, that a second reading does not confirm, stays unread: no other
        # reading of the page may stand in for it
        return _ein_checked(found, images)
    again = _ein_read_again(pages, images)
    if again:
        return again
    # an EIN printed anywhere in NN-NNNNNNN form (phone numbers have other shapes)
    for page in pages:
        for line in page.lines():
            text = fix_ocr_digits(" ".join(w.text for w in line))
            m = re.search(r"(?<![\d-])(\d{2})-(\d{7})(?!\d)", text)
            if m:
                words = [w for w in line if re.search(r"\d{2}", w.text)] or line
                found = Found(f"{m.group(1)}-{m.group(2)}", page, words, "NN-NNNNNNN pattern on the page", REL_GUESS)
                return _ein_checked(found, images)
    return None


def _ein_checked(found: Found, images: Callable[[int], Image.Image | None] | None) -> Found | None:
    """An EIN OCR was unsure of (a digit of it read at low confidence, under its label or found by its shape
    alone) is read again from the page image, alone and with its surroundings. Readings that disagree leave
    it unread for a person: one of them would be a guess (a 6 for an 8 is another organization's EIN). It is
    called confirmed only when a second reading gives the same number."""
    digits = [w for w in found.words if any(c.isdigit() for c in w.text)] or found.words
    if images is None or min(w.conf for w in digits) >= 60:
        return found
    page = found.page
    x0, y0 = min(w.x0 for w in found.words), min(w.y0 for w in found.words)
    x1, y1 = max(w.x1 for w in found.words), max(w.y1 for w in found.words)
    img = images(page.page_no)
    if img is None:
        return found
    again = set()
    for box, psm in (((x0 - 4, y0 - 3, x1 + 6, y1 + 3), 7), ((x0 - 8, y0 - 30, x1 + 40, y1 + 6), 6)):
        value = _parse_ein_words(sorted(read_strip(img, box, psm=psm), key=lambda w: (w.line, w.x0)))
        if value:
            again.add(value)
    if again - {str(found.value)}:
        return None
    if again:
        found.method += ", read again from the page image and confirmed"
    return found


def _ein_read_again(pages: Sequence[PageText], images: Callable[[int], Image.Image | None] | None) -> Found | None:
    """The EIN label is on the page but the number beside or under it did not read (a photo, a faded
    scan): read the label's corner of the page again, enlarged, as one block."""
    if images is None:
        return None
    for page in pages:
        for _label, span in find_labels(page, EIN_LABELS, not_before=["assignment"]):
            x0, y0 = min(w.x0 for w in span) - 6, min(w.y0 for w in span) - 4
            h = max(w.y1 - w.y0 for w in span)
            box = (x0, y0, min(page.width, max(w.x1 for w in span) + 160), min(page.height, y0 + 6 * h + 8))
            words = read_strip(images(page.page_no), box, psm=6)
            for line in _lines_of(words):
                value = _parse_ein_words(line)
                if value:
                    digits = [w for w in line if any(c.isdigit() for c in w.text)]
                    return Found(value, page, digits, "label 'EIN' -> its corner of the page read again", REL_BELOW)
    return None


def _lines_of(words: list[Word]) -> list[list[Word]]:
    rows: dict[int, list[Word]] = {}
    for w in words:
        rows.setdefault(w.line, []).append(w)
    return [sorted(r, key=lambda w: w.x0) for _, r in sorted(rows.items())]


def _sentences(page: PageText) -> list[tuple[str, list[Word]]]:
    """The page's text cut into sentences, each with its words (lines joined in reading order)."""
    out: list[tuple[str, list[Word]]] = []
    cur: list[Word] = []
    for line in page.lines():
        for w in line:
            cur.append(w)
            if re.search(r"[.;]$", w.text) and not re.fullmatch(
                r"(?i)(?:[a-z]\.|u\.s\.|sec\.|no\.|p\.|o\.|inc\.)", w.text
            ):
                out.append((" ".join(x.text for x in cur), cur))
                cur = []
        if cur and re.search(r":$", cur[-1].text):
            out.append((" ".join(x.text for x in cur), cur))
            cur = []
    if cur:
        out.append((" ".join(x.text for x in cur), cur))
    return out


def _subsection(pages: Sequence[PageText]) -> Found | None:
    votes: Counter[str] = Counter()
    first: dict[str, Found] = {}
    for page in pages:
        for text, words in _sentences(page):
            for m in _SUB.finditer(text):
                num = m.group(1) or m.group(2)
                if not num:
                    tail = re.match(r"[^()]{0,40}?\(\s*(\d{1,2})\s*\)", text[m.end() :])
                    num = tail.group(1) if tail else None
                if not num:
                    continue
                num = num.replace("I", "1").replace("l", "1")
                if not 1 <= int(num) <= 29:
                    continue
                if _NEGATIVE.search(text) or not _POSITIVE.search(text):
                    continue
                value = f"501(c)({int(num)})"
                votes[value] += 1
                first.setdefault(value, Found(value, page, words, f"sentence '{m.group(0)}'", REL_SENTENCE))
    if not votes:
        return _subsection_by_classification(pages)
    return first[votes.most_common(1)[0][0]]


_PUBLIC_CHARITY = re.compile(r"(?i)public\s+charity\s+status|\b170\s*\(\s*b\s*\)\s*\(\s*1\s*\)\s*\(\s*a\s*\)")


def _subsection_by_classification(pages: Sequence[PageText]) -> Found | None:
    """Only 501(c)(3) organizations get a public-charity classification (IRC 509(a)/170(b)(1)(A)): a
    determination letter whose exemption sentence is unreadable still says which section it is under."""
    for page in pages:
        for line in page.lines():
            text = " ".join(w.text for w in line)
            if _PUBLIC_CHARITY.search(text):
                return Found(
                    "501(c)(3)", page, line, "public charity classification implies 501(c)(3)", REL_GUESS
                )
    return None


def _letter_date(
    pages: Sequence[PageText], images: Callable[[int], Image.Image | None] | None = None
) -> Found | None:
    found = read_labelled(
        pages,
        DATE_LABELS,
        parse_date_words,
        "letter date",
        not_after=["effective", "received", "postmark", "birth", "start", "end", "due"],
        not_before=["of", "received"],
    )
    if found:
        return found
    # otherwise the first date in the top part of the letter that is not an effective/received date
    for page in pages:
        for line in page.lines():
            if min(w.y0 for w in line) > page.height * 0.45:
                break
            text = " ".join(w.text for w in line)
            if re.search(
                r"(?i)effective|received|exemption|period|since|postmark", text
            ) or _other_label_over(page, line):
                continue
            ds = dates_in(text)
            if ds:
                return Found(ds[0], page, line, "first date at the top of the letter", REL_GUESS)
    return _month_line_read_again(pages, images)


def _month_line_read_again(
    pages: Sequence[PageText], images: Callable[[int], Image.Image | None] | None
) -> Found | None:
    """A letter's date line of which OCR kept only the month ('February', its day and year lost to a faint
    scan): the line is read again from the page image, from the month on; the date is believed only when
    that reading states it starting with the same month."""
    if images is None:
        return None
    for page in pages:
        if page.source != "ocr":
            continue
        for line in page.lines():
            if min(w.y0 for w in line) > page.height * 0.45:
                break
            first = line[0]
            month = re.fullmatch(r"[^A-Za-z]*([A-Za-z]{3,9})\.?", first.text)
            if not month or not re.fullmatch(MONTH_RE, month.group(1), re.I):
                continue
            if dates_in(" ".join(w.text for w in line)):
                continue
            img = images(page.page_no)
            h = max(first.height, 6.0)
            nxt = [w.x0 for w in page.words if w.x0 > first.x1 and abs(w.cy - first.cy) < 0.6 * h]
            right = min([first.x1 + 12 * h, *(x - 1 for x in nxt if x - first.x1 > 6 * h)])
            again = read_strip(img, (first.x0 - 3, first.y0 - 3, right, first.y1 + 3), psm=7)
            text = " ".join(w.text for w in sorted(again, key=lambda w: w.x0))
            ds = dates_in(text)
            lead = re.match(r"[^A-Za-z]*([A-Za-z]+)", text)
            if ds and lead and lead.group(1).lower()[:3] == month.group(1).lower()[:3]:
                how = "the letter's date line read again from the page image (OCR kept only its month)"
                return Found(ds[0], page, [first], how, REL_GUESS)
    return None


def _other_label_over(page: PageText, line: list[Word]) -> bool:
    """Is this line the value of a label printed just over it that is not a date label?"""
    top, h = min(w.y0 for w in line), max(w.height for w in line)
    x0, x1 = min(w.x0 for w in line), max(w.x1 for w in line)
    over = [
        ln
        for ln in page.lines()
        if top - 2.5 * h < max(w.y1 for w in ln) <= top + 0.2 * h
        and min(w.x0 for w in ln) < x1
        and max(w.x1 for w in ln) > x0
        and ln[-1].text.endswith(":")
    ]
    if not over:
        return False
    label = max(over, key=lambda ln: max(w.y1 for w in ln))
    toks = [re.sub(r"[^a-z]", "", w.text.lower()) for w in label]
    return not any(fuzz.ratio(t, "date") >= 75 for t in toks) or any(
        fuzz.ratio(t, "effective") >= 70 or fuzz.ratio(t, "exemption") >= 70 for t in toks
    )


def _right_column_x(page: PageText) -> float:
    """Where the right-hand label column starts (the addressee block stays left of it)."""
    xs = []
    for _, span in find_labels(
        page,
        [*EIN_LABELS, "Contact Person", "Person to contact", "DLN", "Contact Telephone Number", "Telephone"],
    ):
        if span[0].x0 > page.width * 0.35:
            xs.append(span[0].x0)
    return min(xs) - 4 if xs else page.width * 0.6


def _addressee(pages: Sequence[PageText]) -> Found | None:
    for page in pages:
        found = addressee_block(page)
        if found:
            return found
    return None


def addressee_block(page: PageText, max_name_rows: int = 2) -> Found | None:
    """The name in an address block (name, street, city/state/ZIP) above the letter's salutation."""
    col = _right_column_x(page)
    lines = page.lines()
    limit = page.height * 0.6
    for line in lines:
        text = " ".join(w.text for w in line)
        if _SALUTATION.search(text) or re.search(r"(?i)we\s+assigned\s+you|thank\s+you\s+for", text):
            limit = min(w.y0 for w in line)
            break
    left = []
    for line in lines:
        ws = [w for w in line if w.x0 < col and w.y1 <= limit + 2 and re.search(r"[A-Za-z0-9&%]", w.text)]
        if ws:
            # a name running on past the column edge with ordinary word gaps is still the name
            caps = all(x.text.upper() == x.text for x in ws)
            for k, w in enumerate(line):
                if w.x0 < col:
                    continue
                later = line[k : k + 3]
                if (
                    w.x0 - ws[-1].x1 >= 1.5 * max(ws[-1].height, 6.0)
                    or w.y1 > limit + 2
                    or (caps and w.text.upper() != w.text)
                    or any(x.text.endswith(":") for x in later)  # the right column's label ('Contact Person:')
                ):
                    break
                ws.append(w)
            left.append(with_row_mates(page, ws))
    # rows that row mates merged: the longest row claims a shared word
    seen: set[int] = set()
    rows: list[list[Word]] = []
    for ws in sorted(left, key=len, reverse=True):
        ws = [w for w in ws if id(w) not in seen]
        if (
            ws
            and len(re.sub(r"[^A-Za-z0-9]", "", "".join(w.text for w in ws))) >= 3
            and (sum(w.conf for w in ws) / len(ws) >= 20)
        ):
            seen.update(id(w) for w in ws)
            rows.append(sorted(ws, key=lambda w: w.x0))
    rows.sort(key=lambda r: min(w.y0 for w in r))
    zips = [i for i, r in enumerate(rows) if _CITY_ZIP.search(fix_ocr_digits(clean_words_text(r)))]
    for zi in reversed(zips):
        block = _block_up(rows, zi)
        text_block = " ".join(clean_words_text(r) for r in block)
        if _IRS_BLOCK.search(text_block):
            continue
        name_rows: list[list[Word]] = []
        for r in block[:-1]:
            t = " ".join(w.text for w in r)
            if _STREET.search(clean_words_text(r)) or _STREET.search(t):  # street, P.O. box, care-of line
                break
            if dates_in(t) or _HEAD_LABEL.search(t):  # a labelled line of the letter head, not the addressee
                name_rows = []
                continue
            name_rows.append(r)
        if not name_rows:
            continue
        name_rows = name_rows[-2:] if len(name_rows) > 2 else name_rows
        name_rows = name_rows[:max_name_rows]
        words = [w for r in name_rows for w in r]
        name = _clean_org(" ".join(_unglue(r, col) for r in name_rows))
        if name:
            return Found(
                name, page, words, "addressee block above the city/state/ZIP line", REL_STRUCTURE + 0.1
            )
    return None


def _block_up(rows: list[list[Word]], zi: int) -> list[list[Word]]:
    """The address block ending at row zi: rows above it, left-aligned with it, without a wide gap."""
    block = [rows[zi]]
    x0 = min(w.x0 for w in rows[zi])
    hz = max(max(w.height for w in rows[zi]), 6.0)
    # rows of another column printed beside the block (the IRS's own address) are passed over
    same_column = [r for r in rows[:zi] if abs(min(w.x0 for w in r) - x0) <= 4 * hz]
    for r in reversed(same_column):
        top = min(w.y0 for w in block[0])
        h = max(max(w.height for w in r), 6.0)
        if top - max(w.y1 for w in r) > 1.6 * h:
            break
        block.insert(0, r)
        if len(block) >= 6:
            break
    return block


def _unglue(row: list[Word], col: float) -> str:
    """A row's text; a word running into the right column loses a glued label ('INCORPORATEDContact')."""
    toks = []
    for w in row:
        t = w.text
        if w.x1 > col:
            t = re.sub(r"^\W*([A-Z0-9&.,'-]{2,})[A-Z][a-z]+.*$", r"\1", t)
        toks.append(t)
    return clean_words_text([Word(t, 0, 0, 0, 0, 100) for t in toks])


def _clean_org(text: str) -> str | None:
    # a label of the right column glued to the name by the PDF's text layer ('INCORPORATEDContact Person:')
    text = re.sub(r"([A-Z]{2,})([A-Z][a-z]+\s*\w*:.*)$", r"\1", text)
    text = re.sub(r"\s+\S*:.*$", "", text)
    text = re.sub(r"\s+", " ", text).strip(" ,.;:-") + ("." if text.rstrip().endswith(".") else "")
    if len(re.sub(r"[^A-Za-z]", "", text)) < 3 or re.search(r"\d{5}", text):
        return None
    return text


def extract_nonprofit_letter(
    pages: list[PageText], images: Callable[[int], Image.Image | None] | None = None
) -> dict[str, FieldValue]:
    """org_name, ein ('NN-NNNNNNN'), subsection ('501(c)(3)' or None), letter_date."""
    org = _addressee(pages)
    if org is None:
        org = read_labelled(
            pages,
            ["Organization Name", "Name of Organization", "Legal Name", "Entity Name"],
            lambda ws: _clean_org(clean_words_text(ws)),
            "organization name",
        )
    return {
        "org_name": field_of(org),
        "ein": field_of(_ein(pages, images)),
        "subsection": field_of(_subsection(pages)),
        "letter_date": field_of(_letter_date(pages, images)),
    }
