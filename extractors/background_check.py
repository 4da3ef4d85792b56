"""Background-check clearance notices and badges: who, cleared or not, when, until when.

Read as staff read them: the 'Name:' / 'Status:' / 'Clearance Date:' labels of a notice, or on a
badge the person's name printed near the 'BACKGROUND CHECK: CLEARED' line, and sentences such as
'this clearance expires on ...'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from PIL import Image
from rapidfuzz import fuzz

from extractors.fieldread import (
    REL_GUESS,
    REL_SENTENCE,
    REL_STRUCTURE,
    Found,
    clean_words_text,
    field_of,
    find_labels,
    fixed_field,
    looks_like_person,
    read_labelled,
    value_below,
    value_right,
    with_row_mates,
)
from extractors.labelvalue import (
    EXPIRY_CUE,
    NOT_EXPIRY_WORDS,
    ordered,
    parse_end_date,
    parse_start_date,
    reread_labelled_date,
    reread_unlabelled,
    row_under_header,
    sentence_date,
)
from extractors.labelvalue import EXPIRY_LABELS as SHARED_EXPIRY_LABELS
from extractors.model import FieldValue, PageText, Word

NAME_LABELS = [
    "Name",
    "Full Name",
    "Applicant Name",
    "Applicant",
    "Employee Name",
    "Volunteer Name",
    "Name of Applicant",
    "Name of Individual",
    "Individual",
    "Subject Name",
    "Person Cleared",
    "Cleared Individual",
    "Legal Name",
    "Printed Name",
    "Candidate",
    "Candidate Name",
    "Participant",
    "Volunteer",
    "Employee",
    "Staff Member",
    "Name of Volunteer",
    "Name of Employee",
    "Contractor",
    "Individual Name",
]
NAME_NOT_AFTER = [
    "organization",
    "org",
    "business",
    "agency",
    "school",
    "company",
    "program",
    "contact",
    "coordinator",
    "partner",
    "employer",
    "sponsor",
    "facility",
    "user",
    "group",
    "event",
    "district",
]
STATUS_LABELS = [
    "Status",
    "Clearance Status",
    "Check Status",
    "Result",
    "Results",
    "Determination",
    "Background Check",
    "Eligibility",
    "Clearance",
    "Decision",
    "Outcome",
]
CLEARED_LABELS = [
    "Clearance Date",
    "Date Cleared",
    "Cleared On",
    "Cleared",
    "Date of Clearance",
    "Approval Date",
    "Date Approved",
    "Approved On",
    "Approved",
    "Completion Date",
    "Date Completed",
    "Cleared Date",
]
CLEARED_LABELS_2 = ["Issue Date", "Date Issued", "Issued", "Issued On", "Effective Date", "Valid From"]
# A clearance's end of validity (the shared family) and the re-check a clearance card is due for;
# 'renewal date' / 'renew by' are reminders, not the end of the clearance.
EXPIRY_LABELS = [*SHARED_EXPIRY_LABELS, "Recheck Due", "Re-check Due", "Recheck Date", "Re-clearance Due"]

_NOT_CLEARED = re.compile(
    r"(?i)\bnot[\s\-]+(?:cleared|approved|eligible|recommended)\b|\bdenied\b|\bineligible\b|\bdisqualified\b|"
    r"\bdid\s+not\s+(?:result\s+in\s+clearance|pass|clear)\b|\bunfavou?rable\b|\brejected\b|\bfailed\b|"
    r"\bun[\s\-]?cleared\b|\bnot\s+clear\b|"
    r"(?<!no\s)\b(?:disqualifying|criminal|adverse)\s+(?:record|records|history|information|findings?|offen[cs]es?)\s+"
    r"(?:was\s+|were\s+)?(?:found|reported|identified)\b|\bdoes\s+not\s+meet\b"
)
_PENDING = re.compile(
    r"(?i)\bpending\b|\bin\s+(?:process|progress)\b|\bnot\s+yet\s+(?:complete|cleared|available)|\bawaiting\b|"
    r"\bincomplete\b|\bunder\s+review\b|\bprocessing\b"
)
_CLEARED = re.compile(
    r"(?i)\bcleared\b|\bapproved\b|\beligible\b|\bclear\b|\bpassed\b|\bfavou?rable\b|"
    r"\bno\s+(?:disqualifying|criminal|adverse)\s+(?:record|records|history|information|findings?)\b|"
    r"\bno\s+records?\s+found\b|\bmeets\s+(?:the\s+|all\s+)?(?:requirements|standards|criteria)\b"
)


def status_of_text(text: str) -> str | None:
    """'NOT CLEARED' / 'PENDING' / 'CLEARED' and their synonyms, tolerant of OCR slips in 'cleared'."""
    if _NOT_CLEARED.search(text):
        return "not_cleared"
    if _PENDING.search(text):
        return "pending"
    if _CLEARED.search(text):
        return "cleared"
    toks = [re.sub(r"[^a-z]", "", t.lower()) for t in text.split()]
    for i, t in enumerate(toks):
        if len(t) >= 5 and fuzz.ratio(t, "cleared") >= 80:
            return "not_cleared" if i and toks[i - 1] in ("not", "nat", "n0t") else "cleared"
        if len(t) >= 5 and fuzz.ratio(t, "pending") >= 80:
            return "pending"
    return None


def _parse_status(words: list[Word]) -> str | None:
    text = " ".join(w.text for w in words)
    if re.search(r"(?i)\b(?:date|expir\w*|expires|name|issued)\b", text):
        return None  # the next column headers ('Status  Date Cleared  Expires'), not a status
    return status_of_text(text)


def _parse_person(words: list[Word]) -> str | None:
    text = clean_words_text(words)
    text = re.sub(r"\s+,", ",", text)
    return text if looks_like_person(text) else None


def _status(pages: Sequence[PageText]) -> Found | None:
    found = read_labelled(
        pages,
        STATUS_LABELS,
        _parse_status,
        "status",
        not_before=["date", "no", "number", "unit", "coordinator"],
    )
    if found:
        return found
    # a status phrase anywhere: the most specific wording wins (NOT CLEARED before CLEARED)
    for rank, pat in enumerate((_NOT_CLEARED, _PENDING, _CLEARED)):
        for page in pages:
            for line in page.lines():
                text = " ".join(w.text for w in line)
                if pat.search(text):
                    value = ("not_cleared", "pending", "cleared")[rank]
                    return Found(value, page, line, f"status wording '{text[:60]}'", REL_STRUCTURE)
    return None


def _status_line(page: PageText) -> list[Word] | None:
    for line in page.lines():
        text = " ".join(w.text for w in line)
        if status_of_text(text) and len(line) <= 8:
            return line
    return None


_CLOSING = re.compile(r"(?i)^\W*(?:sincerely|regards|best\s+regards|respectfully|thank\s+you|thanks)\b")
_JOB_TITLE = re.compile(
    r"(?i)\b(?:director|coordinator|manager|specialist|officer|supervisor|administrator|analyst|clerk|"
    r"superintendent|principal|technician|assistant|secretary|chief|head|president|representative)\b"
)


def _signer(lines: list[list[Word]], i: int) -> bool:
    """Line i is the signer of a letter, not its subject: it follows the closing ('Sincerely,') or has the
    signer's job title printed under it."""
    if any(_CLOSING.search(" ".join(w.text for w in ln)) for ln in lines[max(0, i - 4) : i]):
        return True
    return i + 1 < len(lines) and bool(_JOB_TITLE.search(" ".join(w.text for w in lines[i + 1])))


def _without_graphic_tail(line: list[Word]) -> list[Word]:
    """Drop what OCR made of a photo or seal printed beside a badge's name ('Garcia, Elena = eS'):
    trailing words OCR barely believed that are not letters or stand apart from the name."""
    out = sorted(line, key=lambda w: w.x0)
    while len(out) >= 3:
        w, prev = out[-1], out[-2]
        h = max(prev.height, 6.0)
        apart = w.x0 - prev.x1 > 1.0 * h
        if w.conf < 35 and (apart or not re.search(r"[A-Za-z]{2}", w.text)):
            out.pop()
        else:
            break
    return out


def _person_by_structure(pages: Sequence[PageText]) -> Found | None:
    """A badge: the name is the name-like line printed nearest above (or below) the status line."""
    for page in pages:
        anchor = _status_line(page)
        cands: list[tuple[float, list[Word], str]] = []
        lines = page.lines()
        for i, line in enumerate(lines):
            if _signer(lines, i):
                continue
            line = _without_graphic_tail(with_row_mates(page, line))
            text = re.sub(r"\s+,", ",", clean_words_text(line))
            if not looks_like_person(text):
                continue
            top = min(w.y0 for w in line)
            if anchor is not None:
                a_top = min(w.y0 for w in anchor)
                dist = a_top - top if top < a_top else 2.5 * (top - a_top)
            else:
                dist = top
            h = max(w.height for w in line)
            cands.append((dist - 2 * h, line, text))
        if cands:
            _, line, text = min(cands, key=lambda c: c[0])
            return Found(text, page, line, "name-like line nearest the status line", REL_STRUCTURE)
    return None


_CERTIFY = re.compile(
    r"(?i)(?:certif(?:y|ies)\s+that|confirm(?:s)?\s+that|this\s+is\s+to\s+notify\s+you\s+that)\s+"
    r"(?:(?:mr|ms|mrs|dr)\.?\s+)?([A-Z][A-Za-z'’.\-]+(?:,?\s+[A-Z][A-Za-z'’.\-]*){1,4}?)\s+(?:has|is|was|have)\b"
)


def _person_by_sentence(pages: Sequence[PageText]) -> Found | None:
    for page in pages:
        m = _CERTIFY.search(" ".join(" ".join(w.text for w in ln) for ln in page.lines()))
        if m and looks_like_person(m.group(1)):
            names = set(m.group(1).split())
            words = [w for w in page.words if w.text in names]
            return Found(m.group(1), page, words, "sentence 'certifies that NAME has'", REL_SENTENCE)
    return None


_CLEAR_SENT = re.compile(r"(?i)\b(?:cleared|approved|completed)\s+(?:on|as\s+of)\b")


_RESULT_LABELS = ["Status", "Result", "Results", "Determination", "Decision", "Outcome", "Eligibility",
                  "Clearance Status", "Check Status", "Finding", "Findings"]


def _status_printed_unread(pages: Sequence[PageText]) -> bool:
    """A result is printed under a status label but says nothing this reader knows: the paper has a
    result, so a clearance date alone must not stand in for it (it might say the person is not cleared)."""
    for page in pages:
        for _label, span in find_labels(page, _RESULT_LABELS, not_before=["date", "no", "number"]):
            words = value_right(page, span) or value_below(page, span)
            if words and re.search(r"[A-Za-z]{3}", " ".join(w.text for w in words)):
                if _parse_status(words) is None:
                    return True
    return False


_RENEW = re.compile(r"(?i)\brenew\w*|\breminder\b")


def extract_background_check(
    pages: list[PageText], images: Callable[[int], Image.Image | None] | None = None
) -> dict[str, FieldValue]:
    """person_name, status ('cleared' | 'pending' | 'not_cleared'), clearance_date, expiration_date."""
    pages = reread_unlabelled(pages, images, [*NAME_LABELS, *STATUS_LABELS, *CLEARED_LABELS, *EXPIRY_LABELS])
    table = row_under_header(
        pages,
        {
            "person_name": (["Name", "Full Name", "Applicant", "Applicant Name", "Employee Name", "Volunteer Name"],
                            _parse_person),
            "status": (["Status", "Result", "Clearance Status", "Determination"], _parse_status),
            # 'Cleared' / 'Approved' alone are status words, not column headers
            "clearance_date": ([lb for lb in CLEARED_LABELS if " " in lb], parse_start_date),
            "expiration_date": (EXPIRY_LABELS, parse_end_date),
        },
    )
    if table is not None:
        # a results table: every value from the first record's row, none borrowed from another row
        return {k: field_of(table.get(k)) for k in ("person_name", "status", "clearance_date", "expiration_date")}
    name = read_labelled(
        pages,
        NAME_LABELS,
        _parse_person,
        "person name",
        not_before=["of", "organization"],
        not_after=NAME_NOT_AFTER,
    )
    if name is None:
        name = _person_by_sentence(pages) or _person_by_structure(pages)
    status = _status(pages)

    cleared = read_labelled(
        pages, CLEARED_LABELS, parse_start_date, "clearance date", not_after=["not", "check", "background"]
    )
    if cleared is None:
        cleared = reread_labelled_date(
            pages, CLEARED_LABELS, parse_start_date, "clearance date", images, not_after=["not", "check", "background"]
        )
    if cleared is None:
        cleared = read_labelled(pages, CLEARED_LABELS_2, parse_start_date, "clearance date")
        if cleared:
            cleared.reliability = REL_GUESS
    if cleared is None:
        cleared = sentence_date(pages, _CLEAR_SENT, "clearance date", end=False)
    expires = read_labelled(
        pages, EXPIRY_LABELS, parse_end_date, "expiration date", not_after=NOT_EXPIRY_WORDS
    )
    if expires is None:
        expires = reread_labelled_date(
            pages, EXPIRY_LABELS, parse_end_date, "expiration date", images, not_after=NOT_EXPIRY_WORDS
        )
    if expires is None:
        expires = sentence_date(pages, EXPIRY_CUE, "expiration date", end=True, refuse=_RENEW)
    if expires is not None and cleared is not None and expires.value == cleared.value:
        expires = None
    cleared, expires = ordered(cleared, expires)

    out = {
        "person_name": field_of(name),
        "status": field_of(status),
        "clearance_date": field_of(cleared),
        "expiration_date": field_of(expires),
    }
    st = status.value if status else None
    if st is None and cleared is not None and pages and not _status_printed_unread(pages):
        # a dated clearance with no printed status word still reads as a clearance
        out["status"] = fixed_field(
            "cleared", cleared.page, cleared.words, "clearance date printed, no status word", REL_GUESS
        )
    return out
