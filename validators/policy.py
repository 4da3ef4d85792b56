"""The compliance policy as data: load a district's policy file and refuse it with clear reasons.

The rules (validators/rules.py) read every number, name, issuer and message from a Policy, so a
district changes what is enforced by editing a YAML file, not code. A broken file must fail loudly
at load time, naming the key and the problem, rather than silently weakening a check.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rapidfuzz import fuzz

from extractors.names import fold

DEFAULT_POLICY_PATH = Path(__file__).with_name("aps_policy.yaml")

DocKind = Literal[
    "coi", "nonprofit_letter", "business_license", "health_permit", "background_check", "cpr_certificate"
]
DOC_KINDS: tuple[str, ...] = (
    "coi",
    "nonprofit_letter",
    "business_license",
    "health_permit",
    "background_check",
    "cpr_certificate",
)
STANDARD_CATEGORIES: tuple[str, ...] = ("1", "2", "3", "4", "5", "6a", "6b")

# Placeholders every message may use, and the extra ones each finding code is given by the rules.
COMMON_PLACEHOLDERS = frozenset({"org", "where", "judged", "document", "page"})
PLACEHOLDERS: dict[str, frozenset[str]] = {
    code: COMMON_PLACEHOLDERS | frozenset(extra)
    for code, extra in {
        "REQUEST_SHORT_NOTICE": {"submitted", "first_use", "days", "min_days"},
        "REQUEST_NEXT_SCHOOL_YEAR": {"use_date", "use_year", "submitted", "submitted_year"},
        "KITCHEN_SHORT_NOTICE": {"kitchen_date", "submitted", "days", "min_days"},
        "COI_MISSING": set(),
        "NONPROFIT_LETTER_MISSING": set(),
        "BUSINESS_LICENSE_MISSING": set(),
        "HEALTH_PERMIT_MISSING": {"kitchen_dates"},
        "BACKGROUND_CHECK_MISSING": {"person"},
        "COI_LIMIT_BELOW_MINIMUM": {"limit", "gl_limit", "umbrella_note", "minimum"},
        "COI_ADDITIONAL_INSURED_MISSING": set(),
        "COI_EXPIRED": {"expiration"},
        "COI_DOES_NOT_COVER_USE_DATES": {"period", "use_period"},
        "COI_MISSING_AM_BEST": {"insurer"},
        "COI_MISSING_COVERAGE_TRIGGER": set(),
        "COI_MISSING_ACTIVITY": {"problem", "use_period"},
        "COI_INSURED_NAME_MISMATCH": {"printed"},
        "COI_HOLDER_NOT_APS": {"printed"},
        "NONPROFIT_NOT_501C": {"subsection"},
        "NONPROFIT_EIN_MISMATCH": {"printed", "on_file"},
        "NONPROFIT_NAME_MISMATCH": {"printed"},
        "NONPROFIT_REVOKED": {"ein", "revoked"},
        "BUSINESS_LICENSE_EXPIRED": {"expiration"},
        "BUSINESS_LICENSE_LAPSES": {"expiration", "last_use"},
        "BUSINESS_LICENSE_NOT_ABQ": {"printed"},
        "BUSINESS_LICENSE_NAME_MISMATCH": {"printed"},
        "HEALTH_PERMIT_ISSUER_INVALID": {"printed"},
        "HEALTH_PERMIT_DATES": {"period", "uncovered"},
        "BACKGROUND_CHECK_NOT_CLEARED": {"person", "status"},
        "BACKGROUND_CHECK_EXPIRED": {"person", "expiration", "last_use"},
        "DEPOSIT_NOT_RECEIVED": {"deposit_due", "total", "basis", "problem", "threshold"},
        "ACCOUNT_PAST_DUE": {"balance"},
        "CPR_MISSING": {"person"},
        "CPR_EXPIRED": {"person", "expiration", "last_use"},
        "KITCHEN_APPLICATION_MISSING": {"first_kitchen", "deadline", "min_days", "problem"},
    }.items()
}
FINDING_CODES: tuple[str, ...] = tuple(PLACEHOLDERS)


class PolicyError(ValueError):
    """A policy file that cannot be used; `problems` lists 'key.path: what is wrong'."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"policy {source}: {len(problems)} problem(s)\n{lines}")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Category(_Model):
    label: str = Field(min_length=1)
    requires: tuple[DocKind, ...]
    government_exempt: tuple[DocKind, ...] = ()


class Extras(_Model):
    community_school_exempt: tuple[DocKind, ...] = ()
    kitchen_requires: tuple[DocKind, ...] = ()
    serving_students_requires: tuple[DocKind, ...] = ()
    cpr_required_requires: tuple[DocKind, ...] = ()  # of each listed person, when the request says cpr_required


class Insurance(_Model):
    minimum_each_occurrence: int = Field(gt=0)
    umbrella_counts_toward_minimum: bool = True


class Notice(_Model):
    request_min_days: int = Field(ge=0)
    kitchen_min_days: int = Field(ge=0)


class MonthDay(_Model):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)


class RateTiers(_Model):
    """Whole dollars per use date for a use of up to 2 hours, over 2 up to 4, over 4 up to 6."""

    up_to_2h: int = Field(ge=0)
    up_to_4h: int = Field(ge=0)
    up_to_6h: int = Field(ge=0)


class Deposits(_Model):
    categories: tuple[str, ...] = ("4", "5", "6a", "6b")
    when_total_over: int = Field(default=200, ge=0)
    share: float = Field(default=0.5, gt=0, le=1)
    # these categories owe the share of the fees of the last calendar month of use, not of the total
    last_month_categories: tuple[str, ...] = ("6b",)
    refused_instruments: tuple[Literal["check", "money_order", "cash"], ...] = ("cash",)


class Category3Permit(_Model):
    categories: tuple[str, ...] = ("3",)
    fee_up_to_6_months: int = Field(default=50, ge=0)
    fee_up_to_12_months: int = Field(default=100, ge=0)


class Fees(_Model):
    """The rental fee schedule (directive, "Billing and Collecting")."""

    example_rates: bool = False  # true while the amounts are examples, not the district's schedule
    free_categories: tuple[str, ...] = ("1", "2")
    community_school_free: bool = True
    over_6h_share: float = Field(default=0.25, ge=0)  # of the 4-6 hour rate ...
    over_6h_block_hours: int = Field(default=2, gt=0)  # ... for each further block of hours or fraction
    # facility type -> words naming it in a request's facility (whole words, folded)
    facility_words: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    rates: dict[str, dict[str, RateTiers]] = Field(min_length=1)  # facility type -> category -> tiers
    deposit: Deposits = Deposits()
    category3_permit: Category3Permit = Category3Permit()


class KitchenApplication(_Model):
    min_days_before: int = Field(default=14, ge=0)  # approved at least this many days before the first kitchen date


class RegistryRecords(_Model):
    # A registry that leaves out the deposit or kitchen-application key altogether (an older registry) says
    # nothing about them. false: those requests are not judged on it (the fee and deposit owed still show);
    # true: a key left out means none received / none approved.
    absent_means_none: bool = False


class FindingRule(_Model):
    severity: Literal["block", "warn"]
    message: str = Field(min_length=1)
    # said instead when the value the rule compares could not be read off the document at all
    unread_message: str | None = None


class Phrases(_Model):
    where: str = "({kind} p.{page})"
    judged: str = "; judged {document}, the best of {count} on file"
    unknown: str = "not shown"
    document_names: dict[DocKind, str] = Field(
        default_factory=lambda: {
            "coi": "certificate",
            "nonprofit_letter": "IRS letter",
            "business_license": "business license",
            "health_permit": "health permit",
            "background_check": "clearance",
            "cpr_certificate": "CPR card",
        }
    )


class Policy(_Model):
    """A validated policy. Use load_policy() to get one."""

    policy: str = Field(min_length=1)
    version: int = 1
    categories: dict[str, Category]
    extras: Extras = Extras()
    insurance: Insurance
    additional_insured_names: tuple[str, ...] = Field(min_length=1)
    certificate_holder_names: tuple[str, ...] = Field(min_length=1)
    health_permit_issuers: tuple[str, ...] = Field(min_length=1)
    business_license_issuers: tuple[str, ...] = Field(min_length=1)
    notice: Notice
    school_year_starts: MonthDay
    fees: Fees
    kitchen_application: KitchenApplication = KitchenApplication()
    registry_records: RegistryRecords = RegistryRecords()
    findings: dict[str, FindingRule]
    phrases: Phrases = Phrases()

    # ---- what the rules ask of a policy

    def rule(self, code: str) -> FindingRule:
        return self.findings[code]

    def required_documents(
        self, category: str, government: bool = False, community_school: bool = False
    ) -> tuple[str, ...]:
        """Documents an organization of this category must show for a request.

        A category the policy does not know gets every document any category requires, so an
        unknown category is flagged rather than waved through.
        """
        cat = self.categories.get(str(category).strip().lower())
        if cat is None:
            needed = tuple(dict.fromkeys(k for c in self.categories.values() for k in c.requires))
        else:
            needed = cat.requires
            if government:
                needed = tuple(k for k in needed if k not in cat.government_exempt)
        if community_school:
            needed = tuple(k for k in needed if k not in self.extras.community_school_exempt)
        return needed

    def school_year(self, d: date) -> int:
        """The calendar year in which the school year containing d began."""
        start = (self.school_year_starts.month, self.school_year_starts.day)
        return d.year if (d.month, d.day) >= start else d.year - 1

    def is_aps(self, printed: str | None, which: Literal["additional_insured", "holder"]) -> bool:
        """Does the printed text name APS under one of the policy's names (as whole words)?"""
        names = (
            self.additional_insured_names if which == "additional_insured" else self.certificate_holder_names
        )
        if not printed:
            return False
        folded = fold(printed)
        squeezed = folded.replace(" ", "")  # OCR splits words: 'Public School s'
        return any(
            _name_pattern(n).search(folded) or (len(n) >= 10 and fold(n).replace(" ", "") in squeezed)
            or _one_slip_in(fold(n).replace(" ", ""), squeezed)
            for n in names
        )

    def mentions_aps(self, folded_text: str) -> bool:
        """Does already folded text contain any of the APS additional-insured names?"""
        return any(_name_pattern(n).search(folded_text) for n in self.additional_insured_names)

    def issuer_accepted(
        self, kind: Literal["health_permit", "business_license"], printed: str | None
    ) -> bool:
        patterns = self.health_permit_issuers if kind == "health_permit" else self.business_license_issuers
        return bool(printed) and any(_compile(p).search(fold(printed)) for p in patterns)

    def document_name(self, kind: str) -> str:
        return self.phrases.document_names.get(kind, kind.replace("_", " "))  # type: ignore[call-overload]


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@lru_cache(maxsize=256)
def _one_slip_in(name: str, text: str) -> bool:
    """A long name printed with one OCR slip ('Albuquerque Manicipal School District'): one letter
    changed, dropped or added, anywhere in the text. Short names must match exactly: one letter can turn
    one short name into another."""
    if len(name) < 20 or len(text) < len(name) - 1:
        return False
    return fuzz.partial_ratio(name, text, score_cutoff=100 - 100 * 2.2 / (2 * len(name))) > 0


def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + re.escape(fold(name)) + r"(?![a-z0-9])")


# ----------------------------------------------------------------------------- loading


def load_policy(path: Path | str | None = None) -> Policy:
    """Load and check a policy file; None loads the APS default shipped with the package."""
    path = Path(path) if path is not None else DEFAULT_POLICY_PATH
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise PolicyError(source, [f"cannot read the file: {e.strerror or e}"]) from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise PolicyError(source, [f"{where}not valid YAML ({getattr(e, 'problem', None) or e})"]) from e
    return policy_from_dict(data, source)


def policy_from_dict(data: Any, source: str = "<dict>") -> Policy:
    """Check a parsed policy document; raise PolicyError listing every problem found."""
    if not isinstance(data, Mapping):
        raise PolicyError(source, ["the file must be a mapping of keys (policy, categories, findings ...)"])
    try:
        policy = Policy.model_validate(data)
    except ValidationError as e:
        raise PolicyError(source, [_describe(err) for err in e.errors()]) from None
    problems = _semantic_problems(policy)
    if problems:
        raise PolicyError(source, problems)
    return policy


def _describe(err: Mapping[str, Any]) -> str:
    loc = ".".join(str(p) for p in err.get("loc", ())) or "(top level)"
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    got = err.get("input")
    if kind == "missing":
        return f"{loc}: missing (this key is required)"
    if kind == "extra_forbidden":
        return f"{loc}: unknown key (misspelt? it is not part of the policy format)"
    if kind in ("greater_than", "greater_than_equal") and loc.endswith("minimum_each_occurrence"):
        return f"{loc}: must be a positive whole number of dollars (got {got!r})"
    if kind == "literal_error" and loc.endswith("severity"):
        return f"{loc}: severity must be 'block' or 'warn' (got {got!r})"
    if kind == "literal_error":
        return f"{loc}: unknown document kind {got!r} (known: {', '.join(DOC_KINDS)})"
    return f"{loc}: {msg} (got {got!r})"


def _semantic_problems(p: Policy) -> list[str]:
    problems: list[str] = []
    for cat in STANDARD_CATEGORIES:
        if cat not in p.categories:
            problems.append(
                f"categories.{cat}: missing category (every priority-of-use category "
                f"{', '.join(STANDARD_CATEGORIES)} needs an entry, even with requires: [])"
            )
    for key, cat in p.categories.items():
        for k in cat.government_exempt:
            if k not in cat.requires:
                problems.append(
                    f"categories.{key}.government_exempt: {k!r} is not in this category's requires"
                )
    for code in p.findings:
        if code not in PLACEHOLDERS:
            problems.append(f"findings.{code}: unknown finding code (known: {', '.join(FINDING_CODES)})")
    for code in FINDING_CODES:
        if code not in p.findings:
            problems.append(f"findings.{code}: missing (every finding code needs a severity and a message)")
    for code, rule in p.findings.items():
        if code in PLACEHOLDERS:
            problems += _template_problems(f"findings.{code}.message", rule.message, PLACEHOLDERS[code])
            if rule.unread_message is not None:
                problems += _template_problems(
                    f"findings.{code}.unread_message", rule.unread_message, PLACEHOLDERS[code]
                )
    problems += _template_problems("phrases.where", p.phrases.where, frozenset({"kind", "page"}))
    problems += _template_problems(
        "phrases.judged", p.phrases.judged, frozenset({"document", "count", "kind"})
    )
    for key in ("health_permit_issuers", "business_license_issuers"):
        for i, pat in enumerate(getattr(p, key)):
            try:
                re.compile(pat)
            except re.error as e:
                problems.append(f"{key}[{i}]: not a valid pattern ({e}): {pat!r}")
    for key in ("additional_insured_names", "certificate_holder_names"):
        for i, name in enumerate(getattr(p, key)):
            if not fold(name):
                problems.append(f"{key}[{i}]: empty name")
    problems += _fee_problems(p)
    try:
        date(2001, p.school_year_starts.month, p.school_year_starts.day)
    except ValueError:
        problems.append(
            f"school_year_starts: {p.school_year_starts.month}/{p.school_year_starts.day} "
            "is not a day of the year"
        )
    return problems


def _fee_problems(p: Policy) -> list[str]:
    fees, problems = p.fees, []
    known = set(p.categories) | set(STANDARD_CATEGORIES)
    paying = [c for c in p.categories if c not in fees.free_categories]
    for key in ("free_categories",):
        for c in getattr(fees, key):
            if c not in known:
                problems.append(f"fees.{key}: unknown category {c!r}")
    for key, cats in (("deposit.categories", fees.deposit.categories),
                      ("deposit.last_month_categories", fees.deposit.last_month_categories),
                      ("category3_permit.categories", fees.category3_permit.categories)):
        for c in cats:
            if c not in known:
                problems.append(f"fees.{key}: unknown category {c!r}")
    for facility, by_cat in fees.rates.items():
        for c in by_cat:
            if c not in known:
                problems.append(f"fees.rates.{facility}.{c}: unknown category")
        missing = [c for c in paying if c not in by_cat]
        if missing:
            problems.append(
                f"fees.rates.{facility}: no rates for categories {', '.join(missing)} "
                "(every category that pays needs up_to_2h, up_to_4h and up_to_6h)"
            )
    for facility in fees.facility_words:
        if facility not in fees.rates:
            problems.append(f"fees.facility_words.{facility}: not a facility type of fees.rates")
    return problems


def _template_problems(key: str, template: str, allowed: frozenset[str]) -> list[str]:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as e:
        return [f"{key}: broken braces in the message ({e})"]
    bad = sorted({f.split(".")[0].split("[")[0] for f in fields} - allowed)
    if any(f == "" for f in fields):
        return [f"{key}: empty {{}} in the message; name the value, e.g. {{org}}"]
    if bad:
        return [
            f"{key}: unknown placeholder(s) {', '.join('{' + b + '}' for b in bad)} "
            f"(this message may use: {', '.join(sorted(allowed))})"
        ]
    return []
