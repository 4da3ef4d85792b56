"""Readers made of configuration: a kind's ReaderConfig (extractors.kinds) run on the shared label -> value core.

A kind described by its label families, known printed names and sentence cues needs no reader module of its
own: this module applies the core's moves (extractors.labelvalue, extractors.fieldread) in the configured
order and wraps each value with the words it came from. The CPR / First Aid card is read this way.

Safe when unsure, like the core: a value that cannot be tied to its label, name or cue is left unread (None)
for a person, and a period whose dates contradict each other is left unread whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

from PIL import Image

from extractors import layout
from extractors.fieldread import (
    REL_SENTENCE,
    Found,
    clean_words_text,
    field_of,
    looks_like_person,
    parse_text_words,
    read_labelled,
    smart_case,
)
from extractors.kinds import FieldReading, ReaderConfig
from extractors.labelvalue import (
    EXPIRY_CUE,
    EXPIRY_LABELS,
    ISSUE_CUE,
    ISSUE_LABELS,
    ordered,
    parse_end_date,
    parse_start_date,
    reread_unlabelled,
    sentence_date,
)
from extractors.model import FieldValue, PageText, Word

PageImages = Callable[[int], Image.Image | None]
Reader = Callable[[list[PageText], PageImages | None], dict[str, FieldValue]]

_NUMBERS = {"ONE": 1, "TWO": 2, "THREE": 3}
REL_KNOWN = 0.9  # a known printed name (an issuer's own name) found on the page
REL_DERIVED = 0.8  # an end date counted from a start date and a printed length ('Valid for 2 years')


def _person(words: list[Word]) -> str | None:
    text = clean_words_text(words)
    text = re.sub(r"\s*[,;:]\s*$", "", text)
    return text if looks_like_person(text) else None


def _text(words: list[Word]) -> str | None:
    text = parse_text_words(words)
    return smart_case(text) if text else None


PARSERS: dict[str, Callable[[list[Word]], object]] = {
    "person": _person,
    "text": _text,
    "start_date": parse_start_date,
    "end_date": parse_end_date,
}


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", text.upper().replace("&", " AND ")).split())


def _spans(words: Sequence[Word], norm: bool) -> tuple[str, list[tuple[int, int, Word]]]:
    """Running text of words (normalized or as printed) with each word's character span."""
    parts, spans, pos = [], [], 0
    for w in words:
        t = _norm(w.text) if norm else w.text
        if not t:
            continue
        parts.append(t)
        spans.append((pos, pos + len(t), w))
        pos += len(t) + 1
    return " ".join(parts), spans


def _covered(spans: list[tuple[int, int, Word]], start: int, end: int) -> list[Word]:
    return [w for a, b, w in spans if b > start and a < end]


def known_name(pages: Sequence[PageText], patterns: Sequence[str], name: str) -> Found | None:
    """The first known printed name (an issuer's own name) on the pages, top to bottom, as printed. A line that
    shows several takes the longest (the full name beside its acronym)."""
    compiled = [re.compile(p) for p in patterns]
    for page in pages:
        for line in page.lines():
            text, spans = _spans(line, norm=True)
            hits = [m for c in compiled for m in c.finditer(text)]
            if not hits:
                continue
            m = max(hits, key=lambda h: (h.end() - h.start(), -h.start()))
            words = _covered(spans, m.start(), m.end())
            value = smart_case(clean_words_text(words))
            if value:
                return Found(value, page, words, f"known name '{value}' printed on the page ({name})", REL_KNOWN)
    return None


def sentence_value(pages: Sequence[PageText], patterns: Sequence[str], parse: Callable[[list[Word]], object],
                   name: str) -> Found | None:
    """A value stated in running text: the words of a pattern's group `v` ('This certifies that <v> has ...')."""
    compiled = [re.compile(p, re.I) for p in patterns]
    for page in pages:
        words = [w for line in page.lines() for w in line]
        text, spans = _spans(words, norm=False)
        for c in compiled:
            for m in c.finditer(text):
                got = _covered(spans, m.start("v"), m.end("v"))
                value = parse(got) if got else None
                if value:
                    return Found(value, page, got, f"sentence '{m.group(0)[:40].strip()} ...' ({name})",
                                 REL_SENTENCE)
    return None


def _labels_of(f: FieldReading) -> list[str]:
    shared = {"expiry": EXPIRY_LABELS, "issue": ISSUE_LABELS}.get(f.shared, [])
    return list(dict.fromkeys([*f.labels, *shared]))


def _refusing(parse: Callable[[list[Word]], object], words: Sequence[str]) -> Callable[[list[Word]], object]:
    """The parser, refusing a value holding one of these words (a caption under the label read as its value)."""
    if not words:
        return parse
    banned = {w.lower() for w in words}

    def checked(ws: list[Word]) -> object:
        value = parse(ws)
        if isinstance(value, str) and banned & set(re.findall(r"[a-z]+", value.lower())):
            return None
        return value

    return checked


def read_field(f: FieldReading, pages: Sequence[PageText]) -> Found | None:
    """One configured field: known names, then labels, then sentences."""
    parse = _refusing(PARSERS[f.value], f.not_values)
    if f.known:
        found = known_name(pages, f.known, f.field)
        if found is not None:
            return found
    labels = _labels_of(f)
    if labels:
        found = read_labelled(pages, labels, parse, f.field, f.not_before, f.not_after, f.directions)
        if found is not None:
            return found
    if f.value in ("start_date", "end_date"):
        cues = [re.compile(s, re.I) for s in f.sentences]
        if f.shared:
            cues.append(EXPIRY_CUE if f.shared == "expiry" else ISSUE_CUE)
        for cue in cues:
            found = sentence_date(pages, cue, f.field, end=f.value == "end_date")
            if found is not None:
                return found
        return None
    return sentence_value(pages, f.sentences, parse, f.field) if f.sentences else None


def lasting(pages: Sequence[PageText], pattern: str, start: Found, start_name: str, name: str) -> Found | None:
    """An end of validity printed as a length from the start ('Valid for 2 years'): the start plus the years
    (the same day; a February 29 start ends on February 28)."""
    if not isinstance(start.value, date):
        return None
    rx = re.compile(pattern)
    for page in pages:
        words = [w for line in page.lines() for w in line]
        text, spans = _spans(words, norm=True)
        m = rx.search(text)
        if not m:
            continue
        raw = next(g for g in m.groups() if g)
        years = _NUMBERS.get(raw) or int(raw)
        d = start.value
        try:
            end = d.replace(year=d.year + years)
        except ValueError:
            end = date(d.year + years, 2, 28)
        got = _covered(spans, m.start(), m.end())
        method = f"'{layout.text_of(got)}' counted from the {start_name.replace('_', ' ')} ({name})"
        return Found(end, page, got, method, REL_DERIVED)
    return None


def read_configured(config: ReaderConfig, pages: list[PageText], images: PageImages | None = None
                    ) -> dict[str, FieldValue]:
    """Every configured field of one document, with its evidence (None where it cannot be read)."""
    labels = [label for f in config.fields for label in _labels_of(f)]
    pages = reread_unlabelled(pages, images, labels)
    found: dict[str, Found | None] = {f.field: read_field(f, pages) for f in config.fields}
    for f in config.fields:
        if f.lasts and found[f.field] is None and found.get(f.lasts[1]) is not None:
            found[f.field] = lasting(pages, f.lasts[0], found[f.lasts[1]], f.lasts[1], f.field)  # type: ignore[arg-type]
    if config.period:
        a, b = config.period
        found[a], found[b] = ordered(found.get(a), found.get(b))
    return {name: field_of(v) for name, v in found.items()}


def configured_reader(config: ReaderConfig) -> Reader:
    """The reader function of a configured kind, shaped like the hand-written readers."""

    def read(pages: list[PageText], images: PageImages | None = None) -> dict[str, FieldValue]:
        return read_configured(config, pages, images)

    return read
