"""The rental fee of a request, from the policy's rate schedule (directive, "Billing and Collecting").

Plain functions over plain records: the fee per use date and in total, why it is waived (categories 1 and 2,
community-school use, a Category 3 group's annual permit), and the deposit owed with the AC-11. The rules
(validators/rules.py) judge the deposit from this; the check stores it so the request page and the export
show the same amounts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from extractors.names import fold
from storage.records import Cat3Permit, FacilityRequest, Organization
from validators.policy import Policy, RateTiers


@dataclass(slots=True)
class PermitCover:
    """How a Category 3 group's annual permit covers the request's use dates."""

    issued: date
    expires: date
    fee_paid: int | None
    honoured: bool
    problem: str | None  # why it is not honoured, in staff's words
    covered: list[date] = field(default_factory=list)
    not_covered: list[date] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "issued": self.issued.isoformat(), "expires": self.expires.isoformat(), "fee_paid": self.fee_paid,
            "honoured": self.honoured, "problem": self.problem,
            "covers_all_use_dates": self.honoured and not self.not_covered,
            "covered": [d.isoformat() for d in self.covered],
            "not_covered": [d.isoformat() for d in self.not_covered],
        }


@dataclass(slots=True)
class Fee:
    """The fee of one request. `total` is None when it cannot be worked out (`problem` says why)."""

    total: int | None
    deposit_due: int | None
    per_date: dict[date, int | None]
    waived_because: str | None = None  # "category 1" | "category 2" | "category 3 permit" | "community school"
    category: str = ""
    facility_types: list[str] = field(default_factory=list)
    minutes: int | None = None
    example_rates: bool = False
    deposit_basis: str | None = None  # "50% of the total fee" | "50% of the fees of 2027-03 (the last month)"
    permit: PermitCover | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The export's `fee` object (shared spec) plus what the request page shows beside it."""
        return {
            "total": self.total,
            "deposit_due": self.deposit_due,
            "per_date": {d.isoformat(): v for d, v in sorted(self.per_date.items())},
            "waived_because": self.waived_because,
            "category": self.category,
            "facility_types": list(self.facility_types),
            "hours": round(self.minutes / 60, 2) if self.minutes is not None else None,
            "example_rates": self.example_rates,
            "deposit_basis": self.deposit_basis,
            "cat3_permit": self.permit.to_dict() if self.permit else None,
            "problem": self.problem,
        }


_TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*([ap])?\.?\s*m?\.?\s*$", re.I)


def clock_minutes(text: str | None) -> int | None:
    """Minutes after midnight of '09:00', '18:30', '9:00 am', '7 PM'; None when it is not a time."""
    m = _TIME.match(text or "")
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m.group(3).lower() == "p" else 0)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        return None
    return hour * 60 + minute


def use_minutes(start: str | None, end: str | None) -> int | None:
    """Length of one use; None when a time is missing or the end is not after the start."""
    a, b = clock_minutes(start), clock_minutes(end)
    if a is None or b is None or b <= a:
        return None
    return b - a


def rate_for(tiers: RateTiers, minutes: int, share: float, block_hours: int) -> Decimal:
    """The schedule's amount for one use of `minutes`: up to 2 h, over 2 up to 4 h, over 4 up to 6 h; over
    6 h the 4-6 hour rate plus `share` of it for each further block of `block_hours` or fraction."""
    if minutes <= 120:
        return Decimal(tiers.up_to_2h)
    if minutes <= 240:
        return Decimal(tiers.up_to_4h)
    base = Decimal(tiers.up_to_6h)
    if minutes <= 360:
        return base
    blocks = math.ceil((minutes - 360) / (block_hours * 60))
    return base + base * Decimal(str(share)) * blocks


def whole_dollars(v: Decimal) -> int:
    return int(v.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def facility_types(request: FacilityRequest, policy: Policy) -> list[str]:
    """The rate schedule's facility types a request uses: its facility_type, else the words of its facility."""
    rates = policy.fees.rates
    if request.facility_type:
        key = fold(request.facility_type).replace(" ", "_")
        return [key] if key in rates else []
    return list(_types_named(request.facility or "", _facility_patterns(policy)))


_PATTERNS: dict[int, tuple[Policy, tuple[tuple[str, re.Pattern[str]], ...]]] = {}


def _facility_patterns(policy: Policy) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One pattern per facility type, made once per policy (a sweep asks for every request)."""
    held = _PATTERNS.get(id(policy))
    if held is not None and held[0] is policy:
        return held[1]
    out = []
    for kind in policy.fees.rates:
        words = [fold(w) for w in (kind.replace("_", " "), *policy.fees.facility_words.get(kind, ())) if fold(w)]
        alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
        out.append((kind, re.compile(r"(?<![a-z0-9])(?:" + alternatives + r")(?![a-z0-9])")))
    _PATTERNS.clear()
    _PATTERNS[id(policy)] = (policy, tuple(out))
    return tuple(out)


@lru_cache(maxsize=4096)
def _types_named(facility: str, patterns: tuple[tuple[str, re.Pattern[str]], ...]) -> tuple[str, ...]:
    text = fold(facility)
    found = sorted((m.start(), kind) for kind, rx in patterns if (m := rx.search(text)))
    return tuple(kind for _, kind in found)


def charged_category(request: FacilityRequest, org: Organization) -> str:
    """The organization's category; a commercial group's regular use (twice a week or more) is 6b."""
    category = str(org.category).strip().lower()
    return "6b" if category == "6a" and request.regular_use else category


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)  # pragma: no cover - day 28 exists in every month


def permit_cover(permit: Cat3Permit, use_dates: list[date], policy: Policy) -> PermitCover:
    """Is the annual permit honoured (at most 12 months, its term's fee paid), and which dates does it cover?"""
    rule = policy.fees.category3_permit
    problem = None
    if permit.expires > add_months(permit.issued, 12):
        problem = "it runs longer than 12 months, so it is not an annual permit"
    else:
        due = rule.fee_up_to_6_months if permit.expires <= add_months(permit.issued, 6) else rule.fee_up_to_12_months
        if permit.fee_paid is None:
            problem = f"its fee paid is not recorded (${due} for its term)"
        elif permit.fee_paid < due:
            problem = f"its fee paid, ${permit.fee_paid}, is short of ${due} for its term"
    covered = [d for d in use_dates if problem is None and permit.issued <= d <= permit.expires]
    return PermitCover(permit.issued, permit.expires, permit.fee_paid, problem is None, problem,
                       covered, [d for d in use_dates if d not in covered])


def request_fee(request: FacilityRequest, org: Organization, policy: Policy) -> Fee:
    """The fee per use date and in total, why it is waived, and the deposit owed."""
    fees = policy.fees
    use_dates = sorted(set(request.use_dates))
    category = charged_category(request, org)
    minutes = use_minutes(request.start_time, request.end_time)
    kinds = facility_types(request, policy)
    base = Fee(total=0, deposit_due=0, per_date=dict.fromkeys(use_dates, 0), category=category,
               facility_types=kinds, minutes=minutes, example_rates=fees.example_rates)
    if category in fees.free_categories:
        base.waived_because = f"category {category}"
        return base
    if request.community_school and fees.community_school_free:
        base.waived_because = "community school"
        return base
    if category in fees.category3_permit.categories and org.cat3_permit is not None:
        base.permit = permit_cover(org.cat3_permit, use_dates, policy)
        if base.permit.honoured and not base.permit.not_covered:
            base.waived_because = "category 3 permit"
            return base
    problem = None
    if minutes is None and not (request.start_time or "").strip() and not (request.end_time or "").strip():
        problem = "the request gives no start and end time of use"
    elif minutes is None:
        problem = (f"the use time {request.start_time or '(none)'} to {request.end_time or '(none)'} is not a start "
                   "and a later end time")
    elif not kinds:
        shown = request.facility_type or request.facility
        problem = (f"the facility '{shown}' is not a facility type of the rate schedule" if shown
                   else "the request names no facility")
    elif any(category not in fees.rates[k] for k in kinds):
        problem = f"the rate schedule has no rate for category {category}"
    if problem is not None:
        base.total = base.deposit_due = None
        base.per_date = dict.fromkeys(use_dates, None)
        base.problem = problem
        return base
    assert minutes is not None
    one = whole_dollars(sum((rate_for(fees.rates[k][category], minutes, fees.over_6h_share,
                                      fees.over_6h_block_hours) for k in kinds), Decimal(0)))
    covered = set(base.permit.covered) if base.permit else set()
    base.per_date = {d: 0 if d in covered else one for d in use_dates}
    base.total = sum(v or 0 for v in base.per_date.values())
    base.deposit_due, base.deposit_basis = deposit_owed(base, category, policy)
    return base


def deposit_owed(fee: Fee, category: str, policy: Policy) -> tuple[int, str | None]:
    """The deposit owed with the AC-11 and what it is a share of (0, None when none is owed)."""
    rule = policy.fees.deposit
    if category not in rule.categories or fee.total is None or fee.total <= rule.when_total_over:
        return 0, None
    pct = f"{rule.share * 100:g}%"
    if category in rule.last_month_categories and fee.per_date:
        last = max(fee.per_date)
        month = sum(v or 0 for d, v in fee.per_date.items() if (d.year, d.month) == (last.year, last.month))
        return whole_dollars(Decimal(month) * Decimal(str(rule.share))), (
            f"{pct} of the last month's fees, ${month:,} in {last.strftime('%B %Y')}"
        )
    return whole_dollars(Decimal(fee.total) * Decimal(str(rule.share))), f"{pct} of the total fee"
