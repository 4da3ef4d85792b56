"""Business licenses and business registration certificates.

Read as a clerk reads them: the government named in the header is the issuer; the business is the
'Business Name:' value or the line after 'This certifies that'; the number, issue and expiry dates
sit right of or under their labels (also as a header row with the values underneath).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from datetime import date

from PIL import Image

from extractors.fieldread import (
    REL_SENTENCE,
    REL_STRUCTURE,
    Found,
    clean_words_text,
    field_of,
    find_jurisdiction,
    find_labels,
    is_caption,
    parse_id_words,
    parse_text_words,
    read_labelled,
    smart_case,
    value_below,
)
from extractors.labelvalue import (
    EXPIRY_CUE,
    ISSUE_CUE,
    NOT_EXPIRY_WORDS,
    PERIOD_CUE,
    complete_id,
    fill_from_second_reading,
    header_cells,
    ordered,
    parse_end_date,
    parse_start_date,
    reread_labelled_date,
    reread_unlabelled,
    sentence_date,
    sentence_range,
)
from extractors.labelvalue import EXPIRY_LABELS as SHARED_EXPIRY_LABELS
from extractors.labelvalue import ISSUE_LABELS as SHARED_ISSUE_LABELS
from extractors.model import FieldValue, PageText, Word
from extractors.names import has_legal_suffix
from extractors.nonprofit_letter import _CITY_ZIP, _STREET, addressee_block
from extractors.normalize import DATE_SHAPE, find_dates, fix_ocr_digits
from extractors.reread import read_strip

NUMBER_LABELS = [
    "License No",
    "License Number",
    "License #",
    "License ID",
    "Registration No",
    "Registration Number",
    "Registration #",
    "Certificate No",
    "Certificate Number",
    "Certificate #",
    "Business License No",
    "Business License Number",
    "Account No",
    "Account Number",
    "Permit No",
    "Permit Number",
    "UBI",
    "UBI Number",
    "UBI #",
    "Unified Business ID",
    "Unified Business Identifier",
    "Unified Business ID #",
    "Business ID",
    "Business Registration No",
    "CRS No",
    "CRS Number",
    "Tax ID",
    "Reference No",
    "License:",
    "Lic No",
    "Lic #",
    "Reg #",
    "Reg No",
    "Reg Number",
    "Registration ID",
    "License/Registration No",
    "Certificate ID",
    "Business Tax Registration No",
    "Business Tax Certificate No",
    "Account ID",
    "CRS ID",
    "CRS Identification Number",
    "State Tax ID",
    "Business Tax Registration Certificate No",
    "BTRC No",
    "Certificate of Registration No",
    "License Account No",
    "Permit/License No",
]
NAME_LABELS = [
    "Business Name",
    "Name of Business",
    "Legal Name",
    "Legal Business Name",
    "Trade Name",
    "Licensee",
    "Entity Name",
    "Firm Name",
    "Company Name",
    "Issued To",
    "Registered Name",
    "Name:",
    "Business:",
    "Establishment Name",
]
ISSUE_LABELS = [*SHARED_ISSUE_LABELS, "Approved", "Date of Registration", "Original Issue Date"]
EXPIRY_LABELS = [*SHARED_EXPIRY_LABELS, "License Expiration", "Registration Expires", "Expiration of Registration"]
_CERTIFIES = re.compile(
    r"(?i)\b(?:certif(?:y|ies)\s+that|hereby\s+(?:licensed|granted)\s+to|is\s+issued\s+to)\s*:?$"
)
_WITHIN = re.compile(
    r"(?i)\b(?:within|registered\s+with|licensed\s+(?:by|with)|issued\s+by|granted\s+by)\s+the\s+"
    r"((?:City|Town|Village|County|State)\s+of\s+[A-Z][A-Za-z]+(?:\s+[A-Z][a-z]+)*)"
)


def _parse_name(words: list[Word]) -> str | None:
    text = parse_text_words(words)
    if text and is_caption(text):
        return None
    if not text or re.fullmatch(r"(?i)[\d\W]+", text) or re.search(r"\b\d{5}\b", text):
        return None
    if len(re.sub(r"[^A-Za-z]", "", text)) < 4:  # a scrap OCR read off a seal or a smudge ('che')
        return None
    return text


_CARD_TITLE = re.compile(
    r"(?i)\b(?:business|license|licence|registration|certificate|card|permit|city|county|state|town|village|"
    r"department|division|treasury|tax)\b"
)


def _name_over_address(pages: Sequence[PageText]) -> Found | None:
    """A license card: the business's name is the line printed just over its street / city-state-ZIP line."""
    for page in pages:
        lines = [ln for ln in page.lines() if any(re.search(r"[A-Za-z0-9]", w.text) for w in ln)]
        for i, line in enumerate(lines):
            if min(w.y0 for w in line) > page.height * 0.6:
                break
            text = fix_ocr_digits(clean_words_text(line))
            if not _CITY_ZIP.search(text):
                continue
            j = i - 1
            if j >= 0 and _STREET.search(clean_words_text(lines[j])) and not re.match(r"\d", text):
                j -= 1  # the street line over the city line
            if j < 0:
                continue
            cand = lines[j]
            h = max(w.height for w in line)
            if min(w.y0 for w in line) - max(w.y1 for w in cand) > 3 * h or re.search(r"\d", layout_text(cand)):
                continue
            name = _parse_name(cand)
            if (name and not _CARD_TITLE.search(name.replace("dba", ""))) or (
                name and re.search(r"(?i)\b(?:inc|llc|co|corp|ltd)\b\.?", name)
            ):
                return Found(name, page, cand, "line over the licensee's address", REL_STRUCTURE)
    return None


def layout_text(words: Sequence[Word]) -> str:
    return " ".join(w.text for w in words)


def _business_name(pages: Sequence[PageText]) -> Found | None:
    found = read_labelled(
        pages,
        NAME_LABELS,
        _parse_name,
        "business name",
        not_before=[
            "activity",
            "type",
            "address",
            "location",
            "phone",
            "owner",
            "license",
            "category",
            "class",
            "code",
            "description",
        ],
        not_after=["owner", "contact", "registered", "agent", "officer", "applicant"],
    )
    if found:
        return found
    # 'This certifies that' followed by the name on the next line
    for page in pages:
        lines = page.lines()
        for i, line in enumerate(lines):
            text = " ".join(w.text for w in line)
            if _CERTIFIES.search(text) and i + 1 < len(lines):
                for nxt in lines[i + 1 : i + 3]:
                    name = _parse_name(nxt)
                    if name:
                        return Found(name, page, nxt, "line after 'This certifies that'", REL_SENTENCE)
    found = _name_over_address(pages)
    if found:
        return found
    # a mailing block: the licensee's name over its street and city/state/ZIP lines
    for page in pages:
        found = addressee_block(page, max_name_rows=1)
        if found:
            found.reliability = REL_STRUCTURE
            found.method = "name line of the licensee's address block"
            return found
    return _suffixed_name(pages)


# the banner a fax machine prints across the top of every page: its date is the day of sending
_FAX_BANNER = re.compile(r"(?i)\bfrom\s*:|\bp\.?\s*\d+\s*/\s*\d+\b|\b\d{1,2}:\d{2}\b|\bfax\b")
REL_UNLABELLED_TERM = 0.55  # below the review threshold: a person confirms which date is which


_GOVERNMENT = re.compile(r"(?i)\b(?:city|county|state|department|division|office|bureau|treasury)\b")


def _suffixed_name(pages: Sequence[PageText]) -> Found | None:
    """A card with no label, sentence or address for its business (a registration card whose captions were
    lost to the scan): the one line on it that is a business's name by its ending (Co., LLC, Inc.), read
    for a person to confirm. Two such lines, or none: not read."""
    hits = []
    for page in pages:
        for line in page.lines():
            text = clean_words_text(line)
            if _FAX_BANNER.search(text) or _GOVERNMENT.search(text) or not has_legal_suffix(text):
                continue
            name = _parse_name(line)
            if name and len(name.split()) >= 2:
                hits.append((name, page, line))
    if len({h[0] for h in hits}) != 1:
        return None
    name, page, line = hits[0]
    return Found(name, page, list(line), "the card's one line named like a business (its label unreadable)",
                 REL_UNLABELLED_TERM)


def _issuer(pages: Sequence[PageText]) -> Found | None:
    for page in pages:
        j = find_jurisdiction(page)
        if j:
            return Found(j[0], page, j[1], "government named in the header", REL_STRUCTURE)
    for page in pages:
        for line in page.lines():
            m = _WITHIN.search(" ".join(w.text for w in line))
            if m:
                return Found(
                    smart_case(m.group(1)), page, line, "'within the City of ...' sentence", REL_SENTENCE
                )
    return None


def _table_value(
    pages: Sequence[PageText], labels: list[str], parse: Callable[[list[Word]], object], what: str
) -> Found | None:
    """Header-row layout ('License Number  Issued  Expires') with the values printed underneath."""
    for page in pages:
        for _, span in find_labels(page, labels):
            words = value_below(page, span)
            if words:
                value = parse(words)
                if value:
                    return Found(
                        value, page, words, f"column '{clean_words_text(span)}' -> below ({what})", 0.88
                    )
    return None


def _dates(
    pages: Sequence[PageText], images: Callable[[int], Image.Image | None] | None = None
) -> tuple[Found | None, Found | None]:
    """Issue and expiry: labelled, in cells under a header row ('ISSUED  EXP'), or stated as a period
    or in a sentence. A renewal date is not an expiry; dates that contradict each other are not read."""
    issued = read_labelled(
        pages, ISSUE_LABELS, parse_start_date, "issue date", not_after=["expiration", "renewal", "original"]
    )
    expires = read_labelled(
        pages, EXPIRY_LABELS, parse_end_date, "expiration date", not_after=NOT_EXPIRY_WORDS
    )
    if issued is None:
        issued = reread_labelled_date(
            pages, ISSUE_LABELS, parse_start_date, "issue date", images, not_after=["expiration", "renewal", "original"]
        )
    if expires is None:
        expires = reread_labelled_date(
            pages, EXPIRY_LABELS, parse_end_date, "expiration date", images, not_after=NOT_EXPIRY_WORDS
        )
    if issued and expires and issued.value == expires.value and len(issued.words) == len(expires.words):
        issued = _table_value(pages, ISSUE_LABELS, parse_start_date, "issue date") or issued
    cells = header_cells(
        pages, {"issued": (ISSUE_LABELS, parse_start_date), "expires": (EXPIRY_LABELS, parse_end_date)}
    )
    if cells.get("issued") and cells.get("expires"):
        # a header row with its values under it: there the cells are what each header labels
        same = issued is not None and expires is not None and issued.value == expires.value
        if issued is None or same:
            issued = cells["issued"]
        if expires is None or same:
            expires = cells["expires"]
    if issued is None or expires is None:
        rng = sentence_range(pages, PERIOD_CUE, "license period")
        if rng:
            issued = issued or rng[0]
            expires = expires or rng[1]
    if expires is None:
        expires = sentence_date(pages, EXPIRY_CUE, "expiration date", end=True, refuse=_RENEW)
    if issued is None:
        issued = sentence_date(pages, ISSUE_CUE, "issue date", end=False)
    if issued is None and expires is None:
        issued, expires = _unlabelled_term(pages, images)
    return ordered(issued, expires)


def _unlabelled_term(
    pages: Sequence[PageText], images: Callable[[int], Image.Image | None] | None
) -> tuple[Found | None, Found | None]:
    """A card whose date labels did not survive the scan (ISSUED and EXP in faint small print) still shows
    its term: exactly two dates, the later a licence term (11 to 37 months) after the earlier. The earlier
    is the issue date and the later the expiry, as a clerk would take them; the evidence says the labels
    were unread, and the reading is marked for a person to confirm. A date-shaped token OCR garbled into no
    date ('40/20/27') has its strip read again from the page image."""
    found: list[tuple[date, PageText, list[Word]]] = []
    for page in pages:
        img = images(page.page_no) if images is not None and page.source == "ocr" else None
        for line in page.lines():
            text = " ".join(w.text for w in line)
            if _FAX_BANNER.search(text):
                continue
            starts = list(itertools.accumulate((len(w.text) + 1 for w in line), initial=0))
            for d, a, b in find_dates(fix_ocr_digits(text)):
                ws = [w for w, s0 in zip(line, starts, strict=False) if s0 < b and a < s0 + len(w.text)]
                # a weakly read date is read again from its strip; if the two readings disagree neither is believed
                again = _strip_date(img, ws) if ws and min(w.conf for w in ws) < 80 else None
                if again is None or again == d:
                    found.append((d, page, ws))
            for w in line:
                if img is None or not DATE_SHAPE.fullmatch(w.text.strip("*.,;:|")) or find_dates(w.text):
                    continue
                again = _strip_date(img, [w])
                if again is not None:
                    found.append((again, page, [w]))
    if len({d for d, _p, _w in found}) != 2 or len(found) != 2:
        return None, None
    (d1, p1, w1), (d2, p2, w2) = sorted(found, key=lambda f: f[0])
    months = (d2.year - d1.year) * 12 + d2.month - d1.month
    if not 11 <= months <= 37:
        return None, None
    how = "the card's two dates, their labels unreadable: the earlier taken as issued, the later as expiry"
    return (Found(d1, p1, w1, how, REL_UNLABELLED_TERM), Found(d2, p2, w2, how, REL_UNLABELLED_TERM))


def _strip_date(img: Image.Image | None, words: Sequence[Word]) -> date | None:
    """The date the words' strip of the page image reads as, read again enlarged (None: no image, no date)."""
    if img is None or not words:
        return None
    x0, y0 = min(w.x0 for w in words), min(w.y0 for w in words)
    x1, y1 = max(w.x1 for w in words), max(w.y1 for w in words)
    dates = find_dates(fix_ocr_digits(" ".join(x.text for x in read_strip(img, (x0 - 3, y0 - 3, x1 + 6, y1 + 3)))))
    return dates[0][0] if len(dates) == 1 else None


# a licence or registration number as cities print them: a few letters, then six or more digits
_ID_TOKEN = re.compile(r"[A-Z]{2,4}-?\d{6,10}")


def _unlabelled_number(pages: Sequence[PageText]) -> Found | None:
    """The card's number when its label did not survive the scan ('REG' read as 'rece'): the one token on the
    card shaped like a licence number (letters, then six or more digits), read for a person to confirm."""
    hits = []
    for page in pages:
        for line in page.lines():
            if _FAX_BANNER.search(" ".join(w.text for w in line)):
                continue
            for w in line:
                m = _ID_TOKEN.search(w.text)
                if m and len(re.sub(r"[^A-Za-z0-9]", "", w.text)) <= len(m.group(0)) + 2:
                    hits.append((m.group(0), page, w))
    if len({h[0] for h in hits}) != 1:
        return None
    value, page, w = hits[0]
    return Found(value, page, [w], "the card's one licence-shaped number, its label unreadable", REL_UNLABELLED_TERM)


_RENEW = re.compile(r"(?i)\brenew\w*|\breminder\b")


def extract_business_license(
    pages: list[PageText], images: Callable[[int], Image.Image | None] | None = None, *, again: bool = False
) -> dict[str, FieldValue]:
    """business_name, license_number, issuer, issue_date, expiration_date. again: this is the second reading
    of a poor page (its strips may still be read again from the image; the page is not read a third time)."""
    pages = reread_unlabelled(pages, images, [*NUMBER_LABELS, *ISSUE_LABELS, *EXPIRY_LABELS])
    number = read_labelled(
        pages,
        NUMBER_LABELS,
        parse_id_words,
        "license number",
        not_before=["type", "class", "category", "holder", "fee", "expires", "expiration"],
    )
    number = complete_id(number, parse_id_words, images)
    if number is None:
        number = _unlabelled_number(pages)
    issued, expires = _dates(pages, images)
    fields = {
        "business_name": field_of(_business_name(pages)),
        "license_number": field_of(number),
        "issuer": field_of(_issuer(pages)),
        "issue_date": field_of(issued),
        "expiration_date": field_of(expires),
    }
    if again:
        return fields
    # a card faxed or photographed so poorly that its first reading lost the values: read it again, whole
    return fill_from_second_reading(
        fields, pages, images, lambda second: extract_business_license(second, images, again=True), tuple(fields)
    )
