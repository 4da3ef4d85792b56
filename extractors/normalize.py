"""Turn printed values into plain data: dates, money, EINs, names as people write them."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from dateutil import parser as dateparser

_PARSERINFO = dateparser.parserinfo()  # the library's month names ('Sept', 'September', ...)
_NO_DAY = datetime(1, 1, 1)  # never used: every span handed to the parser has its day, month and year

MONTH_RE = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)

# The one family of patterns that finds a date's span inside free text (after the OCR digit repair); each has
# named groups y, m (number or name), d. The parser (dateutil) turns each span into a date.
DATE_PATTERNS: list[re.Pattern[str]] = [
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<m>\d{1,2})\s?[-/.]\s?(?P<d>\d{1,2})\s?[-/.]\s?(?P<y>(?:19|20)?\d\d)(?!\d)"),
    re.compile(rf"(?i)\b(?P<m>{MONTH_RE})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b"),
    re.compile(rf"(?i)(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s-]+(?P<m>{MONTH_RE})[\s,-]+(?P<y>(?:19|20)?\d\d)\b"),
]


def month_number(name: str) -> int | None:
    """A month's number from its printed name ('Sept.', 'JUNE', 'dec'), through the date parser's own names."""
    return _PARSERINFO.month(name.strip().rstrip("."))


@lru_cache(maxsize=4096)
def _parse_span(span: str) -> date | None:
    """One found date through dateutil, US month-first; an impossible one (Feb 30) is None."""
    try:
        parsed = dateparser.parse(span, dayfirst=False, yearfirst=False, default=_NO_DAY, parserinfo=_PARSERINFO)
    except (ValueError, OverflowError):
        return None
    return parsed.date()


def _make_date(y: str, m: str, d: str) -> date | None:
    """The date of one span's parts. The parts are checked before the parser sees them, so it never swaps a
    month that cannot be one for the day ('13/02/2026' is no date, not Feb 13)."""
    year = int(y)
    if year < 100:
        year += 2000 if year < 70 else 1900  # a two-digit year: '26' is 2026, '98' is 1998
    name = m.rstrip(".")[:3]  # every name the patterns take starts with its month's three letters ('Sepember')
    month = int(m) if m.isdigit() else month_number(name)
    if not month or not 1 <= month <= 12 or not 1 <= int(d) <= 31:
        return None
    return _parse_span(f"{month}/{int(d)}/{year}" if m.isdigit() else f"{name} {int(d)} {year}")


# a token shaped like a numeric date, whether or not it is one ('11/99/2026', '40/20/27', '16/05/28')
DATE_SHAPE = re.compile(r"\d{1,4}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}")


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """Every date in the text with its character span, in order of appearance."""
    found: list[tuple[date, int, int]] = []
    taken: list[tuple[int, int]] = []
    for pat in DATE_PATTERNS:
        for m in pat.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            d = _make_date(m.group("y"), m.group("m"), m.group("d"))
            if d:
                found.append((d, m.start(), m.end()))
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda t: t[1])


def parse_date(text: str | None) -> date | None:
    """The first date in the text, in any common format (US month-first for numeric dates)."""
    if not text:
        return None
    ds = find_dates(fix_ocr_digits(text))
    return ds[0][0] if ds else None


_OCR_DIGIT = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8", "Z": "2"})


_BAD_MONTH = re.compile(r"(?<!\d)([6-9])(\d)([/.-]\d{1,2}[/.-](?:19|20)\d\d)(?!\d)")


def repair_month_digit(text: str) -> str:
    """OCR reads a numeric month's leading 0 as 6, 8 or 9 ('97/05/2027'); no month starts so."""
    return _BAD_MONTH.sub(lambda m: f"0{m.group(2)}{m.group(3)}", text)


_NUMERIC_DATE = re.compile(r"(?<![\d/])(\d{1,2})([/.-])(\d{1,2})\2((?:19|20)?\d\d)(?![\d/])")


def _zero_variants(part: str, top: int) -> list[str]:
    """The part as printed if it can be a month (top 12) or day (top 31); else every way of reading its 6s,
    8s and 9s as zeros that makes it one."""
    if 1 <= int(part) <= top:
        return [part]
    spots = [i for i, c in enumerate(part) if c in "689"]
    out = []
    for mask in range(1, 2 ** len(spots)):
        zeroed = {spots[b] for b in range(len(spots)) if mask >> b & 1}
        v = "".join("0" if i in zeroed else c for i, c in enumerate(part))
        if 1 <= int(v) <= top:
            out.append(v)
    return out


def zero_repaired_dates(text: str) -> list[date]:
    """Numeric dates that cannot be as read ('16/05/28': no 16th month; '10/65/28': no 65th day) read with
    the zeros put back that OCR took for a 6, 8 or 9. A zero drawn with a slash or a dot (typewriter, e-mail
    and terminal fonts) is read so. Only a repair that gives exactly one date counts; a reader still has to
    confirm it with a second reading before it is believed."""
    out = []
    for m in _NUMERIC_DATE.finditer(text):
        month, day, year = m.group(1), m.group(3), m.group(4)
        if _make_date(year, month, day):
            continue
        found = {d for a in _zero_variants(month, 12) for b in _zero_variants(day, 31) if (d := _make_date(year, a, b))}
        if len(found) == 1:
            out.append(found.pop())
    return out


_MONTH_IN_TOKEN = re.compile(r"(?i)(?<![a-z])(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?![a-z]{2})")


def fix_ocr_digits(text: str) -> str:
    """Repair letters OCR puts for digits inside number-like tokens ('1O/2l/2026')."""

    def fix(m: re.Match[str]) -> str:
        tok = m.group(0)
        start = max(m.string.rfind(" ", 0, m.start()), -1) + 1
        stop = m.string.find(" ", m.end())
        if _MONTH_IN_TOKEN.search(m.string[start : stop if stop >= 0 else len(m.string)]):
            return tok  # '28-Oct-2026', '24-Sep-2026': a month's name, not digits misread as letters
        digits = sum(c.isdigit() for c in tok)
        return tok.translate(_OCR_DIGIT) if digits >= max(2, len(tok) // 2) else tok

    return re.sub(r"[0-9OolIDSBZ|][0-9OolIDSBZ|/.,\-]{2,}[0-9OolIDSBZ|]", fix, text)


_MONEY = re.compile(r"\$?\s*(\d{1,3}(?:[,.\s]\d{3})+|\d+)(?:\.\d\d)?\s*(k|m|mm|million)?\b", re.I)


def parse_money(text: str | None) -> int | None:
    """Whole dollars from '$1,000,000', '1 000 000', '1000000', '$1M', '2 million'."""
    if not text:
        return None
    t = fix_ocr_digits(text.replace("S", "$") if re.fullmatch(r"S\s*[\d,. ]+", text.strip()) else text)
    m = _MONEY.search(t)
    if not m:
        return None
    digits = re.sub(r"[,.\s]", "", m.group(1))
    if not digits:
        return None
    value = int(digits)
    unit = (m.group(2) or "").lower()
    if unit == "k":
        value *= 1000
    elif unit in ("m", "mm", "million"):
        value *= 1_000_000
    return value


_EIN = re.compile(r"(?<!\d)(\d{2})\s?[-–]?\s?(\d{7})(?!\d)")


def parse_ein(text: str | None) -> str | None:
    """An EIN as NN-NNNNNNN."""
    if not text:
        return None
    m = _EIN.search(fix_ocr_digits(text))
    return f"{m.group(1)}-{m.group(2)}" if m else None


def clean_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
