"""What the words say: APS named as additional insured (and not denied), ratings stated in prose, and
'Label: value' lines of certificates that are not ACORD grids."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from extractors.coi.geometry import _fv, _is_noise, _rows
from extractors.coi.values import _BEST_RE, _GRADE, _fuzzy_contains, _money, _ocr_rating_text, _rating
from extractors.layout import norm_token
from extractors.model import FieldValue, PageText, Word
from extractors.normalize import clean_spaces, find_dates, fix_ocr_digits

_AI_RE = re.compile(r"(?i)\badd\w{2,7}al\s*insur\w*|addl\.?\s*insured|\bA/?I\b(?=\s)")


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
    for m in re.finditer(r"[.;?]\s+(?=[A-Z(])", text):  # not "!": OCR reads a faint "l" as one ("Schoo!")
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


def _names_aps(text: str, names: Sequence[str], threshold: float = 88) -> bool:
    """Does the text name APS under one of its names, allowing OCR slips (a lower threshold: looks like it)?"""
    return any(_fuzzy_contains(text, n, threshold) for n in names)


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
        g = _GRADE_AFTER_BEST.match(_ocr_rating_text(s[m.end() :]))
        if g and partial is None:
            partial = (g.group("g").upper(), s)
    if partial:
        return partial[0], partial[1], False
    return None, "", False


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


def _words_for(words: Sequence[Word], sentence: str) -> list[Word]:
    toks = set(re.findall(r"\w+", sentence.lower()))
    got = [w for w in words if set(re.findall(r"\w+", w.text.lower())) & toks]
    return got[:60] or list(words)[:1]
