"""Temporary food / health permits for events.

Read as an inspector's permit is read: the agency in the header (a government plus its health
office) is the issuer; 'Permit No.', 'Permittee', 'Event', 'Valid From' / 'Valid Through' (or a
'Valid: <date> - <date>' range, or 'Event Dates') sit right of or under their labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from PIL import Image

from extractors.fieldread import (
    AGENCY_WORDS,
    JURISDICTION,
    REL_GUESS,
    REL_STRUCTURE,
    Found,
    clean_words_text,
    dates_in,
    field_of,
    find_labels,
    header_lines,
    is_caption,
    parse_id_words,
    parse_text_words,
    read_labelled,
    smart_case,
)
from extractors.labelvalue import (
    EXPIRY_CUE,
    NOT_EXPIRY_WORDS,
    PERIOD_CUE,
    complete_id,
    dates_under_header,
    header_cells,
    ordered,
    parse_end_date,
    parse_start_date,
    reread_unlabelled,
    sentence_date,
    sentence_range,
)
from extractors.model import FieldValue, PageText, Word

NUMBER_LABELS = [
    "Permit No",
    "Permit Number",
    "Permit #",
    "Permit ID",
    "Permit",
    "Permit No.:",
    "License No",
    "License Number",
    "Certificate No",
    "Certificate Number",
    "Record No",
    "Record Number",
    "Facility ID",
    "Application No",
    "Reference No",
]
PERMITTEE_LABELS = [
    "Permittee",
    "Permit Holder",
    "Permit Issued To",
    "Issued To",
    "Operator",
    "Operator Name",
    "Business Name",
    "Establishment Name",
    "Name of Establishment",
    "Organization",
    "Organization Name",
    "Vendor",
    "Vendor Name",
    "Applicant",
    "Licensee",
    "Owner",
    "Name of Applicant",
]
EVENT_LABELS = [
    "Event",
    "Event Name",
    "Name of Event",
    "Event Title",
    "Special Event",
    "Event Description",
    "Temporary Event",
    "Activity",
]
FROM_LABELS = [
    "Valid From",
    "Effective Date",
    "Effective",
    "Start Date",
    "Event Start",
    "Beginning",
    "From",
    "First Day",
    "Valid Beginning",
    "Begins",
    "Operation Start",
]
TO_LABELS = [
    "Valid Through",
    "Valid Thru",
    "Valid To",
    "Valid Until",
    "Expiration Date",
    "Expires",
    "Expiration",
    "End Date",
    "Event End",
    "Ending",
    "Through",
    "Last Day",
    "Expires On",
    "Until",
]
RANGE_LABELS = [
    "Valid",
    "Event Dates",
    "Event Date",
    "Dates of Operation",
    "Dates",
    "Date(s)",
    "Period",
    "Permit Period",
    "Valid Dates",
    "Dates Valid",
    "Operating Dates",
    "Event Date(s)",
]


def _parse_name(words: list[Word]) -> str | None:
    text = parse_text_words(words)
    if text and is_caption(text):
        return None
    if not text or re.search(r"\b\d{5}\b", text) or dates_in(text):
        return None
    return text


_OFFICE = re.compile(
    r"(?i)\b(?:department|dept|office|division|services?|agency|bureau|authority|board|commission|health|"
    r"environmental|sanitation|inspections?|food\s+safety|safety|consumer\s+protection|program|section|unit|"
    r"district)\b"
)
_TITLE = re.compile(r"(?i)\b(?:permit|certificate|license|establishment|application|receipt|temporary|notice)\b")


def _office_lines(page: PageText, gov: list[Word], lines: list[list[Word]]) -> list[list[Word]]:
    """Lines printed under the government's name in its column that name its office
    ('Office of Environmental Health', 'FOOD SAFETY'), up to the address or the title."""
    x0, x1 = min(w.x0 for w in gov), max(w.x1 for w in gov)
    h = max(w.height for w in gov)
    bottom = max(w.y1 for w in gov)
    out: list[list[Word]] = []
    for line in lines:
        top = min(w.y0 for w in line)
        if top <= bottom - 0.3 * h:
            continue
        if top > bottom + 3.5 * h:
            break
        ws = [w for w in line if w.x1 > x0 - 2 * h and w.x0 < x1 + 2 * h]
        if not ws:
            continue
        text = clean_words_text(ws)
        if re.search(r"\d", text) or _TITLE.search(text) or text.endswith(":"):
            break  # the address, the permit's title or a label: the issuer's name has ended
        if not _OFFICE.search(text):
            break
        out.append(ws)
        bottom = max(w.y1 for w in ws)
    return out


def _issuer(pages: Sequence[PageText]) -> Found | None:
    """Government + health office from the header ('X COUNTY' over 'Office of Environmental Health')."""
    for page in pages:
        lines = header_lines(page, 0.3)
        for i, line in enumerate(lines):
            text = clean_words_text(line)
            if _TITLE.search(text) and not AGENCY_WORDS.search(text):
                continue
            cased = smart_case(text)
            m = JURISDICTION.search(cased)
            if not m:
                continue
            words = list(line)
            issuer = cased.strip() if AGENCY_WORDS.search(cased) else m.group(0)
            offices = _office_lines(page, line, lines[i + 1 :])
            if not offices and not AGENCY_WORDS.search(cased):
                # the office is printed over the government's name
                for other in lines[max(0, i - 1) : i]:
                    ot = smart_case(clean_words_text(other))
                    if _OFFICE.search(ot) and not _TITLE.search(ot) and not re.search(r"\d", ot):
                        offices = [other]
            for off in offices:
                issuer = f"{issuer} {smart_case(clean_words_text(off))}"
                words += list(off)
            return Found(issuer, page, words, "issuing agency named in the header", REL_STRUCTURE)
    return None


def _range(pages: Sequence[PageText]) -> tuple[Found, Found] | None:
    """'Valid: 04/23/2027 - 04/24/2027' / 'Event Dates: April 23-24, 2027'."""

    def two_dates(words: list[Word]) -> tuple | None:
        text = " ".join(w.text for w in words)
        ds = dates_in(text)
        if len(ds) >= 2:
            return (ds[0], ds[1])
        m = re.search(
            r"(?i)\b([A-Z][a-z]{2,8}\.?)\s+(\d{1,2})\s*(?:-|–|to|through|thru)\s*(\d{1,2}),?\s+((?:19|20)\d\d)",
            text,
        )
        if m:
            a = dates_in(f"{m.group(1)} {m.group(2)}, {m.group(4)}")
            b = dates_in(f"{m.group(1)} {m.group(3)}, {m.group(4)}")
            if a and b:
                return (a[0], b[0])
        if len(ds) == 1:
            return (ds[0], ds[0])
        return None

    found = read_labelled(
        pages, RANGE_LABELS, two_dates, "valid period", not_before=["from", "through", "thru", "to", "until"]
    )
    if not found:
        return None
    a, b = found.value  # type: ignore[misc]
    return (
        Found(a, found.page, found.words, found.method + " first date", found.reliability * 0.95),
        Found(b, found.page, found.words, found.method + " second date", found.reliability * 0.95),
    )


def _event_by_position(pages: Sequence[PageText], taken: Found | None) -> Found | None:
    """A form row whose 'Event' caption did not print or scan: its value sits in the value column
    on the row above 'Event Location'."""
    used = {id(w) for w in taken.words} if taken else set()
    for page in pages:
        for _, span in find_labels(
            page, ["Event Location", "Event Site", "Event Address", "Location of Event"]
        ):
            top = min(w.y0 for w in span)
            h = max(w.height for w in span)
            right = max(w.x1 for w in span)
            rows = [
                ln
                for ln in page.lines()
                if top - 3.2 * h < max(w.y1 for w in ln) <= top + 0.2 * h
                and min(w.x0 for w in ln) > right
                and not any(id(w) in used for w in ln)
            ]
            rows = [ln for ln in rows if _parse_name(ln)]
            if rows:
                ln = max(rows, key=lambda r: max(w.y1 for w in r))
                return Found(
                    _parse_name(ln),
                    page,
                    ln,
                    "value row above 'Event Location' (caption unreadable)",
                    REL_GUESS,
                )
    return None


_TABLE_HEADS = re.compile(r"(?i)^(?:day|days|time|times|hours?|booth|area|location|site|start|end|open|close)\b")


def _event_date_column(pages: Sequence[PageText]) -> tuple[Found, Found] | None:
    """An 'Event dates' table (Day | Date | Hours | Booth): the permit covers its first to its last date.
    The 'Date' header must stand in a row of table headers, not be a 'Date:' label of the form."""
    for page in pages:
        for _label, span in find_labels(page, ["Date", "Dates", "Event Date", "Event Dates", "Date(s)"]):
            if span[-1].text.endswith(":"):
                continue
            h = max(w.height for w in span)
            cy = sum(w.cy for w in span) / len(span)
            mates = [w for w in page.words if w not in span and abs(w.cy - cy) <= 0.8 * h]
            if not any(_TABLE_HEADS.match(w.text) for w in mates):
                continue
            found = dates_under_header(page, span)
            if found:
                ordered_dates = sorted(found, key=lambda f: f.value)  # type: ignore[arg-type,return-value]
                return ordered_dates[0], ordered_dates[-1]
    return None


def _validity(pages: Sequence[PageText]) -> tuple[Found | None, Found | None]:
    """First and last day the permit is good for: labelled dates, a header row with the dates under
    it, a labelled or stated period, then the event-dates table; never two that contradict."""
    valid_from = read_labelled(pages, FROM_LABELS, parse_start_date, "valid from")
    valid_to = read_labelled(
        pages, TO_LABELS, parse_end_date, "valid to", not_after=["from", *NOT_EXPIRY_WORDS]
    )
    if valid_from is None or valid_to is None:
        cells = header_cells(
            pages, {"from": (FROM_LABELS, parse_start_date), "to": (TO_LABELS, parse_end_date)}
        )
        valid_from = valid_from or cells.get("from")
        valid_to = valid_to or cells.get("to")
    if valid_from is None or valid_to is None:
        rng = _range(pages) or sentence_range(pages, PERIOD_CUE, "valid period")
        if rng:
            valid_from = valid_from or rng[0]
            valid_to = valid_to or rng[1]
    if valid_from is None and valid_to is None:
        col = _event_date_column(pages)
        if col:
            valid_from, valid_to = col
    if valid_to is None:
        valid_to = sentence_date(pages, EXPIRY_CUE, "valid to", end=True)
    return ordered(valid_from, valid_to)


def extract_health_permit(
    pages: list[PageText], images: Callable[[int], Image.Image | None] | None = None
) -> dict[str, FieldValue]:
    """permittee, permit_number, issuer, event_name, valid_from, valid_to."""
    pages = reread_unlabelled(pages, images, [*PERMITTEE_LABELS, *EVENT_LABELS, *NUMBER_LABELS])
    number = read_labelled(
        pages,
        NUMBER_LABELS,
        parse_id_words,
        "permit number",
        not_before=["type", "fee", "holder", "class", "category", "expires"],
    )
    number = complete_id(number, parse_id_words, images)
    permittee = read_labelled(
        pages,
        PERMITTEE_LABELS,
        _parse_name,
        "permittee",
        not_before=["address", "phone", "signature", "email", "contact"],
        wraps=True,
    )
    event = read_labelled(
        pages,
        EVENT_LABELS,
        _parse_name,
        "event name",
        not_before=[
            "location",
            "address",
            "site",
            "date",
            "dates",
            "time",
            "times",
            "contact",
            "coordinator",
            "start",
            "end",
            "type",
        ],
    )
    if event is None:
        event = _event_by_position(pages, permittee)
    valid_from, valid_to = _validity(pages)
    return {
        "permittee": field_of(permittee),
        "permit_number": field_of(number),
        "issuer": field_of(_issuer(pages)),
        "event_name": field_of(event),
        "valid_from": field_of(valid_from),
        "valid_to": field_of(valid_to),
    }
