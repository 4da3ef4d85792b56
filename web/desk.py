"""What the review desk does when staff act: each action is stored with its audit entry in one transaction,
then the affected requests are checked again at once (with the same rules as `compliance check`).

Plain functions over a database URL, so the command line and tests can call them like the web pages do.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from extractors.model import DATE_FIELDS, FIELDS_BY_TYPE
from extractors.normalize import parse_date, parse_money
from storage import repository as repo
from storage import web_repo
from storage.db import database
from storage.models import utcnow
from storage.records import Finding
from storage.registry_file import BadRow, parse_organization, parse_request
from web.present import code_words, field_label

MONEY_FIELDS = frozenset({"gl_each_occurrence", "gl_aggregate", "umbrella_each_occurrence"})
BOOL_FIELDS = frozenset({"additional_insured_aps"})
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()&'-]+")
FOLDER_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class DeskError(ValueError):
    """An action that cannot be done as asked; the message is shown to the person."""

    def __init__(self, message: str, field_name: str | None = None) -> None:
        super().__init__(message)
        self.field = field_name


class UnknownTarget(DeskError):
    """An upload names a request or organization the registry does not have (not from the desk's own forms)."""


@dataclass
class Outcome:
    message: str
    rechecked: dict[str, str] = field(default_factory=dict)  # request -> verdict after the re-check


# ------------------------------------------------------------------ re-checking


class Rechecked(dict[str, str]):
    """The verdicts after a re-check (request -> verdict), and what changed: `changes` holds each request's
    verdict before and after and the open findings cleared and new (as staff read them)."""

    def __init__(self, verdicts: dict[str, str], changes: dict[str, dict[str, Any]]) -> None:
        super().__init__(verdicts)
        self.changes = changes


def _open_findings(db_url: str | None, ids: list[str]) -> dict[str, tuple[str, set[tuple[str, str, str]]]]:
    """Each request's verdict and its open findings (code, subject, how staff read it)."""
    out = {}
    with database(db_url).session() as s:
        for rid in ids:
            row = web_repo.request_row(s, rid)
            if row is not None:
                out[rid] = (row.verdict or "", {(f.code, f.subject or "", code_words(f.code) + (
                    f" ({f.subject})" if f.subject else "")) for f in row.findings if f.waiver_id is None})
    return out


def recheck(db_url: str | None, request_ids: list[str], as_of: date, policy_path: Path | None = None) -> Rechecked:
    """Check these requests again now; their verdicts afterwards, with what changed."""
    from flows.checks import check_requests

    ids = sorted(set(request_ids))
    if not ids:
        return Rechecked({}, {})
    before = _open_findings(db_url, ids)
    check_requests(db_url, as_of, policy_path, request_ids=ids)
    after = _open_findings(db_url, ids)
    changes = {}
    for rid, (verdict, now) in after.items():
        was_verdict, was = before.get(rid, ("", set()))
        changes[rid] = {"before": was_verdict, "after": verdict,
                        "cleared": sorted(w for _, _, w in was - now), "new": sorted(w for _, _, w in now - was)}
    return Rechecked({rid: v for rid, (v, _) in after.items()}, changes)


def _verdict_note(verdicts: dict[str, str]) -> str:
    """'Checked again: AC11-2026-0176 is now compliant (was flagged); cleared: Insurance certificate expired.'"""
    if not verdicts:
        return ""
    changes = getattr(verdicts, "changes", {})
    parts = []
    for rid, v in sorted(verdicts.items()):
        c = changes.get(rid)
        if not c:
            parts.append(f"{rid} is now {v}")
            continue
        was = c["before"] or "not checked"
        text = f"{rid} is now {c['after']} (was {was})" if was != c["after"] else f"{rid} is still {c['after']}"
        if c["cleared"]:
            text += f"; cleared: {', '.join(c['cleared'])}"
        if c["new"]:
            text += f"; new: {', '.join(c['new'])}"
        if not c["cleared"] and not c["new"]:
            text += "; no finding changed"
        parts.append(text)
    return " Checked again: " + ". ".join(parts) + "."


# ------------------------------------------------------------------ findings


def decide_finding(
    db_url: str | None, actor: str, finding_id: int, kind: str, reason: str, expires_on: date | None,
    as_of: date, policy_path: Path | None = None,
) -> Outcome:
    """Resolve (after manual verification) or waive a finding; the waiver covers the same request, code
    and subject in every later check until it expires or is revoked."""
    if kind not in ("resolved", "waived"):
        raise DeskError("choose resolve or waive")
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DeskError("say why: a reason is required", "reason")
    if expires_on is not None and expires_on < as_of:
        raise DeskError("the expiry date has passed already", "expires_on")
    with database(db_url).session() as s:
        finding = s.get(web_repo.FindingRow, finding_id)
        if finding is None:
            raise DeskError("that finding is no longer current (the request was checked again); reload the page")
        rid, code, subject = finding.request_id, finding.code, finding.subject
        w = web_repo.add_waiver(
            s, request_id=rid, code=code, subject=subject, kind=kind, reason=reason, expires_on=expires_on,
            actor=actor,
        )
        repo.record_action(
            s, actor, "resolve_finding" if kind == "resolved" else "waive_finding", "request", rid, reason,
            {"waiver_id": w.id, "code": code, "subject": subject, "message": finding.message,
             "expires_on": expires_on.isoformat() if expires_on else None},
        )
        s.commit()
    verdicts = recheck(db_url, [rid], as_of, policy_path)
    what = "resolved" if kind == "resolved" else "waived" + (f" until {expires_on.isoformat()}" if expires_on else "")
    label = code_words(code) + (f" ({subject})" if subject else "")
    return Outcome(f"{label}: {what}." + _verdict_note(verdicts), verdicts)


def revoke_waiver(
    db_url: str | None, actor: str, waiver_id: int, reason: str, as_of: date, policy_path: Path | None = None
) -> Outcome:
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DeskError("say why the decision is withdrawn", "reason")
    with database(db_url).session() as s:
        w = web_repo.waiver_row(s, waiver_id)
        if w is None or w.revoked_at is not None:
            raise DeskError("that decision does not exist or was withdrawn already")
        w.revoked_at = utcnow()
        rid = w.request_id
        repo.record_action(s, actor, "revoke_waiver", "request", rid, reason,
                           {"waiver_id": w.id, "code": w.code, "subject": w.subject, "kind": w.kind})
        s.commit()
    verdicts = recheck(db_url, [rid], as_of, policy_path)
    return Outcome("Decision withdrawn." + _verdict_note(verdicts), verdicts)


# ------------------------------------------------------------------ fields


def parse_correction(name: str, text: str) -> Any:
    """A reviewer's typed value in the form the rules read (dates ISO, money whole dollars, yes/no)."""
    t = " ".join((text or "").split())
    if not t:
        raise DeskError("type the value as printed on the document", "value")
    if name in DATE_FIELDS:
        try:
            return date.fromisoformat(t).isoformat()
        except ValueError:
            d = parse_date(t)
            if d is None:
                raise DeskError(f"'{t}' is not a date (for example 2027-03-31)", "value") from None
            return d.isoformat()
    if name in MONEY_FIELDS:
        v = parse_money(t) if not t.isdigit() else int(t)
        if v is None:
            raise DeskError(f"'{t}' is not an amount in dollars (for example 1,000,000)", "value")
        return v
    if name in BOOL_FIELDS:
        low = t.lower()
        if low in ("yes", "y", "true", "1", "shown", "checked"):
            return True
        if low in ("no", "n", "false", "0", "not shown"):
            return False
        raise DeskError("answer yes or no", "value")
    return t


def correct_field(
    db_url: str | None, actor: str, field_id: int, text: str, reason: str, as_of: date,
    policy_path: Path | None = None, clear: bool = False,
) -> Outcome:
    """Store a corrected value beside the machine reading (never over it) and check the organization's
    requests again."""
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DeskError("say why the reading is wrong", "reason")
    with database(db_url).session() as s:
        f = web_repo.field_row(s, field_id)
        if f is None:
            raise DeskError("that field no longer exists (the document was read again); reload the page")
        new = None if clear else parse_correction(f.name, text)
        previous = f.corrected_value
        f.corrected_value = new
        seg = f.segment
        repo.record_action(
            s, actor, "clear_correction" if clear else "correct_field", "document", str(seg.document_id), reason,
            {"field": f.name, "segment_id": seg.id, "machine_value": f.value, "previous_correction": previous,
             "corrected_value": new},
        )
        org_id = seg.org_id
        rids = web_repo.request_ids_of(s, [org_id]) if org_id else []
        s.commit()
    verdicts = recheck(db_url, rids, as_of, policy_path)
    label = field_label(f.name)
    msg = f"Correction of {label} removed." if clear else f"{label} corrected to {new}."
    return Outcome(msg + _verdict_note(verdicts), verdicts)


def link_document(
    db_url: str | None, actor: str, segment_id: int, org_id: str, reason: str, as_of: date,
    policy_path: Path | None = None,
) -> Outcome:
    """Tie a classified document that names no registered organization (or several) to one by hand."""
    reason = (reason or "").strip()
    with database(db_url).session() as s:
        seg = web_repo.segment_row(s, segment_id)
        if seg is None:
            raise DeskError("that document no longer exists; reload the page")
        if not seg.doc_type:
            raise DeskError("say first what kind of document this is (This is a…), then link it")
        org = web_repo.organization_row(s, org_id)
        if org is None:
            raise DeskError("choose an organization from the registry", "org_id")
        before = seg.org_id
        web_repo.link_segment(s, seg, org.org_id, actor)
        repo.record_action(s, actor, "link_document", "document", str(seg.document_id), reason or None,
                           {"segment_id": seg.id, "doc_type": seg.doc_type, "org_id": org.org_id,
                            "previous_org_id": before})
        rids = web_repo.request_ids_of(s, [org.org_id])
        s.commit()
    verdicts = recheck(db_url, rids, as_of, policy_path)
    return Outcome(f"Document linked to {org.name}." + _verdict_note(verdicts), verdicts)


# ------------------------------------------------------------------ emptying the tray


def set_aside(db_url: str | None, actor: str, what: str, record_id: int, reason: str) -> Outcome:
    """Take a document ('segment': not a compliance document) or a file ('file': dealt with, e.g. the sender
    was asked for a new copy) out of the tray, with the reviewer's reason in the audit trail."""
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DeskError("say why: a reason is required", "reason")
    with database(db_url).session() as s:
        if what == "segment":
            seg = web_repo.segment_row(s, record_id)
            if seg is None:
                raise DeskError("that document no longer exists; reload the page")
            key, name, pages = web_repo.segment_key(seg), seg.document.original_name, list(seg.pages)
            said = f"{name} (p.{', '.join(map(str, pages))}) is set aside as not a compliance document."
        else:
            doc = web_repo.document_row(s, record_id)
            if doc is None:
                raise DeskError("that file no longer exists; reload the page")
            key, name, pages = web_repo.file_key(doc), doc.original_name, []
            said = f"{name} is set aside."
        repo.record_action(s, actor, web_repo.SET_ASIDE, what, key, reason, {"file": name, "pages": pages})
        s.commit()
    return Outcome(said + " It has left the tray.")


def reclassify(
    db_url: str | None, actor: str, segment_id: int, doc_type: str, org_id: str | None, reason: str, as_of: date,
    policy_path: Path | None = None,
) -> Outcome:
    """'This is a <kind>': read the document's fields again as that kind from its stored pages (no OCR), tie
    it to its organization (the one chosen, else as the pipeline would), and check that organization's
    requests again."""
    from extractors.documents import EXTRACTORS, page_image_loader, uncertain_fields
    from extractors.linking import hints_from_path, link_document
    from extractors.model import FieldValue
    from storage.settings import compliance_home

    if doc_type not in EXTRACTORS:
        raise DeskError("choose the kind of document", "doc_type")
    with database(db_url).session() as s:
        seg = web_repo.segment_row(s, segment_id)
        if seg is None:
            raise DeskError("that document no longer exists; reload the page")
        doc = seg.document
        pages = [p for p in (repo.cached_pages(s, doc.sha256) or []) if p.page_no in seg.pages]
        if not pages:
            raise DeskError("its pages are not stored; upload the file again")
        images = {no: compliance_home() / rel for no, rel in repo.page_image_paths(s, doc.sha256).items()}
        read = EXTRACTORS[doc_type](pages, page_image_loader(images))
        fields = {name: read.get(name, FieldValue(None)) for name in FIELDS_BY_TYPE[doc_type]}
        plain = {k: v.value for k, v in fields.items()}
        org = web_repo.organization_row(s, org_id) if org_id else None
        if org_id and org is None:
            raise DeskError("choose an organization from the registry", "org_id")
        if org is not None:
            link = {"org_id": org.org_id, "status": "processed", "reason": None, "link_method": "manual",
                    "link_confidence": 1.0, "link_evidence": f"linked by hand by {actor}", "link_candidates": []}
        else:
            orgs, requests = repo.load_organizations(s), repo.load_requests(s)
            hints = hints_from_path(doc.relative_path, {o.org_id for o in orgs},
                                    {r.request_id: r.org_id for r in requests})
            found = link_document(doc_type, plain, hints, orgs, requests)
            link = {"org_id": found.org_id, "status": "processed" if found.org_id else "unlinked",
                    "reason": None if found.org_id else f"names no organization in the registry — {found.evidence}",
                    "link_method": found.method, "link_confidence": found.confidence,
                    "link_evidence": found.evidence, "link_candidates": list(found.candidates)}
        before = seg.doc_type
        web_repo.reread_segment(s, seg, doc_type, f"set by hand by {actor}", fields,
                                uncertain_fields(doc_type, fields), link)
        repo.record_action(s, actor, "reclassify_document", "document", str(doc.id), (reason or "").strip() or None,
                           {"segment_id": seg.id, "doc_type": doc_type, "previous_doc_type": before,
                            "org_id": link["org_id"]})
        rids = web_repo.request_ids_of(s, [link["org_id"]]) if link["org_id"] else []
        org_name = (org.name if org else None) or (
            web_repo.organization_row(s, link["org_id"]).name if link["org_id"] else None)
        read_count = sum(1 for v in fields.values() if v.value is not None)
        s.commit()
    from web.present import doc_type_name

    tied = f" and tied to {org_name}" if org_name else "; it names no registered organization, so link it below"
    verdicts = recheck(db_url, rids, as_of, policy_path)
    return Outcome(f"Read again as: {doc_type_name(doc_type)}; {read_count} field(s) read{tied}."
                   + _verdict_note(verdicts), verdicts)


# ------------------------------------------------------------------ uploads


def safe_filename(name: str) -> str:
    base = Path((name or "").replace("\\", "/")).name
    base = SAFE_NAME.sub("_", base).strip(" .") or "upload"
    return base[:150]


def folder_name(record_id: str) -> str:
    """The folder an upload is received in, from a registry id read from the database: the id itself when it
    is a plain name (so the file is tied to its request or organization as in the watch folder), else a slug
    of it; never a path."""
    name = FOLDER_NAME.sub("_", record_id).strip("._")[:100]
    if not name:
        raise DeskError("this record's id cannot name a folder; put the file in the watch folder instead")
    return name


def upload_target(s: Any, org_id: str | None, request_id: str | None) -> tuple[str, str | None, str | None]:
    """(folder, organization, request) of an upload, looked up in the registry: a form's text is only ever
    the key of a lookup, never part of a path."""
    req = org = None
    if request_id:
        req = web_repo.request_row(s, request_id)
        if req is None:
            raise UnknownTarget(f"There is no request {request_id} in the registry.", "request_id")
    if org_id:
        org = web_repo.organization_row(s, org_id)
        if org is None:
            raise UnknownTarget(f"There is no organization {org_id} in the registry.", "org_id")
    if req is not None and org is not None and req.org_id != org.org_id:
        raise UnknownTarget(f"Request {req.request_id} is not one of {org.org_id}'s requests.", "org_id")
    if req is not None:
        return folder_name(req.request_id), req.org_id, req.request_id
    if org is not None:
        return folder_name(org.org_id), org.org_id, None
    return "unfiled", None, None


def upload_document(
    db_url: str | None, actor: str, filename: str, data: bytes, as_of: date, org_id: str | None = None,
    request_id: str | None = None, note: str = "", policy_path: Path | None = None,
) -> Outcome:
    """Receive a document through the browser as if it had been dropped into the watch folder, inside the
    folder of its request or organization (so it is tied to it), then check that organization's requests."""
    from flows.ingest import run_batches
    from flows.stages import IngestOptions

    if not data:
        raise DeskError("the file is empty", "file")
    with database(db_url).session() as s:
        sub, org_id, request_id = upload_target(s, org_id, request_id)
    name = safe_filename(filename)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S-%f")  # each upload its own place; copies are found by content
    tmp = Path(tempfile.mkdtemp(prefix="desk-upload-"))
    try:
        folder = tmp / sub
        path = folder / name
        if folder.parent != tmp or path.parent != folder:  # both are single plain names; say so loudly if not
            raise DeskError("the file could not be received")
        folder.mkdir()
        path.write_bytes(data)
        summary = run_batches(db_url, tmp, [path], IngestOptions(keep=True, path_prefix=f"uploads/{stamp}"),
                              use_prefect_tasks=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rel = f"uploads/{stamp}/{sub}/{name}"
    with database(db_url).session() as s:
        doc = web_repo.document_by_path(s, rel)
        if doc is None:
            raise DeskError("the file could not be received")
        orgs = {seg.org_id for seg in doc.segments if seg.org_id}
        if org_id:
            orgs.add(org_id)
        repo.record_action(s, actor, "upload_document", "document", str(doc.id), note.strip() or None,
                           {"file": name, "status": doc.status, "reason": doc.reason, "request_id": request_id,
                            "org_id": org_id, "documents_found": [seg.doc_type for seg in doc.segments]})
        rids = web_repo.request_ids_of(s, orgs)
        doc_id, status, why = doc.id, doc.status, doc.reason
        from web.present import doc_type_name

        kinds = [doc_type_name(seg.doc_type).lower() if seg.doc_type else "a page not recognised"
                 for seg in doc.segments]
        s.commit()
    if summary.duplicates:
        msg = f"{name} is a copy of a document already on file."
    elif status != "processed":
        from web.present import staff_reason, status_words

        msg = f"{name} was received but {status_words(status)}: {staff_reason(why)['main'] or 'no reason given.'}"
    else:
        msg = f"{name} received; found: {', '.join(kinds) or 'no compliance document'}."
    verdicts = recheck(db_url, rids, as_of, policy_path)
    out = Outcome(msg + _verdict_note(verdicts), verdicts)
    out.document_id = doc_id  # type: ignore[attr-defined]
    return out


# ------------------------------------------------------------------ notices


def _findings_of(row: Any) -> list[Finding]:
    return [
        Finding(code=f.code, severity=f.severity, message=f.message, subject=f.subject, document=f.document,
                page=f.page, segment_id=f.segment_id, waiver_id=f.waiver_id)
        for f in row.findings
    ]


def deficiency_preview(db_url: str | None, request_id: str) -> tuple[Any | None, str | None]:
    """The deficiency notice the organization would get now (flows.notices), or why there is none."""
    from flows.notices import deficiency_notice, sent_documents
    from flows.service_settings import load_settings

    settings = load_settings()
    with database(db_url).session() as s:
        row = web_repo.request_row(s, request_id)
        if row is None:
            return None, "no such request"
        org = web_repo.organization_row(s, row.org_id)
        if org is None:
            return None, "the request's organization is not in the registry"
        findings = _findings_of(row)
        documents = sent_documents(repo.files_as_received(s, [f.document for f in findings if f.document]))
        notice = deficiency_notice(repo.to_request(row), repo.to_organization(org), findings,
                                   settings.notices.district, documents)
        if notice is None:
            if not org.contact_email:
                return None, "The organization has no contact e-mail address in the registry."
            return None, "Nothing holds this request up: there is no deficiency to tell."
        return notice, None


def send_deficiency(db_url: str | None, actor: str, request_id: str) -> Outcome:
    """Send (or, without a mail server, write to the outbox) the deficiency notice, once per set of problems."""
    from flows.mailer import send_notices
    from flows.service_settings import load_settings

    notice, why = deficiency_preview(db_url, request_id)
    if notice is None:
        raise DeskError(why or "no notice to send")
    with database(db_url).session() as s:
        earlier = web_repo.notice_by_key(s, notice.dedupe_key)
        if earlier is not None and earlier.status in ("sent", "dry_run"):
            from flows.localtime import local_text

            when = local_text(earlier.sent_at or earlier.created_at)
            raise DeskError(f"This notice (the same problems) went to {earlier.recipient} on {when} already.")
    outcome = send_notices(db_url, [notice], load_settings())
    with database(db_url).session() as s:
        row = web_repo.notice_by_key(s, notice.dedupe_key)
        status = row.status if row else "not recorded"
        error = row.error if row else None
        repo.record_action(s, actor, "send_notice", "request", request_id, None,
                           {"notice_id": row.id if row else None, "recipient": notice.recipient,
                            "subject": notice.subject, "status": status, "error": error})
        s.commit()
    if status == "sent":
        return Outcome(f"Deficiency notice sent to {notice.recipient}.")
    if status == "dry_run":
        return Outcome(f"No mail server is set up: the notice to {notice.recipient} was written to the outbox.")
    raise DeskError(f"The notice could not be sent: {error or outcome.errors}")


# ------------------------------------------------------------------ registry upkeep


def _lines(text: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"[\n;]", text or "") if p.strip()]


def _dates(text: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"[\s,;]+", text or "") if p.strip()]


def organization_from_form(form: dict[str, str]) -> dict[str, Any]:
    return {
        "org_id": form.get("org_id", "").strip(), "name": form.get("name", "").strip(),
        "dba": _lines(form.get("dba")), "category": form.get("category", "").strip(),
        "government": form.get("government") in ("on", "true", "1", "yes"),
        "ein": form.get("ein", "").strip() or None, "address": form.get("address", "").strip() or None,
        "contact_email": form.get("contact_email", "").strip() or None,
    }


def request_from_form(form: dict[str, str]) -> dict[str, Any]:
    def flag(k: str) -> bool:
        return form.get(k) in ("on", "true", "1", "yes")

    return {
        "request_id": form.get("request_id", "").strip(), "org_id": form.get("org_id", "").strip(),
        "school": form.get("school", "").strip(), "facility": form.get("facility", "").strip(),
        "activity": form.get("activity", "").strip(), "use_dates": _dates(form.get("use_dates")),
        "start_time": form.get("start_time", "").strip() or None, "end_time": form.get("end_time", "").strip() or None,
        "submitted_on": form.get("submitted_on", "").strip() or None,
        "community_school": flag("community_school"), "uses_kitchen": flag("uses_kitchen"),
        "kitchen_dates": _dates(form.get("kitchen_dates")), "serves_students": flag("serves_students"),
        "personnel": _lines(form.get("personnel")),
    }


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: {"from": before.get(k), "to": v} for k, v in after.items() if before.get(k) != v}


def _check_presence(kind: str, key: str, field: str, existing: object, creating: bool) -> None:
    """A new record must not exist yet, an edited one must."""
    if creating and existing is not None:
        raise DeskError(f"{kind} {key} exists already", field)
    if not creating and existing is None:
        raise DeskError(f"{kind} {key} is not in the registry", field)


def save_organization(
    db_url: str | None, actor: str, form: dict[str, str], as_of: date, creating: bool,
    policy_path: Path | None = None,
) -> Outcome:
    """Create or edit an organization with the import's validation; re-check its requests."""
    try:
        org = parse_organization(organization_from_form(form))
    except BadRow as e:
        raise DeskError(e.message, e.field) from None
    with database(db_url).session() as s:
        existing = web_repo.organization_row(s, org.org_id)
        _check_presence("organization", org.org_id, "org_id", existing, creating)
        keys = ("name", "dba", "category", "government", "ein", "address", "contact_email")
        old = {k: getattr(repo.to_organization(existing), k) for k in keys} if existing else {}
        new = {k: getattr(org, k) for k in keys}
        repo.upsert_organizations(s, [org])
        changes = _changes(old, new)
        if not creating and not changes:
            return Outcome("Nothing changed.")
        repo.record_action(s, actor, "create_organization" if creating else "edit_organization", "organization",
                           org.org_id, form.get("reason", "").strip() or None, {"changes": changes})
        rids = web_repo.request_ids_of(s, [org.org_id])
        s.commit()
    verdicts = recheck(db_url, rids, as_of, policy_path)
    return Outcome(f"Organization {org.name} {'added' if creating else 'saved'}." + _verdict_note(verdicts), verdicts)


def save_request(
    db_url: str | None, actor: str, form: dict[str, str], as_of: date, creating: bool,
    policy_path: Path | None = None,
) -> Outcome:
    """Create or edit an AC-11 request with the import's validation, then check it."""
    try:
        req = parse_request(request_from_form(form))
    except BadRow as e:
        raise DeskError(e.message, e.field) from None
    with database(db_url).session() as s:
        existing = web_repo.request_row(s, req.request_id)
        _check_presence("request", req.request_id, "request_id", existing, creating)
        if web_repo.organization_row(s, req.org_id) is None:
            raise DeskError(f"organization '{req.org_id}' is not in the registry", "org_id")
        keys = ("org_id", "school", "facility", "activity", "use_dates", "start_time", "end_time", "submitted_on",
                "community_school", "uses_kitchen", "kitchen_dates", "serves_students", "personnel")

        def plain(v: Any) -> Any:
            if isinstance(v, list):
                return [x.isoformat() if isinstance(x, date) else x for x in v]
            return v.isoformat() if isinstance(v, date) else v

        old = {k: plain(getattr(repo.to_request(existing), k)) for k in keys} if existing else {}
        new = {k: plain(getattr(req, k)) for k in keys}
        changes = _changes(old, new)
        if not creating and not changes:
            return Outcome("Nothing changed.")
        _, errors = repo.upsert_requests(s, [req])
        if errors:
            raise DeskError(errors[0])
        repo.record_action(s, actor, "create_request" if creating else "edit_request", "request", req.request_id,
                           form.get("reason", "").strip() or None, {"changes": changes})
        s.commit()
    verdicts = recheck(db_url, [req.request_id], as_of, policy_path)
    return Outcome(f"Request {req.request_id} {'added' if creating else 'saved'}." + _verdict_note(verdicts), verdicts)


def fields_of_type(doc_type: str | None) -> tuple[str, ...]:
    return FIELDS_BY_TYPE.get(doc_type or "", ())
