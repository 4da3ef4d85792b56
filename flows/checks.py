"""Checking requests against the policy, on the stored facts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from extractors.names import person_names_match
from storage import repository as repo
from storage.db import database
from storage.records import Finding, Waiver
from validators.fees import request_fee
from validators.policy import load_policy
from validators.rules import check_request, verdict


@dataclass
class CheckSummary:
    as_of: date
    checked: int = 0
    flagged: int = 0
    compliant: int = 0
    newly_flagged: list[str] = field(default_factory=list)
    newly_compliant: list[str] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)


def apply_waivers(findings: list[Finding], waivers: list[Waiver]) -> None:
    """Mark findings a reviewer resolved or waived (same code, same subject)."""
    for f in findings:
        for w in waivers:
            same_subject = (f.subject or "") == (w.subject or "") or person_names_match(f.subject, w.subject)
            if w.code == f.code and same_subject:
                f.waiver_id = w.waiver_id
                break


def check_requests(
    db_url: str | None, as_of: date, policy_path: Path | None = None, request_ids: list[str] | None = None,
    open_only: bool = False,
) -> CheckSummary:
    """Check requests as of a date; store each one's findings and verdict."""
    policy = load_policy(policy_path)
    summary = CheckSummary(as_of)
    with database(db_url).session() as s:
        orgs = {o.org_id: o for o in repo.load_organizations(s)}
        requests = repo.load_requests(s, open_on=as_of if open_only else None)
        if request_ids is not None:
            wanted = set(request_ids)
            requests = [r for r in requests if r.request_id in wanted]
        docs_by_org: dict[str, list] = {}
        for d in repo.documents_on_file(s):
            docs_by_org.setdefault(d.org_id or "", []).append(d)
        revocations = repo.load_revocations(s)
        waivers = repo.active_waivers(s, as_of)
        for req in requests:
            org = orgs[req.org_id]
            fee = request_fee(req, org, policy)
            findings = check_request(req, org, docs_by_org.get(org.org_id, []), policy, as_of, revocations, fee)
            apply_waivers(findings, waivers.get(req.request_id, []))
            v = verdict([f for f in findings if f.waiver_id is None])
            previous = repo.save_check(s, req.request_id, as_of, v, findings, fee.to_dict())
            summary.checked += 1
            summary.flagged += v == "flagged"
            summary.compliant += v == "compliant"
            summary.codes.update(f.code for f in findings)
            if previous != v and v == "flagged":
                summary.newly_flagged.append(req.request_id)
            elif previous == "flagged" and v == "compliant":
                summary.newly_compliant.append(req.request_id)
        s.commit()
    return summary
