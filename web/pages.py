"""The desk's pages (GET): queue, request, document, organization, tray, sweep history, audit trail, exports."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from extractors.pagetext import PREVIEW_DPI
from storage import web_repo
from storage.db import database
from storage.spreadsheet import safe_row
from web import present
from web.app import Forbidden, current_user, desk, render, require
from web.auth import CurrentUser
from web.desk import deficiency_preview, fields_of_type
from web.stored_files import ORIGINALS, PAGE_IMAGES, NotStored, read_stored, stored_response

router = APIRouter()
RESTRICTED_MESSAGE = "Background-check clearances are shown only to reviewers and administrators."


def _db(request: Request):  # type: ignore[no-untyped-def]
    return database(desk(request).db_url)


def _date_arg(v: str | None) -> date | None:
    try:
        return date.fromisoformat(v) if v else None
    except ValueError:
        return None


# ------------------------------------------------------------------ sign-in


@router.get("/login")
def login_page(request: Request, next: str = "/queue") -> Response:
    return render(request, "login.html", {"next": next if next.startswith("/") and not next.startswith("//")
                                          else "/queue", "error": None, "username": ""})


@router.get("/")
def home(request: Request) -> Response:
    current_user(request)
    return RedirectResponse("/queue", status_code=303)


# ------------------------------------------------------------------ the queue


def _filters(request: Request) -> web_repo.QueueFilters:
    q = request.query_params
    verdict = q.get("verdict", "flagged")
    return web_repo.QueueFilters(
        school=q.get("school", ""), category=q.get("category", ""), code=q.get("code", ""),
        first_from=_date_arg(q.get("from")), first_to=_date_arg(q.get("to")),
        verdict=verdict if verdict in ("flagged", "compliant", "all") else "flagged", search=q.get("q", "").strip(),
    )


@router.get("/queue")
def queue_page(request: Request) -> Response:
    user = require(request, "view")
    f = _filters(request)
    with _db(request).session() as s:
        items = web_repo.queue(s, f)
        choices = web_repo.queue_choices(s)
        counts = web_repo.verdict_counts(s)
        tray_files, tray_segments = web_repo.tray(s)
    by_code: dict[str, int] = defaultdict(int)
    for it in items:
        for fd in it.open_findings:
            by_code[fd.code] += 1
    today = desk(request).today()
    soon = sum(1 for it in items if it.request.first_use and 0 <= (it.request.first_use - today).days <= 14)
    return render(request, "queue.html", {
        "items": items, "f": f, "choices": choices, "counts": counts, "by_code": sorted(by_code.items()),
        "soon": soon, "tray_count": len(tray_segments) + len(tray_files), "user": user,
        "query": request.url.query,
    })


@router.get("/queue.csv")
def queue_csv(request: Request) -> Response:
    require(request, "view")
    f = _filters(request)
    with _db(request).session() as s:
        items = web_repo.queue(s, f)
        waivers = web_repo.waivers_by_id(s, [fd.waiver_id for it in items for fd in it.waived_findings])
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["request", "verdict", "first use", "organization", "org id", "category", "school", "facility",
                "severity", "code", "subject", "message", "document", "page", "decision", "decision reason",
                "decision expires"])
    for it in items:
        r, o = it.request, it.org
        base = [r.request_id, r.verdict or "", r.first_use.isoformat() if r.first_use else "", o.name, o.org_id,
                o.category, r.school, r.facility]
        if not it.open_findings and not it.waived_findings:
            w.writerow(safe_row([*base, "", "", "", "", "", "", "", "", ""]))
        for fd in it.open_findings + it.waived_findings:
            wv = waivers.get(fd.waiver_id or 0)
            w.writerow(safe_row([*base, fd.severity, fd.code, fd.subject or "", fd.message, fd.document or "",
                                 fd.page or "", wv.kind if wv else "", wv.reason if wv else "",
                                 wv.expires_on.isoformat() if wv and wv.expires_on else ""]))
    name = f"flagged-requests-{desk(request).today().isoformat()}.csv"
    return StreamingResponse(iter([buf.getvalue()]), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ------------------------------------------------------------------ a request


def _request_context(request: Request, request_id: str, user: CurrentUser) -> dict[str, Any]:
    with _db(request).session() as s:
        row = web_repo.request_row(s, request_id)
        if row is None:
            raise HTTPException(404, f"There is no request {request_id}.")
        org = web_repo.organization_row(s, row.org_id)
        findings = sorted(row.findings, key=lambda x: (x.waiver_id is not None, x.severity != "block", x.code))
        waivers = web_repo.waivers_of(s, request_id)
        by_id = {w.id: w for w in waivers}
        segments = web_repo.segments_of(s, row.org_id)
        seg_by_id = {seg.id: seg for seg in segments}
        seg_by_id.update(web_repo.segments_by_id(s, [f.segment_id for f in findings if f.segment_id
                                                      and f.segment_id not in seg_by_id]))
        notices = web_repo.notices_of(s, request_id)
        history = web_repo.actions_about(s, [("request", request_id)])
        others = [r for r in web_repo.requests_of(s, row.org_id) if r.request_id != request_id]
    visible = [seg for seg in segments if user.may_see(seg.doc_type)]
    hidden = len(segments) - len(visible)
    today = desk(request).today()
    return {
        "r": row, "org": org, "findings": findings, "open": [f for f in findings if not f.waiver_id],
        "waivers": waivers, "waiver_by_id": by_id, "segments": visible, "hidden_segments": hidden,
        "seg_by_id": seg_by_id, "notices": notices, "history": history, "others": others,
        "active_waivers": [w for w in waivers
                           if w.revoked_at is None and (w.expires_on is None or w.expires_on >= today)],
        "fields_of_type": fields_of_type, "superseded": present.superseded_by(visible),
    }


@router.get("/requests/{request_id}")
def request_page(request: Request, request_id: str) -> Response:
    user = require(request, "view")
    return render(request, "request.html", _request_context(request, request_id, user))


@router.get("/requests/{request_id}/summary")
def request_summary(request: Request, request_id: str) -> Response:
    user = require(request, "view")
    ctx = _request_context(request, request_id, user)
    ctx["printed_by"] = user.label
    ctx["printed_at"] = datetime.now(UTC)
    return render(request, "summary.html", ctx)


@router.get("/requests/{request_id}/notice")
def notice_preview(request: Request, request_id: str) -> Response:
    require(request, "view")
    with _db(request).session() as s:
        row = web_repo.request_row(s, request_id)
        if row is None:
            raise HTTPException(404, f"There is no request {request_id}.")
        notices = web_repo.notices_of(s, request_id)
    notice, why = deficiency_preview(desk(request).db_url, request_id)
    sent = None
    if notice is not None:
        sent = next((n for n in notices if n.dedupe_key == notice.dedupe_key and n.status in ("sent", "dry_run")),
                    None)
    return render(request, "notice.html", {"r": row, "notice": notice, "why": why, "notices": notices,
                                           "already": sent})


# ------------------------------------------------------------------ documents


def _restricted_pages(segments: list[Any], user: CurrentUser) -> set[int]:
    """Pages of a file that only belong to documents this account may not see."""
    hidden: set[int] = set()
    shown: set[int] = set()
    for seg in segments:
        (shown if user.may_see(seg.doc_type) else hidden).update(seg.pages or [])
    return hidden - shown


def _fully_restricted(segments: list[Any], user: CurrentUser) -> bool:
    return bool(segments) and not any(user.may_see(seg.doc_type) for seg in segments)


@router.get("/documents")
def documents_page(request: Request) -> Response:
    user = require(request, "view")
    params = request.query_params
    q, status, kind = params.get("q", "").strip()[:200], params.get("status", ""), params.get("kind", "")
    if status not in present.STATUS_WORDS:
        status = ""
    if kind != "none" and kind not in present.DOC_TYPE_NAMES:
        kind = ""
    try:
        page = max(int(params.get("page", "1")), 1)
    except ValueError:
        page = 1
    hidden = [k for k in present.DOC_TYPE_NAMES if not user.may_see(k)]
    with _db(request).session() as s:
        docs, total = web_repo.find_documents(s, q, status, kind, page, hidden_kinds=hidden)
        content = web_repo.content_segments(s, docs)
        orgs = {o.org_id: o.name for o in web_repo.organization_rows(s)}
    restricted = {d.id for d in docs if _fully_restricted(content[d.id], user)}
    pages = max((total + web_repo.DOCUMENTS_PER_PAGE - 1) // web_repo.DOCUMENTS_PER_PAGE, 1)
    from urllib.parse import urlencode

    def page_url(n: int) -> str:
        return "/documents?" + urlencode({k: v for k, v in (("q", q), ("status", status), ("kind", kind),
                                                             ("page", n)) if v})

    return render(request, "documents.html", {
        "docs": docs, "orgs": orgs, "user": user, "restricted": restricted, "total": total, "page": page,
        "pages": pages, "page_url": page_url, "f": {"q": q, "status": status, "kind": kind},
        "statuses": ["processed", "unreadable", "rejected", "duplicate"],
    })


def _document_and_content(s: Any, document_id: int) -> tuple[Any, list[Any]]:
    """The file's row and the documents found in its content (its original's, for a duplicate)."""
    doc = web_repo.document_row(s, document_id)
    if doc is None:
        raise HTTPException(404, "There is no such document.")
    return doc, web_repo.content_segments(s, [doc])[doc.id]


@router.get("/documents/{document_id}")
def document_page(request: Request, document_id: int) -> Response:
    user = require(request, "view")
    with _db(request).session() as s:
        doc, content = _document_and_content(s, document_id)
        pages = web_repo.page_infos(s, doc.sha256)
        orgs = {o.org_id: o for o in web_repo.organization_rows(s)}
        history = web_repo.actions_about(s, [("document", str(document_id))])
    if _fully_restricted(content, user):
        raise Forbidden(RESTRICTED_MESSAGE)
    segments = [seg for seg in doc.segments if user.may_see(seg.doc_type)]
    hidden = _restricted_pages(content, user)
    boxes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for seg in segments:
        odd = present.implausible(seg)
        for f in seg.fields:
            if f.page and f.bbox and len(f.bbox) == 4:
                boxes[f.page].append({"id": f.id, "name": f.name, "bbox": f.bbox, "low": present.is_low(f.confidence),
                                      "corrected": f.corrected_value is not None, "implausible": f.name in odd})
    return render(request, "document.html", {
        "doc": doc, "pages": pages, "segments": segments, "hidden_pages": hidden, "boxes": boxes, "orgs": orgs,
        "history": history if not hidden else [h for h in history if h.details.get("segment_id")
                                                in {seg.id for seg in segments}],
        "fields_of_type": fields_of_type, "restricted_count": len(doc.segments) - len(segments),
    })


def _not_stored() -> HTTPException:
    return HTTPException(404, "The file is not stored.")


@router.get("/documents/{document_id}/pages/{page_no}.png")
def page_image(request: Request, document_id: int, page_no: int) -> Response:
    user = require(request, "view")
    with _db(request).session() as s:
        doc, content = _document_and_content(s, document_id)
        if page_no in _restricted_pages(content, user) or _fully_restricted(content, user):
            raise Forbidden(RESTRICTED_MESSAGE)
        info = {p.page_no: p for p in web_repo.page_infos(s, doc.sha256)}.get(page_no)
    try:
        return stored_response(desk(request).home, PAGE_IMAGES, info.image_path if info else None, "image/png",
                               headers={"Cache-Control": "private, max-age=3600"})
    except NotStored:
        raise _not_stored() from None


@router.get("/documents/{document_id}/pages/{page_no}/zoom.webp")
def page_zoom_image(request: Request, document_id: int, page_no: int) -> Response:
    """The page at 200 dpi for reading small print (made from the original on first request, then kept)."""
    from web import zoom

    user = require(request, "view")
    with _db(request).session() as s:
        doc, content = _document_and_content(s, document_id)
        if page_no in _restricted_pages(content, user) or _fully_restricted(content, user):
            raise Forbidden(RESTRICTED_MESSAGE)
        info = {p.page_no: p for p in web_repo.page_infos(s, doc.sha256)}.get(page_no)
        sha, stored, media = doc.sha256, doc.stored_path, doc.media_type
    if info is None:
        raise HTTPException(404, "There is no such page.")
    home = desk(request).home
    rel = f"{PAGE_IMAGES}/{zoom.zoom_name(sha, page_no)}"
    try:
        data = read_stored(home, PAGE_IMAGES, rel)
    except NotStored:
        try:
            original = read_stored(home, ORIGINALS, stored)
        except NotStored:
            raise _not_stored() from None
        data = zoom.make_zoom_image(original, media or "", page_no, info.width, info.height, info.rotation,
                                    info.skew)
        zoom.keep(home, rel, data)
    return Response(data, media_type="image/webp", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/documents/{document_id}/original")
def original_file(request: Request, document_id: int) -> Response:
    user = require(request, "view")
    with _db(request).session() as s:
        doc, content = _document_and_content(s, document_id)
        if _restricted_pages(content, user) or _fully_restricted(content, user):
            raise Forbidden(RESTRICTED_MESSAGE)
        stored, name, media = doc.stored_path, doc.original_name, doc.media_type
    try:
        return stored_response(desk(request).home, ORIGINALS, stored, media or "application/octet-stream",
                               filename=name)
    except NotStored:
        raise _not_stored() from None


@router.get("/fields/{field_id}/evidence.png")
def evidence_crop(request: Request, field_id: int) -> Response:
    """The words a field was read from, cut out of the page image (with a little margin)."""
    from PIL import Image

    user = require(request, "view")
    with _db(request).session() as s:
        f = web_repo.field_row(s, field_id)
        if f is None or not f.bbox or not f.page:
            raise HTTPException(404)
        if not user.may_see(f.segment.doc_type):
            raise Forbidden(RESTRICTED_MESSAGE)
        info = {p.page_no: p for p in web_repo.page_infos(s, f.segment.document.sha256)}.get(f.page)
        bbox = list(f.bbox)
    try:
        png = read_stored(desk(request).home, PAGE_IMAGES, info.image_path if info else None)
    except NotStored:
        raise _not_stored() from None
    with Image.open(io.BytesIO(png)) as im:
        scale = PREVIEW_DPI / 72  # the page images are stored at this resolution
        x0, y0, x1, y1 = (float(v) * scale for v in bbox)
        pad = 8
        box = (max(0, int(x0 - pad)), max(0, int(y0 - pad)),
               min(im.width, int(x1 + pad)), min(im.height, int(y1 + pad)))
        if box[2] <= box[0] or box[3] <= box[1]:
            raise HTTPException(404)
        crop = im.crop(box)
        if crop.height > 160:
            crop = crop.crop((0, 0, crop.width, 160))
        buf = io.BytesIO()
        crop.save(buf, format="PNG")
    return Response(buf.getvalue(), media_type="image/png", headers={"Cache-Control": "private, max-age=600"})


# ------------------------------------------------------------------ organizations


@router.get("/organizations")
def organizations_page(request: Request) -> Response:
    require(request, "view")
    with _db(request).session() as s:
        orgs = web_repo.organization_rows(s)
    return render(request, "organizations.html", {"orgs": orgs})


@router.get("/organizations/new")
def organization_new(request: Request) -> Response:
    require(request, "registry")
    return render(request, "org_form.html", {"o": {}, "creating": True, "error": None})


@router.get("/organizations/{org_id}")
def organization_page(request: Request, org_id: str) -> Response:
    user = require(request, "view")
    with _db(request).session() as s:
        org = web_repo.organization_row(s, org_id)
        if org is None:
            raise HTTPException(404, f"There is no organization {org_id}.")
        segments = web_repo.segments_of(s, org_id)
        requests = web_repo.requests_of(s, org_id)
        history = web_repo.actions_about(s, [("organization", org_id)])
    visible = [seg for seg in segments if user.may_see(seg.doc_type)]
    return render(request, "organization.html", {
        "org": org, "segments": visible, "hidden_segments": len(segments) - len(visible), "requests": requests,
        "history": history, "superseded": present.superseded_by(visible),
    })


@router.get("/organizations/{org_id}/edit")
def organization_edit(request: Request, org_id: str) -> Response:
    require(request, "registry")
    with _db(request).session() as s:
        org = web_repo.organization_row(s, org_id)
        if org is None:
            raise HTTPException(404, f"There is no organization {org_id}.")
        values = {"org_id": org.org_id, "name": org.name, "dba": "\n".join(org.dba or []), "category": org.category,
                  "government": org.government, "ein": org.ein or "", "address": org.address or "",
                  "contact_email": org.contact_email or ""}
    return render(request, "org_form.html", {"o": values, "creating": False, "error": None})


# ------------------------------------------------------------------ request forms


def request_form_values(row: Any) -> dict[str, Any]:
    return {
        "request_id": row.request_id, "org_id": row.org_id, "school": row.school, "facility": row.facility,
        "activity": row.activity, "use_dates": "\n".join(row.use_dates or []), "start_time": row.start_time or "",
        "end_time": row.end_time or "", "submitted_on": row.submitted_on.isoformat() if row.submitted_on else "",
        "community_school": row.community_school, "uses_kitchen": row.uses_kitchen,
        "kitchen_dates": "\n".join(row.kitchen_dates or []), "serves_students": row.serves_students,
        "personnel": "\n".join(row.personnel or []),
    }


@router.get("/requests-new")
def request_new(request: Request, org_id: str = "") -> Response:
    require(request, "registry")
    with _db(request).session() as s:
        orgs = web_repo.organization_rows(s)
        places = web_repo.places(s)
    return render(request, "request_form.html", {"v": {"org_id": org_id}, "creating": True, "orgs": orgs,
                                                 "error": None, "places": places})


@router.get("/requests/{request_id}/edit")
def request_edit(request: Request, request_id: str) -> Response:
    require(request, "registry")
    with _db(request).session() as s:
        row = web_repo.request_row(s, request_id)
        if row is None:
            raise HTTPException(404, f"There is no request {request_id}.")
        orgs = web_repo.organization_rows(s)
        values = request_form_values(row)
        places = web_repo.places(s)
    return render(request, "request_form.html", {"v": values, "creating": False, "orgs": orgs, "error": None,
                                                 "places": places})


# ------------------------------------------------------------------ tray, sweeps, audit


@router.get("/tray")
def tray_page(request: Request) -> Response:
    require(request, "view")
    with _db(request).session() as s:
        files, segments = web_repo.tray(s)
        orgs = web_repo.organization_rows(s)
    return render(request, "tray.html", {"files": files, "segments": segments, "orgs": orgs})


@router.get("/sweeps")
def sweeps_page(request: Request) -> Response:
    require(request, "view")
    with _db(request).session() as s:
        runs = web_repo.sweep_runs(s)
    return render(request, "sweeps.html", {"runs": runs})


@router.get("/audit")
def audit_page(request: Request, actor: str = "", subject_type: str = "", subject_id: str = "") -> Response:
    require(request, "audit")
    with _db(request).session() as s:
        rows = web_repo.audit_trail(s, actor.strip(), subject_type.strip(), subject_id.strip())
        users = web_repo.list_users(s)
    return render(request, "audit.html", {"rows": rows, "users": users, "actor": actor, "subject_type": subject_type,
                                          "subject_id": subject_id})
