"""Plain data passed between pipeline stages.

Coordinates are in PDF points (1/72 inch) with the origin at the top-left of the upright
page, whatever the source (text layer or OCR), so layout rules work the same on both.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

TextSource = Literal["text_layer", "ocr"]
DocType = Literal[
    "coi", "nonprofit_letter", "business_license", "health_permit", "background_check", "cpr_certificate"
]
DOC_TYPES: tuple[str, ...] = (
    "coi",
    "nonprofit_letter",
    "business_license",
    "health_permit",
    "background_check",
    "cpr_certificate",
)


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float  # 0-100; 100 for text-layer words
    line: int = 0  # index of the text line the word belongs to on its page

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(slots=True)
class PageText:
    """The words of one page, read from its text layer or by OCR."""

    page_no: int  # 1-based
    width: float
    height: float
    source: TextSource
    words: list[Word] = field(default_factory=list)
    rotation: int = 0  # degrees clockwise applied to the source image to make it upright
    skew: float = 0.0  # small-angle straightening applied after rotation, degrees
    dpi: float = 72.0  # resolution the page was read at (OCR)
    mean_conf: float = 100.0
    # lines() is asked for by every label search of every reader: kept for the word list it was made from
    _lines: tuple[list[Word], int, list[list[Word]]] | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        return "\n".join(" ".join(w.text for w in line) for line in self.lines())

    def lines(self) -> list[list[Word]]:
        memo = self._lines
        if memo is not None and memo[0] is self.words and memo[1] == len(self.words):
            return [list(line) for line in memo[2]]
        out: dict[int, list[Word]] = {}
        for w in self.words:
            out.setdefault(w.line, []).append(w)
        lines = [sorted(ws, key=lambda w: w.x0) for _, ws in sorted(out.items())]
        self._lines = (self.words, len(self.words), lines)
        return [list(line) for line in lines]

    def to_dict(self) -> dict[str, Any]:
        # not asdict(): it deep-copies every word only to have them replaced by the compact rows
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "words" and not f.name.startswith("_")}
        d["words"] = [[w.text, w.x0, w.y0, w.x1, w.y1, w.conf, w.line] for w in self.words]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PageText:
        words = [Word(t, x0, y0, x1, y1, c, ln) for t, x0, y0, x1, y1, c, ln in d["words"]]
        return cls(
            page_no=d["page_no"],
            width=d["width"],
            height=d["height"],
            source=d["source"],
            words=words,
            rotation=d.get("rotation", 0),
            skew=d.get("skew", 0.0),
            dpi=d.get("dpi", 72.0),
            mean_conf=d.get("mean_conf", 100.0),
        )


@dataclass(slots=True)
class Evidence:
    """Where a value was read: the page, the box around the words, the words, how sure."""

    page: int
    bbox: tuple[float, float, float, float] | None
    words: str
    confidence: float  # 0-1, OCR confidence times how reliable the finding method is
    method: str = ""  # e.g. "label 'EACH OCCURRENCE' -> same row, limits column"


@dataclass(slots=True)
class FieldValue:
    value: Any
    evidence: Evidence | None = None


@dataclass(slots=True)
class ExtractedDocument:
    """One compliance document found inside a file (a segment of its pages)."""

    pages: list[int]
    doc_type: str | None  # one of DOC_TYPES, or None = not one of the five
    type_confidence: float
    type_evidence: str
    fields: dict[str, FieldValue] = field(default_factory=dict)
    needs_review: list[str] = field(default_factory=list)  # uncertain decision-critical fields

    def plain_fields(self) -> dict[str, Any]:
        return {k: v.value for k, v in self.fields.items()}


DATE_FIELDS = frozenset(
    {
        "gl_effective", "gl_expiration", "umbrella_effective", "umbrella_expiration", "issue_date",
        "letter_date", "expiration_date", "valid_from", "valid_to", "clearance_date", "valid_through",
    }
)

FIELDS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "coi": (
        "insured_name", "insured_address", "insurer_name", "am_best_rating", "gl_policy_number",
        "gl_effective", "gl_expiration", "gl_each_occurrence", "gl_aggregate", "coverage_trigger",
        "umbrella_each_occurrence", "umbrella_effective", "umbrella_expiration", "additional_insured_aps",
        "certificate_holder", "description", "issue_date",
    ),
    "nonprofit_letter": ("org_name", "ein", "subsection", "letter_date"),
    "business_license": ("business_name", "license_number", "issuer", "issue_date", "expiration_date"),
    "health_permit": ("permittee", "permit_number", "issuer", "event_name", "valid_from", "valid_to"),
    "background_check": ("person_name", "status", "clearance_date", "expiration_date"),
    "cpr_certificate": ("person_name", "issuer", "issue_date", "valid_through"),
}
