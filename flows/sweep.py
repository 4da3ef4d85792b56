"""The nightly sweep: re-check every open request as of a day, record the run, send the notices that follow.

Open means a use date on or after the as-of day. The checks are the same rules as `compliance check`
(validators/rules.py), stored in bulk so 100,000 requests take seconds, not minutes. The run is compared with
the previous one, so each new flag (and each request that became compliant) is reported once.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.checks import apply_waivers
from flows.mailer import SendOutcome, send_notices
from flows.notices import (
    EXPIRY_FIELDS,
    DigestContent,
    Expiring,
    Notice,
    deficiency_notice,
    digest_notices,
    reminder_threshold,
    renewal_notice,
    sent_documents,
)
from flows.service_settings import ServiceSettings, load_settings
from storage import repository as repo
from storage import service_repo as srepo
from storage.db import database
from storage.records import DocumentOnFile, FacilityRequest, Finding, Organization
from validators.fees import request_fee
from validators.policy import Policy, load_policy
from validators.rules import as_date, as_text, check_request, same_person, verdict


@dataclass
class SweepResult:
    run_id: int
    as_of: date
    checked: int = 0
    flagged: int = 0
    newly_flagged: list[str] = field(default_factory=list)
    newly_compliant: list[str] = field(default_factory=list)
    changed: int = 0  # requests whose findings or verdict changed (rows rewritten)
    expiring: list[Expiring] = field(default_factory=list)
    notices: SendOutcome = field(default_factory=SendOutcome)
    seconds: dict[str, float] = field(default_factory=dict)


def district_today(settings: ServiceSettings) -> date:
    """Today in the district's time zone (the sweep at 02:00 is about that day)."""
    try:
        return datetime.now(ZoneInfo(settings.sweep.timezone)).date()
    except Exception:  # an unknown zone is reported by `doctor`; fall back to the machine's day
        return date.today()


def needed_kinds(req: FacilityRequest, org: Organization, policy: Policy) -> set[str]:
    needed = set(policy.required_documents(org.category, org.government, req.community_school))
    if req.kitchen_dates or req.uses_kitchen:
        needed |= set(policy.extras.kitchen_requires)
    if req.serves_students:
        needed |= set(policy.extras.serving_students_requires)
    if req.cpr_required:
        needed |= set(policy.extras.cpr_required_requires)
    return needed


def _latest(docs: list[DocumentOnFile], name: str) -> tuple[DocumentOnFile, date] | None:
    dated = [(d, as_date(d.fields.get(name))) for d in docs]
    dated = [(d, e) for d, e in dated if e is not None]
    return max(dated, key=lambda t: t[1]) if dated else None  # type: ignore[return-value,arg-type]


def expiring_documents(
    req: FacilityRequest, org: Organization, docs: list[DocumentOnFile], policy: Policy, as_of: date, horizon: int
) -> list[tuple[str, DocumentOnFile, date, str | None]]:
    """Documents the request needs whose best copy on file expires within `horizon` days and before a
    remaining use date: (kind, document, expiry, person)."""
    remaining = [d for d in req.use_dates if d >= as_of]
    if not remaining:
        return []
    last = max(remaining)
    out = []
    for kind in sorted(needed_kinds(req, org, policy) & set(EXPIRY_FIELDS)):
        of_kind = [d for d in docs if d.doc_type == kind]
        groups: list[tuple[str | None, list[DocumentOnFile]]]
        if kind in ("background_check", "cpr_certificate"):
            groups = [(p, [d for d in of_kind if same_person(as_text(d.fields.get("person_name")), p)])
                      for p in dict.fromkeys(x.strip() for x in req.personnel if x and x.strip())]
        else:
            groups = [(None, of_kind)]
        for person, group in groups:
            best = _latest(group, EXPIRY_FIELDS[kind])
            if best and as_of <= best[1] < last and (best[1] - as_of).days <= horizon:
                out.append((kind, best[0], best[1], person))
    return out


PARALLEL_FROM = 4000  # requests; below this one process is quicker than starting workers
_work: dict = {}  # the inputs of a sweep, inherited by forked workers


def _check_slice(bounds: tuple[int, int]) -> list[tuple[str, str, list[Finding], list[tuple], dict]]:
    """Check requests[start:end] of the current sweep: (request, verdict, findings, expiring documents, fee)."""
    w = _work
    out = []
    for req, _previous in w["requests"][bounds[0] : bounds[1]]:
        org = w["orgs"][req.org_id]
        docs = w["docs_by_org"].get(org.org_id, [])
        fee = request_fee(req, org, w["policy"])
        findings = check_request(req, org, docs, w["policy"], w["as_of"], w["revocations"], fee)
        apply_waivers(findings, w["waivers"].get(req.request_id, []))
        expiring = [
            (kind, doc.document, doc.segment_id, expires, person)
            for kind, doc, expires, person in expiring_documents(req, org, docs, w["policy"], w["as_of"], w["horizon"])
        ]
        out.append((req.request_id, verdict(findings), findings, expiring, fee.to_dict()))
    return out


def _check_all(n: int, workers: int) -> list[tuple[str, str, list[Finding], list[tuple], dict]]:
    """Check every request, across processes on Linux (forked workers share the loaded inputs)."""
    if workers <= 1 or n < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return _check_slice((0, n))
    step = -(-n // (workers * 4))
    parts = [(i, min(n, i + step)) for i in range(0, n, step)]
    gc.freeze()  # the loaded inputs are shared with the workers: keep the collector from touching (copying) them
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=gc.disable) as pool:
            return [row for chunk in pool.map(_check_slice, parts) for row in chunk]
    finally:
        gc.unfreeze()


def check_open_requests(db_url: str | None, as_of: date, settings: ServiceSettings) -> tuple[SweepResult, dict]:
    """Check every open request and store the results in bulk. Returns the result and what notices need."""
    policy = load_policy(settings.policy_path)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    db = database(db_url)
    with db.session() as s:
        run_id = srepo.start_sweep_run(s, as_of)
        last = srepo.last_sweep_run(s)
        orgs = srepo.organizations_by_id(s)
        requests = srepo.open_requests(s, as_of)
        docs_by_org: dict[str, list[DocumentOnFile]] = {}
        for d in srepo.documents_on_file_fast(s):
            docs_by_org.setdefault(d.org_id or "", []).append(d)
        revocations = repo.load_revocations(s)
        waivers = repo.active_waivers(s, as_of)
    timings["load"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = SweepResult(run_id, as_of)
    horizon = max(settings.notices.reminder_days or [0])
    _work.update(requests=requests, orgs=orgs, docs_by_org=docs_by_org, policy=policy, as_of=as_of,
                 revocations=revocations, waivers=waivers, horizon=horizon)
    try:
        checked = _check_all(len(requests), settings.sweep.workers or os.cpu_count() or 1)
    finally:
        _work.clear()
    with db.session() as s:
        stored = srepo.stored_findings(s, as_of)  # loaded after the check: the forked workers need not carry it
        stored_fees = srepo.stored_fees(s, as_of)
    previous = {req.request_id: prev for req, prev in requests}
    changed: dict[str, tuple[str, list[Finding]]] = {}
    verdicts: dict[str, str] = {}
    findings_of: dict[str, list[Finding]] = {}
    expiring: dict[tuple, Expiring] = {}
    fees: dict[str, dict] = {}
    for rid, v, findings, items, fee in checked:
        verdicts[rid] = v
        if fee != stored_fees.get(rid):
            fees[rid] = fee
        if v == "flagged":
            findings_of[rid] = findings
        if v != previous[rid] or [srepo.finding_tuple(f) for f in findings] != stored.get(rid, []):
            changed[rid] = (v, findings)
        for kind, document, segment_id, expires, person in items:
            key = (kind, segment_id, expires, person)
            item = expiring.get(key)
            if item is None:
                item = Expiring("", kind, document, segment_id, expires, (expires - as_of).days, [], person)
                expiring[key] = item
            item.requests.append(rid)
    org_of = {req.request_id: req.org_id for req, _ in requests}
    for item in expiring.values():
        item.org_id = org_of[item.requests[0]]
    timings["check"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    with db.session() as s:
        srepo.save_checks(s, as_of, list(verdicts), changed, fees)
        s.commit()
    timings["store"] = time.perf_counter() - t2
    flagged = {rid for rid, v in verdicts.items() if v == "flagged"}
    previous_flagged = set((last.details or {}).get("flagged", [])) if last else set()
    result.checked = len(verdicts)
    result.flagged = len(flagged)
    result.changed = len(changed)
    result.newly_flagged = sorted(flagged - previous_flagged)
    result.newly_compliant = sorted(r for r in previous_flagged if verdicts.get(r) == "compliant")
    result.expiring = sorted(expiring.values(), key=lambda e: (e.expires, e.org_id, e.doc_type))
    result.seconds = timings
    paths = {f.document for fs in findings_of.values() for f in fs if f.document}
    paths |= {item.document for item in result.expiring if item.document}
    with db.session() as s:  # notices name a document as its sender knows it, never by its stored path
        documents = sent_documents(repo.files_as_received(s, paths))
    context = {"orgs": orgs, "requests": {r.request_id: r for r, _ in requests}, "findings": findings_of,
               "flagged": flagged, "documents": documents}
    return result, context


def build_notices(result: SweepResult, context: dict, settings: ServiceSettings, failures: list[str]) -> list[Notice]:
    """Deficiency notices for flagged requests, renewal reminders, and the staff digest."""
    orgs: dict[str, Organization] = context["orgs"]
    requests: dict[str, FacilityRequest] = context["requests"]
    district = settings.notices.district
    out: list[Notice] = []
    for rid in sorted(context["flagged"]):
        req = requests[rid]
        n = deficiency_notice(req, orgs[req.org_id], context["findings"][rid], district, context.get("documents"))
        if n:
            out.append(n)
    for item in result.expiring:
        threshold = reminder_threshold(item.days_left, settings.notices.reminder_days)
        if threshold is not None:
            n = renewal_notice(item, orgs[item.org_id], threshold, district, context.get("documents"))
            if n:
                out.append(n)
    if settings.notices.staff:
        ahead = settings.notices.digest_days_ahead
        upcoming = []
        for rid in context["flagged"]:
            req = requests[rid]
            nxt = min((d for d in req.use_dates if d >= result.as_of), default=None)
            if nxt is not None and (nxt - result.as_of).days <= ahead:
                blocking = sum(f.severity == "block" and f.waiver_id is None for f in context["findings"][rid])
                upcoming.append((nxt, rid, orgs[req.org_id].name, blocking))
        new_flags = [
            (rid, orgs[requests[rid].org_id].name,
             [f.message for f in context["findings"][rid] if f.severity == "block" and f.waiver_id is None])
            for rid in result.newly_flagged
        ]
        content = DigestContent(result.as_of, result.checked, new_flags, result.newly_compliant, sorted(upcoming),
                                result.expiring, failures, {k: o.name for k, o in orgs.items()})
        out += digest_notices(content, settings.notices.staff, district)
    return out


def recent_failures(db_url: str | None, since: datetime | None) -> list[str]:
    """Files that failed in the watch folder and notices that could not be sent, for the digest."""
    with database(db_url).session() as s:
        return srepo.failures_since(s, since)


def sweep(
    db_url: str | None, as_of: date | None = None, settings: ServiceSettings | None = None, send: bool = True
) -> SweepResult:
    """Re-check all open requests as of a day, record the sweep run, and send the notices."""
    settings = settings or load_settings()
    day = as_of or district_today(settings)
    result, context = check_open_requests(db_url, day, settings)
    t = time.perf_counter()
    if send:
        with database(db_url).session() as s:
            last = srepo.last_sweep_run(s)
            since = last.finished_at if last and last.id != result.run_id else None
        failures = recent_failures(db_url, since)
        result.notices = send_notices(db_url, build_notices(result, context, settings, failures), settings)
    result.seconds["notices"] = time.perf_counter() - t
    with database(db_url).session() as s:
        srepo.finish_sweep_run(
            s, result.run_id, requests_checked=result.checked, newly_flagged=len(result.newly_flagged),
            newly_compliant=len(result.newly_compliant), expiring_soon=len(result.expiring),
            details={
                "flagged": sorted(context["flagged"]), "newly_flagged": result.newly_flagged,
                "newly_compliant": result.newly_compliant,
                "expiring": [{"org_id": e.org_id, "doc_type": e.doc_type, "document": e.document,
                              "expires": e.expires.isoformat(), "person": e.person, "requests": e.requests}
                             for e in result.expiring],
                "notices": {"sent": result.notices.sent, "dry_run": result.notices.dry_run,
                            "failed": result.notices.failed, "already": result.notices.already,
                            "errors": result.notices.errors[:50]},
                "seconds": {k: round(v, 3) for k, v in result.seconds.items()},
            },
        )
        s.commit()
    return result


@task(name="sweep", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=30)
def sweep_task(db_url: str | None, as_of: date | None, policy: str | None) -> dict:
    settings = load_settings()
    if policy:
        settings.sweep.policy = policy
    r = sweep(db_url, as_of, settings)
    if r.notices.failed:
        # visible in the Prefect UI as a failed run, after the results and the other notices are stored
        raise RuntimeError(f"{r.notices.failed} notices could not be sent: {'; '.join(r.notices.errors[:5])}")
    return summary_dict(r)


def summary_dict(r: SweepResult) -> dict:
    return {
        "as_of": r.as_of.isoformat(), "checked": r.checked, "flagged": r.flagged,
        "newly_flagged": len(r.newly_flagged), "newly_compliant": len(r.newly_compliant),
        "expiring_soon": len(r.expiring), "notices_sent": r.notices.sent, "notices_dry_run": r.notices.dry_run,
        "notices_failed": r.notices.failed, "seconds": {k: round(v, 2) for k, v in r.seconds.items()},
    }


@flow(name="nightly-sweep", log_prints=False)
def nightly_sweep_flow(as_of: date | None = None, db_url: str | None = None, policy: str | None = None) -> dict:
    """Re-check all open requests as of a day (default: today in the district's time zone), flag what lapsed,
    and send the notices that follow."""
    return sweep_task(db_url, as_of, policy)
