"""Which of the five compliance documents a page is, and where documents start and end in a file.

A person recognises a certificate of insurance, an IRS letter or a permit by its title, its form
name and the labels printed on it, and knows that an endorsement page or the second page of a letter
belongs to the document before it. This module does the same with weighted cues: phrases (matched
tolerantly, for OCR slips), with extra weight when they sit in the title area at the top of the page,
plus a bag of characteristic words for pages whose reading order was scrambled by OCR. Cues of the
things that are *not* one of the five (fax covers, cover letters, applications, receipts, good-standing
certificates, vendor forms, auto ID cards) compete with them, so a page is typed only when the evidence
for one kind clearly wins.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from extractors.model import PageText
from extractors.normalize import find_dates

TITLE_ZONE = 0.30  # top share of the page where titles and letterheads are printed
MIN_SCORE = 5.0  # evidence needed to call a page one of the five kinds
BLANK_WORDS = 3  # a page with fewer meaningful words than this is blank (scan back side, noise)


@dataclass(frozen=True, slots=True)
class Cue:
    """A phrase (or regex when `regex`) that speaks for a kind; `title` weight applies in the title zone."""

    text: str
    body: float
    title: float | None = None
    regex: bool = False
    first: bool = True  # marks a document's first page (False: typical of continuation pages)
    veto: bool = False  # (negatives) printed as a title, it rules the kind out: "... APPLICATION"


@dataclass(frozen=True, slots=True)
class Kind:
    name: str  # a DOC_TYPES value, or "other:<what>" for things that are not one of the five
    cues: tuple[Cue, ...]
    vocab: frozenset[str] = frozenset()
    vocab_weight: float = 0.0
    negatives: tuple[Cue, ...] = ()  # cues that say "this is not really that kind" (application ...)


def _c(
    text: str,
    body: float,
    title: float | None = None,
    *,
    regex: bool = False,
    first: bool = True,
    veto: bool = False,
) -> Cue:
    return Cue(text, body, title, regex, first, veto)


def _v(words: str) -> frozenset[str]:
    return frozenset(words.split())


KINDS: tuple[Kind, ...] = (
    Kind(
        "coi",
        (
            _c("CERTIFICATE OF LIABILITY INSURANCE", 4, 7),
            _c("CERTIFICATE OF INSURANCE", 1, 4),
            _c("EVIDENCE OF INSURANCE", 0.5, 3),
            _c(r"\bACORD ?25\b", 3, regex=True),
            _c("ACORD CORPORATION", 2),
            _c("INSURER S AFFORDING COVERAGE", 3),
            _c("CERTIFICATE IS PROVIDED AS INFORMATION ONLY", 3),
            _c("ISSUED AS A MATTER OF INFORMATION ONLY", 3),
            _c("NO RIGHTS TO THE CERTIFICATE HOLDER", 2),
            _c("CONFERS NO RIGHTS UPON THE CERTIFICATE HOLDER", 2),
            _c("CERTIFICATE HOLDER", 1.5),
            _c("DESCRIPTION OF OPERATIONS", 2),
            _c("EACH OCCURRENCE", 1.5),
            _c("GENERAL AGGREGATE", 1.5),
            _c("POLICY EFF", 1),
            _c("POLICY EXP", 1),
            _c("CERTIFICATE NUMBER", 1),
            _c("REVISION NUMBER", 1),
            _c("ABOVE DESCRIBED POLICIES BE CANCELLED", 2),
            _c("AUTHORIZED REPRESENTATIVE", 1),
            _c(r"\bNAIC\b", 1, regex=True),
            _c(r"\bPRODUCER\b", 1, regex=True),
            # pages that continue a certificate: endorsements and remarks schedules
            _c("THIS ENDORSEMENT CHANGES THE POLICY", 4, first=False),
            _c("THIS ENDORSEMENT MODIFIES THE POLICY", 4, first=False),
            _c("PLEASE READ IT CAREFULLY", 2, first=False),
            _c("PLEASE REVIEW IT CAREFULLY", 2, first=False),
            _c("CHANGES THE INSURANCE PROVIDED UNDER", 2, first=False),
            _c("DESIGNATED PERSON OR ORGANIZATION", 2, first=False),
            _c("ADDITIONAL INSURED", 1, first=False),
            _c("COVERAGE PART", 1.5, first=False),
            _c("WHO IS AN INSURED", 2, first=False),
            _c("WAIVER OF TRANSFER OF RIGHTS OF RECOVERY", 2, first=False),
            _c("PRIMARY AND NONCONTRIBUTORY", 1.5, first=False),
            _c("ADDITIONAL REMARKS SCHEDULE", 1, 4, first=False),
            _c("ADDITIONAL REMARKS FORM IS A SCHEDULE", 3, first=False),
            _c(r"\bACORD ?101\b", 3, regex=True, first=False),
            _c("INSURANCE SERVICES OFFICE", 2, first=False),
            _c(r"\bC ?G ?\d\d ?\d\d\b", 1.5, regex=True, first=False),
        ),
        _v(
            "CERTIFICATE LIABILITY INSURANCE INSURER INSURED PRODUCER NAIC AGGREGATE OCCURRENCE POLICY "
            "HOLDER CANCELLATION UMBRELLA AUTOMOBILE WORKERS COMPENSATION SUBROGATION ENDORSEMENT "
            "DESCRIPTION OPERATIONS PREMISES REPRESENTATIVE EXCESS COVERAGES EMPLOYERS RETENTION AUTOS"
        ),
        7,
        (
            _c("INSURANCE IDENTIFICATION CARD", 6, 8, veto=True),
            _c("INSURANCE ID CARD", 6, 8, veto=True),
        ),
    ),
    Kind(
        "nonprofit_letter",
        (
            _c("INTERNAL REVENUE SERVICE", 1.5, 3),
            _c("DEPARTMENT OF THE TREASURY", 1.5, 3),
            _c("EMPLOYER IDENTIFICATION NUMBER", 2),
            _c("EMPLOYER ID NUMBER", 2),
            _c("DEAR APPLICANT", 2),
            _c("EXEMPT FROM FEDERAL INCOME TAX", 3, first=False),
            _c("DETERMINATION LETTER", 1.5, first=False),
            _c(r"\bSECTION 501 ?C\b", 2, regex=True, first=False),
            _c(r"\b501 ?C ?\d{1,2}\b", 1, regex=True, first=False),
            _c("TAX EXEMPT AND GOVERNMENT ENTITIES", 2),
            _c("PUBLIC CHARITY STATUS", 2),
            _c("EFFECTIVE DATE OF EXEMPTION", 2),
            _c("CONTRIBUTION DEDUCTIBILITY", 2),
            _c("FORM 990 REQUIRED", 2),
            _c(r"\bCINCINNATI OH 452\d\d\b", 2, regex=True),
            _c(r"\bOGDEN UT 84\d\d\d\b", 2, regex=True),
            _c(r"\bCP ?575\b", 3, regex=True),
            _c("WE ASSIGNED YOU AN EMPLOYER IDENTIFICATION NUMBER", 3),
            _c("DATE OF THIS NOTICE", 2),
            _c(r"\bLETTERS? \d{3,4}\b", 1.5, regex=True, first=False),
            _c("EXEMPT ORGANIZATIONS", 1.5, first=False),
            _c("RULINGS AND AGREEMENTS", 2, first=False),
            _c(r"\bDLN\b", 1, regex=True),
            _c("PRIVATE FOUNDATION", 1, first=False),
            _c("CONTRIBUTIONS TO YOU ARE DEDUCTIBLE", 2, first=False),
            _c(r"\bSECTION 527\b", 1, regex=True, first=False),
            _c(r"\bFORM 8871\b", 1, regex=True),
            _c(r"\bFORM 1023\b", 1, regex=True, first=False),
            _c("EXEMPT STATUS", 1.5, first=False),
        ),
        _v(
            "INTERNAL REVENUE SERVICE TREASURY EMPLOYER IDENTIFICATION EXEMPT EXEMPTION SECTION CODE "
            "CONTRIBUTIONS DEDUCTIBLE FOUNDATION CHARITY DETERMINATION CINCINNATI APPLICANT IRS"
        ),
        6,
    ),
    Kind(
        "business_license",
        (
            _c("BUSINESS LICENSE", 2, 6),
            _c("BUSINESS REGISTRATION", 1.5, 5),
            _c("CERTIFICATE OF BUSINESS REGISTRATION", 2, 6),
            _c("BUSINESS REGISTRATION CERTIFICATE", 2, 6),
            _c("LICENSE CERTIFICATE", 1, 4),
            _c("BUSINESS TAX", 1.5, 4),
            _c("OCCUPATIONAL LICENSE", 2, 5),
            _c("LICENSE TO DO BUSINESS", 2, 5),
            _c("LICENSE NO", 2),
            _c("LICENSE NUMBER", 2),
            _c("REGISTRATION NO", 1.5),
            _c("THIS CERTIFIES THAT", 1),
            _c("CONDUCT BUSINESS", 2),
            _c("ENGAGE IN BUSINESS", 2),
            _c("BUSINESS NAME", 1.5),
            _c("BUSINESS LICENSING", 2),
            _c("UNIFIED BUSINESS ID", 2),
            _c(r"\bUBI\b", 1, regex=True),
            _c("CONSPICUOUS", 1.5),
            _c("ISSUE DATE", 1),
            _c("TRADE NAME", 1.5),
            _c("LICENSING RESTRICTIONS", 1.5),
        ),
        _v(
            "BUSINESS LICENSE REGISTRATION CERTIFIES REGISTERED CONDUCT LICENSING EXPIRES EXPIRATION "
            "ISSUED CERTIFICATE LICENSED ENDORSEMENTS"
        ),
        4,
        (
            _c("FILING RECEIPT", 6, 8, veto=True),
            _c(r"\bRECEIPT\b", 2, 3, regex=True, veto=True),
            _c("GOOD STANDING", 6, 8, veto=True),
            _c("SECRETARY OF STATE", 2),
            _c("CONFIRMATION NUMBER", 2),
            _c("THANK YOU FOR FILING", 3),
            _c("YOU WILL RECEIVE YOUR", 3),
            _c("APPLIED FOR", 2),
            _c(r"\bAPPLICATION\b(?! (?:NO|NUMBER|DATE|ID)\b)", 2, 4, regex=True, veto=True),
            _c("NOT A LICENSE", 6),
        ),
    ),
    Kind(
        "health_permit",
        (
            _c("TEMPORARY FOOD SERVICE PERMIT", 4, 7),
            _c("TEMPORARY FOOD ESTABLISHMENT PERMIT", 4, 7),
            _c("FOOD SERVICE PERMIT", 2, 5),
            _c("FOOD ESTABLISHMENT PERMIT", 2, 5),
            _c("TEMPORARY FOOD PERMIT", 2, 5),
            _c("HEALTH PERMIT", 2, 5),
            _c("FOOD PERMIT", 1, 3),
            _c("ENVIRONMENTAL HEALTH", 2),
            _c("HEALTH DEPARTMENT", 1),
            _c("PERMIT NO", 2),
            _c("PERMIT NUMBER", 2),
            _c("PERMITTEE", 2),
            _c("VALID FROM", 1.5),
            _c("VALID THROUGH", 1.5),
            _c("VALID UNTIL", 1.5),
            _c("FEE PAID", 1),
            _c("THIS PERMIT", 1),
            _c("PERMIT TO OPERATE", 2, 4),
            _c("TEMPORARY EVENT", 1.5),
        ),
        _v(
            "TEMPORARY FOOD PERMIT PERMITTEE ENVIRONMENTAL HEALTH VALID FROM THROUGH EVENT LOCATION FEE "
            "PAID ISSUED SPECIALIST ESTABLISHMENT SERVICE INSPECTOR"
        ),
        6,
        (
            _c(r"\bAPPLICATION\b(?! (?:NO|NUMBER|DATE|ID)\b)", 3, 6, regex=True, veto=True),
            _c(r"\bAPPLICANT\b", 1.5, regex=True),
            _c("PLEASE PRINT", 1.5),
            _c("PLEASE COMPLETE", 1.5),
            _c("SIGNATURE OF APPLICANT", 2),
            _c("APPLICANT SIGNATURE", 2),
            _c("MUST BE SUBMITTED", 1.5),
            _c("FOOD HANDLER", 3, 6, veto=True),
        ),
    ),
    Kind(
        "background_check",
        (
            _c("BACKGROUND CHECK", 2, 5),
            _c("FINGERPRINT", 2, 3),
            _c("CLEARANCE NOTICE", 3, 4),
            _c("BACKGROUND CHECK UNIT", 2),
            _c(r"\bCLEARED\b", 2, regex=True),
            _c(r"\bCLEARANCE\b", 1, regex=True),
            _c("COMMUNITY PARTNER", 1.5),
            _c("CLEARANCE DATE", 1.5),
            _c("HUMAN RESOURCES", 1),
            _c("BACKGROUND INVESTIGATION", 2, 4),
            _c("CRIMINAL HISTORY", 1.5),
            _c("VOLUNTEER CLEARANCE", 2, 4),
            _c("CLEARANCE LETTER", 2, 4),
            _c("CLEARANCE CARD", 2, 4),
        ),
        _v(
            "BACKGROUND CHECK FINGERPRINT CLEARANCE CLEARED EXPIRES COMMUNITY PARTNER VOLUNTEER HUMAN "
            "RESOURCES STATUS NOTICE"
        ),
        5,
    ),
    # ---- things that are not one of the five ----
    Kind(
        "other:fax_cover",
        (
            _c("FAX COVER", 5, 7),
            _c("COVER SHEET", 4, 6),
            _c("FACSIMILE", 2, 4),
            _c(r"\bFAX\b", 1, 3, regex=True),
            _c(r"\bTO\b", 0.5, regex=True),
            _c(r"\bFROM\b", 0.5, regex=True),
            _c(r"\bPAGES\b", 1.5, regex=True),
            _c("INCLUDING COVER", 3),
            _c(r"\bINCL COVER\b", 3, regex=True),
            _c("PLEASE REPLY", 1.5),
            _c("PLEASE RECYCLE", 1.5),
            _c("PLEASE COMMENT", 1.5),
            _c("FOR REVIEW", 1),
            _c("NUMBER OF PAGES", 2),
            _c("CONFIDENTIAL", 1),
            _c("TRANSMISSION", 1),
            _c(r"\bURGENT\b", 1, regex=True),
        ),
    ),
    Kind(
        "other:cover_letter",
        (
            _c(r"\bENCLOSED\b", 2, regex=True),
            _c("PLEASE FIND", 2),
            _c("TO WHOM IT MAY CONCERN", 2),
            _c(r"\bATTACHED\b", 1, regex=True),
            _c(r"\bSINCERELY\b", 1, regex=True),
            _c("THANK YOU", 1),
            _c(r"\bRE\b", 0.5, regex=True),
        ),
    ),
    Kind(
        "other:application",
        (
            _c("USE OF FACILITIES", 3, 5),
            _c(r"\bAPPLICATION\b", 2, 4, regex=True),
            _c(r"\bAPPLICANT\b", 1.5, regex=True),
            _c("PLEASE PRINT", 1),
            _c("SIGNATURE", 0.5),
        ),
    ),
    Kind(
        "other:vendor_form",
        (
            _c(r"\bVENDOR\b", 3, 4, regex=True),
            _c(r"\bPAYEE\b", 3, 4, regex=True),
            _c(r"\bW ?9\b", 2, regex=True),
            _c("TAXPAYER ID", 2),
            _c("NOT A TAX EXEMPTION CERTIFICATE", 4),
        ),
    ),
    Kind(
        "other:good_standing",
        (
            _c("GOOD STANDING", 5, 7),
            _c("SECRETARY OF STATE", 2),
            _c("CORPORATIONS BUREAU", 2),
            _c("EXISTENCE", 1),
        ),
    ),
    Kind(
        "other:receipt",
        (
            _c("FILING RECEIPT", 5, 7),
            _c(r"\bRECEIPT\b", 2, 3, regex=True),
            _c("CONFIRMATION", 1.5),
            _c("AMOUNT PAID", 1),
            _c("PAYMENT", 1),
            _c("THANK YOU FOR FILING", 3),
            _c("GRAND TOTAL", 2),
            _c("PAYMENT METHOD", 2),
            _c("PROCESSING FEE", 1.5),
            _c("APPLIED FOR", 2),
            _c("FILING DATE", 1.5),
        ),
    ),
    Kind(
        "other:auto_insurance",
        (
            _c("INSURANCE IDENTIFICATION CARD", 6, 8),
            _c("INSURANCE ID CARD", 6, 8),
            _c("ID CARD", 2, 4),
            _c(r"\bVIN\b", 2, regex=True),
            _c("YEAR MAKE MODEL", 2),
            _c(r"\bVEHICLES?\b", 1, regex=True),
            _c("KEEP THIS CARD", 2),
            _c("COMMERCIAL AUTO", 2),
            _c("AUTO POLICY", 2),
            _c("POWER UNIT", 2),
            _c("DECLARATIONS PAGE", 1),
        ),
    ),
)
_KIND_BY_NAME = {k.name: k for k in KINDS}


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
        return fuzz.ratio(needle, text, score_cutoff=88) >= 88
    al = fuzz.partial_ratio_alignment(needle, text, score_cutoff=88)
    if al is None:
        return False
    # widen the match to whole words: 'REGISTRATION NO' must not match 'REGISTRATION UNEMPLOYMENT'
    a, b = al.dest_start, al.dest_end
    while a > 0 and text[a - 1] != " ":
        a -= 1
    while b < len(text) and text[b] != " ":
        b += 1
    return fuzz.ratio(needle, text[a:b]) >= 85


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
    if not cue.regex:
        return cue.text
    t = re.sub(r"\(\?[!=].*?\)\)?|\\b|\?", "", cue.text)
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
    vetoed: str = ""  # a title that rules the kind out
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
        if in_title and cue.first:
            s.title += w
        if cue.first:
            s.first += w
        else:
            s.cont += w
        s.hits.append((w, f"{where} '{_label(cue)}'"))
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
_AMOUNT = re.compile(r"\$\s?\d[\d,. ]{2,}|\b\d{1,3}(?:[,. ]\d{3}){1,2}\b")


def _looks_unfilled(view: _PageView) -> bool:
    """A blank form: the labels of a certificate but no dates, amounts or numbers written in."""
    if len(find_dates(view.raw)) > 1 or _AMOUNT.search(view.raw):
        return False
    digits = sum(ch.isdigit() for ch in view.raw)
    return digits < 0.015 * max(len(view.raw), 1)


# ---------------------------------------------------------------- public API


def judge_page(page: PageText) -> PageVerdict:
    """Score a page against every kind and decide what it is (see classify_page)."""
    view = _view(page)
    if view.n_words < BLANK_WORDS:
        return PageVerdict(None, 0.9, f"p{page.page_no} blank (no readable text)", True, "blank")
    scores = {k.name: _score_kind(k, view) for k in KINDS}
    for sc in scores.values():
        if sc.vetoed:
            sc.total = min(sc.total, MIN_SCORE - 1)
    ranked = sorted(scores.items(), key=lambda kv: (kv[1].total, kv[0].startswith("other:")), reverse=True)
    best_name, best = ranked[0]
    second = ranked[1][1].total if len(ranked) > 1 else 0.0
    totals = {n: round(s.total, 2) for n, s in scores.items()}
    top_hits = "; ".join(h for _, h in sorted(best.hits, key=lambda x: -x[0])[:3])
    generic_cont = bool(_PAGE_OF.search(view.full)) and best.title == 0
    if best_name.startswith("other:") or best.total < MIN_SCORE:
        # not one of the five; how sure depends on how weak the best of the five was
        docs = [(s.total, n) for n, s in scores.items() if not n.startswith("other:")]
        best_doc, guess = max(docs)
        vetoes = [f"'{s.vetoed}' ({n})" for n, s in scores.items() if s.vetoed]
        conf = 0.5 + 0.5 * max(0.0, min(1.0, (MIN_SCORE - best_doc) / MIN_SCORE + 0.3))
        kind = best_name if best_name.startswith("other:") and best.total >= 3 else "other:unknown"
        what = kind.split(":", 1)[1].replace("_", " ")
        ev = f"p{page.page_no} {what}" + (f": {top_hits}" if kind != "other:unknown" else "")
        if vetoes:
            ev += "; titled " + ", ".join(vetoes)
        elif kind == "other:unknown" and best_doc > 0:
            ev += f" (best guess {guess} {best_doc:.1f} < {MIN_SCORE})"
        v = PageVerdict(None, round(min(conf, 0.95), 2), ev, False, kind, totals, generic_cont)
        v.guess = guess if best_doc >= 2 and not vetoes else ""
        return v
    margin = best.total - max(second, 0.0)
    conf = max(0.5, min(0.99, 0.55 + 0.45 * min(1.0, margin / 8) * min(1.0, best.total / 10)))
    # a continuation page: endorsement/remarks/letter-body cues outweigh first-page ones, or no
    # title at all and only modest first-page evidence (the back of a license, a letter's page 2)
    # (a page with no title and no dates of its own carries no new document: instructions, terms)
    is_cont = (best.cont > best.first and best.title < 4) or (
        best.title == 0 and (best.first < 4 or len(find_dates(view.raw)) <= 1)
    )
    if best_name == "coi" and not is_cont and _looks_unfilled(view):
        ev = f"p{page.page_no} blank certificate form (no dates or amounts filled in): {top_hits}"
        return PageVerdict(None, 0.8, ev, False, "other:blank_form", totals)
    cont_cues = best.cont > best.first
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
        if v.doc_type is not None:
            if cur is not None and cur.doc_type == v.doc_type and v.is_continuation:
                cur.pages.append(page.page_no)
                cur.evidence += f"; {v.evidence}"
            elif cur is not None and cur.doc_type is None and last_kind == "blank" and len(segs) == 1:
                # blank leading page(s): fold them into the first real document
                cur.pages.append(page.page_no)
                cur.doc_type, cur.confidence, cur.evidence = v.doc_type, v.confidence, v.evidence
            else:
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
        else:
            segs.append(Segment([page.page_no], None, v.confidence, v.evidence))
        last_kind = v.kind
    return segs
