"""Which of the five compliance documents a page is, and where documents start and end in a file.

A person recognises a certificate of insurance, an IRS letter or a permit by its title, its form
name, the labels printed on it and the content its kind must carry (limits and policy dates on a
certificate, a 501(c) exemption on a determination letter, a person and a result on a clearance),
and knows that an endorsement page or the second page of a letter belongs to the document before it.
This module does the same with the weighted cues of extractors.kinds: phrases (matched tolerantly,
for OCR slips), with extra weight when they sit in the title area at the top of the page, plus a bag
of characteristic words for pages whose reading order was scrambled by OCR. Cues of the things that
are *not* one of the five (fax covers, cover letters, applications, consent forms, receipts,
good-standing certificates, IRS forms, charity registrations, vendor forms, auto ID cards, property
insurance) compete with them, so a page is typed only when the evidence for one kind clearly wins;
a page with a kind's labels but nothing filled in is a blank form, not a document on file.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from extractors.kinds import DESCRIPTIONS, KIND_BY_NAME, KINDS, Cue, Kind
from extractors.model import PageText
from extractors.normalize import find_dates

TITLE_ZONE = 0.30  # top share of the page where titles and letterheads are printed
MIN_SCORE = 5.0  # evidence needed to call a page one of the five kinds
BLANK_WORDS = 3  # a page with fewer meaningful words than this is blank (scan back side, noise)


_KIND_BY_NAME = KIND_BY_NAME


@dataclass(slots=True)
class Segment:
    pages: list[int]  # 1-based page numbers within the file
    doc_type: str | None  # one of extractors.model.DOC_TYPES or None
    confidence: float  # 0-1
    evidence: str  # which words decided it


@dataclass(slots=True)
class PageVerdict:
    """What classify_page decided, plus what segment_pages needs to group pages."""

    doc_type: str | None
    confidence: float
    evidence: str
    is_continuation: bool
    kind: str = ""  # winning kind, including "other:..." kinds and "blank"
    scores: dict[str, float] = field(default_factory=dict)
    generic_continuation: bool = False  # "page 2 of 2", "continued": belongs to whatever came before
    guess: str = ""  # for pages below the bar: the kind of the five with some (weak) evidence
    cont_cues: bool = False  # continuation because of endorsement/letter-body cues (not just no title)
    ruled_out: tuple[str, ...] = ()  # kinds this page imitates but is not (an application, a blank form of ...)


# ---------------------------------------------------------------- text helpers


@lru_cache(maxsize=1 << 14)
def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^A-Z0-9]+", " ", text.upper())).strip()


@dataclass(slots=True)
class _PageView:
    full: str  # normalized text of the whole page
    titles: list[str]  # short lines (and pairs of them) in the title zone: where titles are printed
    tokens: set[str]
    n_words: int
    raw: str


TITLE_MAX_WORDS = 8
FUZZY_WORD_MIN = 6  # single words this long may carry OCR slips
FUZZY_WORD_SCORE = 83  # rapidfuzz ratio for such a word
TITLE_LINES = 10  # the first lines of a page count as its title zone too (small or shifted scans)
TITLE_SHARE = 0.4  # a title cue makes up at least this share of its line


_NOT_TITLE = re.compile(r"(?:RE|SUBJECT|SUBJ|REGARDING|ATTN|ATTENTION|TO|FROM|CC|ENCLOSED|ENCLOSURES?)\b")


def _view(page: PageText) -> _PageView:
    lines = [ln for ln in page.lines() if ln]
    texts = [_norm(" ".join(w.text for w in ln)) for ln in lines]
    limit = page.height * TITLE_ZONE if page.height else float("inf")
    heights = sorted(w.height for w in page.words if w.height > 0)
    big = 1.5 * heights[len(heights) // 2] if heights else float("inf")
    top: list[str] = []
    for i, (ln, t) in enumerate(zip(lines, texts, strict=True)):
        line_h = sorted(w.height for w in ln)[len(ln) // 2]
        # titles sit at the top (by position or among the first lines) or are printed large
        if t and (min(w.y0 for w in ln) < limit or i < TITLE_LINES or line_h >= big):
            top.append(t)
    # a subject line ("Re: Certificate of insurance") names a document, it is not its title
    top = [t for t in top if not _NOT_TITLE.match(t)]
    short = [t for t in top if len(t.split()) <= TITLE_MAX_WORDS]
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(top) if len(f"{a} {b}".split()) <= TITLE_MAX_WORDS]
    raw = "\n".join(" ".join(w.text for w in ln) for ln in lines)
    full = _norm(raw)
    tokens = set(full.split())
    meaningful = [t for t in full.split() if len(t) >= 3 and re.search(r"[A-Z]{2}", t)]
    return _PageView(full, short + pairs, tokens, len(meaningful), raw)


def _found(cue: Cue, text: str) -> bool:
    if not text:
        return False
    if cue.regex:
        return re.search(cue.text, text) is not None
    needle = _norm(cue.text)
    if f" {needle} " in f" {text} ":
        return True
    if " " not in needle and len(needle) >= FUZZY_WORD_MIN:
        return _fuzzy_word(needle, _tokens_by_length(text))
    if len(needle) < 12:
        return False
    if len(text) < len(needle):  # partial_ratio would look for the text inside the cue
        return fuzz.ratio(needle, text, score_cutoff=88) >= 88 and _same_length(needle, text)
    al = fuzz.partial_ratio_alignment(needle, text, score_cutoff=88)
    if al is None:
        return False
    # widen the match to whole words: 'REGISTRATION NO' must not match 'REGISTRATION UNEMPLOYMENT'
    a, b = al.dest_start, al.dest_end
    while a > 0 and text[a - 1] != " ":
        a -= 1
    while b < len(text) and text[b] != " ":
        b += 1
    return fuzz.ratio(needle, text[a:b]) >= 85 and _same_length(needle, text[a:b])


def _same_length(needle: str, got: str) -> bool:
    """OCR slips change a letter or split a word; they do not drop or add a word.

    'SPECIAL EVENT PERMIT' is not 'SPECIAL EVENT FOOD PERMIT', nor 'CERTIFICATE OF PROPERTY INSURANCE'
    a 'CERTIFICATE OF INSURANCE'.
    """
    n, g = len(needle.replace(" ", "")), len(got.replace(" ", ""))
    return abs(n - g) <= max(2, n // 10)


def _in_titles(cue: Cue, view: _PageView) -> bool:
    """Is the cue printed as a title: in the title zone, making up most of its line?"""
    for t in view.titles:
        if not _found(cue, t):
            continue
        if cue.regex:
            m = re.search(cue.text, t)
            size = len(m.group(0)) if m else len(t)
        else:
            size = len(_norm(cue.text))
        if size >= TITLE_SHARE * len(t):
            return True
    return False


def _titled_with(neg: Cue, kind: Kind, view: _PageView) -> bool:
    """Does a title line pair the kind's title with a word that rules it out ('PERMIT APPLICATION')?"""
    titles = [c for c in kind.cues if c.title is not None and c.first]
    return any(_found(neg, t) and any(_found(c, t) for c in titles) for t in view.titles)


def _fuzzy_word(word: str, by_len: dict[int, list[str]]) -> bool:
    """One word with an OCR slip or two ('FINGERPRlNT', 'CLEAREO'), among tokens grouped by length."""
    cands = [t for n in range(len(word) - 2, len(word) + 3) for t in by_len.get(n, ())]
    return process.extractOne(word, cands, scorer=fuzz.ratio, score_cutoff=FUZZY_WORD_SCORE) is not None


@lru_cache(maxsize=64)  # a page's text is asked about every cue of every kind
def _tokens_by_length(text: str) -> dict[int, list[str]]:
    return _group_by_length(text.split())


def _group_by_length(tokens: Iterable[str]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for t in dict.fromkeys(tokens):
        out.setdefault(len(t), []).append(t)
    return out


def _label(cue: Cue) -> str:
    """A cue as a person would read it in the evidence (regex syntax removed)."""
    if cue.name:
        return cue.name
    if not cue.regex:
        return cue.text
    t = re.sub(r"\(\?[!=].*?\)\)?|\\b|\(\?:|\?", "", cue.text)
    t = re.sub(r"\[[^\]]*\][*+]?", "", t).replace("|", "/")
    t = re.sub(r"\\d(\{[^}]*\})?", "#", t)
    return re.sub(r"[\\()|^$]", "", t).strip()


def _vocab_score(kind: Kind, tokens: set[str]) -> tuple[float, int]:
    if not kind.vocab:
        return 0.0, 0
    exact = kind.vocab & tokens
    by_len = _group_by_length(tokens)
    near = [w for w in kind.vocab - exact if len(w) >= FUZZY_WORD_MIN and _fuzzy_word(w, by_len)]
    hits = len(exact) + len(near)
    share = hits / len(kind.vocab)
    return kind.vocab_weight * max(0.0, min(1.0, (share - 0.2) / 0.5)), hits


@dataclass(slots=True)
class _KindScore:
    total: float = 0.0
    first: float = 0.0  # weight of cues typical of a first page
    cont: float = 0.0  # weight of cues typical of continuation pages
    title: float = 0.0  # weight found as a title
    content: bool = False  # a statement of what the document is for (a clearance's result)
    vetoed: str = ""  # a title that rules the kind out
    missing: str = ""  # what the kind cannot be without, not found on the page ("food or a health authority")
    hits: list[tuple[float, str]] = field(default_factory=list)


def _score_kind(kind: Kind, view: _PageView) -> _KindScore:
    s = _KindScore()
    for cue in kind.cues:
        in_title = cue.title is not None and _in_titles(cue, view)
        if in_title:
            w, where = float(cue.title or 0), "title"
        elif _found(cue, view.full):
            w, where = cue.body, "text"
        else:
            continue
        s.total += w
        s.content = s.content or cue.content
        if in_title and cue.first:
            s.title += w
        if cue.first:
            s.first += w
        else:
            s.cont += w
        s.hits.append((w, f"{where} '{_label(cue)}'"))
    if kind.requires and not any(_found(c, view.full) for c in kind.requires):
        s.missing = kind.requires_what
    vs, n = _vocab_score(kind, view.tokens)
    if vs:
        # words confirm phrases; they carry a page only when phrases were scrambled by OCR
        s.total += vs
        s.first += vs * 0.5
        s.hits.append((vs, f"{n} {kind.name} words"))
    for cue in kind.negatives:
        in_title = cue.title is not None and _in_titles(cue, view)
        if in_title or _found(cue, view.full):
            w = float(cue.title or 0) if in_title else cue.body
            s.total -= w
            s.hits.append((-w, f"against: '{_label(cue)}'"))
            if cue.veto and (in_title or _titled_with(cue, kind, view)):
                s.vetoed = _label(cue)
    return s


_PAGE_OF = re.compile(r"\bPAGE ([2-9]|1\d) (?:OF )?\d{1,2}\b|\bCONTINUED\b|\bCONT D\b")
# a page number printed on a line of its own: "Page 2", "- 3 -", "Pg. 2"
_PAGE_LINE = re.compile(r"(?i)^\s*(?:page|pg\.?)\s*([2-9]|1\d)\s*$|^\s*[-\u2013]\s*([2-9]|1\d)\s*[-\u2013]\s*$")
_AMOUNT = re.compile(r"\$\s?\d[\d,. ]{2,}|\b\d{1,3}(?:[,. ]\d{3}){1,2}\b")


_FILL_IN = re.compile(r"_{4,}|\.{6,}|\[ ?\]|\u2610")  # blanks to write on: ____, ......, [ ], ☐


def _looks_unfilled(view: _PageView, kind: str, states_content: bool = False) -> bool:
    """A blank form: the labels of a kind but none of the dates, amounts or numbers its content carries.

    Every filled document of the five states at least one date (policy period, letter date, validity,
    clearance date) and carries numbers (limits, EIN, license or permit number); a blank form prints its
    labels and at most its edition date. A letter with one date is prose, not a form: it is blank only
    when it has no date at all or shows the fill-in lines of a form. A page that states its kind's
    content (a badge saying 'background check: approved') is filled in even without a date.
    """
    digits = sum(ch.isdigit() for ch in view.raw)
    if digits >= 0.015 * max(len(view.raw), 1):
        return False
    dates = len(find_dates(view.raw))
    if kind == "coi":
        return dates <= 1 and not _AMOUNT.search(view.raw)
    if dates <= 1 and len(_FILL_IN.findall(view.raw)) >= 3:
        return True
    return dates == 0 and not states_content


# ---------------------------------------------------------------- public API


def judge_page(page: PageText) -> PageVerdict:
    """Score a page against every kind and decide what it is (see classify_page)."""
    view = _view(page)
    if view.n_words < BLANK_WORDS:
        return PageVerdict(None, 0.9, f"p{page.page_no} blank (no readable text)", True, "blank")
    scores = {k.name: _score_kind(k, view) for k in KINDS}
    for sc in scores.values():
        if sc.vetoed or sc.missing:
            sc.total = min(sc.total, MIN_SCORE - 1)
    ranked = sorted(scores.items(), key=lambda kv: (kv[1].total, kv[0].startswith("other:")), reverse=True)
    best_name, best = ranked[0]
    second = ranked[1][1].total if len(ranked) > 1 else 0.0
    totals = {n: round(s.total, 2) for n, s in scores.items()}
    top_hits = "; ".join(h for _, h in sorted(best.hits, key=lambda x: -x[0])[:3])
    numbered = bool(_PAGE_OF.search(view.full)) or any(_PAGE_LINE.match(ln) for ln in view.raw.splitlines())
    generic_cont = numbered and best.title == 0
    if best_name.startswith("other:") or best.total < MIN_SCORE:
        # not one of the five; how sure depends on how weak the best of the five was
        docs = [(s.total, n) for n, s in scores.items() if not n.startswith("other:")]
        best_doc, guess = max(docs)
        vetoes = [f"'{s.vetoed}' ({n})" for n, s in scores.items() if s.vetoed]
        conf = 0.5 + 0.5 * max(0.0, min(1.0, (MIN_SCORE - best_doc) / MIN_SCORE + 0.3))
        kind = best_name if best_name.startswith("other:") and best.total >= 3 else "other:unknown"
        what = kind.split(":", 1)[1].replace("_", " ")
        ev = f"p{page.page_no} {what}" + (f": {top_hits}" if kind != "other:unknown" else "")
        missing = [
            f"not a {DESCRIPTIONS[n].what}: it names no {s.missing}"
            for n, s in scores.items()
            if s.missing and s.total >= MIN_SCORE - 1
        ]
        if vetoes:
            ev += "; titled " + ", ".join(vetoes)
        if missing:
            ev += "; " + ", ".join(missing)
        if not vetoes and not missing and kind == "other:unknown" and best_doc > 0:
            ev += f" (best guess {guess} {best_doc:.1f} < {MIN_SCORE})"
        v = PageVerdict(None, round(min(conf, 0.95), 2), ev, False, kind, totals, generic_cont)
        v.guess = guess if best_doc >= 2 and not vetoes else ""  # a later page may lack what a first page names
        v.ruled_out = tuple(n for n, s in scores.items() if s.vetoed)
        return v
    margin = best.total - max(second, 0.0)
    conf = max(0.5, min(0.99, 0.55 + 0.45 * min(1.0, margin / 8) * min(1.0, best.total / 10)))
    # a continuation page: endorsement/remarks/letter-body cues outweigh first-page ones, or no
    # title at all and only modest first-page evidence (the back of a license, a letter's page 2)
    # (a page with no title and no dates of its own carries no new document: instructions, terms)
    # (a page that states its kind's content — a clearance's result — starts a document: two untitled clearance
    # letters in one file are two clearances; a certificate's limits may run on to its next page, so they do not)
    is_cont = (best.cont > best.first and best.title < 4) or (
        best.title == 0 and not best.content and (best.first < 4 or len(find_dates(view.raw)) <= 1)
    )
    if not is_cont and _looks_unfilled(view, best_name, best.content):
        d = DESCRIPTIONS[best_name]
        ev = f"p{page.page_no} blank {d.what} form (nothing filled in where it states {d.must_state}): {top_hits}"
        blank = PageVerdict(None, 0.8, ev, False, "other:blank_form", totals)
        blank.ruled_out = (best_name,)
        return blank
    cont_cues = best.cont > best.first and best.title < 4  # a titled page starts its document
    ev = f"p{page.page_no} " + ("continuation: " if cont_cues else "untitled: " if is_cont else "") + top_hits
    v = PageVerdict(best_name, round(conf, 2), ev, is_cont, best_name, totals, generic_cont)
    v.cont_cues = cont_cues
    return v


def classify_page(page: PageText) -> tuple[str | None, float, str, bool]:
    """(type, confidence, evidence, is_continuation) of one page; type None = not one of the five."""
    v = judge_page(page)
    return v.doc_type, v.confidence, v.evidence, v.is_continuation


def segment_pages(pages: list[PageText]) -> list[Segment]:
    """Split a file's pages into documents; every page lands in exactly one segment.

    A new document starts where a page is clearly the first page of a kind; endorsement pages,
    remarks schedules, later pages of a letter and blank back sides stay with the document before
    them. Pages that are not one of the five form None segments; a fax cover sheet stands alone.
    """
    segs: list[Segment] = []
    last_kind = ""
    ruled_out: tuple[str, ...] = ()  # kinds the current None segment imitates (its application, its blank form)
    for page in pages:
        v = judge_page(page)
        cur = segs[-1] if segs else None
        if v.kind == "blank":
            if cur is not None:
                cur.pages.append(page.page_no)
            else:
                segs.append(Segment([page.page_no], None, v.confidence, v.evidence))
                last_kind = "blank"
            continue
        if v.doc_type is not None and cur is not None and cur.doc_type is None and v.is_continuation and (
            v.doc_type in ruled_out
        ):
            # an untitled later page of an application or a blank form of that kind: still not a document
            cur.pages.append(page.page_no)
            cur.evidence += f"; p{page.page_no} later page of the same paper ({v.evidence})"
            continue
        if v.doc_type is not None:
            if cur is not None and cur.doc_type == v.doc_type and v.is_continuation:
                cur.pages.append(page.page_no)
                cur.evidence += f"; {v.evidence}"
            elif cur is not None and cur.doc_type is None and last_kind == "blank" and len(segs) == 1:
                # blank leading page(s): fold them into the first real document
                cur.pages.append(page.page_no)
                cur.doc_type, cur.confidence, cur.evidence = v.doc_type, v.confidence, v.evidence
            else:
                ruled_out = ()
                conf = v.confidence * (0.7 if v.cont_cues else 1.0)
                ev = v.evidence + (" (no first page before it)" if v.cont_cues else "")
                segs.append(Segment([page.page_no], v.doc_type, round(conf, 2), ev))
            last_kind = v.kind
            continue
        # not one of the five: a weak page of the same kind, or a numbered later page, continues
        if (
            cur is not None
            and cur.doc_type is not None
            and v.kind == "other:unknown"
            and (v.generic_continuation or v.guess == cur.doc_type)
        ):
            cur.pages.append(page.page_no)
            why = "page numbering" if v.generic_continuation else f"weak {v.guess} cues, no title"
            cur.evidence += f"; p{page.page_no} continuation ({why})"
            continue
        mergeable = (
            cur is not None
            and cur.doc_type is None
            and last_kind not in ("other:fax_cover", "blank")
            and v.kind != "other:fax_cover"
        )
        if mergeable and cur is not None:
            cur.pages.append(page.page_no)
            cur.evidence += f"; {v.evidence}"
            cur.confidence = round(min(cur.confidence, v.confidence), 2)
            ruled_out += v.ruled_out
        else:
            segs.append(Segment([page.page_no], None, v.confidence, v.evidence))
            ruled_out = v.ruled_out
        last_kind = v.kind
    return segs
