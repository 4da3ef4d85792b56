"""From a file's pages to the compliance documents inside it: split, classify, read fields."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image

from extractors.background_check import extract_background_check
from extractors.business_license import extract_business_license
from extractors.classify import segment_pages
from extractors.coi import extract_coi
from extractors.configured import configured_reader
from extractors.health_permit import extract_health_permit

# DECISION_CRITICAL (the fields a decision rests on) is part of each kind's description in extractors.kinds
from extractors.kinds import DECISION_CRITICAL, DESCRIPTIONS, NOT_DETERMINATIONS, STATES_EXEMPTION
from extractors.model import FIELDS_BY_TYPE, ExtractedDocument, FieldValue, PageText
from extractors.nonprofit_letter import extract_nonprofit_letter
from extractors.pagetext import turn_sideways_page

PageImages = Callable[[int], Image.Image | None]
Extractor = Callable[[list[PageText], PageImages | None], dict[str, FieldValue]]

EXTRACTORS: dict[str, Extractor] = {
    "coi": extract_coi,
    "nonprofit_letter": extract_nonprofit_letter,
    "business_license": extract_business_license,
    "health_permit": extract_health_permit,
    "background_check": extract_background_check,
}
# kinds read by configuration alone (their ReaderConfig in extractors.kinds): the CPR / First Aid card
EXTRACTORS.update(
    {name: configured_reader(d.reader) for name, d in DESCRIPTIONS.items() if d.reader and name not in EXTRACTORS}
)

REVIEW_CONFIDENCE = 0.6

MIN_READABLE_WORDS = 8


def has_usable_text(pages: list[PageText]) -> bool:
    """Enough confidently read words to be a document at all (not a blank page or a photo)."""
    good = 0
    for p in pages:
        for w in p.words:
            if w.conf >= 60 and sum(c.isalpha() for c in w.text) >= 3:
                good += 1
    return good >= MIN_READABLE_WORDS


def read_documents(
    pages: list[PageText], images: PageImages | None = None, aps_names: Sequence[str] | None = None
) -> list[ExtractedDocument]:
    """Split the pages into documents, classify and read each; sideways pages are turned upright first.
    aps_names: who counts as APS on a certificate (the policy's additional_insured_names); None takes the
    configured policy's (extractors.coi.policy_aps_names)."""
    pages, images = _upright_pages(pages, images)
    by_no = {p.page_no: p for p in pages}
    out: list[ExtractedDocument] = []
    for seg in segment_pages(pages):
        doc = ExtractedDocument(
            pages=list(seg.pages), doc_type=seg.doc_type, type_confidence=seg.confidence,
            type_evidence=seg.evidence,
        )
        if seg.doc_type in EXTRACTORS:
            seg_pages = [by_no[n] for n in seg.pages if n in by_no]
            reader = EXTRACTORS[seg.doc_type]
            fields = (reader(seg_pages, images, aps_names=aps_names) if seg.doc_type == "coi"
                      else reader(seg_pages, images))
            if seg.doc_type == "nonprofit_letter":
                doc.type_evidence += _ein_notice_check(seg_pages, fields)
            doc.fields = {name: fields.get(name, FieldValue(None)) for name in FIELDS_BY_TYPE[seg.doc_type]}
            doc.needs_review = uncertain_fields(seg.doc_type, doc.fields)
        out.append(doc)
    return out


def _upright_pages(pages: list[PageText], images: PageImages | None) -> tuple[list[PageText], PageImages | None]:
    """Pages whose words run vertically turned upright (pagetext.turn_sideways_page), their images with them,
    so that classification and every reader see them the right way up."""
    turned = [turn_sideways_page(p)[0] for p in pages]
    if all(t is p for t, p in zip(turned, pages, strict=True)):
        return pages, images
    raw = {p.page_no: p for p in pages}
    changed = {t.page_no for t, p in zip(turned, pages, strict=True) if t is not p}
    if images is None:
        return turned, None
    source = images

    def load(page_no: int) -> Image.Image | None:
        img = source(page_no)
        if page_no in changed and img is not None:
            img = turn_sideways_page(raw[page_no], img)[1]
        return img

    return turned, load


def read_documents_with_images(
    pages: list[PageText], image_files: dict[int, Path], aps_names: Sequence[str] | None = None
) -> list[ExtractedDocument]:
    """read_documents with the page images given as files: a job that can run in another process."""
    return read_documents(pages, page_image_loader(image_files), aps_names)


def page_image_loader(image_files: dict[int, Path]) -> PageImages:
    """Each page's image opened on first use (most documents never need one) and kept for the next."""
    cache: dict[int, Image.Image | None] = {}

    def load(page_no: int) -> Image.Image | None:
        if page_no not in cache:
            path = image_files.get(page_no)
            cache[page_no] = Image.open(path).convert("L") if path and path.exists() else None
        return cache[page_no]

    return load


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", text.upper()).split())


def _ein_notice_check(pages: list[PageText], fields: dict[str, FieldValue]) -> str:
    """An IRS letter that is not a determination (CP 575, Letter 147C, an application acknowledgment)
    states no 501(c) exemption: no subsection stands on it.

    Such a letter may name section 501(c)(3) only to say how to apply for it; read as a determination it
    would satisfy the 501(c) rule for a group the IRS never recognised. Returns a note for the evidence.
    """
    text = _norm("\n".join(p.text for p in pages))
    what = next((w for w, pattern in NOT_DETERMINATIONS if re.search(pattern, text)), None)
    if what is None or re.search(STATES_EXEMPTION, text):
        return ""
    if fields.get("subsection") is not None and fields["subsection"].value is not None:
        fields["subsection"] = FieldValue(None)
    return f"; {what}, not a determination letter: it states no 501(c) exemption"


def uncertain_fields(doc_type: str, fields: dict[str, FieldValue]) -> list[str]:
    out = []
    for name in DECISION_CRITICAL.get(doc_type, ()):
        fv = fields.get(name)
        if fv is None or fv.evidence is None:
            continue  # unread: the rules treat a missing value on its own
        if fv.evidence.confidence < REVIEW_CONFIDENCE:
            out.append(name)
    return out
