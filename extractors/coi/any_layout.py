"""Read a certificate of insurance of any layout: labels, tables, sentences — not one form's grid.

A person reading a certificate they have never seen finds the same things on every layout: who is
insured (a label such as NAMED INSURED, Policyholder or First Named Insured with a block under it,
or a sentence "... confirms that X is covered"), a table of coverages whose header row names its
columns in any order (Coverage | Limits | Carrier | Policy No. | Term, or TYPE OF INSURANCE |
POLICY NUMBER | POLICY EFF | POLICY EXP | LIMITS), or sentences that state the policy ("... under
policy GL-123 issued by X, rated A by A.M. Best, from March 1, 2026 to March 1, 2027, with limits of
$1,000,000 each occurrence ..."). This module reads those three ways; the classic ACORD 25 grid reader
(grid.py) stays the first reading of real ACORD forms.

Every value comes with the words and labels it was read from; where a value cannot be read with
confidence it is left unread with a reason staff can read (the document then goes to a person)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from extractors.coi.blocks import _split_insured
from extractors.coi.geometry import _dedupe_overlaps, _is_noise, _text_rows
from extractors.coi.statements import _ai_statement, _names_aps, _sentences
from extractors.coi.values import _dates_in, _money, _norm, _rating
from extractors.layout import bbox, norm_token, text_of
from extractors.model import Evidence, FieldValue, PageText, Word
from extractors.names import has_legal_suffix
from extractors.nonprofit_letter import _CITY_ZIP
from extractors.normalize import clean_spaces, find_dates

# Column headers of coverage tables (ACORD 25 editions 2010/05 to 2025/12, agency-software certificates,
# carriers' own certificates, memoranda of insurance, evidence-of-coverage schedules).
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "coverage": (
        "TYPE OF INSURANCE",
        "COVERAGE",
        "COVERAGES",
        "LINE OF COVERAGE",
        "LINE OF INSURANCE",
        "LINE OF BUSINESS",
        "KIND OF INSURANCE",
        "INSURANCE TYPE",
        "POLICY TYPE",
        "TYPE OF COVERAGE",
        "COVERAGE TYPE",
        "COVERAGE PART",
    ),
    "limits": (
        "LIMITS",
        "LIMIT",
        "AMOUNT",
        "AMOUNTS",
        "LIMITS OF LIABILITY",
        "LIMITS OF INSURANCE",
        "LIMIT OF LIABILITY",
        "LIMIT OF INSURANCE",
        "COVERAGE LIMITS",
        "POLICY LIMITS",
    ),
    "carrier": (
        "CARRIER",
        "CARRIER & RATING",
        "CARRIER AND RATING",
        "INSURER",
        "INSURER & RATING",
        "INSURANCE COMPANY",
        "COMPANY",
        "INSURING COMPANY",
        "WRITING COMPANY",
        "UNDERWRITER",
        "ISSUING COMPANY",
        "INSURANCE CARRIER",
    ),
    "policy": ("POLICY NUMBER", "POLICY NO", "POLICY #", "POLICY NUMBERS", "POLICY", "POLICY NO."),
    "term": (
        "TERM",
        "POLICY TERM",
        "POLICY PERIOD",
        "PERIOD",
        "COVERAGE PERIOD",
        "POLICY DATES",
        "DATES",
        "EFFECTIVE - EXPIRATION",
        "EFF - EXP",
        "EFFECTIVE / EXPIRATION",
        "POLICY EFF / EXP",
    ),
    "eff": (
        "POLICY EFF",
        "EFFECTIVE",
        "EFFECTIVE DATE",
        "EFF DATE",
        "EFF",
        "INCEPTION",
        "INCEPTION DATE",
        "POLICY EFFECTIVE",
        "FROM",
        "START DATE",
    ),
    "exp": (
        "POLICY EXP",
        "EXPIRATION",
        "EXPIRATION DATE",
        "EXP DATE",
        "EXP",
        "EXPIRY",
        "EXPIRY DATE",
        "EXPIRES",
        "POLICY EXPIRATION",
        "TO",
        "END DATE",
        "VALID UNTIL",
    ),
    "aux": (
        "INSR LTR",
        "INSR",
        "LTR",
        "ADDL",
        "SUBR",
        "INSD",
        "WVD",
        "ADDL INSD",
        "SUBR WVD",
        "(MM/DD/YYYY)",
        "(MM/DD/YY)",
        "NAIC",
        "NAIC #",
        "RATING",
        "AM BEST",
        "A.M. BEST",
        "BEST'S RATING",
    ),
}


_MAIN_KINDS = ("coverage", "limits", "carrier", "policy", "term", "eff", "exp")


INSURED_LABELS = (
    "FIRST NAMED INSURED",
    "NAMED INSURED",
    "NAME OF INSURED",
    "INSURED NAME",
    "INSURED'S NAME",
    "POLICYHOLDER",
    "POLICY HOLDER",
    "NAMED INSURED AND ADDRESS",
    "INSURED",
)


HOLDER_LABELS = (
    "CERTIFICATE HOLDER",
    "CERTIFICATE ISSUED TO",
    "EVIDENCE ISSUED TO",
    "ISSUED TO",
    "HOLDER",
    "ADDRESSEE",
    "PREPARED FOR",
    "ISSUED FOR",
    "CERTIFICATE HOLDER NAME",
)


ISSUE_DATE_LABELS = (
    "ISSUE DATE",
    "DATE ISSUED",
    "DATE OF ISSUE",
    "ISSUED ON",
    "CERTIFICATE DATE",
    "DATE (MM/DD/YYYY)",
    "DATE",
    "DATE PREPARED",
)


DESCRIPTION_LABELS = (
    "DESCRIPTION OF OPERATIONS / LOCATIONS / VEHICLES",
    "DESCRIPTION OF OPERATIONS",
    "REMARKS / SPECIAL PROVISIONS",
    "SPECIAL PROVISIONS",
    "REMARKS",
    "DESCRIPTION OF OPERATIONS/LOCATIONS",
    "OPERATIONS / LOCATIONS",
    "DESCRIPTION",
    "PROJECT / LOCATION",
    "SPECIAL CONDITIONS",
    "ADDITIONAL REMARKS",
    "NOTES",
)


# single values printed after (or under) a label on carriers' own certificates and agency-software forms
VALUE_LABELS: dict[str, tuple[str, ...]] = {
    "insurer": (
        "INSURANCE COMPANY",
        "INSURER",
        "CARRIER",
        "INSURANCE CARRIER",
        "UNDERWRITER",
        "ISSUING COMPANY",
        "WRITING COMPANY",
        "UNDERWRITTEN BY",
        "INSURED BY",
        "COMPANY",
    ),
    "policy": (
        "POLICY NUMBER",
        "POLICY NO",
        "POLICY #",
        "POLICY NO.",
        "GL POLICY NUMBER",
        "CGL POLICY NUMBER",
        "GENERAL LIABILITY POLICY NUMBER",
        "POLICY",
    ),
    "period": ("POLICY PERIOD", "POLICY TERM", "TERM", "COVERAGE PERIOD", "PERIOD OF INSURANCE", "PERIOD OF COVERAGE"),
    "eff": (
        "EFFECTIVE DATE",
        "POLICY EFFECTIVE DATE",
        "POLICY EFFECTIVE",
        "EFF DATE",
        "EFF. DATE",
        "INCEPTION DATE",
        "EFFECTIVE",
        "POLICY EFF",
        "FROM",
    ),
    "exp": (
        "EXPIRATION DATE",
        "POLICY EXPIRATION DATE",
        "POLICY EXPIRATION",
        "EXP DATE",
        "EXP. DATE",
        "EXPIRY DATE",
        "EXPIRES",
        "EXPIRES ON",
        "VALID UNTIL",
        "VALID THROUGH",
        "POLICY EXP",
        "TO",
    ),
    "occ": (
        "EACH OCCURRENCE LIMIT",
        "EACH OCCURRENCE",
        "PER OCCURRENCE LIMIT",
        "PER OCCURRENCE",
        "OCCURRENCE LIMIT",
        "EACH OCC",
        "LIMIT PER OCCURRENCE",
    ),
    "agg": ("GENERAL AGGREGATE LIMIT", "GENERAL AGGREGATE", "AGGREGATE LIMIT", "GEN AGGREGATE", "AGGREGATE"),
    "trigger": ("COVERAGE TRIGGER", "COVERAGE FORM", "COVERAGE BASIS", "POLICY FORM", "TRIGGER", "FORM", "BASIS"),
    "rating": (
        "A.M. BEST RATING",
        "AM BEST RATING",
        "BEST'S RATING",
        "A.M. BEST",
        "AM BEST",
        "FINANCIAL STRENGTH RATING",
        "INSURER RATING",
        "RATING",
    ),
}


# lines that close a block of text on any certificate (cancellation clause, signature, boilerplate)
_BLOCK_END = re.compile(
    r"(?i)^(?:cancell?ation|certificate\s+holder|authori[sz]ed\s+(?:representative|by|signature)|signature"
    r"|sincerely|this\s+(?:letter|memorandum|certificate|evidence)\b|should\s+any|if\s+(?:a|any)\s+polic"
    r"|important|cc:|yours\s+truly|respectfully|page\s+\d|acord\s+\d|(?:issued\s+to|named\s+insured|producer)\s*:?\s*$"
    r"|insurer\s*[a-f]?\s*[:;]?\s*$|insurer\s*[a-f]\b|insurer\(s\)|(?:contact|phone|e-?mail|fax)\s*(?:name\s*)?:"
    r"|naic\b|coverages\s*$"
    r"|\(?a/c,?\s*no)"
)


# coverage kinds as a row of a table or a clause of a sentence names them
_KIND_RE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("umbrella", re.compile(r"(?i)\b(?:umbrella|excess)\b")),
    (
        "gl",
        re.compile(
            r"(?i)\b(?:commercial\s+general|general\s+liab\w*|c\.?g\.?l\.?\b|comprehensive\s+general"
            r"|business\s+liability|premises\s+liability|general$)"
        ),
    ),
    ("auto", re.compile(r"(?i)\b(?:auto(?:mobile)?s?\s+liab\w*|business\s+auto|commercial\s+auto|automobile)\b")),
    ("wc", re.compile(r"(?i)\b(?:workers['’]?\s*comp\w*|worker['’]?s\s+comp\w*|employers['’]?\s+liab\w*)")),
    (
        "other",
        re.compile(
            r"(?i)^(?:professional|participant|liquor|host\s+liquor|property|inland|crime|cyber|abuse|sexual|accident"
            r"|medical\s+(?:mal|prof)|errors|directors|d\s*&\s*o|garage|pollution|special\s+event|event\s+liab|fidelity"
            r"|employment\s+practices|builders|equipment|bond)"
        ),
    ),
)


_BEST_RE = re.compile(
    r"(?i)(?:a\.?\s*m[.,]?\s*best|\bbest'?s\b|\bam\s*best\b|\bbest\s+rat|rated\s+by\s+a\.?\s*m|\bAMB\b|\bA\.M\.B\.)"
)


_NAIC_RE = re.compile(r"(?i)\bNAIC\b")


_POLICY_TOKEN = re.compile(r"^(?=.*\d)[A-Z0-9][A-Z0-9\-/.]{3,}$", re.I)


REL_TABLE = 0.9


REL_LABEL = 0.85


REL_SENTENCE = 0.8


def _unread(page: PageText | None, reason: str) -> FieldValue:
    """A value left unread on purpose, with the reason a person reads in the review desk."""
    return FieldValue(None, Evidence(page.page_no if page else 1, None, "", 0.0, reason))


def _found(value: object, page: PageText, words: Sequence[Word], method: str, rel: float) -> FieldValue:
    words = list(words)
    conf = sum(w.conf for w in words) / len(words) / 100 if words else 1.0
    return FieldValue(value, Evidence(page.page_no, bbox(words), text_of(words), round(conf * rel, 3), method))


def _clean_words(page: PageText) -> list[Word]:
    return _dedupe_overlaps([w for w in page.words if not _is_noise(w)])


def _vrows(words: Sequence[Word]) -> list[list[Word]]:
    """Visual rows: the reader's lines, pieces that share one row joined left to right."""
    return _text_rows(list(words))


def _row_text(row: Sequence[Word]) -> str:
    return clean_spaces(" ".join(w.text for w in row))


def _top(words: Sequence[Word]) -> float:
    """Top of a line of words, by its middle word (a speck riding higher on the row does not count)."""
    ys = sorted(w.y0 for w in words)
    return ys[len(ys) // 2]


def _height(words: Sequence[Word]) -> float:
    hs = sorted(w.height for w in words if re.search(r"[A-Za-z0-9]", w.text)) or [7.0]
    return max(hs[len(hs) // 2], 4.0)


def _pitch(rows: Sequence[Sequence[Word]]) -> float:
    """The usual distance from one line of text to the next on this page."""
    h = _height([w for r in rows for w in r])
    tops = sorted(min(w.y0 for w in r) for r in rows)
    diffs = sorted(b - a for a, b in itertools.pairwise(tops) if 0.8 * h < b - a < 2.6 * h)
    return diffs[len(diffs) // 2] if diffs else 1.4 * h


@dataclass(slots=True)
class Hit:
    """A label printed on the page: which phrase, its kind, its words."""

    kind: str
    phrase: str
    words: list[Word]

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def y0(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def y1(self) -> float:
        return max(w.y1 for w in self.words)

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def h(self) -> float:
        return max(self.y1 - self.y0, 4.0)


def find_labels(rows: Sequence[Sequence[Word]], vocab: dict[str, Sequence[str]], min_score: float = 88) -> list[Hit]:
    """Every printed label of the vocabulary, longest phrases first, no word used twice.

    Short labels ('TO', 'EFF', 'TERM') must match exactly; longer ones tolerate OCR slips."""
    phrases = sorted(
        ((kind, p) for kind, ps in vocab.items() for p in ps), key=lambda kp: -len(norm_token(kp[1].replace(" ", "")))
    )
    used: set[int] = set()
    hits: list[Hit] = []
    norm_rows = [[norm_token(w.text) for w in r] for r in rows]
    for kind, phrase in phrases:
        target = "".join(norm_token(t) for t in phrase.split())
        n = len([t for t in phrase.split() if norm_token(t)])
        if not target:
            continue
        for r, toks in zip(rows, norm_rows, strict=True):
            i = 0
            while i < len(r):
                done = False
                for k in (n, n + 1, n - 1) if n > 1 else (1,):
                    if k < 1 or i + k > len(r) or any(id(w) in used for w in r[i : i + k]):
                        continue
                    cand = "".join(toks[i : i + k])
                    if not cand:
                        continue
                    ok = cand == target or (
                        len(target) > 5 and fuzz.ratio(cand, target, score_cutoff=min_score) >= min_score
                    )
                    span = list(r[i : i + k])
                    if ok and all(b.x0 - a.x1 < 1.6 * max(a.height, 4.0) for a, b in itertools.pairwise(span)):
                        used.update(id(w) for w in span)
                        hits.append(Hit(kind, phrase, span))
                        i += k
                        done = True
                        break
                if not done:
                    i += 1
    return sorted(hits, key=lambda h: (h.y0, h.x0))


def _starts_segment(hit: Hit, row: Sequence[Word]) -> bool:
    """A label opens its stretch of text: no word close before it on the row (a word in a sentence has),
    or only the scrap its lost first word left."""
    return not _close_before(row, hit.words[0], hit.h) or _lost_first_word(hit, row) is not None


def _close_before(row: Sequence[Word], first: Word, h: float) -> list[Word]:
    return [w for w in row if w.x1 <= first.x0 + 0.5 and w is not first and first.x0 - w.x1 < 2.5 * h]


def _lost_first_word(hit: Hit, row: Sequence[Word]) -> Word | None:
    """What OCR left of a label's first word ('ane' for the 'NAMED' of 'NAMED INSURED'): the one word close
    before the label, short, read with little confidence, and itself starting its stretch of text. The
    words of a sentence before a label's words read well."""
    before = _close_before(row, hit.words[0], hit.h)
    if len(before) != 1:
        return None
    scrap = before[0]
    if scrap.conf >= 50 or len(re.sub(r"[^A-Za-z0-9]", "", scrap.text)) > 4 or _close_before(row, scrap, hit.h):
        return None
    return scrap


def _label_like(hit: Hit, rows: Sequence[Sequence[Word]]) -> bool:
    """Printed as a label: in capitals, or ending with a colon, or standing apart from the text after it.
    'named insured's use of ...' and '... upon the addressee.' inside a sentence are not labels."""
    text = text_of(hit.words)
    if re.search(r"[:;]$", text.strip()):
        return True
    if re.search(r"[a-z]", text) is None and len(re.sub(r"[^A-Z]", "", text)) >= 2:
        return True
    row = _row_of(rows, hit.words[0])
    after = [w for w in row if w.x0 >= hit.x1 - 0.5 and w not in hit.words]
    if re.search(r"['’]s$|[.,]$", hit.words[-1].text):
        return False
    return not after or after[0].x0 - hit.x1 > 2.5 * hit.h


def _row_of(rows: Sequence[Sequence[Word]], w: Word) -> Sequence[Word]:
    for r in rows:
        if any(x is w for x in r):
            return r
    return [w]


def parse_money(words: Sequence[Word]) -> int | None:
    ws = list(words)
    if not any(re.search(r"\d", w.text) for w in ws):
        return None
    v = _money(ws)
    # a limit is a round amount: '$1,000,O80' is a misread, not a limit of $1,000,080
    return v if v and v >= 1000 and v % 1000 == 0 else None


# '$1,000,000', '$1.000.000' (a comma OCR read as a period), '$2 million'; cents are dropped
_MONEY_IN_TEXT = re.compile(
    r"[$S]\s?(\d{1,3}(?:[,.]\s?\d{3})+|\d{4,})(?:\.\d\d(?!\d))?(?:\s*(million|mm|m)\b)?"
    r"|\$\s?(\d+(?:\.\d+)?)\s*(million|mm|m)\b",
    re.I,
)


def money_spans(text: str) -> list[tuple[int, int, int]]:
    """Every amount of money written in text ('$1,000,000', '$2 million', '$500K'), with its span."""
    out = []
    for m in _MONEY_IN_TEXT.finditer(text):
        if m.group(1):
            v = int(re.sub(r"[,.\s]", "", m.group(1)))
            if m.group(2):
                v *= 1_000_000
        else:
            v = int(float(m.group(3)) * 1_000_000)
        out.append((v, m.start(), m.end()))
    return out


def dates_of(words: Sequence[Word]) -> list[tuple[date, list[Word]]]:
    """Dates printed in the words, row by row, in reading order (any common style)."""
    got = _dates_in(list(words))
    if not got:
        # 'November 18. 2026': OCR read the comma before the year as a period
        for row in _vrows(words):
            text = re.sub(r"(?i)(\b[a-z]{3,9}\.?\s+\d{1,2})\s*\.\s+((?:19|20)\d\d)\b", r"\1, \2", _row_text(row))
            got += [(d, list(row)) for d, _s, _e in find_dates(text)]
    return sorted(got, key=lambda d: (round(d[1][0].cy / 4), d[1][0].x0))


def parse_policy_number(words: Sequence[Word]) -> str | None:
    """A policy number: one to three tokens holding digits ('GLO 123-45678-90', 'CPK 0166 0491', 'NMG1234567')."""
    toks = [w.text.strip("|[](),;:") for w in words]
    toks = [t for t in toks if t and t not in ("-", "–", "—", "#", "No.", "No", "Number:")]
    out: list[str] = []
    for t in toks:
        if find_dates(t):
            break
        if re.fullmatch(r"[A-Z0-9][A-Z0-9\-/.]*", t, re.I) and (re.search(r"\d", t) or (t.isupper() and len(t) <= 5)):
            out.append(t)
        elif out:
            break
        if len(out) == 3:
            break
    text = " ".join(out).strip(" -")
    if sum(c.isdigit() for c in text) < 3 or len(re.sub(r"\W", "", text)) < 5:
        return None
    return text


def _rating_of(text: str) -> str | None:
    m = _BEST_RE.search(text)
    tail = text[m.end() :] if m else text
    r, _s, _e = _rating(re.sub(r"(?i)^\W*(?:rating|rated)\W*", " ", tail))
    return r


def _trigger_of(text: str) -> str | None:
    """'written on an occurrence basis', 'Occurrence form', 'COVERAGE TRIGGER: OCCURRENCE', 'claims-made'."""
    t = text.lower()
    cm = re.search(r"claims?[\s-]*made", t)
    oc = re.search(r"\boccurr?ence\b|\boccur\b", t)
    if re.search(r"occurrence\s+or\s+claims|claims[\s-]*made\s+or\s+occurrence", t):
        return None  # the form's own instruction, not a statement
    basis = r"\s*(?:basis|form|policy|coverage|trigger)"
    if cm and (re.search(r"claims?[\s-]*made" + basis, t) or re.search(r"trigger\W*claims", t)):
        return "claims_made"
    if oc and (re.search(r"(?:occurr?ence|occur)" + basis, t) or re.search(r"trigger\W*occur", t)):
        return "occurrence"
    return None


@dataclass(slots=True)
class Column:
    kind: str
    x0: float
    x1: float
    left: float = 0.0
    right: float = 0.0


@dataclass(slots=True)
class Table:
    page: PageText
    columns: list[Column]
    header: list[Hit]
    top: float  # just under the header
    bottom: float
    words: list[Word]

    def column(self, kind: str) -> list[Column]:
        return [c for c in self.columns if c.kind == kind]

    def cells(self, kind: str, words: Sequence[Word]) -> list[Word]:
        cols = self.column(kind)
        return [w for w in words if any(c.left <= w.cx < c.right for c in cols)]


@dataclass(slots=True)
class Row:
    kind: str  # gl, umbrella, auto, wc, other
    label: list[Word]
    top: float
    bottom: float
    words: list[Word] = field(default_factory=list)


def find_table(page: PageText, words: Sequence[Word], rows: Sequence[Sequence[Word]]) -> Table | None:
    """The coverage table: a header row found by its words (any order), columns by alignment."""
    hits = [h for h in find_labels(rows, HEADER_WORDS) if h.kind in HEADER_WORDS]
    if not hits:
        return None
    best: tuple[int, list[Hit]] | None = None
    for seed in hits:
        if seed.kind == "aux":
            continue
        group = [h for h in hits if -2 <= h.cy - seed.cy <= 10]
        kinds = {h.kind for h in group if h.kind in _MAIN_KINDS}
        if len(kinds) < 3 or not kinds & {"limits", "policy", "term", "eff", "exp"}:
            continue
        # a header row is made of header words; a sentence that happens to say 'coverage ... policy terms' is not
        line_words = [
            w
            for w in words
            if min(h.y0 for h in group) - 1 <= w.cy <= max(h.y1 for h in group) + 1
            and w.conf >= 60
            and len(norm_token(w.text)) >= 2
        ]
        in_hits = sum(len(h.words) for h in group)
        if in_hits < 0.7 * len(line_words):
            continue
        if best is None or len(kinds) > best[0]:
            best = (len(kinds), group)
    if best is None:
        return _headerless_table(page, words, rows)
    group = sorted(best[1], key=lambda h: h.x0)
    # hits stacked in one column ('POLICY EFF' over '(MM/DD/YYYY)') are one column; same kinds side by side merge
    cols: list[Column] = []
    for h in group:
        for c in cols:
            if min(c.x1, h.x1) - max(c.x0, h.x0) > 0 or (c.kind == h.kind and h.kind == "limits"):
                if c.kind == "aux" and h.kind != "aux":
                    c.kind = h.kind
                c.x0, c.x1 = min(c.x0, h.x0), max(c.x1, h.x1)
                break
        else:
            cols.append(Column(h.kind, h.x0, h.x1))
    cols.sort(key=lambda c: c.x0)
    for i, c in enumerate(cols):
        if i == 0:
            c.left = 0.0
        else:
            gap = max(c.x0 - cols[i - 1].x1, 0.0)
            c.left = c.x0 - min(12.0, 0.4 * gap)
    for i, c in enumerate(cols):
        c.right = cols[i + 1].left if i + 1 < len(cols) else page.width + 1
    top = max(h.y1 for h in group) + 0.5
    body = [w for w in words if w.cy > top]
    bottom = _table_bottom(body, rows, top, page)
    return Table(page, cols, group, top, bottom, [w for w in body if w.cy < bottom])


def _headerless_table(page: PageText, words: Sequence[Word], rows: Sequence[Sequence[Word]]) -> Table | None:
    """A coverage grid whose header row OCR lost: its limits column is where 'EACH OCCURRENCE' stands, right
    of a general liability row; everything left of it is read by rows."""
    occ = [
        h
        for h in find_labels(rows, {"occ": ("EACH OCCURRENCE",)}, 85)
        if h.x0 > page.width * 0.4
        and _starts_segment(h, [w for w in _row_of(rows, h.words[0]) if not re.search(r"[\d$|]", w.text)])
    ]
    gl = []
    for r in rows:
        left = [w for w in r if w.x1 < page.width * 0.45]
        text = _row_text(left)
        m = _KIND_RE[1][1].search(text)
        # a row's coverage name (after at most a box or a letter), not words of a sentence
        if m and re.fullmatch(r"(?:[^A-Za-z]|\b[A-Za-z]{1,2}\b)*", text[: m.start()]) and len(left) <= 8:
            gl.append(r)
    if not occ or not gl:
        return None
    top = min(_top(r) for r in gl) - 2
    money_x = [
        w.x0
        for h in occ
        for w in _row_of(rows, h.words[0])
        if w.x0 < h.x0 and h.x0 - w.x1 < 40 and re.search(r"\d", w.text)
    ]
    limits_x = min([h.x0 for h in occ] + money_x) - 4
    cols = [
        Column("coverage", 0, limits_x, 0.0, limits_x),
        Column("limits", limits_x, page.width, limits_x, page.width + 1),
    ]
    body = [w for w in words if w.cy > top]
    bottom = _table_bottom(body, rows, top, page)
    header = [Hit("coverage", "(no header read)", [gl[0][0]])]
    return Table(page, cols, header, top, bottom, [w for w in body if w.cy < bottom])


def _table_bottom(body: Sequence[Word], rows: Sequence[Sequence[Word]], top: float, page: PageText) -> float:
    h = _height(body) if body else 7.0
    last = top
    for r in rows:
        y = min(w.y0 for w in r)
        if y <= top:
            continue
        text = _row_text(r)
        if y - last > 5.5 * h and last > top:
            return last + h
        if re.match(  # after a speck or two at the page's edge read as letters ('OQ REMARKS')
            r"(?i)^(?:\W*\w{0,2}\W+)?(?:remarks|description\s+of\s+op|special\s+provisions|cancell?ation|certificate\s+holder"
            r"|additional\s+remarks|notes?\b|authori[sz]ed|this\s+(?:certificate|memorandum))",
            text,
        ):
            return y - 0.5
        last = max(w.y1 for w in r)
    return page.height


# the words coverage names are made of, to which a word OCR misspelt by a letter or two is mended
_COVERAGE_WORDS = ("commercial", "general", "liability", "umbrella", "excess", "automobile", "workers", "compensation",
                   "employers", "business", "comprehensive", "premises")


def _names_some_liability(text: str) -> bool:
    """'Xxxx Liability' (two or three words, the last one 'liability' however misread): a coverage's name."""
    toks = re.findall(r"[A-Za-z]+", text)
    return (
        2 <= len(toks) <= 3
        and fuzz.ratio(toks[-1].lower(), "liability") >= 70
        and fuzz.ratio(toks[0].lower(), "liability") < 70
    )


def _healed_coverage_name(text: str) -> str:
    def mend(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        if low in _COVERAGE_WORDS or len(low) < 5:
            return word
        best = max(_COVERAGE_WORDS, key=lambda v: fuzz.ratio(low, v))
        return best if fuzz.ratio(low, best) >= 80 else word

    return re.sub(r"[A-Za-z]+", mend, text)


def table_rows(t: Table) -> list[Row]:
    """The table's coverage rows: each starts where its coverage column names a kind of coverage."""
    # a coverage's name may start left of its header ('TYPE OF INSURANCE' centred over names set flush left)
    right = t.column("coverage")[0].right if t.column("coverage") else t.columns[0].right
    cov = [w for w in t.words if w.cx < right]
    starts: list[Row] = []
    for r in _vrows(cov):
        text = _healed_coverage_name(_row_text(r))
        kind = None
        for k, rx in _KIND_RE:
            if rx.search(text):
                kind = k
                break
        if kind is None and _names_some_liability(text):
            if starts and min(w.y0 for w in r) - starts[-1].top < 2.6 * _height(r):
                continue  # the second line of the coverage above ('Workers Compensation &' / 'Employers Liability')
            kind = "other"  # 'Uenbrefia Linbity': some other coverage begins, whatever OCR made of its name
        if kind is None:
            continue
        if starts and starts[-1].kind == kind and min(w.y0 for w in r) - starts[-1].top < 2.6 * _height(r):
            continue  # the second line of the same coverage name ('Commercial General' / 'Liability')
        if starts and kind == "gl" and starts[-1].kind == "gl" and not re.search(r"(?i)commercial|general", text):
            continue
        starts.append(Row(kind, list(r), min(w.y0 for w in r) - 0.6 * _height(r), t.bottom))
    for a, b in itertools.pairwise(starts):
        a.bottom = b.top
    for row in starts:
        row.words = [w for w in t.words if row.top <= w.cy < row.bottom]
    return starts


@dataclass(slots=True)
class Coverage:
    """What one coverage row (or one coverage stated in sentences) says."""

    kind: str
    page: PageText
    how: str
    policy: tuple[str, list[Word]] | None = None
    eff: tuple[date, list[Word]] | None = None
    exp: tuple[date, list[Word]] | None = None
    occ: tuple[int, list[Word], str] | None = None
    agg: tuple[int, list[Word], str] | None = None
    insurer: tuple[str, list[Word]] | None = None
    rating: tuple[str, list[Word]] | None = None
    letter: str | None = None
    trigger: tuple[str, list[Word]] | None = None
    notes: list[str] = field(default_factory=list)


_OCC_LABEL = re.compile(r"(?i)\beach\s+occ|\bper\s+occ|\boccurrence\b|\beach\s+occurrence")


_AGG_LABEL = re.compile(r"(?i)\bgen(?:eral|'?l)?\.?\s+agg|\baggregate\b|\bagg\b")


_NOT_OCC = re.compile(r"(?i)rented|premises|damage|fire|medical|personal|products|completed|accident|employee|disease")


def _limits(words: Sequence[Word]) -> list[tuple[int, str, list[Word]]]:
    """(amount, label words, words) for every limits line: the amount may stand left or right of its label."""
    out = []
    for r in _vrows(words):
        money_words: list[Word] = []
        for w in r:
            t = w.text.strip("|")
            if (
                (re.search(r"\d", t) and re.fullmatch(r"[$S]?[\dOoIl,.]+", t))
                or (money_words and re.fullmatch(r"[\dOoIl,.]+", t) and w.x0 - money_words[-1].x1 < 2 * w.height)
                or (not money_words and t in ("$", "S"))
            ):
                money_words.append(w)
            elif money_words and len(money_words) >= 1 and re.search(r"\d", "".join(x.text for x in money_words)):
                break
            else:
                money_words = []
        v = parse_money(money_words)
        if v is None:
            continue
        label = _row_text([w for w in r if w not in money_words])
        out.append((v, _mended_limit_label(label), list(r)))
    return out


def _mended_limit_label(label: str) -> str:
    """'Each Ocowrence', 'Each Occurence': the word after 'each'/'per' that OCR misspelt is still 'occurrence'."""
    def mend(m: re.Match[str]) -> str:
        ok = fuzz.ratio(m.group(2).lower(), "occurrence") >= 70
        return f"{m.group(1)} occurrence" if ok else m.group(0)

    return re.sub(r"(?i)\b(each|per)\s+([a-z]{6,12})\b", mend, label)


def _period(ds: Sequence[tuple[date, list[Word]]]) -> tuple[tuple[date, list[Word]], tuple[date, list[Word]]] | None:
    """The row's policy period: two dates in reading order, the first before the second, printed on one line
    if any two are (a term reads '10/12/2025  10/12/2026'; the line below may be another policy's)."""
    pairs = [(a, b) for a, b in itertools.pairwise(ds) if a[0] < b[0]]
    same_line = [(a, b) for a, b in pairs if abs(a[1][0].cy - b[1][0].cy) < 0.6 * max(a[1][0].height, 4.0)]
    return (same_line or pairs or [None])[0]


def read_row(t: Table, row: Row, insurers: dict[str, tuple[str, str | None, list[Word], list[Word]]]) -> Coverage:
    page = t.page
    hdr = " | ".join(text_of(h.words) for h in sorted(t.header, key=lambda h: h.x0))
    cov = Coverage(row.kind, page, f"coverage table ({hdr}), row '{_row_text(row.label)}'")
    # limits: the amount on the line of its label, in the limits column
    lim_words = t.cells("limits", row.words) if t.column("limits") else row.words
    for v, label, ws in _limits(lim_words):
        if _OCC_LABEL.search(label) and not _NOT_OCC.search(label) and cov.occ is None:
            cov.occ = (v, ws, label)
        elif _AGG_LABEL.search(label) and not re.search(r"(?i)products|completed|prod", label) and cov.agg is None:
            cov.agg = (v, ws, label)
    # dates: the term column, or separate effective and expiration columns
    date_kinds = [k for k in ("term", "eff", "exp") if t.column(k)]
    if date_kinds:
        dw = [w for w in row.words if any(c.left <= w.cx < c.right for k in date_kinds for c in t.column(k))]
    else:
        dw = [w for w in row.words if not t.cells("limits", [w])]
    ds = dates_of(dw)
    if date_kinds and _period(ds) is None:
        # a date column's header lost to OCR ('POLICY EXP' read as noise): the row's dates outside limits
        wider = dates_of([w for w in row.words if not t.cells("limits", [w]) and not t.cells("coverage", [w])])
        if _period(wider) is not None:
            ds = wider
    if t.column("eff") and t.column("exp"):
        eff_c, exp_c = t.column("eff")[0], t.column("exp")[0]
        e1 = [d for d in ds if eff_c.left <= d[1][0].cx < eff_c.right]
        e2 = [d for d in ds if exp_c.left <= d[1][0].cx < exp_c.right]
        if e1:
            cov.eff = e1[0]
        if e2:
            cov.exp = e2[0]
    if (cov.eff is None or cov.exp is None) and len(ds) >= 2:
        cov.eff, cov.exp = _period(ds) or (ds[0], ds[1])
    elif len(ds) == 1 and cov.eff is None and cov.exp is None:
        cov.notes.append("only one date printed in the row")
    if cov.eff and cov.exp and cov.exp[0] < cov.eff[0]:
        cov.eff, cov.exp = cov.exp, cov.eff
    # policy number: the policy column, else a number that ran over from the carrier column
    pw = t.cells("policy", row.words)
    for r in _vrows(pw):
        r = [w for w in r if not find_dates(w.text)]
        while r and re.fullmatch(r"[YNX]|[YN]/[YN]", r[-1].text.strip("|[]")):
            r = r[:-1]  # the ADDL INSD / SUBR WVD marks next to the number
        # a number centred under its header may start left of the column: its prefix ('GLO', 'CPK') belongs
        while r:
            prev = [
                w
                for w in row.words
                if w.x1 <= r[0].x0 + 0.5
                and abs(w.cy - r[0].cy) < 0.5 * r[0].height
                and r[0].x0 - w.x1 < 1.5 * r[0].height
                and re.fullmatch(r"[A-Z0-9]{2,5}", w.text)
            ]
            if not prev:
                break
            r = [max(prev, key=lambda w: w.x1), *r]
        pn = parse_policy_number(r)
        if pn:
            cov.policy = (pn, [w for w in r if w.text.strip("|[](),;:") in pn.split()])
            break
    if cov.policy is None and not t.column("policy") and cov.eff is not None:
        # no policy column read: the number printed on the line of the policy dates, left of them
        ref = cov.eff[1][0]
        line = sorted(
            (
                w
                for w in row.words
                if abs(w.cy - ref.cy) < 0.6 * ref.height and w.x1 <= ref.x0 + 0.5 and not t.cells("limits", [w])
            ),
            key=lambda w: w.x0,
        )
        cands = [w for w in line if sum(c.isdigit() for c in w.text) >= 4 and not find_dates(w.text)]
        if cands:
            i = line.index(cands[0])
            # a prefix ('GLO 123-45678') is printed before the number; a company suffix ('… CO') is the carrier's
            before = line[i - 1].text if i else ""
            prefix = re.fullmatch(r"[A-Z]{2,4}", before) and not has_legal_suffix(f"X {before}")
            start = i - 1 if prefix else i
            pn = parse_policy_number(line[start : i + 1])
            if pn:
                cov.policy = (pn, line[start : i + 1])
    # carrier: name lines, then a rating line ('A.M. Best: A XII', "Best's A+, FSC XIII") and NAIC
    if t.column("carrier"):
        cw = t.cells("carrier", row.words)
        name_rows: list[list[Word]] = []
        for r in _vrows(cw):
            text = _row_text(r)
            if _BEST_RE.search(text) or re.match(r"(?i)^(?:rating|rated)\b", text):
                rt = _rating_of(text)
                if rt and cov.rating is None:
                    cov.rating = (rt, list(r))
                break
            if _NAIC_RE.search(text):
                break
            toks = [w for w in r]
            # the row's policy number, read already, that ran on into the carrier's cell is not its name
            policy_words = cov.policy[1] if cov.policy is not None else []
            while len(toks) > 1 and any(toks[-1] is w for w in policy_words) and re.search(r"\d", toks[-1].text):
                toks.pop()
            if (
                cov.policy is None
                and toks
                and _POLICY_TOKEN.match(toks[-1].text)
                and sum(c.isdigit() for c in toks[-1].text) >= 4
            ):
                # the policy number ran on from the carrier's name into this cell
                tail = [toks.pop()]
                while (
                    toks
                    and len(tail) < 3
                    and tail[0].x0 - toks[-1].x1 < 6
                    and (_POLICY_TOKEN.match(toks[-1].text) or re.fullmatch(r"[A-Z]{2,4}", toks[-1].text))
                ):
                    tail.insert(0, toks.pop())
                pn = parse_policy_number(tail)
                if pn:
                    cov.policy = (pn, tail)
            if toks:
                name_rows.append(toks)
            if len(name_rows) >= 3:
                break
        if name_rows:
            nw = [w for r in name_rows for w in r]
            cov.insurer = (_clean_name(_row_text(nw)), nw)
    else:
        letter = _row_letter(t, row)
        if letter and letter in insurers:
            name, rating, nw, rw = insurers[letter]
            cov.letter = letter
            cov.insurer = (name, nw)
            if rating:
                cov.rating = (rating, rw)
        elif len(insurers) == 1:
            # one insurer listed and the row's letter unread: it is that insurer, for a person to confirm
            cov.letter, (name, rating, nw, rw) = next(iter(insurers.items()))
            cov.insurer = (name, nw)
            cov.notes.append("insurer letter unread; the only insurer listed")
            if rating:
                cov.rating = (rating, rw)
    # trigger: words on the row ('Occurrence form', 'COVERAGE TRIGGER: OCCURRENCE', 'Claims-made basis')
    covw = t.cells("coverage", row.words) if t.column("coverage") else row.words
    for r in _vrows(covw):
        trig = _trigger_of(_row_text(r))
        if trig:
            cov.trigger = (trig, list(r))
            break
    if cov.trigger is None:
        marked = _marked_trigger(covw)
        if marked:
            cov.trigger = marked
    return cov


_MARK = re.compile(r"^(?:[\[\(]?\s*[xX✓✔☒■☑]\s*[\]\)]?|\[x\]|\(x\))$")


def _marked_trigger(words: Sequence[Word]) -> tuple[str, list[Word]] | None:
    """A mark typed before OCCUR or CLAIMS-MADE ('X OCCUR', '☒ Claims-made', '[X] Occurrence')."""
    got = []
    for r in _vrows(words):
        for i, w in enumerate(r):
            t = norm_token(w.text)
            kind = "occurrence" if t in ("occur", "occurrence") else "claims_made" if t.startswith("claims") else None
            if kind is None:
                continue
            if i and _MARK.match(r[i - 1].text.strip()) and w.x0 - r[i - 1].x1 < 3 * w.height:
                got.append((kind, [r[i - 1], w]))
            elif re.match(r"^[☒■☑✔✓]", w.text):
                got.append((kind, [w]))
    kinds = {k for k, _ in got}
    return got[0] if len(kinds) == 1 else None


def _row_letter(t: Table, row: Row) -> str | None:
    """The insurer letter ('A') printed at the row's left edge (the INSR LTR column), left of the row's
    coverage name."""
    named = [w for w in row.label if len(w.text.strip(" .:|[]")) > 1]
    x_hi = min((w.x0 for w in named), default=row.label[0].x1) - 1
    cands = [w for w in row.words if w.x1 <= x_hi and re.fullmatch(r"[A-F]", w.text.strip(" .:|[]"))]
    if not cands:
        return None
    return min(cands, key=lambda w: w.y0).text.strip(" .:|[]")


def _clean_name(text: str) -> str:
    text = re.sub(r"\s*\bNAIC\b.*$", "", text)
    text = re.sub(r"\s*\b\d{5}\b\s*$", "", text)
    return clean_spaces(text).strip(" ,;:-|([")


def insurer_list(page: PageText, words: Sequence[Word]) -> dict[str, tuple[str, str | None, list[Word], list[Word]]]:
    """INSURER A ... F with the name and any rating printed on its line, wherever the list stands
    (one column on the right, two columns, or down the left edge)."""
    out: dict[str, tuple[str, str | None, list[Word], list[Word]]] = {}
    naic_x = [w.x0 for w in words if norm_token(w.text).startswith("naic")]
    ws = sorted(words, key=lambda w: (w.cy, w.x0))
    for w in ws:
        t = norm_token(w.text)
        letter = None
        if t == "insurer":
            nxt = [x for x in ws if 0 <= x.x0 - w.x1 < 2.5 * w.height and abs(x.cy - w.cy) < 0.6 * w.height]
            if nxt and re.fullmatch(r"[A-F][:;.]?", min(nxt, key=lambda x: x.x0).text.strip()):
                letter_word = min(nxt, key=lambda x: x.x0)
                letter, start = letter_word.text.strip()[0], letter_word.x1
        elif (
            7 <= len(t) <= 10
            and t[-1] in "abcdef"
            and not t.startswith(("insured", "insurers"))
            and ("insurer" in t[:-1] or fuzz.ratio(t[:-1][-7:], "insurer") >= 76)
        ):  # 'INSURERA', 'Tinsurera', 'wsureRa': OCR glued the letter on and garbled the word
            letter, start = t[-1].upper(), w.x1
        if letter is None or letter in out:
            continue
        line = sorted(
            (x for x in ws if x.x0 >= start - 0.5 and abs(x.cy - w.cy) < 0.6 * max(w.height, x.height) and x is not w),
            key=lambda x: x.x0,
        )
        rest: list[Word] = []
        for x in line:
            if norm_token(x.text).startswith("insurer") or (rest and x.x0 - rest[-1].x1 > 4 * x.height):
                break
            if re.fullmatch(r"[:;]", x.text.strip()) and not rest:
                continue
            if any(nx > w.x1 and -6 < x.x0 - nx < 40 for nx in naic_x) or re.fullmatch(r"\d{5}", x.text):
                break
            rest.append(x)
        text = _row_text(rest)
        m = _BEST_RE.search(text)
        name_text = text[: m.start()] if m else text
        rating = _rating_of(text[m.start() :]) if m else None
        name = _clean_name(name_text)
        if len(re.sub(r"[^A-Za-z]", "", name)) < 4:
            continue
        nw = [x for x in rest if x.text in name_text.split()] or rest
        rw = [x for x in rest if x not in nw]
        out[letter] = (name, rating, nw, rw)
    return out


def _block_below(
    rows: Sequence[Sequence[Word]], hit: Hit, page: PageText, x_hi: float, max_lines: int = 6, chain: bool = True
) -> list[list[Word]]:
    """Lines under a label, inside its column, up to a blank line or the next block's label."""
    pitch = _pitch(rows)
    out: list[list[Word]] = []
    last_y = hit.y1
    x_lo = hit.x0 - 12
    scrap = _lost_first_word(hit, _row_of(rows, hit.words[0])) if chain else None
    for r in rows:
        seg = [w for w in r if x_lo <= w.x0 and w.x1 <= x_hi + 4 and w not in hit.words]
        if chain and seg:
            # a block's line is one run of words: a wide gap starts the next column's block
            kept = [seg[0]]
            for w in seg[1:]:
                if w.x0 - kept[-1].x1 > 5 * max(hit.h, w.height):
                    break
                kept.append(w)
            seg = _run_from_its_start(r, kept, hit, scrap) if scrap is not None else kept
        y = _top(seg or r)
        if y < hit.y1 - 0.3 * hit.h:
            continue
        if not seg:
            if out and y - last_y > 1.8 * pitch:
                break
            continue
        if (out and y - last_y > 1.6 * pitch) or (not out and y - hit.y1 > 2.6 * pitch):
            break
        if _BLOCK_END.match(_row_text(seg)):
            break
        out.append(seg)
        last_y = _top(seg)
        if len(out) >= max_lines:
            break
    return out


def _run_from_its_start(row: Sequence[Word], run: list[Word], hit: Hit, scrap: Word) -> list[Word]:
    """The run with the words just left of it on its line: a label whose first word OCR lost ('NAMED' of
    'NAMED INSURED', `scrap` what is left of it) sits indented from its block, and the block's lines begin
    about where the lost word began. Only words at word spacing, and none left of that, belong to the run."""
    out = list(run)
    floor = scrap.x0 - 2 * hit.h
    for w in sorted((w for w in row if w.x1 <= out[0].x0 + 0.5 and w not in hit.words), key=lambda w: -w.x1):
        if w.x0 < floor or out[0].x0 - w.x1 > 1.5 * max(hit.h, w.height):
            break
        out.insert(0, w)
    return out


def _column_end(rows: Sequence[Sequence[Word]], hit: Hit, others: Sequence[Hit], page: PageText) -> float:
    """Where the label's column ends: the next label on its row, else the page edge."""
    right = [h.x0 for h in others if h is not hit and h.x0 > hit.x1 + 10 and abs(h.cy - hit.cy) < 1.2 * hit.h]
    return min(right) - 4 if right else page.width


def _label_value_right(row: Sequence[Word], hit: Hit) -> list[Word]:
    after = [w for w in row if w.x0 >= hit.x1 - 0.5 and w not in hit.words]
    if not after or after[0].x0 - hit.x1 > max(6 * hit.h, 160):
        return []
    out = [after[0]]
    for w in after[1:]:
        if w.x0 - out[-1].x1 > 3 * hit.h:
            break
        out.append(w)
    return [w for w in out if w.text.strip(":") != ""]


_COVERED = re.compile(
    r"(?i)(?:confirms?|certif(?:y|ies)|verif(?:y|ies)|advises?|evidences?|states?)\s+that\s+(?P<who>.+?)\s*,?\s+"
    r"(?:is|are|has\s+been|have\s+been)\s+(?:covered|insured|provided|named)"
)


# a scan that lost the comma between name and address ('ACME LEAGUE INC 123 Main St NE, Albuquerque, NM 87100'):
# the address starts at the house number of a tail that ends in a state and ZIP code
_UNPUNCTUATED_ADDRESS = re.compile(r"\s+(?=\d{2,6}\s+[A-Za-z][^,\d]*,(?:[^,]*,)?\s*[A-Z]{2}\s*\d{5}(?:-\d{4})?\W*$)")


_ISSUED_TO = re.compile(r"(?i)\bissued\s+to\s+(?P<who>[A-Z][^,;]{3,80}?)(?:,|\s+by\b|\s+and\b|\.\s)")


_INSURER_SENT = re.compile(
    r"(?i)\b(?:issued|underwritten|written|provided|placed)\s+(?:by|with|through)\s+(?P<ins>[A-Z][\w.&',\- ]{3,90}?)"
    r"(?=,\s*(?:rated|an?\b|which|NAIC)|\s+\(|\s+rated\b|\s+for\s+the\b|\s+from\b|\s+effective\b|\.\s|\.$|;)"
)


_POLICY_SENT = re.compile(
    r"(?i)\bpolicy\s+(?:number\s+|no\.?\s*|#\s*)?(?P<pn>(?=[A-Z0-9\- ]*\d)[A-Z0-9][A-Z0-9\-/]*(?:\s[0-9][0-9\-]+){0,2})"
)


_SPAN_JOIN = re.compile(r"^\s*(?:to|through|thru|until|till|and\s+ending|ending|-|–|—|expiring)\s*(?:on\s+)?$", re.I)


def prose_lines(page: PageText, rows: Sequence[Sequence[Word]]) -> list[list[Word]]:
    """Lines that are running text (many words across most of the line), in reading order."""
    return [list(r) for r in rows]


def _clauses_by_kind(text: str) -> dict[str, str]:
    """The sentences of a letter grouped by the coverage they speak of; a sentence that names no coverage
    belongs with the one before it ('... policy GL-1 ... The policy provides limits of ...')."""
    out: dict[str, list[str]] = {}
    current = None
    for s in _sentences(text):
        kind = None
        positions = []
        for k, rx in _KIND_RE:
            if k == "other":
                continue
            m = rx.search(s)
            if m:
                positions.append((m.start(), k))
        if positions:
            kind = min(positions)[1]
        if kind is None and re.search(r"(?i)\b(?:policy|limits?|insured|covered)\b", s) and current is None:
            kind = "gl" if re.search(r"(?i)\bliability\b", s) else None
        if kind is not None:
            current = kind
        if current is not None:
            out.setdefault(current, []).append(s)
    return {k: " ".join(v) for k, v in out.items()}


# 'each occurrence' as written and as OCR misreads it ('cach occurrence', 'each occurence')
_OCC_AFTER = re.compile(r"\s*(?:[a-z]ach|per|any\s+one)\s+occur+e?n?ce")


_OCC_BEFORE = re.compile(r"(?:[a-z]ach|per)\s+occur+e?n?ce\s+(?:limit\s+)?(?:of\s+)?$")


_AGG_AFTER = re.compile(r"\s*(?:g[a-z]n[a-z]ral\s+)?ag+r[a-z]gate")


_AGG_BEFORE = re.compile(r"g[a-z]n[a-z]ral\s+ag+r[a-z]gate\s+(?:limit\s+)?(?:of\s+)?$")


def read_sentences(page: PageText, text: str, words: Sequence[Word]) -> dict[str, Coverage]:
    """Coverages stated in a letter's sentences, keyed by kind."""
    out: dict[str, Coverage] = {}
    for kind, s in _clauses_by_kind(text).items():
        s = re.sub(r"(?<=\b\d)(\d?)\s*\.\s+((?:19|20)\d\d)\b", r"\1, \2", s)  # 'November 30. 2026': OCR read the comma
        # a stray word OCR set inside a date ('November 9, by 2027', the 'by' of the line above)
        s = re.sub(r"(?i)(\b[a-z]{3,9}\.?\s+\d{1,2},)\s+[a-z]{1,3}\s+((?:19|20)\d\d)\b", r"\1 \2", s)
        cov = Coverage(kind, page, "sentence")
        m = _POLICY_SENT.search(s)
        if m:
            pn = clean_spaces(m.group("pn")).strip(" -")
            if sum(c.isdigit() for c in pn) >= 2 and len(re.sub(r"\W", "", pn)) >= 4:
                cov.policy = (pn, _words_for(words, pn))
        m = _INSURER_SENT.search(s)
        if m:
            name = clean_spaces(m.group("ins")).strip(" ,")
            cov.insurer = (name, _words_for(words, name))
        m = _BEST_RE.search(s)
        if m:
            # 'rated A (XI) by A.M. Best' or 'A.M. Best rating of A+ XV'
            before = s[max(0, m.start() - 40) : m.start()]
            rb = re.search(r"(?i)rated\s+(.{1,24}?)\s*(?:\bby\s*)?$", before)  # 'by' may be lost to OCR
            r = _rating_of(rb.group(1)) if rb else _rating_of(s[m.start() : m.end() + 30])
            if r is None and rb and re.fullmatch(r"[ABC](?:\+\+|\+|-)?", rb.group(1).strip()):
                r = rb.group(1).strip()  # 'rated A by A.M. Best': the grade alone is the rating stated
            if r:
                cov.rating = (r, _words_for(words, r))
        ds = find_dates(s)
        for (d1, _s1, e1), (d2, s2, _e2) in itertools.pairwise(ds):
            if _SPAN_JOIN.match(s[e1:s2]) and d1 < d2:
                cov.eff = (d1, _words_for(words, s[_s1:e1]))
                cov.exp = (d2, _words_for(words, s[s2:_e2]))
                break
        for v, a, b in money_spans(s):
            after = s[b : b + 40].lower()
            before = s[max(0, a - 40) : a].lower()
            if _OCC_AFTER.match(after) or _OCC_BEFORE.search(before):
                cov.occ = cov.occ or (v, _words_for(words, s[a:b]), "each occurrence")
            elif _AGG_AFTER.match(after) or _AGG_BEFORE.search(before):
                cov.agg = cov.agg or (v, _words_for(words, s[a:b]), "general aggregate")
        trig = _trigger_of(s)
        if trig:
            cov.trigger = (trig, _words_for(words, "occurrence" if trig == "occurrence" else "claims"))
        out[kind] = cov
    return out


def _words_for(words: Sequence[Word], fragment: str) -> list[Word]:
    toks = [t for t in re.findall(r"[\w$,./\-+()]+", fragment)]
    if not toks:
        return []
    norm = [norm_token(t) for t in toks]
    ws = list(words)
    wn = [norm_token(w.text) for w in ws]
    for i in range(len(ws)):
        if wn[i] and norm[0] and (wn[i] == norm[0] or wn[i].startswith(norm[0]) or norm[0].startswith(wn[i])):
            got = ws[i : i + len(toks)]
            if len(got) == len(toks) or len(toks) == 1:
                return got
    return [w for w in ws if norm_token(w.text) in set(norm)][: len(toks)]


@dataclass(slots=True)
class Reading:
    fields: dict[str, FieldValue]
    layout: str  # 'table', 'insurer list + table', 'letter', 'labels'


# a second reading of a doubtful line from the page image (the caller's; this module reads words only)
ReadAgain = Callable[[list[Word]], list[Word]]


def read_page(page: PageText, aps_names: Sequence[str], read_again: ReadAgain | None = None) -> Reading:
    """Every certificate field this page states, by labels, its coverage table or its sentences. With
    `read_again`, a doubtful holder line is read once more: under a holder label where it does not name APS
    as first read (the second reading is kept where it names APS), and where no label was read, the name
    line of an address block that looks like APS's (see _address_block_naming)."""
    words = _clean_words(page)
    rows = _vrows(words)
    f: dict[str, FieldValue] = {}
    insurers = insurer_list(page, words)
    table = find_table(page, words, rows)
    layout = "labels"
    covs: dict[str, Coverage] = {}
    if table is not None:
        layout = "table"
        for row in table_rows(table):
            if row.kind not in covs:
                covs[row.kind] = read_row(table, row, insurers)
    block_hits = find_labels(
        rows,
        {
            "insured": INSURED_LABELS,
            "holder": HOLDER_LABELS,
            "issue": ISSUE_DATE_LABELS,
            "desc": DESCRIPTION_LABELS,
            "producer": ("PRODUCER", "AGENT", "AGENCY", "BROKER", "INSURANCE AGENCY"),
        },
    )
    block_hits = [h for h in block_hits if _starts_segment(h, _row_of(rows, h.words[0])) and _label_like(h, rows)]
    if table is not None:
        block_hits = [h for h in block_hits if not (table.top - 12 <= h.cy <= table.bottom)]
    # prose: the body of a letter (lines of running text)
    body_rows = [r for r in rows if len(r) >= 6]
    letter = (
        table is None
        and len(body_rows) >= 2
        and bool(
            re.search(
                r"(?i)\b(?:this\s+letter|dear\b|sincerely|to\s+whom\s+it|we\s+(?:confirm|certify)|"
                r"confirms?\s+that|certif(?:y|ies)\s+that)",
                page.text,
            )
        )
    )
    if letter:
        layout = "letter"
        covs = read_sentences(page, _letter_body(rows), words)

    # --- insured
    ins_hits = [h for h in block_hits if h.kind == "insured"]
    for h in ins_hits:
        row = _row_of(rows, h.words[0])
        right = _label_value_right(row, h)
        x_hi = _column_end(rows, h, block_hits, page)
        if right and re.search(r"[:;]$", h.words[-1].text):
            below = _block_below(rows, Hit(h.kind, h.phrase, right), page, x_hi)
            blk = [right] + [r for r in below if r is not right and min(w.y0 for w in r) > right[0].y0 + 1]
        else:
            blk = _block_below(rows, h, page, x_hi)
        blk = [r for r in blk if re.search(r"[A-Za-z]{2}", _row_text(r))]
        if not blk:
            continue
        name_words, addr_rows = _split_insured([list(r) for r in blk])
        if name_words:
            how = f"label '{text_of(h.words)}' -> block {'right' if right else 'below'}"
            f["insured_name"] = _found(clean_spaces(text_of(name_words)).strip(" ,"), page, name_words, how, REL_LABEL)
            if addr_rows:
                addr = ", ".join(_row_text(r).strip(" ,") for r in addr_rows)
                f["insured_address"] = _found(
                    re.sub(r",\s*,", ",", addr), page, [w for r in addr_rows for w in r], how, REL_LABEL
                )
            break
    if "insured_name" not in f and letter:
        text = " ".join(_row_text(r) for r in rows)
        m = _COVERED.search(text)
        if m:
            who = m.group("who")
            # 'X, 123 Main St, City, ST 87105, is covered': the address follows the first comma before a number
            am = re.search(r"[,.]+\s*(?=\d{2,}\s)", who) or _UNPUNCTUATED_ADDRESS.search(who)
            name, addr = (who[: am.start()], who[am.end() :]) if am else (who, "")
            name = re.sub(r"(?<=\.)[.,]+$", "", name.strip(" ,"))
            f["insured_name"] = _found(
                name, page, _words_for(words, name), "sentence '... confirms that X is covered'", REL_SENTENCE
            )
            if addr:
                f["insured_address"] = _found(
                    addr.strip(" ,"),
                    page,
                    _words_for(words, addr),
                    "sentence '... confirms that X, address, is covered'",
                    REL_SENTENCE,
                )

    # --- holder
    for h in [h for h in block_hits if h.kind == "holder"]:
        row = _row_of(rows, h.words[0])
        right = _label_value_right(row, h)
        if right and re.search(r"[:;]$", h.words[-1].text):
            first = right
        else:
            blk = _block_below(rows, h, page, _column_end(rows, h, block_hits, page), 2)
            first = blk[0] if blk else []
        first = [w for w in first if re.search(r"[A-Za-z0-9]", w.text)]
        how = f"label '{text_of(h.words)}' -> first line"
        if first and read_again is not None and _doubtful(first) and not _names_aps(_row_text(first), aps_names):
            again = read_again(first)  # kept only where it names APS: the first reading stands otherwise
            if again != first and _names_aps(_row_text(again), aps_names):
                first, how = again, how + ", read again"
        if first and re.search(r"[A-Za-z]{3}", _row_text(first)):
            f["certificate_holder"] = _found(_row_text(first).strip(" ,;:-"), page, first, how, REL_LABEL)
            break
    if "certificate_holder" not in f and letter:
        addressee = _addressee(rows, page)
        if addressee:
            f["certificate_holder"] = _found(
                _row_text(addressee).strip(" ,"),
                page,
                addressee,
                "letter's addressee (first line of the address block)",
                REL_SENTENCE,
            )

    if "certificate_holder" not in f:
        block = _address_block_naming(rows, page, aps_names, read_again)
        named, was_read_again = block if block else (None, False)
        insured = f.get("insured_name")
        if named and insured is not None and insured.value and fuzz.ratio(
            norm_token(str(insured.value)), norm_token(_row_text(named))
        ) >= 85:
            named = None  # the insured's own block
        if named:
            how = "address block naming APS (the box's label unread" + (
                "; its name line read again)" if was_read_again else ")"
            )
            f["certificate_holder"] = _found(
                _row_text(named).strip(" ,;:-"), page, named, how, REL_UNLABELLED_BLOCK
            )

    # --- issue date
    for h in [h for h in block_hits if h.kind == "issue"]:
        if h.y0 > page.height * 0.35:
            continue
        row = _row_of(rows, h.words[0])
        cand = _label_value_right(row, h)
        ds = dates_of(cand)
        if not ds:
            blk = _block_below(rows, h, page, h.x1 + 80, 2)
            ds = dates_of(blk[0]) if blk else []
        if ds:
            f["issue_date"] = _found(ds[0][0], page, ds[0][1], f"label '{text_of(h.words)}' -> date", REL_LABEL)
            break
    if "issue_date" not in f and letter:
        for r in _letter_head(rows, page):
            d = _date_line(r)
            if d:
                f["issue_date"] = _found(d[0], page, d[1], "the letter's date line", REL_LABEL)
                break

    # --- description
    for h in [h for h in block_hits if h.kind == "desc"]:
        row = _row_of(rows, h.words[0])
        right = [w for w in row if w.x0 > h.x1 and w not in h.words]
        right = [w for w in right if not re.match(r"^[-(]", right[0].text)] if right else []
        blk = _block_below(rows, h, page, page.width, 12, chain=False)
        lines = ([right] if right and re.search(r"[:;]$", h.words[-1].text) else []) + [
            r
            for r in blk
            if not re.match(r"(?i)^\(?\s*(?:attach|acord\s*101)|remarks\s+schedule|^-\s*a\s+remarks", _row_text(r))
        ]
        text = clean_spaces(" ".join(_row_text(r) for r in lines))
        f["description"] = _found(
            text, page, [w for r in lines for w in r], f"label '{text_of(h.words)}' -> block below", REL_LABEL
        )
        break

    # --- coverages: general liability and umbrella
    if "gl" not in covs:
        labelled = read_labelled_coverage(page, rows)
        if labelled is not None:
            covs["gl"] = labelled
            layout = "labels"
    gl = covs.get("gl")
    src = "coverage table" if table is not None else "letter's sentences" if letter else None
    src = src or ("labelled values" if gl is not None else None)
    if gl is not None:
        _put_coverage(f, gl, "gl", page)
        if gl.rating is None and not table:
            pass
    um = covs.get("umbrella")
    if um is not None and (um.occ or um.exp):
        if um.occ:
            f["umbrella_each_occurrence"] = _found(um.occ[0], page, um.occ[1], um.how + " (umbrella)", REL_TABLE)
        if um.eff and um.exp and um.occ:
            f["umbrella_effective"] = _found(um.eff[0], page, um.eff[1], um.how + " (umbrella)", REL_TABLE)
            f["umbrella_expiration"] = _found(um.exp[0], page, um.exp[1], um.how + " (umbrella)", REL_TABLE)
    if gl is None and src:
        f.setdefault(
            "gl_each_occurrence",
            _unread(page, f"GL each-occurrence limit not found: the {src} names no general liability coverage"),
        )

    # --- additional insured: remarks first, then the letter's own sentences
    holder = f.get("certificate_holder")
    holder_is_aps = bool(holder and holder.value and _names_aps(str(holder.value), aps_names))
    texts = []
    if "description" in f and f["description"].value:
        texts.append((str(f["description"].value), "remarks name APS as additional insured"))
    if letter:
        body = " ".join(_row_text(r) for r in rows)
        texts.append((body, "letter names APS as additional insured"))
    for t, how in texts:
        ok, s = _ai_statement(t, aps_names, holder_is_aps)
        if ok and not re.search(r"(?i)^\s*(?:if|important|a\s+certificate\s+holder\s+who)\b", s):
            f["additional_insured_aps"] = _found(True, page, _words_for(words, s[:60]), how, REL_SENTENCE)
            break
    return Reading(f, layout)


def read_labelled_coverage(page: PageText, rows: Sequence[Sequence[Word]]) -> Coverage | None:
    """The general liability policy stated as 'Label: value' lines (a carrier's own certificate).

    Where the page has sections per coverage, the values under the general liability heading are taken,
    never those of the automobile or umbrella section."""
    hits = [h for h in find_labels(rows, VALUE_LABELS) if _starts_segment(h, _row_of(rows, h.words[0]))]
    hits = [h for h in hits if re.search(r"[:;]$", h.words[-1].text) or _label_like(h, rows)]
    if not hits:
        return None
    # the coverage sections: headings that name a kind of coverage and stand on a line of their own
    sections: list[tuple[float, str]] = []
    for r in rows:
        text = _row_text(r)
        if len(text) > 60 or re.search(r":\s*\S", text):
            continue
        for k, rx in _KIND_RE:
            if rx.search(text):
                sections.append((_top(r), k))
                break

    def kind_at(y: float) -> str | None:
        above = [k for top, k in sections if top <= y + 1]
        return above[-1] if above else None

    has_gl = any(k == "gl" for _t, k in sections)
    cov = Coverage("gl", page, "labelled values")
    for h in hits:
        k = kind_at(h.y0)
        if (has_gl and k != "gl") or (not has_gl and k not in (None, "gl")):
            continue
        row = _row_of(rows, h.words[0])
        val = _label_value_right(row, h)
        if not val:
            blk = _block_below(rows, h, page, _column_end(rows, [h][0], hits, page), 1)
            val = blk[0] if blk else []
        if not val:
            continue
        how = f"label '{text_of(h.words)}'"
        text = _row_text(val)
        if h.kind == "insurer" and cov.insurer is None and re.search(r"[A-Za-z]{3}", text):
            m = _BEST_RE.search(text)
            name = _clean_name(text[: m.start()] if m else text)
            if name:
                cov.insurer = (name, val)
                if m and cov.rating is None:
                    r = _rating_of(text[m.start() :])
                    if r:
                        cov.rating = (r, val)
        elif h.kind == "policy" and cov.policy is None:
            pn = parse_policy_number(val)
            if pn:
                cov.policy = (pn, val)
        elif h.kind == "period" and cov.eff is None:
            ds = dates_of(val)
            if len(ds) >= 2 and ds[0][0] < ds[1][0]:
                cov.eff, cov.exp = ds[0], ds[1]
        elif h.kind == "eff" and cov.eff is None:
            ds = dates_of(val)
            if ds:
                cov.eff = ds[0]
        elif h.kind == "exp" and cov.exp is None:
            ds = dates_of(val)
            if ds:
                cov.exp = ds[0]
        elif h.kind == "occ" and cov.occ is None:
            v = parse_money(val)
            if v:
                cov.occ = (v, val, text_of(h.words))
        elif h.kind == "agg" and cov.agg is None and not re.search(r"(?i)products", text_of(h.words)):
            v = parse_money(val)
            if v:
                cov.agg = (v, val, text_of(h.words))
        elif h.kind == "trigger" and cov.trigger is None:
            t = (
                _trigger_of(text + " basis")
                if re.fullmatch(r"(?i)\W*(?:occurr?ence|occur|claims?[\s-]*made)\W*", text)
                else _trigger_of(text)
            )
            if t:
                cov.trigger = (t, val)
        elif h.kind == "rating" and cov.rating is None:
            r = _rating_of(text)
            if r:
                cov.rating = (r, val)
        cov.how = "labelled values" if cov.how == "labelled values" else cov.how
        _ = how
    found = [cov.insurer, cov.policy, cov.eff, cov.exp, cov.occ, cov.agg]
    return cov if sum(x is not None for x in found) >= 2 else None


def _put_coverage(f: dict[str, FieldValue], c: Coverage, kind: str, page: PageText) -> None:
    rel = REL_TABLE if c.how != "sentence" else REL_SENTENCE
    how = c.how if c.how != "sentence" else "letter's sentences on general liability"
    if c.how == "labelled values":
        rel, how = REL_LABEL, "labelled values of the general liability policy"
    if c.occ:
        f["gl_each_occurrence"] = _found(c.occ[0], page, c.occ[1], f"{how}: limit '{c.occ[2]}'", rel)
    else:
        f["gl_each_occurrence"] = _unread(
            page,
            f"GL each-occurrence limit not found: no 'each occurrence' amount in "
            f"the {'coverage table row' if rel == REL_TABLE else 'sentences'}",
        )
    if c.agg:
        f["gl_aggregate"] = _found(c.agg[0], page, c.agg[1], f"{how}: limit '{c.agg[2]}'", rel)
    if c.eff and c.exp:
        f["gl_effective"] = _found(c.eff[0], page, c.eff[1], f"{how}: policy period", rel)
        f["gl_expiration"] = _found(c.exp[0], page, c.exp[1], f"{how}: policy period", rel)
    else:
        why = "; ".join(c.notes) or "no policy period printed"
        f["gl_effective"] = _unread(page, f"GL policy dates not read: {why}")
        f["gl_expiration"] = _unread(page, f"GL policy dates not read: {why}")
    if c.policy:
        f["gl_policy_number"] = _found(c.policy[0], page, c.policy[1], f"{how}: policy number", rel)
    guessed = any("letter unread" in n for n in c.notes)
    ins_rel = 0.5 if guessed else rel  # low enough that a person confirms it
    note = " (the row's insurer letter unread; the only insurer listed)" if guessed else ""
    if c.insurer:
        f["insurer_name"] = _found(
            c.insurer[0],
            page,
            c.insurer[1],
            f"{how}: insurer" + (f" (INSURER {c.letter})" if c.letter else "") + note,
            ins_rel,
        )
    if c.rating:
        f["am_best_rating"] = _found(c.rating[0], page, c.rating[1], f"{how}: A.M. Best rating" + note, ins_rel)
    if c.trigger:
        f["coverage_trigger"] = _found(c.trigger[0], page, c.trigger[1], f"{how}: coverage trigger", rel)


_LETTER_BODY = re.compile(
    r"(?i)^(?:re\b|subject\b|dear\b|to\s+whom\b|this\s+(?:letter|is\s+to)\b|we\s+(?:confirm|certify)|ladies\b|gentlemen\b)"
)


def _letter_body(rows: Sequence[Sequence[Word]]) -> str:
    """The letter's statements of coverage: its text up to the description of operations (whose dates are the
    activity's, not the policy's)."""
    out = []
    for r in rows:
        text = _row_text(r)
        if re.match(r"(?i)^(?:description\s+of\s+operations|operations\s*:|re\s*:\s*\S.*\bat\b)", text) and out:
            break
        out.append(text)
    return " ".join(out)


def _letter_head(rows: Sequence[Sequence[Word]], page: PageText) -> list[Sequence[Word]]:
    """The lines of a letter above its subject line or salutation (letterhead, date, inside address)."""
    out = []
    for r in rows:
        if _top(r) > page.height * 0.45 or _LETTER_BODY.match(_row_text(r)):
            break
        if re.search(r"\$\s*\d", _row_text(r)):
            break  # an amount: the limits of a coverage table, never a letterhead, date or address
        out.append(r)
    return out


def _date_line(row: Sequence[Word]) -> tuple[date, list[Word]] | None:
    """A date standing alone at the start of its stretch of the line (a letter's date; a reference number
    printed far to the right on the same line does not count against it). The row is the whole visual line."""
    ds = dates_of(row)
    if not ds or len({d for d, _w in ds}) > 1:
        return None  # a line of two dates is a period (a coverage's term), never a letter's date
    d, dw = ds[0]
    h = _height(dw)
    seg = [w for w in row if w.x1 <= dw[0].x0 + 0.5 and dw[0].x0 - w.x1 < 3 * h and w not in dw]
    after = sorted((w for w in row if w.x0 >= dw[-1].x1 - 0.5 and w not in dw), key=lambda w: w.x0)
    chained = []
    for w in after:
        if w.x0 - (chained[-1].x1 if chained else dw[-1].x1) > 3 * h:
            break
        chained.append(w)
    if any(re.search(r"[A-Za-z0-9]", w.text) for w in seg + chained if w.conf >= 40):
        return None
    return d, list(dw)


REL_UNLABELLED_BLOCK = 0.7


def _segments(row: Sequence[Word]) -> list[list[Word]]:
    """A visual row cut where a wide gap separates two boxes printed side by side."""
    out: list[list[Word]] = []
    for w in sorted(row, key=lambda w: w.x0):
        if out and w.x0 - out[-1][-1].x1 <= 5 * max(_height(out[-1]), 4.0):
            out[-1].append(w)
        else:
            out.append([w])
    return out


def _address_block_naming(
    rows: Sequence[Sequence[Word]], page: PageText, names: Sequence[str], read_again: ReadAgain | None = None
) -> tuple[list[Word], bool] | None:
    """The first line of an address block in the upper half of the page that names APS, where the box's own
    label ('ISSUED TO', 'CERTIFICATE HOLDER') did not survive the scan: a name line, then within six line
    heights below it, in the same column, a 'City, ST 87110' line. The insured's block is the insured's, not this.
    A fax that garbled the label often garbled the name too ('Boad of Education of the Alhuqucrque Public
    Schools'): with `read_again`, a doubtful name line of such a block is read once more and judged on that.
    The second part of the answer says whether it was."""
    top_rows = [r for r in rows if _top(r) < page.height * 0.5]
    segs = [(i, seg) for i, r in enumerate(top_rows) for seg in _segments(r)]
    long_names = [n for n in names if len(n.split()) >= 2]

    def heads_address_block(i: int, seg: Sequence[Word]) -> bool:
        x0, y0, h = min(w.x0 for w in seg), _top(seg), _height(seg)
        below = [s2 for j, s2 in segs if j > i and 0 < _top(s2) - y0 <= 6 * h and abs(min(w.x0 for w in s2) - x0) < 20]
        return any(_CITY_ZIP.search(_row_text(s2)) for s2 in below)

    def begins_a_name(seg: Sequence[Word]) -> bool:  # 'Board of Education of the …', as a fax printed it too
        return any(fuzz.ratio(_norm(_row_text(seg[: len(n.split())])), _norm(n)) >= 80 for n in long_names)

    def trimmed(seg: list[Word]) -> list[Word]:
        # two boxes side by side read as one run: the block begins where the name of APS begins
        while len(seg) > 1 and not begins_a_name(seg) and _names_aps(_row_text(seg[1:]), names):
            seg = seg[1:]
        return seg

    for i, row_seg in segs:
        seg = list(row_seg)
        text = _row_text(seg)
        if re.search(r"(?i)\binsured\b|\bproducer\b|\bagency\b|\bbroker\b", text):
            continue
        named = _names_aps(text, names)
        # a doubtful line is read again only where it looks like APS's name: each reading is an OCR call
        doubtful = read_again is not None and _doubtful(seg) and _names_aps(text, names, 70)
        if not named and not doubtful:
            continue
        if named:
            seg = trimmed(seg)
        if not heads_address_block(i, seg):
            continue
        if doubtful and read_again is not None:
            again = read_again(seg)
            if again != seg:  # a surer second reading settles whom the block names
                if not _names_aps(_row_text(again), names):
                    continue
                return [w for w in trimmed(again) if re.search(r"[A-Za-z0-9]", w.text)], True
        if named:
            return [w for w in seg if re.search(r"[A-Za-z0-9]", w.text)], False
    return None


def _doubtful(words: Sequence[Word]) -> bool:
    """A word of the line OCR was unsure of (a garbled letter or two), worth a second reading."""
    return any(w.conf < 60 for w in words if re.search(r"[A-Za-z0-9]{2}", w.text))


def _addressee(rows: Sequence[Sequence[Word]], page: PageText) -> list[Word] | None:
    """The first line of a letter's inside address: after the date line, before 'Re:' or the salutation."""
    seen_date = False
    for r in _letter_head(rows, page):
        text = _row_text(r)
        if _date_line(r):
            seen_date = True
            continue
        if not seen_date:
            continue
        if re.match(r"(?i)^(?:re|subject|dear|to whom)\b", text):
            return None
        if re.search(r"[A-Za-z]{3}", text):
            return list(r)
    return None
