"""The rules stage: plain facts about a request, its organization and its documents -> findings.

Every rule is a small pure function; numbers, names, issuers, severities and messages come from the
Policy (validators/aps_policy.yaml). The top goal is zero false accepts, so a value a document does
not show (None) never passes a blocking check: it raises the finding the check exists for, with a
message that says the value was not shown.

Where an organization has several documents of one kind (an expired certificate and its renewal,
one certificate per event), each is judged on its own and the one that best covers the request is
reported; the message then says which one was judged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from extractors.names import fold, org_names_match, person_names_match
from extractors.normalize import find_dates, month_number, parse_date, parse_ein, parse_money
from storage.records import DocumentOnFile, FacilityRequest, Finding, Organization, Revocation
from validators.fees import Fee, request_fee
from validators.policy import Policy

Verdict = Literal["flagged", "compliant"]


# ----------------------------------------------------------------------------- plain values


def as_date(v: Any) -> date | None:
    """A date from a date, datetime or printed/ISO string; None when there is none."""
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = str(v).strip()
    try:
        return date.fromisoformat(s[:10])
    except ValueError:
        return parse_date(s)


def as_money(v: Any) -> int | None:
    if v is None or v == "" or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return round(v)
    return parse_money(str(v))


def as_text(v: Any) -> str | None:
    if v is None:
        return None
    s = " ".join(str(v).split())
    return s or None


def ein_digits(v: Any) -> str | None:
    """NN-NNNNNNN from any printed EIN, or None."""
    s = as_text(v)
    if not s:
        return None
    digits = re.sub(r"\D", "", s)
    if len(digits) == 9:
        return f"{digits[:2]}-{digits[2:]}"
    return parse_ein(s)


def money(v: int | None) -> str:
    return f"${v:,}" if v is not None else "not shown"


def iso(d: date | None, unknown: str = "not shown") -> str:
    return d.isoformat() if d else unknown


def span(dates: Sequence[date]) -> str:
    if not dates:
        return "none given"
    return dates[0].isoformat() if len(dates) == 1 else f"{dates[0].isoformat()} to {dates[-1].isoformat()}"


def period(start: date | None, end: date | None, unknown: str = "not shown") -> str:
    return f"{iso(start, unknown)} to {iso(end, unknown)}"


def quoted(v: Any, unknown: str = "not shown") -> str:
    s = as_text(v)
    return f"'{s}'" if s else unknown


# ----------------------------------------------------------------------------- findings


@dataclass(slots=True)
class Context:
    """What every rule needs to know about the request being checked."""

    request: FacilityRequest
    org: Organization
    policy: Policy
    as_of: date
    use_dates: list[date]
    kitchen_dates: list[date]
    submitted: date

    @property
    def first_use(self) -> date | None:
        return self.use_dates[0] if self.use_dates else None

    @property
    def last_use(self) -> date | None:
        return self.use_dates[-1] if self.use_dates else None


def make_finding(
    ctx: Context,
    code: str,
    doc: DocumentOnFile | None = None,
    *,
    field: str | None = None,
    subject: str | None = None,
    judged: str = "",
    unread: bool = False,
    **values: Any,
) -> Finding:
    """A Finding with the policy's severity and message; page from the field's evidence. `unread`: the
    value the rule compares could not be read, which the policy may word differently."""
    rule = ctx.policy.rule(code)
    page = doc_page(doc, field) if doc else None
    where = ""
    if doc is not None:
        where = ctx.policy.phrases.where.format(
            kind=ctx.policy.document_name(doc.doc_type), page=page if page is not None else "?"
        )
    values = {
        "org": f"'{ctx.org.name}'",
        "where": where,
        "judged": judged,
        "document": doc.document if doc else "",
        "page": page if page is not None else "",
        **values,
    }
    template = rule.unread_message if unread and rule.unread_message else rule.message
    message = _tidy(template.format(**values))
    return Finding(
        code=code,
        severity=rule.severity,
        message=message,
        subject=subject,
        document=doc.document if doc else None,
        page=page,
        segment_id=doc.segment_id if doc else None,
    )


def _tidy(message: str) -> str:
    message = re.sub(r"\s+", " ", message)
    message = re.sub(r"\s+([;,.)])", r"\1", message)
    return message.strip()


def doc_page(doc: DocumentOnFile, field: str | None = None) -> int | None:
    ev = doc.evidence.get(field) if field else None
    if isinstance(ev, dict) and isinstance(ev.get("page"), int):
        return ev["page"]
    return doc.pages[0] if doc.pages else None


def verdict(findings: Iterable[Finding]) -> Verdict:
    """Flagged when any finding blocks; a request with only warnings (or waived blocks) is compliant."""
    blocking = (f for f in findings if f.severity == "block" and getattr(f, "waiver_id", None) is None)
    return "flagged" if any(blocking) else "compliant"


# ----------------------------------------------------------------------------- the request


def request_findings(ctx: Context) -> list[Finding]:
    """Notice periods and the school-year boundary."""
    out: list[Finding] = []
    pol, sub = ctx.policy, ctx.submitted
    if ctx.first_use:
        days = (ctx.first_use - sub).days
        if days < pol.notice.request_min_days:
            out.append(
                make_finding(
                    ctx,
                    "REQUEST_SHORT_NOTICE",
                    submitted=iso(sub),
                    first_use=iso(ctx.first_use),
                    days=days,
                    min_days=pol.notice.request_min_days,
                )
            )
    sub_year = pol.school_year(sub)
    later = [d for d in ctx.use_dates if pol.school_year(d) > sub_year]
    if later:
        y = pol.school_year(later[0])
        out.append(
            make_finding(
                ctx,
                "REQUEST_NEXT_SCHOOL_YEAR",
                use_date=iso(later[0]),
                use_year=f"{y}-{y + 1}",
                submitted=iso(sub),
                submitted_year=f"{sub_year}-{sub_year + 1}",
            )
        )
    if ctx.kitchen_dates:
        first_k = ctx.kitchen_dates[0]
        days = (first_k - sub).days
        if days < pol.notice.kitchen_min_days:
            out.append(
                make_finding(
                    ctx,
                    "KITCHEN_SHORT_NOTICE",
                    kitchen_date=iso(first_k),
                    submitted=iso(sub),
                    days=days,
                    min_days=pol.notice.kitchen_min_days,
                )
            )
    return out


# ----------------------------------------------------------------------------- judging one of several


def judge_best(
    ctx: Context,
    docs: list[DocumentOnFile],
    judge: Callable[[DocumentOnFile, str], list[Finding]],
    rank: Callable[[DocumentOnFile, list[Finding]], tuple],
) -> tuple[DocumentOnFile | None, list[Finding]]:
    """Judge every document of one kind and report the one that best covers the request.

    `rank` gives a sort key (smaller is better) from a document and its own findings; the judged
    document's findings carry a note naming it when there were several.
    """
    if not docs:
        return None, []
    note = ""
    scored = [(rank(d, judge(d, "")), i, d) for i, d in enumerate(docs)]
    scored.sort(key=lambda t: (t[0], t[1]))
    best = scored[0][2]
    if len(docs) > 1:
        note = ctx.policy.phrases.judged.format(
            document=best.document, count=len(docs), kind=ctx.policy.document_name(best.doc_type)
        )
    return best, judge(best, note)


def _blocks(findings: list[Finding]) -> int:
    return sum(f.severity == "block" for f in findings)


def _warns(findings: list[Finding]) -> int:
    return sum(f.severity != "block" for f in findings)


def _neg_ordinal(d: date | None) -> int:
    return -d.toordinal() if d else 0


# ----------------------------------------------------------------------------- certificate of insurance

_CONNECTOR = re.compile(r"^\s*(?:-|–|—|to|through|thru|until|till|up to|and through|\u2013|\u2014)\s*$", re.I)
_MONTH_DAY = re.compile(
    r"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*,?\s*\d{4})"
)


_DAY_RANGE = re.compile(
    r"(?i)\b(?P<m>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?)\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?"
    r"\s*(?:-|–|—|to|through|thru)\s*(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b"
)
_YEARLESS = re.compile(
    r"(?i)\b(?:(?P<name>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<nd>\d{1,2})(?!\d)(?:st|nd|rd|th)?)"
    r"|(?<![\d/])(?P<num>(?P<nm>\d{1,2})/(?P<nd2>\d{1,2}))(?![\d/]))(?!\s*,?\s*(?:19|20)\d\d)"
)


def with_years(text: str) -> str:
    """Give the dates a person reads with the year printed after them their year: 'Jan. 16-23, 2027',
    'Jan 9 through Mar 27, 2027', '1/16, 1/23 and 3/6/2027'. A date later in the year than the dated one
    it runs up to belongs to the year before ('Dec 5 through Jan 9, 2027')."""
    text = _DAY_RANGE.sub(lambda m: f"{m['m']} {m['d1']}, {m['y']} - {m['m']} {m['d2']}, {m['y']}", text)
    out, pos = [], 0
    for m in _YEARLESS.finditer(text):
        later = [d for d, s, _e in find_dates(text[m.end() : m.end() + 120]) if s < 60]
        if not later:
            continue
        month = (month_number(m["name"][:3]) or 0) if m["name"] else int(m["nm"])  # 'Sept.', 'Sep'
        day = int(m["nd"] or m["nd2"])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            continue
        nxt = later[0]
        year = nxt.year - 1 if (month, day) > (nxt.month, nxt.day) else nxt.year
        out.append(text[pos : m.end()] + (f", {year}" if m["name"] else f"/{year}"))
        pos = m.end()
    return "".join(out) + text[pos:]


def named_periods(text: str) -> list[tuple[date, date]]:
    """Dates and date ranges ('1/13/2027 through 2/24/2027') named in free text, as (start, end)."""
    text = with_years(text)
    found = find_dates(text)
    out: list[tuple[date, date]] = []
    i = 0
    while i < len(found):
        d, _, end = found[i]
        if i + 1 < len(found):
            d2, start2, _ = found[i + 1]
            if _CONNECTOR.match(text[end:start2]) and d <= d2 and (d2 - d).days <= 400:
                out.append((d, d2))
                i += 2
                continue
        out.append((d, d))
        i += 1
    return out


def _month_days(text: str) -> list[tuple[int, int]]:
    """Month-name dates printed without a year ('Jan 16'), as (month, day)."""
    out = []
    for m in _MONTH_DAY.finditer(text):
        day = int(m.group(2))
        if 1 <= day <= 31:
            out.append((month_number(m.group(1)) or 0, day))
    return out


def activity_dates_named(description: str | None, use_dates: Sequence[date]) -> list[date]:
    """The use dates that the description names, itself or inside a stated range.

    A description 'names a date of the activity' when one of the request's use dates is printed in
    it, or falls inside a range it prints ('Saturdays 8/28/2027 to 10/23/2027'). Dates of another
    event on the same certificate do not count.
    """
    if not description:
        return []
    periods = named_periods(description)
    month_days = set(_month_days(description))
    return [u for u in use_dates if any(a <= u <= b for a, b in periods) or (u.month, u.day) in month_days]


_AI_PHRASE = re.compile(r"\badditional(?:ly)? insured|\baddl insd\b|\badd l insured\b")


def states_aps_additional_insured(description: str | None, holder: str | None, policy: Policy) -> bool:
    """Does the text say APS (or the certificate holder, when it is APS) is additional insured?"""
    if not description:
        return False
    for sentence in re.split(r"(?<=[.;])\s+|\n", description):
        s = fold(sentence)
        if not _AI_PHRASE.search(s) or re.search(r"\bnot\b", s):
            continue
        if policy.mentions_aps(s):
            return True
        if "certificate holder" in s and policy.is_aps(holder, "holder"):
            return True
    return False


_RATING = re.compile(r"(?<![A-Za-z])(?:A\+\+|A\+|A-|A|B\+\+|B\+|B-|B|C\+\+|C\+|C-|C|D|E|F|S)(?![A-Za-z])")


def has_am_best_rating(v: Any) -> bool:
    s = as_text(v)
    if not s:
        return False
    s = re.sub(r"(?i)a\.?\s*m\.?\s*best|best'?s|rating|fsc|class", " ", s)
    return bool(_RATING.search(s)) and not re.search(r"(?i)\b(nr|not rated|n/?a|none)\b", s)


def coverage_trigger(v: Any) -> str | None:
    s = fold(as_text(v) or "").replace(" ", "")
    if s in ("occurrence", "occur", "occ"):
        return "occurrence"
    if s in ("claimsmade", "claims", "claimmade"):
        return "claims_made"
    return None


def coi_limit(doc: DocumentOnFile, use_dates: Sequence[date], policy: Policy) -> tuple[int, int | None, str]:
    """(counted each-occurrence limit, GL limit, note on the umbrella) for the use dates."""
    f = doc.fields
    gl = as_money(f.get("gl_each_occurrence"))
    umb = as_money(f.get("umbrella_each_occurrence"))
    total = gl or 0
    note = ""
    if umb:
        u_from, u_to = as_date(f.get("umbrella_effective")), as_date(f.get("umbrella_expiration"))
        covers = (
            bool(use_dates)
            and u_from is not None
            and u_to is not None
            and u_from <= use_dates[0]
            and use_dates[-1] <= u_to
        )
        if covers and policy.insurance.umbrella_counts_toward_minimum:
            total += umb
            note = f" (general liability {money(gl)} plus umbrella {money(umb)})"
        elif policy.insurance.umbrella_counts_toward_minimum:
            note = (
                f" (an umbrella of {money(umb)} is not counted: its period "
                f"{period(u_from, u_to)} does not cover every use date)"
            )
    return total, gl, note


def coi_covers_use_dates(doc: DocumentOnFile, ctx: Context) -> bool:
    eff, exp = as_date(doc.fields.get("gl_effective")), as_date(doc.fields.get("gl_expiration"))
    if eff is None or exp is None or exp < ctx.as_of:
        return False
    return not ctx.use_dates or (eff <= ctx.use_dates[0] and ctx.use_dates[-1] <= exp)


def coi_findings(ctx: Context, doc: DocumentOnFile, judged: str = "") -> list[Finding]:
    """Every certificate rule, on one certificate."""
    pol, f, out = ctx.policy, doc.fields, []
    unknown = pol.phrases.unknown

    def add(code: str, field: str | None = None, **values: Any) -> None:
        out.append(make_finding(ctx, code, doc, field=field, judged=judged, **values))

    total, gl, note = coi_limit(doc, ctx.use_dates, pol)
    if gl is None or total < pol.insurance.minimum_each_occurrence:
        add(
            "COI_LIMIT_BELOW_MINIMUM",
            "gl_each_occurrence",
            limit=money(total) if gl is not None else unknown,
            gl_limit=money(gl),
            umbrella_note=note,
            minimum=money(pol.insurance.minimum_each_occurrence),
        )

    ai = f.get("additional_insured_aps")
    if ai is None:
        ai = states_aps_additional_insured(
            as_text(f.get("description")), as_text(f.get("certificate_holder")), pol
        )
    if ai is not True:
        add("COI_ADDITIONAL_INSURED_MISSING", "additional_insured_aps")

    eff, exp = as_date(f.get("gl_effective")), as_date(f.get("gl_expiration"))
    if exp is not None and exp < ctx.as_of:
        add("COI_EXPIRED", "gl_expiration", expiration=iso(exp))
    elif not coi_covers_use_dates(doc, ctx):
        add(
            "COI_DOES_NOT_COVER_USE_DATES",
            "gl_expiration" if eff else "gl_effective",
            period=period(eff, exp, unknown),
            use_period=span(ctx.use_dates),
        )

    if not has_am_best_rating(f.get("am_best_rating")):
        insurer = as_text(f.get("insurer_name"))
        add("COI_MISSING_AM_BEST", "am_best_rating", insurer=f" ({insurer})" if insurer else "")

    if coverage_trigger(f.get("coverage_trigger")) is None:
        add("COI_MISSING_COVERAGE_TRIGGER", "coverage_trigger")

    description = as_text(f.get("description"))
    if not description:
        add("COI_MISSING_ACTIVITY", "description", problem="is empty", use_period=span(ctx.use_dates))
    elif ctx.use_dates and not activity_dates_named(description, ctx.use_dates):
        printed = named_periods(description)
        problem = (
            "names no date"
            if not printed
            else "names no date of this activity (it names "
            + ", ".join(
                a.isoformat() if a == b else f"{a.isoformat()} to {b.isoformat()}" for a, b in printed[:3]
            )
            + ")"
        )
        add("COI_MISSING_ACTIVITY", "description", problem=problem, use_period=span(ctx.use_dates))

    insured = as_text(f.get("insured_name"))
    if not org_names_match(insured, ctx.org.names):
        add("COI_INSURED_NAME_MISMATCH", "insured_name", printed=quoted(insured, unknown))

    holder = as_text(f.get("certificate_holder"))
    if not pol.is_aps(holder, "holder"):
        add("COI_HOLDER_NOT_APS", "certificate_holder", printed=quoted(holder, unknown))
    return out


def coi_rank(ctx: Context) -> Callable[[DocumentOnFile, list[Finding]], tuple]:
    def rank(doc: DocumentOnFile, findings: list[Finding]) -> tuple:
        named = len(activity_dates_named(as_text(doc.fields.get("description")), ctx.use_dates))
        return (
            not coi_covers_use_dates(doc, ctx),
            _blocks(findings),
            -named,
            _warns(findings),
            _neg_ordinal(as_date(doc.fields.get("gl_expiration"))),
            _neg_ordinal(as_date(doc.fields.get("issue_date"))),
        )

    return rank


# ----------------------------------------------------------------------------- 501(c) letter

_SUBSECTION = re.compile(r"501\s*\(?\s*c\s*\)?\s*\(?\s*(\d{1,2})\s*\)?", re.I)


def states_501c(v: Any) -> bool:
    s = as_text(v)
    return bool(s and _SUBSECTION.search(s))


def letter_findings(
    ctx: Context, doc: DocumentOnFile, revoked_eins: dict[str, Revocation] | None, judged: str = ""
) -> list[Finding]:
    pol, f, out = ctx.policy, doc.fields, []
    unknown = pol.phrases.unknown

    def add(code: str, field: str | None = None, **values: Any) -> None:
        out.append(make_finding(ctx, code, doc, field=field, judged=judged, **values))

    sub = as_text(f.get("subsection"))
    if not states_501c(sub):
        add("NONPROFIT_NOT_501C", "subsection", subsection=f" (it shows {sub})" if sub else "")
    letter_ein = ein_digits(f.get("ein"))
    org_ein = ein_digits(ctx.org.ein)
    if letter_ein is None and (org_ein or revoked_eins is not None):
        # Without the letter's EIN neither the EIN on file nor the revocation list can be checked.
        add("NONPROFIT_EIN_MISMATCH", "ein", unread=True, printed=unknown, on_file=org_ein or "(none on file)")
    elif org_ein and letter_ein != org_ein:
        add("NONPROFIT_EIN_MISMATCH", "ein", printed=letter_ein, on_file=org_ein)
    name = as_text(f.get("org_name"))
    if not org_names_match(name, ctx.org.names):
        add("NONPROFIT_NAME_MISMATCH", "org_name", printed=quoted(name, unknown))
    return out


def revoked(ein: str | None, revoked_eins: dict[str, Revocation] | None) -> Revocation | None:
    """The revocation of this EIN still in force (no reinstatement date), if any."""
    if not ein or not revoked_eins:
        return None
    rev = revoked_eins.get(ein) or revoked_eins.get(ein.replace("-", ""))
    return rev if rev is not None and rev.reinstatement_date is None else None


def revocation_findings(
    ctx: Context, letter: DocumentOnFile | None, revoked_eins: dict[str, Revocation] | None
) -> list[Finding]:
    """NONPROFIT_REVOKED for the EIN on file and the judged letter's EIN."""
    eins = [ein_digits(ctx.org.ein)]
    if letter is not None:
        eins.insert(0, ein_digits(letter.fields.get("ein")))
    out = []
    for ein in dict.fromkeys(e for e in eins if e):
        rev = revoked(ein, revoked_eins)
        if rev:
            from_letter = letter is not None and ein_digits(letter.fields.get("ein")) == ein
            out.append(
                make_finding(
                    ctx,
                    "NONPROFIT_REVOKED",
                    letter if from_letter else None,
                    field="ein",
                    ein=ein,
                    revoked=iso(rev.revocation_date),
                )
            )
    return out


def letter_rank(doc: DocumentOnFile, findings: list[Finding]) -> tuple:
    # A letter that grants 501(c) exemption beats one that does not (an EIN notice filed beside it),
    # whatever else could not be read on it.
    return (not states_501c(doc.fields.get("subsection")), _blocks(findings), _warns(findings),
            _neg_ordinal(as_date(doc.fields.get("letter_date"))))


# ----------------------------------------------------------------------------- business license


def license_findings(ctx: Context, doc: DocumentOnFile, judged: str = "") -> list[Finding]:
    pol, f, out = ctx.policy, doc.fields, []
    unknown = pol.phrases.unknown

    def add(code: str, field: str | None = None, **values: Any) -> None:
        out.append(make_finding(ctx, code, doc, field=field, judged=judged, **values))

    exp = as_date(f.get("expiration_date"))
    if exp is None or exp < ctx.as_of:
        add("BUSINESS_LICENSE_EXPIRED", "expiration_date", expiration=iso(exp, unknown))
    if exp is not None and ctx.last_use and exp < ctx.last_use:
        add("BUSINESS_LICENSE_LAPSES", "expiration_date", expiration=iso(exp), last_use=iso(ctx.last_use))
    issuer = as_text(f.get("issuer"))
    if not pol.issuer_accepted("business_license", issuer):
        add("BUSINESS_LICENSE_NOT_ABQ", "issuer", printed=quoted(issuer, unknown))
    name = as_text(f.get("business_name"))
    if not org_names_match(name, ctx.org.names):
        add("BUSINESS_LICENSE_NAME_MISMATCH", "business_name", printed=quoted(name, unknown))
    return out


def license_rank(doc: DocumentOnFile, findings: list[Finding]) -> tuple:
    return (_blocks(findings), _warns(findings), _neg_ordinal(as_date(doc.fields.get("expiration_date"))))


# ----------------------------------------------------------------------------- health permit


def permit_covers(doc: DocumentOnFile, d: date) -> bool:
    start, end = as_date(doc.fields.get("valid_from")), as_date(doc.fields.get("valid_to"))
    if start is None and end is None:
        return False
    start = start or end
    end = end or start
    return start <= d <= end  # type: ignore[operator]


def permit_findings(ctx: Context, permits: list[DocumentOnFile]) -> list[Finding]:
    """Judge the permit that best covers the kitchen dates; accepted permits may cover them together."""
    pol = ctx.policy
    if not permits:
        return [make_finding(ctx, "HEALTH_PERMIT_MISSING", kitchen_dates=span(ctx.kitchen_dates))]
    accepted = [p for p in permits if pol.issuer_accepted("health_permit", as_text(p.fields.get("issuer")))]

    def one(doc: DocumentOnFile, judged: str) -> list[Finding]:
        out = []
        issuer = as_text(doc.fields.get("issuer"))
        if not pol.issuer_accepted("health_permit", issuer):
            out.append(
                make_finding(
                    ctx,
                    "HEALTH_PERMIT_ISSUER_INVALID",
                    doc,
                    field="issuer",
                    judged=judged,
                    printed=quoted(issuer, pol.phrases.unknown),
                )
            )
        pool = [doc, *accepted]
        uncovered = [d for d in ctx.kitchen_dates if not any(permit_covers(p, d) for p in pool)]
        if uncovered:
            out.append(
                make_finding(
                    ctx,
                    "HEALTH_PERMIT_DATES",
                    doc,
                    field="valid_to",
                    judged=judged,
                    period=period(
                        as_date(doc.fields.get("valid_from")),
                        as_date(doc.fields.get("valid_to")),
                        pol.phrases.unknown,
                    ),
                    uncovered=", ".join(d.isoformat() for d in uncovered),
                )
            )
        return out

    def rank(doc: DocumentOnFile, findings: list[Finding]) -> tuple:
        covered = sum(permit_covers(doc, d) for d in ctx.kitchen_dates)
        return (_blocks(findings), -covered, _neg_ordinal(as_date(doc.fields.get("valid_to"))))

    return judge_best(ctx, permits, one, rank)[1]


# ----------------------------------------------------------------------------- background checks


_JOINERS = re.compile(r"(?<=[A-Za-z])['’`‘-](?=[A-Za-z])")


def same_person(printed: str | None, listed: str | None) -> bool:
    """person_names_match, with "O'Neill" and "Garcia-Lopez" kept as one surname word.

    names.fold splits such surnames into two words, so 'O'Neill, Maria T.' (last name 'o neill')
    would not match 'Maria T. O'Neill' (last name 'neill'); joining them first fixes that.
    """
    if not printed or not listed:
        return False
    return person_names_match(_JOINERS.sub("", printed), _JOINERS.sub("", listed))


def is_cleared(v: Any) -> bool:
    return fold(as_text(v) or "") == "cleared"


def person_findings(ctx: Context, person: str, checks: list[DocumentOnFile]) -> list[Finding]:
    """The clearance rules for one listed person, judged on that person's best clearance."""
    mine = [c for c in checks if same_person(as_text(c.fields.get("person_name")), person)]
    if not mine:
        return [make_finding(ctx, "BACKGROUND_CHECK_MISSING", subject=person, person=person)]

    def one(doc: DocumentOnFile, judged: str) -> list[Finding]:
        status = as_text(doc.fields.get("status"))
        if not is_cleared(status):
            return [
                make_finding(
                    ctx,
                    "BACKGROUND_CHECK_NOT_CLEARED",
                    doc,
                    field="status",
                    subject=person,
                    judged=judged,
                    person=person,
                    status=(status or ctx.policy.phrases.unknown).replace("_", " "),
                )
            ]
        exp = as_date(doc.fields.get("expiration_date"))
        needed = ctx.last_use or ctx.as_of
        if exp is None or exp < needed:
            return [
                make_finding(
                    ctx,
                    "BACKGROUND_CHECK_EXPIRED",
                    doc,
                    field="expiration_date",
                    subject=person,
                    judged=judged,
                    person=person,
                    expiration=iso(exp, ctx.policy.phrases.unknown),
                    last_use=iso(needed),
                )
            ]
        return []

    def rank(doc: DocumentOnFile, findings: list[Finding]) -> tuple:
        return (_blocks(findings), _neg_ordinal(as_date(doc.fields.get("expiration_date"))))

    return judge_best(ctx, mine, one, rank)[1]


# ----------------------------------------------------------------------------- CPR cards


def cpr_findings(ctx: Context, person: str, cards: list[DocumentOnFile]) -> list[Finding]:
    """CPR_MISSING / CPR_EXPIRED for one listed person, judged on that person's best card on file."""
    mine = [c for c in cards if same_person(as_text(c.fields.get("person_name")), person)]
    if not mine:
        return [make_finding(ctx, "CPR_MISSING", subject=person, person=person)]
    needed = ctx.last_use or ctx.as_of

    def one(doc: DocumentOnFile, judged: str) -> list[Finding]:
        through = as_date(doc.fields.get("valid_through"))
        if through is None or through < needed:
            return [
                make_finding(
                    ctx, "CPR_EXPIRED", doc, field="valid_through", subject=person, judged=judged, person=person,
                    expiration=iso(through, ctx.policy.phrases.unknown), last_use=iso(needed),
                )
            ]
        return []

    def rank(doc: DocumentOnFile, findings: list[Finding]) -> tuple:
        return (_blocks(findings), _neg_ordinal(as_date(doc.fields.get("valid_through"))))

    return judge_best(ctx, mine, one, rank)[1]


# ----------------------------------------------------------------------------- fees, accounts, kitchen


def recorded(ctx: Context, key: str) -> bool:
    """Does the registry keep this record for the request? A key left out of an older registry says nothing,
    unless the policy reads it as 'none'."""
    return key in ctx.request.recorded or ctx.policy.registry_records.absent_means_none


def deposit_findings(ctx: Context, fee: Fee) -> list[Finding]:
    """DEPOSIT_NOT_RECEIVED while a deposit is owed and no acceptable one of the amount is recorded."""
    rule = ctx.policy.fees.deposit
    if fee.category not in rule.categories or not recorded(ctx, "deposit_received"):
        return []
    threshold = money(rule.when_total_over)
    if fee.total is None:
        return [make_finding(ctx, "DEPOSIT_NOT_RECEIVED", unread=True, deposit_due="?", total="?", basis="",
                             problem=fee.problem or "not shown", threshold=threshold)]
    if not fee.deposit_due:
        return []
    got = ctx.request.deposit_received
    if got is None:
        problem = "no deposit is recorded"
    elif got.instrument in rule.refused_instruments:
        problem = f"the deposit recorded was paid in {got.instrument.replace('_', ' ')}, which is not accepted"
    elif got.amount is None:
        problem = "the amount of the deposit recorded is not shown"
    elif got.amount < fee.deposit_due:
        problem = f"the deposit recorded is {money(got.amount)}, less than the deposit owed"
    else:
        return []
    return [make_finding(ctx, "DEPOSIT_NOT_RECEIVED", deposit_due=money(fee.deposit_due), total=money(fee.total),
                         basis=fee.deposit_basis or "", problem=problem, threshold=threshold)]


def account_findings(ctx: Context) -> list[Finding]:
    if ctx.org.past_due_balance > 0:
        return [make_finding(ctx, "ACCOUNT_PAST_DUE", balance=money(ctx.org.past_due_balance))]
    return []


def kitchen_application_findings(ctx: Context) -> list[Finding]:
    """KITCHEN_APPLICATION_MISSING: kitchen use without the Food and Nutrition Services approval in time."""
    if not ctx.kitchen_dates or not recorded(ctx, "kitchen_application_approved_on"):
        return []
    days = ctx.policy.kitchen_application.min_days_before
    first = ctx.kitchen_dates[0]
    deadline = first - timedelta(days=days)
    approved = ctx.request.kitchen_application_approved_on
    if approved is None:
        problem = "no approval is recorded"
    elif approved > deadline:
        problem = f"it was approved on {iso(approved)}, too late"
    else:
        return []
    return [make_finding(ctx, "KITCHEN_APPLICATION_MISSING", first_kitchen=iso(first), deadline=iso(deadline),
                         min_days=days, problem=problem)]


# ----------------------------------------------------------------------------- the whole request


def make_context(request: FacilityRequest, org: Organization, policy: Policy, as_of: date) -> Context:
    use_dates = sorted({d for d in (as_date(x) for x in request.use_dates) if d})
    kitchen = sorted({d for d in (as_date(x) for x in request.kitchen_dates) if d})
    if request.uses_kitchen and not kitchen:
        kitchen = list(use_dates)  # kitchen use with no kitchen dates given: every use date
    submitted = as_date(request.submitted_on) or as_of  # unknown: the shortest possible notice
    return Context(request, org, policy, as_of, use_dates, kitchen, submitted)


def check_request(
    request: FacilityRequest,
    org: Organization,
    documents: list[DocumentOnFile],
    policy: Policy,
    as_of: date,
    revoked_eins: dict[str, Revocation] | None = None,
    fee: Fee | None = None,
) -> list[Finding]:
    """Every finding for one facility-use request, from the organization's documents on file. `fee`: the
    request's fee when the caller has worked it out already (validators.fees.request_fee)."""
    ctx = make_context(request, org, policy, as_of)
    mine = [d for d in documents if d.org_id == org.org_id]
    by_kind: dict[str, list[DocumentOnFile]] = {}
    for d in mine:
        by_kind.setdefault(d.doc_type, []).append(d)

    needed = set(policy.required_documents(org.category, org.government, request.community_school))
    if ctx.kitchen_dates or request.uses_kitchen:
        needed |= set(policy.extras.kitchen_requires)
    if request.serves_students:
        needed |= set(policy.extras.serving_students_requires)
    if request.cpr_required:
        needed |= set(policy.extras.cpr_required_requires)

    out = request_findings(ctx)
    out += account_findings(ctx)
    out += deposit_findings(ctx, fee if fee is not None else request_fee(request, org, policy))
    if ctx.kitchen_dates or request.uses_kitchen:
        out += kitchen_application_findings(ctx)
    if "coi" in needed:
        cois = by_kind.get("coi", [])
        if not cois:
            out.append(make_finding(ctx, "COI_MISSING"))
        else:
            out += judge_best(ctx, cois, lambda d, j: coi_findings(ctx, d, j), coi_rank(ctx))[1]
    if "nonprofit_letter" in needed:
        letters = by_kind.get("nonprofit_letter", [])
        best: DocumentOnFile | None = None
        if not letters:
            out.append(make_finding(ctx, "NONPROFIT_LETTER_MISSING"))
        else:
            best, judged = judge_best(
                ctx, letters, lambda d, j: letter_findings(ctx, d, revoked_eins, j), letter_rank
            )
            out += judged
        out += revocation_findings(ctx, best, revoked_eins)
    if "business_license" in needed:
        licenses = by_kind.get("business_license", [])
        if not licenses:
            out.append(make_finding(ctx, "BUSINESS_LICENSE_MISSING"))
        else:
            out += judge_best(ctx, licenses, lambda d, j: license_findings(ctx, d, j), license_rank)[1]
    if "health_permit" in needed:
        out += permit_findings(ctx, by_kind.get("health_permit", []))
    if "background_check" in needed:
        checks = by_kind.get("background_check", [])
        for person in dict.fromkeys(p for p in request.personnel if p and p.strip()):
            out += person_findings(ctx, person.strip(), checks)
    if "cpr_certificate" in needed:
        cards = by_kind.get("cpr_certificate", [])
        for person in dict.fromkeys(p.strip() for p in request.personnel if p and p.strip()):
            out += cpr_findings(ctx, person, cards)
    return out
