"""From a file's pages to the compliance documents inside it: split, classify, read fields."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image

from extractors.background_check import extract_background_check
from extractors.business_license import extract_business_license
from extractors.classify import segment_pages
from extractors.coi import extract_coi
from extractors.health_permit import extract_health_permit
from extractors.model import FIELDS_BY_TYPE, ExtractedDocument, FieldValue, PageText
from extractors.nonprofit_letter import extract_nonprofit_letter

PageImages = Callable[[int], Image.Image | None]
Extractor = Callable[[list[PageText], PageImages | None], dict[str, FieldValue]]

EXTRACTORS: dict[str, Extractor] = {
    "coi": extract_coi,
    "nonprofit_letter": extract_nonprofit_letter,
    "business_license": extract_business_license,
    "health_permit": extract_health_permit,
    "background_check": extract_background_check,
}

# Fields a decision rests on; when one is unread or read with low confidence, a person checks it.
DECISION_CRITICAL: dict[str, tuple[str, ...]] = {
    "coi": ("insured_name", "gl_each_occurrence", "gl_effective", "gl_expiration", "coverage_trigger",
            "additional_insured_aps", "am_best_rating"),
    "nonprofit_letter": ("org_name", "ein", "subsection"),
    "business_license": ("business_name", "issuer", "expiration_date"),
    "health_permit": ("issuer", "valid_from", "valid_to"),
    "background_check": ("person_name", "status", "expiration_date"),
}
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


def read_documents(pages: list[PageText], images: PageImages | None = None) -> list[ExtractedDocument]:
    by_no = {p.page_no: p for p in pages}
    out: list[ExtractedDocument] = []
    for seg in segment_pages(pages):
        doc = ExtractedDocument(
            pages=list(seg.pages), doc_type=seg.doc_type, type_confidence=seg.confidence,
            type_evidence=seg.evidence,
        )
        if seg.doc_type in EXTRACTORS:
            seg_pages = [by_no[n] for n in seg.pages if n in by_no]
            fields = EXTRACTORS[seg.doc_type](seg_pages, images)
            doc.fields = {name: fields.get(name, FieldValue(None)) for name in FIELDS_BY_TYPE[seg.doc_type]}
            doc.needs_review = uncertain_fields(seg.doc_type, doc.fields)
        out.append(doc)
    return out


def read_documents_with_images(pages: list[PageText], image_files: dict[int, Path]) -> list[ExtractedDocument]:
    """read_documents with the page images given as files: a job that can run in another process."""
    return read_documents(pages, page_image_loader(image_files))


def page_image_loader(image_files: dict[int, Path]) -> PageImages:
    """Each page's image opened on first use (most documents never need one) and kept for the next."""
    cache: dict[int, Image.Image | None] = {}

    def load(page_no: int) -> Image.Image | None:
        if page_no not in cache:
            path = image_files.get(page_no)
            cache[page_no] = Image.open(path).convert("L") if path and path.exists() else None
        return cache[page_no]

    return load


def uncertain_fields(doc_type: str, fields: dict[str, FieldValue]) -> list[str]:
    out = []
    for name in DECISION_CRITICAL.get(doc_type, ()):
        fv = fields.get(name)
        if fv is None or fv.evidence is None:
            continue  # unread: the rules treat a missing value on its own
        if fv.evidence.confidence < REVIEW_CONFIDENCE:
            out.append(name)
    return out
