"""Business licenses and business registration certificates.

Read as a clerk reads them: the government named in the header is the issuer; the business is the
'Business Name:' value or the line after 'This certifies that'; the number, issue and expiry dates
sit right of or under their labels (also as a header row with the values underneath).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from PIL import Image

from extractors.fieldread import (
    REL_SENTENCE,
    REL_STRUCTURE,
    Found,
    clean_words_text,
    field_of,
    find_jurisdiction,
    find_labels,
    parse_date_words,
    parse_id_words,
    parse_text_words,
    read_labelled,
    smart_case,
    value_below,
)
from extractors.model import FieldValue, PageText, Word
from extractors.nonprofit_letter import addressee_block

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
ISSUE_LABELS = [
    "Date Issued",
    "Issue Date",
    "Issued",
    "Issued On",
    "Date of Issue",
    "Registration Date",
    "Effective Date",
    "Effective",
    "Valid From",
    "Start Date",
    "License Date",
    "Approved",
]
EXPIRY_LABELS = [
    "Expiration Date",
    "Expires",
    "Expiration",
    "Expires On",
    "Expiry Date",
    "Valid Through",
    "Valid Thru",
    "Valid Until",
    "Valid To",
    "Good Through",
    "Renewal Date",
    "Exp Date",
    "End Date",
]
_CERTIFIES = re.compile(
    r"(?i)\b(?:certif(?:y|ies)\s+that|hereby\s+(?:licensed|granted)\s+to|is\s+issued\s+to)\s*:?$"
)
_WITHIN = re.compile(
    r"(?i)\bwithin\s+the\s+((?:City|Town|Village|County|State)\s+of\s+[A-Z][A-Za-z]+(?:\s+[A-Z][a-z]+)*)"
)


def _parse_name(words: list[Word]) -> str | None:
    text = parse_text_words(words)
    if not text or re.fullmatch(r"(?i)[\d\W]+", text) or re.search(r"\b\d{5}\b", text):
        return None
    return text


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
    # a mailing block: the licensee's name over its street and city/state/ZIP lines
    for page in pages:
        found = addressee_block(page, max_name_rows=1)
        if found:
            found.reliability = REL_STRUCTURE
            found.method = "name line of the licensee's address block"
            return found
    return None


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


def extract_business_license(
    pages: list[PageText], images: Callable[[int], Image.Image | None] | None = None
) -> dict[str, FieldValue]:
    """business_name, license_number, issuer, issue_date, expiration_date."""
    number = read_labelled(
        pages,
        NUMBER_LABELS,
        parse_id_words,
        "license number",
        not_before=["type", "class", "category", "holder", "fee", "expires", "expiration"],
    )
    issued = read_labelled(
        pages, ISSUE_LABELS, parse_date_words, "issue date", not_after=["expiration", "renewal"]
    )
    expires = read_labelled(pages, EXPIRY_LABELS, parse_date_words, "expiration date")
    if issued and expires and issued.value == expires.value and len(issued.words) == len(expires.words):
        issued = _table_value(pages, ISSUE_LABELS, parse_date_words, "issue date") or issued
    return {
        "business_name": field_of(_business_name(pages)),
        "license_number": field_of(number),
        "issuer": field_of(_issuer(pages)),
        "issue_date": field_of(issued),
        "expiration_date": field_of(expires),
    }
